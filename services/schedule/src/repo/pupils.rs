//! SQL of pupils and parents (R-REF-1). Pupils and links to parents are announced as events;
//! parents' phone numbers stay here (other services reach parents through this one).

use std::collections::HashMap;

use qashyq_platform::{ApiError, events::Event};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::{
        people::{Delivery, Parent, Pupil},
        roster::ParentRow,
    },
};

/// Position after which the next page of a class's pupils starts: (name, id).
pub type PupilCursor = (String, Uuid);

/// What "what is on today" needs of a pupil.
#[derive(Debug, Clone, Copy)]
pub struct PupilPlace {
    pub class_id: Uuid,
    pub delivery: Delivery,
}

#[derive(Clone)]
pub struct PupilRepo {
    pool: PgPool,
}

fn delivery_of(stored: &str) -> Result<Delivery, ApiError> {
    Delivery::parse(stored).ok_or_else(|| ApiError::internal(anyhow::anyhow!("stored delivery {stored:?}")))
}

/// Inserts a pupil (its parents are linked apart) with the event it is handed (PupilRegistered)
/// inside `tx`. A pupil with this IIN already exists: ALREADY_EXISTS, nothing written.
pub async fn insert_pupil(tx: &mut PgConnection, pupil: &Pupil, registered: &impl Event) -> Result<(), ApiError> {
    let Pupil { id, school_id, class_id, full_name, delivery, iin, .. } = pupil;
    let inserted = sqlx::query(
        "INSERT INTO pupils (pupil_id, school_id, class_id, full_name, delivery, iin) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (iin) WHERE iin IS NOT NULL DO NOTHING",
    )
    .bind(id)
    .bind(school_id)
    .bind(class_id)
    .bind(full_name)
    .bind(delivery.as_str())
    .bind(iin)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ApiError::AlreadyExists(format!("a pupil with IIN {} is already registered", iin.as_deref().unwrap_or_default())));
    }
    OUTBOX.enqueue(tx, &id.to_string(), registered).await?;
    Ok(())
}

/// Finds the parent with this phone or creates them, and links them to the pupil (once), with
/// the event `linked` makes of the parent's id (PupilParentLinked) when the link is new. A known
/// phone keeps the name first given.
pub async fn link_parent<E: Event>(tx: &mut PgConnection, pupil_id: Uuid, parent: &ParentRow, linked: impl FnOnce(Uuid) -> E) -> Result<Parent, ApiError> {
    let (parent_id, full_name): (Uuid, String) = sqlx::query_as(
        "INSERT INTO parents (parent_id, full_name, phone) VALUES ($1, $2, $3) \
         ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING parent_id, full_name",
    )
    .bind(Uuid::now_v7())
    .bind(&parent.full_name)
    .bind(&parent.phone)
    .fetch_one(&mut *tx)
    .await?;
    let inserted = sqlx::query("INSERT INTO pupil_parents (pupil_id, parent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(pupil_id)
        .bind(parent_id)
        .execute(&mut *tx)
        .await?;
    if inserted.rows_affected() == 1 {
        OUTBOX.enqueue(tx, &pupil_id.to_string(), &linked(parent_id)).await?;
    }
    Ok(Parent { id: parent_id, full_name, phone: parent.phone.clone() })
}

type PupilRow = (Uuid, Uuid, Uuid, String, String, Option<String>);

const PUPIL_COLUMNS: &str = "pupil_id, school_id, class_id, full_name, delivery, iin";

impl PupilRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Stores a pupil and links their parents in one transaction, with the events it is handed:
    /// `registered` for the pupil, and what `linked` makes of each parent's id for a new link.
    pub async fn register<E: Event>(
        &self,
        mut pupil: Pupil,
        parents: &[ParentRow],
        registered: &impl Event,
        linked: impl Fn(Uuid) -> E,
    ) -> Result<Pupil, ApiError> {
        let mut tx = self.pool.begin().await?;
        insert_pupil(&mut tx, &pupil, registered).await?;
        for parent in parents {
            pupil.parents.push(link_parent(&mut tx, pupil.id, parent, &linked).await?);
        }
        tx.commit().await?;
        Ok(pupil)
    }

    /// Links a parent to a pupil, with the event `linked` makes of the parent's id.
    pub async fn add_parent<E: Event>(&self, pupil_id: Uuid, parent: &ParentRow, linked: impl FnOnce(Uuid) -> E) -> Result<Parent, ApiError> {
        let mut tx = self.pool.begin().await?;
        let parent = link_parent(&mut tx, pupil_id, parent, linked).await?;
        tx.commit().await?;
        Ok(parent)
    }

    /// The school of each pupil registered with one of `iins`.
    pub async fn schools_by_iin(&self, iins: &[String]) -> Result<HashMap<String, Uuid>, ApiError> {
        let rows: Vec<(String, Uuid)> = sqlx::query_as("SELECT iin, school_id FROM pupils WHERE iin = ANY($1)").bind(iins).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().collect())
    }

    /// A pupil's class and delivery category.
    pub async fn place(&self, pupil_id: Uuid) -> Result<Option<PupilPlace>, ApiError> {
        let row: Option<(Uuid, String)> =
            sqlx::query_as("SELECT class_id, delivery FROM pupils WHERE pupil_id = $1").bind(pupil_id).fetch_optional(&self.pool).await?;
        row.map(|(class_id, delivery)| Ok(PupilPlace { class_id, delivery: delivery_of(&delivery)? })).transpose()
    }

    pub async fn get(&self, pupil_id: Uuid) -> Result<Option<Pupil>, ApiError> {
        let row: Option<PupilRow> =
            sqlx::query_as(&format!("SELECT {PUPIL_COLUMNS} FROM pupils WHERE pupil_id = $1")).bind(pupil_id).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let mut pupils = self.with_parents(vec![row]).await?;
        Ok(pupils.pop())
    }

    /// A class's pupils by name after `after`; one extra row says whether more follow.
    pub async fn list(&self, class_id: Uuid, after: Option<PupilCursor>, limit: u32) -> Result<(Vec<Pupil>, bool), ApiError> {
        let (after_name, after_id) = after.unzip();
        let rows: Vec<PupilRow> = sqlx::query_as(&format!(
            "SELECT {PUPIL_COLUMNS} FROM pupils \
             WHERE class_id = $1 AND ($2::text IS NULL OR (full_name, pupil_id) > ($2, $3)) \
             ORDER BY full_name, pupil_id LIMIT $4"
        ))
        .bind(class_id)
        .bind(after_name)
        .bind(after_id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > limit as usize;
        let pupils = self.with_parents(rows.into_iter().take(limit as usize).collect()).await?;
        Ok((pupils, more))
    }

    async fn with_parents(&self, rows: Vec<PupilRow>) -> Result<Vec<Pupil>, ApiError> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        let parents: Vec<(Uuid, Uuid, String, String)> = sqlx::query_as(
            "SELECT l.pupil_id, p.parent_id, p.full_name, p.phone FROM pupil_parents l JOIN parents p USING (parent_id) \
             WHERE l.pupil_id = ANY($1) ORDER BY p.full_name, p.parent_id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(pupil_id, school_id, class_id, full_name, delivery, iin)| {
                Ok(Pupil {
                    id: pupil_id,
                    school_id,
                    class_id,
                    full_name,
                    delivery: delivery_of(&delivery)?,
                    parents: parents
                        .iter()
                        .filter(|p| p.0 == pupil_id)
                        .map(|(_, id, name, phone)| Parent { id: *id, full_name: name.clone(), phone: phone.clone() })
                        .collect(),
                    iin,
                })
            })
            .collect()
    }
}
