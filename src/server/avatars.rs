//! People's pictures over HTTP.
//!
//! - `GET /avatar?name=…`: the picture of the account `name` (without regard to case): the one
//!   they uploaded (a JPEG or PNG, 96 pixels square), or their initial on the colour their name
//!   gives (SVG). Anyone may fetch it; 404 for a name without an account. Revalidated on every
//!   use (`no-cache` with an `ETag`), so a new picture shows on the next page.
//! - `POST /account/avatar`: the account page's form (`multipart/form-data`, `file`), with or
//!   without JavaScript. Set: back to `/account` (303). Refused: the account page itself, with the
//!   reason and the refusal's status (400, 401, 413, 415, 429).
//! - `POST /account/avatar/remove`: back to the initial, then to `/account` (303).

use super::http::AppState;
use super::usecases::AvatarImage;
use crate::api::AvatarRefused;
use crate::protocol::{ErrorCode, ProtocolError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

/// The routes that need no more than the usual body limit (the upload is in `uploads`).
pub fn routes() -> Router<AppState> {
    Router::new().route("/avatar", get(serve)).route("/account/avatar/remove", post(remove_form))
}

async fn serve(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<crate::model::AvatarOf>, QueryRejection>,
) -> Response {
    let Ok(Query(crate::model::AvatarOf { name })) = query else {
        return (StatusCode::BAD_REQUEST, "Say whose picture: /avatar?name=…").into_response();
    };
    let (content_type, etag, body) = match state.chat.avatar(&name).await {
        Ok(Some(AvatarImage::Uploaded(avatar))) => {
            (avatar.content_type, format!("\"{}\"", avatar.updated_at), avatar.data)
        }
        Ok(Some(AvatarImage::Initial(svg))) => {
            ("image/svg+xml; charset=utf-8".to_owned(), "\"initial\"".to_owned(), svg.into_bytes())
        }
        Ok(None) => return (StatusCode::NOT_FOUND, "Nobody has that name.").into_response(),
        Err(error) => {
            let refusal = ProtocolError::from(error);
            let status = super::error::http_status(refusal.code);
            return (status, axum::Json(refusal)).into_response();
        }
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        out.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, value);
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

pub(super) async fn upload_form(
    State(state): State<AppState>,
    parts: Parts,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let who = state.chat.session(&parts.headers).await.map(|session| session.user.name);
    let max_mb = state.chat.limits.files.per_file / super::limits::FileLimits::MB;
    let set = async {
        let fields = super::uploads::read_form(form, max_mb).await?;
        let Some((_, bytes)) = fields.file else {
            return Err(ProtocolError::new(ErrorCode::UnsupportedFile, "Choose a picture."));
        };
        Ok(state.chat.set_avatar(who.as_deref(), bytes).await?)
    };
    match set.await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(refusal) => refused(&state, parts, refusal).await,
    }
}

async fn remove_form(State(state): State<AppState>, parts: Parts) -> Response {
    let who = state.chat.session(&parts.headers).await.map(|session| session.user.name);
    match state.chat.remove_avatar(who.as_deref()).await {
        Ok(()) => Redirect::to("/account").into_response(),
        Err(error) => refused(&state, parts, ProtocolError::from(error)).await,
    }
}

/// The account page, saying why the picture was refused.
async fn refused(state: &AppState, parts: Parts, refusal: ProtocolError) -> Response {
    let status = super::error::http_status(refusal.code);
    let refused = AvatarRefused(refusal.message);
    super::http::render_refused(state, parts, Some("/account"), status, refused).await
}
