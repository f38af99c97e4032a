//! "What is on today" (R-SCH-5, the hottest read): a class's or a pupil's day — own lessons of the
//! current timetable, the grade's TV lessons, the school calendar's events and homework deadlines
//! — in the school's local time (R-REF-4), and the same as iCalendar (R-SCH-7). A class's week and
//! a pupil's class are kept in memory briefly; a new timetable version here drops them at once.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use qashyq_catalogue::Grade;
use qashyq_platform::principal::{Caller, SchoolPlace};
use qashyq_platform::{ApiError, memo::Memo};
use uuid::Uuid;

use crate::{
    app::deadlines::Deadlines,
    app::ical::{self, CalendarLesson},
    app::tv::TvGrid,
    domain::{
        people::Delivery,
        school_year::{DayKind, SchoolYear},
        timetable::{Day, Lesson},
    },
    repo::SchoolRepo,
    repo::pupils::{PupilPlace, PupilRepo},
    repo::timetables::{StoredClass, TimetableRepo},
};

/// How long a class's own lessons are served from memory before they are read again.
const CLASS_WEEK_TTL: Duration = Duration::from_secs(2);
/// How long a pupil's class and delivery category are served from memory.
const PUPIL_TTL: Duration = Duration::from_secs(10);

/// What an item of a day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Own,
    Tv,
    Event,
    Deadline,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Own => "own",
            ItemKind::Tv => "tv",
            ItemKind::Event => "event",
            ItemKind::Deadline => "deadline",
        }
    }
}

/// One item of a class's day, in the school's local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayItem {
    pub kind: ItemKind,
    /// A subject code, or an event's title.
    pub subject: String,
    pub starts: DateTime<Tz>,
    pub ends: DateTime<Tz>,
    pub channel_id: String,
    pub teacher_id: String,
    pub homework_id: String,
}

/// A class's day.
pub struct ClassDay {
    pub class_id: Uuid,
    pub date: NaiveDate,
    pub timetable_version: i64,
    pub items: Vec<DayItem>,
}

/// A pupil's day: their class's, with their delivery category.
pub struct PupilDay {
    pub pupil_id: Uuid,
    pub delivery: Delivery,
    pub day: ClassDay,
}

/// A class's calendar for a range of days, as iCalendar.
pub struct ClassCalendar {
    /// "5А".
    pub label: String,
    pub content: String,
}

/// One day of the school calendar, with the events of a grade at their local time.
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub events: Vec<(String, String, DateTime<Tz>)>,
}

/// A class and its own lessons per weekday, as a day needs them.
struct ClassWeek {
    class: StoredClass,
    /// Its school's district and region, to check a caller's scope against (R-GW-2).
    district_id: Option<Uuid>,
    region_code: String,
    /// The school's local time (R-REF-4).
    zone: Tz,
    version: i64,
    /// Own lessons per weekday, read once when cached (not per call).
    by_day: BTreeMap<Day, Vec<Lesson>>,
}

impl ClassWeek {
    fn reach(&self, caller: &Caller) -> Result<(), ApiError> {
        let place = SchoolPlace { school_id: self.class.school_id, district_id: self.district_id, region_code: &self.region_code };
        caller.check(&place, "the record")
    }
}

pub struct Today {
    year: SchoolYear,
    schools: SchoolRepo,
    timetables: TimetableRepo,
    tv: Arc<TvGrid>,
    pupils: PupilRepo,
    deadlines: Deadlines,
    class_weeks: Memo<Uuid, Arc<ClassWeek>>,
    pupil_places: Memo<Uuid, PupilPlace>,
}

impl Today {
    pub fn new(schools: SchoolRepo, timetables: TimetableRepo, tv: Arc<TvGrid>, pupils: PupilRepo, deadlines: Deadlines) -> Self {
        Self {
            year: SchoolYear::spring_2020(),
            schools,
            timetables,
            tv,
            pupils,
            deadlines,
            class_weeks: Memo::new(CLASS_WEEK_TTL, 200_000),
            pupil_places: Memo::new(PUPIL_TTL, 1_000_000),
        }
    }

    /// The school year whose calendar days and events are shown.
    pub fn year(&self) -> &SchoolYear {
        &self.year
    }

    /// Drops what is kept of classes' weeks (a new timetable version was stored here).
    pub async fn forget_timetables(&self) {
        self.class_weeks.clear().await;
    }

    pub async fn class_day(&self, caller: &Caller, class_id: Uuid, date: NaiveDate) -> Result<ClassDay, ApiError> {
        let week = self.class_week(class_id).await?;
        week.reach(caller)?;
        Ok(ClassDay { class_id, date, timetable_version: week.version, items: self.items(&week, date).await? })
    }

    pub async fn pupil_day(&self, caller: &Caller, pupil_id: Uuid, date: NaiveDate) -> Result<PupilDay, ApiError> {
        let place = self.pupil_place(pupil_id).await?;
        Ok(PupilDay { pupil_id, delivery: place.delivery, day: self.class_day(caller, place.class_id, date).await? })
    }

