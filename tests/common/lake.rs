//! File lakes for the file-scanner tests: a Python with pyarrow, zstandard and moto in a
//! virtual environment of its own (made on first use), the lake writer
//! (tests/fixtures/lake/make_lake.py), and a real S3-compatible server (moto) on loopback.

use super::services_required;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// What the lake tests install, pinned.
pub const PYTHON_PACKAGES: [&str; 3] = ["pyarrow==26.0.1", "zstandard==0.25.0", "moto[server]==5.2.5"];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn skip_or_fail(reason: &str) -> Option<PathBuf> {
    if services_required() {
        panic!("{reason} (ALMANAC_TEST_REQUIRE_SERVICES=1)");
    }
    eprintln!("SKIPPED: {reason}");
    None
}

/// The virtual environment's Python (target/lake-venv), created and filled when missing.
/// None (a visible skip) when it cannot be made here.
pub fn lake_python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = std::env::var("ALMANAC_LAKE_VENV").map(PathBuf::from).unwrap_or_else(|_| workspace().join("target/lake-venv"));
            let python = venv.join("bin/python");
            let ready = |p: &Path| {
                Command::new(p)
                    .args(["-c", "import pyarrow, zstandard, moto.server"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if python.exists() && ready(&python) {
                return Some(python);
            }
            let made = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().is_ok_and(|s| s.success());
            if !made {
                return skip_or_fail("python3 -m venv failed: the lake tests need Python 3 with venv");
            }
            let installed = Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .args(PYTHON_PACKAGES)
                .status()
                .is_ok_and(|s| s.success());
            if !installed || !ready(&python) {
                return skip_or_fail("pip could not install pyarrow, zstandard and moto[server] for the lake tests");
            }
            Some(python)
        })
        .clone()
}

/// Writes the test lake into `out` (the scanned root).
pub fn make_lake(python: &Path, out: &Path) {
    let status =
        Command::new(python).arg(workspace().join("tests/fixtures/lake/make_lake.py")).arg(out).status().expect("run make_lake.py");
    assert!(status.success(), "make_lake.py failed");
}

/// A moto S3 server on a loopback port, stopped when dropped.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
}

impl S3Server {
    /// Starts moto and waits until it answers; None (a visible skip) when it cannot start.
    pub async fn start(python: &Path) -> Option<S3Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = Command::new(python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                skip_or_fail(&format!("moto server did not start: {e}"));
                return None;
            }
        };
        let server = S3Server { child, endpoint: format!("http://127.0.0.1:{port}") };
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(&server.endpoint).send().await.is_ok() {
                return Some(server);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        skip_or_fail("moto server did not answer on loopback within 10 s");
        None
    }

    /// Creates `bucket` and uploads every regular file below `dir` under `prefix`
    /// (symbolic links are local-only and left out).
    pub async fn upload(&self, bucket: &str, prefix: &str, dir: &Path) {
        let http = reqwest::Client::new();
        let made = http.put(format!("{}/{bucket}", self.endpoint)).send().await.expect("create bucket");
        assert!(made.status().is_success(), "create bucket: {}", made.status());
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("read lake dir") {
                let path = entry.expect("entry").path();
                let meta = std::fs::symlink_metadata(&path).expect("metadata");
                if meta.is_dir() {
                    stack.push(path);
                } else if meta.is_file() {
                    let key = path.strip_prefix(dir).expect("below the lake").to_string_lossy().into_owned();
                    let body = std::fs::read(&path).expect("read file");
                    let put = http.put(format!("{}/{bucket}/{prefix}/{key}", self.endpoint)).body(body).send().await.expect("put object");
                    assert!(put.status().is_success(), "put {key}: {}", put.status());
                }
            }
        }
    }

    /// The environment a scan of this server's buckets needs.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
