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

#[tokio::test]
async fn the_server_speaks_https_itself_and_socket_io_over_it() {
    use parley::server::tls::TlsFiles;
    let dir = tempfile::tempdir().expect("temp dir");
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let files = TlsFiles { cert: dir.path().join("cert.pem"), key: dir.path().join("key.pem") };
    std::fs::write(&files.cert, generated.cert.pem()).expect("write cert");
    std::fs::write(&files.key, generated.key_pair.serialize_pem()).expect("write key");
    let app = TestApp::builder().tls(files).start().await;
    let base = format!("https://localhost:{}", app.addr.port());
    let root = reqwest::Certificate::from_pem(generated.cert.pem().as_bytes()).expect("pem");
    let client = |cookie: Option<&str>| {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(cookie) = cookie {
            headers.insert(header::COOKIE, cookie.parse().expect("cookie"));
        }
        reqwest::Client::builder()
            .add_root_certificate(root.clone())
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client")
    };

    let health = client(None).get(format!("{base}/healthz")).send().await.expect("https");
    assert_eq!(health.status(), StatusCode::OK);
    // Its session cookie is Secure: it never goes out over plain HTTP.
    let fields = [("name", "Ada"), ("password", crate::helpers::PASSWORD)];
    let signed_up =
        client(None).post(format!("{base}/api/sign_up")).form(&fields).send().await.expect("post");
    let set_cookie = signed_up.headers()[header::SET_COOKIE].to_str().expect("ascii").to_owned();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    let token = crate::helpers::session_cookie(&signed_up).expect("session");

    // socket.io over TLS: the Engine.IO handshake, then the namespace accepts the session.
    let ada = client(Some(&format!("parley_session={token}")));
    let polling = format!("{base}/socket.io/?EIO=4&transport=polling");
    let open = ada.get(&polling).send().await.expect("open").text().await.expect("body");
    let sid = open
        .strip_prefix('0')
        .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .and_then(|v| v["sid"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("not an Engine.IO open packet: {open}"));
    let session = format!("{polling}&sid={sid}");
    let sent = ada.post(&session).body("40").send().await.expect("connect");
    assert_eq!(sent.status(), StatusCode::OK);
    // Each poll brings packets (separated by 0x1e); pings may come first.
    let mut packets = Vec::new();
    while !packets.iter().any(|p: &String| p.starts_with("40") || p.starts_with("44")) {
        let body = ada.get(&session).send().await.expect("poll").text().await.expect("body");
        packets.extend(body.split('\u{1e}').map(str::to_owned));
        assert!(packets.len() < 10, "{packets:?}");
    }
    assert!(packets.iter().any(|p| p.starts_with("40{\"sid\"")), "connected: {packets:?}");

    // Plain HTTP to the TLS port gets nowhere.
    let plain = crate::helpers::anonymous_http()
        .get(format!("http://127.0.0.1:{}/healthz", app.addr.port()))
        .send()
        .await;
    assert!(plain.is_err(), "a TLS port answered plain HTTP: {plain:?}");
}

#[tokio::test]
async fn long_polling_answers_allowed_origins_with_cors_and_others_without() {
    let app = TestApp::spawn().await;
    let ada = app.http(Some("Ada")).await;
    let polling = app.url("/socket.io/?EIO=4&transport=polling");
    let own = format!("http://{}", app.addr);
    for (origin, allowed) in
        [(own.as_str(), true), ("https://friend.example", true), ("https://evil.example", false)]
    {
        let response = ada.get(&polling).header(header::ORIGIN, origin).send().await.expect("get");
        let cors = response.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        if allowed {
            assert_eq!(cors.and_then(|v| v.to_str().ok()), Some(origin), "{origin}");
            let credentials = &response.headers()[header::ACCESS_CONTROL_ALLOW_CREDENTIALS];
            assert_eq!(credentials, "true");
        } else {
            assert!(cors.is_none(), "{origin} may read polling answers");
        }
        // The preflight a browser may send says the same.
        let preflight = ada
            .request(reqwest::Method::OPTIONS, &polling)
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .send()
            .await
            .expect("options");
        let cors = preflight.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN);
        assert_eq!(cors.is_some(), allowed, "preflight from {origin}");
    }
    // Pages get no CORS headers, even for a listed origin.
    let page = ada.get(app.url("/r/lobby")).header(header::ORIGIN, "https://friend.example");
    let page = page.send().await.expect("get");
    assert!(page.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}
