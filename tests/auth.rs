//! Access tokens the test signs itself (a fixed test-only RSA key in tests/fixtures): every
//! malicious case is refused with a clear reason, and each role gets exactly what the policy
//! table allows through the real HTTP API.

mod common;

use almanac::auth::{AuthConfig, TokenError, Verifier};
use base64::Engine;
use common::{error_code, open_app, StoreKind, TempDir, TestApp, TestStore};
use openidconnect::core::{CoreJsonWebKey, CoreJsonWebKeySet};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const ISSUER: &str = "https://id.example.test/";
const AUDIENCE: &str = "urn:almanac:test";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn key() -> rsa::RsaPrivateKey {
    let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test-signing-key.pem")).unwrap();
    rsa::RsaPrivateKey::from_pkcs1_pem(&pem).unwrap()
}

fn jwks(key: &rsa::RsaPrivateKey, kid: &str) -> CoreJsonWebKeySet {
    let public = key.to_public_key();
    let jwk: CoreJsonWebKey = serde_json::from_value(json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be()),
    }))
    .unwrap();
    CoreJsonWebKeySet::new(vec![jwk])
}

fn sign(key: &rsa::RsaPrivateKey, header: Value, claims: Value) -> String {
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    format!("{input}.{}", b64(&signer.sign(input.as_bytes()).to_bytes()))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(sub: &str, roles: &[&str]) -> Value {
    json!({ "iss": ISSUER, "aud": [AUDIENCE, "other"], "sub": sub, "name": format!("{sub} (test)"), "roles": roles,
            "iat": now(), "nbf": now() - 5, "exp": now() + 300 })
}

fn config() -> AuthConfig {
    AuthConfig { issuer: Some(ISSUER.into()), audience: Some(AUDIENCE.into()), leeway_secs: 30, ..Default::default() }
}

fn header() -> Value {
    json!({ "alg": "RS256", "typ": "at+jwt", "kid": "k1" })
}

#[tokio::test]
async fn malicious_tokens_are_refused() {
    let key = key();
    let v = Verifier::with_keys(&config(), jwks(&key, "k1"));
    let good = sign(&key, header(), claims("ada", &["viewer"]));
    assert_eq!(v.verify(&good).await.unwrap()["sub"], "ada");

    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims("ada", &["viewer"]);
        f(&mut c);
        sign(&key, header(), c)
    };
    let cases: Vec<(&str, String, TokenError)> = vec![
        ("expired", with(&|c| c["exp"] = json!(now() - 120)), TokenError::Expired),
        ("not yet valid", with(&|c| c["nbf"] = json!(now() + 120)), TokenError::NotYetValid),
        ("wrong issuer", with(&|c| c["iss"] = json!("https://evil.example.test/")), TokenError::WrongIssuer),
        ("wrong audience", with(&|c| c["aud"] = json!("urn:someone-else")), TokenError::WrongAudience),
        ("no expiry", with(&|c| c.as_object_mut().unwrap().remove("exp").map(|_| ()).unwrap()), TokenError::MissingClaim("exp")),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(json!({ "alg": "none", "kid": "k1" }).to_string().as_bytes()),
                b64(claims("ada", &["admin"]).to_string().as_bytes())
            ),
            TokenError::AlgorithmNotAllowed("none".into()),
        ),
        ("unknown kid", sign(&key, json!({ "alg": "RS256", "kid": "k2" }), claims("ada", &["viewer"])), TokenError::UnknownKey),
        ("oversized", sign(&key, header(), json!({ "pad": "x".repeat(20_000) })), TokenError::TooLarge),
        ("garbage", "not-a-token".into(), TokenError::Malformed),
    ];
    // HS256 "signed" with the issuer's public key as the HMAC secret: the classic confusion.
    let hs = {
        use hmac::Mac;
        let public_pem = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_pem(&key.to_public_key(), rsa::pkcs8::LineEnding::LF).unwrap();
        let input = format!(
            "{}.{}",
            b64(json!({ "alg": "HS256", "kid": "k1" }).to_string().as_bytes()),
            b64(claims("ada", &["admin"]).to_string().as_bytes())
        );
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(public_pem.as_bytes()).unwrap();
        mac.update(input.as_bytes());
        format!("{input}.{}", b64(&mac.finalize().into_bytes()))
    };
    // A payload changed after signing (viewer -> admin) keeps the old signature.
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        format!("{}.{}.{}", parts[0], b64(claims("ada", &["admin"]).to_string().as_bytes()), parts[2])
    };
    let mut all = cases;
    all.push(("HS256 with the public key", hs, TokenError::AlgorithmNotAllowed("HS256".into())));
    all.push(("tampered payload", tampered, TokenError::BadSignature));
    for (what, token, expected) in all {
        assert_eq!(v.verify(&token).await.unwrap_err(), expected, "{what}");
    }
    // Within the tolerated clock skew, a just-expired token still passes.
    assert!(v.verify(&with(&|c| c["exp"] = json!(now() - 10))).await.is_ok());
}

