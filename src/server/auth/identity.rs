//! The session cookie: reading its token from a request or a socket handshake, and the
//! `Set-Cookie` values that start and end it. What the token means is `accounts`' business.

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::Cookie;

pub const COOKIE: &str = "parley_session";
/// How long the browser keeps the cookie (400 days, the most browsers allow). The server ends
/// an idle session long before: the cookie then names nothing.
const MAX_AGE_SECONDS: i64 = 400 * 24 * 60 * 60;

/// The session token a request or handshake carries, if any.
pub fn token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
}

/// The token of an `Authorization: Bearer …` header, if any (API tokens, the metrics token).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| token.len() <= 100)
}

/// Carries a just-created API token to the one page that shows it.
pub const NEW_TOKEN_COOKIE: &str = "parley_new_token";

/// The API token a request to `/account` carries, just created.
pub fn new_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, NEW_TOKEN_COOKIE).filter(|token| token.starts_with("pt_"))
}

/// The cookie that hands `token` to `/account` for a minute, or (`None`) clears it.
pub fn new_token_cookie(token: Option<&str>, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::build((NEW_TOKEN_COOKIE, token.unwrap_or_default()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(cookie::SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(if token.is_some() { 60 } else { 0 }))
        .build();
    HeaderValue::from_str(&cookie.encoded().to_string()).ok()
}

fn cookie(value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::build((COOKIE, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(cookie::SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&cookie.encoded().to_string()).ok()
}

/// The `Set-Cookie` value that keeps a new session's token.
pub fn set_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    cookie(token, MAX_AGE_SECONDS, secure)
}

/// The `Set-Cookie` value that makes the browser forget the session.
pub fn clear_cookie(secure: bool) -> Option<HeaderValue> {
    cookie("", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_round_trips_through_the_cookie() {
        let set = set_cookie("ps_abc", true).expect("header value");
        let text = set.to_str().expect("ascii");
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(text.contains(attribute), "{attribute} in {text}");
        }
        let pair = text.split(';').next().expect("pair").to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&format!("a=b; {pair}")).expect("h"));
        assert_eq!(token(&headers).as_deref(), Some("ps_abc"));
    }

    #[test]
    fn a_plain_http_server_leaves_secure_off() {
        let set = set_cookie("ps_abc", false).expect("header value");
        assert!(!set.to_str().expect("ascii").contains("Secure"));
    }
}
