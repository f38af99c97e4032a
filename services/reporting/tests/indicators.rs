//! R-RP-1, R-RP-2, R-RP-3: the indicators of a known event history (two schools in two time
//! zones, two weeks of April 2020), worked out by hand in `history`; the same history delivered
//! twice, and the projections rebuilt from the event log, give the same numbers; the kept
//! weekly report reads the same after later events; bad questions are refused by field.

mod history;

use std::{collections::BTreeMap, time::Duration};

use history::{ALMATY, AQTOBE, History, WEEK, WEEK_BEFORE, local, local_date};
use qashyq_platform::error::field_violations;
use qashyq_proto::{
    common::v1::{Language, LocalDate, PageRequest},
    reporting::v1::{
        DocumentFormat, ExportWeeklyReportRequest, GetWeeklyReportRequest, Level, ListIndicatorsRequest, QueryIndicatorRequest, RebuildProjectionsRequest,
        reporting_service_client::ReportingServiceClient,
    },
};
use qashyq_reporting::Reporting;
use qashyq_testkit::{TestDatabase, spawn, test_config, wait_until};
use tonic::{Code, transport::Channel};

type Client = ReportingServiceClient<Channel>;

fn week() -> Option<LocalDate> {
    Some(local_date(WEEK.0, WEEK.1))
}

fn ask(indicator: &str, level: Level) -> QueryIndicatorRequest {
    QueryIndicatorRequest { indicator: indicator.into(), level: level as i32, week_from: week(), ..Default::default() }
}

/// (area code, Monday, numerator, denominator, value) of every row.
type Rows = Vec<(String, String, i64, i64, f64)>;

async fn rows(client: &Client, request: QueryIndicatorRequest) -> Rows {
    let answer = client.clone().query_indicator(request).await.unwrap().into_inner();
    answer
        .values
        .into_iter()
        .map(|v| {
            let w = v.week.unwrap();
            (v.area.unwrap().code, format!("{}-{:02}-{:02}", w.year, w.month, w.day), v.numerator, v.denominator, v.value)
        })
        .collect()
}

/// The country's one row of the week: (numerator, denominator, value).
async fn country(client: &Client, request: QueryIndicatorRequest) -> (i64, i64, f64) {
    let found = rows(client, request.clone()).await;
    assert_eq!(found.len(), 1, "{request:?}: {found:?}");
    (found[0].2, found[0].3, found[0].4)
}

/// Every indicator at every level it has, over both weeks: what a rebuild must give again.
async fn every_number(client: &Client) -> BTreeMap<(String, i32), Rows> {
    let indicators = client.clone().list_indicators(ListIndicatorsRequest {}).await.unwrap().into_inner().indicators;
    let mut numbers = BTreeMap::new();
    for indicator in indicators {
        let levels: &[Level] = if indicator.by_area { &[Level::Country, Level::Region, Level::District, Level::School] } else { &[Level::Country] };
        for level in levels {
            let request = QueryIndicatorRequest { week_from: Some(local_date(WEEK_BEFORE.0, WEEK_BEFORE.1)), week_to: week(), ..ask(&indicator.id, *level) };
            numbers.insert((indicator.id.clone(), *level as i32), rows(client, request).await);
        }
    }
    numbers
}

/// Waits until an asset approved at `at` is counted: every event published before it applied.
async fn until_applied(client: &Client, at: chrono::DateTime<chrono::Utc>) {
    let monday = qashyq_platform::time::to_local_date(at.with_timezone(&ALMATY).date_naive());
    let request = QueryIndicatorRequest { week_from: Some(monday), ..ask("tv_assets_approved", Level::Country) };
    let applied = wait_until(Duration::from_secs(90), || async { !rows(client, request.clone()).await.is_empty() }).await;
    assert!(applied, "the events were not applied in time");
}

