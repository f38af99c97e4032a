//! Who a call is made for (R-GW-2). The gateway authenticates the caller and sets
//! `x-qashyq-principal` to the principal, signed with the mesh's principal key (HMAC-SHA256 over
//! its JSON), after removing whatever the client sent under that name: no client can forge or
//! widen a principal. Each service reads it with [`caller`] and checks the scope of the records
//! it touches. A call without the header comes from inside the mesh (a service calling another,
//! an administrator's command on the cluster network), which the network policy keeps apart from
//! the outside world (k8s/network-policy.yaml): it is [`Caller::Mesh`] and may do anything.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::ApiError;

pub const HEADER: &str = "x-qashyq-principal";

/// The key used when `QASHYQ_PRINCIPAL_KEY` is unset: good for a laptop, never for production
/// (the service logs a warning at start when it is in use).
pub const DEVELOPMENT_KEY: &str = "qashyq-development-principal-key-not-for-production";

/// What a principal is, and so what it may call (the gateway's access table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Integrator,
    Ministry,
    RegionalObserver,
    QualityObserver,
    ContentReviewer,
    ProctoringReviewer,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Integrator, Role::Ministry, Role::RegionalObserver, Role::QualityObserver, Role::ContentReviewer, Role::ProctoringReviewer, Role::Administrator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Integrator => "integrator",
            Role::Ministry => "ministry",
            Role::RegionalObserver => "regional-observer",
            Role::QualityObserver => "quality-observer",
            Role::ContentReviewer => "content-reviewer",
            Role::ProctoringReviewer => "proctoring-reviewer",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Observers read and never write; their every read is audited.
    pub fn is_observer(self) -> bool {
        matches!(self, Role::RegionalObserver | Role::QualityObserver)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a principal proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An integrator's API key.
    Integrator,
    /// A person's sign-in.
    Person,
}

/// The schools a principal reaches: every school of its regions and districts, and its schools.
/// `None` in a principal: the whole country.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub districts: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schools: Vec<Uuid>,
}

/// Where a school lies, to check a scope against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchoolPlace<'a> {
    pub school_id: Uuid,
    pub district_id: Option<Uuid>,
    pub region_code: &'a str,
}

impl Scope {
    pub fn reaches(&self, place: &SchoolPlace<'_>) -> bool {
        self.schools.contains(&place.school_id)
            || place.district_id.is_some_and(|d| self.districts.contains(&d))
            || self.regions.iter().any(|r| r == place.region_code)
    }

    /// Whether the scope covers a whole region (a region-wide read, a regional report).
    pub fn covers_region(&self, region_code: &str) -> bool {
        self.regions.iter().any(|r| r == region_code)
    }
}

/// The principal of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub kind: Kind,
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// `None`: the whole country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

impl Principal {
    /// Whether the principal reaches a school's records.
    pub fn reaches(&self, place: &SchoolPlace<'_>) -> bool {
        self.scope.as_ref().is_none_or(|scope| scope.reaches(place))
    }

    /// Whether the principal may read a whole region (`None`: the whole country).
    pub fn reaches_region(&self, region_code: Option<&str>) -> bool {
        match (&self.scope, region_code) {
            (None, _) => true,
            (Some(scope), Some(code)) => scope.covers_region(code),
            (Some(_), None) => false,
        }
    }
}

/// Who made a call, as a service sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A call from inside the mesh: no principal to check.
    Mesh,
    /// Shared with the service's cache of verified principals (one per integrator or sign-in).
    Principal(std::sync::Arc<Principal>),
}

impl Caller {
    /// The caller's scope; `None` for the mesh and national roles, who reach every school (a
    /// service need not look up where a record lies for them).
    pub fn scope(&self) -> Option<&Scope> {
        match self {
            Caller::Mesh => None,
            Caller::Principal(principal) => principal.scope.as_ref(),
        }
    }

    /// Whether the caller reaches a school's records.
    pub fn reaches(&self, place: &SchoolPlace<'_>) -> bool {
        match self {
            Caller::Mesh => true,
            Caller::Principal(principal) => principal.reaches(place),
        }
    }

    /// Refuses a caller that does not reach a school: PERMISSION_DENIED, naming neither the
    /// school's region nor anything else of it.
    pub fn check(&self, place: &SchoolPlace<'_>, what: &str) -> Result<(), ApiError> {
        if self.reaches(place) { Ok(()) } else { Err(ApiError::PermissionDenied(format!("{what} is outside the caller's schools"))) }
    }

