//! What a school's timetable is built from and checked against, read the same way by the
//! gRPC calls and by the realignment worker.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use qashyq_catalogue::{Grade, Language};
use qashyq_platform::ApiError;
use uuid::Uuid;

use crate::{
    app::tv::TvGrid,
    domain::timetable::{LearningMode, School, TvWeek},
    repo::timetables::TimetableRepo,
};

/// The school's classes and teachers, and the TV week of `week_of` for its grades and languages
/// in the school's local time `zone` (R-REF-4: TV lessons air at one instant everywhere).
pub async fn inputs(
    timetables: &TimetableRepo,
    tv: &TvGrid,
    school_id: Uuid,
    mode: LearningMode,
    zone: chrono_tz::Tz,
    week_of: NaiveDate,
) -> Result<(School, TvWeek), ApiError> {
    let classes: Vec<_> = timetables.classes(school_id).await?.into_iter().map(|c| c.class).collect();
    if classes.is_empty() {
        return Err(ApiError::invalid("school_id", format!("school {school_id} has no classes yet")));
    }
    let teachers = timetables.teachers(school_id).await?;
    let grades: BTreeSet<(Language, Grade)> = classes.iter().map(|c| (c.language, c.grade)).collect();
    let week = tv.week(week_of, &grades.into_iter().collect::<Vec<_>>(), zone).await?;
    Ok((School { mode, classes, teachers }, week))
}
