//! The differential test: every filter runs through SQLite, PostgreSQL and scim-core's evaluator,
//! and the three must select exactly the same resources.
//!
//! One data set ([`dataset`]) is written, identically, into a SQLite and a PostgreSQL store
//! (same scripted clock, same sequential ids). The evaluator sees each resource as the store
//! returns it from `get` with [`ReadOptions::FULL`] (members, groups and meta included). The
//! filters are every filter of scim-core's test data ([`corpus`]) and a deterministic generated
//! set ([`generate`]). A filter that resolves but that the store cannot run must be refused with
//! `invalidFilter` by both backends, and only for the reasons the store documents
//! (`meta.location`, `members.$ref`, `groups.$ref`, which depend on the server's address).

mod corpus;
pub(crate) mod dataset;
mod generate;
mod indexed;
mod sorting;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use scim_core::ScimType;
use scim_core::filter::{ResolvedFilter, ResolvedPath, parse_filter, resolve};
use scim_core::resource::Resource;
use scim_core::schema::SchemaRegistry;
use scim_store::{Query, ReadOptions, Store, StoreBuilder, StoreError, TenantId};

use crate::backends::{postgres_at, postgres_icu_url, postgres_with, sqlite_with, tenant};
use crate::fixtures::{ScriptedClock, SequentialIds};

/// The resource types of the data set.
pub(crate) const TYPES: [&str; 3] = ["User", "Group", "Device"];

/// One store holding the data set.
pub(crate) struct Backend {
    pub(crate) name: &'static str,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) tenant: TenantId,
}

/// The stores, the registry and the resources as the evaluator sees them.
pub(crate) struct World {
    pub(crate) registry: SchemaRegistry,
    pub(crate) backends: Vec<Backend>,
    /// Per resource type, every resource as `get` returns it with everything loaded, in
    /// creation order.
    pub(crate) resources: BTreeMap<&'static str, Vec<Resource>>,
}

fn open(name: &'static str) -> Option<Backend> {
    let clock = Arc::new(ScriptedClock::new(dataset::START, 1_000));
    let builder = StoreBuilder::new(dataset::registry())
        .clock(clock.clone())
        .ids(Arc::new(SequentialIds::new("DiFf")));
    let store = match name {
        "sqlite" => sqlite_with(builder),
        "postgres" => postgres_with(builder)?,
        _ => postgres_at(&postgres_icu_url()?, builder),
    };
    let tenant = tenant(&*store);
    dataset::build(&*store, &clock, &tenant);
    Some(Backend {
        name,
        store,
        tenant,
    })
}

/// Every resource of a type, fully loaded, in creation order.
fn everything(backend: &Backend, resource_type: &str) -> Vec<Resource> {
    let page = backend
        .store
        .query(
            &backend.tenant,
            resource_type,
            &Query {
                count: Some(1000),
                ..Query::default()
            },
            ReadOptions::DOCUMENT_ONLY,
        )
        .unwrap();
    page.resources
        .iter()
        .map(|r| {
            let id = r.resource.id().unwrap();
            backend
                .store
                .get(&backend.tenant, resource_type, id, ReadOptions::FULL)
                .unwrap()
                .resource
        })
        .collect()
}

/// The shared world, built once for all the differential tests.
pub(crate) fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let backends: Vec<Backend> = std::thread::scope(|scope| {
            let building: Vec<_> = ["sqlite", "postgres", "postgres-icu"]
                .into_iter()
                .map(|name| scope.spawn(move || open(name)))
                .collect();
            building
                .into_iter()
                .filter_map(|b| b.join().unwrap())
                .collect()
        });
        let mut resources = BTreeMap::new();
        for resource_type in TYPES {
            let reference = everything(&backends[0], resource_type);
            for other in &backends[1..] {
                let theirs = everything(other, resource_type);
                assert_eq!(theirs.len(), reference.len(), "{resource_type} count");
                for (mine, theirs) in reference.iter().zip(&theirs) {
                    assert!(
                        mine == theirs,
                        "{} and {} render {resource_type} {} differently:\n{:#}\n{:#}",
                        backends[0].name,
                        other.name,
                        mine.id().unwrap(),
                        serde_json::Value::Object(mine.as_json().clone()),
                        serde_json::Value::Object(theirs.as_json().clone()),
                    );
                }
            }
            resources.insert(resource_type, reference);
        }
        World {
            registry: dataset::registry(),
            backends,
            resources,
        }
    })
}

/// How one filter fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// It does not parse or does not resolve against the resource type: nothing to compare.
    Skipped,
    /// Every store and the evaluator selected the same resources.
    Agreed,
    /// Every store refused it with `invalidFilter`, for a documented reason.
    Refused,
}

/// Whether the store may refuse `filter`: it names an attribute whose value depends on the
/// address the server is reached at.
fn depends_on_the_address(filter: &ResolvedFilter, resource_type: &str) -> bool {
    let path_does = |path: &ResolvedPath| {
        let sub = path.sub_attribute();
        path.extension().is_none()
            && match path.attribute() {
                "meta" => sub == Some("location"),
                "members" => resource_type == "Group" && sub == Some("$ref"),
                "groups" => resource_type == "User" && sub == Some("$ref"),
                _ => false,
            }
    };
    match filter {
        ResolvedFilter::Compare(compare) => path_does(compare.path()),
        ResolvedFilter::Present(path) => path_does(path),
        ResolvedFilter::And(junction) | ResolvedFilter::Or(junction) => junction
            .operands()
            .iter()
            .any(|f| depends_on_the_address(f, resource_type)),
        ResolvedFilter::Not(not) => depends_on_the_address(not.inner(), resource_type),
        ResolvedFilter::ValuePath(value_path) => {
            depends_on_the_address(value_path.filter(), resource_type)
        }
    }
}

