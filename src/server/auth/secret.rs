//! The server's secret key: the HMAC key under which session and API tokens are stored. A copy
//! of the database alone then cannot even check a guessed token. From `PARLEY_SECRET_KEY` (64
//! hex digits), or else a file (`PARLEY_SECRET_FILE`, by default `secret.key` next to the
//! database) created with 256 random bits on first run, readable by its owner only. Never logged:
//! `Debug` shows nothing of it. Replacing it signs everyone out and voids every API token.

use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use std::{fmt, path::Path, sync::Arc};

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<[u8; 32]>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("PARLEY_SECRET_KEY must be 64 hex digits (32 bytes)")]
    Malformed,
    #[error("the secret key file {path} must hold 64 hex digits")]
    BadFile { path: String },
    #[error("cannot read or create the secret key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl Secret {
    /// A fresh random key (tests, or a first run).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self(Arc::new(key))
    }

    /// A key written as 64 hex digits (as `PARLEY_SECRET_KEY` holds it).
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        let key: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(Arc::new(key)))
    }

    /// `PARLEY_SECRET_KEY` if set, else the key in `file`, created on first run.
    pub fn from_env_or_file(file: &Path) -> Result<Self, SecretError> {
        if let Ok(text) = std::env::var("PARLEY_SECRET_KEY") {
            if !text.trim().is_empty() {
                return Self::parse(&text).ok_or(SecretError::Malformed);
            }
        }
        let path = file.display().to_string();
        let io = |source| SecretError::Io { path: path.clone(), source };
        match std::fs::read_to_string(file) {
            Ok(text) => Self::parse(&text).ok_or(SecretError::BadFile { path: path.clone() }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(folder).map_err(io)?;
                }
                let secret = Self::random();
                write_private(file, &hex::encode(*secret.0)).map_err(io)?;
                tracing::info!("created a new secret key in {path}");
                Ok(secret)
            }
            Err(error) => Err(io(error)),
        }
    }

    /// HMAC-SHA256 of `token` under this key: what the database stores for it.
    pub fn token_hash(&self, token: &str) -> Vec<u8> {
        // HMAC takes a key of any length; 32 bytes cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0[..])
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// What nodes compare to know they share this key without showing it: the keyed hash of a
    /// fixed text.
    pub fn check(&self) -> String {
        hex::encode(self.token_hash("parley: the nodes' secret key check"))
    }
}

/// Creates `file` with `text`, readable and writable by its owner only; never replaces one.
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut out =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file)?;
    out.write_all(text.as_bytes())?;
    out.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_once_private_and_then_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("data").join("secret.key");
        let first = Secret::from_env_or_file(&file).expect("created");
        let again = Secret::from_env_or_file(&file).expect("read");
        assert_eq!(first, again);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(format!("{first:?}"), "Secret(…)");
        assert_ne!(first.token_hash("ps_x"), Secret::random().token_hash("ps_x"));
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("secret.key");
        std::fs::write(&file, "not hex").expect("write");
        assert!(matches!(Secret::from_env_or_file(&file), Err(SecretError::BadFile { .. })));
    }
}
