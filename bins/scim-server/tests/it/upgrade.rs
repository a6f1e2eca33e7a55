//! A deployment made by the release at 085a6c1, upgraded in place: the current binary opens its
//! SQLite data directory or its PostgreSQL database (restored from a dump), migrates it, adopts
//! the old `data/jwt-secret`, and everything keeps working: data, keys and policies.
//! `tests/fixtures/upgrade-085a6c1/make.sh` says how the fixtures were made.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::harness::{Backend, Deployment};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade-085a6c1")
}

fn expected(backend: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    let all: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    all[backend].clone()
}

/// Runs a plain-SQL dump as psql would, minus psql's own commands (`\restrict`...).
fn restore(url: &str, dump: &Path) {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};
    let sql: String = std::fs::read_to_string(dump)
        .expect("the dump")
        .lines()
        .filter(|line| !line.starts_with('\\'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut conn = PgConnection::establish(url).expect("connect to the restored database");
    conn.batch_execute(&sql).expect("restore the dump");
}

/// A resource as the old server answered, without what depends on where the server listens.
fn portable(resource: &Value) -> Value {
    let mut resource = resource.clone();
    if let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut) {
        meta.remove("location");
    }
    for list in ["members", "groups"] {
        if let Some(items) = resource.get_mut(list).and_then(Value::as_array_mut) {
            for item in items {
                if let Some(item) = item.as_object_mut() {
                    item.remove("$ref");
                }
            }
        }
    }
    resource
}

fn by_id(resources: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = resources
        .as_array()
        .expect("a list of resources")
        .iter()
        .map(|r| (r["id"].as_str().expect("an id").to_owned(), portable(r)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn find<'a>(resources: &'a Value, key: &str, value: &str) -> &'a Value {
    resources
        .as_array()
        .and_then(|all| all.iter().find(|r| r[key] == value))
        .unwrap_or_else(|| panic!("no resource with {key} = {value}"))
}

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

fn upgraded_in_place(backend: Backend, name: &str) {
    let fixture = fixtures().join(name);
    let Some(deployment) = Deployment::upgraded_from(&fixture, backend, |url| {
        if backend == Backend::Postgres {
            restore(url, &fixture.join("dump.sql"));
        }
    }) else {
        return;
    };
    let old = expected(name);
    let key = |name: &str| old["keys"][name].as_str().expect("a key").to_owned();
    let server = deployment.start();
    assert!(
        server.log().contains("adopted the signing secret"),
        "the log says the old secret was adopted:\n{}",
        server.log()
    );

    // Every user and group reads back exactly as the old release served it.
    let admin = server.client(&key("write"));
    let users = admin.get("/scim/v2/Users?count=100").expect(200).json();
    let groups = admin.get("/scim/v2/Groups?count=100").expect(200).json();
    assert_eq!(by_id(&users["Resources"]), by_id(&old["users"]));
    assert_eq!(by_id(&groups["Resources"]), by_id(&old["groups"]));

    // Keys issued before the upgrade: accepted, with their scopes; revoked stays revoked.
    let reader = server.client(&key("read_only"));
    reader.get("/scim/v2/Users").expect(200);
    reader
        .json(
            "POST",
            "/scim/v2/Users",
            &json!({"userName": "mallory@acme.example"}),
        )
        .expect(403);
    server
        .client(&key("revoked"))
        .get("/scim/v2/Users")
        .expect(401);
    let globex = server
        .client(&key("globex"))
        .get("/scim/v2/Users")
        .expect(200)
        .json();
    assert_eq!(globex["totalResults"], 0, "globex sees its own tenant only");

    // The policies still hold.
    let user = |name: &str| {
        find(&old["users"], "userName", name)["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let group = |name: &str| {
        find(&old["groups"], "displayName", name)["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let refused = admin
        .json(
            "PATCH",
            &format!("/scim/v2/Users/{}", user("alice@acme.example")),
            &patch(json!([{"op": "replace", "path": "emails", "value": [{"value": "a@elsewhere.example", "primary": true}]}])),
        )
        .expect(400)
        .json();
    assert_eq!(refused["scimType"], "mutability", "email changes stay off");
    let owner = admin
        .send(
            "DELETE",
            &format!("/scim/v2/Users/{}", user("carol@acme.example")),
            &[],
            None,
        )
        .expect(400)
        .json();
    assert_eq!(owner["scimType"], "mutability", "the owner stays protected");
    admin
        .json(
            "POST",
            "/scim/v2/Groups",
            &json!({"displayName": "acme-New-Group"}),
        )
        .expect(403);
    admin
        .send(
            "DELETE",
            &format!("/scim/v2/Groups/{}", group("acme-Mobile-Admin")),
            &[],
            None,
        )
        .expect(403);
    let rename = admin
        .json(
            "PATCH",
            &format!("/scim/v2/Groups/{}", group("acme-Website-Member")),
            &patch(json!([{"op": "replace", "path": "displayName", "value": "renamed"}])),
        )
        .expect(400)
        .json();
    assert_eq!(
        rename["scimType"], "mutability",
        "groups are still not renamed"
    );
    let bob = user("bob@acme.example");
    admin
        .json(
            "PATCH",
            &format!("/scim/v2/Users/{bob}"),
            &patch(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .expect(200);
    let bob_now = admin
        .get(&format!("/scim/v2/Users/{bob}"))
        .expect(200)
        .json();
    assert!(
        bob_now.get("groups").is_none(),
        "deactivation still removes memberships: {bob_now}"
    );

    // A key issued now, from a directory without the old secret file, works too: every process
    // on the database uses the adopted secret.
    let fresh = crate::keys::issue_from_elsewhere(&deployment, "acme");
    server.client(&fresh).get("/scim/v2/Users").expect(200);
}

#[test]
fn a_sqlite_deployment_of_085a6c1_keeps_its_data_keys_and_policies() {
    upgraded_in_place(Backend::Sqlite, "sqlite");
}

#[test]
fn a_postgres_deployment_of_085a6c1_keeps_its_data_keys_and_policies() {
    upgraded_in_place(Backend::Postgres, "postgres");
}
