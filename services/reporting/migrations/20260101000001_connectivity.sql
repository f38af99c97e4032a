-- Projection: schools per region by connectivity class (R-RP-2), from SchoolRegistered events
-- only (R-RP-3). One row per school keeps the projection exact and rebuildable; the report
-- aggregates it.
CREATE TABLE school_connectivity (
    school_id     TEXT PRIMARY KEY,
    region_code   TEXT NOT NULL,
    connectivity  TEXT NOT NULL CHECK (connectivity IN ('broadband', 'slow', 'none', 'unknown'))
);
CREATE INDEX school_connectivity_by_region ON school_connectivity (region_code);
