//! `make bench` for the reporting service (issue 12), in two parts:
//!
//! - `sample`: a week of a scaled-down country (schools spread over every region, 4 classes of
//!   25 pupils each, 26 homework a class, 96 % handed in, each piece of work with its feedback)
//!   generated as events and published on the service's exchange as the relays publish them.
//!   Printed: the projection rate (events/s, from the first publish until every event is in the
//!   inbox) beside a plain `COPY` of the same events as rows into a table in the same run; the
//!   time of a full rebuild from the event log; and each indicator as the service answers it
//!   beside the same aggregate computed directly in SQL over the copied raw events.
//! - `scale`: one tenth of the country's week (3,000 schools, 340,000 pupils, 8.5 million pieces
//!   of work with their feedback) loaded into the projections by SQL (17 million events through
//!   the consumer would take hours here; the sample's rate says how many). Printed: the weekly
//!   report of the whole country (generated and kept), and a region's dashboard query (its
//!   schools' submission rate) with 16 callers, each beside a plain SQL aggregate of the same rows.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use clap::{Parser, Subcommand};
use qashyq_e2e::percentile_ms;
use qashyq_platform::{ServiceDef, events::new_envelope, time::to_timestamp};
use qashyq_proto::{
    assignments::events::v1 as assignments,
    common::v1::{Language, LocalDate},
    events::v1::EventEnvelope,
    reporting::v1::{GetWeeklyReportRequest, Level, QueryIndicatorRequest, RebuildProjectionsRequest, reporting_service_client::ReportingServiceClient},
    schedule::events::v1 as schedule,
};
use qashyq_reporting::Reporting;
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    /// The admin connection to create the bench's own database through.
    #[arg(long, env = "QASHYQ_TEST_DATABASE_ADMIN_URL")]
    admin_url: String,
    /// Keeps the bench's database (to look into its plans) and prints its name.
    #[arg(long)]
    keep_database: bool,
    /// Uses a database a run kept (`scale` then skips loading it).
    #[arg(long)]
    reuse_database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Sample {
        /// Schools of the sample (3,000 is a tenth of the country).
        #[arg(long, default_value_t = 30)]
        schools: u32,
    },
    Scale {
        #[arg(long, default_value_t = 3_000)]
        schools: u32,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

const CLASSES_PER_SCHOOL: u32 = 4;
const PUPILS_PER_CLASS: u32 = 25;
const HOMEWORK_PER_CLASS: u32 = 26;
/// The week of the bench: Monday 13 April 2020.
const MONDAY: (i32, u32, u32) = (2020, 4, 13);

fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(MONDAY.0, MONDAY.1, MONDAY.2).unwrap()
}

fn week() -> Option<LocalDate> {
    Some(qashyq_platform::time::to_local_date(monday()))
}

/// A cheap deterministic spread of `n` over 0..`m`.
fn spread(n: u64, m: u64) -> u64 {
    n.wrapping_mul(2_654_435_761) % m
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let name = args.reuse_database.clone().unwrap_or_else(|| format!("qashyq_bench_reporting_{}", std::process::id()));
    let admin = sqlx::PgPool::connect(&args.admin_url).await?;
    if args.reuse_database.is_none() {
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
    }
    let url = format!("{}/{name}", args.admin_url.rsplit_once('/').map_or(args.admin_url.as_str(), |(base, _)| base));
    let outcome = match args.command {
        Command::Sample { schools } => sample(&url, schools).await,
        Command::Scale { schools, concurrency, seconds } => scale(&url, schools, concurrency, seconds, args.reuse_database.is_none()).await,
    };
    if args.keep_database || args.reuse_database.is_some() {
        println!("database kept: {name}");
    } else {
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await?;
    }
    outcome
}

async fn pool(url: &str) -> anyhow::Result<sqlx::PgPool> {
    Ok(sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .after_connect(|conn, _| Box::pin(async move { sqlx::query("SET search_path = reporting").execute(conn).await.map(|_| ()) }))
        .connect(url)
        .await?)
}

/// One generated event as a plain row (what `COPY` writes and the cross-check reads).
struct Raw {
    kind: &'static str,
    school: String,
    region: String,
    zone: String,
    class: String,
    pupil: String,
    homework: String,
    text: String,
    number: i64,
    at: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
    late: bool,
}

