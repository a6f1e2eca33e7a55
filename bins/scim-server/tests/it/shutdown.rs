//! SIGTERM stops the server gracefully: it stops accepting connections, lets the requests in
//! flight finish within `shutdown_timeout_seconds`, and exits 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::{Backend, Deployment, Server, unique};

/// A deployment on `backend` (`None` without PostgreSQL; a database of its own, so that the
/// exit meets nothing of other tests), one server with the configuration `toml`, and a SCIM key.
fn serve(backend: Backend, toml: &str) -> Option<(Deployment, Server, String)> {
    let deployment = Deployment::isolated(backend)?;
    let server = deployment.start_with_config(toml);
    let tenant = unique("t");
    deployment.cli(&["tenant", "create", &tenant, "--plain"]);
    let token = deployment.issue_token(&tenant);
    Some((deployment, server, token))
}

/// A POST of a user whose body is still to come: it sent `Expect: 100-continue`, and the
/// server's `100 Continue` shows that the request is in its hands.
struct InFlight {
    stream: TcpStream,
    body: String,
}

impl InFlight {
    fn start(server: &Server, token: &str) -> Self {
        let address = server.base_url.trim_start_matches("http://");
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "in-flight@example.com"
        })
        .to_string();
        let mut stream = TcpStream::connect(address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("a read timeout");
        let head = format!(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\
             Expect: 100-continue\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("send the head");
        let mut interim = [0; 25];
        stream.read_exact(&mut interim).expect("read 100 Continue");
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        Self { stream, body }
    }

    /// Sends the body and reads the status of the answer.
    fn finish(mut self) -> u16 {
        self.stream
            .write_all(self.body.as_bytes())
            .expect("send the body");
        let mut answer = String::new();
        self.stream
            .read_to_string(&mut answer)
            .expect("read the answer");
        answer
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
    }
}

/// Waits until the server refuses new connections.
fn wait_until_refused(server: &Server) {
    let address = server.base_url.trim_start_matches("http://");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(address).is_ok() {
        assert!(Instant::now() < deadline, "still accepting connections");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_and_exits_0() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((_deployment, mut server, token)) = serve(backend, "") else {
            continue;
        };
        let in_flight = InFlight::start(&server, &token);
        server.terminate();
        wait_until_refused(&server);
        assert_eq!(in_flight.finish(), 201, "{backend:?}");
        let status = server
            .wait_for_exit(Duration::from_secs(30))
            .unwrap_or_else(|| panic!("{backend:?}: still running after SIGTERM"));
        assert!(status.success(), "{backend:?}: exited with {status}");
    }
}

#[test]
fn sigterm_closes_a_request_that_outlasts_the_shutdown_timeout_and_exits_0() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((_deployment, mut server, token)) = serve(backend, "shutdown_timeout_seconds = 1")
        else {
            continue;
        };
        // Its body never comes.
        let _in_flight = InFlight::start(&server, &token);
        server.terminate();
        // The bound is the timeout with a wide margin for a loaded machine: what is tested
        // is that the process does not wait for the request.
        let status = server
            .wait_for_exit(Duration::from_secs(20))
            .unwrap_or_else(|| panic!("{backend:?}: still running 20 s after SIGTERM"));
        assert!(status.success(), "{backend:?}: exited with {status}");
    }
}
