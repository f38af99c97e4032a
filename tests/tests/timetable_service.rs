//! Timetables through the gateway (R-SCH-1 … R-SCH-6): classes and teachers registered, a
//! timetable generated around the published 2020 TV grid (read by the schedule service from the
//! TV grid service over gRPC), "what is on today" merging own and TV lessons, an uploaded
//! timetable checked rule by rule, versions and their TimetableChanged events.

use std::collections::BTreeMap;

use prost::Message;
use qashyq_catalogue::{Grade, Language as CatalogueLanguage};
use qashyq_e2e::{Mesh, school_fixture};
use qashyq_platform::error::field_violations;
use qashyq_proto::schedule::events::v1::TimetableChanged;
use qashyq_proto::{
    common::v1::{Language, LocalDate},
    events::v1::EventEnvelope,
    schedule::v1::{
        Connectivity, ExportClassCalendarRequest, GenerateTimetableRequest, GetClassDayRequest, GetSchoolCalendarRequest, GetTimetableRequest,
        RegisterClassRequest, RegisterTeacherRequest, Shift as PbShift, SubjectLoad, UploadTimetableRequest, ValidateTimetableRequest,
        catalogue_service_client::CatalogueServiceClient, directory_service_client::DirectoryServiceClient, timetable_service_client::TimetableServiceClient,
    },
    tvgrid::v1::{PublishGridRequest, tv_grid_service_client::TvGridServiceClient},
};
use qashyq_schedule::domain::timetable::Shift;
use tonic::Code;

fn monday() -> Option<LocalDate> {
    Some(LocalDate { year: 2020, month: 4, day: 6 })
}

fn minutes(local: &str) -> u32 {
    // "2020-04-06T10:50:00+06:00" → minutes after midnight.
    let time = &local[11..16];
    time[..2].parse::<u32>().unwrap() * 60 + time[3..].parse::<u32>().unwrap()
}

