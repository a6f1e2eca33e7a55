//! `/console/t/{tenant}/people`: search (plain text, or a SCIM filter), status badges, cursor
//! pages that stay fast at 100,000 users; and one person: attributes, groups, effective projects
//! and roles, and their history from the event log.

use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, html};

use super::activity::event_rows;
use super::error::ConsoleError;
use super::layout::{self, Nav};
use super::session::Session;
use super::store;
use super::tenants::{Inline, inline};
use crate::http::manage::input::QueryParams;
use crate::manage::events::{self, ActivityRequest};
use crate::manage::people::{self, PeoplePage, PeopleRequest, Search};
use crate::state::AppState;

/// People per page.
const PAGE: u32 = 50;

fn query(req: &HttpRequest) -> Result<QueryParams, ConsoleError> {
    QueryParams::of(req).map_err(|_| ConsoleError::NotFound)
}

/// `GET /console/t/{tenant}/people?q=&mode=text|filter&cursor=`.
pub(super) async fn list(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let params = query(&req)?;
    let text = params.text("q").ok().flatten().unwrap_or_default();
    let filter_mode = params.text("mode").ok().flatten().as_deref() == Some("filter");
    let cursor = params.text("cursor").ok().flatten();
    let search = match (text.trim().is_empty(), filter_mode) {
        (true, _) => Search::All,
        (false, true) => Search::Filter(text.clone()),
        (false, false) => Search::Text(text.trim().to_owned()),
    };
    let request = PeopleRequest {
        search,
        cursor,
        limit: PAGE,
    };
    let scoped = tenant.clone();
    let found = store(&state, move |store| {
        Ok(people::search(store, &scoped, &request))
    })
    .await?;
    let (page, error) = match found {
        Ok(page) => (Some(page), None),
        Err(e) => (None, Some(inline(e)?)),
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::BAD_REQUEST
    } else {
        actix_web::http::StatusCode::OK
    };
    let mut response = render(
        &session,
        tenant.as_str(),
        &text,
        filter_mode,
        page.as_ref(),
        &error,
    );
    *response.status_mut() = status;
    Ok(response)
}

