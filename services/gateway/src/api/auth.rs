//! `qashyq.gateway.v1.AuthService`: people sign in, refresh and sign out (R-GW-1).

use std::{net::IpAddr, sync::Arc};

use qashyq_platform::{ApiError, time::to_timestamp, validate::Violations};
use qashyq_proto::gateway::v1::{self as pb, auth_service_server::AuthService};
use tonic::{Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::role_to_proto;
use crate::{
    people::{People, PeopleError, Tokens},
    throttle::LoginThrottle,
};

const MAX_LOGIN_CHARS: usize = 100;
const MAX_PASSWORD_CHARS: usize = 200;
const MAX_TOKEN_CHARS: usize = 200;

pub struct AuthApi {
    people: Arc<People>,
    throttle: Arc<LoginThrottle>,
}

impl AuthApi {
    pub fn new(people: Arc<People>, throttle: Arc<LoginThrottle>) -> Self {
        Self { people, throttle }
    }
}

fn tokens_to_proto(tokens: Tokens) -> pb::Tokens {
    pb::Tokens {
        access_token: tokens.access_token,
        access_expires_at: Some(to_timestamp(tokens.access_expires_at)),
        refresh_token: tokens.refresh_token,
        refresh_expires_at: Some(to_timestamp(tokens.refresh_expires_at)),
        role: role_to_proto(tokens.person.role) as i32,
        person_id: tokens.person.id.to_string(),
    }
}

/// One message for every refused credential: which part was wrong is not said.
fn refused(error: PeopleError) -> Status {
    match error {
        PeopleError::WrongCredentials | PeopleError::BadRefreshToken | PeopleError::BadAccessToken | PeopleError::UnknownPerson(_) => {
            Status::unauthenticated(error.to_string())
        }
        PeopleError::DuplicateLogin(_) => ApiError::AlreadyExists(error.to_string()).into(),
        PeopleError::Database(db) => ApiError::from(db).into(),
        PeopleError::Hashing(what) => ApiError::internal(anyhow::anyhow!(what)).into(),
    }
}

fn token(field: &str, raw: &str) -> Result<String, ApiError> {
    let mut v = Violations::new();
    let token = v.text(field, raw, MAX_TOKEN_CHARS).map(str::to_owned);
    v.values(token)
}

#[tonic::async_trait]
impl AuthService for AuthApi {
    async fn login(&self, request: Request<pb::LoginRequest>) -> Result<Response<pb::Tokens>, Status> {
        let address: Option<IpAddr> = request.remote_addr().map(|a| a.ip());
        let mut v = Violations::new();
        let login = v.text("login", &request.get_ref().login, MAX_LOGIN_CHARS).map(str::to_owned);
        let password = request.get_ref().password.clone();
        if password.is_empty() {
            v.add("password", "is required");
        } else if password.chars().count() > MAX_PASSWORD_CHARS {
            v.add("password", format!("is longer than {MAX_PASSWORD_CHARS} characters"));
        }
        let login = v.values(login)?;
        let gateway = [qashyq_platform::metrics::service("gateway")];
        if let Err(retry_after) = self.throttle.attempt(&login, address).await {
            qashyq_platform::metrics::instruments().login_failures.add(1, &gateway);
            tracing::warn!(%login, ?address, "login throttled");
            return Err(Status::with_error_details(
                tonic::Code::ResourceExhausted,
                "too many failed logins for this account or address; wait and retry",
                ErrorDetails::with_retry_info(Some(retry_after)),
            ));
        }
        match self.people.login(&login, &password).await {
            Ok(tokens) => {
                self.throttle.succeeded(&login, address).await;
                tracing::info!(%login, person_id = %tokens.person.id, role = %tokens.person.role, "signed in");
                Ok(Response::new(tokens_to_proto(tokens)))
            }
            Err(error @ PeopleError::WrongCredentials) => {
                qashyq_platform::metrics::instruments().login_failures.add(1, &gateway);
                tracing::info!(%login, ?address, "login refused");
                Err(refused(error))
            }
            Err(other) => Err(refused(other)),
        }
    }

    async fn refresh(&self, request: Request<pb::RefreshRequest>) -> Result<Response<pb::Tokens>, Status> {
        let refresh_token = token("refresh_token", &request.get_ref().refresh_token)?;
        Ok(Response::new(tokens_to_proto(self.people.refresh(&refresh_token).await.map_err(refused)?)))
    }

    async fn logout(&self, request: Request<pb::LogoutRequest>) -> Result<Response<pb::LogoutResponse>, Status> {
        let refresh_token = token("refresh_token", &request.get_ref().refresh_token)?;
        self.people.logout(&refresh_token).await.map_err(refused)?;
        Ok(Response::new(pb::LogoutResponse {}))
    }
}
