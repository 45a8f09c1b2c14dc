//! Files: uploaded to a room (raw over HTTP with a session or an API token, or by the
//! no-JavaScript form), typed by their content, previewed when they are pictures, attached by a
//! message, served only to those who may read the room, erased with their message, and refused
//! with a clear error when too large, too many, of another type, or past the hourly allowance.

use crate::helpers::{TestApp, TestClient};
use crate::pages::{location, page};
use parley::model::{Attachment, Message};
use parley::protocol::{
    CreateRoom, DeleteMessage, ErrorCode, InviteMember, ListMessages, OpenDirect, Range,
    SendMessage,
};
use parley::server::limits::FileLimits;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

/// A PNG picture of `width` × `height` pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

fn send(room: &str, client_id: &str, body: &str, files: &[&Attachment]) -> SendMessage {
    let files = files.iter().map(|file| file.id.clone()).collect();
    SendMessage { files, ..crate::helpers::send(room, client_id, body) }
}

/// Uploads `bytes` as `who` (their session cookie; `None`: a guest) to `room`: the status and
/// the JSON answer.
pub async fn upload(
    app: &TestApp,
    who: Option<&str>,
    room: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let url =
        app.url(&format!("/api/v1/rooms/{room}/files?name={}", crate::helpers::urlencode(name)));
    let response = app.http(who).await.post(url).body(bytes).send().await.expect("upload");
    let status = response.status();
    (status, response.json().await.expect("json answer"))
}

/// An upload that must succeed.
pub async fn uploaded(
    app: &TestApp,
    who: &str,
    room: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Attachment {
    let (status, answer) = upload(app, Some(who), room, name, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    serde_json::from_value(answer).expect("an attachment")
}

/// A file as `who` fetches it: status, headers and bytes.
async fn fetch(
    app: &TestApp,
    who: Option<&str>,
    path: &str,
) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let response = app.http(who).await.get(app.url(path)).send().await.expect("get");
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.expect("body").to_vec())
}

fn code(answer: &Value) -> ErrorCode {
    serde_json::from_value(answer["error"]["code"].clone()).expect("an error code")
}

async fn messages(client: &TestClient, room: &str) -> Vec<Message> {
    client.ok(&ListMessages { room: room.into(), range: Range::After(0) }).await.messages
}

#[tokio::test]
async fn a_picture_is_uploaded_previewed_attached_and_seen_by_the_room() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;

    let picture = png(1600, 900);
    let file = uploaded(&app, "Ada", "lobby", "C:\\photos\\harbour.png", picture.clone()).await;
    assert_eq!(file.name, "harbour.png", "the name loses its path");
    assert_eq!(file.content_type, "image/png");
    assert_eq!(file.size, picture.len() as i64);
    assert_eq!((file.width, file.height), (Some(1600), Some(900)));
    assert_eq!(file.id.len(), 32);
    assert_eq!(file.preview_size(), Some((320, 180)));

    // Unattached, it is Ada's alone.
    let url = file.url();
    assert_eq!(fetch(&app, Some("Ada"), &url).await.0, StatusCode::OK);
    assert_eq!(fetch(&app, Some("Bob"), &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, None, &url).await.0, StatusCode::NOT_FOUND);

    // A message with nothing but the picture.
    let sent = ada.ok(&send("lobby", "pic", "", &[&file])).await;
    assert_eq!(sent.files, vec![file.clone()]);
    assert_eq!(sent.body, "");
    let seen = bob.next_message().await;
    assert_eq!(seen.files, vec![file.clone()], "the broadcast carries the file");
    assert_eq!(
        messages(&bob, "lobby").await.last().map(|m| m.files.clone()),
        Some(vec![file.clone()])
    );
    // A retry answers the message as stored, file and all.
    assert_eq!(ada.ok(&send("lobby", "pic", "", &[&file])).await, sent);

    // Now everyone who may read the lobby gets it, guests included, shown inline.
    for who in [Some("Bob"), None] {
        let (status, headers, bytes) = fetch(&app, who, &url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, picture);
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers[header::CONTENT_DISPOSITION].to_str().expect("ascii");
        assert!(disposition.starts_with("inline; filename=\"harbour.png\""), "{disposition}");
    }
    // The preview: a JPEG at most twice the box, the picture's shape kept.
    let (status, headers, thumb) = fetch(&app, Some("Bob"), &file.thumb_url()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    let preview = image::load_from_memory(&thumb).expect("a picture");
    assert_eq!((preview.width(), preview.height()), (640, 360));

    // Attached once: a second message cannot take it.
    let again = ada.refused(&send("lobby", "again", "twice?", &[&file])).await;
    assert_eq!(again.code, ErrorCode::UnknownFile);
    // Nor can Bob attach Ada's uploads.
    let hers = uploaded(&app, "Ada", "lobby", "b.png", png(10, 10)).await;
    assert_eq!(
        bob.refused(&send("lobby", "steal", "mine", &[&hers])).await.code,
        ErrorCode::UnknownFile
    );
    // A message without text or files is still empty.
    assert_eq!(ada.refused(&send("lobby", "empty", "  ", &[])).await.code, ErrorCode::EmptyMessage);
}

