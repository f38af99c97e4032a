//! `qashyq`: a small client of the public gateway, for people and scripts. It waits for the mesh
//! to be healthy, loads the demo data through the gateway (as an integrator would), and makes the
//! example calls the README shows.

mod demo_activity;

use std::{collections::BTreeMap, time::Duration};

use clap::{Parser, Subcommand};
use qashyq_platform::grpc::client::{BearerKey, KeyedChannel};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

use qashyq_proto::{
    common::v1::{Language, LocalDate},
    reporting::v1::{
        DocumentFormat, ExportWeeklyReportRequest, GetConnectivityReportRequest, RebuildProjectionsRequest, reporting_service_client::ReportingServiceClient,
    },
    schedule::v1::{
        Connectivity, Delivery, GenerateTimetableRequest, GetClassDayRequest, GetPupilDayRequest, ImportRosterRequest, LearningMode, ListClassesRequest,
        ListDistrictsRequest, ListPupilsRequest, ListRegionsRequest, ListSchoolsRequest, RegisterClassRequest, RegisterDistrictRequest, RegisterSchoolRequest,
        RegisterTeacherRequest, RosterKind, Shift, SubjectLoad, catalogue_service_client::CatalogueServiceClient,
        directory_service_client::DirectoryServiceClient, timetable_service_client::TimetableServiceClient,
    },
    tvgrid::v1::{GetGradeDayRequest, ListChannelsRequest, tv_grid_service_client::TvGridServiceClient},
};

