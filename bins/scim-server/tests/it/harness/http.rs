//! A small blocking HTTP client over `ureq` that sends exactly the headers it is given (no
//! User-Agent or Content-Type of its own) and never turns a status into an error.

use std::time::Duration;

use serde_json::Value;
use ureq::config::AutoHeaderValue;
use ureq::http;

/// The SCIM media type.
pub(crate) const SCIM_JSON: &str = "application/scim+json";

/// A client of one server, optionally with a SCIM key.
#[derive(Clone)]
pub(crate) struct Client {
    agent: ureq::Agent,
    base_url: String,
    token: Option<String>,
}

/// An HTTP response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    /// The status code.
    pub(crate) status: u16,
    /// The headers, names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    /// The body as text.
    pub(crate) body: String,
}

impl Response {
    /// The first value of a header (name compared ignoring case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` for an empty body); panics on anything else.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", self.body))
    }

    /// Whether this is the answer of a server whose database is unreachable: 503 with an
    /// RFC 7644 §3.12 document and a `Retry-After` in seconds.
    pub(crate) fn is_unavailable(&self) -> bool {
        let document = serde_json::from_str::<Value>(&self.body).unwrap_or_default();
        self.status == 503
            && self
                .header("content-type")
                .is_some_and(|v| v.starts_with(SCIM_JSON))
            && document["schemas"]
                == serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
            && document["status"] == "503"
            && self
                .header("retry-after")
                .is_some_and(|v| v.parse::<u32>().is_ok())
    }

    /// Panics unless the status is `status`.
    #[track_caller]
    pub(crate) fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }
}

impl Client {
    /// A client of the server at `base_url`.
    pub(crate) fn new(base_url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(AutoHeaderValue::None)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        Self {
            agent,
            base_url: base_url.to_owned(),
            token: None,
        }
    }

    /// The same client sending `Authorization: Bearer <token>`.
    #[must_use]
    pub(crate) fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// The server's base URL.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends a request with exactly `headers` (and the token, unless `headers` has an
    /// Authorization of its own); `path` is sent as written, query string included.
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Response {
        self.try_send(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, ureq::Error> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url));
        let has_authorization = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
        if let (Some(token), false) = (&self.token, has_authorization) {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut response = match body {
            Some(body) => self.agent.run(builder.body(body)?)?,
            None => self.agent.run(builder.body(())?)?,
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// A GET that returns `None` when nothing answers (for waiting on a starting server).
    pub(crate) fn try_get(&self, path: &str) -> Option<Response> {
        self.try_send("GET", path, &[], None).ok()
    }

    /// `GET` with the SCIM key.
    pub(crate) fn get(&self, path: &str) -> Response {
        self.send("GET", path, &[], None)
    }

    /// A request with a JSON body as `application/scim+json`.
    pub(crate) fn json(&self, method: &str, path: &str, body: &Value) -> Response {
        self.json_with(method, path, body, &[])
    }

    /// A request with a JSON body as `application/scim+json` and extra headers.
    pub(crate) fn json_with(
        &self,
        method: &str,
        path: &str,
        body: &Value,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut headers = vec![("Content-Type".to_owned(), SCIM_JSON.to_owned())];
        headers.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        self.send(method, path, &headers, Some(body.to_string().into_bytes()))
    }
}

/// Sends `head` (a request line and headers, without the blank line that ends them) to the
/// server at `base_url` on a connection of its own, asking it to close the connection after
/// answering, and reads the answer whole: for requests no HTTP client library would send.
pub(crate) fn send_raw(base_url: &str, head: &str) -> Response {
    use std::io::{Read, Write};
    let address = base_url.strip_prefix("http://").expect("an http:// URL");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    let request = format!("{head}\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = Vec::new();
    // The server may close the connection before reading all of an oversized request; what
    // it answered has been read by then.
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}
