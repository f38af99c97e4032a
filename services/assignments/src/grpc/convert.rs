//! The only conversion between the assignments API's messages and domain types: requests are
//! parsed once into typed commands (every bad field named), domain types become messages.

use chrono::{DateTime, Utc};
use qashyq_platform::{
    ApiError,
    time::{to_local_date, to_timestamp},
    validate::Violations,
};
use qashyq_proto::assignments::v1 as pb;
use uuid::Uuid;

use crate::{
    app::{
        attachments::UploadHeader,
        submissions::{FullHistory, OpenWork, TeacherChange, Work},
    },
    domain::{
        absence::{Absence, AbsenceReason, Conference, RecordConference},
        attachment::{self, Attachment, MEDIA_TYPES},
        homework::{
            EditHomework, Homework, HomeworkFile, LessonKind, LessonRef, MAX_EXPECTED_MINUTES, MAX_FILES, MAX_RECOMMENDATION_CHARS, MAX_TASK_CHARS, MAX_TASKS,
            PostHomework, is_web_link,
        },
        mark::{self, Mark, MarkKind, RecordMark},
        paper::{CollectionRound, Overdue, RecordRound},
        submission::{Actor, ActorRole, Attempt, Channel, Collector, Handing, HistoryEntry, LatePolicy, PaperCustody, Queued, State},
    },
};

/// Characters of an answer's text, a comment, an assessment, a reason, a free-text name.
pub const MAX_TEXT_CHARS: usize = 20_000;
pub const MAX_COMMENT_CHARS: usize = 5_000;
pub const MAX_ASSESSMENT_CHARS: usize = 100;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_PRESENT: usize = 60;
/// Days a class's homework list may span.
pub const MAX_LIST_DAYS: i64 = 62;
/// How far a paper hand-over or an arrival may lie ahead of the server's clock (clock skew).
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

fn lesson_kind_from_proto(kind: pb::LessonKind) -> Option<LessonKind> {
    match kind {
        pb::LessonKind::Unspecified => None,
        pb::LessonKind::Tv => Some(LessonKind::Tv),
        pb::LessonKind::Audio => Some(LessonKind::Audio),
        pb::LessonKind::Webinar => Some(LessonKind::Webinar),
        pb::LessonKind::Own => Some(LessonKind::Own),
    }
}

fn lesson_kind_to_proto(kind: LessonKind) -> pb::LessonKind {
    match kind {
        LessonKind::Tv => pb::LessonKind::Tv,
        LessonKind::Audio => pb::LessonKind::Audio,
        LessonKind::Webinar => pb::LessonKind::Webinar,
        LessonKind::Own => pb::LessonKind::Own,
    }
}

/// Reads a post, naming every bad field.
pub fn post_homework(request: &pb::PostHomeworkRequest) -> Result<PostHomework, ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    let class_id = v.uuid("class_id", &request.class_id);
    let teacher_id = v.uuid("teacher_id", &request.teacher_id);
    let subject_code = subject(&mut v, "subject", &request.subject);
    let lesson_kind = v
        .known_enum("lesson_kind", request.lesson_kind, pb::LessonKind::try_from(request.lesson_kind), pb::LessonKind::Unspecified)
        .and_then(lesson_kind_from_proto);
    let tasks = tasks(&mut v, &request.tasks);
    let resource_links = links(&mut v, &request.resource_links);
    // The domain refuses a deadline that has passed too; read here, it is named with the rest.
    let now = qashyq_platform::clock::now();
    let deadline = v.timestamp("deadline", request.deadline.as_ref()).filter(|deadline| {
        let ahead = *deadline > now;
        if !ahead {
            v.add("deadline", "must be in the future");
        }
        ahead
    });
    let lesson = lesson_ref(&mut v, request.lesson.as_ref(), lesson_kind);
    let files = files(&mut v, &request.files);
    let expected_minutes = expected_minutes(&mut v, request.expected_minutes);
    let (school_id, class_id, teacher_id, subject_code, lesson_kind, deadline, lesson, expected_minutes) =
        v.values((school_id, class_id, teacher_id, subject_code, lesson_kind, deadline, lesson, expected_minutes))?;
    Ok(PostHomework { school_id, class_id, teacher_id, subject_code, lesson_kind, tasks, resource_links, deadline, lesson, files, expected_minutes })
}

pub fn homework_to_proto(homework: &Homework) -> pb::Homework {
    pb::Homework {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        teacher_id: homework.teacher_id.to_string(),
        subject_code: homework.subject_code.clone(),
        lesson_kind: lesson_kind_to_proto(homework.lesson_kind) as i32,
        tasks: homework.tasks.clone(),
        resource_links: homework.resource_links.clone(),
        deadline: Some(to_timestamp(homework.deadline)),
        posted_at: Some(to_timestamp(homework.posted_at)),
        lesson: homework.lesson.as_ref().map(lesson_to_proto),
        files: homework
            .files
            .iter()
            .map(|f| pb::HomeworkFile { attachment_id: f.attachment_id.to_string(), recommendation: f.recommendation.clone() })
            .collect(),
        expected_minutes: homework.expected_minutes,
        version: homework.version,
        withdrawn_at: homework.withdrawn_at.map(to_timestamp),
        deadline_date: Some(to_local_date(homework.deadline_date)),
    }
}

