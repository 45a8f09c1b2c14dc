//! HTTP fuzzing of what schemathesis does not see (it covers the REST API from its OpenAPI
//! document): the server functions the forms post to, and the pages' paths and query strings.
//! Random and malformed forms (fields missing, repeated or unknown; numbers out of range; odd
//! Unicode; long values; bytes that are not UTF-8; other content types), as a guest and signed
//! in, and random cursors, slugs and permalinks: never a 5xx (but the documented 503 of an
//! assistant that is not configured), and the server keeps answering.

use crate::helpers::TestApp;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::header::CONTENT_TYPE;

/// Each server function and the fields its form has.
const ENDPOINTS: &[(&str, &[&str])] = &[
    ("load_room", &["slug", "before", "after", "around", "reply", "member"]),
    ("post_message", &["room", "client_id", "body", "reply_to"]),
    ("edit_message", &["room", "seq", "body"]),
    ("delete_message", &["room", "seq"]),
    ("react", &["room", "seq", "emoji", "on"]),
    ("load_emoji", &["q"]),
    ("react_with", &["room", "seq", "emoji"]),
    ("load_attach", &["room"]),
    ("leave_room", &["room"]),
    ("open_assistant", &[]),
    ("create_room", &["name", "private"]),
    ("open_direct", &["name"]),
    ("moderate", &["room", "name", "action"]),
    ("sign_up", &["name", "password", "next"]),
    ("sign_in", &["name", "password", "next"]),
    ("sign_out", &[]),
    ("whoami", &[]),
    ("load_account", &[]),
    ("load_admin", &[]),
    (
        "load_search",
        &[
            "search[q]",
            "search[room]",
            "search[author]",
            "search[from]",
            "search[to]",
            "search[before]",
        ],
    ),
    ("create_token", &["label"]),
    ("revoke_token", &["id"]),
    ("delete_account", &["password"]),
];
/// Requests per server function and visitor (guest, signed in).
const CASES: usize = 60;
/// Page requests.
const PAGE_CASES: usize = 400;

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec![
            "", " ", "0", "-1", "-0", "1e999", "NaN", "inf", "9223372036854775808",
            "-9223372036854775809", "0x10", "true", "on", "lobby", "LOBBY", "../../etc/passwd",
            "\u{0}", "\u{202e}lobby", "e\u{301}", "👍", "https://evil.example/", "//evil.example",
            "javascript:alert(1)", "%00", "'; DROP TABLE messages; --",
        ])
        .prop_map(str::to_owned),
        1 => (1usize..20_000).prop_map(|n| "y".repeat(n)),
    ]
}

/// A form's fields: mostly the endpoint's own, some repeated or unknown, in any order.
fn form(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    let mut names: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    names.extend(["x", "__err", "_"].map(str::to_owned));
    prop::collection::vec((prop::sample::select(names), value()), 0..8)
}

/// A body sent as it is: bytes that are not UTF-8, JSON, or nothing, under some content type.
fn raw() -> impl Strategy<Value = (Option<&'static str>, Vec<u8>)> {
    let kind = prop::sample::select(vec![
        Some("application/x-www-form-urlencoded"),
        Some("application/json"),
        Some("multipart/form-data; boundary=x"),
        Some("text/plain"),
        None,
    ]);
    (kind, prop::collection::vec(any::<u8>(), 0..300))
}

fn bodies_for_uploads(runner: &mut TestRunner) -> (Option<&'static str>, Vec<u8>) {
    raw().new_tree(runner).expect("body").current()
}

fn page() -> impl Strategy<Value = String> {
    let text = || value().prop_map(|v| urlencode(&v));
    prop_oneof![
        (text(), text(), text(), text()).prop_map(|(slug, before, after, around)| format!(
            "/r/{slug}?before={before}&after={after}&around={around}"
        )),
        (text(), text()).prop_map(|(key, value)| format!("/r/lobby?{key}={value}")),
        (text(), text()).prop_map(|(slug, seq)| format!("/r/{slug}/m/{seq}")),
        text().prop_map(|seq| format!("/r/lobby/m/{seq}")),
        (text(), text()).prop_map(|(seq, q)| format!("/r/lobby/m/{seq}/react?q={q}")),
        text().prop_map(|reply| format!("/r/lobby?reply={reply}")),
        (text(), text()).prop_map(|(slug, query)| format!("/r/{slug}/attach?{query}")),
        text().prop_map(|id| format!("/files/{id}")),
        text().prop_map(|id| format!("/files/{id}/thumb")),
        text().prop_map(|next| format!("/?next={next}")),
        (text(), text()).prop_map(|(error, field)| format!("/account?__err={error}&{field}=1")),
        text().prop_map(|path| format!("/{path}")),
        text().prop_map(|query| format!("/admin?{query}")),
        (text(), text(), text(), text()).prop_map(|(q, room, from, before)| format!(
            "/search?q={q}&room={room}&from={from}&to={from}&author={room}&before={before}"
        )),
    ]
}

