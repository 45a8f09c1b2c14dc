//! What every response carries to protect its reader, and what a request that changes something
//! must prove about where it comes from.
//!
//! - **Headers.** Pages get a Content-Security-Policy that lets in Parley's own scripts, styles,
//!   WASM and socket, the page's inline hydration scripts by a per-response nonce, and nothing from
//!   other origins; no page may be framed (`frame-ancestors 'none'`). Every other response gets
//!   the same policy without scripts, and all get `X-Content-Type-Options: nosniff` and
//!   `Referrer-Policy: same-origin`.
//! - **Cross-site writes.** A form post or server function call whose `Origin` (or, without one,
//!   `Referer`) is another site is refused with 403 before it reaches any handler, on top of the
//!   protection SameSite cookies give. socket.io checks its own handshake (see `socket::accept`).

use super::origin::AllowedOrigins;
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::nonce::Nonce;

/// The policy of a server-rendered page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of every other response (files, server function results, errors).
pub const DEFAULT_POLICY: &str = "default-src 'self'; script-src 'none'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Gives the page being rendered the nonce [`headers`] chose for its response. Runs as Leptos'
/// additional context, after Leptos provided a nonce of its own, which this one replaces: the
/// policy is then set on the response itself, whatever the render does (a header set through
/// Leptos' response options during an async render was sometimes lost).
pub fn provide_page_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let parts = use_context::<axum::http::request::Parts>();
    if let Some(nonce) = parts.and_then(|parts| parts.extensions.get::<Nonce>().cloned()) {
        provide_context(nonce);
    }
}

/// Adds the headers every response carries. Each request gets a fresh nonce for its page.
pub async fn headers(mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let page = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"));
    let policy = if page {
        HeaderValue::from_str(&page_policy(&nonce)).ok()
    } else {
        Some(HeaderValue::from_static(DEFAULT_POLICY))
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        policy.unwrap_or(HeaderValue::from_static(DEFAULT_POLICY)),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Refuses a request that would change something when it comes from another site's page.
pub async fn same_origin_writes(
    State(origins): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    let reads = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // socket.io's long-polling POSTs belong to a session whose handshake was checked.
    let socket = request.uri().path().starts_with("/socket.io/");
    if !reads && !socket && !origins.permit_write(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
        let why = "Refused: this request came from another site's page. \
                   Send it from Parley's own page.";
        return (StatusCode::FORBIDDEN, why).into_response();
    }
    next.run(request).await
}
