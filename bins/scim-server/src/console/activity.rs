//! `/console/t/{tenant}/activity`: the event log, newest first, filtered by type, person and
//! key, updating live: server-sent events (`/stream`) woken by the tenant's commit signals, or
//! polling (`/rows`) where a browser cannot keep a stream open.

use std::time::{Duration, Instant};

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, html};
use scim_store::{Event, EventActor, EventType, TenantId};

use super::error::ConsoleError;
use super::layout::{self, Nav};
use super::people::encode;
use super::session::Session;
use super::store;
use super::tenants::inline;
use crate::http::manage::input::QueryParams;
use crate::manage::events::{self, ActivityRequest};
use crate::manage::tokens::{self, TokenView};
use crate::manage::{ManageError, PageRequest};
use crate::state::AppState;

/// Events per page.
const PAGE: u32 = 50;
/// How long one stream stays open; the browser's EventSource then reconnects (with
/// `Last-Event-ID`), and the session is checked again.
const STREAM_FOR: Duration = Duration::from_secs(300);
/// How often a stream reads the database for events of other server processes.
const RECHECK: Duration = Duration::from_millis(1000);
/// How often an idle stream sends a comment, so that a closed connection is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The filters a query string asks for (shared by the page, the stream and the rows).
fn request(req: &HttpRequest) -> Result<ActivityRequest, ManageError> {
    let query = QueryParams::of(req)?;
    let mut request = crate::http::manage::directory::activity_request(&query)?;
    request.limit = PAGE;
    Ok(request)
}

fn filters_query(request: &ActivityRequest) -> String {
    let mut query = String::new();
    for t in &request.types {
        query.push_str(&format!("&type={}", t.as_str()));
    }
    if let Some(person) = &request.person {
        query.push_str(&format!("&person={}", encode(person)));
    }
    if let Some(key) = &request.key {
        query.push_str(&format!("&key={}", encode(key)));
    }
    query
}

