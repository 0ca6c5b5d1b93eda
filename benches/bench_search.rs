//! Search benchmark: a catalog of 1,000,000 columns (50,000 datasets x 20 columns with
//! realistic names, comments and descriptions) in an SQLite store; full index build time;
//! resident memory of the real server after loading; GraphQL search latency over HTTP with
//! 32 concurrent clients; how soon an edit made through GraphQL is searchable; and, on the
//! same documents, PostgreSQL full-text search (tsvector, GIN, ts_rank) with 32 concurrent
//! connections as the baseline.
//!
//! Usage: `cargo bench --bench bench_search -- [--quick] [--datasets N] [--seconds S]
//! [--dir DIR] [--no-baseline]` (PostgreSQL from ALMANAC_BENCH_POSTGRES_URL or
//! ALMANAC_TEST_POSTGRES_URL). With `--dir`, the catalog is kept in DIR and reused by the next
//! run with the same DIR (the index is still rebuilt and timed). `--probe-only [--reps N]`
//! stops after the in-process timings and reuses a kept index: for profiling the query path.
//! `--keep-index` reuses a kept index too, and goes on to the load tests.

use almanac::app::AppState;
use almanac::catalog::NewSource;
use almanac::config::Config;
use almanac_fixtures::search_catalog::{snapshot, COLUMNS, QUERIES};
use almanac_scanners::SourceUrl;
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// The allocator of the `almanac` binary, so the index build here costs what it costs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Curated descriptions for every dataset and column, as a data team that keeps a glossary
/// writes them: each column name's glossary text, naming the entity of its table. Written in
/// bulk (one statement each), as a description import would; editing a million descriptions
/// one by one through the API is not what this benchmark measures.
async fn describe(app: &AppState) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    let db = app.catalog.connection();
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let glossary: Vec<String> = COLUMNS.iter().map(|(name, _, text)| format!("WHEN {} THEN {}", quote(name), quote(text))).collect();
    // A table's comment is "<entity> records of the <domain> domain".
    let entity = "substr(d.comment, 1, instr(d.comment, ' records') - 1)";
    db.execute_unprepared(&format!(
        "UPDATE dataset_column SET description = (CASE name {} END) || ' (' ||
           (SELECT {entity} FROM dataset d WHERE d.id = dataset_column.dataset_id) || ')'",
        glossary.join(" ")
    ))
    .await?;
    db.execute_unprepared(&format!(
        "UPDATE dataset SET description = 'One row per ' || (SELECT {entity} FROM dataset d WHERE d.id = dataset.id)
           || ', loaded nightly from the ' || (SELECT n.name FROM namespace n WHERE n.id = dataset.namespace_id)
           || ' system of record and kept for seven years'"
    ))
    .await?;
    Ok(())
}

/// Every dataset and column of the store as (qualified name, text): names split into words,
/// comment and description, as the PostgreSQL baseline indexes them.
async fn baseline_documents(app: &AppState) -> anyhow::Result<Vec<(String, String)>> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.catalog.connection();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT n.name || '.' || d.name, replace(d.name, '_', ' ') || ' ' || coalesce(d.comment, '') || ' ' || coalesce(d.description, '')
               FROM dataset d JOIN namespace n ON n.id = d.namespace_id
             UNION ALL
             SELECT n.name || '.' || d.name || '.' || c.name,
                    replace(c.name, '_', ' ') || ' ' || replace(d.name, '_', ' ') || ' ' || coalesce(c.comment, '') || ' ' || coalesce(c.description, '')
               FROM dataset_column c JOIN dataset d ON d.id = c.dataset_id JOIN namespace n ON n.id = d.namespace_id",
        ))
        .await?;
    rows.iter().map(|r| Ok((format!("bench.{}", r.try_get_by_index::<String>(0)?), r.try_get_by_index::<String>(1)?))).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// One keep-alive HTTP/1.1 connection posting GraphQL searches.
