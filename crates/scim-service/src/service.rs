//! The service: a request in, the response out.

use std::future::Future;
use std::sync::Arc;

use scim_core::ScimError;
use scim_core::schema::SchemaRegistry;
use scim_store::ResourceStore;

use crate::caller::Caller;
use crate::request::{Method, Request};
use crate::response::Response;
use crate::route::Route;
use crate::runner::Blocking;
use crate::settings::Settings;
use crate::{bulk, discovery, resources, root_search};

/// SCIM 2.0 over HTTP, without a web framework: given an authenticated caller and a request,
/// it decides the response.
///
/// It covers every endpoint of RFC 7644 the server offers: resources (create, read, replace,
/// patch, delete, list, `.search`), the search of every resource type, Bulk with `bulkId`
/// references, and discovery; with ETags, projection, content types and error documents.
/// Authentication, rate limits, logging and metrics are the adapter's.
///
/// ```
/// use std::sync::Arc;
/// use scim_core::schema::SchemaRegistry;
/// use scim_service::{Caller, InPlace, Method, Request, ScimService, Settings};
/// use scim_store::{Store, StoreBuilder, TenantId, TenantSettings};
///
/// let store = StoreBuilder::new(SchemaRegistry::standard()).open("sqlite::memory:")?;
/// let acme = TenantId::new("acme").unwrap();
/// store.create_tenant(&acme, &TenantSettings::default())?;
/// let service = ScimService::new(store, Settings::default());
///
/// let body = br#"{"userName": "ada@example.com"}"#;
/// let request = Request::new(Method::Post, "/Users", "https://scim.example.com/scim/v2")
///     .with_body(body);
/// let caller = Caller::new(acme);
/// // Store calls in place, on this thread (an async server passes its own `Blocking`).
/// let response = service.handle_in_place(Some(&caller), &request);
/// assert_eq!(response.status, 201);
/// assert!(response.header("Location").unwrap().starts_with("https://scim.example.com/scim/v2/Users/"));
/// # Ok::<(), scim_store::StoreError>(())
/// ```
pub struct ScimService {
    store: Arc<dyn ResourceStore>,
    settings: Settings,
}

impl ScimService {
    /// A service over `store`: any [`ResourceStore`], such as the `Arc<dyn Store>`
    /// `scim_store::StoreBuilder::open` returns, or a backend of your own.
    pub fn new(store: Arc<dyn ResourceStore>, settings: Settings) -> Self {
        Self { store, settings }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ResourceStore> {
        &self.store
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The route `method` and `path` reach: whether a caller is needed, how much body to read,
    /// a label for metrics.
    pub fn route(&self, method: Method, path: &str) -> Route {
        Route::resolve(self.store.registry(), method, path)
    }

    /// Answers `request` for `caller` (`None`: no credential was presented; a route that needs
    /// one answers 401). The future is `Send`, for executors that move tasks between threads.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn cannot promise Send; without it, callers that need Send futures \
                  (axum, tokio::spawn) meet the compiler's 'Send is not general enough'"
    )]
    pub fn handle<'a, R: Blocking + Sync>(
        &'a self,
        runner: &'a R,
        caller: Option<&'a Caller>,
        request: &'a Request<'a>,
    ) -> impl Future<Output = Response> + Send + 'a {
        async move {
            let route = self.route(request.method, request.path);
            self.handle_route(runner, &route, caller, request).await
        }
    }

    /// [`ScimService::handle`] with every store call made in place, on the calling thread
    /// ([`InPlace`](crate::InPlace)): for synchronous callers, which may block.
    pub fn handle_in_place(&self, caller: Option<&Caller>, request: &Request<'_>) -> Response {
        let future = std::pin::pin!(self.handle(&crate::InPlace, caller, request));
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.poll(&mut context) {
            std::task::Poll::Ready(response) => response,
            // Nothing waits with `InPlace`: every store call is made before its future returns.
            std::task::Poll::Pending => Response::error(&ScimError::with_status(
                500,
                "the request could not be answered in place",
            )),
        }
    }

    /// [`ScimService::handle`] for a route already resolved with [`ScimService::route`].
    #[expect(
        clippy::manual_async_fn,
        reason = "the future must be declared Send (see handle)"
    )]
    pub fn handle_route<'a, R: Blocking + Sync>(
        &'a self,
        runner: &'a R,
        route: &'a Route,
        caller: Option<&'a Caller>,
        request: &'a Request<'a>,
    ) -> impl Future<Output = Response> + Send + 'a {
        async move {
            let cx = Context {
                service: self,
                runner,
                request,
            };
            match dispatch(&cx, route, caller).await {
                Ok(response) => response,
                Err(error) => Response::error(&error),
            }
        }
    }
}

/// What a handler works with.
pub(crate) struct Context<'a, R> {
    pub(crate) service: &'a ScimService,
    pub(crate) runner: &'a R,
    pub(crate) request: &'a Request<'a>,
}

impl<R> Context<'_, R> {
    pub(crate) fn store(&self) -> Arc<dyn ResourceStore> {
        self.service.store.clone()
    }

    pub(crate) fn registry(&self) -> &SchemaRegistry {
        self.service.store.registry()
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.service.settings
    }

    /// The SCIM base URL, without a trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        self.request.base_url.trim_end_matches('/')
    }
}

async fn dispatch(
    cx: &Context<'_, impl Blocking>,
    route: &Route,
    caller: Option<&Caller>,
) -> Result<Response, ScimError> {
    let caller = || {
        caller.ok_or_else(|| {
            ScimError::with_status(
                401,
                "a bearer token is required (Authorization: Bearer <SCIM key>)",
            )
        })
    };
    match route {
        Route::ServiceProviderConfig => discovery::service_provider_config(cx),
        Route::ResourceTypes => discovery::resource_types(cx),
        Route::ResourceType(id) => discovery::resource_type(cx, id),
        Route::Schemas => discovery::schemas(cx),
        Route::Schema(id) => discovery::schema(cx, id),
        Route::RootList => root_search::root_list(cx, caller()?).await,
        Route::RootSearch => root_search::root_search(cx, caller()?).await,
        Route::Bulk => bulk::bulk(cx, caller()?).await,
        Route::Me => {
            caller()?;
            // RFC 7644 §3.11 needs an authenticated user; a SCIM key authenticates an identity
            // provider acting for a whole organisation, never a user (decision 0003).
            Err(ScimError::with_status(
                501,
                "/Me is not supported: SCIM keys authenticate an identity provider, not a user",
            ))
        }
        Route::List(endpoint) => resources::list(cx, caller()?, endpoint).await,
        Route::Create(endpoint) => resources::create(cx, caller()?, endpoint).await,
        Route::Search(endpoint) => resources::search(cx, caller()?, endpoint).await,
        Route::Get(endpoint, id) => resources::get(cx, caller()?, endpoint, id).await,
        Route::Replace(endpoint, id) => resources::replace(cx, caller()?, endpoint, id).await,
        Route::Patch(endpoint, id) => resources::patch(cx, caller()?, endpoint, id).await,
        Route::Delete(endpoint, id) => resources::delete(cx, caller()?, endpoint, id).await,
        Route::MethodNotAllowed { allow, .. } => Ok(Response::error(&ScimError::with_status(
            405,
            format!(
                "{} does not support this method; use {allow}",
                display_path(cx.request.path)
            ),
        ))
        .with_header("Allow", *allow)),
        Route::NotFound => Err(ScimError::not_found(format!(
            "{} does not exist",
            display_path(cx.request.path)
        ))),
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}