#[tokio::test]
async fn r_sch_timetables_are_generated_around_the_tv_grid_and_served_for_today() {
    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("kundelik.kz", 10_000).await;
    let channel = mesh.gateway_channel(&key).await;
    let mut tvgrid = TvGridServiceClient::new(channel.clone());
    tvgrid.import_grid(qashyq_tvgrid::cli::spring_2020_request("admin")).await.unwrap();
    tvgrid.publish_grid(PublishGridRequest { campaign: "2020-spring".into(), version: 1, published_by: "admin".into() }).await.unwrap();
    let school = distance_school(&channel, "KZ-ALA", "School-lyceum 15", Connectivity::Broadband).await;
    let mut timetables = TimetableServiceClient::new(channel.clone());

    // Two classes whose loads are their 2020 TV lessons plus own lessons, and a teacher for
    // every subject with own lessons.
    let tv = school_fixture::first_week_2020();
    let mut class_ids = BTreeMap::new();
    let mut own_subjects = std::collections::BTreeSet::new();
    for (grade, letter, language, proto_language) in [(5i32, "А", CatalogueLanguage::Kk, Language::Kk), (10, "В", CatalogueLanguage::Ru, Language::Ru)] {
        let class = school_fixture::class(String::new(), Grade::new(grade.into()).unwrap(), language, Shift::First, &tv);
        for (subject, load) in &class.weekly_load {
            let aired =
                qashyq_schedule::domain::timetable::Day::ALL.iter().flat_map(|d| tv.of(language, class.grade, *d)).filter(|l| &l.subject == subject).count();
            if usize::from(*load) > aired {
                own_subjects.insert(subject.clone());
            }
        }
        let registered = timetables
            .register_class(RegisterClassRequest {
                school_id: school.school_id.clone(),
                grade,
                letter: letter.into(),
                language: proto_language as i32,
                shift: PbShift::Unspecified as i32,
                weekly_load: class.weekly_load.iter().map(|(s, n)| SubjectLoad { subject: s.clone(), per_week: (*n).into() }).collect(),
            })
            .await
            .unwrap()
            .into_inner();
        let expected_shift = if grade >= 10 { PbShift::Second } else { PbShift::First };
        assert_eq!(registered.shift, expected_shift as i32, "the shift follows the grade when not given");
        class_ids.insert(grade, registered.class_id);
    }
    for subject in &own_subjects {
        timetables
            .register_teacher(RegisterTeacherRequest {
                school_id: school.school_id.clone(),
                full_name: format!("Teacher of {subject}"),
                subjects: vec![subject.clone()],
                shift: 0,
            })
            .await
            .unwrap();
    }

    // Generated around the TV week of 6 April 2020 and stored as version 1.
    let generated = timetables
        .generate_timetable(GenerateTimetableRequest { school_id: school.school_id.clone(), week_of: monday(), requested_by: "deputy-head".into() })
        .await
        .unwrap()
        .into_inner();
    assert!(generated.problems.is_empty(), "{:?}", generated.problems);
    let timetable = generated.timetable.unwrap();
    assert_eq!(timetable.version, 1);
    assert!(!timetable.lessons.is_empty());

    // What is on today for 5А: own lessons from 08:30 and the TV lessons on Balapan at their air
    // times (10:50–11:20 at UTC+6), in one ordered list, never overlapping.
    let day = timetables.get_class_day(GetClassDayRequest { class_id: class_ids[&5].clone(), date: monday() }).await.unwrap().into_inner();
    assert_eq!(day.timetable_version, 1);
    let tv_items: Vec<_> = day.items.iter().filter(|i| i.kind == "tv").collect();
    assert_eq!(tv_items.len(), 3);
    assert_eq!(tv_items[0].starts, "2020-04-06T10:50:00+06:00");
    assert!(tv_items.iter().all(|i| i.channel_id == "balapan.kz"));
    let own: Vec<_> = day.items.iter().filter(|i| i.kind == "own").collect();
    assert!(!own.is_empty());
    assert!(own.iter().all(|i| minutes(&i.starts) >= 8 * 60 + 30));
    assert!(day.items.windows(2).all(|w| minutes(&w[0].ends) <= minutes(&w[1].starts)), "ordered, nothing overlaps: {:#?}", day.items);
    let saturday = timetables
        .get_class_day(GetClassDayRequest { class_id: class_ids[&5].clone(), date: Some(LocalDate { year: 2020, month: 4, day: 11 }) })
        .await
        .unwrap()
        .into_inner();
    assert!(saturday.items.is_empty(), "nothing on a Saturday");

    // R-SCH-4: the calendar takes own lessons off holidays and breaks and puts the order's remote
    // events in the day at the grade group's time.
    let class_day =
        |date: (i32, i32, i32)| GetClassDayRequest { class_id: class_ids[&5].clone(), date: Some(LocalDate { year: date.0, month: date.1, day: date.2 }) };
    let may_day = timetables.get_class_day(class_day((2020, 5, 1))).await.unwrap().into_inner();
    assert!(may_day.items.is_empty(), "1 May is a public holiday (a Friday): {:?}", may_day.items);
    let meeting = timetables.get_class_day(class_day((2020, 4, 2))).await.unwrap().into_inner();
    let kinds: Vec<(&str, &str)> = meeting.items.iter().map(|i| (i.kind.as_str(), i.starts.as_str())).collect();
    assert_eq!(kinds, [("event", "2020-04-02T12:00:00+06:00")], "spring break: no lessons, the parent meeting of grades 5–9 at 12:00");
    let calendar = timetables
        .get_school_calendar(GetSchoolCalendarRequest {
            grade: 11,
            first_day: Some(LocalDate { year: 2020, month: 3, day: 30 }),
            last_day: monday(),
            region_code: "KZ-ALA".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let kinds: Vec<&str> = calendar.days.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(kinds, ["break", "break", "break", "break", "break", "weekend", "weekend", "school-day"]);
    let events: Vec<(&str, &str)> = calendar.days.iter().flat_map(|d| &d.events).map(|e| (e.kind.as_str(), &e.starts[11..16])).collect();
    assert_eq!(events, [("trial-lessons", "14:00"), ("parent-meeting", "14:00"), ("class-hour", "14:00")]);
    let bad = timetables
        .get_school_calendar(GetSchoolCalendarRequest {
            grade: 13,
            first_day: monday(),
            last_day: Some(LocalDate { year: 2022, month: 1, day: 1 }),
            region_code: "KZ-XX".into(),
        })
        .await
        .unwrap_err();
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["grade", "last_day", "region_code"]);

    // R-SCH-7: iCalendar of the class, parsed by an independent library (Python icalendar), with
    // the right UTC times at UTC+6 (2020) and UTC+5 (2026).
    let week_events = calendar_events(&mut timetables, &class_ids[&5], (2020, 4, 6), (2020, 4, 10)).await;
    let expected = timetable.lessons.iter().filter(|l| l.class_id == class_ids[&5]).count() + tv_lessons_of_week(&tv, 5);
    assert_eq!(week_events.len(), expected, "own and TV lessons of the week: {week_events:#?}");
    assert!(week_events.iter().any(|e| e.contains("|2020-04-06T02:30:00+00:00|1|")), "08:30 at UTC+6: {week_events:#?}");
    assert!(week_events.iter().any(|e| e.contains("|2020-04-06T04:50:00+00:00|1|TV: ")), "the TV lesson at 10:50 at UTC+6");
    let uid = week_events[0].split('|').next().unwrap().to_owned();
    assert!(uid.starts_with(&format!("2020-04-06-{}-own-0830@", class_ids[&5])), "{uid}");
    let later = calendar_events(&mut timetables, &class_ids[&5], (2026, 11, 23), (2026, 11, 23)).await;
    assert!(later[0].contains("|2026-11-23T03:30:00+00:00|"), "08:30 at UTC+5: {later:#?}");
    let bad = timetables
        .export_class_calendar(ExportClassCalendarRequest {
            class_id: "x".into(),
            first_day: monday(),
            last_day: Some(LocalDate { year: 2020, month: 4, day: 1 }),
        })
        .await
        .unwrap_err();
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["class_id", "last_day"]);

    // An uploaded timetable that puts a lesson over the TV lessons: every violation is listed by
    // ValidateTimetable, and UploadTimetable refuses it without storing anything.
    let mut broken = timetable.lessons.clone();
    let first_5a = broken.iter().position(|l| l.class_id == class_ids[&5] && l.weekday == "mon").unwrap();
    broken[first_5a].starts = "10:55".into();
    broken[first_5a].minutes = 45;
    let report = timetables
        .validate_timetable(ValidateTimetableRequest { school_id: school.school_id.clone(), week_of: monday(), lessons: broken.clone() })
        .await
        .unwrap()
        .into_inner();
    let rules: Vec<_> = report.violations.iter().filter(|v| v.lessons.contains(&(first_5a as i32))).map(|v| v.rule.as_str()).collect();
    assert!(rules.contains(&"R-SCH-2/tv-overlap") && rules.contains(&"R-SCH-1/lesson-length"), "{:#?}", report.violations);
    let refused = timetables
        .upload_timetable(UploadTimetableRequest { school_id: school.school_id.clone(), week_of: monday(), lessons: broken, uploaded_by: "deputy-head".into() })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(field_violations(&refused).iter().any(|v| v.field == format!("lessons[{first_5a}]")));
    let current = timetables.get_timetable(GetTimetableRequest { school_id: school.school_id.clone(), version: 0 }).await.unwrap().into_inner();
    assert_eq!(current, timetable, "nothing stored changed");

    // A valid upload that moves one 5А lesson is version 2; its event names 5А only.
    let mut moved = timetable.lessons.clone();
    let last_5a_friday = moved.iter().rposition(|l| l.class_id == class_ids[&5] && l.weekday == "fri").unwrap();
    moved[last_5a_friday].starts = "13:20".into();
    let uploaded = timetables
        .upload_timetable(UploadTimetableRequest { school_id: school.school_id.clone(), week_of: monday(), lessons: moved, uploaded_by: "deputy-head".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(uploaded.version, 2);
    let pool = sqlx::PgPool::connect(mesh.config.database_url()).await.unwrap();
    let envelopes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT envelope FROM schedule.outbox WHERE event_type = 'qashyq.schedule.events.v1.TimetableChanged' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let changes: Vec<TimetableChanged> =
        envelopes.iter().map(|b| TimetableChanged::decode(EventEnvelope::decode(b.as_slice()).unwrap().payload.unwrap().value.as_slice()).unwrap()).collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].affected_class_ids.len(), 2, "the first version affects every class");
    assert_eq!(changes[1].affected_class_ids, [class_ids[&5].clone()]);
    pool.close().await;

    // Bad input names its field.
    let bad = timetables
        .register_class(RegisterClassRequest {
            school_id: school.school_id.clone(),
            grade: 13,
            letter: String::new(),
            language: 7,
            shift: 0,
            weekly_load: vec![SubjectLoad { subject: "Astrology".into(), per_week: 99 }],
        })
        .await
        .unwrap_err();
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["grade", "letter", "language", "weekly_load[0].subject", "weekly_load[0].per_week"]);
    let unknown = timetables.get_class_day(GetClassDayRequest { class_id: uuid::Uuid::nil().to_string(), date: monday() }).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "the class read is unknown: {unknown:?}");
    // R-GW-5, one rule for "not found": every read of an unknown school or class is NOT_FOUND.
    let nil = uuid::Uuid::nil().to_string();
    let not_found = [
        timetables.list_classes(qashyq_proto::schedule::v1::ListClassesRequest { school_id: nil.clone() }).await.unwrap_err(),
        timetables.get_timetable(GetTimetableRequest { school_id: nil.clone(), version: 0 }).await.unwrap_err(),
        timetables.export_class_calendar(ExportClassCalendarRequest { class_id: nil.clone(), first_day: monday(), last_day: monday() }).await.unwrap_err(),
        DirectoryServiceClient::new(channel.clone())
            .list_pupils(qashyq_proto::schedule::v1::ListPupilsRequest { class_id: nil.clone(), page: None })
            .await
            .unwrap_err(),
    ];
    for status in not_found {
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
    }
    let no_school = timetables
        .generate_timetable(GenerateTimetableRequest { school_id: uuid::Uuid::nil().to_string(), week_of: monday(), requested_by: "x".into() })
        .await
        .unwrap_err();
    assert_eq!((no_school.code(), field_violations(&no_school)[0].field.as_str()), (Code::InvalidArgument, "school_id"));
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_ref_4_a_school_in_atyrau_lives_at_utc_5_in_2020_and_sees_tv_lessons_at_their_instant() {
    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("kundelik.kz", 10_000).await;
    let channel = mesh.gateway_channel(&key).await;
    let mut tvgrid = TvGridServiceClient::new(channel.clone());
    tvgrid.import_grid(qashyq_tvgrid::cli::spring_2020_request("admin")).await.unwrap();
    tvgrid.publish_grid(PublishGridRequest { campaign: "2020-spring".into(), version: 1, published_by: "admin".into() }).await.unwrap();

    // Kazakh-medium 5А in Atyrau with its TV load and one own lesson of English.
    let load = kazakh_5_load_with_english(5);
    let school = distance_school(&channel, "KZ-ATY", "Atyrau school No. 1", Connectivity::Broadband).await;
    let mut timetables = TimetableServiceClient::new(channel.clone());
    let class = kazakh_5a(&mut timetables, &school.school_id, &load).await;
    timetables
        .register_teacher(RegisterTeacherRequest {
            school_id: school.school_id.clone(),
            full_name: "Aigul Kim".into(),
            subjects: vec!["english".into()],
            shift: 0,
        })
        .await
        .unwrap();
    let generated = timetables
        .generate_timetable(GenerateTimetableRequest { school_id: school.school_id.clone(), week_of: monday(), requested_by: "deputy-head".into() })
        .await
        .unwrap()
        .into_inner();
    assert!(generated.problems.is_empty(), "{:?}", generated.problems);

    // Balapan airs grade 5 at 10:50 Almaty time (UTC+6): 09:50 in Atyrau (UTC+5). Own lessons
    // start from 08:30 Atyrau time and never overlap the TV lessons at their real instant.
    let day = timetables.get_class_day(GetClassDayRequest { class_id: class.class_id.clone(), date: monday() }).await.unwrap().into_inner();
    let tv_starts: Vec<&str> = day.items.iter().filter(|i| i.kind == "tv").map(|i| i.starts.as_str()).collect();
    assert_eq!(tv_starts, ["2020-04-06T09:50:00+05:00", "2020-04-06T10:00:00+05:00", "2020-04-06T10:10:00+05:00"]);
    let own: Vec<_> = day.items.iter().filter(|i| i.kind == "own").collect();
    assert!(!own.is_empty() && own.iter().all(|i| i.starts.ends_with("+05:00") && minutes(&i.starts) >= 8 * 60 + 30), "{own:#?}");
    assert!(day.items.windows(2).all(|w| minutes(&w[0].ends) <= minutes(&w[1].starts)), "nothing overlaps: {:#?}", day.items);

    // The school calendar's events at the grade group's time in Atyrau; the class's iCalendar
    // names its zone.
    let calendar = timetables
        .get_school_calendar(GetSchoolCalendarRequest {
            grade: 11,
            first_day: Some(LocalDate { year: 2020, month: 4, day: 1 }),
            last_day: Some(LocalDate { year: 2020, month: 4, day: 1 }),
            region_code: "KZ-ATY".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(calendar.days[0].events[0].starts, "2020-04-01T14:00:00+05:00");
    let ics = timetables
        .export_class_calendar(ExportClassCalendarRequest { class_id: class.class_id.clone(), first_day: monday(), last_day: monday() })
        .await
        .unwrap()
        .into_inner();
    assert!(String::from_utf8(ics.content).unwrap().contains("X-WR-TIMEZONE:Asia/Atyrau"));

    // The catalogue says so too.
    let regions = CatalogueServiceClient::new(channel.clone()).list_regions(qashyq_proto::schedule::v1::ListRegionsRequest {}).await.unwrap().into_inner();
    let zone_of = |code: &str| regions.regions.iter().find(|r| r.code == code).map(|r| r.time_zone.clone());
    assert_eq!((zone_of("KZ-ATY").as_deref(), zone_of("KZ-ALA").as_deref()), (Some("Asia/Atyrau"), Some("Asia/Almaty")));
    mesh.stop().await.unwrap();
}

/// A distance-learning school registered through the gateway.
async fn distance_school(
    channel: &qashyq_e2e::AuthenticatedChannel,
    region: &str,
    name: &str,
    connectivity: Connectivity,
) -> qashyq_proto::schedule::v1::School {
    DirectoryServiceClient::new(channel.clone()).register_school(qashyq_e2e::distance_school_request(region, name, connectivity)).await.unwrap().into_inner()
}

/// The weekly load of Kazakh-medium grade 5: its TV lessons of the fixture's week, and `english`
/// own lessons of English.
fn kazakh_5_load_with_english(english: i32) -> BTreeMap<String, i32> {
    let tv = school_fixture::first_week_2020();
    let mut load: BTreeMap<String, i32> = BTreeMap::new();
    for day in qashyq_schedule::domain::timetable::Day::ALL {
        for lesson in tv.of(CatalogueLanguage::Kk, Grade::new(5).unwrap(), day) {
            *load.entry(lesson.subject.clone()).or_default() += 1;
        }
    }
    load.insert("english".into(), english);
    load
}

/// Kazakh-medium 5А of the school, with a weekly load per subject.
async fn kazakh_5a(
    timetables: &mut TimetableServiceClient<qashyq_e2e::AuthenticatedChannel>,
    school_id: &str,
    load: &BTreeMap<String, i32>,
) -> qashyq_proto::schedule::v1::SchoolClass {
    let request = RegisterClassRequest {
        school_id: school_id.into(),
        grade: 5,
        letter: "А".into(),
        language: Language::Kk as i32,
        shift: PbShift::Unspecified as i32,
        weekly_load: load.iter().map(|(subject, n)| SubjectLoad { subject: subject.clone(), per_week: *n }).collect(),
    };
    timetables.register_class(request).await.unwrap().into_inner()
}

/// TV lessons of Kazakh-medium `grade` in the fixture's week.
fn tv_lessons_of_week(tv: &qashyq_schedule::domain::timetable::TvWeek, grade: i64) -> usize {
    qashyq_schedule::domain::timetable::Day::ALL.iter().map(|d| tv.of(CatalogueLanguage::Kk, Grade::new(grade).unwrap(), *d).len()).sum()
}

/// The class's calendar, parsed by Python's `icalendar`: `UID|DTSTART in UTC|SEQUENCE|SUMMARY` per
/// event, in time order.
async fn calendar_events(
    client: &mut TimetableServiceClient<qashyq_e2e::AuthenticatedChannel>,
    class_id: &str,
    first: (i32, i32, i32),
    last: (i32, i32, i32),
) -> Vec<String> {
    let request = ExportClassCalendarRequest {
        class_id: class_id.into(),
        first_day: Some(LocalDate { year: first.0, month: first.1, day: first.2 }),
        last_day: Some(LocalDate { year: last.0, month: last.1, day: last.2 }),
    };
    let calendar = client.export_class_calendar(request).await.unwrap().into_inner();
    assert_eq!(calendar.content_type, "text/calendar");
    let path = std::env::temp_dir().join(format!("qashyq-class-{}-{}.ics", std::process::id(), first.0));
    std::fs::write(&path, &calendar.content).unwrap();
    let python = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/python");
    let script = "import sys, icalendar, datetime\n\
                  cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
                  rows = sorted((e.decoded('DTSTART').astimezone(datetime.timezone.utc), str(e['UID']), str(e['SEQUENCE']), str(e['SUMMARY'])) for e in cal.walk('VEVENT'))\n\
                  for start, uid, seq, summary in rows:\n    print(f'{uid}|{start.isoformat()}|{seq}|{summary}')\n";
    let output = std::process::Command::new(python).arg("-c").arg(script).arg(&path).output().expect("run make tools first (.tools/venv)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect()
}

/// R-SCH-5 for a pupil: the pupils of a class come in by CSV through the gateway, and a pupil's
/// day is their class's day with their delivery category and the class's homework deadlines,
/// which the schedule service learns from the assignments service's HomeworkPosted events.
#[tokio::test]
async fn r_sch_5_a_pupils_day_is_their_class_day_with_homework_deadlines() {
    use chrono::{Datelike, TimeZone};
    use qashyq_proto::{
        assignments::v1::{EditHomeworkRequest, PostHomeworkRequest, WithdrawHomeworkRequest, assignments_service_client::AssignmentsServiceClient},
        schedule::v1::{Delivery, GetPupilDayRequest, ImportRosterRequest, ListPupilsRequest, RegisterTeacherRequest, RosterKind},
    };
    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("kundelik.kz", 10_000).await;
    let channel = mesh.gateway_channel(&key).await;
    let mut tvgrid = TvGridServiceClient::new(channel.clone());
    tvgrid.import_grid(qashyq_tvgrid::cli::spring_2020_request("admin")).await.unwrap();
    tvgrid.publish_grid(PublishGridRequest { campaign: "2020-spring".into(), version: 1, published_by: "admin".into() }).await.unwrap();
    let mut directory = DirectoryServiceClient::new(channel.clone());
    let school = distance_school(&channel, "KZ-KZY", "Aral school No. 3", Connectivity::Slow).await;
    let mut timetables = TimetableServiceClient::new(channel.clone());
    let class = kazakh_5a(&mut timetables, &school.school_id, &[("mathematics".to_owned(), 5)].into_iter().collect()).await;
    let roster = "full_name,class,delivery,parent_name,parent_phone\nАйгерим Нурланова,5А,TV-only,Нурлан Ахметов,8 701 123 45 67\nАрман Ким,5а,broadband,,\n";
    let imported = directory
        .import_roster(ImportRosterRequest { school_id: school.school_id.clone(), kind: RosterKind::Pupils as i32, csv: roster.into(), validate_only: false })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((imported.created, imported.parents_linked), (2, 1));
    let pupils = directory.list_pupils(ListPupilsRequest { class_id: class.class_id.clone(), page: None }).await.unwrap().into_inner().pupils;
    let aigerim = pupils.iter().find(|p| p.full_name == "Айгерим Нурланова").unwrap();
    assert_eq!(aigerim.delivery, Delivery::TvOnly as i32);

    // On 6 April 2020 the pupil's day is the class's: grade 5's TV lessons on Balapan.
    let pupil_day = timetables.get_pupil_day(GetPupilDayRequest { pupil_id: aigerim.pupil_id.clone(), date: monday() }).await.unwrap().into_inner();
    let class_day = timetables.get_class_day(GetClassDayRequest { class_id: class.class_id.clone(), date: monday() }).await.unwrap().into_inner();
    assert_eq!(pupil_day.class_id, class.class_id);
    assert_eq!(pupil_day.delivery, Delivery::TvOnly as i32);
    assert_eq!(pupil_day.items, class_day.items);
    assert_eq!(pupil_day.items.iter().filter(|i| i.kind == "tv").count(), 3);

    // Homework posted for the class with a deadline tomorrow at 18:00 in Almaty shows on that day.
    let tomorrow = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Almaty).date_naive() + chrono::Duration::days(1);
    let deadline = chrono_tz::Asia::Almaty.from_local_datetime(&tomorrow.and_hms_opt(18, 0, 0).unwrap()).unwrap();
    let teacher = RegisterTeacherRequest { school_id: school.school_id.clone(), full_name: "Aigul Kim".into(), subjects: vec!["mathematics".into()], shift: 0 };
    let teacher_id = timetables.register_teacher(teacher).await.unwrap().into_inner().teacher_id;
    mesh.until_assignments_know(&class.class_id, &teacher_id).await;
    let with_teacher = qashyq_e2e::ClassWithTeacher { school_id: school.school_id.clone(), class_id: class.class_id.clone(), teacher_id };
    let mut assignments = AssignmentsServiceClient::new(channel.clone());
    let post = PostHomeworkRequest {
        subject: "Математика".into(),
        tasks: vec!["p. 45, ex. 3".into()],
        deadline: Some(prost_types::Timestamp { seconds: deadline.timestamp(), nanos: 0 }),
        ..with_teacher.homework("p. 45, ex. 3")
    };
    let homework = assignments.post_homework(post).await.unwrap().into_inner();
    let date = Some(LocalDate { year: tomorrow.year(), month: tomorrow.month() as i32, day: tomorrow.day() as i32 });
    let request = GetPupilDayRequest { pupil_id: aigerim.pupil_id.clone(), date };
    let mut items = Vec::new();
    let arrived = qashyq_testkit::wait_until(std::time::Duration::from_secs(20), || {
        let mut timetables = timetables.clone();
        let request = request.clone();
        async move { timetables.get_pupil_day(request).await.unwrap().into_inner().items.iter().any(|i| i.kind == "deadline") }
    })
    .await;
    assert!(arrived, "the deadline reaches the pupil's day");
    items.extend(timetables.get_pupil_day(request).await.unwrap().into_inner().items.into_iter().filter(|i| i.kind == "deadline"));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].homework_id, homework.homework_id);
    assert_eq!(items[0].subject, "mathematics");
    assert_eq!(items[0].starts, deadline.to_rfc3339());
    // Not on the day before.
    let today = tomorrow - chrono::Duration::days(1);
    let before = GetPupilDayRequest {
        pupil_id: aigerim.pupil_id.clone(),
        date: Some(LocalDate { year: today.year(), month: today.month() as i32, day: today.day() as i32 }),
    };
    assert!(!timetables.get_pupil_day(before).await.unwrap().into_inner().items.iter().any(|i| i.kind == "deadline"));

    // R-AS-8: the deadline follows an edit (HomeworkChanged) to the day after, then a withdrawal.
    let later = deadline + chrono::Duration::days(1);
    let edit = EditHomeworkRequest {
        homework_id: homework.homework_id.clone(),
        expected_version: 1,
        tasks: homework.tasks.clone(),
        resource_links: vec![],
        deadline: Some(prost_types::Timestamp { seconds: later.timestamp(), nanos: 0 }),
        files: vec![],
        expected_minutes: homework.expected_minutes,
    };
    assignments.edit_homework(edit).await.unwrap();
    let day_after = tomorrow + chrono::Duration::days(1);
    let on = |day: chrono::NaiveDate| GetPupilDayRequest {
        pupil_id: aigerim.pupil_id.clone(),
        date: Some(LocalDate { year: day.year(), month: day.month() as i32, day: day.day() as i32 }),
    };
    let deadlines_on = |day: chrono::NaiveDate| {
        let mut timetables = timetables.clone();
        let request = on(day);
        async move { timetables.get_pupil_day(request).await.unwrap().into_inner().items.iter().filter(|i| i.kind == "deadline").count() }
    };
    let moved =
        qashyq_testkit::wait_until(std::time::Duration::from_secs(20), || async { deadlines_on(day_after).await == 1 && deadlines_on(tomorrow).await == 0 })
            .await;
    assert!(moved, "the edited deadline moves to the day after");
    assignments
        .withdraw_homework(WithdrawHomeworkRequest { homework_id: homework.homework_id.clone(), expected_version: 2, reason: "posted twice".into() })
        .await
        .unwrap();
    let gone = qashyq_testkit::wait_until(std::time::Duration::from_secs(20), || async { deadlines_on(day_after).await == 0 }).await;
    assert!(gone, "a withdrawn homework's deadline leaves the pupil's day");

    // Bad input names the field.
    let unknown = GetPupilDayRequest { pupil_id: uuid::Uuid::new_v4().to_string(), date: monday() };
    assert_eq!(timetables.get_pupil_day(unknown).await.unwrap_err().code(), Code::NotFound);
    let no_date = GetPupilDayRequest { pupil_id: "x".into(), date: None };
    let fields: Vec<_> = field_violations(&timetables.get_pupil_day(no_date).await.unwrap_err()).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["pupil_id", "date"]);
    mesh.stop().await.unwrap();
}

