//! Curation from anywhere (issue 14, items 3, 4 and 6): decisions keep what stewards wrote and
//! a request that changes nothing leaves no audit entry; mutations take qualified names as
//! well as ids; the CLI curates under the same rules and shows what was curated; sources can
//! be corrected and removed, and a failed first scan registers nothing; names that match
//! nothing say what was meant.

mod common;

use common::{error_code, StoreKind, TempDir, TestApp, TestStore};
use serde_json::{json, Value};
use std::process::Output;
use std::time::{Duration, Instant};

fn almanac(store: &str, args: &[&str]) -> Output {
    common::almanac_with(store, args, &[("USER", "steward")])
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn failed(o: Output) -> String {
    assert!(!o.status.success(), "expected a failure, got: {}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn warehouse_app() -> (TestStore, TestApp, TempDir) {
    let store = TestStore::create(StoreKind::Sqlite).await.unwrap();
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();
    app.scan_file("warehouse", &wh).await;
    (store, app, dir)
}

async fn audit_count(app: &TestApp) -> usize {
    let r = app.query_ok("{ auditLog(first: 500) { entries { id } } }", json!({})).await;
    r["auditLog"]["entries"].as_array().unwrap().len()
}

#[tokio::test]
async fn decisions_keep_notes_and_a_repeated_decision_is_not_audited() {
    let (_store, app, _dir) = warehouse_app().await;
    let confirm = "mutation($c: ID!, $k: String!, $n: String) { confirmClassification(column: $c, category: $k, note: $n) { id status note decidedBy } }";
    let vars = |n: Value| json!({ "c": "warehouse.main.customers.email", "k": "user.contact.email", "n": n });
    let first = app.query_ok(confirm, vars(json!("checked with the DPO"))).await;
    assert_eq!(first["confirmClassification"]["status"], "CONFIRMED");
    let entries = audit_count(&app).await;

    // Confirming again without a note: the note stays, nothing is written.
    let again = app.query_ok(confirm, vars(Value::Null)).await;
    assert_eq!(again["confirmClassification"]["note"], "checked with the DPO", "{again}");
    assert_eq!(audit_count(&app).await, entries, "a decision that changes nothing was audited");
    // By id, the same.
    let id = first["confirmClassification"]["id"].as_str().unwrap();
    app.query_ok("mutation($id: ID!) { confirmClassification(id: $id) { note } }", json!({ "id": id })).await;
    assert_eq!(audit_count(&app).await, entries);
    // A new note is a change: one entry.
    let noted = app.query_ok(confirm, vars(json!("re-checked"))).await;
    assert_eq!(noted["confirmClassification"]["note"], "re-checked");
    assert_eq!(audit_count(&app).await, entries + 1);
    // Rejecting is a new decision: the confirmation's note is not its reason. One entry.
    let rejected = app
        .query_ok(
            "mutation { rejectClassification(column: \"warehouse.main.customers.email\", category: \"user.contact.email\") { status note } }",
            json!({}),
        )
        .await;
    assert_eq!(rejected["rejectClassification"], json!({ "status": "REJECTED", "note": null }));
    assert_eq!(audit_count(&app).await, entries + 2);
    // Adding a category a steward confirmed changes nothing.
    let phone = "mutation($k: String!) { confirmClassification(column: \"warehouse.main.customers.phone\", category: $k, note: \"ok\") { status } }";
    app.query_ok(phone, json!({ "k": "user.contact.phone_number" })).await;
    let before_add = audit_count(&app).await;
    let added = app
        .query_ok("mutation { addClassification(columnId: \"warehouse.main.customers.phone\", category: \"user.contact.phone_number\") { status note } }", json!({}))
        .await;
    assert_eq!(added["addClassification"], json!({ "status": "CONFIRMED", "note": "ok" }));
    assert_eq!(audit_count(&app).await, before_add);
    // The same description at the current version: no new version, no entry.
    let describe = "mutation($v: Int!) { setColumnDescription(id: \"warehouse.main.customers.email\", description: \"Login\", expectedVersion: $v) { descriptionVersion } }";
    app.query_ok(describe, json!({ "v": 0 })).await;
    let described = audit_count(&app).await;
    let again = app.query_ok(describe, json!({ "v": 1 })).await;
    assert_eq!(again["setColumnDescription"]["descriptionVersion"], 1);
    assert_eq!(audit_count(&app).await, described, "an unchanged description was audited");
    let owner =
        "mutation($v: Int!) { setDatasetOwner(id: \"warehouse.main.customers\", owner: \"crm\", expectedVersion: $v) { ownerVersion } }";
    app.query_ok(owner, json!({ "v": 0 })).await;
    let owned = audit_count(&app).await;
    assert_eq!(app.query_ok(owner, json!({ "v": 1 })).await["setDatasetOwner"]["ownerVersion"], 1);
    assert_eq!(audit_count(&app).await, owned, "an unchanged owner was audited");

    // Neither an id nor a column: a clear error.
    let neither = app.graphql("mutation { confirmClassification(note: \"x\") { id } }", json!({})).await;
    assert_eq!(error_code(&neither).as_deref(), Some("INVALID_INPUT"), "{neither}");
    // A category the column does not have.
    let missing = app
        .graphql(
            "mutation { confirmClassification(column: \"warehouse.main.customers.email\", category: \"user.health\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&missing).as_deref(), Some("NOT_FOUND"), "{missing}");
}

#[tokio::test]
async fn mutations_take_qualified_names_and_misses_suggest_the_name_meant() {
    let (_store, app, _dir) = warehouse_app().await;
    let r = app
        .query_ok(
            "mutation { setColumnDescription(id: \"warehouse.main.customers.email\", description: \"Login e-mail\", expectedVersion: 0) { descriptionVersion description } }",
            json!({}),
        )
        .await;
    assert_eq!(r["setColumnDescription"], json!({ "descriptionVersion": 1, "description": "Login e-mail" }));
    app.query_ok(
        "mutation { setDatasetDescription(id: \"warehouse.main.customers\", description: \"Accounts\", expectedVersion: 0) { id } }",
        json!({}),
    )
    .await;
    app.query_ok(
        "mutation { setDatasetOwner(id: \"warehouse.main.customers\", owner: \"crm-team\", expectedVersion: 0) { id } }",
        json!({}),
    )
    .await;
    let tags = app.query_ok("mutation { addTag(targetId: \"warehouse.main.customers.email\", tag: \"gold\") }", json!({})).await;
    assert_eq!(tags["addTag"], json!(["gold"]));
    let quoted = app.query_ok("mutation { addTag(targetId: \"warehouse.\\\"main\\\".customers\", tag: \"crm\") }", json!({})).await;
    assert_eq!(quoted["addTag"], json!(["crm"]));
    app.query_ok(
        "mutation { annotateMeaning(columnId: \"warehouse.main.orders.total_amount\", meaning: \"Total with VAT\", effectiveFrom: \"2024-01-01\") { id } }",
        json!({}),
    )
    .await;
    app.query_ok(
        "mutation { addClassification(columnId: \"warehouse.main.customers.customer_id\", category: \"user.unique_id\") { status } }",
        json!({}),
    )
    .await;

    // A column name for a dataset mutation, and a miss with a case slip.
    let wrong = app
        .graphql(
            "mutation { setDatasetDescription(id: \"warehouse.main.customers.email\", description: \"x\", expectedVersion: 0) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&wrong).as_deref(), Some("INVALID_INPUT"), "{wrong}");
    let miss = app.graphql("mutation { addTag(targetId: \"warehouse.main.Customers.Email\", tag: \"x\") }", json!({})).await;
    assert_eq!(error_code(&miss).as_deref(), Some("NOT_FOUND"), "{miss}");
    let message = miss["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("did you mean `warehouse.main.customers`"), "{message}");
    let miss = app.graphql("{ column(qualifiedName: \"warehouse.main.customers.emial\") { id } }", json!({})).await;
    let message = miss["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("did you mean `warehouse.main.customers.email`"), "{miss}");
    let miss = app.graphql("{ dataset(qualifiedName: \"warehose.main.customers\") { id } }", json!({})).await;
    let message = miss["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no source `warehose`") && message.contains("did you mean `warehouse.main.customers`"), "{miss}");
}

#[tokio::test]
async fn the_cli_curates_with_the_same_rules_and_shows_what_was_curated() {
    let (store, app, _dir) = warehouse_app().await;
    let s = store.url();
    let email = "warehouse.main.customers.email";

    assert!(ok(almanac(s, &["describe", email, "Login e-mail address"])).contains("description set (version 1)"));
    assert!(ok(almanac(s, &["describe", email, "Login e-mail address"])).contains("description unchanged (version 1)"));
    // A stale version is refused, as in GraphQL.
    let stale = failed(almanac(s, &["describe", email, "Other", "--expected-version", "0"]));
    assert!(stale.contains("stale edit"), "{stale}");
    assert!(ok(almanac(s, &["tag", email, "gold", "reviewed"])).contains("tags gold, reviewed"));
    assert!(ok(almanac(s, &["tag", email, "gold", "--remove"])).contains("tags reviewed"));
    let bad_tag = failed(almanac(s, &["tag", email, "no spaces allowed"]));
    assert!(bad_tag.contains("tag `no spaces allowed` is invalid"), "{bad_tag}");

    let entries = audit_count(&app).await;
    assert!(ok(almanac(s, &["classify", "confirm", email, "user.contact.email", "--note", "checked"]))
        .contains("user.contact.email confirmed (checked)"));
    assert!(ok(almanac(s, &["classify", "confirm", email, "user.contact.email"])).contains("confirmed (checked)"));
    assert_eq!(audit_count(&app).await, entries + 1, "a repeated confirmation was audited");
    assert!(ok(almanac(s, &["classify", "add", "warehouse.main.customers.customer_id", "user.unique_id"])).contains("manual"));
    ok(almanac(s, &["classify", "reject", "warehouse.main.customers.gender", "user.demographic.gender", "--note", "not collected"]));
    let unknown = failed(almanac(s, &["classify", "add", email, "user.nosuch"]));
    assert!(unknown.contains("user.nosuch"), "{unknown}");
    let dataset = failed(almanac(s, &["classify", "add", "warehouse.main.customers", "user.contact.email"]));
    assert!(dataset.contains("names a dataset"), "{dataset}");

    // The audit log names the local user for each of them.
    let log: Value = serde_json::from_str(&ok(almanac(s, &["audit", "log", "--limit", "20", "--format", "json"]))).unwrap();
    let mine: Vec<&str> =
        log.as_array().unwrap().iter().filter(|e| e["actor"]["subject"] == "steward").map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["description.set", "tag.add", "tag.remove", "classification.confirm", "classification.add", "classification.reject"] {
        assert!(mine.contains(&action), "{action} missing from {mine:?}");
    }

    // `show` prints the category, the meaning in effect (today or --at), the owner and tags.
    app.query_ok(
        "mutation { setDatasetOwner(id: \"warehouse.main.customers\", owner: \"crm-team\", expectedVersion: 0) { id } }",
        json!({}),
    )
    .await;
    for (meaning, from) in [("Address used to log in", "2023-01-01"), ("Address used to log in and for receipts", "2024-06-01")] {
        app.query_ok(
            "mutation($m: String!, $d: Date!) { annotateMeaning(columnId: \"warehouse.main.customers.email\", meaning: $m, effectiveFrom: $d) { id } }",
            json!({ "m": meaning, "d": from }),
        )
        .await;
    }
    let shown = ok(almanac(s, &["show", email]));
    assert!(shown.contains("meaning on ") && shown.contains(": Address used to log in and for receipts (since 2024-06-01, by "), "{shown}");
    assert!(shown.contains("personal data: user.contact.email (confirmed)"), "{shown}");
    assert!(shown.contains("owner: crm-team"), "{shown}");
    assert!(shown.contains("tags: reviewed"), "{shown}");
    let then = ok(almanac(s, &["show", email, "--at", "2023-05-01"]));
    assert!(then.contains("meaning on 2023-05-01: Address used to log in (since 2023-01-01"), "{then}");
    let before = ok(almanac(s, &["show", email, "--at", "2020-01-01"]));
    assert!(before.contains("meaning on 2020-01-01: none recorded"), "{before}");
    let reads = ok(almanac(s, &["audit", "log", "--action", "personal_data.read", "--limit", "100"])).lines().count();
    let json: Value = serde_json::from_str(&ok(almanac(s, &["show", email, "--format", "json"]))).unwrap();
    let after_show = ok(almanac(s, &["audit", "log", "--action", "personal_data.read", "--limit", "100"])).lines().count();
    assert_eq!(after_show, reads + 1, "showing a column's personal data was not audited");
    assert_eq!(json["personal_data"][0]["category"], "user.contact.email");
    assert_eq!(json["personal_data"][0]["note"], "checked");
    assert_eq!(json["owner"], "crm-team");
    assert_eq!(json["meaning"]["meaning"], "Address used to log in and for receipts");

    // The dataset view lists its personal data, and that listing is audited.
    let reads_before = ok(almanac(s, &["audit", "log", "--action", "personal_data.read", "--limit", "100"])).lines().count();
    let ds = ok(almanac(s, &["show", "warehouse.main.customers"]));
    assert!(ds.contains("personal data:") && ds.contains("    email: user.contact.email (confirmed)"), "{ds}");
    assert!(!ds.contains("    gender: user.demographic.gender"), "a rejected category was shown: {ds}");
    assert!(ds.contains("meanings on ") && ds.contains("    email: Address used to log in and for receipts"), "{ds}");
    let reads_after = ok(almanac(s, &["audit", "log", "--action", "personal_data.read", "--limit", "100"])).lines().count();
    assert!(reads_after > reads_before, "showing a dataset's personal data was not audited");
}

#[tokio::test]
async fn names_that_match_nothing_say_what_was_meant_and_reading_commands_create_no_store() {
    let (store, _app, _dir) = warehouse_app().await;
    let s = store.url();
    let parts = failed(almanac(s, &["show", "nosuch"]));
    assert!(parts.contains("`nosuch` is not a qualified name: name a dataset as source.namespace.dataset"), "{parts}");
    let case = failed(almanac(s, &["show", "warehouse.main.Customers"]));
    assert!(case.contains("did you mean `warehouse.main.customers`?"), "{case}");
    let column = failed(almanac(s, &["show", "warehouse.main.customers.emial"]));
    assert!(column.contains("has no column `emial`") && column.contains("did you mean `warehouse.main.customers.email`?"), "{column}");
    let far = failed(almanac(s, &["show", "warehouse.main.zzzzzz"]));
    assert!(far.contains("namespace `main` has no dataset `zzzzzz`") && !far.contains("did you mean"), "{far}");

    // No store: reading and curating commands say so and create nothing.
    let empty = TempDir::new();
    let missing = format!("sqlite://{}/nothing-here/catalog.db", empty.path().display());
    for args in [&["sources"][..], &["show", "a.b.c"], &["search", "email"], &["pii", "x"], &["describe", "a.b.c", "x"]] {
        let err = failed(almanac(&missing, args));
        assert!(err.contains("there is no catalog at") && err.contains("almanac scan URL"), "{args:?}: {err}");
    }
    assert!(!empty.path().join("nothing-here").exists(), "a reading command created the store directory");
}

#[tokio::test]
async fn a_failed_first_scan_registers_nothing_and_sources_can_be_corrected_and_removed() {
    let dir = TempDir::new();
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let wh = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&wh).await.unwrap();

    // A wrong port: the scan fails and the name stays free.
    let wrong = failed(almanac(&store, &["scan", "postgres://postgres@127.0.0.1:1/shop", "--name", "shop"]));
    assert!(wrong.contains("scan of `shop`") || wrong.contains("cannot connect"), "{wrong}");
    let listed: Value = serde_json::from_str(&ok(almanac(&store, &["sources", "--format", "json"]))).unwrap();
    assert_eq!(listed, json!([]), "a failed first scan left a source behind");
    // The right URL under the same name is scanned.
    let url = format!("sqlite://{}", wh.display());
    assert!(ok(almanac(&store, &["scan", &url, "--name", "shop"])).starts_with("scanned shop (sqlite): 12 datasets"));
    // The registration, the failure and its undoing are in the audit log.
    let log = ok(almanac(&store, &["audit", "log", "--limit", "50"]));
    assert!(log.contains("source.remove"), "{log}");

    // A later failed scan of a scanned source keeps it.
    let moved = dir.path().join("moved.db");
    std::fs::rename(&wh, &moved).unwrap();
    failed(almanac(&store, &["scan", "shop"]));
    assert!(ok(almanac(&store, &["sources"])).contains("shop"));
    // Its URL is corrected, and the next scan reads the file where it now is (0 changes).
    let set = ok(almanac(&store, &["sources", "set", "shop", "--url", &format!("sqlite://{}", moved.display())]));
    assert!(set.contains("moved.db"), "{set}");
    assert!(ok(almanac(&store, &["scan", "shop"])).contains("0 changes"));
    let engine = failed(almanac(&store, &["sources", "set", "shop", "--url", "postgres://x@127.0.0.1/shop"]));
    assert!(engine.contains("is a sqlite source"), "{engine}");
    let nothing = failed(almanac(&store, &["sources", "set", "shop"]));
    assert!(nothing.contains("nothing to change"), "{nothing}");
    let typo = failed(almanac(&store, &["sources", "remove", "shp"]));
    assert!(typo.contains("did you mean `shop`?"), "{typo}");

    // Removed: gone from listings and search, its history kept; scanning again brings it back.
    ok(almanac(&store, &["classify", "confirm", "shop.main.customers.email", "user.contact.email", "--note", "kept"]));
    assert!(ok(almanac(&store, &["sources", "remove", "shop"])).contains("removed source shop"));
    assert_eq!(serde_json::from_str::<Value>(&ok(almanac(&store, &["sources", "--format", "json"]))).unwrap(), json!([]));
    let search: Value = serde_json::from_str(&ok(almanac(&store, &["search", "email", "--format", "json"]))).unwrap();
    assert_eq!(search, json!([]), "a removed source's columns are still found");
    let history = ok(almanac(&store, &["history", "shop.main.customers"]));
    assert!(history.contains("dataset_removed"), "{history}");
    assert!(failed(almanac(&store, &["scan", "shop"])).contains("neither a source URL nor a registered source"));
    assert!(ok(almanac(&store, &["scan", &format!("sqlite://{}", moved.display()), "--name", "shop"])).contains("12 datasets"));
    let back: Value = serde_json::from_str(&ok(almanac(&store, &["show", "shop.main.customers.email", "--format", "json"]))).unwrap();
    assert_eq!(back["removed_at"], Value::Null);
    assert_eq!(back["personal_data"][0]["note"], "kept", "the decision did not survive removal and return");
    let log = ok(almanac(&store, &["audit", "log", "--action", "source.remove"]));
    assert_eq!(log.lines().filter(|l| l.contains("source.remove")).count(), 2, "{log}");

    // A removed name is not taken over by another engine's database (its history and
    // decisions would follow); a revival whose first scan fails is removed again.
    ok(almanac(&store, &["sources", "remove", "shop"]));
    let other = failed(almanac(&store, &["scan", "postgres://postgres@127.0.0.1:1/shop", "--name", "shop"]));
    assert!(other.contains("keeps its history under that name"), "{other}");
    let wrong = dir.path().join("nowhere.db");
    std::fs::write(&wrong, b"not a database").unwrap();
    failed(almanac(&store, &["scan", &format!("sqlite://{}", wrong.display()), "--name", "shop"]));
    assert_eq!(serde_json::from_str::<Value>(&ok(almanac(&store, &["sources", "--format", "json"]))).unwrap(), json!([]));
    assert!(ok(almanac(&store, &["scan", &format!("sqlite://{}", moved.display()), "--name", "shop"])).contains("12 datasets"));
}

#[tokio::test]
async fn graphql_removes_and_corrects_sources_and_the_index_follows() {
    let (_store, app, dir) = warehouse_app().await;
    let found = |r: &Value| r["search"]["total"].as_u64().unwrap_or(0);
    let q = "{ search(query: \"email\") { total } }";
    let started = Instant::now();
    while found(&app.query_ok(q, json!({})).await) == 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "the scanned source was not indexed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let copy = dir.path().join("copy.db");
    std::fs::copy(dir.path().join("warehouse.db"), &copy).unwrap();
    let r = app
        .query_ok(
            "mutation($u: String!) { updateSource(name: \"warehouse\", input: { url: $u, sampleRows: 10 }) { name url } }",
            json!({ "u": format!("sqlite://{}", copy.display()) }),
        )
        .await;
    assert!(r["updateSource"]["url"].as_str().unwrap().ends_with("copy.db"), "{r}");
    let pw = app
        .graphql("mutation { updateSource(name: \"warehouse\", input: { url: \"postgres://u:secret@h/db\" }) { name } }", json!({}))
        .await;
    assert_eq!(error_code(&pw).as_deref(), Some("INVALID_INPUT"), "{pw}");

    let r = app.query_ok("mutation { removeSource(name: \"warehouse\") { name } }", json!({})).await;
    assert_eq!(r["removeSource"]["name"], "warehouse");
    let started = Instant::now();
    while found(&app.query_ok(q, json!({})).await) > 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "the index still holds the removed source");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sources = app.query_ok("{ sources { name } }", json!({})).await;
    assert_eq!(sources["sources"], json!([]));
    let again = app.graphql("mutation { removeSource(name: \"warehouse\") { name } }", json!({})).await;
    assert_eq!(error_code(&again).as_deref(), Some("NOT_FOUND"), "{again}");
    let entries = app.query_ok("{ auditLog(first: 5, action: \"source.remove\") { entries { after } } }", json!({})).await;
    assert_eq!(entries["auditLog"]["entries"][0]["after"]["datasets_removed"], 12, "{entries}");
}

#[tokio::test]
async fn a_full_page_can_be_asked_for_limits_are_named_and_every_refusal_is_json_with_a_code() {
    let (_store, app, _dir) = warehouse_app().await;
    // The documented largest page, with five fields of every column, and totals.
    let page = "query($n: Int) { source(name: \"warehouse\") { datasets(first: $n) { totalCount edges { node { name columns { name dataType nullable comment description } } } } } }";
    let r = app.query_ok(page, json!({ "n": 500 })).await;
    assert_eq!(r["source"]["datasets"]["totalCount"], 12);
    assert_eq!(r["source"]["datasets"]["edges"].as_array().unwrap().len(), 12);
    let r = app.query_ok("{ changes(source: \"warehouse\", first: 1) { totalCount edges { cursor } } }", json!({})).await;
    assert!(r["changes"]["totalCount"].as_i64().unwrap() > 1, "{r}");
    assert_eq!(r["changes"]["edges"].as_array().unwrap().len(), 1);
    // Over the limit: the error names the cost, the limit and the setting.
    let body = app.graphql(page, json!({ "n": 5000 })).await;
    assert_eq!(error_code(&body).as_deref(), Some("INVALID_QUERY"), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("costs 520001") && message.contains("complexity limit of 100000 (api.max_complexity)"), "{message}");

    // Refusals before GraphQL runs are JSON with a code too.
    let http = reqwest::Client::new();
    let res = http.post(app.url("/graphql")).header("content-type", "application/json").body("{ not json").send().await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_REQUEST", "{body}");
    assert!(body["error"].as_str().unwrap().contains("not a GraphQL request in JSON"), "{body}");
    let res = http.get(app.url("/nosuch")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "NOT_FOUND");
    let res = http.delete(app.url("/graphql")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "METHOD_NOT_ALLOWED", "{body}");
}
