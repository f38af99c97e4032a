//! Stored data survives the migrations (issue 9): a database written by the previous schema —
//! timetable lessons stored as an encoded API message — is upgraded by the service when it
//! starts (migration 7 and the conversion of the old lessons into rows), and every lesson reads
//! back the same through the API.

use prost::Message;
use qashyq_proto::schedule::v1::{GetTimetableRequest, Lesson, timetable_service_client::TimetableServiceClient};
use qashyq_schedule::Schedule;
use qashyq_testkit::{TestDatabase, spawn, test_config};

/// The last migration of the schema before timetable lessons had their own rows.
const PREVIOUS_SCHEMA: i64 = 20260101000006;

/// How the previous schema stored a timetable's lessons.
#[derive(Clone, PartialEq, prost::Message)]
struct LessonList {
    #[prost(message, repeated, tag = "1")]
    lessons: Vec<Lesson>,
}

fn lesson(class_id: &str, weekday: &str, starts: &str, subject: &str) -> Lesson {
    Lesson { class_id: class_id.into(), weekday: weekday.into(), starts: starts.into(), minutes: 30, subject: subject.into(), teacher_id: "t-1".into() }
}

#[tokio::test]
async fn timetables_written_by_the_previous_schema_read_back_the_same_after_the_upgrade() {
    let db = TestDatabase::create().await.unwrap();
    qashyq_testkit::migrate_up_to(db.url(), "schedule", <Schedule as qashyq_platform::ServiceDef>::migrator(), PREVIOUS_SCHEMA).await.unwrap();

    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let school_id = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO schedule.schools (school_id, region_code, name, connectivity, learning_mode, ungraded_rural) \
         VALUES ($1, 'KZ-ALA', 'School No. 1', 'broadband', 'distance', false)",
    )
    .bind(school_id)
    .execute(&pool)
    .await
    .unwrap();
    let versions = [
        vec![lesson("c-5a", "mon", "08:30", "english"), lesson("c-5a", "tue", "09:10", "informatics")],
        vec![
            lesson("c-5a", "mon", "08:30", "english"),
            lesson("c-5b", "fri", "14:00", "physical_education"),
            lesson("c-5a", "wed", "12:00", "russian_language"),
        ],
    ];
    for (i, lessons) in versions.iter().enumerate() {
        sqlx::query("INSERT INTO schedule.timetables (school_id, version, week_of, created_by, lessons) VALUES ($1, $2, '2020-04-06', 'deputy', $3)")
            .bind(school_id)
            .bind(i as i64 + 1)
            .bind(LessonList { lessons: lessons.clone() }.encode_to_vec())
            .execute(&pool)
            .await
            .unwrap();
    }

    // The service upgrades the schema and converts the stored lessons before it is ready.
    let service = spawn::<Schedule>(test_config(db.url())).await.unwrap();
    let mut client = TimetableServiceClient::new(service.channel().await);
    for (i, lessons) in versions.iter().enumerate() {
        let read = client.get_timetable(GetTimetableRequest { school_id: school_id.to_string(), version: i as i64 + 1 }).await.unwrap().into_inner();
        assert_eq!(&read.lessons, lessons, "version {}", i + 1);
        assert_eq!(read.created_by, "deputy");
    }
    let legacy: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.timetables WHERE legacy_lessons IS NOT NULL").fetch_one(&pool).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.timetable_lessons").fetch_one(&pool).await.unwrap();
    assert_eq!((legacy, rows), (0, 5), "every version converted into rows, once");

    // Starting again (a second replica, a restart) converts nothing twice.
    service.stop().await.unwrap();
    let again = spawn::<Schedule>(test_config(db.url())).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.timetable_lessons").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 5);
    pool.close().await;
    again.stop().await.unwrap();
}
