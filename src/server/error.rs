//! The server's error type, and the one home of every refusal's text. A rejected input becomes
//! an error ack, an HTTP error or a form error with the text the person should read; anything
//! else is logged with its cause and reported as an internal error, never with its details.
//! (The texts of refusals the browser can also check before sending, such as an empty message
//! or a bad room name, live with those checks in `model`.)

use crate::protocol::ProtocolError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Rejected(#[from] ProtocolError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Every refusal reaches its client through here (an ack, an HTTP error, a form error): it is
/// counted once, by code.
impl From<AppError> for ProtocolError {
    fn from(error: AppError) -> Self {
        let refusal = Self::from_app(error);
        let code = serde_json::to_value(refusal.code).unwrap_or_default();
        super::metrics::refusal(code.as_str().unwrap_or_default());
        refusal
    }
}

impl ProtocolError {
    fn from_app(error: AppError) -> Self {
        match error {
            AppError::Rejected(rejected) => rejected,
            AppError::Database(error) => Self::from_database(&error),
        }
    }

    /// What a client is told of a database error (logged here).
    fn from_database(error: &sqlx::Error) -> Self {
        if unreachable(error) {
            tracing::warn!("database unavailable: {error}");
            return ProtocolError::unavailable();
        }
        match sqlite_code(error) {
            Some(SQLITE_FULL) => {
                tracing::error!("database full: {error}");
                ProtocolError::storage_full()
            }
            Some(SQLITE_READONLY | SQLITE_IOERR) => {
                tracing::error!("database cannot be written: {error}");
                ProtocolError::storage_unwritable()
            }
            Some(SQLITE_BUSY | SQLITE_LOCKED) => {
                tracing::warn!("database busy: {error}");
                ProtocolError::database_busy()
            }
            _ => {
                tracing::error!("database: {error}");
                ProtocolError::internal()
            }
        }
    }
}

/// A database error that every caller waiting for one read shares (see `ChangePages`): the
/// error itself for the last one holding it, what it means to a client for the others.
impl From<std::sync::Arc<sqlx::Error>> for AppError {
    fn from(error: std::sync::Arc<sqlx::Error>) -> Self {
        match std::sync::Arc::try_unwrap(error) {
            Ok(error) => AppError::Database(error),
            Err(shared) => AppError::Rejected(ProtocolError::from_database(&shared)),
        }
    }
}

/// The HTTP status a refusal with `code` answers with (the REST API, and server functions
/// called without a browser's redirect).
pub fn http_status(code: crate::protocol::ErrorCode) -> axum::http::StatusCode {
    use crate::protocol::ErrorCode;
    use axum::http::StatusCode;
    match code {
        ErrorCode::NotSignedIn => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::UnknownRoom
        | ErrorCode::UnknownMessage
        | ErrorCode::UnknownUser
        | ErrorCode::UnknownFile => StatusCode::NOT_FOUND,
        ErrorCode::FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::UnsupportedFile => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::AssistantUnavailable | ErrorCode::AssistantBusy | ErrorCode::Unavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::BAD_REQUEST,
    }
}

/// SQLite's primary result codes for a write it could not make: the file cannot grow (disk
/// full, or `max_page_count`), cannot be written (a read-only file or file system, a failed
/// write), another connection holds the lock past the busy timeout.
const SQLITE_FULL: i32 = 13;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

/// The primary result code of a SQLite error (sqlx gives the extended one, e.g. 517 for
/// SQLITE_BUSY_SNAPSHOT); `None` for other errors and databases.
fn sqlite_code(error: &sqlx::Error) -> Option<i32> {
    let sqlx::Error::Database(error) = error else { return None };
    error.try_downcast_ref::<sqlx::sqlite::SqliteError>()?;
    error.code()?.parse::<i32>().ok().map(|code| code & 0xff)
}

/// Whether a database error means the database could not be reached (as opposed to a query
/// that failed): the connection failed, broke or timed out, or the server is shutting down.
fn unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting down, cannot
        // connect now).
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// Every refusal the server words, by error code.
pub mod refuse {
    use super::AppError;
    use crate::protocol::{ErrorCode, ProtocolError};
    use crate::server::{policy::Action, store::RoomRecord};
    use std::time::Duration;

    fn refusal(code: ErrorCode, why: impl Into<String>) -> AppError {
        ProtocolError::new(code, why).into()
    }

    /// Whole seconds to wait, rounded up.
    fn seconds(wait: Duration) -> u64 {
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    }

    pub fn not_signed_in() -> ProtocolError {
        ProtocolError::new(ErrorCode::NotSignedIn, "Sign in to take part.")
    }

    /// The account page, to a guest.
    pub fn not_signed_in_for_account() -> ProtocolError {
        ProtocolError::new(ErrorCode::NotSignedIn, "Sign in to see your account.")
    }

    /// A REST path that names nothing.
    pub fn no_such_endpoint() -> ProtocolError {
        ProtocolError::new(ErrorCode::InvalidPayload, "No such API endpoint.")
    }

    pub fn unknown_room(slug: &str) -> AppError {
        refusal(ErrorCode::UnknownRoom, format!("There is no room called {slug:?}."))
    }

    pub fn banned_from(room: &str) -> AppError {
        refusal(ErrorCode::Forbidden, format!("You are banned from {room}."))
    }

    /// What the policy refused someone who may see the room.
    pub fn unauthorised(action: Action, room: &RoomRecord) -> AppError {
        let name = &room.name;
        match action {
            Action::DeleteOthers => not_author(),
            Action::Invite if !room.private || room.direct => {
                forbidden("Only private rooms take invitations: anyone can open a public room.")
            }
            Action::Invite => forbidden(format!("Only {name}'s moderators may invite.")),
            Action::NameModerators => {
                forbidden(format!("Only {name}'s owner may name moderators."))
            }
            Action::Moderate | Action::SeeBans | Action::Read | Action::Post => {
                forbidden(format!("Only {name}'s moderators may do that."))
            }
        }
    }

    pub fn forbidden(why: impl Into<String>) -> AppError {
        refusal(ErrorCode::Forbidden, why)
    }

    pub fn not_below(name: &str, room: &str) -> AppError {
        forbidden(format!("{name} is not below you in {room}."))
    }

    pub fn unknown_user(name: &str) -> AppError {
        refusal(ErrorCode::UnknownUser, format!("There is no one called {name}."))
    }

    pub fn unknown_message() -> AppError {
        refusal(ErrorCode::UnknownMessage, "There is no such message.")
    }

    pub fn unknown_file() -> AppError {
        refusal(ErrorCode::UnknownFile, "There is no such file (or it is not yours to attach).")
    }

    pub fn file_too_large(name: &str, most_mb: u64) -> AppError {
        refusal(
            ErrorCode::FileTooLarge,
            format!("{name} is too large: a file can be at most {most_mb} MB."),
        )
    }

    pub fn too_many_files(most: usize) -> AppError {
        refusal(ErrorCode::InvalidPayload, format!("A message can carry at most {most} files."))
    }

    pub fn not_a_picture() -> AppError {
        refusal(
            ErrorCode::UnsupportedFile,
            "That is not a picture Parley can read: choose a PNG, JPEG, GIF or WebP.".to_owned(),
        )
    }

    pub fn empty_file(name: &str) -> AppError {
        refusal(ErrorCode::UnsupportedFile, format!("{name} is empty: there is nothing to send."))
    }

    pub fn unsupported_file(name: &str) -> AppError {
        refusal(
            ErrorCode::UnsupportedFile,
            format!(
                "{name} is not a file Parley accepts: pictures (PNG, JPEG, GIF, WebP), PDF, ZIP \
                 or plain text."
            ),
        )
    }

    pub fn not_author() -> AppError {
        refusal(ErrorCode::NotAuthor, "You can change only your own messages.")
    }

    pub fn message_deleted() -> AppError {
        refusal(ErrorCode::MessageDeleted, "That message was deleted.")
    }

    pub fn not_in_room() -> AppError {
        refusal(ErrorCode::NotInRoom, "Join the room first.")
    }

    pub fn cannot_leave() -> AppError {
        refusal(ErrorCode::CannotLeave, "Everyone stays in the Lobby: it cannot be left.")
    }

    pub fn room_exists(name: &str) -> AppError {
        refusal(ErrorCode::RoomExists, format!("A room named “{name}” exists already."))
    }

    pub fn assistant_unavailable() -> ProtocolError {
        ProtocolError::new(
            ErrorCode::AssistantUnavailable,
            "The assistant is not configured on this server.",
        )
    }

    pub fn assistant_busy() -> ProtocolError {
        ProtocolError::new(
            ErrorCode::AssistantBusy,
            "The assistant is still answering here. Wait for it, or stop it.",
        )
    }

    pub fn nothing_to_stop() -> ProtocolError {
        ProtocolError::new(ErrorCode::NothingToStop, "The assistant is not answering here.")
    }

    pub fn not_asker() -> ProtocolError {
        ProtocolError::new(ErrorCode::NotAsker, "Only the person who asked can stop this answer.")
    }

    pub fn name_taken(name: &str) -> AppError {
        refusal(ErrorCode::NameTaken, format!("The name {name} is taken."))
    }

    pub fn wrong_credentials() -> AppError {
        refusal(ErrorCode::WrongCredentials, "Wrong name or password.")
    }

    /// Deleting an account, with a password that is not its own.
    pub fn wrong_password() -> AppError {
        refusal(ErrorCode::WrongCredentials, "That is not your password. Nothing was deleted.")
    }

    pub fn invalid_password(why: String) -> AppError {
        refusal(ErrorCode::InvalidPassword, why)
    }

    /// A connection with [`crate::server::socket::MAX_OPEN_ROOMS`] rooms open joins another.
    pub fn too_many_open_rooms() -> AppError {
        let most = crate::server::socket::MAX_OPEN_ROOMS;
        forbidden(format!("A connection keeps at most {most} rooms open: close one first."))
    }

    pub fn invalid_payload(why: impl Into<String>) -> AppError {
        refusal(ErrorCode::InvalidPayload, why)
    }

    pub fn unknown_token() -> AppError {
        refusal(ErrorCode::NotSignedIn, "Unknown or revoked API token.")
    }

    /// What was limited, and how long to wait.
    pub enum Limited {
        Messages,
        Rooms,
        SignUps,
        SignIns,
        ApiCalls,
        /// Socket commands on one connection.
        Commands,
        Tokens(i64),
        Questions(usize),
        /// Uploads: the megabytes a person may upload per hour.
        Uploads(u64),
        /// Changes of a person's picture.
        Avatars,
    }

    pub fn rate_limited(what: Limited, wait: Duration) -> AppError {
        crate::server::metrics::rate_limited(match what {
            Limited::Messages => "messages",
            Limited::Rooms => "rooms",
            Limited::SignUps => "sign_ups",
            Limited::SignIns => "sign_ins",
            Limited::ApiCalls => "api_calls",
            Limited::Commands => "commands",
            Limited::Tokens(_) => "tokens",
            Limited::Questions(_) => "questions",
            Limited::Uploads(_) => "uploads",
            Limited::Avatars => "avatars",
        });
        let s = seconds(wait);
        let why = match what {
            Limited::Messages => {
                format!("You are sending messages too fast: wait {s} s and send again.")
            }
            Limited::Rooms => {
                format!("Too many rooms created from your address: try again in {s} s.")
            }
            Limited::SignUps => {
                format!("Too many accounts created from your address: try again in {s} s.")
            }
            Limited::SignIns => format!("Too many failed sign-ins: try again in {s} s."),
            Limited::ApiCalls => format!("Too many calls with this token: wait {s} s."),
            Limited::Commands => {
                format!("Too many commands on this connection: wait {s} s and send again.")
            }
            Limited::Tokens(most) => format!("You have {most} tokens already: revoke one first."),
            Limited::Questions(per_minute) => format!(
                "You can ask the assistant {per_minute} questions a minute. Try again in {s} s."
            ),
            Limited::Uploads(mb) => format!(
                "You can upload {mb} MB of files an hour, and this file would pass that. Try \
                 again later."
            ),
            Limited::Avatars => format!(
                "You can change your picture {} times an hour. Try again in {s} s.",
                crate::server::limits::AVATARS_PER_HOUR
            ),
        };
        refusal(ErrorCode::RateLimited, why)
    }
}
