//! Several processes over one store, as users run them: a scan goes on while another process
//! opens the store; each store has its own search index, and a second server over the same
//! index refuses to start instead of silently going stale.

mod common;

use common::{PgDatabase, TempDir};
use sqlx::Connection;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn almanac(dir: &TempDir, store: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_almanac"));
    c.args(args).current_dir(dir.path()).env("ALMANAC_STORE", store).env_remove("ALMANAC_CONFIG").env_remove("RUST_LOG");
    c
}

fn run(dir: &TempDir, store: &str, args: &[&str]) -> Output {
    almanac(dir, store, args).output().expect("run almanac")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn a_running_scan_survives_another_process_opening_the_store() {
    let Some(src) = PgDatabase::create().await else { return };
    // Enough tables with rows that the scan (sampling one table after another) is still
    // running when the other processes open the store.
    let mut sql = String::new();
    for t in 0..600 {
        let cols: Vec<String> = (0..20).map(|c| format!("c{c} text")).collect();
        sql.push_str(&format!("CREATE TABLE t{t} (id int PRIMARY KEY, {});", cols.join(", ")));
        sql.push_str(&format!("INSERT INTO t{t} (id, c0, c1) SELECT g, 'v' || g, 'w' || g FROM generate_series(1, 40) g;"));
    }
    src.execute(&sql).await;
    let dir = TempDir::new();
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let mut scan =
        almanac(&dir, &store, &["scan", &src.url, "--name", "big"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();

    // Watch the scan record from outside; while it is sampling, other commands open the store.
    let db_path = dir.path().join("catalog.db");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut phase = String::new();
    while Instant::now() < deadline && phase != "sampling values" {
        assert!(scan.try_wait().unwrap().is_none(), "the scan ended before it was seen sampling ({phase})");
        if let Ok(mut conn) =
            sqlx::SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(&db_path).read_only(true)).await
        {
            let row: Option<Option<String>> =
                sqlx::query_scalar("SELECT phase FROM scan ORDER BY id DESC LIMIT 1").fetch_optional(&mut conn).await.unwrap_or(None);
            let _ = conn.close().await;
            phase = row.flatten().unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(phase, "sampling values", "the scan was never seen sampling");
    let listed = run(&dir, &store, &["sources", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(v[0]["last_scan"]["status"], "running", "another process sees the scan running: {v}");
    assert!(run(&dir, &store, &["audit", "verify"]).status.success());
    let out = scan.wait_with_output().unwrap();
    assert!(out.status.success(), "the scan died: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("600 datasets"), "{}", text(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&run(&dir, &store, &["sources", "--format", "json"]).stdout).unwrap();
    assert_eq!(v[0]["last_scan"]["status"], "succeeded", "{v}");
}

async fn sqlite_source(path: &std::path::Path, table: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY, label TEXT)")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn two_stores_in_one_folder_have_their_own_index() {
    let dir = TempDir::new();
    sqlite_source(&dir.path().join("src_a.db"), "alpha_orders").await;
    sqlite_source(&dir.path().join("src_b.db"), "alpha_invoices").await;
    let a = format!("sqlite://{}/a.db", dir.path().display());
    let b = format!("sqlite://{}/b.db", dir.path().display());
    assert!(run(&dir, &a, &["scan", &format!("sqlite://{}/src_a.db", dir.path().display())]).status.success());
    assert!(run(&dir, &b, &["scan", &format!("sqlite://{}/src_b.db", dir.path().display())]).status.success());
    for (store, own, other) in [(&a, "alpha_orders", "alpha_invoices"), (&b, "alpha_invoices", "alpha_orders")] {
        let out = run(&dir, store, &["search", "alpha", "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let hits = text(&out.stdout);
        assert!(hits.contains(own) && !hits.contains(other), "{store}: {hits}");
    }
}

#[tokio::test]
async fn a_second_server_over_the_same_index_refuses_to_start() {
    let dir = TempDir::new();
    sqlite_source(&dir.path().join("src.db"), "orders").await;
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    assert!(run(&dir, &store, &["scan", &format!("sqlite://{}/src.db", dir.path().display())]).status.success());
    let mut first =
        almanac(&dir, &store, &["serve", "--listen", "127.0.0.1:0"]).stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(first.stderr.take().unwrap()));
    assert!(lines.any(|l| l.is_ok_and(|l| l.contains("serving on"))), "the first server did not start");
    let second = run(&dir, &store, &["serve", "--listen", "127.0.0.1:0"]);
    // A search from the shell meanwhile reads the index the server keeps current.
    let search = run(&dir, &store, &["search", "orders", "--format", "json"]);
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(second.status.code(), Some(1));
    let err = text(&second.stderr);
    assert!(err.contains("is in use by another process") && err.contains("catalog.db.search-index") && err.contains("index_dir"), "{err}");
    assert!(search.status.success(), "{}", text(&search.stderr));
    assert!(text(&search.stdout).contains("src.main.orders"), "{}", text(&search.stdout));
}
