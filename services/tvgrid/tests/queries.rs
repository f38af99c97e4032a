//! The grid's reads over gRPC (R-TV-2, R-TV-7): a grade's lessons of a date, a channel's day,
//! XMLTV and iCalendar exports — from the published 2020 grid, with bad input refused by field.

mod common;

use common::{day, publish, publish_2020};

use qashyq_platform::error::field_violations;
use qashyq_proto::{
    common::v1::Language,
    tvgrid::v1::{
        ExportICalendarRequest, ExportXmltvRequest, GetAiringNowRequest, GetChannelDayRequest, GetGradeDayRequest, tv_grid_service_client::TvGridServiceClient,
    },
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use qashyq_tvgrid::{TvGrid, cli::spring_2020_request};
use tonic::Code;

#[tokio::test]
async fn r_tv_2_a_grades_day_and_a_channels_day_come_from_the_published_grid() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = TvGridServiceClient::new(service.channel().await);

    // Before any publication no campaign covers the date, so no lessons (not an error); an
    // imported version does not air until it is published.
    let grade_day = GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: day(2020, 4, 6) };
    let empty = client.get_grade_day(grade_day).await.unwrap().into_inner();
    assert!(empty.airings.is_empty() && empty.campaign.is_empty());
    client.import_grid(spring_2020_request("admin")).await.unwrap();
    assert!(client.get_grade_day(grade_day).await.unwrap().into_inner().airings.is_empty(), "imported, not yet published");

    let publication = publish(&mut client, "2020-spring", 0).await;
    assert_eq!((publication.publication, publication.version, publication.effective_from), (1, 1, day(2020, 4, 6)));
    let monday = client.get_grade_day(GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: day(2020, 4, 6) }).await.unwrap().into_inner();
    assert_eq!((monday.campaign.as_str(), monday.version), ("2020-spring", 1));
    let titles: Vec<_> = monday.airings.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["5-сынып. Қазақ тілі", "5-сынып. Математика", "5-сынып. Қазақстан тарихы"]);
    assert_eq!(monday.airings[0].local_start, "2020-04-06T10:50:00+06:00");
    assert_eq!(monday.airings[0].publication, 1);
    assert!(monday.airings.iter().all(|a| a.channel_id == "balapan.kz"));

    for (date, why) in [(day(2020, 4, 11), "a Saturday"), (day(2020, 5, 1), "a public holiday"), (day(2021, 9, 1), "no campaign")] {
        let none = client.get_grade_day(GetGradeDayRequest { language: Language::Ru as i32, grade: 1, date }).await.unwrap().into_inner();
        assert!(none.airings.is_empty(), "{why}");
    }

    let radio = client.get_channel_day(GetChannelDayRequest { channel_id: "classic.kz".into(), date: day(2020, 4, 7) }).await.unwrap().into_inner();
    assert_eq!(radio.airings.len(), 35, "Russian-medium Tuesday, as audio on Radio Classic");
    assert!(radio.airings.windows(2).all(|w| w[0].ends == w[1].starts));

    // 2020-04-06 at 03:05 UTC is 09:05 in Almaty: the first lesson of the day on Balapan.
    let at = |seconds| Some(prost_types::Timestamp { seconds, nanos: 0 });
    let now = client.get_airing_now(GetAiringNowRequest { channel_id: "balapan.kz".into(), at: at(1_586_142_300) }).await.unwrap().into_inner();
    assert_eq!(now.airings.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(), ["1-сынып. Сауат ашу"]);
    let evening = client.get_airing_now(GetAiringNowRequest { channel_id: "balapan.kz".into(), at: at(1_586_142_300 + 9 * 3600) }).await.unwrap().into_inner();
    assert!(evening.airings.is_empty(), "nothing airs after 15:00");

    let bad = client.get_grade_day(GetGradeDayRequest { language: 0, grade: 13, date: None }).await.unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["language", "grade", "date"]);
    let bad = client.get_channel_day(GetChannelDayRequest { channel_id: "cnn.com".into(), date: day(2020, 2, 30) }).await.unwrap_err();
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["channel_id", "date"]);
    service.stop().await.unwrap();
}

