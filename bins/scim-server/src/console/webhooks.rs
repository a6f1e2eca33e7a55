//! `/console/t/{tenant}/webhooks`: subscriptions to the tenant's events with their state
//! (healthy, retrying, failing, gone), creating one (its secret shown once), and one
//! subscription's recent deliveries, with "send test", "redeliver from a seq" and on/off.

use actix_web::HttpResponse;
use actix_web::web::{self, Bytes};
use maud::{Markup, html};
use scim_store::{EventType, SubscriptionChange, TenantId};

use super::error::ConsoleError;
use super::layout::{self, Nav};
use super::session::Session;
use super::tenants::{Inline, inline, or_inline};
use super::{Form, see_other, store};
use crate::manage::subscriptions::{
    self, DeliveryView, NewSubscriptionRequest, SubscriptionView, WithSecret,
};
use crate::manage::{ManageError, PageRequest};
use crate::state::AppState;

/// Deliveries shown on a subscription's page.
const DELIVERIES: u32 = 50;

fn state_badge(state: &str, enabled: bool) -> Markup {
    if !enabled {
        return layout::badge("", "off");
    }
    match state {
        "healthy" => layout::badge("ok", "healthy"),
        "retrying" => layout::badge("warn", "retrying"),
        other => layout::badge("bad", other),
    }
}

fn load(
    store: &dyn scim_store::Store,
    tenant: &TenantId,
) -> Result<Vec<SubscriptionView>, ManageError> {
    Ok(subscriptions::list(store, tenant, &PageRequest::all())?.items)
}

/// `GET /console/t/{tenant}/webhooks`.
pub(super) async fn list(
    state: web::Data<AppState>,
    session: Session,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let tenant = session.tenant_of(&tenant)?;
    let scoped = tenant.clone();
    let subs = store(&state, move |store| load(store, &scoped)).await?;
    Ok(render_list(
        &session,
        tenant.as_str(),
        &subs,
        None,
        &Form::parse(b""),
        &None,
    ))
}

fn render_list(
    session: &Session,
    t: &str,
    subs: &[SubscriptionView],
    created: Option<&WithSecret>,
    form: &Form,
    errors: &Option<Inline>,
) -> HttpResponse {
    let chosen = form.all("events");
    let body = html! {
        (layout::heading("Webhooks", Some(html! { "Deliver this organisation's events to your product: signed webhooks or Security Event Tokens." }), None))
        @if let Some(created) = created {
            div.notice.ok role="status" {
                h2 { "Subscription created" }
                p { "Its signing secret is shown only now: store it where your receiver verifies signatures." }
                div.copy {
                    input #new-secret type="text" readonly value=(created.secret) aria-label="The signing secret";
                    button.button type="button" data-copy="new-secret" { "Copy secret" }
                }
                p { a href={ "/console/t/" (t) "/webhooks/" (created.subscription.id) } { "See its deliveries" } }
            }
        }
        div.card {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "Receiver" }
                    th scope="col" { "State" }
                    th.hide-narrow scope="col" { "Format" }
                    th.num scope="col" { "Delivered up to" }
                    th.hide-narrow scope="col" { "Last error" }
                } }
                tbody {
                    @if subs.is_empty() {
                        (layout::empty_row(5, "No subscriptions.", "Create one below to have events delivered to your product."))
                    }
                    @for sub in subs {
                        tr {
                            td { a href={ "/console/t/" (t) "/webhooks/" (sub.id) } { (sub.url) }
                                @if !sub.description.is_empty() { br; span.hint { (sub.description) } } }
                            td { (state_badge(sub.state, sub.enabled)) }
                            td.hide-narrow { (sub.format) ", " (sub.delivery) }
                            td.num { "seq " (sub.cursor) }
                            td.hide-narrow { span.hint { (sub.last_error.as_deref().unwrap_or("—")) } }
                        }
                    }
                }
            } }
        }
        div.card {
            h2 { "New subscription" }
            form.stack method="post" action={ "/console/t/" (t) "/webhooks" } novalidate {
                (layout::csrf_field(session))
                div.row {
                    (layout::field("url", "Receiver URL", form.get("url").unwrap_or_default(), Some("https, without credentials"), Inline::of(errors, "url"), true))
                    (layout::field("description", "Description", form.get("description").unwrap_or_default(), None, Inline::of(errors, "description"), false))
                }
                div.row {
                    div.field.narrow {
                        label for="format" { "Format" }
                        select #format name="format" {
                            option value="json" selected[form.get("format") != Some("set")] { "JSON (Standard Webhooks)" }
                            option value="set" selected[form.get("format") == Some("set")] { "Security Event Tokens" }
                        }
                    }
                    div.field.narrow {
                        label for="delivery" { "Delivery" }
                        select #delivery name="delivery" {
                            option value="push" selected[form.get("delivery") != Some("poll")] { "Push to the URL" }
                            option value="poll" selected[form.get("delivery") == Some("poll")] { "The receiver polls" }
                        }
                    }
                }
                fieldset {
                    legend { "Events" span.hint { " (none ticked: every type)" } }
                    @if let Some(error) = Inline::of(errors, "events") { p.error-text { (error) } }
                    div.grid {
                        @for t in EventType::ALL {
                            div.check {
                                input id={ "ev-" (t.as_str()) } type="checkbox" name="events" value=(t.as_str()) checked[chosen.iter().any(|c| c == t.as_str())];
                                label for={ "ev-" (t.as_str()) } { code { (t.as_str()) } }
                            }
                        }
                    }
                }
                div { button.button type="submit" { "Create subscription" } }
            }
        }
    };
    layout::page(session, Some(t), Nav::Webhooks, "Webhooks", body)
}

