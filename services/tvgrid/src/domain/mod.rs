//! Pure rules of the TV grid, no I/O: reading the Ministry's documents into a normalised grid
//! (`sources`), checking them against each other (`validation`, R-TV-4), placing the weekly grid
//! into air time (`placement`, R-TV-2), counting a campaign's lessons (`figures`, R-TV-8), the
//! segment plan of a TV lesson (`lesson_plan`, R-TV-3), whether an asset may air in a lesson
//! (`assets`, R-TV-5), what a publication changes and when it takes effect (`publication`,
//! R-TV-6), and the exports' rendering (`export`, R-TV-7).

pub mod assets;
pub mod documents;
pub mod export;
pub mod figures;
pub mod lesson_plan;
pub mod placement;
pub mod publication;
pub mod sources;
pub mod validation;

use std::fmt;

/// A school day of the TV grid: lessons air Monday to Friday only (R-TV-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
}

impl Weekday {
    pub const ALL: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];

    pub fn code(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == code.trim().to_ascii_lowercase())
    }

    /// The school weekday of a calendar day; `None` on Saturday and Sunday.
    pub fn of(date: chrono::NaiveDate) -> Option<Self> {
        use chrono::Datelike;
        match date.weekday() {
            chrono::Weekday::Mon => Some(Weekday::Mon),
            chrono::Weekday::Tue => Some(Weekday::Tue),
            chrono::Weekday::Wed => Some(Weekday::Wed),
            chrono::Weekday::Thu => Some(Weekday::Thu),
            chrono::Weekday::Fri => Some(Weekday::Fri),
            chrono::Weekday::Sat | chrono::Weekday::Sun => None,
        }
    }
}

impl fmt::Display for Weekday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
