//! Who may call what, for which records (R-GW-2), through the gateway as integrators call it.
//!
//! 1. Every role × every public method: the gateway refuses exactly the calls the access table
//!    does not allow (`PERMISSION_DENIED` naming the role), and a call without credentials is
//!    `UNAUTHENTICATED` (sign-in excepted). The requests are empty: an allowed call then fails on
//!    its content, never on who made it, and nothing is stored.
//! 2. Every method that touches a school's records × an integrator of one region, an integrator
//!    of one school, a regional observer and the Ministry × a record inside and outside their
//!    scope: the owning service refuses the outside one (`PERMISSION_DENIED`) and never the
//!    inside one.
//! 3. Every read of an observer is in the audit log, which the Ministry reads.

use std::collections::BTreeMap;

use bytes::{Buf, BufMut};
use prost::Message;
use qashyq_e2e::{AuthenticatedChannel, Mesh, distance_school_request};
use qashyq_gateway::access::{METHODS, Need};
use qashyq_platform::principal::{Role, Scope};
use qashyq_proto::{
    common::v1::{Language, LocalDate},
    gateway::v1::{ListAuditEntriesRequest, audit_service_client::AuditServiceClient},
    reporting::v1::GetConnectivityReportRequest,
    schedule::v1::{
        AddParentRequest, Connectivity, Delivery, ExportClassCalendarRequest, GenerateTimetableRequest, GetClassDayRequest, GetPupilDayRequest,
        GetPupilRequest, GetSchoolRequest, GetTimetableRequest, ImportRosterRequest, ListClassesRequest, ListPupilsRequest, ListSchoolsRequest, ParentContact,
        RegisterClassRequest, RegisterPupilRequest, RegisterTeacherRequest, RosterKind, UploadTimetableRequest, ValidateTimetableRequest,
        directory_service_client::DirectoryServiceClient, timetable_service_client::TimetableServiceClient,
    },
};
use tonic::{
    Code, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
};

/// Sends and receives messages as bytes: one client for every method of the table.
#[derive(Debug, Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;
    fn encoder(&mut self) -> Raw {
        Raw
    }
    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let bytes = src.copy_to_bytes(src.remaining()).to_vec();
        Ok(Some(bytes))
    }
}

/// Calls `method` with `body`; the status code and message (OK: empty). A stream that goes on
/// (the feed) was let through: it counts as OK once it has not ended within a few seconds.
async fn call(channel: AuthenticatedChannel, method: &str, body: Vec<u8>) -> (Code, String) {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("gateway ready");
    let path = http::uri::PathAndQuery::try_from(method).expect("a method path");
    match tokio::time::timeout(std::time::Duration::from_secs(3), grpc.unary(tonic::Request::new(body), path, Raw)).await {
        Err(_) => (Code::Ok, "a stream going on".to_owned()),
        Ok(Ok(_)) => (Code::Ok, String::new()),
        Ok(Err(status)) => (status.code(), status.message().to_owned()),
    }
}

fn role_denied(outcome: &(Code, String)) -> bool {
    outcome.0 == Code::PermissionDenied && outcome.1.contains("role may not call")
}

/// A principal of every role: an integrator's key, people's access tokens.
async fn principals(mesh: &Mesh) -> Vec<(Role, String)> {
    let mut all = vec![(Role::Integrator, mesh.integrator_key("kundelik.kz", Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }).await)];
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Integrator) {
        let region = (role == Role::RegionalObserver).then_some("KZ-ALA");
        all.push((role, mesh.person_token(&format!("{role}-1"), role, region).await));
    }
    all
}

