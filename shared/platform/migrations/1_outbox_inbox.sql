-- Platform tables, created in every service's own schema (search_path).

-- Transactional outbox: an event row is written in the same transaction as the state change it
-- announces; the relay publishes unpublished rows in id order and marks them published.
CREATE TABLE outbox (
    id            BIGSERIAL PRIMARY KEY,
    event_id      UUID        NOT NULL UNIQUE,
    event_type    TEXT        NOT NULL,
    envelope      BYTEA       NOT NULL,
    traceparent   TEXT,
    tracestate    TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at  TIMESTAMPTZ,
    attempts      INTEGER     NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Wakes the relay at once instead of waiting for its next poll; the payload names the schema.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('qashyq_outbox', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Idempotent consumer: one row per event applied; written in the same transaction as the effect.
CREATE TABLE inbox (
    event_id     UUID        PRIMARY KEY,
    event_type   TEXT        NOT NULL,
    producer     TEXT        NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
