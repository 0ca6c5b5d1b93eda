//! Source URLs: which engine, where, and the same URL with its password removed.

use crate::Engine;
use std::fmt;
use std::path::PathBuf;
use url::Url;

/// Longest source URL accepted.
pub const MAX_URL_BYTES: usize = 4_096;

/// A parsed source URL: `postgres://`, `mysql://` (MariaDB too) or `sqlite://path`.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceUrl {
    engine: Engine,
    repr: Repr,
}

#[derive(Clone, PartialEq, Eq)]
enum Repr {
    Server(Url),
    File(PathBuf),
    /// A lake root: a local folder (absolute) or an S3 bucket and key prefix.
    Lake(LakeRoot),
}

/// Where a lake's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LakeRoot {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

/// Why a source URL was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SourceUrlError {
    #[error("unsupported source URL scheme `{0}` (expected postgres://, mysql://, sqlite://, file:// or s3://)")]
    UnsupportedScheme(String),
    #[error("invalid source URL: {0}")]
    Invalid(String),
}

impl SourceUrl {
    /// Parses a source URL.
    pub fn parse(input: &str) -> Result<Self, SourceUrlError> {
        let input = input.trim();
        if input.len() > MAX_URL_BYTES {
            return Err(SourceUrlError::Invalid(format!("the URL is longer than {MAX_URL_BYTES} bytes")));
        }
        let Some((scheme, rest)) = input.split_once(':') else {
            return Err(SourceUrlError::Invalid(format!("`{input}` has no scheme")));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let path = path.split('?').next().unwrap_or(path);
                if path.is_empty() {
                    return Err(SourceUrlError::Invalid("sqlite URL has no file path".into()));
                }
                Ok(SourceUrl { engine: Engine::Sqlite, repr: Repr::File(PathBuf::from(path)) })
            }
            "postgres" | "postgresql" | "mysql" | "mariadb" => {
                let mut url = Url::parse(input).map_err(|e| SourceUrlError::Invalid(e.to_string()))?;
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(SourceUrlError::Invalid("URL has no host".into()));
                }
                let engine = if scheme.starts_with("postgres") { Engine::Postgres } else { Engine::Mysql };
                if scheme.eq_ignore_ascii_case("mariadb") {
                    let _ = url.set_scheme("mysql");
                }
                Ok(SourceUrl { engine, repr: Repr::Server(url) })
            }
            "file" => {
                let url = Url::parse(input).map_err(|e| SourceUrlError::Invalid(e.to_string()))?;
                if url.host_str().is_some_and(|h| !h.is_empty() && h != "localhost") {
                    return Err(SourceUrlError::Invalid(format!(
                        "`{input}` names host {:?}: a lake folder is written file:///absolute/path",
                        url.host_str().unwrap_or_default()
                    )));
                }
                let path = url.to_file_path().map_err(|_| SourceUrlError::Invalid(format!("`{input}` is not a file path")))?;
                // The same folder under one name, however it was written.
                let path = std::fs::canonicalize(&path).unwrap_or(path);
                Ok(SourceUrl { engine: Engine::Files, repr: Repr::Lake(LakeRoot::Local(path)) })
            }
            "s3" | "s3a" => {
                let url = Url::parse(input).map_err(|e| SourceUrlError::Invalid(e.to_string()))?;
                let bucket =
                    url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| SourceUrlError::Invalid("S3 URL has no bucket".into()))?;
                if url.password().is_some() || !url.username().is_empty() {
                    return Err(SourceUrlError::Invalid(
                        "S3 URLs carry no credentials: they come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
                    ));
                }
                let prefix = percent_decode(url.path().trim_matches('/'));
                Ok(SourceUrl { engine: Engine::Files, repr: Repr::Lake(LakeRoot::S3 { bucket: bucket.to_string(), prefix }) })
            }
            other => Err(SourceUrlError::UnsupportedScheme(other.to_string())),
        }
    }

    /// The engine this URL points to.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The URL without its password, safe to store and print.
    pub fn redacted(&self) -> String {
        match &self.repr {
            Repr::Server(url) => {
                let mut url = url.clone();
                let _ = url.set_password(None);
                url.to_string()
            }
            Repr::File(path) => format!("sqlite://{}", path.display()),
            Repr::Lake(root) => root.url(),
        }
    }

    /// The lake root of a `file://` or `s3://` URL.
    pub fn lake_root(&self) -> Option<&LakeRoot> {
        match &self.repr {
            Repr::Lake(root) => Some(root),
            _ => None,
        }
    }

    /// Whether the URL carries a password.
    pub fn has_password(&self) -> bool {
        matches!(&self.repr, Repr::Server(url) if url.password().is_some())
    }

    /// The same URL with `password` set (for a source whose secret lives elsewhere).
    pub fn with_password(&self, password: &str) -> SourceUrl {
        match &self.repr {
            Repr::Server(url) => {
                let mut url = url.clone();
                let _ = url.set_password(Some(password));
                SourceUrl { engine: self.engine, repr: Repr::Server(url) }
            }
            Repr::File(_) | Repr::Lake(_) => self.clone(),
        }
    }

    /// The database the URL names: path of a server URL, file stem of an SQLite file.
    pub fn database_name(&self) -> Option<String> {
        match &self.repr {
            Repr::Server(url) => {
                let db = url.path().trim_start_matches('/');
                let db = percent_decode(db);
                (!db.is_empty()).then_some(db)
            }
            Repr::File(path) => path.file_stem().map(|s| s.to_string_lossy().into_owned()),
            Repr::Lake(root) => Some(root.name()),
        }
    }

    /// The user name of a server URL.
    pub fn username(&self) -> Option<String> {
        match &self.repr {
            Repr::Server(url) if !url.username().is_empty() => Some(percent_decode(url.username())),
            _ => None,
        }
    }

    /// The file of an SQLite URL.
    pub fn file_path(&self) -> Option<&std::path::Path> {
        match &self.repr {
            Repr::File(p) => Some(p),
            Repr::Server(_) | Repr::Lake(_) => None,
        }
    }

    /// The full URL including any password, for connecting. Never store or log it.
    pub fn connection_string(&self) -> String {
        match &self.repr {
            Repr::Server(url) => url.to_string(),
            Repr::File(p) => format!("sqlite://{}", p.display()),
            Repr::Lake(root) => root.url(),
        }
    }
}

