//! Hostile input, part 4: sources and the command line. Broken objects (a view over a dropped
//! column, a virtual table whose module is not loaded, an invalid MariaDB view) are kept with a
//! warning while the rest is scanned; customer names from every alphabet scan; names and
//! comments holding terminal escapes reach the terminal as text; a closed pipe ends a command
//! quietly; search text from the shell is bounded; an empty variable cannot switch
//! authentication off.

mod common;

use common::{MyDatabase, TempDir};
use serde_json::Value;
use sqlx::Connection;
use std::process::{Command, Output, Stdio};

fn almanac(dir: &TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_almanac"))
        .args(args)
        .current_dir(dir.path())
        .env("ALMANAC_STORE", format!("sqlite://{}/catalog.db", dir.path().display()))
        .env_remove("ALMANAC_CONFIG")
        .env_remove("RUST_LOG")
        .env_remove("ALMANAC_AUTH_ISSUER")
        .output()
        .expect("run almanac")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn sqlite_file(dir: &TempDir, name: &str, sql: &str) -> String {
    let path = dir.path().join(name);
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
    conn.close().await.unwrap();
    format!("sqlite://{}", path.display())
}

#[tokio::test]
async fn broken_sqlite_objects_are_kept_with_a_warning_and_the_rest_is_scanned() {
    let dir = TempDir::new();
    let url = sqlite_file(
        &dir,
        "broken.db",
        // SQLite resolves a view's names only when it is used: these two are broken from the
        // start, as they would be after their column or table was dropped.
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);
         INSERT INTO customers (email) VALUES ('a@example.org'), ('b@example.org'), ('c@example.org');
         CREATE VIEW v_legacy AS SELECT id, legacy FROM customers;
         CREATE VIEW v_gone AS SELECT * FROM orders_old;
         CREATE VIRTUAL TABLE docs USING fts5(title, body);
         INSERT INTO docs VALUES ('a', 'b'), ('c', 'd'), ('e', 'f');
         CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT);
         CREATE TABLE pairs (a INT, b INT, PRIMARY KEY (a, b)) WITHOUT ROWID;
         CREATE TABLE narrow (id INT PRIMARY KEY);
         PRAGMA writable_schema = ON;
         INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', 'vt', 'vt', 0, 'CREATE VIRTUAL TABLE vt USING nosuchmodule(a, b)');",
    )
    .await;
    let out = almanac(&dir, &["scan", &url, "--name", "broken"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "the scan goes on past broken objects: {err}");
    assert!(text(&out.stdout).starts_with("scanned broken (sqlite):"), "{}", text(&out.stdout));
    for (object, reason) in [("v_legacy", "legacy"), ("v_gone", "orders_old"), ("vt", "nosuchmodule")] {
        assert!(
            err.lines().any(|l| l.starts_with("warning: ") && l.contains(&format!("\"{object}\"")) && l.contains(reason)),
            "no warning for {object}: {err}"
        );
    }
    let show = |name: &str| -> Value {
        let o = almanac(&dir, &["show", &format!("broken.main.{name}"), "--format", "json"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // Kept, without columns, with what is known.
    let v = show("v_gone");
    assert_eq!(v["kind"], "view");
    assert!(v["columns"].as_array().unwrap().is_empty());
    assert!(v["view_definition"].as_str().unwrap().contains("orders_old"));
    assert_eq!(show("vt")["columns"].as_array().unwrap().len(), 0);
    // The rest is all there.
    assert_eq!(show("customers")["columns"].as_array().unwrap().len(), 2);
    // Row counts of virtual tables are counted, not taken from their made-up rowids.
    assert_eq!(show("docs")["row_estimate"], 3);
    // Only the rowid alias and WITHOUT ROWID keys are NOT NULL; other SQLite keys admit NULL.
    let nullable = |ds: &str, col: &str| {
        show(ds)["columns"].as_array().unwrap().iter().find(|c| c["name"] == col).unwrap()["nullable"].as_bool().unwrap()
    };
    assert!(!nullable("customers", "id"));
    assert!(nullable("codes", "code"));
    assert!(nullable("narrow", "id"));
    assert!(!nullable("pairs", "a") && !nullable("pairs", "b"));

    // The warnings stay with the scan record.
    let sources = almanac(&dir, &["sources", "--format", "json"]);
    let v: Value = serde_json::from_slice(&sources.stdout).unwrap();
    let warnings = v[0]["last_scan"]["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w["dataset"] == "vt" && w["message"].as_str().unwrap().contains("nosuchmodule")), "{v}");
    assert!(text(&almanac(&dir, &["sources"]).stdout).contains("warnings"));
}

#[tokio::test]
async fn names_from_every_alphabet_scan_and_escapes_reach_the_terminal_as_text() {
    let dir = TempDir::new();
    let mut rows = String::new();
    for (i, name) in
        ["Seppälä", "Musilová", "Juan José", "Carlos Sá", "Łukasiewicz", "Straße 12", "東京都千代田区", "Ærøskøbing", "İstanbul", "ﬁnn"]
            .iter()
            .enumerate()
    {
        rows.push_str(&format!("INSERT INTO clientes (id, apellido, dni, nota) VALUES ({i}, '{name}', '{name}', '{name}');"));
    }
    let url = sqlite_file(
        &dir,
        "hostile.db",
        &format!(
            "CREATE TABLE clientes (id INTEGER PRIMARY KEY, apellido TEXT, dni TEXT, nota TEXT);
             {rows}
             CREATE TABLE \"evil\x1b]0;pwned\x07\" (
               \"col\x1b[2J\" TEXT -- clears \x1b[2J the screen \u{202e}gnp.exe
             );"
        ),
    )
    .await;
    let out = almanac(&dir, &["scan", &url, "--name", "hostile"]);
    assert!(out.status.success(), "names from every alphabet do not stop a scan: {}", text(&out.stderr));

    let evil = "hostile.main.\"evil\x1b]0;pwned\x07\"";
    let shown = almanac(&dir, &["show", evil]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let stdout = text(&shown.stdout);
    assert!(!stdout.contains('\x1b') && !stdout.contains('\x07') && !stdout.contains('\u{202e}'), "{stdout:?}");
    assert!(stdout.contains("evil\\u{1b}]0;pwned\\u{7}") && stdout.contains("\\u{1b}[2J"), "{stdout}");
    // JSON stays exact.
    let json = almanac(&dir, &["show", evil, "--format", "json"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["name"], "evil\x1b]0;pwned\x07");
    assert_eq!(v["columns"][0]["name"], "col\x1b[2J");
    // Search output too.
    let s = almanac(&dir, &["search", "evil"]);
    assert!(s.status.success(), "{}", text(&s.stderr));
    assert!(!text(&s.stdout).contains('\x1b'), "{:?}", text(&s.stdout));
    // Errors name what was asked for, escaped.
    let missing = almanac(&dir, &["show", "hostile.main.\"no\x1b[2Jsuch\""]);
    assert!(!missing.status.success());
    assert!(!text(&missing.stderr).contains('\x1b'), "{:?}", text(&missing.stderr));
}

#[tokio::test]
async fn a_closed_pipe_ends_a_command_quietly() {
    let dir = TempDir::new();
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    assert!(almanac(&dir, &["scan", &format!("sqlite://{}", wh.display()), "--name", "warehouse"]).status.success());
    for args in [&["show", "warehouse.main.customers"][..], &["pii", "warehouse"], &["schema"], &["search", "customer"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_almanac"))
            .args(args)
            .current_dir(dir.path())
            .env("ALMANAC_STORE", format!("sqlite://{}/catalog.db", dir.path().display()))
            .env_remove("ALMANAC_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -0`: the reader is gone before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {:?} {}", out.status, text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{args:?}: {}", text(&out.stderr));
    }
}

#[tokio::test]
async fn search_text_from_the_shell_is_bounded() {
    let dir = TempDir::new();
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    assert!(almanac(&dir, &["scan", &format!("sqlite://{}", wh.display()), "--name", "warehouse"]).status.success());
    let word = "a".repeat(50_000);
    let words: Vec<String> = (0..20_000).map(|i| format!("w{i}")).collect();
    for (query, expect) in [
        (word, "longer than 1000 characters"),
        (words.join(" "), "longer than 1000 characters"),
        (words[..40].join(" "), "at most 32 words"),
    ] {
        let started = std::time::Instant::now();
        let out = almanac(&dir, &["search", &query]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(expect), "{}", text(&out.stderr));
        assert!(started.elapsed().as_secs() < 20);
    }
}

#[test]
fn an_empty_variable_does_not_switch_authentication_off() {
    let dir = TempDir::new();
    std::fs::write(dir.path().join("almanac.toml"), "[auth]\nissuer = \"https://id.example.com\"\naudience = \"urn:almanac\"\n").unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_almanac"));
        c.args(["serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_remove("ALMANAC_CONFIG")
            .env_remove("ALMANAC_AUTH_ISSUER")
            .env_remove("ALMANAC_STORE");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let out = run(&[("ALMANAC_AUTH_ISSUER", "")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("ALMANAC_AUTH_ISSUER is set but empty") && err.contains("ALMANAC_AUTH_LOCAL_MODE=1"), "{err}");
    assert!(!err.contains("LOCAL MODE"), "{err}");
    // With the issuer from the file, the server tries to reach it (and here cannot).
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("https://id.example.com/.well-known/openid-configuration"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn an_invalid_mariadb_view_is_kept_with_a_warning() {
    let Some(db) = MyDatabase::create().await else { return };
    db.execute(
        "CREATE TABLE customers (id INT PRIMARY KEY, email VARCHAR(200), legacy VARCHAR(20));
         CREATE VIEW v_legacy AS SELECT id, legacy FROM customers;
         ALTER TABLE customers DROP COLUMN legacy;",
    )
    .await;
    let dir = TempDir::new();
    let out = almanac(&dir, &["scan", &db.url, "--name", "shop"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.lines().any(|l| l.starts_with("warning: ") && l.contains("\"v_legacy\"")), "{err}");
    let show = almanac(&dir, &["show", &format!("shop.{}.v_legacy", db.name), "--format", "json"]);
    let v: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert!(v["comment"].is_null(), "the server's complaint is not the view's comment: {v}");
    let show = almanac(&dir, &["show", &format!("shop.{}.customers", db.name), "--format", "json"]);
    let v: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["columns"].as_array().unwrap().len(), 2);
}

#[test]
fn a_store_that_cannot_be_reached_fails_at_once_with_its_reason() {
    let dir = TempDir::new();
    // A port nobody listens on: bind one, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for (store, reason) in [
        (format!("postgres://postgres@127.0.0.1:{port}/almanac"), "Connection refused"),
        (
            "postgres://postgres@127.0.0.1:5432/almanac_no_such_database".to_string(),
            "does not exist; create it first (`createdb almanac_no_such_database`",
        ),
    ] {
        if reason.contains("does not exist") && common::service_url("ALMANAC_TEST_POSTGRES_URL").is_none() {
            continue;
        }
        let started = std::time::Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_almanac"))
            .args(["sources"])
            .current_dir(dir.path())
            .env("ALMANAC_STORE", &store)
            .env_remove("ALMANAC_CONFIG")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains("cannot connect to the catalog store") && err.contains(reason), "{err}");
        assert!(!err.contains("line "), "no source position of the server's code: {err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
    }
}