fn subject(v: &mut Violations, field: &str, raw: &str) -> Option<String> {
    match raw.trim() {
        "" => {
            v.add(field, "is required");
            None
        }
        name => v.subject(field, name),
    }
}

/// TV and audio lessons link an airing of the grid; webinars and own lessons a lesson of the
/// class's timetable.
fn lesson_ref(v: &mut Violations, lesson: Option<&pb::LessonRef>, kind: Option<LessonKind>) -> Option<LessonRef> {
    let read = match lesson.and_then(|l| l.lesson.as_ref()) {
        None => {
            v.add("lesson", "is required: the TV airing or the timetable lesson the homework follows");
            return None;
        }
        Some(pb::lesson_ref::Lesson::TvAiringId(id)) => v.text("lesson.tv_airing_id", id, 64).map(|id| LessonRef::TvAiring { airing_id: id.to_owned() })?,
        Some(pb::lesson_ref::Lesson::TimetableLesson(lesson)) => {
            let date = v.local_date("lesson.timetable_lesson.date", lesson.date.as_ref());
            let period = u8::try_from(lesson.period).ok().filter(|p| (1..=12).contains(p));
            if period.is_none() {
                v.add("lesson.timetable_lesson.period", "must be 1-12");
            }
            LessonRef::TimetableLesson { date: date?, period: period? }
        }
    };
    let fits = match (&read, kind?) {
        (LessonRef::TvAiring { .. }, LessonKind::Tv | LessonKind::Audio) | (LessonRef::TimetableLesson { .. }, LessonKind::Webinar | LessonKind::Own) => true,
        _ => false,
    };
    if !fits {
        v.add("lesson", "TV and audio lessons link a TV airing; webinars and own lessons a timetable lesson");
        return None;
    }
    Some(read)
}

fn files(v: &mut Violations, files: &[pb::HomeworkFile]) -> Vec<HomeworkFile> {
    if !v.at_most("files", files.len(), MAX_FILES) {
        return Vec::new();
    }
    files
        .iter()
        .enumerate()
        .filter_map(|(i, file)| {
            let id = v.uuid(&format!("files[{i}].attachment_id"), &file.attachment_id);
            let recommendation = if file.recommendation.chars().count() > MAX_RECOMMENDATION_CHARS {
                v.add(format!("files[{i}].recommendation"), format!("is longer than {MAX_RECOMMENDATION_CHARS} characters"));
                None
            } else {
                Some(file.recommendation.trim().to_owned())
            };
            Some(HomeworkFile { attachment_id: id?, recommendation: recommendation? })
        })
        .collect()
}

fn expected_minutes(v: &mut Violations, minutes: i32) -> Option<i32> {
    if (1..=MAX_EXPECTED_MINUTES).contains(&minutes) {
        Some(minutes)
    } else {
        v.add("expected_minutes", format!("must be 1-{MAX_EXPECTED_MINUTES}"));
        None
    }
}

fn tasks(v: &mut Violations, tasks: &[String]) -> Vec<String> {
    if tasks.is_empty() {
        v.add("tasks", "at least one task is required");
        return Vec::new();
    }
    if !v.at_most("tasks", tasks.len(), MAX_TASKS) {
        return Vec::new();
    }
    tasks.iter().enumerate().filter_map(|(i, task)| v.text(&format!("tasks[{i}]"), task, MAX_TASK_CHARS).map(str::to_owned)).collect()
}

fn links(v: &mut Violations, links: &[String]) -> Vec<String> {
    if !v.at_most("resource_links", links.len(), crate::domain::homework::MAX_LINKS) {
        return Vec::new();
    }
    let mut read = Vec::new();
    for (i, link) in links.iter().enumerate() {
        if is_web_link(link) {
            read.push(link.clone());
        } else {
            v.add(format!("resource_links[{i}]"), "must be an http(s) address");
        }
    }
    read
}

/// Optional free text of at most `max` characters, trimmed.
fn optional_text(v: &mut Violations, field: &str, raw: &str, max: usize) -> String {
    if raw.chars().count() > max {
        v.add(field, format!("is longer than {max} characters"));
        return String::new();
    }
    raw.trim().to_owned()
}

/// A time that may not lie ahead of now (beyond clock skew).
fn not_future(v: &mut Violations, field: &str, ts: Option<&prost_types::Timestamp>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let at = v.timestamp(field, ts)?;
    if at > now + CLOCK_SKEW {
        v.add(field, "must not be in the future");
        return None;
    }
    Some(at)
}

pub fn edit_homework(request: &pb::EditHomeworkRequest) -> Result<EditHomework, ApiError> {
    let mut v = Violations::new();
    let homework_id = v.uuid("homework_id", &request.homework_id);
    let expected_version = version(&mut v, request.expected_version);
    let tasks = tasks(&mut v, &request.tasks);
    let resource_links = links(&mut v, &request.resource_links);
    let deadline = v.timestamp("deadline", request.deadline.as_ref());
    let files = files(&mut v, &request.files);
    let expected_minutes = expected_minutes(&mut v, request.expected_minutes);
    let (homework_id, expected_version, deadline, expected_minutes) = v.values((homework_id, expected_version, deadline, expected_minutes))?;
    Ok(EditHomework { homework_id, expected_version, tasks, resource_links, deadline, files, expected_minutes })
}

