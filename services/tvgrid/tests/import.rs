//! R-TV-4 and R-TV-8 over gRPC: the real 2020 documents import as numbered versions; the
//! validation report and the campaign figures can be read back later; bad input is refused with
//! the offending field and leaves the stored grid unchanged.

use qashyq_platform::error::field_violations;
use qashyq_proto::{
    common::v1::LocalDate,
    tvgrid::v1::{GetCampaignFiguresRequest, GetValidationReportRequest, ImportGridRequest, tv_grid_service_client::TvGridServiceClient},
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use qashyq_tvgrid::{TvGrid, cli::spring_2020_request};
use tonic::{Code, transport::Channel};

async fn refused(client: &mut TvGridServiceClient<Channel>, request: ImportGridRequest) -> Vec<String> {
    let status = client.import_grid(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    field_violations(&status).into_iter().map(|v| v.field).collect()
}

#[tokio::test]
async fn r_tv_4_the_2020_documents_import_with_their_validation_report() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = TvGridServiceClient::new(service.channel().await);

    let imported = client.import_grid(spring_2020_request("ministry-admin")).await.unwrap().into_inner();
    assert_eq!((imported.campaign.as_str(), imported.version), ("2020-spring", 1));
    let report = imported.report.unwrap();
    let count = |rule: &str| report.findings.iter().filter(|f| f.rule == rule).count();
    assert_eq!((count("R-TV-4/weekly-hours"), count("R-TV-4/not-in-annex-1"), count("R-TV-4/never-aired"), count("R-TV-2/air-window")), (26, 1, 4, 0));
    let grade3 = report.findings.iter().find(|f| f.rule == "R-TV-4/not-in-annex-1").unwrap();
    assert_eq!((grade3.grade, grade3.subject.as_str(), grade3.weekdays.clone()), (3, "russian_literature", vec!["thu".to_owned()]));
    assert_eq!(report.notes.len(), 4);

    // Queryable later, with who and when.
    let later = client.get_validation_report(GetValidationReportRequest { campaign: "2020-spring".into(), version: 0 }).await.unwrap().into_inner();
    assert_eq!(later.findings, report.findings);
    assert_eq!(later.imported_by, "ministry-admin");
    assert!(later.imported_at.is_some());

    // R-TV-8: figures against the plan of 2,042.
    let figures = client.get_campaign_figures(GetCampaignFiguresRequest { campaign: "2020-spring".into(), version: 0 }).await.unwrap().into_inner();
    assert_eq!((figures.school_days, figures.total, figures.planned_total), (32, 2190, 2042));
    assert_eq!(figures.grades.len(), 11);
    assert_eq!((figures.grades[0].kazakh_medium, figures.grades[0].planned), (64, 168));
    assert!(!figures.explanation.is_empty());

    // The same documents again are recognised as version 1 (no second version, no event); changed
    // documents are the next version, each with its event in the outbox.
    let again = client.import_grid(spring_2020_request("ministry-admin")).await.unwrap().into_inner();
    assert_eq!((again.version, again.already_imported), (1, true));
    assert_eq!(again.report.map(|r| r.findings), Some(report.findings.clone()));
    let mut changed = spring_2020_request("ministry-admin");
    changed.grid[0].subjects.reverse();
    let changed = client.import_grid(changed).await.unwrap().into_inner();
    assert_eq!((changed.version, changed.already_imported), (2, false));
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let events: Vec<String> = sqlx::query_scalar("SELECT event_type FROM tvgrid.outbox ORDER BY id").fetch_all(&pool).await.unwrap();
    assert_eq!(events, ["qashyq.tvgrid.events.v1.GridImported", "qashyq.tvgrid.events.v1.GridImported"]);
    pool.close().await;
    service.stop().await.unwrap();
}

#[tokio::test]
async fn r_tv_4_bad_documents_are_refused_naming_the_field_and_nothing_changes() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = TvGridServiceClient::new(service.channel().await);
    client.import_grid(spring_2020_request("admin")).await.unwrap();

    // An unknown subject and a weekend day: named by row, never guessed.
    let mut request = spring_2020_request("admin");
    request.grid[5].subjects[1] = "Астрология".into();
    request.grid[0].weekday = "sat".into();
    assert_eq!(refused(&mut client, request).await, ["grid[0].weekday", "grid[5].subjects[1]"]);

    // A grade outside 0–12, a language that is not kk/ru.
    let mut request = spring_2020_request("admin");
    request.grid[2].grade = 14;
    request.weekly_hours[0].language = 7;
    assert_eq!(refused(&mut client, request).await, ["grid[2].grade", "weekly_hours[0].language"]);

    // A day that cannot fit 09:00–15:00: 37 lessons of ten minutes against 36 slots.
    let mut request = spring_2020_request("admin");
    let day = request.grid.iter_mut().find(|d| d.grade == 11 && d.weekday == "tue").unwrap();
    day.subjects.extend(["Физика".to_owned(), "Химия".to_owned()]);
    assert_eq!(refused(&mut client, request).await, ["grid"]);

    // A campaign ending before it starts.
    let mut request = spring_2020_request("admin");
    request.campaign.as_mut().unwrap().last_day = Some(LocalDate { year: 2020, month: 4, day: 1 });
    assert_eq!(refused(&mut client, request).await, ["campaign.last_day"]);

    let report = client.get_validation_report(GetValidationReportRequest { campaign: "2020-spring".into(), version: 0 }).await.unwrap().into_inner();
    assert_eq!(report.version, 1, "the stored grid is unchanged");
    let missing = client.get_validation_report(GetValidationReportRequest { campaign: "2021-autumn".into(), version: 0 }).await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    service.stop().await.unwrap();
}
