-- Re-alignment of timetables with a newly published TV grid (R-SCH-2, R-TV-6). A GridPublished
-- event queues every school with a timetable and a class of a changed language; a worker
-- (any replica: rows are claimed with SKIP LOCKED) checks the current timetable against the
-- first full week of the new publication, regenerates it when it breaks a rule, and records
-- what it did.
CREATE TABLE realignments (
    school_id         UUID        NOT NULL REFERENCES schools (school_id),
    campaign          TEXT        NOT NULL,
    publication       BIGINT      NOT NULL,
    week_of           DATE        NOT NULL,
    requested_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Set when a worker takes the row; a claim older than a few minutes is taken again (the
    -- worker died), which is safe: realigning an aligned timetable changes nothing.
    claimed_at        TIMESTAMPTZ,
    done_at           TIMESTAMPTZ,
    -- 'aligned' (still keeps every rule), 'regenerated' (a new version), 'misaligned' (no valid
    -- timetable exists: TimetableMisaligned names the problems), 'no-timetable'.
    outcome           TEXT        CHECK (outcome IN ('aligned', 'regenerated', 'misaligned', 'no-timetable')),
    timetable_version BIGINT,
    PRIMARY KEY (school_id, campaign, publication)
);
CREATE INDEX realignments_pending ON realignments (requested_at) WHERE done_at IS NULL;
