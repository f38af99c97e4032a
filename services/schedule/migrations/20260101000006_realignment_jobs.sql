-- Realignment moves onto the platform's job queue (`jobs`, created by the platform's migration
-- 2): schools still waiting are carried over as jobs, and `realignments` keeps only what was
-- asked and what came of it. The payload's fields are those of `realign::Job`.
INSERT INTO jobs (kind, key, payload, run_at, max_attempts)
SELECT 'schedule.realign-timetable',
       school_id || '/' || campaign || '/' || publication,
       jsonb_build_object('school_id', school_id, 'campaign', campaign, 'publication', publication, 'week_of', week_of),
       requested_at,
       10
FROM realignments
WHERE done_at IS NULL
ON CONFLICT (kind, key) DO NOTHING;

DROP INDEX realignments_pending;
ALTER TABLE realignments DROP COLUMN claimed_at;
