-- An idempotent call's lease has an owner: only the call holding it may keep an answer or release
-- the key (a call taken over after its lease ran out cannot undo its successor's work).
ALTER TABLE idempotency_keys ADD COLUMN lease_owner UUID;

-- The feed shows every subscriber only the TV grid service's events as national; an event neither
-- national nor placed in a school is shown to national callers only (never to the wrong school).
ALTER TABLE feed_events ADD COLUMN national BOOLEAN NOT NULL DEFAULT false;
UPDATE feed_events SET national = true WHERE event_type LIKE 'qashyq.tvgrid.events.v1.%';

-- Which school a class belongs to, learnt from ClassRegistered, to place events naming a class.
CREATE TABLE feed_classes (
    class_id  UUID PRIMARY KEY,
    school_id UUID NOT NULL
);
