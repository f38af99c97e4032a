-- Issue 11: the directory as this service needs it (from the schedule service's events), homework
-- versions and files, attachments, submissions with their attempts and history, marks, absences,
-- conferences and paper collection rounds (R-AS-1 … R-AS-9).

-- Classes, teachers and pupils, learnt from ClassRegistered, TeacherRegistered, PupilRegistered.
CREATE TABLE known_classes (
    class_id  UUID PRIMARY KEY,
    school_id UUID    NOT NULL,
    grade     INTEGER NOT NULL
);
CREATE TABLE known_teachers (
    teacher_id UUID PRIMARY KEY,
    school_id  UUID   NOT NULL,
    subjects   TEXT[] NOT NULL
);
CREATE TABLE known_pupils (
    pupil_id  UUID PRIMARY KEY,
    school_id UUID NOT NULL,
    class_id  UUID NOT NULL,
    full_name TEXT NOT NULL,
    delivery  TEXT NOT NULL
);
CREATE INDEX known_pupils_by_class ON known_pupils (class_id);

-- Homework: the lesson it follows, its files, expected minutes (R-AS-2) and versions.
ALTER TABLE homework
    -- NULL for homework posted before the lesson was linked.
    ADD COLUMN lesson           JSONB,
    ADD COLUMN files            JSONB       NOT NULL DEFAULT '[]',
    ADD COLUMN expected_minutes INTEGER     NOT NULL DEFAULT 0,
    ADD COLUMN version          BIGINT      NOT NULL DEFAULT 1,
    ADD COLUMN withdrawn_at     TIMESTAMPTZ,
    ADD COLUMN deadline_date    DATE;
-- Homework posted before deadline dates were kept: its date in Almaty time (the service did not
-- know the school's region then); new homework gets its school region's date.
UPDATE homework SET deadline_date = (deadline AT TIME ZONE 'Asia/Almaty')::date;
ALTER TABLE homework ALTER COLUMN deadline_date SET NOT NULL;
-- Every version as it was replaced, with who changed it.
CREATE TABLE homework_versions (
    homework_id UUID        NOT NULL REFERENCES homework,
    version     BIGINT      NOT NULL,
    snapshot    JSONB       NOT NULL,
    replaced_at TIMESTAMPTZ NOT NULL,
    replaced_by TEXT        NOT NULL,
    PRIMARY KEY (homework_id, version)
);
-- The daily volume check (R-AS-2): a class's homework due on one local date.
CREATE INDEX homework_by_class_day ON homework (class_id, deadline_date) WHERE withdrawn_at IS NULL;

CREATE TABLE attachments (
    attachment_id UUID PRIMARY KEY,
    school_id     UUID        NOT NULL,
    file_name     TEXT        NOT NULL,
    media_type    TEXT        NOT NULL,
    size          BIGINT      NOT NULL,
    sha256        TEXT        NOT NULL,
    blob_key      TEXT        NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL
);

-- One submission per pupil and homework (Classroom's StudentSubmission): its current state;
-- attempts and history below. Denormalised homework fields serve the queues without a join.
CREATE TABLE submissions (
    submission_id   UUID PRIMARY KEY,
    homework_id     UUID        NOT NULL REFERENCES homework,
    pupil_id        UUID        NOT NULL,
    school_id       UUID        NOT NULL,
    class_id        UUID        NOT NULL,
    teacher_id      UUID        NOT NULL,
    subject_code    TEXT        NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('new', 'turned_in', 'returned', 'checked', 'reclaimed', 'excused')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    -- The counting time of the current attempt (hand-over for paper).
    turned_in_at    TIMESTAMPTZ,
    late            BOOLEAN     NOT NULL DEFAULT false,
    extended_until  TIMESTAMPTZ,
    assessment      TEXT,
    history_length  BIGINT      NOT NULL DEFAULT 0,
    UNIQUE (homework_id, pupil_id)
);
-- A teacher's queue of unchecked work, oldest first.
CREATE INDEX submissions_teacher_queue ON submissions (teacher_id, turned_in_at, submission_id) WHERE state = 'turned_in';
CREATE INDEX submissions_by_pupil ON submissions (pupil_id);

CREATE TABLE attempts (
    submission_id  UUID        NOT NULL REFERENCES submissions,
    number         INTEGER     NOT NULL,
    channel        TEXT        NOT NULL CHECK (channel IN ('e_journal', 'email', 'aitu', 'whatsapp', 'paper')),
    counted_at     TIMESTAMPTZ NOT NULL,
    entered_at     TIMESTAMPTZ NOT NULL,
    entered_by     JSONB       NOT NULL,
    proxy          BOOLEAN     NOT NULL,
    body           TEXT        NOT NULL,
    attachment_ids UUID[]      NOT NULL,
    paper          JSONB,
    late           BOOLEAN     NOT NULL,
    -- The gateway's idempotency key turned into a record id: a retried submission is one attempt.
    request_id     UUID UNIQUE,
    PRIMARY KEY (submission_id, number)
);

CREATE TABLE submission_history (
    submission_id UUID        NOT NULL REFERENCES submissions,
    sequence      BIGINT      NOT NULL,
    kind          TEXT        NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    actor         JSONB       NOT NULL,
    principal     TEXT        NOT NULL,
    state_after   TEXT        NOT NULL,
    attempt       INTEGER     NOT NULL,
    comment       TEXT        NOT NULL DEFAULT '',
    assessment    TEXT        NOT NULL DEFAULT '',
    proxy         BOOLEAN     NOT NULL DEFAULT false,
    request_id    UUID UNIQUE,
    PRIMARY KEY (submission_id, sequence)
);

CREATE TABLE marks (
    mark_id      UUID PRIMARY KEY,
    pupil_id     UUID        NOT NULL,
    school_id    UUID        NOT NULL,
    class_id     UUID        NOT NULL,
    subject_code TEXT        NOT NULL,
    kind         TEXT        NOT NULL CHECK (kind IN ('sor', 'soch')),
    school_year  INTEGER     NOT NULL,
    quarter      INTEGER     NOT NULL,
    number       INTEGER     NOT NULL,
    score        INTEGER     NOT NULL CHECK (score >= 0 AND score <= max_score),
    max_score    INTEGER     NOT NULL CHECK (max_score BETWEEN 1 AND 100),
    teacher_id   UUID        NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    version      BIGINT      NOT NULL DEFAULT 1,
    UNIQUE (pupil_id, subject_code, kind, school_year, quarter, number)
);

-- The record ids (from idempotency keys) of the mark writes made: a retried write, even after a
-- later correction, changes nothing.
CREATE TABLE mark_writes (
    request_id UUID PRIMARY KEY,
    mark_id    UUID NOT NULL REFERENCES marks
);

CREATE TABLE conferences (
    conference_id UUID PRIMARY KEY,
    school_id     UUID        NOT NULL,
    class_id      UUID        NOT NULL,
    teacher_id    UUID        NOT NULL,
    subject_code  TEXT        NOT NULL,
    held_at       TIMESTAMPTZ NOT NULL,
    present       UUID[]      NOT NULL
);

CREATE TABLE absences (
    absence_id    UUID PRIMARY KEY,
    pupil_id      UUID        NOT NULL,
    school_id     UUID        NOT NULL,
    class_id      UUID        NOT NULL,
    reason        TEXT        NOT NULL CHECK (reason IN ('deadline_missed', 'conference_missed')),
    homework_id   UUID,
    conference_id UUID,
    date          DATE        NOT NULL,
    marked_at     TIMESTAMPTZ NOT NULL,
    withdrawn_at  TIMESTAMPTZ,
    -- Once per pupil and homework, once per pupil and conference: two replicas cannot mark twice.
    UNIQUE (pupil_id, homework_id),
    UNIQUE (pupil_id, conference_id)
);
CREATE INDEX absences_by_pupil ON absences (pupil_id, date);

CREATE TABLE collection_rounds (
    round_id          UUID PRIMARY KEY,
    school_id         UUID        NOT NULL,
    class_id          UUID        NOT NULL,
    collected_by_role TEXT        NOT NULL,
    collected_by      TEXT        NOT NULL,
    collected_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX collection_rounds_by_class ON collection_rounds (class_id, collected_at DESC);