#[tokio::test]
async fn r_rp_2_indicators_of_a_known_history_and_r_rp_3_the_same_after_redelivery_and_rebuild() {
    qashyq_testkit::init_logging();
    let db = TestDatabase::create().await.unwrap();
    let config = test_config(db.url());
    let service = spawn::<Reporting>(config.clone()).await.unwrap();
    let client = ReportingServiceClient::new(service.channel().await);
    let history = History::new();
    qashyq_testkit::publish_envelopes(&config, &history.envelopes).await.unwrap();
    until_applied(&client, local(ALMATY, 4, 14, 10, 0)).await;

    // Submissions: 6 pieces of work of 10 due (A5: H1, H2 × 3 pupils; B7: H3, H5 × 2 pupils);
    // 4 on time, the paper one handed over in time and typed in late among them.
    assert_eq!(country(&client, ask("submission_rate", Level::Country)).await, (6, 10, 0.6));
    assert_eq!(country(&client, ask("on_time_rate", Level::Country)).await.0, 4);
    let paper = |indicator: &str| QueryIndicatorRequest { channel: "paper".into(), ..ask(indicator, Level::Country) };
    assert_eq!(country(&client, paper("submission_rate")).await, (2, 10, 0.2));
    assert_eq!(country(&client, paper("on_time_rate")).await, (1, 2, 0.5));
    // Per region, each in its own time zone.
    let school_a_region = rows(&client, QueryIndicatorRequest { region_code: "KZ-ALA".into(), ..ask("submission_rate", Level::Region) }).await;
    assert_eq!(school_a_region, [("KZ-ALA".to_owned(), "2020-04-13".to_owned(), 4, 6, 4.0 / 6.0)]);
    let regions: Vec<_> = rows(&client, ask("submission_rate", Level::Region)).await.into_iter().map(|r| (r.0, r.2, r.3)).collect();
    assert_eq!(regions, [("KZ-AKT".to_owned(), 2, 4), ("KZ-ALA".to_owned(), 4, 6)]);
    // By grade and language.
    assert_eq!(country(&client, QueryIndicatorRequest { grade: 5, ..ask("submission_rate", Level::Country) }).await, (4, 6, 4.0 / 6.0));
    assert_eq!(country(&client, QueryIndicatorRequest { language: Language::Ru as i32, ..ask("submission_rate", Level::Country) }).await, (2, 4, 0.5));

    // Feedback: 8 given for 7 attempts; first-feedback latencies 10, 20, 30, 45, 60, 90, 2880.
    assert_eq!(country(&client, ask("feedback_per_submission", Level::Country)).await, (8, 7, 8.0 / 7.0));
    assert_eq!(country(&client, ask("feedback_latency_median_minutes", Level::Country)).await, (45, 7, 45.0));
    assert_eq!(country(&client, ask("feedback_latency_p90_minutes", Level::Country)).await, (2880, 7, 2880.0));
    // A director's view: per teacher of school A (10, 30, 45, 90, 2880: the median is 45).
    let teachers = client
        .clone()
        .query_indicator(QueryIndicatorRequest { school_id: history.ids.school_a.clone(), ..ask("feedback_latency_median_minutes", Level::Teacher) })
        .await
        .unwrap()
        .into_inner()
        .values;
    assert_eq!(teachers.len(), 1);
    let teacher = teachers[0].area.clone().unwrap();
    assert_eq!((teacher.code.as_str(), teacher.name.as_str(), teachers[0].value), (history.ids.teacher_a.as_str(), "Айгерим Сапарова", 45.0));

    // Homework: due in the week H1, H2, H3, H5 (H4 withdrawn, H6 due on Monday in Almaty) of
    // 9 lessons by the classes' loads; 3 after TV or audio lessons, 1 after an own lesson.
    assert_eq!(country(&client, ask("homework_per_lesson", Level::Country)).await, (4, 9, 4.0 / 9.0));
    assert_eq!(country(&client, ask("homework_after_tv_lessons", Level::Country)).await.0, 3);
    assert_eq!(country(&client, ask("homework_after_own_lessons", Level::Country)).await.0, 1);
    // Absences 2 (a third withdrawn); paper work overdue: pupil 2 for H2, pupil 3 for H5.
    assert_eq!(country(&client, ask("absences", Level::Country)).await.0, 2);
    assert_eq!(country(&client, ask("paper_work_overdue", Level::Country)).await.0, 2);
    // Pupils by delivery (2, 1, 2 of 5); schools by connectivity and mode; timetables.
    assert_eq!(country(&client, ask("pupils_broadband", Level::Country)).await, (2, 5, 0.4));
    assert_eq!(country(&client, ask("pupils_tv_only", Level::Country)).await, (1, 5, 0.2));
    assert_eq!(country(&client, ask("pupils_paper", Level::Country)).await, (2, 5, 0.4));
    assert_eq!(country(&client, ask("schools_offline", Level::Country)).await, (1, 2, 0.5));
    assert_eq!(country(&client, ask("schools_in_person_shifts", Level::Country)).await, (1, 2, 0.5));
    assert_eq!(country(&client, ask("timetable_aligned_classes", Level::Country)).await, (1, 2, 0.5));
    // National counts: TV content and proctored exams.
    assert_eq!(
        country(&client, QueryIndicatorRequest { grade: 5, language: Language::Kk as i32, ..ask("tv_lessons_with_content", Level::Country) }).await.0,
        1
    );
    assert_eq!(country(&client, ask("proctoring_sessions_scheduled", Level::Country)).await.0, 2);
    assert_eq!(country(&client, ask("proctoring_clean", Level::Country)).await.0, 1);
    assert_eq!(country(&client, ask("proctoring_violation", Level::Country)).await.0, 1);
    assert!(rows(&client, ask("proctoring_suspicious", Level::Country)).await.is_empty(), "the suspicious session ended as a violation");

    // Two weeks per region, paged by two: the rows in order, the token bound to its query.
    let two_weeks = QueryIndicatorRequest {
        week_from: Some(local_date(WEEK_BEFORE.0, WEEK_BEFORE.1)),
        week_to: week(),
        page: Some(PageRequest { page_size: 2, page_token: String::new() }),
        ..ask("submission_rate", Level::Region)
    };
    let first = client.clone().query_indicator(two_weeks.clone()).await.unwrap().into_inner();
    let token = first.page.unwrap().next_page_token;
    assert_eq!(first.values.len(), 2);
    let rest = client
        .clone()
        .query_indicator(QueryIndicatorRequest { page: Some(PageRequest { page_size: 2, page_token: token.clone() }), ..two_weeks.clone() })
        .await
        .unwrap()
        .into_inner();
    let listed: Vec<_> =
        first.values.iter().chain(&rest.values).map(|v| (v.area.clone().unwrap().code, v.week.unwrap().day, v.numerator, v.denominator)).collect();
    assert_eq!(listed, [("KZ-AKT".to_owned(), 13, 2, 4), ("KZ-ALA".to_owned(), 6, 1, 3), ("KZ-ALA".to_owned(), 13, 4, 6)]);
    assert!(rest.page.unwrap().next_page_token.is_empty());
    let foreign = client
        .clone()
        .query_indicator(QueryIndicatorRequest { page: Some(PageRequest { page_size: 2, page_token: token }), ..ask("on_time_rate", Level::Region) })
        .await
        .unwrap_err();
    assert_eq!((foreign.code(), field_violations(&foreign)[0].field.as_str()), (Code::InvalidArgument, "page.page_token"));

    // R-RP-1: the week's report, kept: the week before beside it, what moved most.
    let report = client.clone().get_weekly_report(GetWeeklyReportRequest { week: Some(local_date(4, 15)), ..Default::default() }).await.unwrap().into_inner();
    assert!(report.kept);
    let submission = report.rows.iter().find(|r| r.indicator == "submission_rate" && r.area.as_ref().unwrap().level == Level::Country as i32).unwrap();
    assert_eq!((submission.value, submission.has_previous, submission.previous_value), (0.6, true, 1.0 / 3.0));
    assert!(report.movements.iter().any(|m| m.indicator == "submission_rate" && m.change > 0.26), "{:?}", report.movements);

    // R-RP-3: the whole history delivered again changes nothing; a later submission changes the
    // live numbers, not the kept report.
    let before = every_number(&client).await;
    let mut again = history.envelopes.clone();
    let mut late = History { ids: history.ids, envelopes: Vec::new() };
    late.submission("s7", "h5", 4, true, 1, "e_journal", local(AQTOBE, 4, 19, 20, 0), local(AQTOBE, 4, 19, 23, 30), false);
    late.approved("tv2", local(ALMATY, 3, 2, 10, 0));
    again.extend(late.envelopes.iter().cloned());
    qashyq_testkit::publish_envelopes(&config, &again).await.unwrap();
    until_applied(&client, local(ALMATY, 3, 2, 10, 0)).await;
    assert_eq!(country(&client, ask("submission_rate", Level::Country)).await, (7, 10, 0.7));
    let after = every_number(&client).await;
    let changed: Vec<_> =
        before.keys().filter(|k| before[*k] != after[*k]).map(|(i, _)| i.as_str()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    assert_eq!(changed, ["feedback_per_submission", "on_time_rate", "submission_rate"], "only what the new attempt touches moved");
    let kept = client.clone().get_weekly_report(GetWeeklyReportRequest { week: week(), ..Default::default() }).await.unwrap().into_inner();
    assert_eq!(kept.rows, report.rows, "a kept report reads the same later");

    // A rebuild from the event log gives exactly the same numbers; every event was kept once,
    // the unknown type and the marks event included.
    let rebuilt = client.clone().rebuild_projections(RebuildProjectionsRequest {}).await.unwrap().into_inner();
    assert_eq!(rebuilt.events_replayed as usize, history.envelopes.len() + late.envelopes.len());
    assert_eq!(every_number(&client).await, after);

    // R-RP-4: the documents for people.
    let export = |format: DocumentFormat| {
        let mut client = client.clone();
        async move {
            client
                .export_weekly_report(ExportWeeklyReportRequest { week: week(), region_code: String::new(), format: format as i32 })
                .await
                .unwrap()
                .into_inner()
        }
    };
    let csv = String::from_utf8(export(DocumentFormat::Csv).await.content).unwrap();
    assert!(csv.lines().any(|l| l == "2020-04-13,country,,,Kazakhstan,submission_rate,0.6,6,10,0.3333333333333333"), "{csv}");
    let xlsx = export(DocumentFormat::Xlsx).await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.content)).unwrap();
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/workbook.xml").unwrap(), &mut workbook).unwrap();
    for sheet in ["Country", "Regions", "Districts", "Schools", "Definitions"] {
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{workbook}");
    }
    let html = export(DocumentFormat::Html).await;
    assert_eq!(html.content_type, "text/html; charset=utf-8");
    let page = rendered(&html.content);
    // The figures as Chromium rendered them: the country's, a region's, the charts' legends.
    for shown in [
        r#"<tr data-indicator="submission_rate" data-area=""><td>Submission rate</td><td class="value">60.0 %</td><td class="value">33.3 %</td>"#,
        r#"<tr data-indicator="feedback_latency_median_minutes" data-area=""><td>Time to feedback, median</td><td class="value">45 min</td>"#,
        r#"<tr data-indicator="paper_work_overdue" data-area=""><td>Paper work overdue for collection</td><td class="value">2</td>"#,
        r#"<td class="value" data-indicator="submission_rate">66.7 %</td>"#,
        r#"<svg id="chart-submission_rate-region""#,
        r#"data-bar="Pupils learning on paper">40.0 %</text>"#,
    ] {
        assert!(page.contains(shown), "{shown} is not on the rendered page");
    }
    // The submission-rate chart's legend gives each region's latest week (Aktobe: 2 of 4).
    let legend = page.split(r#"<svg id="chart-submission_rate-region""#).nth(1).unwrap();
    let aktobe = legend.split(r#"data-series="KZ-AKT">"#).nth(1).unwrap().split("</text>").next().unwrap();
    assert!(aktobe.ends_with("50.0 %"), "{aktobe}");
    service.stop().await.unwrap();
}

/// Renders an HTML page in headless Chromium (R-RP-4) and returns the DOM it built; also
/// checks that it paints (a screenshot of some size).
fn rendered(html: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("qashyq-report-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    std::fs::write(&page, html).unwrap();
    let chromium = |args: &[&str]| {
        let output = std::process::Command::new("chromium")
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", &format!("--user-data-dir={}", dir.join("profile").display())])
            .args(args)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium is installed by scripts/ensure-tools.sh (make test)");
        assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
        output.stdout
    };
    let dom = String::from_utf8(chromium(&["--dump-dom"])).unwrap();
    let screenshot = dir.join("report.png");
    chromium(&[&format!("--screenshot={}", screenshot.display()), "--window-size=1200,2000"]);
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 10_000, "the page painted next to nothing");
    let _ = std::fs::remove_dir_all(&dir);
    dom
}

#[tokio::test]
async fn r_rp_2_bad_questions_are_refused_by_field() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Reporting>(test_config(db.url())).await.unwrap();
    let client = ReportingServiceClient::new(service.channel().await);
    let refused = |request: QueryIndicatorRequest| {
        let mut client = client.clone();
        async move {
            let status = client.query_indicator(request).await.unwrap_err();
            assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
            assert!(qashyq_platform::error::encoded_size(&status) < 1024);
            field_violations(&status).into_iter().map(|v| v.field).collect::<Vec<_>>()
        }
    };
    assert_eq!(refused(ask("happiness", Level::Country)).await, ["indicator"]);
    assert_eq!(refused(ask(&"x".repeat(100_000), Level::Country)).await, ["indicator"]);
    assert_eq!(refused(QueryIndicatorRequest { region_code: "KZ-XX".into(), ..ask("absences", Level::Region) }).await, ["region_code"]);
    assert_eq!(refused(QueryIndicatorRequest { district_id: uuid::Uuid::now_v7().to_string(), ..ask("absences", Level::School) }).await, ["district_id"]);
    assert_eq!(refused(QueryIndicatorRequest { school_id: "not-an-id".into(), ..ask("absences", Level::School) }).await, ["school_id"]);
    assert_eq!(refused(QueryIndicatorRequest { school_id: uuid::Uuid::now_v7().to_string(), ..ask("absences", Level::School) }).await, ["school_id"]);
    let backwards = QueryIndicatorRequest { week_to: Some(local_date(3, 1)), ..ask("absences", Level::Country) };
    assert_eq!(refused(backwards).await, ["week_to"]);
    let too_long = QueryIndicatorRequest {
        week_from: Some(local_date(1, 1)),
        week_to: Some(LocalDate { year: 2021, month: 1, day: 15 }),
        ..ask("absences", Level::Country)
    };
    assert_eq!(refused(too_long).await, ["week_to"]);
    assert_eq!(refused(QueryIndicatorRequest { week_from: None, ..ask("absences", Level::Country) }).await, ["week_from"]);
    assert_eq!(refused(ask("proctoring_clean", Level::Region)).await, ["level"]);
    assert_eq!(refused(ask("absences", Level::Teacher)).await, ["level"]);
    assert_eq!(refused(QueryIndicatorRequest { channel: "pigeon".into(), ..ask("submission_rate", Level::Country) }).await, ["channel"]);
    assert_eq!(refused(QueryIndicatorRequest { channel: "paper".into(), ..ask("absences", Level::Country) }).await, ["channel"]);
    assert_eq!(refused(QueryIndicatorRequest { grade: 13, ..ask("absences", Level::Country) }).await, ["grade"]);
    assert_eq!(
        refused(QueryIndicatorRequest { page: Some(PageRequest { page_size: 501, page_token: String::new() }), ..ask("absences", Level::Country) }).await,
        ["page.page_size"]
    );
    assert_eq!(
        refused(QueryIndicatorRequest { page: Some(PageRequest { page_size: 5, page_token: "garbage".into() }), ..ask("absences", Level::Country) }).await,
        ["page.page_token"]
    );
    let report = client.clone().get_weekly_report(GetWeeklyReportRequest { week: None, region_code: "KZ-XX".into(), ..Default::default() }).await.unwrap_err();
    let fields: Vec<_> = field_violations(&report).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["week", "region_code"]);
    let export = client.clone().export_weekly_report(ExportWeeklyReportRequest { week: week(), ..Default::default() }).await.unwrap_err();
    assert_eq!(field_violations(&export)[0].field, "format");
    service.stop().await.unwrap();
}

