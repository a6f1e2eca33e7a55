//! The command line as an operator uses it on a fresh machine: `demo`, then the commands that
//! manage tenants and keys.

use std::process::Command;

use crate::harness::{Backend, Deployment, Server};

/// Where the demo keeps its data: not `./data` (the working directory's default), so that the
/// test shows the database follows `SCIM_DATA_DIR`.
fn demo_data_dir(deployment: &Deployment) -> std::path::PathBuf {
    deployment.log_dir().join("var").join("scim")
}

/// `scim-server demo` with nothing configured but the data directory, as the README's quick
/// start runs it: the database and the signing secret are created in the data directory.
fn demo(deployment: &Deployment) -> Server {
    let data_dir = demo_data_dir(deployment);
    Server::spawn(
        deployment,
        |_| {
            let mut command: Command = deployment.command();
            command
                .env_remove("SCIM_DATABASE_URL")
                .env_remove("SCIM_JWT_SECRET")
                .env("SCIM_DATA_DIR", &data_dir);
            command
        },
        "demo",
    )
}

/// The key and the curl line `demo` printed.
fn printed_key_and_url(stdout: &str) -> (String, String) {
    let mut lines = stdout.lines();
    lines
        .by_ref()
        .find(|line| line.starts_with("Demo SCIM key"))
        .expect("the key's heading");
    let key = lines.next().expect("the key").trim().to_owned();
    let curl = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("curl "))
        .expect("a curl line");
    assert!(curl.contains(&format!("Bearer {key}")), "{curl}");
    let url = curl
        .rsplit('\'')
        .nth(1)
        .expect("the quoted URL at the end of the curl line")
        .to_owned();
    (key, url)
}

#[test]
fn demo_prints_a_working_key_and_curl_line_and_keeps_its_data_in_the_data_directory() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    let (first_key, url) = {
        let server = demo(&deployment);
        let stdout = server.stdout();
        assert!(
            stdout.contains(&format!("SCIM base URL: {}/scim/v2", server.base_url)),
            "{stdout}"
        );
        let (key, url) = printed_key_and_url(&stdout);
        let path = url
            .strip_prefix(&server.base_url)
            .expect("the curl line names this server");
        let groups = server.client(&key).get(path).expect(200).json();
        assert_eq!(groups["totalResults"], 4, "{groups}");
        // Without a configured admin token the demo makes one, and prints how to follow the
        // event feed with it.
        let admin = stdout
            .lines()
            .skip_while(|line| !line.starts_with("Admin token"))
            .nth(1)
            .expect("the admin token after its heading")
            .trim();
        assert!(
            stdout.contains(&format!("Bearer {admin}"))
                && stdout.contains("/admin/v1/tenants/demo/events?after=$after&wait=30"),
            "{stdout}"
        );
        let feed = server
            .client(admin)
            .get("/admin/v1/tenants/demo/events?after=0")
            .expect(200)
            .json();
        assert_eq!(feed["events"][0]["type"], "group.created", "{feed}");
        // A new database file starts without errors (regression: the pool's connections failed
        // with "database is locked" while switching it to WAL).
        let log = server.log();
        assert!(!log.contains("ERROR"), "{log}");
        (key, path.to_owned())
    };
    // Regression: the database stayed at ./data/scim.db when SCIM_DATA_DIR named another place.
    let data_dir = demo_data_dir(&deployment);
    assert!(data_dir.join("scim.db").is_file());
    // The signing secret is kept in the database, which only its owner may read.
    assert!(!data_dir.join("jwt-secret").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(data_dir.join("scim.db"))
            .expect("scim.db")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the database is readable by its owner only"
        );
    }

    // Started again, the demo keeps its organisation and every key it issued.
    let server = demo(&deployment);
    let (second_key, _) = printed_key_and_url(&server.stdout());
    assert_ne!(first_key, second_key);
    for key in [&first_key, &second_key] {
        let groups = server.client(key).get(&url).expect(200).json();
        assert_eq!(groups["totalResults"], 4);
    }
}

#[test]
fn access_lists_users_with_their_projects_and_roles() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    deployment.cli(&[
        "tenant",
        "create",
        "acme",
        "--project",
        "Web",
        "--role",
        "Admin",
        "--role",
        "Viewer",
    ]);
    let token = deployment.issue_token("acme");
    let server = deployment.start();
    let client = server.client(&token);
    let ada = client
        .json(
            "POST",
            "/scim/v2/Users",
            &serde_json::json!({"userName": "ada@acme.test", "active": true}),
        )
        .expect(201)
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let group = client
        .get("/scim/v2/Groups?filter=displayName%20eq%20%22acme-Web-Viewer%22")
        .expect(200)
        .json()["Resources"][0]["id"]
        .as_str()
        .expect("the pre-created group")
        .to_owned();
    client
        .json(
            "PATCH",
            &format!("/scim/v2/Groups/{group}"),
            &serde_json::json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": ada}]}]}),
        )
        .expect(200);
    deployment.cli(&[
        "tenant",
        "set-owner",
        "--tenant",
        "acme",
        "--user-name",
        "ada@acme.test",
    ]);
    let table = deployment.cli(&["access", "--tenant", "acme"]);
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(
        rows,
        [
            vec!["userName", "active", "owner", "access"],
            vec!["ada@acme.test", "true", "owner", "Web:Viewer"],
        ]
    );
    assert!(deployment.cli(&["tenant", "list"]).starts_with("acme\t"));
}

/// The operator's rotation of docs/operations.md ("Keys"), on the real binary: a new secret
/// with the old one as previous keeps every issued key working; dropping the old one ends the
/// keys it signed and only those.
#[test]
fn the_signing_secret_rotates_without_breaking_issued_keys() {
    let deployment = Deployment::new(Backend::Sqlite).expect("SQLite");
    let old_key = deployment.issue_token("acme");
    let old_secret = deployment.secret().expect("a configured secret").to_owned();
    let new_secret = format!("rotated-{old_secret}");
    let with_secrets = |previous: Option<&str>| {
        let mut command = deployment.command();
        command.env("SCIM_JWT_SECRET", &new_secret);
        if let Some(previous) = previous {
            command.env("SCIM_JWT_PREVIOUS_SECRETS", previous);
        }
        command
    };
    let output = with_secrets(Some(&old_secret))
        .args(["token", "issue", "--tenant", "acme"])
        .output()
        .expect("run scim-server");
    assert!(output.status.success(), "{output:?}");
    let new_key = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned();

    let path = "/scim/v2/Users?count=1";
    {
        let server = Server::spawn(&deployment, |_| with_secrets(Some(&old_secret)), "serve");
        server.client(&old_key).get(path).expect(200);
        server.client(&new_key).get(path).expect(200);
    }
    let server = Server::spawn(&deployment, |_| with_secrets(None), "serve");
    server.client(&old_key).get(path).expect(401);
    server.client(&new_key).get(path).expect(200);
}
