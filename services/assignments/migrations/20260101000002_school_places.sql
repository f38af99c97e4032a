-- Where each school lies (region, district), learnt from the schedule service's SchoolRegistered
-- events: what this service needs to check a caller's scope (R-GW-2) without reading another
-- service's tables.
CREATE TABLE school_places (
    school_id   UUID PRIMARY KEY,
    region_code TEXT NOT NULL,
    district_id UUID
);