fn version(v: &mut Violations, version: i64) -> Option<i64> {
    if version >= 1 {
        Some(version)
    } else {
        v.add("expected_version", "is required: the version the change is based on");
        None
    }
}

pub fn withdraw_homework(request: &pb::WithdrawHomeworkRequest) -> Result<(Uuid, i64), ApiError> {
    let mut v = Violations::new();
    let homework_id = v.uuid("homework_id", &request.homework_id);
    let expected_version = version(&mut v, request.expected_version);
    optional_text(&mut v, "reason", &request.reason, MAX_REASON_CHARS);
    v.values((homework_id, expected_version))
}

pub fn list_class_homework(request: &pb::ListClassHomeworkRequest) -> Result<(Uuid, chrono::NaiveDate, chrono::NaiveDate), ApiError> {
    let mut v = Violations::new();
    let class_id = v.uuid("class_id", &request.class_id);
    let from = v.local_date("from", request.from.as_ref());
    let to = v.local_date("to", request.to.as_ref());
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            v.add("to", "must be after from");
        } else if (to - from).num_days() > MAX_LIST_DAYS {
            v.add("to", format!("a range covers at most {MAX_LIST_DAYS} days"));
        }
    }
    v.values((class_id, from, to))
}

pub fn upload_header(header: Option<&pb::AttachmentHeader>) -> Result<UploadHeader, ApiError> {
    let Some(header) = header else { return Err(ApiError::invalid("header", "the first message must be the header")) };
    let mut v = Violations::new();
    let school_id = v.uuid("header.school_id", &header.school_id);
    let file_name = if attachment::is_plain_file_name(&header.file_name) {
        Some(header.file_name.trim().to_owned())
    } else {
        v.add("header.file_name", format!("must be a plain file name of at most {} characters", attachment::MAX_FILE_NAME_CHARS));
        None
    };
    let media_type = MEDIA_TYPES.into_iter().find(|m| *m == header.media_type);
    if media_type.is_none() {
        v.add("header.media_type", format!("must be one of {}", MEDIA_TYPES.join(", ")));
    }
    let (school_id, file_name, media_type) = v.values((school_id, file_name, media_type))?;
    Ok(UploadHeader { school_id, file_name, media_type })
}

fn channel(v: &mut Violations, raw: i32) -> Option<Channel> {
    let channel = v.known_enum("channel", raw, pb::Channel::try_from(raw), pb::Channel::Unspecified)?;
    Some(match channel {
        pb::Channel::Unspecified => return None,
        pb::Channel::EJournal => Channel::EJournal,
        pb::Channel::Email => Channel::Email,
        pb::Channel::Aitu => Channel::Aitu,
        pb::Channel::Whatsapp => Channel::WhatsApp,
        pb::Channel::Paper => Channel::Paper,
    })
}

fn channel_to_proto(channel: Channel) -> pb::Channel {
    match channel {
        Channel::EJournal => pb::Channel::EJournal,
        Channel::Email => pb::Channel::Email,
        Channel::Aitu => pb::Channel::Aitu,
        Channel::WhatsApp => pb::Channel::Whatsapp,
        Channel::Paper => pb::Channel::Paper,
    }
}

fn actor(v: &mut Violations, field: &str, actor: Option<&pb::Actor>) -> Option<Actor> {
    let Some(actor) = actor else {
        v.add(field, "is required: who enters it");
        return None;
    };
    let role = v.known_enum(&format!("{field}.role"), actor.role, pb::ActorRole::try_from(actor.role), pb::ActorRole::Unspecified)?;
    let id_field = format!("{field}.id");
    let role = match role {
        pb::ActorRole::Unspecified => return None,
        pb::ActorRole::Pupil => {
            v.uuid(&id_field, &actor.id)?;
            ActorRole::Pupil
        }
        pb::ActorRole::Teacher => {
            v.uuid(&id_field, &actor.id)?;
            ActorRole::Teacher
        }
        pb::ActorRole::Parent => {
            v.text(&id_field, &actor.id, 64)?;
            ActorRole::Parent
        }
    };
    Some(Actor { role, id: actor.id.trim().to_owned() })
}

fn actor_to_proto(actor: &Actor) -> pb::Actor {
    let role = match actor.role {
        ActorRole::Pupil => pb::ActorRole::Pupil,
        ActorRole::Parent => pb::ActorRole::Parent,
        ActorRole::Teacher => pb::ActorRole::Teacher,
    };
    pb::Actor { role: role as i32, id: actor.id.clone() }
}

