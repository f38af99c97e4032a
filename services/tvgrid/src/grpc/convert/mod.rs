//! Request fields every RPC of the grid reads the same way.

use qashyq_catalogue::catalogue;
use qashyq_platform::{error::quote, validate::Violations};

pub use qashyq_platform::language::read as language;

/// Reads a channel id of the catalogue.
pub fn channel(v: &mut Violations, field: &str, id: &str) -> Option<String> {
    if catalogue().channel(id).is_none() {
        v.add(field, format!("{} is not a channel (balapan.kz, elarna.kz, qazaqradio.kz, classic.kz)", quote(&id)));
        return None;
    }
    Some(id.to_owned())
}

/// Reads a lesson's place in its day (from 1).
pub fn lesson_of_day(v: &mut Violations, field: &str, raw: i32) -> Option<u32> {
    match u32::try_from(raw) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            v.add(field, format!("{raw} is not a lesson number (1, 2, …)"));
            None
        }
    }
}
