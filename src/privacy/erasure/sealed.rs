//! A request's identifiers at rest: sealed with ChaCha20-Poly1305 under a key that never enters
//! the store (a file of its own, created with owner-only access on first use), so a copy of the
//! catalog alone reveals no data subject.

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::path::{Path, PathBuf};

/// Why the key or a sealed text could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the privacy key file {path} cannot be read or created: {message}")]
    KeyFile { path: String, message: String },
    #[error("the privacy key file {0} does not hold a key (64 hexadecimal digits)")]
    BadKey(String),
    #[error("a sealed request does not open with this privacy key (another key, or the store was altered)")]
    Open,
    #[error("no random numbers from the system")]
    Random,
}

/// The key that seals requests' identifiers, and the key their suppression hashes are made
/// with once a request is closed.
pub struct SealingKey {
    key: LessSafeKey,
    hashing: ring::hmac::Key,
    anonymizing: ring::hmac::Key,
}

/// Where the key lives when not configured: beside an SQLite store's file
/// (`catalog.db.privacy-key`), else under `./almanac-data` named after the store's identity.
pub fn default_key_path(store: &str, identity: &str) -> PathBuf {
    match crate::store::sqlite_path(store).filter(|p| *p != ":memory:") {
        Some(p) => {
            let mut name = Path::new(p).file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "catalog".into());
            name.push(".privacy-key");
            Path::new(p).with_file_name(name)
        }
        None => PathBuf::from(format!("./almanac-data/privacy-key-{}", &identity[..identity.len().min(16)])),
    }
}

impl SealingKey {
    /// The key in `path`, created (32 random bytes, owner-only) when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<SealingKey, SealError> {
        let fail = |e: std::io::Error| SealError::KeyFile { path: path.display().to_string(), message: e.to_string() };
        let hex = match std::fs::read_to_string(path) {
            Ok(text) => text.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                SystemRandom::new().fill(&mut bytes).map_err(|_| SealError::Random)?;
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(fail)?;
                }
                write_private(path, &hex).map_err(fail)?;
                // Another process may have created it first: the file on disk wins.
                std::fs::read_to_string(path).map_err(fail)?.trim().to_string()
            }
            Err(e) => return Err(fail(e)),
        };
        let bytes = decode_hex(&hex).filter(|b| b.len() == 32).ok_or_else(|| SealError::BadKey(path.display().to_string()))?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| SealError::BadKey(path.display().to_string()))?;
        // A key of its own for hashing, derived so the sealing key is never used twice.
        let derived = ring::digest::digest(&ring::digest::SHA256, &[b"almanac suppression hashes".as_slice(), &bytes].concat());
        let hashing = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, derived.as_ref());
        let derived = ring::digest::digest(&ring::digest::SHA256, &[b"almanac anonymized values".as_slice(), &bytes].concat());
        let anonymizing = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, derived.as_ref());
        Ok(SealingKey { key: LessSafeKey::new(key), hashing, anonymizing })
    }

    /// `plain` sealed, bound to `context` (the request it belongs to): base64 of nonce and
    /// ciphertext.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| SealError::Random)?;
        let mut data = plain.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| SealError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// The plain text of what [`SealingKey::seal`] returned for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(sealed).map_err(|_| SealError::Open)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Open);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Open)?;
        let mut data = data.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(context.as_bytes()), &mut data).map_err(|_| SealError::Open)?;
        Ok(plain.to_vec())
    }
}

impl SealingKey {
    /// The keyed hash (HMAC-SHA256, hex) of a normalised identifier: what the catalog keeps of
    /// an erased subject, to recognise the identifier if it comes back, and nothing to read.
    pub fn suppression_hash(&self, kind: &str, value: &str) -> String {
        let tag = ring::hmac::sign(&self.hashing, format!("{kind}={value}").as_bytes());
        tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl SealingKey {
    /// The keyed hash (HMAC-SHA256, hex) that the `hash` anonymisation strategy writes in place
    /// of a value: the same value gives the same hash everywhere (rows stay joinable, so this
    /// pseudonymises), and without the key nobody can test a guess.
    pub fn value_hash(&self, value: &str) -> String {
        let tag = ring::hmac::sign(&self.anonymizing, value.as_bytes());
        tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut f) => f.write_all(text.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut f) => f.write_all(text.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = SealingKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let sealed = key.seal("request 1", b"email=leonekohler@surfeu.de").unwrap();
        assert!(!sealed.contains("leonekohler"));
        assert_eq!(key.open("request 1", &sealed).unwrap(), b"email=leonekohler@surfeu.de");
        assert!(matches!(key.open("request 2", &sealed), Err(SealError::Open)));
        // The same file gives the same key; another file another key.
        assert!(SealingKey::load_or_create(&path).unwrap().open("request 1", &sealed).is_ok());
        let other = SealingKey::load_or_create(&dir.path().join("other")).unwrap();
        assert!(matches!(other.open("request 1", &sealed), Err(SealError::Open)));
        std::fs::write(dir.path().join("bad"), "not hex").unwrap();
        assert!(matches!(SealingKey::load_or_create(&dir.path().join("bad")), Err(SealError::BadKey(_))));
    }
}