fn paper(v: &mut Violations, paper: &pb::PaperCustody, now: DateTime<Utc>) -> Option<PaperCustody> {
    let role = Collector::parse(&paper.collected_by_role);
    if role.is_none() {
        v.add("paper.collected_by_role", "must be \"teacher\" or \"post_operator\"");
    }
    let collected_by = v.text("paper.collected_by", &paper.collected_by, MAX_NAME_CHARS).map(str::to_owned);
    let handed_over_at = not_future(v, "paper.handed_over_at", paper.handed_over_at.as_ref(), now);
    let received = paper.received_at_school.as_ref().map(|ts| not_future(v, "paper.received_at_school", Some(ts), now));
    let scanned = paper.scanned_at.as_ref().map(|ts| not_future(v, "paper.scanned_at", Some(ts), now));
    let (received_at_school, scanned_at) = (received.flatten(), scanned.flatten());
    if let (Some(handed), Some(received)) = (handed_over_at, received_at_school)
        && received < handed
    {
        v.add("paper.received_at_school", "is before the hand-over");
    }
    if let (Some(received), Some(scanned)) = (received_at_school, scanned_at)
        && scanned < received
    {
        v.add("paper.scanned_at", "is before it was received at school");
    }
    Some(PaperCustody { collected_by_role: role?, collected_by: collected_by?, handed_over_at: handed_over_at?, received_at_school, scanned_at })
}

fn paper_to_proto(paper: &PaperCustody) -> pb::PaperCustody {
    pb::PaperCustody {
        collected_by_role: paper.collected_by_role.as_str().to_owned(),
        collected_by: paper.collected_by.clone(),
        handed_over_at: Some(to_timestamp(paper.handed_over_at)),
        received_at_school: paper.received_at_school.map(to_timestamp),
        scanned_at: paper.scanned_at.map(to_timestamp),
    }
}

pub fn submit_work(request: &pb::SubmitWorkRequest) -> Result<Handing, ApiError> {
    let now = qashyq_platform::clock::now();
    let mut v = Violations::new();
    let homework_id = v.uuid("homework_id", &request.homework_id);
    let pupil_id = v.uuid("pupil_id", &request.pupil_id);
    let channel = channel(&mut v, request.channel);
    let entered_by = actor(&mut v, "entered_by", request.entered_by.as_ref());
    let text = optional_text(&mut v, "text", &request.text, MAX_TEXT_CHARS);
    let mut attachment_ids = Vec::new();
    if v.at_most("attachment_ids", request.attachment_ids.len(), MAX_ATTACHMENTS) {
        attachment_ids = request.attachment_ids.iter().enumerate().filter_map(|(i, id)| v.uuid(&format!("attachment_ids[{i}]"), id)).collect();
    }
    if request.text.trim().is_empty() && request.attachment_ids.is_empty() {
        v.add("text", "the work is empty: give its text, attachments or both");
    }
    let paper = match (channel, &request.paper) {
        (Some(Channel::Paper), None) => {
            v.add("paper", "is required for paper: who collected it and when it was handed over");
            None
        }
        (Some(Channel::Paper), Some(custody)) => paper(&mut v, custody, now),
        (Some(_), Some(_)) => {
            v.add("paper", "is only for the paper channel");
            None
        }
        (_, _) => None,
    };
    let received_at = match (channel, request.received_at.as_ref()) {
        (Some(Channel::Email | Channel::Aitu | Channel::WhatsApp), Some(ts)) => not_future(&mut v, "received_at", Some(ts), now),
        (Some(_), Some(_)) => {
            v.add("received_at", "is for work that arrived by e-mail or messenger; e-journal work arrives now, paper counts from its hand-over");
            None
        }
        _ => None,
    };
    let (homework_id, pupil_id, channel, entered_by) = v.values((homework_id, pupil_id, channel, entered_by))?;
    Ok(Handing { homework_id, pupil_id, channel, entered_by, text, attachment_ids, paper, received_at })
}

/// Reads a batch, every bad field of every item named `submissions[i].<field>`.
pub fn submit_work_batch(request: &pb::SubmitWorkBatchRequest) -> Result<Vec<Handing>, ApiError> {
    use crate::app::submissions::MAX_BATCH;
    if request.submissions.is_empty() || request.submissions.len() > MAX_BATCH {
        return Err(ApiError::invalid("submissions", format!("has {} entries; 1-{MAX_BATCH}", request.submissions.len())));
    }
    let mut violations = Vec::new();
    let mut handings = Vec::with_capacity(request.submissions.len());
    for (i, item) in request.submissions.iter().enumerate() {
        match submit_work(item) {
            Ok(handing) => handings.push(handing),
            Err(ApiError::InvalidArgument(found)) => violations.extend(found.into_iter().map(|mut v| {
                v.field = format!("submissions[{i}].{}", v.field);
                v
            })),
            Err(other) => return Err(other),
        }
    }
    if violations.is_empty() { Ok(handings) } else { Err(ApiError::InvalidArgument(violations)) }
}

pub fn reclaim_work(request: &pb::ReclaimWorkRequest) -> Result<(Uuid, Uuid, Actor), ApiError> {
    let mut v = Violations::new();
    let homework_id = v.uuid("homework_id", &request.homework_id);
    let pupil_id = v.uuid("pupil_id", &request.pupil_id);
    let actor = actor(&mut v, "entered_by", request.entered_by.as_ref());
    v.values((homework_id, pupil_id, actor))
}

