//! Request bodies: JSON under `application/scim+json`, `application/json` or no Content-Type.

use scim_core::{ScimError, ScimType};
use serde_json::Value;

use crate::request::Request;

/// Checks the Content-Type (Okta's test suite sends none at all; Google only
/// `application/json`) and parses the body.
pub(crate) fn json_body(request: &Request<'_>) -> Result<Value, ScimError> {
    check_content_type(request)?;
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::new(
            ScimType::InvalidSyntax,
            "the request body is empty; a JSON document is required",
        ));
    }
    serde_json::from_slice(request.body).map_err(|e| {
        ScimError::new(
            ScimType::InvalidSyntax,
            format!("the request body is not valid JSON: {e}"),
        )
    })
}

/// Refuses bodies declared as something other than JSON.
pub(crate) fn check_content_type(request: &Request<'_>) -> Result<(), ScimError> {
    let Some(value) = request.headers.content_type else {
        return Ok(());
    };
    let media = std::str::from_utf8(value)
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let json = media.is_empty()
        || media == "application/json"
        || media == "application/scim+json"
        || (media.starts_with("application/") && media.ends_with("+json"));
    if json {
        Ok(())
    } else {
        Err(ScimError::with_status(
            415,
            format!(
                "Content-Type {media} is not supported: send application/scim+json or application/json"
            ),
        ))
    }
}

/// A header's value as text; a value that is not is a 400 naming the header.
pub(crate) fn header_text<'a>(
    value: Option<&'a [u8]>,
    name: &str,
) -> Result<Option<&'a str>, ScimError> {
    value
        .map(|bytes| {
            std::str::from_utf8(bytes)
                .map_err(|_| ScimError::with_status(400, format!("{name} is not valid text")))
        })
        .transpose()
}
