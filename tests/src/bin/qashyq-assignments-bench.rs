//! `make bench` for the assignments service (issue 11):
//!
//! - `ingest`: work handed in through the gateway as an integrator, each submission keyed (the
//!   gateway's idempotency record, the service's transaction with its attempt, history and
//!   SubmissionReceived in the outbox): submissions/s and p50/p99. `scripts/bench.sh` prints
//!   pgbench's single-row insert rate beside it.
//! - `queues`: a teacher's queue and a pupil's open work over 10 million stored submissions: a
//!   fresh database is loaded by SQL (`generate_series`, indexes built after the load, both
//!   timed), the service started on it in-process, and both queries called by concurrent callers,
//!   beside the same SQL run directly and a primary-key read of the service (GetHomework).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use clap::{Parser, Subcommand};
use qashyq_assignments::Assignments;
use qashyq_e2e::percentile_ms;
use qashyq_platform::{ServiceDef, grpc::client::BearerKey};
use qashyq_proto::{
    assignments::v1::{
        self as pb, GetHomeworkRequest, ListPupilOpenWorkRequest, ListTeacherQueueRequest, assignments_service_client::AssignmentsServiceClient,
        lesson_ref::Lesson,
    },
    schedule::v1::{
        ListClassesRequest, ListPupilsRequest, RegisterTeacherRequest, directory_service_client::DirectoryServiceClient,
        timetable_service_client::TimetableServiceClient,
    },
};
use tokio::sync::Mutex;
use tonic::{Code, Request, transport::Channel};

#[derive(Parser)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Ingest {
        /// The gateway.
        #[arg(long)]
        target: String,
        /// An integrator of the school (writes).
        #[arg(long)]
        key: String,
        /// An administrator (registers the bench's teacher).
        #[arg(long)]
        admin_key: String,
        #[arg(long)]
        school_id: String,
        /// The assignments service itself: the same submissions sent there directly (with the
        /// record key the gateway would derive), as the anchor.
        #[arg(long)]
        direct_target: String,
        /// Homework per class: the submissions available are classes × this × pupils: a quarter
        /// for each single-submission run, half for the batched one.
        #[arg(long, default_value_t = 200)]
        homework_per_class: u32,
        /// Submissions per SubmitWorkBatch call in the batched run.
        #[arg(long, default_value_t = 50)]
        batch: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    Queues {
        /// The admin connection to create the bench's own database through.
        #[arg(long, env = "QASHYQ_TEST_DATABASE_ADMIN_URL")]
        admin_url: String,
        #[arg(long, default_value_t = 10_000_000)]
        submissions: u64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Command::Ingest { target, direct_target, key, admin_key, school_id, homework_per_class, batch, concurrency, seconds } => {
            ingest(&target, &direct_target, &key, &admin_key, &school_id, homework_per_class, batch, concurrency, seconds).await
        }
        Command::Queues { admin_url, submissions, concurrency, seconds } => queues(&admin_url, submissions, concurrency, seconds).await,
    }
}

async fn connect(target: &str, key: Option<&str>) -> anyhow::Result<qashyq_platform::grpc::client::KeyedChannel> {
    Ok(BearerKey::new(key)?.on(Channel::from_shared(target.to_owned())?.connect().await?))
}

/// Prints one figure line.
fn report(label: &str, count: usize, elapsed: Duration, latencies: &mut [u64], errors: u64) {
    latencies.sort_unstable();
    println!(
        "{label:<52} {:>9.0} /s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({count} in {:.1} s, errors {errors})",
        count as f64 / elapsed.as_secs_f64(),
        percentile_ms(latencies, 0.5),
        percentile_ms(latencies, 0.99),
        elapsed.as_secs_f64()
    );
}

