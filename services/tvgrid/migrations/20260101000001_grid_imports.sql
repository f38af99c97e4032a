-- Every import of a campaign's documents, as a numbered version (R-TV-4, R-TV-6). The request is
-- kept as sent (protobuf bytes) so that any version can be re-read, re-placed and re-exported;
-- the validation report as computed at import.
CREATE TABLE grid_imports (
    campaign     TEXT        NOT NULL,
    version      BIGINT      NOT NULL CHECK (version > 0),
    imported_by  TEXT        NOT NULL,
    imported_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    request      BYTEA       NOT NULL,
    report       BYTEA       NOT NULL,
    PRIMARY KEY (campaign, version)
);
