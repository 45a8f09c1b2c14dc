//! Files over HTTP: uploading one (raw bytes, for scripts and the hydrated composer; a form,
//! without JavaScript) and fetching one. Uploads have a body limit of their own, the largest
//! file (`PARLEY_FILE_MAX_MB`) and a little more, instead of the 64 KiB of other requests.
//!
//! - `POST /api/v1/rooms/{slug}/files?name=…`: the body is the file. Authorised by a personal
//!   API token or by the session cookie (a same-origin page: cross-site writes are refused
//!   before this). Answers 201 with the `Attachment`, to pass in `files` of a message.
//! - `POST /r/{slug}/attach` (or `/r/{slug}/upload`): the no-JavaScript form of that page
//!   (`multipart/form-data`: `file`, `body`,
//!   `client_id`, `reply_to`): uploads and posts in one go, then back to the room; a refusal
//!   answers the form again, with the reason and the text (and the refusal's status).
//! - `GET /files/{id}` and `/files/{id}/thumb`: the bytes, to whoever may read the room.
//!   Pictures are shown inline; every other file is a download (`Content-Disposition:
//!   attachment`). The type is the one told from the content at upload, with `nosniff`.

use super::error::AppError;
use super::http::AppState;
use super::rest::{ApiError, ApiErrorBody};
use crate::model::Attachment;
use crate::protocol::{ErrorCode, ProtocolError, SendMessage};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

/// The upload routes, with their own body limit (`per_file` and room for a form's fields).
pub fn upload_routes(per_file: u64) -> Router<AppState> {
    let limit = usize::try_from(per_file).unwrap_or(usize::MAX).saturating_add(64 * 1024);
    Router::new()
        .route("/api/v1/rooms/{slug}/files", post(upload))
        .route("/r/{slug}/upload", post(attach_form))
        // The page's own form posts to the page, so that a refusal answered with the page
        // leaves the browser on the page's address (hydration routes by it).
        .route("/r/{slug}/attach", post(attach_form))
        .route("/account/avatar", post(super::avatars::upload_form))
        .layer(DefaultBodyLimit::max(limit))
}

/// The routes that serve files.
pub fn file_routes() -> Router<AppState> {
    Router::new()
        .route("/files/{id}", get(|s, h, p| serve(s, h, p, false)))
        .route("/files/{id}/thumb", get(|s, h, p| serve(s, h, p, true)))
}

/// Who is uploading: the owner of an API token, or the person signed in on this browser.
async fn uploader(state: &AppState, headers: &HeaderMap) -> Result<Option<String>, AppError> {
    if let Some(token) = super::auth::identity::bearer(headers) {
        return Ok(Some(state.chat.api_caller(token.trim()).await?));
    }
    Ok(state.chat.session(headers).await.map(|session| session.user.name))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name as people will see it (its type is told from its content): its last
    /// path component, without control characters, cut at 200 characters; "file" if empty.
    #[serde(default)]
    name: String,
}

/// Uploads a file to a room the caller may post in. The body is the file itself. It stays
/// unattached (seen only by its uploader) until a message names it in `files`; unattached
/// files are forgotten after a day.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{slug}/files",
    params(("slug" = String, Path, description = "The room's slug"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored, not yet attached", body = Attachment),
        (status = 401, description = "No token (nor session), or an unknown or revoked one", body = ApiErrorBody),
        (status = 403, description = "Banned from the room", body = ApiErrorBody),
        (status = 404, description = "No such room (or a private one the caller is not in)", body = ApiErrorBody),
        (status = 413, description = "Larger than PARLEY_FILE_MAX_MB", body = ApiErrorBody),
        (status = 415, description = "Not a picture (PNG, JPEG, GIF, WebP), PDF, ZIP or plain text, by its content", body = ApiErrorBody),
        (status = 429, description = "Past PARLEY_UPLOAD_MB_PER_HOUR, or calling too fast", body = ApiErrorBody),
    ),
    security(("token" = []))
)]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Attachment>), ApiError> {
    let Query(query) = query?;
    let who = uploader(&state, &headers).await?;
    let bytes = body.map_err(|_| too_large(&state))?;
    let file = state.chat.upload(who.as_deref(), &slug, &query.name, bytes.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(file)))
}

/// A body past the route's limit.
fn too_large(state: &AppState) -> ApiError {
    let most = state.chat.limits.files.per_file / super::limits::FileLimits::MB;
    ApiError::from(super::error::refuse::file_too_large("That file", most))
}

