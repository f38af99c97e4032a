//! The national catalogue, compiled into every service: the 20 regions, grades 0–12, the two
//! languages of instruction, the four broadcast channels (R-TV-1) and the subjects with their
//! Kazakh and Russian names and aliases (R-REF-2). The data lives in `data/*.toml`, transcribed
//! from the Ministry's documents; this crate parses it once and answers lookups.

use std::{collections::HashMap, fmt, str::FromStr, sync::LazyLock};

use serde::Deserialize;

/// Language of instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Kk,
    Ru,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Kk, Language::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Language::Kk => "kk",
            Language::Ru => "ru",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a language of instruction (kk or ru)")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "kk" | "kaz" | "kz" => Ok(Language::Kk),
            "ru" | "rus" => Ok(Language::Ru),
            _ => Err(UnknownLanguage(s.to_owned())),
        }
    }
}

/// A school grade: 0 is pre-school, then 1–12 (R-REF-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grade(u8);

impl Grade {
    pub const PRE_SCHOOL: Grade = Grade(0);
    pub const MAX: u8 = 12;

    /// Returns the grade, or `None` outside 0–12.
    pub fn new(value: i64) -> Option<Self> {
        (0..=i64::from(Self::MAX)).contains(&value).then_some(Grade(value as u8))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn all() -> impl Iterator<Item = Grade> {
        (0..=Self::MAX).map(Grade)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Medium {
    Tv,
    Radio,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Region {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    #[serde(default)]
    pub is_city: bool,
    /// The region's zone of the tz database (R-REF-4): a school's day is in its local time.
    #[serde(deserialize_with = "zone")]
    pub time_zone: chrono_tz::Tz,
}

/// The zone the national TV lessons are scheduled in (R-TV-2, R-TV-7): 09:00–15:00 Almaty time,
/// the same instant everywhere, shown in each school's local time.
pub const BROADCAST_ZONE: chrono_tz::Tz = chrono_tz::Asia::Almaty;

fn zone<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<chrono_tz::Tz, D::Error> {
    let name = String::deserialize(deserializer)?;
    name.parse().map_err(|_| serde::de::Error::custom(format!("{name:?} is not a zone of the tz database")))
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub language: Language,
    pub medium: Medium,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Subject {
    pub code: String,
    pub name_kk: String,
    pub name_ru: String,
    pub aliases: Vec<String>,
}

impl Subject {
    pub fn name(&self, language: Language) -> &str {
        match language {
            Language::Kk => &self.name_kk,
            Language::Ru => &self.name_ru,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown subject {0:?}")]
pub struct UnknownSubject(pub String);

/// The parsed catalogue with its lookup indexes.
#[derive(Debug)]
pub struct Catalogue {
    regions: Vec<Region>,
    channels: Vec<Channel>,
    subjects: Vec<Subject>,
    subject_by_key: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct RegionsFile {
    region: Vec<Region>,
}
#[derive(Deserialize)]
struct ChannelsFile {
    channel: Vec<Channel>,
}
#[derive(Deserialize)]
struct SubjectsFile {
    subject: Vec<Subject>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::parse(include_str!("../data/regions.toml"), include_str!("../data/channels.toml"), include_str!("../data/subjects.toml"))
        .expect("the catalogue data files are valid (checked by this crate's tests)")
});

/// Returns the national catalogue.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// Folds a name for lookup: lower case, `ё` as `е`, no white space. Spelling variants that
/// differ only so ("Дүние жүзі тарихы", "Дүниежүзі тарихы", a word broken across a table
/// line) meet; real variants are listed as aliases.
pub fn fold_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).map(|c| if c == 'ё' { 'е' } else { c }).collect()
}

impl Catalogue {
    fn parse(regions: &str, channels: &str, subjects: &str) -> Result<Self, String> {
        let regions = toml::from_str::<RegionsFile>(regions).map_err(|e| format!("regions.toml: {e}"))?.region;
        let channels = toml::from_str::<ChannelsFile>(channels).map_err(|e| format!("channels.toml: {e}"))?.channel;
        let subjects = toml::from_str::<SubjectsFile>(subjects).map_err(|e| format!("subjects.toml: {e}"))?.subject;
        let mut subject_by_key = HashMap::new();
        for (index, subject) in subjects.iter().enumerate() {
            let spellings = [&subject.code, &subject.name_kk, &subject.name_ru].into_iter().chain(&subject.aliases);
            for spelling in spellings {
                if let Some(previous) = subject_by_key.insert(fold_name(spelling), index)
                    && previous != index
                {
                    return Err(format!("{spelling:?} names both {} and {}", subjects[previous].code, subject.code));
                }
            }
        }
        Ok(Self { regions, channels, subjects, subject_by_key })
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The channel that airs lessons of `language` on `medium` (R-TV-1).
    pub fn channel_for(&self, language: Language, medium: Medium) -> &Channel {
        self.channels
            .iter()
            .find(|c| c.language == language && c.medium == medium)
            .expect("the catalogue has a channel per language and medium (checked by tests)")
    }

    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn subjects(&self) -> &[Subject] {
        &self.subjects
    }

    pub fn subject(&self, code: &str) -> Option<&Subject> {
        self.subjects.iter().find(|s| s.code == code)
    }

    /// Normalises any known spelling (code, Kazakh or Russian name, alias) to its subject.
    pub fn resolve_subject(&self, name: &str) -> Result<&Subject, UnknownSubject> {
        self.subject_by_key.get(&fold_name(name)).map(|&index| &self.subjects[index]).ok_or_else(|| UnknownSubject(name.trim().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_ref_4_every_region_has_its_zone_with_utc_5_in_the_west_in_2020_and_everywhere_since_march_2024() {
        use chrono::{Offset, TimeZone};
        let offset_hours = |code: &str, y, m, d| {
            let zone = catalogue().region(code).unwrap().time_zone;
            zone.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap().offset().fix().local_minus_utc() / 3600
        };
        for west in ["KZ-AKT", "KZ-ATY", "KZ-ZAP", "KZ-KZY", "KZ-MAN"] {
            assert_eq!(offset_hours(west, 2020, 4, 6), 5, "{west}");
        }
        for east in ["KZ-ALA", "KZ-AST", "KZ-KUS", "KZ-VOS", "KZ-AKM"] {
            assert_eq!(offset_hours(east, 2020, 4, 6), 6, "{east}");
        }
        for region in catalogue().regions() {
            assert_eq!(offset_hours(&region.code, 2026, 12, 1), 5, "{}", region.code);
        }
        assert_eq!(BROADCAST_ZONE, chrono_tz::Asia::Almaty);
    }

    #[test]
    fn twenty_regions_with_unique_codes() {
        let regions = catalogue().regions();
        assert_eq!(regions.len(), 20);
        let mut codes: Vec<_> = regions.iter().map(|r| r.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 20);
        assert_eq!(regions.iter().filter(|r| r.is_city).count(), 3);
    }

    #[test]
    fn r_tv_1_channels_by_language() {
        let c = catalogue();
        assert_eq!(c.channel_for(Language::Kk, Medium::Tv).name, "Balapan");
        assert_eq!(c.channel_for(Language::Ru, Medium::Tv).name, "El Arna");
        assert_eq!(c.channel_for(Language::Kk, Medium::Radio).name, "Qazaq Radiosy");
        assert_eq!(c.channel_for(Language::Ru, Medium::Radio).name, "Radio Classic");
        assert!(c.channels().iter().all(|ch| ch.id.contains('.')), "XMLTV ids need a dot");
    }

    #[test]
    fn r_ref_2_aliases_from_the_mission_resolve() {
        let c = catalogue();
        for (spelling, code) in [
            ("Рус.язык", "russian_language"),
            ("Рус. язык", "russian_language"),
            ("История Казахст.", "history_of_kazakhstan"),
            ("Алгебра және анализ бастам.", "algebra_and_analysis"),
            ("Дүние жүзі тарихы", "world_history"),
            ("Дүниежүзі тарихы", "world_history"),
            ("Всемирная История", "world_history"),
            ("Жаратылыс\nтану", "natural_science"),
            ("Орыс тілі мен әдебиет", "russian_language_and_literature"),
            ("Рус.литер.", "russian_literature"),
            ("  математика ", "mathematics"),
            ("mathematics", "mathematics"),
        ] {
            assert_eq!(c.resolve_subject(spelling).map(|s| s.code.as_str()), Ok(code), "{spelling:?}");
        }
    }

    #[test]
    fn unknown_subject_is_an_error_never_a_guess() {
        assert_eq!(catalogue().resolve_subject("Астрология"), Err(UnknownSubject("Астрология".into())));
        assert!(catalogue().resolve_subject("Алгебр").is_err());
    }

    #[test]
    fn grades_are_zero_to_twelve() {
        assert_eq!(Grade::new(0), Some(Grade::PRE_SCHOOL));
        assert_eq!(Grade::new(12).map(Grade::value), Some(12));
        assert_eq!(Grade::new(13), None);
        assert_eq!(Grade::new(-1), None);
        assert_eq!(Grade::all().count(), 13);
    }

    #[test]
    fn languages_are_kk_and_ru() {
        assert_eq!("kk".parse(), Ok(Language::Kk));
        assert_eq!("RU".parse(), Ok(Language::Ru));
        assert!("en".parse::<Language>().is_err());
    }
}
