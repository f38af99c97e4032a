//! Conversions between protobuf messages and domain types, with field-level validation.

use qashyq_catalogue::catalogue;
use qashyq_platform::{ApiError, time::to_timestamp, validate::Violations};
use qashyq_proto::schedule::v1 as pb;

use crate::domain::school::{Connectivity, LearningMode, MAX_NAME_CHARS, NewSchool, School};

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
    }
}

/// Validates a registration, reporting every bad field at once.
pub fn new_school(request: &pb::RegisterSchoolRequest) -> Result<NewSchool, ApiError> {
    let mut v = Violations::new();
    let region_code = request.region_code.trim();
    if region_code.is_empty() {
        v.add("region_code", "is required");
    } else if catalogue().region(region_code).is_none() {
        v.add("region_code", format!("{region_code:?} is not a region code of the catalogue (e.g. KZ-ALA)"));
    }
    let name = v.text("name", &request.name, MAX_NAME_CHARS);
    let connectivity = v.known_enum(
        "connectivity",
        request.connectivity,
        pb::Connectivity::try_from(request.connectivity),
        pb::Connectivity::Unspecified,
    );
    let learning_mode = v.known_enum(
        "learning_mode",
        request.learning_mode,
        pb::LearningMode::try_from(request.learning_mode),
        pb::LearningMode::Unspecified,
    );
    v.finish()?;
    Ok(NewSchool {
        region_code: region_code.to_owned(),
        name: name.expect("validated").to_owned(),
        connectivity: match connectivity.expect("validated") {
            pb::Connectivity::Broadband => Connectivity::Broadband,
            pb::Connectivity::Slow => Connectivity::Slow,
            pb::Connectivity::None | pb::Connectivity::Unspecified => Connectivity::None,
        },
        learning_mode: match learning_mode.expect("validated") {
            pb::LearningMode::InPersonShifts => LearningMode::InPersonShifts,
            pb::LearningMode::DutyClasses => LearningMode::DutyClasses,
            pb::LearningMode::Distance | pb::LearningMode::Unspecified => LearningMode::Distance,
        },
        ungraded_rural: request.ungraded_rural,
    })
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
        };
        let Err(ApiError::InvalidArgument(violations)) = new_school(&request) else { panic!("expected invalid") };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["region_code", "name", "connectivity", "learning_mode"]);
    }
}
