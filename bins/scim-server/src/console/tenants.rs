//! `/console/tenants`: the operators' view of every tenant (users, groups, last provisioning
//! activity, keys, failing subscriptions), and creating one with its projects and roles.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, html};
use scim_store::EventActor;

use super::error::ConsoleError;
use super::layout::{self, Nav};
use super::session::Session;
use super::{Form, see_other, store};
use crate::manage::tenants::{self, NewTenant, TenantSummary};
use crate::manage::{self, ManageError, PageRequest};
use crate::state::AppState;

/// Tenants per page.
const PAGE: u32 = 50;

/// An input error shown beside its field: the field and what to do.
pub(super) struct Inline {
    pub(super) field: String,
    pub(super) message: String,
}

impl Inline {
    /// The error of `field`, if it is the one at fault.
    pub(super) fn of<'a>(errors: &'a Option<Inline>, field: &str) -> Option<&'a str> {
        errors
            .as_ref()
            .filter(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
            .map(|e| e.message.as_str())
    }
}

/// A failure the person can fix (bad input) as an inline error; anything else as an error page.
pub(super) fn inline(error: ManageError) -> Result<Inline, ConsoleError> {
    match error {
        ManageError::Malformed { field, reason } | ManageError::Invalid { field, reason } => {
            Ok(Inline {
                field,
                message: sentence(&reason),
            })
        }
        ManageError::TenantExists(id) => Ok(Inline {
            field: "id".into(),
            message: format!("A tenant called {id} exists already. Choose another id."),
        }),
        e => Err(e.into()),
    }
}

/// A form's outcome: its value, or (for input the person can fix) the inline error to show.
pub(super) fn or_inline<T>(
    result: Result<T, ConsoleError>,
) -> Result<Result<T, Inline>, ConsoleError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(ConsoleError::Manage(e)) => inline(e).map(Err),
        Err(e) => Err(e),
    }
}

/// `reason` as a sentence: capitalised, with a full stop.
fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    let mut text = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

fn operator_only(session: &Session) -> Result<(), ConsoleError> {
    if session.is_operator() {
        Ok(())
    } else {
        Err(ConsoleError::NotFound)
    }
}

/// The tenants of a page, with their summaries.
fn load(
    store: &dyn scim_store::Store,
    after: Option<String>,
) -> Result<(Vec<TenantSummary>, Option<String>), ManageError> {
    let page = tenants::list(store, &PageRequest { after, limit: PAGE })?;
    let summaries = page
        .items
        .iter()
        .map(|t| tenants::summary(store, &manage::tenant_id(&t.id)?))
        .collect::<Result<_, _>>()?;
    Ok((summaries, page.next_after))
}

/// `GET /console/tenants?after=`.
pub(super) async fn list(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    operator_only(&session)?;
    let after = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.iter().find(|(k, _)| k == "after").map(|(_, v)| v.clone()));
    let (summaries, next) = store(&state, move |store| load(store, after)).await?;
    Ok(render(
        &session,
        &summaries,
        next.as_deref(),
        &Form::parse(b""),
        &None,
    ))
}

