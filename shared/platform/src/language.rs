//! The one conversion between the catalogue's `Language` and `qashyq.common.v1.Language`, for
//! every service.

use crate::validate::Violations;
use qashyq_catalogue::Language;
use qashyq_proto::common::v1 as common;

pub fn to_proto(language: Language) -> i32 {
    match language {
        Language::Kk => common::Language::Kk as i32,
        Language::Ru => common::Language::Ru as i32,
    }
}

/// A protobuf enum number that is no language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not kk or ru")]
pub struct NotALanguage(pub i32);

/// `Ok(None)` for `LANGUAGE_UNSPECIFIED`, an error for a number that is no language.
pub fn from_proto(raw: i32) -> Result<Option<Language>, NotALanguage> {
    match common::Language::try_from(raw) {
        Ok(common::Language::Unspecified) => Ok(None),
        Ok(common::Language::Kk) => Ok(Some(Language::Kk)),
        Ok(common::Language::Ru) => Ok(Some(Language::Ru)),
        Err(_) => Err(NotALanguage(raw)),
    }
}

/// Reads a language field that must be kk or ru.
pub fn read(v: &mut Violations, field: &str, raw: i32) -> Option<Language> {
    match from_proto(raw) {
        Ok(Some(language)) => Some(language),
        Ok(None) => {
            v.add(field, "is required (kk or ru)");
            None
        }
        Err(error) => {
            v.add(field, error.to_string());
            None
        }
    }
}
