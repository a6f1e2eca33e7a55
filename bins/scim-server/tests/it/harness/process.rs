//! A `scim-server serve` process on a free loopback port, killed on drop.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::database::Deployment;
use super::http::Client;
use super::unique;

/// How long a server may take to answer its first request (a debug build on a busy machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server process.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
    log: PathBuf,
    stdout: PathBuf,
}

impl Server {
    /// Starts `scim-server serve` for `deployment` and waits until `/healthz` answers.
    pub(crate) fn start(deployment: &Deployment) -> Self {
        Self::spawn(deployment, |_| deployment.command(), "serve")
    }

    /// Starts `scim-server <subcommand> --listen 127.0.0.1:<port>`, the command built by
    /// `command` (given the port), and waits until `/healthz` answers. A port taken between
    /// choosing and binding it is retried with another.
    pub(crate) fn spawn(
        deployment: &Deployment,
        command: impl Fn(u16) -> Command,
        subcommand: &str,
    ) -> Self {
        for _ in 0..5 {
            let port = free_port();
            let name = unique("server");
            let log = deployment.log_dir().join(format!("{name}.log"));
            let stdout = deployment.log_dir().join(format!("{name}.out"));
            let log_file = std::fs::File::create(&log).expect("create the server log");
            let out_file = std::fs::File::create(&stdout).expect("create the server output");
            let child = command(port)
                .env("RUST_LOG", "info")
                .args([subcommand, "--listen", &format!("127.0.0.1:{port}")])
                .stdin(Stdio::null())
                .stdout(out_file)
                .stderr(log_file)
                .spawn()
                .expect("start scim-server");
            let mut server = Self {
                child,
                base_url: format!("http://127.0.0.1:{port}"),
                log,
                stdout,
            };
            match server.wait_until_ready() {
                Ok(()) => return server,
                Err(Exit::PortTaken) => continue,
                Err(Exit::Failed(why)) => panic!("{why}\n--- server log ---\n{}", server.log()),
            }
        }
        panic!("no free port after 5 attempts")
    }

    fn wait_until_ready(&mut self) -> Result<(), Exit> {
        let client = Client::new(&self.base_url);
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("poll the server process") {
                return Err(if self.log().contains("Address already in use") {
                    Exit::PortTaken
                } else {
                    Exit::Failed(format!("scim-server exited early with {status}"))
                });
            }
            if let Some(response) = client.try_get("/healthz") {
                return if response.status == 200 {
                    Ok(())
                } else {
                    Err(Exit::Failed(format!(
                        "/healthz answered {}: {}",
                        response.status, response.body
                    )))
                };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(Exit::Failed(format!(
            "scim-server did not answer /healthz within {START_TIMEOUT:?}"
        )))
    }

    /// A client of this server without a token.
    pub(crate) fn anonymous(&self) -> Client {
        Client::new(&self.base_url)
    }

    /// A client of this server with a SCIM key.
    pub(crate) fn client(&self, token: &str) -> Client {
        Client::new(&self.base_url).with_token(token)
    }

    /// Sends SIGTERM to the server process.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {}", self.child.id());
    }

    /// How the process exited, waiting up to `timeout`; `None` while it still runs.
    pub(crate) fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server process") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process at once (SIGKILL, `kill -9`): nothing it holds is released.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("kill the server");
        let _ = self.child.wait();
    }

    /// What the server logged so far (its standard error).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// What the server printed on its standard output so far.
    pub(crate) fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }
}

impl Drop for Server {
    #[expect(clippy::print_stderr, reason = "the log explains a failed test")]
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- log of the server at {} ---\n{}",
                self.base_url,
                self.log()
            );
        }
    }
}

enum Exit {
    PortTaken,
    Failed(String),
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port")
}
