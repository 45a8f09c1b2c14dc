//! Rate limits, each configurable (see the README): how fast one person may post, one address may
//! sign up or create rooms, one API token may call, and how sign-in failures slow further tries
//! (per account and per address). Checked by the use cases, so every path (socket, form, REST)
//! shares one allowance. Kept in memory per node: a restart, or another node, starts afresh.

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::{num::NonZeroU32, time::Duration, time::Instant};

/// `count` events per `per`, after a first `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub count: NonZeroU32,
    pub per: Duration,
    pub burst: NonZeroU32,
}

impl Rate {
    pub const MINUTE: Duration = Duration::from_secs(60);
    pub const HOUR: Duration = Duration::from_secs(3600);

    /// `count` per `per` after a burst of `burst` (each at least 1).
    pub fn new(count: u32, per: Duration, burst: u32) -> Self {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self { count: at_least_one(count), per, burst: at_least_one(burst) }
    }

    fn quota(&self) -> Quota {
        let every = (self.per / self.count.get()).max(Duration::from_nanos(1));
        Quota::with_period(every)
            .unwrap_or(Quota::per_second(NonZeroU32::MAX))
            .allow_burst(self.burst)
    }
}

/// Every limit, as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Messages per person (`PARLEY_MESSAGES_PER_MINUTE`, `PARLEY_MESSAGE_BURST`).
    pub messages: Rate,
    /// Accounts created per address (`PARLEY_SIGNUPS_PER_HOUR`).
    pub sign_ups: Rate,
    /// Rooms created per address (`PARLEY_ROOMS_PER_HOUR`).
    pub rooms: Rate,
    /// REST calls per API token (`PARLEY_API_CALLS_PER_MINUTE`).
    pub api_calls: Rate,
    /// Sign-in failures an account may have before each further try must wait, doubling from
    /// one second (`PARLEY_SIGNIN_FREE_FAILURES`); an address gets four times as many.
    pub sign_in_free_failures: u32,
}

impl Default for Limits {
    /// The settings' defaults (see `settings`); the bursts of the per-address and per-token
    /// limits are fixed.
    fn default() -> Self {
        let n = |name| u32::try_from(super::settings::default_number(name)).unwrap_or(u32::MAX);
        Self {
            messages: Rate::new(
                n("PARLEY_MESSAGES_PER_MINUTE"),
                Rate::MINUTE,
                n("PARLEY_MESSAGE_BURST"),
            ),
            sign_ups: Rate::new(n("PARLEY_SIGNUPS_PER_HOUR"), Rate::HOUR, 5),
            rooms: Rate::new(n("PARLEY_ROOMS_PER_HOUR"), Rate::HOUR, 10),
            api_calls: Rate::new(n("PARLEY_API_CALLS_PER_MINUTE"), Rate::MINUTE, 30),
            sign_in_free_failures: n("PARLEY_SIGNIN_FREE_FAILURES"),
        }
    }
}

/// One allowance per key (a person, an address, a token). Cheap to clone.
#[derive(Clone)]
pub struct KeyedLimit(Arc<DefaultKeyedRateLimiter<String>>);

impl KeyedLimit {
    /// Keys remembered before those with a full allowance again are forgotten.
    const FORGET_AFTER: usize = 10_000;

    pub fn new(rate: Rate) -> Self {
        Self(Arc::new(RateLimiter::keyed(rate.quota())))
    }

    /// Takes one from `key`'s allowance, or says how long until the next one.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        if self.0.len() > Self::FORGET_AFTER {
            self.0.retain_recent();
        }
        let key = key.to_owned();
        self.0.check_key(&key).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }
}

/// Sign-in failures per key: after `free` failures in a row, each further try must wait, 1 s,
/// then 2, 4, … up to [`Backoff::LONGEST`]. A success forgets the key's failures.
#[derive(Clone)]
pub struct Backoff {
    free: u32,
    failures: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
}

impl Backoff {
    pub const LONGEST: Duration = Duration::from_secs(15 * 60);
    const FORGET_AFTER: usize = 100_000;

    pub fn new(free: u32) -> Self {
        Self { free, failures: Arc::default() }
    }

    /// `Err(wait)` while `key` must wait before trying again.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match failures.get(key) {
            Some(&(_, until)) if until > Instant::now() => Err(until - Instant::now()),
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if failures.len() > Self::FORGET_AFTER {
            failures.retain(|_, (_, until)| *until + Self::LONGEST > now);
        }
        let entry = failures.entry(key.to_owned()).or_insert((0, now));
        entry.0 += 1;
        if entry.0 > self.free {
            let doublings = (entry.0 - self.free - 1).min(20);
            entry.1 = now + Duration::from_secs(1 << doublings).min(Self::LONGEST);
        }
    }

    pub fn succeed(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// The limiters a node keeps, built from [`Limits`]. Cheap to clone.
#[derive(Clone)]
pub struct Limiters {
    pub messages: KeyedLimit,
    pub sign_ups: KeyedLimit,
    pub rooms: KeyedLimit,
    pub api_calls: KeyedLimit,
    pub sign_in_accounts: Backoff,
    pub sign_in_addresses: Backoff,
}

impl Limiters {
    pub fn new(limits: &Limits) -> Self {
        Self {
            messages: KeyedLimit::new(limits.messages),
            sign_ups: KeyedLimit::new(limits.sign_ups),
            rooms: KeyedLimit::new(limits.rooms),
            api_calls: KeyedLimit::new(limits.api_calls),
            sign_in_accounts: Backoff::new(limits.sign_in_free_failures),
            sign_in_addresses: Backoff::new(limits.sign_in_free_failures.saturating_mul(4)),
        }
    }
}

/// "wait N s" for a refusal's message: whole seconds, at least one.
pub fn seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_lets_the_free_failures_through_then_doubles_the_wait() {
        let backoff = Backoff::new(2);
        for _ in 0..2 {
            assert!(backoff.check("ada").is_ok());
            backoff.fail("ada");
        }
        assert!(backoff.check("ada").is_ok(), "two failures are free");
        backoff.fail("ada");
        let first = backoff.check("ada").expect_err("third failure waits");
        assert!(first <= Duration::from_secs(1));
        backoff.fail("ada");
        let second = backoff.check("ada").expect_err("fourth waits longer");
        assert!(second > Duration::from_secs(1) && second <= Duration::from_secs(2));
        assert!(backoff.check("bob").is_ok(), "others are not slowed");
        backoff.succeed("ada");
        assert!(backoff.check("ada").is_ok(), "a success forgets");
    }

    #[test]
    fn a_keyed_limit_allows_its_burst_then_refuses() {
        let limit = KeyedLimit::new(Rate::new(1, Rate::HOUR, 3));
        for _ in 0..3 {
            assert!(limit.take("10.0.0.1").is_ok());
        }
        let wait = limit.take("10.0.0.1").expect_err("burst spent");
        assert!(wait > Duration::from_secs(60 * 59));
        assert!(limit.take("10.0.0.2").is_ok());
    }
}
