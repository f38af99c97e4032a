//! `qashyq demo-activity`: a week of school work on the demo clock's Monday, made through the
//! gateway as e-journals and teachers make it, so that the reports `make run` opens are not
//! empty (R-RP-1): in a few classes of the demo schools, the teacher first checks what is left
//! of the week before (feedback a week late), then posts homework after an own lesson and after
//! a TV lesson; pupils hand it in through every channel (e-journal, e-mail, Aitu, WhatsApp,
//! paper handed over to the teacher), one pupil skips the TV lesson's homework; the teacher
//! checks two pieces of work in three at once; and a video conference is held with one pupil
//! absent. A class that already has homework due this week
//! is left alone, so running it twice adds nothing. It waits until reporting has counted the
//! work before it returns.

use std::time::Duration;

use chrono::{Datelike, Days, NaiveDate};
use qashyq_platform::{
    grpc::client::KeyedChannel,
    time::{to_local_date, to_timestamp},
};
use qashyq_proto::{
    assignments::v1::{
        Actor, ActorRole, Channel, GiveFeedbackRequest, LessonKind, LessonRef, ListClassHomeworkRequest, ListTeacherQueueRequest, PaperCustody,
        PostHomeworkRequest, RecordConferenceRequest, ReturnOutcome, ReturnWorkRequest, SubmitWorkRequest, TimetableLesson,
        assignments_service_client::AssignmentsServiceClient, lesson_ref,
    },
    common::v1::Language,
    reporting::v1::{Level, QueryIndicatorRequest, reporting_service_client::ReportingServiceClient},
    schedule::v1::{
        Delivery, GetTimetableRequest, ListClassesRequest, ListPupilsRequest, ListSchoolsRequest, directory_service_client::DirectoryServiceClient,
        timetable_service_client::TimetableServiceClient,
    },
};

/// Schools and classes per school the activity is made in.
const SCHOOLS: usize = 4;
const CLASSES_PER_SCHOOL: usize = 4;

struct Counts {
    homework: usize,
    submissions: i64,
    feedback: usize,
    conferences: usize,
}

pub async fn run(channel: KeyedChannel, school_names: &[&str]) -> anyhow::Result<()> {
    let now = qashyq_platform::clock::now();
    let zone = qashyq_catalogue::BROADCAST_ZONE;
    let today = now.with_timezone(&zone).date_naive();
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let mut directory = DirectoryServiceClient::new(channel.clone());
    let mut timetables = TimetableServiceClient::new(channel.clone());
    let mut assignments = AssignmentsServiceClient::new(channel.clone());
    let schools = directory.list_schools(ListSchoolsRequest::default()).await?.into_inner().schools;
    let mut counts = Counts { homework: 0, submissions: 0, feedback: 0, conferences: 0 };
    for school in schools.iter().filter(|s| school_names.contains(&s.name.as_str())).take(SCHOOLS) {
        let Ok(timetable) = timetables.get_timetable(GetTimetableRequest { school_id: school.school_id.clone(), version: 0 }).await else { continue };
        let lessons = timetable.into_inner().lessons;
        let classes = timetables.list_classes(ListClassesRequest { school_id: school.school_id.clone() }).await?.into_inner().classes;
        // Grade 1 has no homework (its daily norm is 0 minutes).
        for class in classes.iter().filter(|c| c.grade >= 2).take(CLASSES_PER_SCHOOL) {
            let Some(lesson) = lessons.iter().find(|l| l.class_id == class.class_id && !l.teacher_id.is_empty()) else { continue };
            let week = ListClassHomeworkRequest {
                class_id: class.class_id.clone(),
                from: Some(to_local_date(monday)),
                to: Some(to_local_date(monday + Days::new(7))),
                include_withdrawn: true,
            };
            if !assignments.list_class_homework(week).await?.into_inner().homework.is_empty() {
                continue;
            }
            counts.feedback += check(&mut assignments, &lesson.teacher_id, &class.class_id).await?;
            let language = if class.language == Language::Ru as i32 { "ru" } else { "kk" };
            let lesson_day = monday + Days::new(weekday_offset(&lesson.weekday));
            let refs = [
                (LessonKind::Own, lesson_ref::Lesson::TimetableLesson(TimetableLesson { date: Some(to_local_date(lesson_day)), period: 1 }), 2),
                (LessonKind::Tv, lesson_ref::Lesson::TvAiringId(format!("{monday}/{language}/{}/1", class.grade)), 4),
            ];
            for (kind, lesson_ref, due_in_days) in refs {
                let deadline = deadline(monday, due_in_days, zone);
                let post = PostHomeworkRequest {
                    school_id: school.school_id.clone(),
                    class_id: class.class_id.clone(),
                    teacher_id: lesson.teacher_id.clone(),
                    subject: lesson.subject.clone(),
                    lesson_kind: kind as i32,
                    tasks: vec!["Учебник, с. 45, упр. 1–3".into()],
                    resource_links: vec![],
                    deadline: Some(to_timestamp(deadline)),
                    lesson: Some(LessonRef { lesson: Some(lesson_ref) }),
                    files: vec![],
                    expected_minutes: 20,
                };
                let homework = assignments.post_homework(post).await?.into_inner();
                counts.homework += 1;
                let pupils = directory.list_pupils(ListPupilsRequest { class_id: class.class_id.clone(), page: None }).await?.into_inner().pupils;
                let handing_in = if kind == LessonKind::Tv { pupils.len().saturating_sub(1) } else { pupils.len() };
                for (i, pupil) in pupils.iter().enumerate().take(handing_in) {
                    let (channel, paper) = match Delivery::try_from(pupil.delivery) {
                        Ok(Delivery::Paper) => {
                            let custody = PaperCustody {
                                collected_by_role: "teacher".into(),
                                collected_by: lesson.teacher_id.clone(),
                                handed_over_at: Some(to_timestamp(qashyq_platform::clock::now())),
                                received_at_school: Some(to_timestamp(qashyq_platform::clock::now())),
                                scanned_at: None,
                            };
                            (Channel::Paper, Some(custody))
                        }
                        Ok(Delivery::TvOnly) => (Channel::Whatsapp, None),
                        _ => ([Channel::EJournal, Channel::Email, Channel::Aitu][i % 3], None),
                    };
                    let entered_by = if paper.is_some() {
                        Actor { role: ActorRole::Teacher as i32, id: lesson.teacher_id.clone() }
                    } else {
                        Actor { role: ActorRole::Pupil as i32, id: pupil.pupil_id.clone() }
                    };
                    let submit = SubmitWorkRequest {
                        homework_id: homework.homework_id.clone(),
                        pupil_id: pupil.pupil_id.clone(),
                        channel: channel as i32,
                        entered_by: Some(entered_by),
                        text: "Ответы: 1) 12; 2) 7; 3) 45.".into(),
                        attachment_ids: vec![],
                        paper,
                        received_at: None,
                    };
                    assignments.submit_work(submit).await?;
                    counts.submissions += 1;
                    if i % 3 != 2 {
                        feedback_and_return(&mut assignments, &homework.homework_id, &pupil.pupil_id, &lesson.teacher_id).await?;
                        counts.feedback += 1;
                    }
                }
            }
            let pupils = directory.list_pupils(ListPupilsRequest { class_id: class.class_id.clone(), page: None }).await?.into_inner().pupils;
            let conference = RecordConferenceRequest {
                class_id: class.class_id.clone(),
                teacher_id: lesson.teacher_id.clone(),
                subject: lesson.subject.clone(),
                held_at: Some(to_timestamp(qashyq_platform::clock::now())),
                present_pupil_ids: pupils.iter().skip(1).map(|p| p.pupil_id.clone()).collect(),
            };
            assignments.record_conference(conference).await?;
            counts.conferences += 1;
        }
    }
    println!(
        "demo activity for the week of {monday}: {} homework, {} pieces of work handed in, {} feedback, {} conferences",
        counts.homework, counts.submissions, counts.feedback, counts.conferences
    );
    until_reported(channel, monday, counts.submissions).await
}

