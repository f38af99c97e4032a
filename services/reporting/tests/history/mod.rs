//! A known event history of two schools in two time zones over two weeks of April 2020, with
//! the figures it gives worked out by hand (R-RP-2): the tests publish it on the exchange as the
//! services' relays do and compare the service's answers with these figures.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use prost::{Message, Name};
use qashyq_platform::{events::new_envelope, time::to_timestamp};
use qashyq_proto::{
    assignments::events::v1 as assignments,
    common::v1::{Language, LocalDate},
    events::v1::EventEnvelope,
    proctoring::events::v1 as proctoring,
    schedule::events::v1 as schedule,
    tvgrid::events::v1 as tvgrid,
};

/// Almaty was UTC+6 in 2020, Aqtobe UTC+5.
pub const ALMATY: Tz = chrono_tz::Asia::Almaty;
pub const AQTOBE: Tz = chrono_tz::Asia::Aqtobe;

pub fn local(zone: Tz, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    zone.with_ymd_and_hms(2020, month, day, hour, minute, 0).unwrap().with_timezone(&Utc)
}

pub fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, month, day).unwrap()
}

pub fn local_date(month: u32, day: u32) -> LocalDate {
    LocalDate { year: 2020, month: month as i32, day: day as i32 }
}

/// The week asked about, and the week before it.
pub const WEEK: (u32, u32) = (4, 13);
pub const WEEK_BEFORE: (u32, u32) = (4, 6);

/// Ids of the history's directory.
pub struct Ids {
    pub district: String,
    pub school_a: String,
    pub school_b: String,
    pub class_a5: String,
    pub class_b7: String,
    pub teacher_a: String,
    pub teacher_b: String,
    pub pupils: [String; 5],
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Ids {
    fn new() -> Self {
        Self {
            district: id(),
            school_a: id(),
            school_b: id(),
            class_a5: id(),
            class_b7: id(),
            teacher_a: id(),
            teacher_b: id(),
            pupils: [id(), id(), id(), id(), id()],
        }
    }
}

pub struct History {
    pub ids: Ids,
    pub envelopes: Vec<EventEnvelope>,
}

impl History {
    fn push<E: Message + Name>(&mut self, producer: &str, subject: &str, event: E, at: DateTime<Utc>) {
        let mut envelope = new_envelope(producer, subject, &event);
        envelope.occurred_at = Some(to_timestamp(at));
        self.envelopes.push(envelope);
    }

    /// An event of a type no version of reporting knows yet: kept, not projected.
    fn push_unknown(&mut self) {
        let mut envelope = new_envelope("library", "b1", &tvgrid::LessonAssetApproved::default());
        envelope.event_type = "qashyq.library.v1.BookLent".into();
        envelope.payload = Some(prost_types::Any { type_url: "type.googleapis.com/qashyq.library.v1.BookLent".into(), value: vec![10, 2, 98, 49] });
        self.envelopes.push(envelope);
    }

    /// A submission of a first or later attempt.
    #[allow(clippy::too_many_arguments)]
    pub fn submission(
        &mut self,
        id: &str,
        homework: &str,
        pupil: usize,
        class_b7: bool,
        attempt: i32,
        channel: &str,
        counted_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        late: bool,
    ) {
        let (class, school, teacher) = self.class_of(class_b7);
        let event = assignments::SubmissionReceived {
            submission_id: id.into(),
            homework_id: homework.into(),
            school_id: school,
            class_id: class,
            pupil_id: self.ids.pupils[pupil].clone(),
            teacher_id: teacher,
            subject_code: "mathematics".into(),
            attempt,
            channel: channel.into(),
            counted_at: Some(to_timestamp(counted_at)),
            entered_at: Some(to_timestamp(counted_at.max(deadline))),
            deadline: Some(to_timestamp(deadline)),
            late,
            proxy: channel == "paper",
        };
        self.push("assignments", id, event, counted_at.max(deadline));
    }

    fn class_of(&self, class_b7: bool) -> (String, String, String) {
        if class_b7 {
            (self.ids.class_b7.clone(), self.ids.school_b.clone(), self.ids.teacher_b.clone())
        } else {
            (self.ids.class_a5.clone(), self.ids.school_a.clone(), self.ids.teacher_a.clone())
        }
    }

    fn homework(&mut self, id: &str, class_b7: bool, lesson_kind: &str, deadline: DateTime<Utc>) {
        let (class, school, teacher) = self.class_of(class_b7);
        let event = assignments::HomeworkPosted {
            homework_id: id.into(),
            school_id: school,
            class_id: class,
            teacher_id: teacher,
            subject_code: "mathematics".into(),
            lesson_kind: lesson_kind.into(),
            deadline: Some(to_timestamp(deadline)),
            posted_at: Some(to_timestamp(deadline - chrono::Duration::days(2))),
            tasks: 1,
            resource_links: 0,
        };
        self.push("assignments", id, event, deadline - chrono::Duration::days(2));
    }

