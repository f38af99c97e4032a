//! People sign in and integrators' keys rotate (R-GW-1), through the gateway.

use std::time::Duration;

use qashyq_e2e::Mesh;
use qashyq_platform::principal::{Role, Scope};
use qashyq_proto::{
    gateway::v1::{LoginRequest, LogoutRequest, RefreshRequest, Tokens, auth_service_client::AuthServiceClient},
    schedule::v1::{ListRegionsRequest, catalogue_service_client::CatalogueServiceClient},
};
use qashyq_testkit::wait_until;
use tonic::Code;

const PASSWORD: &str = "Бiлiм-2020-distance";
/// Failed logins an account may have in a window (the gateway's `throttle::ACCOUNT_FAILURES`).
const ACCOUNT_FAILURES: usize = 5;

/// Revocations reach a gateway within its credential cache: one second here.
fn short_credential_cache() {
    // SAFETY: every test of this binary sets the same value before starting a gateway.
    unsafe { std::env::set_var("QASHYQ_GATEWAY_KEY_CACHE_SECONDS", "1") };
}

async fn reads(mesh: &Mesh, credential: &str) -> Code {
    CatalogueServiceClient::new(mesh.gateway_channel(credential).await).list_regions(ListRegionsRequest {}).await.map_or_else(|s| s.code(), |_| Code::Ok)
}

async fn login(auth: &mut AuthServiceClient<tonic::transport::Channel>, login: &str, password: &str) -> Result<Tokens, tonic::Status> {
    auth.login(LoginRequest { login: login.into(), password: password.into() }).await.map(tonic::Response::into_inner)
}

async fn stops_reading(mesh: &Mesh, credential: &str) -> bool {
    wait_until(Duration::from_secs(5), || async { reads(mesh, credential).await == Code::Unauthenticated }).await
}

