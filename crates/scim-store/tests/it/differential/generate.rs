//! Generated filters: attribute paths from the schema, every operator, values drawn from the
//! data set and bent (case, prefixes, neighbours, other time zones), combined with `and`, `or`,
//! `not` and value paths.
//!
//! The generator is deterministic (a fixed seed per resource type), so a disagreement it finds
//! is found again on the next run; the failure message prints the filter itself.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, Utc};
use scim_core::resource::Resource;
use scim_core::schema::{Attribute, AttributeType, Mutability, Returned, SchemaRegistry};
use serde_json::{Map, Value};

use super::{check_all, world};
use crate::fixtures::Rng;

/// One attribute path a filter may name.
#[derive(Debug, Clone)]
pub(super) struct PathSpec {
    /// The URN of an extension attribute.
    pub(super) extension: Option<String>,
    pub(super) attribute: String,
    pub(super) sub: Option<String>,
    pub(super) kind: AttributeType,
    /// For a complex attribute: its sub-attributes (for value paths).
    pub(super) subs: Vec<Attribute>,
}

/// Strings that fold in interesting ways or sort at the edges.
const TRICKY: &[&str] = &[
    "",
    "a",
    "A",
    "~",
    " ",
    "ß",
    "SS",
    "ss",
    "ẞ",
    "İ",
    "i̇",
    "ı",
    "I",
    "i",
    "Σ",
    "σ",
    "ς",
    "Ω",
    "ω",
    "ǅ",
    "ǆ",
    "Ǆ",
    "ü",
    "Ü",
    "u\u{308}",
    "😀",
    "\u{10FFFF}",
    "@",
    "@example.com",
    ".com",
    "'",
    "\"",
    "\\",
    "z",
    "Z",
    "0",
    "9",
    "\u{0}",
    "a\u{0}",
    "b\u{0}z",
];

fn filterable(attribute: &Attribute) -> bool {
    attribute.returned_kind() != Returned::Never
        && attribute.mutability_kind() != Mutability::WriteOnly
}

/// Every filterable path of a resource type: common attributes, core and extension ones, and
/// every sub-attribute.
pub(super) fn catalogue(registry: &SchemaRegistry, resource_type: &str) -> Vec<PathSpec> {
    let rt = registry.resource_type(resource_type).unwrap();
    let mut tops: Vec<(Option<String>, &Attribute)> = registry
        .common_attributes()
        .iter()
        .map(|a| (None, a))
        .collect();
    tops.extend(
        registry
            .core_schema(rt)
            .unwrap()
            .attributes()
            .iter()
            .map(|a| (None, a)),
    );
    for extension in rt.schema_extensions() {
        let schema = registry.schema(&extension.schema).unwrap();
        tops.extend(
            schema
                .attributes()
                .iter()
                .map(|a| (Some(extension.schema.clone()), a)),
        );
    }
    let mut paths = Vec::new();
    for (extension, attribute) in tops {
        if !filterable(attribute) {
            continue;
        }
        paths.push(PathSpec {
            extension: extension.clone(),
            attribute: attribute.name().to_owned(),
            sub: None,
            kind: attribute.kind(),
            subs: attribute
                .sub_attributes()
                .iter()
                .filter(|s| filterable(s))
                .cloned()
                .collect(),
        });
        for sub in attribute.sub_attributes().iter().filter(|s| filterable(s)) {
            paths.push(PathSpec {
                extension: extension.clone(),
                attribute: attribute.name().to_owned(),
                sub: Some(sub.name().to_owned()),
                kind: sub.kind(),
                subs: Vec::new(),
            });
        }
    }
    paths
}

/// The values of a path in one resource, as the evaluator's documentation defines them.
fn values_at<'v>(body: &'v Map<String, Value>, spec: &PathSpec) -> Vec<&'v Value> {
    let container = match &spec.extension {
        Some(urn) => body.get(urn).and_then(Value::as_object),
        None => Some(body),
    };
    let Some(value) = container.and_then(|c| c.get(&spec.attribute)) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let Some(sub) = &spec.sub else {
        return elements;
    };
    elements
        .into_iter()
        .filter_map(|e| e.get(sub))
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            single => vec![single],
        })
        .collect()
}

struct Generator<'w> {
    rng: Rng,
    paths: Vec<PathSpec>,
    /// Values found in the data set, per index into `paths`.
    pools: BTreeMap<usize, Vec<Value>>,
    /// Every string of the data set, for comparisons across attributes.
    strings: Vec<String>,
    resources: &'w [Resource],
    core_urn: String,
}

