//! The HS256 secret kept in the database.
//!
//! Every command and every instance that opens one database signs and verifies with the secret
//! kept there, wherever it runs: a key issued by `scim-server token issue` in one directory works
//! with a server started from another, and instances on one PostgreSQL database agree.
//!
//! Releases before this one kept the secret in `<data_dir>/jwt-secret`, relative to the working
//! directory. Such a file is adopted: into the database as its secret when the database has none
//! yet, or as a previous secret (verifying only) when the database has another one already. Every
//! key issued before the upgrade keeps working, and a log line says what happened.

use std::path::{Path, PathBuf};

use chrono::Utc;
use scim_store::{KeyPurpose, ServerKey, Store};

use super::keys::{KeyError, key_id};

/// The secrets of the database: the one that signs, and the ones that only verify.
#[derive(Debug)]
pub(super) struct StoredSecrets {
    pub(super) current: String,
    pub(super) previous: Vec<String>,
}

/// The secrets kept in `store`, adding one (adopted from `<data_dir>/jwt-secret` if that file
/// exists, else new) when there is none.
pub(super) fn database_secrets(
    store: &dyn Store,
    data_dir: &Path,
) -> Result<StoredSecrets, KeyError> {
    let legacy_path = data_dir.join("jwt-secret");
    let legacy = read_legacy(&legacy_path)?;
    let mut keys = store.server_keys(KeyPurpose::ScimKey)?;
    if !keys.iter().any(ServerKey::is_current) {
        let (material, origin) = match &legacy {
            Some(secret) => (secret.clone(), adopted_from(&legacy_path)),
            None => (generate()?, "generated".to_owned()),
        };
        let offered = ServerKey {
            id: key_id(material.as_bytes()),
            purpose: KeyPurpose::ScimKey,
            algorithm: "HS256".into(),
            material,
            origin,
            created_at: Utc::now(),
            retired_at: None,
        };
        // Another process may win the race to add the first key: then its key is used.
        if store.add_server_key(&offered)? {
            if legacy.is_some() {
                tracing::info!(
                    file = %legacy_path.display(),
                    kid = %offered.id,
                    "adopted the signing secret of this file into the database: keys issued before keep working, and every process on this database now signs with it; the file is no longer read once it is adopted"
                );
            } else {
                tracing::info!(kid = %offered.id, "generated the signing secret of SCIM keys, kept in the database");
            }
        }
        keys = store.server_keys(KeyPurpose::ScimKey)?;
    }
    if let Some(secret) = &legacy {
        let id = key_id(secret.as_bytes());
        if !keys.iter().any(|k| k.id == id) {
            // The database signs with another secret: this file's keys still verify.
            let previous = ServerKey {
                id,
                purpose: KeyPurpose::ScimKey,
                algorithm: "HS256".into(),
                material: secret.clone(),
                origin: adopted_from(&legacy_path),
                created_at: Utc::now(),
                retired_at: Some(Utc::now()),
            };
            if store.add_server_key(&previous)? {
                tracing::info!(
                    file = %legacy_path.display(),
                    kid = %previous.id,
                    "the database signs with another secret than this file's; keys signed with the file's secret are accepted as before, by every process on this database"
                );
            }
            keys = store.server_keys(KeyPurpose::ScimKey)?;
        }
    }
    let mut hs256 = keys.into_iter().filter(|k| k.algorithm == "HS256");
    let current = hs256.next().filter(ServerKey::is_current).ok_or_else(|| {
        KeyError::Store(scim_store::StoreError::Corrupt(
            "no current signing key in server_keys".into(),
        ))
    })?;
    Ok(StoredSecrets {
        current: current.material,
        previous: hs256.map(|k| k.material).collect(),
    })
}

