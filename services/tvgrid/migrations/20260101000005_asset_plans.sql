-- A lesson asset's plan becomes the service's own columns (issue 9): until now the segments,
-- closing message and media reference were stored as an encoded API message (`plan`), so a change
-- to the API would have changed what is stored. The segments are JSON of the service's own type
-- (domain::lesson_plan::Segment). Rows stored before keep their encoded form in `legacy_plan`
-- until the service converts them when it starts (the old encoding is frozen in repo::legacy).
ALTER TABLE lesson_assets RENAME COLUMN plan TO legacy_plan;
ALTER TABLE lesson_assets ALTER COLUMN legacy_plan DROP NOT NULL;
ALTER TABLE lesson_assets
    ADD COLUMN closing_message TEXT,
    ADD COLUMN media_ref TEXT,
    ADD COLUMN segments JSONB,
    ADD CONSTRAINT lesson_assets_plan_stored_once
        CHECK ((legacy_plan IS NULL) = (closing_message IS NOT NULL AND media_ref IS NOT NULL AND segments IS NOT NULL));