/// R-SCH-2 with R-TV-6: a new publication of the grid moves Kazakh-medium grade 5's Tuesday TV
/// lessons earlier (grades 3 and 4 lose a lesson each), over an own lesson a school had put just before
/// them. The schedule service learns of it from GridPublished and stores a regenerated timetable
/// that keeps every rule in the weeks the new publication airs.
#[tokio::test]
async fn r_sch_2_a_new_grid_publication_realigns_the_timetables_it_breaks() {
    use chrono::{Datelike, Duration};
    use qashyq_platform::time::{from_local_date, to_local_date};
    use qashyq_proto::tvgrid::v1::GetGradeDayRequest;
    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("kundelik.kz", 10_000).await;
    let channel = mesh.gateway_channel(&key).await;
    let mut tvgrid = TvGridServiceClient::new(channel.clone());

    // The 2020 documents, as a campaign running around today.
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Almaty).date_naive();
    let mut v1 = qashyq_tvgrid::cli::spring_2020_request("admin");
    let campaign = v1.campaign.as_mut().unwrap();
    campaign.name = "running".into();
    campaign.first_day = Some(to_local_date(today - Duration::days(28)));
    campaign.last_day = Some(to_local_date(today + Duration::days(42)));
    campaign.holidays.clear();
    campaign.planned_lessons = 0;
    campaign.planned_lessons_per_grade.clear();
    tvgrid.import_grid(v1.clone()).await.unwrap();
    tvgrid.publish_grid(PublishGridRequest { campaign: "running".into(), version: 1, published_by: "admin".into() }).await.unwrap();

    // Kazakh-medium 5А: its load is its TV lessons and one English lesson, which the school puts
    // on Tuesdays 40 minutes before the TV lessons (a 10-minute break before them).
    let next_monday = today + Duration::days(i64::from(7 - today.weekday().num_days_from_monday()));
    let tuesday = next_monday + Duration::days(1);
    let airings = tvgrid
        .get_grade_day(GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: Some(to_local_date(tuesday)) })
        .await
        .unwrap()
        .into_inner()
        .airings;
    let first_tv = minutes(&airings[0].local_start);
    let load = kazakh_5_load_with_english(1);
    let school = distance_school(&channel, "KZ-ALA", "School No. 90", Connectivity::Broadband).await;
    let mut timetables = TimetableServiceClient::new(channel.clone());
    let class = kazakh_5a(&mut timetables, &school.school_id, &load).await;
    let teacher = timetables
        .register_teacher(RegisterTeacherRequest {
            school_id: school.school_id.clone(),
            full_name: "Aigul Kim".into(),
            subjects: vec!["english".into()],
            shift: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let start = first_tv - 40;
    let english = qashyq_proto::schedule::v1::Lesson {
        class_id: class.class_id.clone(),
        weekday: "tue".into(),
        starts: format!("{:02}:{:02}", start / 60, start % 60),
        minutes: 30,
        subject: "english".into(),
        teacher_id: teacher.teacher_id.clone(),
    };
    let week_of = Some(to_local_date(next_monday));
    let uploaded = timetables
        .upload_timetable(UploadTimetableRequest { school_id: school.school_id.clone(), week_of, lessons: vec![english], uploaded_by: "deputy-head".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(uploaded.version, 1);

    // Version 2 of the grid: Kazakh-medium grades 3 and 4 have a lesson fewer on Tuesdays, so
    // grade 5's Tuesday lessons air 20 minutes earlier, over the English lesson.
    let mut v2 = v1.clone();
    for grade in [3, 4] {
        let day = v2.grid.iter_mut().find(|d| d.language == Language::Kk as i32 && d.grade == grade && d.weekday == "tue").unwrap();
        assert!(day.subjects.len() >= 2, "{day:?}");
        day.subjects.pop();
    }
    tvgrid.import_grid(v2).await.unwrap();
    let publication =
        tvgrid.publish_grid(PublishGridRequest { campaign: "running".into(), version: 2, published_by: "admin".into() }).await.unwrap().into_inner();
    let effective_from = from_local_date(publication.effective_from.as_ref().unwrap()).unwrap();
    let first_week = effective_from + Duration::days(i64::from((7 - effective_from.weekday().num_days_from_monday()) % 7));

    let realigned = qashyq_testkit::wait_until(std::time::Duration::from_secs(30), || {
        let mut timetables = timetables.clone();
        let request = GetTimetableRequest { school_id: school.school_id.clone(), version: 0 };
        async move { timetables.get_timetable(request).await.unwrap().into_inner().version == 2 }
    })
    .await;
    assert!(realigned, "the schedule service stores a realigned timetable");
    let current = timetables.get_timetable(GetTimetableRequest { school_id: school.school_id.clone(), version: 0 }).await.unwrap().into_inner();
    assert!(current.created_by.contains("running publication 2"), "{}", current.created_by);
    assert_eq!(current.week_of, Some(to_local_date(first_week)));
    // Against the TV grid service's Tuesday of that week (the new publication): the old English
    // lesson overlaps grade 5's TV lessons, no lesson of the new version does.
    let new_tuesday = tvgrid
        .get_grade_day(GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: Some(to_local_date(first_week + Duration::days(1))) })
        .await
        .unwrap()
        .into_inner()
        .airings;
    let on_air: Vec<(u32, u32)> = new_tuesday.iter().map(|a| (minutes(&a.local_start), minutes(&a.local_start) + 10)).collect();
    assert_eq!(on_air[0].0, first_tv - 20, "grade 5 airs 20 minutes earlier");
    let overlaps = |l: &qashyq_proto::schedule::v1::Lesson| {
        let from = l.starts[..2].parse::<u32>().unwrap() * 60 + l.starts[3..].parse::<u32>().unwrap();
        let to = from + l.minutes as u32;
        l.weekday == "tue" && on_air.iter().any(|&(a, b)| from < b && a < to)
    };
    assert!(uploaded.lessons.iter().any(overlaps), "the old version broke R-SCH-2");
    assert!(!current.lessons.iter().any(overlaps), "the new version keeps R-SCH-2: {:#?}", current.lessons);
    let pool = sqlx::PgPool::connect(mesh.config.database_url()).await.unwrap();
    let outcome: (String, i64) = sqlx::query_as("SELECT outcome, timetable_version FROM schedule.realignments").fetch_one(&pool).await.unwrap();
    assert_eq!(outcome, ("regenerated".to_owned(), 2));
    // Its TimetableChanged event names 5А.
    let changes: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT envelope FROM schedule.outbox WHERE event_type = 'qashyq.schedule.events.v1.TimetableChanged' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let last = EventEnvelope::decode(changes.last().unwrap().as_slice()).unwrap();
    let changed = TimetableChanged::decode(last.payload.as_ref().unwrap().value.as_slice()).unwrap();
    assert_eq!((changed.version, changed.affected_class_ids), (2, vec![class.class_id.clone()]));

    // Version 3 airs a sixth mathematics lesson for grade 5 on Wednesdays: more TV lessons than
    // 5А's weekly load allows, so no valid timetable exists. The current one is kept and
    // TimetableMisaligned tells the school which rule fails.
    let mut v3 = v1.clone();
    for grade in [3, 4] {
        v3.grid.iter_mut().find(|d| d.language == Language::Kk as i32 && d.grade == grade && d.weekday == "tue").unwrap().subjects.pop();
    }
    v3.grid.iter_mut().find(|d| d.language == Language::Kk as i32 && d.grade == 5 && d.weekday == "wed").unwrap().subjects.push("mathematics".into());
    tvgrid.import_grid(v3).await.unwrap();
    tvgrid.publish_grid(PublishGridRequest { campaign: "running".into(), version: 3, published_by: "admin".into() }).await.unwrap();
    let settled = qashyq_testkit::wait_until(std::time::Duration::from_secs(30), || {
        let pool = pool.clone();
        async move {
            let outcome: Option<String> =
                sqlx::query_scalar("SELECT outcome FROM schedule.realignments WHERE publication = 3").fetch_optional(&pool).await.unwrap().flatten();
            outcome.is_some()
        }
    })
    .await;
    assert!(settled, "publication 3 is realigned");
    let outcome: (String, i64) =
        sqlx::query_as("SELECT outcome, timetable_version FROM schedule.realignments WHERE publication = 3").fetch_one(&pool).await.unwrap();
    assert_eq!(outcome, ("misaligned".to_owned(), 2));
    let envelope: Vec<u8> = sqlx::query_scalar("SELECT envelope FROM schedule.outbox WHERE event_type = 'qashyq.schedule.events.v1.TimetableMisaligned'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let envelope = EventEnvelope::decode(envelope.as_slice()).unwrap();
    let misaligned = qashyq_proto::schedule::events::v1::TimetableMisaligned::decode(envelope.payload.unwrap().value.as_slice()).unwrap();
    assert_eq!((misaligned.version, misaligned.publication), (2, 3));
    assert!(misaligned.violations.iter().any(|v| v.rule == "R-SCH-2/weekly-load" && v.subject == "mathematics"), "{misaligned:#?}");
    assert!(misaligned.problems.iter().any(|p| p.rule == "R-SCH-2/weekly-load" && p.class_id == class.class_id), "{misaligned:#?}");
    let current = timetables.get_timetable(GetTimetableRequest { school_id: school.school_id.clone(), version: 0 }).await.unwrap().into_inner();
    assert_eq!(current.version, 2, "the timetable in force is kept");
    pool.close().await;
    mesh.stop().await.unwrap();
}