/// `POST /console/t/{tenant}/webhooks`.
pub(super) async fn create(
    state: web::Data<AppState>,
    session: Session,
    tenant: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let form = Form::parse(&body);
    session.check(&form)?;
    let tenant = session.tenant_of(&tenant)?;
    let request = (|| {
        Ok::<_, ManageError>(NewSubscriptionRequest {
            url: form.get("url").unwrap_or_default().trim().to_owned(),
            format: subscriptions::format("format", form.get("format").unwrap_or("json"))?,
            delivery: subscriptions::delivery("delivery", form.get("delivery").unwrap_or("push"))?,
            events: subscriptions::event_types("events", &form.all("events"))?,
            full: false,
            audience: None,
            description: form
                .get("description")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            enabled: true,
            after: None,
        })
    })();
    let webhooks = state.config.webhooks.clone();
    let scoped = tenant.clone();
    let (created, subs) = store(&state, move |store| {
        let created =
            request.and_then(|request| subscriptions::create(store, &webhooks, &scoped, &request));
        Ok((created, load(store, &scoped)?))
    })
    .await?;
    match created {
        Ok(created) => Ok(render_list(
            &session,
            tenant.as_str(),
            &subs,
            Some(&created),
            &Form::parse(b""),
            &None,
        )),
        Err(e) => {
            let error = inline(e)?;
            let mut response =
                render_list(&session, tenant.as_str(), &subs, None, &form, &Some(error));
            *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

/// A result of an action on the subscription's page, shown at its top.
enum Outcome {
    Tested(DeliveryView),
    Failed(String),
}

async fn detail(
    state: &AppState,
    session: &Session,
    tenant: TenantId,
    id: String,
    outcome: Option<Outcome>,
    errors: Option<Inline>,
) -> Result<HttpResponse, ConsoleError> {
    let scoped = tenant.clone();
    let (sub, deliveries) = store(state, move |store| {
        Ok((
            subscriptions::show(store, &scoped, &id)?,
            subscriptions::deliveries(store, &scoped, &id, DELIVERIES)?,
        ))
    })
    .await?;
    let t = tenant.as_str();
    let action = |what: &str| format!("/console/t/{t}/webhooks/{}/{what}", sub.id);
    let body = html! {
        div.crumbs { a href={ "/console/t/" (t) "/webhooks" } { "Webhooks" } " / " (sub.url) }
        (layout::heading(&sub.url, (!sub.description.is_empty()).then(|| html! { (sub.description) }), None))
        @match &outcome {
            Some(Outcome::Tested(attempt)) => {
                div.notice.(if attempt.delivered { "ok" } else { "bad" }) role="status" {
                    @if attempt.delivered { "The receiver took the test event." }
                    @else { "The receiver did not take the test event: " (attempt.error.as_deref().unwrap_or("no answer")) }
                }
            }
            Some(Outcome::Failed(message)) => { div.notice.bad role="alert" { (message) } }
            None => {}
        }
        div.grid {
            div.stat { div.label { "State" } div.value { (state_badge(sub.state, sub.enabled)) } div.note { (sub.attempts) " failed attempts in a row" } }
            div.stat { div.label { "Delivered up to" } div.value { "seq " (sub.cursor) } }
            div.stat { div.label { "Format" } div.value { (sub.format) } div.note { (sub.delivery) } }
            div.stat { div.label { "Events" } div.value.hint { @if sub.events.is_empty() { "every type" } @else { (sub.events.join(", ")) } } }
        }
        @if let Some(error) = &sub.last_error { div.notice.bad { strong { "Last error: " } (error) } }
        div.two {
            div.card {
                h2 { "Send a test" }
                p.hint { "A test event, signed like the real ones, to check that the receiver verifies and answers." }
                form method="post" action=(action("test")) {
                    (layout::csrf_field(session))
                    button.button type="submit" { "Send test" }
                }
            }
            div.card {
                h2 { "Redeliver" }
                form.stack method="post" action=(action("redeliver")) novalidate {
                    (layout::csrf_field(session))
                    (layout::field("after", "Deliver again after seq", &sub.cursor.to_string(), Some("Back to deliver events again, or forward to skip them."), Inline::of(&errors, "after"), true))
                    div { button.button.secondary type="submit" { "Redeliver" } }
                }
            }
        }
        div.card {
            div.page-head {
                h2 { "Recent deliveries" }
                form method="post" action=(action("enabled")) {
                    (layout::csrf_field(session))
                    input type="hidden" name="enabled" value=(if sub.enabled { "false" } else { "true" });
                    button.button.secondary.small type="submit" { @if sub.enabled { "Turn deliveries off" } @else { "Turn deliveries on" } }
                }
            }
            div.table-wrap { table {
                thead { tr { th scope="col" { "When" } th.num scope="col" { "Seq" } th scope="col" { "Status" } th.num scope="col" { "Time" } th.hide-narrow scope="col" { "Error" } } }
                tbody {
                    @if deliveries.is_empty() { (layout::empty_row(5, "No deliveries yet.", "Attempts appear here as events are delivered.")) }
                    @for d in &deliveries {
                        tr {
                            td { (layout::when(d.at)) }
                            td.num { @if let Some(seq) = d.seq { (seq) } @else { span.hint { "test" } } }
                            td { @if d.delivered { (layout::badge("ok", &status_text(d.status))) } @else { (layout::badge("bad", &status_text(d.status))) } }
                            td.num { (format!("{:.0} ms", d.latency_ms)) }
                            td.hide-narrow { span.hint { (d.error.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            } }
        }
    };
    let mut response = layout::page(session, Some(t), Nav::Webhooks, &sub.url, body);
    if errors.is_some() || matches!(outcome, Some(Outcome::Failed(_))) {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no answer".to_owned(), |s| s.to_string())
}

/// `GET /console/t/{tenant}/webhooks/{id}`.
pub(super) async fn show(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (tenant, id) = path.into_inner();
    let tenant = session.tenant_of(&tenant)?;
    detail(&state, &session, tenant, id, None, None).await
}

/// `POST /console/t/{tenant}/webhooks/{id}/test`: through
/// [`subscriptions::send_test`], the one place test deliveries go.
pub(super) async fn send_test(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    session.check(&Form::parse(&body))?;
    let (tenant, id) = path.into_inner();
    let tenant = session.tenant_of(&tenant)?;
    let (app, scoped, sub) = (state.get_ref().clone(), tenant.clone(), id.clone());
    // A delivery may wait for the receiver up to webhooks.request_timeout_seconds.
    let sent =
        web::block(move || subscriptions::send_test(&*app.store, &app.delivery, &scoped, &sub))
            .await
            .map_err(|_| {
                ConsoleError::Api(
                    scim_core::ScimError::with_status(500, "the request was cancelled").into(),
                )
            })?;
    let outcome = match sent {
        Ok(attempt) => Outcome::Tested(attempt),
        // A poll subscription: nothing is pushed to its receiver.
        Err(ManageError::Conflict(message)) => Outcome::Failed(format!("{message}.")),
        Err(e) => return Err(e.into()),
    };
    detail(&state, &session, tenant, id, Some(outcome), None).await
}

/// `POST /console/t/{tenant}/webhooks/{id}/redeliver` with `after`.
pub(super) async fn redeliver(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let form = Form::parse(&body);
    session.check(&form)?;
    let (tenant, id) = path.into_inner();
    let tenant = session.tenant_of(&tenant)?;
    let after = match form.get("after").unwrap_or_default().trim().parse::<i64>() {
        Ok(after) => after,
        Err(_) => {
            let error = Inline {
                field: "after".into(),
                message: "Enter a sequence number: 0 delivers every event the log keeps.".into(),
            };
            return detail(&state, &session, tenant, id, None, Some(error)).await;
        }
    };
    let (scoped, sub) = (tenant.clone(), id.clone());
    let rewound = store(&state, move |store| {
        subscriptions::redeliver(store, &scoped, &sub, after)
    })
    .await;
    match or_inline(rewound)? {
        Ok(_) => Ok(see_other(&format!("/console/t/{tenant}/webhooks/{id}"))),
        Err(error) => detail(&state, &session, tenant, id, None, Some(error)).await,
    }
}

/// `POST /console/t/{tenant}/webhooks/{id}/enabled` with `enabled=true|false`.
pub(super) async fn set_enabled(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ConsoleError> {
    let form = Form::parse(&body);
    session.check(&form)?;
    let (tenant, id) = path.into_inner();
    let tenant = session.tenant_of(&tenant)?;
    let change = SubscriptionChange {
        enabled: Some(form.get("enabled") == Some("true")),
        ..SubscriptionChange::default()
    };
    let webhooks = state.config.webhooks.clone();
    let (scoped, sub) = (tenant.clone(), id.clone());
    store(&state, move |store| {
        subscriptions::update(store, &webhooks, &scoped, &sub, &change)
    })
    .await?;
    Ok(see_other(&format!("/console/t/{tenant}/webhooks/{id}")))
}
