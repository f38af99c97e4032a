-- Classes and teachers of a school (R-REF-1) and the school's timetable versions (R-SCH-6).
CREATE TABLE classes (
    class_id    UUID        PRIMARY KEY,
    school_id   UUID        NOT NULL REFERENCES schools (school_id),
    grade       SMALLINT    NOT NULL CHECK (grade BETWEEN 0 AND 12),
    letter      TEXT        NOT NULL,
    language    TEXT        NOT NULL CHECK (language IN ('kk', 'ru')),
    shift       SMALLINT    NOT NULL CHECK (shift IN (1, 2)),
    -- Subject code → lessons per week, TV and own together.
    weekly_load JSONB       NOT NULL,
    CONSTRAINT classes_unique UNIQUE (school_id, grade, letter)
);
CREATE INDEX classes_by_school ON classes (school_id);

CREATE TABLE teachers (
    teacher_id  UUID        PRIMARY KEY,
    school_id   UUID        NOT NULL REFERENCES schools (school_id),
    full_name   TEXT        NOT NULL,
    subjects    TEXT[]      NOT NULL
);
CREATE INDEX teachers_by_school ON teachers (school_id);

-- Every version of a school's timetable; the highest is current. Lessons as protobuf
-- (qashyq.schedule.v1.Timetable without its header fields).
CREATE TABLE timetables (
    school_id   UUID        NOT NULL REFERENCES schools (school_id),
    version     BIGINT      NOT NULL CHECK (version > 0),
    week_of     DATE        NOT NULL,
    created_by  TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    lessons     BYTEA       NOT NULL,
    PRIMARY KEY (school_id, version)
);