pub(super) fn swap_ascii_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

pub(super) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

impl<'w> Generator<'w> {
    fn new(
        registry: &SchemaRegistry,
        resource_type: &str,
        resources: &'w [Resource],
        seed: u64,
    ) -> Self {
        let paths = catalogue(registry, resource_type);
        let mut pools = BTreeMap::new();
        let mut strings = Vec::new();
        for (i, spec) in paths.iter().enumerate() {
            let mut pool: Vec<Value> = Vec::new();
            for resource in resources {
                for value in values_at(resource.as_json(), spec) {
                    if !pool.contains(value) {
                        pool.push(value.clone());
                    }
                    if let Value::String(s) = value
                        && !strings.contains(s)
                    {
                        strings.push(s.clone());
                    }
                }
            }
            pools.insert(i, pool);
        }
        let core_urn = registry
            .resource_type(resource_type)
            .unwrap()
            .schema()
            .to_owned();
        Self {
            rng: Rng::new(seed),
            paths,
            pools,
            strings,
            resources,
            core_urn,
        }
    }

    /// A spelling of a name: as the schema has it, or with the ASCII case of some letters
    /// changed (names match ignoring ASCII case).
    fn spell(&mut self, name: &str) -> String {
        match self.rng.below(6) {
            0 => name.to_ascii_uppercase(),
            1 => swap_ascii_case(name),
            _ => name.to_owned(),
        }
    }

    /// The path as a filter writes it at the top level.
    fn written(&mut self, spec: &PathSpec) -> String {
        let mut text = String::new();
        match &spec.extension {
            Some(urn) => {
                text.push_str(&self.spell(urn));
                text.push(':');
            }
            None if self.rng.chance(8) => {
                text.push_str(&self.core_urn.clone());
                text.push(':');
            }
            None => {}
        }
        text.push_str(&self.spell(&spec.attribute));
        if let Some(sub) = &spec.sub {
            text.push('.');
            text.push_str(&self.spell(sub));
        }
        text
    }

    fn string_literal(&mut self, pool: &[Value]) -> String {
        let base: String = match (pool.is_empty(), self.rng.below(10)) {
            (false, 0..=6) => self.rng.pick(pool).as_str().unwrap_or("").to_owned(),
            (_, 7) if !self.strings.is_empty() => self.rng.pick(&self.strings).clone(),
            _ => (*self.rng.pick(TRICKY)).to_owned(),
        };
        let chars: Vec<char> = base.chars().collect();
        let cut = |rng: &mut Rng| rng.below(chars.len() + 1);
        let text = match self.rng.below(12) {
            0 => base.to_uppercase(),
            1 => base.to_lowercase(),
            2 => swap_ascii_case(&base),
            3 => chars[..cut(&mut self.rng)].iter().collect(),
            4 => chars[cut(&mut self.rng)..].iter().collect(),
            5 => {
                let a = cut(&mut self.rng);
                let b = cut(&mut self.rng);
                chars[a.min(b)..a.max(b)].iter().collect()
            }
            6 => format!("{base}{}", self.rng.pick(TRICKY)),
            7 => String::new(),
            _ => base,
        };
        quote(&text)
    }

