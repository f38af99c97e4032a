//! The idempotency of a write all the way down (R-GW-3, R-AS-7). The gateway keeps the first
//! answer to a keyed write, but a gateway that dies after the service committed and before it
//! kept the answer would let a retry do the write again. So it also passes the key on, as
//! `x-qashyq-request-key`: a digest of the principal, the method and the caller's key, which
//! the gateway sets and a client cannot (it is removed from what clients send). A service that
//! creates a record derives the record's id from it ([`record_id`]): the retry then meets the
//! record the first call created, and answers it instead of making a second one.

use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const HEADER: &str = "x-qashyq-request-key";

/// The request key of (principal, method, caller's key): 64 hex characters.
pub fn derive(principal: Uuid, method: &str, key: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(principal.as_bytes());
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(key.as_bytes());
    hex::encode(hasher.finalize())
}

/// The id of the record a keyed write creates: the same for every retry of it (a UUID of
/// version 8, "custom", from the key's first 16 bytes). `None` for a write sent without a key.
pub fn record_id(metadata: &tonic::metadata::MetadataMap) -> Option<Uuid> {
    let key = metadata.get(HEADER)?.to_str().ok()?;
    let bytes = hex::decode(key).ok().filter(|b| b.len() == 32)?;
    let mut first = [0u8; 16];
    first.copy_from_slice(&bytes[..16]);
    Some(uuid::Builder::from_custom_bytes(first).into_uuid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_gw_3_a_keyed_write_names_its_record_the_same_every_time() {
        let principal = Uuid::now_v7();
        let key = derive(principal, "/qashyq.assignments.v1.AssignmentsService/PostHomework", "k-1");
        assert_eq!(key, derive(principal, "/qashyq.assignments.v1.AssignmentsService/PostHomework", "k-1"));
        assert_ne!(key, derive(principal, "/qashyq.assignments.v1.AssignmentsService/PostHomework", "k-2"));
        assert_ne!(key, derive(Uuid::now_v7(), "/qashyq.assignments.v1.AssignmentsService/PostHomework", "k-1"));
        let mut metadata = tonic::metadata::MetadataMap::new();
        assert_eq!(record_id(&metadata), None);
        metadata.insert(HEADER, key.parse().unwrap());
        let id = record_id(&metadata).unwrap();
        assert_eq!(id.get_version_num(), 8);
        assert_eq!(record_id(&metadata), Some(id));
        metadata.insert(HEADER, "not hex".parse().unwrap());
        assert_eq!(record_id(&metadata), None);
    }
}
