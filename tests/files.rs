//! File lakes end to end: a generated lake (Parquet with partitions, nested and list columns,
//! drift between files; CSV with quoted newlines; JSON Lines plain, gzip and zstd; TSV; and
//! broken files of every kind) scanned from a local folder and from a real S3-compatible
//! server (moto on loopback), through the command line, then read back from the catalog.

mod common;

use almanac::app::AppState;
use almanac::config::Config;
use common::lake::{lake_python, make_lake, S3Server};
use common::TempDir;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Output};

fn almanac(store: &str, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_almanac"));
    cmd.args(args).env("ALMANAC_STORE", store).env_remove("ALMANAC_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run almanac")
}

fn json(store: &str, args: &[&str]) -> Value {
    let out = almanac(store, args, &[]);
    assert!(out.status.success(), "almanac {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json output")
}

/// Every live dataset of `source` by qualified name: kind, format, rows and columns.
async fn datasets(store: &str, source: &str) -> BTreeMap<String, Value> {
    let app = AppState::open(Config { store: store.to_string(), ..Config::default() }).await.expect("open");
    let src = app.catalog.source_by_name(source).await.expect("source");
    let (list, _) = app.catalog.datasets_page(src.id, None, false, None, 10_000).await.expect("datasets");
    let mut out = BTreeMap::new();
    for d in list {
        let columns: Vec<Value> = app
            .catalog
            .columns(&d, false)
            .await
            .expect("columns")
            .iter()
            .map(|c| serde_json::json!([c.name(), c.data_type, c.nullable]))
            .collect();
        out.insert(
            d.qualified_name.to_string(),
            serde_json::json!({ "kind": d.kind.as_str(), "format": d.format, "rows": d.row_estimate, "columns": columns, "partitions": d.partitions.len(), "drift": d.file_drift.len() }),
        );
    }
    out
}

const EXPECTED_DATASETS: [&str; 11] = [
    "broken.half_broken",
    "broken.latin1",
    "broken.pages",
    "crm.contracts",
    "crm.customers",
    "events.clicks",
    "exports.report",
    "exports.summary",
    "main.readme",
    "sales.orders",
    "sales.refunds",
];

