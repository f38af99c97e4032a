//! The one clock every service reads the business time from ("what airs now", "has this lesson
//! begun", "is this deadline in the future", when an event occurred).
//!
//! It is the real clock unless `QASHYQ_CLOCK_START` names an instant: then it reads that instant
//! at the real moment `QASHYQ_CLOCK_ANCHOR` (by default, when the process started) and runs on
//! at the real pace from there (like Stripe's test clocks), so that `make run` can replay the
//! spring 2020 campaign as if it were today. Every process of the mesh given the same start and
//! anchor reads the same time, whenever each of them started. It is
//! installed once per process by [`crate::service::main`]; production and the tests keep the real
//! clock. Infrastructure time (leases, backoff, timeouts, the database's `now()`) stays real.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

/// A clock: real, or shifted to start at a given instant.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    shift: Option<Shift>,
}

#[derive(Debug, Clone, Copy)]
struct Shift {
    /// What the clock read at `anchor`.
    start: DateTime<Utc>,
    /// A real instant.
    anchor: DateTime<Utc>,
}

impl Clock {
    pub const fn real() -> Self {
        Self { shift: None }
    }

    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self::shifted(start, Utc::now())
    }

    /// A clock that read `start` at the real instant `anchor` and runs on from there.
    pub fn shifted(start: DateTime<Utc>, anchor: DateTime<Utc>) -> Self {
        Self { shift: Some(Shift { start, anchor }) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.shift {
            None => Utc::now(),
            Some(Shift { start, anchor }) => start + (Utc::now() - anchor),
        }
    }

    pub fn is_shifted(&self) -> bool {
        self.shift.is_some()
    }
}

static INSTALLED: OnceLock<Clock> = OnceLock::new();

/// Makes `clock` the process's clock; the first call wins (a process has one clock).
pub fn install(clock: Clock) {
    let _ = INSTALLED.set(clock);
}

/// The process's clock (the real one unless another was installed).
pub fn clock() -> Clock {
    INSTALLED.get().copied().unwrap_or(Clock::real())
}

/// The business time now.
pub fn now() -> DateTime<Utc> {
    clock().now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_starts_at_its_instant_and_runs_on() {
        let start: DateTime<Utc> = "2020-04-06T02:45:00Z".parse().unwrap();
        let clock = Clock::starting_at(start);
        let first = clock.now();
        assert!(first >= start && first - start < chrono::Duration::seconds(1));
        std::thread::sleep(std::time::Duration::from_millis(30));
        let later = clock.now();
        assert!(later - first >= chrono::Duration::milliseconds(30), "runs at the real pace");
        assert!(clock.is_shifted());
    }

    #[test]
    fn processes_with_the_same_start_and_anchor_read_the_same_time() {
        let start: DateTime<Utc> = "2020-04-06T02:45:00Z".parse().unwrap();
        let anchor = Utc::now() - chrono::Duration::minutes(10);
        let (early, late) = (Clock::shifted(start, anchor), Clock::shifted(start, anchor));
        let elapsed = early.now() - start;
        assert!(elapsed >= chrono::Duration::minutes(10) && elapsed < chrono::Duration::minutes(10) + chrono::Duration::seconds(1));
        assert!((late.now() - early.now()).num_milliseconds().abs() < 100);
    }

    #[test]
    fn the_real_clock_is_the_default() {
        let real = Clock::real();
        assert!(!real.is_shifted());
        assert!((real.now() - Utc::now()).num_seconds().abs() < 2);
    }
}
