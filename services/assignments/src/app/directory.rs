//! What the directory's events teach the service (inside each event's transaction; a
//! redelivery or a replay changes nothing).

use sqlx::PgConnection;

use super::AssignmentsApp;
use crate::repo::{
    self, KnownSchool,
    directory::{KnownClass, KnownPupil, KnownTeacher, Teaching},
};

impl AssignmentsApp {
    pub async fn school_registered(&self, tx: &mut PgConnection, school: &KnownSchool) -> Result<(), sqlx::Error> {
        repo::schools::record(tx, school).await
    }

    pub async fn class_registered(&self, tx: &mut PgConnection, class: &KnownClass) -> Result<(), sqlx::Error> {
        repo::directory::record_class(tx, class).await
    }

    pub async fn teacher_registered(&self, tx: &mut PgConnection, teacher: &KnownTeacher) -> Result<(), sqlx::Error> {
        repo::directory::record_teacher(tx, teacher).await
    }

    pub async fn timetable_changed(&self, tx: &mut PgConnection, school_id: uuid::Uuid, version: i64, teaching: &[Teaching]) -> Result<(), sqlx::Error> {
        repo::directory::record_teaching(tx, school_id, version, teaching).await
    }

    pub async fn pupil_registered(&self, tx: &mut PgConnection, pupil: &KnownPupil) -> Result<(), sqlx::Error> {
        repo::directory::record_pupil(tx, pupil).await
    }
}
