//! Work handed in, feedback, returns and their history (R-AS-3, R-AS-4, R-AS-7, R-AS-9). Every
//! change to a submission locks its row, checks the state machine, appends to the history with
//! the next sequence number and writes its event, in one transaction: concurrent feedback on one
//! submission takes turns and none is lost.

use chrono::{DateTime, Utc};
use qashyq_platform::principal::Caller;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{AssignmentsApp, absences, principal_name};
use crate::{
    OUTBOX,
    domain::{
        homework::{Homework, PostRefused},
        submission::{Action, Actor, ActorRole, Attempt, Channel, Handing, HistoryEntry, LatePolicy, Queued, State, Submission, late_policy, next},
    },
    error::AssignmentsError,
    events,
    repo::{self, directory::KnownPupil},
};

/// The most pieces of work one call hands in.
pub const MAX_BATCH: usize = 100;

/// How far back a pupil's open work reaches (missed work stays open this long) and ahead.
const OPEN_WORK_BEHIND: chrono::Duration = chrono::Duration::days(14);
const OPEN_WORK_AHEAD: chrono::Duration = chrono::Duration::days(60);

/// A teacher's change to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherChange {
    pub homework_id: Uuid,
    pub pupil_id: Uuid,
    pub teacher_id: Uuid,
    pub comment: String,
    pub assessment: String,
}

/// A pupil's work on a homework as an answer shows it: the submission (`None`: nothing handed
/// in nor changed yet, state NEW) and Canvas's late policy now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub submission: Option<Submission>,
    pub homework: Homework,
    pub pupil_id: Uuid,
    pub late_policy: LatePolicy,
}

impl Work {
    fn at(submission: Option<Submission>, homework: Homework, pupil_id: Uuid, now: DateTime<Utc>) -> Self {
        let late_policy = late_policy(submission.as_ref(), homework.deadline, now);
        Self { submission, homework, pupil_id, late_policy }
    }

    /// The pupil's deadline: the homework's, or the later one it was extended to.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.submission.as_ref().map_or(self.homework.deadline, |s| s.deadline(self.homework.deadline))
    }
}

/// A pupil's work with its every attempt and history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullHistory {
    pub work: Work,
    pub attempts: Vec<Attempt>,
    pub entries: Vec<HistoryEntry>,
}

/// One piece of a pupil's open work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenWork {
    pub homework: Homework,
    pub state: State,
    pub deadline: DateTime<Utc>,
    pub late_policy: LatePolicy,
}

impl AssignmentsApp {
    /// The homework and the pupil a change names: the homework must exist where the caller
    /// reaches (NOT_FOUND), the pupil be of its class (INVALID_ARGUMENT `pupil_id`); a pupil not
    /// known yet is UNAVAILABLE (the directory's event may be on its way).
    async fn target(&self, caller: &Caller, homework_id: Uuid, pupil_id: Uuid) -> Result<(Homework, KnownPupil), AssignmentsError> {
        let homework = self.homework(caller, homework_id).await?;
        let pupil = repo::directory::pupil(&self.pool, pupil_id).await?.ok_or_else(|| AssignmentsError::NotKnownYet(format!("pupil {pupil_id}")))?;
        Self::of_class(homework, pupil)
    }

    /// The homework and the pupil a read names: both NOT_FOUND when unknown.
    async fn read_target(&self, caller: &Caller, homework_id: Uuid, pupil_id: Uuid) -> Result<(Homework, KnownPupil), AssignmentsError> {
        let homework = self.homework(caller, homework_id).await?;
        let pupil = self.pupil(caller, pupil_id).await?;
        Self::of_class(homework, pupil)
    }

    fn of_class(homework: Homework, pupil: KnownPupil) -> Result<(Homework, KnownPupil), AssignmentsError> {
        if pupil.class_id != homework.class_id {
            return Err(AssignmentsError::invalid("pupil_id", "is not a pupil of the homework's class"));
        }
        Ok((homework, pupil))
    }

