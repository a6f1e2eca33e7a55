//! Attribute definitions: the characteristics of RFC 7643 §2.2 and §7, held as data.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A sequence of Unicode characters.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number with at least one digit after the decimal point.
    Decimal,
    /// A whole number.
    Integer,
    /// An `xsd:dateTime` instant, such as `2008-01-23T04:56:22Z`.
    DateTime,
    /// Base64-encoded binary data.
    Binary,
    /// A URI referring to a resource (`$ref`).
    Reference,
    /// A structure of sub-attributes.
    Complex,
}

impl AttributeType {
    /// The name used in schema documents (`"dateTime"`, `"reference"`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Binary => "binary",
            Self::Reference => "reference",
            Self::Complex => "complex",
        }
    }
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether and when an attribute may be written (RFC 7643 §7, `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the service provider only; ignored on input.
    ReadOnly,
    /// May be written at any time.
    #[default]
    ReadWrite,
    /// May be set once, when the resource (or the multi-valued element) is created.
    Immutable,
    /// May be written but is never returned (passwords).
    WriteOnly,
}

/// When an attribute appears in responses (RFC 7643 §7, `returned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always returned, even when excluded or not asked for.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded, or unless `attributes` lists others only.
    #[default]
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

/// How unique a value must be (RFC 7643 §7, `uniqueness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness is enforced.
    #[default]
    None,
    /// Unique within the service provider's current data set (one tenant, here).
    Server,
    /// Globally unique.
    Global,
}

/// The error returned when an attribute definition is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeDefinitionError {
    /// The name does not match RFC 7643's `ATTRNAME` (`ALPHA *( "-" / "_" / DIGIT / ALPHA )`,
    /// plus the special `$ref`).
    #[error("attribute name {0:?} is not a valid ATTRNAME")]
    InvalidName(String),
    /// A complex attribute was declared without sub-attributes.
    #[error("complex attribute {0:?} has no sub-attributes")]
    ComplexWithoutSubAttributes(String),
    /// A non-complex attribute was declared with sub-attributes.
    #[error("attribute {0:?} is not complex but declares sub-attributes")]
    SubAttributesOnSimpleType(String),
    /// A complex sub-attribute was declared inside a complex attribute; RFC 7643 §2.3.8 forbids it.
    #[error("complex attribute {parent:?} nests complex sub-attribute {child:?}")]
    NestedComplex {
        /// The outer attribute.
        parent: String,
        /// The offending sub-attribute.
        child: String,
    },
    /// Two attributes at the same level differ only in case.
    #[error("attribute {0:?} is declared twice (names are case-insensitive)")]
    Duplicate(String),
}

