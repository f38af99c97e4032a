//! The national catalogue in the API's terms.

use qashyq_catalogue::{Region, Subject};
use qashyq_platform::ApiError;
use qashyq_proto::schedule::v1 as pb;

/// Longest subject name resolved.
const MAX_SUBJECT_NAME_CHARS: usize = 200;

pub fn region_to_proto(region: &Region) -> pb::Region {
    pb::Region {
        code: region.code.clone(),
        name_kk: region.name_kk.clone(),
        name_ru: region.name_ru.clone(),
        is_city: region.is_city,
        time_zone: region.time_zone.name().to_owned(),
    }
}

pub fn subject_to_proto(subject: &Subject) -> pb::Subject {
    pb::Subject { code: subject.code.clone(), name_kk: subject.name_kk.clone(), name_ru: subject.name_ru.clone(), aliases: subject.aliases.clone() }
}

/// Reads the name of a subject to resolve.
pub fn subject_name(request: &pb::ResolveSubjectRequest) -> Result<&str, ApiError> {
    let mut v = qashyq_platform::validate::Violations::new();
    let name = v.text("name", &request.name, MAX_SUBJECT_NAME_CHARS);
    Ok(v.values(name)?)
}
