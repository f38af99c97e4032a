//! The directory's requests read into typed values and its answers built from domain types:
//! schools and districts, pupils and parents, roster imports.

use qashyq_platform::{ApiError, error::quote, paging, time::to_timestamp, validate::Violations};
use qashyq_proto::{
    common::v1::PageResponse,
    schedule::v1::{self as pb},
};
use uuid::Uuid;

use super::{delivery_to_proto, region_code};
use crate::{
    app::{
        directory::{Page, PupilCursor, SchoolCursor, SchoolFilter},
        roster_import::{Imported, RosterKind},
    },
    domain::{
        people::{Delivery, MAX_PERSON_NAME_CHARS, NewPupil, Parent, Pupil, normalise_phone, valid_iin},
        roster::ParentRow,
        school::{Connectivity, District, LearningMode, MAX_NAME_CHARS, NewSchool, School},
    },
};

/// Largest roster file taken in one call (5,000 rows of pupils with parents is about 600 KiB).
const MAX_ROSTER_BYTES: usize = 2 * 1024 * 1024;
/// Parents registered with a pupil in one call.
const MAX_PARENTS: usize = 4;
/// Problems a roster check lists in its answer.
const MAX_REPORTED_PROBLEMS: usize = 10_000;

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

/// Reads a required delivery category.
pub fn delivery(v: &mut Violations, field: &str, raw: i32) -> Option<Delivery> {
    v.known_enum(field, raw, pb::Delivery::try_from(raw), pb::Delivery::Unspecified).map(|d| match d {
        pb::Delivery::TvOnly => Delivery::TvOnly,
        pb::Delivery::Paper => Delivery::Paper,
        pb::Delivery::Broadband | pb::Delivery::Unspecified => Delivery::Broadband,
    })
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

/// Reads a school registration, reporting every bad field at once.
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

/// Reads the id of the record a call is about.
pub fn id(field: &str, raw: &str) -> Result<Uuid, ApiError> {
    let mut v = Violations::new();
    let id = v.uuid(field, raw);
    Ok(v.values(id)?)
}

/// The page size and the position after which a page starts.
fn page<K: serde::de::DeserializeOwned>(page: Option<&qashyq_proto::common::v1::PageRequest>) -> Result<(u32, Option<K>), ApiError> {
    let page = page.cloned().unwrap_or_default();
    Ok((paging::page_size(page.page_size, "page.page_size")?, paging::decode_token(&page.page_token, "page.page_token")?))
}

/// The token of the page after `page`, whose last item is at `last` (empty when none follows).
fn next_page<T, K: serde::Serialize>(page: &Page<T>, last: impl Fn(&T) -> K) -> Option<PageResponse> {
    let next_page_token = match page.items.last() {
        Some(item) if page.more => paging::encode_token(&last(item)),
        _ => String::new(),
    };
    Some(PageResponse { next_page_token })
}

/// Reads a school listing: its filter, page size and position.
pub fn list_schools(request: &pb::ListSchoolsRequest) -> Result<(SchoolFilter, u32, Option<SchoolCursor>), ApiError> {
    let (size, after) = page(request.page.as_ref())?;
    let mut v = Violations::new();
    let region = request.region_code.trim();
    let region_code = if region.is_empty() { Some(None) } else { region_code(&mut v, "region_code", region).map(Some) };
    let district_id = if request.district_id.is_empty() { Some(None) } else { v.uuid("district_id", &request.district_id).map(Some) };
    let (region_code, district_id) = v.values((region_code, district_id))?;
    Ok((SchoolFilter { region_code, district_id }, size, after))
}

pub fn schools_to_proto(page: &Page<School>) -> pb::ListSchoolsResponse {
    pb::ListSchoolsResponse { schools: page.items.iter().map(school_to_proto).collect(), page: next_page(page, |s| (s.name.clone(), s.id)) }
}

/// Reads a district registration: its region and name.
pub fn new_district(request: &pb::RegisterDistrictRequest) -> Result<(String, String), ApiError> {
    let mut v = Violations::new();
    let region_code = region_code(&mut v, "region_code", &request.region_code);
    let name = v.text("name", &request.name, MAX_NAME_CHARS).map(str::to_owned);
    Ok(v.values((region_code, name))?)
}

pub fn region_of(request: &pb::ListDistrictsRequest) -> Result<String, ApiError> {
    let mut v = Violations::new();
    let region_code = region_code(&mut v, "region_code", &request.region_code);
    Ok(v.values(region_code)?)
}

/// Reads a pupil registration, parents included.
pub fn new_pupil(request: &pb::RegisterPupilRequest) -> Result<NewPupil, ApiError> {
    let mut v = Violations::new();
    let class_id = v.uuid("class_id", &request.class_id);
    let full_name = v.text("full_name", &request.full_name, MAX_PERSON_NAME_CHARS).map(str::to_owned);
    let delivery = delivery(&mut v, "delivery", request.delivery);
    let parents: Vec<ParentRow> = if v.at_most("parents", request.parents.len(), MAX_PARENTS) {
        request.parents.iter().enumerate().filter_map(|(i, p)| parent_contact(&mut v, &format!("parents[{i}]"), p)).collect()
    } else {
        Vec::new()
    };
    let iin = optional_iin(&mut v, "iin", &request.iin);
    let (class_id, full_name, delivery, iin) = v.values((class_id, full_name, delivery, iin))?;
    Ok(NewPupil { class_id, full_name, delivery, iin, parents })
}

/// Reads a listing of a class's pupils: the class, page size and position.
pub fn list_pupils(request: &pb::ListPupilsRequest) -> Result<(Uuid, u32, Option<PupilCursor>), ApiError> {
    let class_id = id("class_id", &request.class_id)?;
    let (size, after) = page(request.page.as_ref())?;
    Ok((class_id, size, after))
}

pub fn pupils_to_proto(page: &Page<Pupil>) -> pb::ListPupilsResponse {
    pb::ListPupilsResponse { pupils: page.items.iter().map(pupil_to_proto).collect(), page: next_page(page, |p| (p.full_name.clone(), p.id)) }
}

/// Reads a parent to link to a pupil.
pub fn new_parent(request: &pb::AddParentRequest) -> Result<(Uuid, ParentRow), ApiError> {
    let mut v = Violations::new();
    let pupil_id = v.uuid("pupil_id", &request.pupil_id);
    let parent = match &request.parent {
        Some(contact) => parent_contact(&mut v, "parent", contact),
        None => {
            v.add("parent", "is required");
            None
        }
    };
    Ok(v.values((pupil_id, parent))?)
}

/// Reads a roster import: the school and the kind of roster (the file is taken as sent, up to
/// its size limit).
pub fn roster(request: &pb::ImportRosterRequest) -> Result<(Uuid, RosterKind), ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    let kind = v.known_enum("kind", request.kind, pb::RosterKind::try_from(request.kind), pb::RosterKind::Unspecified).map(|k| match k {
        pb::RosterKind::Teachers => RosterKind::Teachers,
        pb::RosterKind::Pupils => RosterKind::Pupils,
        pb::RosterKind::Classes | pb::RosterKind::Unspecified => RosterKind::Classes,
    });
    if request.csv.is_empty() {
        v.add("csv", "is required");
    } else if request.csv.len() > MAX_ROSTER_BYTES {
        v.add("csv", format!("is {} bytes; at most {MAX_ROSTER_BYTES} are taken in one call", request.csv.len()));
    }
    Ok(v.values((school_id, kind))?)
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub fn roster_done_to_proto(done: &Imported) -> pb::ImportRosterResponse {
    pb::ImportRosterResponse {
        rows: count(done.rows),
        created: count(done.created),
        parents_linked: count(done.parents_linked),
        existing: count(done.existing),
        problems: Vec::new(),
        more_problems: 0,
    }
}

/// A roster check's answer: the whole report in the body (an import refuses with the first
/// problems instead), up to a bound, with the count of the rest.
pub fn roster_problems_to_proto(problems: Vec<qashyq_platform::FieldViolation>) -> pb::ImportRosterResponse {
    let more_problems = count(problems.len().saturating_sub(MAX_REPORTED_PROBLEMS));
    let problems = problems.into_iter().take(MAX_REPORTED_PROBLEMS).map(|p| pb::RosterProblem { field: p.field, description: p.description }).collect();
    pb::ImportRosterResponse { problems, more_problems, ..Default::default() }
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
