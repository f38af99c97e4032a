//! Feedback latency (R-RP-2; the director watches feedback, seed 000 annex 4 §26): kept as a
//! histogram of minute buckets, so that medians and percentiles add up over classes, schools
//! and regions without keeping every latency.

/// The bucket of a latency (its lower bound in minutes; never negative): quarter hours under 2
/// hours, hours under a day, 6 hours under 2 weeks, days beyond. About 90 buckets cover a
/// month, and a class's histogram of a day stays a few rows.
pub fn bucket(latency_seconds: i64) -> i32 {
    let minutes = (latency_seconds.max(0) / 60).min(i64::from(i32::MAX)) as i32;
    match minutes {
        m if m < 120 => m - m % 15,
        m if m < 24 * 60 => m - m % 60,
        m if m < 14 * 24 * 60 => m - m % 360,
        m => m - m % (24 * 60),
    }
}

/// The nearest-rank quantile `q` (0 < q ≤ 1) of a histogram of (bucket, count) sorted by
/// bucket: the bucket holding the ⌈q·n⌉-th latency. `None` for an empty histogram.
pub fn quantile(histogram: &[(i32, i64)], q: f64) -> Option<i32> {
    let n: i64 = histogram.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    let rank = ((q * n as f64).ceil() as i64).clamp(1, n);
    let mut seen = 0;
    histogram
        .iter()
        .find(|(_, count)| {
            seen += count;
            seen >= rank
        })
        .map(|(bucket, _)| *bucket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_quarter_hours_then_hours_then_six_hours_then_days() {
        assert_eq!(bucket(-5), 0);
        assert_eq!(bucket(899), 0);
        assert_eq!(bucket(901), 15);
        assert_eq!(bucket(119 * 60 + 59), 105);
        assert_eq!(bucket(125 * 60), 120);
        assert_eq!(bucket(23 * 3600 + 59 * 60), 23 * 60);
        assert_eq!(bucket(47 * 3600 + 59 * 60), 42 * 60);
        assert_eq!(bucket(20 * 86_400 + 3600), 20 * 1440);
    }

    #[test]
    fn r_rp_2_median_and_p90_are_nearest_rank() {
        // Latencies 10, 20, 20, 45, 90 minutes.
        let h = [(10, 1), (20, 2), (45, 1), (90, 1)];
        assert_eq!(quantile(&h, 0.5), Some(20));
        assert_eq!(quantile(&h, 0.9), Some(90));
        // Four values: the lower median.
        assert_eq!(quantile(&[(5, 1), (7, 1), (9, 1), (11, 1)], 0.5), Some(7));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
