//! The integrators' event feed (R-GW-4): every event about the integrator's schools, in order,
//! each with its cursor; heartbeats when nothing comes; a resume from the last cursor after a
//! disconnect and a gateway restart loses nothing and repeats nothing; a cursor older than the
//! retention is OUT_OF_RANGE naming the oldest cursor kept.

use std::{collections::BTreeSet, time::Duration};

use prost::Message;
use qashyq_e2e::{Mesh, distance_school_request};
use qashyq_platform::principal::{Role, Scope};
use qashyq_proto::{
    assignments::v1::assignments_service_client::AssignmentsServiceClient,
    common::v1::Language,
    gateway::v1::{FeedEvent, SubscribeRequest, feed_item::Item, feed_service_client::FeedServiceClient},
    schedule::v1::{
        Connectivity, Delivery, RegisterClassRequest, RegisterPupilRequest, RegisterTeacherRequest, Shift, directory_service_client::DirectoryServiceClient,
        timetable_service_client::TimetableServiceClient,
    },
};
use tonic::{Code, Streaming};

/// Events and heartbeats of a subscription until `done` says enough, or `limit` passes.
async fn read_until(
    stream: &mut Streaming<qashyq_proto::gateway::v1::FeedItem>,
    limit: Duration,
    done: impl Fn(&[FeedEvent], Option<i64>) -> bool,
) -> (Vec<FeedEvent>, Option<i64>) {
    let mut events = Vec::new();
    let mut heartbeat = None;
    let deadline = tokio::time::Instant::now() + limit;
    while !done(&events, heartbeat) {
        let Ok(next) = tokio::time::timeout_at(deadline, stream.message()).await else { break };
        match next.expect("the stream goes on").expect("not ended").item {
            Some(Item::Event(event)) => events.push(event),
            Some(Item::Heartbeat(beat)) => heartbeat = Some(beat.cursor),
            None => {}
        }
    }
    (events, heartbeat)
}

fn types(events: &[FeedEvent]) -> Vec<String> {
    events.iter().map(|e| e.event.as_ref().unwrap().event_type.rsplit('.').next().unwrap().to_owned()).collect()
}

/// The school an event names, if any (read from its payload's `school_id`, field 1 or as named).
fn school_of(event: &FeedEvent) -> Option<String> {
    let envelope = event.event.as_ref().unwrap();
    let payload = &envelope.payload.as_ref().unwrap().value;
    match envelope.event_type.as_str() {
        "qashyq.schedule.events.v1.SchoolRegistered" => {
            Some(qashyq_proto::schedule::events::v1::SchoolRegistered::decode(payload.as_slice()).unwrap().school_id)
        }
        "qashyq.schedule.events.v1.ClassRegistered" => Some(qashyq_proto::schedule::events::v1::ClassRegistered::decode(payload.as_slice()).unwrap().school_id),
        "qashyq.schedule.events.v1.PupilRegistered" => Some(qashyq_proto::schedule::events::v1::PupilRegistered::decode(payload.as_slice()).unwrap().school_id),
        "qashyq.schedule.events.v1.TeacherRegistered" => {
            Some(qashyq_proto::schedule::events::v1::TeacherRegistered::decode(payload.as_slice()).unwrap().school_id)
        }
        "qashyq.assignments.events.v1.HomeworkPosted" => {
            Some(qashyq_proto::assignments::events::v1::HomeworkPosted::decode(payload.as_slice()).unwrap().school_id)
        }
        _ => None,
    }
}

fn class(school_id: &str, letter: &str) -> RegisterClassRequest {
    RegisterClassRequest {
        school_id: school_id.into(),
        grade: 7,
        letter: letter.into(),
        language: Language::Ru as i32,
        shift: Shift::First as i32,
        weekly_load: vec![],
    }
}

