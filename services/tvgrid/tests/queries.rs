//! The grid's reads over gRPC (R-TV-2, R-TV-7): a grade's lessons of a date, a channel's day,
//! XMLTV and iCalendar exports — from the imported 2020 grid, with bad input refused by field.

use qashyq_platform::error::field_violations;
use qashyq_proto::{
    common::v1::{Language, LocalDate},
    tvgrid::v1::{
        ExportICalendarRequest, ExportXmltvRequest, GetAiringNowRequest, GetChannelDayRequest, GetGradeDayRequest, tv_grid_service_client::TvGridServiceClient,
    },
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use qashyq_tvgrid::{TvGrid, documents::spring_2020_request};
use tonic::Code;

fn day(year: i32, month: i32, day: i32) -> Option<LocalDate> {
    Some(LocalDate { year, month, day })
}

#[tokio::test]
async fn r_tv_2_a_grades_day_and_a_channels_day_come_from_the_imported_grid() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = TvGridServiceClient::new(service.channel().await);

    // Before any import: no campaign covers the date, so no lessons (not an error).
    let empty = client.get_grade_day(GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: day(2020, 4, 6) }).await.unwrap().into_inner();
    assert!(empty.airings.is_empty() && empty.campaign.is_empty());

    client.import_grid(spring_2020_request("admin")).await.unwrap();
    let monday = client.get_grade_day(GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: day(2020, 4, 6) }).await.unwrap().into_inner();
    assert_eq!((monday.campaign.as_str(), monday.version), ("2020-spring", 1));
    let titles: Vec<_> = monday.airings.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["5-сынып. Қазақ тілі", "5-сынып. Математика", "5-сынып. Қазақстан тарихы"]);
    assert_eq!(monday.airings[0].local_start, "2020-04-06T10:50:00+06:00");
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
    client.import_grid(spring_2020_request("admin")).await.unwrap();

    let xmltv = client
        .export_xmltv(ExportXmltvRequest { channel_ids: vec!["balapan.kz".into(), "elarna.kz".into()], first_day: day(2020, 4, 6), last_day: day(2020, 4, 12) })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(xmltv.content_type, "application/xml");
    let text = String::from_utf8(xmltv.content).unwrap();
    assert_eq!(text.matches("<programme ").count(), 171 * 2, "one week, both channels");

    let bad = client
        .export_xmltv(ExportXmltvRequest { channel_ids: vec![], first_day: day(2020, 5, 22), last_day: day(2020, 4, 6) })
        .await
        .unwrap_err();
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["channel_ids", "last_day"]);

    let calendar = client
        .export_i_calendar(ExportICalendarRequest { campaign: String::new(), language: Language::Ru as i32, grade: 1 })
        .await
        .unwrap()
        .into_inner();
    let text = String::from_utf8(calendar.content).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 64, "Russian-medium grade 1 over the campaign");
    assert!(text.contains("SEQUENCE:1"));

    // A new version raises SEQUENCE, UIDs stay.
    client.import_grid(spring_2020_request("admin")).await.unwrap();
    let again = client
        .export_i_calendar(ExportICalendarRequest { campaign: "2020-spring".into(), language: Language::Ru as i32, grade: 1 })
        .await
        .unwrap()
        .into_inner();
    let again = String::from_utf8(again.content).unwrap();
    assert!(again.contains("SEQUENCE:2"));
    let uids = |t: &str| t.lines().filter(|l| l.starts_with("UID:")).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(uids(&text), uids(&again));
    service.stop().await.unwrap();
}
