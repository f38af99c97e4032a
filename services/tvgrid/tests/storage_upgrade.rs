//! Stored data survives the migrations (issue 9): grid imports, publication changes and lesson
//! asset plans written by the previous schema as encoded API messages are converted by the
//! service when it starts (migrations 4 and 5 and the conversion into its own columns and JSON),
//! and read back the same through the API: the validation report with its 31 findings and its
//! importer, the figures, the publication and its changes, the airings, and the asset with its
//! segment plan and approval.

mod common;

use common::day;
use prost::Message;
use qashyq_proto::{
    common::v1::{Language, LocalDate},
    tvgrid::v1::{
        AssetStatus, GetCampaignFiguresRequest, GetGradeDayRequest, GetLessonAssetRequest, GetValidationReportRequest, GridChange, LessonAsset,
        ListPublicationsRequest, Segment, SegmentKind, ValidationReport, tv_grid_service_client::TvGridServiceClient,
    },
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use qashyq_tvgrid::{TvGrid, cli::spring_2020_request};

/// The last migration of the schema that stored encoded API messages.
const PREVIOUS_SCHEMA: i64 = 20260101000003;

/// How the previous schema stored a publication's changes.
#[derive(Clone, PartialEq, prost::Message)]
struct ChangeList {
    #[prost(message, repeated, tag = "1")]
    changes: Vec<GridChange>,
}

#[tokio::test]
async fn imports_and_publications_written_by_the_previous_schema_read_back_the_same_after_the_upgrade() {
    let db = TestDatabase::create().await.unwrap();
    qashyq_testkit::migrate_up_to(db.url(), "tvgrid", <TvGrid as qashyq_platform::ServiceDef>::migrator(), PREVIOUS_SCHEMA).await.unwrap();

    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let request = spring_2020_request("ministry-admin");
    sqlx::query(
        "INSERT INTO tvgrid.grid_imports (campaign, version, imported_by, request, report, first_day, last_day) \
         VALUES ('2020-spring', 1, 'ministry-admin', $1, $2, '2020-04-06', '2020-05-22')",
    )
    .bind(request.encode_to_vec())
    .bind(ValidationReport { campaign: "2020-spring".into(), version: 1, ..Default::default() }.encode_to_vec())
    .execute(&pool)
    .await
    .unwrap();
    let change = GridChange {
        kind: "day".into(),
        language: Language::Kk as i32,
        grade: 5,
        weekday: "tue".into(),
        before: vec!["mathematics".into()],
        after: vec!["kazakh_language".into()],
        description: "kk grade 5 on tue: [mathematics] → [kazakh_language]".into(),
    };
    sqlx::query(
        "INSERT INTO tvgrid.grid_publications (campaign, publication, version, previous_version, effective_from, published_by, changes) \
         VALUES ('2020-spring', 1, 1, 0, '2020-04-06', 'editor', $1)",
    )
    .bind(ChangeList { changes: vec![change.clone()] }.encode_to_vec())
    .execute(&pool)
    .await
    .unwrap();

    // How the previous schema stored an asset's plan: the API's LessonAsset as registered.
    let segment = |kind: SegmentKind, seconds: i32, items: &[&str]| Segment {
        kind: kind as i32,
        duration_seconds: seconds,
        items: items.iter().map(|i| (*i).to_owned()).collect(),
    };
    let plan = LessonAsset {
        language: Language::Kk as i32,
        grade: 5,
        subject_code: "mathematics".into(),
        topic: "Жай бөлшектер".into(),
        teacher_name: "Айгүл Серікқызы".into(),
        segments: vec![
            segment(SegmentKind::Explanation, 360, &[]),
            segment(SegmentKind::Questions, 60, &["1/2 мен 2/4 тең бе?", "Бөлшек деген не?"]),
            segment(SegmentKind::Tasks, 60, &["№ 512", "№ 514"]),
            segment(SegmentKind::DigitalResources, 60, &["bilimland.kz/fractions"]),
            segment(SegmentKind::Links, 60, &["opiq.kz/mathematics/5"]),
        ],
        closing_message: "Сау болыңдар, балалар!".into(),
        media_ref: "content://lessons/kk-5-math-1".into(),
        ..Default::default()
    };
    let asset_id = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO tvgrid.lesson_assets (asset_id, language, grade, subject_code, topic, teacher_name, plan, registered_by, approved_by, approved_at) \
         VALUES ($1, 'kk', 5, 'mathematics', $2, $3, $4, 'author', 'editor', now())",
    )
    .bind(asset_id)
    .bind(&plan.topic)
    .bind(&plan.teacher_name)
    .bind(plan.encode_to_vec())
    .execute(&pool)
    .await
    .unwrap();

    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = TvGridServiceClient::new(service.channel().await);
    let report = client.get_validation_report(GetValidationReportRequest { campaign: "2020-spring".into(), version: 1 }).await.unwrap().into_inner();
    assert_eq!((report.findings.len(), report.imported_by.as_str(), report.version), (31, "ministry-admin", 1));
    let figures = client.get_campaign_figures(GetCampaignFiguresRequest { campaign: "2020-spring".into(), version: 1 }).await.unwrap().into_inner();
    assert_eq!((figures.total, figures.planned_total), (2190, 2042));
    let publications = client.list_publications(ListPublicationsRequest { campaign: "2020-spring".into() }).await.unwrap().into_inner().publications;
    assert_eq!(publications.len(), 1);
    assert_eq!(publications[0].changes, [change]);
    assert_eq!(publications[0].effective_from, Some(LocalDate { year: 2020, month: 4, day: 6 }));
    let monday = client.get_grade_day(GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: day(2020, 4, 6) }).await.unwrap().into_inner();
    assert_eq!(monday.airings.len(), 3, "the converted version airs");

    let asset = client.get_lesson_asset(GetLessonAssetRequest { asset_id: asset_id.to_string() }).await.unwrap().into_inner();
    assert_eq!((asset.segments, asset.closing_message, asset.media_ref), (plan.segments, plan.closing_message, plan.media_ref));
    assert_eq!((asset.status, asset.approved_by.as_str(), asset.topic), (AssetStatus::Approved as i32, "editor", plan.topic));

    // The same documents imported now are recognised as the converted version.
    let again = client.import_grid(spring_2020_request("someone")).await.unwrap().into_inner();
    assert_eq!((again.version, again.already_imported), (1, true));
    let legacy: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM tvgrid.grid_imports WHERE legacy_request IS NOT NULL OR documents IS NULL) \
              + (SELECT count(*) FROM tvgrid.grid_publications WHERE legacy_changes IS NOT NULL OR changes IS NULL) \
              + (SELECT count(*) FROM tvgrid.lesson_assets WHERE legacy_plan IS NOT NULL OR segments IS NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(legacy, 0, "every row converted");
    pool.close().await;
    service.stop().await.unwrap();
}
