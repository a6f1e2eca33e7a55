//! The PATCH engine (RFC 7644 §3.5.2): `add`, `replace` and `remove` applied to a canonical
//! [`Resource`], atomically.
//!
//! [`apply_patch`] works on a copy: when any operation fails the caller's resource is untouched
//! and a [`PatchError`] names the operation. Every value written goes through the same
//! normalisation as a `POST` body ([`crate::validate`]), so `"False"`, a bare manager id or a
//! single object for a multi-valued attribute are accepted here as there.
//!
//! # Paths
//!
//! | path | meaning |
//! | --- | --- |
//! | none | `value` is an object of attributes; each key is applied as a path, so `name.givenName` and `urn:...:User:employeeNumber` keys work (Entra's newer shape) |
//! | `attr`, `attr.sub`, `urn:...:attr[.sub]` | the attribute or sub-attribute |
//! | `urn:...:User` (a schema URN) | that extension: `value` is an object of its attributes; `remove` removes them all |
//! | `attr[filter]`, `attr[filter].sub` | the elements of a multi-valued complex attribute the filter selects |
//!
//! # Decisions
//!
//! - **`remove` is idempotent.** Removing an absent attribute, or with a filter or a value array
//!   that matches nothing, succeeds without change: identity providers retry membership removals,
//!   and a store that keeps members apart (below) cannot know without a query whether the member
//!   is there, so both layouts behave the same. `noTarget` is kept for what RFC 7644 §3.5.2.3
//!   requires: a `replace` whose filter matches nothing.
//! - **`add` with a filter that matches nothing creates the element** from the filter's `eq`
//!   comparisons and the value (`emails[type eq "work"].value` adds `{"type": "work", "value":
//!   ...}`), as Entra expects; a filter that does not describe one element (`ne`, `or`, `co`) is
//!   `noTarget`.
//! - **`remove` with a value** on a multi-valued attribute removes the elements equal to the
//!   given ones (Entra's member removal `{"op": "Remove", "path": "members", "value": [{"value":
//!   "id"}]}`). Two elements are the same when their `value` sub-attributes are equal (and their
//!   `type`s, when both have one), or, without `value`, when they are equal as a whole. `add`
//!   uses the same rule, so adding a member twice keeps one membership.
//! - **`primary`**: an operation that writes `primary: true` on an element makes every other
//!   element `false` (RFC 7644 §3.5.2).
//! - **Read-only attributes**: writing one is a `mutability` error, except writing the value it
//!   already has, which Okta does with the group's own `id` in every push.
//! - **`remove` without a path** is `noTarget` (RFC 7644 §3.5.2.2); `add` or `replace` without a
//!   value is `invalidSyntax`.
//!
//! # Attributes kept apart
//!
//! A store may keep a group's `members` in a table of their own and apply membership changes
//! without loading the group. [`PatchOptions::detach`] names such attributes: the resource given
//! does not carry them, and operations on them are not applied but returned, in order, as
//! [`DetachedChange`]s in [`PatchOutcome::detached`]. Without it the same operations apply to the
//! resource itself.

mod apply;
mod detached;
mod elements;
mod error;
mod filtered;
mod target;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

pub use error::{PatchError, PatchErrorKind};

use crate::filter::ResolvedValuePath;
use crate::resource::Resource;
use crate::schema::{ResourceType, SchemaRegistry};
use crate::validate::value::Normalizer;
use crate::validate::{Validator, WriteOnlyValues};

/// A PATCH operation kind (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

impl OpKind {
    /// The kind named `name`, ignoring case (Entra sends `Add`, `Replace`, `Remove`).
    ///
    /// ```
    /// use scim_core::patch::OpKind;
    /// assert_eq!(OpKind::parse("Replace"), Some(OpKind::Replace));
    /// assert_eq!(OpKind::parse("move"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Add, Self::Replace, Self::Remove]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }

    /// The lower-case keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

/// One operation as the engine reads it, borrowing from the request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Operation<'a> {
    /// What to do.
    pub op: OpKind,
    /// The target; `None` (or an empty string) means the resource itself.
    pub path: Option<&'a str>,
    /// The value; `None` also stands for `"value": null`.
    pub value: Option<&'a Value>,
}

/// How [`apply_patch`] treats the resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchOptions {
    detached: Vec<String>,
}

impl PatchOptions {
    /// Every attribute is part of the resource.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares that the resource does not carry `attribute` (such as `members`, or an
    /// URN-qualified extension attribute): operations on it are returned as
    /// [`DetachedChange`]s instead of being applied. Names compare ignoring case.
    #[must_use]
    pub fn detach(mut self, attribute: impl Into<String>) -> Self {
        self.detached.push(attribute.into());
        self
    }

    pub(crate) fn is_detached(&self, label: &str) -> bool {
        self.detached.iter().any(|d| d.eq_ignore_ascii_case(label))
    }
}

/// One change to an attribute kept apart from the resource, for the store to carry out.
#[derive(Debug, Clone, PartialEq)]
pub struct DetachedChange {
    /// The attribute, as an `attrPath` in the schema's spelling (`members`).
    pub attribute: String,
    /// What to do with its elements.
    pub change: ElementChange,
}

