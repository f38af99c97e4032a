//! A TV-lesson asset in the API's terms: one to register read into a checked plan (class and
//! subject through the catalogue, the segment plan through the domain's R-TV-3 check, every
//! deviation named by its field), and a stored one as an answer.

use qashyq_platform::{ApiError, time::to_timestamp, validate::Violations};
use qashyq_proto::tvgrid::v1 as pb;

use super::language;
use crate::domain::{
    assets::{AssetPlan, LessonAsset},
    lesson_plan::{LessonPlan, Segment, SegmentKind, check},
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

fn segment_kind_to_proto(kind: Option<SegmentKind>) -> pb::SegmentKind {
    match kind {
        None => pb::SegmentKind::Unspecified,
        Some(SegmentKind::Explanation) => pb::SegmentKind::Explanation,
        Some(SegmentKind::Questions) => pb::SegmentKind::Questions,
        Some(SegmentKind::Tasks) => pb::SegmentKind::Tasks,
        Some(SegmentKind::DigitalResources) => pb::SegmentKind::DigitalResources,
        Some(SegmentKind::Links) => pb::SegmentKind::Links,
    }
}

/// Reads an asset to register: its plan checked and normalised (subject as its catalogue code,
/// text trimmed), and who registers it.
pub fn read_asset(request: &pb::RegisterLessonAssetRequest) -> Result<(AssetPlan, String), ApiError> {
    let mut v = Violations::new();
    let registered_by = v.text("registered_by", &request.registered_by, 200).map(str::to_owned);
    let asset = request.asset.as_ref();
    let Some(asset) = asset else {
        v.add("asset", "is required");
        return Err(v.refuse());
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
        return Err(v.refuse());
    }
    let segments: Vec<Segment> =
        asset.segments.iter().map(|s| Segment { kind: segment_kind(s.kind), seconds: s.duration_seconds.into(), items: s.items.clone() }).collect();
    let plan = LessonPlan { topic: &asset.topic, teacher_name: &asset.teacher_name, closing_message: &asset.closing_message, segments: &segments };
    for deviation in check(&plan) {
        v.add(format!("asset.{}", deviation.field), deviation.message);
    }
    let (subject_code, language, grade, registered_by) = v.values((subject, language, grade, registered_by))?;
    let plan = AssetPlan {
        language,
        grade,
        subject_code,
        topic: asset.topic.trim().to_owned(),
        teacher_name: asset.teacher_name.trim().to_owned(),
        closing_message: asset.closing_message.trim().to_owned(),
        media_ref: asset.media_ref.trim().to_owned(),
        segments: segments.into_iter().map(|s| Segment { items: s.items.iter().map(|i| i.trim().to_owned()).collect(), ..s }).collect(),
    };
    Ok((plan, registered_by))
}

pub fn asset_to_proto(asset: &LessonAsset) -> pb::LessonAsset {
    let plan = &asset.plan;
    pb::LessonAsset {
        asset_id: asset.id.to_string(),
        language: qashyq_platform::language::to_proto(plan.language),
        grade: plan.grade.value().into(),
        subject_code: plan.subject_code.clone(),
        topic: plan.topic.clone(),
        teacher_name: plan.teacher_name.clone(),
        segments: plan
            .segments
            .iter()
            .map(|s| pb::Segment {
                kind: segment_kind_to_proto(s.kind) as i32,
                duration_seconds: i32::try_from(s.seconds).unwrap_or(i32::MAX),
                items: s.items.clone(),
            })
            .collect(),
        closing_message: plan.closing_message.clone(),
        media_ref: plan.media_ref.clone(),
        status: if asset.approval.is_some() { pb::AssetStatus::Approved } else { pb::AssetStatus::PendingApproval } as i32,
        registered_by: asset.registered_by.clone(),
        registered_at: Some(to_timestamp(asset.registered_at)),
        approved_by: asset.approval.as_ref().map(|a| a.by.clone()).unwrap_or_default(),
        approved_at: asset.approval.as_ref().map(|a| to_timestamp(a.at)),
    }
}
