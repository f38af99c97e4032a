//! Exports of placed airings (R-TV-7): XMLTV for broadcasters and programme guides, iCalendar
//! for families. Pure rendering: airings in, text out.

pub mod ical;
pub mod xmltv;

use qashyq_catalogue::{Grade, Language, catalogue};

use crate::domain::placement::Airing;

/// An airing as exported: the publication it belongs to and, when an asset is scheduled in it,
/// the topic and teacher shown on screen (empty otherwise).
#[derive(Debug, Clone, Copy)]
pub struct Programme<'a> {
    pub airing: &'a Airing,
    pub publication: i64,
    pub topic: &'a str,
    pub teacher_name: &'a str,
}

/// "5-сынып" / "5 класс".
pub fn grade_label(language: Language, grade: Grade) -> String {
    match language {
        Language::Kk => format!("{}-сынып", grade.value()),
        Language::Ru => format!("{} класс", grade.value()),
    }
}

/// "5-сынып. Математика" / "5 класс. Математика": class and subject, as on screen (R-TV-3).
pub fn lesson_title(language: Language, grade: Grade, subject_code: &str) -> String {
    let subject = catalogue().subject(subject_code).map_or(subject_code, |s| s.name(language));
    format!("{}. {subject}", grade_label(language, grade))
}