/// `GET /console/t/{tenant}/activity?type=&person=&key=&before=`.
pub(super) async fn page(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let (request, error) = match request(&req) {
        Ok(request) => (request, None),
        Err(e) => (
            ActivityRequest {
                limit: PAGE,
                ..ActivityRequest::default()
            },
            Some(inline(e)?),
        ),
    };
    let (scoped, asked) = (tenant.clone(), request.clone());
    let (page, keys) = store(&state, move |store| {
        let page = events::activity(store, &scoped, &asked)?;
        let keys = tokens::list(store, Some(&scoped), &PageRequest::all())?.items;
        Ok((page, keys))
    })
    .await?;
    let t = tenant.as_str();
    let base = format!("/console/t/{t}/activity");
    let newest = page.events.first().map_or(0, |e| e.seq);
    let live = request.before.is_none();
    let filters = filters_query(&request);
    let type_value = request.types.first().map_or("", |t| t.as_str());
    let body = html! {
        (layout::heading("Activity", Some(html! { "What your identity provider and operators changed, newest first." }),
            live.then(|| html! { span #live-status .live data-state="off" aria-live="polite" { "Live updates need JavaScript" } })))
        @if let Some(error) = &error { div.notice.bad role="alert" { (error.message) } }
        div.card {
            form.row method="get" action=(base) {
                div.field.narrow {
                    label for="type" { "Type" }
                    select #type name="type" {
                        option value="" { "Every type" }
                        @for t in EventType::ALL {
                            option value=(t.as_str()) selected[type_value == t.as_str()] { (t.as_str()) }
                        }
                    }
                }
                div.field {
                    label for="person" { "Person" }
                    input #person type="text" name="person" value=(request.person.as_deref().unwrap_or_default())
                        aria-describedby="person-hint";
                    span #person-hint .hint { "A userName, or any id (a deleted user's, a group's)." }
                }
                div.field.narrow {
                    label for="key" { "Made by" }
                    select #key name="key" {
                        option value="" { "Anyone" }
                        (key_options(&keys, request.key.as_deref()))
                    }
                }
                div { button.button type="submit" { "Filter" } }
            }
        }
        div.card {
            div.table-wrap {
                table data-live=[live.then(|| format!("{base}?{}", filters.trim_start_matches('&')))] data-after=(newest) {
                    caption.hint { "Newest first" }
                    thead { tr { th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "By" } th.hide-narrow scope="col" { "Changed" } } }
                    tbody { (event_rows(t, &page.events, if page.next_before.is_some() {
                        "No events match in this stretch of the log. Older events may: see Older events below."
                    } else {
                        "No events match. Changes appear here as your identity provider makes them."
                    })) }
                }
            }
            div.pager {
                @if request.before.is_some() { a href={ (base) "?" (filters.trim_start_matches('&')) } { "Newest" } } @else { span {} }
                @if let Some(before) = page.next_before {
                    a.button.secondary href={ (base) "?before=" (before) (filters) } { "Older events" }
                }
            }
        }
    };
    Ok(layout::page(
        &session,
        Some(t),
        Nav::Activity,
        "Activity",
        body,
    ))
}

fn key_options(keys: &[TokenView], selected: Option<&str>) -> Markup {
    html! {
        @for key in keys.iter().rev() {
            option value=(key.id) selected[selected == Some(key.id.as_str())] {
                "Key: " (if key.description.is_empty() { key.id.as_str() } else { key.description.as_str() })
            }
        }
        option value="admin" selected[selected == Some("admin")] { "Operators (console, admin API)" }
        option value="cli" selected[selected == Some("cli")] { "Command line" }
    }
}

/// The rows of `events` (newest first), or one row saying `empty`.
pub(super) fn event_rows(tenant: &str, events: &[Event], empty: &str) -> Markup {
    html! {
        @if events.is_empty() { (layout::empty_row(4, "Nothing yet.", empty)) }
        @for event in events { (row(tenant, event, false)) }
    }
}

/// One event as a table row.
fn row(tenant: &str, event: &Event, new: bool) -> Markup {
    let r = &event.resource;
    let link = match r.resource_type.as_str() {
        "User" => Some(format!("/console/t/{tenant}/people/{}", r.id)),
        "Group" => Some(format!("/console/t/{tenant}/groups/{}", r.id)),
        _ => None,
    };
    let name = r.name.as_deref().unwrap_or(&r.id);
    let kind = match event.event_type {
        EventType::UserDeactivated | EventType::AccessRevoked | EventType::TokenRevoked => "warn",
        EventType::UserDeleted | EventType::GroupDeleted => "bad",
        EventType::UserCreated | EventType::AccessGranted | EventType::TokenIssued => "ok",
        _ => "accent",
    };
    html! {
        tr class=[new.then_some("new-row")] data-seq=(event.seq) {
            td { (layout::when(event.occurred_at)) }
            td {
                (layout::badge(kind, event.event_type.as_str())) " "
                @match (&link, event.event_type) {
                    (_, EventType::UserDeleted | EventType::GroupDeleted) | (None, _) => { (name) }
                    (Some(link), _) => { a href=(link) { (name) } }
                }
                @if let Some((project, role)) = &event.access { " " span.hint { (project) " · " (role) } }
            }
            td { (actor(&event.actor)) }
            td.hide-narrow {
                @if !event.members.is_empty() {
                    (event.members.len()) @if event.access.is_some() { " user" } @else { " member" } (if event.members.len() == 1 { "" } else { "s" })
                } @else {
                    span.hint { (event.changed.join(", ")) }
                }
            }
        }
    }
}

fn actor(actor: &EventActor) -> Markup {
    match actor {
        EventActor::Token(id) => {
            html! { "key " span.mono title=(id) { (id.chars().take(8).collect::<String>()) } }
        }
        EventActor::Admin => html! { "operator" },
        EventActor::Cli => html! { "command line" },
    }
}

/// The events after `after` that `request` selects, oldest first: what a live page adds.
fn newer(
    store: &dyn scim_store::Store,
    tenant: &TenantId,
    request: &ActivityRequest,
    after: i64,
) -> Result<Vec<Event>, ManageError> {
    let mut events = events::activity(
        store,
        tenant,
        &ActivityRequest {
            after: Some(after),
            before: None,
            ..request.clone()
        },
    )?
    .events;
    events.reverse();
    Ok(events)
}

fn after_of(req: &HttpRequest) -> i64 {
    let last_event_id = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    last_event_id
        .or_else(|| {
            QueryParams::of(req)
                .ok()
                .and_then(|q| q.optional_integer("after", 0, i64::MAX).ok().flatten())
        })
        .unwrap_or(0)
        .max(0)
}

/// `GET /console/t/{tenant}/activity/rows?after=`: the new rows, oldest first, as
/// `[{"seq", "html"}]`, for the page's polling.
pub(super) async fn rows(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let request = request(&req)?;
    let after = after_of(&req);
    let scoped = tenant.clone();
    let events = store(&state, move |store| newer(store, &scoped, &request, after)).await?;
    let rows: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            serde_json::json!({"seq": e.seq, "html": row(tenant.as_str(), e, true).into_string()})
        })
        .collect();
    Ok(HttpResponse::Ok().json(rows))
}