/// What every scan of the test lake must find, wherever the lake is.
async fn assert_lake_catalogued(store: &str, source: &str) -> BTreeMap<String, Value> {
    let found = datasets(store, source).await;
    let names: Vec<String> = found.keys().map(|k| k.trim_start_matches(&format!("{source}.")).to_string()).collect();
    assert_eq!(names, EXPECTED_DATASETS, "datasets of {source}");
    let orders = &found[&format!("{source}.sales.orders")];
    assert_eq!(orders["kind"], "file");
    assert_eq!(orders["format"], "parquet");
    assert_eq!(orders["rows"], 800, "row counts from the footers");
    assert_eq!(orders["partitions"], 4);
    let columns: Vec<&str> = orders["columns"].as_array().unwrap().iter().map(|c| c[0].as_str().unwrap()).collect();
    assert_eq!(columns, ["order_id", "customer_email", "amount", "shipping.city", "shipping.zip", "tags", "ordered_at", "dt", "country"]);
    assert_eq!(orders["columns"][5][1], "list<string>");
    assert_eq!(orders["columns"][7][1], "partition key (date)");
    let refunds = &found[&format!("{source}.sales.refunds")];
    assert_eq!(refunds["drift"], 2, "part-1 changes a type and adds a column");
    let amount = refunds["columns"].as_array().unwrap().iter().find(|c| c[0] == "amount").unwrap();
    assert_eq!(amount[1], "double", "int64 widened to double");
    assert!(refunds["columns"].as_array().unwrap().iter().any(|c| c[0] == "reason" && c[2] == true));
    let clicks = &found[&format!("{source}.events.clicks")];
    assert_eq!((clicks["format"].as_str(), clicks["rows"].as_i64()), (Some("jsonl"), Some(1_000)), "gzip and zstd files, one dataset");
    assert!(clicks["columns"].as_array().unwrap().iter().any(|c| c[0] == "device.os"));
    let customers = &found[&format!("{source}.crm.customers")];
    assert_eq!(customers["rows"], 300, "quoted newlines do not make records");
    assert_eq!(found[&format!("{source}.exports.report")]["format"], "tsv");
    assert_eq!(found[&format!("{source}.exports.summary")]["rows"], 10);

    // Classified from names and sampled values, like tables.
    let pii = json(store, &["pii", source, "--format", "json"]);
    let categories: Vec<(String, String, String)> = pii
        .as_array()
        .expect("pii list")
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("dataset"), text("column"), text("category"))
        })
        .collect();
    for (dataset, column, category) in [
        ("crm.customers", "email", "user.contact.email"),
        ("crm.customers", "full_name", "user.name"),
        ("crm.customers", "birth_date", "user.demographic.date_of_birth"),
        ("crm.contracts", "signer.email", "user.contact.email"),
        ("sales.orders", "customer_email", "user.contact.email"),
        ("events.clicks", "ip_address", "user.device.ip_address"),
    ] {
        let want = (format!("{source}.{dataset}"), column.to_string(), category.to_string());
        assert!(categories.contains(&want), "{want:?} not in {categories:?}");
    }
    // Profiled like tables: aggregates of the sample, with the footers' statistics over all
    // rows (null counts; ranges of numbers).
    let app = AppState::open(Config { store: store.to_string(), ..Config::default() }).await.expect("open");
    let name = almanac::catalog::names::QualifiedName::parse(&format!("{source}.sales.orders.amount")).expect("name");
    let column = app.catalog.column_by_name(&name).await.expect("column");
    let profiles = almanac::history::profiles(&app.catalog, column.id, 1).await.expect("profiles");
    let profile = &profiles.first().expect("a profile").profile;
    assert_eq!(profile["method"], "file_rows", "{profile}");
    assert!(profile["sampled"].as_u64().unwrap_or(0) >= 400, "rows read from the sample: {profile}");
    assert_eq!(profile["engine"]["null_fraction"], 0.0, "{profile}");
    assert!(profile["engine"]["min"].as_f64().unwrap() < profile["engine"]["max"].as_f64().unwrap(), "{profile}");
    found
}