    fn date_time_literal(&mut self, pool: &[Value]) -> String {
        let from_pool = pool
            .iter()
            .filter_map(|v| v.as_str())
            .filter_map(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .collect::<Vec<_>>();
        let base = if !from_pool.is_empty() && self.rng.chance(80) {
            *self.rng.pick(&from_pool)
        } else {
            // Any meta time of the data set, for attributes without values.
            let resource = self.rng.pick(self.resources);
            let meta = &resource.as_json()["meta"];
            let key = if self.rng.chance(50) {
                "created"
            } else {
                "lastModified"
            };
            DateTime::parse_from_rfc3339(meta[key].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc)
        };
        let shift = *self.rng.pick(&[
            Duration::zero(),
            Duration::zero(),
            Duration::nanoseconds(1),
            Duration::nanoseconds(-1),
            Duration::nanoseconds(500),
            Duration::microseconds(1),
            Duration::microseconds(-1),
            Duration::milliseconds(1),
            Duration::milliseconds(-1),
            Duration::seconds(-3600),
        ]);
        let at = base + shift;
        let offset = FixedOffset::east_opt(*self.rng.pick(&[0, 7200, -19800, 3600 * 14])).unwrap();
        let format = *self.rng.pick(&[
            SecondsFormat::AutoSi,
            SecondsFormat::Nanos,
            SecondsFormat::Secs,
        ]);
        let text = if offset.local_minus_utc() == 0 && self.rng.chance(50) {
            at.to_rfc3339_opts(format, true)
        } else {
            at.with_timezone(&offset).to_rfc3339_opts(format, false)
        };
        quote(&text)
    }

    fn literal(&mut self, index: usize, kind: AttributeType) -> String {
        let pool = self.pools[&index].clone();
        match kind {
            AttributeType::String | AttributeType::Reference | AttributeType::Complex => {
                self.string_literal(&pool)
            }

            AttributeType::Binary => match (pool.is_empty(), self.rng.below(3)) {
                (false, 0 | 1) => self.rng.pick(&pool).to_string(),
                _ => {
                    let text = *self.rng.pick(&["TWFu", "twfu", "", "TWE="]);
                    quote(text)
                }
            },
            AttributeType::Boolean => {
                (*self
                    .rng
                    .pick(&["true", "false", "TRUE", "\"True\"", "\"false\""]))
                .to_owned()
            }
            AttributeType::Integer => {
                let base = pool.iter().filter_map(Value::as_i64).collect::<Vec<_>>();
                let base = if base.is_empty() || self.rng.chance(20) {
                    *self.rng.pick(&[0, 1, -1, i64::MAX, i64::MIN, 64])
                } else {
                    *self.rng.pick(&base)
                };
                let delta = *self.rng.pick(&[0, 0, 1, -1]);
                base.saturating_add(delta).to_string()
            }
            AttributeType::Decimal => {
                if !pool.is_empty() && self.rng.chance(60) {
                    // The number exactly as stored, or its f64 form.
                    let value = self.rng.pick(&pool).clone();
                    if self.rng.chance(50) {
                        value.to_string()
                    } else {
                        format!("{:e}", value.as_f64().unwrap())
                    }
                } else {
                    (*self.rng.pick(&[
                        "0",
                        "-0.0",
                        "0.1",
                        "0.30000000000000004",
                        "0.3",
                        "2",
                        "2.0",
                        "9007199254740992",
                        "9007199254740993",
                        "18446744073709551615",
                        "1e300",
                        "1E-7",
                        "-2.5",
                        "123456.789",
                    ]))
                    .to_owned()
                }
            }
            AttributeType::DateTime => self.date_time_literal(&pool),
        }
    }

    fn operator(&mut self, kind: AttributeType) -> &'static str {
        let all: &[&'static str] = match kind {
            AttributeType::String | AttributeType::Reference | AttributeType::Complex => {
                &["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"]
            }
            AttributeType::DateTime | AttributeType::Integer | AttributeType::Decimal => {
                &["eq", "ne", "gt", "lt", "ge", "le"]
            }
            AttributeType::Boolean | AttributeType::Binary => &["eq", "ne"],
        };
        let op = *self.rng.pick(all);
        if self.rng.chance(10) {
            // Operators are case-insensitive.
            match op {
                "eq" => "EQ",
                "co" => "Co",
                "gt" => "GT",
                other => other,
            }
        } else {
            op
        }
    }

    /// One leaf on a path: a comparison, `pr`, or a comparison with `null`.
    fn leaf(&mut self, index: usize, written: &str) -> String {
        let mut index = index;
        if self.paths[index].kind == AttributeType::Complex {
            // A complex attribute compares by its `value` sub-attribute, if it has one.
            let spec = &self.paths[index];
            match self.paths.iter().position(|p| {
                p.extension == spec.extension
                    && p.attribute == spec.attribute
                    && p.sub.as_deref() == Some("value")
            }) {
                Some(value) if self.rng.chance(70) => index = value,
                _ => return format!("{written} pr"),
            }
        }
        let kind = self.paths[index].kind;
        match self.rng.below(10) {
            0 => format!("{written} pr"),
            1 if self.rng.chance(50) => format!("{written} eq null"),
            1 => format!("{written} ne null"),
            _ => {
                let op = self.operator(kind);
                let value = self.literal(index, kind);
                format!("{written} {op} {value}")
            }
        }
    }