#[allow(clippy::too_many_arguments)]
async fn ingest(
    target: &str,
    direct_target: &str,
    key: &str,
    admin_key: &str,
    school_id: &str,
    per_class: u32,
    batch: usize,
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<()> {
    let admin = connect(target, Some(admin_key)).await?;
    let integrator = connect(target, Some(key)).await?;
    let teacher = RegisterTeacherRequest { school_id: school_id.into(), full_name: "Ingest bench".into(), subjects: vec!["mathematics".into()], shift: 0 };
    let teacher_id = TimetableServiceClient::new(admin.clone()).register_teacher(teacher).await?.into_inner().teacher_id;
    let classes = TimetableServiceClient::new(integrator.clone()).list_classes(ListClassesRequest { school_id: school_id.into() }).await?.into_inner().classes;
    let mut assignments = AssignmentsServiceClient::new(integrator.clone());
    let mut pairs = Vec::new();
    let setup = Instant::now();
    // Grade 1 has no homework (its daily norm is 0 minutes, R-AS-2).
    let classes: Vec<_> = classes.into_iter().filter(|c| c.grade >= 2).collect();
    for class in &classes {
        let pupils = DirectoryServiceClient::new(integrator.clone())
            .list_pupils(ListPupilsRequest { class_id: class.class_id.clone(), page: None })
            .await?
            .into_inner()
            .pupils;
        for day in 0..per_class {
            let post = pb::PostHomeworkRequest {
                school_id: school_id.into(),
                class_id: class.class_id.clone(),
                teacher_id: teacher_id.clone(),
                subject: "mathematics".into(),
                lesson_kind: pb::LessonKind::Tv as i32,
                tasks: vec!["§ 1, № 1-5".into()],
                resource_links: vec![],
                deadline: Some(prost_types::Timestamp { seconds: 4_102_444_800 + 86_400 * i64::from(day), nanos: 0 }),
                lesson: Some(pb::LessonRef { lesson: Some(Lesson::TvAiringId("bench".into())) }),
                files: vec![],
                expected_minutes: 1,
            };
            let homework = loop {
                // Until the teacher's event has reached the assignments service.
                match assignments.post_homework(post.clone()).await {
                    Ok(homework) => break homework.into_inner(),
                    Err(status) if status.code() == Code::Unavailable && setup.elapsed() < Duration::from_secs(60) => {
                        tokio::time::sleep(Duration::from_millis(100)).await
                    }
                    Err(status) => anyhow::bail!("posting the bench's homework: {status}"),
                }
            };
            pairs.extend(pupils.iter().map(|p| (homework.homework_id.clone(), p.pupil_id.clone())));
        }
    }
    println!(
        "ingest setup: {} classes, {} homework, {} submissions available, {:.1} s",
        classes.len(),
        classes.len() as u32 * per_class,
        pairs.len(),
        setup.elapsed().as_secs_f64()
    );
    // Interleaved parts: each run takes every class's homework alike.
    let part = |n: usize| pairs.iter().enumerate().filter(|(i, _)| *i % 4 == n || (n == 2 && *i % 4 == 3)).map(|(_, p)| p.clone()).collect::<Vec<_>>();
    submit_all(integrator.clone(), part(0), false, 1, concurrency, seconds, &format!("submissions via gateway, keyed, {concurrency} callers")).await?;
    let service = connect(direct_target, None).await?;
    submit_all(service, part(1), true, 1, concurrency, seconds, &format!("submissions direct to assignments, keyed, {concurrency} callers")).await?;
    submit_all(integrator, part(2), false, batch, concurrency, seconds, &format!("submissions via gateway in batches of {batch}, keyed, {concurrency} callers"))
        .await
}

/// Hands in the work of `pairs` (homework, pupil) from `concurrency` callers for at most
/// `seconds`, `batch` per call (SubmitWork for 1, SubmitWorkBatch above), each call keyed: by the
/// gateway's `idempotency-key`, or (`direct`) by the record key the gateway would pass on. The
/// rate counts submissions; the latencies are per call.
async fn submit_all(
    channel: qashyq_platform::grpc::client::KeyedChannel,
    pairs: Vec<(String, String)>,
    direct: bool,
    batch: usize,
    concurrency: usize,
    seconds: u64,
    label: &str,
) -> anyhow::Result<()> {
    let pairs = Arc::new(Mutex::new(pairs));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (pairs, mut client) = (pairs.clone(), AssignmentsServiceClient::new(channel.clone()));
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut count) = (Vec::new(), 0u64, 0usize);
                while Instant::now() < until {
                    let taken: Vec<(String, String)> = {
                        let mut pairs = pairs.lock().await;
                        let from = pairs.len().saturating_sub(batch);
                        pairs.split_off(from)
                    };
                    let Some((homework_id, pupil_id)) = taken.first().cloned() else { break };
                    let work = |(homework_id, pupil_id): &(String, String)| pb::SubmitWorkRequest {
                        homework_id: homework_id.clone(),
                        pupil_id: pupil_id.clone(),
                        channel: pb::Channel::EJournal as i32,
                        entered_by: Some(pb::Actor { role: pb::ActorRole::Pupil as i32, id: pupil_id.clone() }),
                        text: "1) 42  2) 17  3) x = 5".into(),
                        ..Default::default()
                    };
                    // 64 hex digits: the gateway takes keys of at most 64 letters, digits, - and _.
                    let key = format!("{}{}", homework_id.replace('-', ""), pupil_id.replace('-', ""));
                    let (header, value) = if direct {
                        (qashyq_platform::request_key::HEADER, qashyq_platform::request_key::derive(uuid::Uuid::nil(), "bench", &key))
                    } else {
                        ("idempotency-key", key)
                    };
                    let sent = Instant::now();
                    let outcome = if batch == 1 {
                        let mut request = Request::new(work(&taken[0]));
                        request.metadata_mut().insert(header, value.parse().expect("ascii"));
                        client.submit_work(request).await.map(|_| ())
                    } else {
                        let mut request = Request::new(pb::SubmitWorkBatchRequest { submissions: taken.iter().map(work).collect() });
                        request.metadata_mut().insert(header, value.parse().expect("ascii"));
                        client.submit_work_batch(request).await.map(|_| ())
                    };
                    match outcome {
                        Ok(()) => {
                            latencies.push(sent.elapsed().as_micros() as u64);
                            count += taken.len();
                        }
                        Err(status) => {
                            if errors == 0 {
                                eprintln!("first refused submission: {:?} {}", status.code(), status.message());
                            }
                            errors += 1
                        }
                    }
                }
                (latencies, errors, count)
            })
        })
        .collect();
    let (mut latencies, mut errors, mut count) = (Vec::new(), 0, 0);
    for worker in workers {
        let (mut l, e, c) = worker.await?;
        latencies.append(&mut l);
        errors += e;
        count += c;
    }
    let elapsed = started.elapsed();
    report(label, count, elapsed, &mut latencies, errors);
    Ok(())
}

