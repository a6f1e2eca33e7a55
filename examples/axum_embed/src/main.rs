//! Serves the example application on 127.0.0.1:3000 with an in-memory SQLite store and one key.
#![expect(clippy::print_stdout, reason = "the example says where it listens")]

use std::collections::HashMap;
use std::sync::Arc;

use axum_embed::{App, router};
use scim_core::schema::SchemaRegistry;
use scim_service::{Caller, ScimService, Settings};
use scim_store::{StoreBuilder, TenantId, TenantSettings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = StoreBuilder::new(SchemaRegistry::standard()).open("sqlite::memory:")?;
    let acme = TenantId::new("acme")?;
    store.create_tenant(&acme, &TenantSettings::default())?;
    let keys = HashMap::from([(
        "acme-okta-key".to_owned(),
        Caller::new(acme).with_token("okta"),
    )]);
    let app = App {
        scim: Arc::new(ScimService::new(store, Settings::default())),
        keys: Arc::new(keys),
        public_url: "http://127.0.0.1:3000".to_owned(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("SCIM at http://127.0.0.1:3000/scim/v2 (Authorization: Bearer acme-okta-key)");
    axum::serve(listener, router(app)).await?;
    Ok(())
}
