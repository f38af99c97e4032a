//! Conversions between protobuf messages and domain types, with field-level validation.

use qashyq_catalogue::catalogue;
use qashyq_platform::{ApiError, error::quote, time::to_timestamp, validate::Violations};
use qashyq_proto::schedule::v1 as pb;

use qashyq_platform::language::to_proto as language_to_proto;
use uuid::Uuid;

use crate::domain::timetable::TimetableVersion;

use crate::domain::{
    people::{Delivery, MAX_PERSON_NAME_CHARS, Parent, Pupil, normalise_phone, valid_iin},
    roster::ParentRow,
    school::{Connectivity, District, LearningMode, MAX_NAME_CHARS, NewSchool, School},
    timetable::{Class, Lesson, Shift, Teacher, hhmm, rules::Violation, solver::Infeasible},
};

pub fn school_to_proto(school: &School) -> pb::School {
    pb::School {
        school_id: school.id.to_string(),
        region_code: school.region_code.clone(),
        name: school.name.clone(),
        connectivity: match school.connectivity {
            Connectivity::Broadband => pb::Connectivity::Broadband,
            Connectivity::Slow => pb::Connectivity::Slow,
            Connectivity::None => pb::Connectivity::None,
        } as i32,
        learning_mode: match school.learning_mode {
            LearningMode::Distance => pb::LearningMode::Distance,
            LearningMode::InPersonShifts => pb::LearningMode::InPersonShifts,
            LearningMode::DutyClasses => pb::LearningMode::DutyClasses,
        } as i32,
        ungraded_rural: school.ungraded_rural,
        registered_at: Some(to_timestamp(school.registered_at)),
        district_id: school.district_id.map(|id| id.to_string()).unwrap_or_default(),
    }
}

pub fn district_to_proto(district: &District) -> pb::District {
    pb::District { district_id: district.id.to_string(), region_code: district.region_code.clone(), name: district.name.clone() }
}

pub fn shift_to_proto(shift: Shift) -> pb::Shift {
    match shift {
        Shift::First => pb::Shift::First,
        Shift::Second => pb::Shift::Second,
    }
}

pub fn class_to_proto(id: Uuid, school_id: Uuid, letter: &str, class: &Class) -> pb::SchoolClass {
    pb::SchoolClass {
        class_id: id.to_string(),
        school_id: school_id.to_string(),
        grade: class.grade.value().into(),
        letter: letter.to_owned(),
        language: language_to_proto(class.language),
        shift: shift_to_proto(class.shift) as i32,
        weekly_load: class.weekly_load.iter().map(|(s, n)| pb::SubjectLoad { subject: s.clone(), per_week: (*n).into() }).collect(),
    }
}

pub fn teacher_to_proto(school_id: Uuid, full_name: &str, teacher: &Teacher) -> pb::SchoolTeacher {
    pb::SchoolTeacher {
        teacher_id: teacher.id.clone(),
        school_id: school_id.to_string(),
        full_name: full_name.to_owned(),
        subjects: teacher.subjects.clone(),
        shift: teacher.shift.map_or(pb::Shift::Unspecified, shift_to_proto) as i32,
    }
}

pub fn parent_to_proto(parent: &Parent) -> pb::Parent {
    pb::Parent { parent_id: parent.id.to_string(), full_name: parent.full_name.clone(), phone: parent.phone.clone() }
}

pub fn pupil_to_proto(pupil: &Pupil) -> pb::Pupil {
    pb::Pupil {
        pupil_id: pupil.id.to_string(),
        school_id: pupil.school_id.to_string(),
        class_id: pupil.class_id.to_string(),
        full_name: pupil.full_name.clone(),
        delivery: delivery_to_proto(pupil.delivery) as i32,
        parents: pupil.parents.iter().map(parent_to_proto).collect(),
        iin: pupil.iin.clone().unwrap_or_default(),
    }
}

pub fn delivery_to_proto(delivery: Delivery) -> pb::Delivery {
    match delivery {
        Delivery::Broadband => pb::Delivery::Broadband,
        Delivery::TvOnly => pb::Delivery::TvOnly,
        Delivery::Paper => pb::Delivery::Paper,
    }
}

/// Reads a required delivery category.
pub fn delivery(v: &mut Violations, field: &str, raw: i32) -> Option<Delivery> {
    v.known_enum(field, raw, pb::Delivery::try_from(raw), pb::Delivery::Unspecified).map(|d| match d {
        pb::Delivery::TvOnly => Delivery::TvOnly,
        pb::Delivery::Paper => Delivery::Paper,
        pb::Delivery::Broadband | pb::Delivery::Unspecified => Delivery::Broadband,
    })
}

/// Reads a shift; unspecified is `None`.
pub fn optional_shift(v: &mut Violations, field: &str, raw: i32) -> Option<Option<Shift>> {
    match pb::Shift::try_from(raw) {
        Ok(pb::Shift::First) => Some(Some(Shift::First)),
        Ok(pb::Shift::Second) => Some(Some(Shift::Second)),
        Ok(pb::Shift::Unspecified) => Some(None),
        Err(_) => {
            v.add(field, format!("{raw} is not a shift"));
            None
        }
    }
}

/// Reads an optional IIN: `Some(None)` when empty, `None` when malformed.
pub fn optional_iin(v: &mut Violations, field: &str, raw: &str) -> Option<Option<String>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    match valid_iin(raw) {
        Some(iin) => Some(Some(iin)),
        None => {
            v.add(field, format!("{} is not an IIN (12 digits: date of birth, century and sex, check digit)", quote(&raw)));
            None
        }
    }
}

