//! R-TV-3 and R-TV-5 over gRPC: a TV-lesson asset's segment plan is checked field by field; only
//! an approved asset, of the lesson's language, grade and subject, goes on a lesson that has not
//! begun airing; its TV and radio airings then carry its topic and teacher, and its repeats are
//! listed.

mod common;

use chrono::{Duration, NaiveDate, Weekday};
use common::{Client, next, publish, running_campaign, today};
use qashyq_platform::{error::field_violations, time::to_local_date};
use qashyq_proto::{
    common::v1::Language,
    tvgrid::v1::{
        ApproveLessonAssetRequest, AssetStatus, ExportXmltvRequest, GetGradeDayRequest, GetLessonAssetRequest, GetLessonRepeatsRequest, LessonAsset,
        RegisterLessonAssetRequest, ScheduleLessonAssetRequest, Segment, SegmentKind,
    },
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use qashyq_tvgrid::TvGrid;
use tonic::Code;

fn segment(kind: SegmentKind, duration_seconds: i32, items: &[&str]) -> Segment {
    Segment { kind: kind as i32, duration_seconds, items: items.iter().map(|s| (*s).to_owned()).collect() }
}

/// A Russian-medium grade 5 mathematics lesson that follows the plan of R-TV-3.
fn fractions() -> LessonAsset {
    LessonAsset {
        language: Language::Ru as i32,
        grade: 5,
        subject_code: "Математика".into(),
        topic: "Обыкновенные дроби".into(),
        teacher_name: "Иванова Мария Петровна".into(),
        segments: vec![
            segment(SegmentKind::Explanation, 360, &[]),
            segment(SegmentKind::Questions, 60, &["Что такое числитель?", "Что такое знаменатель?"]),
            segment(SegmentKind::Tasks, 60, &["Сравните 1/2 и 1/3", "Сложите 1/4 и 2/4"]),
            segment(SegmentKind::DigitalResources, 60, &["https://bilimland.kz/ru/fractions"]),
            segment(SegmentKind::Links, 60, &["https://daryn.online/fractions"]),
        ],
        closing_message: "Удачи в изучении нового материала!".into(),
        media_ref: "content://videos/fractions-5".into(),
        ..Default::default()
    }
}

fn register(asset: LessonAsset) -> RegisterLessonAssetRequest {
    RegisterLessonAssetRequest { asset: Some(asset), registered_by: "studio".into() }
}

/// The first mathematics lesson of Russian-medium grade 5 on a weekday after `from`: (date, lesson).
async fn mathematics_after(client: &mut Client, from: NaiveDate) -> (NaiveDate, i32) {
    for date in from.iter_days().skip(1).take(14) {
        let day =
            client.get_grade_day(GetGradeDayRequest { language: Language::Ru as i32, grade: 5, date: Some(to_local_date(date)) }).await.unwrap().into_inner();
        if let Some(lesson) = day.airings.iter().find(|a| a.subject_code == "mathematics") {
            return (date, lesson.lesson_of_day);
        }
    }
    panic!("no mathematics lesson for grade 5 within two weeks of {from}");
}

fn schedule(asset_id: &str, date: NaiveDate, lesson_of_day: i32) -> ScheduleLessonAssetRequest {
    ScheduleLessonAssetRequest {
        asset_id: asset_id.into(),
        language: Language::Ru as i32,
        grade: 5,
        date: Some(to_local_date(date)),
        lesson_of_day,
        scheduled_by: "grid-editor".into(),
    }
}

fn fields(status: &tonic::Status) -> Vec<String> {
    field_violations(status).into_iter().map(|v| v.field).collect()
}

#[tokio::test]
async fn r_tv_3_a_lesson_plan_off_the_six_one_one_one_one_structure_is_refused_by_field() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = Client::new(service.channel().await);

    let mut bad = fractions();
    bad.language = 9;
    bad.grade = 13;
    bad.subject_code = "Astrology".into();
    bad.teacher_name = " ".into();
    bad.segments[0].duration_seconds = 420;
    bad.segments[1].items.truncate(1);
    bad.segments.swap(2, 3);
    let status = client.register_lesson_asset(register(bad)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        fields(&status),
        [
            "asset.language",
            "asset.grade",
            "asset.subject_code",
            "asset.teacher_name",
            "asset.segments[0].duration_seconds",
            "asset.segments[1].items",
            "asset.segments[2].kind",
            "asset.segments[3].kind",
        ]
    );
    let status = client.register_lesson_asset(RegisterLessonAssetRequest { asset: None, registered_by: String::new() }).await.unwrap_err();
    assert_eq!(fields(&status), ["registered_by", "asset"]);

    // Nothing was stored.
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM tvgrid.lesson_assets").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0);
    pool.close().await;

    // A conforming plan is stored with its subject normalised, pending approval.
    let asset = client.register_lesson_asset(register(fractions())).await.unwrap().into_inner();
    assert_eq!((asset.subject_code.as_str(), asset.status), ("mathematics", AssetStatus::PendingApproval as i32));
    assert_eq!(asset.registered_by, "studio");
    let again = client.get_lesson_asset(GetLessonAssetRequest { asset_id: asset.asset_id.clone() }).await.unwrap().into_inner();
    assert_eq!(again, asset);
    service.stop().await.unwrap();
}