    /// Work handed in: a new attempt (R-AS-3). A retried submission (the same request id) is
    /// stored once and answered with the submission as it is.
    pub async fn submit_work(&self, caller: &Caller, handing: Handing, request_id: Option<Uuid>) -> Result<Work, AssignmentsError> {
        let mut works = self.hand_in(caller, vec![(handing, request_id)], |_, field| field.to_owned()).await?;
        Ok(works.pop().expect("one work for one handing"))
    }

    /// Up to [`MAX_BATCH`] pieces of work stored together or not at all; item `i` is keyed by
    /// the batch's request id and `i`, so a retried batch is stored once.
    pub async fn submit_work_batch(&self, caller: &Caller, handings: Vec<Handing>, request_id: Option<Uuid>) -> Result<Vec<Work>, AssignmentsError> {
        let items = handings.into_iter().enumerate().map(|(i, h)| (h, request_id.map(|id| Uuid::from_u128(id.as_u128() ^ ((i as u128 + 1) << 64))))).collect();
        self.hand_in(caller, items, |i, field| format!("submissions[{i}].{field}")).await
    }

    /// Hands in `items` in one transaction: every check first (a bad item refuses all, named by
    /// `field(i, name)`), then the submissions locked in id order, the state machine per item,
    /// and the attempts, history entries, states and events written in a few statements.
    async fn hand_in(
        &self,
        caller: &Caller,
        items: Vec<(Handing, Option<Uuid>)>,
        field: impl Fn(usize, &str) -> String,
    ) -> Result<Vec<Work>, AssignmentsError> {
        let now = Self::now();
        let homework_ids: Vec<Uuid> = items.iter().map(|(h, _)| h.homework_id).collect();
        let pupil_ids: Vec<Uuid> = items.iter().map(|(h, _)| h.pupil_id).collect();
        for (i, (handing, _)) in items.iter().enumerate() {
            if items[..i].iter().any(|(h, _)| h.homework_id == handing.homework_id && h.pupil_id == handing.pupil_id) {
                return Err(AssignmentsError::invalid(field(i, "pupil_id"), "the same pupil's work on the same homework twice in one call"));
            }
        }
        // Checked before the transaction: a transaction that waited for a second pooled
        // connection (the checks') could starve the pool under load.
        let found = repo::homework::find_all(&self.pool, &homework_ids).await?;
        let pupils = repo::directory::pupils(&self.pool, &pupil_ids).await?;
        let mut targets = Vec::with_capacity(items.len());
        // A batch is mostly one class's work: each school and teacher is checked once.
        let (mut schools_reached, mut teachers_checked): (Vec<Uuid>, Vec<Uuid>) = (Vec::new(), Vec::new());
        for (i, (handing, _)) in items.iter().enumerate() {
            let homework = found.iter().find(|h| h.id == handing.homework_id).ok_or(AssignmentsError::HomeworkNotFound(handing.homework_id))?;
            if !schools_reached.contains(&homework.school_id) {
                self.reach(caller, homework.school_id, || AssignmentsError::HomeworkNotFound(homework.id)).await?;
                schools_reached.push(homework.school_id);
            }
            let pupil =
                pupils.iter().find(|p| p.pupil_id == handing.pupil_id).ok_or_else(|| AssignmentsError::NotKnownYet(format!("pupil {}", handing.pupil_id)))?;
            if pupil.class_id != homework.class_id {
                return Err(AssignmentsError::invalid(field(i, "pupil_id"), "is not a pupil of the homework's class"));
            }
            match handing.entered_by.role {
                ActorRole::Pupil if handing.entered_by.id != pupil.pupil_id.to_string() => {
                    return Err(AssignmentsError::invalid(field(i, "entered_by.id"), "a pupil enters only their own work"));
                }
                ActorRole::Teacher => {
                    let teacher_id = Uuid::parse_str(&handing.entered_by.id)
                        .map_err(|_| AssignmentsError::invalid(field(i, "entered_by.id"), "a teacher is named by a UUID"))?;
                    if !teachers_checked.contains(&teacher_id) {
                        self.check_teacher(homework.school_id, teacher_id, None, field(i, "entered_by.id")).await?;
                        teachers_checked.push(teacher_id);
                    }
                }
                _ => {}
            }
            if !handing.attachment_ids.is_empty() {
                let stored = repo::attachments::of_school(&self.pool, homework.school_id, &handing.attachment_ids).await?;
                if let Some(n) = handing.attachment_ids.iter().position(|id| !stored.contains(id)) {
                    return Err(AssignmentsError::invalid(field(i, &format!("attachment_ids[{n}]")), "is not an attachment uploaded to the school"));
                }
            }
            if handing.counted_at(now) < homework.posted_at {
                let name = if handing.channel == Channel::Paper { "paper.handed_over_at" } else { "received_at" };
                return Err(AssignmentsError::invalid(field(i, name), "is before the homework was posted"));
            }
            targets.push(homework.id);
        }

        let mut tx = self.pool.begin().await?;
        repo::homework::hold_shared_all(&mut tx, &targets).await?;
        // Withdrawn meanwhile? (A withdrawal holds its homework exclusively.)
        let current = repo::homework::find_all(&mut *tx, &targets).await?;
        let homework_of = |id: Uuid| current.iter().find(|h| h.id == id).ok_or(AssignmentsError::HomeworkNotFound(id));
        for id in &targets {
            if homework_of(*id)?.withdrawn_at.is_some() {
                return Err(PostRefused::Withdrawn(*id).into());
            }
        }
        let pairs: Vec<(&Homework, Uuid)> =
            items.iter().map(|(h, _)| Ok((homework_of(h.homework_id)?, h.pupil_id))).collect::<Result<_, AssignmentsError>>()?;
        let mut submissions = repo::submissions::lock_or_create_all(&mut tx, &pairs).await?;
        let keys: Vec<Uuid> = items.iter().filter_map(|(_, key)| *key).collect();
        let seen = if keys.is_empty() { Vec::new() } else { repo::submissions::seen_requests(&mut *tx, &keys).await? };
        let principal = principal_name(caller);
        let (mut attempts, mut entries, mut received) = (Vec::new(), Vec::new(), Vec::new());
        for (((handing, key), submission), (homework, _)) in items.into_iter().zip(submissions.iter_mut()).zip(&pairs) {
            if key.is_some_and(|key| seen.contains(&key)) {
                // Stored by an earlier call with this key: answered as it is.
                continue;
            }
            submission.state = next(submission.state, Action::Submit)?;
            let counted_at = handing.counted_at(now);
            let deadline = submission.deadline(homework.deadline);
            let proxy = handing.entered_by.is_proxy_for(handing.pupil_id);
            let attempt = Attempt {
                number: submission.attempts + 1,
                channel: handing.channel,
                counted_at,
                entered_at: now,
                entered_by: handing.entered_by.clone(),
                proxy,
                text: handing.text,
                attachment_ids: handing.attachment_ids,
                paper: handing.paper,
                late: counted_at > deadline,
            };
            submission.attempts = attempt.number;
            submission.turned_in_at = Some(counted_at);
            submission.late = attempt.late;
            submission.history_length += 1;
            if proxy {
                // R-AS-3: proxy entry is audited: the history keeps the principal and the teacher.
                tracing::info!(audit = true, submission_id = %submission.id, principal = %principal, entered_by = %attempt.entered_by.id, "work entered for a pupil");
            }
            entries.push((
                submission.id,
                HistoryEntry {
                    sequence: submission.history_length,
                    kind: Action::Submit.as_str().to_owned(),
                    at: now,
                    actor: handing.entered_by,
                    principal: principal.clone(),
                    state_after: submission.state,
                    attempt: attempt.number,
                    comment: String::new(),
                    assessment: String::new(),
                    proxy,
                },
                key,
            ));
            received.push((submission.id.to_string(), events::submission_received(submission, homework, &attempt, deadline)));
            if !attempt.late && now > homework.deadline {
                // Handed over in time after all (paper typed in late): the deadline absence goes.
                // (Before the deadline there is none: moving a deadline ahead withdraws them.)
                absences::withdraw_deadline_absence(&mut tx, submission, now).await?;
            }
            attempts.push((submission.id, attempt, key));
        }
        if !attempts.is_empty() {
            repo::submissions::insert_attempts(&mut tx, &attempts.iter().map(|(s, a, k)| (*s, a, *k)).collect::<Vec<_>>()).await?;
            repo::submissions::append_history_all(&mut tx, &entries.iter().map(|(s, e, k)| (*s, e, *k)).collect::<Vec<_>>()).await?;
            repo::submissions::update_all(&mut tx, &submissions.iter().collect::<Vec<_>>()).await?;
            OUTBOX.enqueue_all(&mut tx, &received).await?;
        }
        tx.commit().await?;
        tracing::info!(handed_in = attempts.len(), "work received");
        Ok(submissions.into_iter().zip(pairs).map(|(submission, (homework, pupil_id))| Work::at(Some(submission), homework.clone(), pupil_id, now)).collect())
    }