fn scan_warnings(store: &str) -> Vec<String> {
    let sources = json(store, &["sources", "--format", "json"]);
    sources[0]["last_scan"]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn file_drift_events(store: &str, dataset: &str) -> Vec<Value> {
    let history = json(store, &["history", dataset, "--kind", "file_drift", "--format", "json"]);
    history.as_array().cloned().or_else(|| history["events"].as_array().cloned()).expect("events")
}

#[tokio::test]
async fn a_local_lake_is_catalogued_with_partitions_drift_samples_and_broken_files_reported() {
    let Some(python) = lake_python() else { return };
    let dir = TempDir::new();
    let root = dir.path().join("lake");
    make_lake(&python, &root);
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let url = format!("file://{}", root.display());

    let out = almanac(&store, &["scan", &url], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "the scan goes on past broken files: {stderr}");
    for (file, reason) in [
        ("broken/truncated.parquet", "does not end with the PAR1 marker"),
        ("broken/empty.parquet", "empty (0 bytes)"),
        ("broken/garbage.parquet", "truncated: the footer claims"),
        ("broken/all_broken.jsonl", "no line holds a JSON object"),
        ("broken/escape.csv", "leading outside the scanned root"),
        ("broken/dangling.csv", "cannot be followed"),
        ("broken/half_broken.jsonl", "2 lines are not valid JSON objects and were skipped (lines 37, 60)"),
        ("broken/latin1.csv", "not valid UTF-8"),
        ("broken/pages.parquet", "not sampled: row group 0, column id: page 1 claims"),
        ("crm/contracts.jsonl", "type conflict in column \"value\""),
    ] {
        let line = stderr.lines().find(|l| l.contains(file)).unwrap_or_else(|| panic!("{file} not reported on stderr:\n{stderr}"));
        assert!(line.contains(reason), "{file}: {line}");
        assert!(scan_warnings(&store).iter().any(|w| w.contains(file) && w.contains(reason)), "{file} not in the scan record");
    }
    let escaped = stderr.lines().find(|l| l.contains("escape.csv")).unwrap();
    assert!(!escaped.contains("/etc/"), "where a link leads is not told: {escaped}");

    let found = assert_lake_catalogued(&store, "lake").await;
    assert_eq!(found.len(), 11);
    let orders = json(&store, &["show", "lake.sales.orders", "--format", "json"]);
    assert_eq!(orders["location"], format!("{url}/sales/orders"));
    assert_eq!(orders["partitions"][0], "dt=2024-01-01/country=DE");

    // Drift between files: one event per difference, naming the file and the column.
    let drift = file_drift_events(&store, "lake.sales.refunds");
    assert_eq!(drift.len(), 2, "{drift:?}");
    for e in &drift {
        assert_eq!(e["details"]["file"], "sales/refunds/part-1.parquet");
    }
    let columns: Vec<&str> = drift.iter().map(|e| e["details"]["column"].as_str().unwrap()).collect();
    assert!(columns.contains(&"amount") && columns.contains(&"reason"), "{columns:?}");

    // Sampled values never reach the store (an address the CSV holds, in any store file).
    let csv = std::fs::read_to_string(root.join("crm/customers.csv")).unwrap();
    let email = csv.lines().nth(1).unwrap().split(',').nth(2).unwrap().to_string();
    assert!(email.contains('@'), "{email}");
    // Searched by another process: opening and closing the database file here would drop the
    // POSIX locks this process's own connections hold on it.
    let found = Command::new("grep").arg("-rlaF").arg(&email).arg(dir.path()).arg("--exclude-dir=lake").output().expect("grep");
    assert!(found.status.code() == Some(1), "{email} stored in {}", String::from_utf8_lossy(&found.stdout));

    // Search finds file columns in people's words, with where the files are.
    let hits = json(&store, &["search", "shipping city", "--format", "json"]);
    assert_eq!(hits[0]["qualified_name"], "lake.sales.orders.\"shipping.city\"");
    assert_eq!(hits[0]["location"], format!("{url}/sales/orders"));
    let hits = json(&store, &["search", "parquet refunds", "--format", "json"]);
    assert_eq!(hits[0]["qualified_name"], "lake.sales.refunds");

    // OpenLineage datasets in the lake are its file datasets: `file` + an absolute path (a
    // partition folder of it included) and an S3 output of another bucket, kept as external.
    let orders_path = format!("{}/sales/orders/dt=2024-01-01", root.display());
    let event = serde_json::json!({
        "eventType": "COMPLETE", "eventTime": "2026-12-03T10:00:00.000Z", "producer": "https://example.org/spark",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
        "run": { "runId": "run-1" }, "job": { "namespace": "spark", "name": "orders.clean" },
        "inputs": [{ "namespace": "file", "name": orders_path }],
        "outputs": [{ "namespace": "s3://marts", "name": "orders_clean", "facets": { "columnLineage": {
            "_producer": "https://example.org", "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
            "fields": { "email": { "inputFields": [{ "namespace": "file", "name": orders_path, "field": "customer_email",
                "transformations": [{ "type": "DIRECT", "subtype": "IDENTITY" }] }] } } } } }]
    });
    {
        let app = AppState::open(Config { store: store.clone(), ..Config::default() }).await.expect("open");
        let parsed = almanac::lineage::openlineage::parse_event(event.to_string().as_bytes()).expect("event");
        almanac::lineage::openlineage::record_event(&app.catalog, parsed).await.expect("recorded");
    }
    let down = json(&store, &["lineage", "lake.sales.orders.customer_email", "--direction", "down", "--format", "json"]);
    let edges = down["edges"].as_array().expect("edges");
    assert!(
        edges.iter().any(|e| e["from"] == "lake.sales.orders.customer_email" && e["to"] == "ext-s3-marts.main.orders_clean.email"),
        "{down}"
    );

    // A re-scan of unchanged files changes nothing; a new file's drift is recorded once.
    let again = almanac(&store, &["scan", "lake"], &[]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains(" 0 changes"), "{}", String::from_utf8_lossy(&again.stdout));
    std::fs::copy(root.join("sales/refunds/part-1.parquet"), root.join("sales/refunds/part-2.parquet")).unwrap();
    assert!(almanac(&store, &["scan", "lake"], &[]).status.success());
    let drift = file_drift_events(&store, "lake.sales.refunds");
    assert_eq!(drift.len(), 4, "{drift:?}");
    assert_eq!(drift.iter().filter(|e| e["details"]["file"] == "sales/refunds/part-2.parquet").count(), 2);
    let datasets_now = datasets(&store, "lake").await;
    assert_eq!(datasets_now["lake.sales.refunds"]["rows"], 150);
}

#[tokio::test]
async fn an_s3_lake_gives_the_catalog_a_local_scan_gives() {
    let Some(python) = lake_python() else { return };
    let Some(s3) = S3Server::start(&python).await else { return };
    let dir = TempDir::new();
    let root = dir.path().join("lake");
    make_lake(&python, &root);
    s3.upload("almanac-lake", "exports/lake", &root).await;

    let local_store = format!("sqlite://{}/local.db", dir.path().display());
    assert!(almanac(&local_store, &["scan", &format!("file://{}", root.display())], &[]).status.success());
    let s3_store = format!("sqlite://{}/s3.db", dir.path().display());
    let out = almanac(&s3_store, &["scan", "s3://almanac-lake/exports/lake"], &s3.env());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("broken/truncated.parquet") && stderr.contains("does not end with the PAR1 marker"), "{stderr}");

    let remote = assert_lake_catalogued(&s3_store, "lake").await;
    let local = datasets(&local_store, "lake").await;
    assert_eq!(remote, local, "S3 and the local folder give the same datasets, columns and counts");
    let orders = json(&s3_store, &["show", "lake.sales.orders", "--format", "json"]);
    assert_eq!(orders["location"], "s3://almanac-lake/exports/lake/sales/orders");

    // Without the endpoint, credentials or bucket, the scan fails with a clear error and
    // registers nothing.
    let missing = almanac(&s3_store, &["scan", "s3://no-such-bucket/x", "--name", "missing"], &s3.env());
    assert!(!missing.status.success());
    let sources = json(&s3_store, &["sources", "--format", "json"]);
    assert_eq!(sources.as_array().unwrap().len(), 1, "the failed source is not kept");
}

