//! Reading the Ministry's documents (annexes 1–3 of seed 003, transcribed in `data/`) into
//! normalised structures. Every subject spelling goes through the catalogue's aliases; an
//! unknown name, a weekend day, a grade or language that does not exist are errors naming the
//! document, the row and the field, all of them at once, never a guess.

use std::collections::{BTreeMap, BTreeSet};

use qashyq_catalogue::{Grade, Language, catalogue};
use serde::Deserialize;

use super::Weekday;

/// Subject code of the catalogue (`"mathematics"`).
pub type SubjectCode = String;

/// Annex 2: the weekly grid, per language, grade and weekday, lessons in airing order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyGrid {
    pub days: BTreeMap<(Language, Grade, Weekday), Vec<SubjectCode>>,
}

/// Annex 1: the subjects aired per grade and language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AiredSubjects {
    pub subjects: BTreeMap<(Language, Grade), BTreeSet<SubjectCode>>,
    /// Readings applied to the document's wording, shown in the validation report.
    pub readings: Vec<Reading>,
}

/// Annex 3: TV lessons per week per subject.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    pub per_week: BTreeMap<(Language, Grade, SubjectCode), u32>,
}

/// A wording of a document read as another subject, stated in the data with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub language: Language,
    pub grade: Grade,
    pub written: String,
    pub read_as: SubjectCode,
}

/// One bad row of a source document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub document: &'static str,
    /// 1-based position of the row in its document.
    pub row: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} row {}: {}: {}", self.document, self.row, self.field, self.message)
    }
}

#[derive(Deserialize)]
struct GridDocument {
    day: Vec<GridRow>,
}

/// The rows of the three TOML transcriptions, as the import RPC carries them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceRows {
    pub grid: Vec<GridRow>,
    pub aired: Vec<AiredRow>,
    pub readings: Vec<ReadingRow>,
    pub hours: Vec<HoursRow>,
}

