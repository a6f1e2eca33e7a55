//! The typed Group resource (RFC 7643 §4.2).

use serde_json::{Map, Value};

use super::error::{Loc, ResourceError};
use super::extensions::{Extensions, split_extensions};
use super::json::{FromJson, Object, ToJson, Writer, read_schemas, serde_via_json};
use super::kinds::MemberKind;
use super::{Meta, Reference, Resource};
use crate::schema::urn;

/// A Group (`urn:ietf:params:scim:schemas:core:2.0:Group`).
///
/// `displayName` is required and must not be empty or blank, so it is set through [`Group::new`] and
/// [`Group::set_display_name`]. Extension objects (Microsoft Entra ID, for one, declares its
/// own group schema) are kept in [`Group::extensions`]. See [`User`](super::User) for how
/// reading and writing work; the same rules apply.
///
/// ```
/// use scim_core::resource::{Group, Member, MemberKind};
///
/// let mut group = Group::new("Tour Guides")?;
/// group.members.push(Member::user("2819c223-7f76-453a-919d-413861904646").with_display("Babs Jensen"));
/// assert_eq!(group.members[0].kind, Some(MemberKind::User));
/// assert_eq!(
///     serde_json::to_value(&group)?,
///     serde_json::json!({
///         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///         "displayName": "Tour Guides",
///         "members": [{"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "type": "User"}],
///     })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The service provider's id (assigned on creation).
    pub id: Option<String>,
    /// The identity provider's id for the Group.
    pub external_id: Option<String>,
    display_name: String,
    /// The members: Users or nested Groups.
    pub members: Vec<Member>,
    /// Extension objects, keyed by schema URI. An entry for the core URN is not written.
    pub extensions: Extensions,
    /// The metadata the service provider maintains.
    pub meta: Option<Meta>,
}

impl Group {
    /// A Group with the given `displayName` and no members.
    pub fn new(display_name: impl Into<String>) -> Result<Self, ResourceError> {
        Ok(Self {
            id: None,
            external_id: None,
            display_name: check_display_name(display_name.into(), &Loc::Root)?,
            members: Vec::new(),
            extensions: Extensions::default(),
            meta: None,
        })
    }

    /// The `displayName`.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// Changes the `displayName`, which must not be empty or blank.
    pub fn set_display_name(
        &mut self,
        display_name: impl Into<String>,
    ) -> Result<(), ResourceError> {
        self.display_name = check_display_name(display_name.into(), &Loc::Root)?;
        Ok(())
    }

    fn to_object(&self) -> Map<String, Value> {
        let mut out = Writer::new();
        out.put("schemas", Value::Null);
        out.opt("id", self.id.as_ref());
        out.opt("externalId", self.external_id.as_ref());
        out.put("displayName", self.display_name.to_json());
        out.list("members", &self.members);
        let mut object = out.finish();
        let written = self.extensions.write_into(&mut object, &[urn::GROUP]);
        let schemas = std::iter::once(urn::GROUP)
            .chain(written)
            .map(|s| Value::String(s.to_owned()))
            .collect();
        object.insert("schemas".to_owned(), Value::Array(schemas));
        if let Some(meta) = self.meta.as_ref().filter(|m| !m.is_empty()) {
            object.insert("meta".to_owned(), meta.to_json());
        }
        object
    }
}

fn check_display_name(display_name: String, parent: &Loc<'_>) -> Result<String, ResourceError> {
    if display_name.trim().is_empty() {
        return Err(parent
            .field("displayName")
            .invalid_value("a Group's displayName must not be empty or blank"));
    }
    Ok(display_name)
}

impl FromJson for Group {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        read_schemas(&mut object)?;
        let display_name = object.required::<String>("displayName")?;
        let mut group = Group {
            id: object.optional("id")?,
            external_id: object.optional("externalId")?,
            display_name: check_display_name(display_name, loc)?,
            members: object.list("members")?,
            extensions: Extensions::default(),
            meta: object.optional("meta")?,
        };
        let (_, extensions) = split_extensions(object.into_rest(), loc, urn::GROUP, None)?;
        group.extensions = extensions;
        Ok(group)
    }
}

impl ToJson for Group {
    fn to_json(&self) -> Value {
        Value::Object(self.to_object())
    }
}

serde_via_json!(Group);

impl TryFrom<Value> for Group {
    type Error = ResourceError;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        Self::from_json(value, &Loc::Root)
    }
}

