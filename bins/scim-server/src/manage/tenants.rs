//! Tenants (organisations): create with project x role groups, list, show, change policies,
//! set the owner, delete.

use chrono::{DateTime, Utc};
use scim_store::{
    EventActor, LockedAttribute, Store, StoreError, Tenant, TenantId, TenantSettings,
};
use serde::Serialize;

use super::{ManageError, PageRequest, Paged, check_name, check_names, paginate, require_tenant};
use crate::organisation::{self, Organisation};

/// A tenant's provisioning switches, as the admin API and `tenant policy` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Policies {
    /// May identity providers create groups?
    pub group_create: bool,
    /// May identity providers rename groups (Group `displayName` not locked)?
    pub group_rename: bool,
    /// May identity providers delete groups?
    pub group_delete: bool,
    /// May identity providers change users' emails (User `emails` not locked)?
    pub email_changes: bool,
    /// Does deactivating a user remove it from every group?
    pub deactivation_removes_memberships: bool,
    /// Must group names be unique (ignoring case)?
    pub unique_group_names: bool,
}

impl Policies {
    fn of(settings: &TenantSettings) -> Self {
        Self {
            group_create: settings.allow_group_create,
            group_rename: !settings.is_locked("Group", "displayName"),
            group_delete: settings.allow_group_delete,
            email_changes: !settings.is_locked("User", "emails"),
            deactivation_removes_memberships: settings.deactivation_removes_memberships,
            unique_group_names: settings.unique_group_names,
        }
    }
}

/// A tenant as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantView {
    /// The tenant id.
    pub id: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The prefix of its project x role group names.
    pub group_prefix: String,
    /// Its projects.
    pub projects: Vec<String>,
    /// The roles every project has.
    pub roles: Vec<String>,
    /// The id of the protected owner, if one is set.
    pub owner_id: Option<String>,
    /// Its provisioning switches.
    pub policies: Policies,
}

impl TenantView {
    /// The view of a stored tenant.
    pub fn of(tenant: &Tenant) -> Self {
        let organisation = Organisation::of(&tenant.settings);
        Self {
            id: tenant.id.to_string(),
            created_at: tenant.created_at,
            group_prefix: organisation.group_prefix,
            projects: organisation.projects,
            roles: organisation.roles,
            owner_id: organisation::owner_of(&tenant.settings),
            policies: Policies::of(&tenant.settings),
        }
    }
}

/// What creating a tenant needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenant {
    /// The id.
    pub id: TenantId,
    /// The prefix of project x role group names (default: the id).
    pub group_prefix: Option<String>,
    /// Its projects.
    pub projects: Vec<String>,
    /// The roles every project has.
    pub roles: Vec<String>,
    /// Whether identity providers may change users' emails.
    pub email_changes: bool,
    /// Plain RFC 7644 behaviour instead of the product's policies.
    pub plain: bool,
}

/// A created tenant, and the project x role groups created for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedTenant {
    /// The tenant.
    #[serde(flatten)]
    pub tenant: TenantView,
    /// The names of the groups created.
    pub created_groups: Vec<String>,
}

/// Creates a tenant with the product's policies (or plain ones) and its project x role groups.
pub fn create(
    store: &dyn Store,
    new: &NewTenant,
    by: &EventActor,
) -> Result<CreatedTenant, ManageError> {
    let organisation = Organisation {
        group_prefix: new
            .group_prefix
            .clone()
            .unwrap_or_else(|| new.id.to_string()),
        projects: new.projects.clone(),
        roles: new.roles.clone(),
    };
    check_organisation(&organisation, "projects", "roles")?;
    let settings = if new.plain {
        let mut settings = TenantSettings::default();
        organisation.store_in(&mut settings);
        settings
    } else {
        organisation::product_settings(&organisation, new.email_changes)
    };
    let tenant = store
        .create_tenant(&new.id, &settings)
        .map_err(|e| match e {
            StoreError::TenantExists(id) => ManageError::TenantExists(id),
            e => e.into(),
        })?;
    let created_groups = organisation::ensure_groups_by(store, &new.id, &organisation, by)?;
    Ok(CreatedTenant {
        tenant: TenantView::of(&tenant),
        created_groups,
    })
}

