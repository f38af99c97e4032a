//! SQL of pupils and parents (R-REF-1). Pupils and links to parents are announced as events;
//! parents' phone numbers stay here (other services reach parents through this one).

use std::collections::HashMap;

use qashyq_platform::ApiError;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::{
        people::{Delivery, Parent, Pupil},
        roster::ParentRow,
    },
    events,
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

/// Inserts a pupil with its PupilRegistered event inside `tx`.
/// A pupil with this IIN already exists: ALREADY_EXISTS.
pub async fn insert_pupil(
    tx: &mut PgConnection,
    school_id: Uuid,
    class_id: Uuid,
    full_name: &str,
    delivery: Delivery,
    iin: Option<&str>,
) -> Result<Uuid, ApiError> {
    let id = Uuid::now_v7();
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
        return Err(ApiError::AlreadyExists(format!("a pupil with IIN {} is already registered", iin.unwrap_or_default())));
    }
    let event = events::pupil_registered(id, school_id, class_id, full_name, delivery);
    OUTBOX.enqueue(tx, &id.to_string(), &event).await?;
    Ok(id)
}

/// Finds the parent with this phone or creates them, and links them to the pupil (once), with
/// a PupilParentLinked event when the link is new. A known phone keeps the name first given.
pub async fn link_parent(tx: &mut PgConnection, pupil_id: Uuid, parent: &ParentRow) -> Result<Parent, ApiError> {
    let (parent_id, full_name): (Uuid, String) = sqlx::query_as(
        "INSERT INTO parents (parent_id, full_name, phone) VALUES ($1, $2, $3) \
         ON CONFLICT (phone) DO UPDATE SET phone = EXCLUDED.phone RETURNING parent_id, full_name",
    )
    .bind(Uuid::now_v7())
    .bind(&parent.full_name)
    .bind(&parent.phone)
    .fetch_one(&mut *tx)
    .await?;
    let linked = sqlx::query("INSERT INTO pupil_parents (pupil_id, parent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(pupil_id)
        .bind(parent_id)
        .execute(&mut *tx)
        .await?;
    if linked.rows_affected() == 1 {
        let event = events::pupil_parent_linked(pupil_id, parent_id);
        OUTBOX.enqueue(tx, &pupil_id.to_string(), &event).await?;
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

    /// Stores a pupil and their parents in one transaction.
    pub async fn register(
        &self,
        school_id: Uuid,
        class_id: Uuid,
        full_name: &str,
        delivery: Delivery,
        iin: Option<&str>,
        parents: &[ParentRow],
    ) -> Result<Pupil, ApiError> {
        let mut tx = self.pool.begin().await?;
        let id = insert_pupil(&mut tx, school_id, class_id, full_name, delivery, iin).await?;
        let mut linked = Vec::new();
        for parent in parents {
            linked.push(link_parent(&mut tx, id, parent).await?);
        }
        tx.commit().await?;
        Ok(Pupil { id, school_id, class_id, full_name: full_name.to_owned(), delivery, iin: iin.map(str::to_owned), parents: linked })
    }

    pub async fn add_parent(&self, pupil_id: Uuid, parent: &ParentRow) -> Result<Parent, ApiError> {
        let mut tx = self.pool.begin().await?;
        let parent = link_parent(&mut tx, pupil_id, parent).await?;
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
