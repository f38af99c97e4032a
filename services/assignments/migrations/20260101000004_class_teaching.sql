-- Who teaches what in which class, learnt from the schedule service's TimetableChanged (the
-- school's current timetable version): homework, marks and conferences of a class's subject come
-- from its teacher (R-AS-1). A class and subject with no own lessons (TV only) has none here.
CREATE TABLE class_teaching (
    school_id    UUID NOT NULL,
    class_id     UUID NOT NULL,
    subject_code TEXT NOT NULL,
    teacher_id   UUID NOT NULL,
    PRIMARY KEY (class_id, subject_code, teacher_id)
);
CREATE INDEX class_teaching_by_school ON class_teaching (school_id);
-- The timetable version each school's rows come from: an older event arriving late changes nothing.
CREATE TABLE timetable_versions (
    school_id UUID PRIMARY KEY,
    version   BIGINT NOT NULL
);
