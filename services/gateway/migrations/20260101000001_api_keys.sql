-- Integrators' API keys (R-GW-1). Only a SHA-256 of each key is kept: keys are 256-bit random
-- secrets, so a fast hash is enough (memory-hard hashing is for low-entropy passwords).
CREATE TABLE api_keys (
    key_id      UUID PRIMARY KEY,
    name        TEXT        NOT NULL,
    key_hash    BYTEA       NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ
);

-- Per-principal rate limit (R-GW-3), calls per second.
ALTER TABLE api_keys ADD COLUMN rate_limit_per_second INTEGER NOT NULL DEFAULT 20000 CHECK (rate_limit_per_second > 0);
