//! File-lake benchmark: 5,000 small Parquet files in 50 partitioned datasets, scanned whole
//! (listing, footers, samples, classification, profiles, ingest into a fresh SQLite catalog)
//! beside pyarrow reading just the 5,000 footers (`pyarrow.parquet.read_schema` in a loop),
//! from a local folder and from an S3-compatible server on loopback (moto), in the same run.
//! Prints files per second and the ratio to pyarrow (target: at most 3).
//!
//! Usage: `cargo bench --bench bench_files -- [--quick]`. Needs a Python with pyarrow and
//! moto[server]: ALMANAC_LAKE_PYTHON, else target/lake-venv/bin/python (the tests make it;
//! .ci/run too).

use almanac::app::AppState;
use almanac::catalog::NewSource;
use almanac::config::{Config, SourceSettings};
use almanac::scanning;
use almanac_scanners::SourceUrl;
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FILES: usize = 5_000;
const DATASETS: usize = 50;

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn python() -> anyhow::Result<PathBuf> {
    let p = std::env::var("ALMANAC_LAKE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/lake-venv/bin/python"));
    anyhow::ensure!(p.exists(), "{} not found: make it with `python3 -m venv target/lake-venv && target/lake-venv/bin/pip install pyarrow zstandard 'moto[server]'`", p.display());
    Ok(p)
}

