//! The groups of a tenant: a list a page at a time, one group with its members a page at a time
//! (a group of 100,000 members opens without loading them all), and the project x role matrix.

use scim_core::filter::{AttrPath, CompValue, CompareOp, Filter};
use scim_store::{
    ActorFilter, EventQuery, Organisation, Query, ReadOptions, Store, StoreError, StoredResource,
    TenantId,
};
use serde::Serialize;
use serde_json::Value;

use super::people::{not_found, scim_input};
use super::{ManageError, require_tenant};

/// The most groups or members one page holds.
pub const MAX_PAGE: u32 = 200;

/// A group as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    /// The SCIM id.
    pub id: String,
    /// The displayName.
    pub name: String,
    /// The identity provider's id for it.
    pub external_id: Option<String>,
    /// How many members it has.
    pub members: u64,
    /// The project, for a project x role group.
    pub project: Option<String>,
    /// The role, for a project x role group.
    pub role: Option<String>,
}

/// A page of groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupPage {
    /// The groups, in creation order.
    pub groups: Vec<GroupSummary>,
    /// How many match in all.
    pub total: u64,
    /// The cursor of the next page.
    pub next_cursor: Option<String>,
}

fn check_limit(limit: u32) -> Result<(), ManageError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(())
    } else {
        Err(ManageError::malformed(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ))
    }
}

fn summary(
    store: &dyn Store,
    tenant: &TenantId,
    organisation: &Organisation,
    stored: &StoredResource,
) -> Result<GroupSummary, ManageError> {
    let body = stored.resource.as_json();
    let id = stored.resource.id().unwrap_or_default().to_owned();
    let name = body
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let members = store.group_members(tenant, &id, None, 0)?.total;
    let (project, role) = organisation
        .project_role_of(&name)
        .map(|(p, r)| (Some(p.to_owned()), Some(r.to_owned())))
        .unwrap_or_default();
    Ok(GroupSummary {
        external_id: body
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        id,
        name,
        members,
        project,
        role,
    })
}

/// A page of the tenant's groups whose name contains `text` (ignoring case; all when empty).
pub fn list(
    store: &dyn Store,
    tenant: &TenantId,
    text: &str,
    cursor: Option<String>,
    limit: u32,
) -> Result<GroupPage, ManageError> {
    check_limit(limit)?;
    let settings = require_tenant(store, tenant)?.settings;
    let organisation = Organisation::of(&settings);
    let query = Query {
        filter: (!text.is_empty()).then(|| {
            Filter::compare(
                AttrPath::name("displayName"),
                CompareOp::Co,
                CompValue::String(text.to_owned().into()),
            )
        }),
        cursor: Some(cursor.unwrap_or_default()),
        count: Some(u64::from(limit)),
        ..Query::default()
    };
    let page = store
        .query(tenant, "Group", &query, ReadOptions::DOCUMENT_ONLY)
        .map_err(|e| scim_input(e, "cursor"))?;
    let groups = page
        .resources
        .iter()
        .map(|g| summary(store, tenant, &organisation, g))
        .collect::<Result<_, _>>()?;
    Ok(GroupPage {
        groups,
        total: page.total_results,
        next_cursor: page.next_cursor,
    })
}

/// A member as a group's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberView {
    /// The member's id.
    pub id: String,
    /// `User` or `Group`.
    #[serde(rename = "type")]
    pub member_type: String,
    /// A user's userName or a group's displayName.
    pub name: Option<String>,
    /// A user's displayName.
    pub display_name: Option<String>,
    /// Whether a user is active.
    pub active: Option<bool>,
}

/// A page of a group's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MembersPage {
    /// The members, in id order.
    pub members: Vec<MemberView>,
    /// How many the group has.
    pub total: u64,
    /// The `after` of the next page.
    pub next_after: Option<String>,
}

/// A page of a group's members after the member id `after`.
pub fn members(
    store: &dyn Store,
    tenant: &TenantId,
    id: &str,
    after: Option<&str>,
    limit: u32,
) -> Result<MembersPage, ManageError> {
    check_limit(limit)?;
    require_tenant(store, tenant)?;
    let page = store
        .group_members(tenant, id, after, limit)
        .map_err(|e| not_found(e, "group", id))?;
    Ok(MembersPage {
        members: page
            .members
            .into_iter()
            .map(|m| MemberView {
                id: m.id,
                member_type: m.member_type,
                name: m.name,
                display_name: m.display_name,
                active: m.active,
            })
            .collect(),
        total: page.total,
        next_after: page.next_after,
    })
}

/// One group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupView {
    /// The summary, with the member count.
    #[serde(flatten)]
    pub summary: GroupSummary,
    /// Whether an identity provider has pushed to it (linked to it): some change of it was
    /// made with a SCIM key.
    pub linked: bool,
}

/// One group of the tenant, without its members (see [`members`]).
pub fn show(store: &dyn Store, tenant: &TenantId, id: &str) -> Result<GroupView, ManageError> {
    let settings = require_tenant(store, tenant)?.settings;
    let stored = store
        .get(tenant, "Group", id, ReadOptions::DOCUMENT_ONLY)
        .map_err(|e| not_found(e, "group", id))?;
    Ok(GroupView {
        summary: summary(store, tenant, &Organisation::of(&settings), &stored)?,
        linked: linked(store, tenant, id)?,
    })
}

/// Whether some change of the resource `id` was made with a SCIM key.
fn linked(store: &dyn Store, tenant: &TenantId, id: &str) -> Result<bool, StoreError> {
    Ok(!store
        .recent_events(
            tenant,
            &EventQuery {
                resource_id: Some(id.to_owned()),
                actor: Some(ActorFilter::AnyKey),
                limit: 1,
                ..EventQuery::default()
            },
        )?
        .is_empty())
}

/// One cell of the project x role matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The project.
    pub project: String,
    /// The role.
    pub role: String,
    /// The group's name.
    pub name: String,
    /// The group's id; `None` when the group does not exist (deleted through SCIM).
    pub id: Option<String>,
    /// How many members it has.
    pub members: u64,
    /// Whether an identity provider has pushed to it.
    pub linked: bool,
}

/// The project x role matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// The projects (rows).
    pub projects: Vec<String>,
    /// The roles (columns).
    pub roles: Vec<String>,
    /// One cell per project and role, projects first.
    pub cells: Vec<Cell>,
}

/// The tenant's project x role groups, one cell each.
pub fn matrix(store: &dyn Store, tenant: &TenantId) -> Result<Matrix, ManageError> {
    let settings = require_tenant(store, tenant)?.settings;
    let organisation = Organisation::of(&settings);
    let mut cells = Vec::new();
    for (project, role, name) in organisation.groups() {
        let query = Query {
            filter: Some(Filter::equals(
                AttrPath::name("displayName"),
                CompValue::String(name.clone().into()),
            )),
            count: Some(1),
            ..Query::default()
        };
        let found = store.query(tenant, "Group", &query, ReadOptions::DOCUMENT_ONLY)?;
        let id = found
            .resources
            .first()
            .and_then(|g| g.resource.id())
            .map(str::to_owned);
        let (members, linked) = match &id {
            Some(id) => (
                store.group_members(tenant, id, None, 0)?.total,
                linked(store, tenant, id)?,
            ),
            None => (0, false),
        };
        cells.push(Cell {
            project: project.to_owned(),
            role: role.to_owned(),
            name,
            id,
            members,
            linked,
        });
    }
    Ok(Matrix {
        projects: organisation.projects.clone(),
        roles: organisation.roles.clone(),
        cells,
    })
}