#[tokio::test]
async fn a_lake_of_broken_files_fails_its_scan_and_names_every_file() {
    let dir = TempDir::new();
    let root = dir.path().join("bad");
    std::fs::create_dir_all(root.join("x")).unwrap();
    std::fs::write(root.join("x/empty.parquet"), b"").unwrap();
    std::fs::write(root.join("x/cut.parquet"), b"PAR1\x00\x01\x02").unwrap();
    std::fs::write(root.join("x/lines.jsonl"), b"{oops\n").unwrap();
    // A footer whose schema claims 400 million elements in a few bytes: the parquet crate
    // would allocate for all of them before reading one.
    let mut meta = vec![0x15, 0x02, 0x19, 0xfc, 0x80, 0x88, 0xde, 0xbe, 0x01];
    meta.extend_from_slice(&[0; 20]);
    let mut bomb = b"PAR1".to_vec();
    bomb.extend_from_slice(&meta);
    bomb.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    bomb.extend_from_slice(b"PAR1");
    std::fs::write(root.join("x/bomb.parquet"), bomb).unwrap();
    std::fs::write(root.join("notes.txt"), b"not a data file").unwrap();
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let out = almanac(&store, &["scan", &format!("file://{}", root.display())], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success());
    assert!(stderr.contains("no file could be read; 4 skipped"), "{stderr}");
    assert!(stderr.contains("its schema claims 400000000 elements where 20 bytes remain"), "{stderr}");
    for f in ["x/empty.parquet", "x/cut.parquet", "x/lines.jsonl", "x/bomb.parquet"] {
        assert!(stderr.contains(f), "{f} not named: {stderr}");
    }
    assert_eq!(json(&store, &["sources", "--format", "json"]).as_array().unwrap().len(), 0);

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = almanac(&store, &["scan", &format!("file://{}", empty.display())], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Parquet, CSV, TSV or JSON Lines files"));
    let out = almanac(&store, &["scan", "file:///no/such/folder/anywhere"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be opened"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn a_folder_link_out_of_the_root_is_not_followed() {
    let dir = TempDir::new();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.csv"), b"name,email\nA,a@example.com\n").unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("inner")).unwrap();
    std::fs::write(root.join("inner/ok.csv"), b"id,city\n1,Berlin\n2,Paris\n").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("inner/elsewhere")).unwrap();
    std::os::unix::fs::symlink(root.join("inner"), root.join("loop")).unwrap();
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let out = almanac(&store, &["scan", &format!("file://{}", root.display()), "--name", "linked"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("inner/elsewhere") && stderr.contains("outside the scanned root"), "{stderr}");
    let found = datasets(&store, "linked").await;
    assert!(found.keys().all(|k| !k.contains("secret")), "{found:?}");
    assert!(found.contains_key("linked.inner.ok"), "{found:?}");
}

#[tokio::test]
async fn partition_values_land_in_their_own_columns_whatever_the_folder_names_hold() {
    let dir = TempDir::new();
    let root = dir.path().join("lake");
    // A key the files also hold as a column keeps the files' values; folder names may hold
    // any text.
    for (folder, rows) in [("dt=2024-01-01T10:€a€/country=DE", "1,10.5\n2,11.5\n"), ("dt=2024-01-02/country=FR", "3,12.5\n")] {
        let d = root.join("t").join(folder);
        std::fs::create_dir_all(&d).unwrap();
        let body = rows.lines().map(|r| format!("x,{r}\n")).collect::<String>();
        std::fs::write(d.join("part-0.csv"), format!("dt,id,amount\n{body}")).unwrap();
    }
    let store = format!("sqlite://{}/catalog.db", dir.path().display());
    let out = almanac(&store, &["scan", &format!("file://{}", root.display())], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let t = &datasets(&store, "lake").await["lake.main.t"];
    let columns: Vec<(&str, &str)> =
        t["columns"].as_array().unwrap().iter().map(|c| (c[0].as_str().unwrap(), c[1].as_str().unwrap())).collect();
    assert_eq!(columns, [("dt", "string"), ("id", "integer"), ("amount", "number"), ("country", "partition key (string)")]);
    let app = AppState::open(Config { store: store.clone(), ..Config::default() }).await.expect("open");
    for (column, numeric) in [("amount", true), ("dt", false), ("country", false)] {
        let name = almanac::catalog::names::QualifiedName::parse(&format!("lake.main.t.{column}")).unwrap();
        let id = app.catalog.column_by_name(&name).await.unwrap().id;
        let profile = &almanac::history::profiles(&app.catalog, id, 1).await.unwrap()[0].profile;
        assert_eq!(profile["numbers"].is_object(), numeric, "{column}: {profile}");
        assert_eq!(profile["sampled"], 3, "{column}: {profile}");
    }
}
