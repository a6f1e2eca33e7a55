//! The enterprise User extension (RFC 7643 §4.3).

use serde_json::Value;

use super::Reference;
use super::error::{Loc, ResourceError};
use super::json::{FromJson, Object, ToJson, Writer, serde_via_json};

/// The attributes of `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
///
/// In JSON they sit in an object under that URN; [`User::enterprise`](super::User::enterprise)
/// holds them. Every attribute is optional, so an empty value means "no enterprise data" and is
/// left out when the User is written.
///
/// ```
/// use scim_core::resource::{EnterpriseUser, Manager, User};
///
/// let mut user = User::new("bjensen")?;
/// user.enterprise = Some(EnterpriseUser {
///     employee_number: Some("701984".into()),
///     manager: Some(Manager::new("26118915-6090-4610-87e4-49d8ca9f808d")),
///     ..EnterpriseUser::default()
/// });
/// let json = serde_json::to_value(&user)?;
/// assert_eq!(
///     json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
///     "26118915-6090-4610-87e4-49d8ca9f808d"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnterpriseUser {
    /// The employee's number in the organisation.
    pub employee_number: Option<String>,
    /// The name of a cost center.
    pub cost_center: Option<String>,
    /// The name of an organisation.
    pub organization: Option<String>,
    /// The name of a division.
    pub division: Option<String>,
    /// The name of a department.
    pub department: Option<String>,
    /// The User's manager.
    pub manager: Option<Manager>,
}

impl EnterpriseUser {
    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl FromJson for EnterpriseUser {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        let enterprise = Self {
            employee_number: object.optional("employeeNumber")?,
            cost_center: object.optional("costCenter")?,
            organization: object.optional("organization")?,
            division: object.optional("division")?,
            department: object.optional("department")?,
            manager: object.optional("manager")?,
        };
        object.finish()?;
        Ok(enterprise)
    }
}

impl ToJson for EnterpriseUser {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.opt("employeeNumber", self.employee_number.as_ref());
        out.opt("costCenter", self.cost_center.as_ref());
        out.opt("organization", self.organization.as_ref());
        out.opt("division", self.division.as_ref());
        out.opt("department", self.department.as_ref());
        out.opt("manager", self.manager.as_ref());
        out.into_value()
    }
}

serde_via_json!(EnterpriseUser);

/// A User's manager: the `id` of another User, optionally with its URI and display name.
///
/// Reading also accepts a bare string (`"manager": "26118915"`), which Microsoft Entra ID
/// sends; it is always written back in the complex form.
///
/// ```
/// use scim_core::resource::Manager;
///
/// let bare: Manager = serde_json::from_value(serde_json::json!("26118915"))?;
/// assert_eq!(bare, Manager::new("26118915"));
/// assert_eq!(serde_json::to_value(&bare)?, serde_json::json!({"value": "26118915"}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager {
    /// The manager's `id`.
    pub value: String,
    /// The manager's URI (`$ref` in JSON).
    pub reference: Option<Reference>,
    /// The manager's display name; read-only, filled in by the service provider.
    pub display_name: Option<String>,
}

impl Manager {
    /// The manager whose `id` is `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            reference: None,
            display_name: None,
        }
    }
}

impl FromJson for Manager {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        if let Value::String(id) = value {
            return Ok(Self::new(id));
        }
        let mut object = Object::new(value, loc)?;
        let manager = Self {
            value: object.required("value")?,
            reference: object.optional("$ref")?,
            display_name: object.optional("displayName")?,
        };
        object.finish()?;
        Ok(manager)
    }
}

impl ToJson for Manager {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.put("value", self.value.to_json());
        out.opt("$ref", self.reference.as_ref());
        out.opt("displayName", self.display_name.as_ref());
        out.into_value()
    }
}

serde_via_json!(Manager);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rfc_extension_round_trips() {
        let json = json!({
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
            "manager": {
                "value": "26118915-6090-4610-87e4-49d8ca9f808d",
                "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
                "displayName": "John Smith"
            }
        });
        let enterprise: EnterpriseUser = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            enterprise
                .manager
                .as_ref()
                .unwrap()
                .reference
                .as_ref()
                .unwrap()
                .as_str(),
            "../Users/26118915-6090-4610-87e4-49d8ca9f808d"
        );
        assert_eq!(serde_json::to_value(&enterprise).unwrap(), json);
    }

    #[test]
    fn manager_needs_a_value() {
        let err = Manager::from_json(json!({"displayName": "John"}), &Loc::Root).unwrap_err();
        assert_eq!(
            err,
            ResourceError::Missing {
                path: "value".into()
            }
        );
        let err = Manager::from_json(json!(12), &Loc::Root).unwrap_err();
        assert!(matches!(err, ResourceError::InvalidType { .. }));
    }
}