#[tokio::test]
async fn other_files_are_downloads_typed_by_their_content_not_their_name() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let notes = uploaded(&app, "Ada", "lobby", "notes.txt", "tea at 5\nbring cake".into()).await;
    assert_eq!((notes.content_type.as_str(), notes.width), ("text/plain", None));
    assert_eq!(notes.preview_size(), None);
    let pdf = uploaded(&app, "Ada", "lobby", "plan.pdf", b"%PDF-1.7\n%\xe2\xe3\n".to_vec()).await;
    assert_eq!(pdf.content_type, "application/pdf");
    // Text named as a picture is stored as the text it is, and served as a download; markup is
    // refused, whatever its name.
    let fake = uploaded(&app, "Ada", "lobby", "cat.png", b"miaow <b>not a cat</b>".to_vec()).await;
    assert_eq!(fake.content_type, "text/plain");
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let (status, _) = crate::files::upload(&app, Some("Ada"), "lobby", "cat.png", html).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let sent = ada.ok(&send("lobby", "docs", "the files", &[&notes, &pdf, &fake])).await;
    assert_eq!(sent.files, vec![notes.clone(), pdf.clone(), fake.clone()], "in the order given");

    let (status, headers, bytes) = fetch(&app, Some("Ada"), &fake.url()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, b"miaow <b>not a cat</b>");
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .starts_with("attachment;"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii");
    assert!(csp.contains("script-src 'none'"), "{csp}");
    // Names outside ASCII survive in `filename*`.
    let accented = uploaded(&app, "Ada", "lobby", "résumé.txt", "cv".into()).await;
    ada.ok(&send("lobby", "cv", "", &[&accented])).await;
    let (_, headers, _) = fetch(&app, Some("Ada"), &accented.url()).await;
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().expect("ascii");
    assert!(disposition.ends_with("filename*=UTF-8''r%C3%A9sum%C3%A9%2Etxt"), "{disposition}");
}