async fn client(addr: std::net::SocketAddr, stop: Arc<AtomicBool>, seed: u64, errors: Arc<AtomicU64>) -> Vec<Duration> {
    let mut lat = Vec::new();
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        errors.fetch_add(1, Ordering::Relaxed);
        return lat;
    };
    let mut i = seed as usize;
    let mut buf = vec![0u8; 1 << 16];
    // The requests are made once: the two cores are shared with the server, so the load
    // generator should spend as little of them as it can.
    let requests: Vec<Vec<u8>> = QUERIES
        .iter()
        .map(|q| {
            graphql_request(
                "query($q: String!) { search(query: $q, first: 10) { hits { qualifiedName score highlights { field fragment } } hasNextPage } }",
                serde_json::json!({ "q": q }),
            )
        })
        .collect();
    let mut got = Vec::with_capacity(1 << 16);
    while !stop.load(Ordering::Relaxed) {
        let req = &requests[i % requests.len()];
        i += 1;
        let t = Instant::now();
        match exchange(&mut stream, req, &mut buf, &mut got).await {
            Some(body) if !String::from_utf8_lossy(body).contains("\"errors\"") => lat.push(t.elapsed()),
            _ => {
                errors.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
    }
    lat
}

/// Sends one request on a keep-alive HTTP/1.1 connection and reads the response head, then
/// exactly Content-Length bytes of body. Returns the body of a 200 response.
async fn exchange<'a>(stream: &mut tokio::net::TcpStream, request: &[u8], buf: &mut [u8], got: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    stream.write_all(request).await.ok()?;
    got.clear();
    loop {
        let n = stream.read(buf).await.ok().filter(|&n| n > 0)?;
        got.extend_from_slice(&buf[..n]);
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len: usize =
                head.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
            if got.len() >= end + 4 + len {
                return head.starts_with("http/1.1 200").then(|| &got[end + 4..end + 4 + len]);
            }
        }
    }
}