    /// The pupil (or a parent) takes back work not yet checked.
    pub async fn reclaim_work(
        &self,
        caller: &Caller,
        homework_id: Uuid,
        pupil_id: Uuid,
        actor: Actor,
        request_id: Option<Uuid>,
    ) -> Result<Work, AssignmentsError> {
        let (homework, pupil) = self.target(caller, homework_id, pupil_id).await?;
        if actor.role == ActorRole::Teacher || (actor.role == ActorRole::Pupil && actor.id != pupil.pupil_id.to_string()) {
            return Err(AssignmentsError::invalid("entered_by", "only the pupil or a parent takes work back"));
        }
        let entry = Entry { action: Action::Reclaim, actor, comment: String::new(), assessment: String::new(), proxy: false };
        self.teacher_or_pupil_change(caller, &homework, pupil.pupil_id, entry, request_id, |_, _, _| Ok(())).await
    }

    /// A teacher's comment and formative assessment (R-AS-4); the state does not change.
    pub async fn give_feedback(&self, caller: &Caller, change: TeacherChange, request_id: Option<Uuid>) -> Result<Work, AssignmentsError> {
        let (homework, pupil) = self.target(caller, change.homework_id, change.pupil_id).await?;
        self.check_teacher(homework.school_id, change.teacher_id, None, "teacher_id").await?;
        let assessment = change.assessment.clone();
        let entry =
            Entry { action: Action::Feedback, actor: Actor::teacher(change.teacher_id), comment: change.comment, assessment: change.assessment, proxy: false };
        self.teacher_or_pupil_change(caller, &homework, pupil.pupil_id, entry, request_id, move |submission, tx_events, now| {
            if !assessment.is_empty() {
                submission.assessment = Some(assessment.clone());
            }
            tx_events.push(Announce::Feedback { teacher_id: change.teacher_id, assessed: !assessment.is_empty(), at: now });
            Ok(())
        })
        .await
    }

