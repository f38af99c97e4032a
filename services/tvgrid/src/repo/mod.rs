//! SQL of the TV grid service, taking and returning domain types: grid imports and publications
//! (`grids`), lesson assets and the lessons they air in (`assets`); `legacy` keeps the encodings
//! of rows stored before the service owned its storage, to convert them.

mod assets;
mod grids;
mod legacy;

pub use assets::AssetRepo;
pub use grids::{GridRepo, Stored};
