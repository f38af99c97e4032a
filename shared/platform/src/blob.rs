//! Blob storage for large files (content packages, scans of paper homework, exam recordings),
//! through the `object_store` crate: a directory of the local filesystem by default
//! (`<QASHYQ_DATA_DIR>/<service>/blobs`), an S3-compatible bucket when `QASHYQ_BLOB_S3_BUCKET`
//! is set. Writes stream (multipart, never the whole file in memory), refuse more than the
//! caller's limit, and return the SHA-256 of exactly what was stored; reads stream too.
//! Keys are the service's to choose (`submissions/<id>/scan-1`), checked to be plain relative
//! paths.

use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt, stream::BoxStream};
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart, aws::AmazonS3Builder, local::LocalFileSystem, path::Path};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `QASHYQ_BLOB_*` and `QASHYQ_DATA_DIR`: where blobs go.
#[derive(Debug, Clone, Deserialize)]
pub struct BlobSettings {
    /// `QASHYQ_DATA_DIR`: the services' data directory (blobs under `<service>/blobs`); relative
    /// to the working directory by default (`make run`), a mounted volume in a container.
    #[serde(default = "default_data_dir")]
    pub data_dir: std::path::PathBuf,
    /// `QASHYQ_BLOB_S3_BUCKET`: store in this bucket instead of the filesystem.
    #[serde(default)]
    pub blob_s3_bucket: Option<String>,
    /// `QASHYQ_BLOB_S3_ENDPOINT`: an S3-compatible server (`http://127.0.0.1:9000`); unset: AWS.
    #[serde(default)]
    pub blob_s3_endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub blob_s3_region: String,
    #[serde(default)]
    pub blob_s3_access_key_id: Option<String>,
    #[serde(default)]
    pub blob_s3_secret_access_key: Option<SecretString>,
}

fn default_data_dir() -> std::path::PathBuf {
    "data".into()
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

impl Default for BlobSettings {
    fn default() -> Self {
        envy::from_iter::<_, Self>(std::iter::empty::<(String, String)>()).expect("every BlobSettings field has a default")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("a blob key must be a relative path of plain segments: {0:?}")]
    BadKey(String),
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("no blob {0}")]
    NotFound(String),
    #[error("the upload stream failed: {0}")]
    Source(#[source] anyhow::Error),
    #[error("blob storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("blob storage is not configured right: {0}")]
    Config(String),
}

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub key: String,
    pub size: u64,
    /// SHA-256 of the bytes stored, lowercase hex.
    pub sha256: String,
}

/// A service's blob storage.
#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Where it is, for logs (`file:///…` or `s3://bucket/service`).
    location: String,
    prefix: Path,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore").field("location", &self.location).finish()
    }
}

/// Parts of multipart uploads: S3 needs at least 5 MiB for every part but the last.
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts uploaded at once.
const PARTS_IN_FLIGHT: usize = 2;

impl BlobStore {
    /// The store the settings ask for, for `service`: its own directory, or its own prefix of
    /// the bucket (several services may share one).
    pub fn from_settings(settings: &BlobSettings, service: &str) -> Result<Self, BlobError> {
        match &settings.blob_s3_bucket {
            Some(bucket) if !bucket.is_empty() => {
                let mut builder = AmazonS3Builder::new().with_bucket_name(bucket).with_region(&settings.blob_s3_region);
                if let Some(endpoint) = &settings.blob_s3_endpoint {
                    builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
                }
                match (&settings.blob_s3_access_key_id, &settings.blob_s3_secret_access_key) {
                    (Some(key), Some(secret)) => builder = builder.with_access_key_id(key).with_secret_access_key(secret.expose_secret()),
                    // Both unset: the environment's credentials (instance role, AWS_* variables).
                    (None, None) => {}
                    _ => return Err(BlobError::Config("QASHYQ_BLOB_S3_ACCESS_KEY_ID and QASHYQ_BLOB_S3_SECRET_ACCESS_KEY go together".into())),
                }
                let store = builder.build().map_err(|e| BlobError::Config(e.to_string()))?;
                Ok(Self { store: Arc::new(store), location: format!("s3://{bucket}/{service}"), prefix: Path::from(service) })
            }
            _ => Self::local(&settings.data_dir.join(service).join("blobs")),
        }
    }

    /// A store in `dir` of the local filesystem (created if missing).
    pub fn local(dir: &std::path::Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(dir).map_err(|e| BlobError::Config(format!("{}: {e}", dir.display())))?;
        let store = LocalFileSystem::new_with_prefix(dir)?;
        Ok(Self { store: Arc::new(store), location: format!("file://{}", dir.display()), prefix: Path::default() })
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    fn path(&self, key: &str) -> Result<Path, BlobError> {
        let plain = !key.is_empty()
            && key.len() <= 1024
            && key.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != ".." && !segment.chars().any(char::is_control));
        if !plain {
            return Err(BlobError::BadKey(key.chars().take(80).collect()));
        }
        Ok(key.split('/').fold(self.prefix.clone(), |path, segment| path.join(segment)))
    }

    /// Streams `chunks` into the blob `key` (replacing what was there), refusing more than
    /// `max_bytes`: then nothing is left stored. Returns the size and SHA-256 of what was stored.
    pub async fn put_stream<S, E>(&self, key: &str, chunks: S, max_bytes: u64) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: Into<anyhow::Error>,
    {
        let path = self.path(key)?;
        let mut upload = WriteMultipart::new_with_chunk_size(self.store.put_multipart(&path).await?, PART_BYTES);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut chunks = std::pin::pin!(chunks);
        let failure = loop {
            let chunk = match chunks.next().await {
                None => break None,
                Some(Err(error)) => break Some(BlobError::Source(error.into())),
                Some(Ok(chunk)) => chunk,
            };
            size += chunk.len() as u64;
            if size > max_bytes {
                break Some(BlobError::TooLarge { limit: max_bytes });
            }
            hasher.update(&chunk);
            if let Err(error) = upload.wait_for_capacity(PARTS_IN_FLIGHT).await {
                break Some(error.into());
            }
            upload.put(chunk);
        };
        if let Some(error) = failure {
            if let Err(abort) = upload.abort().await {
                tracing::warn!(key, error = %abort, "cannot abort a refused upload");
            }
            return Err(error);
        }
        upload.finish().await?;
        Ok(StoredBlob { key: key.to_owned(), size, sha256: hex::encode(hasher.finalize()) })
    }

    /// The blob's size and a stream of its bytes.
    pub async fn get_stream(&self, key: &str) -> Result<(u64, BoxStream<'static, Result<Bytes, BlobError>>), BlobError> {
        let path = self.path(key)?;
        let found = self.store.get(&path).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_owned()),
            other => other.into(),
        })?;
        let size = found.meta.size;
        Ok((size, found.into_stream().map_err(BlobError::from).boxed()))
    }

    /// Deletes the blob (nothing if there is none).
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_relative_paths() {
        let store = BlobStore::local(&std::env::temp_dir().join(format!("qashyq-blob-keys-{}", std::process::id()))).unwrap();
        assert!(store.path("submissions/01/scan-1.jpg").is_ok());
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a/\n"] {
            assert!(matches!(store.path(bad), Err(BlobError::BadKey(_))), "{bad:?}");
        }
    }

    #[test]
    fn the_default_is_the_filesystem_under_the_data_directory() {
        let settings = BlobSettings::default();
        assert_eq!(settings.data_dir, std::path::PathBuf::from("data"));
        assert!(settings.blob_s3_bucket.is_none());
    }
}
