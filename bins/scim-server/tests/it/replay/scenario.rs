//! The recorded-scenario file format.
//!
//! A scenario is a JSON file: a description, commands that set its tenant up, and steps. Each
//! step is an HTTP request exactly as an identity provider sends it (method, path with its query
//! string as encoded on the wire, headers, body) or a `scim-server` command, with what must come
//! back. `{{name}}` in any string is replaced by a value captured from an earlier response, by
//! `{{tenant}}` (the scenario's own tenant), `{{base}}` (the server's URL) or a repeat variable.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// One recorded scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Scenario {
    /// What the scenario shows, for people.
    #[allow(dead_code, reason = "documentation for readers of the file")]
    pub(crate) description: String,
    /// Commands run before the SCIM key is issued (`tenant create {{tenant}} ...`).
    #[serde(default)]
    pub(crate) setup: Vec<Vec<String>>,
    /// The steps, in order.
    pub(crate) steps: Vec<Step>,
    /// The events the steps produce, in order (after the setup).
    #[serde(default)]
    pub(crate) events: Option<Vec<super::events::ExpectedEvent>>,
}

/// A request or a command, and what must come back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    /// What the step does (shown when it fails).
    pub(crate) name: String,
    /// An HTTP request.
    #[serde(default)]
    pub(crate) request: Option<Request>,
    /// A `scim-server` command (arguments after the binary's name).
    #[serde(default)]
    pub(crate) cli: Option<Vec<String>>,
    /// Runs the step once per value of a variable.
    #[serde(default)]
    pub(crate) repeat: Option<Repeat>,
    /// What must come back.
    pub(crate) expect: Expect,
}

/// An HTTP request as sent on the wire.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Request {
    /// The method.
    pub(crate) method: String,
    /// The path and query string, encoded as the client encodes them.
    pub(crate) path: String,
    /// Exactly the headers the client sends (the SCIM key is added unless `auth` is false or
    /// an Authorization header is given).
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// A JSON body, sent compactly.
    #[serde(default)]
    pub(crate) body: Option<Value>,
    /// A body sent byte for byte instead.
    #[serde(default)]
    pub(crate) raw_body: Option<String>,
    /// Whether the scenario's SCIM key is sent.
    #[serde(default = "yes")]
    pub(crate) auth: bool,
}

fn yes() -> bool {
    true
}

/// `{"var": "i", "from": 1, "to": 250}`: the step runs with `{{i}}` = 1, 2, ... 250.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Repeat {
    /// The variable's name.
    pub(crate) var: String,
    /// The first value.
    pub(crate) from: u64,
    /// The last value (inclusive).
    pub(crate) to: u64,
}

/// What a step's response (or command) must show. Pointers are JSON pointers (RFC 6901) into
/// the response body (or the command's standard output, when it is JSON).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expect {
    /// The HTTP status.
    #[serde(default)]
    pub(crate) status: Option<u16>,
    /// The command's exit code (default 0).
    #[serde(default)]
    pub(crate) exit: Option<i32>,
    /// Response headers and their exact values.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// Values at pointers.
    #[serde(default)]
    pub(crate) json: BTreeMap<String, Value>,
    /// Pointers that must not exist.
    #[serde(default)]
    pub(crate) absent: Vec<String>,
    /// Array lengths at pointers (an absent array has length 0: RFC 7643 omits empty ones).
    #[serde(default)]
    pub(crate) len: BTreeMap<String, usize>,
    /// Arrays at pointers having, for each given object, an element that contains it.
    #[serde(default)]
    pub(crate) contains: BTreeMap<String, Vec<Value>>,
    /// Arrays at pointers having no element that contains any given object.
    #[serde(default)]
    pub(crate) lacks: BTreeMap<String, Vec<Value>>,
    /// Values to remember: a pointer into the body, or `header:<name>`.
    #[serde(default)]
    pub(crate) capture: BTreeMap<String, String>,
    /// Values to add to a named collection: a pointer in which `*` stands for every index.
    #[serde(default)]
    pub(crate) collect: BTreeMap<String, String>,
    /// Collections and how many distinct values they must hold by now.
    #[serde(default)]
    pub(crate) distinct: BTreeMap<String, usize>,
}
