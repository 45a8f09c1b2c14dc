//! Rate limits, each configurable (see the README): how fast one person may post, one address may
//! sign up or create rooms, one API token may call, and how sign-in failures slow further tries
//! (per account and per address). Checked by the use cases, so every path (socket, form, REST)
//! shares one allowance. Kept in memory on a single node (a restart starts afresh); in a
//! cluster, kept in Redis and shared by every node ([`Shared`]: GCRA in a Lua script, so a
//! person cannot get N allowances by spreading requests over N nodes), falling back to the
//! node's own count while Redis cannot be reached.

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
    pub const SECOND: Duration = Duration::from_secs(1);
    pub const MINUTE: Duration = Duration::from_secs(60);
    pub const HOUR: Duration = Duration::from_secs(3600);

    /// `count` per `per` after a burst of `burst` (each at least 1).
    pub fn new(count: u32, per: Duration, burst: u32) -> Self {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self { count: at_least_one(count), per, burst: at_least_one(burst) }
    }

    /// `per_second` commands a second on one connection, after a burst of twice as many.
    pub fn commands(per_second: u32) -> Self {
        Self::new(per_second, Self::SECOND, per_second.saturating_mul(2))
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
    /// Socket commands per connection (`PARLEY_COMMANDS_PER_SECOND`, after a burst of twice
    /// that).
    pub commands: Rate,
    /// Sign-in failures an account may have before each further try must wait, doubling from
    /// one second (`PARLEY_SIGNIN_FREE_FAILURES`); an address gets four times as many.
    pub sign_in_free_failures: u32,
    /// Files: the largest one, and how much one person may upload per hour, in bytes
    /// (`PARLEY_FILE_MAX_MB`, `PARLEY_UPLOAD_MB_PER_HOUR`). The hour is counted in the database,
    /// so it holds across nodes.
    pub files: FileLimits,
}

/// How large files may be, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileLimits {
    pub per_file: u64,
    pub per_hour: u64,
}

impl FileLimits {
    pub const MB: u64 = 1024 * 1024;
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
            commands: Rate::commands(n("PARLEY_COMMANDS_PER_SECOND")),
            sign_in_free_failures: n("PARLEY_SIGNIN_FREE_FAILURES"),
            files: FileLimits {
                per_file: super::settings::default_number("PARLEY_FILE_MAX_MB") * FileLimits::MB,
                per_hour: super::settings::default_number("PARLEY_UPLOAD_MB_PER_HOUR")
                    * FileLimits::MB,
            },
        }
    }
}

/// Where a cluster keeps its limits: Redis, under one prefix per limit.
#[derive(Clone)]
pub struct Shared {
    redis: fred::clients::Client,
    prefix: String,
}

/// GCRA (the algorithm `governor` uses) on Redis's clock: `KEYS[1]` holds the theoretical
/// arrival time; `ARGV`: the interval between two events and the burst, in microseconds and
/// events (microseconds: a generous limit has an interval well under a millisecond). Returns 0
/// when the event is allowed, else the milliseconds to wait.
const GCRA: &str = "
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1])) or now_us
if tat < now_us then tat = now_us end
local new_tat = tat + interval
local allow_at = new_tat - interval * tonumber(ARGV[2])
if allow_at > now_us then return math.ceil((allow_at - now_us) / 1000) end
-- %d: Lua would write a number this large with 14 digits.
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.max(1, math.ceil((new_tat - now_us) / 1000)))
return 0";

/// A failed sign-in: counts it (`KEYS[1]`, forgotten after `ARGV[2]` ms) and, past `ARGV[1]`
/// free failures, makes the key wait (`KEYS[2]` lives as long as the wait), 1 s doubling up to
/// `ARGV[2]`.
const FAIL: &str = "
local n = redis.call('INCR', KEYS[1])
local longest = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], longest)
local free = tonumber(ARGV[1])
if n > free then
  local wait = math.min(1000 * 2 ^ math.min(n - free - 1, 20), longest)
  redis.call('SET', KEYS[2], 1, 'PX', math.floor(wait))
end
return n";

impl Shared {
    pub fn new(redis: &super::cluster::Redis, limit: &str) -> Self {
        let prefix = format!("parley:{}:limit:{limit}:", redis.cluster);
        Self { redis: redis.commands.clone(), prefix }
    }

    async fn eval(&self, script: &str, keys: Vec<String>, args: Vec<i64>) -> Option<i64> {
        use fred::interfaces::LuaInterface;
        match self.redis.eval::<i64, _, _, _>(script, keys, args).await {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!("shared limit {}: {error}; counting on this node", self.prefix);
                None
            }
        }
    }
}

/// One allowance per key (a person, an address, a token). Cheap to clone.
#[derive(Clone)]
pub struct KeyedLimit {
    local: Arc<DefaultKeyedRateLimiter<String>>,
    rate: Rate,
    shared: Option<Shared>,
}

impl KeyedLimit {
    /// Keys remembered before those with a full allowance again are forgotten.
    const FORGET_AFTER: usize = 10_000;

    pub fn new(rate: Rate, shared: Option<Shared>) -> Self {
        Self { local: Arc::new(RateLimiter::keyed(rate.quota())), rate, shared }
    }