/// No 5xx, but a documented 503: the assistant is not configured or busy (a state of the
/// server, not a fault).
/// A POST of a random form to `url`, or (one case in four) of a random body of any type.
fn random_post<F, B>(
    http: &reqwest::Client,
    url: &str,
    case: usize,
    (forms, bodies): (&F, &B),
    runner: &mut TestRunner,
) -> reqwest::Request
where
    F: Strategy<Value = Vec<(String, String)>>,
    B: Strategy<Value = (Option<&'static str>, Vec<u8>)>,
{
    let request = if case % 4 == 3 {
        let (kind, bytes) = bodies.new_tree(runner).expect("body").current();
        let request = http.post(url).body(bytes);
        match kind {
            Some(kind) => request.header(CONTENT_TYPE, kind),
            None => request,
        }
    } else {
        http.post(url).form(&forms.new_tree(runner).expect("form").current())
    };
    request.build().expect("request")
}

async fn assert_not_a_fault(response: reqwest::Response, request: &str) {
    let status = response.status();
    if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let code = body["code"].as_str().unwrap_or_default();
        assert!(code.starts_with("assistant_"), "503 ({body}) for {request}");
        return;
    }
    assert!(!status.is_server_error(), "{status} for {request}");
}

fn urlencode(text: &str) -> String {
    crate::helpers::urlencode(text)
}

#[tokio::test]
async fn server_functions_and_pages_never_answer_5xx_to_random_input() {
    let app = TestApp::spawn().await;
    app.member("Ada").await;
    let visitors =
        [("guest", crate::helpers::anonymous_http()), ("Ada", app.http(Some("Ada")).await)];
    let mut runner = TestRunner::deterministic();
    let mut requests = 0;
    for (endpoint, fields) in ENDPOINTS {
        let url = app.url(&format!("/api/{endpoint}"));
        let (forms, bodies) = (form(fields), raw());
        for (who, http) in &visitors {
            // Signing out would leave the rest of Ada's cases to a guest.
            if *endpoint == "sign_out" && *who == "Ada" {
                continue;
            }
            for case in 0..CASES {
                let request = random_post(http, &url, case, (&forms, &bodies), &mut runner);
                let shown = format!("{who}: {} {:?}", request.url(), request.body());
                let response =
                    http.execute(request).await.unwrap_or_else(|e| panic!("{shown}: {e}"));
                requests += 1;
                assert_not_a_fault(response, &shown).await;
            }
        }
    }
    let pages = page();
    for case in 0..PAGE_CASES {
        let (who, http) = &visitors[case % 2];
        let path = pages.new_tree(&mut runner).expect("path").current();
        // The HTTP client cannot even write a URI past 64 KiB (`http::Uri`'s limit).
        if path.len() > 60_000 {
            continue;
        }
        let response = http
            .get(app.url(&path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{who}: GET {path}: {e}"));
        requests += 1;
        assert_not_a_fault(response, &format!("{who}: GET {path}")).await;
    }
    // The room page's own message form (a refusal renders the page).
    let (forms, bodies) = (form(&["client_id", "body", "reply_to"]), raw());
    for case in 0..CASES * 2 {
        let (who, http) = &visitors[case % 2];
        let url = app.url("/r/lobby");
        let request = random_post(http, &url, case, (&forms, &bodies), &mut runner);
        let shown = format!("{who}: {} {:?}", request.url(), request.body());
        let response = http.execute(request).await.unwrap_or_else(|e| panic!("{shown}: {e}"));
        requests += 1;
        assert_not_a_fault(response, &shown).await;
    }
    // Uploads: random bodies of every kind to the form and to the raw upload.
    let texts = value();
    for case in 0..CASES * 2 {
        let (who, http) = &visitors[case % 2];
        let (kind, bytes) = bodies_for_uploads(&mut runner);
        let name = urlencode(&texts.new_tree(&mut runner).expect("name").current());
        let url = if case % 4 < 2 {
            app.url("/r/lobby/upload")
        } else {
            app.url(&format!("/api/v1/rooms/lobby/files?name={name}"))
        };
        let request = http.post(&url).body(bytes);
        let request = match kind {
            Some(kind) => request.header(CONTENT_TYPE, kind),
            None => request,
        };
        let response = request.send().await.unwrap_or_else(|e| panic!("{who}: POST {url}: {e}"));
        requests += 1;
        assert_not_a_fault(response, &format!("{who}: POST {url}")).await;
    }
    let health = reqwest::get(app.url("/healthz")).await.expect("health");
    assert!(health.status().is_success());
    println!("HTTP fuzzing: {requests} requests to server functions and pages, none a 5xx");
}
