//! Lineage end to end on real servers: view definitions read by scans of PostgreSQL, MariaDB and
//! SQLite become column edges (replaced at each re-scan, other origins kept); submitted SQL
//! declares its targets, which merge with the real tables at the next scan; OpenLineage events
//! arrive over HTTP (malformed ones change nothing); personal data propagates and a detected
//! change reaches the timelines downstream.

mod common;

use almanac::catalog::names::QualifiedName;
use common::{MyDatabase, PgDatabase, StoreKind, TempDir, TestApp, TestStore};
use serde_json::{json, Value};
use sqlx::Connection;
use std::collections::BTreeSet;

const UPSTREAM: &str = "query($n: String!, $d: Int) { lineage(name: $n, direction: UPSTREAM, depth: $d) {
    totalCount edges { node { from to kind origin originRef createdBy } } } }";
const DOWNSTREAM: &str = "query($n: String!) { lineage(name: $n, direction: DOWNSTREAM, depth: 5) {
    totalCount edges { node { from to kind origin } } } }";

/// (from, to, kind, origin) of a lineage answer.
fn edges(data: &Value) -> BTreeSet<(String, String, String, String)> {
    data["lineage"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            let s = |k: &str| n[k].as_str().unwrap_or_default().to_string();
            (s("from"), s("to"), s("kind"), s("origin"))
        })
        .collect()
}

fn edge(from: &str, to: &str, kind: &str, origin: &str) -> (String, String, String, String) {
    (from.into(), to.into(), kind.into(), origin.into())
}

