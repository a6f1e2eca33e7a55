//! Prometheus metrics: requests by route and status, latency histograms, store timings.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

/// The server's metrics, registered in their own registry.
pub struct Metrics {
    registry: Registry,
    /// Requests by route pattern, method and status.
    pub requests: IntCounterVec,
    /// Request latency by route pattern and method, in seconds.
    pub latency: HistogramVec,
    /// Store call durations by operation (`create`, `query`, `ping`...), in seconds: the time
    /// spent in the store on the blocking pool, without the wait for a pool thread.
    pub store_latency: HistogramVec,
    /// Requests refused by a rate limit, by limit (`tenant`, `admin`, `admin_auth`).
    pub throttled: IntCounterVec,
}

const LATENCY_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    10.0,
];

impl Metrics {
    /// Fresh metrics.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "scim_http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "scim_http_request_duration_seconds",
                "HTTP request latency by route and method",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route", "method"],
        )?;
        let store_latency = HistogramVec::new(
            HistogramOpts::new(
                "scim_store_call_duration_seconds",
                "Store call duration by operation",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["operation"],
        )?;
        let throttled = IntCounterVec::new(
            Opts::new(
                "scim_throttled_requests_total",
                "Requests refused with 429 by a rate limit",
            ),
            &["limit"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(throttled.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(store_latency.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            store_latency,
            throttled,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        TextEncoder::new().encode_to_string(&self.registry.gather())
    }
}
