//! Reading a school's roster from CSV (R-REF-1): classes, teachers, or pupils with a parent.
//!
//! Every row is read and every bad cell reported as `rows[N].column` (N counts data rows from 1;
//! the header is row 0), so a school fixes its whole spreadsheet in one round. Columns are found
//! by the header's names in any order; a comma- or semicolon-separated file (what spreadsheets
//! in Kazakh and Russian locales save) is accepted. What needs the database (duplicates of
//! stored classes, which class "5А" is) is checked by the caller, under the same row numbers.

use std::collections::{BTreeMap, HashMap};

use qashyq_catalogue::{Grade, Language};
use qashyq_platform::{error::quote, validate::Violations};

use super::people::{Delivery, MAX_PERSON_NAME_CHARS, normalise_phone, valid_iin};
use super::timetable::Shift;

/// Most data rows one import takes (a large school has ~3,000 pupils).
pub const MAX_ROWS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    pub row: usize,
    pub grade: Grade,
    pub letter: String,
    pub language: Language,
    pub shift: Shift,
    pub weekly_load: BTreeMap<String, u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherRow {
    pub row: usize,
    pub full_name: String,
    pub subjects: Vec<String>,
    pub shift: Option<Shift>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRow {
    pub full_name: String,
    /// E.164.
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilRow {
    pub row: usize,
    pub full_name: String,
    /// The class as the school writes it: grade and letter.
    pub class: (Grade, String),
    pub delivery: Delivery,
    pub parent: Option<ParentRow>,
    /// The pupil's IIN, when the school gives it.
    pub iin: Option<String>,
}

/// The field path of a cell.
pub fn cell(row: usize, column: &str) -> String {
    format!("rows[{row}].{column}")
}

/// A class's letter as stored: trimmed, upper case, 1–3 characters.
pub fn class_letter(v: &mut Violations, field: &str, raw: &str) -> Option<String> {
    v.text(field, raw, 3).map(str::to_uppercase)
}

/// The shift a class of `grade` has when none is given: grades 0–9 learn in the morning,
/// 10–12 in the afternoon (R-SCH-1).
pub fn default_shift(grade: Grade) -> Shift {
    if grade.value() >= 10 { Shift::Second } else { Shift::First }
}

/// A CSV file split into named cells, per data row.
struct Table {
    rows: Vec<HashMap<String, String>>,
}

fn read_table(v: &mut Violations, csv_bytes: &[u8], required: &[&str], optional: &[&str]) -> Option<Table> {
    let text = match std::str::from_utf8(csv_bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}'),
        Err(error) => {
            v.add("csv", format!("is not UTF-8 text (byte {}); save the spreadsheet as CSV UTF-8", error.valid_up_to()));
            return None;
        }
    };
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains(';') && !header_line.contains(',') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|name| name.trim().to_lowercase()).collect(),
        Err(error) => {
            v.add("csv", format!("cannot read the header row: {error}"));
            return None;
        }
    };
    let mut header_ok = true;
    for name in required {
        if !headers.iter().any(|h| h == name) {
            v.add(cell(0, name), format!("the header has no {name:?} column (columns: {})", required.join(", ")));
            header_ok = false;
        }
    }
    for (i, name) in headers.iter().enumerate() {
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            v.add(format!("rows[0].columns[{i}]"), format!("{name:?} is not a column of this roster (expected {})", [required, optional].concat().join(", ")));
            header_ok = false;
        } else if headers[..i].contains(name) {
            v.add(format!("rows[0].columns[{i}]"), format!("{} appears twice", quote(&name)));
            header_ok = false;
        }
    }
    if !header_ok {
        return None;
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        if row > MAX_ROWS {
            v.add("csv", format!("has more than {MAX_ROWS} rows; split it into several imports"));
            return None;
        }
        match record {
            Ok(record) => {
                if record.len() != headers.len() {
                    v.add(format!("rows[{row}]"), format!("has {} cells; the header has {}", record.len(), headers.len()));
                }
                rows.push(headers.iter().cloned().zip(record.iter().map(str::to_owned)).collect());
            }
            Err(error) => {
                v.add(format!("rows[{row}]"), format!("cannot be read: {error}"));
                rows.push(HashMap::new());
            }
        }
    }
    if rows.is_empty() {
        v.add("csv", "has a header but no rows");
    }
    Some(Table { rows })
}

