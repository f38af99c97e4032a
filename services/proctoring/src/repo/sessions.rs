//! SQL of proctored sessions, with an audit row of every transition.

use qashyq_platform::events::{Event, Outbox};
use sqlx::{PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::{
        lifecycle::State,
        session::{ExamKind, Session},
    },
    error::ProctoringError,
};

pub struct SessionRepo {
    pool: PgPool,
    outbox: &'static Outbox,
}

impl SessionRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: &OUTBOX }
    }

    /// Stores a new session with its first audit row.
    pub async fn insert(&self, session: &Session) -> Result<(), ProctoringError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (session_id, institution_id, student_id, exam_kind, state, scheduled_start, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(session.id)
        .bind(session.institution_id)
        .bind(session.student_id)
        .bind(session.exam_kind.as_str())
        .bind(session.state.as_str())
        .bind(session.scheduled_start)
        .bind(session.version)
        .execute(&mut *tx)
        .await?;
        record_transition(&mut tx, session, None, "scheduled").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, id: Uuid) -> Result<Session, ProctoringError> {
        let row = sqlx::query("SELECT * FROM sessions WHERE session_id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| session_from_row(&r)).transpose()?.ok_or(ProctoringError::SessionNotFound(id))
    }

    /// Moves session `id` as `decide` says (given the session as stored, locked), with its
    /// audit row and the event `announce` builds, in one transaction.
    pub async fn transition<E: Event>(
        &self,
        id: Uuid,
        reason: &str,
        decide: impl FnOnce(&Session) -> Result<Session, ProctoringError>,
        announce: impl FnOnce(&Session, State) -> E,
    ) -> Result<Session, ProctoringError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("SELECT * FROM sessions WHERE session_id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(ProctoringError::SessionNotFound(id))?;
        let current = session_from_row(&row)?;
        let moved = decide(&current)?;
        sqlx::query("UPDATE sessions SET state = $2, version = $3 WHERE session_id = $1")
            .bind(id)
            .bind(moved.state.as_str())
            .bind(moved.version)
            .execute(&mut *tx)
            .await?;
        record_transition(&mut tx, &moved, Some(current.state), reason).await?;
        self.outbox.enqueue(&mut tx, &id.to_string(), &announce(&moved, current.state)).await?;
        tx.commit().await?;
        Ok(moved)
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
    let kind: String = row.try_get("exam_kind")?;
    Ok(Session {
        id: row.try_get("session_id")?,
        institution_id: row.try_get("institution_id")?,
        student_id: row.try_get("student_id")?,
        exam_kind: ExamKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("exam_kind {kind:?}").into()))?,
        state: State::parse(&state).ok_or_else(|| sqlx::Error::Decode(format!("state {state:?}").into()))?,
        scheduled_start: row.try_get("scheduled_start")?,
        version: row.try_get("version")?,
    })
}
