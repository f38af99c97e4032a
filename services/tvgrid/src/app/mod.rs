//! The use cases of the TV grid service: what one RPC does, calling the domain's rules and the
//! repositories. `grid` imports, reads and publishes versions of a campaign's grid (R-TV-4,
//! R-TV-6, R-TV-8) and exports what airs (R-TV-7); `assets` registers, approves and schedules
//! TV-lesson assets (R-TV-3, R-TV-5); `airings` keeps what airs on each day in memory (R-TV-2).

pub mod airings;
pub mod assets;
pub mod grid;

pub use airings::{AiringQuery, DayAirings, DayView, Placements};
pub use assets::AssetApp;
pub use grid::GridApp;

use qashyq_catalogue::{Channel, Language, Medium, catalogue};

/// The catalogue's channels (R-TV-1), of one language of instruction and one medium when asked.
pub fn channels(language: Option<Language>, medium: Option<Medium>) -> impl Iterator<Item = &'static Channel> {
    catalogue().channels().iter().filter(move |c| language.is_none_or(|l| c.language == l) && medium.is_none_or(|m| c.medium == m))
}
