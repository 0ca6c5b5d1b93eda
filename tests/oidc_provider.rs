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
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading what it prints (notices): a closed pipe would kill it at its next line.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    catalog_on(listener, store, issuer, extra).await
}

async fn catalog_on(
    listener: tokio::net::TcpListener,
    store: &TestStore,
    issuer: &str,
    extra: impl FnOnce(&mut almanac::config::Config),
) -> TestApp {
    let mut state = open_app(store).await;
    let mut cfg = (*state.config).clone();
    cfg.auth.issuer = Some(issuer.to_string());
    cfg.auth.audience = Some(AUDIENCE.into());
    extra(&mut cfg);
    state.config = std::sync::Arc::new(cfg);
    let (state, _) = state.with_search(almanac::search::IndexAccess::Write).await.unwrap();
    let state = state.with_auth().await.expect("discovery against the provider");
    TestApp::serve_on(state, listener)
}

async fn gql(app: &TestApp, token: &str, query: &str, vars: Value) -> (u16, Value) {
    let res =
        app.http.post(app.url("/graphql")).bearer_auth(token).json(&json!({ "query": query, "variables": vars })).send().await.unwrap();
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
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
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
    // OpenLineage events: the same tokens, the same roles (the editor service account may send).
    let event = json!({
        "eventType": "COMPLETE", "eventTime": "2026-12-03T10:00:00Z", "producer": "https://example.org/spark",
        "run": { "runId": "r1" }, "job": { "namespace": "spark", "name": "nightly" },
        "inputs": [{ "namespace": "kafka://broker:9092", "name": "orders" }],
        "outputs": [{ "namespace": "s3://lake", "name": "orders/daily", "facets": { "columnLineage": { "fields": {
            "id": { "inputFields": [{ "namespace": "kafka://broker:9092", "name": "orders", "field": "id" }] } } } } }]
    });
    let post = |token: Option<String>| {
        let mut req = app.http.post(app.url("/api/v1/lineage")).json(&event);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post(None).await, 401);
    assert_eq!(post(Some(reader.clone())).await, 403);
    assert_eq!(post(Some(ci.clone())).await, 201);

    // Read through the library: the entry names the service account and the issuer.
    let entries = almanac::audit::entries(app.state.catalog.connection(), &Default::default(), None, 10).await.unwrap();
    assert_eq!(entries[0].action, "lineage.submit");
    let register =
        entries.iter().find(|e| e.action == "source.register" && e.after.as_ref().is_some_and(|a| a["name"] == "warehouse")).unwrap();
    assert_eq!((register.actor.issuer.as_str(), register.actor.subject.as_str()), (provider.issuer.as_str(), "almanac-ci"));
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
    let names: Vec<&str> = body["data"]["sources"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    // The warehouse, and the external sources the OpenLineage event named.
    assert_eq!(names, ["ext-kafka-broker-9092", "ext-s3-lake", "warehouse"]);
}

/// The `action` of the first form in an HTML page, and its hidden inputs.
fn form(html: &str) -> (String, Vec<(String, String)>) {
    let action = html
        .split("action=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("no form in {}", html.split("<body>").nth(1).unwrap_or(html)))
        .replace("&amp;", "&");
    let mut hidden = Vec::new();
    for input in html.split("<input").skip(1) {
        let attr = |name: &str| input.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).map(str::to_string);
        if attr("type").as_deref() == Some("hidden") {
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                hidden.push((n, v));
            }
        }
    }
    (action, hidden)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_login_with_pkce_session_cookie_csrf_and_logout() {
    if !installed() {
        return;
    }
    let Some(store) = TestStore::create(StoreKind::Sqlite).await else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let callback = format!("{base}/auth/callback");
    let provider = Provider::start(free_port(), &callback);
    std::env::set_var("ALMANAC_TEST_WEB_SECRET", "web-secret");
    let app = catalog_on(listener, &store, &provider.issuer, |c| {
        c.auth.client_id = Some("almanac-web".into());
        c.auth.client_secret_env = "ALMANAC_TEST_WEB_SECRET".into();
        c.auth.redirect_url = Some(callback.clone());
    })
    .await;
    // A browser: keeps cookies, and we follow redirects by hand to see each step.
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let location = |res: &reqwest::Response| -> String {
        let l = res.headers().get("location").unwrap_or_else(|| panic!("no redirect from {}", res.url())).to_str().unwrap().to_string();
        if l.starts_with('/') {
            format!("{}://{}{l}", res.url().scheme(), res.url().authority())
        } else {
            l
        }
    };

    // 1. The catalog sends the browser to the issuer with a PKCE challenge, state and nonce.
    let res = browser.get(format!("{base}/auth/login?return_to=/graphql")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "{:?}", res.text().await);
    let to_issuer = location(&res);
    assert!(to_issuer.starts_with(&provider.issuer), "{to_issuer}");
    for p in ["code_challenge_method=S256", "code_challenge=", "state=", "nonce=", "resource=urn%3Aalmanac", "client_id=almanac-web"] {
        assert!(to_issuer.contains(p), "{p} missing in {to_issuer}");
    }
    // 2. The issuer's development login form: Erin logs in.
    let mut url = to_issuer;
    let mut logged_in = false;
    let back = loop {
        let res = browser.get(&url).send().await.unwrap();
        if res.status().is_redirection() {
            url = location(&res);
            if url.starts_with(&callback) {
                break url;
            }
            continue;
        }
        let html = res.text().await.unwrap();
        let (action, mut fields) = form(&html);
        if !logged_in {
            fields.push(("login".into(), "erin".into()));
            fields.push(("password".into(), "any".into()));
            logged_in = true;
        }
        let action = if action.starts_with('/') { format!("{}{action}", provider.issuer) } else { action };
        let res = browser.post(&action).form(&fields).send().await.unwrap();
        assert!(res.status().is_redirection(), "form post to {action}: {}", res.status());
        url = location(&res);
        if url.starts_with(&callback) {
            break url;
        }
    };
    // A forged or replayed state is refused.
    let forged = browser.get(format!("{callback}?code=abc&state=not-ours")).send().await.unwrap();
    assert_eq!(forged.status().as_u16(), 400);
    // 3. Back at the catalog with the code: a session cookie, and on to where we started.
    let res = browser.get(&back).send().await.unwrap();
    assert!(res.status().is_redirection(), "{}: {:?}", res.status(), res.text().await);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("almanac_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain-http test callback: {cookie}");
    assert_eq!(location(&res), format!("{base}/graphql"));
    let replay = browser.get(&back).send().await.unwrap();
    assert_eq!(replay.status().as_u16(), 400, "a state is single-use");

    let me: Value = browser.get(format!("{base}/auth/session")).send().await.unwrap().json().await.unwrap();
    assert_eq!((me["subject"].as_str(), me["name"].as_str()), (Some("erin"), Some("Erin Engineer")));
    assert_eq!(me["roles"], json!(["editor"]));
    let csrf = me["csrfToken"].as_str().unwrap().to_string();

    // 4. The cookie authenticates reads; mutations also need the CSRF token.
    let post = |query: &str, csrf: Option<&str>| {
        let mut req = browser.post(format!("{base}/graphql")).json(&json!({ "query": query }));
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        req.send()
    };
    let res = post("{ sources { name } }", None).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let mutation = "mutation { registerSource(input: { name: \"files\", url: \"sqlite:///tmp/almanac-none.db\" }) { name } }";
    let res = post(mutation, None).await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = post(mutation, Some("wrong")).await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let body: Value = post(mutation, Some(&csrf)).await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["registerSource"]["name"], "files", "{body}");
    let entries = almanac::audit::entries(app.state.catalog.connection(), &Default::default(), None, 1).await.unwrap();
    assert_eq!((entries[0].actor.subject.as_str(), entries[0].actor.name.as_deref()), ("erin", Some("Erin Engineer")));

    // A second replica over the same store knows the login: sessions live in the store.
    let replica_index = TempDir::new();
    let listener2 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base2 = format!("http://{}", listener2.local_addr().unwrap());
    let _replica = catalog_on(listener2, &store, &provider.issuer, |c| {
        c.auth.client_id = Some("almanac-web".into());
        c.auth.client_secret_env = "ALMANAC_TEST_WEB_SECRET".into();
        c.auth.redirect_url = Some(callback.clone());
        c.search.index_dir = Some(replica_index.path().join("index").display().to_string());
    })
    .await;
    let me2: Value = browser.get(format!("{base2}/auth/session")).send().await.unwrap().json().await.unwrap();
    assert_eq!((me2["subject"].as_str(), me2["csrfToken"].as_str()), (Some("erin"), Some(csrf.as_str())), "{me2}");

    // 5. Logout (with the CSRF token) ends the session and clears the cookie.
    let res = browser.post(format!("{base}/auth/logout")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = browser.post(format!("{base}/auth/logout")).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    let res = post("{ sources { name } }", None).await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // The replica knows it ended too.
    let res = browser.get(format!("{base2}/auth/session")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
}
