-- Mutual TLS for integrators (R-GW-1): a client certificate, issued by the CA the gateway trusts
-- for clients, bound to an integrator by its SHA-256 fingerprint (of the DER); revocable.
CREATE TABLE integrator_certificates (
    fingerprint   BYTEA       PRIMARY KEY CHECK (length(fingerprint) = 32),
    integrator_id UUID        NOT NULL REFERENCES integrators (integrator_id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ
);
