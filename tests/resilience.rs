//! Scans that fail half-way: the source connection is killed, or the scanning process is
//! killed while the catalog transaction is open. Either way the catalog stays as it was.

mod common;

use common::{open_app, PgDatabase, StoreKind, TempDir, TestStore};
use sqlx::Connection;
use std::time::{Duration, Instant};

async fn many_tables(db: &PgDatabase, tables: usize, columns: usize) {
    let mut sql = String::new();
    for t in 0..tables {
        let cols: Vec<String> = (0..columns).map(|c| format!("c{c} text")).collect();
        sql.push_str(&format!("CREATE TABLE t{t} (id int PRIMARY KEY, {});", cols.join(", ")));
        sql.push_str(&format!("INSERT INTO t{t} (id, c0) SELECT g, 'v' || g FROM generate_series(1, 30) g;"));
    }
    db.execute(&sql).await;
}

async fn a_source_disconnecting_mid_scan_changes_nothing(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let Some(src) = PgDatabase::create().await else { return };
    many_tables(&src, 400, 3).await;
    let app = open_app(&store).await;
    app.catalog
        .register_source(almanac::catalog::NewSource {
            name: almanac::catalog::SourceName::parse("flaky").unwrap(),
            url: almanac_scanners::SourceUrl::parse(&src.url).unwrap(),
            password_env: None,
            password_file: None,
            sample_rows: Some(50),
        })
        .await
        .unwrap();
    let scan = app.start_background_scan("flaky").await.unwrap();

    // Kill the scanner's session on the server as soon as it shows up.
    let mut admin = src.connect().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let killed = loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = 'almanac-scanner' AND datname = current_database()",
        )
        .fetch_one(&mut admin)
        .await
        .unwrap();
        if n > 0 {
            break true;
        }
        if app.catalog.scan(scan.id).await.unwrap().status != almanac::catalog::ScanStatus::Running || Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    assert!(killed, "the scanner's session was never seen");
    let _ = admin.close().await;

    let finished = loop {
        let s = app.catalog.scan(scan.id).await.unwrap();
        if s.status != almanac::catalog::ScanStatus::Running {
            break s;
        }
        assert!(Instant::now() < deadline, "scan did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(finished.status, almanac::catalog::ScanStatus::Failed);
    let error = finished.error.unwrap_or_default();
    assert!(error.contains("terminat") || error.contains("connection"), "{error}");
    let source = app.catalog.source_by_name("flaky").await.unwrap();
    let (datasets, _) = app.catalog.datasets_page(source.id, None, true, None, 10).await.unwrap();
    assert!(datasets.is_empty(), "a failed scan must not write anything");
    let (events, _) = app.catalog.changes(Default::default(), None, 10).await.unwrap();
    assert!(events.is_empty());
}

on_both_stores!(a_source_disconnecting_mid_scan_changes_nothing);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_while_applying_a_scan_leaves_the_catalog_as_it_was() {
    let Some(src) = PgDatabase::create().await else { return };
    many_tables(&src, 300, 40).await;
    let dir = TempDir::new();
    let db_path = dir.path().join("catalog.db");
    let store = format!("sqlite://{}", db_path.display());
    // A short job lease, so the killed scan is seen abandoned soon.
    let config = dir.path().join("almanac.toml");
    std::fs::write(&config, "[jobs]\nlease_secs = 2\n").unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_almanac"))
        .args(["scan", &src.url, "--name", "big", "--sample-rows", "0"])
        .env("ALMANAC_STORE", &store)
        .env("ALMANAC_CONFIG", &config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start almanac scan");

    // Watch the scan record from outside and kill the process once it is applying.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut phase = String::new();
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the scan finished ({status}) before it could be killed; last phase seen: {phase}");
        }
        if db_path.exists() {
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&db_path).read_only(true);
            if let Ok(mut conn) = sqlx::SqliteConnection::connect_with(&opts).await {
                let row: Option<Option<String>> =
                    sqlx::query_scalar("SELECT phase FROM scan ORDER BY id DESC LIMIT 1").fetch_optional(&mut conn).await.unwrap_or(None);
                let _ = conn.close().await;
                if let Some(Some(p)) = row {
                    phase = p;
                    if phase == "applying to catalog" {
                        break;
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(phase, "applying to catalog", "never saw the scan applying");
    child.kill().expect("kill");
    let _ = child.wait();

    // The catalog holds nothing of the killed scan. While its lease lasts another process sees
    // the scan running (it might be alive); once the lease ran out, the scan is interrupted.
    let test_store = TestStore::Sqlite { dir, url: store.clone() };
    let app = open_app(&test_store).await;
    let source = app.catalog.source_by_name("big").await.unwrap();
    let seen = app.catalog.scans(source.id, 1).await.unwrap().remove(0);
    if seen.status == almanac::catalog::ScanStatus::Running {
        assert!(app.catalog.start_scan(source.id).await.is_err(), "a scan under a live lease is not replaced");
    }
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let app = open_app(&test_store).await;
    let source = app.catalog.source_by_name("big").await.unwrap();
    let (datasets, _) = app.catalog.datasets_page(source.id, None, true, None, 10).await.unwrap();
    assert!(datasets.is_empty(), "datasets of a killed scan reached the catalog");
    assert!(app.catalog.changes(Default::default(), None, 10).await.unwrap().0.is_empty());
    let last = app.catalog.scans(source.id, 1).await.unwrap().remove(0);
    assert_eq!(last.status, almanac::catalog::ScanStatus::Failed);
    assert!(last.error.unwrap_or_default().contains("interrupted"));

    // The next scan applies in full.
    let s = app.catalog.start_scan(source.id).await.unwrap();
    let url = almanac_scanners::SourceUrl::parse(&src.url).unwrap();
    let summary = almanac::scanning::run(&app.catalog, &app.config, &app.classifier, &source, s.id, &url, None).await.unwrap();
    assert_eq!((summary.datasets, summary.columns), (300, 300 * 41));
}