#[tokio::test]
async fn r_gw_1_a_sign_in_rotates_its_refresh_token_and_a_reused_one_ends_it() {
    short_credential_cache();
    let mesh = Mesh::start().await.unwrap();
    qashyq_gateway::admin::create_person(&mesh.config, "a.sadykova", "Айгуль Садыкова", Role::Ministry, None, PASSWORD).await.unwrap();
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM gateway.people WHERE login = 'a.sadykova'").fetch_one(&pool).await.unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(PASSWORD), "stored as Argon2id");

    let mut auth = AuthServiceClient::new(mesh.gateway.channel().await);
    let wrong = login(&mut auth, "a.sadykova", "not the password").await.unwrap_err();
    let unknown = login(&mut auth, "nobody", PASSWORD).await.unwrap_err();
    assert_eq!((wrong.code(), wrong.message()), (unknown.code(), unknown.message()), "an unknown login is told the same as a wrong password");
    assert_eq!(wrong.code(), Code::Unauthenticated);

    let first = login(&mut auth, "a.sadykova", PASSWORD).await.unwrap();
    assert_eq!(reads(&mesh, &first.access_token).await, Code::Ok);
    let second = auth.refresh(RefreshRequest { refresh_token: first.refresh_token.clone() }).await.unwrap().into_inner();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(reads(&mesh, &second.access_token).await, Code::Ok);

    // The first refresh token again: a copy was kept somewhere; the whole sign-in ends.
    let reused = auth.refresh(RefreshRequest { refresh_token: first.refresh_token.clone() }).await.unwrap_err();
    assert_eq!(reused.code(), Code::Unauthenticated);
    let after = auth.refresh(RefreshRequest { refresh_token: second.refresh_token.clone() }).await.unwrap_err();
    assert_eq!(after.code(), Code::Unauthenticated, "the newest token of the sign-in is revoked too");
    assert!(stops_reading(&mesh, &second.access_token).await, "and its access token stops");

    // Logout ends a sign-in; another sign-in of the same person goes on.
    let third = login(&mut auth, "a.sadykova", PASSWORD).await.unwrap();
    let fourth = login(&mut auth, "a.sadykova", PASSWORD).await.unwrap();
    auth.logout(LogoutRequest { refresh_token: third.refresh_token.clone() }).await.unwrap();
    assert!(stops_reading(&mesh, &third.access_token).await);
    assert_eq!(auth.refresh(RefreshRequest { refresh_token: third.refresh_token }).await.unwrap_err().code(), Code::Unauthenticated);
    assert_eq!(reads(&mesh, &fourth.access_token).await, Code::Ok);

    // A reset password ends every sign-in and only the new password opens one.
    qashyq_gateway::admin::reset_password(&mesh.config, "a.sadykova", "a brand new password").await.unwrap();
    assert!(stops_reading(&mesh, &fourth.access_token).await);
    assert_eq!(login(&mut auth, "a.sadykova", PASSWORD).await.unwrap_err().code(), Code::Unauthenticated);
    assert!(login(&mut auth, "a.sadykova", "a brand new password").await.is_ok());

    // A token with its payload changed does not verify.
    let (head, rest) = first.access_token.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged = format!("{head}.eyJzdWIiOiIwIiwicm9sZSI6ImFkbWluaXN0cmF0b3IifQ.{signature}");
    assert_eq!(reads(&mesh, &forged).await, Code::Unauthenticated);
    // Bad input to sign-in names its field and stores nothing.
    let empty = login(&mut auth, "", "").await.unwrap_err();
    assert_eq!((empty.code(), qashyq_platform::error::field_violations(&empty)[0].field.as_str()), (Code::InvalidArgument, "login"));
    let long = login(&mut auth, &"л".repeat(5_000), PASSWORD).await.unwrap_err();
    assert!(long.message().len() < 300, "a long login is not echoed: {} bytes", long.message().len());
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_gw_1_failed_logins_are_throttled_per_account_with_a_time_to_retry() {
    short_credential_cache();
    let mesh = Mesh::start().await.unwrap();
    for login_name in ["b.omarov", "c.nurlanova"] {
        qashyq_gateway::admin::create_person(&mesh.config, login_name, login_name, Role::RegionalObserver, Some("KZ-ATY"), PASSWORD).await.unwrap();
    }
    let mut auth = AuthServiceClient::new(mesh.gateway.channel().await);
    for _ in 0..ACCOUNT_FAILURES {
        assert_eq!(login(&mut auth, "b.omarov", "guess").await.unwrap_err().code(), Code::Unauthenticated);
    }
    // Now even the right password is refused, with when to come back.
    let throttled = login(&mut auth, "b.omarov", PASSWORD).await.unwrap_err();
    assert_eq!(throttled.code(), Code::ResourceExhausted);
    let retry = tonic_types::StatusExt::get_error_details(&throttled).retry_info().and_then(|r| r.retry_delay).expect("RetryInfo");
    assert!(retry > Duration::from_secs(60) && retry <= Duration::from_secs(15 * 60), "{retry:?}");
    // Another account from the same address is not affected.
    assert!(login(&mut auth, "c.nurlanova", PASSWORD).await.is_ok());
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_gw_1_an_integrators_key_rotates_with_an_overlap_and_stops_when_revoked() {
    short_credential_cache();
    let mesh = Mesh::start().await.unwrap();
    let integrator = qashyq_gateway::admin::create_integrator(&mesh.config, "kundelik.kz", &Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }, 100)
        .await
        .unwrap();
    let old = qashyq_gateway::admin::issue_api_key(&mesh.config, integrator.id, Duration::ZERO).await.unwrap();
    assert_eq!(reads(&mesh, &old.key).await, Code::Ok);
    // Rotation: a new key, and the old one for two more seconds.
    let new = qashyq_gateway::admin::issue_api_key(&mesh.config, integrator.id, Duration::from_secs(2)).await.unwrap();
    assert_eq!(reads(&mesh, &old.key).await, Code::Ok, "the old key works during the overlap");
    assert_eq!(reads(&mesh, &new.key).await, Code::Ok);
    assert!(stops_reading(&mesh, &old.key).await, "the old key stops after the overlap");
    assert_eq!(reads(&mesh, &new.key).await, Code::Ok);
    qashyq_gateway::admin::revoke_api_key(&mesh.config, new.key_id).await.unwrap();
    assert!(stops_reading(&mesh, &new.key).await);
    assert!(qashyq_gateway::admin::issue_api_key(&mesh.config, integrator.id, Duration::from_secs(31 * 86_400)).await.is_err(), "the overlap is bounded");
    mesh.stop().await.unwrap();
}