/// A GraphQL POST as raw HTTP/1.1 bytes.
fn graphql_request(query: &str, variables: serde_json::Value) -> Vec<u8> {
    let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
    format!("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len())
        .into_bytes()
}

/// How long an edit takes to become searchable on the running server: `rounds` times, a
/// column's curated description gets a word no document holds, through the GraphQL mutation,
/// and a search for that word is repeated (every 10 ms) until the column is its top hit.
async fn freshness(addr: std::net::SocketAddr, rounds: usize) -> anyhow::Result<Vec<Duration>> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut buf, mut got) = (vec![0u8; 1 << 16], Vec::new());
    let mut call = async |query: &str, variables: serde_json::Value| -> anyhow::Result<serde_json::Value> {
        let body = exchange(&mut stream, &graphql_request(query, variables), &mut buf, &mut got)
            .await
            .ok_or_else(|| anyhow::anyhow!("the server did not answer"))?;
        let v: serde_json::Value = serde_json::from_slice(body)?;
        anyhow::ensure!(v.get("errors").is_none(), "GraphQL errors: {v}");
        Ok(v)
    };
    let targets = call(
        "query($n: Int!) { search(query: \"type:column iban\", first: $n) { hits { id column { descriptionVersion } } } }",
        serde_json::json!({ "n": rounds }),
    )
    .await?;
    let targets = targets["data"]["search"]["hits"].as_array().cloned().unwrap_or_default();
    anyhow::ensure!(targets.len() == rounds, "found {} columns to edit", targets.len());
    let mut times = Vec::with_capacity(rounds);
    for (k, target) in targets.iter().enumerate() {
        // A word of letters only, new to the index, also when a kept catalog was edited by
        // an earlier run: `markerbcdxbc` for k = 12 in process 123.
        let word: String =
            format!("marker{}x{k}", std::process::id()).chars().map(|c| c.to_digit(10).map_or(c, |d| (b'a' + d as u8) as char)).collect();
        let id = &target["id"];
        let t = Instant::now();
        call(
            "mutation($id: ID!, $d: String, $v: Int!) { setColumnDescription(id: $id, description: $d, expectedVersion: $v) { id } }",
            serde_json::json!({ "id": id, "d": format!("IBAN for refunds, checked by {word}"), "v": target["column"]["descriptionVersion"] }),
        )
        .await?;
        loop {
            let r = call("query($q: String!) { search(query: $q, first: 1) { hits { id } } }", serde_json::json!({ "q": word })).await?;
            if r["data"]["search"]["hits"][0]["id"] == *id {
                break;
            }
            anyhow::ensure!(t.elapsed() < Duration::from_secs(10), "edit {k} not searchable after 10 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        times.push(t.elapsed());
    }
    Ok(times)
}

async fn pg_baseline(admin: &str, docs: &[(String, String)], seconds: u64) -> anyhow::Result<(Vec<Duration>, u64, f64)> {
    let mut url = url::Url::parse(admin)?;
    let db = "almanac_bench_search";
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))).await?;
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).await?;
    url.set_path(&format!("/{db}"));
    let mut c = sqlx::PgConnection::connect(url.as_str()).await?;
    c.execute("CREATE TABLE doc (id serial PRIMARY KEY, qualified_name text NOT NULL, body text NOT NULL)").await?;
    let t = Instant::now();
    for chunk in docs.chunks(5_000) {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new("INSERT INTO doc (qualified_name, body) ");
        qb.push_values(chunk, |mut b, (qn, body)| {
            b.push_bind(qn).push_bind(body);
        });
        qb.build().execute(&mut c).await?;
    }
    c.execute("ALTER TABLE doc ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED").await?;
    c.execute("CREATE INDEX doc_tsv ON doc USING GIN (tsv)").await?;
    c.execute("ANALYZE doc").await?;
    let build = t.elapsed().as_secs_f64();
    c.close().await?;

    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for k in 0..32u64 {
        let stop = stop.clone();
        let errors = errors.clone();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let Ok(mut c) = sqlx::PgConnection::connect(&url).await else {
                errors.fetch_add(1, Ordering::Relaxed);
                return lat;
            };
            let mut i = k as usize;
            while !stop.load(Ordering::Relaxed) {
                let q = QUERIES[i % QUERIES.len()].replace("type:column", "").replace("pii:", "");
                i += 1;
                let t = Instant::now();
                let r = sqlx::query(
                    "SELECT qualified_name, ts_rank(tsv, q) AS r FROM doc, plainto_tsquery('simple', $1) q WHERE tsv @@ q ORDER BY r DESC LIMIT 10",
                )
                .bind(q)
                .fetch_all(&mut c)
                .await;
                match r {
                    Ok(_) => lat.push(t.elapsed()),
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))).await?;
    Ok((all, errors.load(Ordering::Relaxed), build))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse::<u64>().ok());
    let datasets = arg("--datasets").unwrap_or(if quick { 5_000 } else { 50_000 }) as usize;
    let seconds = arg("--seconds").unwrap_or(if quick { 5 } else { 30 });
    let admin = std::env::var("ALMANAC_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ALMANAC_TEST_POSTGRES_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());

    let baseline = !args.iter().any(|a| a == "--no-baseline");
    // Only the in-process timings (reusing a kept index): for profiling the query path.
    let probe_only = args.iter().any(|a| a == "--probe-only");
    // Reuse a kept index instead of rebuilding it (for repeated load tests of one catalog).
    let keep_index = args.iter().any(|a| a == "--keep-index");
    let reps = arg("--reps").unwrap_or(15).max(1) as usize;
    let kept = args.iter().position(|a| a == "--dir").and_then(|i| args.get(i + 1)).map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("almanac_bench_search_{}", std::process::id())));
    std::fs::create_dir_all(&dir)?;
    let store = format!("sqlite://{}/catalog.db", dir.display());
    let config = Config { store: store.clone(), ..Config::default() };
    let marker = dir.join(format!("catalog-{datasets}.done"));
    let reuse = kept.is_some() && marker.exists();

    // The catalog, through the real ingest path.
    let columns = datasets * 20;
    let app = AppState::open(config.clone()).await?;
    if reuse {
        println!("catalog: {datasets} datasets, {columns} columns, reused from {}", dir.display());
    } else {
        let snap = snapshot(datasets);
        let url = SourceUrl::parse(&format!("sqlite://{}/nowhere.db", dir.display()))?;
        let source = app
            .catalog
            .register_source(NewSource {
                name: almanac::catalog::SourceName::parse("bench").unwrap(),
                url,
                password_env: None,
                password_file: None,
                sample_rows: Some(0),
            })
            .await?;
        let scan = app.catalog.start_scan(source.id).await?;
        let t = Instant::now();
        almanac::scanning::apply_snapshot(
            app.catalog.connection(),
            source.id,
            scan.id,
            Arc::new(snap),
            app.classifier.clone(),
            &app.config.history,
        )
        .await?;
        println!("catalog: {datasets} datasets, {columns} columns written to the SQLite store in {:.1}s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        describe(&app).await?;
        println!("curated descriptions on every dataset and column written in {:.1}s", t.elapsed().as_secs_f64());
        if kept.is_some() {
            std::fs::write(&marker, "")?;
        }
    }

    // Full index build from the store.
    let identity = almanac::store::identity(app.catalog.connection()).await?;
    let index_dir = almanac::search::index_dir(&store, &config.search, &identity);
    let (index, fresh) = almanac::search::SearchIndex::open(&index_dir, &config.search, &identity, almanac::search::IndexAccess::Write)?;
    let index = Arc::new(index);
    if (probe_only || keep_index) && !fresh {
        index.catch_up(&app.catalog).await?;
        println!("index: {} documents, reused", index.doc_count());
    } else {
        let t = Instant::now();
        index.rebuild(&app.catalog).await?;
        let build = t.elapsed().as_secs_f64();
        println!("index build: {} documents in {build:.1}s (target < 60 s)", index.doc_count());
    }
    // Service time of each query alone, in this process (no HTTP, one thread).
    println!("in-process search time per query (median of {reps}, top 10 with highlights):");
    for q in QUERIES {
        let request = almanac::search::SearchRequest { query: q.to_string(), limit: 10, ..Default::default() };
        let mut times: Vec<Duration> = (0..reps)
            .map(|_| {
                let t = Instant::now();
                let r = index.search(&request);
                let e = t.elapsed();
                assert!(r.map(|r| !r.hits.is_empty()).unwrap_or(false), "no hits for {q}");
                e
            })
            .collect();
        times.sort();
        println!("  {:>8.3} ms  {q}", times[reps / 2].as_secs_f64() * 1e3);
    }
    // The same queries in turn, as the load sends them: each one finds less of what it reads
    // still in the processor's caches than when it repeats.
    let requests: Vec<almanac::search::SearchRequest> =
        QUERIES.iter().map(|q| almanac::search::SearchRequest { query: q.to_string(), limit: 10, ..Default::default() }).collect();
    let rounds = 100;
    let t = Instant::now();
    for _ in 0..rounds {
        for request in &requests {
            index.search(request)?;
        }
    }
    println!(
        "in-process, the {} queries in turn {rounds} times on one thread: {:.3} ms per search on average",
        requests.len(),
        t.elapsed().as_secs_f64() * 1e3 / (rounds * requests.len()) as f64
    );
    // The fast path (a pool of candidates from one flat query, then the full ranking) against
    // the full ranking of every match: the same scores at ranks 1-10 means the same answer,
    // whichever of several equally scored documents each path lists.
    let mut same = 0;
    let mut full_ms = Vec::new();
    for q in QUERIES {
        let request = almanac::search::SearchRequest { query: q.to_string(), limit: 10, ..Default::default() };
        let fast: Vec<f32> = index.search(&request)?.hits.iter().map(|h| h.score).collect();
        let t = Instant::now();
        let full = index.exhaustive_scores(&request)?;
        full_ms.push(t.elapsed().as_secs_f64() * 1e3);
        if full.is_empty() {
            // Filters only: there is no ranking to compare.
            same += 1;
            continue;
        }
        let first_difference = (0..fast.len().max(full.len())).find(|&k| match (fast.get(k), full.get(k)) {
            (Some(a), Some(b)) => (a - b).abs() > 1e-4 * b.abs().max(1e-6),
            _ => true,
        });
        match first_difference {
            None => same += 1,
            Some(k) => println!(
                "  {q:?}: the fast path differs from the full ranking at rank {} (score {:?} against {:?})",
                k + 1,
                fast.get(k),
                full.get(k)
            ),
        }
    }
    full_ms.sort_by(f64::total_cmp);
    println!(
        "fast path equals the full ranking of every match (scores at ranks 1-10) for {same} of {} queries; the full ranking takes {:.1} ms per query (median)",
        QUERIES.len(),
        full_ms[full_ms.len() / 2]
    );
    drop(index);
    if probe_only {
        return Ok(());
    }
    // The same documents for the PostgreSQL baseline, read back from the store: names split
    // into words, comments and descriptions.
    let pg_docs = if baseline { baseline_documents(&app).await? } else { Vec::new() };
    drop(app);

    // The real server, as its own process.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_almanac"));
    let mut child = std::process::Command::new(&exe)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ALMANAC_STORE", &store)
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start the server {}: {e}", exe.display()))?;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = rss_kib(child.id());
    println!("server resident memory after loading: {:.0} MiB (target < 1024 MiB)", rss as f64 / 1024.0);

    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..32).map(|k| tokio::spawn(client(addr, stop.clone(), k, errors.clone()))).collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap_or_default());
    }
    let rss_after = rss_kib(child.id());
    // With the load over: how soon an edit shows in search results.
    let fresh = freshness(addr, 20).await;
    let _ = child.kill();
    let _ = child.wait();
    lat.sort();
    let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
    println!(
        "GraphQL search over HTTP, 32 clients, {seconds}s: {} queries ({:.0}/s), p50 {:.2} ms, p99 {:.2} ms (target < 20 ms), {} errors; server memory afterwards {:.0} MiB",
        lat.len(),
        lat.len() as f64 / seconds as f64,
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        errors.load(Ordering::Relaxed),
        rss_after as f64 / 1024.0
    );
    let mut fresh = fresh?;
    fresh.sort();
    println!(
        "an edit made through GraphQL is searchable after: median {:.0} ms, max {:.0} ms over {} edits (target < 1 s)",
        percentile(&fresh, 0.5).as_secs_f64() * 1e3,
        fresh.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        fresh.len()
    );

    if !baseline {
        if kept.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        return Ok(());
    }
    let (mut pg, pg_errors, pg_build) = pg_baseline(&admin, &pg_docs, seconds).await?;
    pg.sort();
    let (q50, q99) = (percentile(&pg, 0.5), percentile(&pg, 0.99));
    println!(
        "baseline PostgreSQL full-text search (tsvector + GIN, ts_rank, 32 connections, same documents; built in {pg_build:.1}s): {} queries ({:.0}/s), p50 {:.2} ms, p99 {:.2} ms, {pg_errors} errors",
        pg.len(),
        pg.len() as f64 / seconds as f64,
        q50.as_secs_f64() * 1e3,
        q99.as_secs_f64() * 1e3
    );
    println!(
        "ratio PostgreSQL / Almanac: p50 {:.1}x, p99 {:.1}x, throughput {:.2}x",
        q50.as_secs_f64() / p50.as_secs_f64().max(1e-9),
        q99.as_secs_f64() / p99.as_secs_f64().max(1e-9),
        lat.len() as f64 / (pg.len() as f64).max(1.0)
    );
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