impl Raw {
    fn new(kind: &'static str, school: &str, region: &str, zone: &str) -> Self {
        Self {
            kind,
            school: school.into(),
            region: region.into(),
            zone: zone.into(),
            class: String::new(),
            pupil: String::new(),
            homework: String::new(),
            text: String::new(),
            number: 0,
            at: None,
            deadline: None,
            late: false,
        }
    }

    fn csv(&self, out: &mut String) {
        let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            self.kind,
            self.school,
            self.region,
            self.zone,
            self.class,
            self.pupil,
            self.homework,
            self.text,
            self.number,
            time(self.at),
            time(self.deadline),
            self.late
        ));
    }
}

fn uuid(kind: u8, n: u64) -> String {
    format!("{kind}0000000-0000-4000-8000-{n:012x}")
}

/// The sample's week as events, and the same as raw rows.
fn generate(schools: u32) -> (Vec<EventEnvelope>, Vec<Raw>) {
    let regions = qashyq_catalogue::catalogue().regions();
    let (mut events, mut raw) = (Vec::new(), Vec::new());
    let push = |events: &mut Vec<EventEnvelope>, at: DateTime<Utc>, mut envelope: EventEnvelope| {
        envelope.occurred_at = Some(to_timestamp(at));
        events.push(envelope);
    };
    let registered = Utc.with_ymd_and_hms(2020, 4, 1, 3, 0, 0).unwrap();
    for s in 0..u64::from(schools) {
        let region = &regions[s as usize % regions.len()];
        let (school, zone) = (uuid(1, s), region.time_zone.name().to_owned());
        let connectivity = ["broadband", "broadband", "slow", "none"][spread(s, 4) as usize];
        let event = schedule::SchoolRegistered {
            school_id: school.clone(),
            region_code: region.code.clone(),
            name: format!("School {s}"),
            connectivity: connectivity.into(),
            learning_mode: "distance".into(),
            ..Default::default()
        };
        push(&mut events, registered, new_envelope("schedule", &school, &event));
        raw.push(Raw { text: connectivity.into(), ..Raw::new("school", &school, &region.code, &zone) });
        for c in 0..u64::from(CLASSES_PER_SCHOOL) {
            let class_n = s * u64::from(CLASSES_PER_SCHOOL) + c;
            let (class, teacher) = (uuid(2, class_n), uuid(3, class_n));
            let event = schedule::ClassRegistered {
                class_id: class.clone(),
                school_id: school.clone(),
                grade: 2 + (class_n % 10) as i32,
                letter: "А".into(),
                language: if class_n % 2 == 0 { Language::Kk as i32 } else { Language::Ru as i32 },
                shift: 1,
                weekly_load: vec![schedule::SubjectLoad { subject: "mathematics".into(), per_week: 26 }],
            };
            push(&mut events, registered, new_envelope("schedule", &class, &event));
            raw.push(Raw { class: class.clone(), number: 26, ..Raw::new("class", &school, &region.code, &zone) });
            let event = schedule::TeacherRegistered {
                teacher_id: teacher.clone(),
                school_id: school.clone(),
                full_name: format!("Teacher {class_n}"),
                ..Default::default()
            };
            push(&mut events, registered, new_envelope("schedule", &teacher, &event));
            let pupils: Vec<(String, &str)> = (0..u64::from(PUPILS_PER_CLASS))
                .map(|p| {
                    let n = class_n * u64::from(PUPILS_PER_CLASS) + p;
                    (
                        uuid(4, n),
                        ["broadband", "broadband", "broadband", "broadband", "broadband", "broadband", "broadband", "tv_only", "tv_only", "paper"]
                            [spread(n, 10) as usize],
                    )
                })
                .collect();
            for (pupil, delivery) in &pupils {
                let event = schedule::PupilRegistered {
                    pupil_id: pupil.clone(),
                    school_id: school.clone(),
                    class_id: class.clone(),
                    full_name: "Pupil".into(),
                    delivery: (*delivery).into(),
                };
                push(&mut events, registered, new_envelope("schedule", pupil, &event));
                raw.push(Raw { class: class.clone(), pupil: pupil.clone(), text: (*delivery).into(), ..Raw::new("pupil", &school, &region.code, &zone) });
            }
            let tz: chrono_tz::Tz = region.time_zone;
            for h in 0..u64::from(HOMEWORK_PER_CLASS) {
                let homework_n = class_n * u64::from(HOMEWORK_PER_CLASS) + h;
                let homework = uuid(5, homework_n);
                let day = monday() + Days::new(h % 5);
                let deadline = tz.from_local_datetime(&day.and_hms_opt(15, 0, 0).unwrap()).single().unwrap().with_timezone(&Utc);
                let posted = deadline - chrono::Duration::days(1);
                let event = assignments::HomeworkPosted {
                    homework_id: homework.clone(),
                    school_id: school.clone(),
                    class_id: class.clone(),
                    teacher_id: teacher.clone(),
                    subject_code: "mathematics".into(),
                    lesson_kind: if h % 2 == 0 { "tv" } else { "own" }.into(),
                    deadline: Some(to_timestamp(deadline)),
                    posted_at: Some(to_timestamp(posted)),
                    tasks: 1,
                    resource_links: 0,
                };
                push(&mut events, posted, new_envelope("assignments", &homework, &event));
                raw.push(Raw {
                    class: class.clone(),
                    homework: homework.clone(),
                    deadline: Some(deadline),
                    ..Raw::new("homework", &school, &region.code, &zone)
                });
                for (p, (pupil, delivery)) in pupils.iter().enumerate() {
                    let n = homework_n * u64::from(PUPILS_PER_CLASS) + p as u64;
                    if spread(n, 100) < 4 {
                        continue;
                    }
                    let channel = match *delivery {
                        "paper" => "paper",
                        "tv_only" => "whatsapp",
                        _ => ["e_journal", "e_journal", "email", "aitu"][spread(n, 4) as usize],
                    };
                    let late = spread(n, 7) == 0;
                    let counted = if late { deadline + chrono::Duration::minutes(30) } else { deadline - chrono::Duration::minutes(5 + spread(n, 600) as i64) };
                    let submission = uuid(6, n);
                    let event = assignments::SubmissionReceived {
                        submission_id: submission.clone(),
                        homework_id: homework.clone(),
                        school_id: school.clone(),
                        class_id: class.clone(),
                        pupil_id: pupil.clone(),
                        teacher_id: teacher.clone(),
                        subject_code: "mathematics".into(),
                        attempt: 1,
                        channel: channel.into(),
                        counted_at: Some(to_timestamp(counted)),
                        entered_at: Some(to_timestamp(counted)),
                        deadline: Some(to_timestamp(deadline)),
                        late,
                        proxy: channel == "paper",
                    };
                    push(&mut events, counted, new_envelope("assignments", &submission, &event));
                    raw.push(Raw {
                        class: class.clone(),
                        pupil: pupil.clone(),
                        homework: homework.clone(),
                        text: channel.into(),
                        at: Some(counted),
                        deadline: Some(deadline),
                        late,
                        ..Raw::new("submission", &school, &region.code, &zone)
                    });
                    // Feedback within two hours: whole minutes, so the latency buckets are exact.
                    let latency = spread(n, 119) as i64;
                    let given = counted + chrono::Duration::minutes(latency);
                    let event = assignments::FeedbackGiven {
                        submission_id: submission.clone(),
                        homework_id: homework.clone(),
                        school_id: school.clone(),
                        class_id: class.clone(),
                        pupil_id: pupil.clone(),
                        teacher_id: teacher.clone(),
                        attempt: 1,
                        assessed: true,
                        given_at: Some(to_timestamp(given)),
                        attempt_counted_at: Some(to_timestamp(counted)),
                    };
                    push(&mut events, given, new_envelope("assignments", &submission, &event));
                    raw.push(Raw { class: class.clone(), number: latency, at: Some(given), ..Raw::new("feedback", &school, &region.code, &zone) });
                }
            }
        }
    }
    (events, raw)
}

