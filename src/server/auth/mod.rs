//! Who a request or a socket speaks for: the settings of sessions, the signed-in person, new
//! random tokens, and (in the files beside this one) passwords, the server's secret key and
//! the session cookie.
//!
//! A password is stored as an Argon2id hash (PHC string: parameters and salt included),
//! computed on Parley's own hashing threads. A session is a random 256-bit token in an
//! `HttpOnly` cookie; the database keeps only its HMAC-SHA256 under the server's secret key, so a
//! copy of the table lets nobody in. A session unused for the configured idle time is over. API
//! tokens work the same way, with a `pt_` prefix so that secret scanners can spot a leaked one.

pub mod identity;
pub mod password;
pub mod secret;

use rand_core::{OsRng, RngCore};
use secret::Secret;
use std::time::Duration;

/// How sessions behave and whom a request comes from (`PARLEY_SESSION_IDLE_MINUTES`, TLS,
/// `PARLEY_SECURE_COOKIES`, `PARLEY_CLIENT_IP_HEADER`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSettings {
    /// A session unused this long is over.
    pub idle: Duration,
    /// Cookies carry `Secure` (the server serves TLS itself, or `PARLEY_SECURE_COOKIES` says a
    /// proxy in front does).
    pub secure_cookies: bool,
    /// Behind a reverse proxy: the header it puts the client's address in (the last address
    /// listed is used). Without it, the address is the TCP peer's.
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// The key session and API tokens are stored under.
    pub secret: Secret,
}

impl Default for AuthSettings {
    fn default() -> Self {
        let idle_minutes = super::settings::default_number("PARLEY_SESSION_IDLE_MINUTES");
        Self {
            idle: Duration::from_secs(idle_minutes.saturating_mul(60)),
            secure_cookies: false,
            client_ip_header: None,
            secret: Secret::random(),
        }
    }
}

impl AuthSettings {
    /// The client's address, for the limits kept per address: from the configured proxy
    /// header, or the TCP peer (axum's `ConnectInfo`).
    pub fn client_address(&self, parts: &axum::http::request::Parts) -> String {
        let from_header = self.client_ip_header.as_ref().and_then(|name| {
            let value = parts.headers.get_all(name).iter().next_back()?.to_str().ok()?;
            let last = value.rsplit(',').next()?.trim();
            (!last.is_empty()).then(|| last.to_owned())
        });
        from_header
            .or_else(|| {
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|info| info.0.ip().to_string())
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// A signed-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    /// A server admin moderates every room.
    pub admin: bool,
}

/// A session found from its cookie: the person, and the hash that names the session (its
/// sockets share a socket.io room named after it, to be disconnected at sign-out).
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub id: String,
}

/// A fresh random token (256 bits) with `prefix`, and the hash to store.
pub fn new_token(secret: &Secret, prefix: &str) -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = format!("{prefix}{}", hex::encode(bytes));
    let hash = secret.token_hash(&token);
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let secret = Secret::random();
        let (a, hash_a) = new_token(&secret, "ps_");
        let (b, _) = new_token(&secret, "ps_");
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(hash_a, secret.token_hash(&a));
        assert!(!hex::encode(&hash_a).contains(&a[3..]));
    }
}
