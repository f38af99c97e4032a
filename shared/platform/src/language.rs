//! The one conversion between the catalogue's `Language` and `qashyq.common.v1.Language`, for
//! every service.

use qashyq_catalogue::Language;
use crate::validate::Violations;
use qashyq_proto::common::v1 as common;

pub fn to_proto(language: Language) -> i32 {
    match language {
        Language::Kk => common::Language::Kk as i32,
        Language::Ru => common::Language::Ru as i32,
    }
}

/// `Ok(None)` for `LANGUAGE_UNSPECIFIED`, `Err(())` for a number that is no language.
pub fn from_proto(raw: i32) -> Result<Option<Language>, ()> {
    match common::Language::try_from(raw) {
        Ok(common::Language::Unspecified) => Ok(None),
        Ok(common::Language::Kk) => Ok(Some(Language::Kk)),
        Ok(common::Language::Ru) => Ok(Some(Language::Ru)),
        Err(_) => Err(()),
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
        Err(()) => {
            v.add(field, format!("{raw} is not kk or ru"));
            None
        }
    }
}
