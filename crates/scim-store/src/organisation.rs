//! The product's organisation model, kept in [`TenantSettings::application`]: projects, roles
//! and the "project x role" groups named `<prefix>-<Project>-<Role>` that identity providers
//! link to. The store reads it to say which group memberships grant which access
//! (`access.granted`, `access.revoked`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::TenantSettings;

/// An organisation's projects and roles.
///
/// ```
/// use scim_store::Organisation;
///
/// let acme = Organisation {
///     group_prefix: "acme".into(),
///     projects: vec!["Website".into()],
///     roles: vec!["Admin".into(), "Member".into()],
/// };
/// assert_eq!(acme.group_name("Website", "Admin"), "acme-Website-Admin");
/// assert_eq!(acme.project_role_of("ACME-website-admin"), Some(("Website", "Admin")));
/// assert_eq!(acme.project_role_of("Engineering"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Organisation {
    /// The prefix of project x role group names (often the organisation's short name).
    pub group_prefix: String,
    /// The projects.
    pub projects: Vec<String>,
    /// The roles every project has.
    pub roles: Vec<String>,
}

impl Organisation {
    /// Reads the organisation data from a tenant's settings (empty when there is none).
    pub fn of(settings: &TenantSettings) -> Self {
        serde_json::from_value(settings.application.clone()).unwrap_or_default()
    }

    /// Stores the organisation data in `settings`, replacing the other application data.
    pub fn store_in(&self, settings: &mut TenantSettings) {
        settings.application = serde_json::to_value(self).unwrap_or(Value::Null);
    }

    /// Stores the organisation data in `settings`, keeping the other application data there
    /// (the owner).
    pub fn store_in_preserving(&self, settings: &mut TenantSettings) {
        let mut application = settings
            .application
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Ok(Value::Object(own)) = serde_json::to_value(self) {
            application.extend(own);
        }
        settings.application = Value::Object(application);
    }

    /// The id of the organisation's owner (`application.ownerId`), if it has one. The owner is
    /// set with [`AdminStore::set_owner`](crate::AdminStore::set_owner), which also protects it.
    pub fn owner_of(settings: &TenantSettings) -> Option<String> {
        settings
            .application
            .get("ownerId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// Records `user_id` as the owner in `settings`, keeping the other application data.
    pub(crate) fn write_owner(settings: &mut TenantSettings, user_id: &str) {
        let mut application = settings
            .application
            .as_object()
            .cloned()
            .unwrap_or_default();
        application.insert("ownerId".to_owned(), Value::String(user_id.to_owned()));
        settings.application = Value::Object(application);
    }

    /// The group name for a project and a role.
    pub fn group_name(&self, project: &str, role: &str) -> String {
        format!("{}-{project}-{role}", self.group_prefix)
    }

    /// Every (project, role, group name).
    pub fn groups(&self) -> impl Iterator<Item = (&str, &str, String)> {
        self.projects.iter().flat_map(move |p| {
            self.roles
                .iter()
                .map(move |r| (p.as_str(), r.as_str(), self.group_name(p, r)))
        })
    }

    /// The project and role a group of this name grants, if it is a project x role group.
    /// Names compare ignoring ASCII case, as group names are unique ignoring case.
    pub fn project_role_of(&self, group_name: &str) -> Option<(&str, &str)> {
        if self.projects.is_empty() || self.roles.is_empty() {
            return None;
        }
        self.groups()
            .find(|(_, _, name)| name.eq_ignore_ascii_case(group_name))
            .map(|(project, role, _)| (project, role))
    }
}
