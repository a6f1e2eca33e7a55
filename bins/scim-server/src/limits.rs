//! Request rate limits: token buckets by key (a tenant, the admin API, a client address).
//!
//! Each bucket holds up to `burst` tokens and refills at `rate` tokens per second; a request
//! takes one. Buckets live in this process only: with several instances behind a load balancer,
//! each enforces its own limits, so a tenant may reach `instances × rate` in all.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The configured limits (`[rate_limit]`); a rate of 0 turns that limit off.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// SCIM requests per second per tenant, over all its keys.
    pub tenant_requests_per_second: f64,
    /// How many SCIM requests a tenant may send at once after a quiet spell.
    pub tenant_burst: u32,
    /// Admin API requests per second, over all callers.
    pub admin_requests_per_second: f64,
    /// How many admin API requests may come at once.
    pub admin_burst: u32,
    /// Failed admin authentications per minute per client address; past it, the address gets
    /// 429 without its credential being checked.
    pub admin_auth_failures_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            tenant_requests_per_second: 200.0,
            tenant_burst: 400,
            admin_requests_per_second: 50.0,
            admin_burst: 100,
            admin_auth_failures_per_minute: 10,
        }
    }
}

/// A request over a limit: when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Whole seconds until the bucket holds a token again (at least 1).
    pub retry_after_seconds: u64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets by key.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Past this many keys, buckets that have refilled completely (idle keys) are dropped: a flood
/// of distinct keys (client addresses) cannot grow memory without bound.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    /// `rate` tokens per second, at most `burst` at once; `rate <= 0` allows everything.
    pub fn new(rate: f64, burst: u32) -> Self {
        Self {
            rate,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// A limiter of `per_minute` events per minute, all of which may come at once.
    pub fn per_minute(per_minute: u32) -> Self {
        Self::new(f64::from(per_minute) / 60.0, per_minute)
    }

    fn enabled(&self) -> bool {
        self.rate > 0.0 && self.rate.is_finite()
    }

    /// Takes a token from `key`'s bucket, or says how long until one is there.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Throttled> {
        self.with_bucket(key, now, |bucket, limiter| {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                Ok(())
            } else {
                Err(limiter.throttled(bucket.tokens))
            }
        })
    }

    /// Whether `key`'s bucket is empty now, without taking anything.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Throttled> {
        self.with_bucket(key, now, |bucket, limiter| {
            if bucket.tokens >= 1.0 {
                Ok(())
            } else {
                Err(limiter.throttled(bucket.tokens))
            }
        })
    }

    fn with_bucket(
        &self,
        key: &str,
        now: Instant,
        f: impl FnOnce(&mut Bucket, &Self) -> Result<(), Throttled>,
    ) -> Result<(), Throttled> {
        if !self.enabled() {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            // A panic while holding the lock left nothing inconsistent worth refusing over.
            return Ok(());
        };
        if buckets.len() > PRUNE_ABOVE {
            let full_after = Duration::from_secs_f64(self.burst / self.rate);
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < full_after);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated = now;
        f(bucket, self)
    }

    fn throttled(&self, tokens: f64) -> Throttled {
        let wait = ((1.0 - tokens) / self.rate).ceil();
        // Saturating float-to-int conversion; a wait of days is still "later".
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to 1..=86400 first"
        )]
        let seconds = wait.clamp(1.0, 86_400.0) as u64;
        Throttled {
            retry_after_seconds: seconds,
        }
    }
}

/// The server's limiters.
#[derive(Debug)]
pub struct Limits {
    /// SCIM requests, by tenant.
    pub tenant: RateLimiter,
    /// Admin API requests, one bucket for all.
    pub admin: RateLimiter,
    /// Failed admin authentications, by client address.
    pub admin_failures: RateLimiter,
}

impl Limits {
    /// The limiters `config` describes.
    pub fn new(config: &RateLimitConfig) -> Self {
        Self {
            tenant: RateLimiter::new(config.tenant_requests_per_second, config.tenant_burst),
            admin: RateLimiter::new(config.admin_requests_per_second, config.admin_burst),
            admin_failures: RateLimiter::per_minute(config.admin_auth_failures_per_minute),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let limiter = RateLimiter::new(10.0, 3);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("acme", start), Ok(()));
        }
        assert_eq!(
            limiter.take("acme", start),
            Err(Throttled {
                retry_after_seconds: 1
            })
        );
        // Another key has its own bucket.
        assert_eq!(limiter.take("globex", start), Ok(()));
        // A tenth of a second later, one more token.
        let later = start + Duration::from_millis(100);
        assert_eq!(limiter.take("acme", later), Ok(()));
        assert!(limiter.take("acme", later).is_err());
        // The bucket never holds more than the burst.
        let much_later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.take("acme", much_later), Ok(()));
        }
        assert!(limiter.take("acme", much_later).is_err());
    }

    #[test]
    fn retry_after_says_when_a_token_is_back() {
        let limiter = RateLimiter::per_minute(2);
        let start = Instant::now();
        limiter.take("10.0.0.1", start).unwrap();
        limiter.take("10.0.0.1", start).unwrap();
        assert_eq!(
            limiter.check("10.0.0.1", start),
            Err(Throttled {
                retry_after_seconds: 30
            })
        );
        // Checking takes nothing.
        assert!(limiter.check("10.0.0.2", start).is_ok());
        assert!(limiter.check("10.0.0.2", start).is_ok());
    }

    #[test]
    fn a_rate_of_zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(0.0, 1);
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(limiter.take("acme", now), Ok(()));
        }
    }

    #[test]
    fn idle_buckets_are_dropped_when_there_are_too_many() {
        let limiter = RateLimiter::new(1000.0, 1);
        let start = Instant::now();
        for n in 0..=PRUNE_ABOVE {
            limiter.take(&n.to_string(), start).unwrap();
        }
        let later = start + Duration::from_secs(1);
        limiter.take("new", later).unwrap();
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }
}