    fn feedback(&mut self, submission: &str, class_b7: bool, pupil: usize, attempt: i32, counted_at: DateTime<Utc>, given_at: DateTime<Utc>) {
        let (class, school, teacher) = self.class_of(class_b7);
        let event = assignments::FeedbackGiven {
            submission_id: submission.into(),
            homework_id: String::new(),
            school_id: school,
            class_id: class,
            pupil_id: self.ids.pupils[pupil].clone(),
            teacher_id: teacher,
            attempt,
            assessed: false,
            given_at: Some(to_timestamp(given_at)),
            attempt_counted_at: Some(to_timestamp(counted_at)),
        };
        self.push("assignments", submission, event, given_at);
    }

    fn absence(&mut self, id: &str, class_b7: bool, pupil: usize, day: u32) {
        let (class, school, _) = self.class_of(class_b7);
        let event = assignments::AbsenceMarked {
            absence_id: id.into(),
            school_id: school,
            class_id: class,
            pupil_id: self.ids.pupils[pupil].clone(),
            reason: "conference_missed".into(),
            homework_id: String::new(),
            conference_id: uuid::Uuid::now_v7().to_string(),
            date: Some(local_date(4, day)),
            marked_at: Some(to_timestamp(local(ALMATY, 4, day, 20, 0))),
        };
        self.push("assignments", id, event, local(ALMATY, 4, day, 20, 0));
    }

    fn session(&mut self, id: &str, version: i64, to_state: &str, start: DateTime<Utc>, at: DateTime<Utc>) {
        let event = proctoring::SessionStateChanged {
            session_id: id.into(),
            institution_id: "uni".into(),
            student_id: "st".into(),
            exam_kind: "final_attestation".into(),
            from_state: String::new(),
            to_state: to_state.into(),
            version,
            reason: String::new(),
            scheduled_start: Some(to_timestamp(start)),
        };
        self.push("proctoring", id, event, at);
    }

    /// Homework of class A5 moved to a new deadline.
    pub fn moved(&mut self, homework: &str, version: i64, deadline: DateTime<Utc>) {
        let (class, school, _) = self.class_of(false);
        let event = assignments::HomeworkChanged {
            homework_id: homework.into(),
            school_id: school,
            class_id: class,
            subject_code: "mathematics".into(),
            version,
            deadline: Some(to_timestamp(deadline)),
            changed_at: None,
        };
        self.push("assignments", homework, event, deadline - chrono::Duration::days(3));
    }

    /// A TV-lesson asset approved at `at`: the tests' marker that everything before it applied.
    pub fn approved(&mut self, asset: &str, at: DateTime<Utc>) {
        self.push("tvgrid", asset, tvgrid::LessonAssetApproved { asset_id: asset.into(), approved_by: "admin".into() }, at);
    }

