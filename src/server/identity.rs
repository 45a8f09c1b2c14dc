//! Who is talking. Until accounts exist, a person is the display name kept in the `parley_name`
//! cookie: unauthenticated, so anyone may claim any name. This module is the one place that knows
//! it; the accounts issue replaces it with sessions.

use crate::model::validate_name;
use axum::http::{header, HeaderMap, HeaderValue};
use cookie::Cookie;

pub const COOKIE: &str = "parley_name";
/// A year: the name is a preference, not a credential.
const MAX_AGE_SECONDS: i64 = 365 * 24 * 60 * 60;

/// The validated display name carried by a request or a socket handshake, if any.
pub fn from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE)
        .and_then(|cookie| validate_name(cookie.value()).ok())
}

/// The `Set-Cookie` value that remembers `name` (already validated).
pub fn set_cookie(name: &str) -> Option<HeaderValue> {
    let cookie = Cookie::build((COOKIE, name))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(MAX_AGE_SECONDS))
        .build();
    HeaderValue::from_str(&cookie.encoded().to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_the_cookie() {
        let set = set_cookie("José O'Neil").expect("header value");
        let pair = set.to_str().expect("ascii").split(';').next().expect("pair").to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {pair}")).expect("header"),
        );
        assert_eq!(from_headers(&headers).as_deref(), Some("José O'Neil"));
    }

    #[test]
    fn an_invalid_name_in_a_cookie_is_no_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("parley_name=%3Cb%3E"));
        assert_eq!(from_headers(&headers), None);
    }
}
