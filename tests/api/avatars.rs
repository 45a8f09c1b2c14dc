//! People's pictures: `/avatar?name=` answers the uploaded one or the initial drawn on the name's
//! colour, to anyone; the account page's form sets and removes it, with or without JavaScript,
//! and refuses what is not a picture, too large, or from someone signed out, changing nothing.

use crate::files::png;
use crate::helpers::{anonymous_http, TestApp};
use crate::pages::{location, page};
use reqwest::{header, StatusCode};

/// Posts `bytes` as the account page's picture form of `who`.
async fn upload(app: &TestApp, who: Option<&str>, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("me.png"));
    app.http(who)
        .await
        .post(app.url("/account/avatar"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

/// `name`'s picture as anyone fetches it: status, type, ETag and bytes.
async fn avatar(app: &TestApp, name: &str) -> (StatusCode, String, String, Vec<u8>) {
    let url = app.url(&format!("/avatar?name={}", crate::helpers::urlencode(name)));
    let response = anonymous_http().get(url).send().await.expect("avatar");
    let header = |name| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    let (kind, etag) = (header(header::CONTENT_TYPE), header(header::ETAG));
    (response.status(), kind, etag, response.bytes().await.expect("bytes").to_vec())
}

#[tokio::test]
async fn a_person_without_a_picture_has_their_initial() {
    let app = TestApp::spawn().await;
    app.session("ada lovelace").await;
    // Any spelling of the name.
    let (status, kind, etag, svg) = avatar(&app, "Ada Lovelace").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("image/svg+xml"), "{kind}");
    let svg = String::from_utf8(svg).expect("svg text");
    assert!(svg.contains(">A</text>"), "{svg}");
    // The same drawing for the same name; revalidated by its ETag.
    let response = anonymous_http()
        .get(app.url("/avatar?name=ada%20lovelace"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("revalidate");
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);

    // Nobody of that name, or no name: said, not drawn.
    assert_eq!(avatar(&app, "Nobody").await.0, StatusCode::NOT_FOUND);
    let response = anonymous_http().get(app.url("/avatar")).send().await.expect("no name");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_uploaded_picture_is_made_small_and_square_and_shown_to_everyone() {
    let app = TestApp::spawn().await;
    app.session("Ada").await;
    let (_, page_before) = page(&app, Some("Ada"), "/account").await;
    assert!(page_before.contains("action=\"/account/avatar\""), "{page_before}");
    assert!(!page_before.contains("Remove picture"), "nothing to remove yet");

    let response = upload(&app, Some("Ada"), png(640, 480)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account");
    let (status, kind, etag, bytes) = avatar(&app, "Ada").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "image/jpeg");
    let made = image::load_from_memory(&bytes).expect("a picture");
    assert_eq!((made.width(), made.height()), (96, 96));
    assert_ne!(etag, "\"initial\"");
    // The account page shows it, at its version, and offers to remove it.
    let (_, account) = page(&app, Some("Ada"), "/account").await;
    assert!(account.contains("Remove picture"), "{account}");
    assert!(account.contains("/avatar?name=Ada&amp;v="), "{account}");

    // Removed: the initial again.
    let response = app
        .http(Some("Ada"))
        .await
        .post(app.url("/account/avatar/remove"))
        .send()
        .await
        .expect("remove");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, kind, _, _) = avatar(&app, "Ada").await;
    assert!(kind.starts_with("image/svg+xml"), "{kind}");

    // A deleted account's picture goes with it (the name stays, with its initial).
    assert_eq!(upload(&app, Some("Ada"), png(64, 64)).await.status(), StatusCode::SEE_OTHER);
    let confirm = [("password", crate::helpers::PASSWORD)];
    let response =
        crate::pages::post_form(&app, Some("Ada"), "/api/delete_account", "/account", &confirm)
            .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let (_, kind, _, _) = avatar(&app, "Ada").await;
    assert!(kind.starts_with("image/svg+xml"), "{kind}");
}

#[tokio::test]
async fn what_is_not_a_picture_is_refused_on_the_account_page_and_changes_nothing() {
    let app = TestApp::builder().limits(|limits| limits.files.per_file = 100 * 1024).start().await;
    app.session("Ada").await;
    let response = upload(&app, Some("Ada"), png(64, 64)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, _, before, _) = avatar(&app, "Ada").await;

    // A PDF is a file Parley accepts, but not a picture.
    let response = upload(&app, Some("Ada"), b"%PDF-1.7\n".to_vec()).await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let html = response.text().await.expect("page");
    assert!(html.contains("That is not a picture Parley can read"), "{html}");
    assert!(html.contains("Your picture"), "the account page again");
    // A picture whose content is broken.
    let mut broken = png(64, 64);
    broken.truncate(40);
    assert_eq!(
        upload(&app, Some("Ada"), broken).await.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // Too large.
    let response = upload(&app, Some("Ada"), vec![0x89; 200 * 1024]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Signed out.
    assert_eq!(upload(&app, None, png(64, 64)).await.status(), StatusCode::UNAUTHORIZED);
    let response =
        anonymous_http().post(app.url("/account/avatar/remove")).send().await.expect("remove");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let (_, _, after, _) = avatar(&app, "Ada").await;
    assert_eq!(before, after, "the picture set before is still there");
}

#[tokio::test]
async fn pages_show_each_person_by_their_picture() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    ada.ok(&crate::helpers::send("lobby", "c-1", "hello")).await;
    let (_, room) = page(&app, None, "/r/lobby").await;
    assert!(room.contains("<img src=\"/avatar?name=Ada\" alt=\"\""), "{room}");
}