const RAW_TABLE: &str = "CREATE TABLE bench_raw (kind TEXT, school_id TEXT, region_code TEXT, tz TEXT, class_id TEXT, pupil_id TEXT, homework_id TEXT, \
     text TEXT, number BIGINT, at TIMESTAMPTZ, deadline TIMESTAMPTZ, late BOOLEAN)";

/// The cross-check's SQL over the raw events: (numerator, denominator) of the country's week.
fn raw_sql(indicator: &str) -> Option<String> {
    let week = |column: &str| format!("date_trunc('week', {column} AT TIME ZONE tz)::date = '2020-04-13'");
    let pupils_of = "(SELECT count(*) FROM bench_raw p WHERE p.kind = 'pupil' AND p.class_id = h.class_id)";
    Some(match indicator {
        "submission_rate" => format!(
            "SELECT (SELECT count(*) FROM bench_raw WHERE kind = 'submission' AND {}), (SELECT sum({pupils_of}) FROM bench_raw h WHERE kind = 'homework' AND {})::bigint",
            week("deadline"),
            week("deadline")
        ),
        "on_time_rate" => format!("SELECT count(*) FILTER (WHERE NOT late), count(*) FROM bench_raw WHERE kind = 'submission' AND {}", week("deadline")),
        "feedback_per_submission" => format!(
            "SELECT (SELECT count(*) FROM bench_raw WHERE kind = 'feedback' AND {}), (SELECT count(*) FROM bench_raw WHERE kind = 'submission' AND {})",
            week("at"),
            week("at")
        ),
        // The indicator's resolution under 2 hours is a quarter hour (its definition).
        "feedback_latency_median_minutes" => {
            format!(
                "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY number - number % 15), count(*) FROM bench_raw WHERE kind = 'feedback' AND {}",
                week("at")
            )
        }
        "feedback_latency_p90_minutes" => {
            format!(
                "SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY number - number % 15), count(*) FROM bench_raw WHERE kind = 'feedback' AND {}",
                week("at")
            )
        }
        "homework_per_lesson" => format!(
            "SELECT (SELECT count(*) FROM bench_raw WHERE kind = 'homework' AND {}), (SELECT sum(number) FROM bench_raw WHERE kind = 'class')::bigint",
            week("deadline")
        ),
        "homework_after_tv_lessons" | "homework_after_own_lessons" => return None,
        "pupils_broadband" | "pupils_tv_only" | "pupils_paper" => {
            format!("SELECT count(*) FILTER (WHERE text = '{}'), count(*) FROM bench_raw WHERE kind = 'pupil'", indicator.trim_start_matches("pupils_"))
        }
        "schools_broadband" | "schools_slow" => {
            format!("SELECT count(*) FILTER (WHERE text = '{}'), count(*) FROM bench_raw WHERE kind = 'school'", indicator.trim_start_matches("schools_"))
        }
        "schools_offline" => "SELECT count(*) FILTER (WHERE text = 'none'), count(*) FROM bench_raw WHERE kind = 'school'".to_owned(),
        _ => return None,
    })
}

