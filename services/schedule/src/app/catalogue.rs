//! The national catalogue (R-REF-2), read-only: regions with their time zones, subjects with
//! their Kazakh and Russian names and aliases.

use qashyq_catalogue::{Region, Subject, UnknownSubject, catalogue};

pub fn regions() -> &'static [Region] {
    catalogue().regions()
}

pub fn subjects() -> &'static [Subject] {
    catalogue().subjects()
}

/// The subject a name in any spelling the catalogue knows stands for.
pub fn resolve_subject(name: &str) -> Result<&'static Subject, UnknownSubject> {
    catalogue().resolve_subject(name)
}
