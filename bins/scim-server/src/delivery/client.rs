//! The HTTP client deliveries go out with: blocking (it runs on the delivery threads, never on
//! the async executor), HTTP/1.1 with keep-alive, TLS by rustls with the Mozilla roots, no
//! proxy from the environment, no redirects followed, a connect timeout and a timeout for the
//! whole request (`webhooks.connect_timeout_seconds`, `webhooks.request_timeout_seconds`), and
//! every address checked by the SSRF guard before it is connected to.

use std::io::Read as _;
use std::time::{Duration, Instant};

use ureq::unversioned::transport::DefaultConnector;

use super::backoff;
use super::ssrf::GuardedResolver;
use crate::config::WebhooksConfig;

/// The most of a response body read (the rest is dropped with the connection).
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

/// The most of a response body kept for the delivery log.
const EXCERPT_BYTES: usize = 512;

/// What a request came back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    /// The status, if the receiver answered.
    pub(crate) status: Option<u16>,
    /// From sending to the end of the answer.
    pub(crate) latency: Duration,
    /// The start of the response body.
    pub(crate) body: Option<String>,
    /// The receiver's `Retry-After`, in seconds.
    pub(crate) retry_after: Option<Duration>,
    /// Why there is no answer (connection refused, timeout, refused address).
    pub(crate) error: Option<String>,
}

/// A client for deliveries.
pub(crate) struct Client {
    agent: ureq::Agent,
}

impl Client {
    pub(crate) fn new(config: &WebhooksConfig) -> Self {
        let agent_config = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(
                config.connect_timeout_seconds.max(1),
            )))
            .timeout_global(Some(Duration::from_secs(
                config.request_timeout_seconds.max(1),
            )))
            // Standard Webhooks: a redirect is a failure (the subscription's URL should be
            // updated), and following one would go to an address nobody checked.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            // A proxy from HTTP_PROXY would see every delivery, and the guard would check the
            // proxy's address instead of the receiver's.
            .proxy(None)
            .user_agent(concat!("scim-server/", env!("CARGO_PKG_VERSION")))
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            DefaultConnector::default(),
            GuardedResolver::new(config.allow_private_networks),
        );
        Self { agent }
    }

    /// POSTs `body` to `url` with `headers`; never fails: a transport error is in the reply.
    pub(crate) fn post(&self, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let started = Instant::now();
        let mut request = self.agent.post(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        match request.send(body) {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let retry_after = backoff::retry_after(
                    response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()),
                );
                // Reading the whole (small) body lets the connection be used again.
                let mut bytes = Vec::new();
                let read = response
                    .body_mut()
                    .as_reader()
                    .take(MAX_RESPONSE_BYTES)
                    .read_to_end(&mut bytes);
                Reply {
                    status: Some(status),
                    latency: started.elapsed(),
                    body: read.ok().map(|_| excerpt(&bytes)),
                    retry_after,
                    error: None,
                }
            }
            Err(error) => Reply {
                status: None,
                latency: started.elapsed(),
                body: None,
                retry_after: None,
                error: Some(error.to_string()),
            },
        }
    }
}

fn excerpt(bytes: &[u8]) -> String {
    let mut end = bytes.len().min(EXCERPT_BYTES);
    // A character cut in two at the end is left out; other invalid bytes show as U+FFFD.
    if let Err(e) = std::str::from_utf8(&bytes[..end])
        && e.error_len().is_none()
    {
        end = e.valid_up_to();
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_the_start_of_the_body_whole_characters_only() {
        assert_eq!(excerpt(b"ok"), "ok");
        let long = "é".repeat(600);
        let cut = excerpt(long.as_bytes());
        assert!(cut.len() <= EXCERPT_BYTES && cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn refused_addresses_fail_before_connecting() {
        let client = Client::new(&WebhooksConfig {
            allow_http: true,
            ..WebhooksConfig::default()
        });
        let reply = client.post("http://127.0.0.1:9/in", &[], b"{}");
        assert_eq!(reply.status, None);
        let error = reply.error.unwrap();
        assert!(error.contains("loopback"), "{error}");
    }
}
