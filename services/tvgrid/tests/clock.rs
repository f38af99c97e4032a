//! The shifted clock (`QASHYQ_CLOCK_START`, what `make run` uses to replay spring 2020): the real
//! `qashyq-tvgrid` binary, started on the morning of 6 April 2020, answers "what airs now" with
//! the lesson of that morning, and takes publications as of that day; the in-process services of
//! the other tests keep the real clock.

mod common;

use std::{process::Stdio, time::Duration};

use common::{day, publish_2020};
use qashyq_proto::tvgrid::v1::{GetAiringNowRequest, tv_grid_service_client::TvGridServiceClient};
use qashyq_testkit::{TestDatabase, test_config, wait_until};

/// A port nobody listens on now (a moment's race with other processes is acceptable in a test).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn a_service_started_with_a_clock_start_lives_on_that_morning() {
    let db = TestDatabase::create().await.unwrap();
    let config = test_config(db.url());
    let port = free_port();
    let mut process = tokio::process::Command::new(env!("CARGO_BIN_EXE_qashyq-tvgrid"))
        .env("QASHYQ_DATABASE_URL", db.url())
        .env("QASHYQ_AMQP_URL", config.amqp_url())
        .env("QASHYQ_EVENTS_EXCHANGE", &config.events_exchange)
        .env("QASHYQ_EVENTS_EPHEMERAL", "true")
        .env("QASHYQ_LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("QASHYQ_ADMIN_ADDR", "127.0.0.1:0")
        // 08:59:55 in Almaty: five seconds before the first lesson of the campaign.
        .env("QASHYQ_CLOCK_START", "2020-04-06T08:59:55+06:00")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let connected =
        wait_until(Duration::from_secs(30), || async { tonic::transport::Channel::from_shared(url.clone()).unwrap().connect().await.is_ok() }).await;
    assert!(connected, "the service listens");
    let mut client = TvGridServiceClient::new(tonic::transport::Channel::from_shared(url).unwrap().connect().await.unwrap());
    let ready = wait_until(Duration::from_secs(30), || {
        let mut client = client.clone();
        async move { client.list_publications(qashyq_proto::tvgrid::v1::ListPublicationsRequest { campaign: "2020-spring".into() }).await.is_ok() }
    })
    .await;
    assert!(ready, "the service is ready");

    // On 6 April 2020 before 09:00 nothing has aired yet: the first publication takes effect today.
    let publication = publish_2020(&mut client).await;
    assert_eq!(publication.effective_from, day(2020, 4, 6));
    // "Now" without a time is the shifted clock's: by 09:00 the campaign's first lesson airs.
    let airs_now = wait_until(Duration::from_secs(20), || {
        let mut client = client.clone();
        async move {
            let now = client.get_airing_now(GetAiringNowRequest { channel_id: "balapan.kz".into(), at: None }).await.unwrap().into_inner();
            now.airings.iter().any(|a| a.title == "1-сынып. Сауат ашу" && a.local_start == "2020-04-06T09:00:00+06:00")
        }
    })
    .await;
    assert!(airs_now, "the first lesson of 6 April 2020 airs now");
    process.kill().await.unwrap();
}