fn get<'a>(row: &'a HashMap<String, String>, column: &str) -> &'a str {
    row.get(column).map_or("", String::as_str)
}

fn shift_cell(v: &mut Violations, field: &str, raw: &str) -> Option<Option<Shift>> {
    match raw.trim() {
        "" => Some(None),
        "1" => Some(Some(Shift::First)),
        "2" => Some(Some(Shift::Second)),
        other => {
            v.add(field, format!("{} is not a shift (1 or 2, or empty)", quote(&other)));
            None
        }
    }
}

fn grade_cell(v: &mut Violations, field: &str, raw: &str) -> Option<Grade> {
    match raw.trim().parse::<i32>() {
        Ok(n) => v.grade(field, n),
        Err(_) => {
            v.add(field, format!("{:?} is not a grade (0–12)", raw.trim()));
            None
        }
    }
}

/// Reads classes: grade, letter, language, shift, weekly_load.
pub fn read_classes(v: &mut Violations, csv_bytes: &[u8]) -> Vec<ClassRow> {
    let Some(table) = read_table(v, csv_bytes, &["grade", "letter", "language", "weekly_load"], &["shift"]) else {
        return Vec::new();
    };
    let mut seen: HashMap<(Grade, String), usize> = HashMap::new();
    let mut classes = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        let row = i + 1;
        if cells.is_empty() {
            continue;
        }
        let grade = grade_cell(v, &cell(row, "grade"), get(cells, "grade"));
        let letter = class_letter(v, &cell(row, "letter"), get(cells, "letter"));
        let language = match get(cells, "language").to_lowercase().parse::<Language>() {
            Ok(language) => Some(language),
            Err(_) => {
                v.add(cell(row, "language"), format!("{:?} is not a language of instruction (kk or ru)", get(cells, "language")));
                None
            }
        };
        let shift = shift_cell(v, &cell(row, "shift"), get(cells, "shift"));
        let weekly_load = weekly_load_cell(v, &cell(row, "weekly_load"), get(cells, "weekly_load"));
        if let (Some(grade), Some(letter)) = (grade, &letter)
            && let Some(first) = seen.insert((grade, letter.clone()), row)
        {
            v.add(cell(row, "letter"), format!("class {}{letter} is already on row {first}", grade.value()));
        }
        if let (Some(grade), Some(letter), Some(language), Some(shift), Some(weekly_load)) = (grade, letter, language, shift, weekly_load) {
            classes.push(ClassRow { row, grade, letter, language, shift: shift.unwrap_or_else(|| default_shift(grade)), weekly_load });
        }
    }
    classes
}

/// "mathematics=4; Казахский язык=3" → subject code → lessons a week.
fn weekly_load_cell(v: &mut Violations, field: &str, raw: &str) -> Option<BTreeMap<String, u8>> {
    let mut load = BTreeMap::new();
    let mut ok = true;
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((subject, count)) = part.rsplit_once('=') else {
            v.add(field, format!("{} is not subject=lessons", quote(&part)));
            ok = false;
            continue;
        };
        let code = v.subject(field, subject.trim());
        let per_week = count.trim().parse::<u8>().ok().filter(|n| *n <= 40);
        if per_week.is_none() {
            v.add(field, format!("{:?} is not 0–40 lessons a week", count.trim()));
        }
        match (code, per_week) {
            (Some(code), Some(n)) => {
                if load.insert(code.clone(), n).is_some() {
                    v.add(field, format!("{code} is listed twice"));
                    ok = false;
                }
            }
            _ => ok = false,
        }
    }
    if ok && load.is_empty() {
        v.add(field, "is required: the lessons a week per subject, e.g. \"mathematics=4; kazakh_language=3\"");
        ok = false;
    }
    ok.then_some(load)
}