    /// The teacher returns checked work, for work on mistakes (`rework`) or as done.
    pub async fn return_work(&self, caller: &Caller, change: TeacherChange, rework: bool, request_id: Option<Uuid>) -> Result<Work, AssignmentsError> {
        let (homework, pupil) = self.target(caller, change.homework_id, change.pupil_id).await?;
        self.check_teacher(homework.school_id, change.teacher_id, None, "teacher_id").await?;
        let action = if rework { Action::ReturnForRework } else { Action::ReturnDone };
        let entry = Entry { action, actor: Actor::teacher(change.teacher_id), comment: change.comment, assessment: String::new(), proxy: false };
        self.teacher_or_pupil_change(caller, &homework, pupil.pupil_id, entry, request_id, move |_, tx_events, now| {
            tx_events.push(Announce::Returned { teacher_id: change.teacher_id, outcome: if rework { "rework" } else { "done" }, at: now });
            Ok(())
        })
        .await
    }

    /// Excuses the pupil from the homework (Canvas `excused`).
    pub async fn excuse_work(&self, caller: &Caller, change: TeacherChange, request_id: Option<Uuid>) -> Result<Work, AssignmentsError> {
        let (homework, pupil) = self.target(caller, change.homework_id, change.pupil_id).await?;
        self.check_teacher(homework.school_id, change.teacher_id, None, "teacher_id").await?;
        let entry =
            Entry { action: Action::Excuse, actor: Actor::teacher(change.teacher_id), comment: change.comment, assessment: String::new(), proxy: false };
        self.teacher_or_pupil_change(caller, &homework, pupil.pupil_id, entry, request_id, |_, tx_events, _| {
            // An excused pupil is not absent for it.
            tx_events.push(Announce::Excused);
            Ok(())
        })
        .await
    }

