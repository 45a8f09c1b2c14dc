//! The user's unsent messages, kept in the browser's localStorage per account and room, so that
//! closing or reloading the tab before the server acknowledged them loses nothing: they are shown
//! again as pending and sent with their original client id (stored once even if the first send
//! had arrived). Keyed by the account that wrote them: after signing out, another person signing
//! in on the same browser never sees, nor sends, them; they wait for their author to come back.
//! Does nothing on the server.

use crate::model::{Attachment, Quote};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unsent {
    pub client_id: String,
    pub body: String,
    #[serde(default)]
    pub reply: Option<Quote>,
    #[serde(default)]
    pub files: Vec<Attachment>,
}

/// Neither account names nor room slugs contain `/`, so no two (user, room) pairs share a key.
/// (Keys from before accounts, `parley.outbox.<room>`, have no author and are never read.)
fn key(user: &str, room: &str) -> String {
    format!("parley.outbox.{user}/{room}")
}

pub fn load(user: &str, room: &str) -> Vec<Unsent> {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.get_item(&key(user, room)).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key(user, room);
        Vec::new()
    }
}

pub fn save(user: &str, room: &str, unsent: &[Unsent]) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = storage() {
        let _ = if unsent.is_empty() {
            storage.remove_item(&key(user, room))
        } else {
            match serde_json::to_string(unsent) {
                Ok(json) => storage.set_item(&key(user, room), &json),
                Err(_) => Ok(()),
            }
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key(user, room), unsent);
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
