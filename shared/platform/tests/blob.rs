//! Blob storage on both backends: a file streamed in pieces is stored whole with the SHA-256 of
//! exactly its bytes and read back the same; a file over the limit is refused and leaves
//! nothing; an unknown key is "not found". On the local filesystem, and on a real S3-compatible
//! server (moto, installed into .tools/venv by scripts/ensure-tools.sh) that the test starts on
//! a free loopback port and stops.

use std::{path::PathBuf, process::Stdio, time::Duration};

use bytes::Bytes;
use futures::{TryStreamExt, stream};
use qashyq_platform::blob::{BlobError, BlobSettings, BlobStore};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 12 MiB and a bit, in uneven pieces: more than two multipart parts.
fn file() -> Vec<u8> {
    (0..12 * 1024 * 1024 + 12_345).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect()
}

fn pieces(bytes: &[u8]) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
    let chunks: Vec<_> = bytes.chunks(300_007).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    stream::iter(chunks)
}

async fn round_trip(store: &BlobStore) {
    let bytes = file();
    let stored = store.put_stream("submissions/0196/scan-1.jpg", pieces(&bytes), 64 * 1024 * 1024).await.unwrap();
    assert_eq!(stored.size, bytes.len() as u64);
    assert_eq!(stored.sha256, hex::encode(Sha256::digest(&bytes)));
    let (size, read) = store.get_stream("submissions/0196/scan-1.jpg").await.unwrap();
    assert_eq!(size, bytes.len() as u64);
    let read: Vec<Bytes> = read.try_collect().await.unwrap();
    assert_eq!(read.concat(), bytes, "read back byte for byte");

    // Over the limit: refused, and nothing stored under the key.
    let refused = store.put_stream("submissions/0196/huge.mp4", pieces(&bytes), 1024 * 1024).await.unwrap_err();
    assert!(matches!(refused, BlobError::TooLarge { limit: 1_048_576 }), "{refused:?}");
    assert!(matches!(store.get_stream("submissions/0196/huge.mp4").await.map(|_| ()), Err(BlobError::NotFound(_))));
    // A failing source stores nothing either.
    let broken = stream::iter([Ok(Bytes::from_static(b"half")), Err(std::io::Error::other("connection reset"))]);
    assert!(matches!(store.put_stream("submissions/0196/broken", broken, 1024).await, Err(BlobError::Source(_))));
    assert!(matches!(store.get_stream("submissions/0196/broken").await.map(|_| ()), Err(BlobError::NotFound(_))));

    store.delete("submissions/0196/scan-1.jpg").await.unwrap();
    assert!(matches!(store.get_stream("submissions/0196/scan-1.jpg").await.map(|_| ()), Err(BlobError::NotFound(_))));
    store.delete("submissions/0196/scan-1.jpg").await.expect("deleting what is gone is fine");
}

#[tokio::test]
async fn the_filesystem_backend_round_trips_with_its_hash() {
    let dir = std::env::temp_dir().join(format!("qashyq-blob-{}", uuid::Uuid::new_v4().simple()));
    let settings = BlobSettings { data_dir: dir.clone(), ..BlobSettings::default() };
    let store = BlobStore::from_settings(&settings, "assignments").unwrap();
    assert!(store.location().ends_with("assignments/blobs"), "{}", store.location());
    round_trip(&store).await;
    std::fs::remove_dir_all(dir).unwrap();
}

/// moto's S3 server, from the project's tool environment.
fn moto_server() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/moto_server");
    assert!(path.exists(), "{} is missing: run `make tools` (scripts/ensure-tools.sh installs it)", path.display());
    path
}

/// A plain HTTP/1.1 request to moto (bucket creation needs no signature there).
async fn http(port: u16, method: &str, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn the_s3_backend_round_trips_with_its_hash_against_a_real_s3_server() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = tokio::process::Command::new(moto_server())
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "moto_server listens");
    assert!(http(port, "PUT", "/qashyq-test").await.starts_with("HTTP/1.1 200"), "bucket created");

    let settings = BlobSettings {
        blob_s3_bucket: Some("qashyq-test".into()),
        blob_s3_endpoint: Some(format!("http://127.0.0.1:{port}")),
        blob_s3_access_key_id: Some("test".into()),
        blob_s3_secret_access_key: Some("test".to_owned().into()),
        ..BlobSettings::default()
    };
    let store = BlobStore::from_settings(&settings, "assignments").unwrap();
    assert_eq!(store.location(), "s3://qashyq-test/assignments");
    round_trip(&store).await;
    // The service's objects live under its own prefix of the shared bucket.
    let stored = store.put_stream("recordings/a", pieces(b"x"), 10).await.unwrap();
    assert_eq!(stored.size, 1);
    let listing = http(port, "GET", "/qashyq-test?list-type=2").await;
    assert!(listing.contains("<Key>assignments/recordings/a</Key>"), "{listing}");
    server.kill().await.unwrap();
}
