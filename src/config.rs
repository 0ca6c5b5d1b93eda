//! One configuration: `almanac.toml` (or the file named by `ALMANAC_CONFIG`), then
//! `ALMANAC_*` environment variables, then command-line flags; validated once at start.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// Default store: an embedded SQLite file.
pub const DEFAULT_STORE: &str = "sqlite://./almanac-data/catalog.db";
/// Default address the server listens on.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Why the configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {message}")]
    File { path: String, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Settings for scanning sources.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScanConfig {
    /// Sampled values per column handed to the classifier (0 disables sampling).
    pub sample_rows: u32,
    /// Rows read and profiled per table for the drift detectors. Unset: as many as the
    /// detectors need ([`crate::history::drift::DriftConfig::rows_needed`]).
    pub profile_rows: Option<u32>,
    /// Tables estimated up to this many rows are sampled by a hash of their key (the same rows
    /// every scan); larger ones with the engine's random method.
    pub hash_sample_max_rows: i64,
    /// Seconds allowed for any one query against a source.
    pub statement_timeout_secs: u64,
    /// Seconds allowed to connect to a source.
    pub connect_timeout_secs: u64,
    /// Connections (queries at once) a scan opens to one source at most; samples are read
    /// over all of them. Lower it for a busy production database, per source with
    /// `[sources.NAME] max_connections`.
    pub max_connections: u32,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            sample_rows: 100,
            profile_rows: None,
            hash_sample_max_rows: 10_000_000,
            statement_timeout_secs: 60,
            connect_timeout_secs: 10,
            max_connections: 4,
        }
    }
}

/// Limits of the GraphQL API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    pub max_depth: usize,
    /// Largest cost of one request (see `api::graphql::limits`); at least
    /// [`ApiConfig::complexity_floor`], so a full page can be asked for.
    pub max_complexity: usize,
    /// Largest page a connection field returns.
    pub max_page_size: usize,
    /// Largest request body, bytes; larger ones get 413.
    pub max_body_bytes: usize,
    /// Host names (of the `Host` header) answered besides loopback ones in local mode, and
    /// the only ones answered with an issuer when the list is not empty.
    pub allowed_hosts: Vec<String>,
    /// Page origins (`https://tools.example.com`) whose mutations are accepted besides the
    /// server's own.
    pub allowed_origins: Vec<String>,
}

/// Default largest request body: far above any real GraphQL document with its variables
/// (descriptions are at most 20,000 characters), far below what hurts a server.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

impl ApiConfig {
    /// The least complexity limit consistent with the page size: one full page of datasets,
    /// each with its name and five fields of its columns (a column list costs 20 times its
    /// fields), costs `max_page_size` x 103.
    pub fn complexity_floor(&self) -> usize {
        self.max_page_size.saturating_mul(3 + 20 * 5)
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_depth: 12,
            max_complexity: 100_000,
            max_page_size: 500,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
        }
    }
}

/// Jobs run by one process and watched by the others (scans).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Seconds a job's lease lasts; it is renewed every third of that while the job runs, and
    /// a job whose lease ran out is failed by the next process that looks.
    pub lease_secs: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig { lease_secs: crate::jobs::DEFAULT_LEASE.as_secs() }
    }
}

impl JobsConfig {
    /// The lease as a duration.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }
}

/// Settings of one source kept in the configuration rather than the catalog: where its
/// password comes from (the catalog never stores it), and how hard a scan may work it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    pub password_env: Option<String>,
    pub password_file: Option<String>,
    /// Connections a scan of this source opens at most (overrides `scan.max_connections`);
    /// for a lake, files read at once are four times this.
    pub max_connections: Option<u32>,
    /// S3 lakes: region, S3-compatible endpoint and whether it may be plain `http://`
    /// (otherwise `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`).
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub allow_http: Option<bool>,
    /// S3 lakes: the environment variables holding the keys (otherwise `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). The keys are never stored.
    pub access_key_id_env: Option<String>,
    pub secret_access_key_env: Option<String>,
    pub session_token_env: Option<String>,
}

