//! Sending: new messages shown at once as pending and retried with the same client id until
//! the server has them; edits, deletions and reactions.

use super::Live;
use crate::model::{Attachment, Message};
use crate::protocol::{Command, DeleteMessage, EditMessage, ErrorCode, ReactMessage};
use crate::realtime::{new_client_id, ConnectionState, RequestError};
use crate::timeline::Timeline;
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

impl Live {
    /// Sends the queued messages, oldest first.
    pub(super) async fn flush(self) {
        for client_id in self.timeline.try_with_untracked(Timeline::unsent).unwrap_or_default() {
            self.deliver(client_id).await;
        }
    }

    /// Shows a message at once as pending and sends it.
    pub(in crate::pages::room) fn send(self, body: String, files: Vec<Attachment>) {
        let client_id = new_client_id();
        let reply = self.replying.try_update(Option::take).flatten();
        self.timeline.update(|t| t.queue(client_id.clone(), body, reply, files));
        self.stop_typing();
        spawn_local(self.deliver(client_id));
    }

    /// Sends one queued message. Refused: it stays, marked. No answer: it stays queued and is
    /// sent again, with the same client id, so the server stores it once.
    pub(super) async fn deliver(self, client_id: String) {
        let Some(command) = self.timeline.try_update(|t| t.start_sending(&client_id)).flatten()
        else {
            return;
        };
        match self.realtime.emit_with_ack(&command).await {
            Ok(message) => {
                self.timeline.try_update(|t| t.apply(message));
            }
            // The server's database is down for a while: the message waits, and is sent again.
            Err(RequestError::Rejected(error)) if error.code == ErrorCode::Unavailable => {
                self.timeline.try_update(|t| t.send_interrupted(&client_id));
                set_timeout(move || spawn_local(self.deliver(client_id)), Duration::from_secs(3));
            }
            Err(RequestError::Rejected(error)) => {
                self.timeline.try_update(|t| t.send_refused(&client_id, error.message));
            }
            Err(error) => {
                self.timeline.try_update(|t| t.send_interrupted(&client_id));
                if error == RequestError::Timeout
                    && self.realtime.state().get_untracked() == ConnectionState::Connected
                {
                    set_timeout(
                        move || spawn_local(self.deliver(client_id)),
                        Duration::from_secs(1),
                    );
                }
            }
        }
    }

    /// Sends an edit, deletion or reaction. The reply (and the broadcast) update the message;
    /// a refusal is shown.
    pub(in crate::pages::room) fn change<C>(self, command: C)
    where
        C: Command<Reply = Message> + 'static,
    {
        self.refusal.set(None);
        spawn_local(async move {
            match self.realtime.emit_with_ack(&command).await {
                Ok(message) => {
                    self.timeline.try_update(|t| t.apply(message));
                }
                Err(RequestError::Rejected(error)) => {
                    self.refusal.try_set(Some(error.message));
                }
                Err(_) => {
                    let why = "Not connected: try again in a moment.".to_owned();
                    self.refusal.try_set(Some(why));
                }
            }
        });
    }

    pub(in crate::pages::room) fn edit(self, seq: i64, body: String) {
        self.change(EditMessage { room: self.room(), seq, body });
    }

    pub(in crate::pages::room) fn delete(self, seq: i64) {
        self.change(DeleteMessage { room: self.room(), seq });
    }

    pub(in crate::pages::room) fn react(self, seq: i64, emoji: String, on: bool) {
        self.change(ReactMessage { room: self.room(), seq, emoji, on });
    }

    pub(in crate::pages::room) fn discard(self, client_id: &str) {
        self.timeline.update(|t| t.discard(client_id));
    }
}