/// Reads teachers: full_name, subjects, shift.
pub fn read_teachers(v: &mut Violations, csv_bytes: &[u8]) -> Vec<TeacherRow> {
    let Some(table) = read_table(v, csv_bytes, &["full_name", "subjects"], &["shift"]) else {
        return Vec::new();
    };
    let mut teachers = Vec::new();
    for (i, cells) in table.rows.iter().enumerate() {
        let row = i + 1;
        if cells.is_empty() {
            continue;
        }
        let full_name = v.text(&cell(row, "full_name"), get(cells, "full_name"), MAX_PERSON_NAME_CHARS).map(str::to_owned);
        let field = cell(row, "subjects");
        let names: Vec<&str> = get(cells, "subjects").split(';').map(str::trim).filter(|s| !s.is_empty()).collect();
        if names.is_empty() {
            v.add(&field, "a teacher teaches at least one subject");
        }
        let subjects: Vec<String> = names.iter().filter_map(|name| v.subject(&field, name)).collect();
        let shift = shift_cell(v, &cell(row, "shift"), get(cells, "shift"));
        if let (Some(full_name), Some(shift)) = (full_name, shift)
            && !subjects.is_empty()
            && subjects.len() == names.len()
        {
            teachers.push(TeacherRow { row, full_name, subjects, shift });
        }
    }
    teachers
}

/// "5А", "10 Б", "0a" → grade and letter.
fn class_cell(v: &mut Violations, field: &str, raw: &str) -> Option<(Grade, String)> {
    let raw = raw.trim();
    let digits = raw.chars().take_while(char::is_ascii_digit).count();
    let (number, letter) = raw.split_at(digits);
    let grade = number.parse::<i32>().ok().and_then(|n| Grade::new(n.into()));
    let letter = letter.trim();
    if grade.is_none() || letter.is_empty() || letter.chars().count() > 3 {
        v.add(field, format!("{} is not a class: a grade 0–12 and its letter, e.g. \"5А\"", quote(&raw)));
        return None;
    }
    Some((grade?, letter.to_uppercase()))
}

/// Reads pupils: full_name, class, delivery, and optionally iin, parent_name and parent_phone.
pub fn read_pupils(v: &mut Violations, csv_bytes: &[u8]) -> Vec<PupilRow> {
    let Some(table) = read_table(v, csv_bytes, &["full_name", "class", "delivery"], &["iin", "parent_name", "parent_phone"]) else {
        return Vec::new();
    };
    let mut pupils = Vec::new();
    let mut iins: HashMap<String, usize> = HashMap::new();
    for (i, cells) in table.rows.iter().enumerate() {
        let row = i + 1;
        if cells.is_empty() {
            continue;
        }
        let full_name = v.text(&cell(row, "full_name"), get(cells, "full_name"), MAX_PERSON_NAME_CHARS).map(str::to_owned);
        let class = class_cell(v, &cell(row, "class"), get(cells, "class"));
        let delivery = Delivery::parse(get(cells, "delivery"));
        if delivery.is_none() {
            v.add(cell(row, "delivery"), format!("{:?} is not a delivery category (broadband, tv_only, paper)", get(cells, "delivery")));
        }
        let parent = parent_cells(v, row, get(cells, "parent_name"), get(cells, "parent_phone"));
        let iin = match get(cells, "iin").trim() {
            "" => Some(None),
            raw => match valid_iin(raw) {
                Some(iin) => match iins.insert(iin.clone(), row) {
                    Some(first) => {
                        v.add(cell(row, "iin"), format!("is already on row {first}"));
                        None
                    }
                    None => Some(Some(iin)),
                },
                None => {
                    v.add(cell(row, "iin"), format!("{} is not an IIN (12 digits: date of birth, century and sex, check digit)", quote(&raw)));
                    None
                }
            },
        };
        if let (Some(full_name), Some(class), Some(delivery), Some(parent), Some(iin)) = (full_name, class, delivery, parent, iin) {
            pupils.push(PupilRow { row, full_name, class, delivery, parent, iin });
        }
    }
    pupils
}

