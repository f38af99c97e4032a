//! R-TV-5: whether an asset may be put on a lesson of the published grid. Only an approved asset
//! of the lesson's language, grade and subject; only a lesson that has not begun airing (R-TV-6).

use chrono::{DateTime, Utc};
use qashyq_catalogue::Medium;
use qashyq_platform::{ApiError, validate::Violations};
use qashyq_proto::tvgrid::v1 as pb;

use crate::{assets::LessonKey, placements::DayView};

pub fn check(asset: &pb::LessonAsset, lesson: &LessonKey, view: Option<&DayView>, now: DateTime<Utc>) -> Result<(), ApiError> {
    let mut v = Violations::new();
    if asset.status != pb::AssetStatus::Approved as i32 {
        v.add("asset_id", format!("asset {} is not approved; only approved content airs", asset.asset_id));
    }
    if asset.language != qashyq_platform::language::to_proto(lesson.language) {
        v.add("language", format!("asset {} is not a {} lesson", asset.asset_id, lesson.language));
    }
    if asset.grade != i32::from(lesson.grade.value()) {
        v.add("grade", format!("asset {} is for grade {}, not {}", asset.asset_id, asset.grade, lesson.grade.value()));
    }
    let Some(view) = view else {
        v.add("date", format!("no published grid airs on {}", lesson.date));
        return v.finish();
    };
    if view.airings().is_empty() {
        v.add("date", format!("nothing airs on {} (a weekend or a holiday)", lesson.date));
        return v.finish();
    }
    let day: Vec<_> =
        view.airings().iter().filter(|a| a.medium == Medium::Tv && a.language == lesson.language && a.grade == lesson.grade).collect();
    let Some(airing) = day.iter().find(|a| a.lesson_of_day == lesson.lesson_of_day) else {
        v.add(
            "lesson_of_day",
            format!("{} grade {} has {} TV lessons on {}", lesson.language, lesson.grade.value(), day.len(), lesson.date),
        );
        return v.finish();
    };
    if airing.subject != asset.subject_code {
        v.add(
            "asset_id",
            format!("asset {} is a {} lesson; lesson {} of the day is {}", asset.asset_id, asset.subject_code, lesson.lesson_of_day, airing.subject),
        );
    }
    v.finish()?;
    if airing.starts.with_timezone(&Utc) <= now {
        return Err(ApiError::FailedPrecondition(format!(
            "the lesson began airing at {}; past airings never change",
            airing.starts.to_rfc3339()
        )));
    }
    Ok(())
}
