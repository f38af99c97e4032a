//! The rest of the directory (R-REF-1) over gRPC against a real PostgreSQL: districts, pupils
//! with their delivery category, parents, and bulk CSV import with a per-row report that stores
//! nothing when any row is bad.

use qashyq_platform::error::field_violations;
use qashyq_proto::schedule::v1::{
    AddParentRequest, Connectivity, Delivery, GetPupilRequest, ImportRosterRequest, LearningMode, ListClassesRequest, ListDistrictsRequest, ListPupilsRequest,
    ListSchoolsRequest, ParentContact, RegisterClassRequest, RegisterDistrictRequest, RegisterPupilRequest, RegisterSchoolRequest, RosterKind, Shift,
    SubjectLoad, directory_service_client::DirectoryServiceClient, timetable_service_client::TimetableServiceClient,
};
use qashyq_schedule::Schedule;
use qashyq_testkit::{RunningService, TestDatabase, spawn, test_config};
use tonic::{Code, transport::Channel};

struct Fixture {
    _db: TestDatabase,
    pool: sqlx::PgPool,
    service: RunningService,
    directory: DirectoryServiceClient<Channel>,
    timetables: TimetableServiceClient<Channel>,
}

impl Fixture {
    async fn start() -> Self {
        let db = TestDatabase::create().await.unwrap();
        let service = spawn::<Schedule>(test_config(db.url())).await.unwrap();
        let channel = service.channel().await;
        let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
        Self { _db: db, pool, service, directory: DirectoryServiceClient::new(channel.clone()), timetables: TimetableServiceClient::new(channel) }
    }

    async fn school(&mut self, region: &str, name: &str, district_id: &str) -> Result<String, tonic::Status> {
        let request = RegisterSchoolRequest {
            region_code: region.into(),
            name: name.into(),
            connectivity: Connectivity::Slow as i32,
            learning_mode: LearningMode::Distance as i32,
            ungraded_rural: false,
            district_id: district_id.into(),
        };
        Ok(self.directory.register_school(request).await?.into_inner().school_id)
    }

    async fn class(&mut self, school_id: &str, grade: i32, letter: &str) -> String {
        let request = RegisterClassRequest {
            school_id: school_id.into(),
            grade,
            letter: letter.into(),
            language: qashyq_proto::common::v1::Language::Kk as i32,
            shift: Shift::Unspecified as i32,
            weekly_load: vec![SubjectLoad { subject: "mathematics".into(), per_week: 4 }],
        };
        self.timetables.register_class(request).await.unwrap().into_inner().class_id
    }

    async fn events(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT event_type FROM schedule.outbox ORDER BY event_id").fetch_all(&self.pool).await.unwrap()
    }

    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM schedule.{table}")).fetch_one(&self.pool).await.unwrap()
    }

    async fn stop(self) {
        self.pool.close().await;
        self.service.stop().await.unwrap();
    }
}

fn fields(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    field_violations(status).into_iter().map(|v| v.field).collect()
}

#[tokio::test]
async fn r_ref_1_districts_group_schools_of_their_region() {
    let mut f = Fixture::start().await;
    let zhaksy =
        f.directory.register_district(RegisterDistrictRequest { region_code: "KZ-AKM".into(), name: "Zhaksy district".into() }).await.unwrap().into_inner();
    let tselinograd = f
        .directory
        .register_district(RegisterDistrictRequest { region_code: "KZ-AKM".into(), name: "Tselinograd district".into() })
        .await
        .unwrap()
        .into_inner();
    let again = f.directory.register_district(RegisterDistrictRequest { region_code: "KZ-AKM".into(), name: "Zhaksy district".into() }).await.unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    let bad = f.directory.register_district(RegisterDistrictRequest { region_code: "KZ-XX".into(), name: " ".into() }).await.unwrap_err();
    assert_eq!(fields(&bad), ["region_code", "name"]);

    let listed = f.directory.list_districts(ListDistrictsRequest { region_code: "KZ-AKM".into() }).await.unwrap().into_inner().districts;
    assert_eq!(listed.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["Tselinograd district", "Zhaksy district"]);

    f.school("KZ-AKM", "Zhaksy rural school", &zhaksy.district_id).await.unwrap();
    f.school("KZ-AKM", "Kosshy school No. 2", &tselinograd.district_id).await.unwrap();
    f.school("KZ-AKM", "School without a district yet", "").await.unwrap();
    // A district of another region, an unknown one, a malformed id: refused, nothing stored.
    let elsewhere = f.school("KZ-ALA", "School No. 1", &zhaksy.district_id).await.unwrap_err();
    assert_eq!(fields(&elsewhere), ["district_id"]);
    assert!(elsewhere.message().contains("KZ-AKM"), "{}", elsewhere.message());
    let unknown = f.school("KZ-AKM", "School No. 2", "0196a000-0000-7000-8000-000000000000").await.unwrap_err();
    assert_eq!(fields(&unknown), ["district_id"]);
    assert_eq!(fields(&f.school("KZ-AKM", "School No. 3", "zhaksy").await.unwrap_err()), ["district_id"]);
    assert_eq!(f.count("schools").await, 3);

    let request = ListSchoolsRequest { region_code: String::new(), page: None, district_id: zhaksy.district_id.clone() };
    let in_zhaksy = f.directory.list_schools(request).await.unwrap().into_inner().schools;
    assert_eq!(in_zhaksy.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["Zhaksy rural school"]);
    assert_eq!(in_zhaksy[0].district_id, zhaksy.district_id);
    assert_eq!(f.events().await.iter().filter(|e| e.ends_with("DistrictRegistered")).count(), 2);
    f.stop().await;
}

