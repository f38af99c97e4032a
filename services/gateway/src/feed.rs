//! The integrators' event feed (R-GW-4), stored durably: a log table with one global sequence
//! (`feed_events.cursor`), fed by an idempotent consumer bound to every event of the mesh.
//!
//! Why a table and not a RabbitMQ stream: a subscriber's view is filtered by its scope (its
//! schools), which a table answers with an index and a stream only by reading everything; the
//! cursor is then a plain number the integrator keeps; retention is a `DELETE`; and the feed
//! rides on the database the gateway already has, backed up with it.
//!
//! Each event is placed by what its payload names, read generically from the compiled
//! descriptors (so the events of services added later are placed without code here):
//! `school_id`, `district_id`, `region_code`, or a `class_id` or `pupil_id` whose school an
//! earlier `ClassRegistered` or `PupilRegistered` told. The TV grid service's events are national
//! ([`NATIONAL_PACKAGES`]): every subscriber sees them. An event neither placed nor national
//! (proctoring's sessions, of colleges; an event naming a class or pupil the feed has not learnt)
//! is shown to national callers (the Ministry, administrators) only: never to the wrong school.
//! Cursors are taken from one counter row locked until commit, so they become visible in order
//! and a reader resuming after a cursor never skips one committed later.

use std::collections::HashMap;

use prost::Message;
use prost_types::{FileDescriptorSet, field_descriptor_proto::Type};
use qashyq_platform::{
    events::{EventHandler, HandleError},
    principal::Principal,
};
use qashyq_proto::{
    events::v1::EventEnvelope,
    schedule::v1::{GetSchoolRequest, directory_service_client::DirectoryServiceClient},
};
use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;
use uuid::Uuid;

/// The notification channel of new feed events (payload: the new last cursor).
pub const CHANNEL: &str = "qashyq_gateway_feed";

/// The packages whose events concern every school: the national TV grid.
pub const NATIONAL_PACKAGES: &[&str] = &["qashyq.tvgrid.events.v1."];

fn is_national(event_type: &str) -> bool {
    NATIONAL_PACKAGES.iter().any(|package| event_type.starts_with(package))
}

/// The fields of an event payload that place it.
#[derive(Debug, Clone, Default)]
struct Placing {
    school_id: Option<u32>,
    district_id: Option<u32>,
    region_code: Option<u32>,
    pupil_id: Option<u32>,
    class_id: Option<u32>,
}

/// Where an event is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub school_id: Option<Uuid>,
    pub district_id: Option<Uuid>,
    pub region_code: Option<String>,
}

/// Every event type's placing fields, from the descriptors.
pub struct Placings(HashMap<String, Placing>);

impl Placings {
    pub fn from_descriptors(bytes: &[u8]) -> anyhow::Result<Self> {
        let set = FileDescriptorSet::decode(bytes)?;
        let mut types = HashMap::new();
        for file in &set.file {
            for message in &file.message_type {
                let mut placing = Placing::default();
                for field in message.field.iter().filter(|f| f.r#type() == Type::String) {
                    let slot = match field.name() {
                        "school_id" => &mut placing.school_id,
                        "district_id" => &mut placing.district_id,
                        "region_code" => &mut placing.region_code,
                        "pupil_id" => &mut placing.pupil_id,
                        "class_id" => &mut placing.class_id,
                        _ => continue,
                    };
                    *slot = Some(field.number() as u32);
                }
                types.insert(format!("{}.{}", file.package(), message.name()), placing);
            }
        }
        Ok(Self(types))
    }
}

/// The top-level string fields of a message by number.
fn strings(bytes: &[u8]) -> HashMap<u32, String> {
    crate::record::string_fields(bytes).into_iter().collect()
}

/// Receives every event of the mesh into the feed.
pub struct FeedConsumer {
    placings: Placings,
    /// Where a school the feed has not seen registered lies (it was registered before the feed
    /// existed): asked of the directory once, then kept.
    directory: DirectoryServiceClient<tonic::transport::Channel>,
}

impl FeedConsumer {
    pub fn new(placings: Placings, schedule: tonic::transport::Channel) -> Self {
        Self { placings, directory: DirectoryServiceClient::new(schedule) }
    }

    /// A school's district and region from the directory; `None` for a school it does not have.
    async fn ask_directory(&self, school_id: Uuid) -> Result<Option<(Option<Uuid>, String)>, HandleError> {
        match self.directory.clone().get_school(GetSchoolRequest { school_id: school_id.to_string() }).await {
            Ok(school) => {
                let school = school.into_inner();
                Ok(Some((Uuid::parse_str(&school.district_id).ok(), school.region_code)))
            }
            Err(status) if status.code() == tonic::Code::NotFound => Ok(None),
            Err(status) => Err(HandleError::Transient(anyhow::anyhow!("the directory cannot place school {school_id}: {}", status.message()))),
        }
    }

