//! `/scim/v2`: the actix-web adapter of [`scim_service`]. It authenticates (SCIM keys, rate
//! limits), reads the body within the route's limit, converts the request, lets the service
//! decide, and converts the answer back. Everything SCIM means is in the service.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use scim_core::ScimError;
use scim_service::{Caller, Headers, Method, Request, Response, Route};
use scim_store::Scope;

use super::error::ApiError;
use super::principal::authenticate;
use super::store_call::Runner;
use crate::auth::Principal;
use crate::state::AppState;

/// Where the service is mounted.
pub(crate) const MOUNT: &str = "/scim/v2";

/// The route a request took, for the request log and metrics (`/scim/v2/{endpoint}/{id}`).
#[derive(Debug, Clone)]
pub(crate) struct RouteLabel(pub(crate) String);

/// Every request under `/scim/v2`.
pub(crate) async fn scim(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // actix routes by the path with its escapes decoded, the service by the path as sent: they
    // differ when the mount itself is escaped (`/scim/%762/Users`), which must not reach the
    // service as the empty path, its root.
    let Some(path) = req.path().strip_prefix(MOUNT) else {
        return Err(ScimError::not_found(format!(
            "{} is not below {MOUNT}: write its base path without escapes",
            req.path()
        ))
        .into());
    };
    let method = Method::parse(req.method().as_str());
    let route = state.scim.route(method, path);
    let label = route
        .label()
        .map_or_else(|| "unmatched".to_owned(), |label| format!("{MOUNT}{label}"));
    req.extensions_mut().insert(RouteLabel(label));
    let caller = caller(&req, &route).await?;
    let body = read_body(&req, payload, &route, &state).await?;
    let base_url = format!("{}{MOUNT}", super::base_url(&req, &state));
    let prefer: Vec<&[u8]> = req
        .headers()
        .get_all("prefer")
        .map(|value| value.as_bytes())
        .collect();
    let header = |name: header::HeaderName| req.headers().get(name).map(|v| v.as_bytes());
    let request = Request {
        method,
        path,
        query: req.query_string(),
        headers: Headers {
            content_type: header(header::CONTENT_TYPE),
            if_match: header(header::IF_MATCH),
            if_none_match: header(header::IF_NONE_MATCH),
            prefer: &prefer,
        },
        body: &body,
        base_url: &base_url,
    };
    let response = state
        .scim
        .handle_route(&Runner(&state), &route, caller.as_ref(), &request)
        .await;
    Ok(into_http(response))
}

/// The caller of a route that needs one; for discovery, none, but a credential that is
/// presented must be valid, so that an identity provider's "test connection" against a
/// discovery endpoint cannot pass with a mistyped key.
async fn caller(req: &HttpRequest, route: &Route) -> Result<Option<Caller>, ApiError> {
    if !route.needs_caller() {
        if matches!(route, Route::NotFound | Route::MethodNotAllowed { .. })
            || !req.headers().contains_key(header::AUTHORIZATION)
        {
            return Ok(None);
        }
        authenticate(req).await?;
        return Ok(None);
    }
    let principal = authenticate(req).await?;
    Ok(Some(caller_of(&principal)))
}

fn caller_of(principal: &Principal) -> Caller {
    let caller = Caller::new(principal.tenant.clone()).with_token(principal.token_id.clone());
    if principal.may(Scope::Write) {
        caller
    } else {
        caller.read_only()
    }
}

/// The body, read up to the route's limit; more is a 413 that names the limit.
async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    route: &Route,
    state: &AppState,
) -> Result<Bytes, ApiError> {
    let limit = route.body_limit(state.scim.settings());
    let too_large = || {
        let detail = match route {
            Route::Bulk => {
                format!("the request body is larger than maxPayloadSize ({limit} bytes)")
            }
            _ => format!("the request body is larger than this server accepts ({limit} bytes)"),
        };
        ApiError::from(ScimError::with_status(413, detail))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            Err(ScimError::with_status(400, format!("the request body cannot be read: {e}")).into())
        }
        Err(_) => Err(too_large()),
    }
}

/// The service's answer as an actix response.
fn into_http(response: Response) -> HttpResponse {
    let status = super::error::http_status(response.status);
    let mut http = HttpResponse::build(status);
    for (name, value) in response.headers {
        http.append_header((name, value));
    }
    if response.body.is_empty() {
        return http.finish();
    }
    http.body(Chunks(Bytes::from(response.body)))
}

/// How much of a body is handed to the connection at a time.
const CHUNK: usize = 64 * 1024;

/// A body of known length handed over in slices of [`CHUNK`] bytes (views of one buffer, not
/// copies). actix copies what it sends into the connection's write buffer, and takes the next
/// slice only when that buffer has drained: handed over whole, an 18 MB body would be held
/// twice until it is sent. The length is known, so the response still carries
/// `Content-Length`, exactly as a body handed over whole does.
#[derive(Debug)]
pub(crate) struct Chunks(pub(crate) Bytes);

impl MessageBody for Chunks {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0.len() as u64)
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        if self.0.is_empty() {
            return Poll::Ready(None);
        }
        let at = CHUNK.min(self.0.len());
        Poll::Ready(Some(Ok(self.0.split_to(at))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_large_body_goes_out_in_slices_with_its_length() {
        let text: Vec<u8> = (0..200_000u32).map(|n| b'a' + (n % 26) as u8).collect();
        let response = into_http(Response {
            status: 200,
            headers: vec![("Content-Type", "application/scim+json".into())],
            body: text.clone(),
        });
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/scim+json"
        );
        let mut body = response.into_body();
        assert_eq!(body.size(), BodySize::Sized(200_000));
        let mut sent = Vec::new();
        let mut slices = 0;
        while let Some(slice) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
            let slice = slice.unwrap();
            assert!(slice.len() <= CHUNK);
            sent.extend_from_slice(&slice);
            slices += 1;
        }
        assert_eq!(sent, text);
        assert_eq!(slices, 4);
    }
}