    /// Moves one pupil's deadline later (Canvas `extended`); an absence already marked for the
    /// old deadline is withdrawn, and the new deadline gets its own job.
    pub async fn extend_deadline(
        &self,
        caller: &Caller,
        change: TeacherChange,
        until: DateTime<Utc>,
        request_id: Option<Uuid>,
    ) -> Result<Work, AssignmentsError> {
        let until = chrono::SubsecRound::trunc_subsecs(until, 6);
        let (homework, pupil) = self.target(caller, change.homework_id, change.pupil_id).await?;
        self.check_teacher(homework.school_id, change.teacher_id, None, "teacher_id").await?;
        let deadline = homework.deadline;
        let entry = Entry {
            action: Action::Extend,
            actor: Actor::teacher(change.teacher_id),
            comment: format!("until {until}"),
            assessment: String::new(),
            proxy: false,
        };
        // Checked after the request id (a retry of a done extension is answered, not refused).
        self.teacher_or_pupil_change(caller, &homework, pupil.pupil_id, entry, request_id, move |submission, tx_events, now| {
            if until <= deadline || until <= now {
                return Err(AssignmentsError::invalid("deadline", "must be later than the homework's deadline and in the future"));
            }
            submission.extended_until = Some(until);
            submission.late = submission.turned_in_at.is_some_and(|at| at > until);
            tx_events.push(Announce::Extended { until });
            Ok(())
        })
        .await
    }

    /// A change that is one history entry: locks the submission, checks the state machine,
    /// lets `apply` change it and ask for events, appends the entry, writes all.
    async fn teacher_or_pupil_change(
        &self,
        caller: &Caller,
        homework: &Homework,
        pupil_id: Uuid,
        entry: Entry,
        request_id: Option<Uuid>,
        apply: impl FnOnce(&mut Submission, &mut Vec<Announce>, DateTime<Utc>) -> Result<(), AssignmentsError>,
    ) -> Result<Work, AssignmentsError> {
        let now = Self::now();
        let mut tx = self.pool.begin().await?;
        repo::homework::hold(&mut tx, homework.id, false).await?;
        let mut submission = repo::submissions::lock_or_create(&mut tx, homework, pupil_id).await?;
        if let Some(request_id) = request_id
            && repo::submissions::seen_request(&mut *tx, request_id).await?
        {
            return Ok(Work::at(Some(submission), homework.clone(), pupil_id, now));
        }
        submission.state = next(submission.state, entry.action)?;
        let mut announce = Vec::new();
        apply(&mut submission, &mut announce, now)?;
        self.append(&mut tx, &mut submission, entry, caller, now, request_id).await?;
        for item in announce {
            match item {
                Announce::Feedback { teacher_id, assessed, at } => {
                    OUTBOX.enqueue(&mut tx, &submission.id.to_string(), &events::feedback_given(&submission, teacher_id, assessed, at)).await?;
                }
                Announce::Returned { teacher_id, outcome, at } => {
                    OUTBOX.enqueue(&mut tx, &submission.id.to_string(), &events::work_returned(&submission, teacher_id, outcome, at)).await?;
                }
                Announce::Extended { until } => {
                    absences::withdraw_deadline_absence(&mut tx, &submission, now).await?;
                    absences::queue_deadline(&mut tx, homework, Some(pupil_id), until).await?;
                }
                Announce::Excused => absences::withdraw_deadline_absence(&mut tx, &submission, now).await?,
            }
        }
        repo::submissions::update(&mut tx, &submission).await?;
        tx.commit().await?;
        Ok(Work::at(Some(submission), homework.clone(), pupil_id, now))
    }