    /// The history; its last event is an asset approval on 2020-04-14.
    pub fn new() -> Self {
        let mut h = Self { ids: Ids::new(), envelopes: Vec::new() };
        let ids = &h.ids;
        let (district, school_a, school_b, class_a5, class_b7, teacher_a, teacher_b, pupils) = (
            ids.district.clone(),
            ids.school_a.clone(),
            ids.school_b.clone(),
            ids.class_a5.clone(),
            ids.class_b7.clone(),
            ids.teacher_a.clone(),
            ids.teacher_b.clone(),
            ids.pupils.clone(),
        );
        let april_1 = local(ALMATY, 4, 1, 9, 0);
        h.push(
            "schedule",
            &district,
            schedule::DistrictRegistered { district_id: district.clone(), region_code: "KZ-ALA".into(), name: "Алмалинский район".into() },
            april_1,
        );
        let school = |id: &str, region: &str, district: &str, name: &str, connectivity: &str, mode: &str| schedule::SchoolRegistered {
            school_id: id.into(),
            region_code: region.into(),
            district_id: district.into(),
            name: name.into(),
            connectivity: connectivity.into(),
            learning_mode: mode.into(),
            ungraded_rural: false,
            registered_at: Some(to_timestamp(april_1)),
        };
        h.push("schedule", &school_a, school(&school_a, "KZ-ALA", &district, "School A", "broadband", "distance"), april_1);
        h.push("schedule", &school_b, school(&school_b, "KZ-AKT", "", "School B", "none", "in_person_shifts"), april_1);
        let load = |subjects: &[(&str, i32)]| subjects.iter().map(|(s, n)| schedule::SubjectLoad { subject: (*s).into(), per_week: *n }).collect();
        let a5 = schedule::ClassRegistered {
            class_id: class_a5.clone(),
            school_id: school_a.clone(),
            grade: 5,
            letter: "А".into(),
            language: Language::Kk as i32,
            shift: 1,
            weekly_load: load(&[("mathematics", 3), ("kazakh_language", 2)]),
        };
        h.push("schedule", &class_a5, a5, april_1);
        let b7 = schedule::ClassRegistered {
            class_id: class_b7.clone(),
            school_id: school_b.clone(),
            grade: 7,
            letter: "Б".into(),
            language: Language::Ru as i32,
            shift: 1,
            weekly_load: load(&[("mathematics", 4)]),
        };
        h.push("schedule", &class_b7, b7, april_1);
        h.push(
            "schedule",
            &teacher_a,
            schedule::TeacherRegistered {
                teacher_id: teacher_a.clone(),
                school_id: school_a.clone(),
                full_name: "Айгерим Сапарова".into(),
                ..Default::default()
            },
            april_1,
        );
        h.push(
            "schedule",
            &teacher_b,
            schedule::TeacherRegistered {
                teacher_id: teacher_b.clone(), school_id: school_b.clone(), full_name: "Иван Петров".into(), ..Default::default()
            },
            april_1,
        );
        for (i, (class, delivery)) in
            [(&class_a5, "broadband"), (&class_a5, "tv_only"), (&class_a5, "paper"), (&class_b7, "paper"), (&class_b7, "broadband")].into_iter().enumerate()
        {
            let school = if class == &class_a5 { &school_a } else { &school_b };
            let pupil = schedule::PupilRegistered {
                pupil_id: pupils[i].clone(),
                school_id: school.clone(),
                class_id: class.clone(),
                full_name: format!("Pupil {i}"),
                delivery: delivery.into(),
            };
            h.push("schedule", &pupils[i], pupil, april_1);
        }
        // School A's timetable holds; a grid published on 10 April breaks school B's.
        for school in [&school_a, &school_b] {
            h.push("schedule", school, schedule::TimetableChanged { school_id: school.clone(), version: 1, ..Default::default() }, local(ALMATY, 4, 5, 12, 0));
        }
        h.push(
            "schedule",
            &school_b,
            schedule::TimetableMisaligned { school_id: school_b.clone(), version: 1, ..Default::default() },
            local(AQTOBE, 4, 10, 12, 0),
        );

        // The week before: one homework, handed in by one pupil of three.
        let h0_deadline = local(ALMATY, 4, 8, 18, 0);
        h.homework("h0", false, "tv", h0_deadline);
        h.submission("s0", "h0", 0, false, 1, "e_journal", local(ALMATY, 4, 8, 10, 0), h0_deadline, false);

        // The week: homework H1, H2 (moved into the week), H3, H5 due; H4 withdrawn; H6 due at
        // 00:30 on Monday the 20th in Almaty, which is still Sunday in UTC: next week.
        let h1 = local(ALMATY, 4, 15, 18, 0);
        let h2 = local(ALMATY, 4, 17, 18, 0);
        let h3 = local(AQTOBE, 4, 16, 18, 0);
        let h5 = local(AQTOBE, 4, 19, 23, 30);
        h.homework("h1", false, "tv", h1);
        h.homework("h2", false, "own", local(ALMATY, 4, 21, 18, 0));
        let (class, school, _) = h.class_of(false);
        let moved = assignments::HomeworkChanged {
            homework_id: "h2".into(),
            school_id: school.clone(),
            class_id: class.clone(),
            subject_code: "mathematics".into(),
            version: 2,
            deadline: Some(to_timestamp(h2)),
            changed_at: Some(to_timestamp(local(ALMATY, 4, 14, 9, 0))),
        };
        h.push("assignments", "h2", moved, local(ALMATY, 4, 14, 9, 0));
        h.homework("h3", true, "tv", h3);
        h.homework("h4", false, "own", local(ALMATY, 4, 16, 18, 0));
        h.push(
            "assignments",
            "h4",
            assignments::HomeworkWithdrawn { homework_id: "h4".into(), school_id: school, class_id: class, version: 2, withdrawn_at: None },
            local(ALMATY, 4, 14, 10, 0),
        );
        h.homework("h5", true, "audio", h5);
        h.homework("h6", false, "webinar", local(ALMATY, 4, 20, 0, 30));

        // Work: pupil 2 (paper) handed H1 over on Tuesday, typed in on Thursday: on time.
        h.submission("s1", "h1", 0, false, 1, "e_journal", local(ALMATY, 4, 15, 10, 0), h1, false);
        h.submission("s2", "h1", 1, false, 1, "whatsapp", local(ALMATY, 4, 15, 11, 0), h1, false);
        h.submission("s3", "h1", 2, false, 1, "paper", local(ALMATY, 4, 14, 12, 0), h1, false);
        h.submission("s4", "h2", 0, false, 1, "e_journal", local(ALMATY, 4, 17, 19, 0), h2, true);
        h.submission("s4", "h2", 0, false, 2, "e_journal", local(ALMATY, 4, 18, 10, 0), h2, true);
        h.submission("s5", "h3", 3, true, 1, "paper", local(AQTOBE, 4, 16, 20, 0), h3, true);
        h.submission("s6", "h3", 4, true, 1, "email", local(AQTOBE, 4, 16, 12, 0), h3, false);

        // Feedback: first-feedback latencies of A's teacher 30, 90, 2880, 45, 10 minutes (and
        // one more comment on an attempt that had one); of B's teacher 20 and 60.
        h.feedback("s1", false, 0, 1, local(ALMATY, 4, 15, 10, 0), local(ALMATY, 4, 15, 10, 30));
        h.feedback("s2", false, 1, 1, local(ALMATY, 4, 15, 11, 0), local(ALMATY, 4, 15, 12, 30));
        h.feedback("s3", false, 2, 1, local(ALMATY, 4, 14, 12, 0), local(ALMATY, 4, 16, 12, 0));
        h.feedback("s4", false, 0, 1, local(ALMATY, 4, 17, 19, 0), local(ALMATY, 4, 17, 19, 45));
        h.feedback("s4", false, 0, 1, local(ALMATY, 4, 17, 19, 0), local(ALMATY, 4, 17, 20, 30));
        h.feedback("s4", false, 0, 2, local(ALMATY, 4, 18, 10, 0), local(ALMATY, 4, 18, 10, 10));
        h.feedback("s5", true, 3, 1, local(AQTOBE, 4, 16, 20, 0), local(AQTOBE, 4, 16, 20, 20));
        h.feedback("s6", true, 4, 1, local(AQTOBE, 4, 16, 12, 0), local(AQTOBE, 4, 16, 13, 0));

        // Absences: two stand; one is withdrawn (the paper work was handed over in time).
        h.absence("a1", false, 1, 16);
        h.absence("a2", true, 3, 17);
        h.absence("a3", false, 2, 15);
        let (class, school, _) = h.class_of(false);
        let withdrawn = assignments::AbsenceWithdrawn {
            absence_id: "a3".into(),
            school_id: school,
            class_id: class,
            pupil_id: pupils[2].clone(),
            homework_id: "h1".into(),
            withdrawn_at: None,
        };
        h.push("assignments", "a3", withdrawn, local(ALMATY, 4, 16, 9, 0));

        // A marks event: kept, not projected. A type nobody knows: kept too.
        h.push(
            "assignments",
            "m1",
            assignments::MarkRecorded { mark_id: "m1".into(), score: 8, max_score: 10, version: 1, ..Default::default() },
            local(ALMATY, 4, 16, 9, 0),
        );
        h.push_unknown();

        // Proctored exams: one judged clean, one suspicious and then a violation.
        let s1_start = local(ALMATY, 4, 15, 10, 0);
        let s2_start = local(ALMATY, 4, 16, 10, 0);
        h.session("x1", 1, "scheduled", s1_start, local(ALMATY, 4, 10, 9, 0));
        h.session("x1", 2, "in_progress", s1_start, s1_start);
        h.session("x1", 3, "clean", s1_start, local(ALMATY, 4, 15, 12, 0));
        h.session("x2", 1, "scheduled", s2_start, local(ALMATY, 4, 10, 9, 0));
        h.session("x2", 2, "suspicious", s2_start, local(ALMATY, 4, 16, 12, 0));
        h.session("x2", 3, "violation", s2_start, local(ALMATY, 4, 17, 9, 0));

        // TV content: one asset put on a grade-5 Kazakh lesson of the 15th; its approval last.
        let scheduled = tvgrid::LessonAssetScheduled {
            asset_id: "tv1".into(),
            previous_asset_id: String::new(),
            language: Language::Kk as i32,
            grade: 5,
            date: Some(local_date(4, 15)),
            lesson_of_day: 2,
            scheduled_by: "admin".into(),
        };
        h.push("tvgrid", "tv1", scheduled, local(ALMATY, 4, 13, 9, 0));
        h.approved("tv1", local(ALMATY, 4, 14, 10, 0));
        h
    }
}
