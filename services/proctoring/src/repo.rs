//! SQL of proctored sessions.

use chrono::{DateTime, Utc};
use qashyq_platform::events::Outbox;
use qashyq_proto::proctoring::v1::SessionStateChanged;
use sqlx::{PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{
    domain::lifecycle::{State, can_transition},
    error::ProctoringError,
    grpc::convert,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub student_id: Uuid,
    pub exam_kind: String,
    pub state: State,
    pub scheduled_start: DateTime<Utc>,
    pub version: i64,
}

pub struct NewSession {
    pub institution_id: Uuid,
    pub student_id: Uuid,
    pub exam_kind: String,
    pub scheduled_start: DateTime<Utc>,
}

pub struct SessionRepo {
    pool: PgPool,
    outbox: Outbox,
}

impl SessionRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: Outbox::new("proctoring") }
    }

    pub async fn schedule(&self, new: NewSession) -> Result<Session, ProctoringError> {
        let session = Session {
            id: Uuid::now_v7(),
            institution_id: new.institution_id,
            student_id: new.student_id,
            exam_kind: new.exam_kind,
            state: State::Scheduled,
            scheduled_start: new.scheduled_start,
            version: 1,
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (session_id, institution_id, student_id, exam_kind, state, scheduled_start, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(session.id)
        .bind(session.institution_id)
        .bind(session.student_id)
        .bind(&session.exam_kind)
        .bind(session.state.as_str())
        .bind(session.scheduled_start)
        .bind(session.version)
        .execute(&mut *tx)
        .await?;
        record_transition(&mut tx, &session, None, "scheduled").await?;
        tx.commit().await?;
        Ok(session)
    }

    pub async fn get(&self, id: Uuid) -> Result<Session, ProctoringError> {
        let row = sqlx::query("SELECT * FROM sessions WHERE session_id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| session_from_row(&r)).transpose()?.ok_or(ProctoringError::SessionNotFound(id))
    }

    /// Moves the session to `to` if the lifecycle allows it (and, when given, the caller saw the
    /// current version); records the transition and its event in the same transaction.
    pub async fn transition(&self, id: Uuid, to: State, expected_version: Option<i64>, reason: &str) -> Result<Session, ProctoringError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT * FROM sessions WHERE session_id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(ProctoringError::SessionNotFound(id))?;
        let mut session = session_from_row(&row)?;
        if let Some(expected) = expected_version
            && expected != session.version
        {
            return Err(ProctoringError::VersionMismatch { expected, actual: session.version });
        }
        let from = session.state;
        if !can_transition(from, to) {
            return Err(ProctoringError::ForbiddenTransition { from, to });
        }
        session.state = to;
        session.version += 1;
        sqlx::query("UPDATE sessions SET state = $2, version = $3 WHERE session_id = $1")
            .bind(id)
            .bind(to.as_str())
            .bind(session.version)
            .execute(&mut *tx)
            .await?;
        record_transition(&mut tx, &session, Some(from), reason).await?;
        let event = SessionStateChanged {
            session: Some(convert::session_to_proto(&session)),
            from_state: convert::state_to_proto(from) as i32,
            reason: reason.to_owned(),
        };
        self.outbox.enqueue(&mut tx, &id.to_string(), &event).await?;
        tx.commit().await?;
        Ok(session)
    }
}

async fn record_transition(tx: &mut sqlx::PgConnection, session: &Session, from: Option<State>, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO session_transitions (session_id, version, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5)")
        .bind(session.id)
        .bind(session.version)
        .bind(from.map(State::as_str))
        .bind(session.state.as_str())
        .bind(reason)
        .execute(tx)
        .await?;
    Ok(())
}

fn session_from_row(row: &PgRow) -> Result<Session, sqlx::Error> {
    let state: String = row.try_get("state")?;
    Ok(Session {
        id: row.try_get("session_id")?,
        institution_id: row.try_get("institution_id")?,
        student_id: row.try_get("student_id")?,
        exam_kind: row.try_get("exam_kind")?,
        state: State::parse(&state).ok_or_else(|| sqlx::Error::Decode(format!("state {state:?}").into()))?,
        scheduled_start: row.try_get("scheduled_start")?,
        version: row.try_get("version")?,
    })
}