    /// Appends one history entry (the next sequence number) to a locked submission.
    async fn append(
        &self,
        tx: &mut PgConnection,
        submission: &mut Submission,
        entry: Entry,
        caller: &Caller,
        at: DateTime<Utc>,
        request_id: Option<Uuid>,
    ) -> Result<(), AssignmentsError> {
        submission.history_length += 1;
        let entry = HistoryEntry {
            sequence: submission.history_length,
            kind: entry.action.as_str().to_owned(),
            at,
            actor: entry.actor,
            principal: principal_name(caller),
            state_after: submission.state,
            attempt: submission.attempts,
            comment: entry.comment,
            assessment: entry.assessment,
            proxy: entry.proxy,
        };
        repo::submissions::append_history(tx, submission.id, &entry, request_id).await?;
        Ok(())
    }

    async fn current(&self, homework: &Homework, pupil_id: Uuid) -> Result<Work, AssignmentsError> {
        let submission = repo::submissions::find(&self.pool, homework.id, pupil_id).await?;
        Ok(Work::at(submission, homework.clone(), pupil_id, Self::now()))
    }

    /// The pupil's work on the homework.
    pub async fn get_submission(&self, caller: &Caller, homework_id: Uuid, pupil_id: Uuid) -> Result<Work, AssignmentsError> {
        let (homework, pupil) = self.read_target(caller, homework_id, pupil_id).await?;
        self.current(&homework, pupil.pupil_id).await
    }

    /// Every attempt and history entry of the pupil's submission, in order.
    pub async fn submission_history(&self, caller: &Caller, homework_id: Uuid, pupil_id: Uuid) -> Result<FullHistory, AssignmentsError> {
        let work = self.get_submission(caller, homework_id, pupil_id).await?;
        let Some(submission) = &work.submission else { return Ok(FullHistory { work, attempts: vec![], entries: vec![] }) };
        let attempts = repo::submissions::attempts(&self.pool, submission.id).await?;
        let entries = repo::submissions::history(&self.pool, submission.id).await?;
        Ok(FullHistory { work, attempts, entries })
    }

    /// A teacher's unchecked work, oldest first.
    pub async fn teacher_queue(
        &self,
        caller: &Caller,
        teacher_id: Uuid,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: u32,
    ) -> Result<Vec<Queued>, AssignmentsError> {
        let not_found = || AssignmentsError::NotFound(format!("teacher {teacher_id}"));
        let teacher = repo::directory::teacher(&self.pool, teacher_id).await?.ok_or_else(not_found)?;
        self.reach(caller, teacher.school_id, not_found).await?;
        Ok(repo::submissions::teacher_queue(&self.pool, teacher_id, after, limit).await?)
    }

    /// A pupil's open work: homework of the class not withdrawn, not checked nor excused, due
    /// from 14 days ago on, soonest first.
    pub async fn pupil_open_work(&self, caller: &Caller, pupil_id: Uuid) -> Result<Vec<OpenWork>, AssignmentsError> {
        let pupil = self.pupil(caller, pupil_id).await?;
        let now = Self::now();
        let homework = repo::homework::due_between(&self.pool, pupil.class_id, now - OPEN_WORK_BEHIND, now + OPEN_WORK_AHEAD).await?;
        let ids: Vec<Uuid> = homework.iter().map(|h| h.id).collect();
        let submissions = repo::submissions::of_pupil(&self.pool, pupil_id, &ids).await?;
        let mut open: Vec<OpenWork> = homework
            .into_iter()
            .filter_map(|homework| {
                let submission = submissions.iter().find(|s| s.homework_id == homework.id);
                let state = submission.map_or(State::New, |s| s.state);
                if matches!(state, State::Checked | State::Excused) {
                    return None;
                }
                let deadline = submission.map_or(homework.deadline, |s| s.deadline(homework.deadline));
                let late_policy = late_policy(submission, homework.deadline, now);
                Some(OpenWork { homework, state, deadline, late_policy })
            })
            .collect();
        open.sort_by_key(|w| (w.deadline, w.homework.id));
        Ok(open)
    }
}

/// A history entry before it gets its sequence number.
struct Entry {
    action: Action,
    actor: Actor,
    comment: String,
    assessment: String,
    proxy: bool,
}

/// What a change asks to announce once its entry is appended.
enum Announce {
    Feedback { teacher_id: Uuid, assessed: bool, at: DateTime<Utc> },
    Returned { teacher_id: Uuid, outcome: &'static str, at: DateTime<Utc> },
    Extended { until: DateTime<Utc> },
    Excused,
}
