//! R-TV-3: the segment plan of a 10-minute TV lesson (seed 000 annex 4 §5 b, seed 003): the
//! teacher's explanation (6 min, the teacher's full name in the captions), 2–3 questions (1 min),
//! 2–3 tasks (1 min), 1–2 digital resources (1 min) and links for self-study (1 min), in that
//! order; class, subject and topic on screen, and the closing message to the children after it.
//! The check is pure and lists every deviation, each with the field it concerns.

/// The parts of a TV lesson, in airing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    Explanation,
    Questions,
    Tasks,
    DigitalResources,
    Links,
}

/// What the plan requires of one segment.
struct SegmentRule {
    kind: SegmentKind,
    seconds: u32,
    /// How many items are shown (inclusive); `None` when the segment shows none.
    items: Option<(usize, usize)>,
    name: &'static str,
}

/// The plan, in order. The durations add up to the 10-minute slot of R-TV-2.
const PLAN: [SegmentRule; 5] = [
    SegmentRule { kind: SegmentKind::Explanation, seconds: 360, items: None, name: "explanation" },
    SegmentRule { kind: SegmentKind::Questions, seconds: 60, items: Some((2, 3)), name: "questions" },
    SegmentRule { kind: SegmentKind::Tasks, seconds: 60, items: Some((2, 3)), name: "tasks" },
    SegmentRule { kind: SegmentKind::DigitalResources, seconds: 60, items: Some((1, 2)), name: "digital resources" },
    SegmentRule { kind: SegmentKind::Links, seconds: 60, items: Some((1, 10)), name: "links" },
];

/// Longest text of one on-screen item.
const MAX_ITEM_CHARS: usize = 500;

/// One segment as submitted (and, once checked, as stored: JSON of this type).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Segment {
    /// `None`: a kind the plan does not know.
    pub kind: Option<SegmentKind>,
    pub seconds: i64,
    pub items: Vec<String>,
}

/// A lesson's plan as submitted: what the check needs beyond class and subject, which the caller
/// resolves through the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonPlan<'a> {
    pub topic: &'a str,
    pub teacher_name: &'a str,
    pub closing_message: &'a str,
    pub segments: &'a [Segment],
}

/// A deviation from the plan: the field (as in `LessonAsset`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    pub field: String,
    pub message: String,
}

fn deviation(field: impl Into<String>, message: impl Into<String>) -> Deviation {
    Deviation { field: field.into(), message: message.into() }
}

/// Every way `plan` departs from R-TV-3; empty when it conforms.
pub fn check(plan: &LessonPlan<'_>) -> Vec<Deviation> {
    let mut found = Vec::new();
    for (field, value, what) in [
        ("topic", plan.topic, "the topic is shown on screen"),
        ("teacher_name", plan.teacher_name, "the teacher's full name is shown in the explanation's captions"),
        ("closing_message", plan.closing_message, "a closing message is shown to the children after the lesson"),
    ] {
        if value.trim().is_empty() {
            found.push(deviation(field, format!("is required: {what}")));
        } else if value.chars().count() > MAX_ITEM_CHARS {
            found.push(deviation(field, format!("is longer than {MAX_ITEM_CHARS} characters")));
        }
    }
    if plan.segments.len() != PLAN.len() {
        found.push(deviation(
            "segments",
            format!("has {} segments; a TV lesson has {}: explanation, questions, tasks, digital resources, links", plan.segments.len(), PLAN.len()),
        ));
    }
    for (i, (segment, rule)) in plan.segments.iter().zip(PLAN.iter()).enumerate() {
        if segment.kind != Some(rule.kind) {
            found.push(deviation(format!("segments[{i}].kind"), format!("segment {} is the {}", i + 1, rule.name)));
            continue;
        }
        if segment.seconds != i64::from(rule.seconds) {
            found.push(deviation(format!("segments[{i}].duration_seconds"), format!("the {} lasts {} s, not {}", rule.name, rule.seconds, segment.seconds)));
        }
        match rule.items {
            None if !segment.items.is_empty() => {
                found.push(deviation(format!("segments[{i}].items"), format!("the {} shows no items", rule.name)));
            }
            Some((least, most)) if !(least..=most).contains(&segment.items.len()) => {
                found.push(deviation(format!("segments[{i}].items"), format!("the {} shows {least}–{most} items, not {}", rule.name, segment.items.len())));
            }
            _ => {}
        }
        for (j, item) in segment.items.iter().enumerate() {
            if item.trim().is_empty() {
                found.push(deviation(format!("segments[{i}].items[{j}]"), "is empty"));
            } else if item.chars().count() > MAX_ITEM_CHARS {
                found.push(deviation(format!("segments[{i}].items[{j}]"), format!("is longer than {MAX_ITEM_CHARS} characters")));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(kind: SegmentKind, seconds: i64, items: &[&str]) -> Segment {
        Segment { kind: Some(kind), seconds, items: items.iter().map(|s| (*s).to_owned()).collect() }
    }

    fn conforming() -> Vec<Segment> {
        vec![
            segment(SegmentKind::Explanation, 360, &[]),
            segment(SegmentKind::Questions, 60, &["Q1", "Q2"]),
            segment(SegmentKind::Tasks, 60, &["T1", "T2", "T3"]),
            segment(SegmentKind::DigitalResources, 60, &["https://bilimland.kz/r/1"]),
            segment(SegmentKind::Links, 60, &["https://daryn.online/l/1"]),
        ]
    }

    fn plan(segments: &[Segment]) -> LessonPlan<'_> {
        LessonPlan { topic: "Fractions", teacher_name: "Aigerim Nurlanovna Seitkali", closing_message: "Good luck!", segments }
    }

    #[test]
    fn r_tv_3_the_six_one_one_one_one_plan_conforms() {
        let segments = conforming();
        assert_eq!(check(&plan(&segments)), vec![]);
        let total: i64 = segments.iter().map(|s| s.seconds).sum();
        assert_eq!(total, 600, "the plan fills the 10-minute slot");
    }

    #[test]
    fn r_tv_3_every_deviation_is_named_by_its_field() {
        let mut segments = conforming();
        segments[0].seconds = 420;
        segments[1].items = vec!["only one".into()];
        segments[3].items = vec!["a".into(), "b".into(), "c".into()];
        segments[4].items = vec![" ".into()];
        let bad = LessonPlan { topic: " ", teacher_name: "", closing_message: "Bye", segments: &segments };
        let fields: Vec<String> = check(&bad).into_iter().map(|d| d.field).collect();
        assert_eq!(fields, ["topic", "teacher_name", "segments[0].duration_seconds", "segments[1].items", "segments[3].items", "segments[4].items[0]"]);
    }

    #[test]
    fn r_tv_3_segments_come_in_the_plan_s_order_and_number() {
        let mut segments = conforming();
        segments.swap(1, 2);
        let fields: Vec<String> = check(&plan(&segments)).into_iter().map(|d| d.field).collect();
        assert_eq!(fields, ["segments[1].kind", "segments[2].kind"]);
        let missing = &conforming()[..4];
        assert_eq!(check(&plan(missing))[0].field, "segments");
        let mut unknown = conforming();
        unknown[4].kind = None;
        assert_eq!(check(&plan(&unknown))[0].field, "segments[4].kind");
    }
}