/// Parses the three TOML transcriptions into rows (what a command-line import sends).
pub fn rows_from_toml(grid: &str, aired: &str, hours: &str) -> Result<SourceRows, Vec<SourceError>> {
    let grid: GridDocument = toml::from_str(grid).map_err(|e| syntax("grid", e))?;
    let aired: AiredDocument = toml::from_str(aired).map_err(|e| syntax("aired_subjects", e))?;
    let hours: HoursDocument = toml::from_str(hours).map_err(|e| syntax("weekly_hours", e))?;
    Ok(SourceRows { grid: grid.day, aired: aired.grade, readings: aired.reading, hours: hours.grade })
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct GridRow {
    pub language: String,
    pub grade: i64,
    pub weekday: String,
    pub subjects: Vec<String>,
}

#[derive(Deserialize)]
struct AiredDocument {
    grade: Vec<AiredRow>,
    #[serde(default)]
    reading: Vec<ReadingRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct AiredRow {
    pub language: String,
    pub grade: i64,
    pub subjects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct ReadingRow {
    pub grades: Vec<i64>,
    pub written: String,
    pub read_as: String,
}

#[derive(Deserialize)]
struct HoursDocument {
    grade: Vec<HoursRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct HoursRow {
    pub language: String,
    pub grade: i64,
    pub hours: Vec<HoursEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct HoursEntry {
    pub subject: String,
    pub per_week: i64,
}

/// Collects the errors of one document.
struct RowErrors {
    document: &'static str,
    errors: Vec<SourceError>,
}

impl RowErrors {
    fn new(document: &'static str) -> Self {
        Self { document, errors: Vec::new() }
    }

    fn add(&mut self, row: usize, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(SourceError { document: self.document, row, field: field.into(), message: message.into() });
    }

    fn language(&mut self, row: usize, value: &str) -> Option<Language> {
        value.parse().map_err(|e: qashyq_catalogue::UnknownLanguage| self.add(row, "language", e.to_string())).ok()
    }

    fn grade(&mut self, row: usize, value: i64) -> Option<Grade> {
        let grade = Grade::new(value);
        if grade.is_none() {
            self.add(row, "grade", format!("{value} is not a grade (0–12)"));
        }
        grade
    }

    fn subject(&mut self, row: usize, field: String, name: &str) -> Option<SubjectCode> {
        match catalogue().resolve_subject(name) {
            Ok(subject) => Some(subject.code.clone()),
            Err(unknown) => {
                self.add(row, field, format!("{unknown}: not a name or alias of any subject in the catalogue"));
                None
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<SourceError>> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}

fn syntax(document: &'static str, error: toml::de::Error) -> Vec<SourceError> {
    vec![SourceError { document, row: 0, field: "document".to_owned(), message: error.to_string() }]
}

/// Reads annex 2 (the weekly grid) from its TOML transcription.
pub fn read_grid(text: &str) -> Result<WeeklyGrid, Vec<SourceError>> {
    let document: GridDocument = toml::from_str(text).map_err(|e| syntax("grid", e))?;
    grid_from_rows(&document.day)
}

/// Normalises annex-2 rows.
pub fn grid_from_rows(rows: &[GridRow]) -> Result<WeeklyGrid, Vec<SourceError>> {
    let mut errors = RowErrors::new("grid");
    let mut grid = WeeklyGrid::default();
    for (index, row) in rows.iter().enumerate() {
        let n = index + 1;
        let language = errors.language(n, &row.language);
        let grade = errors.grade(n, row.grade);
        let weekday = Weekday::parse(&row.weekday);
        if weekday.is_none() {
            errors.add(n, "weekday", format!("{:?} is not a school day: lessons air Monday to Friday (mon–fri)", row.weekday));
        }
        let subjects: Vec<Option<SubjectCode>> = row.subjects.iter().enumerate().map(|(i, name)| errors.subject(n, format!("subjects[{i}]"), name)).collect();
        if let (Some(language), Some(grade), Some(weekday)) = (language, grade, weekday) {
            let subjects: Vec<SubjectCode> = subjects.into_iter().flatten().collect();
            if grid.days.insert((language, grade, weekday), subjects).is_some() {
                errors.add(n, "weekday", format!("{language} grade {} {weekday} appears twice", grade.value()));
            }
        }
    }
    errors.finish(grid)
}

/// Reads annex 1 (subjects aired per grade) from its TOML transcription.
pub fn read_aired_subjects(text: &str) -> Result<AiredSubjects, Vec<SourceError>> {
    let document: AiredDocument = toml::from_str(text).map_err(|e| syntax("aired_subjects", e))?;
    aired_from_rows(&document.grade, &document.reading)
}

/// Normalises annex-1 rows, applying the stated readings (numbered after the rows).
pub fn aired_from_rows(rows: &[AiredRow], reading_rows: &[ReadingRow]) -> Result<AiredSubjects, Vec<SourceError>> {
    let mut errors = RowErrors::new("aired_subjects");
    let mut readings: Vec<(BTreeSet<Grade>, String, SubjectCode)> = Vec::new();
    for (index, row) in reading_rows.iter().enumerate() {
        let n = rows.len() + index + 1;
        let grades = row.grades.iter().filter_map(|g| errors.grade(n, *g)).collect();
        if let Some(read_as) = errors.subject(n, "read_as".to_owned(), &row.read_as) {
            readings.push((grades, qashyq_catalogue::fold_name(&row.written), read_as));
        }
    }
    let mut aired = AiredSubjects::default();
    for (index, row) in rows.iter().enumerate() {
        let n = index + 1;
        let (language, grade) = (errors.language(n, &row.language), errors.grade(n, row.grade));
        let mut subjects = BTreeSet::new();
        for (i, name) in row.subjects.iter().enumerate() {
            let reading = grade.and_then(|g| readings.iter().find(|(grades, written, _)| grades.contains(&g) && *written == qashyq_catalogue::fold_name(name)));
            let code = match reading {
                Some((_, _, read_as)) => {
                    if let (Some(language), Some(grade)) = (language, grade) {
                        aired.readings.push(Reading { language, grade, written: name.clone(), read_as: read_as.clone() });
                    }
                    Some(read_as.clone())
                }
                None => errors.subject(n, format!("subjects[{i}]"), name),
            };
            subjects.extend(code);
        }
        if let (Some(language), Some(grade)) = (language, grade)
            && aired.subjects.insert((language, grade), subjects).is_some()
        {
            errors.add(n, "grade", format!("{language} grade {} appears twice", grade.value()));
        }
    }
    errors.finish(aired)
}

/// Reads annex 3 (weekly hours) from its TOML transcription.
pub fn read_weekly_hours(text: &str) -> Result<WeeklyHours, Vec<SourceError>> {
    let document: HoursDocument = toml::from_str(text).map_err(|e| syntax("weekly_hours", e))?;
    hours_from_rows(&document.grade)
}

/// Normalises annex-3 rows.
pub fn hours_from_rows(rows: &[HoursRow]) -> Result<WeeklyHours, Vec<SourceError>> {
    let mut errors = RowErrors::new("weekly_hours");
    let mut hours = WeeklyHours::default();
    for (index, row) in rows.iter().enumerate() {
        let n = index + 1;
        let (language, grade) = (errors.language(n, &row.language), errors.grade(n, row.grade));
        for (i, entry) in row.hours.iter().enumerate() {
            let subject = errors.subject(n, format!("hours[{i}].subject"), &entry.subject);
            let per_week = u32::try_from(entry.per_week).ok().filter(|h| (1..=10).contains(h));
            if per_week.is_none() {
                errors.add(n, format!("hours[{i}].per_week"), format!("{} is not a weekly count (1–10)", entry.per_week));
            }
            if let (Some(language), Some(grade), Some(subject), Some(per_week)) = (language, grade, subject, per_week)
                && hours.per_week.insert((language, grade, subject.clone()), per_week).is_some()
            {
                errors.add(n, format!("hours[{i}].subject"), format!("{subject} is listed twice for this grade"));
            }
        }
    }
    errors.finish(hours)
}

/// The 2020 documents as transcribed in this repository.
pub mod spring_2020 {
    pub const GRID: &str = include_str!("../../data/2020/grid.toml");
    pub const AIRED_SUBJECTS: &str = include_str!("../../data/2020/aired_subjects.toml");
    pub const WEEKLY_HOURS: &str = include_str!("../../data/2020/weekly_hours.toml");
    pub const CAMPAIGN: &str = include_str!("../../data/2020/campaign.toml");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kk(grade: u8) -> (Language, Grade) {
        (Language::Kk, Grade::new(grade.into()).unwrap())
    }

    #[test]
    fn r_tv_4_the_real_2020_grid_reads_completely() {
        let grid = read_grid(spring_2020::GRID).unwrap();
        assert_eq!(grid.days.len(), 2 * 11 * 5, "both languages, grades 1–11, Monday–Friday");
        let (language, grade) = kk(1);
        assert_eq!(grid.days[&(language, grade, Weekday::Mon)], ["literacy", "mathematics"]);
        // The word broken across table lines, "Жаратылыс / тану", is natural science.
        assert_eq!(grid.days[&(language, grade, Weekday::Fri)], ["literacy", "natural_science"]);
        let ru10 = &grid.days[&(Language::Ru, Grade::new(10).unwrap(), Weekday::Mon)];
        assert_eq!(ru10, &["algebra_and_analysis", "russian_literature", "physics", "chemistry"], "Рус.литер. is Russian literature");
        assert_eq!(grid.days.values().map(Vec::len).sum::<usize>(), 342);
    }

    #[test]
    fn r_tv_4_annexes_1_and_3_read_with_their_stated_reading() {
        let aired = read_aired_subjects(spring_2020::AIRED_SUBJECTS).unwrap();
        assert_eq!(aired.subjects.len(), 22);
        assert!(aired.subjects[&kk(10)].contains("algebra_and_analysis"));
        assert!(!aired.subjects[&kk(10)].contains("algebra"));
        assert!(aired.subjects[&kk(9)].contains("algebra"), "the reading is for grades 10–11 only");
        assert_eq!(aired.readings.len(), 4, "kk and ru, grades 10 and 11");
        let hours = read_weekly_hours(spring_2020::WEEKLY_HOURS).unwrap();
        assert_eq!(hours.per_week[&(Language::Kk, Grade::new(1).unwrap(), "literacy".to_owned())], 5);
        assert_eq!(hours.per_week[&(Language::Kk, Grade::new(11).unwrap(), "algebra_and_analysis".to_owned())], 2, "written in Russian in the Kazakh column");
        assert_eq!(hours.per_week.values().sum::<u32>(), 342, "as many lessons a week as annex 2 airs, though not the same ones");
    }

    #[test]
    fn every_bad_row_is_named_and_nothing_is_guessed() {
        let text = r#"
            [[day]]
            language = "kk"
            grade = 1
            weekday = "sat"
            subjects = ["Математика"]

            [[day]]
            language = "en"
            grade = 14
            weekday = "mon"
            subjects = ["Математика", "Астрология"]
        "#;
        let errors = read_grid(text).unwrap_err();
        let described: Vec<_> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(described, [(1, "weekday"), (2, "language"), (2, "grade"), (2, "subjects[1]")]);
        assert!(errors[3].to_string().contains("Астрология"), "{}", errors[3]);
    }

    #[test]
    fn a_day_given_twice_is_an_error() {
        let row = "[[day]]\nlanguage = \"ru\"\ngrade = 2\nweekday = \"tue\"\nsubjects = [\"Математика\"]\n";
        let errors = read_grid(&format!("{row}\n{row}")).unwrap_err();
        assert_eq!((errors[0].row, errors[0].field.as_str()), (2, "weekday"));
    }
}
