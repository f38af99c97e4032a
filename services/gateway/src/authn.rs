//! Authentication (R-GW-1): `authorization: Bearer <credential>` (or `x-api-key: <key>`) is an
//! API key (`qk_…`: an integrator or an administrators' automation key) or a person's access
//! token (a JWT from `AuthService/Login`); on the gateway's mutual-TLS port, a client certificate
//! bound to an integrator stands for its key. Each gives the principal the call is made for.

use std::{sync::Arc, time::Duration};

use qashyq_platform::{memo::Memo, principal::PrincipalKey};
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
    /// The person of a sign-in while it is open, re-read every cache period: a logout or a
    /// revocation stops its access tokens within it, and a role changed in the database applies.
    open_sign_ins: Memo<Uuid, Option<Arc<Authenticated>>>,
    signer: PrincipalKey,
}

impl Authenticator {
    pub fn new(keys: Arc<KeyStore>, people: Arc<People>, cache_ttl: Duration, signer: PrincipalKey) -> Self {
        Self { keys, people, open_sign_ins: Memo::new(cache_ttl, MAX_CACHED_SIGN_INS), signer }
    }

    /// `client_certificate`: the DER of the certificate a mutual-TLS client presented (already
    /// verified against the client CA by the TLS handshake); used when no bearer credential is.
    pub async fn authenticate(&self, headers: &http::HeaderMap, client_certificate: Option<&[u8]>) -> Result<Arc<Authenticated>, AuthError> {
        let presented = presented(headers).filter(|p| !p.is_empty());
        let presented = match (presented, client_certificate) {
            (Some(presented), _) => presented,
            (None, Some(der)) => return self.keys.authenticate_certificate(der).await,
            (None, None) => return Err(AuthError::Missing),
        };
        if is_api_key(presented) {
            return self.keys.authenticate(presented).await;
        }
        let access = self.people.verify_access(presented).map_err(|_| AuthError::Invalid)?;
        let caller = self
            .open_sign_ins
            .get_or_fill(access.sign_in_id, || async {
                match self.people.signed_in(access.sign_in_id).await {
                    Ok(person) => Ok(person.and_then(|person| Authenticated::new(person.principal(), PERSON_RATE, &self.signer)).map(Arc::new)),
                    Err(crate::people::PeopleError::Database(error)) => Err(AuthError::Unavailable(error)),
                    Err(_) => Ok(None),
                }
            })
            .await?;
        // The token must be its sign-in's person's: the principal is what the database says of
        // that person, whatever else the token claims.
        match caller {
            Some(caller) if caller.principal.id == access.person.id => Ok(caller),
            _ => Err(AuthError::Invalid),
        }
    }
}
