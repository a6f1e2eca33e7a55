//! `/console/t/{tenant}/policies`: what identity providers may do (group create, rename and
//! delete, email changes), deactivation removing memberships, projects and roles, and the
//! protected owner.

use actix_web::HttpResponse;
use actix_web::web::{self, Bytes};
use maud::{Markup, html};
use scim_store::{EventActor, TenantId};

use super::error::ConsoleError;
use super::layout::{self, Nav};
use super::session::Session;
use super::tenants::{Inline, names, or_inline};
use super::{Form, see_other, store};
use crate::manage::ManageError;
use crate::manage::people::{self, PersonSummary};
use crate::manage::tenants::{self, PolicyChange, TenantView};
use crate::state::AppState;

/// The switches, as the form and the admin API name them: (name, label, what it means).
const SWITCHES: [(&str, &str, &str); 5] = [
    (
        "group_create",
        "Identity providers may create groups",
        "Off, a push that would create a group is refused (403): link to the pre-created groups instead.",
    ),
    (
        "group_rename",
        "Identity providers may rename groups",
        "Off, a changed displayName is refused (400); resending the same name is accepted.",
    ),
    (
        "group_delete",
        "Identity providers may delete groups",
        "Off, DELETE /Groups is refused (403).",
    ),
    (
        "email_changes",
        "Identity providers may change emails",
        "Off, a change of a user's emails is refused (400 mutability); resending the same ones passes.",
    ),
    (
        "deactivation_removes_memberships",
        "Deactivation removes memberships",
        "A user set inactive leaves every group in the same transaction, so they keep no project role.",
    ),
];

fn switch_of(tenant: &TenantView, name: &str) -> bool {
    let p = &tenant.policies;
    match name {
        "group_create" => p.group_create,
        "group_rename" => p.group_rename,
        "group_delete" => p.group_delete,
        "email_changes" => p.email_changes,
        "deactivation_removes_memberships" => p.deactivation_removes_memberships,
        _ => false,
    }
}

/// The tenant and its owner's summary.
fn load(
    store: &dyn scim_store::Store,
    tenant: &TenantId,
) -> Result<(TenantView, Option<PersonSummary>), ManageError> {
    let view = tenants::show(store, tenant)?;
    let owner = match &view.owner_id {
        Some(id) => people::show(store, tenant, id).ok().map(|p| p.summary),
        None => None,
    };
    Ok((view, owner))
}

/// `GET /console/t/{tenant}/policies`.
pub(super) async fn page(
    state: web::Data<AppState>,
    session: Session,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let (view, owner) = store(&state, move |store| load(store, &tenant)).await?;
    Ok(render(
        &session,
        &view,
        owner.as_ref(),
        &Form::parse(b""),
        &None,
    ))
}

fn render(
    session: &Session,
    view: &TenantView,
    owner: Option<&PersonSummary>,
    form: &Form,
    errors: &Option<Inline>,
) -> HttpResponse {
    let t = view.id.as_str();
    let body = html! {
        (layout::heading("Policies", Some(html! { "What identity providers may do to this organisation. Changes apply from the next request, on every server." }), None))
        div.card {
            h2 { "Provisioning" }
            form.stack method="post" action={ "/console/t/" (t) "/policies" } {
                (layout::csrf_field(session))
                fieldset {
                    legend { "Switches" }
                    @for (name, label, hint) in SWITCHES {
                        div.check {
                            input id=(name) type="checkbox" name=(name) value="on" checked[switch_of(view, name)];
                            label for=(name) { (label) span.hint { (hint) } }
                        }
                    }
                }
                div.row {
                    (layout::field("add_projects", "Add projects", form.get("add_projects").unwrap_or_default(), Some(&format!("Comma-separated. Now: {}", list_or_none(&view.projects))), Inline::of(errors, "add_projects"), false))
                    (layout::field("add_roles", "Add roles", form.get("add_roles").unwrap_or_default(), Some(&format!("Comma-separated. Now: {}", list_or_none(&view.roles))), Inline::of(errors, "add_roles"), false))
                }
                div { button.button type="submit" { "Save policies" } }
            }
        }
        div.card {
            h2 { "Protected owner" }
            p.hint { "The owner cannot be deactivated, deleted or removed from a group through SCIM, so a misconfigured assignment cannot lock everyone out." }
            p { "Now: " (owner_text(owner)) }
            form.stack method="post" action={ "/console/t/" (t) "/owner" } novalidate {
                (layout::csrf_field(session))
                div.row {
                    (layout::field("user_name", "Owner's userName", form.get("user_name").unwrap_or_default(), Some("Pick someone from People; making another user the owner releases the previous one."), Inline::of(errors, "user_name"), true))
                    div { button.button type="submit" { "Make owner" } }
                }
            }
        }
    };
    layout::page(session, Some(t), Nav::Policies, "Policies", body)
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn owner_text(owner: Option<&PersonSummary>) -> Markup {
    html! {
        @match owner {
            Some(owner) => { strong { (owner.user_name) } " " (layout::badge("warn", "protected")) }
            None => { span.hint { "no owner" } }
        }
    }
}

async fn rerender(
    state: &AppState,
    session: &Session,
    tenant: TenantId,
    form: Form,
    error: Inline,
) -> Result<HttpResponse, ConsoleError> {
    let (view, owner) = store(state, move |store| load(store, &tenant)).await?;
    let mut response = render(session, &view, owner.as_ref(), &form, &Some(error));
    *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// Back to the page after a change, or the form again with what to fix.
async fn saved<T>(
    state: &AppState,
    session: &Session,
    tenant: TenantId,
    form: Form,
    result: Result<T, ConsoleError>,
) -> Result<HttpResponse, ConsoleError> {
    match or_inline(result)? {
        Ok(_) => Ok(see_other(&format!("/console/t/{tenant}/policies"))),
        Err(error) => rerender(state, session, tenant, form, error).await,
    }
}

/// `POST /console/t/{tenant}/policies`: every switch as the form has it.
pub(super) async fn update(
    state: web::Data<AppState>,
    session: Session,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let form = Form::parse(&body);
    session.check(&form)?;
    let tenant = session.tenant_of(&tenant)?;
    let change = PolicyChange {
        group_create: Some(form.checked("group_create")),
        group_rename: Some(form.checked("group_rename")),
        group_delete: Some(form.checked("group_delete")),
        email_changes: Some(form.checked("email_changes")),
        deactivation_removes_memberships: Some(form.checked("deactivation_removes_memberships")),
        unique_group_names: None,
        add_projects: names(form.get("add_projects")),
        add_roles: names(form.get("add_roles")),
    };
    let scoped = tenant.clone();
    let result = store(&state, move |store| {
        tenants::update_policies(store, &scoped, &change, &EventActor::Admin)
    })
    .await;
    saved(&state, &session, tenant, form, result).await
}

/// `POST /console/t/{tenant}/owner`.
pub(super) async fn set_owner(
    state: web::Data<AppState>,
    session: Session,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let form = Form::parse(&body);
    session.check(&form)?;
    let tenant = session.tenant_of(&tenant)?;
    let user_name = form.get("user_name").unwrap_or_default().trim().to_owned();
    if user_name.is_empty() {
        let error = Inline {
            field: "user_name".into(),
            message: "Enter the userName of the person who should own this organisation.".into(),
        };
        return rerender(&state, &session, tenant, form, error).await;
    }
    let scoped = tenant.clone();
    let result = store(&state, move |store| {
        tenants::set_owner(store, &scoped, &user_name, &EventActor::Admin)
    })
    .await;
    saved(&state, &session, tenant, form, result).await
}
