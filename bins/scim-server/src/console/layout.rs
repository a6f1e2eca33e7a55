//! The page frame every console page shares: landmarks, a skip link, the navigation, the
//! signed-in box with sign-out; and the small pieces pages repeat (badges, times, pagers).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::assets;
use super::session::Session;

/// The sections of a tenant's pages, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nav {
    /// The operators' list of tenants.
    Tenants,
    /// Connect your identity provider (and SCIM keys).
    Connect,
    /// People.
    People,
    /// Groups.
    Groups,
    /// Projects x roles.
    Matrix,
    /// Policies.
    Policies,
    /// Activity.
    Activity,
    /// Webhooks.
    Webhooks,
}

const SECTIONS: [(Nav, &str, &str); 7] = [
    (Nav::Connect, "", "Connect"),
    (Nav::People, "/people", "People"),
    (Nav::Groups, "/groups", "Groups"),
    (Nav::Matrix, "/matrix", "Projects × roles"),
    (Nav::Policies, "/policies", "Policies"),
    (Nav::Activity, "/activity", "Activity"),
    (Nav::Webhooks, "/webhooks", "Webhooks"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · SCIM console" }
            link rel="stylesheet" href=(assets::url("console.css"));
            script src=(assets::url("console.js")) defer {}
        }
    }
}

fn brand(href: &str) -> Markup {
    html! {
        a.brand href=(href) {
            span.brand-mark aria-hidden="true" { "SC" }
            span { "SCIM console" }
        }
    }
}

/// A page of a signed-in session: the navigation for `tenant` (when the page is one of a
/// tenant's), the title, and the body.
pub(super) fn page(
    session: &Session,
    tenant: Option<&str>,
    nav: Nav,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let current = |item: Nav| (item == nav).then_some("page");
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to content" }
                div.shell {
                    header.sidebar {
                        (brand("/console"))
                        nav aria-label="Console" {
                            @if session.is_operator() {
                                p.nav-label { "Installation" }
                                ul {
                                    li { a href="/console/tenants" aria-current=[current(Nav::Tenants)] { "Tenants" } }
                                }
                            }
                            @if let Some(tenant) = tenant {
                                p.nav-label { "Organisation " (tenant) }
                                ul {
                                    @for (item, path, label) in SECTIONS {
                                        li { a href={ "/console/t/" (tenant) (path) } aria-current=[current(item)] { (label) } }
                                    }
                                }
                            }
                        }
                        div.who {
                            span {
                                @if session.is_operator() { "Signed in as operator" }
                                @else { "Signed in for " (tenant.unwrap_or_default()) }
                            }
                            form.inline method="post" action="/console/sign-out" {
                                (csrf_field(session))
                                button.button.secondary.small type="submit" { "Sign out" }
                            }
                        }
                    }
                    main #main tabindex="-1" { (body) }
                }
            }
        }
    };
    respond(StatusCode::OK, markup)
}

/// A page outside a session (sign-in, links, errors): a single card.
pub(super) fn bare(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                main.signin #main {
                    div.card {
                        (brand("/console"))
                        (body)
                    }
                }
            }
        }
    };
    respond(status, markup)
}

fn respond(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(markup.into_string())
}

/// The hidden field every state-changing form carries.
pub(super) fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name=(super::csrf::FIELD) value=(session.csrf()); }
}

/// A page heading with a line under it, and actions on the right.
pub(super) fn heading(title: &str, lead: Option<Markup>, actions: Option<Markup>) -> Markup {
    html! {
        div.page-head {
            div {
                h1 { (title) }
                @if let Some(lead) = lead { p { (lead) } }
            }
            @if let Some(actions) = actions { div { (actions) } }
        }
    }
}

/// A date and time people read: `2026-12-07 09:41 UTC`, in a `<time>` element.
pub(super) fn when(at: DateTime<Utc>) -> Markup {
    html! {
        time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M UTC")) }
    }
}

/// [`when`] of an RFC 3339 text (as SCIM's `meta` holds it), or the text itself.
pub(super) fn when_text(text: &str) -> Markup {
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => when(at.with_timezone(&Utc)),
        Err(_) => html! { (text) },
    }
}

/// A badge: `kind` is `ok`, `warn`, `bad`, `accent` or empty.
pub(super) fn badge(kind: &str, text: &str) -> Markup {
    html! { span class={ "badge " (kind) } { (text) } }
}

/// The "nothing here" row of a table.
pub(super) fn empty_row(columns: usize, title: &str, hint: &str) -> Markup {
    html! {
        tr data-empty {
            td.empty colspan=(columns) { strong { (title) } (hint) }
        }
    }
}

/// A text field with its label, hint and inline error.
pub(super) fn field(
    id: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    error: Option<&str>,
    required: bool,
) -> Markup {
    let described = match (hint.is_some(), error.is_some()) {
        (_, true) => Some(format!("{id}-error")),
        (true, false) => Some(format!("{id}-hint")),
        (false, false) => None,
    };
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(id) type="text" value=(value)
                required[required] aria-invalid=[error.map(|_| "true")] aria-describedby=[described];
            @if let Some(error) = error { span.error-text id={ (id) "-error" } { (error) } }
            @else if let Some(hint) = hint { span.hint id={ (id) "-hint" } { (hint) } }
        }
    }
}
