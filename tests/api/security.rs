//! Response headers, and requests from other sites' pages.

use crate::helpers::TestApp;
use crate::pages::page;
use reqwest::{header, StatusCode};

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_page_allows_only_its_own_scripts_and_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let response = app.http(Some("Ada")).await.get(app.url("/r/lobby")).send().await.expect("get");
    let policy = header_of(&response, header::CONTENT_SECURITY_POLICY);
    assert_eq!(header_of(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header_of(&response, header::REFERRER_POLICY), "same-origin");
    let html = response.text().await.expect("body");

    // Every inline script carries the nonce the policy names, and it differs per response.
    let nonce = policy
        .split_once("'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_owned())
        .unwrap_or_else(|| panic!("no nonce in {policy:?}"));
    assert!(nonce.len() >= 16, "{nonce}");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0, "{html}");
    assert_eq!(html.matches(&format!(r#"nonce="{nonce}""#)).count(), scripts, "{html}");
    for directive in ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
        assert!(policy.contains(directive), "{directive} missing from {policy}");
    }
    assert!(!policy.contains("unsafe-inline") && !policy.contains("*"), "{policy}");
    let again = app.http(Some("Ada")).await.get(app.url("/r/lobby")).send().await.expect("get");
    assert!(!header_of(&again, header::CONTENT_SECURITY_POLICY).contains(&nonce));

    // Responses that are not pages run no script at all.
    let health = app.http(None).await.get(app.url("/healthz")).send().await.expect("get");
    let policy = header_of(&health, header::CONTENT_SECURITY_POLICY);
    assert!(policy.contains("script-src 'none'") && policy.contains("frame-ancestors 'none'"));
    assert_eq!(header_of(&health, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let form = "room=lobby&client_id=forged-1&body=sent+from+evil";
    let ada_http = app.http(Some("Ada")).await;
    let post = |origin: Option<String>, referer: Option<&'static str>| {
        let mut request = ada_http
            .post(app.url("/api/post_message"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(form);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(referer) = referer {
            request = request.header(header::REFERER, referer);
        }
        request.send()
    };

    for (origin, referer) in [
        (Some("http://evil.example"), None),
        (None, Some("http://evil.example/page")),
        (Some("null"), None),
    ] {
        let response = post(origin.map(str::to_owned), referer).await.expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?} {referer:?}");
        let text = response.text().await.expect("body");
        assert!(text.contains("another site"), "{text}");
    }
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(!html.contains("sent from evil"), "nothing was stored");

    // The same form from Parley's own page goes through.
    let response = post(Some(app.url("")), None).await.expect("post");
    assert_eq!(response.status(), StatusCode::FOUND);
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains("sent from evil"));
}
