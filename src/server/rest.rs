//! The REST API for integrations, at `/api/v1`: list rooms, read history by cursor, post a
//! message (broadcast live like any other), search. Every call carries a personal API token
//! (`Authorization: Bearer pt_…`, created and revoked on `/account`) and speaks for its owner, so
//! it reaches exactly what that person may: the same use cases as the socket and the forms.
//! The OpenAPI document, generated from these handlers and types, is at `/api/v1/openapi.json`.

use super::{error::AppError, http::AppState};
use crate::model::{Attachment, Message, Reaction, RoomEntry};
use crate::protocol::{
    Backlog, ErrorCode, Fragment, ListMessages, Object, ProtocolError, Range, Search, SearchHit,
    SearchResults, SendMessage,
};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{routing::get, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rooms", get(list_rooms))
        .route("/rooms/{slug}/messages", get(history).post(post_message))
        .route("/search", get(search))
        .route("/openapi.json", get(openapi))
        .fallback(|| async {
            let error = super::error::refuse::no_such_endpoint();
            (StatusCode::NOT_FOUND, Json(ApiErrorBody { error }))
        })
}

/// What every refusal carries: `{"error": {"code", "message"}}`, as socket acks do.
#[derive(Serialize, ToSchema)]
pub struct ApiErrorBody {
    error: ProtocolError,
}

/// A refusal with the HTTP status its code calls for.
pub struct ApiError(ProtocolError);

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ProtocolError::new(code, message))
    }

    fn status(&self) -> StatusCode {
        super::error::http_status(self.0.code)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error.into())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::new(
            ErrorCode::InvalidPayload,
            format!("Invalid JSON body: {}", rejection.body_text()),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(ErrorCode::InvalidPayload, format!("Invalid query: {}", rejection.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(ApiErrorBody { error: self.0 })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            let challenge = header::HeaderValue::from_static("Bearer realm=\"parley\"");
            response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// The person an API token speaks for.
pub struct Caller(String);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token =
            super::auth::identity::bearer(&parts.headers).map(str::trim).ok_or_else(|| {
                ApiError::new(ErrorCode::NotSignedIn, "Send a token: Authorization: Bearer pt_….")
            })?;
        Ok(Self(state.chat.api_caller(token).await?))
    }
}

/// Every room the token's owner can see, with how far they have read it.
#[utoipa::path(
    get,
    path = "/api/v1/rooms",
    responses(
        (status = 200, description = "The rooms, by name", body = [RoomEntry]),
        (status = 401, description = "No token, or an unknown or revoked one", body = ApiErrorBody),
        (status = 429, description = "Too many calls with this token", body = ApiErrorBody),
    ),
    security(("token" = []))
)]
async fn list_rooms(
    State(state): State<AppState>,
    Caller(me): Caller,
) -> Result<Json<Vec<RoomEntry>>, ApiError> {
    Ok(Json(state.chat.list_rooms(Some(&me)).await?))
}

/// Which page of history: after a position (oldest first; from the start without one), before
/// one (the page that ends there), or between the two.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Cursor {
    /// Messages after this position (`seq`), oldest first.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Messages before this position, oldest first: the page ending just before it. With
    /// `after` too, the messages strictly between the two.
    #[param(minimum = 1)]
    before: Option<i64>,
}

/// Up to 200 messages of a room's history, by cursor (never by offset). `complete: false` means
/// more follow in the direction asked: ask again from the last (`after`, or both) or the first
/// (`before` alone) message returned.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{slug}/messages",
    params(("slug" = String, Path, description = "The room's slug, as in /r/{slug}"), Cursor),
    responses(
        (status = 200, description = "One page of messages, oldest first", body = Backlog),
        (status = 400, description = "A malformed cursor", body = ApiErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ApiErrorBody),
        (status = 403, description = "The token's owner is banned from the room", body = ApiErrorBody),
        (status = 404, description = "No such room (or a private one the owner is not in)", body = ApiErrorBody),
        (status = 429, description = "Too many calls with this token", body = ApiErrorBody),
    ),
    security(("token" = []))
)]
async fn history(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(slug): Path<String>,
    cursor: Result<Query<Cursor>, QueryRejection>,
) -> Result<Json<Backlog>, ApiError> {
    let Query(Cursor { after, before }) = cursor?;
    if after.is_some_and(|after| after < 0) || before.is_some_and(|before| before < 1) {
        let why = "`after` is a position ≥ 0, `before` one ≥ 1.";
        return Err(ApiError::new(ErrorCode::InvalidPayload, why));
    }
    let range = match (after, before) {
        (None, Some(before)) => Range::Before(before),
        (after, _) => Range::After(after.unwrap_or(0)),
    };
    let mut page = state.chat.list_messages(Some(&me), ListMessages { room: slug, range }).await?;
    // Between two positions: the page from `after`, cut at `before` (nothing more follows then).
    if let (Some(_), Some(before)) = (after, before) {
        let fetched = page.messages.len();
        page.messages.retain(|m| m.seq < before);
        page.complete |= page.messages.len() < fetched;
    }
    Ok(Json(page))
}

