//! Reading a TV-lesson asset from the API: class and subject through the catalogue, the segment
//! plan through the domain's R-TV-3 check, every deviation named by its field.

use qashyq_catalogue::{Grade, Language};
use qashyq_platform::{ApiError, validate::Violations};
use qashyq_proto::tvgrid::v1 as pb;

use crate::{
    domain::lesson_plan::{LessonPlan, Segment, SegmentKind, check},
    fields::language,
};

fn segment_kind(raw: i32) -> Option<SegmentKind> {
    match pb::SegmentKind::try_from(raw).ok()? {
        pb::SegmentKind::Unspecified => None,
        pb::SegmentKind::Explanation => Some(SegmentKind::Explanation),
        pb::SegmentKind::Questions => Some(SegmentKind::Questions),
        pb::SegmentKind::Tasks => Some(SegmentKind::Tasks),
        pb::SegmentKind::DigitalResources => Some(SegmentKind::DigitalResources),
        pb::SegmentKind::Links => Some(SegmentKind::Links),
    }
}

/// Segments an asset may list (the plan has five) and items a segment may list (the plan asks 1–3).
const MAX_SEGMENTS: usize = 10;
const MAX_SEGMENT_ITEMS: usize = 10;

/// Checks an asset to register and returns it normalised (subject as its catalogue code, text
/// trimmed), with its language and grade.
pub fn read_asset(asset: Option<&pb::LessonAsset>, registered_by: &str) -> Result<(pb::LessonAsset, Language, Grade), ApiError> {
    let mut v = Violations::new();
    v.text("registered_by", registered_by, 200);
    let Some(asset) = asset else {
        v.add("asset", "is required");
        return Err(v.finish().expect_err("a violation was added"));
    };
    let language = language(&mut v, "asset.language", asset.language);
    let grade = v.grade("asset.grade", asset.grade);
    let subject = v.subject("asset.subject_code", &asset.subject_code);
    if asset.media_ref.chars().count() > 500 {
        v.add("asset.media_ref", "is longer than 500 characters");
    }
    if !v.at_most("asset.segments", asset.segments.len(), MAX_SEGMENTS)
        || !asset.segments.iter().enumerate().all(|(i, s)| v.at_most(&format!("asset.segments[{i}].items"), s.items.len(), MAX_SEGMENT_ITEMS))
    {
        return Err(v.finish().expect_err("a violation was added"));
    }
    let segments: Vec<Segment> = asset
        .segments
        .iter()
        .map(|s| Segment { kind: segment_kind(s.kind), seconds: s.duration_seconds.into(), items: s.items.clone() })
        .collect();
    let plan = LessonPlan { topic: &asset.topic, teacher_name: &asset.teacher_name, closing_message: &asset.closing_message, segments: &segments };
    for deviation in check(&plan) {
        v.add(format!("asset.{}", deviation.field), deviation.message);
    }
    let (subject_code, language, grade) = v.values((subject, language, grade))?;
    let normalised = pb::LessonAsset {
        subject_code,
        topic: asset.topic.trim().to_owned(),
        teacher_name: asset.teacher_name.trim().to_owned(),
        closing_message: asset.closing_message.trim().to_owned(),
        media_ref: asset.media_ref.trim().to_owned(),
        segments: asset
            .segments
            .iter()
            .map(|s| pb::Segment { items: s.items.iter().map(|i| i.trim().to_owned()).collect(), ..s.clone() })
            .collect(),
        ..asset.clone()
    };
    Ok((normalised, language, grade))
}