/// The teacher checks the work of the class still waiting: feedback, then returned as done.
async fn check(assignments: &mut AssignmentsServiceClient<KeyedChannel>, teacher_id: &str, class_id: &str) -> anyhow::Result<usize> {
    let queue = assignments.list_teacher_queue(ListTeacherQueueRequest { teacher_id: teacher_id.into(), page: None }).await?.into_inner().items;
    let mut checked = 0;
    for item in queue.iter().filter(|i| i.class_id == class_id) {
        feedback_and_return(assignments, &item.homework_id, &item.pupil_id, teacher_id).await?;
        checked += 1;
    }
    Ok(checked)
}

async fn feedback_and_return(
    assignments: &mut AssignmentsServiceClient<KeyedChannel>,
    homework_id: &str,
    pupil_id: &str,
    teacher_id: &str,
) -> anyhow::Result<()> {
    let feedback = GiveFeedbackRequest {
        homework_id: homework_id.into(),
        pupil_id: pupil_id.into(),
        teacher_id: teacher_id.into(),
        comment: "Хорошо, проверьте упражнение 3.".into(),
        assessment: "зачтено".into(),
    };
    assignments.give_feedback(feedback).await?;
    let done = ReturnWorkRequest {
        homework_id: homework_id.into(),
        pupil_id: pupil_id.into(),
        teacher_id: teacher_id.into(),
        outcome: ReturnOutcome::Done as i32,
        comment: String::new(),
    };
    assignments.return_work(done).await?;
    Ok(())
}

/// Waits until reporting has counted at least `submissions` pieces of work due this week.
async fn until_reported(channel: KeyedChannel, monday: NaiveDate, submissions: i64) -> anyhow::Result<()> {
    let mut reporting = ReportingServiceClient::new(channel);
    let request = QueryIndicatorRequest {
        indicator: "submission_rate".into(),
        level: Level::Country as i32,
        week_from: Some(to_local_date(monday)),
        ..Default::default()
    };
    for _ in 0..120 {
        let counted = reporting.query_indicator(request.clone()).await?.into_inner().values.first().map_or(0, |v| v.numerator);
        if counted >= submissions {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    anyhow::bail!("reporting has not counted the week's work after a minute")
}

fn weekday_offset(weekday: &str) -> u64 {
    ["mon", "tue", "wed", "thu", "fri"].iter().position(|d| *d == weekday).unwrap_or(0) as u64
}

/// 18:00 local `days` after Monday.
fn deadline(monday: NaiveDate, days: u64, zone: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
    let day = monday + Days::new(days);
    day.and_hms_opt(18, 0, 0).and_then(|t| t.and_local_timezone(zone).single()).map(|t| t.to_utc()).expect("18:00 exists in Almaty")
}