impl SourceSettings {
    /// How to reach an S3 lake: the settings above, keys read from the named variables now.
    pub fn s3(&self) -> almanac_scanners::files::S3Settings {
        let var = |name: &Option<String>| name.as_ref().and_then(|n| std::env::var(n).ok()).filter(|v| !v.is_empty());
        almanac_scanners::files::S3Settings {
            region: self.region.clone(),
            endpoint: self.endpoint.clone(),
            allow_http: self.allow_http,
            access_key_id: var(&self.access_key_id_env),
            secret_access_key: var(&self.secret_access_key_env),
            session_token: var(&self.session_token_env),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: String,
    pub listen: String,
    pub scan: ScanConfig,
    pub api: ApiConfig,
    /// Job leases.
    pub jobs: JobsConfig,
    /// Personal-data classification thresholds and custom categories.
    pub classify: crate::classify::ClassifyConfig,
    /// Search index location and synonyms.
    pub search: crate::search::SearchConfig,
    /// Drift detector thresholds.
    pub history: crate::history::drift::DriftConfig,
    /// OpenID Connect issuer, audience and role mapping (none: local mode).
    pub auth: crate::auth::AuthConfig,
    /// Secrets and limits per source name.
    pub sources: BTreeMap<String, SourceSettings>,
    /// Where erasure and access requests' identifiers are sealed.
    pub privacy: crate::privacy::erasure::PrivacyConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            store: DEFAULT_STORE.into(),
            listen: DEFAULT_LISTEN.into(),
            scan: ScanConfig::default(),
            api: ApiConfig::default(),
            jobs: JobsConfig::default(),
            auth: crate::auth::AuthConfig::default(),
            history: crate::history::drift::DriftConfig::default(),
            classify: crate::classify::ClassifyConfig::default(),
            search: crate::search::SearchConfig::default(),
            sources: BTreeMap::new(),
            privacy: crate::privacy::erasure::PrivacyConfig::default(),
        }
    }
}

/// Settings given on the command line: they win over the file and the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub store: Option<String>,
    pub listen: Option<String>,
    pub sample_rows: Option<u32>,
}

/// The configuration key an `ALMANAC_*` variable sets (its name without the prefix, in lower
/// case), or None for variables that are not settings (`ALMANAC_CONFIG`, the tests' own).
/// Besides the named ones, `SECTION__KEY` reaches any key (`ALMANAC_JOBS__LEASE_SECS`).
fn env_key(name: &str) -> Option<String> {
    Some(match name {
        "store" => "store".into(),
        "listen" => "listen".into(),
        "sample_rows" => "scan.sample_rows".into(),
        "auth_issuer" => "auth.issuer".into(),
        "auth_audience" => "auth.audience".into(),
        "auth_local_mode" => "auth.local_mode".into(),
        n if n.contains("__") => n.replace("__", "."),
        _ => return None,
    })
}

/// Refuses a setting variable that is set but empty: it is never read as "no value" (a blank
/// `ALMANAC_AUTH_ISSUER` in a deployment's environment must not switch authentication off).
fn refuse_empty_variables() -> Result<(), ConfigError> {
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().and_then(|n| n.strip_prefix("ALMANAC_")).map(str::to_ascii_lowercase) else { continue };
        if env_key(&name).is_none() {
            continue;
        }
        let var = format!("ALMANAC_{}", name.to_ascii_uppercase());
        match value.to_str() {
            Some(v) if v.trim().is_empty() => {
                return Err(ConfigError::Invalid(format!(
                    "{var} is set but empty; unset it to use the configuration file's value{}",
                    if var == "ALMANAC_AUTH_ISSUER" { ", or set ALMANAC_AUTH_LOCAL_MODE=1 to run without authentication" } else { "" }
                )))
            }
            Some(_) => {}
            None => return Err(ConfigError::Invalid(format!("{var} is not valid UTF-8"))),
        }
    }
    Ok(())
}

