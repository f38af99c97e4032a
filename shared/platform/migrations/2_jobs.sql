-- Durable job queue, in every service's own schema (search_path). A job is work a service must
-- do once, eventually, on any replica: enqueued in the same transaction as the change that calls
-- for it, claimed by one worker with FOR UPDATE SKIP LOCKED, retried with backoff, and kept as
-- 'dead' with its last error when it keeps failing, so that nobody loses sight of it.
CREATE TABLE jobs (
    id             BIGSERIAL   PRIMARY KEY,
    kind           TEXT        NOT NULL,
    -- Unique per kind: enqueueing the same work twice (a redelivered event) adds nothing.
    key            TEXT        NOT NULL,
    payload        JSONB       NOT NULL,
    state          TEXT        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
    -- Not before this instant (jobs scheduled for later; the next try after a failure).
    run_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts       INTEGER     NOT NULL DEFAULT 0,
    max_attempts   INTEGER     NOT NULL,
    -- A running job whose lease has passed is taken again (its worker is gone).
    lease_until    TIMESTAMPTZ,
    last_error     TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at    TIMESTAMPTZ,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_dead ON jobs (kind) WHERE state = 'dead';
