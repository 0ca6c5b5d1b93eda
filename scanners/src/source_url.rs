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
}

/// Why a source URL was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SourceUrlError {
    #[error("unsupported source URL scheme `{0}` (expected postgres://, mysql:// or sqlite://)")]
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
            Repr::File(_) => self.clone(),
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
            Repr::Server(_) => None,
        }
    }

    /// The full URL including any password, for connecting. Never store or log it.
    pub fn connection_string(&self) -> String {
        match &self.repr {
            Repr::Server(url) => url.to_string(),
            Repr::File(p) => format!("sqlite://{}", p.display()),
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
