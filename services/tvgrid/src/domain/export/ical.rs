//! iCalendar (RFC 5545) of one grade's TV lessons in one language, for families.
//!
//! UIDs are stable (date, language, grade and the lesson's place in the grade's day), so a
//! calendar re-imported after a change updates events instead of duplicating them; `SEQUENCE`
//! carries the number of the grid's publication airing that day, which rises with every change. Times are written in UTC: exact for
//! any date, with no VTIMEZONE to get wrong across Kazakhstan's 2024 change from UTC+6 to UTC+5
//! (the conversion is done here with the time-zone database).

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use qashyq_catalogue::{Grade, Language, Medium, catalogue};

use super::{Programme, grade_label, lesson_title};

/// Renders the TV lessons of `grade` in `language`.
pub fn render(programmes: &[Programme<'_>], language: Language, grade: Grade, generated_at: DateTime<Utc>) -> String {
    let channel = catalogue().channel_for(language, Medium::Tv);
    let mut calendar = Calendar::new();
    calendar.name(&format!("{}: {}", grade_label(language, grade), channel.name));
    calendar.append_property(("X-WR-TIMEZONE", qashyq_catalogue::BROADCAST_ZONE.name()));
    let mut lessons: Vec<&Programme<'_>> =
        programmes.iter().filter(|p| p.airing.language == language && p.airing.grade == grade && p.airing.medium == Medium::Tv).collect();
    lessons.sort_by_key(|p| p.airing.starts);
    for programme in lessons {
        let airing = programme.airing;
        let uid = format!("{}-{}-g{}-l{}@tvgrid.qashyq.kz", airing.date, language.code(), grade.value(), airing.lesson_of_day);
        let mut event = Event::new();
        event
            .uid(&uid)
            .sequence(u32::try_from(programme.publication).unwrap_or(u32::MAX))
            .timestamp(generated_at)
            .starts(airing.starts.with_timezone(&Utc))
            .ends(airing.ends.with_timezone(&Utc))
            .summary(&lesson_title(language, grade, &airing.subject))
            .location(&channel.name);
        if !programme.topic.is_empty() {
            let description = match programme.teacher_name {
                "" => programme.topic.to_owned(),
                teacher => format!("{}\n{teacher}", programme.topic),
            };
            event.description(&description);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
