//! Pages of rooms' change logs recently read, shared by every reader who asks for the same one.
//!
//! After a network blip or a node's restart, a room's readers reconnect together and ask for the
//! same pages: everything after the position they had all reached. Reading a page once (three
//! queries, and every message's formatting parsed) instead of once per reader is what keeps a
//! reconnect storm cheap. Readers who ask while a page is being read wait for that read.
//!
//! A page is keyed by its room, `after`, and `upto`, where the room's log stood when it was
//! asked for. Every change to a room's messages (posted, edited, deleted, reacted to, and so the
//! replies that quote them) takes a new position, so two pages with the same key are the same
//! page, on every node.

use crate::protocol::Changes;
use moka::future::Cache;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Most changes the kept pages hold in all (a page holds at most [`Changes::MAX`]).
const CAPACITY: u64 = 64 * Changes::MAX as u64;

/// A page nobody asked for in this long is dropped.
const IDLE: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct ChangePages(Cache<(Arc<str>, i64, i64), Arc<Changes>>);

impl Default for ChangePages {
    fn default() -> Self {
        Self(
            Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(|_, page: &Arc<Changes>| page.changes.len() as u32 + 1)
                .time_to_idle(IDLE)
                .build(),
        )
    }
}

impl ChangePages {
    /// The page of `room` after `after` up to `upto`: kept, being read by another caller, or
    /// read now by `read`. A failed read is not kept, and every caller waiting for it gets its
    /// error.
    pub async fn get(
        &self,
        room: &str,
        after: i64,
        upto: i64,
        read: impl Future<Output = sqlx::Result<Changes>>,
    ) -> Result<Arc<Changes>, Arc<sqlx::Error>> {
        self.0.try_get_with((room.into(), after, upto), async { read.await.map(Arc::new) }).await
    }
}
