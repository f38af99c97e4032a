//! iCalendar (RFC 5545) of a class's days, for families and e-journals (R-SCH-7). UIDs are stable
//! (date, class, kind and start time), so a re-imported calendar updates events instead of
//! duplicating them; SEQUENCE is the timetable version. Times are written in UTC, converted
//! with the time-zone database from the school's region's zone (R-REF-4: Asia/Almaty UTC+6 until
//! March 2024, UTC+5 since; the western regions UTC+5 throughout).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, Component, Event, EventLike};
use qashyq_catalogue::Language;

/// One lesson of a class's day, own or on TV.
pub struct CalendarLesson<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub starts: DateTime<Tz>,
    pub ends: DateTime<Tz>,
    /// The TV channel, for a TV lesson.
    pub channel_id: &'a str,
    /// The homework, for a deadline.
    pub homework_id: &'a str,
}

/// Renders a class's lessons; subjects are named in the class's language.
pub fn render(
    class_id: &str,
    class_label: &str,
    language: Language,
    zone: Tz,
    version: i64,
    lessons: &[CalendarLesson<'_>],
    generated_at: DateTime<Utc>,
) -> String {
    let mut calendar = Calendar::new();
    calendar.name(class_label);
    calendar.append_property(("X-WR-TIMEZONE", zone.name()));
    for lesson in lessons {
        // A deadline is its homework's, whatever time it is due.
        let uid = if lesson.homework_id.is_empty() {
            format!("{}-{class_id}-{}-{}@schedule.qashyq.kz", lesson.starts.date_naive(), lesson.kind, lesson.starts.format("%H%M"))
        } else {
            format!("homework-{}@schedule.qashyq.kz", lesson.homework_id)
        };
        let subject = qashyq_catalogue::catalogue().subject(lesson.subject).map_or(lesson.subject, |s| s.name(language)).to_owned();
        let mut event = Event::new();
        event
            .uid(&uid)
            .sequence(u32::try_from(version).unwrap_or(u32::MAX))
            .timestamp(generated_at)
            .starts(lesson.starts.with_timezone(&Utc))
            .ends(lesson.ends.with_timezone(&Utc))
            .summary(&match lesson.kind {
                "tv" => format!("TV: {subject}"),
                "deadline" => format!("Deadline: {subject}"),
                _ => subject,
            });
        if !lesson.channel_id.is_empty() {
            event.location(lesson.channel_id);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
