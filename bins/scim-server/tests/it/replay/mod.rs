//! Replays recorded request sequences (`tests/idp/<idp>/*.json`, `tests/policies/*.json`) against
//! a real server process, checking each response against the recording's expectations and
//! against the rules every SCIM response must follow.

mod check;
mod events;
mod scenario;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use self::scenario::{Expect, Request, Scenario, Step};
use crate::harness::{Backend, Client, Deployment, Response, Server, unique};

/// The directory the recordings live in.
fn recordings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The scenario files of a directory under `tests/`, in name order.
fn scenario_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(recordings().join(dir))
        .unwrap_or_else(|e| panic!("tests/{dir}: {e}"))
        .map(|entry| entry.expect("list recordings").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "tests/{dir} holds no recordings");
    files
}

/// Replays every scenario of `tests/<dir>` on one server of `backend`, each with a tenant of
/// its own.
pub(crate) fn replay_dir(backend: Backend, dir: &str) {
    // On PostgreSQL, a database of its own: a server delivers the subscriptions of every tenant
    // of its database, and other tests leave some whose receivers never answer, which would
    // hold this server's delivery workers for seconds at a time.
    let Some(deployment) = Deployment::isolated(backend) else {
        return;
    };
    // Events go to a receiver on loopback, over plain http.
    let server = deployment
        .start_with_config("[webhooks]\nallow_private_networks = true\nallow_http = true\n");
    let delivered = events::Delivered::start(&deployment.database_url);
    for file in scenario_files(dir) {
        Replay::new(&deployment, &server, &delivered, &file).run();
    }
}

/// The identity-provider directories that have a test of their own (see `tests/it/idp.rs`).
pub(crate) fn idp_dirs() -> BTreeSet<String> {
    std::fs::read_dir(recordings().join("idp"))
        .expect("tests/idp")
        .map(|entry| entry.expect("list tests/idp").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect()
}

/// The state of one scenario being replayed.
struct Replay<'a> {
    deployment: &'a Deployment,
    file: String,
    scenario: Scenario,
    client: Client,
    vars: BTreeMap<String, String>,
    collections: BTreeMap<String, BTreeSet<String>>,
    tenant: String,
    delivered: &'a events::Delivered,
    /// The scenario's subscription, made after its setup.
    subscribed: Option<events::Subscribed>,
}