async fn queues(admin_url: &str, submissions: u64, concurrency: usize, seconds: u64) -> anyhow::Result<()> {
    let name = format!("qashyq_bench_assignments_{}", std::process::id());
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await?;
    let url = format!("{}/{name}", admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base));
    let outcome = queues_on(&url, submissions, concurrency, seconds).await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await?;
    outcome
}

/// The SQL of a deterministic id: the `n`th record of a kind (one digit) is
/// `<kind>0000000-0000-4000-8000-<n in 12 hex digits>`.
fn id(kind: u8, n: &str) -> String {
    format!("('{kind}0000000-0000-4000-8000-' || lpad(to_hex({n}), 12, '0'))::uuid")
}

async fn queues_on(url: &str, submissions: u64, concurrency: usize, seconds: u64) -> anyhow::Result<()> {
    const PUPILS_PER_CLASS: u64 = 25;
    const HOMEWORK_PER_CLASS: u64 = 25;
    let classes = submissions / (PUPILS_PER_CLASS * HOMEWORK_PER_CLASS);
    let (pupils, homework) = (classes * PUPILS_PER_CLASS, classes * HOMEWORK_PER_CLASS);
    qashyq_platform::db::migrate(url, "assignments", Assignments::migrator()).await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .after_connect(|conn, _| Box::pin(async move { sqlx::query("SET search_path = assignments").execute(conn).await.map(|_| ()) }))
        .connect(url)
        .await?;
    let load = Instant::now();
    // The directory: a school per 5 classes (Almaty city), one teacher per class.
    let statements = [
        format!("INSERT INTO school_places SELECT {}, 'KZ-ALA', NULL FROM generate_series(0, {} - 1) s", id(1, "s"), classes / 5 + 1),
        format!("INSERT INTO known_classes SELECT {}, {}, 5 FROM generate_series(0, {classes} - 1) c", id(2, "c"), id(1, "c / 5")),
        format!("INSERT INTO known_teachers SELECT {}, {}, ARRAY['mathematics'] FROM generate_series(0, {classes} - 1) c", id(3, "c"), id(1, "c / 5")),
        format!(
            "INSERT INTO known_pupils SELECT {}, {}, {}, 'Pupil ' || p, 'broadband' FROM generate_series(0, {pupils} - 1) p",
            id(4, "p"),
            id(1, &format!("p / {PUPILS_PER_CLASS} / 5")),
            id(2, &format!("p / {PUPILS_PER_CLASS}"))
        ),
        // A class's 25 homework are due one a day from a week ago.
        format!(
            "INSERT INTO homework (homework_id, school_id, class_id, teacher_id, subject_code, lesson_kind, tasks, deadline, posted_at, lesson, expected_minutes, deadline_date) \
             SELECT {}, {}, {}, {}, 'mathematics', 'tv', ARRAY['§ 1'], now() - interval '7 days' + (h % {HOMEWORK_PER_CLASS}) * interval '1 day', \
                    now() - interval '8 days', '{{\"tv_airing\": {{\"airing_id\": \"bench\"}}}}', 20, (now() - interval '7 days' + (h % {HOMEWORK_PER_CLASS}) * interval '1 day')::date \
             FROM generate_series(0, {homework} - 1) h",
            id(5, "h"),
            id(1, &format!("h / {HOMEWORK_PER_CLASS} / 5")),
            id(2, &format!("h / {HOMEWORK_PER_CLASS}")),
            id(3, &format!("h / {HOMEWORK_PER_CLASS}"))
        ),
    ];
    for statement in &statements {
        sqlx::query(statement).execute(&pool).await?;
    }
    // Submissions: every pupil of the class for every homework; 20 % turned in and unchecked.
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'assignments' AND tablename = 'submissions' AND indexname <> 'submissions_pkey'",
    )
    .fetch_all(&pool)
    .await?;
    for (index, _) in &indexes {
        sqlx::query(&format!("ALTER TABLE submissions DROP CONSTRAINT IF EXISTS {index}")).execute(&pool).await?;
        sqlx::query(&format!("DROP INDEX IF EXISTS {index}")).execute(&pool).await?;
    }
    sqlx::query("ALTER TABLE submissions DROP CONSTRAINT submissions_homework_id_fkey").execute(&pool).await?;
    let rows = Instant::now();
    sqlx::query(&format!(
        "INSERT INTO submissions (submission_id, homework_id, pupil_id, school_id, class_id, teacher_id, subject_code, state, attempts, turned_in_at, late, history_length) \
         SELECT {}, {}, {}, {}, {}, {}, 'mathematics', \
                (ARRAY['checked', 'checked', 'checked', 'turned_in', 'returned', 'checked', 'new', 'turned_in', 'checked', 'checked'])[1 + n % 10], \
                1, now() - interval '8 days' + (n % 100000) * interval '6 seconds', false, 2 \
         FROM generate_series(0, {submissions} - 1) n",
        id(6, "n"),
        id(5, &format!("n / {PUPILS_PER_CLASS}")),
        id(4, &format!("n / {} * {PUPILS_PER_CLASS} + n % {PUPILS_PER_CLASS}", PUPILS_PER_CLASS * HOMEWORK_PER_CLASS)),
        id(1, &format!("n / {} / 5", PUPILS_PER_CLASS * HOMEWORK_PER_CLASS)),
        id(2, &format!("n / {}", PUPILS_PER_CLASS * HOMEWORK_PER_CLASS)),
        id(3, &format!("n / {}", PUPILS_PER_CLASS * HOMEWORK_PER_CLASS)),
    ))
    .execute(&pool)
    .await?;
    let rows_took = rows.elapsed();
    let built = Instant::now();
    sqlx::query("ALTER TABLE submissions ADD CONSTRAINT submissions_homework_id_pupil_id_key UNIQUE (homework_id, pupil_id)").execute(&pool).await?;
    for (index, definition) in &indexes {
        if !index.ends_with("_key") {
            sqlx::query(definition).execute(&pool).await?;
        }
    }
    sqlx::query("ALTER TABLE submissions ADD CONSTRAINT submissions_homework_id_fkey FOREIGN KEY (homework_id) REFERENCES homework").execute(&pool).await?;
    sqlx::query("ANALYZE").execute(&pool).await?;
    println!(
        "queues: loaded {submissions} submissions of {homework} homework, {pupils} pupils, {classes} classes by SQL: rows {:.1} s, indexes and key {:.1} s, {:.1} s in all",
        rows_took.as_secs_f64(),
        built.elapsed().as_secs_f64(),
        load.elapsed().as_secs_f64()
    );

    // The service on it, in-process, called directly (the figures beside the gateway's are
    // above); its queries beside the same SQL run directly.
    let mut config = qashyq_testkit::test_config(url);
    config.database_max_connections = 8;
    let service = qashyq_testkit::spawn::<Assignments>(config).await?;
    let channel = service.channel().await;
    let pick = move |n: u64, kind: u8| {
        let n = n % if kind == 3 { classes } else { pupils };
        format!("{kind}0000000-0000-4000-8000-{n:012x}")
    };
    let homework_id = format!("50000000-0000-4000-8000-{:012x}", homework / 2);
    for (label, which) in [("GetHomework (primary key), direct", 0u8), ("ListTeacherQueue, 50 oldest, direct", 3), ("ListPupilOpenWork, direct", 4)] {
        let until = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let callers: Vec<_> = (0..concurrency)
            .map(|i| {
                let mut client = AssignmentsServiceClient::new(channel.clone());
                let (homework_id, pick) = (homework_id.clone(), pick);
                tokio::spawn(async move {
                    let (mut latencies, mut errors, mut n) = (Vec::new(), 0u64, i as u64 * 7919);
                    while Instant::now() < until {
                        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) >> 1;
                        let sent = Instant::now();
                        let ok = match which {
                            0 => client.get_homework(GetHomeworkRequest { homework_id: homework_id.clone() }).await.is_ok(),
                            3 => client
                                .list_teacher_queue(ListTeacherQueueRequest { teacher_id: pick(n, 3), page: None })
                                .await
                                .is_ok_and(|r| !r.get_ref().items.is_empty()),
                            // A pupil whose work is all checked has none open: an answer too.
                            _ => client.list_pupil_open_work(ListPupilOpenWorkRequest { pupil_id: pick(n, 4) }).await.is_ok(),
                        };
                        if ok { latencies.push(sent.elapsed().as_micros() as u64) } else { errors += 1 }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let (mut latencies, mut errors) = (Vec::new(), 0);
        for caller in callers {
            let (mut l, e) = caller.await?;
            latencies.append(&mut l);
            errors += e;
        }
        report(&format!("{label}, {concurrency} callers"), latencies.len(), started.elapsed(), &mut latencies, errors);
    }
    // The queue's SQL alone, one connection, as the anchor.
    let mut latencies = Vec::new();
    let started = Instant::now();
    let mut n = 1u64;
    while started.elapsed() < Duration::from_secs(seconds.min(5)) {
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) >> 1;
        let teacher = uuid::Uuid::parse_str(&pick(n, 3))?;
        let sent = Instant::now();
        sqlx::query("SELECT submission_id FROM submissions WHERE teacher_id = $1 AND state = 'turned_in' ORDER BY turned_in_at, submission_id LIMIT 50")
            .bind(teacher)
            .fetch_all(&pool)
            .await?;
        latencies.push(sent.elapsed().as_micros() as u64);
    }
    report("the queue's SQL alone, 1 connection", latencies.len(), started.elapsed(), &mut latencies, 0);
    service.stop().await?;
    pool.close().await;
    Ok(())
}
