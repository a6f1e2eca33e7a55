//! The recorded request sequences of each identity provider (`tests/idp/<idp>/*.json`) and of
//! the product's policies (`tests/policies/*.json`), replayed on SQLite and on PostgreSQL.

use crate::harness::Backend;
use crate::replay::{idp_dirs, replay_dir};

/// One test per recording directory and backend.
macro_rules! recordings {
    ($($name:ident => $dir:literal),* $(,)?) => {
        /// Every directory under `tests/idp` is replayed by a test here.
        #[test]
        fn every_idp_directory_has_a_test() {
            let tested: std::collections::BTreeSet<String> = [$($dir),*]
                .iter()
                .filter_map(|d| d.strip_prefix("idp/"))
                .map(str::to_owned)
                .collect();
            assert_eq!(idp_dirs(), tested);
        }

        mod sqlite {
            $(#[test] fn $name() { super::replay_dir(super::Backend::Sqlite, $dir); })*
        }

        mod postgres {
            $(#[test] fn $name() { super::replay_dir(super::Backend::Postgres, $dir); })*
        }
    };
}

recordings! {
    okta => "idp/okta",
    okta_wizard => "idp/okta-wizard",
    entra => "idp/entra",
    entra_2020 => "idp/entra-2020",
    onelogin => "idp/onelogin",
    jumpcloud => "idp/jumpcloud",
    google => "idp/google",
    policies => "policies",
}
