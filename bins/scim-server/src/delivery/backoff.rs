//! When to try again after a failed delivery: exponential backoff with full jitter.
//!
//! The n-th consecutive failure waits a random time between zero and `min(max, base * 2^n)`
//! ("full jitter"): receivers that come back after an outage are not hit by every sender at
//! the same instant, and the wait grows from seconds (a blip) to `webhooks.max_retry_seconds`
//! (hours, for a receiver that is down for days). A receiver's `Retry-After` is honoured, within
//! the same ceiling.

use std::time::Duration;

/// The first retry waits up to this long.
pub(crate) const BASE: Duration = Duration::from_secs(2);

/// How long to wait after the `failures`-th consecutive failure (1 for the first), given a
/// uniformly random `unit` in `[0, 1)`, never longer than `max`, and never shorter than what
/// the receiver asked for (`retry_after`) within `max`.
pub(crate) fn delay(
    failures: u32,
    base: Duration,
    max: Duration,
    retry_after: Option<Duration>,
    unit: f64,
) -> Duration {
    let exponent = failures.saturating_sub(1).min(32);
    let ceiling = base
        .checked_mul(1u32 << exponent.min(31))
        .unwrap_or(max)
        .min(max);
    let jittered = ceiling.mul_f64(unit.clamp(0.0, 1.0));
    match retry_after {
        Some(asked) => jittered.max(asked.min(max)),
        None => jittered,
    }
}

/// A uniformly random number in `[0, 1)`; 0.5 if the system has no randomness to give (the
/// backoff is then merely not jittered).
pub(crate) fn unit() -> f64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        // 53 random bits: every value of the mantissa is equally likely.
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

/// A `Retry-After` value in seconds (the HTTP-date form is not used by receivers in practice
/// and is ignored).
pub(crate) fn retry_after(header: Option<&str>) -> Option<Duration> {
    header?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(4 * 3600);

    #[test]
    fn the_ceiling_doubles_from_the_base_up_to_the_maximum() {
        let top = |n| delay(n, BASE, MAX, None, 0.999_999_999);
        assert!(top(1) <= Duration::from_secs(2) && top(1) > Duration::from_millis(1999));
        assert!(top(2) <= Duration::from_secs(4) && top(2) > Duration::from_millis(3999));
        assert!(top(5) <= Duration::from_secs(32) && top(5) > Duration::from_secs(31));
        assert!(top(14) <= MAX && top(14) > Duration::from_secs(4 * 3600 - 1));
        assert!(top(u32::MAX) <= MAX);
        assert_eq!(delay(3, BASE, MAX, None, 0.0), Duration::ZERO);
        assert_eq!(
            delay(3, BASE, MAX, None, 0.5),
            Duration::from_secs(4),
            "full jitter: uniform below the ceiling"
        );
    }

    #[test]
    fn retry_after_is_a_floor_within_the_maximum() {
        let asked = Some(Duration::from_secs(30));
        assert_eq!(delay(1, BASE, MAX, asked, 0.5), Duration::from_secs(30));
        assert_eq!(
            delay(1, BASE, Duration::from_secs(10), asked, 0.5),
            Duration::from_secs(10)
        );
        assert_eq!(retry_after(Some(" 120 ")), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }

    #[test]
    fn random_units_stay_below_one() {
        for _ in 0..1000 {
            let u = unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
