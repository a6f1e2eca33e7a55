//! The application under test: an in-memory store, two tenants with keys, and request helpers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use actix_web::App;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use chrono::{DateTime, Duration, Utc};
use scim_core::patch::Operation;
use scim_core::schema::SchemaRegistry;
use scim_server::AppState;
use scim_server::auth::{IssueRequest, issue_token};
use scim_server::config::Config;
use scim_server::events::EventSignals;
use scim_store::{
    Actor, AdminStore, DatabaseFailure, DeliveryAttempt, DeliveryEnd, Event, EventActor,
    KeyPurpose, NewSubscription, NewToken, Page, Query, ReadOptions, ResourceStore, ServerKey,
    Store, StoreBuilder, StoreError, StoredResource, Subscription, SubscriptionChange,
    Tenant as TenantRecord, TenantId, TenantSettings, TokenRecord,
};
use serde_json::{Value, json};

/// The configured public URL: every `meta.location` starts with it.
pub(crate) const BASE: &str = "https://scim.example.test";
/// The admin API's credential.
pub(crate) const ADMIN_TOKEN: &str = "admin-token-for-tests-0123456789";
/// The HS256 secret keys are signed with.
pub(crate) const SECRET: &str = "a-test-signing-secret-of-32-bytes-or-more";
/// The media type of every SCIM response.
pub(crate) const SCIM_JSON: &str = "application/scim+json";
/// `maxOperations` of the test configuration.
pub(crate) const MAX_OPERATIONS: usize = 20;
/// `maxPayloadSize` of the test configuration.
pub(crate) const MAX_PAYLOAD: usize = 64 * 1024;
/// The largest body of other requests.
pub(crate) const MAX_BODY: usize = 16 * 1024;

/// The configuration the tests run with.
pub(crate) fn config() -> Config {
    let mut config = Config {
        base_url: Some(BASE.into()),
        max_body_bytes: MAX_BODY,
        ..Config::default()
    };
    config.auth.secret = Some(SECRET.into());
    config.admin.token = Some(ADMIN_TOKEN.into());
    config.bulk.max_operations = MAX_OPERATIONS;
    config.bulk.max_payload_bytes = MAX_PAYLOAD;
    config
}

/// A fresh in-memory store.
pub(crate) fn memory_store() -> Arc<dyn Store> {
    StoreBuilder::new(SchemaRegistry::standard())
        .open("sqlite::memory:")
        .unwrap()
}

/// A tenant and its keys.
pub(crate) struct Tenant {
    /// The tenant.
    pub(crate) id: TenantId,
    /// A key with the `read` and `write` scopes.
    pub(crate) write: String,
    /// A key with the `read` scope only.
    pub(crate) read: String,
}

/// Runs a request (an `actix_http::Request`, which actix-web does not re-export by name)
/// through a freshly mounted application and reads the response whole.
macro_rules! call {
    ($app:expr, $request:expr) => {{
        let state = $app.state.clone();
        let service = test::init_service(
            App::new().configure(|cfg| scim_server::http::configure(cfg, state)),
        )
        .await;
        let response = test::call_service(&service, $request).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        Reply {
            status,
            headers,
            body,
        }
    }};
}

/// The server state with two tenants, `a` and `b`, both with plain RFC 7644 policies.
pub(crate) struct TestApp {
    pub(crate) state: AppState,
    pub(crate) a: Tenant,
    pub(crate) b: Tenant,
}

impl TestApp {
    pub(crate) fn new() -> Self {
        Self::with_config(config())
    }

    /// An app on an in-memory store whose commits signal the app's waiting readers.
    pub(crate) fn with_config(config: Config) -> Self {
        let signals = Arc::new(EventSignals::default());
        let listener = signals.clone();
        let store = StoreBuilder::new(SchemaRegistry::standard())
            .on_commit(Arc::new(move |tenant: &TenantId| {
                listener.committed(tenant)
            }))
            .open("sqlite::memory:")
            .unwrap();
        Self::with_signals(config, store, signals)
    }

    pub(crate) fn with(config: Config, store: Arc<dyn Store>) -> Self {
        Self::with_signals(config, store, Arc::default())
    }

    fn with_signals(config: Config, store: Arc<dyn Store>, signals: Arc<EventSignals>) -> Self {
        let state = scim_server::serve::app_state(config, store, signals).unwrap();
        let tenant = |name: &str| {
            let id = TenantId::new(name).unwrap();
            state
                .store
                .create_tenant(&id, &TenantSettings::default())
                .unwrap();
            Tenant {
                write: issue(&state, &id, true, Utc::now()),
                read: issue(&state, &id, false, Utc::now()),
                id,
            }
        };
        let a = tenant("tenant-a");
        let b = tenant("tenant-b");
        Self { state, a, b }
    }

