//! Posting, editing, withdrawing and reading homework (R-AS-1, R-AS-2, R-AS-8).

use chrono::NaiveDate;
use qashyq_platform::principal::Caller;
use uuid::Uuid;

use super::{AssignmentsApp, absences, local_date, principal_name};
use crate::{
    OUTBOX,
    domain::homework::{EditHomework, Homework, HomeworkFile, PostHomework, PostRefused},
    error::AssignmentsError,
    events,
    repo::{self, directory::KnownClass},
};

impl AssignmentsApp {
    /// Posts homework now: stored with its HomeworkPosted event and its deadline job. A keyed
    /// write (`request_id`, from the gateway's idempotency key) is done once: a repetition meets
    /// the homework the first one stored and answers it, with no second event.
    pub async fn post_homework(&self, caller: &Caller, post: PostHomework, request_id: Option<Uuid>) -> Result<Homework, AssignmentsError> {
        self.reach_for_write(caller, post.school_id).await?;
        if let Some(id) = request_id
            && let Some(first) = repo::homework::find(&self.pool, id).await?
        {
            return Ok(first);
        }
        let zone = self.zone(post.school_id).await?;
        self.check_class_and_teacher(post.school_id, post.class_id, post.teacher_id, &post.subject_code).await?;
        self.check_files(post.school_id, &post.files).await?;
        let now = Self::now();
        let date = local_date(zone, post.deadline);
        let mut tx = self.pool.begin().await?;
        let class = locked_class(&mut tx, post.class_id).await?;
        let already = repo::homework::minutes_due(&mut tx, post.class_id, date, Uuid::nil()).await?;
        self.norms.check(class.grade, date, already, post.expected_minutes)?;
        let homework = post.post(request_id.unwrap_or_else(Uuid::now_v7), now, date)?;
        if !repo::homework::insert(&mut tx, &homework).await? {
            // A repetition that raced the first: the first one's homework is the answer.
            drop(tx);
            return repo::homework::find(&self.pool, homework.id).await?.ok_or(AssignmentsError::HomeworkNotFound(homework.id));
        }
        OUTBOX.enqueue(&mut tx, &homework.id.to_string(), &events::homework_posted(&homework)).await?;
        absences::queue_deadline(&mut tx, &homework, None, homework.deadline).await?;
        tx.commit().await?;
        tracing::info!(homework_id = %homework.id, subject = %homework.subject_code, "homework posted");
        Ok(homework)
    }

    pub async fn get_homework(&self, caller: &Caller, id: Uuid) -> Result<Homework, AssignmentsError> {
        self.homework(caller, id).await
    }

    /// Edits homework: the next version, the previous one kept; HomeworkChanged announces it
    /// (the schedule service's deadlines follow it).
    pub async fn edit_homework(&self, caller: &Caller, edit: EditHomework) -> Result<Homework, AssignmentsError> {
        let current = self.homework(caller, edit.homework_id).await?;
        self.reach_for_write(caller, current.school_id).await?;
        self.check_files(current.school_id, &edit.files).await?;
        let zone = self.zone(current.school_id).await?;
        let now = Self::now();
        let date = local_date(zone, edit.deadline);
        let mut tx = self.pool.begin().await?;
        let class = locked_class(&mut tx, current.class_id).await?;
        let current = repo::homework::find(&mut *tx, current.id).await?.ok_or(AssignmentsError::HomeworkNotFound(current.id))?;
        let next = current.edited(edit, now, date)?;
        let already = repo::homework::minutes_due(&mut tx, current.class_id, date, current.id).await?;
        self.norms.check(class.grade, date, already, next.expected_minutes)?;
        self.replace(&mut tx, &current, &next, caller).await?;
        OUTBOX.enqueue(&mut tx, &next.id.to_string(), &events::homework_changed(&next, now)).await?;
        if next.deadline != current.deadline {
            repo::homework::reflag_late(&mut tx, next.id, next.deadline).await?;
            if next.deadline > now {
                // The deadline passed and was moved ahead: its absences go; the new one judges.
                absences::withdraw_homework_absences(&mut tx, next.id, now).await?;
            }
            absences::queue_deadline(&mut tx, &next, None, next.deadline).await?;
        }
        tx.commit().await?;
        tracing::info!(homework_id = %next.id, version = next.version, "homework changed");
        Ok(next)
    }

