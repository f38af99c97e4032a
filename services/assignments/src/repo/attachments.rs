//! SQL of attachments (their bytes are in blob storage).

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::attachment::Attachment;

pub async fn insert<'e>(db: impl PgExecutor<'e>, attachment: &Attachment) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO attachments (attachment_id, school_id, file_name, media_type, size, sha256, blob_key, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(attachment.id)
    .bind(attachment.school_id)
    .bind(&attachment.file_name)
    .bind(&attachment.media_type)
    .bind(attachment.size)
    .bind(&attachment.sha256)
    .bind(&attachment.blob_key)
    .bind(attachment.uploaded_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Which of `ids` are attachments of `school_id`.
pub async fn of_school<'e>(db: impl PgExecutor<'e>, school_id: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT attachment_id FROM attachments WHERE school_id = $1 AND attachment_id = ANY($2)").bind(school_id).bind(ids).fetch_all(db).await
}