#[tokio::test]
async fn r_ref_1_pupils_have_a_delivery_category_and_parents_known_by_phone() {
    let mut f = Fixture::start().await;
    let school = f.school("KZ-KZY", "Aral school No. 3", "").await.unwrap();
    let class = f.class(&school, 5, "А").await;

    let request = RegisterPupilRequest {
        class_id: class.clone(),
        full_name: "Айгерим Нурланова".into(),
        delivery: Delivery::TvOnly as i32,
        parents: vec![ParentContact { full_name: "Нурлан Ахметов".into(), phone: "8 (701) 123-45-67".into() }],
        iin: "080215600022".into(),
    };
    let pupil = f.directory.register_pupil(request.clone()).await.unwrap().into_inner();
    assert_eq!(pupil.iin, "080215600022");
    // The same IIN again is the same child: refused, nothing stored.
    let twice = f.directory.register_pupil(request).await.unwrap_err();
    assert_eq!(twice.code(), Code::AlreadyExists, "{twice:?}");
    assert_eq!(pupil.school_id, school);
    assert_eq!(pupil.delivery, Delivery::TvOnly as i32);
    assert_eq!(pupil.parents[0].phone, "+77011234567");
    // Her brother: the same parent (same phone, however written), one parent record.
    let brother = RegisterPupilRequest {
        class_id: class.clone(),
        full_name: "Арман Нурланов".into(),
        delivery: Delivery::Paper as i32,
        parents: vec![ParentContact { full_name: "Нурлан".into(), phone: "+7 701 123 45 67".into() }],
        iin: String::new(),
    };
    let brother = f.directory.register_pupil(brother).await.unwrap().into_inner();
    assert_eq!(brother.parents[0].parent_id, pupil.parents[0].parent_id);
    assert_eq!(brother.parents[0].full_name, "Нурлан Ахметов", "a known phone keeps the name first given");
    // A second parent, added later; adding them twice links once.
    let mother = ParentContact { full_name: "Асель Нурланова".into(), phone: "87779876543".into() };
    let added = f.directory.add_parent(AddParentRequest { pupil_id: pupil.pupil_id.clone(), parent: Some(mother.clone()) }).await.unwrap().into_inner();
    f.directory.add_parent(AddParentRequest { pupil_id: pupil.pupil_id.clone(), parent: Some(mother) }).await.unwrap();
    let got = f.directory.get_pupil(GetPupilRequest { pupil_id: pupil.pupil_id.clone() }).await.unwrap().into_inner();
    assert_eq!(got.parents.len(), 2);
    assert!(got.parents.iter().any(|p| p.parent_id == added.parent_id));
    assert_eq!(f.count("parents").await, 2);

    // Bad input: every field named, nothing stored.
    let bad = RegisterPupilRequest {
        class_id: "not-a-class".into(),
        full_name: String::new(),
        delivery: 9,
        parents: vec![ParentContact { full_name: "X".into(), phone: "+1 202 555 0100".into() }],
        iin: "080215600023".into(),
    };
    assert_eq!(fields(&f.directory.register_pupil(bad).await.unwrap_err()), ["class_id", "full_name", "delivery", "parents[0].phone", "iin"]);
    let unknown_class = RegisterPupilRequest {
        class_id: "0196a000-0000-7000-8000-000000000000".into(),
        full_name: "X".into(),
        delivery: 1,
        parents: vec![],
        iin: String::new(),
    };
    assert_eq!(fields(&f.directory.register_pupil(unknown_class).await.unwrap_err()), ["class_id"]);
    let no_pupil = AddParentRequest {
        pupil_id: "0196a000-0000-7000-8000-000000000000".into(),
        parent: Some(ParentContact { full_name: "X".into(), phone: "87011111111".into() }),
    };
    // The README's rule: an unknown id a write points at is INVALID_ARGUMENT naming the field
    // (the class above); the unknown record a call changes or reads is NOT_FOUND.
    assert_eq!(f.directory.add_parent(no_pupil).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(f.count("pupils").await, 2);
    assert_eq!(f.count("parents").await, 2);

    // The class list, by name, paged.
    let page = qashyq_proto::common::v1::PageRequest { page_size: 1, page_token: String::new() };
    let first = f.directory.list_pupils(ListPupilsRequest { class_id: class.clone(), page: Some(page) }).await.unwrap().into_inner();
    assert_eq!(first.pupils[0].full_name, "Айгерим Нурланова");
    let token = first.page.unwrap().next_page_token;
    let page = qashyq_proto::common::v1::PageRequest { page_size: 1, page_token: token };
    let second = f.directory.list_pupils(ListPupilsRequest { class_id: class.clone(), page: Some(page) }).await.unwrap().into_inner();
    assert_eq!(second.pupils[0].full_name, "Арман Нурланов");
    assert!(second.page.unwrap().next_page_token.is_empty());

    let events = f.events().await;
    assert_eq!(events.iter().filter(|e| e.ends_with(".PupilRegistered")).count(), 2);
    assert_eq!(events.iter().filter(|e| e.ends_with(".PupilParentLinked")).count(), 3);
    assert_eq!(events.iter().filter(|e| e.ends_with(".ClassRegistered")).count(), 1);
    f.stop().await;
}

fn import(school_id: &str, kind: RosterKind, csv: &str, validate_only: bool) -> ImportRosterRequest {
    ImportRosterRequest { school_id: school_id.into(), kind: kind as i32, csv: csv.as_bytes().to_vec(), validate_only }
}

#[tokio::test]
async fn r_ref_1_bulk_import_reports_every_bad_row_and_stores_nothing_half() {
    let mut f = Fixture::start().await;
    let school = f.school("KZ-AKM", "Zhaksy rural school", "").await.unwrap();

    // Classes: a file with a duplicate and a bad language is refused whole.
    let classes = "grade;letter;language;shift;weekly_load\n\
                   5;А;kk;;\"Математика=5; Казахский язык=3; informatics=1\"\n\
                   5;Б;ru;;\"mathematics=5; Русский язык=3\"\n\
                   10;А;kk;2;\"Алгебра=3\"\n";
    let broken = format!("{classes}5;а;kk;;mathematics=4\n7;В;en;;mathematics=4\n");
    let refused = f.directory.import_roster(import(&school, RosterKind::Classes, &broken, false)).await.unwrap_err();
    assert_eq!(fields(&refused), ["rows[4].letter", "rows[5].language"]);
    assert_eq!(f.count("classes").await, 0);
    // Validating a good file stores nothing either; importing it stores every row.
    let checked = f.directory.import_roster(import(&school, RosterKind::Classes, classes, true)).await.unwrap().into_inner();
    assert_eq!((checked.rows, checked.created), (3, 0));
    assert_eq!(f.count("classes").await, 0);
    let done = f.directory.import_roster(import(&school, RosterKind::Classes, classes, false)).await.unwrap().into_inner();
    assert_eq!((done.rows, done.created), (3, 3));
    let stored = f.timetables.list_classes(ListClassesRequest { school_id: school.clone() }).await.unwrap().into_inner().classes;
    assert_eq!(stored.iter().map(|c| format!("{}{}", c.grade, c.letter)).collect::<Vec<_>>(), ["5А", "5Б", "10А"]);
    assert_eq!(stored[2].shift, Shift::Second as i32);
    // The same file again: every row names a class the school already has.
    let again = f.directory.import_roster(import(&school, RosterKind::Classes, classes, false)).await.unwrap_err();
    assert_eq!(fields(&again), ["rows[1].letter", "rows[2].letter", "rows[3].letter"]);
    assert_eq!(f.count("classes").await, 3);

    // Teachers, with the shift they work in.
    let teachers = "full_name,subjects,shift\nАйгуль Ким,\"mathematics; informatics\",1\nБолат Ли,Алгебра,2\n";
    let done = f.directory.import_roster(import(&school, RosterKind::Teachers, teachers, false)).await.unwrap().into_inner();
    assert_eq!(done.created, 2);

    // Pupils: one bad cell in a long file means nothing is stored, and every bad cell is named.
    let mut pupils = String::from("full_name,class,delivery,parent_name,parent_phone\n");
    for i in 0..300 {
        pupils.push_str(&format!(
            "Pupil {i},{},{},Parent {i},+7 701 000 {:02} {:02}\n",
            ["5А", "5Б", "10А"][i % 3],
            ["broadband", "tv_only", "paper"][i % 3],
            i / 100,
            i % 100
        ));
    }
    let with_bad_rows = format!("{pupils}Pupil X,9Г,broadband,,\nPupil Y,5А,pigeon,Parent Y,12345\n");
    let refused = f.directory.import_roster(import(&school, RosterKind::Pupils, &with_bad_rows, false)).await.unwrap_err();
    assert_eq!(fields(&refused), ["rows[302].delivery", "rows[302].parent_phone", "rows[301].class"]);
    assert_eq!((f.count("pupils").await, f.count("parents").await), (0, 0));
    let done = f.directory.import_roster(import(&school, RosterKind::Pupils, &pupils, false)).await.unwrap().into_inner();
    assert_eq!((done.rows, done.created, done.parents_linked), (300, 300, 300));
    assert_eq!((f.count("pupils").await, f.count("parents").await, f.count("pupil_parents").await), (300, 300, 300));
    let by_delivery: Vec<(String, i64)> =
        sqlx::query_as("SELECT delivery, count(*) FROM schedule.pupils GROUP BY delivery ORDER BY delivery").fetch_all(&f.pool).await.unwrap();
    assert_eq!(by_delivery, [("broadband".to_owned(), 100), ("paper".to_owned(), 100), ("tv_only".to_owned(), 100)]);

    // With IINs, the same roster can be imported again: pupils the school has are left as they
    // are. A repeated IIN, a bad one, or one of another school's pupil is a bad row.
    let with_iins = "full_name,class,delivery,iin\nАйгерим,5А,broadband,080215600022\nАрман,5Б,paper,080215500016\nДана,10А,tv_only,\n";
    let first = f.directory.import_roster(import(&school, RosterKind::Pupils, with_iins, false)).await.unwrap().into_inner();
    assert_eq!((first.created, first.existing), (3, 0));
    let again =
        f.directory.import_roster(import(&school, RosterKind::Pupils, &with_iins.replace("Дана,10А,tv_only,\n", ""), false)).await.unwrap().into_inner();
    assert_eq!((again.rows, again.created, again.existing), (2, 0, 2));
    let other_school = f.school("KZ-AKM", "Kosshy school No. 2", "").await.unwrap();
    f.class(&other_school, 9, "А").await;
    let theirs = "full_name,class,delivery,iin\nЕрлан,9А,paper,120901500035\n";
    f.directory.import_roster(import(&other_school, RosterKind::Pupils, theirs, false)).await.unwrap();
    let bad_iins = "full_name,class,delivery,iin\nЕрлан,5А,paper,120901500035\nТомирис,5А,paper,111104600042\nСабина,5А,paper,111104600042\nАлихан,5А,paper,111104600043\n";
    let refused = f.directory.import_roster(import(&school, RosterKind::Pupils, bad_iins, false)).await.unwrap_err();
    assert_eq!(fields(&refused), ["rows[3].iin", "rows[4].iin", "rows[1].iin"]);
    assert_eq!(f.count("pupils").await, 304);

    // Requests that are wrong as a whole.
    let no_kind = f.directory.import_roster(import(&school, RosterKind::Unspecified, &pupils, false)).await.unwrap_err();
    assert_eq!(fields(&no_kind), ["kind"]);
    let no_school = f.directory.import_roster(import("0196a000-0000-7000-8000-000000000000", RosterKind::Pupils, &pupils, false)).await.unwrap_err();
    assert_eq!(fields(&no_school), ["school_id"]);
    let empty = f.directory.import_roster(import(&school, RosterKind::Pupils, "", false)).await.unwrap_err();
    assert_eq!(fields(&empty), ["csv"]);
    let header_only = f.directory.import_roster(import(&school, RosterKind::Pupils, "full_name,class,delivery\n", false)).await.unwrap_err();
    assert_eq!(fields(&header_only), ["csv"]);
    assert_eq!(f.count("pupils").await, 304);

    let mut all_bad = String::from("full_name,class,delivery\n");
    for i in 0..2000 {
        all_bad.push_str(&format!("Pupil {i},5А,carrier pigeon\n"));
    }
    // Thousands of bad rows: the refusal stays small (R-GW-5) and counts the rest; a check
    // (validate_only) answers with every problem in the body.
    let refused = f.directory.import_roster(import(&school, RosterKind::Pupils, &all_bad, false)).await.unwrap_err();
    let listed = field_violations(&refused);
    assert!(qashyq_platform::error::encoded_size(&refused) < 2048, "{}", qashyq_platform::error::encoded_size(&refused));
    assert_eq!(listed[0].field, "rows[1].delivery");
    let last = listed.last().unwrap();
    assert!(last.description.starts_with(&format!("{} more", 2000 - (listed.len() - 1))), "{last:?}");
    let report = f.directory.import_roster(import(&school, RosterKind::Pupils, &all_bad, true)).await.unwrap().into_inner();
    assert_eq!((report.problems.len(), report.more_problems, report.created), (2000, 0, 0));
    assert_eq!(report.problems[1999].field, "rows[2000].delivery");
    assert_eq!(f.count("pupils").await, 304);
    f.stop().await;
}