    /// Withdraws homework: kept, marked withdrawn; no absence follows from it.
    pub async fn withdraw_homework(&self, caller: &Caller, id: Uuid, expected_version: i64) -> Result<Homework, AssignmentsError> {
        let current = self.homework(caller, id).await?;
        self.reach_for_write(caller, current.school_id).await?;
        let now = Self::now();
        let mut tx = self.pool.begin().await?;
        repo::homework::hold(&mut tx, current.id, true).await?;
        let next = current.withdrawn(expected_version, now)?;
        self.replace(&mut tx, &current, &next, caller).await?;
        OUTBOX.enqueue(&mut tx, &next.id.to_string(), &events::homework_withdrawn(&next)).await?;
        // No absence follows from withdrawn homework, nor stands.
        absences::withdraw_homework_absences(&mut tx, next.id, now).await?;
        tx.commit().await?;
        tracing::info!(homework_id = %next.id, version = next.version, "homework withdrawn");
        Ok(next)
    }

    /// A class's homework due on local dates in [from, to).
    pub async fn class_homework(
        &self,
        caller: &Caller,
        class_id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
        include_withdrawn: bool,
    ) -> Result<Vec<Homework>, AssignmentsError> {
        let not_found = || AssignmentsError::NotFound(format!("class {class_id}"));
        let class = repo::directory::class(&self.pool, class_id, false).await?.ok_or_else(not_found)?;
        self.reach(caller, class.school_id, not_found).await?;
        Ok(repo::homework::of_class(&self.pool, class_id, from, to, include_withdrawn).await?)
    }

    async fn replace(&self, tx: &mut sqlx::PgConnection, current: &Homework, next: &Homework, caller: &Caller) -> Result<(), AssignmentsError> {
        if !repo::homework::replace(tx, current, next, &principal_name(caller)).await? {
            return Err(PostRefused::StaleVersion { homework_id: current.id, current: current.version + 1, expected: current.version }.into());
        }
        Ok(())
    }

    /// R-AS-1: homework is posted by a teacher of the school who teaches the subject, for a class
    /// of the school. (The directory does not say which teacher teaches which class; the school
    /// and the subject are what it knows.)
    async fn check_class_and_teacher(&self, school_id: Uuid, class_id: Uuid, teacher_id: Uuid, subject: &str) -> Result<(), AssignmentsError> {
        let class = repo::directory::class(&self.pool, class_id, false).await?.ok_or_else(|| AssignmentsError::NotKnownYet(format!("class {class_id}")))?;
        if class.school_id != school_id {
            return Err(AssignmentsError::invalid("class_id", "is a class of another school"));
        }
        self.check_teacher(school_id, teacher_id, Some(subject), "teacher_id").await?;
        self.check_teaches(class_id, subject, teacher_id, "teacher_id").await
    }

    /// The teacher gives the class its lessons of the subject, where the school's timetable says
    /// who does (a subject the class has only on TV has no teacher there: any teacher of the
    /// school who teaches it may post).
    pub(super) async fn check_teaches(&self, class_id: Uuid, subject: &str, teacher_id: Uuid, field: &'static str) -> Result<(), AssignmentsError> {
        let teachers = repo::directory::teachers_of(&self.pool, class_id, subject).await?;
        if !teachers.is_empty() && !teachers.contains(&teacher_id) {
            return Err(AssignmentsError::invalid(
                field,
                format!("does not teach {subject} in this class (the school's timetable gives it to another teacher)"),
            ));
        }
        Ok(())
    }

    /// The teacher works at the school (and teaches `subject`, when given).
    pub(super) async fn check_teacher(
        &self,
        school_id: Uuid,
        teacher_id: Uuid,
        subject: Option<&str>,
        field: impl Into<String>,
    ) -> Result<(), AssignmentsError> {
        let teacher = repo::directory::teacher(&self.pool, teacher_id).await?.ok_or_else(|| AssignmentsError::NotKnownYet(format!("teacher {teacher_id}")))?;
        if teacher.school_id != school_id {
            return Err(AssignmentsError::invalid(field, "is not a teacher of the school"));
        }
        if let Some(subject) = subject
            && !teacher.subjects.iter().any(|s| s == subject)
        {
            return Err(AssignmentsError::invalid(field, format!("does not teach {subject}")));
        }
        Ok(())
    }

    async fn check_files(&self, school_id: Uuid, files: &[HomeworkFile]) -> Result<(), AssignmentsError> {
        let ids: Vec<Uuid> = files.iter().map(|f| f.attachment_id).collect();
        let found = repo::attachments::of_school(&self.pool, school_id, &ids).await?;
        match ids.iter().position(|id| !found.contains(id)) {
            Some(i) => Err(AssignmentsError::invalid(format!("files[{i}].attachment_id"), "is not an attachment uploaded to the school")),
            None => Ok(()),
        }
    }
}

async fn locked_class(tx: &mut sqlx::PgConnection, class_id: Uuid) -> Result<KnownClass, AssignmentsError> {
    repo::directory::class(&mut *tx, class_id, true).await?.ok_or_else(|| AssignmentsError::NotKnownYet(format!("class {class_id}")))
}