fn render(
    session: &Session,
    tenant: &str,
    text: &str,
    filter_mode: bool,
    page: Option<&PeoplePage>,
    error: &Option<Inline>,
) -> HttpResponse {
    let search_error = Inline::of(error, "filter").or(Inline::of(error, "q"));
    let cursor_error = Inline::of(error, "cursor");
    let base = format!("/console/t/{tenant}/people");
    let again = format!(
        "{base}?q={}&mode={}",
        encode(text),
        if filter_mode { "filter" } else { "text" }
    );
    let body = html! {
        (layout::heading("People", Some(html! { "Everyone your identity provider provisioned, newest last." }), None))
        div.card {
            form.row method="get" action=(base) role="search" {
                div.field {
                    label for="q" { "Search people" }
                    input #q type="search" name="q" value=(text) placeholder="ada@example.com, or userName sw \"a\""
                        aria-invalid=[search_error.map(|_| "true")] aria-describedby=(if search_error.is_some() { "q-error" } else { "q-hint" });
                    @if let Some(message) = search_error { span #q-error .error-text { (message) } }
                    @else { span #q-hint .hint { "Plain text finds userNames, names and emails, ignoring case. A SCIM filter gives you every attribute." } }
                }
                div.field.narrow {
                    label for="mode" { "Search as" }
                    select #mode name="mode" {
                        option value="text" selected[!filter_mode] { "Plain text" }
                        option value="filter" selected[filter_mode] { "SCIM filter" }
                    }
                }
                div { button.button type="submit" { "Search" } }
            }
        }
        @if let Some(message) = cursor_error { div.notice.bad role="alert" { (message) " " a href=(base) { "Start from the first page." } } }
        @if let Some(page) = page {
            div.card {
                div.table-wrap { table {
                    caption.hint { (page.total) " " (if page.total == 1 { "person" } else { "people" }) (if text.is_empty() { "" } else { " match" }) }
                    thead { tr {
                        th scope="col" { "Person" }
                        th.hide-narrow scope="col" { "Email" }
                        th scope="col" { "Status" }
                        th.hide-narrow scope="col" { "Last changed" }
                    } }
                    tbody {
                        @if page.people.is_empty() {
                            @if text.is_empty() {
                                (layout::empty_row(4, "No one yet.", "Assign people to the app in your identity provider; they appear here as they arrive."))
                            } @else {
                                (layout::empty_row(4, "No one matches.", "Check the spelling, or search for part of the name."))
                            }
                        }
                        @for person in &page.people {
                            tr {
                                td {
                                    a href={ (base) "/" (person.id) } { (person.user_name) }
                                    @if let Some(name) = &person.display_name { br; span.hint { (name) } }
                                }
                                td.hide-narrow { (person.email.as_deref().unwrap_or("")) }
                                td { (status(person.active)) }
                                td.hide-narrow { @if let Some(at) = &person.last_modified { (layout::when_text(at)) } }
                            }
                        }
                    }
                } }
                div.pager {
                    @if page.next_cursor.is_some() || !text.is_empty() {
                        a href=(base) { "First page" }
                    } @else { span {} }
                    @if let Some(next) = &page.next_cursor {
                        a.button.secondary href={ (again) "&cursor=" (encode(next)) } { "Next " (PAGE) }
                    }
                }
            }
        }
    };
    layout::page(session, Some(tenant), Nav::People, "People", body)
}

/// A person's status badge.
pub(super) fn status(active: bool) -> Markup {
    if active {
        layout::badge("ok", "active")
    } else {
        layout::badge("", "deactivated")
    }
}

/// Percent-encodes a query parameter's value.
pub(super) fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `GET /console/t/{tenant}/people/{id}`.
pub(super) async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (tenant, id) = path.into_inner();
    let tenant = session.tenant_of(&tenant)?;
    let scoped = tenant.clone();
    let (person, history) = store(&state, move |store| {
        let person = people::show(store, &scoped, &id)?;
        let history = events::activity(
            store,
            &scoped,
            &ActivityRequest {
                person: Some(person.summary.id.clone()),
                limit: 50,
                ..ActivityRequest::default()
            },
        )?;
        Ok((person, history))
    })
    .await?;
    let t = tenant.as_str();
    let s = &person.summary;
    let attributes = serde_json::to_string_pretty(&person.attributes).unwrap_or_default();
    let body = html! {
        div.crumbs { a href={ "/console/t/" (t) "/people" } { "People" } " / " (s.user_name) }
        (layout::heading(&s.user_name, s.display_name.as_ref().map(|n| html! { (n) }), None))
        div.two {
            div.card {
                h2 { "Person" }
                dl.facts {
                    dt { "Status" } dd { (status(s.active)) @if person.owner { " " (layout::badge("warn", "protected owner")) } }
                    dt { "Email" } dd { (s.email.as_deref().unwrap_or("—")) }
                    dt { "SCIM id" } dd.mono { (s.id) }
                    dt { "External id" } dd.mono { (s.external_id.as_deref().unwrap_or("—")) }
                    dt { "Created" } dd { @if let Some(at) = &s.created { (layout::when_text(at)) } }
                    dt { "Last changed" } dd { @if let Some(at) = &s.last_modified { (layout::when_text(at)) } }
                }
                @if !person.owner {
                    form.stack method="post" action={ "/console/t/" (t) "/owner" }
                        data-confirm="Make this person the protected owner? The current owner, if any, is released." {
                        (layout::csrf_field(&session))
                        input type="hidden" name="user_name" value=(s.user_name);
                        div { button.button.secondary.small type="submit" { "Make protected owner" } }
                    }
                }
            }
            div.card {
                h2 { "Projects and roles" }
                @if person.access.is_empty() {
                    p.hint { "No project roles: they come from the project × role groups your identity provider pushes." }
                } @else {
                    dl.facts {
                        @for (project, roles) in &person.access {
                            dt { (project) } dd { @for role in roles { (layout::badge("accent", role)) " " } }
                        }
                    }
                }
                h3 { "Groups" }
                @if person.groups.is_empty() { p.hint { "In no group." } }
                @else {
                    ul { @for group in &person.groups {
                        li { a href={ "/console/t/" (t) "/groups/" (group.id) } { (group.name) } }
                    } }
                }
            }
        }
        div.card {
            h2 { "History" }
            p.hint { "What happened to this person, newest first, from the event log." }
            div.table-wrap { table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "By" } th.hide-narrow scope="col" { "Changed" } } }
                tbody { (event_rows(t, &history.events, "No events about this person are kept.")) }
            } }
        }
        div.card {
            h2 { "Attributes" }
            pre.secret tabindex="0" aria-label="The SCIM document as stored" { (attributes) }
        }
    };
    Ok(layout::page(
        &session,
        Some(t),
        Nav::People,
        &person.summary.user_name,
        body,
    ))
}
