//! Signing in and out: the session cookie, operators' sign-in with the admin token, and
//! organisation admins' one-time links.
//!
//! The cookie holds a random session id; the database keeps its hash (see
//! [`crate::manage::console`]). It is `HttpOnly` (no script reads it), `SameSite=Strict` (no
//! other site's page makes the browser send it), `Path=/console`, and `Secure` when the request
//! came over TLS or `base_url` is https.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use maud::html;
use scim_store::{ConsoleScope, TenantId};

use super::error::ConsoleError;
use super::layout;
use super::{Form, store};
use crate::manage::console::{self, SessionPolicy};
use crate::state::AppState;

/// The cookie's name.
pub(super) const COOKIE: &str = "scim_console";

/// A signed-in request: who it acts for, and the token its forms must carry.
pub(crate) struct Session {
    id: String,
    scope: ConsoleScope,
}

impl Session {
    /// The CSRF token of this session's forms.
    pub(super) fn csrf(&self) -> String {
        super::csrf::token(&self.id)
    }

    /// Refuses a form that does not carry this session's token.
    pub(super) fn check(&self, form: &Form) -> Result<(), ConsoleError> {
        if super::csrf::matches(&self.id, form.get(super::csrf::FIELD)) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }

    /// Whether the session is an operator's (every tenant).
    pub(super) fn is_operator(&self) -> bool {
        self.scope == ConsoleScope::Operator
    }

    /// The tenant a tenant session is limited to.
    pub(super) fn tenant(&self) -> Option<&TenantId> {
        self.scope.tenant()
    }

    /// The tenant named in a path, if this session may see it. Another tenant's pages are not
    /// found, whether the tenant exists or not: a session learns nothing of other tenants.
    pub(super) fn tenant_of(&self, name: &str) -> Result<TenantId, ConsoleError> {
        let tenant = TenantId::new(name).map_err(|_| ConsoleError::NotFound)?;
        match &self.scope {
            ConsoleScope::Operator => Ok(tenant),
            ConsoleScope::Tenant(own) if *own == tenant => Ok(tenant),
            ConsoleScope::Tenant(_) => Err(ConsoleError::NotFound),
        }
    }
}

/// The session policy the configuration gives.
pub(super) fn policy(state: &AppState) -> SessionPolicy {
    let console = &state.config.console;
    SessionPolicy {
        lifetime: chrono::Duration::minutes(i64::try_from(console.session_minutes).unwrap_or(480)),
        idle: chrono::Duration::minutes(i64::try_from(console.idle_minutes).unwrap_or(60)),
    }
}

/// The session id the request's cookie carries.
fn cookie_value(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty() && value.len() <= 128)
}

impl FromRequest for Session {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let id = cookie_value(req);
        Box::pin(async move {
            let (Some(state), Some(id)) = (state, id) else {
                return Err(ConsoleError::SignedOut);
            };
            let policy = policy(&state);
            let lookup = id.clone();
            let session = store(&state, move |store| {
                console::live_session(store, &lookup, &policy)
            })
            .await?
            .ok_or(ConsoleError::SignedOut)?;
            Ok(Session {
                id,
                scope: session.scope,
            })
        })
    }
}

/// Whether cookies must be `Secure`: the request came over TLS, or the public address is https.
fn secure(req: &HttpRequest, state: &AppState) -> bool {
    req.connection_info().scheme() == "https"
        || state
            .config
            .base_url
            .as_deref()
            .is_some_and(|base| base.starts_with("https://"))
}

/// The `Set-Cookie` of a new session, or (`None`) of one ended.
fn set_cookie(req: &HttpRequest, state: &AppState, id: Option<&str>) -> String {
    let max_age = match id {
        Some(_) => state.config.console.session_minutes.saturating_mul(60),
        None => 0,
    };
    let mut cookie = format!(
        "{COOKIE}={}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age}",
        id.unwrap_or("")
    );
    if secure(req, state) {
        cookie.push_str("; Secure");
    }
    cookie
}

/// 303 to `location` with a new session's cookie (or an ended one's).
fn redirect_with_cookie(
    req: &HttpRequest,
    state: &AppState,
    id: Option<&str>,
    location: &str,
) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::SET_COOKIE, set_cookie(req, state, id)))
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// Whether operators can sign in: an admin token is configured.
fn operators_enabled(state: &AppState) -> bool {
    crate::http::admin::enabled(state)
}

/// The client address failed sign-ins are counted by (shared with the admin API's).
fn client(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_default()
}

/// Refuses an address that failed too often, before anything is compared.
fn check_throttle(state: &AppState, req: &HttpRequest) -> Result<(), ConsoleError> {
    state
        .limits
        .admin_failures
        .check(&client(req), Instant::now())
        .map_err(|t| {
            state
                .metrics
                .throttled
                .with_label_values(&["admin_auth"])
                .inc();
            ConsoleError::Throttled(t.retry_after_seconds)
        })
}