fn ids_of<'r>(resources: impl Iterator<Item = &'r Resource>) -> BTreeSet<String> {
    resources.map(|r| r.id().unwrap().to_owned()).collect()
}

/// What one store made of one filter.
#[derive(Debug)]
enum Answer {
    Ids { ids: BTreeSet<String>, total: u64 },
    Refused,
    Failed(String),
}

fn ask(backend: &Backend, resource_type: &str, text: &str) -> Answer {
    let Ok(parsed) = Query::filtered(text) else {
        return Answer::Refused;
    };
    let query = Query {
        count: Some(1000),
        ..parsed
    };
    match backend.store.query(
        &backend.tenant,
        resource_type,
        &query,
        ReadOptions::DOCUMENT_ONLY,
    ) {
        Ok(page) => Answer::Ids {
            ids: ids_of(page.resources.iter().map(|r| &r.resource)),
            total: page.total_results,
        },
        Err(StoreError::Scim(e)) if e.scim_type() == Some(ScimType::InvalidFilter) => {
            Answer::Refused
        }
        Err(e) => Answer::Failed(format!("{e:?}")),
    }
}

/// Compares what the stores answered with what the evaluator selects.
fn judge(
    world: &World,
    resource_type: &str,
    text: &str,
    resolved: &ResolvedFilter,
    expected: &BTreeSet<String>,
    answers: &[&Answer],
) -> Result<Verdict, String> {
    let mut report = String::new();
    let mut refused = Vec::new();
    for (backend, answer) in world.backends.iter().zip(answers) {
        match answer {
            Answer::Ids { ids, total } => {
                if ids != expected {
                    let _ = writeln!(
                        report,
                        "  {}: also {:?}, missing {:?}",
                        backend.name,
                        ids.difference(expected).collect::<Vec<_>>(),
                        expected.difference(ids).collect::<Vec<_>>()
                    );
                }
                if *total != ids.len() as u64 {
                    let _ = writeln!(
                        report,
                        "  {}: totalResults {total} for {} resources",
                        backend.name,
                        ids.len()
                    );
                }
            }
            Answer::Refused => refused.push(backend.name),
            Answer::Failed(e) => {
                let _ = writeln!(report, "  {}: failed: {e}", backend.name);
            }
        }
    }
    let all_refused = refused.len() == world.backends.len();
    // Refusing is right only when every store refuses, and only for a documented reason.
    let refusal_ok = all_refused && depends_on_the_address(resolved, resource_type);
    if !refused.is_empty() && !refusal_ok {
        let _ = writeln!(
            report,
            "  refused by {refused:?} (evaluator selects {expected:?})"
        );
    }
    if report.is_empty() {
        Ok(if all_refused {
            Verdict::Refused
        } else {
            Verdict::Agreed
        })
    } else {
        Err(format!("[{resource_type}] {text}\n{report}"))
    }
}

/// Runs every filter of `texts` on `resource_type` everywhere, each store in its own thread.
pub(crate) fn check_all(world: &World, resource_type: &str, texts: &[String]) -> Tally {
    let mut tally = Tally::default();
    let registry_type = world.registry.resource_type(resource_type).unwrap();
    // Parsed, resolved and evaluated: the filters there is something to compare for.
    let mut runnable = Vec::new();
    for text in texts {
        let resolved = parse_filter(text)
            .ok()
            .and_then(|parsed| resolve(&parsed, &world.registry, registry_type).ok());
        match resolved {
            Some(resolved) => {
                let expected = ids_of(
                    world.resources[resource_type]
                        .iter()
                        .filter(|r| resolved.matches(r)),
                );
                runnable.push((text, resolved, expected));
            }
            None => tally.record(Ok(Verdict::Skipped)),
        }
    }
    let answers: Vec<Vec<Answer>> = std::thread::scope(|scope| {
        let asking: Vec<_> = world
            .backends
            .iter()
            .map(|backend| {
                let runnable = &runnable;
                scope.spawn(move || {
                    runnable
                        .iter()
                        .map(|(text, _, _)| ask(backend, resource_type, text))
                        .collect()
                })
            })
            .collect();
        asking.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let all = world.resources[resource_type].len();
    for (i, (text, resolved, expected)) in runnable.iter().enumerate() {
        if !expected.is_empty() && expected.len() < all {
            tally.selective += 1;
        }
        let per_backend: Vec<&Answer> = answers.iter().map(|a| &a[i]).collect();
        tally.record(judge(
            world,
            resource_type,
            text,
            resolved,
            expected,
            &per_backend,
        ));
    }
    tally
}

/// Tallies of a batch of filters.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) agreed: usize,
    pub(crate) refused: usize,
    pub(crate) skipped: usize,
    /// Filters that select some resources but not all: the ones that can tell stores apart.
    pub(crate) selective: usize,
    pub(crate) failures: Vec<String>,
}

impl Tally {
    pub(crate) fn record(&mut self, outcome: Result<Verdict, String>) {
        match outcome {
            Ok(Verdict::Agreed) => self.agreed += 1,
            Ok(Verdict::Refused) => self.refused += 1,
            Ok(Verdict::Skipped) => self.skipped += 1,
            Err(failure) => self.failures.push(failure),
        }
    }

    pub(crate) fn absorb(&mut self, other: Tally) {
        self.agreed += other.agreed;
        self.refused += other.refused;
        self.skipped += other.skipped;
        self.selective += other.selective;
        self.failures.extend(other.failures);
    }

    /// Panics with every disagreement, if there is any.
    pub(crate) fn assert_no_failures(&self) {
        assert!(
            self.failures.is_empty(),
            "{} filters disagree ({} agreed):\n{}",
            self.failures.len(),
            self.agreed,
            self.failures.join("\n")
        );
    }
}