    async fn place(&self, tx: &mut PgConnection, envelope: &EventEnvelope) -> Result<Place, HandleError> {
        let Some(placing) = self.placings.0.get(&envelope.event_type) else { return Ok(Place::default()) };
        let values = envelope.payload.as_ref().map(|any| strings(&any.value)).unwrap_or_default();
        let uuid = |field: Option<u32>| field.and_then(|n| values.get(&n)).and_then(|v| Uuid::parse_str(v).ok());
        let mut place = Place {
            school_id: uuid(placing.school_id),
            district_id: uuid(placing.district_id),
            region_code: placing.region_code.and_then(|n| values.get(&n)).filter(|v| !v.is_empty()).cloned(),
        };
        let pupil_id = uuid(placing.pupil_id);
        let class_id = uuid(placing.class_id);
        if place.school_id.is_none()
            && let Some(pupil_id) = pupil_id
        {
            place.school_id = sqlx::query_scalar("SELECT school_id FROM feed_pupils WHERE pupil_id = $1").bind(pupil_id).fetch_optional(&mut *tx).await?;
        }
        if place.school_id.is_none()
            && let Some(class_id) = class_id
        {
            place.school_id = sqlx::query_scalar("SELECT school_id FROM feed_classes WHERE class_id = $1").bind(class_id).fetch_optional(&mut *tx).await?;
        }
        if let Some(school_id) = place.school_id {
            if let Some(region) = &place.region_code {
                // A school's own registration (or any event carrying its region): remember it.
                sqlx::query("INSERT INTO feed_schools (school_id, district_id, region_code) VALUES ($1, $2, $3) ON CONFLICT (school_id) DO NOTHING")
                    .bind(school_id)
                    .bind(place.district_id)
                    .bind(region)
                    .execute(&mut *tx)
                    .await?;
            } else {
                let mut known: Option<(Option<Uuid>, String)> =
                    sqlx::query_as("SELECT district_id, region_code FROM feed_schools WHERE school_id = $1").bind(school_id).fetch_optional(&mut *tx).await?;
                if known.is_none() {
                    known = self.ask_directory(school_id).await?;
                    if let Some((district_id, region_code)) = &known {
                        sqlx::query("INSERT INTO feed_schools (school_id, district_id, region_code) VALUES ($1, $2, $3) ON CONFLICT (school_id) DO NOTHING")
                            .bind(school_id)
                            .bind(district_id)
                            .bind(region_code)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                if let Some((district_id, region_code)) = known {
                    place.district_id = place.district_id.or(district_id);
                    place.region_code = Some(region_code);
                }
            }
            if let Some(class_id) = class_id {
                sqlx::query("INSERT INTO feed_classes (class_id, school_id) VALUES ($1, $2) ON CONFLICT (class_id) DO NOTHING")
                    .bind(class_id)
                    .bind(school_id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(pupil_id) = pupil_id {
                sqlx::query("INSERT INTO feed_pupils (pupil_id, school_id) VALUES ($1, $2) ON CONFLICT (pupil_id) DO NOTHING")
                    .bind(pupil_id)
                    .bind(school_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(place)
    }
}

impl EventHandler for FeedConsumer {
    fn event_types(&self) -> Vec<String> {
        // Everything on the exchange, the events of services added later included.
        vec!["#".to_owned()]
    }

    async fn handle(&self, tx: &mut PgConnection, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let event_id =
            Uuid::parse_str(&envelope.event_id).map_err(|_| HandleError::Permanent(anyhow::anyhow!("event id {:?} is not a UUID", envelope.event_id)))?;
        let place = self.place(tx, envelope).await?;
        // The counter row stays locked until this transaction commits: cursors commit in order.
        let cursor: i64 = sqlx::query_scalar("UPDATE feed_horizon SET last_cursor = last_cursor + 1 RETURNING last_cursor").fetch_one(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO feed_events (cursor, event_id, event_type, school_id, district_id, region_code, national, envelope) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(cursor)
        .bind(event_id)
        .bind(&envelope.event_type)
        .bind(place.school_id)
        .bind(place.district_id)
        .bind(&place.region_code)
        .bind(is_national(&envelope.event_type))
        .bind(envelope.encode_to_vec())
        .execute(&mut *tx)
        .await?;
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(cursor.to_string()).execute(&mut *tx).await?;
        Ok(())
    }
}

/// One event of the feed, as read.
pub struct FeedRow {
    pub cursor: i64,
    pub envelope: EventEnvelope,
}

/// Where a subscriber may resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// The oldest cursor still kept.
    pub retained_from: i64,
    pub last_cursor: i64,
}

#[derive(Clone)]
pub struct FeedStore {
    pool: PgPool,
}

/// A subscriber's scope, as the query takes it.
struct ScopeFilter {
    all: bool,
    regions: Vec<String>,
    districts: Vec<Uuid>,
    schools: Vec<Uuid>,
}

impl ScopeFilter {
    fn of(principal: Option<&Principal>) -> Self {
        match principal.and_then(|p| p.scope.as_ref()) {
            Some(scope) => Self { all: false, regions: scope.regions.clone(), districts: scope.districts.clone(), schools: scope.schools.clone() },
            None => Self { all: true, regions: vec![], districts: vec![], schools: vec![] },
        }
    }
}

impl FeedStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn horizon(&self) -> Result<Horizon, sqlx::Error> {
        let (retained_from, last_cursor): (i64, i64) = sqlx::query_as("SELECT retained_from, last_cursor FROM feed_horizon").fetch_one(&self.pool).await?;
        Ok(Horizon { retained_from, last_cursor })
    }

    /// Up to `limit` events after `after` that the subscriber sees, in order, with the last
    /// cursor considered (past events it does not see too).
    pub async fn after(&self, principal: Option<&Principal>, after: i64, up_to: i64, limit: i64) -> Result<Vec<FeedRow>, sqlx::Error> {
        let scope = ScopeFilter::of(principal);
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT cursor, envelope FROM feed_events WHERE cursor > $1 AND cursor <= $2 \
               AND ($3 OR national OR region_code = ANY($4) OR district_id = ANY($5) OR school_id = ANY($6)) \
             ORDER BY cursor LIMIT $7",
        )
        .bind(after)
        .bind(up_to)
        .bind(scope.all)
        .bind(&scope.regions)
        .bind(&scope.districts)
        .bind(&scope.schools)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(cursor, bytes)| {
                let envelope = EventEnvelope::decode(bytes.as_slice()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                Ok(FeedRow { cursor, envelope })
            })
            .collect()
    }

    /// Deletes events older than `keep`; returns how many.
    pub async fn forget_before(&self, keep: chrono::Duration) -> Result<u64, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let horizon: Option<i64> = sqlx::query_scalar("SELECT max(cursor) FROM feed_events WHERE added_at < now() - $1::interval")
            .bind(format!("{} seconds", keep.num_seconds()))
            .fetch_one(&mut *tx)
            .await?;
        let Some(horizon) = horizon else { return Ok(0) };
        let deleted = sqlx::query("DELETE FROM feed_events WHERE cursor <= $1").bind(horizon).execute(&mut *tx).await?.rows_affected();
        sqlx::query("UPDATE feed_horizon SET retained_from = greatest(retained_from, $1 + 1)").bind(horizon).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(deleted)
    }
}

/// Follows the feed's notifications and publishes the newest cursor to this replica's
/// subscribers; re-listens after a lost connection.
pub async fn listen(pool: PgPool, newest: watch::Sender<i64>, shutdown: tokio_util::sync::CancellationToken) {
    loop {
        let listened = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            // Whatever came while not listening.
            let last: i64 = sqlx::query_scalar("SELECT last_cursor FROM feed_horizon").fetch_one(&pool).await?;
            newest.send_if_modified(|n| std::mem::replace(n, (*n).max(last)) < last);
            loop {
                let notification = listener.recv().await?;
                if let Ok(cursor) = notification.payload().parse::<i64>() {
                    newest.send_if_modified(|n| std::mem::replace(n, (*n).max(cursor)) < cursor);
                }
            }
            #[allow(unreachable_code)]
            Ok::<(), sqlx::Error>(())
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            result = listened => if let Err(error) = result {
                tracing::warn!(%error, "feed notifications lost; listening again");
            },
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use qashyq_proto::schedule::events::v1::{PupilParentLinked, SchoolRegistered};

    use super::*;

    #[test]
    fn r_gw_4_events_are_placed_by_what_their_payload_names() {
        let placings = Placings::from_descriptors(qashyq_proto::FILE_DESCRIPTOR_SET).unwrap();
        let school = placings.0.get("qashyq.schedule.events.v1.SchoolRegistered").unwrap();
        assert!(school.school_id.is_some() && school.region_code.is_some() && school.district_id.is_some());
        let linked = placings.0.get("qashyq.schedule.events.v1.PupilParentLinked").unwrap();
        assert!(linked.pupil_id.is_some() && linked.school_id.is_none());
        let published = placings.0.get("qashyq.tvgrid.events.v1.GridPublished").unwrap();
        assert!(published.school_id.is_none() && published.region_code.is_none());
        assert!(is_national("qashyq.tvgrid.events.v1.GridPublished"), "the TV grid is national");
        assert!(!is_national("qashyq.proctoring.events.v1.SessionStateChanged"), "unplaced is not national");
        let event = SchoolRegistered { school_id: "s".into(), region_code: "KZ-ALA".into(), ..Default::default() };
        let values = strings(&event.encode_to_vec());
        assert_eq!(values.get(&school.region_code.unwrap()).map(String::as_str), Some("KZ-ALA"));
        assert!(strings(&PupilParentLinked { pupil_id: "p".into(), parent_id: "q".into() }.encode_to_vec()).len() == 2);
    }
}
