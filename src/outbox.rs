//! The user's unsent messages, kept in the browser's localStorage per room, so that closing or
//! reloading the tab before the server acknowledged them loses nothing: they are shown again as
//! pending and sent with their original client id (stored once even if the first send had
//! arrived). Does nothing on the server.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unsent {
    pub client_id: String,
    pub body: String,
}

fn key(room: &str) -> String {
    format!("parley.outbox.{room}")
}

pub fn load(room: &str) -> Vec<Unsent> {
    #[cfg(feature = "hydrate")]
    {
        storage()
            .and_then(|s| s.get_item(&key(room)).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key(room);
        Vec::new()
    }
}

pub fn save(room: &str, unsent: &[Unsent]) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = storage() {
        let _ = if unsent.is_empty() {
            storage.remove_item(&key(room))
        } else {
            match serde_json::to_string(unsent) {
                Ok(json) => storage.set_item(&key(room), &json),
                Err(_) => Ok(()),
            }
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key(room), unsent);
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
