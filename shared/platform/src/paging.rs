//! Cursor paging for list RPCs: `page_size` with a server default and maximum, and an opaque
//! `page_token` that encodes the key of the last item returned (keyset paging: stable under
//! inserts, cheap at any depth).

use serde::{Serialize, de::DeserializeOwned};

use crate::error::ApiError;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// Validates the requested page size: 0 means the default, negative or above the maximum is refused.
pub fn page_size(requested: i32, field: &str) -> Result<u32, ApiError> {
    match requested {
        0 => Ok(DEFAULT_PAGE_SIZE),
        n if n < 0 => Err(ApiError::invalid(field, "must not be negative")),
        n if n as u32 > MAX_PAGE_SIZE => Err(ApiError::invalid(field, format!("must be at most {MAX_PAGE_SIZE}"))),
        n => Ok(n as u32),
    }
}

/// Encodes the key of the last item of a page.
pub fn encode_token<K: Serialize>(key: &K) -> String {
    hex::encode(serde_json::to_vec(key).expect("page keys serialise"))
}

/// Decodes a page token; empty means the first page.
pub fn decode_token<K: DeserializeOwned>(token: &str, field: &str) -> Result<Option<K>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    hex::decode(token)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| ApiError::invalid(field, "is not a token this service issued"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let token = encode_token(&("Школа №1".to_owned(), 7u32));
        assert_eq!(decode_token::<(String, u32)>(&token, "page.page_token").unwrap(), Some(("Школа №1".to_owned(), 7)));
        assert_eq!(decode_token::<(String, u32)>("", "page.page_token").unwrap(), None);
        assert!(decode_token::<(String, u32)>("zz", "page.page_token").is_err());
    }

    #[test]
    fn page_size_defaults_and_limits() {
        assert_eq!(page_size(0, "f").unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(10, "f").unwrap(), 10);
        assert!(page_size(-1, "f").is_err());
        assert!(page_size(501, "f").is_err());
    }
}