#[tokio::test]
async fn bad_uploads_are_refused_and_store_nothing() {
    let app = TestApp::builder()
        .limits(|limits| limits.files = FileLimits { per_file: 64 * 1024, per_hour: 200 * 1024 })
        .start()
        .await;
    let ada = app.member("Ada").await;

    // Too large: refused before it is read to the end.
    let (status, answer) =
        upload(&app, Some("Ada"), "lobby", "big.txt", vec![b'a'; 64 * 1024 + 1]).await;
    assert_eq!((status, code(&answer)), (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::FileTooLarge));
    // Not a type Parley accepts: an executable, binary junk, a truncated picture.
    for (name, bytes) in [
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec()),
        ("junk.bin", vec![0, 159, 146, 150, 0, 1]),
        ("broken.png", png(40, 40)[..60].to_vec()),
        ("empty.txt", Vec::new()),
    ] {
        let (status, answer) = upload(&app, Some("Ada"), "lobby", name, bytes).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}: {answer}");
        assert_eq!(code(&answer), ErrorCode::UnsupportedFile);
        assert!(answer["error"]["message"].as_str().expect("text").contains(name));
    }
    // Guests cannot upload; rooms one cannot post in do not exist.
    let (status, answer) = upload(&app, None, "lobby", "a.txt", "hi".into()).await;
    assert_eq!((status, code(&answer)), (StatusCode::UNAUTHORIZED, ErrorCode::NotSignedIn));
    let (status, answer) = upload(&app, Some("Ada"), "nowhere", "a.txt", "hi".into()).await;
    assert_eq!((status, code(&answer)), (StatusCode::NOT_FOUND, ErrorCode::UnknownRoom));

    // Five files on one message are too many; an unknown id is refused; nothing is stored.
    let mut five = Vec::new();
    for i in 0..5 {
        five.push(uploaded(&app, "Ada", "lobby", &format!("{i}.txt"), format!("{i}").into()).await);
    }
    let refused = ada.refused(&send("lobby", "five", "hi", &five.iter().collect::<Vec<_>>())).await;
    assert_eq!(refused.code, ErrorCode::InvalidPayload);
    let mut forged = five[0].clone();
    forged.id = "0".repeat(32);
    assert_eq!(
        ada.refused(&send("lobby", "forged", "hi", &[&forged])).await.code,
        ErrorCode::UnknownFile
    );
    assert!(messages(&ada, "lobby").await.is_empty(), "nothing was posted");
    // The files refused with their message are still there to attach.
    ada.ok(&send("lobby", "four", "four", &five[..4].iter().collect::<Vec<_>>())).await;

    // The hourly allowance counts what was uploaded: 200 KiB, of which about 5 bytes are used.
    for i in 0..3 {
        let (status, answer) =
            upload(&app, Some("Ada"), "lobby", "part.txt", vec![b'a'; 60 * 1024]).await;
        assert_eq!(status, StatusCode::CREATED, "upload {i}: {answer}");
    }
    let (status, answer) =
        upload(&app, Some("Ada"), "lobby", "more.txt", vec![b'a'; 30 * 1024]).await;
    assert_eq!((status, code(&answer)), (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited));
    // Another person has an allowance of their own.
    let (status, _) = upload(&app, Some("Bob"), "lobby", "more.txt", vec![b'a'; 30 * 1024]).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn files_of_a_private_room_are_served_to_its_members_only_and_go_with_their_message() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let _carol = app.member("Carol").await;
    let secret = ada.ok(&CreateRoom { name: "Secret".into(), private: true }).await;
    ada.join(&secret.slug).await;
    ada.ok(&InviteMember { room: secret.slug.clone(), name: "Bob".into() }).await;
    bob.join(&secret.slug).await;

    // Outsiders cannot upload there either.
    let (status, _) = upload(&app, Some("Carol"), &secret.slug, "x.txt", "x".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let plans = uploaded(&app, "Ada", &secret.slug, "plans.png", png(30, 20)).await;
    // A file uploaded to one room cannot be attached in another.
    assert_eq!(
        ada.refused(&send("lobby", "leak", "look", &[&plans])).await.code,
        ErrorCode::UnknownFile
    );
    let sent = ada.ok(&send(&secret.slug, "plans", "the plans", &[&plans])).await;

    // And a direct conversation's, between Ada and Bob.
    let dm = ada.ok(&OpenDirect { name: "Bob".into() }).await;
    ada.join(&dm.slug).await;
    let note = uploaded(&app, "Ada", &dm.slug, "note.txt", "just us".into()).await;
    ada.ok(&send(&dm.slug, "note", "", &[&note])).await;

    for path in [plans.url(), plans.thumb_url(), note.url()] {
        assert_eq!(fetch(&app, Some("Bob"), &path).await.0, StatusCode::OK, "{path}");
        assert_eq!(fetch(&app, Some("Carol"), &path).await.0, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(fetch(&app, None, &path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // Deleting the message erases its files.
    let deleted = ada.ok(&DeleteMessage { room: secret.slug.clone(), seq: sent.seq }).await;
    assert!(deleted.files.is_empty());
    assert_eq!(fetch(&app, Some("Ada"), &plans.url()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, Some("Bob"), &plans.thumb_url()).await.0, StatusCode::NOT_FOUND);
    // Ids that are not ids name nothing.
    for path in
        ["/files/nothing", "/files/../../etc/passwd", "/files/ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"]
    {
        assert_eq!(fetch(&app, Some("Ada"), path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_rest_api_uploads_with_a_token_and_posts_with_files() {
    let app = TestApp::spawn().await;
    let token = app.api_token("Ada", "bot").await;
    let url = app.url("/api/v1/rooms/lobby/files?name=chart.png");
    let response = crate::helpers::anonymous_http()
        .post(url)
        .bearer_auth(&token)
        .body(png(50, 40))
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::CREATED);
    let file: Attachment = response.json().await.expect("attachment");
    let (status, message) = app
        .rest(
            Some(&token),
            reqwest::Method::POST,
            "/api/v1/rooms/lobby/messages",
            Some(json!({"body": "", "files": [file.id]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    assert_eq!(message["files"][0]["width"], 50);
    assert_eq!(message["files"][0]["name"], "chart.png");
    // A wrong token is refused before the body is looked at.
    let response = crate::helpers::anonymous_http()
        .post(app.url("/api/v1/rooms/lobby/files?name=x.txt"))
        .bearer_auth("pt_nope")
        .body("x")
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_form_without_javascript_uploads_and_posts_or_says_why_not() {
    let app = TestApp::spawn().await;
    let _ada = app.member("Ada").await;
    let (status, html) = page(&app, Some("Ada"), "/r/lobby/attach").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("action=\"/r/lobby/attach\""), "it posts to itself");
    assert!(html.contains("up to 10 MB"), "the limit is said");
    // Guests are told to sign in.
    assert_eq!(page(&app, None, "/r/lobby/attach").await.0, StatusCode::UNAUTHORIZED);

    let post = |name: &'static str, bytes: Vec<u8>, body: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("client_id", format!("form-{}", name.replace('.', "-")))
            .text("body", body)
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        let app = &app;
        async move {
            app.http(Some("Ada"))
                .await
                .post(app.url("/r/lobby/attach"))
                .multipart(form)
                .send()
                .await
                .expect("post")
        }
    };
    let response = post("boat.png", png(400, 300), "my boat").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/r/lobby");
    let (_, room) = page(&app, Some("Ada"), "/r/lobby").await;
    assert!(room.contains("my boat"));
    // The picture shows at its preview size, so the page does not jump when it loads.
    assert!(room.contains("width=\"320\" height=\"240\""), "{room}");
    assert!(room.contains("alt=\"boat.png\""));

    // A refusal is answered with the form, which says why, keeping the text (as text).
    let response =
        post("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00".to_vec(), "see <b>this</b>").await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let form = response.text().await.expect("page");
    assert!(form.contains("tool.exe is not a file Parley accepts"), "{form}");
    assert!(form.contains(">see &lt;b&gt;this&lt;/b&gt;</textarea>"), "the text is kept");
    assert!(form.contains("enctype=\"multipart/form-data\""), "the form again");
}