fn check_organisation(
    organisation: &Organisation,
    projects: &str,
    roles: &str,
) -> Result<(), ManageError> {
    check_name("group_prefix", &organisation.group_prefix)?;
    check_names(projects, &organisation.projects)?;
    check_names(roles, &organisation.roles)
}

/// The tenants, in id order.
pub fn list(store: &dyn Store, page: &PageRequest) -> Result<Paged<TenantView>, ManageError> {
    let tenants = store.tenants()?.iter().map(TenantView::of).collect();
    Ok(paginate(tenants, |t| &t.id, page))
}

/// One tenant.
pub fn show(store: &dyn Store, tenant: &TenantId) -> Result<TenantView, ManageError> {
    Ok(TenantView::of(&require_tenant(store, tenant)?))
}

/// A change of policies: each `Some` sets that switch; projects and roles are added (and their
/// groups created).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyChange {
    /// May identity providers create groups?
    pub group_create: Option<bool>,
    /// May identity providers rename groups?
    pub group_rename: Option<bool>,
    /// May identity providers delete groups?
    pub group_delete: Option<bool>,
    /// May identity providers change users' emails?
    pub email_changes: Option<bool>,
    /// Does deactivation remove a user from every group?
    pub deactivation_removes_memberships: Option<bool>,
    /// Must group names be unique?
    pub unique_group_names: Option<bool>,
    /// Projects to add.
    pub add_projects: Vec<String>,
    /// Roles to add.
    pub add_roles: Vec<String>,
}

/// Changes a tenant's policies under its write lock (so that two operators' changes never
/// overwrite each other), then creates the groups of added projects and roles.
pub fn update_policies(
    store: &dyn Store,
    tenant: &TenantId,
    change: &PolicyChange,
    by: &EventActor,
) -> Result<CreatedTenant, ManageError> {
    check_names("add_projects", &change.add_projects)?;
    check_names("add_roles", &change.add_roles)?;
    let mut organisation = Organisation::default();
    store
        .modify_tenant_settings(tenant, by, &mut |settings| {
            apply_policy(change, settings);
            organisation = Organisation::of(settings);
            Ok(())
        })
        .map_err(not_found_as_tenant)?;
    let created_groups = organisation::ensure_groups_by(store, tenant, &organisation, by)?;
    Ok(CreatedTenant {
        tenant: show(store, tenant)?,
        created_groups,
    })
}

/// The policy changes `change` asks for, made on the settings as they are.
fn apply_policy(change: &PolicyChange, settings: &mut TenantSettings) {
    if let Some(v) = change.group_create {
        settings.allow_group_create = v;
    }
    if let Some(v) = change.group_delete {
        settings.allow_group_delete = v;
    }
    if let Some(v) = change.group_rename {
        set_lock(settings, "Group", "displayName", !v);
    }
    if let Some(v) = change.email_changes {
        set_lock(settings, "User", "emails", !v);
    }
    if let Some(v) = change.deactivation_removes_memberships {
        settings.deactivation_removes_memberships = v;
    }
    if let Some(v) = change.unique_group_names {
        settings.unique_group_names = v;
    }
    let mut organisation = Organisation::of(settings);
    for project in &change.add_projects {
        if !organisation.projects.contains(project) {
            organisation.projects.push(project.clone());
        }
    }
    for role in &change.add_roles {
        if !organisation.roles.contains(role) {
            organisation.roles.push(role.clone());
        }
    }
    organisation.store_in_preserving(settings);
}

fn set_lock(settings: &mut TenantSettings, resource_type: &str, path: &str, locked: bool) {
    settings
        .locked_attributes
        .retain(|l| !(l.resource_type == resource_type && l.path.eq_ignore_ascii_case(path)));
    if locked {
        settings.locked_attributes.push(LockedAttribute {
            resource_type: resource_type.into(),
            path: path.into(),
        });
    }
}

/// The owner a tenant has after [`set_owner`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// The user's id.
    pub id: String,
    /// The user's userName, as given.
    pub user_name: String,
}

