//! The GraphQL API over HTTP, against the real server on a random port, on both stores.

mod common;

use common::{error_code, PgDatabase, StoreKind, TempDir, TestApp, TestStore};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Registers the quickstart warehouse as `shop` through the API, scans it, waits for the scan.
async fn scanned_warehouse(app: &TestApp, dir: &TempDir) -> Value {
    let path = dir.path().join("warehouse.db");
    almanac_fixtures::warehouse::write_sample_warehouse(&path).await.unwrap();
    app.query_ok(
        "mutation($url: String!) { registerSource(input: { name: \"shop\", url: $url }) { id name engine url } }",
        json!({ "url": format!("sqlite://{}", path.display()) }),
    )
    .await;
    let started = app.query_ok("mutation { scanSource(name: \"shop\") { id status } }", json!({})).await;
    let scan_id = started["scanSource"]["id"].as_str().unwrap().to_string();
    wait_for_scan(app, &scan_id).await
}

async fn wait_for_scan(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let data = app
            .query_ok("query($id: ID!) { scan(id: $id) { id status phase datasets columns changes error progress } }", json!({ "id": id }))
            .await;
        if data["scan"]["status"] != "RUNNING" {
            return data["scan"].clone();
        }
        assert!(Instant::now() < deadline, "scan did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn browse_sources_datasets_columns_and_keys(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    let scan = scanned_warehouse(&app, &dir).await;
    assert_eq!(scan["status"], "SUCCEEDED", "{scan}");
    assert_eq!(scan["datasets"], 12);

    let data = app.query_ok("{ sources { name engine url namespaces { name } lastScan { status columns } } }", json!({})).await;
    let src = &data["sources"][0];
    assert_eq!((src["name"].as_str(), src["engine"].as_str()), (Some("shop"), Some("sqlite")));
    assert_eq!(src["namespaces"][0]["name"], "main");
    assert_eq!(src["lastScan"]["columns"], 90);

    // Cursor pagination over all datasets.
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .query_ok(
                "query($after: String) { source(name: \"shop\") { datasets(first: 5, after: $after) {
                    edges { cursor node { name } } pageInfo { hasNextPage endCursor } } } }",
                json!({ "after": after }),
            )
            .await;
        let conn = &page["source"]["datasets"];
        for e in conn["edges"].as_array().unwrap() {
            names.push(e["node"]["name"].as_str().unwrap().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(names.len(), 12);
    let mut sorted = names.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 12, "no dataset twice across pages");

    let ds = app
        .query_ok(
            r#"{ dataset(qualifiedName: "shop.main.customers") { id name qualifiedName kind comment rowEstimate
                 columns { id name dataType typeFamily nullable isPrimaryKey isUnique comment }
                 foreignKeys { name } referencedBy { fromDatasetName columns toDatasetName referencedColumns }
                 changes(first: 10) { edges { node { kind scan { id } } } } } }"#,
            json!({}),
        )
        .await;
    let customers = &ds["dataset"];
    assert_eq!(customers["kind"], "TABLE");
    assert_eq!(customers["comment"], "one row per customer account");
    assert_eq!(customers["columns"].as_array().unwrap().len(), 16);
    let email = customers["columns"].as_array().unwrap().iter().find(|c| c["name"] == "email").unwrap().clone();
    assert_eq!(email["comment"], "login e-mail address");
    assert_eq!(email["isUnique"], true);
    let incoming: Vec<&str> =
        customers["referencedBy"].as_array().unwrap().iter().map(|f| f["fromDatasetName"].as_str().unwrap()).collect();
    assert_eq!(incoming, vec!["shop.main.orders", "shop.main.support_tickets", "shop.main.web_sessions"]);
    assert_eq!(customers["changes"]["edges"][0]["node"]["kind"], "DATASET_ADDED");

    // The same dataset by its stable id; a column by id and by name.
    let id = customers["id"].as_str().unwrap();
    let by_id = app.query_ok("query($id: ID!) { dataset(id: $id) { qualifiedName } }", json!({ "id": id })).await;
    assert_eq!(by_id["dataset"]["qualifiedName"], "shop.main.customers");
    let col = app
        .query_ok(
            "query($id: ID!) { column(id: $id) { qualifiedName dataset { name } } byName: column(qualifiedName: \"shop.main.customers.email\") { id } }",
            json!({ "id": email["id"] }),
        )
        .await;
    assert_eq!(col["column"]["qualifiedName"], "shop.main.customers.email");
    assert_eq!(col["byName"]["id"], email["id"]);

    let orders = app
        .query_ok(
            r#"{ dataset(qualifiedName: "shop.main.orders") { foreignKeys { columns toDatasetName referencedColumns toDataset { name } } } }"#,
            json!({}),
        )
        .await;
    let fks = orders["dataset"]["foreignKeys"].as_array().unwrap();
    assert_eq!(fks.len(), 2);
    assert!(fks.iter().any(|f| f["toDataset"]["name"] == "customers" && f["columns"] == json!(["customer_id"])));

    let view = app.query_ok(r#"{ dataset(qualifiedName: "shop.main.active_customers") { kind viewDefinition } }"#, json!({})).await;
    assert_eq!(view["dataset"]["kind"], "VIEW");
    assert!(view["dataset"]["viewDefinition"].as_str().unwrap().contains("FROM customers"));

    let changes = app.query_ok("{ changes(source: \"shop\", first: 100) { edges { node { kind dataset { name } } } } }", json!({})).await;
    assert_eq!(changes["changes"]["edges"].as_array().unwrap().len(), 13);
}

