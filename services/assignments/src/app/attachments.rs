//! Files for submissions and homework (R-AS-3): streamed into blob storage, the type read from
//! the first bytes and compared with the one declared, the size limited.

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use qashyq_platform::principal::Caller;
use uuid::Uuid;

use super::AssignmentsApp;
use crate::{
    domain::attachment::{Attachment, SNIFF_BYTES, sniff},
    error::AssignmentsError,
    repo,
};

/// What the first message of an upload says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadHeader {
    pub school_id: Uuid,
    pub file_name: String,
    pub media_type: &'static str,
}

impl AssignmentsApp {
    /// Stores the file streamed in `chunks`: nothing is kept when its bytes are not the type
    /// declared or it is larger than the limit.
    pub async fn upload_attachment<S>(&self, caller: &Caller, header: UploadHeader, chunks: S) -> Result<Attachment, AssignmentsError>
    where
        S: Stream<Item = Result<Bytes, anyhow::Error>> + Send,
    {
        self.reach_for_write(caller, header.school_id).await?;
        let mut chunks = std::pin::pin!(chunks);
        let mut head = BytesMut::new();
        while head.len() < SNIFF_BYTES {
            match chunks.next().await {
                Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                Some(Err(error)) => return Err(AssignmentsError::invalid("chunk", format!("the upload stream failed: {error}"))),
                None => break,
            }
        }
        if head.is_empty() {
            return Err(AssignmentsError::invalid("chunk", "the file is empty"));
        }
        match sniff(&head) {
            Some(found) if found == header.media_type => {}
            Some(found) => return Err(AssignmentsError::invalid("header.media_type", format!("the bytes are {found}, not {}", header.media_type))),
            None => return Err(AssignmentsError::invalid("header.media_type", format!("the bytes are not {} nor any type accepted", header.media_type))),
        }
        let id = Uuid::now_v7();
        let key = format!("attachments/{}/{id}", header.school_id);
        let head = head.freeze();
        let all = futures::stream::once(async move { Ok::<_, anyhow::Error>(head) }).chain(chunks);
        let stored = self.blobs.put_stream(&key, all, self.max_attachment_bytes).await?;
        let attachment = Attachment {
            id,
            school_id: header.school_id,
            file_name: header.file_name,
            media_type: header.media_type.to_owned(),
            size: i64::try_from(stored.size).unwrap_or(i64::MAX),
            sha256: stored.sha256,
            blob_key: stored.key,
            uploaded_at: Self::now(),
        };
        if let Err(error) = repo::attachments::insert(&self.pool, &attachment).await {
            // Not recorded: the blob would be unreachable.
            if let Err(cleanup) = self.blobs.delete(&attachment.blob_key).await {
                tracing::warn!(key = %attachment.blob_key, error = %cleanup, "cannot delete an unrecorded attachment");
            }
            return Err(error.into());
        }
        tracing::info!(attachment_id = %attachment.id, media_type = %attachment.media_type, size = attachment.size, "attachment stored");
        Ok(attachment)
    }
}
