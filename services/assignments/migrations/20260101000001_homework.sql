-- Homework posted after a lesson (R-AS-1).
CREATE TABLE homework (
    homework_id     UUID PRIMARY KEY,
    school_id       UUID        NOT NULL,
    class_id        UUID        NOT NULL,
    teacher_id      UUID        NOT NULL,
    subject_code    TEXT        NOT NULL,
    lesson_kind     TEXT        NOT NULL CHECK (lesson_kind IN ('tv', 'audio', 'webinar', 'own')),
    tasks           TEXT[]      NOT NULL,
    resource_links  TEXT[]      NOT NULL DEFAULT '{}',
    deadline        TIMESTAMPTZ NOT NULL,
    posted_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX homework_by_class ON homework (class_id, deadline);
