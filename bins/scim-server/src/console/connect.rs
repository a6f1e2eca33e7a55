//! `/console/t/{tenant}`: connect your identity provider. The SCIM base URL, SCIM keys
//! (generate one, shown once; the keys with their last use; revoke), and the Okta and Entra ID
//! steps, condensed from docs/okta.md and docs/entra.md.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, html};
use scim_store::{EventActor, TenantId};

use super::error::ConsoleError;
use super::layout::{self, Nav};
use super::session::Session;
use super::tenants::{Inline, inline};
use super::{Form, public_base, see_other, store};
use crate::manage::tenants::{self, TenantSummary, TenantView};
use crate::manage::tokens::{self, IssuedKey, NewKey, TokenView};
use crate::manage::{ManageError, PageRequest};
use crate::state::AppState;

/// What the page shows.
struct Loaded {
    tenant: TenantView,
    summary: TenantSummary,
    keys: Vec<TokenView>,
}

fn load(store: &dyn scim_store::Store, tenant: &TenantId) -> Result<Loaded, ManageError> {
    Ok(Loaded {
        tenant: tenants::show(store, tenant)?,
        summary: tenants::summary(store, tenant)?,
        keys: tokens::list(store, Some(tenant), &PageRequest::all())?.items,
    })
}

/// The key validities offered, as `tokens::validity` reads them.
const VALIDITIES: [(&str, &str); 4] = [
    ("30d", "30 days"),
    ("90d", "90 days"),
    ("180d", "180 days"),
    ("365d", "1 year"),
];

/// `GET /console/t/{tenant}`.
pub(super) async fn page(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let loaded = store(&state, move |store| load(store, &tenant)).await?;
    let base = public_base(&req, &state);
    Ok(render(
        &session,
        &loaded,
        &base,
        None,
        &Form::parse(b""),
        &None,
    ))
}