/// Retires the database's current secret and adds a new one; returns the new key's id. Keys
/// signed with the retired secret keep verifying until it is deleted.
pub(crate) fn rotate_database_secret(store: &dyn Store) -> Result<String, KeyError> {
    if let Some(current) = store
        .server_keys(KeyPurpose::ScimKey)?
        .into_iter()
        .find(ServerKey::is_current)
    {
        store.retire_server_key(&current.id)?;
    }
    let material = generate()?;
    let key = ServerKey {
        id: key_id(material.as_bytes()),
        purpose: KeyPurpose::ScimKey,
        algorithm: "HS256".into(),
        material,
        origin: "generated".into(),
        created_at: Utc::now(),
        retired_at: None,
    };
    if !store.add_server_key(&key)? {
        // A concurrent rotation added its key first: that one is current now.
        return store
            .server_keys(KeyPurpose::ScimKey)?
            .into_iter()
            .find(ServerKey::is_current)
            .map(|k| k.id)
            .ok_or_else(|| {
                KeyError::Store(scim_store::StoreError::Corrupt(
                    "no current signing key after a rotation".into(),
                ))
            });
    }
    Ok(key.id)
}

fn read_legacy(path: &Path) -> Result<Option<String>, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(secret) => Ok(Some(secret.trim().to_owned()).filter(|s| !s.is_empty())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeyError::Io {
            path: path.display().to_string(),
            source,
        }),
    }
}

fn adopted_from(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
    format!("adopted from {}", absolute.display())
}

/// 64 random hex digits, as the secret files of earlier releases held.
fn generate() -> Result<String, KeyError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("scim-stored-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_new_database_gets_one_secret_that_every_directory_agrees_on() {
        let store = crate::test_store::memory_store();
        let first = database_secrets(&*store, &temp_dir("a")).unwrap();
        let second = database_secrets(&*store, &temp_dir("b")).unwrap();
        assert_eq!(first.current, second.current);
        assert_eq!(first.current.len(), 64);
        assert!(first.previous.is_empty());
    }

    #[test]
    fn a_legacy_file_is_adopted_as_the_secret_of_a_database_without_one() {
        let store = crate::test_store::memory_store();
        let dir = temp_dir("legacy");
        std::fs::write(dir.join("jwt-secret"), format!("{}\n", "ab".repeat(32))).unwrap();
        let adopted = database_secrets(&*store, &dir).unwrap();
        assert_eq!(adopted.current, "ab".repeat(32));
        let key = &store.server_keys(KeyPurpose::ScimKey).unwrap()[0];
        assert!(key.origin.starts_with("adopted from "), "{}", key.origin);
        // Another directory, without the file, gets the same secret from the database.
        assert_eq!(
            database_secrets(&*store, &temp_dir("other"))
                .unwrap()
                .current,
            adopted.current
        );
    }

    #[test]
    fn rotation_signs_with_a_new_secret_and_still_verifies_the_old_one() {
        let store = crate::test_store::memory_store();
        let dir = temp_dir("rotate");
        let before = database_secrets(&*store, &dir).unwrap();
        let new_id = rotate_database_secret(&*store).unwrap();
        let after = database_secrets(&*store, &dir).unwrap();
        assert_ne!(after.current, before.current);
        assert_eq!(key_id(after.current.as_bytes()), new_id);
        assert_eq!(after.previous, [before.current]);
    }

    #[test]
    fn a_second_legacy_file_is_trusted_for_verification_only() {
        let store = crate::test_store::memory_store();
        let first = temp_dir("first");
        std::fs::write(first.join("jwt-secret"), "cd".repeat(32)).unwrap();
        let second = temp_dir("second");
        std::fs::write(second.join("jwt-secret"), "ef".repeat(32)).unwrap();
        database_secrets(&*store, &first).unwrap();
        let seen_from_second = database_secrets(&*store, &second).unwrap();
        assert_eq!(seen_from_second.current, "cd".repeat(32));
        assert_eq!(seen_from_second.previous, ["ef".repeat(32)]);
        // Once added, every process sees it, with or without the file.
        assert_eq!(
            database_secrets(&*store, &first).unwrap().previous,
            ["ef".repeat(32)]
        );
    }
}
