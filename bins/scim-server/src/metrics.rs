//! Prometheus metrics: requests by route and status, latency histograms, store timings.

use prometheus::{
    HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

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
    /// Event deliveries (see [`DeliveryMetrics`]).
    pub delivery: DeliveryMetrics,
}

/// The metrics of event delivery (`crate::delivery`).
pub struct DeliveryMetrics {
    /// Delivery attempts by `format` (`json`, `set`) and `outcome` (`delivered`, `rejected`,
    /// `failed`, `gone`).
    pub attempts: IntCounterVec,
    /// Delivery runs that ended in a failure and a retry later, by `format`.
    pub failures: IntCounterVec,
    /// From an event's commit to its receiver's 2xx, by `format`, in seconds.
    pub lag: HistogramVec,
    /// Events not yet delivered to the subscriptions this process is delivering.
    pub queue_depth: IntGauge,
}

const LAG_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0,
    3600.0, 21600.0, 86400.0,
];

impl DeliveryMetrics {
    fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let attempts = IntCounterVec::new(
            Opts::new(
                "scim_event_delivery_attempts_total",
                "Event delivery attempts by format and outcome",
            ),
            &["format", "outcome"],
        )?;
        let failures = IntCounterVec::new(
            Opts::new(
                "scim_event_delivery_failures_total",
                "Delivery runs that failed and were rescheduled, by format",
            ),
            &["format"],
        )?;
        let lag = HistogramVec::new(
            HistogramOpts::new(
                "scim_event_delivery_lag_seconds",
                "Time from an event's commit to its receiver's 2xx, by format",
            )
            .buckets(LAG_BUCKETS.to_vec()),
            &["format"],
        )?;
        let queue_depth = IntGauge::new(
            "scim_event_delivery_queue_depth",
            "Events not yet delivered to the subscriptions this process is delivering",
        )?;
        registry.register(Box::new(attempts.clone()))?;
        registry.register(Box::new(failures.clone()))?;
        registry.register(Box::new(lag.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        Ok(Self {
            attempts,
            failures,
            lag,
            queue_depth,
        })
    }
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
        let delivery = DeliveryMetrics::register(&registry)?;
        Ok(Self {
            registry,
            requests,
            latency,
            store_latency,
            throttled,
            delivery,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        TextEncoder::new().encode_to_string(&self.registry.gather())
    }
}
