-- The rest of the school directory (R-REF-1): districts of a region, a teacher's shift, pupils
-- with their delivery category, and parents. Other services learn of them from the
-- *Registered events written to the outbox in the same transaction.
CREATE TABLE districts (
    district_id   UUID        PRIMARY KEY,
    region_code   TEXT        NOT NULL,
    name          TEXT        NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT districts_region_name_unique UNIQUE (region_code, name)
);

-- A school may lie in a district of its region (cities of republican significance have
-- districts too; a school registered before its district is known has none).
ALTER TABLE schools ADD COLUMN district_id UUID REFERENCES districts (district_id);
CREATE INDEX schools_by_district ON schools (district_id) WHERE district_id IS NOT NULL;

-- The one shift a teacher works in (R-REF-3); NULL: whichever the timetable gives them.
ALTER TABLE teachers ADD COLUMN shift SMALLINT CHECK (shift IN (1, 2));

CREATE TABLE pupils (
    pupil_id      UUID        PRIMARY KEY,
    school_id     UUID        NOT NULL REFERENCES schools (school_id),
    class_id      UUID        NOT NULL REFERENCES classes (class_id),
    full_name     TEXT        NOT NULL,
    -- How lessons and homework reach the pupil (seed 003): e-journal and video (broadband),
    -- television only, or paper collected by a teacher or the post.
    delivery      TEXT        NOT NULL CHECK (delivery IN ('broadband', 'tv_only', 'paper')),
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX pupils_by_class ON pupils (class_id, full_name, pupil_id);

-- A parent is known by their phone number (E.164), so siblings share one parent record.
CREATE TABLE parents (
    parent_id     UUID        PRIMARY KEY,
    full_name     TEXT        NOT NULL,
    phone         TEXT        NOT NULL UNIQUE
);

CREATE TABLE pupil_parents (
    pupil_id      UUID        NOT NULL REFERENCES pupils (pupil_id),
    parent_id     UUID        NOT NULL REFERENCES parents (parent_id),
    PRIMARY KEY (pupil_id, parent_id)
);
CREATE INDEX pupil_parents_by_parent ON pupil_parents (parent_id);

-- Homework deadlines of each class, copied from the assignments service's HomeworkPosted events
-- so that "what is on today" can show them (R-SCH-5) without reading another service's tables.
CREATE TABLE homework_deadlines (
    homework_id   UUID        PRIMARY KEY,
    class_id      UUID        NOT NULL,
    subject       TEXT        NOT NULL,
    deadline      TIMESTAMPTZ NOT NULL
);
CREATE INDEX homework_deadlines_by_class ON homework_deadlines (class_id, deadline);
