//! Which web pages may open a socket. CORS does not cover WebSocket, so the handshake checks the
//! `Origin` header itself: a browser page may connect only from Parley's own origin (the one the
//! request was addressed to) or from an origin listed in `PARLEY_ALLOWED_ORIGINS`. Clients that
//! are not browsers send no `Origin` and are let through; they prove nothing by it either way.

use axum::http::{header, HeaderMap, Uri};

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

    /// Whether a socket handshake may go ahead: without an `Origin` it is not a browser's.
    pub fn permit(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return true;
        };
        self.allows(origin, headers)
    }

    /// Whether a request that changes something (a form post, a server function call) may go
    /// ahead: its `Origin`, or without one its `Referer`, must be Parley's own or listed. Browsers
    /// send at least one of them with a cross-site POST; with neither, the sender is not a
    /// browser page, and cannot be tricked into sending someone else's cookie.
    pub fn permit_write(&self, headers: &HeaderMap) -> bool {
        if let Some(origin) = headers.get(header::ORIGIN) {
            return origin.to_str().is_ok_and(|origin| self.allows(origin, headers));
        }
        let Some(referer) = headers.get(header::REFERER) else { return true };
        let Some(uri) = referer.to_str().ok().and_then(|r| r.parse::<Uri>().ok()) else {
            return false;
        };
        match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => {
                self.allows(&format!("{scheme}://{authority}"), headers)
            }
            _ => false,
        }
    }

    /// Whether a page of `origin` may use Parley: it is Parley's own (the `Host` the request was
    /// sent to) or listed.
    pub fn allows(&self, origin: &str, headers: &HeaderMap) -> bool {
        let origin = origin.to_ascii_lowercase();
        let own = headers.get(header::HOST).and_then(|v| v.to_str().ok()).is_some_and(|host| {
            let host = host.to_ascii_lowercase();
            origin == format!("http://{host}") || origin == format!("https://{host}")
        });
        own || self.0.contains(&origin)
    }
}

/// CORS for socket.io's long-polling transport, consistent with the handshake's check: a page of
/// an allowed origin may read the polling responses, with credentials (its cookies); any other
/// origin's page gets no CORS headers, so its browser keeps the answers from it (and the
/// handshake is refused anyway). Other paths are left alone: Parley's pages and forms are
/// same-origin.
pub fn polling_cors(origins: AllowedOrigins) -> tower_http::cors::CorsLayer {
    use axum::http::Method;
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let allow = AllowOrigin::predicate(move |origin, parts| {
        parts.uri.path().starts_with("/socket.io/")
            && origin.to_str().is_ok_and(|origin| origins.allows(origin, &parts.headers))
    });
    CorsLayer::new()
        .allow_origin(allow)
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
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

    fn post(origin: Option<&'static str>, referer: Option<&'static str>) -> HeaderMap {
        let mut headers = headers(origin, "127.0.0.1:3000");
        if let Some(referer) = referer {
            headers.insert(header::REFERER, HeaderValue::from_static(referer));
        }
        headers
    }

    #[test]
    fn writes_must_come_from_an_own_or_listed_page() {
        let allowed = AllowedOrigins::parse("https://chat.example.com");
        assert!(allowed.permit_write(&post(Some("http://127.0.0.1:3000"), None)));
        assert!(allowed.permit_write(&post(None, Some("http://127.0.0.1:3000/r/lobby?x=1"))));
        assert!(allowed.permit_write(&post(None, Some("https://chat.example.com/r/lobby"))));
        assert!(allowed.permit_write(&post(None, None)), "not a browser");
        assert!(!allowed.permit_write(&post(Some("http://evil.example"), None)));
        assert!(!allowed.permit_write(&post(Some("null"), None)));
        assert!(!allowed.permit_write(&post(None, Some("http://evil.example/r/lobby"))));
        assert!(!allowed.permit_write(&post(None, Some("/r/lobby"))), "no origin in it");
        // An own Referer does not excuse a foreign Origin.
        let both = post(Some("http://evil.example"), Some("http://127.0.0.1:3000/"));
        assert!(!allowed.permit_write(&both));
    }

    #[test]
    fn other_origins_are_refused() {
        let allowed = AllowedOrigins::parse("https://chat.example.com");
        assert!(!allowed.permit(&headers(Some("http://evil.example"), "127.0.0.1:3000")));
        assert!(!allowed.permit(&headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000")));
        assert!(!allowed.permit(&headers(Some("null"), "127.0.0.1:3000")));
    }
}
