//! iCalendar (RFC 5545) of one grade's TV lessons in one language, for families.
//!
//! UIDs are stable (date, language, grade and the lesson's place in the grade's day), so a
//! calendar re-imported after a change updates events instead of duplicating them; `SEQUENCE`
//! carries the grid's version and rises with every change. Times are written in UTC: exact for
//! any date, with no VTIMEZONE to get wrong across Kazakhstan's 2024 change from UTC+6 to UTC+5
//! (the conversion is done here with the time-zone database).

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use qashyq_catalogue::{Grade, Language, Medium, catalogue};

use super::{grade_label, lesson_title};
use crate::domain::placement::Airing;

/// Renders the TV lessons of `grade` in `language`.
pub fn render(airings: &[Airing], language: Language, grade: Grade, sequence: u32, generated_at: DateTime<Utc>) -> String {
    let channel = catalogue().channel_for(language, Medium::Tv);
    let mut calendar = Calendar::new();
    calendar.name(&format!("{}: {}", grade_label(language, grade), channel.name));
    calendar.append_property(("X-WR-TIMEZONE", "Asia/Almaty"));
    let mut lessons: Vec<&Airing> =
        airings.iter().filter(|a| a.language == language && a.grade == grade && a.medium == Medium::Tv).collect();
    lessons.sort_by_key(|a| a.starts);
    for airing in lessons {
        let uid = format!("{}-{}-g{}-l{}@tvgrid.qashyq.kz", airing.date, language.code(), grade.value(), airing.lesson_of_day);
        calendar.push(
            Event::new()
                .uid(&uid)
                .sequence(sequence)
                .timestamp(generated_at)
                .starts(airing.starts.with_timezone(&Utc))
                .ends(airing.ends.with_timezone(&Utc))
                .summary(&lesson_title(language, grade, &airing.subject))
                .location(&channel.name)
                .done(),
        );
    }
    calendar.done().to_string()
}