/// The no-JavaScript form: upload one file and post it with the text, then back to the room.
async fn attach_form(
    State(state): State<AppState>,
    parts: Parts,
    Path(slug): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let who = state.chat.session(&parts.headers).await.map(|session| session.user.name);
    let max_mb = state.chat.limits.files.per_file / super::limits::FileLimits::MB;
    let fields = match read_form(form, max_mb).await {
        Ok(fields) => fields,
        Err(refusal) => {
            return refused_form(&state, parts, &slug, (String::new(), None), refusal).await
        }
    };
    let kept = (fields.body.clone(), fields.reply_to);
    let posted = async {
        let Some((name, bytes)) = fields.file else {
            return Err(ProtocolError::new(ErrorCode::UnknownFile, "Choose a file to attach."));
        };
        // What the message would refuse is refused before the file is stored.
        crate::model::validate_client_id(&fields.client_id)?;
        crate::model::validate_post(&fields.body, true)?;
        let file = state.chat.upload(who.as_deref(), &slug, &name, bytes).await?;
        let input = SendMessage {
            room: slug.clone(),
            client_id: fields.client_id,
            body: fields.body,
            reply_to: fields.reply_to,
            files: vec![file.id],
        };
        Ok(state.chat.post_message(who.as_deref(), input).await?)
    };
    match posted.await {
        Ok(_) => Redirect::to(&format!("/r/{slug}")).into_response(),
        Err(refusal) => refused_form(&state, parts, &slug, kept, refusal).await,
    }
}

/// The attach form again, saying why, with the text kept (the file must be chosen again: no
/// page can set a file input).
async fn refused_form(
    state: &AppState,
    parts: Parts,
    slug: &str,
    kept: (String, Option<i64>),
    refusal: ProtocolError,
) -> Response {
    let form = format!("/r/{slug}/attach");
    super::compose::refusal_page(state, parts, Some(&form), kept, refusal).await
}

#[derive(Default)]
pub(super) struct FormFields {
    pub(super) file: Option<(String, Vec<u8>)>,
    body: String,
    client_id: String,
    reply_to: Option<i64>,
}

pub(super) async fn read_form(
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    max_mb: u64,
) -> Result<FormFields, ProtocolError> {
    let unreadable =
        || ProtocolError::new(ErrorCode::InvalidPayload, "The form could not be read.");
    let form_error = |error: axum::extract::multipart::MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let why = format!("That file is too large: a file can be at most {max_mb} MB.");
            ProtocolError::new(ErrorCode::FileTooLarge, why)
        } else {
            unreadable()
        }
    };
    let mut form = form.map_err(|_| unreadable())?;
    let mut fields = FormFields::default();
    while let Some(field) = form.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(form_error)?;
                // A form sent with no file chosen has an empty, nameless part.
                if !(bytes.is_empty() && file_name.is_empty()) {
                    fields.file = Some((file_name, bytes.to_vec()));
                }
            }
            "body" => fields.body = field.text().await.map_err(|_| unreadable())?,
            "client_id" => fields.client_id = field.text().await.map_err(|_| unreadable())?,
            "reply_to" => {
                let text = field.text().await.map_err(|_| unreadable())?;
                fields.reply_to = match text.trim() {
                    "" => None,
                    seq => Some(seq.parse().map_err(|_| unreadable())?),
                };
            }
            _ => {}
        }
    }
    Ok(fields)
}

/// What a form that could not be read is refused with: too large, or malformed.
/// A file's bytes (or a picture's preview) for a reader who may see it; 404 for anyone else.
async fn serve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    thumb: bool,
) -> Response {
    let who = state.chat.session(&headers).await.map(|session| session.user.name);
    let (file, bytes) = match state.chat.file(who.as_deref(), &id, thumb).await {
        Ok(found) => found,
        Err(error) => {
            let refusal = ProtocolError::from(error);
            let status = super::error::http_status(refusal.code);
            return (status, Json(refusal)).into_response();
        }
    };
    let picture = file.width.is_some();
    let content_type = if thumb {
        // Previews are JPEG, or PNG where the picture has transparency.
        if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
            "image/png"
        } else {
            "image/jpeg"
        }
    } else if file.content_type == crate::server::media::TEXT {
        "text/plain; charset=utf-8"
    } else {
        file.content_type.as_str()
    };
    let kind = if picture { "inline" } else { "attachment" };
    let disposition = super::media::disposition(kind, &file.name);
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // A file never changes under its id; private rooms' files stay out of shared caches.
    let cache = HeaderValue::from_static("private, max-age=31536000, immutable");
    headers.insert(header::CACHE_CONTROL, cache);
    response
}
