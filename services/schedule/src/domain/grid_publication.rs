//! A publication of the national TV grid, as this service needs it (R-TV-6, R-SCH-2): which
//! languages' school days changed air times, and from when. Read from tvgrid's GridPublished.

use chrono::NaiveDate;
use qashyq_catalogue::Language;

/// A publication of the TV grid, as this service needs it (read from GridPublished).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedGrid {
    pub campaign: String,
    pub publication: i64,
    pub effective_from: NaiveDate,
    /// The languages whose school days changed air times.
    pub changed_languages: Vec<Language>,
}