#[tokio::test]
async fn r_gw_4_an_integrator_follows_its_schools_events_across_a_reconnect_and_a_gateway_restart() {
    // SAFETY: the only test of this binary sets it before its gateway starts.
    unsafe { std::env::set_var("QASHYQ_GATEWAY_FEED_HEARTBEAT_SECONDS", "1") };
    let mut mesh = Mesh::start().await.unwrap();
    let admin = mesh.api_key("setup", 10_000).await;
    let integrator = mesh.integrator_key("kundelik.kz", Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }).await;
    let channel = mesh.gateway_channel(&admin).await;
    let mut directory = DirectoryServiceClient::new(channel.clone());
    let mut timetables = TimetableServiceClient::new(channel.clone());
    let almaty = directory.register_school(distance_school_request("KZ-ALA", "Гимназия № 159", Connectivity::Broadband)).await.unwrap().into_inner().school_id;
    let akmola = directory.register_school(distance_school_request("KZ-AKM", "Школа № 3", Connectivity::Slow)).await.unwrap().into_inner().school_id;
    let class_id = timetables.register_class(class(&almaty, "А")).await.unwrap().into_inner().class_id;
    let teacher =
        RegisterTeacherRequest { school_id: almaty.clone(), full_name: "Сауле Омарова".into(), subjects: vec!["mathematics".into()], shift: 0 };
    let teacher_id = timetables.register_teacher(teacher).await.unwrap().into_inner().teacher_id;
    timetables.register_class(class(&akmola, "Б")).await.unwrap();
    mesh.until_assignments_know(&class_id, &teacher_id).await;

    let mut feed = FeedServiceClient::new(mesh.gateway_channel(&integrator).await);
    let mut stream = feed.subscribe(SubscribeRequest { after_cursor: 0 }).await.unwrap().into_inner();
    let (first, _) = read_until(&mut stream, Duration::from_secs(15), |events, _| types(events).contains(&"TeacherRegistered".to_owned())).await;
    assert_eq!(types(&first), ["SchoolRegistered", "ClassRegistered", "TeacherRegistered"], "only its schools' events");
    assert!(first.iter().all(|e| school_of(e).as_deref() == Some(almaty.as_str())));
    assert!(first.windows(2).all(|w| w[0].cursor < w[1].cursor), "in order");
    // Nothing more of its schools: a heartbeat carries the feed's latest cursor, past the other
    // school's events.
    let (none, heartbeat) = read_until(&mut stream, Duration::from_secs(5), |_, beat| beat.is_some()).await;
    assert!(none.is_empty());
    let heartbeat = heartbeat.expect("a heartbeat");
    assert!(heartbeat > first.last().unwrap().cursor, "the heartbeat passes the other school's class: {heartbeat}");
    let seen: BTreeSet<String> = first.iter().map(|e| e.event.as_ref().unwrap().event_id.clone()).collect();
    drop(stream);

    // While disconnected: its school's pupil and homework, the other school's class.
    let pupil = RegisterPupilRequest {
        class_id: class_id.clone(),
        full_name: "Тимур Ахметов".into(),
        delivery: Delivery::TvOnly as i32,
        parents: vec![],
        iin: String::new(),
    };
    directory.register_pupil(pupil).await.unwrap();
    timetables.register_class(class(&akmola, "В")).await.unwrap();
    let homework = qashyq_e2e::ClassWithTeacher { school_id: almaty.clone(), class_id: class_id.clone(), teacher_id }.homework("§ 12");
    AssignmentsServiceClient::new(channel).post_homework(homework).await.unwrap();

    // The gateway restarts; the integrator resumes from its last heartbeat's cursor.
    mesh.restart_gateway().await.unwrap();
    let mut feed = FeedServiceClient::new(mesh.gateway_channel(&integrator).await);
    let mut stream = feed.subscribe(SubscribeRequest { after_cursor: heartbeat }).await.unwrap().into_inner();
    let (resumed, _) = read_until(&mut stream, Duration::from_secs(15), |events, _| types(events).contains(&"HomeworkPosted".to_owned())).await;
    assert_eq!(types(&resumed), ["PupilRegistered", "HomeworkPosted"], "nothing lost, nothing of another school");
    assert!(resumed.iter().all(|e| !seen.contains(&e.event.as_ref().unwrap().event_id)), "nothing repeated");
    assert!(resumed[0].cursor > heartbeat);
    drop(stream);

    // Bad cursors name the field; observers do not subscribe.
    for bad in [-1, 1_000_000] {
        let status = feed.subscribe(SubscribeRequest { after_cursor: bad }).await.unwrap_err();
        assert_eq!((status.code(), qashyq_platform::error::field_violations(&status)[0].field.as_str()), (Code::InvalidArgument, "after_cursor"));
    }
    let observer = mesh.person_token("observer-ala", Role::RegionalObserver, Some("KZ-ALA")).await;
    let denied = FeedServiceClient::new(mesh.gateway_channel(&observer).await).subscribe(SubscribeRequest { after_cursor: 0 }).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    // Retention: what is older than the oldest event kept is refused, naming where to resume.
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let oldest = resumed[0].cursor;
    sqlx::query("DELETE FROM gateway.feed_events WHERE cursor < $1").bind(oldest).execute(&pool).await.unwrap();
    sqlx::query("UPDATE gateway.feed_horizon SET retained_from = $1").bind(oldest).execute(&pool).await.unwrap();
    let gone = feed.subscribe(SubscribeRequest { after_cursor: first[0].cursor }).await.unwrap_err();
    assert_eq!(gone.code(), Code::OutOfRange);
    assert!(gone.message().contains(&format!("oldest event kept has cursor {oldest}")), "{}", gone.message());
    assert!(feed.subscribe(SubscribeRequest { after_cursor: oldest - 1 }).await.is_ok(), "resuming just before the oldest kept is fine");
    mesh.stop().await.unwrap();
}