fn render(
    session: &Session,
    summaries: &[TenantSummary],
    next: Option<&str>,
    form: &Form,
    errors: &Option<Inline>,
) -> HttpResponse {
    let body = html! {
        (layout::heading("Tenants", Some(html! { "Every organisation this server provisions, at a glance." }), None))
        @if let Some(error) = Inline::of(errors, "body") { div.notice.bad role="alert" { (error) } }
        div.card {
            div.table-wrap {
                table {
                    caption.hint { "Organisations, in id order" }
                    thead { tr {
                        th scope="col" { "Tenant" }
                        th.num scope="col" { "Users" }
                        th.num scope="col" { "Groups" }
                        th scope="col" { "Last provisioning activity" }
                        th.num scope="col" { "Working keys" }
                        th scope="col" { "Webhooks" }
                    } }
                    tbody {
                        @if summaries.is_empty() {
                            (layout::empty_row(6, "No tenants yet.", "Create the first one below."))
                        }
                        @for t in summaries {
                            tr {
                                th scope="row" { a href={ "/console/t/" (t.id) } { (t.id) } }
                                td.num { (t.users) }
                                td.num { (t.groups) }
                                td { (activity(t)) }
                                td.num {
                                    @if t.active_keys == 0 { (layout::badge("warn", "none")) } @else { (t.active_keys) }
                                }
                                td {
                                    @if t.failing_subscriptions > 0 {
                                        (layout::badge("bad", &format!("{} failing", t.failing_subscriptions)))
                                    } @else if t.subscriptions > 0 {
                                        (layout::badge("ok", &format!("{} healthy", t.subscriptions)))
                                    } @else { span.hint { "none" } }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = next {
                div.pager { span {} a.button.secondary href={ "/console/tenants?after=" (next) } { "Next tenants" } }
            }
        }
        div.card {
            h2 { "Create a tenant" }
            p.hint { "One group is created per project and role, named " code { "<prefix>-<Project>-<Role>" } ", for identity providers to link to." }
            form.stack method="post" action="/console/tenants" novalidate {
                (layout::csrf_field(session))
                div.row {
                    (layout::field("id", "Tenant id", form.get("id").unwrap_or_default(), Some("1 to 64 of A-Z a-z 0-9 . _ -"), Inline::of(errors, "id"), true))
                    (layout::field("group_prefix", "Group prefix", form.get("group_prefix").unwrap_or_default(), Some("Default: the tenant id"), Inline::of(errors, "group_prefix"), false))
                }
                div.row {
                    (layout::field("projects", "Projects", form.get("projects").unwrap_or_default(), Some("Comma-separated, e.g. Website, Mobile"), Inline::of(errors, "projects"), false))
                    (layout::field("roles", "Roles", form.get("roles").unwrap_or_default(), Some("Comma-separated, e.g. Admin, Member"), Inline::of(errors, "roles"), false))
                }
                div.check {
                    input #email_changes type="checkbox" name="email_changes" value="on" checked[form.get("csrf").is_none() || form.checked("email_changes")];
                    label for="email_changes" { "Identity providers may change emails"
                        span.hint { "Off, a SCIM change of a user's emails is refused (400 mutability)." } }
                }
                div { button.button type="submit" { "Create tenant" } }
            }
        }
    };
    layout::page(session, None, Nav::Tenants, "Tenants", body)
}

fn activity(t: &TenantSummary) -> Markup {
    html! {
        @match (&t.last_key_use, &t.last_event) {
            (Some(used), _) => { "Key used " (layout::when(*used)) }
            (None, Some(event)) => { code { (event.event_type) } " " (layout::when(event.occurred_at)) }
            (None, None) => { span.hint { "never" } }
        }
    }
}

/// Names from a comma-separated field.
pub(super) fn names(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /console/tenants`: creates a tenant, or shows the form again with what to fix.
pub(super) async fn create(
    state: web::Data<AppState>,
    session: Session,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let form = Form::parse(&body);
    session.check(&form)?;
    operator_only(&session)?;
    let id = form.get("id").unwrap_or_default().trim().to_owned();
    let new = NewTenant {
        id: match manage::new_tenant_id("id", &id) {
            Ok(id) => id,
            Err(e) => return rerender(&state, &session, form, inline(e)?).await,
        },
        group_prefix: form
            .get("group_prefix")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        projects: names(form.get("projects")),
        roles: names(form.get("roles")),
        email_changes: form.checked("email_changes"),
        plain: false,
    };
    let created = store(&state, move |store| {
        tenants::create(store, &new, &EventActor::Admin)
    })
    .await;
    match or_inline(created)? {
        Ok(created) => Ok(see_other(&format!("/console/t/{}", created.tenant.id))),
        Err(error) => rerender(&state, &session, form, error).await,
    }
}

async fn rerender(
    state: &AppState,
    session: &Session,
    form: Form,
    error: Inline,
) -> Result<HttpResponse, ConsoleError> {
    let (summaries, next) = store(state, move |store| load(store, None)).await?;
    let mut response = render(session, &summaries, next.as_deref(), &form, &Some(error));
    *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
