//! `/admin/v1/tenants/{tenant}/tokens[/{id}]`: SCIM keys.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use scim_store::EventActor;
use serde::Serialize;

use super::input::{Body, QueryParams};
use super::{Problem, call};
use crate::http::admin::Admin;
use crate::manage::tokens::{self, NewKey, TokenView};
use crate::manage::{self, ManageError};
use crate::state::AppState;

/// `POST /admin/v1/tenants/{tenant}/tokens`: `{"description", "expires_in": "365d",
/// "read_only": false}`; 201 with the key, shown this once.
pub(crate) async fn issue(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let new = read_new_key(&body)?;
    let (keys, issuer) = (state.auth.keys(), state.config.auth.issuer.clone());
    let issued = call(&state, move |store| {
        tokens::issue(store, &keys, &issuer, &tenant, &new, &EventActor::Admin)
    })
    .await?;
    let path = format!(
        "/tenants/{}/tokens/{}",
        issued.record.tenant, issued.record.id
    );
    Ok(super::created(&path, &issued))
}

fn read_new_key(bytes: &[u8]) -> Result<NewKey, ManageError> {
    let mut body = Body::parse(bytes)?;
    let expires_in = body.string("expires_in")?;
    let new = NewKey {
        valid_for: tokens::validity("expires_in", expires_in.as_deref().unwrap_or("365d"))?,
        write: !body.bool("read_only")?.unwrap_or(false),
        description: body.string("description")?.unwrap_or_default(),
    };
    body.finish()?;
    Ok(new)
}

#[derive(Serialize)]
struct TokenList {
    tokens: Vec<TokenView>,
    next_after: Option<String>,
}

/// `GET /admin/v1/tenants/{tenant}/tokens?after=&limit=`: the keys' records, never the keys.
pub(crate) async fn list(
    _admin: Admin,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let tenant = manage::tenant_id(&tenant)?;
    let page = QueryParams::of(&req)?.page()?;
    let listed = call(&state, move |store| {
        tokens::list(store, Some(&tenant), &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(TokenList {
        tokens: listed.items,
        next_after: listed.next_after,
    }))
}

/// `GET /admin/v1/tenants/{tenant}/tokens/{id}`.
pub(crate) async fn show(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let tenant = manage::tenant_id(&tenant)?;
    let view = call(&state, move |store| tokens::show(store, &tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `DELETE /admin/v1/tenants/{tenant}/tokens/{id}`: revokes the key (its record stays, listed
/// as revoked); 204, also when it was revoked already.
pub(crate) async fn revoke(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let tenant = manage::tenant_id(&tenant)?;
    let revoked = call(&state, move |store| {
        tokens::revoke(store, Some(&tenant), &id, &EventActor::Admin)
    })
    .await?;
    // This process stops accepting it at once; the others within their revocation poll.
    state.auth.note_revoked([revoked.id]);
    Ok(HttpResponse::NoContent().finish())
}
