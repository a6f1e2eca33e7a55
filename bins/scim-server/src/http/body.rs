//! Request bodies: JSON under `application/scim+json`, `application/json` or no Content-Type.

use actix_web::HttpRequest;
use actix_web::http::header;
use scim_core::{ScimError, ScimType};
use serde_json::Value;

use super::error::ApiError;

/// Checks the Content-Type (Okta's test suite sends none at all; Google only
/// `application/json`) and parses the body.
pub(crate) fn json_body(req: &HttpRequest, body: &[u8]) -> Result<Value, ApiError> {
    check_content_type(req)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::new(
            ScimType::InvalidSyntax,
            "the request body is empty; a JSON document is required",
        )
        .into());
    }
    serde_json::from_slice(body).map_err(|e| {
        ScimError::new(
            ScimType::InvalidSyntax,
            format!("the request body is not valid JSON: {e}"),
        )
        .into()
    })
}

/// Refuses bodies declared as something other than JSON.
pub(crate) fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    let media = media.to_ascii_lowercase();
    let json = media.is_empty()
        || media == "application/json"
        || media == "application/scim+json"
        || (media.starts_with("application/") && media.ends_with("+json"));
    if json {
        Ok(())
    } else {
        Err(ScimError::with_status(
            415,
            format!("Content-Type {media} is not supported: send application/scim+json or application/json"),
        )
        .into())
    }
}
