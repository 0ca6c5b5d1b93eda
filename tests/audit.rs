//! The audit log: every mutation leaves one entry with who, what, before and after, in the
//! same transaction; the chain verifies; the store refuses edits; tampering is found by
//! `almanac audit verify`.

mod common;

use common::{error_code, StoreKind, TempDir, TestApp, TestStore};
use serde_json::{json, Value};

async fn audit_page(app: &TestApp, vars: Value) -> Vec<Value> {
    let r = app
        .query_ok(
            "query($a: String, $t: ID) { auditLog(first: 100, action: $a, targetId: $t) { entries { id at action targets before after requestId prevHash hash actor { issuer subject } } hasNextPage } }",
            vars,
        )
        .await;
    r["auditLog"]["entries"].as_array().unwrap().clone()
}

async fn scanned(app: &TestApp, dir: &TempDir) {
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    app.scan_file("warehouse", &wh).await;
}

async fn mutations_are_audited_in_their_transaction(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    scanned(&app, &dir).await;

    let col = app.query_ok(r#"{ column(qualifiedName: "warehouse.main.customers.email") { id } }"#, json!({})).await;
    let col_id = col["column"]["id"].as_str().unwrap().to_string();
    // A description edit, with the request id the client sent.
    let res = app
        .http
        .post(app.url("/graphql"))
        .header("x-request-id", "req-audit-1")
        .json(&json!({ "query": "mutation($id: ID!) { setColumnDescription(id: $id, description: \"Login e-mail\", expectedVersion: 0) { descriptionVersion } }", "variables": { "id": col_id } }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    app.query_ok("mutation($id: ID!) { addTag(targetId: $id, tag: \"gold\") }", json!({ "id": col_id })).await;
    // Adding the same tag again changes nothing and is not audited.
    app.query_ok("mutation($id: ID!) { addTag(targetId: $id, tag: \"gold\") }", json!({ "id": col_id })).await;
    app.query_ok("mutation($id: ID!) { removeTag(targetId: $id, tag: \"gold\") }", json!({ "id": col_id })).await;
    let cls = app
        .query_ok(
            "mutation($id: ID!) { addClassification(columnId: $id, category: \"user.contact.email\") { id } }",
            json!({ "id": col_id }),
        )
        .await;
    let cls_id = cls["addClassification"]["id"].as_str().unwrap().to_string();
    app.query_ok("mutation($id: ID!) { confirmClassification(id: $id, note: \"checked\") { status } }", json!({ "id": cls_id })).await;
    let ds = app.query_ok(r#"{ dataset(qualifiedName: "warehouse.main.customers") { id } }"#, json!({})).await;
    let ds_id = ds["dataset"]["id"].as_str().unwrap().to_string();
    app.query_ok(
        "mutation($id: ID!) { setDatasetOwner(id: $id, owner: \"crm-team\", expectedVersion: 0) { ownerVersion } }",
        json!({ "id": ds_id }),
    )
    .await;

    // A stale edit fails and leaves no entry.
    let stale = app
        .graphql(
            "mutation($id: ID!) { setColumnDescription(id: $id, description: \"lost\", expectedVersion: 0) { descriptionVersion } }",
            json!({ "id": col_id }),
        )
        .await;
    assert_eq!(error_code(&stale).as_deref(), Some("CONFLICT"));

    let entries = audit_page(&app, json!({})).await;
    let actions: Vec<&str> = entries.iter().rev().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "source.register",
            "scan.start",
            "description.set",
            "tag.add",
            "tag.remove",
            "classification.add",
            "classification.confirm",
            "owner.set"
        ],
        "{entries:#?}"
    );
    let user = std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "local".into());
    for e in &entries {
        assert_eq!(e["actor"]["issuer"], "local");
        assert_eq!(e["actor"]["subject"], user.as_str());
        assert_eq!(e["hash"].as_str().unwrap().len(), 64);
        assert!(e["requestId"].as_str().is_some_and(|r| !r.is_empty()), "every request gets an id: {e}");
    }
    let desc = entries.iter().find(|e| e["action"] == "description.set").unwrap();
    assert_eq!(desc["targets"], json!([col_id]));
    assert_eq!(desc["before"], json!({ "description": null, "version": 0 }));
    assert_eq!(desc["after"], json!({ "description": "Login e-mail", "version": 1 }));
    assert_eq!(desc["requestId"], "req-audit-1");
    let tag = entries.iter().find(|e| e["action"] == "tag.add").unwrap();
    assert_eq!(tag["before"]["tags"], json!([]));
    assert_eq!(tag["after"]["tags"], json!(["gold"]));
    let confirm = entries.iter().find(|e| e["action"] == "classification.confirm").unwrap();
    assert_eq!(confirm["targets"], json!([cls_id, col_id]));
    assert_eq!(confirm["before"]["status"], "manual");
    assert_eq!(confirm["after"]["status"], "confirmed");
    let owner = entries.iter().find(|e| e["action"] == "owner.set").unwrap();
    assert_eq!(owner["targets"], json!([ds_id]));
    assert_eq!(owner["before"], json!({ "owner": null, "version": 0 }));
    assert_eq!(owner["after"], json!({ "owner": "crm-team", "version": 1 }));
    // Links: each entry holds the hash of the one before (newest first here).
    for w in entries.windows(2) {
        assert_eq!(w[0]["prevHash"], w[1]["hash"]);
    }
    assert_eq!(entries.last().unwrap()["prevHash"], almanac::audit::GENESIS);
    // Filters.
    assert_eq!(audit_page(&app, json!({ "a": "tag.add" })).await.len(), 1);
    assert_eq!(audit_page(&app, json!({ "t": col_id })).await.len(), 5);

    let v = almanac::audit::verify(app.state.catalog.connection()).await.unwrap();
    assert_eq!(v.entries, 8);
    assert!(v.broken.is_none());
    assert_eq!(v.head, entries[0]["hash"].as_str().unwrap());

    // Listing where personal data lives is a privacy-relevant read: audited too.
    let r = app.query_ok("{ personalData(source: \"warehouse\", first: 5) { edges { node { category } } } }", json!({})).await;
    assert_eq!(r["personalData"]["edges"].as_array().unwrap().len(), 5);
    let newest = &audit_page(&app, json!({})).await[0];
    assert_eq!(newest["action"], "personal_data.read");
    assert_eq!(newest["after"]["rows"], 5);
    assert_eq!(newest["prevHash"], entries[0]["hash"]);
}

async fn the_store_refuses_edits_and_verify_finds_tampering(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    scanned(&app, &dir).await;
    let col = app.query_ok(r#"{ column(qualifiedName: "warehouse.main.customers.phone") { id } }"#, json!({})).await;
    app.query_ok("mutation($id: ID!) { addTag(targetId: $id, tag: \"reviewed\") }", json!({ "id": col["column"]["id"] })).await;
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_almanac"))
            .args(["audit", "verify"])
            .env("ALMANAC_STORE", store.url())
            .env_remove("ALMANAC_CONFIG")
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("audit log intact: 3 entries"), "{}", String::from_utf8_lossy(&ok.stdout));

    let db = app.state.catalog.connection();
    use sea_orm::ConnectionTrait;
    // Through the store's front door, entries cannot change or disappear.
    let err = db.execute_unprepared("UPDATE audit_log SET actor_subject = 'someone-else' WHERE id = 2").await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(db.execute_unprepared("DELETE FROM audit_log WHERE id = 1").await.unwrap_err().to_string().contains("append-only"));

    // Someone who can drop the guard rewrites who scanned; verify names that entry.
    match kind {
        StoreKind::Sqlite => db.execute_unprepared("DROP TRIGGER audit_log_no_update").await.unwrap(),
        StoreKind::Postgres => db.execute_unprepared("DROP TRIGGER audit_log_append_only ON audit_log").await.unwrap(),
    };
    db.execute_unprepared("UPDATE audit_log SET actor_subject = 'someone-else' WHERE id = 2").await.unwrap();
    let bad = verify();
    assert_eq!(bad.status.code(), Some(1));
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(out.contains("BROKEN at entry 2") && out.contains("content does not match its hash"), "{out}");

    // The library check agrees.
    let v = almanac::audit::verify(app.state.catalog.connection()).await.unwrap();
    assert_eq!(v.broken.as_ref().map(|b| b.0), Some(2));
}

on_both_stores!(mutations_are_audited_in_their_transaction, the_store_refuses_edits_and_verify_finds_tampering);

/// Every way of listing where personal data lives writes one audit entry naming how: GraphQL
/// `personalData`, a GraphQL search filtered by `pii:`, `almanac pii` and `almanac search
/// "pii:..."`. A search without such a filter writes none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listing_of_personal_data_is_audited() {
    let store = TestStore::create(StoreKind::Sqlite).await.expect("sqlite store");
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    scanned(&app, &dir).await;
    // The index follows the scan through the outbox: wait for it (a search without `pii:`).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.query_ok("{ search(query: \"iban\", first: 1) { hits { pii } } }", json!({})).await["search"]["hits"][0]["pii"]
        .as_array()
        .is_none_or(|p| p.is_empty())
    {
        assert!(std::time::Instant::now() < deadline, "the index did not follow the scan");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let reads = || async {
        almanac::audit::entries(
            app.state.catalog.connection(),
            &almanac::audit::AuditFilter { action: Some(almanac::audit::Action::PersonalDataRead), ..Default::default() },
            None,
            100,
        )
        .await
        .unwrap()
    };
    assert!(reads().await.is_empty());

    app.query_ok("{ personalData(source: \"warehouse\", first: 3) { edges { cursor } } }", json!({})).await;
    app.query_ok("{ search(query: \"customer pii:email\", first: 5) { hits { qualifiedName } } }", json!({})).await;
    app.query_ok("{ search(query: \"customer\", filters: [\"pii:any\"], first: 5) { hits { qualifiedName } } }", json!({})).await;
    app.query_ok("{ search(query: \"customer email\", first: 5) { hits { qualifiedName } } }", json!({})).await;
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_almanac"))
            .args(args)
            .env("ALMANAC_STORE", store.url())
            .env_remove("ALMANAC_CONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    cli(&["pii", "warehouse"]);
    cli(&["search", "pii:any", "--format", "json"]);
    cli(&["search", "\"pii:any\" customer"]);

    let entries = reads().await;
    let via: Vec<&str> = entries.iter().rev().map(|e| e.after.as_ref().unwrap()["via"].as_str().unwrap()).collect();
    assert_eq!(via, ["inventory", "search", "search", "inventory", "search"], "a quoted phrase is not a filter; {entries:#?}");
    let newest = &entries[0];
    assert_eq!(newest.after.as_ref().unwrap()["categories"], json!(["any"]));
    assert!(entries.iter().all(|e| e.after.as_ref().unwrap()["rows"].as_u64().unwrap() > 0), "each listing counts what it showed");
    let inventory = &entries[1];
    assert_eq!(inventory.targets.len(), 1, "the inventory names its source");
    assert!(almanac::audit::verify(app.state.catalog.connection()).await.unwrap().broken.is_none());
}
