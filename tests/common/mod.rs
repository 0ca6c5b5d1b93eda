//! Shared test helpers: fresh stores (SQLite file or PostgreSQL database), fresh source
//! databases on the real PostgreSQL and MariaDB servers, the app spawned on a random port,
//! and the Chinook scripts from ../shared.
#![allow(dead_code)]

use almanac::app::AppState;
use almanac::config::Config;
use serde_json::{json, Value};
use sqlx::{Connection, Executor};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub mod lake;

static SEQ: AtomicU64 = AtomicU64::new(0);

/// A name no other test (or test process) uses.
pub fn unique_name(prefix: &str) -> String {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{:x}", std::process::id(), nanos)
}

/// Whether missing services must fail the test instead of skipping it (CI sets this).
pub fn services_required() -> bool {
    std::env::var("ALMANAC_TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// The URL in `var`, or a visible skip notice (a failure when services are required).
pub fn service_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if services_required() {
                panic!("{var} is not set but ALMANAC_TEST_REQUIRE_SERVICES=1");
            }
            eprintln!("SKIPPED: {var} is not set; set it to run this test against a real server");
            None
        }
    }
}

/// A directory of its own for one test, removed when dropped.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new() -> TempDir {
        TempDir(tempfile::Builder::new().prefix("almanac_test").tempdir().expect("create temp dir"))
    }
    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

fn block_on_thread<F: std::future::Future<Output = ()> + Send + 'static>(f: F) {
    // Drop runs inside a tokio runtime; do the async clean-up on a runtime of its own.
    let _ = std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(f);
        }
    })
    .join();
}

/// A PostgreSQL database created for one test and dropped afterwards.
pub struct PgDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("service URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

impl PgDatabase {
    pub async fn create() -> Option<PgDatabase> {
        let admin_url = service_url("ALMANAC_TEST_POSTGRES_URL")?;
        let name = unique_name("almanac_t");
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
        let _ = conn.close().await;
        Some(PgDatabase { url: with_db(&admin_url, &name), name, admin_url })
    }

    pub async fn connect(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.url).await.expect("connect to test database")
    }

    pub async fn execute(&self, sql: &str) {
        let mut conn = self.connect().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
        let _ = conn.close().await;
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        block_on_thread(async move {
            if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                let _ = c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await;
            }
        });
    }
}

/// A MariaDB/MySQL database created for one test and dropped afterwards.
pub struct MyDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl MyDatabase {
    pub async fn create() -> Option<MyDatabase> {
        let admin_url = service_url("ALMANAC_TEST_MYSQL_URL")?;
        let name = unique_name("almanac_t");
        let mut conn = sqlx::MySqlConnection::connect(&admin_url).await.expect("connect to MariaDB");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
        let _ = conn.close().await;
        Some(MyDatabase { url: with_db(&admin_url, &name), name, admin_url })
    }

    pub async fn execute(&self, sql: &str) {
        let mut conn = sqlx::MySqlConnection::connect(&self.url).await.expect("connect to test database");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
        let _ = conn.close().await;
    }
}

impl Drop for MyDatabase {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        block_on_thread(async move {
            if let Ok(mut c) = sqlx::MySqlConnection::connect(&admin).await {
                let _ = c.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).await;
            }
        });
    }
}

/// Which catalog store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

/// A fresh, empty catalog store; dropped (file or database) with the guard.
pub enum TestStore {
    Sqlite { dir: TempDir, url: String },
    Postgres { db: PgDatabase, index: TempDir },
}

impl TestStore {
    pub async fn create(kind: StoreKind) -> Option<TestStore> {
        match kind {
            StoreKind::Sqlite => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}/catalog.db", dir.path().display());
                Some(TestStore::Sqlite { dir, url })
            }
            StoreKind::Postgres => PgDatabase::create().await.map(|db| TestStore::Postgres { db, index: TempDir::new() }),
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestStore::Sqlite { url, .. } => url,
            TestStore::Postgres { db, .. } => &db.url,
        }
    }
}

/// The application over a fresh store (no server).
pub async fn open_app(store: &TestStore) -> AppState {
    let mut config = Config { store: store.url().to_string(), ..Config::default() };
    // SQLite stores keep the index beside the file; PostgreSQL stores get a directory of their own.
    if let TestStore::Postgres { index, .. } = store {
        config.search.index_dir = Some(index.path().join("search-index").display().to_string());
        config.privacy.key_file = Some(index.path().join("privacy-key").display().to_string());
    }
    AppState::open(config).await.expect("open app")
}

