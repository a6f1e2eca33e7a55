//! The product's organisation model on top of SCIM: "project x role" groups, the owner, and
//! effective access.
//!
//! A tenant declares projects and roles; the server pre-creates one group per pair, named
//! `<prefix>-<Project>-<Role>`, which an identity provider finds with `displayName eq` and links
//! to. A user's access is the set of (project, role) pairs of the groups it belongs to.

use std::collections::BTreeMap;

use scim_core::filter::{AttrPath, CompValue, Filter};
pub use scim_store::Organisation;
use scim_store::{
    EventActor, LockedAttribute, Query, ReadOptions, Store, StoreError, TenantId, TenantSettings,
};
use serde::Serialize;
use serde_json::{Value, json};

/// `attribute eq "value"`, for the lookups by name: built, not formatted, so no name needs
/// quoting.
fn equals(attribute: &'static str, value: String) -> Filter<'static> {
    Filter::equals(AttrPath::name(attribute), CompValue::String(value.into()))
}

/// The product's defaults for a new organisation: deactivated users leave every group, and
/// identity providers link to the pre-created groups instead of creating, renaming or deleting
/// groups.
pub fn product_settings(organisation: &Organisation, email_changes: bool) -> TenantSettings {
    let mut settings = TenantSettings {
        deactivation_removes_memberships: true,
        allow_group_create: false,
        allow_group_delete: false,
        locked_attributes: vec![LockedAttribute {
            resource_type: "Group".into(),
            path: "displayName".into(),
        }],
        ..TenantSettings::default()
    };
    if !email_changes {
        settings.locked_attributes.push(LockedAttribute {
            resource_type: "User".into(),
            path: "emails".into(),
        });
    }
    organisation.store_in(&mut settings);
    settings
}

/// Creates every project x role group that does not exist yet; returns the names created.
/// The change log names the command line as their creator (see [`ensure_groups_by`]).
pub fn ensure_groups(
    store: &dyn Store,
    tenant: &TenantId,
    organisation: &Organisation,
) -> Result<Vec<String>, StoreError> {
    ensure_groups_by(store, tenant, organisation, &EventActor::Cli)
}

/// [`ensure_groups`], with the groups' `group.created` events naming `by` as their creator.
pub fn ensure_groups_by(
    store: &dyn Store,
    tenant: &TenantId,
    organisation: &Organisation,
    by: &EventActor,
) -> Result<Vec<String>, StoreError> {
    let mut created = Vec::new();
    for (_, _, name) in organisation.groups() {
        let query = Query {
            filter: Some(equals("displayName", name.clone())),
            count: Some(1),
            ..Query::default()
        };
        if store
            .query(tenant, "Group", &query, ReadOptions::DOCUMENT_ONLY)?
            .total_results
            == 0
        {
            store.create(
                crate::manage::administrator(tenant, by),
                "Group",
                &json!({"displayName": name}),
            )?;
            created.push(name);
        }
    }
    Ok(created)
}

/// One user's effective access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAccess {
    /// The user's id.
    pub id: String,
    /// The user's userName.
    pub user_name: String,
    /// Whether the user is active.
    pub active: bool,
    /// Whether the user is the protected owner.
    pub owner: bool,
    /// Project to roles.
    pub access: BTreeMap<String, Vec<String>>,
}

/// Every user of the tenant with the projects and roles its group memberships give it.
pub fn effective_access(
    store: &dyn Store,
    tenant: &TenantId,
) -> Result<Vec<UserAccess>, StoreError> {
    let settings = store
        .tenant(tenant)?
        .ok_or_else(|| StoreError::TenantNotFound(tenant.to_string()))?
        .settings;
    let organisation = Organisation::of(&settings);
    let mut grants: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (project, role, name) in organisation.groups() {
        let query = Query {
            filter: Some(equals("displayName", name)),
            count: Some(1),
            ..Query::default()
        };
        let page = store.query(tenant, "Group", &query, ReadOptions::FULL)?;
        for group in &page.resources {
            // A group without members has no `members` attribute at all.
            let members = group
                .resource
                .as_json()
                .get("members")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for member in members.filter_map(|m| m.get("value").and_then(Value::as_str)) {
                grants
                    .entry(member.to_owned())
                    .or_default()
                    .entry(project.to_owned())
                    .or_default()
                    .push(role.to_owned());
            }
        }
    }
    let mut users = Vec::new();
    let mut cursor = String::new();
    loop {
        let query = Query {
            cursor: Some(cursor.clone()),
            count: Some(500),
            ..Query::default()
        };
        let page = store.query(tenant, "User", &query, ReadOptions::DOCUMENT_ONLY)?;
        for user in &page.resources {
            let body = user.resource.as_json();
            let id = user.id.clone();
            let user_name = body
                .get("userName")
                .and_then(Value::as_str)
                .ok_or_else(|| StoreError::Corrupt(format!("User {id} has no userName")))?
                .to_owned();
            users.push(UserAccess {
                // A user in no project x role group has no access, which is no error.
                access: grants.remove(&id).unwrap_or_default(),
                id,
                user_name,
                active: body.get("active").and_then(Value::as_bool) != Some(false),
                owner: false,
            });
        }
        match page.next_cursor {
            Some(next) => cursor = next,
            None => break,
        }
    }
    if let Some(owner) = owner_of(&settings) {
        for user in users.iter_mut().filter(|u| u.id == owner) {
            user.owner = true;
        }
    }
    Ok(users)
}