    /// The class's days `first..=last` as iCalendar, stamped `generated_at`.
    pub async fn class_calendar(&self, caller: &Caller, class_id: Uuid, first: NaiveDate, last: NaiveDate) -> Result<ClassCalendar, ApiError> {
        let week = self.class_week(class_id).await?;
        week.reach(caller)?;
        let mut items = Vec::new();
        for date in first.iter_days().take_while(|d| *d <= last) {
            items.extend(self.items(&week, date).await?);
        }
        let class = &week.class.class;
        let label = format!("{}{}", class.grade.value(), week.class.letter);
        let entries: Vec<CalendarLesson<'_>> = items
            .iter()
            .map(|item| CalendarLesson {
                kind: item.kind.as_str(),
                subject: &item.subject,
                starts: item.starts,
                ends: item.ends,
                channel_id: &item.channel_id,
                homework_id: &item.homework_id,
            })
            .collect();
        let content = ical::render(&class.id, &label, class.language, week.zone, week.version, &entries, qashyq_platform::clock::now());
        Ok(ClassCalendar { label, content })
    }

    /// The school calendar's days `first..=last` with the events of `grade` at their time in `zone`.
    pub fn school_calendar(&self, grade: Grade, first: NaiveDate, last: NaiveDate, zone: Tz) -> Vec<CalendarDay> {
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|date| CalendarDay {
                date,
                kind: self.year.day(date),
                events: self
                    .year
                    .events_for(grade, date)
                    .into_iter()
                    .filter_map(|(event, time)| Some((event.kind.clone(), event.title.clone(), local(zone, date, time)?)))
                    .collect(),
            })
            .collect()
    }

    async fn pupil_place(&self, pupil_id: Uuid) -> Result<PupilPlace, ApiError> {
        self.pupil_places
            .get_or_fill(pupil_id, || async { self.pupils.place(pupil_id).await?.ok_or_else(|| ApiError::NotFound(format!("pupil {pupil_id}"))) })
            .await
    }

    async fn class_week(&self, class_id: Uuid) -> Result<Arc<ClassWeek>, ApiError> {
        self.class_weeks
            .get_or_fill(class_id, || async {
                let class = self.timetables.found_class(class_id).await?;
                let school = self.schools.get(class.school_id).await.map_err(ApiError::from)?;
                let zone = school.time_zone();
                let timetable = self.timetables.timetable(class.school_id, 0).await?;
                let mut by_day: BTreeMap<Day, Vec<Lesson>> = BTreeMap::new();
                let id = class_id.to_string();
                for lesson in timetable.iter().flat_map(|t| &t.timetable.lessons).filter(|l| l.class_id == id) {
                    by_day.entry(lesson.day).or_default().push(lesson.clone());
                }
                let (district_id, region_code) = (school.district_id, school.region_code);
                Ok(Arc::new(ClassWeek { class, district_id, region_code, zone, version: timetable.map_or(0, |t| t.version), by_day }))
            })
            .await
    }

    /// A class's own lessons of `date` (by weekday, from the current timetable, none on holidays
    /// and breaks), its grade's TV lessons in its language, the calendar's events and the
    /// homework due, in time order.
    async fn items(&self, week: &ClassWeek, date: NaiveDate) -> Result<Vec<DayItem>, ApiError> {
        let class = &week.class.class;
        let zone = week.zone;
        let item = |kind, subject: String, starts, ends| DayItem {
            kind,
            subject,
            starts,
            ends,
            channel_id: String::new(),
            teacher_id: String::new(),
            homework_id: String::new(),
        };
        let mut items = Vec::new();
        for (event, time) in self.year.events_for(class.grade, date) {
            if let Some(starts) = local(zone, date, time) {
                items.push(item(ItemKind::Event, event.title.clone(), starts, starts));
            }
        }
        let own = if self.year.day(date).has_lessons() { Day::of(date).and_then(|d| week.by_day.get(&d)) } else { None };
        for lesson in own.into_iter().flatten() {
            // A lesson ending at 24:00 has no time of day; it is left out rather than panicking.
            if let (Some(starts), Some(ends)) = (at_minute(zone, date, lesson.span.start), at_minute(zone, date, lesson.span.end)) {
                items.push(DayItem { teacher_id: lesson.teacher_id.clone(), ..item(ItemKind::Own, lesson.subject.clone(), starts, ends) });
            }
        }
        for airing in self.tv.day(class.language, class.grade, date).await?.iter() {
            let (starts, ends) = (airing.starts.with_timezone(&zone), airing.ends.with_timezone(&zone));
            items.push(DayItem { channel_id: airing.channel_id.clone(), ..item(ItemKind::Tv, airing.subject.clone(), starts, ends) });
        }
        let class_id = Uuid::parse_str(&class.id).map_err(ApiError::internal)?;
        for deadline in self.deadlines.due_on(class_id, date, zone).await?.iter() {
            let at = deadline.at.with_timezone(&zone);
            items.push(DayItem { homework_id: deadline.homework_id.to_string(), ..item(ItemKind::Deadline, deadline.subject.clone(), at, at) });
        }
        items.sort_by_key(|i| i.starts);
        Ok(items)
    }
}

/// `time` of `date` in `zone` (none in a gap of the zone's clock).
fn local(zone: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Tz>> {
    zone.from_local_datetime(&date.and_time(time)).single()
}

fn at_minute(zone: Tz, date: NaiveDate, minute: u16) -> Option<DateTime<Tz>> {
    local(zone, date, NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?)
}