#[tokio::test]
async fn r_gw_2_every_role_calls_exactly_the_methods_the_table_allows() {
    let mesh = Mesh::start().await.unwrap();
    let principals = principals(&mesh).await;
    let anonymous = mesh.gateway_channel("").await;
    let mut holes = Vec::new();
    for (method, need) in METHODS {
        let without = call(anonymous.clone(), method, Vec::new()).await;
        if *need != Need::Nothing && without.0 != Code::Unauthenticated {
            holes.push(format!("{method} without credentials: {without:?}"));
        }
        for (role, credential) in &principals {
            let outcome = call(mesh.gateway_channel(credential).await, method, Vec::new()).await;
            if need.allows(*role) == role_denied(&outcome) {
                holes.push(format!("{role} on {method} ({need:?}): {outcome:?}"));
            }
        }
    }
    assert!(holes.is_empty(), "{} holes:\n{}", holes.len(), holes.join("\n"));
    mesh.stop().await.unwrap();
}

/// The records of one school: the school, a class, a pupil, and a homework.
struct SchoolRecords {
    school_id: String,
    class_id: String,
    pupil_id: String,
    homework_id: String,
    region: &'static str,
    class: qashyq_e2e::ClassWithTeacher,
}

async fn school_records(mesh: &Mesh, admin: &str, region: &'static str, name: &str) -> SchoolRecords {
    let channel = mesh.gateway_channel(admin).await;
    let school_id = DirectoryServiceClient::new(channel.clone())
        .register_school(distance_school_request(region, name, Connectivity::Broadband))
        .await
        .unwrap()
        .into_inner()
        .school_id;
    let class = mesh.class_with_teacher(channel.clone(), &school_id).await;
    let class_id = class.class_id.clone();
    let pupil_id = DirectoryServiceClient::new(channel.clone())
        .register_pupil(RegisterPupilRequest {
            class_id: class_id.clone(),
            full_name: "Айгерим Нурланқызы".into(),
            delivery: Delivery::Broadband as i32,
            parents: vec![],
            iin: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .pupil_id;
    let homework_id = qashyq_proto::assignments::v1::assignments_service_client::AssignmentsServiceClient::new(channel)
        .post_homework(class.homework("№ 512"))
        .await
        .unwrap()
        .into_inner()
        .homework_id;
    SchoolRecords { school_id, class_id, pupil_id, homework_id, region, class }
}

fn date() -> Option<LocalDate> {
    Some(LocalDate { year: 2020, month: 4, day: 6 })
}

/// Every method that touches a school's records, with its request about `r`.
fn scoped_calls(r: &SchoolRecords) -> Vec<(&'static str, Vec<u8>)> {
    let s = || r.school_id.clone();
    vec![
        ("/qashyq.schedule.v1.DirectoryService/GetSchool", GetSchoolRequest { school_id: s() }.encode_to_vec()),
        (
            "/qashyq.schedule.v1.DirectoryService/RegisterPupil",
            RegisterPupilRequest {
                class_id: r.class_id.clone(),
                full_name: "Ержан".into(),
                delivery: Delivery::Paper as i32,
                parents: vec![],
                iin: String::new(),
            }
            .encode_to_vec(),
        ),
        ("/qashyq.schedule.v1.DirectoryService/GetPupil", GetPupilRequest { pupil_id: r.pupil_id.clone() }.encode_to_vec()),
        ("/qashyq.schedule.v1.DirectoryService/ListPupils", ListPupilsRequest { class_id: r.class_id.clone(), page: None }.encode_to_vec()),
        (
            "/qashyq.schedule.v1.DirectoryService/AddParent",
            AddParentRequest {
                pupil_id: r.pupil_id.clone(), parent: Some(ParentContact { full_name: "Нурлан".into(), phone: "+7 701 000 00 01".into() })
            }
            .encode_to_vec(),
        ),
        (
            "/qashyq.schedule.v1.DirectoryService/ImportRoster",
            ImportRosterRequest {
                school_id: s(),
                kind: RosterKind::Teachers as i32,
                csv: b"full_name,subjects\nA B,mathematics\n".to_vec(),
                validate_only: true,
            }
            .encode_to_vec(),
        ),
        (
            "/qashyq.schedule.v1.TimetableService/RegisterClass",
            RegisterClassRequest { school_id: s(), grade: 6, letter: "Б".into(), language: Language::Ru as i32, shift: 0, weekly_load: vec![] }.encode_to_vec(),
        ),
        ("/qashyq.schedule.v1.TimetableService/ListClasses", ListClassesRequest { school_id: s() }.encode_to_vec()),
        (
            "/qashyq.schedule.v1.TimetableService/RegisterTeacher",
            RegisterTeacherRequest { school_id: s(), full_name: "Гульнар Сапарова".into(), subjects: vec!["mathematics".into()], shift: 0 }.encode_to_vec(),
        ),
        (
            "/qashyq.schedule.v1.TimetableService/GenerateTimetable",
            GenerateTimetableRequest { school_id: s(), week_of: date(), requested_by: "zavuch".into() }.encode_to_vec(),
        ),
        (
            "/qashyq.schedule.v1.TimetableService/ValidateTimetable",
            ValidateTimetableRequest { school_id: s(), week_of: date(), lessons: vec![] }.encode_to_vec(),
        ),
        (
            "/qashyq.schedule.v1.TimetableService/UploadTimetable",
            UploadTimetableRequest { school_id: s(), week_of: date(), uploaded_by: "zavuch".into(), lessons: vec![] }.encode_to_vec(),
        ),
        ("/qashyq.schedule.v1.TimetableService/GetTimetable", GetTimetableRequest { school_id: s(), version: 0 }.encode_to_vec()),
        ("/qashyq.schedule.v1.TimetableService/GetClassDay", GetClassDayRequest { class_id: r.class_id.clone(), date: date() }.encode_to_vec()),
        ("/qashyq.schedule.v1.TimetableService/GetPupilDay", GetPupilDayRequest { pupil_id: r.pupil_id.clone(), date: date() }.encode_to_vec()),
        (
            "/qashyq.schedule.v1.TimetableService/ExportClassCalendar",
            ExportClassCalendarRequest { class_id: r.class_id.clone(), first_day: date(), last_day: date() }.encode_to_vec(),
        ),
        ("/qashyq.assignments.v1.AssignmentsService/PostHomework", r.class.homework("№ 512").encode_to_vec()),
        (
            "/qashyq.assignments.v1.AssignmentsService/GetHomework",
            qashyq_proto::assignments::v1::GetHomeworkRequest { homework_id: r.homework_id.clone() }.encode_to_vec(),
        ),
        ("/qashyq.reporting.v1.ReportingService/GetConnectivityReport", GetConnectivityReportRequest { region_code: r.region.into() }.encode_to_vec()),
    ]
    .into_iter()
    .chain(assignments_calls(r))
    .collect()
}

/// The assignments methods about `r`'s records (issue 11). Inside the caller's scope they may
/// fail on the state machine or a stale version, never on scope.
fn assignments_calls(r: &SchoolRecords) -> Vec<(&'static str, Vec<u8>)> {
    use qashyq_proto::assignments::v1 as pb;
    let (h, p, c, t) = (r.homework_id.clone(), r.pupil_id.clone(), r.class_id.clone(), r.class.teacher_id.clone());
    let pupil = Some(pb::Actor { role: pb::ActorRole::Pupil as i32, id: p.clone() });
    let at = Some(prost_types::Timestamp { seconds: 1_586_000_000, nanos: 0 });
    vec![
        (
            "/qashyq.assignments.v1.AssignmentsService/ListClassHomework",
            pb::ListClassHomeworkRequest { class_id: c.clone(), from: date(), to: Some(LocalDate { year: 2020, month: 4, day: 7 }), include_withdrawn: true }
                .encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/EditHomework",
            pb::EditHomeworkRequest {
                homework_id: h.clone(),
                expected_version: 99,
                tasks: vec!["x".into()],
                resource_links: vec![],
                deadline: Some(prost_types::Timestamp { seconds: 4_102_444_800, nanos: 0 }),
                files: vec![],
                expected_minutes: 10,
            }
            .encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/WithdrawHomework",
            pb::WithdrawHomeworkRequest { homework_id: h.clone(), expected_version: 99, reason: String::new() }.encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/SubmitWork",
            pb::SubmitWorkRequest {
                homework_id: h.clone(),
                pupil_id: p.clone(),
                channel: pb::Channel::EJournal as i32,
                entered_by: pupil.clone(),
                text: "done".into(),
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/ReclaimWork",
            pb::ReclaimWorkRequest { homework_id: h.clone(), pupil_id: p.clone(), entered_by: pupil }.encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/GiveFeedback",
            pb::GiveFeedbackRequest { homework_id: h.clone(), pupil_id: p.clone(), teacher_id: t.clone(), comment: "ok".into(), assessment: String::new() }
                .encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/ReturnWork",
            pb::ReturnWorkRequest {
                homework_id: h.clone(),
                pupil_id: p.clone(),
                teacher_id: t.clone(),
                outcome: pb::ReturnOutcome::Done as i32,
                comment: String::new(),
            }
            .encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/ExcuseWork",
            pb::ExcuseWorkRequest { homework_id: h.clone(), pupil_id: p.clone(), teacher_id: t.clone(), reason: String::new() }.encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/ExtendDeadline",
            pb::ExtendDeadlineRequest {
                homework_id: h.clone(),
                pupil_id: p.clone(),
                teacher_id: t.clone(),
                deadline: Some(prost_types::Timestamp { seconds: 4_102_531_200, nanos: 0 }),
            }
            .encode_to_vec(),
        ),
        ("/qashyq.assignments.v1.AssignmentsService/GetSubmission", pb::GetSubmissionRequest { homework_id: h.clone(), pupil_id: p.clone() }.encode_to_vec()),
        (
            "/qashyq.assignments.v1.AssignmentsService/GetSubmissionHistory",
            pb::GetSubmissionHistoryRequest { homework_id: h.clone(), pupil_id: p.clone() }.encode_to_vec(),
        ),
        ("/qashyq.assignments.v1.AssignmentsService/ListTeacherQueue", pb::ListTeacherQueueRequest { teacher_id: t.clone(), page: None }.encode_to_vec()),
        ("/qashyq.assignments.v1.AssignmentsService/ListPupilOpenWork", pb::ListPupilOpenWorkRequest { pupil_id: p.clone() }.encode_to_vec()),
        (
            "/qashyq.assignments.v1.AssignmentsService/RecordMark",
            pb::RecordMarkRequest {
                pupil_id: p.clone(),
                subject: "mathematics".into(),
                teacher_id: t.clone(),
                kind: pb::MarkKind::Sor as i32,
                school_year: 2019,
                quarter: 4,
                number: 1,
                score: 5,
                max_score: 10,
            }
            .encode_to_vec(),
        ),
        ("/qashyq.assignments.v1.AssignmentsService/ListPupilMarks", pb::ListPupilMarksRequest { pupil_id: p.clone(), school_year: 2019 }.encode_to_vec()),
        (
            "/qashyq.assignments.v1.AssignmentsService/RecordConference",
            pb::RecordConferenceRequest {
                class_id: c.clone(),
                teacher_id: t.clone(),
                subject: "mathematics".into(),
                held_at: at,
                present_pupil_ids: vec![p.clone()],
            }
            .encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/ListPupilAbsences",
            pb::ListPupilAbsencesRequest { pupil_id: p.clone(), from: date(), to: Some(LocalDate { year: 2020, month: 5, day: 6 }) }.encode_to_vec(),
        ),
        ("/qashyq.assignments.v1.AssignmentsService/GetPaperPack", pb::GetPaperPackRequest { class_id: c.clone(), from: date() }.encode_to_vec()),
        (
            "/qashyq.assignments.v1.AssignmentsService/RecordCollectionRound",
            pb::RecordCollectionRoundRequest { class_id: c, collected_by_role: "teacher".into(), collected_by: t, collected_at: at }.encode_to_vec(),
        ),
        (
            "/qashyq.assignments.v1.AssignmentsService/ListPaperOverdue",
            pb::ListPaperOverdueRequest { school_id: r.school_id.clone(), page: None }.encode_to_vec(),
        ),
    ]
}

fn scope_denied(outcome: &(Code, String)) -> bool {
    outcome.0 == Code::PermissionDenied && !role_denied(outcome)
}

#[tokio::test]
async fn r_gw_2_every_school_record_is_reached_by_its_scope_and_by_nothing_else() {
    let mesh = Mesh::start().await.unwrap();
    let admin = mesh.api_key("setup", 10_000).await;
    let almaty = school_records(&mesh, &admin, "KZ-ALA", "Школа-лицей № 1").await;
    let akmola = school_records(&mesh, &admin, "KZ-AKM", "Сельская школа № 7").await;
    // The assignments service learns where schools lie from SchoolRegistered.
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let learnt = qashyq_testkit::wait_until(std::time::Duration::from_secs(10), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM assignments.school_places").fetch_one(&pool).await.is_ok_and(|n| n == 2)
    })
    .await;
    assert!(learnt, "the assignments service learnt both schools");
    let akmola_school = uuid::Uuid::parse_str(&akmola.school_id).unwrap();
    let region_integrator = mesh.integrator_key("bilimal.kz", Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }).await;
    let school_integrator = mesh.integrator_key("mektep.edu.kz", Scope { schools: vec![akmola_school], ..Scope::default() }).await;
    let observer = mesh.person_token("observer-ala", Role::RegionalObserver, Some("KZ-ALA")).await;
    let ministry = mesh.person_token("ministry-1", Role::Ministry, None).await;

    // (who, its role, the records it reaches, the records it does not); each calls the methods
    // its role may call (the role matrix covers the others).
    let cases: [(&str, &str, Role, &SchoolRecords, Option<&SchoolRecords>); 4] = [
        ("region integrator", &region_integrator, Role::Integrator, &almaty, Some(&akmola)),
        ("school integrator", &school_integrator, Role::Integrator, &akmola, Some(&almaty)),
        ("regional observer", &observer, Role::RegionalObserver, &almaty, Some(&akmola)),
        ("ministry", &ministry, Role::Ministry, &akmola, None),
    ];
    let mut holes = Vec::new();
    let mut checked = 0;
    let may = |role: Role, method: &str| qashyq_gateway::access::need_of(method).is_some_and(|need| need.allows(role));
    for (who, credential, role, inside, outside) in cases {
        let channel = mesh.gateway_channel(credential).await;
        for (method, body) in scoped_calls(inside) {
            if !may(role, method) {
                continue;
            }
            let outcome = call(channel.clone(), method, body).await;
            if outcome.0 == Code::PermissionDenied {
                holes.push(format!("{who} refused its own record on {method}: {outcome:?}"));
            }
            checked += 1;
        }
        let Some(outside) = outside else { continue };
        for (method, body) in scoped_calls(outside) {
            if !may(role, method) {
                continue;
            }
            let outcome = call(channel.clone(), method, body).await;
            if !scope_denied(&outcome) {
                holes.push(format!("{who} reached another's record on {method}: {outcome:?}"));
            }
            checked += 1;
        }
    }
    assert!(holes.is_empty(), "{} holes of {checked}:\n{}", holes.len(), holes.join("\n"));

    // A listing shows only the schools in scope.
    let listed = |credential: String| {
        let mesh = &mesh;
        async move {
            let channel = mesh.gateway_channel(&credential).await;
            let schools = DirectoryServiceClient::new(channel).list_schools(ListSchoolsRequest::default()).await.unwrap().into_inner().schools;
            schools.into_iter().map(|s| s.region_code).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(region_integrator.clone()).await, ["KZ-ALA"]);
    assert_eq!(listed(school_integrator.clone()).await, ["KZ-AKM"]);
    assert_eq!(listed(ministry.clone()).await.len(), 2);
    // The whole country is not a regional observer's.
    let country = call(mesh.gateway_channel(&observer).await, "/qashyq.reporting.v1.ReportingService/GetConnectivityReport", Vec::new()).await;
    assert!(scope_denied(&country), "{country:?}");
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_gw_2_every_read_of_an_observer_is_audited_and_the_ministry_reads_the_audit() {
    let mesh = Mesh::start().await.unwrap();
    let admin = mesh.api_key("setup", 10_000).await;
    let almaty = school_records(&mesh, &admin, "KZ-ALA", "Школа-лицей № 1").await;
    let observer = mesh.person_token("observer-ala", Role::RegionalObserver, Some("KZ-ALA")).await;
    let quality = mesh.person_token("qac-1", Role::QualityObserver, None).await;
    let ministry = mesh.person_token("ministry-1", Role::Ministry, None).await;
    let before = prost_types::Timestamp::from(std::time::SystemTime::now() - std::time::Duration::from_secs(60));

    let mut directory = DirectoryServiceClient::new(mesh.gateway_channel(&observer).await);
    directory.get_school(GetSchoolRequest { school_id: almaty.school_id.clone() }).await.unwrap();
    let refused = directory.get_school(GetSchoolRequest { school_id: uuid::Uuid::now_v7().to_string() }).await.unwrap_err();
    assert_eq!(refused.code(), Code::NotFound);
    TimetableServiceClient::new(mesh.gateway_channel(&quality).await)
        .get_class_day(GetClassDayRequest { class_id: almaty.class_id.clone(), date: date() })
        .await
        .unwrap();
    // The Ministry's own reads are not an observer's: not audited.
    DirectoryServiceClient::new(mesh.gateway_channel(&ministry).await).get_school(GetSchoolRequest { school_id: almaty.school_id.clone() }).await.unwrap();

    let after = prost_types::Timestamp::from(std::time::SystemTime::now() + std::time::Duration::from_secs(60));
    let mut audit = AuditServiceClient::new(mesh.gateway_channel(&ministry).await);
    let entries = audit
        .list_audit_entries(ListAuditEntriesRequest {
            principal_id: String::new(),
            from: Some(before.clone()),
            to: Some(after.clone()),
            page_size: 0,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    let seen: Vec<(String, String, String, i32)> = entries.iter().map(|e| (e.principal_name.clone(), e.method.clone(), e.record.clone(), e.code)).collect();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0], ("observer-ala".into(), "/qashyq.schedule.v1.DirectoryService/GetSchool".into(), format!("school_id={}", almaty.school_id), 0));
    assert_eq!(seen[1].3, Code::NotFound as i32, "a refused read is audited too");
    assert_eq!((seen[2].0.as_str(), seen[2].2.clone()), ("qac-1", format!("class_id={}", almaty.class_id)));
    let by_role: BTreeMap<i32, usize> = entries.iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e.role).or_default() += 1;
        m
    });
    assert_eq!(by_role.len(), 2);

    // Observers do not read the audit; the range is bounded.
    let denied = AuditServiceClient::new(mesh.gateway_channel(&observer).await)
        .list_audit_entries(ListAuditEntriesRequest { from: Some(before.clone()), to: Some(after.clone()), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let year = prost_types::Timestamp { seconds: before.seconds + 400 * 86_400, nanos: 0 };
    let too_long = audit.list_audit_entries(ListAuditEntriesRequest { from: Some(before), to: Some(year), ..Default::default() }).await.unwrap_err();
    assert_eq!((too_long.code(), qashyq_platform::error::field_violations(&too_long)[0].field.as_str()), (Code::InvalidArgument, "to"));
    mesh.stop().await.unwrap();
}
