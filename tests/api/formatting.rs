//! Message formatting as the server renders it: each construct of the Markdown subset becomes
//! its element, and nothing a message says becomes markup or a script.

use crate::helpers::TestApp;
use crate::pages::page;
use parley::protocol::SendMessage;

/// The rendered body of the message at `seq` in `html`, its hydration markers removed.
fn rendered_body(html: &str, seq: i64) -> String {
    let start = html.find(&format!(r#"id="m{seq}""#)).expect("the message is on the page");
    let body = &html[start..];
    let open = r#"<div class="body">"#;
    let from = body.find(open).expect("its body") + open.len();
    let to = body[from..].find("</div>").expect("the end of its body") + from;
    let mut body = body[from..to].to_owned();
    while let Some(start) = body.find("<!") {
        let end = body[start..].find('>').expect("the end of the marker") + start;
        body.replace_range(start..=end, "");
    }
    body
}

/// Every tag of `html` (its text escaped, so each `<` opens one): its name and attribute names.
fn tags(html: &str) -> Vec<(String, Vec<String>)> {
    html.split('<')
        .skip(1)
        .map(|tag| {
            let tag = &tag[..tag.find('>').expect("the tag ends")];
            // Attribute values are quoted, with their own quotes escaped: drop them.
            let unquoted: String = tag.split('"').step_by(2).collect::<Vec<_>>().join(" ");
            let mut words = unquoted.split_whitespace();
            let name = words.next().unwrap_or_default().trim_start_matches('/').to_owned();
            let attributes = words.map(|w| w.trim_end_matches('=').to_owned()).collect();
            (name, attributes)
        })
        .collect()
}

async fn rendered(bodies: &[&str]) -> Vec<String> {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    for (i, body) in bodies.iter().enumerate() {
        let send = SendMessage {
            room: "lobby".into(),
            client_id: format!("c{i}"),
            body: (*body).into(),
            reply_to: None,
            files: vec![],
        };
        ada.ok(&send).await;
    }
    let (_, html) = page(&app, Some("Ada"), "/r/lobby").await;
    (1..=bodies.len() as i64).map(|seq| rendered_body(&html, seq)).collect()
}

#[tokio::test]
async fn each_construct_of_the_subset_becomes_its_element() {
    let html = rendered(&[
        "**bold** _italic_ ~~gone~~ `x < y`",
        "```\nfn main() {\n    println!(\"<hi>\");\n}\n```",
        "> quoted\n\n- one\n- two\n\n3. three\n4. four",
        "see [the docs](https://docs.rs/leptos) or https://example.org/a?b=1 or <ada@example.org>",
        "line one\nline two",
    ])
    .await;
    assert_eq!(
        html[0],
        "<p><strong>bold</strong> <em>italic</em> <s>gone</s> <code>x &lt; y</code></p>"
    );
    assert_eq!(html[1], "<pre><code>fn main() {\n    println!(\"&lt;hi&gt;\");\n}</code></pre>");
    assert_eq!(
        html[2],
        "<blockquote><p>quoted</p></blockquote><ul><li><p>one</p></li><li><p>two</p></li></ul>\
         <ol start=\"3\"><li><p>three</p></li><li><p>four</p></li></ol>"
    );
    let rel = r#"rel="noopener noreferrer nofollow" target="_blank""#;
    assert_eq!(
        html[3],
        format!(
            "<p>see <a href=\"https://docs.rs/leptos\" {rel}>the docs</a> or \
             <a href=\"https://example.org/a?b=1\" {rel}>https://example.org/a?b=1</a> or \
             <a href=\"mailto:ada@example.org\" {rel}>ada@example.org</a></p>"
        )
    );
    assert_eq!(html[4], "<p>line one<br>line two</p>");
}

#[tokio::test]
async fn no_construct_lets_markup_or_a_script_through() {
    let hostile = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "**<img src=x onerror=alert(1)>**",
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[x](https://e.org/\"onmouseover=\"alert(1))",
        "[<b onmouseover=alert(1)>x</b>](https://e.org)",
        "`</code><script>alert(1)</script>`",
        "```\n</code></pre><script>alert(1)</script>\n```",
        "> <iframe src=javascript:alert(1)>",
        "- <svg onload=alert(1)>",
        "![x](javascript:alert(1))",
        "# <script>alert(1)</script>",
        "https://e.org/<script>alert(1)</script>",
    ];
    let html = rendered(&hostile).await;
    for (body, html) in hostile.iter().zip(&html) {
        for (name, attributes) in tags(html) {
            let allowed: &[&str] = match name.as_str() {
                "a" => &["href", "rel", "target"],
                "ol" => &["start"],
                "p" | "br" | "strong" | "em" | "s" | "code" | "pre" | "blockquote" | "ul"
                | "li" => &[],
                _ => panic!("{body:?} rendered a <{name}>: {html}"),
            };
            assert!(
                attributes.iter().all(|a| allowed.contains(&a.as_str())),
                "{body:?} rendered as {html}"
            );
        }
        for href in html.split("href=\"").skip(1) {
            assert!(
                href.starts_with("https://") || href.starts_with("mailto:"),
                "{body:?} rendered as {html}"
            );
        }
        let text: String =
            html.split('<').map(|part| part.split_once('>').map_or(part, |(_, t)| t)).collect();
        assert!(!text.trim().is_empty(), "{body:?} shows as text: {html}");
    }
    // The link whose target tries to close its attribute keeps the quote inside it.
    assert!(
        html[7].contains("href=\"https://e.org/&quot;onmouseover=&quot;alert(1)\""),
        "{}",
        html[7]
    );
}
