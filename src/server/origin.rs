//! Which web pages may open a socket. CORS does not cover WebSocket, so the handshake checks the
//! `Origin` header itself: a browser page may connect only from Parley's own origin (the one the
//! request was addressed to) or from an origin listed in `PARLEY_ALLOWED_ORIGINS`. Clients that
//! are not browsers send no `Origin` and are let through; they prove nothing by it either way.

use axum::http::{header, HeaderMap};

/// Extra origins allowed to open sockets, e.g. `https://chat.example.com` (scheme and host, with
/// the port when it is not the default one).
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins(pub Vec<String>);

impl AllowedOrigins {
    /// Parses a comma-separated list; blanks and trailing slashes are ignored.
    pub fn parse(list: &str) -> Self {
        Self(
            list.split(',')
                .map(|origin| origin.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|origin| !origin.is_empty())
                .collect(),
        )
    }

    pub fn permit(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return true;
        };
        let origin = origin.to_ascii_lowercase();
        let own = headers.get(header::HOST).and_then(|v| v.to_str().ok()).is_some_and(|host| {
            let host = host.to_ascii_lowercase();
            origin == format!("http://{host}") || origin == format!("https://{host}")
        });
        own || self.0.contains(&origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn own_origin_listed_origins_and_non_browsers_are_let_in() {
        let allowed = AllowedOrigins::parse(" https://Chat.Example.com/ ,, ");
        assert!(allowed.permit(&headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000")));
        assert!(allowed.permit(&headers(Some("https://chat.example.com"), "internal:8080")));
        assert!(allowed.permit(&headers(None, "127.0.0.1:3000")));
    }

    #[test]
    fn other_origins_are_refused() {
        let allowed = AllowedOrigins::parse("https://chat.example.com");
        assert!(!allowed.permit(&headers(Some("http://evil.example"), "127.0.0.1:3000")));
        assert!(!allowed.permit(&headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000")));
        assert!(!allowed.permit(&headers(Some("null"), "127.0.0.1:3000")));
    }
}