async fn curate_descriptions_and_tags(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let app = TestApp::spawn(&store).await;
    let dir = TempDir::new();
    scanned_warehouse(&app, &dir).await;
    let col = app.query_ok(r#"{ column(qualifiedName: "shop.main.orders.total_amount") { id descriptionVersion } }"#, json!({})).await;
    let id = col["column"]["id"].clone();
    assert_eq!(col["column"]["descriptionVersion"], 0);

    let set = "mutation($id: ID!, $d: String, $v: Int!) { setColumnDescription(id: $id, description: $d, expectedVersion: $v) { description descriptionVersion } }";
    let ok = app.query_ok(set, json!({ "id": id, "d": "Order total in EUR, VAT included", "v": 0 })).await;
    assert_eq!(ok["setColumnDescription"]["descriptionVersion"], 1);
    // A second editor who loaded version 0 is refused, and told the current version.
    let stale = app.graphql(set, json!({ "id": id, "d": "Net total", "v": 0 })).await;
    assert_eq!(error_code(&stale).as_deref(), Some("CONFLICT"), "{stale}");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 1);
    let now = app.query_ok("query($id: ID!) { column(id: $id) { description } }", json!({ "id": id })).await;
    assert_eq!(now["column"]["description"], "Order total in EUR, VAT included", "the stale edit changed nothing");

    let ds = app.query_ok(r#"{ dataset(qualifiedName: "shop.main.orders") { id } }"#, json!({})).await;
    let ds_id = ds["dataset"]["id"].clone();
    let set_ds = "mutation($id: ID!, $d: String, $v: Int!) { setDatasetDescription(id: $id, description: $d, expectedVersion: $v) { description descriptionVersion } }";
    let ok = app.query_ok(set_ds, json!({ "id": ds_id, "d": "One row per order", "v": 0 })).await;
    assert_eq!(ok["setDatasetDescription"]["description"], "One row per order");

    let add = "mutation($t: ID!, $tag: String!) { addTag(targetId: $t, tag: $tag) }";
    let tags = app.query_ok(add, json!({ "t": ds_id, "tag": "Gold" })).await;
    assert_eq!(tags["addTag"], json!(["gold"]));
    let tags = app.query_ok(add, json!({ "t": ds_id, "tag": "finance" })).await;
    assert_eq!(tags["addTag"], json!(["finance", "gold"]));
    let tags = app.query_ok(add, json!({ "t": ds_id, "tag": "gold" })).await;
    assert_eq!(tags["addTag"], json!(["finance", "gold"]), "adding twice is idempotent");
    let tags = app.query_ok("mutation($t: ID!) { removeTag(targetId: $t, tag: \"finance\") }", json!({ "t": ds_id })).await;
    assert_eq!(tags["removeTag"], json!(["gold"]));
    let bad = app.graphql(add, json!({ "t": ds_id, "tag": "not a tag" })).await;
    assert_eq!(error_code(&bad).as_deref(), Some("INVALID_INPUT"));
    let bad = app.graphql(add, json!({ "t": "scan_1", "tag": "x" })).await;
    assert_eq!(error_code(&bad).as_deref(), Some("INVALID_INPUT"));
    let missing = app.graphql(add, json!({ "t": "ds_999999", "tag": "x" })).await;
    assert_eq!(error_code(&missing).as_deref(), Some("NOT_FOUND"));

    // Curated metadata survives a re-scan.
    let again = app.query_ok("mutation { scanSource(name: \"shop\") { id } }", json!({})).await;
    let scan = wait_for_scan(&app, again["scanSource"]["id"].as_str().unwrap()).await;
    assert_eq!((scan["status"].as_str(), scan["changes"].as_i64()), (Some("SUCCEEDED"), Some(0)));
    let after = app
        .query_ok(
            r#"{ dataset(qualifiedName: "shop.main.orders") { description tags column(name: "total_amount") { description } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(after["dataset"]["description"], "One row per order");
    assert_eq!(after["dataset"]["tags"], json!(["gold"]));
    assert_eq!(after["dataset"]["column"]["description"], "Order total in EUR, VAT included");
}

async fn errors_are_typed_and_inputs_checked(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let app = TestApp::spawn(&store).await;

    let nf = app.graphql(r#"{ dataset(qualifiedName: "nope.main.nothing") { id } }"#, json!({})).await;
    assert_eq!(error_code(&nf).as_deref(), Some("NOT_FOUND"));
    let bad = app.graphql(r#"{ dataset(qualifiedName: "a.b") { id } }"#, json!({})).await;
    assert_eq!(error_code(&bad).as_deref(), Some("INVALID_INPUT"));
    let bad = app.graphql(r#"{ dataset(id: "col_1") { id } }"#, json!({})).await;
    assert_eq!(error_code(&bad).as_deref(), Some("INVALID_INPUT"));
    let both = app.graphql(r#"{ dataset(id: "ds_1", qualifiedName: "a.b.c") { id } }"#, json!({})).await;
    assert_eq!(error_code(&both).as_deref(), Some("INVALID_INPUT"));

    let reg = "mutation($n: String!, $u: String!) { registerSource(input: { name: $n, url: $u }) { name url } }";
    let pw = app.graphql(reg, json!({ "n": "x", "u": "postgres://u:secret@localhost/db" })).await;
    assert_eq!(error_code(&pw).as_deref(), Some("INVALID_INPUT"));
    assert!(pw["errors"][0]["message"].as_str().unwrap().contains("passwordEnv"));
    let scheme = app.graphql(reg, json!({ "n": "x", "u": "oracle://db" })).await;
    assert_eq!(error_code(&scheme).as_deref(), Some("INVALID_INPUT"));
    let name = app.graphql(reg, json!({ "n": "bad name!", "u": "sqlite:///tmp/x.db" })).await;
    assert_eq!(error_code(&name).as_deref(), Some("INVALID_INPUT"));

    // An unreachable source: the scan is accepted, then fails with the reason; nothing else changes.
    app.query_ok(reg, json!({ "n": "down", "u": "postgres://postgres@127.0.0.1:1/none" })).await;
    let dup = app.graphql(reg, json!({ "n": "down", "u": "postgres://postgres@127.0.0.1:1/none" })).await;
    assert_eq!(error_code(&dup).as_deref(), Some("CONFLICT"));
    let started = app.query_ok("mutation { scanSource(name: \"down\") { id } }", json!({})).await;
    let scan = wait_for_scan(&app, started["scanSource"]["id"].as_str().unwrap()).await;
    assert_eq!(scan["status"], "FAILED");
    assert!(scan["error"].as_str().unwrap().contains("unreachable"), "{scan}");
    let none = app.query_ok("{ source(name: \"down\") { datasets { edges { node { id } } } } }", json!({})).await;
    assert_eq!(none["source"]["datasets"]["edges"], json!([]));

    // A secret that is not where the source says: refused before anything starts.
    app.query_ok(
        "mutation { registerSource(input: { name: \"locked\", url: \"postgres://app@127.0.0.1:5432/x\", passwordEnv: \"ALMANAC_TEST_UNSET_PASSWORD_VAR\" }) { name } }",
        json!({}),
    )
    .await;
    let refused = app.graphql("mutation { scanSource(name: \"locked\") { id } }", json!({})).await;
    assert_eq!(error_code(&refused).as_deref(), Some("INVALID_INPUT"));
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("ALMANAC_TEST_UNSET_PASSWORD_VAR"));
    let unknown = app.graphql("mutation { scanSource(name: \"nobody\") { id } }", json!({})).await;
    assert_eq!(error_code(&unknown).as_deref(), Some("NOT_FOUND"));

    // Depth and complexity limits.
    let deep = format!("{{ sources {}{{ name }} {}}}", "{ lastScan { source ".repeat(7), "} } ".repeat(7));
    let body = app.graphql(&deep, json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("too deep"), "{body}");
    assert_eq!(error_code(&body).as_deref(), Some("INVALID_QUERY"));
    let wide = "{ sources { datasets(first: 500) { edges { node { changes(first: 500) { edges { node { kind } } } } } } } }";
    let body = app.graphql(wide, json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().to_lowercase().contains("complex"), "{body}");
    assert_eq!(error_code(&body).as_deref(), Some("INVALID_QUERY"));
    // Documents that do not parse or validate, and variables of the wrong type, get a code too.
    for (query, variables) in [
        ("{ sources { name ", json!({})),
        ("{ sources { colour } }", json!({})),
        ("query($n: Int!) { sources { datasets(first: $n) { edges { node { name } } } } }", json!({ "n": "ten" })),
    ] {
        let body = app.graphql(query, variables).await;
        assert_eq!(error_code(&body).as_deref(), Some("INVALID_QUERY"), "{query}: {body}");
        assert!(body.get("data").is_none_or(Value::is_null), "nothing is executed: {body}");
    }
}

async fn scans_of_postgres_sources_report_progress(kind: StoreKind) {
    let Some(store) = TestStore::create(kind).await else { return };
    let Some(src) = PgDatabase::create().await else { return };
    let mut ddl = String::new();
    for i in 0..60 {
        ddl.push_str(&format!("CREATE TABLE t{i} AS SELECT g AS id, 'v' || g AS v FROM generate_series(1, 200) g;"));
    }
    src.execute(&ddl).await;
    let app = TestApp::spawn(&store).await;
    app.query_ok(
        "mutation($u: String!) { registerSource(input: { name: \"pg\", url: $u, sampleRows: 20 }) { name sampleRows } }",
        json!({ "u": src.url }),
    )
    .await;
    let started = app.query_ok("mutation { scanSource(name: \"pg\") { id status } }", json!({})).await;
    assert_eq!(started["scanSource"]["status"], "RUNNING");
    let busy = app.graphql("mutation { scanSource(name: \"pg\") { id } }", json!({})).await;
    if busy.get("errors").is_some() {
        assert_eq!(error_code(&busy).as_deref(), Some("CONFLICT"), "a second scan while one runs");
    }
    let scan = wait_for_scan(&app, started["scanSource"]["id"].as_str().unwrap()).await;
    assert_eq!(scan["status"], "SUCCEEDED", "{scan}");
    assert_eq!(scan["datasets"], 60);
    assert_eq!(scan["columns"], 120);
    assert_eq!(scan["phase"], "done");
}

on_both_stores!(
    browse_sources_datasets_columns_and_keys,
    curate_descriptions_and_tags,
    errors_are_typed_and_inputs_checked,
    scans_of_postgres_sources_report_progress,
);

#[tokio::test]
async fn health_graphiql_and_sdl_endpoints() {
    let store = TestStore::create(StoreKind::Sqlite).await.unwrap();
    let app = TestApp::spawn(&store).await;
    let health: Value = app.http.get(app.url("/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health, json!({ "status": "ok", "store": "ok" }));
    let page = app.http.get(app.url("/graphql")).send().await.unwrap();
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
    let res = app.http.get(app.url("/health")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let sdl = app.http.get(app.url("/schema.graphql")).send().await.unwrap().text().await.unwrap();
    assert_eq!(sdl, almanac::api::graphql::sdl());
}

#[test]
fn schema_graphql_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let file = std::fs::read_to_string(&path).expect("schema.graphql at the repository root");
    assert!(file == almanac::api::graphql::sdl(), "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`");
}
