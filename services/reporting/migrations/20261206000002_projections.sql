-- Reporting's projections (R-RP-2, R-RP-3), built only from other services' events. Every event
-- is kept in `event_log` whatever its type, so that every projection can be rebuilt from it and
-- a later version can project a type this one does not know. The projections are of two kinds:
-- one row per thing announced (schools, classes, pupils, homework, submissions, absences, …),
-- which keeps them exact and independent of the order events arrive in; and counters per class
-- or teacher (`*_blocks`), which keep a region's dashboard a small aggregate. Counters are keyed
-- by the start of their block: the latest local midnight of any region at or before the instant
-- counted (two blocks a day in 2020, one since 2024), so the week a count falls in is taken at
-- read time, exactly, in the school region's own time zone.

CREATE TABLE event_log (
    seq          BIGSERIAL PRIMARY KEY,
    event_id     UUID NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    producer     TEXT NOT NULL,
    occurred_at  TIMESTAMPTZ,
    envelope     BYTEA NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX event_log_by_type ON event_log (event_type);

CREATE TABLE districts (
    district_id  TEXT PRIMARY KEY,
    region_code  TEXT NOT NULL,
    name         TEXT NOT NULL
);

CREATE TABLE schools (
    school_id      TEXT PRIMARY KEY,
    region_code    TEXT NOT NULL,
    district_id    TEXT,
    name           TEXT NOT NULL,
    connectivity   TEXT NOT NULL,
    learning_mode  TEXT NOT NULL
);
CREATE INDEX schools_by_region ON schools (region_code);
CREATE INDEX schools_by_district ON schools (district_id);

-- Schools counted before this version came from events it did not keep: they are kept here,
-- and a rebuild starts from them before it replays the log.
CREATE TABLE legacy_schools AS
SELECT school_id, region_code, NULL::text AS district_id, ''::text AS name, connectivity, 'unknown'::text AS learning_mode FROM school_connectivity;
INSERT INTO schools (school_id, region_code, district_id, name, connectivity, learning_mode) SELECT * FROM legacy_schools;
DROP TABLE school_connectivity;

CREATE TABLE classes (
    class_id        TEXT PRIMARY KEY,
    school_id       TEXT NOT NULL,
    grade           INT NOT NULL,
    language        TEXT NOT NULL,
    -- Lessons a week by the class's weekly load.
    weekly_lessons  INT NOT NULL
);
CREATE INDEX classes_by_school ON classes (school_id);

CREATE TABLE teachers (
    teacher_id  TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL,
    full_name   TEXT NOT NULL
);

CREATE TABLE pupils (
    pupil_id       TEXT PRIMARY KEY,
    school_id      TEXT NOT NULL,
    class_id       TEXT NOT NULL,
    delivery       TEXT NOT NULL
);
CREATE INDEX pupils_by_class ON pupils (class_id);

-- Each timetable event of a school: a stored timetable (aligned with the TV grid) or a grid that
-- breaks it. The latest by (version, misaligned after aligned) is the school's state.
CREATE TABLE timetable_states (
    school_id  TEXT NOT NULL,
    version    BIGINT NOT NULL,
    aligned    BOOLEAN NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (school_id, version, aligned)
);

CREATE TABLE homework (
    homework_id  TEXT PRIMARY KEY,
    school_id    TEXT NOT NULL,
    class_id     TEXT NOT NULL,
    teacher_id   TEXT NOT NULL,
    lesson_kind  TEXT NOT NULL,
    deadline     TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL,
    withdrawn    BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX homework_by_class_deadline ON homework (class_id, deadline);

-- The first attempt of each (homework, pupil): what submission and on-time rates count.
CREATE TABLE submissions (
    homework_id  TEXT NOT NULL,
    pupil_id     TEXT NOT NULL,
    class_id     TEXT NOT NULL,
    channel      TEXT NOT NULL,
    counted_at   TIMESTAMPTZ NOT NULL,
    deadline     TIMESTAMPTZ NOT NULL,
    late         BOOLEAN NOT NULL,
    -- The block of the deadline its counter was bumped in.
    deadline_block  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (homework_id, pupil_id)
);

-- First attempts per class, block of their deadline and channel.
CREATE TABLE submission_blocks (
    class_id        TEXT NOT NULL,
    deadline_block  TIMESTAMPTZ NOT NULL,
    channel         TEXT NOT NULL,
    handed_in       BIGINT NOT NULL,
    on_time         BIGINT NOT NULL,
    PRIMARY KEY (class_id, deadline_block, channel)
);

-- Per class, teacher and block: attempts counted in it and feedback given in it (feedback
-- frequency).
CREATE TABLE work_blocks (
    class_id    TEXT NOT NULL,
    teacher_id  TEXT NOT NULL,
    block       TIMESTAMPTZ NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    feedbacks   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (class_id, teacher_id, block)
);

-- First attempts at a homework by pupils learning on paper (by their delivery when they handed
-- it in): paper work overdue is the class's paper pupils less these.
CREATE TABLE paper_work (
    homework_id  TEXT PRIMARY KEY,
    handed_in    BIGINT NOT NULL
);

-- Attempts that have had feedback: the first feedback of each is the one its latency is of.
CREATE TABLE feedback_attempts (
    submission_id  TEXT NOT NULL,
    attempt        INT NOT NULL,
    PRIMARY KEY (submission_id, attempt)
);

-- Each attempt's first feedback per class, teacher, block given and latency bucket (minutes,
-- lower bound).
CREATE TABLE feedback_blocks (
    class_id        TEXT NOT NULL,
    teacher_id      TEXT NOT NULL,
    given_block     TIMESTAMPTZ NOT NULL,
    latency_bucket  INT NOT NULL,
    feedbacks       BIGINT NOT NULL,
    PRIMARY KEY (class_id, teacher_id, given_block, latency_bucket)
);

CREATE TABLE absences (
    absence_id  TEXT PRIMARY KEY,
    class_id    TEXT NOT NULL,
    -- NULL until AbsenceMarked arrives (a withdrawal may arrive first).
    date        DATE,
    withdrawn   BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX absences_by_class_date ON absences (class_id, date);

-- National facts: TV content put on air, and proctored sessions (their events name no school).
CREATE TABLE tv_assets (
    event_kind  TEXT NOT NULL,
    asset_id    TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    grade       INT NOT NULL,
    language    TEXT NOT NULL,
    PRIMARY KEY (event_kind, asset_id, at)
);

CREATE TABLE proctoring_sessions (
    session_id       TEXT PRIMARY KEY,
    scheduled_start  TIMESTAMPTZ,
    verdict          TEXT,
    verdict_at       TIMESTAMPTZ,
    version          BIGINT NOT NULL
);

-- Kept weekly reports (R-RP-1): a finished week's report is generated once and read as kept.
CREATE TABLE weekly_reports (
    week          DATE PRIMARY KEY,
    generated_at  TIMESTAMPTZ NOT NULL,
    -- Movements and trends as the report showed them (JSON of the domain's types).
    document      JSONB NOT NULL
);

CREATE TABLE weekly_report_rows (
    week            DATE NOT NULL REFERENCES weekly_reports (week) ON DELETE CASCADE,
    level           TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    area_code       TEXT NOT NULL,
    area_name       TEXT NOT NULL,
    indicator       TEXT NOT NULL,
    value           DOUBLE PRECISION NOT NULL,
    numerator       BIGINT NOT NULL,
    denominator     BIGINT NOT NULL,
    previous_value  DOUBLE PRECISION,
    PRIMARY KEY (week, level, area_code, indicator)
);