/// Reads a parent's name and phone.
pub fn parent_contact(v: &mut Violations, field: &str, contact: &pb::ParentContact) -> Option<ParentRow> {
    let full_name = v.text(&format!("{field}.full_name"), &contact.full_name, MAX_PERSON_NAME_CHARS).map(str::to_owned);
    let phone = normalise_phone(&contact.phone);
    if phone.is_none() {
        v.add(format!("{field}.phone"), format!("{:?} is not a Kazakhstan phone number (+7 7xx xxx xx xx)", contact.phone));
    }
    Some(ParentRow { full_name: full_name?, phone: phone? })
}

/// A region code of the catalogue, required.
pub fn region_code(v: &mut Violations, field: &str, raw: &str) -> Option<String> {
    let code = raw.trim();
    if code.is_empty() {
        v.add(field, "is required");
        return None;
    }
    if catalogue().region(code).is_none() {
        v.add(field, format!("{} is not a region code of the catalogue (e.g. KZ-ALA)", quote(&code)));
        return None;
    }
    Some(code.to_owned())
}

/// Validates a registration, reporting every bad field at once.
pub fn new_school(request: &pb::RegisterSchoolRequest) -> Result<NewSchool, ApiError> {
    let mut v = Violations::new();
    let region_code = region_code(&mut v, "region_code", &request.region_code);
    let name = v.text("name", &request.name, MAX_NAME_CHARS);
    let connectivity = v.known_enum("connectivity", request.connectivity, pb::Connectivity::try_from(request.connectivity), pb::Connectivity::Unspecified);
    let learning_mode = v.known_enum("learning_mode", request.learning_mode, pb::LearningMode::try_from(request.learning_mode), pb::LearningMode::Unspecified);
    let district_id = (!request.district_id.is_empty()).then(|| v.uuid("district_id", &request.district_id)).flatten();
    let (region_code, name, connectivity, learning_mode) = v.values((region_code, name, connectivity, learning_mode))?;
    Ok(NewSchool {
        district_id,
        region_code,
        name: name.to_owned(),
        connectivity: match connectivity {
            pb::Connectivity::Broadband => Connectivity::Broadband,
            pb::Connectivity::Slow => Connectivity::Slow,
            pb::Connectivity::None | pb::Connectivity::Unspecified => Connectivity::None,
        },
        learning_mode: match learning_mode {
            pb::LearningMode::InPersonShifts => LearningMode::InPersonShifts,
            pb::LearningMode::DutyClasses => LearningMode::DutyClasses,
            pb::LearningMode::Distance | pb::LearningMode::Unspecified => LearningMode::Distance,
        },
        ungraded_rural: request.ungraded_rural,
    })
}

pub fn violation_to_proto(v: &Violation) -> pb::RuleProblem {
    pb::RuleProblem {
        rule: v.rule.to_owned(),
        class_id: v.class_id.clone(),
        weekday: v.day.map(|d| d.code().to_owned()).unwrap_or_default(),
        lessons: v.lessons.iter().map(|&i| i as i32).collect(),
        teacher_id: v.teacher_id.clone(),
        subject: v.subject.clone(),
        description: v.message.clone(),
    }
}

pub fn problem_to_proto(p: &Infeasible) -> pb::RuleProblem {
    pb::RuleProblem {
        rule: p.rule.to_owned(),
        class_id: p.class_id.clone(),
        teacher_id: p.teacher_id.clone(),
        subject: p.subject.clone(),
        description: p.message.clone(),
        ..Default::default()
    }
}

pub fn timetable_to_proto(school_id: Uuid, stored: &TimetableVersion) -> pb::Timetable {
    pb::Timetable {
        school_id: school_id.to_string(),
        version: stored.version,
        week_of: Some(qashyq_platform::time::to_local_date(stored.week_of)),
        lessons: stored.timetable.lessons.iter().map(lesson_to_proto).collect(),
        created_by: stored.created_by.clone(),
        created_at: Some(to_timestamp(stored.created_at)),
    }
}

pub fn lesson_to_proto(lesson: &Lesson) -> pb::Lesson {
    pb::Lesson {
        class_id: lesson.class_id.clone(),
        weekday: lesson.day.code().to_owned(),
        starts: hhmm(lesson.span.start),
        minutes: lesson.span.minutes().into(),
        subject: lesson.subject.clone(),
        teacher_id: lesson.teacher_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> pb::RegisterSchoolRequest {
        pb::RegisterSchoolRequest {
            region_code: "KZ-ALA".into(),
            name: "School-lyceum No. 1".into(),
            connectivity: pb::Connectivity::Broadband as i32,
            learning_mode: pb::LearningMode::Distance as i32,
            ungraded_rural: false,
            district_id: String::new(),
        }
    }

    #[test]
    fn valid_registration_converts() {
        let school = new_school(&valid()).unwrap();
        assert_eq!(school.region_code, "KZ-ALA");
        assert_eq!(school.connectivity, Connectivity::Broadband);
    }

    #[test]
    fn every_bad_field_is_named() {
        let request = pb::RegisterSchoolRequest {
            region_code: "KZ-XX".into(),
            name: " ".into(),
            connectivity: 0,
            learning_mode: 99,
            ungraded_rural: false,
            district_id: "nope".into(),
        };
        let Err(ApiError::InvalidArgument(violations)) = new_school(&request) else { panic!("expected invalid") };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["region_code", "name", "connectivity", "learning_mode", "district_id"]);
    }
}
