//! The message box without JavaScript: `POST /r/{slug}` (`client_id`, `body`, optional
//! `reply_to`, URL-encoded). A stored message sends the browser back to the room (303); a
//! refused one answers the room page itself, with the refusal's status, the reason under the
//! message box and the text still in it, so that nothing typed is lost (a redirect could not
//! carry 4,000 characters in its URL).

use super::http::AppState;
use crate::api::RefusedPost;
use crate::protocol::{ProtocolError, SendMessage};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{request::Parts, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PostForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    body: String,
    reply_to: Option<i64>,
}

pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    parts: Parts,
    form: Result<Form<PostForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => {
            let why = format!("The message form could not be read: {}", rejection.body_text());
            return (StatusCode::BAD_REQUEST, why).into_response();
        }
    };
    let me = state.chat.session(&parts.headers).await.map(|session| session.user.name);
    let input = SendMessage {
        room: slug,
        client_id: form.client_id,
        body: form.body.clone(),
        reply_to: form.reply_to,
        files: Vec::new(),
    };
    let refusal = match state.chat.post_message(me.as_deref(), input).await {
        Ok(message) => return Redirect::to(&format!("/r/{}", message.room)).into_response(),
        Err(error) => ProtocolError::from(error),
    };
    refusal_page(&state, parts, None, (form.body, form.reply_to), refusal).await
}

/// Answers a refused form with its page (`path`, or the request's own) and the refusal's
/// status. The page's loader finds what was sent (`body`, `reply_to`) and why it was refused
/// as a [`RefusedPost`] in the request's extensions.
pub(super) async fn refusal_page(
    state: &AppState,
    parts: Parts,
    path: Option<&str>,
    (body, reply_to): (String, Option<i64>),
    refusal: ProtocolError,
) -> Response {
    let status = super::error::http_status(refusal.code);
    let refused = RefusedPost { body, reply_to, error: refusal.message };
    super::http::render_refused(state, parts, path, status, refused).await
}