/// One server-sent event carrying a row (each line of the HTML its own `data:` line).
fn sse_row(tenant: &str, event: &Event) -> String {
    let html = row(tenant, event, true).into_string();
    let mut message = format!("id: {}\nevent: row\n", event.seq);
    for line in html.lines() {
        message.push_str("data: ");
        message.push_str(line);
        message.push('\n');
    }
    message.push('\n');
    message
}

/// What a stream carries between two sends.
struct Stream {
    state: AppState,
    tenant: TenantId,
    request: ActivityRequest,
    after: i64,
    signal: tokio::sync::watch::Receiver<u64>,
    ends: Instant,
    quiet_since: Instant,
}

/// `GET /console/t/{tenant}/activity/stream?after=`: `text/event-stream`, a `row` event per
/// new event, for five minutes (the browser reconnects, resuming from `Last-Event-ID`).
pub(super) async fn stream(
    state: web::Data<AppState>,
    session: Session,
    req: HttpRequest,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let request = request(&req)?;
    let now = Instant::now();
    let start = Stream {
        signal: state.signals.watch(&tenant),
        state: state.get_ref().clone(),
        tenant,
        request,
        after: after_of(&req),
        ends: now + STREAM_FOR,
        quiet_since: now,
    };
    let body = futures_util::stream::unfold(Some(start), |stream| async move {
        let mut stream = stream?;
        loop {
            stream.signal.borrow_and_update();
            let (tenant, request, after) =
                (stream.tenant.clone(), stream.request.clone(), stream.after);
            let read = store(&stream.state, move |store| {
                newer(store, &tenant, &request, after)
            })
            .await;
            let events = match read {
                Ok(events) => events,
                // The browser reconnects and the page's polling takes over if it keeps failing.
                Err(_) => return None,
            };
            if let Some(last) = events.last() {
                stream.after = last.seq;
                stream.quiet_since = Instant::now();
                let chunk: String = events
                    .iter()
                    .map(|e| sse_row(stream.tenant.as_str(), e))
                    .collect();
                return Some((Ok::<_, actix_web::Error>(Bytes::from(chunk)), Some(stream)));
            }
            let now = Instant::now();
            if now >= stream.ends {
                return None;
            }
            if now.duration_since(stream.quiet_since) >= KEEP_ALIVE {
                stream.quiet_since = now;
                return Some((Ok(Bytes::from_static(b": still here\n\n")), Some(stream)));
            }
            // Woken by a commit of this process, or after a while for other processes'.
            let _ = actix_web::rt::time::timeout(RECHECK, stream.signal.changed()).await;
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}
