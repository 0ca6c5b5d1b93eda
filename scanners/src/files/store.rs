//! Where a lake's files are read from: a local folder or an S3 bucket and prefix, both through
//! `object_store`. Listing a local folder is done here, not by the store, so that every
//! symbolic link is checked: a link whose target lies outside the scanned root is reported
//! and never read, so no path escapes the root.

use crate::files::FileProblem;
use crate::ScanError;
use bytes::Bytes;
use object_store::path::Path as StorePath;
use object_store::ObjectStore;
use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Longest run of folders followed below the root.
const MAX_DEPTH: usize = 32;
/// Most files listed in one scan; the rest are reported as not read.
pub const MAX_FILES: usize = 1_000_000;

/// One data file, by its path below the scanned root.
#[derive(Debug, Clone)]
pub struct LakeFile {
    /// Folder names from the root down, then the file name.
    pub segments: Vec<String>,
    pub size: u64,
    /// What the store reads it by.
    location: StorePath,
}

impl LakeFile {
    /// The path below the root, `/`-separated.
    pub fn relative(&self) -> String {
        self.segments.join("/")
    }

    /// The file's name.
    pub fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// The folders between the root and the file.
    pub fn folders(&self) -> &[String] {
        &self.segments[..self.segments.len().saturating_sub(1)]
    }
}

/// An opened lake root.
pub struct Lake {
    store: Arc<dyn ObjectStore>,
    kind: LakeKind,
    /// The root as a URL, for locations (`file:///data/lake`, `s3://bucket/prefix`).
    root_url: String,
}

enum LakeKind {
    /// The canonical root folder.
    Local(PathBuf),
    /// The key prefix below the bucket (empty for the whole bucket).
    S3(StorePath),
}

/// How an S3 lake is reached, over the standard AWS variables. The keys are read from the
/// environment or a secrets file at scan time and live only in memory.
#[derive(Clone, Default)]
pub struct S3Settings {
    pub region: Option<String>,
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`).
    pub endpoint: Option<String>,
    /// Allow a plain `http://` endpoint.
    pub allow_http: Option<bool>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("allow_http", &self.allow_http)
            .field("access_key_id", &self.access_key_id.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl Lake {
    /// A local folder.
    pub fn local(root: &Path) -> Result<Lake, ScanError> {
        let canonical =
            std::fs::canonicalize(root).map_err(|e| ScanError::NotFound(format!("folder {} cannot be opened: {e}", root.display())))?;
        if !canonical.is_dir() {
            return Err(ScanError::NotFound(format!("{} is not a folder", root.display())));
        }
        let store = object_store::local::LocalFileSystem::new();
        let root_url = url::Url::from_directory_path(&canonical)
            .map(|u| u.to_string().trim_end_matches('/').to_string())
            .unwrap_or_else(|_| format!("file://{}", canonical.display()));
        Ok(Lake { store: Arc::new(store), kind: LakeKind::Local(canonical), root_url })
    }

    /// A bucket and key prefix. Credentials, region and endpoint come from the standard AWS
    /// variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`), overridden by `settings`.
    pub fn s3(bucket: &str, prefix: &str, settings: &S3Settings) -> Result<Lake, ScanError> {
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(region) = settings.region.clone().or_else(|| env("AWS_REGION")) {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = settings.endpoint.clone().or_else(|| env("AWS_ENDPOINT_URL_S3")).or_else(|| env("AWS_ENDPOINT_URL")) {
            builder = builder.with_endpoint(endpoint);
        }
        let allow_http = settings.allow_http.unwrap_or_else(|| env("AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true")));
        builder = builder.with_allow_http(allow_http);
        if let (Some(key), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder.with_access_key_id(key).with_secret_access_key(secret);
            if let Some(token) = &settings.session_token {
                builder = builder.with_token(token);
            }
        }
        let store = builder.build().map_err(|e| ScanError::Unreachable(format!("S3 bucket {bucket}: {e}")))?;
        let prefix = prefix.trim_matches('/');
        let root_url = if prefix.is_empty() { format!("s3://{bucket}") } else { format!("s3://{bucket}/{prefix}") };
        Ok(Lake { store: Arc::new(store), kind: LakeKind::S3(StorePath::from(prefix)), root_url })
    }

    /// The root as a URL.
    pub fn root_url(&self) -> &str {
        &self.root_url
    }

    /// The URL of a path below the root.
    pub fn url_of(&self, relative: &str) -> String {
        if relative.is_empty() {
            self.root_url.clone()
        } else {
            format!("{}/{relative}", self.root_url)
        }
    }

    /// Every file below the root, sorted by path, and the entries that were not followed.
    pub async fn list(&self) -> Result<(Vec<LakeFile>, Vec<FileProblem>), ScanError> {
        match &self.kind {
            LakeKind::Local(root) => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || list_local(&root)).await.map_err(|e| ScanError::query("the file list", e))?
            }
            LakeKind::S3(prefix) => self.list_s3(prefix).await,
        }
    }

