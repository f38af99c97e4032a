-- Principals (R-GW-1, issue 10): integrators bound to the schools they serve, API keys that
-- belong to an integrator (or, for automation, carry the administrator role), people who sign in
-- with a password, and their sign-ins.

-- An e-journal platform and the schools it serves: every school of its regions and districts,
-- and its schools (bounded: 20 regions, 200 districts, 200 schools).
CREATE TABLE integrators (
    integrator_id         UUID PRIMARY KEY,
    name                  TEXT        NOT NULL UNIQUE,
    region_codes          TEXT[]      NOT NULL DEFAULT '{}',
    district_ids          UUID[]      NOT NULL DEFAULT '{}',
    school_ids            UUID[]      NOT NULL DEFAULT '{}',
    rate_limit_per_second INTEGER     NOT NULL DEFAULT 200 CHECK (rate_limit_per_second > 0),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A key is an integrator's (role integrator) or an automation key of the administrators
-- (role administrator, no integrator: `make run`'s demo loader, the tests' setup). A rotated
-- key keeps working until `expires_at` (the overlap), then stops.
ALTER TABLE api_keys
    ADD COLUMN integrator_id UUID REFERENCES integrators (integrator_id),
    ADD COLUMN role TEXT NOT NULL DEFAULT 'administrator' CHECK (role IN ('integrator', 'administrator')),
    ADD COLUMN expires_at TIMESTAMPTZ,
    ADD CONSTRAINT api_keys_integrators_have_integrator CHECK ((role = 'integrator') = (integrator_id IS NOT NULL));
CREATE INDEX api_keys_by_integrator ON api_keys (integrator_id) WHERE integrator_id IS NOT NULL;

-- People: Ministry staff, observers, reviewers, administrators. Passwords hashed with Argon2id
-- (PHC string with its parameters).
CREATE TABLE people (
    person_id     UUID PRIMARY KEY,
    login         TEXT        NOT NULL UNIQUE,
    full_name     TEXT        NOT NULL,
    role          TEXT        NOT NULL CHECK (role IN ('ministry', 'regional-observer', 'quality-observer',
                                                       'content-reviewer', 'proctoring-reviewer', 'administrator')),
    region_code   TEXT,
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role = 'regional-observer') = (region_code IS NOT NULL))
);

-- A sign-in: one login and every refresh token rotated from it. Revoking it (logout, a reused
-- refresh token, a password reset) ends them all, and the access tokens carrying its id.
CREATE TABLE sign_ins (
    sign_in_id  UUID PRIMARY KEY,
    person_id   UUID        NOT NULL REFERENCES people (person_id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ,
    revoked_why TEXT
);
CREATE INDEX sign_ins_by_person ON sign_ins (person_id);

-- Refresh tokens, by SHA-256 (256-bit random secrets). Used once: a used one presented again
-- revokes its sign-in.
CREATE TABLE refresh_tokens (
    token_hash  BYTEA PRIMARY KEY,
    sign_in_id  UUID        NOT NULL REFERENCES sign_ins (sign_in_id),
    issued_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_by_sign_in ON refresh_tokens (sign_in_id);

-- Every read by an observer (R-GW-2): who, what, which record, when, and how it ended.
CREATE TABLE audit_log (
    entry_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    principal_id   UUID        NOT NULL,
    principal_name TEXT        NOT NULL,
    role           TEXT        NOT NULL,
    method         TEXT        NOT NULL,
    record         TEXT        NOT NULL,
    code           INTEGER     NOT NULL,
    at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_by_time ON audit_log (at, entry_id);
CREATE INDEX audit_log_by_principal ON audit_log (principal_id, at, entry_id);

-- Idempotency keys (R-GW-3): the first answer to (principal, method, key), replayed to retries
-- for at least 24 hours (`response`: the answer's status, message, details and frames as the
-- gateway's own JSON). `body_hash` tells a retry from a different request under the same key;
-- `lease_until` marks a call in flight (a retry waits for it; a lease run out means the gateway
-- that held it died, and the next retry takes the call over).
CREATE TABLE idempotency_keys (
    principal_id UUID        NOT NULL,
    method       TEXT        NOT NULL,
    key          TEXT        NOT NULL,
    body_hash    BYTEA       NOT NULL,
    lease_until  TIMESTAMPTZ,
    code         INTEGER,
    response     JSONB,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal_id, method, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