fn teacher_change(v: &mut Violations, homework_id: &str, pupil_id: &str, teacher_id: &str, comment: &str, assessment: &str) -> Option<TeacherChange> {
    let homework_id = v.uuid("homework_id", homework_id);
    let pupil_id = v.uuid("pupil_id", pupil_id);
    let teacher_id = v.uuid("teacher_id", teacher_id);
    let comment = optional_text(v, "comment", comment, MAX_COMMENT_CHARS);
    let assessment = optional_text(v, "assessment", assessment, MAX_ASSESSMENT_CHARS);
    Some(TeacherChange { homework_id: homework_id?, pupil_id: pupil_id?, teacher_id: teacher_id?, comment, assessment })
}

pub fn give_feedback(request: &pb::GiveFeedbackRequest) -> Result<TeacherChange, ApiError> {
    let mut v = Violations::new();
    let change = teacher_change(&mut v, &request.homework_id, &request.pupil_id, &request.teacher_id, &request.comment, &request.assessment);
    if request.comment.trim().is_empty() && request.assessment.trim().is_empty() {
        v.add("comment", "feedback needs a comment, an assessment or both");
    }
    v.values(change)
}

pub fn return_work(request: &pb::ReturnWorkRequest) -> Result<(TeacherChange, bool), ApiError> {
    let mut v = Violations::new();
    let change = teacher_change(&mut v, &request.homework_id, &request.pupil_id, &request.teacher_id, &request.comment, "");
    let outcome = v.known_enum("outcome", request.outcome, pb::ReturnOutcome::try_from(request.outcome), pb::ReturnOutcome::Unspecified);
    let (change, outcome) = v.values((change, outcome))?;
    Ok((change, outcome == pb::ReturnOutcome::Rework))
}

pub fn excuse_work(request: &pb::ExcuseWorkRequest) -> Result<TeacherChange, ApiError> {
    let mut v = Violations::new();
    let change = teacher_change(&mut v, &request.homework_id, &request.pupil_id, &request.teacher_id, "", "");
    let reason = optional_text(&mut v, "reason", &request.reason, MAX_REASON_CHARS);
    let change = v.values(change)?;
    Ok(TeacherChange { comment: reason, ..change })
}

pub fn extend_deadline(request: &pb::ExtendDeadlineRequest) -> Result<(TeacherChange, DateTime<Utc>), ApiError> {
    let mut v = Violations::new();
    let change = teacher_change(&mut v, &request.homework_id, &request.pupil_id, &request.teacher_id, "", "");
    let deadline = v.timestamp("deadline", request.deadline.as_ref());
    v.values((change, deadline))
}

pub fn homework_and_pupil(homework_id: &str, pupil_id: &str) -> Result<(Uuid, Uuid), ApiError> {
    let mut v = Violations::new();
    let homework_id = v.uuid("homework_id", homework_id);
    let pupil_id = v.uuid("pupil_id", pupil_id);
    v.values((homework_id, pupil_id))
}

fn state_to_proto(state: State) -> pb::SubmissionState {
    match state {
        State::New => pb::SubmissionState::New,
        State::TurnedIn => pb::SubmissionState::TurnedIn,
        State::Returned => pb::SubmissionState::Returned,
        State::Checked => pb::SubmissionState::Checked,
        State::Reclaimed => pb::SubmissionState::Reclaimed,
        State::Excused => pb::SubmissionState::Excused,
    }
}

fn late_policy_to_proto(policy: LatePolicy) -> pb::LatePolicy {
    match policy {
        LatePolicy::None => pb::LatePolicy::None,
        LatePolicy::Late => pb::LatePolicy::Late,
        LatePolicy::Missing => pb::LatePolicy::Missing,
        LatePolicy::Extended => pb::LatePolicy::Extended,
    }
}

pub fn attempt_to_proto(attempt: &Attempt) -> pb::Attempt {
    pb::Attempt {
        number: attempt.number,
        channel: channel_to_proto(attempt.channel) as i32,
        counted_at: Some(to_timestamp(attempt.counted_at)),
        entered_at: Some(to_timestamp(attempt.entered_at)),
        entered_by: Some(actor_to_proto(&attempt.entered_by)),
        proxy: attempt.proxy,
        text: attempt.text.clone(),
        attachment_ids: attempt.attachment_ids.iter().map(Uuid::to_string).collect(),
        paper: attempt.paper.as_ref().map(paper_to_proto),
        late: attempt.late,
    }
}

