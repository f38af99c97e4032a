//! Load generator for `make bench`: calls one RPC from many concurrent tasks over several HTTP/2
//! connections for a fixed time, and prints throughput and latency percentiles. Bounded in time
//! and aimed at loopback only.

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use qashyq_platform::grpc::client::BearerKey;
use qashyq_proto::{
    common::v1::{Language, LocalDate},
    schedule::v1::{
        GetClassDayRequest, GetPupilDayRequest, GetSchoolRequest, ListRegionsRequest, catalogue_service_client::CatalogueServiceClient,
        directory_service_client::DirectoryServiceClient, timetable_service_client::TimetableServiceClient,
    },
    tvgrid::v1::{ExportXmltvRequest, GetGradeDayRequest, tv_grid_service_client::TvGridServiceClient},
};
use tonic::transport::Channel;

#[derive(Clone, Copy, ValueEnum)]
enum Rpc {
    /// CatalogueService/ListRegions: no database.
    ListRegions,
    /// DirectoryService/GetSchool: one primary-key read.
    GetSchool,
    /// TvGridService/GetGradeDay: a grade's TV lessons of a date (Kazakh-medium grade 5, 2020-04-06).
    GradeDay,
    /// TvGridService/ExportXmltv: the whole 2020 campaign for Balapan and El Arna.
    XmltvCampaign,
    /// TimetableService/GetClassDay: "what is on today" for a class on 2020-04-06 (`--class-id`).
    ClassDay,
    /// TimetableService/GetPupilDay: "what is on today" on 2020-04-06 for each of `--pupil-ids`
    /// in turn (pupils of many classes: the morning's real mix).
    PupilDay,
}

#[derive(Parser)]
struct Args {
    #[arg(long)]
    target: String,
    #[arg(long, env = "QASHYQ_API_KEY", hide_env_values = true)]
    key: Option<String>,
    #[arg(long, value_enum)]
    rpc: Rpc,
    /// For get-school.
    #[arg(long, default_value = "")]
    school_id: String,
    /// For class-day.
    #[arg(long, default_value = "")]
    class_id: String,
    /// For pupil-day: comma-separated.
    #[arg(long, default_value = "", value_delimiter = ',')]
    pupil_ids: Vec<String>,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long, default_value_t = 4)]
    connections: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Label for the printed line.
    #[arg(long, default_value = "")]
    label: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bearer = BearerKey::new(args.key.as_deref())?;
    let mut channels = Vec::new();
    for _ in 0..args.connections.max(1) {
        channels.push(bearer.clone().on(Channel::from_shared(args.target.clone())?.connect().await?));
    }
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for i in 0..args.concurrency {
        let channel = channels[i % channels.len()].clone();
        let (rpc, school_id, class_id) = (args.rpc, args.school_id.clone(), args.class_id.clone());
        let pupils: Vec<GetPupilDayRequest> = args
            .pupil_ids
            .iter()
            .filter(|id| !id.is_empty())
            .map(|id| GetPupilDayRequest { pupil_id: id.clone(), date: Some(LocalDate { year: 2020, month: 4, day: 6 }) })
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = std::collections::BTreeMap::<String, u64>::new();
            let mut catalogue = CatalogueServiceClient::new(channel.clone());
            let mut directory = DirectoryServiceClient::new(channel.clone());
            let mut tvgrid = TvGridServiceClient::new(channel.clone());
            let mut timetables = TimetableServiceClient::new(channel);
            let class_day = GetClassDayRequest { class_id, date: Some(LocalDate { year: 2020, month: 4, day: 6 }) };
            let grade_day = GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: Some(LocalDate { year: 2020, month: 4, day: 6 }) };
            let campaign_xmltv = ExportXmltvRequest {
                channel_ids: vec!["balapan.kz".into(), "elarna.kz".into()],
                first_day: Some(LocalDate { year: 2020, month: 4, day: 6 }),
                last_day: Some(LocalDate { year: 2020, month: 5, day: 22 }),
            };
            let mut turn = i;
            while Instant::now() < deadline {
                let started = Instant::now();
                turn += 1;
                // What went wrong, by status (or "wrong answer" for an OK with the wrong content).
                fn judge<T>(result: Result<tonic::Response<T>, tonic::Status>, right: impl FnOnce(&T) -> bool) -> Result<(), String> {
                    match result {
                        Ok(response) if right(response.get_ref()) => Ok(()),
                        Ok(_) => Err("wrong answer".to_owned()),
                        Err(status) => Err(format!("{:?}", status.code())),
                    }
                }
                let outcome = match rpc {
                    Rpc::ListRegions => judge(catalogue.list_regions(ListRegionsRequest {}).await, |_| true),
                    Rpc::GetSchool => judge(directory.get_school(GetSchoolRequest { school_id: school_id.clone() }).await, |_| true),
                    Rpc::GradeDay => judge(tvgrid.get_grade_day(grade_day).await, |r| r.airings.len() == 3),
                    Rpc::ClassDay => judge(timetables.get_class_day(class_day.clone()).await, |r| r.items.len() > 3),
                    Rpc::PupilDay if pupils.is_empty() => Err("no pupils".to_owned()),
                    Rpc::PupilDay => judge(timetables.get_pupil_day(pupils[turn % pupils.len()].clone()).await, |r| !r.items.is_empty()),
                    Rpc::XmltvCampaign => judge(tvgrid.export_xmltv(campaign_xmltv.clone()).await, |r| r.content.len() > 100_000),
                };
                match outcome {
                    Ok(()) => latencies.push(started.elapsed().as_micros() as u64),
                    Err(what) => *errors.entry(what).or_insert(0u64) += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = std::collections::BTreeMap::<String, u64>::new();
    for task in tasks {
        let (mut l, e) = task.await?;
        latencies.append(&mut l);
        for (what, n) in e {
            *errors.entry(what).or_insert(0) += n;
        }
    }
    let error_count: u64 = errors.values().sum();
    let error_kinds = if errors.is_empty() { String::new() } else { format!(" {errors:?}") };
    latencies.sort_unstable();
    let percentile =
        |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1))).copied().unwrap_or(0) as f64 / 1000.0;
    println!(
        "{:<40} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {}{}",
        args.label,
        latencies.len() as f64 / args.seconds as f64,
        percentile(0.50),
        percentile(0.99),
        error_count,
        error_kinds
    );
    Ok(())
}
