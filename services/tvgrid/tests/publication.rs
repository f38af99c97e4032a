//! R-TV-6 over gRPC: a grid airs once published, as a numbered publication; a changed grid is a
//! new publication that records what changed, emits GridPublished, and takes effect only from
//! the first day nothing has aired yet — past airings never change.

mod common;

use chrono::{Duration, Weekday};
use common::{Client, next, previous, publish, running_campaign, today};
use prost::Message;
use qashyq_platform::{error::field_violations, time::to_local_date};
use qashyq_proto::{
    common::v1::Language,
    events::v1::EventEnvelope,
    tvgrid::{
        events::v1::GridPublished,
        v1::{ExportICalendarRequest, GetGradeDayRequest, ListPublicationsRequest, PublishGridRequest},
    },
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use qashyq_tvgrid::{
    TvGrid,
    domain::{placement::AirWindow, publication::first_untouched_day},
};
use tonic::Code;

async fn subjects(client: &mut Client, date: chrono::NaiveDate) -> (Vec<String>, i64) {
    let day = client.get_grade_day(GetGradeDayRequest { language: Language::Ru as i32, grade: 5, date: Some(to_local_date(date)) }).await.unwrap().into_inner();
    let publication = day.airings.first().map_or(0, |a| a.publication);
    (day.airings.into_iter().map(|a| a.subject_code).collect(), publication)
}

#[tokio::test]
async fn r_tv_6_a_change_is_a_new_publication_and_the_past_keeps_what_it_aired() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = Client::new(service.channel().await);

    let v1 = running_campaign("running");
    client.import_grid(v1.clone()).await.unwrap();
    let first = publish(&mut client, "running", 1).await;
    assert_eq!((first.publication, first.version, first.previous_version), (1, 1, 0));
    assert_eq!(first.effective_from, v1.campaign.as_ref().unwrap().first_day, "the first publication covers the whole campaign");
    assert!(first.changes.is_empty());

    // Version 2: Russian-medium grade 5 on Wednesdays in reverse order, and a holiday on the
    // Thursday after next.
    let mut v2 = v1.clone();
    let wednesday = v2.grid.iter_mut().find(|d| d.language == Language::Ru as i32 && d.grade == 5 && d.weekday == "wed").unwrap();
    wednesday.subjects.reverse();
    let holiday = next(Weekday::Thu, today() + Duration::days(7));
    v2.campaign.as_mut().unwrap().holidays.push(to_local_date(holiday));
    client.import_grid(v2).await.unwrap();
    let past_wednesday = previous(Weekday::Wed, today());
    let future_wednesday = next(Weekday::Wed, today() + Duration::days(1));
    let (before, _) = subjects(&mut client, future_wednesday).await;
    assert!(!subjects(&mut client, holiday).await.0.is_empty(), "an imported version does not air before it is published");

    let second = publish(&mut client, "running", 0).await;
    let untouched = first_untouched_day(chrono::Utc::now(), &AirWindow::TV_LESSONS);
    assert_eq!((second.publication, second.version, second.previous_version), (2, 2, 1));
    assert_eq!(second.effective_from, Some(to_local_date(untouched)), "from the first day nothing has aired");
    let kinds: Vec<_> = second.changes.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["holiday-added", "day"], "{:?}", second.changes);
    assert_eq!(second.changes[0].after, [holiday.to_string()]);
    let day_change = &second.changes[1];
    assert_eq!((day_change.language, day_change.grade, day_change.weekday.as_str()), (Language::Ru as i32, 5, "wed"));
    assert_eq!(day_change.after.iter().rev().collect::<Vec<_>>(), day_change.before.iter().collect::<Vec<_>>());

    // The past keeps publication 1; the future airs publication 2.
    let (past, past_publication) = subjects(&mut client, past_wednesday).await;
    assert_eq!((past, past_publication), (before.clone(), 1), "a past Wednesday is unchanged");
    let (future, future_publication) = subjects(&mut client, future_wednesday).await;
    assert_eq!(future, before.iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(future_publication, 2);
    assert!(subjects(&mut client, holiday).await.0.is_empty(), "the new holiday airs nothing");

    // iCalendar: the same UIDs less the holiday's; SEQUENCE 1 on past days, 2 from the change on.
    let calendar =
        client.export_i_calendar(ExportICalendarRequest { campaign: "running".into(), language: Language::Ru as i32, grade: 5 }).await.unwrap().into_inner();
    let calendar = String::from_utf8(calendar.content).unwrap().replace("\r\n ", "");
    let events: Vec<(String, String)> = calendar
        .split("BEGIN:VEVENT")
        .skip(1)
        .map(|e| {
            let field = |name: &str| e.lines().find_map(|l| l.strip_prefix(name)).unwrap().to_owned();
            (field("UID:"), field("SEQUENCE:"))
        })
        .collect();
    let on = |date: chrono::NaiveDate| events.iter().filter(move |(uid, _)| uid.starts_with(&date.to_string())).collect::<Vec<_>>();
    assert!(on(past_wednesday).iter().all(|(_, seq)| seq == "1") && !on(past_wednesday).is_empty());
    assert!(on(future_wednesday).iter().all(|(_, seq)| seq == "2") && !on(future_wednesday).is_empty());
    assert!(on(holiday).is_empty());

    // Publishing what is in effect again changes nothing; the history lists both, newest first.
    let same = publish(&mut client, "running", 2).await;
    assert_eq!(same, second);
    let history = client.list_publications(ListPublicationsRequest { campaign: "running".into() }).await.unwrap().into_inner();
    assert_eq!(history.publications.iter().map(|p| p.publication).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(history.publications[0], second);

    // Two GridPublished events, in the outbox with the publications (same transaction).
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let envelopes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT envelope FROM tvgrid.outbox WHERE event_type = 'qashyq.tvgrid.events.v1.GridPublished' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let published: Vec<GridPublished> = envelopes
        .iter()
        .map(|bytes| {
            let envelope = EventEnvelope::decode(bytes.as_slice()).unwrap();
            GridPublished::decode(envelope.payload.as_ref().unwrap().value.as_slice()).unwrap()
        })
        .collect();
    // Each says what was published, from when, and what changed (its own contract, not the API's
    // Publication).
    let said: Vec<_> = published.iter().map(|e| (e.publication, e.version, e.effective_from, e.changes.len())).collect();
    assert_eq!(
        said,
        [(first.publication, first.version, first.effective_from, 0), (second.publication, second.version, second.effective_from, second.changes.len())]
    );
    assert!(!second.changes.is_empty());
    assert_eq!(published[1].changes[0].kind, second.changes[0].kind);
    pool.close().await;
    service.stop().await.unwrap();
}

#[tokio::test]
async fn r_tv_6_bad_publications_are_refused_and_change_nothing() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = Client::new(service.channel().await);
    client.import_grid(running_campaign("running")).await.unwrap();

    let bad = client.publish_grid(PublishGridRequest { campaign: " ".into(), version: -1, published_by: String::new() }).await.unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["campaign", "version", "published_by"]);
    for (campaign, version) in [("no-such-campaign", 0), ("running", 7)] {
        let missing = client.publish_grid(PublishGridRequest { campaign: campaign.into(), version, published_by: "editor".into() }).await.unwrap_err();
        assert_eq!(missing.code(), Code::NotFound, "{campaign} v{version}");
    }
    let history = client.list_publications(ListPublicationsRequest { campaign: "running".into() }).await.unwrap().into_inner();
    assert!(history.publications.is_empty(), "nothing was published");
    let day = subjects(&mut client, next(Weekday::Mon, today())).await;
    assert!(day.0.is_empty(), "nothing airs");
    service.stop().await.unwrap();
}
