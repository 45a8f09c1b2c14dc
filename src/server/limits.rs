//! How fast one person may post: a burst, then a steady rate (`PARLEY_MESSAGE_BURST`,
//! `PARLEY_MESSAGES_PER_MINUTE`). Checked by the use case, so the socket and the no-JavaScript
//! form share one allowance. Kept in memory per node: a restart, or another node, starts afresh.

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::{num::NonZeroU32, sync::Arc, time::Duration};

/// Messages one person may post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageRate {
    /// The steady rate once the burst is spent.
    pub per_minute: NonZeroU32,
    /// How many may go out at once.
    pub burst: NonZeroU32,
}

impl MessageRate {
    pub const DEFAULT_PER_MINUTE: u32 = 60;
    pub const DEFAULT_BURST: u32 = 20;
}

impl Default for MessageRate {
    fn default() -> Self {
        Self {
            per_minute: NonZeroU32::MIN.saturating_add(Self::DEFAULT_PER_MINUTE - 1),
            burst: NonZeroU32::MIN.saturating_add(Self::DEFAULT_BURST - 1),
        }
    }
}

/// Each person's remaining allowance. Cheap to clone.
#[derive(Clone)]
pub struct PostingLimit(Arc<DefaultKeyedRateLimiter<String>>);

impl PostingLimit {
    /// People remembered before those with a full allowance again are forgotten.
    const FORGET_AFTER: usize = 10_000;

    pub fn new(rate: MessageRate) -> Self {
        let quota = Quota::per_minute(rate.per_minute).allow_burst(rate.burst);
        Self(Arc::new(RateLimiter::keyed(quota)))
    }

    /// Takes one message from `who`'s allowance, or says how long until the next one.
    pub fn take(&self, who: &str) -> Result<(), Duration> {
        if self.0.len() > Self::FORGET_AFTER {
            self.0.retain_recent();
        }
        let key = who.to_owned();
        self.0.check_key(&key).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }
}
