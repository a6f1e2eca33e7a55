//! The HTTP ceiling: actix-web answering every `GET` with one constant SCIM ListResponse of
//! about 600 bytes, with no storage and no authentication.
//!
//! Nothing storage-backed can be faster on the same machine, so `bench/run.sh` measures this
//! beside the server, in the same run, and reports the server's figures against it.

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;

/// A constant-response server for `bench/run.sh`.
#[derive(Debug, Parser)]
struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    /// Worker threads (the server's default is one per core).
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

/// What `GET /Users?filter=userName eq "..."` answers for one user, as scim-server shapes it.
const LIST_RESPONSE: &str = concat!(
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"#,
    r#""Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"#,
    r#""id":"01938d2e-6f6a-7cc1-9b1e-5d9c7f3a2b10","externalId":"00uuser004242","#,
    r#""userName":"user004242@bench.example","#,
    r#""name":{"givenName":"Given004242","familyName":"Family004242"},"#,
    r#""displayName":"Given004242 Family004242","active":true,"#,
    r#""emails":[{"value":"user004242@bench.example","type":"work","primary":true}],"#,
    r#""meta":{"resourceType":"User","created":"2026-11-29T10:00:00.123456Z","#,
    r#""lastModified":"2026-11-29T10:00:00.123456Z","version":"W/\"1\"","#,
    r#""location":"http://127.0.0.1:8080/scim/v2/Users/01938d2e-6f6a-7cc1-9b1e-5d9c7f3a2b10"}}],"#,
    r#""startIndex":1,"itemsPerPage":1}"#
);

async fn constant() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/scim+json")
        .body(LIST_RESPONSE)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    HttpServer::new(|| App::new().default_service(web::to(constant)))
        .workers(args.workers)
        .bind(&args.listen)?
        .run()
        .await
}