async fn register(app: &TestApp, name: &str, url: &str) {
    app.query_ok(
        "mutation($n: String!, $u: String!) { registerSource(input: { name: $n, url: $u }) { id } }",
        json!({ "n": name, "u": url }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_views_become_lineage_and_rescans_replace_only_their_edges() {
    let Some(pg) = PgDatabase::create().await else { return };
    pg.execute(
        r#"CREATE SCHEMA shop;
           CREATE TABLE shop.customers (id int PRIMARY KEY, email text, full_name text, country text);
           CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int REFERENCES shop.customers(id), amount numeric(10,2), status text);
           CREATE TABLE shop."Invoices" ("InvoiceId" int PRIMARY KEY, "Total" numeric);
           CREATE VIEW shop.v_totals AS
             SELECT c.email, upper(c.country) AS country, sum(o.amount) AS total
             FROM shop.customers c JOIN shop.orders o ON o.customer_id = c.id
             WHERE o.status = 'paid' GROUP BY c.email, c.country;
           CREATE VIEW shop.v_big_invoices AS SELECT "InvoiceId" AS invoice, "Total" FROM shop."Invoices" WHERE "Total" > 100;
           CREATE MATERIALIZED VIEW shop.mv_emails AS SELECT DISTINCT email FROM shop.v_totals;"#,
    )
    .await;
    let store = TestStore::create(StoreKind::Sqlite).await.expect("sqlite store");
    let app = TestApp::spawn(&store).await;
    register(&app, "pg", &pg.url).await;
    app.scan("pg").await;

    let up = app.query_ok(UPSTREAM, json!({ "n": "pg.shop.v_totals.total", "d": 1 })).await;
    let got = edges(&up);
    for want in [
        edge("pg.shop.orders.amount", "pg.shop.v_totals.total", "AGGREGATED", "VIEW"),
        edge("pg.shop.orders.status", "pg.shop.v_totals", "FILTER", "VIEW"),
        edge("pg.shop.orders.customer_id", "pg.shop.v_totals", "JOIN", "VIEW"),
        edge("pg.shop.customers.id", "pg.shop.v_totals", "JOIN", "VIEW"),
        edge("pg.shop.customers.email", "pg.shop.v_totals", "FILTER", "VIEW"),
    ] {
        assert!(got.contains(&want), "missing {want:?} in {got:#?}");
    }
    let up = app.query_ok(UPSTREAM, json!({ "n": "pg.shop.v_totals.country", "d": 1 })).await;
    assert!(edges(&up).contains(&edge("pg.shop.customers.country", "pg.shop.v_totals.country", "TRANSFORMED", "VIEW")), "{up}");
    // Quoted, mixed-case names and a materialized view over a view.
    let up = app.query_ok(UPSTREAM, json!({ "n": "pg.shop.v_big_invoices.invoice", "d": 1 })).await;
    assert!(edges(&up).contains(&edge("pg.shop.Invoices.InvoiceId", "pg.shop.v_big_invoices.invoice", "IDENTITY", "VIEW")), "{up}");
    let up = app.query_ok(UPSTREAM, json!({ "n": "pg.shop.mv_emails.email", "d": 2 })).await;
    let got = edges(&up);
    assert!(got.contains(&edge("pg.shop.v_totals.email", "pg.shop.mv_emails.email", "IDENTITY", "VIEW")), "{got:#?}");
    assert!(got.contains(&edge("pg.shop.customers.email", "pg.shop.v_totals.email", "IDENTITY", "VIEW")), "{got:#?}");

    // Submitted SQL declares its target; a hand-made edge; both survive re-scans.
    let report = app
        .query_ok(
            "mutation($s: String!) { addLineageSql(input: { source: \"pg\", sql: $s }) { edges statements { status target declared unresolved { name } message } } }",
            json!({ "s": "SET search_path TO shop;\n-- nightly\nCREATE TABLE report AS SELECT email, total * 100 AS total_cents FROM v_totals;\nSELEKT 1;\nINSERT INTO report SELECT nosuch, 1 FROM v_totals" }),
        )
        .await;
    let statements = report["addLineageSql"]["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 4, "{report}");
    assert_eq!(statements[1]["status"], "RECORDED");
    assert_eq!(statements[1]["target"], "pg.shop.report");
    assert_eq!(statements[1]["declared"], true);
    assert_eq!(statements[2]["status"], "FAILED");
    assert!(statements[2]["message"].as_str().unwrap().contains("SELEKT"), "{report}");
    assert_eq!(statements[3]["unresolved"][0]["name"], "nosuch", "{report}");
    let kind = app.query_ok("{ dataset(qualifiedName: \"pg.shop.report\") { kind columns { name } } }", json!({})).await;
    assert_eq!(kind["dataset"]["kind"], "DECLARED", "{kind}");
    let manual = app
        .query_ok(
            "mutation { addLineageEdge(from: \"pg.shop.customers.full_name\", to: \"pg.shop.report.email\", kind: TRANSFORMED) { id origin createdBy } }",
            json!({}),
        )
        .await;
    assert_eq!(manual["addLineageEdge"]["origin"], "MANUAL");
    let manual_id = manual["addLineageEdge"]["id"].as_str().unwrap().to_string();

    // The view changes in the source: its edges are replaced at the next scan; the report
    // table now exists for real and takes the declared dataset's place (same column ids).
    let before = app.query_ok(UPSTREAM, json!({ "n": "pg.shop.report.email", "d": 1 })).await;
    pg.execute(
        "DROP MATERIALIZED VIEW shop.mv_emails; DROP VIEW shop.v_totals;
         CREATE VIEW shop.v_totals AS SELECT c.email, upper(c.country) AS country, count(o.id) AS total
           FROM shop.customers c LEFT JOIN shop.orders o ON o.customer_id = c.id GROUP BY c.email, c.country;
         CREATE MATERIALIZED VIEW shop.mv_emails AS SELECT DISTINCT email FROM shop.v_totals;
         CREATE TABLE shop.report (email text, total_cents numeric);",
    )
    .await;
    app.scan("pg").await;
    let got = edges(&app.query_ok(UPSTREAM, json!({ "n": "pg.shop.v_totals.total", "d": 1 })).await);
    assert!(got.contains(&edge("pg.shop.orders.id", "pg.shop.v_totals.total", "AGGREGATED", "VIEW")), "{got:#?}");
    assert!(!got.iter().any(|e| e.0 == "pg.shop.orders.amount" || e.0 == "pg.shop.orders.status"), "old view edges stay: {got:#?}");
    let after = app.query_ok(UPSTREAM, json!({ "n": "pg.shop.report.email", "d": 1 })).await;
    assert_eq!(edges(&before), edges(&after), "submitted and manual edges survive the scan");
    assert!(edges(&after).contains(&edge("pg.shop.v_totals.email", "pg.shop.report.email", "IDENTITY", "SQL")));
    assert!(edges(&after).contains(&edge("pg.shop.customers.full_name", "pg.shop.report.email", "TRANSFORMED", "MANUAL")));
    let kind = app.query_ok("{ dataset(qualifiedName: \"pg.shop.report\") { kind } }", json!({})).await;
    assert_eq!(kind["dataset"]["kind"], "TABLE", "{kind}");

    // Only hand-made edges are removed by hand.
    let ids = app
        .query_ok("{ lineage(name: \"pg.shop.report.email\", direction: UPSTREAM, depth: 1) { edges { node { id origin } } } }", json!({}))
        .await;
    let sql_id = ids["lineage"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["origin"] == "SQL").unwrap()["node"]["id"].clone();
    let refused = app.graphql("mutation($id: ID!) { removeLineageEdge(id: $id) }", json!({ "id": sql_id })).await;
    assert_eq!(common::error_code(&refused).as_deref(), Some("INVALID_INPUT"), "{refused}");
    let removed = app.query_ok("mutation($id: ID!) { removeLineageEdge(id: $id) }", json!({ "id": manual_id })).await;
    assert_eq!(removed["removeLineageEdge"], true);
    let again = app.graphql("mutation($id: ID!) { removeLineageEdge(id: $id) }", json!({ "id": manual_id })).await;
    assert_eq!(common::error_code(&again).as_deref(), Some("NOT_FOUND"), "{again}");

    // Impact: everything downstream of customers.email, grouped by dataset.
    let impact = app
        .query_ok("{ impact(column: \"pg.shop.customers.email\") { dataset rowsShaped columns { column kind depth } } }", json!({}))
        .await;
    let datasets: Vec<&str> = impact["impact"].as_array().unwrap().iter().map(|d| d["dataset"].as_str().unwrap()).collect();
    assert_eq!(datasets, ["pg.shop.mv_emails", "pg.shop.report", "pg.shop.v_totals"], "{impact}");

    // Paging a graph: two edges a page, all of them once.
    let q = "query($a: String) { lineage(name: \"pg.shop.customers.email\", direction: DOWNSTREAM, depth: 5, first: 2, after: $a) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }";
    let (mut seen, mut after) = (BTreeSet::new(), Value::Null);
    let total = loop {
        let page = app.query_ok(q, json!({ "a": after })).await;
        let total = page["lineage"]["totalCount"].as_i64().unwrap();
        for e in page["lineage"]["edges"].as_array().unwrap() {
            assert!(seen.insert(e["node"]["id"].as_str().unwrap().to_string()), "an edge came twice");
        }
        if page["lineage"]["pageInfo"]["hasNextPage"] != true {
            break total;
        }
        after = page["lineage"]["pageInfo"]["endCursor"].clone();
    };
    assert_eq!(seen.len() as i64, total);
    assert!(total >= 4, "{total}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_views_are_resolved_from_their_stored_definitions() {
    let Some(my) = MyDatabase::create().await else { return };
    my.execute(
        "CREATE TABLE customers (id int PRIMARY KEY, Email varchar(200), country char(2));
         CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount decimal(10,2), status varchar(20));
         CREATE VIEW v_totals AS SELECT c.Email AS email, SUM(o.amount) AS total, COUNT(*) AS n
           FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.status = 'paid' GROUP BY c.Email;
         CREATE VIEW v_union AS SELECT Email FROM customers UNION SELECT status FROM orders;",
    )
    .await;
    let store = TestStore::create(StoreKind::Sqlite).await.expect("sqlite store");
    let app = TestApp::spawn(&store).await;
    register(&app, "my", &my.url).await;
    app.scan("my").await;
    let ns = &my.name;
    let got = edges(&app.query_ok(UPSTREAM, json!({ "n": format!("my.{ns}.v_totals.total"), "d": 1 })).await);
    for want in [
        edge(&format!("my.{ns}.orders.amount"), &format!("my.{ns}.v_totals.total"), "AGGREGATED", "VIEW"),
        edge(&format!("my.{ns}.orders.status"), &format!("my.{ns}.v_totals"), "FILTER", "VIEW"),
        edge(&format!("my.{ns}.customers.id"), &format!("my.{ns}.v_totals"), "JOIN", "VIEW"),
    ] {
        assert!(got.contains(&want), "missing {want:?} in {got:#?}");
    }
    let got = edges(&app.query_ok(UPSTREAM, json!({ "n": format!("my.{ns}.v_totals.email"), "d": 1 })).await);
    assert!(got.contains(&edge(&format!("my.{ns}.customers.Email"), &format!("my.{ns}.v_totals.email"), "IDENTITY", "VIEW")), "{got:#?}");
    let got = edges(&app.query_ok(UPSTREAM, json!({ "n": format!("my.{ns}.v_union.Email"), "d": 1 })).await);
    assert!(got.contains(&edge(&format!("my.{ns}.orders.status"), &format!("my.{ns}.v_union.Email"), "IDENTITY", "VIEW")), "{got:#?}");
    // Submitted SQL without a namespace lands in the database the source's URL names.
    let r = app
        .query_ok(
            "mutation { addLineageSql(input: { source: \"my\", sql: \"CREATE TABLE report AS SELECT `Email` AS mail FROM CUSTOMERS\" }) { statements { target } } }",
            json!({}),
        )
        .await;
    assert_eq!(r["addLineageSql"]["statements"][0]["target"], format!("my.{ns}.report"), "{r}");
    let got = edges(&app.query_ok(UPSTREAM, json!({ "n": format!("my.{ns}.report.mail"), "d": 1 })).await);
    assert!(got.contains(&edge(&format!("my.{ns}.customers.Email"), &format!("my.{ns}.report.mail"), "IDENTITY", "SQL")), "{got:#?}");
    // The resolver's reports are scan warnings, never silence: none here.
    let scan = app.query_ok("{ source(name: \"my\") { lastScan { warnings { message } } } }", json!({})).await;
    let warnings = scan["source"]["lastScan"]["warnings"].to_string();
    assert!(!warnings.contains("lineage"), "{warnings}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openlineage_events_are_matched_recorded_and_malformed_ones_change_nothing() {
    let Some(pg) = PgDatabase::create().await else { return };
    pg.execute("CREATE TABLE customers (id int PRIMARY KEY, email text, opt_in boolean);").await;
    let store = TestStore::create(StoreKind::Sqlite).await.expect("sqlite store");
    let app = TestApp::spawn(&store).await;
    register(&app, "crm", &pg.url).await;
    app.scan("crm").await;
    let url = url::Url::parse(&pg.url).unwrap();
    let namespace = format!("postgres://{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let input = json!({ "namespace": namespace, "name": format!("{}.public.customers", pg.name) });
    let event = |run: &str, kind: &str| {
        json!({
            "eventType": kind, "eventTime": "2026-12-03T10:00:00.000Z", "producer": "https://example.org/airflow",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
            "run": { "runId": run }, "job": { "namespace": "airflow", "name": "export.contacts" },
            "inputs": [input],
            "outputs": [{ "namespace": "s3://exports", "name": "marketing/contacts.parquet", "facets": { "columnLineage": {
                "_producer": "https://example.org", "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                "fields": {
                    "email": { "inputFields": [{ "namespace": namespace, "name": format!("{}.public.customers", pg.name), "field": "email",
                        "transformations": [{ "type": "DIRECT", "subtype": "TRANSFORMATION", "description": "lower()" }] }] },
                    "customer_id": { "inputFields": [{ "namespace": namespace, "name": format!("{}.public.customers", pg.name), "field": "id",
                        "transformations": [{ "type": "DIRECT", "subtype": "IDENTITY" }] }] } },
                "dataset": [{ "namespace": namespace, "name": format!("{}.public.customers", pg.name), "field": "opt_in",
                    "transformations": [{ "type": "INDIRECT", "subtype": "FILTER" }] }] } } }]
        })
    };
    let post = |body: Value| {
        let req = app.http.post(app.url("/api/v1/lineage")).json(&body);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = post(event("run-1", "START")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["edges"], 3, "{body}");
    let (status, _) = post(event("run-1", "COMPLETE")).await;
    assert_eq!(status, 201);
    let (status, _) = post(event("run-2", "FAIL")).await;
    assert_eq!(status, 201);

    // The input is the scanned table; the output is kept under an external source.
    let down = app.query_ok(DOWNSTREAM, json!({ "n": "crm.public.customers.email" })).await;
    let got = edges(&down);
    assert_eq!(
        got,
        BTreeSet::from([edge(
            "crm.public.customers.email",
            "ext-s3-exports.marketing.\"contacts.parquet\".email",
            "TRANSFORMED",
            "OPENLINEAGE"
        )]),
        "{down}"
    );
    let up = app.query_ok(UPSTREAM, json!({ "n": "ext-s3-exports.marketing.\"contacts.parquet\".customer_id", "d": 1 })).await;
    let got = edges(&up);
    assert!(
        got.contains(&edge(
            "crm.public.customers.id",
            "ext-s3-exports.marketing.\"contacts.parquet\".customer_id",
            "IDENTITY",
            "OPENLINEAGE"
        )),
        "{up}"
    );
    assert!(
        got.contains(&edge("crm.public.customers.opt_in", "ext-s3-exports.marketing.\"contacts.parquet\"", "FILTER", "OPENLINEAGE")),
        "{up}"
    );
    // Edges of a job's runs replace each other; the job keeps its last run.
    assert_eq!(up["lineage"]["totalCount"], 2, "{up}");
    assert!(up["lineage"]["edges"][0]["node"]["originRef"].as_str().unwrap().ends_with("run run-2"), "{up}");
    let jobs = app.query_ok("{ lineageJobs { namespace name runs lastState lastRunId } }", json!({})).await;
    assert_eq!(
        jobs["lineageJobs"],
        json!([{ "namespace": "airflow", "name": "export.contacts", "runs": 2, "lastState": "FAIL", "lastRunId": "run-2" }])
    );

    // Malformed events: 400 with the reason, and nothing written.
    let count = || async {
        let s = app.query_ok("{ sources { name } lineageJobs { runs } }", json!({})).await;
        let e = app.query_ok(UPSTREAM, json!({ "n": "ext-s3-exports.marketing.\"contacts.parquet\"", "d": 1 })).await;
        (s, e["lineage"]["totalCount"].clone())
    };
    let before = count().await;
    let mut missing_field = event("run-3", "COMPLETE");
    missing_field["outputs"][0]["facets"]["columnLineage"]["fields"]["email"]["inputFields"][0].as_object_mut().unwrap().remove("field");
    let mut new_output = event("run-3", "COMPLETE");
    new_output["outputs"][0]["name"] = json!("other/place");
    new_output["job"]["name"] = json!("");
    for (bad, reason) in [
        (json!({ "eventType": "START" }), "eventTime"),
        (json!("not an object"), "not an OpenLineage run event"),
        (missing_field, "field"),
        (new_output, "job.name is empty"),
    ] {
        let (status, body) = post(bad).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().unwrap().contains(reason), "{body}");
    }
    let res = app.http.post(app.url("/api/v1/lineage")).body("{}").header("content-type", "text/plain").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 415);
    assert_eq!(count().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_propagates_and_changes_reach_downstream_timelines() {
    let dir = TempDir::new();
    let db = dir.path().join("shop.db");
    let mut sql = String::from(
        "CREATE TABLE orders (id integer PRIMARY KEY, duration_s numeric(12,3), customer_email text, qty integer);
         CREATE VIEW v_orders AS SELECT id, duration_s AS duration, lower(customer_email) AS email, sum(qty) OVER () AS all_qty FROM orders;
         CREATE VIEW v_report AS SELECT duration * 2 AS doubled, email AS contact, count(*) AS n FROM v_orders GROUP BY duration, email;\n",
    );
    for i in 0..200i64 {
        let duration = 1.0 + ((i * 37) % 500) as f64 + (i % 7) as f64 / 8.0;
        sql.push_str(&format!("INSERT INTO orders VALUES ({i}, {duration:.3}, 'person{i}@example.org', {});\n", 1 + i % 9));
    }
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
    let store = TestStore::create(StoreKind::Sqlite).await.expect("store");
    let app = common::open_app(&store).await;
    let source_url = format!("sqlite://{}", db.display());
    common::scan_source(&app, "shop", &source_url, Some(1000)).await;

    // The e-mail category reaches the views' columns through identity and transformed edges,
    // with its path.
    let taxonomy = app.classifier.taxonomy();
    let filter = almanac::privacy::inventory::InventoryFilter { source: "shop".into(), ..Default::default() };
    let found = almanac::privacy::inventory::propagated(&app.catalog, taxonomy, &filter).await.unwrap();
    let emails: Vec<(String, Vec<String>)> = found
        .iter()
        .filter(|p| p.category.as_str() == "user.contact.email")
        .map(|p| (p.column.qualified_name.to_string(), p.path.iter().map(|q| q.to_string()).collect()))
        .collect();
    assert!(
        emails.contains(&(
            "shop.main.v_report.contact".into(),
            vec!["shop.main.orders.customer_email".into(), "shop.main.v_orders.email".into(), "shop.main.v_report.contact".into()]
        )) || emails
            .iter()
            .any(|(c, p)| c == "shop.main.v_report.contact" && p.first().map(String::as_str) == Some("shop.main.v_orders.email")),
        "{emails:#?}"
    );
    // A steward rejects it on one column: it stops there, and beyond.
    let col = app.catalog.column_by_name(&QualifiedName::parse("shop.main.v_report.contact").unwrap()).await.unwrap();
    let key = taxonomy.key("user.contact.email").unwrap();
    if emails.iter().any(|(c, _)| c == "shop.main.v_report.contact") {
        almanac::privacy::classifications::reject_category(&app.catalog, col.id, &key, Some("hashed upstream")).await.unwrap();
        let found = almanac::privacy::inventory::propagated(&app.catalog, taxonomy, &filter).await.unwrap();
        assert!(!found.iter().any(|p| p.column.id == col.id && p.category.as_str() == "user.contact.email"));
    }

    // Durations switch from seconds to milliseconds: the view columns fed by it hear of it.
    sqlx::raw_sql("UPDATE orders SET duration_s = duration_s * 1000").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    common::scan_source(&app, "shop", &source_url, Some(1000)).await;
    let timeline = almanac::history::timeline(&app.catalog, &QualifiedName::parse("shop.main.v_report").unwrap()).await.unwrap();
    let upstream: Vec<_> = timeline.iter().filter(|e| e.kind.as_str() == "upstream_change").collect();
    assert_eq!(upstream.len(), 1, "{timeline:#?}");
    assert_eq!(upstream[0].column.as_deref(), Some("doubled"));
    assert_eq!(upstream[0].details["upstream"], "shop.main.orders.duration_s");
    assert_eq!(upstream[0].details["change"], "unit_change");
    assert_eq!(upstream[0].details["depth"], 2);
    let view = almanac::history::timeline(&app.catalog, &QualifiedName::parse("shop.main.v_orders.duration").unwrap()).await.unwrap();
    assert!(view.iter().any(|e| e.kind.as_str() == "upstream_change" && e.details["depth"] == 1), "{view:#?}");
}