fn render(
    session: &Session,
    loaded: &Loaded,
    base: &str,
    issued: Option<&IssuedKey>,
    form: &Form,
    errors: &Option<Inline>,
) -> HttpResponse {
    let tenant = &loaded.tenant.id;
    let scim_url = format!("{base}/scim/v2");
    let s = &loaded.summary;
    let body = html! {
        (layout::heading("Connect your identity provider", Some(html! { "Give Okta or Microsoft Entra ID the base URL and a SCIM key, then watch people and project roles arrive." }), None))
        div.grid {
            div.stat { div.label { "People" } div.value { (s.users) } div.note { a href={ "/console/t/" (tenant) "/people" } { "See people" } } }
            div.stat { div.label { "Groups" } div.value { (s.groups) } div.note { a href={ "/console/t/" (tenant) "/matrix" } { "Projects × roles" } } }
            div.stat { div.label { "Working keys" } div.value { (s.active_keys) } div.note { "of " (loaded.keys.len()) " issued" } }
            div.stat { div.label { "Last provisioning" } div.value.hint {
                @if let Some(used) = s.last_key_use { (layout::when(used)) } @else { "Not yet" }
            } div.note { a href={ "/console/t/" (tenant) "/activity" } { "Activity" } } }
        }
        div.card {
            h2 { "1. SCIM base URL" }
            p.hint { "Okta: “SCIM connector base URL”. Entra ID: “Tenant URL” (add " code { "?aadOptscim062020" } ")." }
            div.copy {
                input #scim-url type="text" readonly value=(scim_url) aria-label="SCIM base URL";
                button.button.secondary type="button" data-copy="scim-url" { "Copy" }
            }
            p #copy-status .hint aria-live="polite" {}
        }
        @if let Some(issued) = issued {
            div.notice.ok role="status" {
                h2 { "Your new SCIM key" }
                p { "Copy it now and paste it into your identity provider: this is the only time it is shown. The server keeps only its hash." }
                div.copy {
                    input #new-key type="text" readonly value=(issued.token) aria-label="The new SCIM key";
                    button.button type="button" data-copy="new-key" { "Copy key" }
                }
            }
        }
        div.card {
            h2 { "2. Generate SCIM key" }
            form.stack method="post" action={ "/console/t/" (tenant) "/keys" } novalidate {
                (layout::csrf_field(session))
                div.row {
                    (layout::field("description", "Description", form.get("description").unwrap_or("Okta production"), Some("Who uses it, so you know which to revoke later"), Inline::of(errors, "description"), false))
                    div.field.narrow {
                        label for="expires_in" { "Expires after" }
                        select #expires_in name="expires_in" aria-invalid=[Inline::of(errors, "expires_in").map(|_| "true")] {
                            @for (value, label) in VALIDITIES {
                                option value=(value) selected[form.get("expires_in").unwrap_or("365d") == value] { (label) }
                            }
                        }
                        @if let Some(error) = Inline::of(errors, "expires_in") { span.error-text { (error) } }
                    }
                }
                div.check {
                    input #read_only type="checkbox" name="read_only" value="on" checked[form.checked("read_only")];
                    label for="read_only" { "Read-only" span.hint { "The key may read users and groups but not change them (for an import check, say)." } }
                }
                div { button.button type="submit" { "Generate SCIM key" } }
            }
        }
        div.card {
            h2 { "SCIM keys" }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "Description" }
                    th scope="col" { "State" }
                    th.hide-narrow scope="col" { "Access" }
                    th scope="col" { "Last used" }
                    th.hide-narrow scope="col" { "Expires" }
                    th scope="col" { span.hint { "Actions" } }
                } }
                tbody {
                    @if loaded.keys.is_empty() {
                        (layout::empty_row(6, "No keys yet.", "Generate one above and paste it into your identity provider."))
                    }
                    @for key in loaded.keys.iter().rev() {
                        tr {
                            td { (if key.description.is_empty() { "(no description)" } else { &key.description }) br; span.mono.hint { (key.id) } }
                            td { (state_badge(key.state)) }
                            td.hide-narrow { (if key.scopes.contains(&"write") { "read and write" } else { "read-only" }) }
                            td { @if let Some(used) = key.last_used_at { (layout::when(used)) } @else { span.hint { "never" } } }
                            td.hide-narrow { @if let Some(at) = key.expires_at { (layout::when(at)) } @else { "never" } }
                            td {
                                @if key.state == "active" {
                                    form.inline method="post" action={ "/console/t/" (tenant) "/keys/" (key.id) "/revoke" }
                                        data-confirm="Revoke this key? The identity provider using it gets 401 from its next request." {
                                        (layout::csrf_field(session))
                                        button.button.danger.small type="submit" aria-label={ "Revoke key " (key.description) } { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
        div.card {
            h2 { "3. Set up your identity provider" }
            (guides(&loaded.tenant))
        }
    };
    layout::page(
        session,
        Some(tenant),
        Nav::Connect,
        "Connect your identity provider",
        body,
    )
}

fn state_badge(state: &str) -> Markup {
    match state {
        "active" => layout::badge("ok", "active"),
        "revoked" => layout::badge("bad", "revoked"),
        other => layout::badge("", other),
    }
}

/// The Okta and Entra ID steps, condensed from docs/okta.md and docs/entra.md.
fn guides(tenant: &TenantView) -> Markup {
    let example = tenant
        .projects
        .first()
        .zip(tenant.roles.first())
        .map(|(p, r)| format!("{}-{p}-{r}", tenant.group_prefix));
    html! {
        details.guide open {
            summary { "Okta" }
            ol.steps {
                li { "Applications → Create App Integration (SAML 2.0 or SWA). On " strong { "General → App Settings" } ", set Provisioning to " strong { "SCIM" } "." }
                li { "Provisioning → Integration: SCIM connector base URL (above); " strong { "Unique identifier field for users: userName" } "; authentication mode " strong { "HTTP Header" } " with the SCIM key. Test the connector and save." }
                li { "Push switches: " strong { "Import New Users and Profile Updates, Push New Users, Push Profile Updates, Push Groups" } ". On Provisioning → To App, enable " strong { "Create Users, Update User Attributes, Deactivate Users" } "; leave Sync Password off." }
                li { "Assign people on the Assignments tab: each becomes a user here; unassigning deactivates them." }
                li { strong { "Push Groups" } ": find the Okta group, choose " strong { "Link Group" } " (never Create Group) and pick the existing group"
                    @if let Some(example) = &example { ", such as " code { (example) } } "." }
                li { "Turn " strong { "Rename app groups to match group name in Okta" } " off: the group names belong to the application." }
            }
        }
        details.guide {
            summary { "Microsoft Entra ID" }
            ol.steps {
                li { "Enterprise applications → New application → Create your own application (non-gallery). Provisioning → Get started; mode " strong { "Automatic" } "." }
                li { "Tenant URL: the base URL followed by " code { "?aadOptscim062020" } "; Secret Token: the SCIM key. Test Connection, then save." }
                li { "Mappings: keep " strong { "userName ← userPrincipalName" } " as the matching attribute, and " strong { "displayName" } " for groups." }
                li { "Name the Entra groups you assign exactly like this organisation's groups"
                    @if let Some(example) = &example { " (" code { (example) } ")" } ": Entra then links to them instead of creating groups, which this organisation refuses." }
                li { "Scope: Sync only assigned users and groups. Try Provision on demand, then set Provisioning Status to On." }
            }
        }
    }
}

/// `POST /console/t/{tenant}/keys`: issues a key and shows it once.
pub(super) async fn issue(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let form = Form::parse(&body);
    session.check(&form)?;
    let tenant = session.tenant_of(&tenant)?;
    let new =
        tokens::validity("expires_in", form.get("expires_in").unwrap_or("365d")).map(|valid_for| {
            NewKey {
                valid_for,
                write: !form.checked("read_only"),
                description: form
                    .get("description")
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            }
        });
    let (keys, issuer) = (state.auth.keys(), state.config.auth.issuer.clone());
    let id = tenant.clone();
    let outcome = store(&state, move |store| {
        let issued =
            new.and_then(|new| tokens::issue(store, &keys, &issuer, &id, &new, &EventActor::Admin));
        Ok((issued, load(store, &id)?))
    })
    .await?;
    let (issued, loaded) = outcome;
    let base = public_base(&req, &state);
    match issued {
        Ok(issued) => Ok(render(
            &session,
            &loaded,
            &base,
            Some(&issued),
            &Form::parse(b""),
            &None,
        )),
        Err(e) => {
            let error = inline(e)?;
            let mut response = render(&session, &loaded, &base, None, &form, &Some(error));
            *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

/// `POST /console/t/{tenant}/keys/{id}/revoke`.
pub(super) async fn revoke(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    session.check(&Form::parse(&body))?;
    let (tenant, id) = path.into_inner();
    let tenant = session.tenant_of(&tenant)?;
    let scoped = tenant.clone();
    let revoked = store(&state, move |store| {
        tokens::revoke(store, Some(&scoped), &id, &EventActor::Admin)
    })
    .await?;
    // This process stops accepting it at once; the others within their revocation poll.
    state.auth.note_revoked([revoked.id]);
    Ok(see_other(&format!("/console/t/{tenant}")))
}
