//! Requests refused for the length or the characters of their request target. The server
//! accepts a request target long enough for the longest filter the filter parser accepts, even
//! percent-encoded byte by byte; a longer one is a 414 with a SCIM error document. Beyond the
//! limits of actix-web's own HTTP parser, which refuses before any of the server's code runs,
//! the answers are actix's bare ones: these tests pin them, as `docs/operations.md` describes.

use scim_core::filter::ParseOptions;
use scim_server::http::MAX_REQUEST_TARGET;

use crate::harness::{Backend, Deployment, Response, Server, send_raw, unique};

/// A running server and a SCIM key of a tenant of its own.
fn server() -> (Deployment, Server, String) {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    let server = deployment.start();
    let tenant = unique("t");
    deployment.cli(&["tenant", "create", &tenant, "--plain"]);
    let token = deployment.issue_token(&tenant);
    (deployment, server, token)
}

/// `GET /scim/v2/Users?filter=<filter, every byte percent-encoded>`.
fn get_with_filter(server: &Server, token: &str, filter: &str) -> Response {
    let encoded: String = filter.bytes().map(|b| format!("%{b:02X}")).collect();
    get_with_encoded_filter(server, token, &encoded)
}

fn get_with_encoded_filter(server: &Server, token: &str, encoded: &str) -> Response {
    send_raw(
        &server.base_url,
        &format!("GET /scim/v2/Users?filter={encoded} HTTP/1.1\r\nAuthorization: Bearer {token}"),
    )
}

/// An `eq` filter on `userName` of `len` bytes.
fn filter_of(len: usize) -> String {
    let frame = r#"userName eq """#.len();
    format!(r#"userName eq "{}""#, "a".repeat(len - frame))
}

#[track_caller]
fn assert_scim_error(response: &Response, status: u16, scim_type: Option<&str>) {
    assert_eq!(response.status, status, "{}", response.body);
    let document = response.json();
    assert_eq!(
        document["schemas"],
        serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(document["status"], status.to_string());
    assert_eq!(document["scimType"].as_str(), scim_type, "{document}");
}

#[test]
fn the_longest_filter_the_parser_accepts_fits_in_a_request_target_even_percent_encoded() {
    let (_deployment, server, token) = server();
    let response = get_with_filter(&server, &token, &filter_of(ParseOptions::DEFAULT_MAX_LEN));
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["totalResults"], 0);
}

#[test]
fn a_filter_over_the_parsers_limit_is_400_invalid_filter() {
    let (_deployment, server, token) = server();
    let response = get_with_filter(
        &server,
        &token,
        &filter_of(ParseOptions::DEFAULT_MAX_LEN + 1),
    );
    assert_scim_error(&response, 400, Some("invalidFilter"));
}

#[test]
fn a_request_target_longer_than_any_filter_needs_is_414_with_an_error_document() {
    let (_deployment, server, token) = server();
    // Percent-encoded, a filter of a third of the limit makes a target just over it.
    let filter = filter_of(MAX_REQUEST_TARGET / 3 + 16);
    let response = get_with_filter(&server, &token, &filter);
    assert_scim_error(&response, 414, None);
}

/// The `http` crate under actix-web refuses a request target over 65,534 bytes, and one with a
/// raw `"` (or `<`, `>`, a byte over 0x7F) in its query, with a 400 and no body, before any
/// handler or middleware runs; a request head over 128 KiB is a 431. No hook of actix-web
/// reaches these answers.
#[test]
fn what_actix_web_refuses_in_its_parser_gets_its_bare_answer() {
    let (_deployment, server, token) = server();
    // 100 KB of filter, only its spaces and quotes encoded.
    let filter = filter_of(100 * 1024)
        .replace(' ', "%20")
        .replace('"', "%22");
    let long = get_with_encoded_filter(&server, &token, &filter);
    assert_eq!((long.status, long.body.as_str()), (400, ""));
    let quoted = send_raw(
        &server.base_url,
        &format!(
            "GET /scim/v2/Users?filter=userName%20eq%20\"bjensen\" HTTP/1.1\r\nAuthorization: Bearer {token}"
        ),
    );
    assert_eq!((quoted.status, quoted.body.as_str()), (400, ""));
    let header = send_raw(
        &server.base_url,
        &format!(
            "GET /scim/v2/Users HTTP/1.1\r\nX-Padding: {}",
            "x".repeat(130 * 1024)
        ),
    );
    assert_eq!((header.status, header.body.as_str()), (431, ""));
}
