//! The server's error type. A rejected input becomes an error ack or a form error with the text
//! the user should read; anything else is logged with its cause and reported as an internal error,
//! never with its details.

use crate::protocol::ProtocolError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Rejected(#[from] ProtocolError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<AppError> for ProtocolError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Rejected(rejected) => rejected,
            other => {
                tracing::error!("{other}");
                ProtocolError::internal()
            }
        }
    }
}
