//! The assistant: stopping an answer, and the pieces of one being written.

use super::{broadcasts, commands};
use serde::{Deserialize, Serialize};

commands! {
    /// `assistant:stop`: stop the answer the assistant is writing in a room. What it wrote so
    /// far is kept, marked as stopped. Only the person who asked may stop it.
    "assistant:stop" => struct StopAnswer {
        pub room: String,
    } -> ();
}

broadcasts! {
    /// `assistant:chunk`: the next piece of an answer being written, to everyone in the room.
    /// Pieces of one answer share `client_id` and count up from 0; the finished answer arrives
    /// as a `posted` change with the same `client_id` (and replaces the pieces, some of which
    /// may have been missed).
    "assistant:chunk" => struct AnswerChunk {
        pub room: String,
        pub client_id: String,
        /// Who asked: they may stop it.
        pub asker: String,
        pub index: u32,
        pub text: String,
    }
}
