//! The events the assignments service announces (`qashyq.assignments.events.v1`), built from
//! domain types here and nowhere else; and those it consumes ([`dispatch`]): where schools lie,
//! for scope checks (R-GW-2).

use std::sync::Arc;

use qashyq_platform::{
    events::{Dispatch, HandleError, On},
    time::to_timestamp,
};
use qashyq_proto::{assignments::events::v1 as ev, events::v1::EventEnvelope, schedule::events::v1::SchoolRegistered};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{app::HomeworkApp, domain::homework::Homework, repo::KnownSchool};

pub fn homework_posted(homework: &Homework) -> ev::HomeworkPosted {
    ev::HomeworkPosted {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        teacher_id: homework.teacher_id.to_string(),
        subject_code: homework.subject_code.clone(),
        lesson_kind: homework.lesson_kind.as_str().to_owned(),
        deadline: Some(to_timestamp(homework.deadline)),
        posted_at: Some(to_timestamp(homework.posted_at)),
        tasks: i32::try_from(homework.tasks.len()).unwrap_or(i32::MAX),
        resource_links: i32::try_from(homework.resource_links.len()).unwrap_or(i32::MAX),
    }
}

/// What this service consumes: where schools lie (for scope checks, R-GW-2).
pub fn dispatch(homework: Arc<HomeworkApp>) -> Dispatch {
    Dispatch::new().on::<SchoolRegistered, _>(SchoolPlaces(homework))
}

/// The handler of SchoolRegistered.
pub struct SchoolPlaces(Arc<HomeworkApp>);

impl On<SchoolRegistered> for SchoolPlaces {
    async fn apply(&self, tx: &mut PgConnection, event: SchoolRegistered, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let unreadable = |what: &str| HandleError::Permanent(anyhow::anyhow!("SchoolRegistered {}: {what}", envelope.event_id));
        let school_id = Uuid::parse_str(&event.school_id).map_err(|_| unreadable("school_id is not a UUID"))?;
        let district_id = match event.district_id.as_str() {
            "" => None,
            raw => Some(Uuid::parse_str(raw).map_err(|_| unreadable("district_id is not a UUID"))?),
        };
        Ok(self.0.school_registered(tx, &KnownSchool { school_id, region_code: event.region_code, district_id }).await?)
    }
}