impl TryFrom<&Resource> for Group {
    type Error = ResourceError;

    fn try_from(resource: &Resource) -> Result<Self, Self::Error> {
        if !resource.has_schema(urn::GROUP) {
            return Err(ResourceError::WrongSchema {
                expected: urn::GROUP,
            });
        }
        Self::from_json(Value::Object(resource.as_json().clone()), &Loc::Root)
    }
}

impl TryFrom<Resource> for Group {
    type Error = ResourceError;

    fn try_from(resource: Resource) -> Result<Self, Self::Error> {
        if !resource.has_schema(urn::GROUP) {
            return Err(ResourceError::WrongSchema {
                expected: urn::GROUP,
            });
        }
        Self::from_json(Value::Object(resource.into_json()), &Loc::Root)
    }
}

impl From<Group> for Resource {
    fn from(group: Group) -> Self {
        Resource::from_canonical("Group", group.to_object())
    }
}

/// A member of a Group (`members`): a User or a nested Group, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's `id`.
    pub value: String,
    /// The member's URI (`$ref` in JSON).
    pub reference: Option<Reference>,
    /// The member's display name.
    pub display: Option<String>,
    /// What the member is (`type` in JSON).
    pub kind: Option<MemberKind>,
}

impl Member {
    /// A member with id `value`, of unstated type.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            reference: None,
            display: None,
            kind: None,
        }
    }

    /// The User with id `value`.
    pub fn user(value: impl Into<String>) -> Self {
        Self {
            kind: Some(MemberKind::User),
            ..Self::new(value)
        }
    }

    /// The Group with id `value`.
    pub fn group(value: impl Into<String>) -> Self {
        Self {
            kind: Some(MemberKind::Group),
            ..Self::new(value)
        }
    }

    /// Sets `display`.
    #[must_use]
    pub fn with_display(mut self, display: impl Into<String>) -> Self {
        self.display = Some(display.into());
        self
    }

    /// Sets `$ref`.
    #[must_use]
    pub fn with_reference(mut self, reference: Reference) -> Self {
        self.reference = Some(reference);
        self
    }
}

impl FromJson for Member {
    fn from_json(value: Value, loc: &Loc<'_>) -> Result<Self, ResourceError> {
        let mut object = Object::new(value, loc)?;
        let member = Self {
            value: object.required("value")?,
            reference: object.optional("$ref")?,
            display: object.optional("display")?,
            kind: object.optional("type")?,
        };
        object.finish()?;
        Ok(member)
    }
}

impl ToJson for Member {
    fn to_json(&self) -> Value {
        let mut out = Writer::new();
        out.put("value", self.value.to_json());
        out.opt("$ref", self.reference.as_ref());
        out.opt("display", self.display.as_ref());
        out.opt("type", self.kind.as_ref());
        out.into_value()
    }
}

serde_via_json!(Member);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn display_name_is_required_and_non_empty() {
        assert_eq!(
            Group::try_from(json!({"members": []})).unwrap_err(),
            ResourceError::Missing {
                path: "displayName".into()
            }
        );
        assert!(matches!(
            Group::try_from(json!({"displayName": ""})),
            Err(ResourceError::InvalidValue { path, .. }) if path == "displayName"
        ));
        let mut group = Group::new("a").unwrap();
        assert!(group.set_display_name("").is_err());
        assert_eq!(group.display_name(), "a");
    }

    #[test]
    fn entra_group_shapes_are_read() {
        // Entra declares its own schema URN and sends `$ref: null` on members.
        let group = Group::try_from(json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:Group",
                "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
            ],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Group1DisplayName",
            "members": [{"value": "id-1", "$ref": null}]
        }))
        .unwrap();
        assert_eq!(group.members, [Member::new("id-1")]);
        assert!(group.extensions.is_empty());
    }

    #[test]
    fn members_need_a_value() {
        let err = Group::try_from(json!({"displayName": "g", "members": [{"display": "x"}]}))
            .unwrap_err();
        assert_eq!(
            err,
            ResourceError::Missing {
                path: "members[0].value".into()
            }
        );
    }

    #[test]
    fn a_user_resource_is_not_a_group() {
        let user = crate::resource::User::new("a").unwrap();
        let resource = Resource::from(user);
        assert_eq!(
            Group::try_from(&resource).unwrap_err(),
            ResourceError::WrongSchema {
                expected: urn::GROUP
            }
        );
    }
}