    /// Takes one from `key`'s allowance, or says how long until the next one.
    pub async fn take(&self, key: &str) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            let interval = (self.rate.per / self.rate.count.get()).as_micros().max(1);
            let args = vec![interval as i64, i64::from(self.rate.burst.get())];
            let keys = vec![format!("{}{key}", shared.prefix)];
            if let Some(wait) = shared.eval(GCRA, keys, args).await {
                return match wait {
                    0 => Ok(()),
                    ms => Err(Duration::from_millis(ms.unsigned_abs())),
                };
            }
        }
        if self.local.len() > Self::FORGET_AFTER {
            self.local.retain_recent();
        }
        let key = key.to_owned();
        self.local.check_key(&key).map_err(|not_until| {
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
    shared: Option<Shared>,
}

impl Backoff {
    pub const LONGEST: Duration = Duration::from_secs(15 * 60);
    const FORGET_AFTER: usize = 100_000;

    pub fn new(free: u32, shared: Option<Shared>) -> Self {
        Self { free, failures: Arc::default(), shared }
    }

    /// The Redis keys of `key`'s failure count and wait.
    fn keys(shared: &Shared, key: &str) -> Vec<String> {
        vec![format!("{}count:{key}", shared.prefix), format!("{}wait:{key}", shared.prefix)]
    }

    /// `Err(wait)` while `key` must wait before trying again.
    pub async fn check(&self, key: &str) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            let wait = "local t = redis.call('PTTL', KEYS[2]) if t > 0 then return t end return 0";
            if let Some(ms) = shared.eval(wait, Self::keys(shared, key), vec![]).await {
                return match ms {
                    0 => Ok(()),
                    ms => Err(Duration::from_millis(ms.unsigned_abs())),
                };
            }
        }
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match failures.get(key) {
            Some(&(_, until)) if until > Instant::now() => Err(until - Instant::now()),
            _ => Ok(()),
        }
    }

    pub async fn fail(&self, key: &str) {
        if let Some(shared) = &self.shared {
            let longest = Self::LONGEST.as_millis() as i64;
            let args = vec![i64::from(self.free), longest];
            if shared.eval(FAIL, Self::keys(shared, key), args).await.is_some() {
                return;
            }
        }
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

    pub async fn succeed(&self, key: &str) {
        if let Some(shared) = &self.shared {
            let forget = "redis.call('DEL', KEYS[1], KEYS[2]) return 0";
            if shared.eval(forget, Self::keys(shared, key), vec![]).await.is_some() {
                return;
            }
        }
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
    /// Each connection's, kept with its socket (see [`CommandAllowance`]).
    pub commands: Rate,
    pub files: FileLimits,
    /// Changes of a person's picture ([`AVATARS_PER_HOUR`]).
    pub avatars: KeyedLimit,
}

/// How often a person may change their picture (each is decoded and resized).
pub const AVATARS_PER_HOUR: u32 = 10;

impl Limiters {
    /// The limits, kept in Redis when the node has one (a cluster), else in memory.
    pub fn new(limits: &Limits, redis: Option<&super::cluster::Redis>) -> Self {
        let shared = |name| redis.map(|redis| Shared::new(redis, name));
        Self {
            messages: KeyedLimit::new(limits.messages, shared("messages")),
            sign_ups: KeyedLimit::new(limits.sign_ups, shared("sign-ups")),
            rooms: KeyedLimit::new(limits.rooms, shared("rooms")),
            api_calls: KeyedLimit::new(limits.api_calls, shared("api-calls")),
            commands: limits.commands,
            files: limits.files,
            avatars: KeyedLimit::new(
                Rate::new(AVATARS_PER_HOUR, Rate::HOUR, AVATARS_PER_HOUR),
                shared("avatars"),
            ),
            sign_in_accounts: Backoff::new(
                limits.sign_in_free_failures,
                shared("sign-in-accounts"),
            ),
            sign_in_addresses: Backoff::new(
                limits.sign_in_free_failures.saturating_mul(4),
                shared("sign-in-addresses"),
            ),
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

    #[tokio::test]
    async fn backoff_lets_the_free_failures_through_then_doubles_the_wait() {
        let backoff = Backoff::new(2, None);
        for _ in 0..2 {
            assert!(backoff.check("ada").await.is_ok());
            backoff.fail("ada").await;
        }
        assert!(backoff.check("ada").await.is_ok(), "two failures are free");
        backoff.fail("ada").await;
        let first = backoff.check("ada").await.expect_err("third failure waits");
        assert!(first <= Duration::from_secs(1));
        backoff.fail("ada").await;
        let second = backoff.check("ada").await.expect_err("fourth waits longer");
        assert!(second > Duration::from_secs(1) && second <= Duration::from_secs(2));
        assert!(backoff.check("bob").await.is_ok(), "others are not slowed");
        backoff.succeed("ada").await;
        assert!(backoff.check("ada").await.is_ok(), "a success forgets");
    }

    #[tokio::test]
    async fn a_keyed_limit_allows_its_burst_then_refuses() {
        let limit = KeyedLimit::new(Rate::new(1, Rate::HOUR, 3), None);
        for _ in 0..3 {
            assert!(limit.take("10.0.0.1").await.is_ok());
        }
        let wait = limit.take("10.0.0.1").await.expect_err("burst spent");
        assert!(wait > Duration::from_secs(60 * 59));
        assert!(limit.take("10.0.0.2").await.is_ok());
    }
}

/// One connection's allowance of socket commands ([`Limits::commands`]), kept with the socket:
/// it lives and goes with the connection, and a refusal costs no database work.
#[derive(Clone)]
pub struct CommandAllowance(Arc<governor::DefaultDirectRateLimiter>);

impl CommandAllowance {
    pub fn new(rate: Rate) -> Self {
        Self(Arc::new(RateLimiter::direct(rate.quota())))
    }

    /// `Err(wait)` when the connection must wait before its next command.
    pub fn check(&self) -> Result<(), Duration> {
        self.0.check().map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }
}