#[derive(Parser)]
#[command(version, about = "Client of the Qashyq gateway")]
struct Cli {
    /// Gateway address.
    #[arg(long, env = "QASHYQ_GATEWAY_URL", default_value = "http://127.0.0.1:15050", global = true)]
    gateway: String,
    /// API key (from `qashyq-gateway create-api-key`).
    #[arg(long, env = "QASHYQ_API_KEY", global = true, hide_env_values = true)]
    key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Waits until every given gRPC server reports SERVING.
    WaitHealthy {
        urls: Vec<String>,
        #[arg(long, default_value_t = 120)]
        timeout_seconds: u64,
    },
    /// Registers the demo schools (again: existing ones are kept).
    LoadDemo,
    /// Gives every demo school without classes its classes (both languages), teachers, and a
    /// timetable generated around the published 2020 TV grid (run after the grid is published).
    DemoTimetables,
    /// A week of school work on the clock's Monday in a few demo classes (homework, work through
    /// every channel, feedback, a conference), for the reports; a class with homework this week
    /// is left alone.
    DemoActivity,
    /// Lists the regions of the catalogue.
    Regions,
    /// Lists schools, optionally of one region.
    Schools {
        #[arg(long, default_value = "")]
        region: String,
    },
    /// Lists broadcast channels.
    Channels,
    /// Lists a school's classes.
    Classes {
        #[arg(long)]
        school: String,
    },
    /// Lists a class's pupils with their delivery category.
    Pupils {
        #[arg(long)]
        class: String,
    },
    /// What is on a class's or a pupil's day: own and TV lessons, events and homework deadlines
    /// in time order (R-SCH-5).
    Today {
        #[arg(long, required_unless_present = "pupil", conflicts_with = "pupil")]
        class: Option<String>,
        #[arg(long)]
        pupil: Option<String>,
        /// YYYY-MM-DD (default: today on the broadcast clock, Almaty time; `make run`: the demo's day).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// Schools by connectivity per region, from the reporting service.
    Connectivity {
        #[arg(long, default_value = "")]
        region: String,
    },
    /// Rebuilds the reporting service's projections from its event log (an administrator's key).
    RebuildReports,
    /// Writes the weekly monitoring report of the week of a date (YYYY-MM-DD) to a file: html,
    /// xlsx or csv (by the file's extension).
    Report {
        #[arg(long)]
        week: chrono::NaiveDate,
        /// A region code; empty for the country.
        #[arg(long, default_value = "")]
        region: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

async fn gateway(cli: &Cli) -> anyhow::Result<KeyedChannel> {
    let key = cli.key.as_deref().ok_or_else(|| anyhow::anyhow!("an API key is needed: --key or QASHYQ_API_KEY"))?;
    let channel = Channel::from_shared(cli.gateway.clone())?.connect().await?;
    Ok(BearerKey::new(Some(key))?.on(channel))
}

async fn wait_healthy(urls: &[String], timeout: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    for url in urls {
        loop {
            let serving = async {
                let channel = Channel::from_shared(url.clone())?.connect().await?;
                let response = HealthClient::new(channel).check(HealthCheckRequest { service: String::new() }).await?;
                anyhow::Ok(response.into_inner().status == ServingStatus::Serving as i32)
            }
            .await
            .unwrap_or(false);
            if serving {
                break;
            }
            anyhow::ensure!(tokio::time::Instant::now() < deadline, "{url} is not healthy after {timeout:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

/// Demo schools: a mix of regions, connectivity classes and learning modes (seed 004 counts
/// schools by connectivity; seed 003 lets small ungraded rural schools stay in person).
/// Akmola region has every connectivity class and learning mode, in two districts.
const DEMO_SCHOOLS: &[(&str, &str, &str, Connectivity, LearningMode, bool)] = &[
    ("KZ-ALA", "Almaly district", "School-gymnasium No. 12", Connectivity::Broadband, LearningMode::Distance, false),
    ("KZ-ALA", "Bostandyq district", "School-lyceum No. 38", Connectivity::Broadband, LearningMode::Distance, false),
    ("KZ-AST", "Yesil district", "School No. 54", Connectivity::Broadband, LearningMode::DutyClasses, false),
    ("KZ-AKM", "Zhaksy district", "Zhaksy rural school", Connectivity::Slow, LearningMode::Distance, false),
    ("KZ-AKM", "Zhaksy district", "Karakol ungraded school", Connectivity::None, LearningMode::InPersonShifts, true),
    ("KZ-AKM", "Tselinograd district", "Kosshy school No. 2", Connectivity::Broadband, LearningMode::DutyClasses, false),
    ("KZ-KZY", "Aral district", "Aral school No. 3", Connectivity::Slow, LearningMode::Distance, false),
    ("KZ-KZY", "Zhalagash district", "Zhalagash ungraded school", Connectivity::None, LearningMode::InPersonShifts, true),
    ("KZ-VOS", "Ridder city", "Ridder school No. 7", Connectivity::Broadband, LearningMode::Distance, false),
];

/// The district of a region named `name`, registered if it is not there yet.
async fn demo_district(directory: &mut DirectoryServiceClient<KeyedChannel>, region: &str, name: &str) -> anyhow::Result<String> {
    let known = directory.list_districts(ListDistrictsRequest { region_code: region.into() }).await?.into_inner().districts;
    if let Some(district) = known.into_iter().find(|d| d.name == name) {
        return Ok(district.district_id);
    }
    Ok(directory.register_district(RegisterDistrictRequest { region_code: region.into(), name: name.into() }).await?.into_inner().district_id)
}

/// A roster of three pupils per class, each with a parent, as a school would export it from its
/// spreadsheet; how lessons reach them follows the school's connectivity.
/// Phone numbers are numbered from `first`, so each school's parents have their own.
fn demo_pupils_csv(classes: &[(i32, &str)], connectivity: i32, first: usize) -> String {
    // (first name, is a girl) and family names in their masculine form (+"а" for a girl).
    const NAMES: [(&str, bool); 9] = [
        ("Айгерим", true),
        ("Нурсултан", false),
        ("Дана", true),
        ("Арман", false),
        ("Жанель", true),
        ("Ерлан", false),
        ("Томирис", true),
        ("Алихан", false),
        ("Сабина", true),
    ];
    const FAMILIES: [&str; 6] = ["Ахметов", "Сериков", "Нуржанов", "Иванов", "Сапаров", "Жумабаев"];
    let delivery = |i: usize| match Connectivity::try_from(connectivity) {
        Ok(Connectivity::Broadband) => ["broadband", "tv_only"][usize::from(i % 7 == 6)],
        Ok(Connectivity::Slow) => ["broadband", "tv_only", "paper"][i % 3],
        _ => ["tv_only", "paper"][i % 2],
    };
    let mut csv = String::from("full_name,class,delivery,parent_name,parent_phone\n");
    let mut i = first;
    for (grade, letter) in classes {
        for _ in 0..3 {
            let ((name, girl), family) = (NAMES[i % NAMES.len()], FAMILIES[(i / NAMES.len() + i) % FAMILIES.len()]);
            let surname = if girl { format!("{family}а") } else { family.to_owned() };
            let phone = format!("+7 701 {:03} {:02} {:02}", i / 10_000 % 1000, i / 100 % 100, i % 100);
            csv.push_str(&format!("{name} {surname},{grade}{letter},{},Родитель {family},{phone}\n", delivery(i)));
            i += 1;
        }
    }
    csv
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The mesh's business clock (`make run` replays spring 2020): "today" is the services' today.
    if let Some(clock) = qashyq_platform::config::CommonConfig::from_env().ok().and_then(|config| config.clock()) {
        qashyq_platform::clock::install(clock);
    }
    match &cli.command {
        Command::WaitHealthy { urls, timeout_seconds } => wait_healthy(urls, Duration::from_secs(*timeout_seconds)).await?,
        Command::LoadDemo => {
            let mut directory = DirectoryServiceClient::new(gateway(&cli).await?);
            let mut created = 0;
            for &(region, district, name, connectivity, mode, ungraded) in DEMO_SCHOOLS {
                let request = RegisterSchoolRequest {
                    region_code: region.into(),
                    name: name.into(),
                    connectivity: connectivity as i32,
                    learning_mode: mode as i32,
                    ungraded_rural: ungraded,
                    district_id: demo_district(&mut directory, region, district).await?,
                };
                match directory.register_school(request).await {
                    Ok(_) => created += 1,
                    Err(status) if status.code() == Code::AlreadyExists => {}
                    Err(status) => return Err(status.into()),
                }
            }
            println!("demo data: {created} schools registered, {} already there", DEMO_SCHOOLS.len() - created);
        }
        Command::DemoTimetables => demo_timetables(&cli).await?,
        Command::DemoActivity => {
            let names: Vec<&str> = DEMO_SCHOOLS.iter().map(|d| d.2).collect();
            demo_activity::run(gateway(&cli).await?, &names).await?
        }
        Command::Regions => {
            let regions = CatalogueServiceClient::new(gateway(&cli).await?).list_regions(ListRegionsRequest {}).await?.into_inner();
            for r in regions.regions {
                println!("{}\t{}\t{}", r.code, r.name_kk, r.name_ru);
            }
        }
        Command::Schools { region } => {
            let mut directory = DirectoryServiceClient::new(gateway(&cli).await?);
            let mut page = qashyq_proto::common::v1::PageRequest::default();
            loop {
                let response = directory
                    .list_schools(ListSchoolsRequest { region_code: region.clone(), page: Some(page.clone()), district_id: String::new() })
                    .await?
                    .into_inner();
                for s in response.schools {
                    let connectivity = Connectivity::try_from(s.connectivity).map_or("?", |c| c.as_str_name());
                    println!("{}\t{}\t{}\t{}", s.school_id, s.region_code, connectivity, s.name);
                }
                match response.page.map(|p| p.next_page_token).filter(|t| !t.is_empty()) {
                    Some(token) => page.page_token = token,
                    None => break,
                }
            }
        }
        Command::Classes { school } => {
            let classes = TimetableServiceClient::new(gateway(&cli).await?).list_classes(ListClassesRequest { school_id: school.clone() }).await?.into_inner();
            for c in classes.classes {
                println!("{}\t{}{}\t{}", c.class_id, c.grade, c.letter, Language::try_from(c.language).map_or("?", |l| l.as_str_name()));
            }
        }
        Command::Pupils { class } => {
            let pupils =
                DirectoryServiceClient::new(gateway(&cli).await?).list_pupils(ListPupilsRequest { class_id: class.clone(), page: None }).await?.into_inner();
            for p in pupils.pupils {
                let delivery = Delivery::try_from(p.delivery).map_or("?", |d| d.as_str_name());
                println!("{}\t{}\t{}\t{} parent(s)", p.pupil_id, delivery, p.full_name, p.parents.len());
            }
        }
        Command::Today { class, pupil, date } => {
            use chrono::Datelike;
            let date = date.unwrap_or_else(|| qashyq_platform::clock::now().with_timezone(&qashyq_catalogue::BROADCAST_ZONE).date_naive());
            let date = Some(LocalDate { year: date.year(), month: date.month() as i32, day: date.day() as i32 });
            let mut timetables = TimetableServiceClient::new(gateway(&cli).await?);
            let items = match (class, pupil) {
                (_, Some(pupil)) => {
                    let day = timetables.get_pupil_day(GetPupilDayRequest { pupil_id: pupil.clone(), date }).await?.into_inner();
                    println!("delivery: {}", Delivery::try_from(day.delivery).map_or("?", |d| d.as_str_name()));
                    day.items
                }
                (class, None) => timetables.get_class_day(GetClassDayRequest { class_id: class.clone().unwrap_or_default(), date }).await?.into_inner().items,
            };
            for item in items {
                let by = if item.kind == "tv" { item.channel_id } else { item.teacher_id };
                println!("{}–{}\t{}\t{}\t{}", &item.starts[11..16], &item.ends[11..16], item.kind, item.subject, by);
            }
        }
        Command::Channels => {
            let channels = TvGridServiceClient::new(gateway(&cli).await?).list_channels(ListChannelsRequest::default()).await?.into_inner();
            for c in channels.channels {
                println!("{}\t{}", c.channel_id, c.name);
            }
        }
        Command::Connectivity { region } => {
            let report = ReportingServiceClient::new(gateway(&cli).await?)
                .get_connectivity_report(GetConnectivityReportRequest { region_code: region.clone() })
                .await?
                .into_inner();
            println!("region\tschools\tbroadband\tslow\toffline");
            for r in report.regions.iter().chain(report.total.as_ref()) {
                let name = if r.region_code.is_empty() { "total" } else { &r.region_code };
                println!("{name}\t{}\t{}\t{}\t{}", r.schools, r.broadband, r.slow, r.offline);
            }
        }
        Command::RebuildReports => {
            let mut client = ReportingServiceClient::new(gateway(&cli).await?);
            let rebuilt = client.rebuild_projections(RebuildProjectionsRequest {}).await?.into_inner();
            println!("projections rebuilt: {} events applied again in {:.1} s", rebuilt.events_replayed, rebuilt.took_ms as f64 / 1000.0);
        }
        Command::Report { week, region, out } => {
            let format = match out.extension().and_then(|e| e.to_str()) {
                Some("html") => DocumentFormat::Html,
                Some("xlsx") => DocumentFormat::Xlsx,
                Some("csv") => DocumentFormat::Csv,
                _ => anyhow::bail!("--out must end in .html, .xlsx or .csv"),
            };
            let request =
                ExportWeeklyReportRequest { week: Some(qashyq_platform::time::to_local_date(*week)), region_code: region.clone(), format: format as i32 };
            // A country's document (every school's rows) is larger than gRPC's default 4 MiB.
            let client = ReportingServiceClient::new(gateway(&cli).await?).max_decoding_message_size(256 * 1024 * 1024);
            let document = client.clone().export_weekly_report(request).await?.into_inner();
            std::fs::write(out, &document.content)?;
            println!("{} ({} bytes) written to {}", document.file_name, document.content.len(), out.display());
        }
    }
    Ok(())
}

/// The TV lessons per subject a week of a grade in a language, in the week of 6 April 2020.
async fn tv_counts(tvgrid: &mut TvGridServiceClient<KeyedChannel>, language: Language, grade: i32) -> anyhow::Result<BTreeMap<String, i32>> {
    let mut counts = BTreeMap::new();
    for day in 6..=10 {
        let date = Some(LocalDate { year: 2020, month: 4, day });
        for airing in tvgrid.get_grade_day(GetGradeDayRequest { language: language as i32, grade, date }).await?.into_inner().airings {
            *counts.entry(airing.subject_code).or_default() += 1;
        }
    }
    Ok(counts)
}

/// Demo classes of a school: (grade, letter, language, shift). Distance schools have grades
/// 1–11 in Kazakh (А) and Russian (Б); the small school in shifts grades 1–9 in Kazakh, 1–4 in
/// the first shift and 5–9 in the second.
fn demo_classes(mode: i32) -> Vec<(i32, &'static str, Language, Shift)> {
    if mode == LearningMode::InPersonShifts as i32 {
        (1..=9).map(|g| (g, "А", Language::Kk, if g <= 4 { Shift::First } else { Shift::Second })).collect()
    } else {
        (1..=11).flat_map(|g| [(g, "А", Language::Kk, Shift::Unspecified), (g, "Б", Language::Ru, Shift::Unspecified)]).collect()
    }
}

async fn demo_timetables(cli: &Cli) -> anyhow::Result<()> {
    let channel = gateway(cli).await?;
    let (mut directory, mut timetables, mut tvgrid) =
        (DirectoryServiceClient::new(channel.clone()), TimetableServiceClient::new(channel.clone()), TvGridServiceClient::new(channel));
    let schools = directory.list_schools(ListSchoolsRequest { region_code: String::new(), page: None, district_id: String::new() }).await?.into_inner().schools;
    let mut tv: BTreeMap<(i32, i32), BTreeMap<String, i32>> = BTreeMap::new();
    let (mut generated, mut skipped) = (0, 0);
    for school in schools.iter().filter(|s| DEMO_SCHOOLS.iter().any(|d| d.2 == s.name)) {
        if !timetables.list_classes(ListClassesRequest { school_id: school.school_id.clone() }).await?.into_inner().classes.is_empty() {
            skipped += 1;
            continue;
        }
        // Own lessons: a follow-up of the two most-aired subjects, English, physical education,
        // informatics from grade 5; one teacher per subject (per shift in a school in shifts).
        let mut own_subjects = std::collections::BTreeSet::new();
        for (grade, letter, language, shift) in demo_classes(school.learning_mode) {
            if let std::collections::btree_map::Entry::Vacant(entry) = tv.entry((language as i32, grade)) {
                entry.insert(tv_counts(&mut tvgrid, language, grade).await?);
            }
            let mut load = tv[&(language as i32, grade)].clone();
            let mut most_aired: Vec<(String, i32)> = load.clone().into_iter().collect();
            most_aired.sort_by_key(|(subject, n)| (std::cmp::Reverse(*n), subject.clone()));
            for (subject, _) in most_aired.into_iter().take(2) {
                *load.entry(subject.clone()).or_default() += 1;
                own_subjects.insert((subject, shift as i32));
            }
            for (subject, n) in [("english", 2), ("physical_education", 2), ("informatics", if grade >= 5 { 1 } else { 0 })] {
                if n > 0 {
                    *load.entry(subject.to_owned()).or_default() += n;
                    own_subjects.insert((subject.to_owned(), shift as i32));
                }
            }
            let request = RegisterClassRequest {
                school_id: school.school_id.clone(),
                grade,
                letter: letter.into(),
                language: language as i32,
                shift: shift as i32,
                weekly_load: load.into_iter().map(|(subject, per_week)| SubjectLoad { subject, per_week }).collect(),
            };
            timetables.register_class(request).await?;
        }
        for (subject, shift) in own_subjects {
            let full_name = format!("Demo teacher of {subject} (shift {shift})");
            // In a school in shifts the teacher is hired for the shift (R-REF-3).
            let shift = if school.learning_mode == LearningMode::InPersonShifts as i32 { shift } else { Shift::Unspecified as i32 };
            timetables.register_teacher(RegisterTeacherRequest { school_id: school.school_id.clone(), full_name, subjects: vec![subject], shift }).await?;
        }
        let labels: Vec<(i32, &str)> = demo_classes(school.learning_mode).into_iter().map(|(grade, letter, _, _)| (grade, letter)).collect();
        let roster = ImportRosterRequest {
            school_id: school.school_id.clone(),
            kind: RosterKind::Pupils as i32,
            csv: demo_pupils_csv(&labels, school.connectivity, 1000 * DEMO_SCHOOLS.iter().position(|d| d.2 == school.name).unwrap_or(0)).into_bytes(),
            validate_only: false,
        };
        let imported = directory.import_roster(roster).await?.into_inner();
        println!("  {}: {} pupils imported with {} parents", school.name, imported.created, imported.parents_linked);
        let request = GenerateTimetableRequest {
            school_id: school.school_id.clone(),
            week_of: Some(LocalDate { year: 2020, month: 4, day: 6 }),
            requested_by: "demo".into(),
        };
        let response = timetables.generate_timetable(request).await?.into_inner();
        match response.timetable {
            Some(timetable) => {
                generated += 1;
                println!("  {}: timetable version {}, {} own lessons", school.name, timetable.version, timetable.lessons.len());
            }
            None => {
                println!("  {}: no timetable", school.name);
                for problem in response.problems {
                    println!("    [{}] {}", problem.rule, problem.description);
                }
            }
        }
    }
    println!("demo timetables: {generated} generated, {skipped} schools already had classes");
    Ok(())
}
