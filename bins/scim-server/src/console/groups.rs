//! `/console/t/{tenant}/groups[/{id}]` and `/matrix`: groups with their member counts, one
//! group with its members a page at a time (a 100,000-member group opens as fast as a small
//! one), and the project x role matrix.

use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use maud::html;

use super::activity::event_rows;
use super::error::ConsoleError;
use super::layout::{self, Nav};
use super::people::{encode, status};
use super::session::Session;
use super::store;
use crate::http::manage::input::QueryParams;
use crate::manage::events::{self, ActivityRequest};
use crate::manage::groups;
use crate::state::AppState;

/// Groups or members per page.
const PAGE: u32 = 50;

fn param(req: &HttpRequest, name: &str) -> Option<String> {
    QueryParams::of(req)
        .ok()
        .and_then(|q| q.text(name).ok().flatten())
        .filter(|v| !v.is_empty())
}

/// `GET /console/t/{tenant}/groups?q=&cursor=`.
pub(super) async fn list(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let text = param(&req, "q").unwrap_or_default();
    let cursor = param(&req, "cursor");
    let (scoped, search) = (tenant.clone(), text.clone());
    let page = store(&state, move |store| {
        groups::list(store, &scoped, search.trim(), cursor, PAGE)
    })
    .await?;
    let t = tenant.as_str();
    let base = format!("/console/t/{t}/groups");
    let body = html! {
        (layout::heading("Groups", Some(html! { "The project × role groups, and any other group your identity provider pushed." }), None))
        div.card {
            form.row method="get" action=(base) role="search" {
                div.field {
                    label for="q" { "Find a group" }
                    input #q type="search" name="q" value=(text) aria-describedby="q-hint";
                    span #q-hint .hint { "Part of the name, ignoring case." }
                }
                div { button.button type="submit" { "Search" } }
            }
        }
        div.card {
            div.table-wrap { table {
                caption.hint { (page.total) " " (if page.total == 1 { "group" } else { "groups" }) }
                thead { tr {
                    th scope="col" { "Group" }
                    th scope="col" { "Project" }
                    th scope="col" { "Role" }
                    th.num scope="col" { "Members" }
                } }
                tbody {
                    @if page.groups.is_empty() {
                        (layout::empty_row(4, "No groups.", "Project × role groups are created with the tenant; add projects and roles on the Policies page."))
                    }
                    @for group in &page.groups {
                        tr {
                            td { a href={ (base) "/" (group.id) } { (group.name) } }
                            td { (group.project.as_deref().unwrap_or("—")) }
                            td { (group.role.as_deref().unwrap_or("—")) }
                            td.num { (group.members) }
                        }
                    }
                }
            } }
            @if let Some(next) = &page.next_cursor {
                div.pager {
                    a href=(base) { "First page" }
                    a.button.secondary href={ (base) "?q=" (encode(&text)) "&cursor=" (encode(next)) } { "Next " (PAGE) }
                }
            }
        }
    };
    Ok(layout::page(&session, Some(t), Nav::Groups, "Groups", body))
}