/// A parent's name and phone: both or neither.
fn parent_cells(v: &mut Violations, row: usize, name: &str, phone: &str) -> Option<Option<ParentRow>> {
    match (name.trim().is_empty(), phone.trim().is_empty()) {
        (true, true) => Some(None),
        (false, true) => {
            v.add(cell(row, "parent_phone"), "a parent is reached by phone: give the number with the name");
            None
        }
        _ => {
            let full_name = v.text(&cell(row, "parent_name"), name, MAX_PERSON_NAME_CHARS).map(str::to_owned);
            let phone = normalise_phone(phone);
            if phone.is_none() {
                v.add(cell(row, "parent_phone"), "is not a Kazakhstan phone number (+7 7xx xxx xx xx)");
            }
            Some(Some(ParentRow { full_name: full_name?, phone: phone? }))
        }
    }
}

#[cfg(test)]
mod tests {
    use qashyq_platform::ApiError;

    use super::*;

    fn violations(v: Violations) -> Vec<(String, String)> {
        match v.finish() {
            Ok(()) => Vec::new(),
            Err(ApiError::InvalidArgument(list)) => list.into_iter().map(|f| (f.field, f.description)).collect(),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn r_ref_1_classes_read_with_any_subject_spelling_and_semicolons() {
        let csv = "grade;letter;language;shift;weekly_load\n5;а;kk;;\"Математика=5; Казахский язык=3; informatics=1\"\n10;Б;ru;2;\"Алгебра=3\"\n";
        let mut v = Violations::new();
        let classes = read_classes(&mut v, csv.as_bytes());
        assert_eq!(violations(v), vec![]);
        assert_eq!(classes.len(), 2);
        assert_eq!((classes[0].grade.value(), classes[0].letter.as_str(), classes[0].shift), (5, "А", Shift::First));
        assert_eq!(classes[0].weekly_load.values().sum::<u8>(), 9);
        assert_eq!(classes[1].shift, Shift::Second);
    }

    #[test]
    fn r_ref_1_every_bad_cell_is_named_by_row_and_column() {
        let csv = "full_name,class,delivery,parent_name,parent_phone\n\
                   Айгерим Нурланова,5А,tv_only,Нурлан Ахметов,8 701 123 45 67\n\
                   ,13А,pigeon,,\n\
                   Болат Серикович,5,paper,Серик,12345\n\
                   Дана,5Б,broadband,Асель,\n";
        let mut v = Violations::new();
        let pupils = read_pupils(&mut v, csv.as_bytes());
        let fields: Vec<String> = violations(v).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["rows[2].full_name", "rows[2].class", "rows[2].delivery", "rows[3].class", "rows[3].parent_phone", "rows[4].parent_phone"]);
        assert_eq!(pupils.len(), 1);
        assert_eq!(pupils[0].parent.as_ref().unwrap().phone, "+77011234567");
    }

    #[test]
    fn r_ref_1_header_mistakes_and_duplicate_classes_are_reported() {
        let mut v = Violations::new();
        read_teachers(&mut v, b"full_name,subject\nA,math\n");
        let fields: Vec<String> = violations(v).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["rows[0].subjects", "rows[0].columns[1]"]);

        let mut v = Violations::new();
        read_classes(&mut v, "grade,letter,language,weekly_load\n5,А,kk,mathematics=4\n5,а,kk,mathematics=4\n1,Б,en,mathematics=x\n".as_bytes());
        let found = violations(v);
        assert_eq!(found[0].0, "rows[2].letter");
        assert!(found[0].1.contains("row 1"));
        assert_eq!(found[1].0, "rows[3].language");
        assert_eq!(found[2].0, "rows[3].weekly_load");

        let mut v = Violations::new();
        read_pupils(&mut v, b"full_name,class,delivery\n\xff\n");
        assert_eq!(violations(v)[0].0, "csv");
    }

    #[test]
    fn r_ref_1_teachers_with_subjects_and_an_optional_shift() {
        let mut v = Violations::new();
        let teachers =
            read_teachers(&mut v, "full_name,subjects,shift\nАйгуль Ким,\"mathematics; physics\",2\nБолат Ли,English,\nX,mathematics; nonsense,3\n".as_bytes());
        let found = violations(v);
        assert_eq!(found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), ["rows[3].subjects", "rows[3].shift"]);
        assert_eq!(teachers.len(), 2);
        assert_eq!(teachers[0].shift, Some(Shift::Second));
        assert_eq!(teachers[0].subjects.len(), 2);
        assert_eq!(teachers[1].shift, None);
    }
}