    /// Sends a request through the whole application.
    pub(crate) async fn send(&self, request: TestRequest) -> Reply {
        call!(self, request.to_request())
    }

    /// Sends a request without its `Content-Length`, as a chunked upload arrives.
    pub(crate) async fn send_without_length(&self, request: TestRequest) -> Reply {
        let mut request = request.to_request();
        request.headers_mut().remove(header::CONTENT_LENGTH);
        call!(self, request)
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(request(Method::GET, path, token)).await
    }

    pub(crate) async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(request(Method::DELETE, path, token)).await
    }

    pub(crate) async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(with_json(request(Method::POST, path, token), body))
            .await
    }

    pub(crate) async fn put(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(with_json(request(Method::PUT, path, token), body))
            .await
    }

    pub(crate) async fn patch(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(with_json(request(Method::PATCH, path, token), body))
            .await
    }

    /// Creates a user and returns it (asserting 201).
    pub(crate) async fn create_user(&self, token: &str, user_name: &str) -> Value {
        let reply = self.post("/scim/v2/Users", token, &user(user_name)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        reply.json()
    }

    /// Creates a group with members and returns it (asserting 201).
    pub(crate) async fn create_group(&self, token: &str, name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members,
        });
        let reply = self.post("/scim/v2/Groups", token, &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        reply.json()
    }
}

/// Issues a key for `tenant`, as `token issue` does, at time `now`.
pub(crate) fn issue(
    state: &AppState,
    tenant: &TenantId,
    write: bool,
    now: DateTime<Utc>,
) -> String {
    let request = IssueRequest {
        tenant: tenant.clone(),
        valid_for: Duration::days(1),
        write,
        description: "test".into(),
        issued_by: scim_store::EventActor::Cli,
    };
    issue_token(
        &*state.store,
        &state.auth.keys(),
        &state.config.auth.issuer,
        &request,
        now,
    )
    .unwrap()
    .0
}

/// A request with a bearer token (none when `token` is empty).
pub(crate) fn request(method: Method, path: &str, token: &str) -> TestRequest {
    let request = TestRequest::default().method(method).uri(path);
    if token.is_empty() {
        request
    } else {
        request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
    }
}

/// `request` with a JSON body sent as `application/scim+json`.
pub(crate) fn with_json(request: TestRequest, body: &Value) -> TestRequest {
    request
        .insert_header((header::CONTENT_TYPE, SCIM_JSON))
        .set_payload(body.to_string())
}

/// A minimal user document.
pub(crate) fn user(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true
    })
}

/// The id of a resource document.
pub(crate) fn id_of(resource: &Value) -> String {
    resource["id"].as_str().unwrap().to_owned()
}

/// A response, read whole.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {}", self.status, self.text()))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a SCIM response: the status and the `application/scim+json` media type.
    pub(crate) fn assert_scim(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with(SCIM_JSON),
            "content type {content_type:?} of a {status}"
        );
        self.json()
    }

    /// Asserts an RFC 7644 §3.12 error document with this status and `scimType`.
    pub(crate) fn assert_error(&self, status: u16, scim_type: Option<&str>) -> Value {
        let body = self.assert_scim(status);
        assert_eq!(
            body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{body}"
        );
        assert_eq!(body["status"], json!(status.to_string()), "{body}");
        assert_eq!(
            body.get("scimType").and_then(Value::as_str),
            scim_type,
            "{body}"
        );
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "an error says why: {body}"
        );
        body
    }

    /// Asserts a 401 with its error document and a bearer challenge.
    pub(crate) fn assert_unauthorized(&self) {
        self.assert_error(401, None);
        let challenge = self.header("www-authenticate").unwrap_or_default();
        assert!(challenge.starts_with("Bearer realm="), "{challenge:?}");
    }

    /// The ids of a ListResponse's resources, in order.
    pub(crate) fn ids(&self) -> Vec<String> {
        let body = self.json();
        body["Resources"]
            .as_array()
            .unwrap_or_else(|| panic!("not a ListResponse: {body}"))
            .iter()
            .map(id_of)
            .collect()
    }
}

/// A store that can be switched off: while down, every call fails as an unreachable database
/// does ([`StoreError::Unavailable`]); while stalled, every call first hangs for a while, as on
/// a database that stopped answering in the middle of a statement.
pub(crate) struct SwitchableStore {
    inner: Arc<dyn Store>,
    down: AtomicBool,
    stall_ms: AtomicU64,
}