impl Config {
    /// Loads the file (explicit path, `ALMANAC_CONFIG`, or `./almanac.toml` when present),
    /// then `ALMANAC_*` variables, and validates.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with(explicit, &Overrides::default())
    }

    /// Loads the file, then the environment, then the command line's `overrides`, and
    /// validates: file < environment < flags.
    pub fn load_with(explicit: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        use figment::providers::{Env, Format, Serialized, Toml};
        refuse_empty_variables()?;
        let env_path = std::env::var("ALMANAC_CONFIG").ok().filter(|p| !p.trim().is_empty());
        let path = explicit
            .map(Path::to_path_buf)
            .or_else(|| env_path.map(Into::into))
            .or_else(|| Some(Path::new("almanac.toml").to_path_buf()).filter(|p| p.is_file()));
        let mut figment = figment::Figment::new();
        if let Some(p) = &path {
            if !p.is_file() {
                return Err(ConfigError::File { path: p.display().to_string(), message: "no such file".into() });
            }
            figment = figment.merge(Toml::file_exact(p));
        }
        figment = figment.merge(Env::prefixed("ALMANAC_").filter_map(|k| env_key(&k.as_str().to_ascii_lowercase()).map(Into::into)));
        if let Some(v) = &overrides.store {
            figment = figment.merge(Serialized::default("store", v));
        }
        if let Some(v) = &overrides.listen {
            figment = figment.merge(Serialized::default("listen", v));
        }
        if let Some(v) = overrides.sample_rows {
            figment = figment.merge(Serialized::default("scan.sample_rows", v));
        }
        let config: Config = figment.extract().map_err(|e| match &path {
            Some(p) => ConfigError::File { path: p.display().to_string(), message: e.to_string() },
            None => ConfigError::Invalid(e.to_string()),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values that would otherwise fail later and less clearly.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.store.starts_with("sqlite:") || self.store.starts_with("postgres://") || self.store.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid(format!("store `{}` must be sqlite://PATH or postgres://...", self.store)));
        }
        self.listen_addr()?;
        crate::auth::validate(&self.auth).map_err(ConfigError::Invalid)?;
        self.search.validate().map_err(ConfigError::Invalid)?;
        if !(2..=3600).contains(&self.jobs.lease_secs) {
            return Err(ConfigError::Invalid("jobs.lease_secs must be between 2 and 3600".into()));
        }
        if self.scan.sample_rows > 100_000 {
            return Err(ConfigError::Invalid("scan.sample_rows must be at most 100000".into()));
        }
        if self.scan.profile_rows.is_some_and(|r| r > 100_000) {
            return Err(ConfigError::Invalid("scan.profile_rows must be at most 100000".into()));
        }
        let connection_limits = std::iter::once(("scan.max_connections".to_string(), Some(self.scan.max_connections)))
            .chain(self.sources.iter().map(|(name, s)| (format!("sources.{name}.max_connections"), s.max_connections)));
        for (key, limit) in connection_limits {
            if limit.is_some_and(|n| !(1..=64).contains(&n)) {
                return Err(ConfigError::Invalid(format!("{key} must be between 1 and 64")));
            }
        }
        if self.scan.hash_sample_max_rows < 0 {
            return Err(ConfigError::Invalid("scan.hash_sample_max_rows must not be negative".into()));
        }
        if self.api.max_page_size == 0 || self.api.max_depth < 3 || self.api.max_body_bytes < 4096 {
            return Err(ConfigError::Invalid("api limits are too small".into()));
        }
        if self.api.max_complexity < self.api.complexity_floor() {
            return Err(ConfigError::Invalid(format!(
                "api.max_complexity ({}) must be at least {} so that a full page (api.max_page_size = {}) of datasets with five fields of their columns can be asked for",
                self.api.max_complexity,
                self.api.complexity_floor(),
                self.api.max_page_size
            )));
        }
        if self.api.max_body_bytes > 64 * 1024 * 1024 {
            return Err(ConfigError::Invalid("api.max_body_bytes must be at most 64 MiB".into()));
        }
        Ok(())
    }

    /// The listen address, parsed.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| ConfigError::Invalid(format!("listen address `{}` is not host:port", self.listen)))
    }

    /// The address to serve on. Without authentication the server acts for the local user as
    /// an administrator, so only loopback addresses are accepted.
    pub fn serve_addr(&self) -> Result<SocketAddr, ConfigError> {
        let addr = self.listen_addr()?;
        if self.auth.oidc_issuer().is_none() && !addr.ip().is_loopback() {
            return Err(ConfigError::Invalid(format!(
                "refusing to listen on {addr}: without an OpenID Connect issuer the server runs in local mode and \
                 treats every caller as the local administrator; listen on 127.0.0.1 or [::1]"
            )));
        }
        Ok(addr)
    }

    /// Scanner options from this configuration, with a source's own sample size if set.
    pub fn scan_options(&self, source_name: &str, sample_rows: Option<i32>) -> almanac_scanners::ScanOptions {
        let settings = self.sources.get(source_name);
        let per_source = settings.and_then(|s| s.max_connections);
        almanac_scanners::ScanOptions {
            s3: settings.map(SourceSettings::s3).unwrap_or_default(),
            max_connections: per_source.unwrap_or(self.scan.max_connections).max(1),
            sample_rows: sample_rows.map(|r| r.max(0) as u32).unwrap_or(self.scan.sample_rows),
            profile_rows: self.scan.profile_rows.unwrap_or_else(|| self.history.rows_needed()),
            hash_sample_max_rows: self.scan.hash_sample_max_rows,
            statement_timeout: Duration::from_secs(self.scan.statement_timeout_secs),
            connect_timeout: Duration::from_secs(self.scan.connect_timeout_secs),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file_and_rejects_unknown_keys() {
        let c: Config = toml::from_str(
            "store = \"postgres://localhost/almanac\"\nlisten = \"0.0.0.0:9000\"\n[scan]\nsample_rows = 50\n[sources.warehouse]\npassword_env = \"WH_PASSWORD\"\n",
        )
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.scan.sample_rows, 50);
        assert_eq!(c.sources["warehouse"].password_env.as_deref(), Some("WH_PASSWORD"));
        assert!(toml::from_str::<Config>("stor = \"x\"").is_err());
    }

    #[test]
    fn variables_map_to_keys_and_flags_win_over_the_file() {
        assert_eq!(env_key("store").as_deref(), Some("store"));
        assert_eq!(env_key("auth_issuer").as_deref(), Some("auth.issuer"));
        assert_eq!(env_key("sample_rows").as_deref(), Some("scan.sample_rows"));
        assert_eq!(env_key("jobs__lease_secs").as_deref(), Some("jobs.lease_secs"));
        // Not settings: the file's own variable, the tests' and benchmarks' variables.
        assert_eq!(env_key("config"), None);
        assert_eq!(env_key("test_postgres_url"), None);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let file = dir.join("almanac.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9999\"\n[scan]\nsample_rows = 50\n[jobs]\nlease_secs = 12\n").unwrap();
        let c = Config::load_with(Some(&file), &Overrides { sample_rows: Some(7), ..Default::default() }).unwrap();
        assert_eq!((c.listen.as_str(), c.scan.sample_rows, c.jobs.lease_secs), ("127.0.0.1:9999", 7, 12));
        std::fs::write(&file, "[scan]\nsample_rowz = 5\n").unwrap();
        let e = Config::load_with(Some(&file), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("almanac.toml") && e.contains("sample_rowz"), "{e}");
        assert!(Config::load_with(Some(&dir.join("missing.toml")), &Overrides::default())
            .unwrap_err()
            .to_string()
            .contains("no such file"));
    }

    #[test]
    fn validation_names_the_problem() {
        let c = Config { store: "mysql://x".into(), ..Config::default() };
        assert!(c.validate().unwrap_err().to_string().contains("store"));
        let c = Config { listen: "nowhere".into(), ..Config::default() };
        assert!(c.validate().unwrap_err().to_string().contains("listen"));
    }
}