    async fn list_s3(&self, prefix: &StorePath) -> Result<(Vec<LakeFile>, Vec<FileProblem>), ScanError> {
        use futures_util::TryStreamExt;
        let prefix_opt = (!prefix.as_ref().is_empty()).then_some(prefix);
        let mut stream = self.store.list(prefix_opt);
        let mut files = Vec::new();
        let mut problems = Vec::new();
        let depth = prefix.parts().count();
        loop {
            let meta = match stream.try_next().await {
                Ok(Some(meta)) => meta,
                Ok(None) => break,
                // Nothing listed: the bucket or the credentials are wrong.
                Err(e) if files.is_empty() => return Err(store_error(e)),
                // A key the store cannot name (`a//b`, `x/../y`): what was listed is read.
                Err(e) => {
                    problems.push(FileProblem::new("(listing)", format!("the listing stopped early: {}", store_error(e))));
                    break;
                }
            };
            let segments: Vec<String> = meta.location.parts().skip(depth).map(|p| p.as_ref().to_string()).collect();
            if segments.is_empty() || segments.iter().any(|s| hidden(s)) {
                continue;
            }
            if files.len() >= MAX_FILES {
                problems.push(FileProblem::new(&segments.join("/"), format!("not read: the scan reads at most {MAX_FILES} files")));
                break;
            }
            files.push(LakeFile { segments, size: meta.size, location: meta.location });
        }
        files.sort_by(|a, b| a.segments.cmp(&b.segments));
        Ok((files, problems))
    }

    /// Bytes `range` of `file`. A local file is checked again first: a link put in its place
    /// since the listing must not lead out of the root either.
    pub async fn read_range(&self, file: &LakeFile, range: Range<u64>) -> Result<Bytes, String> {
        if range.is_empty() {
            return Ok(Bytes::new());
        }
        if let LakeKind::Local(root) = &self.kind {
            let path = file.segments.iter().fold(root.clone(), |p, s| p.join(s));
            match std::fs::canonicalize(&path) {
                Ok(real) if real.starts_with(root) => {}
                Ok(_) => return Err("it became a link leading outside the scanned root".into()),
                Err(e) => return Err(format!("unreadable ({e})")),
            }
        }
        self.store.get_range(&file.location, range).await.map_err(|e| store_error(e).to_string())
    }

    /// The first `limit` bytes of `file` (all of it when smaller).
    pub async fn read_head(&self, file: &LakeFile, limit: u64) -> Result<Bytes, String> {
        self.read_range(file, 0..file.size.min(limit)).await
    }
}

fn store_error(e: object_store::Error) -> ScanError {
    match e {
        object_store::Error::NotFound { path, .. } => ScanError::NotFound(format!("{path} not found")),
        object_store::Error::PermissionDenied { path, .. } | object_store::Error::Unauthenticated { path, .. } => {
            ScanError::Authentication(format!("access to {path} refused"))
        }
        other => ScanError::Unreachable(other.to_string()),
    }
}

/// Files and folders a lake keeps for its tools rather than its data: `.hidden`, `_SUCCESS`,
/// `_delta_log`, `_temporary`.
fn hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

fn list_local(root: &Path) -> Result<(Vec<LakeFile>, Vec<FileProblem>), ScanError> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut visited: HashSet<PathBuf> = HashSet::from([root.to_path_buf()]);
    let mut stack: Vec<(PathBuf, Vec<String>)> = vec![(root.to_path_buf(), Vec::new())];
    while let Some((dir, segments)) = stack.pop() {
        let shown = |name: &str| {
            let mut s = segments.clone();
            s.push(name.to_string());
            s.join("/")
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if segments.is_empty() => return Err(ScanError::NotFound(format!("{}: {e}", root.display()))),
            Err(e) => {
                problems.push(FileProblem::new(&segments.join("/"), format!("folder not read: {e}")));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    problems.push(FileProblem::new(&segments.join("/"), format!("folder entry not read: {e}")));
                    continue;
                }
            };
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                problems.push(FileProblem::new(&shown(&entry.file_name().to_string_lossy()), "skipped: its name is not valid UTF-8"));
                continue;
            };
            if hidden(&name) {
                continue;
            }
            let path = entry.path();
            let Ok(link_meta) = std::fs::symlink_metadata(&path) else { continue };
            let mut target = path.clone();
            if link_meta.file_type().is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(t) if t.starts_with(root) => target = t,
                    Ok(_) => {
                        problems.push(FileProblem::new(&shown(&name), "skipped: a symbolic link leading outside the scanned root"));
                        continue;
                    }
                    Err(e) => {
                        problems.push(FileProblem::new(&shown(&name), format!("skipped: a symbolic link that cannot be followed ({e})")));
                        continue;
                    }
                }
            }
            let meta = match std::fs::metadata(&target) {
                Ok(m) => m,
                Err(e) => {
                    problems.push(FileProblem::new(&shown(&name), format!("skipped: unreadable ({e})")));
                    continue;
                }
            };
            let mut child = segments.clone();
            child.push(name);
            if meta.is_dir() {
                if child.len() > MAX_DEPTH {
                    problems.push(FileProblem::new(&child.join("/"), format!("not read: deeper than {MAX_DEPTH} folders")));
                } else if visited.insert(std::fs::canonicalize(&target).unwrap_or(target.clone())) {
                    stack.push((target, child));
                }
            } else if meta.is_file() {
                if files.len() >= MAX_FILES {
                    problems.push(FileProblem::new(
                        &child.join("/"),
                        format!("not read, nor anything after it: the scan reads at most {MAX_FILES} files"),
                    ));
                    files.sort_by(|a: &LakeFile, b: &LakeFile| a.segments.cmp(&b.segments));
                    return Ok((files, problems));
                }
                match StorePath::from_absolute_path(&target) {
                    Ok(location) => files.push(LakeFile { segments: child, size: meta.len(), location }),
                    Err(e) => problems.push(FileProblem::new(&child.join("/"), format!("skipped: {e}"))),
                }
            } else {
                problems.push(FileProblem::new(&child.join("/"), "skipped: not a regular file"));
            }
        }
    }
    files.sort_by(|a, b| a.segments.cmp(&b.segments));
    Ok((files, problems))
}