impl SwitchableStore {
    pub(crate) fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            down: AtomicBool::new(false),
            stall_ms: AtomicU64::new(0),
        })
    }

    pub(crate) fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Makes every call hang for `stall` before it runs.
    pub(crate) fn set_stall(&self, stall: std::time::Duration) {
        let ms = u64::try_from(stall.as_millis()).unwrap_or(u64::MAX);
        self.stall_ms.store(ms, Ordering::SeqCst);
    }

    fn up(&self) -> Result<&dyn Store, StoreError> {
        let stall = self.stall_ms.load(Ordering::SeqCst);
        if stall > 0 {
            std::thread::sleep(std::time::Duration::from_millis(stall));
        }
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable(DatabaseFailure::new(
                "switched off by the test",
            )))
        } else {
            Ok(&*self.inner)
        }
    }
}

impl ResourceStore for SwitchableStore {
    fn registry(&self) -> &SchemaRegistry {
        self.inner.registry()
    }
    fn create(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        body: &Value,
    ) -> Result<StoredResource, StoreError> {
        self.up()?.create(actor, resource_type, body)
    }
    fn create_many(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        bodies: &[Value],
    ) -> Result<Vec<StoredResource>, StoreError> {
        self.up()?.create_many(actor, resource_type, bodies)
    }
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        self.up()?.get(tenant, resource_type, id, options)
    }
    fn replace(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        body: &Value,
        expected_version: Option<scim_store::Version>,
    ) -> Result<StoredResource, StoreError> {
        self.up()?
            .replace(actor, resource_type, id, body, expected_version)
    }
    fn patch(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        operations: &[Operation<'_>],
        expected_version: Option<scim_store::Version>,
        options: ReadOptions,
    ) -> Result<StoredResource, StoreError> {
        self.up()?.patch(
            actor,
            resource_type,
            id,
            operations,
            expected_version,
            options,
        )
    }
    fn delete(
        &self,
        actor: Actor<'_>,
        resource_type: &str,
        id: &str,
        expected_version: Option<scim_store::Version>,
    ) -> Result<(), StoreError> {
        self.up()?
            .delete(actor, resource_type, id, expected_version)
    }
    fn query(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: &Query,
        options: ReadOptions,
    ) -> Result<Page, StoreError> {
        self.up()?.query(tenant, resource_type, query, options)
    }
    fn ping(&self) -> Result<(), StoreError> {
        self.up()?.ping()
    }
}

