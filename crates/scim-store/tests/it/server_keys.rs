//! The server's keys: one current key per purpose, shared by every process on the database.
//! Each test has a database of its own, since the keys belong to the whole database.

use chrono::{DateTime, Utc};
use scim_store::{KeyPurpose, ServerKey, Store};

fn key(id: &str, purpose: KeyPurpose, retired_at: Option<DateTime<Utc>>) -> ServerKey {
    ServerKey {
        id: id.into(),
        purpose,
        algorithm: "HS256".into(),
        material: format!("material of {id}"),
        origin: "generated".into(),
        created_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        retired_at,
    }
}

fn one_current_key_per_purpose(store: &dyn Store) {
    assert!(store.server_keys(KeyPurpose::ScimKey).unwrap().is_empty());
    assert!(
        store
            .add_server_key(&key("k1", KeyPurpose::ScimKey, None))
            .unwrap()
    );
    // A second current key loses: whoever offered it reads k1 instead.
    assert!(
        !store
            .add_server_key(&key("k2", KeyPurpose::ScimKey, None))
            .unwrap()
    );
    // Another purpose has its own current key; a taken id is refused whatever the purpose.
    assert!(
        store
            .add_server_key(&key("e1", KeyPurpose::EventSigning, None))
            .unwrap()
    );
    assert!(
        !store
            .add_server_key(&key("k1", KeyPurpose::EventSigning, Some(Utc::now())))
            .unwrap()
    );
    // A retired key is always welcome (an adopted previous secret, say).
    let old = DateTime::from_timestamp(1_600_000_000, 0).unwrap();
    assert!(
        store
            .add_server_key(&key("k0", KeyPurpose::ScimKey, Some(old)))
            .unwrap()
    );

    let keys = store.server_keys(KeyPurpose::ScimKey).unwrap();
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, ["k1", "k0"], "the current key first");
    assert_eq!(keys[0].material, "material of k1");
    assert!(keys[0].is_current() && !keys[1].is_current());
    assert_eq!(keys[1].retired_at, Some(old));
}

fn rotation_retires_then_adds(store: &dyn Store) {
    assert!(
        store
            .add_server_key(&key("k1", KeyPurpose::ScimKey, None))
            .unwrap()
    );
    assert!(!store.retire_server_key("nope").unwrap());
    assert!(store.retire_server_key("k1").unwrap());
    assert!(!store.retire_server_key("k1").unwrap(), "retired once");
    assert!(
        store
            .add_server_key(&key("k2", KeyPurpose::ScimKey, None))
            .unwrap()
    );
    let ids: Vec<String> = store
        .server_keys(KeyPurpose::ScimKey)
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, ["k2", "k1"]);
    assert!(
        !store.delete_server_key("k2").unwrap(),
        "the current key is never deleted"
    );
    assert!(store.delete_server_key("k1").unwrap());
    assert_eq!(store.server_keys(KeyPurpose::ScimKey).unwrap().len(), 1);
}

/// Processes starting together on a new database each offer a key; exactly one wins.
fn concurrent_offers_agree_on_one_key(store: &dyn Store) {
    let won: Vec<bool> = std::thread::scope(|scope| {
        let offers: Vec<_> = (0..8)
            .map(|n| {
                scope.spawn(move || {
                    store
                        .add_server_key(&key(&format!("k{n}"), KeyPurpose::ScimKey, None))
                        .unwrap()
                })
            })
            .collect();
        offers.into_iter().map(|o| o.join().unwrap()).collect()
    });
    assert_eq!(won.iter().filter(|w| **w).count(), 1);
    let keys = store.server_keys(KeyPurpose::ScimKey).unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].is_current());
}

#[test]
fn one_current_key_per_purpose_on_every_backend() {
    crate::backends::on_own_databases(one_current_key_per_purpose);
}

#[test]
fn rotation_retires_then_adds_on_every_backend() {
    crate::backends::on_own_databases(rotation_retires_then_adds);
}

#[test]
fn concurrent_offers_agree_on_one_key_on_every_backend() {
    crate::backends::on_own_databases(concurrent_offers_agree_on_one_key);
}