fn count_failure(state: &AppState, req: &HttpRequest) {
    let _ = state
        .limits
        .admin_failures
        .take(&client(req), Instant::now());
}

/// `GET /console/sign-in`.
pub(super) async fn sign_in_page(state: web::Data<AppState>) -> HttpResponse {
    sign_in_form(&state, None, StatusCode::OK)
}

fn sign_in_form(state: &AppState, error: Option<&str>, status: StatusCode) -> HttpResponse {
    let enabled = operators_enabled(state);
    let body = html! {
        h1 { "Sign in" }
        @if enabled {
            p.hint { "Operators sign in with the server's admin token (" code { "admin.token" } ")." }
            form.stack method="post" action="/console/sign-in" {
                div.field {
                    label for="token" { "Admin token" }
                    input #token type="password" name="token" autocomplete="current-password" required
                        aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "token-error")];
                    @if let Some(error) = error {
                        span #token-error .error-text { (error) }
                    }
                }
                button.button type="submit" { "Sign in" }
            }
        } @else {
            div.notice.info {
                "Operator sign-in is off: this server has no admin token. Set "
                code { "SCIM_ADMIN_TOKEN" } " (or " code { "admin.token" } ") and restart."
            }
        }
        p.hint {
            "Setting up your organisation's identity provider? Open the one-time link your operator gave you ("
            code { "scim-server console-link" } ")."
        }
    };
    layout::bare(status, "Sign in", body)
}

/// `POST /console/sign-in`: the admin token opens an operator session.
pub(super) async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    check_throttle(&state, &req)?;
    let Some(configured) = state.config.admin.token.clone().filter(|t| !t.is_empty()) else {
        return Ok(sign_in_form(&state, None, StatusCode::NOT_FOUND));
    };
    let form = Form::parse(&body);
    let presented = form.get("token").unwrap_or_default().trim();
    if presented.is_empty() {
        return Ok(sign_in_form(
            &state,
            Some("Enter the admin token."),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    if !crate::http::admin::same_secret(presented, &configured) {
        count_failure(&state, &req);
        return Ok(sign_in_form(
            &state,
            Some("That is not this server's admin token. Check it and try again."),
            StatusCode::UNAUTHORIZED,
        ));
    }
    let policy = policy(&state);
    let opened = store(&state, move |store| {
        console::open_operator_session(store, &policy)
    })
    .await?;
    tracing::info!("an operator signed in to the console");
    Ok(redirect_with_cookie(
        &req,
        &state,
        Some(&opened.id),
        "/console/tenants",
    ))
}

/// `GET /console/link/{token}`: asks to continue, so that a mail scanner that follows links
/// does not use the link up.
pub(super) async fn link_page(token: web::Path<String>) -> HttpResponse {
    let body = html! {
        h1 { "Set up your organisation" }
        p { "This one-time link opens your organisation's setup pages: connect your identity provider, manage SCIM keys, and see what was provisioned." }
        form.stack method="post" action={ "/console/link/" (token.as_str()) } {
            button.button type="submit" { "Continue" }
        }
        p.hint { "The link works once. Your session ends after a while, or when you sign out; ask your operator for a new link then." }
    };
    layout::bare(StatusCode::OK, "Set up your organisation", body)
}

/// `POST /console/link/{token}`: redeems the link and opens a session for its tenant.
pub(super) async fn redeem_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    check_throttle(&state, &req)?;
    let policy = policy(&state);
    let token = token.into_inner();
    let opened = store(&state, move |store| {
        console::redeem_link(store, &token, &policy)
    })
    .await?;
    let Some(opened) = opened else {
        count_failure(&state, &req);
        let body = html! {
            h1 { "This link no longer works" }
            p { "A sign-in link works once, for a limited time. This one has been used already, has expired, or was never issued." }
            p { "Ask your operator for a new one: they make it with " code { "scim-server console-link --tenant <your organisation>" } "." }
        };
        return Ok(layout::bare(StatusCode::GONE, "Link expired", body));
    };
    let tenant = opened
        .session
        .scope
        .tenant()
        .map(ToString::to_string)
        .unwrap_or_default();
    tracing::info!(tenant = %tenant, "an organisation admin signed in to the console with a link");
    Ok(redirect_with_cookie(
        &req,
        &state,
        Some(&opened.id),
        &format!("/console/t/{tenant}"),
    ))
}

/// `POST /console/sign-out`: ends the session on every server process.
pub(super) async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    session.check(&Form::parse(&body))?;
    let id = session.id.clone();
    store(&state, move |store| console::end_session(store, &id)).await?;
    Ok(redirect_with_cookie(&req, &state, None, "/console/sign-in"))
}

/// `GET /console`: where a session starts.
pub(super) async fn home(session: Result<Session, ConsoleError>) -> HttpResponse {
    let location = match session {
        Ok(session) => match session.tenant() {
            Some(tenant) => format!("/console/t/{tenant}"),
            None => "/console/tenants".to_owned(),
        },
        Err(_) => "/console/sign-in".to_owned(),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