impl<'a> Replay<'a> {
    fn new(
        deployment: &'a Deployment,
        server: &Server,
        delivered: &'a events::Delivered,
        path: &Path,
    ) -> Self {
        let file = path
            .strip_prefix(recordings())
            .unwrap_or(path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let scenario: Scenario =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let tenant = unique("t");
        let mut vars = BTreeMap::new();
        vars.insert("tenant".to_owned(), tenant.clone());
        vars.insert("base".to_owned(), server.base_url.clone());
        let mut replay = Self {
            deployment,
            file,
            scenario,
            client: server.anonymous(),
            vars,
            collections: BTreeMap::new(),
            delivered,
            tenant: tenant.clone(),
            subscribed: None,
        };
        for command in &replay.scenario.setup {
            let args: Vec<String> = command.iter().map(|a| replay.substitute(a)).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            deployment.cli(&args);
        }
        let token = deployment.issue_token(&tenant);
        replay.client = server.client(&token);
        replay.subscribed = Some(replay.delivered.subscribe(&tenant));
        replay
    }

    fn run(mut self) {
        let steps = std::mem::take(&mut self.scenario.steps);
        for (index, step) in steps.iter().enumerate() {
            match &step.repeat {
                None => self.step(index, step),
                Some(repeat) => {
                    for value in repeat.from..=repeat.to {
                        self.vars.insert(repeat.var.clone(), value.to_string());
                        self.step(index, step);
                    }
                    self.vars.remove(&repeat.var);
                }
            }
        }
        self.check_events();
    }

    /// The scenario's events are exactly the ones it expects.
    fn check_events(&self) {
        let Some(subscribed) = &self.subscribed else {
            return;
        };
        let actual = self.delivered.since(&self.tenant, subscribed);
        let Some(expected) = &self.scenario.events else {
            assert!(
                !self.file.starts_with("idp"),
                "{}: every recorded identity-provider sequence states the events it must produce \
                 (SCIM_PRINT_EVENTS=1 prints a draft to check against the steps)",
                self.file
            );
            // Writing a scenario's expectations starts from what it does now.
            if std::env::var_os("SCIM_PRINT_EVENTS").is_some() {
                #[expect(clippy::print_stderr, reason = "asked for by SCIM_PRINT_EVENTS")]
                {
                    eprintln!("=== {}\n{}", self.file, events::draft(&actual, &self.vars));
                }
            }
            return;
        };
        let expected: Vec<events::ExpectedEvent> = expected
            .iter()
            .map(|e| events::ExpectedEvent {
                event_type: e.event_type.clone(),
                resource: e.resource.as_ref().map(|r| self.substitute(r)),
                count: e.count,
                project: e.project.clone(),
                role: e.role.clone(),
                members: e
                    .members
                    .as_ref()
                    .map(|m| m.iter().map(|id| self.substitute(id)).collect()),
                changed: e.changed.clone(),
            })
            .collect();
        if let Some(problem) = events::mismatch(&expected, &actual) {
            panic!("{}: the change log differs: {problem}", self.file);
        }
    }

    fn step(&mut self, index: usize, step: &Step) {
        let context = format!("{}, step {} ({:?})", self.file, index + 1, step.name);
        match (&step.request, &step.cli) {
            (Some(request), None) => {
                let (described, response) = self.send(request);
                let context = format!("{context}\n  request: {described}");
                check::universal(&response)
                    .unwrap_or_else(|problem| fail(&context, &problem, &response));
                self.expect_response(&step.expect, &response)
                    .unwrap_or_else(|problem| fail(&context, &problem, &response));
            }
            (None, Some(command)) => {
                let args: Vec<String> = command.iter().map(|a| self.substitute(a)).collect();
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let output = self.deployment.run(&args);
                let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
                let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
                let exit = output.status.code().unwrap_or(-1);
                let body = serde_json::from_str(&stdout).unwrap_or(Value::Null);
                let expected_exit = step.expect.exit.unwrap_or(0);
                let result = if exit == expected_exit {
                    self.expect_json(&step.expect, &body)
                } else {
                    Err(format!("exit code {exit}, expected {expected_exit}"))
                };
                if let Err(problem) = result {
                    panic!(
                        "{context}\n  command: scim-server {}\n  {problem}\n  stdout: {stdout}\n  stderr: {stderr}",
                        args.join(" ")
                    );
                }
            }
            _ => panic!("{context}: a step has exactly one of `request` and `cli`"),
        }
    }

    fn send(&self, request: &Request) -> (String, Response) {
        let path = self.substitute(&request.path);
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), self.substitute(v)))
            .collect();
        let body = match (&request.body, &request.raw_body) {
            (Some(json), None) => Some(self.substitute_json(json).to_string().into_bytes()),
            (None, Some(raw)) => Some(self.substitute(raw).into_bytes()),
            (None, None) => None,
            (Some(_), Some(_)) => panic!("{}: `body` or `raw_body`, not both", self.file),
        };
        let described = format!("{} {path}", request.method);
        let response = if request.auth {
            self.client.send(&request.method, &path, &headers, body)
        } else {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
            Client::new(self.client.base_url()).send(&request.method, &path, &headers, body)
        };
        (described, response)
    }

    fn expect_response(&mut self, expect: &Expect, response: &Response) -> Result<(), String> {
        let status = expect.status.ok_or("a request step must expect a status")?;
        if response.status != status {
            return Err(format!("status {}, expected {status}", response.status));
        }
        for (name, value) in &expect.headers {
            let value = self.substitute(value);
            match response.header(name) {
                Some(actual) if actual == value => {}
                actual => return Err(format!("header {name}: {actual:?}, expected {value:?}")),
            }
        }
        for (name, source) in &expect.capture {
            if let Some(header) = source.strip_prefix("header:") {
                let value = response
                    .header(header)
                    .ok_or_else(|| format!("no {header} header to capture as {name}"))?;
                self.vars.insert(name.clone(), value.to_owned());
            }
        }
        let body = if response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&response.body)
                .map_err(|e| format!("the body is not JSON: {e}"))?
        };
        self.expect_json(expect, &body)
    }

    fn expect_json(&mut self, expect: &Expect, body: &Value) -> Result<(), String> {
        for (pointer, expected) in &expect.json {
            let expected = self.substitute_json(expected);
            match body.pointer(pointer) {
                Some(actual) if *actual == expected => {}
                Some(actual) => return Err(format!("{pointer} is {actual}, expected {expected}")),
                None => return Err(format!("{pointer} is absent, expected {expected}")),
            }
        }
        for pointer in &expect.absent {
            if let Some(actual) = body.pointer(pointer) {
                return Err(format!("{pointer} is {actual}, expected it absent"));
            }
        }
        for (pointer, expected) in &expect.len {
            let actual = match body.pointer(pointer) {
                None => 0,
                Some(Value::Array(items)) => items.len(),
                Some(other) => return Err(format!("{pointer} is {other}, not an array")),
            };
            if actual != *expected {
                return Err(format!(
                    "{pointer} has {actual} elements, expected {expected}"
                ));
            }
        }
        for (pointer, wanted) in &expect.contains {
            let items = array_at(body, pointer)?;
            for want in wanted {
                let want = self.substitute_json(want);
                if !items.iter().any(|item| check::contains(item, &want)) {
                    return Err(format!("{pointer} has no element like {want}"));
                }
            }
        }
        for (pointer, unwanted) in &expect.lacks {
            let items = array_at(body, pointer)?;
            for unwanted in unwanted {
                let unwanted = self.substitute_json(unwanted);
                if let Some(item) = items.iter().find(|item| check::contains(item, &unwanted)) {
                    return Err(format!(
                        "{pointer} has {item}, expected nothing like {unwanted}"
                    ));
                }
            }
        }
        for (name, pointer) in &expect.capture {
            if pointer.starts_with("header:") {
                continue;
            }
            let value = match body.pointer(pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => {
                    return Err(format!("nothing at {pointer} to capture as {name}"));
                }
                Some(other) => other.to_string(),
            };
            self.vars.insert(name.clone(), value);
        }
        for (name, pattern) in &expect.collect {
            let found = check::select(body, pattern);
            self.collections
                .entry(name.clone())
                .or_default()
                .extend(found.iter().map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }));
        }
        for (name, expected) in &expect.distinct {
            let actual = self.collections.get(name).map_or(0, BTreeSet::len);
            if actual != *expected {
                return Err(format!(
                    "collection {name} holds {actual} distinct values, expected {expected}"
                ));
            }
        }
        Ok(())
    }

    /// Replaces every `{{name}}` in `text`.
    fn substitute(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .unwrap_or_else(|| panic!("{}: unclosed {{{{ in {text:?}", self.file));
            let name = &after[..end];
            let value = self.vars.get(name).unwrap_or_else(|| {
                panic!(
                    "{}: {{{{{name}}}}} is not captured before it is used",
                    self.file
                )
            });
            out.push_str(value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn substitute_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.substitute(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.substitute_json(v)).collect())
            }
            Value::Object(object) => Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (self.substitute(k), self.substitute_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

fn array_at<'v>(body: &'v Value, pointer: &str) -> Result<&'v [Value], String> {
    match body.pointer(pointer) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("{pointer} is {other}, not an array")),
    }
}

#[track_caller]
fn fail(context: &str, problem: &str, response: &Response) -> ! {
    panic!(
        "{context}\n  {problem}\n  response: {} {:?}\n  {}",
        response.status, response.headers, response.body
    )
}
