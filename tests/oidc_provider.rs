//! Against a real OpenID Provider: oidc-provider from the npm registry, installed from
//! tests/oidc/package-lock.json and started on a random loopback port by these tests.
//! Service accounts (client credentials) with roles, key rotation, and the browser
//! authorization-code flow with PKCE driven over HTTP through the provider's login form.

mod common;

use common::{open_app, services_required, StoreKind, TempDir, TestApp, TestStore};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const AUDIENCE: &str = "urn:almanac";

fn oidc_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc"))
}

/// Installs the provider from the lockfile once; false (a visible skip) without Node.js.
fn installed() -> bool {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        if Command::new("node").arg("--version").output().is_err() {
            return Err("Node.js is not installed".into());
        }
        if oidc_dir().join("node_modules/oidc-provider/package.json").is_file() {
            return Ok(());
        }
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(oidc_dir())
            .output()
            .map_err(|e| format!("npm: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("npm ci failed: {}", String::from_utf8_lossy(&out.stderr)))
        }
    });
    match result {
        Ok(()) => true,
        Err(e) if services_required() => panic!("the test OpenID Provider cannot be installed: {e}"),
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            false
        }
    }
}

/// A running provider; killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    fn start(port: u16, redirect: &str) -> Provider {
        let mut child = Command::new("node")
            .arg(oidc_dir().join("provider.mjs"))
            .env("PORT", port.to_string())
            .env("AUDIENCE", AUDIENCE)
            .env("REDIRECT_URI", redirect)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let issuer = line.trim().strip_prefix("READY ").unwrap_or_else(|| panic!("provider said {line:?}")).to_string();
        // The socket is bound by now or within moments.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "provider did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Provider { child, issuer }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn client_token(issuer: &str, id: &str, secret: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{issuer}/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "api"), ("resource", AUDIENCE)])
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap_or_else(|| panic!("no token: {body}")).to_string()
}

/// The catalog server, configured for the provider, with a store of its own.
async fn catalog(store: &TestStore, issuer: &str, extra: impl FnOnce(&mut almanac::config::Config)) -> TestApp {
    let mut state = open_app(store).await;
    let mut cfg = (*state.config).clone();
    cfg.auth.issuer = Some(issuer.to_string());
    cfg.auth.audience = Some(AUDIENCE.into());
    extra(&mut cfg);
    state.config = std::sync::Arc::new(cfg);
    let (state, _) = state.with_search().await.unwrap();
    let state = state.with_auth().await.expect("discovery against the provider");
    TestApp::serve(state).await
}

async fn gql(app: &TestApp, token: &str, query: &str, vars: Value) -> (u16, Value) {
    let res = app.http.post(app.url("/graphql")).bearer_auth(token).json(&json!({ "query": query, "variables": vars })).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_accounts_with_roles_and_key_rotation() {
    if !installed() {
        return;
    }
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let port = free_port();
    let provider = Provider::start(port, "http://127.0.0.1:1/auth/callback");
    let app = catalog(&store, &provider.issuer, |_| {}).await;

    let dir = TempDir::new();
    let wh = dir.path().join("warehouse.db");
    almanac::quickstart::write_sample_warehouse(&wh).await.unwrap();
    let register = "mutation($u: String!) { registerSource(input: { name: \"warehouse\", url: $u }) { name } }";
    let vars = json!({ "u": format!("sqlite://{}", wh.display()) });

    // The CI service account is an editor; the reader service account only reads.
    let reader = client_token(&provider.issuer, "almanac-reader", "reader-secret").await;
    let (status, body) = gql(&app, &reader, register, vars.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
    let ci = client_token(&provider.issuer, "almanac-ci", "ci-secret").await;
    let (_, body) = gql(&app, &ci, register, vars).await;
    assert_eq!(body["data"]["registerSource"]["name"], "warehouse", "{body}");
    let (_, body) = gql(&app, &reader, "{ sources { name } }", json!({})).await;
    assert_eq!(body["data"]["sources"][0]["name"], "warehouse", "{body}");
    // Read through the library: the entry names the service account and the issuer.
    let entries = app.state.catalog.audit_entries(&Default::default(), None, 10).await.unwrap();
    assert_eq!(entries[0].action, "source.register");
    assert_eq!((entries[0].actor.issuer.as_str(), entries[0].actor.subject.as_str()), (provider.issuer.as_str(), "almanac-ci"));

    // An altered signature is refused, with the reason and no data.
    let forged = {
        let mut chars: Vec<char> = ci.chars().collect();
        let i = ci.rfind('.').unwrap() + 10;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    let (status, body) = gql(&app, &forged, "{ sources { name } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "the token's signature does not verify");

    // Key rotation: the provider restarts with a new signing key; new tokens keep working
    // (the catalog fetches the keys again when it meets the unknown key id).
    let issuer = provider.issuer.clone();
    drop(provider);
    let provider = Provider::start(port, "http://127.0.0.1:1/auth/callback");
    assert_eq!(provider.issuer, issuer);
    let rotated = client_token(&provider.issuer, "almanac-ci", "ci-secret").await;
    let (status, body) = gql(&app, &rotated, "{ sources { name } }", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["sources"][0]["name"], "warehouse");
}
