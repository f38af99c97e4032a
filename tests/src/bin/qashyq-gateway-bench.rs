//! The gateway's own benchmarks for `make bench` (R-GW-1, R-GW-4): sign-ins per second with
//! Argon2id, and the event feed — events per second delivered to many subscribed integrators at
//! once, and the time from a write to its event reaching a subscriber. Loopback only, bounded in
//! time.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use clap::{Parser, Subcommand};
use prost::Message;
use qashyq_platform::grpc::client::BearerKey;
use qashyq_proto::{
    assignments::{
        events::v1::HomeworkPosted,
        v1::{LessonKind, LessonRef, PostHomeworkRequest, assignments_service_client::AssignmentsServiceClient, lesson_ref::Lesson},
    },
    gateway::v1::{LoginRequest, SubscribeRequest, auth_service_client::AuthServiceClient, feed_item::Item, feed_service_client::FeedServiceClient},
    schedule::v1::{RegisterTeacherRequest, timetable_service_client::TimetableServiceClient},
};
use tonic::transport::Channel;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    target: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Signs in again and again from `concurrency` callers.
    Login {
        #[arg(long)]
        login: String,
        #[arg(long, env = "QASHYQ_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// `subscribers` integrators follow the feed from its start while a writer posts homework
    /// `writes_per_second` for `seconds`.
    Feed {
        /// The subscribers' integrator key (its scope holds `school_id`).
        #[arg(long)]
        integrator_key: String,
        /// The writer's key.
        #[arg(long)]
        writer_key: String,
        #[arg(long)]
        school_id: String,
        #[arg(long)]
        class_id: String,
        #[arg(long, default_value_t = 50)]
        subscribers: usize,
        #[arg(long, default_value_t = 100)]
        writes_per_second: u64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

use qashyq_e2e::percentile_ms as percentile;

async fn login(target: &str, login: &str, password: &str, concurrency: usize, seconds: u64) -> anyhow::Result<()> {
    let channel = Channel::from_shared(target.to_owned())?.connect().await?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let mut auth = AuthServiceClient::new(channel.clone());
            let request = LoginRequest { login: login.to_owned(), password: password.to_owned() };
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0u64);
                while Instant::now() < deadline {
                    let started = Instant::now();
                    match auth.login(request.clone()).await {
                        Ok(_) => latencies.push(started.elapsed().as_micros() as u64),
                        Err(_) => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (mut l, e) = task.await?;
        latencies.append(&mut l);
        errors += e;
    }
    latencies.sort_unstable();
    println!(
        "{:<40} {:>8.1} logins/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {errors}",
        format!("login (Argon2id), {concurrency} callers"),
        latencies.len() as f64 / seconds as f64,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn feed(
    target: &str,
    integrator_key: &str,
    writer_key: &str,
    school_id: &str,
    class_id: &str,
    subscribers: usize,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<()> {
    let connect = |key: &str| {
        let (target, key) = (target.to_owned(), key.to_owned());
        async move { anyhow::Ok(BearerKey::new(Some(&key))?.on(Channel::from_shared(target)?.connect().await?)) }
    };
    // When each homework was posted, by id; the subscribers measure against it.
    let posted: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let started = Instant::now();
    let stop_at = started + Duration::from_secs(seconds + 2);
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        let channel = connect(integrator_key).await?;
        let posted = posted.clone();
        readers.push(tokio::spawn(async move {
            let mut stream = FeedServiceClient::new(channel).subscribe(SubscribeRequest { after_cursor: 0 }).await?.into_inner();
            let (mut delivered, mut latencies) = (0u64, Vec::new());
            while let Ok(Ok(Some(item))) = tokio::time::timeout_at(stop_at.into(), stream.message()).await {
                let Some(Item::Event(event)) = item.item else { continue };
                delivered += 1;
                let Some(envelope) = event.event else { continue };
                if envelope.event_type == "qashyq.assignments.events.v1.HomeworkPosted"
                    && let Some(payload) = envelope.payload
                    && let Ok(homework) = HomeworkPosted::decode(payload.value.as_slice())
                    && let Some(at) = posted.lock().expect("not poisoned").get(&homework.homework_id)
                {
                    latencies.push(at.elapsed().as_micros() as u64);
                }
            }
            anyhow::Ok((delivered, latencies))
        }));
    }
    // The writer: homework at a steady rate, by a teacher of the school registered for the run
    // (homework is taken only from a teacher the assignments service has learnt of), each due
    // on its own day so the daily norm (R-AS-2) never refuses one.
    let writer = connect(writer_key).await?;
    let teacher = RegisterTeacherRequest { school_id: school_id.to_owned(), full_name: "Bench teacher".into(), subjects: vec!["mathematics".into()], shift: 0 };
    let teacher_id = TimetableServiceClient::new(writer.clone()).register_teacher(teacher).await?.into_inner().teacher_id;
    let mut assignments = AssignmentsServiceClient::new(writer);
    let homework = |n: u64| PostHomeworkRequest {
        school_id: school_id.to_owned(),
        class_id: class_id.to_owned(),
        teacher_id: teacher_id.clone(),
        subject: "mathematics".into(),
        lesson_kind: LessonKind::Tv as i32,
        tasks: vec!["§ 1".into()],
        resource_links: vec![],
        deadline: Some(prost_types::Timestamp { seconds: 4_102_444_800 + 86_400 * n as i64, nanos: 0 }),
        lesson: Some(LessonRef { lesson: Some(Lesson::TvAiringId("bench".into())) }),
        files: vec![],
        expected_minutes: 1,
    };
    // Until the teacher's event has reached the assignments service.
    let known_by = Instant::now() + Duration::from_secs(30);
    while let Err(status) = assignments.post_homework(homework(0)).await {
        anyhow::ensure!(status.code() == tonic::Code::Unavailable && Instant::now() < known_by, "the bench's teacher is refused: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let writes_until = Instant::now() + Duration::from_secs(seconds);
    let mut written = 0u64;
    while Instant::now() < writes_until {
        ticks.tick().await;
        let sent = Instant::now();
        if let Ok(homework) = assignments.post_homework(homework(written + 1)).await {
            posted.lock().expect("not poisoned").insert(homework.into_inner().homework_id, sent);
            written += 1;
        }
    }
    let (mut delivered, mut latencies) = (0u64, Vec::new());
    for reader in readers {
        let (d, mut l) = reader.await??;
        delivered += d;
        latencies.append(&mut l);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "feed: {subscribers} subscribers, {written} homework written: {:.0} events/s delivered in all ({delivered} events in {elapsed:.1} s, history included)",
        delivered as f64 / elapsed
    );
    println!(
        "feed: write to subscriber p50 {:.1} ms  p99 {:.1} ms  ({} deliveries measured, expected {})",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.len(),
        written * subscribers as u64
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.command {
        Command::Login { login: name, password, concurrency, seconds } => login(&args.target, &name, &password, concurrency, seconds).await,
        Command::Feed { integrator_key, writer_key, school_id, class_id, subscribers, writes_per_second, seconds } => {
            feed(&args.target, &integrator_key, &writer_key, &school_id, &class_id, subscribers, writes_per_second, seconds).await
        }
    }
}
