-- The dates an import covers, so that a query for a date finds its campaign without reading
-- every stored request.
ALTER TABLE grid_imports ADD COLUMN first_day DATE, ADD COLUMN last_day DATE;
CREATE INDEX grid_imports_by_dates ON grid_imports (first_day, last_day);