/// A change to the elements of a multi-valued attribute kept apart from the resource.
///
/// Elements are canonical (see [`Resource`]); for `members`, objects such as
/// `{"value": "2819c223", "display": "Babs Jensen"}`.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementChange {
    /// Add these elements; one whose `value` is already there is not added twice (it may update
    /// the stored element's other sub-attributes).
    Add(Vec<Value>),
    /// Remove the elements whose `value` is one of these; absent ones are not an error.
    Remove(Vec<String>),
    /// Remove the elements this filter selects (see [`ResolvedValuePath::matches_element`]).
    RemoveMatching(ResolvedValuePath),
    /// Replace all elements with these (never empty: see [`ElementChange::Clear`]).
    Replace(Vec<Value>),
    /// Remove every element.
    Clear,
}

/// The result of a PATCH that applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOutcome {
    /// The resource after every operation, canonical.
    pub resource: Resource,
    /// The operations on attributes kept apart ([`PatchOptions::detach`]), in request order.
    pub detached: Vec<DetachedChange>,
    /// The attributes whose value changed, as `attrPath`s in schema order: top-level attributes
    /// of the resource that differ from before, then every detached attribute that received a
    /// change, then every `writeOnly` attribute written.
    pub changed_attributes: Vec<String>,
    /// The `writeOnly` values written (`password`), never part of `resource`.
    pub write_only: WriteOnlyValues,
}

impl PatchOutcome {
    /// Whether anything may have changed. `false` means the request was a no-op (RFC 7644
    /// §3.5.2.1: the modification time must not change). A detached change counts as a change:
    /// only the store knows whether, say, the member it removes was there.
    pub fn is_changed(&self) -> bool {
        !self.changed_attributes.is_empty()
    }
}

/// Applies `operations`, in order, to a copy of `resource`.
///
/// A request body read with [`PatchRequest`](crate::message::PatchRequest) gives its operations
/// with [`PatchRequest::as_operations`](crate::message::PatchRequest::as_operations).
///
/// ```
/// use scim_core::patch::{apply_patch, OpKind, Operation, PatchOptions};
/// use scim_core::schema::SchemaRegistry;
/// use scim_core::validate::Validator;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::standard();
/// let users = registry.resource_type("User").unwrap();
/// let user = Validator::new(&registry, users)?
///     .create(&json!({"userName": "bjensen", "active": true}))?
///     .resource;
///
/// // Okta's deactivation and Entra's string boolean, in one request.
/// let okta = json!({"active": false});
/// let entra = json!("False");
/// let ops = [
///     Operation { op: OpKind::Replace, path: None, value: Some(&okta) },
///     Operation { op: OpKind::Replace, path: Some("active"), value: Some(&entra) },
/// ];
/// let outcome = apply_patch(&registry, users, &user, ops, &PatchOptions::new())?;
/// assert_eq!(outcome.resource.as_json()["active"], json!(false));
/// assert_eq!(outcome.changed_attributes, ["active"]);
/// assert_eq!(user.as_json()["active"], json!(true), "the input is never modified");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply_patch<'a>(
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
    resource: &Resource,
    operations: impl IntoIterator<Item = Operation<'a>>,
    options: &PatchOptions,
) -> Result<PatchOutcome, PatchError> {
    let validator = Validator::new(registry, resource_type)
        .map_err(|e| PatchError::new(None, PatchErrorKind::Value(e)))?;
    let mut engine = PatchRun {
        validator,
        options,
        body: resource.as_json().clone(),
        detached: Vec::new(),
        normalizer: Normalizer::new(crate::validate::UnknownAttributes::Ignore),
    };
    for (index, operation) in operations.into_iter().enumerate() {
        engine
            .apply(operation)
            .map_err(|kind| PatchError::new(Some(index), kind))?;
    }
    engine.finish(resource)
}

/// The state of one PATCH request while it is applied.
pub(crate) struct PatchRun<'r, 'o> {
    pub(crate) validator: Validator<'r>,
    pub(crate) options: &'o PatchOptions,
    /// The working copy; the caller's resource is never touched.
    pub(crate) body: Map<String, Value>,
    pub(crate) detached: Vec<DetachedChange>,
    pub(crate) normalizer: Normalizer,
}

impl PatchRun<'_, '_> {
    fn finish(self, before: &Resource) -> Result<PatchOutcome, PatchError> {
        let PatchRun {
            validator,
            body,
            detached,
            normalizer,
            ..
        } = self;
        validator
            .check_required(&body)
            .map_err(|e| PatchError::new(None, PatchErrorKind::Required(e.path().to_owned())))?;
        let body = validator.finish(body);
        let old = before.as_json();
        let mut changed: Vec<String> = validator
            .slots()
            .filter(|slot| slot.get(old) != slot.get(&body))
            .map(|slot| slot.label().to_string())
            .filter(|label| label != "schemas")
            .collect();
        for change in &detached {
            if !changed.contains(&change.attribute) {
                changed.push(change.attribute.clone());
            }
        }
        let write_only = normalizer.write_only;
        for value in write_only.iter() {
            if !changed.iter().any(|c| c == value.attribute()) {
                changed.push(value.attribute().to_owned());
            }
        }
        Ok(PatchOutcome {
            resource: Resource::from_canonical(before.resource_type(), body),
            detached,
            changed_attributes: changed,
            write_only,
        })
    }
}