async fn roles_get_what_the_policy_allows(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let key = key();
    let mut state = open_app(&store).await;
    let mut cfg = (*state.config).clone();
    cfg.auth = config();
    cfg.auth.role_map.insert("data-engineers".into(), vec!["editor".into()]);
    state.config = std::sync::Arc::new(cfg);
    let (mut state, _) = state.with_search(almanac::search::IndexAccess::Write).await.unwrap();
    state.auth = Some(std::sync::Arc::new(Verifier::with_keys(&state.config.auth, jwks(&key, "k1"))));
    let app = TestApp::serve(state).await;
    let token = |sub: &str, roles: &[&str]| sign(&key, header(), claims(sub, roles));
    let call = |token: Option<String>, query: &'static str, vars: Value| {
        let mut req = app.http.post(app.url("/graphql")).json(&json!({ "query": query, "variables": vars }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };

    // No token, a bad token, a token without a catalog role: refused before GraphQL, no data.
    let (status, body) = call(None, "{ sources { name } }", json!({})).await;
    assert_eq!(status, 401);
    assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
    assert!(body.get("data").is_none());
    let (status, body) = call(Some("abc.def.ghi".into()), "{ sources { name } }", json!({})).await;
    assert_eq!((status, body["error"].as_str().unwrap()), (401, "the token is not a signed JWT (header.payload.signature)"));
    let (status, _) = call(Some(token("nobody", &["unrelated-group"])), "{ sources { name } }", json!({})).await;
    assert_eq!(status, 403);

    // An editor (through the role map) registers and scans a source; the audit names them.
    let editor = token("erin", &["data-engineers"]);
    let dir = TempDir::new();
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    let (_, body) = call(
        Some(editor.clone()),
        "mutation($u: String!) { registerSource(input: { name: \"warehouse\", url: $u }) { id } }",
        json!({ "u": format!("sqlite://{}", wh.display()) }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let (_, body) = call(Some(editor.clone()), "mutation { scanSource(name: \"warehouse\") { id } }", json!({})).await;
    let scan = body["data"]["scanSource"]["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, b) = call(Some(editor.clone()), "query($id: ID!) { scan(id: $id) { status } }", json!({ "id": scan })).await;
        if b["data"]["scan"]["status"] == "SUCCEEDED" {
            break;
        }
        assert!(Instant::now() < deadline, "{b}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, b) = call(
        Some(editor.clone()),
        r#"{ column(qualifiedName: "warehouse.main.customers.email") { id classifications { id category } } }"#,
        json!({}),
    )
    .await;
    let col = b["data"]["column"]["id"].as_str().unwrap().to_string();
    let cls = b["data"]["column"]["classifications"][0]["id"].as_str().unwrap().to_string();
    let (_, b) = call(Some(editor.clone()), r#"{ dataset(qualifiedName: "warehouse.main.customers") { id } }"#, json!({})).await;
    let ds = b["data"]["dataset"]["id"].as_str().unwrap().to_string();
    let own = "mutation($id: ID!) { setDatasetOwner(id: $id, owner: \"crm-team\", expectedVersion: 0) { owner } }";

    let viewer = token("vic", &["viewer"]);
    let steward = token("sam", &["steward"]);
    let officer = token("pia", &["privacy_officer"]);
    let describe = "mutation($id: ID!) { setColumnDescription(id: $id, description: \"Login e-mail\", expectedVersion: 0) { id } }";
    let confirm = "mutation($id: ID!) { confirmClassification(id: $id) { status } }";
    let evidence = "query($id: ID!) { column(id: $id) { classifications { category status evidence } } }";
    let audit = "{ auditLog(first: 50) { entries { action actor { issuer subject name } } } }";

    // Viewer: reads and searches, sees the category but not the evidence, changes nothing.
    // (The index follows the store within about a second of the scan.)
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, b) =
            call(Some(viewer.clone()), "{ search(query: \"customer email\", first: 1) { hits { qualifiedName } } }", json!({})).await;
        assert!(b.get("errors").is_none(), "{b}");
        if b["data"]["search"]["hits"][0]["qualifiedName"] == "warehouse.main.customers.email" {
            break;
        }
        assert!(Instant::now() < deadline, "{b}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, b) = call(Some(viewer.clone()), evidence, json!({ "id": col })).await;
    assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
    let (_, b) =
        call(Some(viewer.clone()), "query($id: ID!) { column(id: $id) { classifications { category status } } }", json!({ "id": col }))
            .await;
    assert_eq!(b["data"]["column"]["classifications"][0]["category"], "user.contact.email");
    for (q, vars) in [(describe, json!({ "id": col })), (own, json!({ "id": ds })), (confirm, json!({ "id": cls })), (audit, json!({}))] {
        let (_, b) = call(Some(viewer.clone()), q, vars).await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "viewer: {q}: {b}");
    }
    // Steward: confirms, sees evidence, cannot curate descriptions or read the audit log.
    let (_, b) = call(Some(steward.clone()), confirm, json!({ "id": cls })).await;
    assert_eq!(b["data"]["confirmClassification"]["status"], "CONFIRMED", "{b}");
    let (_, b) = call(Some(steward.clone()), evidence, json!({ "id": col })).await;
    assert!(b["data"]["column"]["classifications"][0]["evidence"].is_array(), "{b}");
    for (q, vars) in [(describe, json!({ "id": col })), (own, json!({ "id": ds })), (audit, json!({}))] {
        let (_, b) = call(Some(steward.clone()), q, vars).await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "steward: {q}: {b}");
    }
    // Editor: curates, cannot decide classifications.
    let (_, b) = call(Some(editor.clone()), describe, json!({ "id": col })).await;
    assert!(b.get("errors").is_none(), "{b}");
    let (_, b) = call(Some(editor.clone()), own, json!({ "id": ds })).await;
    assert_eq!(b["data"]["setDatasetOwner"]["owner"], "crm-team", "{b}");
    let (_, b) = call(Some(editor.clone()), "mutation($id: ID!) { rejectClassification(id: $id) { status } }", json!({ "id": cls })).await;
    assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"));
    // Privacy officer: reads the audit log, which names each actor by issuer and subject.
    let (_, b) = call(Some(officer.clone()), audit, json!({})).await;
    let entries = b["data"]["auditLog"]["entries"].as_array().unwrap();
    let who: Vec<(&str, &str)> =
        entries.iter().rev().map(|e| (e["action"].as_str().unwrap(), e["actor"]["subject"].as_str().unwrap())).collect();
    assert_eq!(
        who,
        [
            ("source.register", "erin"),
            ("scan.start", "erin"),
            ("classification.confirm", "sam"),
            ("description.set", "erin"),
            ("owner.set", "erin")
        ]
    );
    assert!(entries.iter().all(|e| e["actor"]["issuer"] == ISSUER));
    assert_eq!(entries[0]["actor"]["name"], "erin (test)");
    // Admin: everything, including the audit log.
    let (_, b) = call(Some(token("root", &["admin"])), audit, json!({})).await;
    assert!(b.get("errors").is_none(), "{b}");

    // Erasure requests: privacy officers only, and the approver is another officer than the
    // requester, both named by their tokens.
    let email: String = {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", wh.display())).await.unwrap();
        let e = sqlx::query_scalar("SELECT email FROM customers ORDER BY customer_id LIMIT 1").fetch_one(&mut c).await.unwrap();
        c.close().await.unwrap();
        e
    };
    let create = "mutation($s: [String!]!) { createErasureRequest(subjects: $s) { id status requester subjectCount } }";
    for t in [&viewer, &steward, &editor] {
        let (_, b) = call(Some(t.clone()), create, json!({ "s": [format!("email={email}")] })).await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
    }
    let (_, b) = call(Some(officer.clone()), create, json!({ "s": [format!("email={}", email.to_uppercase())] })).await;
    let req = &b["data"]["createErasureRequest"];
    assert_eq!(
        (req["status"].as_str(), req["requester"].as_str(), req["subjectCount"].as_i64()),
        (Some("received"), Some("pia"), Some(1)),
        "{b}"
    );
    let id = req["id"].as_str().unwrap().to_string();
    let (_, b) =
        call(Some(officer.clone()), "mutation($id: ID!) { planErasureRequest(id: $id) { planHash plan } }", json!({ "id": id })).await;
    let hash = b["data"]["planErasureRequest"]["planHash"].as_str().unwrap_or_else(|| panic!("{b}")).to_string();
    let steps = b["data"]["planErasureRequest"]["plan"]["steps"].as_array().unwrap().clone();
    assert!(steps.iter().any(|s| s["dataset"] == "warehouse.main.customers" && s["rows"] == 1), "{steps:?}");
    let approve = "mutation($id: ID!, $h: String!) { approveErasureRequest(id: $id, planHash: $h) { status approvedBy } }";
    let (_, b) = call(Some(officer.clone()), approve, json!({ "id": id, "h": hash })).await;
    assert_eq!(error_code(&b).as_deref(), Some("CONFLICT"), "the requester approved: {b}");
    let second = token("pat", &["privacy_officer"]);
    let (_, b) = call(Some(second.clone()), approve, json!({ "id": id, "h": hash })).await;
    assert_eq!(b["data"]["approveErasureRequest"]["approvedBy"], "pat", "{b}");
    let (_, b) =
        call(Some(second.clone()), "mutation($id: ID!) { executeErasureRequest(id: $id) { status report } }", json!({ "id": id })).await;
    assert_eq!(b["data"]["executeErasureRequest"]["status"], "completed", "{b}");
    let (_, b) = call(Some(viewer.clone()), "query($id: ID!) { erasureRequest(id: $id) { status } }", json!({ "id": id })).await;
    assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
    let (_, b) = call(Some(officer.clone()), "{ erasureRequest(id: \"req_999\") { status } }", json!({})).await;
    assert_eq!(error_code(&b).as_deref(), Some("NOT_FOUND"), "{b}");

    // Policies: edited by privacy officers only, versioned, authored by the token's subject;
    // a malformed one refused as invalid input.
    let set = "mutation($s: String!, $p: JSON) { setErasurePolicy(scope: $s, policy: $p) { scope version author policy } }";
    let anonymize =
        json!({ "s": "warehouse.main.customers", "p": { "action": "anonymize", "columns": { "email": { "strategy": "hash" } } } });
    for t in [&viewer, &steward, &editor] {
        let (_, b) = call(Some(t.clone()), set, anonymize.clone()).await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
    }
    let (_, b) = call(Some(officer.clone()), set, anonymize.clone()).await;
    let p = &b["data"]["setErasurePolicy"];
    assert_eq!(
        (p["version"].as_i64(), p["author"].as_str(), p["policy"]["action"].as_str()),
        (Some(1), Some("pia"), Some("anonymize")),
        "{b}"
    );
    let (_, b) = call(Some(officer.clone()), set, json!({ "s": "warehouse", "p": { "action": "erase everything" } })).await;
    assert_eq!(error_code(&b).as_deref(), Some("INVALID_INPUT"), "{b}");
    let (_, b) = call(Some(second.clone()), set, json!({ "s": "warehouse.main.customers", "p": null })).await;
    assert_eq!(b["data"]["setErasurePolicy"]["version"], 2, "{b}");
    let (_, b) =
        call(Some(officer.clone()), "{ erasurePolicies(scope: \"warehouse.main.customers\") { version author policy } }", json!({})).await;
    let versions = b["data"]["erasurePolicies"].as_array().unwrap_or_else(|| panic!("{b}"));
    assert_eq!((versions.len(), versions[1]["author"].as_str(), &versions[1]["policy"]), (2, Some("pat"), &json!(null)), "{b}");

    // Open requests, an extension and a cancellation, through the API.
    let (_, b) = call(Some(officer.clone()), create, json!({ "s": ["email=nobody@example.org"] })).await;
    let open_id = b["data"]["createErasureRequest"]["id"].as_str().unwrap_or_else(|| panic!("{b}")).to_string();
    let (_, b) = call(Some(officer.clone()), "{ erasureRequests(dueWithinDays: 40) { id status } }", json!({})).await;
    assert_eq!(b["data"]["erasureRequests"], json!([{ "id": open_id, "status": "received" }]), "{b}");
    let extend = "mutation($id: ID!) { extendErasureRequest(id: $id, reason: \"three systems to search\") { extensionReason } }";
    let (_, b) = call(Some(officer.clone()), extend, json!({ "id": open_id })).await;
    assert_eq!(b["data"]["extendErasureRequest"]["extensionReason"], "three systems to search", "{b}");
    let cancel = "mutation($id: ID!) { closeErasureRequest(id: $id, outcome: CANCELLED, reason: \"withdrawn\") { status } }";
    let (_, b) = call(Some(officer.clone()), cancel, json!({ "id": open_id })).await;
    assert_eq!(b["data"]["closeErasureRequest"]["status"], "cancelled", "{b}");
    let (_, b) = call(Some(viewer.clone()), "{ erasureRequests { id } }", json!({})).await;
    assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");

    // Access exports (Art. 15) through the API: privacy officers only; the erased subject has
    // no rows left anywhere.
    let export = "query($s: [String!]!) { accessExport(subjects: $s) }";
    let (_, b) = call(Some(viewer.clone()), export, json!({ "s": [format!("email={email}")] })).await;
    assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
    let (_, b) = call(Some(officer.clone()), export, json!({ "s": [format!("email={email}")] })).await;
    let exported = &b["data"]["accessExport"];
    assert!(exported["datasets"].as_array().is_some_and(Vec::is_empty) && exported["recipients"].is_array(), "{b}");
}

on_both_stores!(roles_get_what_the_policy_allows);