/// A message to post.
#[derive(Deserialize, ToSchema)]
pub struct NewMessage {
    /// 1–4,000 characters after trimming, not all blank; no control characters but newlines
    /// and tabs.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    body: String,
    /// Makes retries safe: a second post with the same id returns the stored message and
    /// stores nothing. 1–64 characters of letters, digits, `-` and `_`; a fresh UUID if absent.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9_-]+$")]
    client_id: Option<String>,
    /// The seq of the message of this room that this one replies to.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    reply_to: Option<i64>,
    /// Files to attach: ids of files the token's owner uploaded to this room
    /// (`POST /api/v1/rooms/{slug}/files`) and has not attached yet. With files, `body` may be
    /// empty.
    #[serde(default)]
    #[schema(max_items = 4)]
    files: Vec<String>,
}

/// A whole number written either way JSON Schema's `integer` allows (`7` or `7.0`), up to 2^53.
fn whole_number<'de, D: serde::Deserializer<'de>>(input: D) -> Result<Option<i64>, D::Error> {
    const MAX_EXACT: f64 = 9_007_199_254_740_991.0;
    let Some(number) = Option::<serde_json::Number>::deserialize(input)? else { return Ok(None) };
    let whole = number.as_i64().or_else(|| {
        let float = number.as_f64()?;
        (float.fract() == 0.0 && float.abs() <= MAX_EXACT).then_some(float as i64)
    });
    whole
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{number} is not a whole number")))
}

/// Posts a message as the token's owner. It is stored, broadcast live to the room like any other
/// message, and returned.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{slug}/messages",
    params(("slug" = String, Path, description = "The room's slug")),
    request_body = NewMessage,
    responses(
        (status = 201, description = "Stored (or, for a known client_id, already stored)", body = Message),
        (status = 400, description = "An empty, too long or malformed message", body = ApiErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ApiErrorBody),
        (status = 403, description = "The token's owner is banned from the room", body = ApiErrorBody),
        (status = 404, description = "No such room (or a private one the owner is not in), no message `reply_to` in it, or a file of `files` that is not the owner's unattached upload to the room", body = ApiErrorBody),
        (status = 429, description = "Posting or calling too fast", body = ApiErrorBody),
    ),
    security(("token" = []))
)]
async fn post_message(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(slug): Path<String>,
    body: Result<Json<Object<NewMessage>>, JsonRejection>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let Json(Object(NewMessage { body, client_id, reply_to, files })) = body?;
    let client_id = client_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let input = SendMessage { room: slug, client_id, body, reply_to, files };
    let message = state.chat.post_message(Some(&me), input).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Messages the token's owner can see (public rooms, their private rooms and direct
/// conversations) that contain every word of `q`, each as a word's start, newest first, 20 at a
/// time. Deleted messages are not found; an edited one is found by its new text only.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    params(Search),
    responses(
        (status = 200, description = "One page of results, newest first", body = SearchResults),
        (status = 400, description = "No word to search for, too long, a malformed day or cursor", body = ApiErrorBody),
        (status = 401, description = "No token, or an unknown or revoked one", body = ApiErrorBody),
        (status = 429, description = "Too many calls with this token", body = ApiErrorBody),
    ),
    security(("token" = []))
)]
async fn search(
    State(state): State<AppState>,
    Caller(me): Caller,
    query: Result<Query<Search>, QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    let Query(search) = query?;
    Ok(Json(state.chat.search(Some(&me), &search).await?))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Parley REST API", description = "Rooms, history and posting for integrations."),
    paths(list_rooms, history, post_message, search, super::uploads::upload),
    components(schemas(RoomEntry, Backlog, Message, Reaction, Attachment, NewMessage, SearchResults, SearchHit, Fragment, ApiErrorBody, ProtocolError, ErrorCode)),
    modifiers(&TokenAuth)
)]
struct ApiDoc;

struct TokenAuth;

impl utoipa::Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A personal API token from /account (pt_…)"))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("token", SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI 3.1 document of this API.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