/// A pupil's work as the API shows it, with its current attempt when given.
pub fn submission_to_proto(work: &Work, current: Option<&Attempt>) -> pb::Submission {
    let submission = work.submission.as_ref();
    let state = submission.map_or(State::New, |s| s.state);
    pb::Submission {
        submission_id: submission.map(|s| s.id.to_string()).unwrap_or_default(),
        homework_id: work.homework.id.to_string(),
        pupil_id: work.pupil_id.to_string(),
        state: state_to_proto(state) as i32,
        one_roster_score_status: state.one_roster_score_status().to_owned(),
        classroom_state: state.classroom_state().to_owned(),
        late_policy: late_policy_to_proto(work.late_policy) as i32,
        excused: state == State::Excused,
        attempts: submission.map_or(0, |s| s.attempts),
        current_attempt: current.map(attempt_to_proto),
        assessment: submission.and_then(|s| s.assessment.clone()).unwrap_or_default(),
        deadline: Some(to_timestamp(work.deadline())),
        history_length: submission.map_or(0, |s| s.history_length),
    }
}

fn entry_to_proto(entry: &HistoryEntry) -> pb::HistoryEntry {
    pb::HistoryEntry {
        sequence: entry.sequence,
        kind: entry.kind.clone(),
        at: Some(to_timestamp(entry.at)),
        actor: Some(actor_to_proto(&entry.actor)),
        principal: entry.principal.clone(),
        state_after: state_to_proto(entry.state_after) as i32,
        attempt: entry.attempt,
        comment: entry.comment.clone(),
        assessment: entry.assessment.clone(),
        proxy: entry.proxy,
    }
}

pub fn history_to_proto(history: &FullHistory) -> pb::SubmissionHistory {
    pb::SubmissionHistory {
        submission: Some(submission_to_proto(&history.work, history.attempts.last())),
        attempts: history.attempts.iter().map(attempt_to_proto).collect(),
        entries: history.entries.iter().map(entry_to_proto).collect(),
    }
}

pub fn queued_to_proto(item: &Queued) -> pb::QueueItem {
    pb::QueueItem {
        homework_id: item.homework_id.to_string(),
        pupil_id: item.pupil_id.to_string(),
        class_id: item.class_id.to_string(),
        subject_code: item.subject_code.clone(),
        attempt: item.attempt,
        turned_in_at: Some(to_timestamp(item.turned_in_at)),
        // The queue does not carry the channel; the history does.
        channel: pb::Channel::Unspecified as i32,
        late: item.late,
    }
}

pub fn open_work_to_proto(work: &OpenWork) -> pb::OpenWork {
    pb::OpenWork {
        homework: Some(homework_to_proto(&work.homework)),
        state: state_to_proto(work.state) as i32,
        deadline: Some(to_timestamp(work.deadline)),
        late_policy: late_policy_to_proto(work.late_policy) as i32,
    }
}

pub fn record_mark(request: &pb::RecordMarkRequest) -> Result<RecordMark, ApiError> {
    let mut v = Violations::new();
    let pupil_id = v.uuid("pupil_id", &request.pupil_id);
    let subject_code = subject(&mut v, "subject", &request.subject);
    let teacher_id = v.uuid("teacher_id", &request.teacher_id);
    let kind = v.known_enum("kind", request.kind, pb::MarkKind::try_from(request.kind), pb::MarkKind::Unspecified).map(|k| match k {
        pb::MarkKind::Soch => MarkKind::Soch,
        _ => MarkKind::Sor,
    });
    let (pupil_id, subject_code, teacher_id, kind) = v.values((pupil_id, subject_code, teacher_id, kind))?;
    let mark = RecordMark {
        pupil_id,
        subject_code,
        teacher_id,
        kind,
        school_year: request.school_year,
        quarter: request.quarter,
        number: request.number,
        score: request.score,
        max_score: request.max_score,
    };
    let mut v = Violations::new();
    for (field, reason) in mark::check(&mark) {
        v.add(field, reason);
    }
    v.finish()?;
    Ok(mark)
}

pub fn mark_to_proto(mark: &Mark) -> pb::Mark {
    pb::Mark {
        mark_id: mark.id.to_string(),
        pupil_id: mark.pupil_id.to_string(),
        subject_code: mark.subject_code.clone(),
        kind: match mark.kind {
            MarkKind::Sor => pb::MarkKind::Sor,
            MarkKind::Soch => pb::MarkKind::Soch,
        } as i32,
        school_year: mark.school_year,
        quarter: mark.quarter,
        number: mark.number,
        score: mark.score,
        max_score: mark.max_score,
        teacher_id: mark.teacher_id.to_string(),
        recorded_at: Some(to_timestamp(mark.recorded_at)),
        version: mark.version,
    }
}

pub fn record_conference(request: &pb::RecordConferenceRequest) -> Result<RecordConference, ApiError> {
    let now = qashyq_platform::clock::now();
    let mut v = Violations::new();
    let class_id = v.uuid("class_id", &request.class_id);
    let teacher_id = v.uuid("teacher_id", &request.teacher_id);
    let subject_code = subject(&mut v, "subject", &request.subject);
    let held_at = not_future(&mut v, "held_at", request.held_at.as_ref(), now);
    let mut present = Vec::new();
    if v.at_most("present_pupil_ids", request.present_pupil_ids.len(), MAX_PRESENT) {
        present = request.present_pupil_ids.iter().enumerate().filter_map(|(i, id)| v.uuid(&format!("present_pupil_ids[{i}]"), id)).collect();
    }
    let (class_id, teacher_id, subject_code, held_at) = v.values((class_id, teacher_id, subject_code, held_at))?;
    Ok(RecordConference { class_id, teacher_id, subject_code, held_at, present })
}

