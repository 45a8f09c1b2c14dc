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

use crate::protocol::{Change, Changes};
use moka::future::Cache;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// About how much memory the kept pages may hold in all, in bytes, as [`weight`] estimates it:
/// some 50 full pages of one-line messages, or 4 of the longest ones. Counting changes instead
/// let 64 pages of 4,000-character messages (with their quotes and reactions) hold hundreds of MiB.
const CAPACITY: u64 = 16 << 20;

/// What one change costs besides the text it carries: the change's and its message's own bytes
/// and the allocator's headers of their strings.
const CHANGE_BYTES: usize = std::mem::size_of::<Change>() + 128;

/// A page nobody asked for in this long is dropped.
const IDLE: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct ChangePages(Cache<(Arc<str>, i64, i64), Arc<Changes>>);

impl Default for ChangePages {
    fn default() -> Self {
        Self(
            Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(|_, page: &Arc<Changes>| weight(page))
                .time_to_idle(IDLE)
                .build(),
        )
    }
}

/// The estimated memory a kept page costs: what it serializes to (every string it holds, the
/// formatting trees and the quotes and reactions included) plus [`CHANGE_BYTES`] per change.
/// Measuring is one serialization into a counter, small beside the queries that read the page.
fn weight(page: &Changes) -> u32 {
    #[derive(Default)]
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter::default();
    // Writing into a counter cannot fail; a page that could not be serialized weighs the most.
    if serde_json::to_writer(&mut counter, page).is_err() {
        return u32::MAX;
    }
    let bytes = counter.0 + (page.changes.len() + 1) * CHANGE_BYTES;
    u32::try_from(bytes).unwrap_or(u32::MAX)
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

#[cfg(test)]
mod tests {
    use super::{ChangePages, CAPACITY};
    use crate::model::{Message, MAX_MESSAGE_CHARS};
    use crate::protocol::{Change, Changes, Event};

    fn page(room: &str, after: i64, body: &str) -> Changes {
        let changes = (1..=Changes::MAX)
            .map(|n| Change {
                room: room.into(),
                pos: after + n,
                event: Event::Posted {
                    message: Message {
                        room: room.into(),
                        formatted: crate::markdown::Formatting::of(body),
                        ..Message::sample(after + n, "ada", body)
                    },
                },
            })
            .collect();
        Changes { changes, upto: after + Changes::MAX, complete: false }
    }

    #[tokio::test]
    async fn kept_pages_are_bounded_by_their_memory_not_their_count() {
        let pages = ChangePages::default();
        let long = "**long** message ".repeat(MAX_MESSAGE_CHARS / 17);
        for n in 0..40 {
            let read = page("lobby", n * Changes::MAX, &long);
            let kept =
                pages.get("lobby", n * Changes::MAX, (n + 1) * Changes::MAX, async { Ok(read) });
            assert_eq!(kept.await.expect("a page").changes.len(), Changes::MAX as usize);
        }
        pages.0.run_pending_tasks().await;
        // 200 messages of 4,000 characters serialize to well over 1 MiB: only a few pages fit.
        assert!(pages.0.weighted_size() <= CAPACITY, "{} bytes kept", pages.0.weighted_size());
        assert!(pages.0.entry_count() < 16, "{} pages kept", pages.0.entry_count());
        // Pages of short messages still fit by the dozen: a reconnect storm is served from them.
        let short = ChangePages::default();
        for n in 0..40 {
            let read = page("lobby", n * Changes::MAX, "hello there");
            short
                .get("lobby", n * Changes::MAX, (n + 1) * Changes::MAX, async { Ok(read) })
                .await
                .expect("a page");
        }
        short.0.run_pending_tasks().await;
        assert_eq!(short.0.entry_count(), 40);
    }
}
