//! Event dispatch by type: the declared types are the queue's bindings; an event reaches the
//! handler of its type with its payload decoded; an event of a type without a handler is
//! acknowledged (no error) and counted; a payload that does not match its type is permanent.

mod common;

use std::sync::atomic::Ordering;

use common::Db;
use qashyq_platform::events::{Dispatch, EventHandler, HandleError, On, new_envelope};
use qashyq_proto::{events::v1::EventEnvelope, schedule::events::v1::SchoolRegistered, tvgrid::events::v1::GridPublished};
use sqlx::{Connection, PgConnection};

struct CountSchools;

impl On<SchoolRegistered> for CountSchools {
    async fn apply(&self, tx: &mut PgConnection, event: SchoolRegistered, envelope: &EventEnvelope) -> Result<(), HandleError> {
        sqlx::query("INSERT INTO seen (event_id, name) VALUES ($1, $2)").bind(&envelope.event_id).bind(&event.name).execute(tx).await?;
        Ok(())
    }
}

#[tokio::test]
async fn events_reach_the_handler_of_their_type_and_unknown_types_are_acknowledged_and_counted() {
    let db = Db::create().await;
    let mut connection = PgConnection::connect(db.url()).await.unwrap();
    sqlx::query("CREATE TABLE seen (event_id TEXT, name TEXT)").execute(&mut connection).await.unwrap();
    let dispatch = Dispatch::new().on::<SchoolRegistered, _>(CountSchools);
    assert_eq!(dispatch.event_types(), ["qashyq.schedule.events.v1.SchoolRegistered"]);

    let registered = new_envelope("schedule", "s-1", &SchoolRegistered { name: "No. 7".into(), ..Default::default() });
    dispatch.handle(&mut connection, &registered).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM seen").fetch_all(&mut connection).await.unwrap();
    assert_eq!(names, ["No. 7"]);

    let unknown = new_envelope("tvgrid", "2020-spring", &GridPublished::default());
    dispatch.handle(&mut connection, &unknown).await.expect("an unhandled type is not an error");
    dispatch.handle(&mut connection, &unknown).await.unwrap();
    assert_eq!(dispatch.unhandled().load(Ordering::Relaxed), 2);

    // The type says SchoolRegistered, the payload is something else: it can never be applied.
    let mut mislabelled = unknown.clone();
    mislabelled.event_type = "qashyq.schedule.events.v1.SchoolRegistered".into();
    assert!(matches!(dispatch.handle(&mut connection, &mislabelled).await, Err(HandleError::Permanent(_))));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM seen").fetch_one(&mut connection).await.unwrap();
    assert_eq!(count, 1);
    connection.close().await.unwrap();
    db.drop_it().await;
}