#[tokio::test]
async fn r_tv_5_only_an_approved_asset_of_the_lessons_subject_goes_on_a_lesson_not_yet_aired() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = Client::new(service.channel().await);
    client.import_grid(running_campaign("running")).await.unwrap();
    publish(&mut client, "running", 1).await;
    let asset = client.register_lesson_asset(register(fractions())).await.unwrap().into_inner();
    let (date, lesson) = mathematics_after(&mut client, today() + Duration::days(1)).await;

    // Pending approval: refused.
    let pending = client.schedule_lesson_asset(schedule(&asset.asset_id, date, lesson)).await.unwrap_err();
    assert_eq!((pending.code(), fields(&pending)), (Code::InvalidArgument, vec!["asset_id".to_owned()]));

    // Approval records who approved, once.
    let approved = client
        .approve_lesson_asset(ApproveLessonAssetRequest { asset_id: asset.asset_id.clone(), approved_by: "content-validator".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((approved.status, approved.approved_by.as_str()), (AssetStatus::Approved as i32, "content-validator"));
    assert!(approved.approved_at.is_some());
    let twice = client
        .approve_lesson_asset(ApproveLessonAssetRequest { asset_id: asset.asset_id.clone(), approved_by: "someone-else".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(twice, approved, "the first approval stands");

    // Mismatches and lessons that do not exist, each named by its field.
    let mut other_language = schedule(&asset.asset_id, date, lesson);
    other_language.language = Language::Kk as i32;
    let mut other_grade = schedule(&asset.asset_id, date, lesson);
    other_grade.grade = 6;
    let other_subject = {
        let day =
            client.get_grade_day(GetGradeDayRequest { language: Language::Ru as i32, grade: 5, date: Some(to_local_date(date)) }).await.unwrap().into_inner();
        day.airings.iter().find(|a| a.subject_code != "mathematics").unwrap().lesson_of_day
    };
    let saturday = next(Weekday::Sat, today());
    let beyond = today() + Duration::days(60);
    for (request, field) in [
        (other_language, "language"),
        (other_grade, "grade"),
        (schedule(&asset.asset_id, date, other_subject), "asset_id"),
        (schedule(&asset.asset_id, date, 40), "lesson_of_day"),
        (schedule(&asset.asset_id, saturday, 1), "date"),
        (schedule(&asset.asset_id, beyond, 1), "date"),
        (schedule(&uuid_nil(), date, lesson), "asset_id"),
        (schedule("not-a-uuid", date, 0), "asset_id"),
    ] {
        let status = client.schedule_lesson_asset(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert!(fields(&status).contains(&field.to_owned()), "{field}: {:?}", fields(&status));
    }

    // A lesson that has already aired never changes.
    let (past_date, past_lesson) = mathematics_after(&mut client, today() - Duration::days(20)).await;
    let past = client.schedule_lesson_asset(schedule(&asset.asset_id, past_date, past_lesson)).await.unwrap_err();
    assert_eq!(past.code(), Code::FailedPrecondition, "{past:?}");

    // Scheduled: both the TV and the radio airing carry the asset's topic and teacher.
    let scheduled = client.schedule_lesson_asset(schedule(&asset.asset_id, date, lesson)).await.unwrap().into_inner();
    assert_eq!(scheduled.previous_asset_id, "");
    let channels: Vec<_> = scheduled.airings.iter().map(|a| a.channel_id.as_str()).collect();
    assert_eq!(channels, ["classic.kz", "elarna.kz"]);
    assert!(scheduled.airings.iter().all(|a| a.asset_id == asset.asset_id && a.topic == "Обыкновенные дроби" && a.teacher_name == "Иванова Мария Петровна"));
    let day = client.get_grade_day(GetGradeDayRequest { language: Language::Ru as i32, grade: 5, date: Some(to_local_date(date)) }).await.unwrap().into_inner();
    assert_eq!(day.airings.iter().filter(|a| a.asset_id == asset.asset_id).count(), 1, "the grade's TV day shows it once");
    let xmltv = client
        .export_xmltv(ExportXmltvRequest { channel_ids: vec!["elarna.kz".into()], first_day: Some(to_local_date(date)), last_day: Some(to_local_date(date)) })
        .await
        .unwrap()
        .into_inner();
    let xmltv = String::from_utf8(xmltv.content).unwrap();
    assert!(xmltv.contains("<sub-title lang=\"ru\">Обыкновенные дроби</sub-title>") && xmltv.contains("<presenter>Иванова Мария Петровна</presenter>"));

    // The same lesson repeated a week later: its repeats are all four airings, in time order.
    let (repeat_date, repeat_lesson) = mathematics_after(&mut client, date + Duration::days(6)).await;
    client.schedule_lesson_asset(schedule(&asset.asset_id, repeat_date, repeat_lesson)).await.unwrap();
    let repeats = client.get_lesson_repeats(GetLessonRepeatsRequest { asset_id: asset.asset_id.clone() }).await.unwrap().into_inner();
    assert_eq!(repeats.airings.len(), 4);
    assert!(repeats.airings.windows(2).all(|w| w[0].starts.unwrap().seconds <= w[1].starts.unwrap().seconds));
    assert_eq!(&repeats.airings[3].local_start[..10], repeat_date.to_string().as_str());
    service.stop().await.unwrap();
}

fn uuid_nil() -> String {
    "00000000-0000-0000-0000-000000000000".to_owned()
}
