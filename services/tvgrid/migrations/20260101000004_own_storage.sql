-- Grid imports and publication changes become the service's own JSON (issue 9): until now they
-- were stored as encoded API messages, so a change to the API would have changed what is stored.
-- An import keeps its documents as imported (`documents`: campaign dates and the rows of the grid,
-- annex 1 with its readings and annex 3, in the documents' own words); its validation report is
-- read from them again whenever asked (the same documents always give the same report), so it is
-- no longer stored. Rows stored before keep their encoded form in `legacy_*` until the service
-- converts them when it starts (the old encoding is frozen in code, repo::legacy) and clears it.
ALTER TABLE grid_imports RENAME COLUMN request TO legacy_request;
ALTER TABLE grid_imports RENAME COLUMN report TO legacy_report;
ALTER TABLE grid_imports ALTER COLUMN legacy_request DROP NOT NULL;
ALTER TABLE grid_imports ALTER COLUMN legacy_report DROP NOT NULL;
ALTER TABLE grid_imports ADD COLUMN documents JSONB;

ALTER TABLE grid_publications RENAME COLUMN changes TO legacy_changes;
ALTER TABLE grid_publications ALTER COLUMN legacy_changes DROP NOT NULL;
ALTER TABLE grid_publications ADD COLUMN changes JSONB;