/// The owner's id, as `tenant set-owner` recorded it.
pub fn owner_of(settings: &TenantSettings) -> Option<String> {
    Organisation::owner_of(settings)
}

/// Makes the user called `user_name` the protected owner of the organisation.
pub fn set_owner(
    store: &dyn Store,
    tenant: &TenantId,
    user_name: &str,
    by: &EventActor,
) -> Result<String, StoreError> {
    let query = Query {
        filter: Some(equals("userName", user_name.to_owned())),
        ..Query::default()
    };
    let page = store.query(tenant, "User", &query, ReadOptions::DOCUMENT_ONLY)?;
    let user = page.resources.first().ok_or_else(|| StoreError::NotFound {
        resource_type: "User".into(),
        id: user_name.to_owned(),
    })?;
    store.set_owner(tenant, &user.id, by)?;
    Ok(user.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::Actor;

    #[test]
    fn project_role_groups_are_created_once_and_grant_access() {
        let store = crate::test_store::memory_store();
        let tenant = TenantId::new("acme").unwrap();
        let organisation = Organisation {
            group_prefix: "acme".into(),
            projects: vec!["Web".into(), "Data".into()],
            roles: vec!["Admin".into(), "Viewer".into()],
        };
        store
            .create_tenant(&tenant, &product_settings(&organisation, true))
            .unwrap();
        assert_eq!(
            ensure_groups(&*store, &tenant, &organisation)
                .unwrap()
                .len(),
            4
        );
        assert!(
            ensure_groups(&*store, &tenant, &organisation)
                .unwrap()
                .is_empty()
        );

        let user = store
            .create(Actor::tenant(&tenant), "User", &json!({"userName": "ada"}))
            .unwrap();
        let id = user.id.clone();
        let group = store
            .query(
                &tenant,
                "Group",
                &Query {
                    filter: Some(equals("displayName", "acme-Web-Admin".to_owned())),
                    ..Query::default()
                },
                ReadOptions::DOCUMENT_ONLY,
            )
            .unwrap();
        let group_id = group.resources[0].id.clone();
        let ops = json!([{"op": "add", "path": "members", "value": [{"value": id}]}]);
        let ops: Vec<_> = ops
            .as_array()
            .unwrap()
            .iter()
            .map(|o| scim_core::patch::Operation {
                op: scim_core::patch::OpKind::Add,
                path: o["path"].as_str(),
                value: o.get("value"),
            })
            .collect();
        store
            .patch(
                Actor::tenant(&tenant),
                "Group",
                &group_id,
                &ops,
                None,
                ReadOptions::DOCUMENT_ONLY,
            )
            .unwrap();

        set_owner(&*store, &tenant, "ADA", &EventActor::Cli).unwrap();
        let access = effective_access(&*store, &tenant).unwrap();
        assert_eq!(access.len(), 1);
        assert!(access[0].owner);
        assert_eq!(access[0].access["Web"], ["Admin"]);
        // The owner is now protected.
        assert!(matches!(
            store.delete(Actor::tenant(&tenant), "User", &id, None),
            Err(StoreError::Protected { .. })
        ));
    }

    #[test]
    fn concurrent_changes_of_owner_leave_the_named_owner_protected() {
        let (store, tenant) = crate::test_store::store_with_acme();
        let names = ["ada", "grace", "linus"];
        for name in names {
            store
                .create(Actor::tenant(&tenant), "User", &json!({"userName": name}))
                .unwrap();
        }
        std::thread::scope(|scope| {
            for worker in 0..names.len() {
                let (store, tenant) = (&store, &tenant);
                scope.spawn(move || {
                    for round in 0..20 {
                        let name = names[(worker + round) % names.len()];
                        set_owner(&**store, tenant, name, &EventActor::Cli).unwrap();
                    }
                });
            }
        });
        let settings = store.tenant(&tenant).unwrap().unwrap().settings;
        let owner = owner_of(&settings).unwrap();
        assert!(matches!(
            store.delete(Actor::tenant(&tenant), "User", &owner, None),
            Err(StoreError::Protected { .. })
        ));
    }
}
