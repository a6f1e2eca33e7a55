//! The web console in process: sign-in and its cookie, one-time links, CSRF on every form, one
//! tenant's session kept from every other tenant's pages and from the admin API, sign-out,
//! and the size of the first page. The browser tests (console-tests/) drive the same pages
//! in Chromium.

use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use scim_server::console::ROUTES;
use serde_json::json;

use super::support::{ADMIN_TOKEN, Reply, TestApp, request};

/// The session cookie a sign-in answer sets, as `name=value`.
fn cookie_of(reply: &Reply) -> String {
    let set = reply.header("set-cookie").unwrap_or_default();
    set.split(';').next().unwrap_or_default().to_owned()
}

fn form(path: &str, cookie: &str, body: &str) -> TestRequest {
    let mut req = TestRequest::default()
        .method(Method::POST)
        .uri(path)
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body.to_owned());
    if !cookie.is_empty() {
        req = req.insert_header((header::COOKIE, cookie.to_owned()));
    }
    req
}

fn page(path: &str, cookie: &str) -> TestRequest {
    request(Method::GET, path, "").insert_header((header::COOKIE, cookie.to_owned()))
}

/// Signs in as an operator; returns the cookie.
async fn operator(app: &TestApp) -> String {
    let reply = app
        .send(form(
            "/console/sign-in",
            "",
            &format!("token={ADMIN_TOKEN}"),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    cookie_of(&reply)
}

/// The CSRF token a page's forms carry.
fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with its token")
        + 19;
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

/// Opens a one-time link of `tenant` (made through the admin API); returns the cookie.
async fn organisation_admin(app: &TestApp, tenant: &str) -> String {
    let link = app
        .send(
            request(
                Method::POST,
                &format!("/admin/v1/tenants/{tenant}/console-links"),
                ADMIN_TOKEN,
            )
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{}"),
        )
        .await
        .json();
    let url = link["url"].as_str().unwrap();
    let path = &url[url.find("/console/").unwrap()..];
    let reply = app.send(form(path, "", "")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    assert_eq!(
        reply.header("location"),
        Some(format!("/console/t/{tenant}").as_str())
    );
    let again = app.send(form(path, "", "")).await;
    assert_eq!(again.status, StatusCode::GONE, "a link works once");
    cookie_of(&reply)
}

#[actix_web::test]
async fn operators_sign_in_with_the_admin_token_into_a_strict_cookie() {
    let app = TestApp::new();
    let wrong = app
        .send(form("/console/sign-in", "", "token=not-the-token"))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.text().contains("aria-invalid=\"true\""),
        "shown inline"
    );
    assert!(wrong.header("set-cookie").is_none());

    let reply = app
        .send(form(
            "/console/sign-in",
            "",
            &format!("token={ADMIN_TOKEN}"),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let cookie = reply.header("set-cookie").unwrap().to_owned();
    let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
    for wanted in ["Path=/console", "HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(attributes.contains(&wanted), "{cookie}");
    }
    let tenants = app.send(page("/console/tenants", &cookie_of(&reply))).await;
    assert_eq!(tenants.status, StatusCode::OK);
    assert!(tenants.text().contains("tenant-a"));
    let csp = tenants
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );

    let anonymous = app.send(request(Method::GET, "/console/tenants", "")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.header("location"), Some("/console/sign-in"));
}

#[actix_web::test]
async fn failed_sign_ins_are_rate_limited_per_address() {
    let mut config = super::support::config();
    config.rate_limit.admin_auth_failures_per_minute = 2;
    let app = TestApp::with_config(config);
    for _ in 0..2 {
        let reply = app.send(form("/console/sign-in", "", "token=guess")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = app
        .send(form(
            "/console/sign-in",
            "",
            &format!("token={ADMIN_TOKEN}"),
        ))
        .await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.header("retry-after").is_some());
}

/// Every POST of the console but the two sign-ins refuses a form without the session's token
/// (and with another session's), before it looks at anything else.
#[actix_web::test]
async fn every_form_without_its_csrf_token_is_refused() {
    let app = TestApp::new();
    let cookie = operator(&app).await;
    let other = operator(&app).await;
    let other_token = csrf_of(&app.send(page("/console/tenants", &other)).await.text());
    let posts: Vec<&str> = ROUTES
        .iter()
        .filter(|r| r.method == Method::POST)
        .map(|r| r.path)
        .filter(|p| *p != "/sign-in" && *p != "/link/{token}")
        .collect();
    assert!(posts.len() >= 10, "{posts:?}");
    for path in posts {
        let path = format!(
            "/console{}",
            path.replace("{tenant}", "tenant-a").replace("{id}", "x")
        );
        for body in [
            String::new(),
            "id=new&projects=Web".to_owned(),
            format!("csrf={other_token}"),
        ] {
            let reply = app.send(form(&path, &cookie, &body)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "POST {path} {body}");
        }
    }
    // Nothing was created.
    let listed = app
        .send(request(Method::GET, "/admin/v1/tenants", ADMIN_TOKEN))
        .await
        .json();
    assert_eq!(listed["tenants"].as_array().unwrap().len(), 2);
    // With the token, the same form works.
    let token = csrf_of(&app.send(page("/console/tenants", &cookie)).await.text());
    let created = app
        .send(form(
            "/console/tenants",
            &cookie,
            &format!("csrf={token}&id=acme&projects=Web&roles=Admin&email_changes=on"),
        ))
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
}

#[actix_web::test]
async fn an_organisation_link_opens_its_own_tenant_and_nothing_else() {
    let app = TestApp::new();
    let cookie = organisation_admin(&app, "tenant-a").await;
    let user = app.create_user(&app.a.write, "ada@a.test").await;
    let other = app.create_user(&app.b.write, "bob@b.test").await;
    let own = app.send(page("/console/t/tenant-a/people", &cookie)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.text().contains("ada@a.test"));
    let a_id = user["id"].as_str().unwrap();
    let b_id = other["id"].as_str().unwrap();
    for path in [
        "/console/tenants".to_owned(),
        "/console/t/tenant-b".to_owned(),
        "/console/t/tenant-b/people".to_owned(),
        format!("/console/t/tenant-b/people/{b_id}"),
        format!("/console/t/tenant-a/people/{b_id}"),
        "/console/t/tenant-b/activity/stream".to_owned(),
        "/console/t/no-such-tenant".to_owned(),
    ] {
        let reply = app.send(page(&path, &cookie)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!reply.text().contains("bob@b.test"), "{path}");
    }
    assert_eq!(
        app.send(page(&format!("/console/t/tenant-a/people/{a_id}"), &cookie))
            .await
            .status,
        StatusCode::OK
    );
    // Its forms cannot act on another tenant either.
    let token = csrf_of(&app.send(page("/console/t/tenant-a", &cookie)).await.text());
    let reply = app
        .send(form(
            "/console/t/tenant-b/keys",
            &cookie,
            &format!("csrf={token}&description=x&expires_in=30d"),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // The session is no credential of the admin API.
    let api = app
        .send(
            request(Method::GET, "/admin/v1/tenants/tenant-b/users", "")
                .insert_header((header::COOKIE, cookie.clone())),
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn keys_made_in_the_console_work_until_revoked_there() {
    let app = TestApp::new();
    let cookie = organisation_admin(&app, "tenant-a").await;
    let token = csrf_of(&app.send(page("/console/t/tenant-a", &cookie)).await.text());
    let issued = app
        .send(form(
            "/console/t/tenant-a/keys",
            &cookie,
            &format!("csrf={token}&description=Okta&expires_in=90d"),
        ))
        .await;
    assert_eq!(issued.status, StatusCode::OK);
    let html = issued.text();
    let at = html.find("id=\"new-key\"").unwrap();
    let value = &html[at..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    let key = value.split('"').next().unwrap().to_owned();
    app.post("/scim/v2/Users", &key, &super::support::user("grace"))
        .await
        .assert_scim(201);
    let keys = app
        .send(request(
            Method::GET,
            "/admin/v1/tenants/tenant-a/tokens",
            ADMIN_TOKEN,
        ))
        .await
        .json();
    let id = keys["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["description"] == "Okta")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad = app
        .send(form(
            "/console/t/tenant-a/keys",
            &cookie,
            &format!("csrf={token}&expires_in=5000d"),
        ))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("at most 3650 days"), "shown inline");
    let revoked = app
        .send(form(
            &format!("/console/t/tenant-a/keys/{id}/revoke"),
            &cookie,
            &format!("csrf={token}"),
        ))
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    app.get("/scim/v2/Users", &key).await.assert_unauthorized();
}

#[actix_web::test]
async fn signing_out_ends_the_session_everywhere() {
    let app = TestApp::new();
    let cookie = operator(&app).await;
    let token = csrf_of(&app.send(page("/console/tenants", &cookie)).await.text());
    let out = app
        .send(form("/console/sign-out", &cookie, &format!("csrf={token}")))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    let after = app.send(page("/console/tenants", &cookie)).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old cookie opens nothing"
    );
    assert_eq!(after.header("location"), Some("/console/sign-in"));
}

/// The first page a person sees, with its stylesheet and script, stays under 100 KB however
/// much the tenant has: lists come a page at a time.
#[actix_web::test]
async fn the_first_pages_stay_under_100_kb() {
    let app = TestApp::new();
    for i in 0..120 {
        app.create_user(&app.a.write, &format!("person{i:03}@a.test"))
            .await;
    }
    for i in 0..30 {
        app.send(
            request(
                Method::POST,
                "/admin/v1/tenants/tenant-a/tokens",
                ADMIN_TOKEN,
            )
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(json!({"description": format!("key {i}")}).to_string()),
        )
        .await;
    }
    let cookie = operator(&app).await;
    let html = app.send(page("/console/t/tenant-a", &cookie)).await.text();
    let mut assets = 0;
    for name in ["console.css", "console.js"] {
        let at = html.find(&format!("/{name}")).unwrap();
        let start = html[..at].rfind('"').unwrap() + 1;
        let url = &html[start..at + name.len() + 1];
        let reply = app.send(request(Method::GET, url, "")).await;
        assert_eq!(reply.status, StatusCode::OK, "{url}");
        assert!(
            reply
                .header("cache-control")
                .unwrap_or_default()
                .contains("immutable")
        );
        assets += reply.body.len();
    }
    for path in [
        "/console/tenants",
        "/console/t/tenant-a",
        "/console/t/tenant-a/people",
        "/console/t/tenant-a/activity",
    ] {
        let reply = app.send(page(path, &cookie)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let total = reply.body.len() + assets;
        assert!(total < 100 * 1024, "{path}: {total} bytes");
    }
}

#[actix_web::test]
async fn bad_input_is_shown_beside_its_field() {
    let app = TestApp::new();
    let cookie = operator(&app).await;
    let people = app
        .send(page(
            "/console/t/tenant-a/people?q=userName%20eq&mode=filter",
            &cookie,
        ))
        .await;
    assert_eq!(people.status, StatusCode::BAD_REQUEST);
    assert!(people.text().contains("id=\"q-error\""));
    let token = csrf_of(&app.send(page("/console/tenants", &cookie)).await.text());
    let taken = app
        .send(form(
            "/console/tenants",
            &cookie,
            &format!("csrf={token}&id=tenant-a"),
        ))
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.text().contains("id=\"id-error\""));
    let owner = app
        .send(form(
            "/console/t/tenant-a/owner",
            &cookie,
            &format!("csrf={token}&user_name=nobody"),
        ))
        .await;
    assert_eq!(owner.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(owner.text().contains("id=\"user_name-error\""));
}