impl LakeRoot {
    /// The root as a URL: `file:///data/lake`, `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        match self {
            LakeRoot::Local(path) => Url::from_file_path(path)
                .map(|u| u.to_string().trim_end_matches('/').to_string())
                .unwrap_or_else(|_| format!("file://{}", path.display())),
            LakeRoot::S3 { bucket, prefix } if prefix.is_empty() => format!("s3://{bucket}"),
            LakeRoot::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }

    /// The root's own name: its last folder, or the bucket.
    pub fn name(&self) -> String {
        match self {
            LakeRoot::Local(path) => path.file_name().map_or_else(|| "lake".to_string(), |n| n.to_string_lossy().into_owned()),
            LakeRoot::S3 { bucket, prefix } => prefix.rsplit('/').next().filter(|p| !p.is_empty()).unwrap_or(bucket).to_string(),
        }
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

impl fmt::Debug for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SourceUrl").field(&self.redacted()).finish()
    }
}

impl fmt::Display for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password_and_keeps_the_rest() {
        let url = SourceUrl::parse("postgres://ann:s3cret@db.example:5433/sales?sslmode=require").unwrap();
        assert_eq!(url.engine(), Engine::Postgres);
        assert!(url.has_password());
        assert_eq!(url.redacted(), "postgres://ann@db.example:5433/sales?sslmode=require");
        assert!(!url.redacted().contains("s3cret"));
        assert!(url.connection_string().contains("s3cret"));
        assert_eq!(url.database_name().as_deref(), Some("sales"));
        assert_eq!(format!("{url:?}"), "SourceUrl(\"postgres://ann@db.example:5433/sales?sslmode=require\")");
    }

    #[test]
    fn adds_a_password_from_elsewhere() {
        let url = SourceUrl::parse("mysql://root@127.0.0.1:3306/shop").unwrap();
        assert!(!url.has_password());
        let with = url.with_password("p@ss");
        assert!(with.has_password());
        assert_eq!(with.redacted(), url.redacted());
    }

    #[test]
    fn sqlite_paths() {
        let rel = SourceUrl::parse("sqlite://./data/shop.db").unwrap();
        assert_eq!(rel.file_path().unwrap(), std::path::Path::new("./data/shop.db"));
        assert_eq!(rel.database_name().as_deref(), Some("shop"));
        let abs = SourceUrl::parse("sqlite:///tmp/x.sqlite?mode=ro").unwrap();
        assert_eq!(abs.file_path().unwrap(), std::path::Path::new("/tmp/x.sqlite"));
        let bare = SourceUrl::parse("sqlite:shop.db").unwrap();
        assert_eq!(bare.database_name().as_deref(), Some("shop"));
    }

    #[test]
    fn lake_urls() {
        let s3 = SourceUrl::parse("s3://bucket/lake/raw/").unwrap();
        assert_eq!(s3.engine(), Engine::Files);
        assert_eq!(s3.lake_root(), Some(&LakeRoot::S3 { bucket: "bucket".into(), prefix: "lake/raw".into() }));
        assert_eq!(s3.redacted(), "s3://bucket/lake/raw");
        assert_eq!(s3.database_name().as_deref(), Some("raw"));
        assert_eq!(SourceUrl::parse("s3://bucket").unwrap().database_name().as_deref(), Some("bucket"));
        assert!(SourceUrl::parse("s3://key:secret@bucket/x").is_err());
        let local = SourceUrl::parse("file:///no/such/lake").unwrap();
        assert_eq!(local.redacted(), "file:///no/such/lake");
        assert_eq!(local.database_name().as_deref(), Some("lake"));
        assert!(SourceUrl::parse("file://host/x").is_err());
    }

    #[test]
    fn rejects_unknown_and_malformed() {
        assert!(matches!(SourceUrl::parse("oracle://x/y"), Err(SourceUrlError::UnsupportedScheme(_))));
        assert!(matches!(SourceUrl::parse("nonsense"), Err(SourceUrlError::Invalid(_))));
        assert!(matches!(SourceUrl::parse("sqlite://"), Err(SourceUrlError::Invalid(_))));
        assert!(matches!(SourceUrl::parse("postgres://"), Err(SourceUrlError::Invalid(_))));
        let maria = SourceUrl::parse("mariadb://root@localhost/test").unwrap();
        assert_eq!(maria.engine(), Engine::Mysql);
        assert!(maria.redacted().starts_with("mysql://"));
    }
}
