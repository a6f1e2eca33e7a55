//! The signing secret of a default install is kept in the database: every command and every
//! server on one database agree on it, whatever their working directory. `token check` says
//! exactly why a key is refused.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::{Backend, Deployment, unique};

/// The deployment's command, run from a directory of its own and with the default data
/// directory (`./data` there), as an operator in another shell would.
fn elsewhere(deployment: &Deployment) -> (Command, PathBuf) {
    let dir = std::env::temp_dir().join(unique("cwd"));
    std::fs::create_dir_all(&dir).expect("a working directory");
    let mut command = deployment.command();
    command.env_remove("SCIM_DATA_DIR").current_dir(&dir);
    (command, dir)
}

/// Issues a key for `tenant` from a directory of its own, without the deployment's data
/// directory (as an operator in another shell would).
pub(crate) fn issue_from_elsewhere(deployment: &Deployment, tenant: &str) -> String {
    let (mut command, dir) = elsewhere(deployment);
    let token = stdout_of(command.args(["token", "issue", "--tenant", tenant]));
    let _ = std::fs::remove_dir_all(dir);
    token.trim().to_owned()
}

/// Runs a command that must succeed; its standard output.
#[track_caller]
fn stdout_of(command: &mut Command) -> String {
    let output = command.output().expect("run scim-server");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Regression: the secret lived in `./data/jwt-secret` of the working directory, so a key issued
/// from one directory was refused by a server started from another.
fn keys_work_whatever_the_working_directory(backend: Backend) {
    let Some(deployment) = Deployment::default_install(backend) else {
        return;
    };
    let tenant = unique("acme");
    let key = issue_from_elsewhere(&deployment, &tenant);
    let server = deployment.start();
    server.client(&key).get("/scim/v2/Users").expect(200);
    // And the other way round: a key issued from the server's directory works too.
    let here = deployment.issue_token(&tenant);
    server.client(&here).get("/scim/v2/Users").expect(200);
}

#[test]
fn keys_work_whatever_the_working_directory_on_sqlite() {
    keys_work_whatever_the_working_directory(Backend::Sqlite);
}

#[test]
fn keys_work_whatever_the_working_directory_on_postgres() {
    keys_work_whatever_the_working_directory(Backend::Postgres);
}

/// What `token check` prints and its exit status.
fn check(deployment: &Deployment, token: &str, extra_env: &[(&str, &str)]) -> (bool, String) {
    let mut command = deployment.command();
    for (name, value) in extra_env {
        command.env(name, value);
    }
    let output = command
        .args(["token", "check", token])
        .output()
        .expect("token check");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn token_check_says_exactly_why_a_key_is_refused() {
    let deployment = Deployment::default_install(Backend::Sqlite).expect("SQLite");
    let tenant = unique("acme");
    let good = deployment.issue_token(&tenant);
    let (accepted, text) = check(&deployment, &good, &[]);
    assert!(
        accepted && text.contains("accepted") && text.contains(&tenant),
        "{text}"
    );

    let reason = |token: &str, env: &[(&str, &str)]| {
        let (accepted, text) = check(&deployment, token, env);
        assert!(!accepted, "refused: {text}");
        text
    };
    assert!(reason("not-a-jwt", &[]).contains("malformed"));
    // Signed with another secret under its own key id: that id is unknown here.
    let other = Deployment::new(Backend::Sqlite).expect("SQLite");
    let foreign = other.issue_token("acme");
    assert!(reason(&foreign, &[]).contains("does not know"));
    // The same key id with another signature: the token was altered.
    let (head, rest) = good.split_once('.').expect("a JWT");
    let (payload, signature) = rest.split_once('.').expect("a JWT");
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{payload}.{flipped}{}", &signature[1..]);
    assert!(reason(&tampered, &[]).contains("signature"));
    // Another issuer.
    assert!(reason(&good, &[("SCIM_CONFIG", &issuer_config(&deployment))]).contains("issued by"));
    // Expired.
    let short = deployment.cli(&["token", "issue", "--tenant", &tenant, "--expires-in", "1s"]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(reason(short.trim(), &[]).contains("expired"));
    // Revoked.
    let listed = deployment.cli(&["token", "list", "--tenant", &tenant]);
    let revoked = deployment.issue_token(&tenant);
    let new_id = deployment
        .cli(&["token", "list", "--tenant", &tenant])
        .lines()
        .find(|line| !listed.contains(*line))
        .and_then(|line| line.split('\t').next())
        .expect("the new key's id")
        .to_owned();
    deployment.cli(&["token", "revoke", &new_id]);
    assert!(reason(&revoked, &[]).contains("revoked"));
    // Signed with this database's secret but issued in a copy of the database: for a tenant
    // this database has, the key was never issued here; for one it lacks, the tenant is unknown.
    let copied = copy_of_database(&deployment);
    let unrecorded = issue_in(&deployment, &copied, &tenant);
    assert!(reason(&unrecorded, &[]).contains("never issued"));
    let orphan = issue_in(&deployment, &copied, &unique("ghost"));
    assert!(reason(&orphan, &[]).contains("does not exist"));
}

/// A configuration file that changes the issuer only.
fn issuer_config(deployment: &Deployment) -> String {
    let path = deployment.log_dir().join("issuer.toml");
    std::fs::write(&path, "[auth]\nissuer = \"someone-else\"\n").expect("write a config");
    path.display().to_string()
}

/// A copy of the deployment's SQLite database (and with it, its secret).
fn copy_of_database(deployment: &Deployment) -> PathBuf {
    let source = deployment
        .database_url
        .strip_prefix("sqlite://")
        .expect("a SQLite deployment");
    let dir = deployment.log_dir().join(unique("copy"));
    std::fs::create_dir_all(&dir).expect("a directory");
    let copy = dir.join("copy.db");
    // The WAL too: it may hold commits not yet checkpointed into the file.
    std::fs::copy(source, &copy).expect("copy the database");
    let wal = format!("{source}-wal");
    if std::path::Path::new(&wal).exists() {
        std::fs::copy(&wal, dir.join("copy.db-wal")).expect("copy the WAL");
    }
    copy
}

/// Issues a key for `tenant` in the database at `path`.
fn issue_in(deployment: &Deployment, path: &std::path::Path, tenant: &str) -> String {
    let mut command = deployment.command();
    command
        .env("SCIM_DATABASE_URL", format!("sqlite://{}", path.display()))
        .args(["token", "issue", "--tenant", tenant]);
    stdout_of(&mut command).trim().to_owned()
}

/// `signing-key rotate` and `remove` on a running server: keys signed with the new secret work
/// at once, old ones until their signing key is removed, then no more.
#[test]
fn signing_keys_rotate_and_are_removed_without_a_restart() {
    let deployment = Deployment::default_install(Backend::Sqlite).expect("SQLite");
    let config = deployment.log_dir().join("fast-keys.toml");
    std::fs::write(&config, "[auth]\nkey_refresh_seconds = 1\n").expect("write a config");
    let config = config.display().to_string();
    let cli =
        |args: &[&str]| stdout_of(deployment.command().env("SCIM_CONFIG", &config).args(args));
    let tenant = unique("acme");
    let old = cli(&["token", "issue", "--tenant", &tenant])
        .trim()
        .to_owned();
    let old_kid = cli(&["signing-key", "list"])
        .lines()
        .find(|line| line.contains("\tcurrent\t"))
        .and_then(|line| line.split('\t').next())
        .expect("a current signing key")
        .to_owned();
    let server = crate::harness::Server::spawn(
        &deployment,
        |_| {
            let mut command = deployment.command();
            command.env("SCIM_CONFIG", &config);
            command
        },
        "serve",
    );
    server.client(&old).get("/scim/v2/Users").expect(200);

    cli(&["signing-key", "rotate"]);
    let new = cli(&["token", "issue", "--tenant", &tenant])
        .trim()
        .to_owned();
    server.client(&new).get("/scim/v2/Users").expect(200);
    server.client(&old).get("/scim/v2/Users").expect(200);

    cli(&["signing-key", "remove", &old_kid]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while server.client(&old).get("/scim/v2/Users").status != 401 {
        assert!(
            std::time::Instant::now() < deadline,
            "the removed signing key still verifies"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    server.client(&new).get("/scim/v2/Users").expect(200);
}
