-- A timetable's lessons become the service's own rows (issue 9): until now they were stored as
-- an encoded API message, so a change to the API's Lesson would have changed what is stored.
-- Versions stored before keep their encoded lessons in `legacy_lessons`; the service converts
-- them into rows when it starts (its old encoding is frozen in code, timetable_repo::legacy) and
-- clears the column. Lessons keep their order: a rule problem names lessons by position.
CREATE TABLE timetable_lessons (
    school_id      UUID     NOT NULL,
    version        BIGINT   NOT NULL,
    position       INTEGER  NOT NULL CHECK (position >= 0),
    class_id       TEXT     NOT NULL,
    weekday        TEXT     NOT NULL CHECK (weekday IN ('mon', 'tue', 'wed', 'thu', 'fri')),
    starts_minute  SMALLINT NOT NULL CHECK (starts_minute BETWEEN 0 AND 1439),
    minutes        SMALLINT NOT NULL CHECK (minutes > 0),
    subject        TEXT     NOT NULL,
    teacher_id     TEXT     NOT NULL,
    PRIMARY KEY (school_id, version, position),
    FOREIGN KEY (school_id, version) REFERENCES timetables (school_id, version)
);

ALTER TABLE timetables RENAME COLUMN lessons TO legacy_lessons;
ALTER TABLE timetables ALTER COLUMN legacy_lessons DROP NOT NULL;