pub fn conference_to_proto(conference: &Conference) -> pb::Conference {
    pb::Conference {
        conference_id: conference.id.to_string(),
        class_id: conference.class_id.to_string(),
        subject_code: conference.subject_code.clone(),
        held_at: Some(to_timestamp(conference.held_at)),
        present: i32::try_from(conference.present.len()).unwrap_or(i32::MAX),
    }
}

pub fn absence_to_proto(absence: &Absence) -> pb::Absence {
    pb::Absence {
        absence_id: absence.id.to_string(),
        pupil_id: absence.pupil_id.to_string(),
        class_id: absence.class_id.to_string(),
        reason: match absence.reason {
            AbsenceReason::DeadlineMissed => pb::AbsenceReason::DeadlineMissed,
            AbsenceReason::ConferenceMissed => pb::AbsenceReason::ConferenceMissed,
        } as i32,
        homework_id: absence.homework_id.map(|id| id.to_string()).unwrap_or_default(),
        conference_id: absence.conference_id.map(|id| id.to_string()).unwrap_or_default(),
        date: Some(to_local_date(absence.date)),
        marked_at: Some(to_timestamp(absence.marked_at)),
        withdrawn_at: absence.withdrawn_at.map(to_timestamp),
    }
}

/// A pupil and a date range of at most a school year.
pub fn pupil_dates(request: &pb::ListPupilAbsencesRequest) -> Result<(Uuid, chrono::NaiveDate, chrono::NaiveDate), ApiError> {
    let mut v = Violations::new();
    let pupil_id = v.uuid("pupil_id", &request.pupil_id);
    let from = v.local_date("from", request.from.as_ref());
    let to = v.local_date("to", request.to.as_ref());
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            v.add("to", "must be after from");
        } else if (to - from).num_days() > 366 {
            v.add("to", "a range covers at most 366 days");
        }
    }
    v.values((pupil_id, from, to))
}

pub fn collection_round(request: &pb::RecordCollectionRoundRequest) -> Result<RecordRound, ApiError> {
    let now = qashyq_platform::clock::now();
    let mut v = Violations::new();
    let class_id = v.uuid("class_id", &request.class_id);
    let role = Collector::parse(&request.collected_by_role);
    if role.is_none() {
        v.add("collected_by_role", "must be \"teacher\" or \"post_operator\"");
    }
    let collected_by = v.text("collected_by", &request.collected_by, MAX_NAME_CHARS).map(str::to_owned);
    let collected_at = not_future(&mut v, "collected_at", request.collected_at.as_ref(), now);
    let (class_id, collected_by_role, collected_by, collected_at) = v.values((class_id, role, collected_by, collected_at))?;
    Ok(RecordRound { class_id, collected_by_role, collected_by, collected_at })
}

pub fn round_to_proto(round: &CollectionRound) -> pb::CollectionRound {
    pb::CollectionRound {
        round_id: round.id.to_string(),
        class_id: round.class_id.to_string(),
        collected_by_role: round.collected_by_role.as_str().to_owned(),
        collected_by: round.collected_by.clone(),
        collected_at: Some(to_timestamp(round.collected_at)),
    }
}

pub fn overdue_to_proto(item: &Overdue) -> pb::PaperOverdue {
    pb::PaperOverdue {
        class_id: item.class_id.to_string(),
        pupil_id: item.pupil_id.to_string(),
        homework_id: item.homework_id.to_string(),
        subject_code: item.subject_code.clone(),
        deadline: Some(to_timestamp(item.deadline)),
        last_collected_at: item.last_collected_at.map(to_timestamp),
    }
}

pub fn attachment_to_proto(attachment: &Attachment) -> pb::Attachment {
    pb::Attachment {
        attachment_id: attachment.id.to_string(),
        school_id: attachment.school_id.to_string(),
        file_name: attachment.file_name.clone(),
        media_type: attachment.media_type.clone(),
        size: attachment.size,
        sha256: attachment.sha256.clone(),
    }
}

