-- Proctored exam sessions (R-PR-1, R-PR-3) and every transition they went through (audit trail).
CREATE TABLE sessions (
    session_id       UUID PRIMARY KEY,
    institution_id   UUID        NOT NULL,
    student_id       UUID        NOT NULL,
    exam_kind        TEXT        NOT NULL,
    state            TEXT        NOT NULL,
    scheduled_start  TIMESTAMPTZ NOT NULL,
    version          BIGINT      NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sessions_by_student ON sessions (student_id, scheduled_start);

CREATE TABLE session_transitions (
    session_id   UUID        NOT NULL REFERENCES sessions (session_id),
    version      BIGINT      NOT NULL,
    from_state   TEXT,
    to_state     TEXT        NOT NULL,
    reason       TEXT        NOT NULL DEFAULT '',
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, version)
);
