//! Personal-data classification through scans and the API: suggestions with evidence,
//! steward decisions that later scans respect, and the `almanac pii` listing.

mod common;

use common::{error_code, StoreKind, TempDir, TestApp, TestStore};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn scan(app: &TestApp) {
    let started = app.query_ok("mutation { scanSource(name: \"shop\") { id } }", json!({})).await;
    let id = started["scanSource"]["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = app.query_ok("query($id: ID!) { scan(id: $id) { status error } }", json!({ "id": id })).await;
        match s["scan"]["status"].as_str() {
            Some("SUCCEEDED") => return,
            Some("FAILED") => panic!("scan failed: {s}"),
            _ => {}
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn personal_data(app: &TestApp, extra: &str) -> Vec<Value> {
    let q = format!(
        "{{ personalData(source: \"shop\", first: 500 {extra}) {{ edges {{ node {{ id category status confidence special evidence column {{ qualifiedName }} }} }} }} }}"
    );
    let data = app.query_ok(&q, json!({})).await;
    data["personalData"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

fn find<'a>(rows: &'a [Value], column: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["column"]["qualifiedName"] == column)
}

async fn steward_decisions_stick_across_rescans(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    let path = dir.path().join("shop.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&path).await.unwrap();
    app.query_ok(
        "mutation($u: String!) { registerSource(input: { name: \"shop\", url: $u }) { id } }",
        json!({ "u": format!("sqlite://{}", path.display()) }),
    )
    .await;
    scan(&app).await;

    let rows = personal_data(&app, "").await;
    let email = find(&rows, "shop.main.customers.email").expect("e-mail suggested");
    assert_eq!(email["category"], "user.contact.email");
    assert_eq!(email["status"], "SUGGESTED");
    assert!(email["confidence"].as_f64().unwrap() > 0.9);
    let evidence = email["evidence"].to_string();
    assert!(evidence.contains("email syntax") && evidence.contains("\"share\""), "{evidence}");
    assert!(!evidence.contains('@'), "evidence must not carry sampled values: {evidence}");
    let iban = find(&rows, "shop.main.customers.iban").unwrap();
    assert_eq!(iban["category"], "user.financial.bank_account");
    assert!(find(&rows, "shop.main.stores.street").is_none(), "a shop's address is not personal data");
    assert!(find(&rows, "shop.main.products.ean").is_none());
    assert!(find(&rows, "shop.main.orders.ordered_at").is_none());

    // Steward decisions.
    let gender = find(&rows, "shop.main.customers.gender").unwrap()["id"].clone();
    let rejected = app
        .query_ok(
            "mutation($id: ID!) { rejectClassification(id: $id, note: \"not needed\") { status decidedBy note } }",
            json!({ "id": gender }),
        )
        .await;
    assert_eq!(rejected["rejectClassification"]["status"], "REJECTED");
    assert_eq!(rejected["rejectClassification"]["decidedBy"], "local");
    let confirmed =
        app.query_ok("mutation($id: ID!) { confirmClassification(id: $id) { status confidence } }", json!({ "id": email["id"] })).await;
    assert_eq!(confirmed["confirmClassification"]["status"], "CONFIRMED");
    let subject = app.query_ok(r#"{ column(qualifiedName: "shop.main.support_tickets.subject") { id } }"#, json!({})).await;
    let manual = app
        .query_ok(
            "mutation($c: ID!) { addClassification(columnId: $c, category: \"user.health\", note: \"patients write about symptoms\") { status special confidence } }",
            json!({ "c": subject["column"]["id"] }),
        )
        .await;
    assert_eq!(manual["addClassification"], json!({ "status": "MANUAL", "special": true, "confidence": 1.0 }));
    let bad = app
        .graphql(
            "mutation($c: ID!) { addClassification(columnId: $c, category: \"user.favourite_colour\") { id } }",
            json!({ "c": subject["column"]["id"] }),
        )
        .await;
    assert_eq!(error_code(&bad).as_deref(), Some("INVALID_INPUT"));

    // A re-scan keeps every decision.
    scan(&app).await;
    let after = personal_data(&app, "").await;
    assert!(find(&after, "shop.main.customers.gender").is_none(), "a rejected category is not suggested again");
    let rejected_rows = personal_data(&app, ", status: REJECTED").await;
    assert_eq!(rejected_rows.len(), 1);
    assert_eq!(rejected_rows[0]["column"]["qualifiedName"], "shop.main.customers.gender");
    assert_eq!(find(&after, "shop.main.customers.email").unwrap()["status"], "CONFIRMED");
    assert_eq!(find(&after, "shop.main.support_tickets.subject").unwrap()["status"], "MANUAL");
    let special = personal_data(&app, ", specialOnly: true").await;
    assert_eq!(special.len(), 1);
    assert_eq!(special[0]["category"], "user.health");

    let col = app
        .query_ok(r#"{ column(qualifiedName: "shop.main.customers.gender") { classifications { status category } changes { edges { node { kind details } } } } }"#, json!({}))
        .await;
    assert_eq!(col["column"]["classifications"], json!([{ "status": "REJECTED", "category": "user.demographic.gender" }]));
    let kinds: Vec<&str> =
        col["column"]["changes"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["CLASSIFICATION_REJECTED"]);

    let cats = app.query_ok("{ piiCategories { key special } }", json!({})).await;
    let list = cats["piiCategories"].as_array().unwrap();
    assert!(list.len() >= 29);
    assert!(list.iter().any(|c| c["key"] == "user.genetic" && c["special"] == true));
}

on_both_stores!(steward_decisions_stick_across_rescans);

#[tokio::test]
async fn pii_command_prints_the_documented_json() {
    let dir = TempDir::new();
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    let run =
        |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_almanac")).args(args).env("ALMANAC_STORE", &store).output().unwrap();
    assert!(run(&["scan", &format!("sqlite://{}", wh.display())]).status.success());
    let out = run(&["pii", "warehouse", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.len() >= 30, "{}", rows.len());
    for r in &rows {
        for key in ["dataset", "column", "category", "confidence", "status", "propagated"] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        // Classified columns carry a confidence; those reached through lineage (the sample
        // warehouse's views) carry where the category came from instead.
        if r["propagated"] == true {
            assert_eq!(r["status"], "propagated");
            assert!(r["confidence"].is_null() && r["from"].is_string() && r["path"].is_array(), "{r}");
        } else {
            let c = r["confidence"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&c));
        }
    }
    let card = rows.iter().find(|r| r["dataset"] == "warehouse.main.payments" && r["column"] == "card_number").unwrap();
    assert_eq!((card["category"].as_str(), card["status"].as_str()), (Some("user.financial.credit_card"), Some("suggested")));
    let only = run(&["pii", "warehouse", "--format", "json", "--category", "user.contact.email"]);
    let emails: Vec<Value> = serde_json::from_slice(&only.stdout).unwrap();
    assert!(emails.iter().all(|r| r["category"] == "user.contact.email") && !emails.is_empty());
    let bad = run(&["pii", "warehouse", "--category", "user.nothing"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a known personal-data category"));
}