async fn country(client: &ReportingServiceClient<Channel>, indicator: &str) -> anyhow::Result<(i64, i64)> {
    let request = QueryIndicatorRequest { indicator: indicator.into(), level: Level::Country as i32, week_from: week(), ..Default::default() };
    let answer = client.clone().query_indicator(request).await?.into_inner();
    Ok(answer.values.first().map_or((0, 0), |v| (v.numerator, v.denominator)))
}

async fn sample(url: &str, schools: u32) -> anyhow::Result<()> {
    let mut config = qashyq_testkit::test_config(url);
    config.database_max_connections = 8;
    let service = qashyq_testkit::spawn::<Reporting>(config.clone()).await?;
    let client = ReportingServiceClient::new(service.channel().await);
    let pool = pool(url).await?;
    let generated = Instant::now();
    let (events, raw) = generate(schools);
    println!(
        "sample: {schools} schools, {} pupils, {} events ({} submissions with their feedback) generated in {:.1} s",
        schools * CLASSES_PER_SCHOOL * PUPILS_PER_CLASS,
        events.len(),
        raw.iter().filter(|r| r.kind == "submission").count(),
        generated.elapsed().as_secs_f64()
    );

    // The anchor: the same events as rows, written by a plain COPY.
    sqlx::query(RAW_TABLE).execute(&pool).await?;
    let mut csv = String::new();
    for row in &raw {
        row.csv(&mut csv);
    }
    let copied = Instant::now();
    let mut connection = pool.acquire().await?;
    let mut copy = connection.copy_in_raw("COPY bench_raw FROM STDIN (FORMAT csv)").await?;
    copy.send(csv.as_bytes()).await?;
    let rows = copy.finish().await?;
    let copy_rate = rows as f64 / copied.elapsed().as_secs_f64();
    drop(connection);

    // The projection: published as the relays publish, applied one by one by the consumer.
    let started = Instant::now();
    qashyq_testkit::publish_envelopes(&config, &events).await?;
    let published = started.elapsed();
    loop {
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox").fetch_one(&pool).await?;
        if applied as usize >= events.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = started.elapsed();
    let rate = events.len() as f64 / took.as_secs_f64();
    println!(
        "projection through RabbitMQ and the consumer: {} events in {:.1} s (published in {:.1} s): {rate:.0} events/s",
        events.len(),
        took.as_secs_f64(),
        published.as_secs_f64()
    );
    println!("anchor: COPY of the same events as {rows} rows: {copy_rate:.0} rows/s; ratio {:.3}", rate / copy_rate);
    let tenth = 2.0 * 8_500_000.0 + 340_000.0;
    println!("at this rate a tenth of the country's week ({tenth:.0} events) takes {:.0} min", tenth / rate / 60.0);

    // Each indicator as the service answers it beside the same aggregate over the raw events.
    let before = indicators(&client).await?;
    println!("{:<34} {:>22} {:>22}  {}", "indicator (country, week of 13 April)", "service", "SQL over raw events", "same");
    let mut all_same = true;
    for (indicator, answer) in &before {
        let Some(sql) = raw_sql(indicator) else { continue };
        let (a, b): (Option<i64>, Option<i64>) = sqlx::query_as(&sql).fetch_one(&pool).await?;
        let direct = (a.unwrap_or(0), b.unwrap_or(0));
        let same = direct == *answer;
        all_same &= same;
        println!(
            "{indicator:<34} {:>22} {:>22}  {}",
            format!("{} / {}", answer.0, answer.1),
            format!("{} / {}", direct.0, direct.1),
            if same { "yes" } else { "NO" }
        );
    }
    println!("cross-check: {}", if all_same { "every indicator equals its SQL over the raw events" } else { "SOME INDICATORS DIFFER" });

    // A rebuild from the event log, and the same numbers after it.
    let rebuilt = client.clone().rebuild_projections(RebuildProjectionsRequest {}).await?.into_inner();
    let after = indicators(&client).await?;
    println!(
        "rebuild: {} events in {:.1} s ({:.0} events/s); the numbers after it are {}",
        rebuilt.events_replayed,
        rebuilt.took_ms as f64 / 1000.0,
        rebuilt.events_replayed as f64 / (rebuilt.took_ms.max(1) as f64 / 1000.0),
        if after == before { "the same" } else { "DIFFERENT" }
    );
    println!(
        "at this rate a rebuild of a tenth of the country's week takes {:.0} min",
        tenth / (rebuilt.events_replayed as f64 / (rebuilt.took_ms.max(1) as f64 / 1000.0)) / 60.0
    );
    service.stop().await?;
    Ok(())
}

/// Every indicator by area of the country's week, as (numerator, denominator).
async fn indicators(client: &ReportingServiceClient<Channel>) -> anyhow::Result<BTreeMap<String, (i64, i64)>> {
    let mut answers = BTreeMap::new();
    for definition in [
        "submission_rate",
        "on_time_rate",
        "feedback_per_submission",
        "feedback_latency_median_minutes",
        "feedback_latency_p90_minutes",
        "homework_per_lesson",
        "homework_after_tv_lessons",
        "homework_after_own_lessons",
        "pupils_broadband",
        "pupils_tv_only",
        "pupils_paper",
        "schools_broadband",
        "schools_slow",
        "schools_offline",
        "absences",
        "paper_work_overdue",
        "timetable_aligned_classes",
    ] {
        answers.insert(definition.to_owned(), country(client, definition).await?);
    }
    Ok(answers)
}

async fn scale(url: &str, schools: u32, concurrency: usize, seconds: u64, load: bool) -> anyhow::Result<()> {
    qashyq_platform::db::migrate(url, "reporting", Reporting::migrator()).await?;
    let pool = pool(url).await?;
    if load {
        load_scale(&pool, schools).await?;
    } else {
        sqlx::query("DELETE FROM weekly_reports").execute(&pool).await?;
    }
    let codes: Vec<String> = qashyq_catalogue::catalogue().regions().iter().map(|r| r.code.clone()).collect();
    measure_scale(url, &pool, &codes, concurrency, seconds).await
}

/// Loads a tenth of the country's week into the projections by SQL.
async fn load_scale(pool: &sqlx::PgPool, schools: u32) -> anyhow::Result<()> {
    let regions = qashyq_catalogue::catalogue().regions();
    let codes: Vec<String> = regions.iter().map(|r| r.code.clone()).collect();
    let zones: Vec<String> = regions.iter().map(|r| r.time_zone.name().to_owned()).collect();
    // 340,000 pupils in 3,000 schools: 13,600 classes of 25.
    let classes = u64::from(schools) * 340_000 / 3_000 / u64::from(PUPILS_PER_CLASS);
    let pupils = classes * u64::from(PUPILS_PER_CLASS);
    let loading = Instant::now();
    // The directory: schools spread over the regions; classes of 25; one teacher a class.
    let statements = [
        "CREATE TEMP TABLE bench_regions AS SELECT * FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r (region_code, tz, n)".to_owned(),
        format!(
            "INSERT INTO schools (school_id, region_code, district_id, name, connectivity, learning_mode) \
             SELECT 's' || s, r.region_code, 'd' || (s % 170), 'School ' || s, (ARRAY['broadband', 'broadband', 'slow', 'none'])[1 + s % 4], 'distance' \
             FROM generate_series(0, {schools} - 1) s JOIN bench_regions r ON r.n = 1 + s % (SELECT count(*) FROM bench_regions)"
        ),
        "INSERT INTO districts SELECT DISTINCT district_id, region_code, 'District ' || district_id FROM schools ON CONFLICT DO NOTHING".to_owned(),
        format!(
            "INSERT INTO classes SELECT 'c' || c, 's' || (c % {schools}), 2 + c % 10, (ARRAY['kk', 'ru'])[1 + c % 2], 26 FROM generate_series(0, {classes} - 1) c"
        ),
        format!("INSERT INTO teachers SELECT 't' || c, 's' || (c % {schools}), 'Teacher ' || c FROM generate_series(0, {classes} - 1) c"),
        format!(
            "INSERT INTO pupils SELECT 'p' || p, 's' || (p / {PUPILS_PER_CLASS} % {schools}), 'c' || (p / {PUPILS_PER_CLASS}), \
             (ARRAY['broadband', 'broadband', 'broadband', 'broadband', 'broadband', 'broadband', 'broadband', 'tv_only', 'tv_only', 'paper'])[1 + p % 10] \
             FROM generate_series(0, {pupils} - 1) p"
        ),
        format!("INSERT INTO timetable_states SELECT 's' || s, 1, s % 20 <> 0, '2020-04-01' FROM generate_series(0, {schools} - 1) s"),
        // 26 homework a class, due at 15:00 local on the week's days.
        format!(
            "INSERT INTO homework (homework_id, school_id, class_id, teacher_id, lesson_kind, deadline, version) \
             SELECT 'h' || h, 's' || (h / {HOMEWORK_PER_CLASS} % {schools}), 'c' || (h / {HOMEWORK_PER_CLASS}), 't' || (h / {HOMEWORK_PER_CLASS}), \
                    (ARRAY['tv', 'own'])[1 + h % 2], ('2020-04-13'::date + (h % 5)::int + time '15:00') AT TIME ZONE r.tz, 1 \
             FROM generate_series(0, {classes}::bigint * {HOMEWORK_PER_CLASS} - 1) h \
             JOIN bench_regions r ON r.n = 1 + (h / {HOMEWORK_PER_CLASS} % {schools}) % (SELECT count(*) FROM bench_regions)"
        ),
    ];
    let mut connection = pool.acquire().await?;
    for (i, statement) in statements.iter().enumerate() {
        let query = sqlx::query(statement);
        let query = if i == 0 { query.bind(&codes).bind(&zones) } else { query };
        query.execute(&mut *connection).await?;
    }
    // The counting blocks (the latest local midnight of any zone) of the bench's hours, as the
    // service computes them.
    sqlx::query(
        "CREATE TEMP TABLE bench_blocks AS SELECT h AS hour, (SELECT max(date_trunc('day', h AT TIME ZONE z) AT TIME ZONE z) FROM (SELECT DISTINCT tz FROM bench_regions) r (z)) AS block \
         FROM generate_series('2020-04-04'::timestamptz, '2020-04-24', interval '1 hour') h",
    )
    .execute(&mut *connection)
    .await?;
    // Every pupil's first attempt at 96 % of its class's homework, then the counters.
    let rows = Instant::now();
    sqlx::query(&format!(
        "INSERT INTO submissions (homework_id, pupil_id, class_id, channel, counted_at, deadline, late, deadline_block) \
         SELECT h.homework_id, 'p' || (substr(h.class_id, 2)::bigint * {PUPILS_PER_CLASS} + k), h.class_id, \
                (ARRAY['e_journal', 'e_journal', 'email', 'aitu', 'whatsapp', 'paper'])[1 + (k + hn) % 6], \
                h.deadline - interval '5 minutes' + ((k * 7 + hn) % 7 = 0)::int * interval '35 minutes', h.deadline, (k * 7 + hn) % 7 = 0, h.block \
         FROM (SELECT homework.*, substr(homework_id, 2)::bigint AS hn, b.block FROM homework JOIN bench_blocks b ON b.hour = date_trunc('hour', deadline)) h \
         CROSS JOIN generate_series(0, {PUPILS_PER_CLASS} - 1) k \
         WHERE (hn * 31 + k) % 25 <> 0"
    ))
    .execute(&mut *connection)
    .await?;
    let submissions: i64 = sqlx::query_scalar("SELECT count(*) FROM submissions").fetch_one(&mut *connection).await?;
    for statement in [
        "INSERT INTO submission_blocks SELECT class_id, deadline_block, channel, count(*), count(*) FILTER (WHERE NOT late) FROM submissions GROUP BY 1, 2, 3",
        // One feedback each, 0–118 minutes after the work counted (in quarter-hour buckets).
        "CREATE TEMP TABLE bench_feedback AS SELECT class_id, homework_id, pupil_id, counted_at, (hashtext(pupil_id || homework_id) & 127) % 119 AS minutes FROM submissions",
        "INSERT INTO work_blocks (class_id, teacher_id, block, attempts, feedbacks) \
         SELECT class_id, 't' || substr(class_id, 2), block, sum(attempts), sum(feedbacks) FROM ( \
             SELECT f.class_id, b.block, 1 AS attempts, 0 AS feedbacks FROM bench_feedback f JOIN bench_blocks b ON b.hour = date_trunc('hour', f.counted_at) \
             UNION ALL SELECT f.class_id, b.block, 0, 1 FROM bench_feedback f JOIN bench_blocks b ON b.hour = date_trunc('hour', f.counted_at + f.minutes * interval '1 minute')) w \
         GROUP BY 1, 2, 3",
        "INSERT INTO feedback_blocks SELECT f.class_id, 't' || substr(f.class_id, 2), b.block, f.minutes - f.minutes % 15, count(*) \
         FROM bench_feedback f JOIN bench_blocks b ON b.hour = date_trunc('hour', f.counted_at + f.minutes * interval '1 minute') GROUP BY 1, 2, 3, 4",
        "INSERT INTO paper_work SELECT s.homework_id, count(*) FROM submissions s JOIN pupils p USING (pupil_id) WHERE p.delivery = 'paper' GROUP BY 1",
        "INSERT INTO absences SELECT 'a' || p, 'c' || (p / 25), '2020-04-13'::date + (p % 5)::int FROM generate_series(0, (SELECT count(*) FROM pupils) - 1, 20) p",
        "ANALYZE",
    ] {
        sqlx::query(statement).execute(&mut *connection).await?;
    }
    drop(connection);
    println!(
        "scale: {schools} schools, {classes} classes, {pupils} pupils, {submissions} pieces of work with their feedback loaded into the projections by SQL in {:.1} s (the work {:.1} s)",
        loading.elapsed().as_secs_f64(),
        rows.elapsed().as_secs_f64()
    );

    Ok(())
}

async fn measure_scale(url: &str, pool: &sqlx::PgPool, codes: &[String], concurrency: usize, seconds: u64) -> anyhow::Result<()> {
    let mut config = qashyq_testkit::test_config(url);
    config.database_max_connections = 8;
    let service = qashyq_testkit::spawn::<Reporting>(config).await?;
    let client = ReportingServiceClient::new(service.channel().await);

    // The country's weekly report: generated (every indicator at every level) and kept.
    let anchor = Instant::now();
    let _: Vec<(String, i64)> = sqlx::query_as(
        "SELECT s.region_code, sum(r.handed_in)::bigint FROM submission_blocks r JOIN classes c USING (class_id) JOIN schools s USING (school_id) GROUP BY 1",
    )
    .fetch_all(pool)
    .await?;
    let anchor = anchor.elapsed();
    let generated = Instant::now();
    let first_page = Some(qashyq_proto::common::v1::PageRequest { page_size: 500, page_token: String::new() });
    let report = client.clone().get_weekly_report(GetWeeklyReportRequest { week: week(), page: first_page, ..Default::default() }).await?.into_inner();
    let generation = generated.elapsed();
    let kept = Instant::now();
    client.clone().get_weekly_report(GetWeeklyReportRequest { week: week(), ..Default::default() }).await?;
    println!(
        "weekly report of the country (target <= 2 s): generated and kept in {:.2} s ({} rows of the country and its regions on the first page; kept: {}); read again {:.3} s; \
         anchor: one SQL sum of the week's work per region {:.3} s",
        generation.as_secs_f64(),
        report.rows.len(),
        report.kept,
        kept.elapsed().as_secs_f64(),
        anchor.as_secs_f64()
    );

    // A region's dashboard: its schools' submission rate for the week (target p99 <= 50 ms).
    let region = codes[1].clone();
    for (label, level) in [("region's schools", Level::School), ("region's districts", Level::District)] {
        let request = QueryIndicatorRequest {
            indicator: "submission_rate".into(),
            level: level as i32,
            region_code: region.clone(),
            week_from: week(),
            page: Some(qashyq_proto::common::v1::PageRequest { page_size: 500, page_token: String::new() }),
            ..Default::default()
        };
        for callers in [1, 4, concurrency] {
            let (rate, p50, p99) = hammer(&client, &request, callers, seconds).await?;
            println!("dashboard: submission rate of {region}'s {label}, {callers} callers: {rate:.0}/s, p50 {p50:.1} ms, p99 {p99:.1} ms");
        }
    }
    let sql = Instant::now();
    let mut latencies = Vec::new();
    for _ in 0..50 {
        let one = Instant::now();
        let _: Vec<(String, i64)> = sqlx::query_as(
            "SELECT c.school_id, sum(r.handed_in)::bigint FROM schools s JOIN classes c USING (school_id) JOIN submission_blocks r USING (class_id) \
             WHERE s.region_code = $1 AND r.deadline_block >= '2020-04-12' AND r.deadline_block < '2020-04-20' GROUP BY 1",
        )
        .bind(&region)
        .fetch_all(pool)
        .await?;
        latencies.push(one.elapsed().as_micros() as u64);
    }
    latencies.sort_unstable();
    println!(
        "anchor: the region's sum of the week's work per school in plain SQL, 1 connection: p50 {:.1} ms, p99 {:.1} ms ({:.1} s for 50)",
        percentile_ms(&latencies, 0.5),
        percentile_ms(&latencies, 0.99),
        sql.elapsed().as_secs_f64()
    );
    service.stop().await?;
    Ok(())
}

async fn hammer(
    client: &ReportingServiceClient<Channel>,
    request: &QueryIndicatorRequest,
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<(f64, f64, f64)> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let callers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (mut client, request) = (client.clone(), request.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < until {
                    let one = Instant::now();
                    client.query_indicator(request.clone()).await?;
                    latencies.push(one.elapsed().as_micros() as u64);
                }
                Ok::<_, tonic::Status>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for caller in callers {
        latencies.extend(caller.await??);
    }
    latencies.sort_unstable();
    Ok((latencies.len() as f64 / started.elapsed().as_secs_f64(), percentile_ms(&latencies, 0.5), percentile_ms(&latencies, 0.99)))
}
