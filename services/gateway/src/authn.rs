//! Authentication (R-GW-1): `authorization: Bearer <credential>` (or `x-api-key: <key>`) is an
//! API key (`qk_…`: an integrator or an administrators' automation key) or a person's access
//! token (a JWT from `AuthService/Login`). Either gives the principal the call is made for.

use std::{sync::Arc, time::Duration};

use qashyq_platform::memo::Memo;
use uuid::Uuid;

use crate::{
    keys::{AuthError, Authenticated, KeyStore, is_api_key},
    people::People,
    rate_limit::Rate,
};

/// Calls per second a signed-in person may make.
pub const PERSON_RATE: Rate = Rate(50);
const MAX_CACHED_SIGN_INS: usize = 100_000;

/// Reads the credential from `authorization: Bearer …` or `x-api-key`.
pub fn presented(headers: &http::HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(str::trim);
    }
    headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::trim)
}

pub struct Authenticator {
    keys: Arc<KeyStore>,
    people: Arc<People>,
    /// Whether a sign-in is still open, re-read every cache period: a logout or a revocation
    /// stops its access tokens within it.
    open_sign_ins: Memo<Uuid, bool>,
}

impl Authenticator {
    pub fn new(keys: Arc<KeyStore>, people: Arc<People>, cache_ttl: Duration) -> Self {
        Self { keys, people, open_sign_ins: Memo::new(cache_ttl, MAX_CACHED_SIGN_INS) }
    }

    pub async fn authenticate(&self, headers: &http::HeaderMap) -> Result<Authenticated, AuthError> {
        let presented = presented(headers).filter(|p| !p.is_empty()).ok_or(AuthError::Missing)?;
        if is_api_key(presented) {
            return self.keys.authenticate(presented).await;
        }
        let access = self.people.verify_access(presented).map_err(|_| AuthError::Invalid)?;
        let open =
            self.open_sign_ins.get_or_fill(access.sign_in_id, || async { self.people.sign_in_open(access.sign_in_id).await.map_err(AuthError::from) }).await?;
        if !open {
            return Err(AuthError::Invalid);
        }
        Ok(Authenticated { principal: access.person.principal(), rate: PERSON_RATE })
    }
}