#[tokio::test]
async fn r_tv_7_exports_are_served_over_grpc() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = TvGridServiceClient::new(service.channel().await);
    publish_2020(&mut client).await;

    let xmltv = client
        .export_xmltv(ExportXmltvRequest { channel_ids: vec!["balapan.kz".into(), "elarna.kz".into()], first_day: day(2020, 4, 6), last_day: day(2020, 4, 12) })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(xmltv.content_type, "application/xml");
    let text = String::from_utf8(xmltv.content).unwrap();
    assert_eq!(text.matches("<programme ").count(), 171 * 2, "one week, both channels");

    let bad = client.export_xmltv(ExportXmltvRequest { channel_ids: vec![], first_day: day(2020, 5, 22), last_day: day(2020, 4, 6) }).await.unwrap_err();
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["channel_ids", "last_day"]);

    // R-GW-5: a channel named twice would be declared twice (tv_validate_file refuses that), and
    // 20,000 ids must not make a 150 MB answer: repeats and more than four are refused, briefly.
    let twice = ExportXmltvRequest { channel_ids: vec!["balapan.kz".into(), "balapan.kz".into()], first_day: day(2020, 4, 6), last_day: day(2020, 4, 6) };
    let bad = client.export_xmltv(twice).await.unwrap_err();
    assert_eq!(
        field_violations(&bad).into_iter().map(|v| (v.field, v.description)).collect::<Vec<_>>(),
        [("channel_ids[1]".to_owned(), "repeats channel_ids[0]".to_owned())]
    );
    let many = ExportXmltvRequest { channel_ids: vec!["balapan.kz".into(); 20_000], first_day: day(2020, 4, 6), last_day: day(2020, 4, 6) };
    let bad = client.export_xmltv(many).await.unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(qashyq_platform::error::encoded_size(&bad) < 512, "{bad:?}");
    // A whole year of every channel is larger than one answer carries: refused with the way out,
    // and streamed in pieces that join into the same kind of document.
    let year = ExportXmltvRequest {
        channel_ids: vec!["balapan.kz".into(), "elarna.kz".into(), "qazaqradio.kz".into(), "classic.kz".into()],
        first_day: day(2020, 1, 1),
        last_day: day(2020, 12, 31),
    };
    let too_large = client.export_xmltv(year.clone()).await;
    let mut pieces = client.stream_xmltv(year).await.unwrap().into_inner();
    let mut streamed = Vec::new();
    let mut count = 0;
    while let Some(piece) = pieces.message().await.unwrap() {
        assert!(piece.content.len() <= 1024 * 1024);
        if count == 0 {
            assert_eq!(piece.content_type, "application/xml");
        }
        count += 1;
        streamed.extend(piece.content);
    }
    let streamed = String::from_utf8(streamed).unwrap();
    assert!(streamed.ends_with("</tv>\n"), "{}", &streamed[streamed.len().saturating_sub(100)..]);
    match too_large {
        Err(status) => {
            assert_eq!(field_violations(&status)[0].field, "last_day");
            assert!(count > 3, "{count} pieces");
        }
        Ok(document) => assert_eq!(document.into_inner().content, streamed.into_bytes(), "small enough for one answer"),
    }

    let calendar =
        client.export_i_calendar(ExportICalendarRequest { campaign: String::new(), language: Language::Ru as i32, grade: 1 }).await.unwrap().into_inner();
    let text = String::from_utf8(calendar.content).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 64, "Russian-medium grade 1 over the campaign");
    assert!(text.contains("SEQUENCE:1"));

    // The same documents imported again (a second `make run`, a retried import) are version 1,
    // not a new version beside the published one; publishing them keeps publication 1.
    let again = client.import_grid(spring_2020_request("someone else")).await.unwrap().into_inner();
    assert_eq!((again.version, again.already_imported), (1, true));
    assert_eq!(again.report.as_ref().map(|r| (r.version, r.imported_by.as_str())), Some((1, "admin")));
    let same = publish(&mut client, "2020-spring", 1).await;
    assert_eq!((same.publication, same.version), (1, 1));
    // A changed version of a campaign that is over cannot be published: every airing of it is
    // in the past (R-TV-6). SEQUENCE rising on change is tested with a running campaign
    // (publication.rs).
    let mut changed = spring_2020_request("admin");
    changed.grid[0].subjects.reverse();
    let changed = client.import_grid(changed).await.unwrap().into_inner();
    assert_eq!((changed.version, changed.already_imported), (2, false));
    let refused = client
        .publish_grid(qashyq_proto::tvgrid::v1::PublishGridRequest { campaign: "2020-spring".into(), version: 2, published_by: "editor".into() })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    let again = client
        .export_i_calendar(ExportICalendarRequest { campaign: "2020-spring".into(), language: Language::Ru as i32, grade: 1 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(String::from_utf8(again.content).unwrap().matches("SEQUENCE:1").count(), 64, "still publication 1");
    service.stop().await.unwrap();
}
