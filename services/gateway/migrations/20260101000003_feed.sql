-- The integrators' event feed (R-GW-4): every event of the mesh, as published, in one global
-- order. `cursor` is assigned under a lock held until commit (see feed::store), so cursors become
-- visible in order and a reader resuming after one never skips an event committed later with a
-- smaller cursor. Each event carries the school, district and region it is about (none: a
-- national event every subscriber sees), to filter by the subscriber's scope.
CREATE TABLE feed_events (
    cursor      BIGINT      PRIMARY KEY,
    event_id    UUID        NOT NULL UNIQUE,
    event_type  TEXT        NOT NULL,
    school_id   UUID,
    district_id UUID,
    region_code TEXT,
    -- The event's envelope as its service published it (the events' own contract, not an API
    -- resource), re-served verbatim.
    envelope    BYTEA       NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX feed_events_by_school ON feed_events (school_id, cursor);
CREATE INDEX feed_events_by_region ON feed_events (region_code, cursor);

-- The oldest cursor still kept is `retained_from`: events before it were deleted by retention.
CREATE TABLE feed_horizon (
    only_row      BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    retained_from BIGINT  NOT NULL DEFAULT 1,
    last_cursor   BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO feed_horizon DEFAULT VALUES;

-- Where schools lie and which school a pupil attends, learnt from the same events, to place
-- events that name only a pupil, or a school without its region.
CREATE TABLE feed_schools (
    school_id   UUID PRIMARY KEY,
    district_id UUID,
    region_code TEXT NOT NULL
);
CREATE TABLE feed_pupils (
    pupil_id  UUID PRIMARY KEY,
    school_id UUID NOT NULL
);