#[tokio::test]
async fn r_rp_3_work_counts_in_the_week_its_homework_is_due_after_the_deadline_moves() {
    qashyq_testkit::init_logging();
    let db = TestDatabase::create().await.unwrap();
    let config = test_config(db.url());
    let service = spawn::<Reporting>(config.clone()).await.unwrap();
    let client = ReportingServiceClient::new(service.channel().await);
    let mut history = History::new();
    // H1 (three pieces of work handed in) moves from Wednesday the 15th to Tuesday the 21st.
    history.moved("h1", 2, local(ALMATY, 4, 21, 18, 0));
    history.approved("tv-after-move", local(ALMATY, 3, 9, 10, 0));
    qashyq_testkit::publish_envelopes(&config, &history.envelopes).await.unwrap();
    until_applied(&client, local(ALMATY, 3, 9, 10, 0)).await;
    // The week of the 13th keeps H2, H3, H5 (3 × 1 + 2 × 2 due), and the work for H2 and H3.
    assert_eq!(country(&client, ask("submission_rate", Level::Country)).await, (3, 7, 3.0 / 7.0));
    // The week of the 20th has H1 and H6 (2 × 3 due) and H1's three pieces of work.
    let next = QueryIndicatorRequest { week_from: Some(local_date(4, 20)), ..ask("submission_rate", Level::Country) };
    assert_eq!(country(&client, next).await, (3, 6, 0.5));
    // A rebuild agrees.
    client.clone().rebuild_projections(RebuildProjectionsRequest {}).await.unwrap();
    assert_eq!(country(&client, ask("submission_rate", Level::Country)).await, (3, 7, 3.0 / 7.0));
    service.stop().await.unwrap();
}