fn peer(python: &Path, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<serde_json::Value> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/lake_footers.py");
    let mut cmd = Command::new(python);
    cmd.arg(script).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output()?;
    anyhow::ensure!(out.status.success(), "lake_footers.py {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    Ok(serde_json::from_str(last).unwrap_or_else(|_| serde_json::json!({ "text": last })))
}

/// Whole scans of `url` into fresh catalogs: the median time, and (datasets, columns).
async fn almanac_scans(url: &str, name: &str, settings: Option<SourceSettings>, runs: usize) -> anyhow::Result<(Duration, usize, usize)> {
    let source = SourceUrl::parse(url)?;
    let mut times = Vec::new();
    let mut shape = (0, 0);
    for run in 0..runs {
        let dir = std::env::temp_dir().join(format!("almanac_bench_files_{}_{name}_{run}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = Config { store: format!("sqlite://{}/catalog.db", dir.display()), ..Config::default() };
        if let Some(s) = settings.clone() {
            config.sources.insert(name.to_string(), s);
        }
        let app = AppState::open(config).await?;
        let src = app
            .catalog
            .register_source(NewSource {
                name: almanac::catalog::SourceName::parse(name).unwrap(),
                url: source.clone(),
                password_env: None,
                password_file: None,
                sample_rows: None,
            })
            .await?;
        let scan = app.catalog.start_scan(src.id).await?;
        let t = Instant::now();
        let summary = scanning::run(&app.catalog, &app.config, &app.classifier, &src, scan.id, &source, None).await?;
        times.push(t.elapsed());
        shape = (summary.datasets, summary.columns);
        drop(app);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok((median(&mut times), shape.0, shape.1))
}

// The allocator of the `almanac` binary, set up as its `main` does, so a scan here costs
// what `almanac scan` costs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    almanac::allocation::avoid_huge_pages();
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 5 };
    let python = python()?;
    let lake = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-lake");
    let made =
        peer(&python, &["make", &lake.display().to_string(), "--files", &FILES.to_string(), "--datasets", &DATASETS.to_string()], &[]);
    println!("lake: {} ({})", lake.display(), made?.get("text").and_then(|t| t.as_str()).unwrap_or("ready"));

    // Local folder.
    let footers = peer(&python, &["footers", &lake.display().to_string(), "--runs", &runs.to_string()], &[])?;
    let pyarrow = footers["median_seconds"].as_f64().unwrap_or(f64::NAN);
    let url = format!("file://{}", lake.display());
    let (ours, datasets, columns) = almanac_scans(&url, "bench_lake", None, runs).await?;
    anyhow::ensure!(datasets == DATASETS, "expected {DATASETS} datasets, found {datasets}");
    println!("local folder, {FILES} Parquet files in {datasets} partitioned datasets ({columns} columns):");
    println!("  pyarrow read_schema of every footer: median {pyarrow:.3}s over {runs} runs, {:.0} files/s", FILES as f64 / pyarrow);
    println!(
        "  almanac whole scan (list, footers, samples, classification, profiles, ingest): median {:.3}s over {runs} runs, {:.0} files/s; {:.2}x pyarrow's footers (target <= 3x)",
        ours.as_secs_f64(),
        FILES as f64 / ours.as_secs_f64(),
        ours.as_secs_f64() / pyarrow
    );

    // The same lake in S3 on loopback.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut moto = Command::new(&python)
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let endpoint = format!("http://127.0.0.1:{port}");
    // moto answers a request in milliseconds and the upload alone takes minutes: in quick
    // mode one run each side over the first fifth of the lake (both sides read the same keys).
    let (s3_runs, s3_datasets) = if quick { (1, DATASETS / 5) } else { (3, DATASETS) };
    let result = s3_part(&python, &lake, &endpoint, s3_runs, s3_datasets).await;
    let _ = moto.kill();
    let _ = moto.wait();
    result
}

async fn s3_part(python: &Path, lake: &Path, endpoint: &str, runs: usize, datasets_wanted: usize) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http.get(endpoint).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::ensure!(up, "moto did not start on {endpoint}");
    http.put(format!("{endpoint}/bench-lake")).send().await?.error_for_status()?;
    let mut files = Vec::new();
    // The lake's top level holds one folder per dataset (ds_00, ds_01, ...): the first ones.
    let mut tops: Vec<PathBuf> = std::fs::read_dir(lake)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    tops.sort();
    tops.truncate(datasets_wanted);
    let mut stack = tops;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    let t = Instant::now();
    let puts = futures_util::stream::iter(files.iter().map(|p| {
        let key = p.strip_prefix(lake).unwrap_or(p).display().to_string();
        let http = http.clone();
        async move {
            let body = tokio::fs::read(p).await?;
            http.put(format!("{endpoint}/bench-lake/lake/{key}")).body(body).send().await?.error_for_status()?;
            anyhow::Ok(())
        }
    }))
    .buffer_unordered(16)
    .collect::<Vec<_>>()
    .await;
    for p in puts {
        p?;
    }
    println!(
        "S3 on loopback (moto), {datasets_wanted} of the lake's {DATASETS} datasets: uploaded {} files in {:.1}s",
        files.len(),
        t.elapsed().as_secs_f64()
    );
    let creds = [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_REGION", "us-east-1")];
    let s3_runs = runs;
    let footers = peer(python, &["footers-s3", endpoint, "bench-lake", "lake", "--runs", &s3_runs.to_string()], &creds)?;
    let pyarrow = footers["median_seconds"].as_f64().unwrap_or(f64::NAN);
    std::env::set_var("ALMANAC_BENCH_S3_KEY", "testing");
    std::env::set_var("ALMANAC_BENCH_S3_SECRET", "testing");
    let settings = SourceSettings {
        region: Some("us-east-1".into()),
        endpoint: Some(endpoint.to_string()),
        allow_http: Some(true),
        access_key_id_env: Some("ALMANAC_BENCH_S3_KEY".into()),
        secret_access_key_env: Some("ALMANAC_BENCH_S3_SECRET".into()),
        ..SourceSettings::default()
    };
    let (ours, datasets, _) = almanac_scans("s3://bench-lake/lake", "bench_s3", Some(settings), s3_runs).await?;
    anyhow::ensure!(datasets == datasets_wanted, "expected {datasets_wanted} datasets over S3, found {datasets}");
    let count = files.len() as f64;
    println!(
        "  pyarrow read_schema of every footer over S3, one after another: median {pyarrow:.3}s over {s3_runs} runs, {:.0} files/s",
        count / pyarrow
    );
    println!(
        "  almanac whole scan over S3 (16 reads at once): median {:.3}s over {s3_runs} runs, {:.0} files/s; {:.2}x pyarrow's footers (target <= 3x)",
        ours.as_secs_f64(),
        count / ours.as_secs_f64(),
        ours.as_secs_f64() / pyarrow
    );
    Ok(())
}