impl AdminStore for SwitchableStore {
    fn create_tenant(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
    ) -> Result<TenantRecord, StoreError> {
        self.up()?.create_tenant(id, settings)
    }
    fn tenant(&self, id: &TenantId) -> Result<Option<TenantRecord>, StoreError> {
        self.up()?.tenant(id)
    }
    fn tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        self.up()?.tenants()
    }
    fn delete_tenant(&self, id: &TenantId) -> Result<bool, StoreError> {
        self.up()?.delete_tenant(id)
    }
    fn update_tenant_settings(
        &self,
        id: &TenantId,
        settings: &TenantSettings,
        by: &EventActor,
    ) -> Result<TenantRecord, StoreError> {
        self.up()?.update_tenant_settings(id, settings, by)
    }
    fn modify_tenant_settings(
        &self,
        id: &TenantId,
        by: &EventActor,
        change: &mut dyn FnMut(&mut TenantSettings) -> Result<(), StoreError>,
    ) -> Result<TenantRecord, StoreError> {
        self.up()?.modify_tenant_settings(id, by, change)
    }
    fn insert_token(&self, token: &NewToken, by: &EventActor) -> Result<TokenRecord, StoreError> {
        self.up()?.insert_token(token, by)
    }
    fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.up()?.token(id)
    }
    fn tokens(&self, tenant: Option<&TenantId>) -> Result<Vec<TokenRecord>, StoreError> {
        self.up()?.tokens(tenant)
    }
    fn revoke_token(&self, id: &str, by: &EventActor) -> Result<bool, StoreError> {
        self.up()?.revoke_token(id, by)
    }
    fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.up()?.touch_token(id, at)
    }
    fn revoked_since(&self, since: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        self.up()?.revoked_since(since)
    }
    fn server_keys(&self, purpose: KeyPurpose) -> Result<Vec<ServerKey>, StoreError> {
        self.up()?.server_keys(purpose)
    }
    fn add_server_key(&self, key: &ServerKey) -> Result<bool, StoreError> {
        self.up()?.add_server_key(key)
    }
    fn retire_server_key(&self, id: &str) -> Result<bool, StoreError> {
        self.up()?.retire_server_key(id)
    }
    fn delete_server_key(&self, id: &str) -> Result<bool, StoreError> {
        self.up()?.delete_server_key(id)
    }
    fn set_protected(
        &self,
        tenant: &TenantId,
        id: &str,
        protected: bool,
    ) -> Result<(), StoreError> {
        self.up()?.set_protected(tenant, id, protected)
    }
    fn set_owner(
        &self,
        tenant: &TenantId,
        user_id: &str,
        by: &scim_store::EventActor,
    ) -> Result<Option<String>, StoreError> {
        self.up()?.set_owner(tenant, user_id, by)
    }
    fn events(&self, tenant: &TenantId, after: i64, limit: u32) -> Result<Vec<Event>, StoreError> {
        self.up()?.events(tenant, after, limit)
    }
    fn create_subscription(&self, new: &NewSubscription) -> Result<Subscription, StoreError> {
        self.up()?.create_subscription(new)
    }
    fn subscription(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<Subscription>, StoreError> {
        self.up()?.subscription(tenant, id)
    }
    fn subscriptions(&self, tenant: Option<&TenantId>) -> Result<Vec<Subscription>, StoreError> {
        self.up()?.subscriptions(tenant)
    }
    fn update_subscription(
        &self,
        tenant: &TenantId,
        id: &str,
        change: &SubscriptionChange,
    ) -> Result<Subscription, StoreError> {
        self.up()?.update_subscription(tenant, id, change)
    }
    fn delete_subscription(&self, tenant: &TenantId, id: &str) -> Result<bool, StoreError> {
        self.up()?.delete_subscription(tenant, id)
    }
    fn set_subscription_secret(
        &self,
        tenant: &TenantId,
        id: &str,
        secret: &str,
    ) -> Result<Subscription, StoreError> {
        self.up()?.set_subscription_secret(tenant, id, secret)
    }
    fn rewind_subscription(
        &self,
        tenant: &TenantId,
        id: &str,
        after: i64,
    ) -> Result<Subscription, StoreError> {
        self.up()?.rewind_subscription(tenant, id, after)
    }
    fn push_subscription_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        self.up()?.push_subscription_tenants()
    }
    fn claim_subscriptions(
        &self,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Subscription>, StoreError> {
        self.up()?.claim_subscriptions(owner, lease_until, limit)
    }
    fn finish_delivery(
        &self,
        owner: Option<&str>,
        subscription: &Subscription,
        cursor: i64,
        attempts: &[DeliveryAttempt],
        end: &DeliveryEnd,
    ) -> Result<bool, StoreError> {
        self.up()?
            .finish_delivery(owner, subscription, cursor, attempts, end)
    }
    fn record_attempts(
        &self,
        subscription: &Subscription,
        attempts: &[DeliveryAttempt],
    ) -> Result<(), StoreError> {
        self.up()?.record_attempts(subscription, attempts)
    }
    fn deliveries(
        &self,
        tenant: &TenantId,
        id: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        self.up()?.deliveries(tenant, id, limit)
    }
    fn acknowledge(
        &self,
        tenant: &TenantId,
        id: &str,
        event_ids: &[String],
    ) -> Result<i64, StoreError> {
        self.up()?.acknowledge(tenant, id, event_ids)
    }
    fn acknowledged_beyond(&self, tenant: &TenantId, id: &str) -> Result<Vec<i64>, StoreError> {
        self.up()?.acknowledged_beyond(tenant, id)
    }
    fn prune_events(&self, older_than: DateTime<Utc>) -> Result<u64, StoreError> {
        self.up()?.prune_events(older_than)
    }
    fn recent_events(
        &self,
        tenant: &TenantId,
        query: &scim_store::EventQuery,
    ) -> Result<Vec<Event>, StoreError> {
        self.up()?.recent_events(tenant, query)
    }
    fn group_members(
        &self,
        tenant: &TenantId,
        group_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<scim_store::MemberPage, StoreError> {
        self.up()?.group_members(tenant, group_id, after, limit)
    }
    fn create_console_session(
        &self,
        session: &scim_store::NewConsoleSession,
    ) -> Result<scim_store::ConsoleSession, StoreError> {
        self.up()?.create_console_session(session)
    }
    fn console_session(
        &self,
        id_hash: &str,
    ) -> Result<Option<scim_store::ConsoleSession>, StoreError> {
        self.up()?.console_session(id_hash)
    }
    fn touch_console_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.up()?.touch_console_session(id_hash, at)
    }
    fn delete_console_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        self.up()?.delete_console_session(id_hash)
    }
    fn create_console_link(&self, link: &scim_store::NewConsoleLink) -> Result<(), StoreError> {
        self.up()?.create_console_link(link)
    }
    fn redeem_console_link(
        &self,
        redemption: &scim_store::LinkRedemption,
    ) -> Result<Option<scim_store::ConsoleSession>, StoreError> {
        self.up()?.redeem_console_link(redemption)
    }
    fn prune_console(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.up()?.prune_console(now)
    }
}
