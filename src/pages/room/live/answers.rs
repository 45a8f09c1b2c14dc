//! The assistant's answers being written in the room, piece by piece, and stopping one.

use super::Live;
use crate::protocol::{AnswerChunk, StopAnswer};
use leptos::{prelude::*, task::spawn_local};

/// An answer being written: the pieces received so far.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::pages::room) struct Answering {
    pub(in crate::pages::room) client_id: String,
    pub(in crate::pages::room) asker: String,
    pub(in crate::pages::room) text: String,
    /// The index of the next piece expected.
    next: u32,
    /// A piece went missing (or the first ones were sent before this page listened): the text
    /// is incomplete until the stored answer replaces it.
    pub(in crate::pages::room) gappy: bool,
}

impl Live {
    /// Asks the server to stop the answer being written here (only its asker may).
    pub(in crate::pages::room) fn stop_answer(self) {
        self.refusal.set(None);
        spawn_local(async move {
            let stop = StopAnswer { room: self.room() };
            if let Err(error) = self.realtime.emit_with_ack(&stop).await {
                self.refusal.try_set(Some(error.to_string()));
            }
        });
    }
}

/// Adds a piece to the answer it belongs to, starting the answer if it is new.
pub(super) fn piece_arrived(answers: &mut Vec<Answering>, chunk: AnswerChunk) {
    let answer = match answers.iter_mut().position(|a| a.client_id == chunk.client_id) {
        Some(at) => &mut answers[at],
        None => {
            answers.push(Answering {
                client_id: chunk.client_id.clone(),
                asker: chunk.asker.clone(),
                text: String::new(),
                next: 0,
                gappy: false,
            });
            answers.last_mut().expect("just pushed")
        }
    };
    if chunk.index < answer.next {
        return;
    }
    answer.gappy |= chunk.index > answer.next;
    answer.text.push_str(&chunk.text);
    answer.next = chunk.index + 1;
}
