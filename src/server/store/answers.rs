//! The assistant's running answers: one per room at a time, whichever node writes it, so that
//! a second question is refused on every node, Stop works from any node, and an answer whose
//! node died is ended by another.

use super::Result;

/// An answer whose node stopped before it was stored.
pub struct Orphan {
    pub room: String,
    pub client_id: String,
}

#[async_trait::async_trait]
pub trait AnswerStore: Send + Sync {
    /// Takes the room's answer slot for `asker`'s question, answered by this node under
    /// `client_id`; false when an answer is running there already.
    async fn claim_answer(&self, room: &str, asker: &str, client_id: &str, at: i64)
        -> Result<bool>;

    /// Frees the room's answer slot.
    async fn release_answer(&self, room: &str) -> Result<()>;

    /// Asks the answer running in `room` to stop on behalf of `by`, if `by` asked the question:
    /// who asked it, or `None` when no answer is running.
    async fn request_stop(&self, room: &str, by: &str) -> Result<Option<String>>;

    /// Who asked the answer running in `room` to stop, if anyone did.
    async fn stop_requested(&self, room: &str) -> Result<Option<String>>;

    /// Frees the slots of answers whose node is dead (see `PresenceStore::heartbeat`), each
    /// once, whichever node asks first.
    async fn orphaned_answers(&self) -> Result<Vec<Orphan>>;
}