/// Registers `url` as source `name` (when new) and scans it through the library, with
/// `sample_rows` per table (the configured default when None).
pub async fn scan_source(app: &AppState, name: &str, url: &str, sample_rows: Option<i32>) -> almanac::scanning::ScanSummary {
    let url = almanac_scanners::SourceUrl::parse(url).expect("url");
    let source = app
        .catalog
        .ensure_source(almanac::catalog::NewSource {
            name: almanac::catalog::SourceName::parse(name).expect("source name"),
            url: url.clone(),
            password_env: None,
            password_file: None,
            sample_rows,
        })
        .await
        .expect("source");
    let scan = app.catalog.start_scan(source.id).await.expect("start scan");
    almanac::scanning::run(&app.catalog, &app.config, &app.classifier, &source, scan.id, &url, None).await.expect("scan")
}

/// The real server on a random loopback port.
pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    pub http: reqwest::Client,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn(store: &TestStore) -> TestApp {
        let (state, _) = open_app(store).await.with_search(almanac::search::IndexAccess::Write).await.expect("open search index");
        TestApp::serve(state).await
    }

    /// Serves a prepared state (e.g. with a token verifier) on a random loopback port.
    pub async fn serve(state: AppState) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        TestApp::serve_on(state, listener)
    }

    /// Serves a prepared state on a listener bound beforehand (when its address must be known
    /// first, e.g. for a login callback URL).
    pub fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> TestApp {
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = state.clone();
        tokio::spawn(async move {
            let _ = almanac::api::serve(app, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        TestApp { addr, state, http: reqwest::Client::new(), _shutdown: tx }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Posts a GraphQL request and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let res = self
            .http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql");
        assert!(res.status().is_success(), "HTTP {}", res.status());
        res.json().await.expect("JSON body")
    }

    /// Registers an SQLite file as source `name` through GraphQL and scans it (see `scan`).
    pub async fn scan_file(&self, name: &str, path: &Path) {
        self.query_ok(
            "mutation($n: String!, $u: String!) { registerSource(input: { name: $n, url: $u }) { id } }",
            json!({ "n": name, "u": format!("sqlite://{}", path.display()) }),
        )
        .await;
        self.scan(name).await;
    }

    /// Scans a registered source through GraphQL and waits for the scan to succeed.
    pub async fn scan(&self, name: &str) {
        let s = self.query_ok("mutation($n: String!) { scanSource(name: $n) { id } }", json!({ "n": name })).await;
        let id = s["scanSource"]["id"].as_str().unwrap().to_string();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let r = self.query_ok("query($id: ID!) { scan(id: $id) { status error } }", json!({ "id": id })).await;
            match r["scan"]["status"].as_str() {
                Some("SUCCEEDED") => return,
                Some("FAILED") => panic!("scan failed: {r}"),
                _ => {}
            }
            assert!(std::time::Instant::now() < deadline, "scan did not finish: {r}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Posts a GraphQL request that must succeed; returns `data`.
    pub async fn query_ok(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }
}

/// The error code of the first GraphQL error.
pub fn error_code(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"].as_str().map(str::to_string)
}

/// Where the Chinook files are, or a visible skip (a failure when services are required).
pub fn chinook_dir() -> Option<PathBuf> {
    let dir = std::env::var("ALMANAC_CHINOOK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/chinook"));
    if dir.join("Chinook_Sqlite.sqlite").is_file() {
        Some(dir)
    } else {
        if services_required() {
            panic!("the Chinook dataset is missing at {}", dir.display());
        }
        eprintln!("SKIPPED: the Chinook dataset is not at {}", dir.display());
        None
    }
}

/// A Chinook script with its own CREATE DATABASE / connect preamble removed.
pub fn chinook_script(dir: &Path, file: &str) -> String {
    let text = std::fs::read_to_string(dir.join(file)).expect("read Chinook script");
    let marker = text.lines().position(|l| l.starts_with("\\c ") || l.starts_with("USE ")).expect("Chinook script preamble");
    text.lines().skip(marker + 1).collect::<Vec<_>>().join("\n")
}

/// Copies the Chinook SQLite file into `dir` (never into the project) and returns its URL.
pub fn chinook_sqlite(chinook: &Path, dir: &Path) -> String {
    let target = dir.join("chinook.sqlite");
    std::fs::copy(chinook.join("Chinook_Sqlite.sqlite"), &target).expect("copy Chinook");
    format!("sqlite://{}", target.display())
}

/// Generates `#[tokio::test]`s that run each named `async fn(StoreKind)` on both stores.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite_store {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::StoreKind::Sqlite).await } )*
        }
        mod on_postgres_store {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::StoreKind::Postgres).await } )*
        }
    };
}

/// Runs the `almanac` binary against `store`, with neither a configuration file nor a log
/// filter from the caller's environment, and with the variables `env` set.
pub fn almanac_with(store: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_almanac"))
        .args(args)
        .env("ALMANAC_STORE", store)
        .env_remove("ALMANAC_CONFIG")
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .output()
        .expect("run almanac")
}

/// Runs the `almanac` binary against `store` (see [`almanac_with`]).
pub fn almanac(store: &str, args: &[&str]) -> std::process::Output {
    almanac_with(store, args, &[])
}
