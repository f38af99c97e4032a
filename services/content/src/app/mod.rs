//! The use cases. The checks store nothing yet, so there is no repository and no event: a use
//! case is the domain's check.

use crate::domain::atomic::{AtomicFile, AtomicReport, inspect_atomic};

/// R-CV-1: what a file is, read from its bytes, and what is wrong with it.
pub fn inspect_atomic_file(file: &AtomicFile<'_>) -> AtomicReport {
    inspect_atomic(file.file_name, file.size_bytes, file.head, file.duration_seconds)
}