fn lesson_to_proto(lesson: &LessonRef) -> pb::LessonRef {
    let lesson = match lesson {
        LessonRef::TvAiring { airing_id } => pb::lesson_ref::Lesson::TvAiringId(airing_id.clone()),
        LessonRef::TimetableLesson { date, period } => {
            pb::lesson_ref::Lesson::TimetableLesson(pb::TimetableLesson { date: Some(to_local_date(*date)), period: i32::from(*period) })
        }
    };
    pb::LessonRef { lesson: Some(lesson) }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn valid() -> pb::PostHomeworkRequest {
        pb::PostHomeworkRequest {
            school_id: Uuid::new_v4().to_string(),
            class_id: Uuid::new_v4().to_string(),
            teacher_id: Uuid::new_v4().to_string(),
            subject: "Рус.язык".into(),
            lesson_kind: pb::LessonKind::Tv as i32,
            tasks: vec![" Textbook p. 45-47, ex. 1-3 ".into()],
            resource_links: vec!["https://bilimland.kz/lesson/1".into()],
            deadline: Some(prost_types::Timestamp { seconds: 1_900_000_000, nanos: 0 }),
            lesson: Some(pb::LessonRef { lesson: Some(pb::lesson_ref::Lesson::TvAiringId("2020-04-06/kk/5/1".into())) }),
            files: vec![],
            expected_minutes: 30,
        }
    }

    #[test]
    fn r_as_1_a_post_is_read_into_its_command_with_the_subject_normalised() {
        let post = post_homework(&valid()).unwrap();
        assert_eq!((post.subject_code.as_str(), post.lesson_kind), ("russian_language", LessonKind::Tv));
        assert_eq!(post.tasks, ["Textbook p. 45-47, ex. 1-3"]);
    }

    #[test]
    fn r_as_1_every_bad_field_is_named() {
        let request = pb::PostHomeworkRequest {
            school_id: String::new(),
            subject: "Астрология".into(),
            lesson_kind: 0,
            tasks: vec!["ok".into(), " ".into()],
            resource_links: vec!["javascript:alert(1)".into()],
            deadline: Some(prost_types::Timestamp { seconds: 1_500_000_000, nanos: 0 }),
            ..valid()
        };
        let Err(ApiError::InvalidArgument(violations)) = post_homework(&request) else { panic!("expected invalid") };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["school_id", "subject", "lesson_kind", "tasks[1]", "resource_links[0]", "deadline"]);
    }

    fn submission() -> pb::SubmitWorkRequest {
        pb::SubmitWorkRequest {
            homework_id: Uuid::now_v7().to_string(),
            pupil_id: Uuid::now_v7().to_string(),
            channel: pb::Channel::Paper as i32,
            entered_by: Some(pb::Actor { role: pb::ActorRole::Teacher as i32, id: Uuid::now_v7().to_string() }),
            text: "Ex. 1-3 done".into(),
            attachment_ids: vec![],
            paper: Some(pb::PaperCustody {
                collected_by_role: "post_operator".into(),
                collected_by: "Kazpost, Aral 120100".into(),
                handed_over_at: Some(prost_types::Timestamp { seconds: 1_586_500_000, nanos: 0 }),
                received_at_school: Some(prost_types::Timestamp { seconds: 1_586_600_000, nanos: 0 }),
                scanned_at: None,
            }),
            received_at: None,
        }
    }

    #[test]
    fn r_as_3_a_paper_submission_reads_with_its_custody() {
        let handing = submit_work(&submission()).unwrap();
        assert_eq!(handing.channel, Channel::Paper);
        let paper = handing.paper.unwrap();
        assert_eq!((paper.collected_by_role, paper.handed_over_at.timestamp()), (Collector::PostOperator, 1_586_500_000));
    }

    #[test]
    fn r_as_3_unknown_channel_future_hand_over_and_stray_custody_are_named() {
        let fields = |request: &pb::SubmitWorkRequest| match submit_work(request) {
            Err(ApiError::InvalidArgument(violations)) => violations.into_iter().map(|v| v.field).collect::<Vec<_>>(),
            other => panic!("expected invalid, got {other:?}"),
        };
        assert_eq!(fields(&pb::SubmitWorkRequest { channel: 42, ..submission() }), ["channel"]);
        let future = prost_types::Timestamp { seconds: (chrono::Utc::now() + chrono::Duration::days(1)).timestamp(), nanos: 0 };
        let mut later = submission();
        later.paper.as_mut().unwrap().handed_over_at = Some(future);
        later.paper.as_mut().unwrap().received_at_school = None;
        assert_eq!(fields(&later), ["paper.handed_over_at"]);
        assert_eq!(fields(&pb::SubmitWorkRequest { channel: pb::Channel::Email as i32, ..submission() }), ["paper"]);
        assert_eq!(fields(&pb::SubmitWorkRequest { paper: None, ..submission() }), ["paper"]);
        assert_eq!(fields(&pb::SubmitWorkRequest { text: String::new(), ..submission() }), ["text"]);
        assert_eq!(fields(&pb::SubmitWorkRequest { attachment_ids: vec!["x".into(); 11], ..submission() }), ["attachment_ids"]);
        let huge = pb::SubmitWorkRequest { text: "a".repeat(30_000), ..submission() };
        assert_eq!(fields(&huge), ["text"]);
    }

    #[test]
    fn r_as_5_a_mark_above_its_maximum_is_named() {
        let request = pb::RecordMarkRequest {
            pupil_id: Uuid::now_v7().to_string(),
            subject: "Математика".into(),
            teacher_id: Uuid::now_v7().to_string(),
            kind: pb::MarkKind::Sor as i32,
            school_year: 2019,
            quarter: 4,
            number: 1,
            score: 21,
            max_score: 20,
        };
        let Err(ApiError::InvalidArgument(violations)) = record_mark(&request) else { panic!("expected invalid") };
        assert_eq!(violations.iter().map(|v| v.field.as_str()).collect::<Vec<_>>(), ["score"]);
        assert_eq!(record_mark(&pb::RecordMarkRequest { score: 18, ..request }).unwrap().subject_code, "mathematics");
    }
}