    pub fn check_region(&self, region_code: Option<&str>) -> Result<(), ApiError> {
        match self {
            Caller::Principal(principal) if !principal.reaches_region(region_code) => Err(ApiError::PermissionDenied(match region_code {
                Some(code) => format!("region {code} is outside the caller's scope"),
                None => "the whole country is outside the caller's scope: name a region".to_owned(),
            })),
            _ => Ok(()),
        }
    }
}

/// Why a principal header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Forged {
    #[error("the principal header is malformed")]
    Malformed,
    #[error("the principal header's signature does not match")]
    BadSignature,
}

/// Verified principal headers a service keeps, so that the same principal's calls are checked
/// once (an integrator makes thousands of calls a second with one principal).
const MAX_VERIFIED: usize = 10_000;

/// The mesh's principal key: signs principals (the gateway) and verifies them (every service).
#[derive(Clone)]
pub struct PrincipalKey {
    secret: Vec<u8>,
    verified: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Principal>>>>,
}

impl fmt::Debug for PrincipalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrincipalKey(…)")
    }
}

impl PrincipalKey {
    pub fn new(secret: &[u8]) -> Self {
        Self { secret: secret.to_vec(), verified: Default::default() }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length")
    }

    /// `base64url(json).base64url(hmac)`.
    pub fn sign(&self, principal: &Principal) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(principal).expect("a principal serialises"));
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    pub fn verify(&self, header: &str) -> Result<Principal, Forged> {
        let (body, signature) = header.split_once('.').ok_or(Forged::Malformed)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| Forged::Malformed)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&signature).map_err(|_| Forged::BadSignature)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| Forged::Malformed)?;
        serde_json::from_slice(&json).map_err(|_| Forged::Malformed)
    }

    /// Reads the caller of a call: the verified principal, or the mesh when there is none. A
    /// header that does not verify is UNAUTHENTICATED (never the mesh).
    pub fn caller(&self, metadata: &tonic::metadata::MetadataMap) -> Result<Caller, ApiError> {
        let Some(value) = metadata.get(HEADER) else { return Ok(Caller::Mesh) };
        let text = value.to_str().map_err(|_| ApiError::Unauthenticated(Forged::Malformed.to_string()))?;
        if let Some(known) = self.verified.lock().expect("not poisoned").get(text) {
            return Ok(Caller::Principal(known.clone()));
        }
        let principal = std::sync::Arc::new(self.verify(text).map_err(|forged| ApiError::Unauthenticated(forged.to_string()))?);
        let mut verified = self.verified.lock().expect("not poisoned");
        if verified.len() >= MAX_VERIFIED {
            verified.clear();
        }
        verified.insert(text.to_owned(), principal.clone());
        Ok(Caller::Principal(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integrator() -> Principal {
        Principal {
            kind: Kind::Integrator,
            id: Uuid::nil(),
            name: "kundelik.kz".into(),
            role: Role::Integrator,
            scope: Some(Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }),
        }
    }

    #[test]
    fn r_gw_2_a_signed_principal_verifies_and_a_changed_one_does_not() {
        let key = PrincipalKey::new(b"secret");
        let signed = key.sign(&integrator());
        assert_eq!(key.verify(&signed), Ok(integrator()));
        assert_eq!(PrincipalKey::new(b"other").verify(&signed), Err(Forged::BadSignature));
        let mut widened = integrator();
        widened.scope = None;
        let (_, signature) = signed.split_once('.').unwrap();
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&widened).unwrap()));
        assert_eq!(key.verify(&forged), Err(Forged::BadSignature), "a widened scope under the old signature");
        assert_eq!(key.verify("nonsense"), Err(Forged::Malformed));
    }

    #[test]
    fn r_gw_2_a_scope_reaches_its_regions_districts_and_schools_only() {
        let district = Uuid::now_v7();
        let school = Uuid::now_v7();
        let scope = Scope { regions: vec!["KZ-ALA".into()], districts: vec![district], schools: vec![school] };
        let place = |school_id, district_id, region_code| SchoolPlace { school_id, district_id, region_code };
        assert!(scope.reaches(&place(Uuid::now_v7(), None, "KZ-ALA")));
        assert!(scope.reaches(&place(Uuid::now_v7(), Some(district), "KZ-AKM")));
        assert!(scope.reaches(&place(school, None, "KZ-AKM")));
        assert!(!scope.reaches(&place(Uuid::now_v7(), Some(Uuid::now_v7()), "KZ-AKM")));
        let ministry = Principal { role: Role::Ministry, scope: None, ..integrator() };
        assert!(ministry.reaches(&place(Uuid::now_v7(), None, "KZ-MAN")) && ministry.reaches_region(None));
        assert!(!integrator().reaches_region(None) && integrator().reaches_region(Some("KZ-ALA")));
    }
}
