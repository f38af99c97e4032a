//! Summative assessment (R-AS-5): a SOR per section in a quarter, a SOCh per quarter or year.

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// Summative assessment for a section (СОР / БЖБ).
    Sor,
    /// Summative assessment for the term or year (СОЧ / ТЖБ).
    Soch,
}

impl MarkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkKind::Sor => "sor",
            MarkKind::Soch => "soch",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [MarkKind::Sor, MarkKind::Soch].into_iter().find(|k| k.as_str() == value)
    }
}

/// A result to record, every field read and checked ([`RecordMark::check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMark {
    pub pupil_id: Uuid,
    pub subject_code: String,
    pub teacher_id: Uuid,
    pub kind: MarkKind,
    pub school_year: i32,
    /// 1–4; 0 is the year (a SOCh only).
    pub quarter: i32,
    pub number: i32,
    pub score: i32,
    pub max_score: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub id: Uuid,
    pub pupil_id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub subject_code: String,
    pub kind: MarkKind,
    pub school_year: i32,
    pub quarter: i32,
    pub number: i32,
    pub score: i32,
    pub max_score: i32,
    pub teacher_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub version: i64,
}

/// The field a mark breaks and why, if it breaks one.
pub fn check(mark: &RecordMark) -> Vec<(&'static str, String)> {
    let mut wrong = Vec::new();
    if !(2000..=2100).contains(&mark.school_year) {
        wrong.push(("school_year", "must be the school year's first calendar year, 2000-2100".to_owned()));
    }
    match mark.kind {
        MarkKind::Sor if !(1..=4).contains(&mark.quarter) => wrong.push(("quarter", "a SOR belongs to a quarter, 1-4".to_owned())),
        MarkKind::Soch if !(0..=4).contains(&mark.quarter) => wrong.push(("quarter", "a SOCh is of a quarter 1-4 or of the year, 0".to_owned())),
        _ => {}
    }
    let numbers = match mark.kind {
        MarkKind::Sor => 1..=10,
        MarkKind::Soch => 1..=1,
    };
    if !numbers.contains(&mark.number) {
        wrong.push(("number", format!("must be {}-{}", numbers.start(), numbers.end())));
    }
    if !(1..=100).contains(&mark.max_score) {
        wrong.push(("max_score", "must be 1-100".to_owned()));
    } else if mark.score > mark.max_score {
        wrong.push(("score", format!("{} is above the maximum {}", mark.score, mark.max_score)));
    }
    if mark.score < 0 {
        wrong.push(("score", "must not be negative".to_owned()));
    }
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_as_5_a_score_above_its_maximum_is_named() {
        let mark = RecordMark {
            pupil_id: Uuid::nil(),
            subject_code: "mathematics".into(),
            teacher_id: Uuid::nil(),
            kind: MarkKind::Sor,
            school_year: 2019,
            quarter: 4,
            number: 1,
            score: 18,
            max_score: 20,
        };
        assert!(check(&mark).is_empty());
        let fields = |m: &RecordMark| check(m).into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(fields(&RecordMark { score: 21, ..mark.clone() }), ["score"]);
        assert_eq!(fields(&RecordMark { quarter: 0, ..mark.clone() }), ["quarter"]);
        assert!(fields(&RecordMark { kind: MarkKind::Soch, quarter: 0, ..mark.clone() }).is_empty());
        assert_eq!(fields(&RecordMark { kind: MarkKind::Soch, number: 2, ..mark.clone() }), ["number"]);
        assert_eq!(fields(&RecordMark { max_score: 0, school_year: 1900, ..mark }), ["school_year", "max_score"]);
    }
}