/// Makes the user called `user_name` the tenant's protected owner.
pub fn set_owner(
    store: &dyn Store,
    tenant: &TenantId,
    user_name: &str,
    by: &EventActor,
) -> Result<Owner, ManageError> {
    require_tenant(store, tenant)?;
    match organisation::set_owner(store, tenant, user_name, by) {
        Ok(id) => Ok(Owner {
            id,
            user_name: user_name.to_owned(),
        }),
        Err(StoreError::NotFound { .. }) => Err(ManageError::invalid(
            "user_name",
            format!("the tenant has no user {user_name:?}"),
        )),
        Err(e) => Err(not_found_as_tenant(e)),
    }
}

/// What deleting a tenant removed that this process should forget at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedTenant {
    /// The ids of the tenant's SCIM keys.
    pub token_ids: Vec<String>,
}

/// Deletes a tenant and everything it has (see `Store::delete_tenant`).
pub fn delete(store: &dyn Store, tenant: &TenantId) -> Result<DeletedTenant, ManageError> {
    let token_ids = store
        .tokens(Some(tenant))?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if store.delete_tenant(tenant)? {
        Ok(DeletedTenant { token_ids })
    } else {
        Err(ManageError::TenantNotFound(tenant.to_string()))
    }
}

fn not_found_as_tenant(e: StoreError) -> ManageError {
    match e {
        StoreError::TenantNotFound(id) => ManageError::TenantNotFound(id),
        e => e.into(),
    }
}

/// What a tenant has, at a glance: the operators' list of tenants and the console's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantSummary {
    /// The tenant.
    pub id: String,
    /// How many users it has.
    pub users: u64,
    /// How many groups it has.
    pub groups: u64,
    /// How many of its SCIM keys work (not expired, not revoked).
    pub active_keys: u64,
    /// When one of its keys was last used: its identity provider's last provisioning call
    /// (at most `auth.cache_seconds` behind).
    pub last_key_use: Option<DateTime<Utc>>,
    /// Its newest event, if any: when, what and by whom.
    pub last_event: Option<LastEvent>,
    /// How many of its subscriptions are delivering.
    pub subscriptions: u64,
    /// How many of them are failing or gone.
    pub failing_subscriptions: u64,
}

/// A tenant's newest event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastEvent {
    /// Its sequence number.
    pub seq: i64,
    /// Its type.
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it: a key id, `admin` or `cli`.
    pub actor: String,
}

/// The summary of one tenant: a handful of index reads, whatever its size.
pub fn summary(store: &dyn Store, tenant: &TenantId) -> Result<TenantSummary, ManageError> {
    require_tenant(store, tenant)?;
    let count = |resource_type: &str| -> Result<u64, ManageError> {
        let query = scim_store::Query {
            count: Some(0),
            ..scim_store::Query::default()
        };
        Ok(store
            .query(
                tenant,
                resource_type,
                &query,
                scim_store::ReadOptions::DOCUMENT_ONLY,
            )?
            .total_results)
    };
    let now = Utc::now();
    let tokens = store.tokens(Some(tenant))?;
    let active_keys = tokens
        .iter()
        .filter(|t| t.revoked_at.is_none() && t.is_usable_at(now))
        .count() as u64;
    let last_key_use = tokens.iter().filter_map(|t| t.last_used_at).max();
    let last_event = crate::events::newest_event(store, tenant)?.map(|e| LastEvent {
        seq: e.seq,
        event_type: e.event_type.as_str(),
        occurred_at: e.occurred_at,
        actor: e.actor.as_str().to_owned(),
    });
    let subscriptions = store.subscriptions(Some(tenant))?;
    let failing_subscriptions = subscriptions
        .iter()
        .filter(|s| {
            matches!(
                s.state,
                scim_store::SubscriptionState::Failing | scim_store::SubscriptionState::Gone
            )
        })
        .count() as u64;
    Ok(TenantSummary {
        id: tenant.to_string(),
        users: count("User")?,
        groups: count("Group")?,
        active_keys,
        last_key_use,
        last_event,
        subscriptions: subscriptions.len() as u64,
        failing_subscriptions,
    })
}