    fn atom(&mut self) -> String {
        let index = self.rng.below(self.paths.len());
        let spec = self.paths[index].clone();
        if spec.sub.is_none() && !spec.subs.is_empty() && self.rng.chance(40) {
            return self.value_path(index);
        }
        let written = self.written(&spec);
        self.leaf(index, &written)
    }

    /// `attr[inner]` on a complex attribute, or Entra's `attr[inner].sub op value`.
    fn value_path(&mut self, index: usize) -> String {
        let spec = self.paths[index].clone();
        let written = self.written(&spec);
        let inner = self.inner(&spec, 0);
        if self.rng.chance(15) {
            let sub_index = self.sub_index(&spec);
            let sub = self.paths[sub_index].sub.clone().unwrap();
            let leaf = self.leaf(sub_index, &sub);
            return format!("{written}[{inner}].{leaf}");
        }
        format!("{written}[{inner}]")
    }

    /// The index in `paths` of a random sub-attribute of `spec`.
    fn sub_index(&mut self, spec: &PathSpec) -> usize {
        let candidates: Vec<usize> = self
            .paths
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.extension == spec.extension && p.attribute == spec.attribute && p.sub.is_some()
            })
            .map(|(i, _)| i)
            .collect();
        *self.rng.pick(&candidates)
    }

    /// A filter inside `spec[...]`: leaves on its sub-attributes, combined.
    fn inner(&mut self, spec: &PathSpec, depth: usize) -> String {
        if depth < 2 && self.rng.chance(35) {
            let a = self.inner(spec, depth + 1);
            let b = self.inner(spec, depth + 1);
            return match self.rng.below(3) {
                0 => format!("({a}) and ({b})"),
                1 => format!("({a}) or ({b})"),
                _ => format!("not ({a})"),
            };
        }
        let sub_index = self.sub_index(spec);
        let sub = self.paths[sub_index].sub.clone().unwrap();
        // Inside brackets a path is the bare sub-attribute, or (some clients) the full path.
        let written = if self.rng.chance(15) {
            format!("{}.{sub}", spec.attribute)
        } else {
            self.spell(&sub)
        };
        self.leaf(sub_index, &written)
    }

    fn filter(&mut self, depth: usize) -> String {
        if depth >= 3 || self.rng.chance(45) {
            return self.atom();
        }
        match self.rng.below(5) {
            0 | 1 => {
                let operands: Vec<String> = (0..2 + self.rng.below(2))
                    .map(|_| format!("({})", self.filter(depth + 1)))
                    .collect();
                operands.join(" and ")
            }
            2 | 3 => {
                let operands: Vec<String> = (0..2 + self.rng.below(2))
                    .map(|_| format!("({})", self.filter(depth + 1)))
                    .collect();
                operands.join(" or ")
            }
            _ => format!("not ({})", self.filter(depth + 1)),
        }
    }
}

/// Runs `count` generated filters on `resource_type`.
fn run(resource_type: &'static str, seed: u64, count: usize) {
    let world = world();
    let resources = &world.resources[resource_type];
    let mut generator = Generator::new(&world.registry, resource_type, resources, seed);
    let mut texts = Vec::new();
    // Every path on its own first, with every operator its type takes.
    for index in 0..generator.paths.len() {
        let spec = generator.paths[index].clone();
        let written = generator.written(&spec);
        for _ in 0..3 {
            texts.push(generator.leaf(index, &written));
        }
    }
    for _ in 0..count {
        texts.push(generator.filter(0));
    }
    let tally = check_all(world, resource_type, &texts);
    tally.assert_no_failures();
    // Resolution refuses some generated filters (`pr` on nothing, a string compared with
    // `gt` on a boolean...): most must run.
    let ran = tally.agreed + tally.refused;
    assert!(
        ran >= texts.len() * 3 / 4,
        "{resource_type}: only {ran} of {} generated filters ran ({} skipped)",
        texts.len(),
        tally.skipped
    );
    // A filter that selects nothing or everything can hide a wrong translation; most must not.
    assert!(
        tally.selective >= ran / 4,
        "{resource_type}: only {} of {ran} generated filters select some but not all resources",
        tally.selective
    );
}

#[test]
fn generated_user_filters_agree() {
    run("User", 0xA11CE, 400);
}

#[test]
fn generated_group_filters_agree() {
    run("Group", 0x6_2009, 200);
}

#[test]
fn generated_device_filters_agree() {
    run("Device", 0xDE_71CE, 350);
}