/// Whether `name` is an RFC 7643 `ATTRNAME` (or `$ref`).
pub(crate) fn is_valid_attribute_name(name: &str) -> bool {
    if name == "$ref" {
        return true;
    }
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// One attribute of a schema, or one sub-attribute of a complex attribute.
///
/// Built with [`Attribute::new`] and the chained setters, or deserialised from the RFC 7643 §7
/// JSON form. Either way the definition is checked: a complex attribute has sub-attributes,
/// no complex attribute nests another, and names are valid and unique ignoring case.
///
/// ```
/// use scim_core::schema::{Attribute, AttributeType, Mutability, Uniqueness};
///
/// let user_name = Attribute::new("userName", AttributeType::String)
///     .required()
///     .uniqueness(Uniqueness::Server);
/// assert!(user_name.is_required());
/// assert!(!user_name.is_case_exact());
/// assert_eq!(user_name.mutability_kind(), Mutability::ReadWrite);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawAttribute")]
pub struct Attribute {
    name: String,
    #[serde(rename = "type")]
    kind: AttributeType,
    multi_valued: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    required: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    canonical_values: Vec<String>,
    case_exact: bool,
    mutability: Mutability,
    returned: Returned,
    uniqueness: Uniqueness,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reference_types: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// A single-valued, optional, case-insensitive, read-write attribute with default
    /// `returned` and no uniqueness: the RFC 7643 §2.2 defaults.
    ///
    /// The name is checked when the attribute is added to a [`crate::schema::Schema`]; see
    /// [`Attribute::check`].
    pub fn new(name: impl Into<String>, kind: AttributeType) -> Self {
        Self {
            name: name.into(),
            kind,
            multi_valued: false,
            description: String::new(),
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// A complex attribute with the given sub-attributes.
    pub fn complex(name: impl Into<String>, sub_attributes: Vec<Attribute>) -> Self {
        let mut attribute = Self::new(name, AttributeType::Complex);
        attribute.sub_attributes = sub_attributes;
        attribute
    }

    /// Marks the attribute multi-valued.
    #[must_use]
    pub fn multi_valued(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Marks the attribute required.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks string comparisons on the attribute case-sensitive.
    #[must_use]
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Sets the mutability.
    #[must_use]
    pub fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    /// Sets when the attribute is returned.
    #[must_use]
    pub fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    /// Sets the uniqueness.
    #[must_use]
    pub fn uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the human-readable description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the suggested canonical values (such as `"work"`, `"home"`).
    #[must_use]
    pub fn canonical_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the resource types a reference attribute may point to (`"User"`, `"external"`...).
    #[must_use]
    pub fn reference_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reference_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// The attribute's name, as the schema spells it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The data type.
    pub fn kind(&self) -> AttributeType {
        self.kind
    }

    /// Whether the attribute holds an array of values.
    pub fn is_multi_valued(&self) -> bool {
        self.multi_valued
    }

    /// Whether the attribute must be present on create and replace.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// Whether string comparisons are case-sensitive.
    pub fn is_case_exact(&self) -> bool {
        self.case_exact
    }

    /// The mutability characteristic.
    pub fn mutability_kind(&self) -> Mutability {
        self.mutability
    }

    /// The `returned` characteristic.
    pub fn returned_kind(&self) -> Returned {
        self.returned
    }

    /// The uniqueness characteristic.
    pub fn uniqueness_kind(&self) -> Uniqueness {
        self.uniqueness
    }

    /// The description, empty when none was given.
    pub fn description_text(&self) -> &str {
        &self.description
    }

    /// The suggested canonical values.
    pub fn canonical_value_list(&self) -> &[String] {
        &self.canonical_values
    }

    /// The resource types a reference may point to.
    pub fn reference_type_list(&self) -> &[String] {
        &self.reference_types
    }

    /// The sub-attributes of a complex attribute (empty otherwise).
    pub fn sub_attributes(&self) -> &[Attribute] {
        &self.sub_attributes
    }

    /// The sub-attribute called `name`, ignoring case.
    ///
    /// ```
    /// use scim_core::schema::{Attribute, AttributeType};
    /// let name = Attribute::complex("name", vec![Attribute::new("givenName", AttributeType::String)]);
    /// assert_eq!(name.sub_attribute("GIVENNAME").map(|a| a.name()), Some("givenName"));
    /// ```
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Checks that the definition is well formed (see the type's documentation).
    pub fn check(&self) -> Result<(), AttributeDefinitionError> {
        if !is_valid_attribute_name(&self.name) {
            return Err(AttributeDefinitionError::InvalidName(self.name.clone()));
        }
        match (self.kind, self.sub_attributes.is_empty()) {
            (AttributeType::Complex, true) => {
                return Err(AttributeDefinitionError::ComplexWithoutSubAttributes(
                    self.name.clone(),
                ));
            }
            (kind, false) if kind != AttributeType::Complex => {
                return Err(AttributeDefinitionError::SubAttributesOnSimpleType(
                    self.name.clone(),
                ));
            }
            _ => {}
        }
        check_unique_names(&self.sub_attributes)?;
        for sub in &self.sub_attributes {
            if sub.kind == AttributeType::Complex {
                return Err(AttributeDefinitionError::NestedComplex {
                    parent: self.name.clone(),
                    child: sub.name.clone(),
                });
            }
            sub.check()?;
        }
        Ok(())
    }
}

pub(crate) fn check_unique_names(attributes: &[Attribute]) -> Result<(), AttributeDefinitionError> {
    for (i, a) in attributes.iter().enumerate() {
        if attributes[..i]
            .iter()
            .any(|b| b.name.eq_ignore_ascii_case(&a.name))
        {
            return Err(AttributeDefinitionError::Duplicate(a.name.clone()));
        }
    }
    Ok(())
}

/// The RFC 7643 §7 JSON form with its defaults, before checking.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAttribute {
    name: String,
    #[serde(rename = "type", default = "default_type")]
    kind: AttributeType,
    #[serde(default)]
    multi_valued: bool,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    canonical_values: Vec<String>,
    #[serde(default)]
    case_exact: bool,
    #[serde(default)]
    mutability: Mutability,
    #[serde(default)]
    returned: Returned,
    #[serde(default)]
    uniqueness: Uniqueness,
    #[serde(default)]
    reference_types: Vec<String>,
    #[serde(default)]
    sub_attributes: Vec<Attribute>,
}

fn default_type() -> AttributeType {
    AttributeType::String
}

impl TryFrom<RawAttribute> for Attribute {
    type Error = AttributeDefinitionError;

    fn try_from(raw: RawAttribute) -> Result<Self, Self::Error> {
        let attribute = Attribute {
            name: raw.name,
            kind: raw.kind,
            multi_valued: raw.multi_valued,
            description: raw.description,
            required: raw.required,
            canonical_values: raw.canonical_values,
            case_exact: raw.case_exact,
            mutability: raw.mutability,
            returned: raw.returned,
            uniqueness: raw.uniqueness,
            reference_types: raw.reference_types,
            sub_attributes: raw.sub_attributes,
        };
        // Sub-attributes were already checked on their own; check this level and below again
        // so that nesting rules see the whole tree.
        attribute.check()?;
        Ok(attribute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_applies_rfc_defaults() {
        let attribute: Attribute = serde_json::from_str(r#"{"name":"nickName"}"#).unwrap();
        assert_eq!(attribute.kind(), AttributeType::String);
        assert!(!attribute.is_multi_valued());
        assert!(!attribute.is_case_exact());
        assert_eq!(attribute.mutability_kind(), Mutability::ReadWrite);
        assert_eq!(attribute.returned_kind(), Returned::Default);
        assert_eq!(attribute.uniqueness_kind(), Uniqueness::None);
    }

    #[test]
    fn json_round_trip_keeps_every_characteristic() {
        let json = r#"{
            "name": "emails", "type": "complex", "multiValued": true, "description": "E-mail",
            "required": false, "caseExact": false, "mutability": "readWrite",
            "returned": "default", "uniqueness": "none",
            "subAttributes": [
                {"name": "value", "type": "string", "multiValued": false, "required": false,
                 "caseExact": false, "mutability": "readWrite", "returned": "default",
                 "uniqueness": "none"},
                {"name": "type", "type": "string", "multiValued": false, "required": false,
                 "canonicalValues": ["work", "home", "other"], "caseExact": false,
                 "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
            ]
        }"#;
        let attribute: Attribute = serde_json::from_str(json).unwrap();
        let again: Attribute =
            serde_json::from_value(serde_json::to_value(&attribute).unwrap()).unwrap();
        assert_eq!(attribute, again);
        assert_eq!(
            attribute
                .sub_attribute("TYPE")
                .unwrap()
                .canonical_value_list()
                .len(),
            3
        );
    }

    #[test]
    fn malformed_definitions_are_refused() {
        let cases = [
            (r#"{"name":"1abc"}"#, "InvalidName"),
            (
                r#"{"name":"x","type":"complex"}"#,
                "ComplexWithoutSubAttributes",
            ),
            (
                r#"{"name":"x","subAttributes":[{"name":"y"}]}"#,
                "SubAttributesOnSimpleType",
            ),
            (
                r#"{"name":"x","type":"complex","subAttributes":[{"name":"y"},{"name":"Y"}]}"#,
                "Duplicate",
            ),
            (
                r#"{"name":"x","type":"complex","subAttributes":[
                    {"name":"y","type":"complex","subAttributes":[{"name":"z"}]}]}"#,
                "NestedComplex",
            ),
        ];
        for (json, expected) in cases {
            let err = serde_json::from_str::<Attribute>(json)
                .unwrap_err()
                .to_string();
            let kind = match serde_json::from_str::<RawAttribute>(json) {
                Ok(raw) => format!("{:?}", Attribute::try_from(raw).unwrap_err()),
                Err(_) => err.clone(),
            };
            assert!(kind.starts_with(expected), "{json}: {kind}");
        }
    }

    #[test]
    fn attribute_names_follow_attrname() {
        assert!(is_valid_attribute_name("userName"));
        assert!(is_valid_attribute_name("x509Certificates"));
        assert!(is_valid_attribute_name("$ref"));
        assert!(is_valid_attribute_name("a-b_c"));
        assert!(!is_valid_attribute_name(""));
        assert!(!is_valid_attribute_name("_a"));
        assert!(!is_valid_attribute_name("a.b"));
        assert!(!is_valid_attribute_name("a b"));
    }
}