/// `GET /console/t/{tenant}/groups/{id}?after=`: the group, a page of its members, its
/// history.
pub(super) async fn show(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (tenant, id) = path.into_inner();
    let tenant = session.tenant_of(&tenant)?;
    let after = param(&req, "after");
    let scoped = tenant.clone();
    let (group, members, history) = store(&state, move |store| {
        let group = groups::show(store, &scoped, &id)?;
        let members = groups::members(store, &scoped, &id, after.as_deref(), PAGE)?;
        let history = events::activity(
            store,
            &scoped,
            &ActivityRequest {
                person: Some(id.clone()),
                limit: 20,
                ..ActivityRequest::default()
            },
        )?;
        Ok((group, members, history))
    })
    .await?;
    let t = tenant.as_str();
    let g = &group.summary;
    let body = html! {
        div.crumbs { a href={ "/console/t/" (t) "/groups" } { "Groups" } " / " (g.name) }
        (layout::heading(&g.name, None, None))
        div.grid {
            div.stat { div.label { "Members" } div.value { (g.members) } }
            div.stat { div.label { "Project" } div.value { (g.project.as_deref().unwrap_or("—")) } }
            div.stat { div.label { "Role" } div.value { (g.role.as_deref().unwrap_or("—")) } }
            div.stat { div.label { "Identity provider" } div.value {
                @if group.linked { (layout::badge("ok", "linked")) } @else { (layout::badge("warn", "not pushed yet")) }
            } }
        }
        div.card {
            h2 { "Members" }
            div.table-wrap { table {
                caption.hint { "In id order, " (PAGE) " at a time" }
                thead { tr { th scope="col" { "Member" } th scope="col" { "Type" } th scope="col" { "Status" } } }
                tbody {
                    @if members.members.is_empty() {
                        (layout::empty_row(3, "No members.", "Members arrive when your identity provider pushes this group."))
                    }
                    @for member in &members.members {
                        tr {
                            td {
                                @let path = if member.member_type == "User" { "people" } else { "groups" };
                                a href={ "/console/t/" (t) "/" (path) "/" (member.id) } { (member.name.as_deref().unwrap_or(&member.id)) }
                                @if let Some(name) = &member.display_name { br; span.hint { (name) } }
                            }
                            td { (member.member_type) }
                            td { @if let Some(active) = member.active { (status(active)) } }
                        }
                    }
                }
            } }
            div.pager {
                @if after_given(&req) { a href={ "/console/t/" (t) "/groups/" (g.id) } { "First page" } } @else { span {} }
                @if let Some(next) = &members.next_after {
                    a.button.secondary href={ "/console/t/" (t) "/groups/" (g.id) "?after=" (encode(next)) } { "Next " (PAGE) " members" }
                }
            }
        }
        div.card {
            h2 { "Recent changes" }
            div.table-wrap { table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "By" } th.hide-narrow scope="col" { "Changed" } } }
                tbody { (event_rows(t, &history.events, "No events about this group are kept.")) }
            } }
        }
    };
    Ok(layout::page(&session, Some(t), Nav::Groups, &g.name, body))
}

fn after_given(req: &HttpRequest) -> bool {
    param(req, "after").is_some()
}

/// `GET /console/t/{tenant}/matrix`: one cell per project x role group.
pub(super) async fn matrix(
    state: web::Data<AppState>,
    session: Session,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let scoped = tenant.clone();
    let matrix = store(&state, move |store| groups::matrix(store, &scoped)).await?;
    let t = tenant.as_str();
    let body = html! {
        (layout::heading("Projects × roles", Some(html! { "One group per project and role. A cell shows its members, and whether your identity provider has linked to it (pushed to it)." }), None))
        @if matrix.cells.is_empty() {
            div.card { p.empty { strong { "No projects or roles yet." } "Add them on the " a href={ "/console/t/" (t) "/policies" } { "Policies" } " page." } }
        } @else {
            div.card { div.table-wrap { table.matrix {
                thead { tr {
                    th scope="col" { "Project" }
                    @for role in &matrix.roles { th scope="col" { (role) } }
                } }
                tbody {
                    @for project in &matrix.projects {
                        tr {
                            th scope="row" { (project) }
                            @for role in &matrix.roles {
                                td {
                                    @if let Some(cell) = matrix.cells.iter().find(|c| &c.project == project && &c.role == role) {
                                        div.cell {
                                            @if let Some(id) = &cell.id {
                                                a href={ "/console/t/" (t) "/groups/" (id) } aria-label={ (project) " " (role) ": " (cell.members) " members" } {
                                                    span.count { (cell.members) }
                                                }
                                            } @else { span.count { "—" } }
                                            span.hint.mono { (cell.name) }
                                            @if cell.id.is_none() { (layout::badge("bad", "group missing")) }
                                            @else if cell.linked { (layout::badge("ok", "linked")) }
                                            @else { (layout::badge("warn", "not pushed yet")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } } }
        }
    };
    Ok(layout::page(
        &session,
        Some(t),
        Nav::Matrix,
        "Projects × roles",
        body,
    ))
}
