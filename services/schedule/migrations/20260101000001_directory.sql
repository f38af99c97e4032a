-- The school directory (R-REF-1). Owned by the schedule service; other services learn of
-- schools from SchoolRegistered events.
CREATE TABLE schools (
    school_id       UUID PRIMARY KEY,
    region_code     TEXT        NOT NULL,
    name            TEXT        NOT NULL,
    connectivity    TEXT        NOT NULL CHECK (connectivity IN ('broadband', 'slow', 'none')),
    learning_mode   TEXT        NOT NULL CHECK (learning_mode IN ('distance', 'in_person_shifts', 'duty_classes')),
    ungraded_rural  BOOLEAN     NOT NULL DEFAULT false,
    registered_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT schools_region_name_unique UNIQUE (region_code, name)
);
CREATE INDEX schools_by_name ON schools (name, school_id);
CREATE INDEX schools_by_region_name ON schools (region_code, name, school_id);
