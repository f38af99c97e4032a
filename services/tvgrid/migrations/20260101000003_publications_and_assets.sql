-- R-TV-6: publications of imported versions. Only published grids air; a date airs from the
-- newest publication of its campaign whose effective_from is on or before it, so a day keeps the
-- publication it had once it began airing.
CREATE TABLE grid_publications (
    campaign        TEXT        NOT NULL,
    publication     BIGINT      NOT NULL CHECK (publication > 0),
    version         BIGINT      NOT NULL,
    previous_version BIGINT     NOT NULL DEFAULT 0,
    effective_from  DATE        NOT NULL,
    published_by    TEXT        NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The changes against the replaced version (protobuf GridChange list, as returned).
    changes         BYTEA       NOT NULL,
    PRIMARY KEY (campaign, publication),
    FOREIGN KEY (campaign, version) REFERENCES grid_imports (campaign, version)
);
CREATE INDEX grid_publications_by_effect ON grid_publications (effective_from);

-- R-TV-3, R-TV-5: TV-lesson assets with a checked segment plan; only approved ones air.
CREATE TABLE lesson_assets (
    asset_id        UUID        PRIMARY KEY,
    language        TEXT        NOT NULL CHECK (language IN ('kk', 'ru')),
    grade           SMALLINT    NOT NULL CHECK (grade BETWEEN 0 AND 12),
    subject_code    TEXT        NOT NULL,
    topic           TEXT        NOT NULL,
    teacher_name    TEXT        NOT NULL,
    -- The checked plan (protobuf LessonAsset as registered).
    plan            BYTEA       NOT NULL,
    registered_by   TEXT        NOT NULL,
    registered_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    approved_by     TEXT,
    approved_at     TIMESTAMPTZ,
    CHECK ((approved_by IS NULL) = (approved_at IS NULL))
);

-- Which approved asset airs in which lesson. A lesson is a grade's n-th TV lesson of a date in a
-- language; its TV and radio airings both carry the asset.
CREATE TABLE scheduled_lessons (
    language        TEXT        NOT NULL,
    grade           SMALLINT    NOT NULL,
    air_date        DATE        NOT NULL,
    lesson_of_day   INTEGER     NOT NULL CHECK (lesson_of_day > 0),
    asset_id        UUID        NOT NULL REFERENCES lesson_assets (asset_id),
    scheduled_by    TEXT        NOT NULL,
    scheduled_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (air_date, language, grade, lesson_of_day)
);
CREATE INDEX scheduled_lessons_by_asset ON scheduled_lessons (asset_id);
