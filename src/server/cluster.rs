//! What several nodes need besides a shared database: a name for each node, a heartbeat that
//! removes the presence of a node that died (everyone is told it left), and the Redis
//! connection that socket.io's adapter uses (fred's subscriber client, which reconnects and
//! resubscribes by itself after Redis restarts).

use super::broadcast::Io;
use super::usecases::{now_millis, Chat};
use crate::protocol::{Broadcast, SyncNeeded};
use fred::clients::SubscriberClient;
use fred::interfaces::EventInterface;
use fred::prelude::{Builder, Config, ReconnectPolicy};
use fred::types::RespVersion;
use socketioxide_redis::{drivers::fred::FredDriver, RedisAdapterCtr};
use std::time::Duration;

/// How often a node records that it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
/// A node silent this long (milliseconds) is dead: the others remove its presence.
pub const NODE_TIMEOUT_MS: i64 = 8_000;

/// A fresh name for this process: presence rows are tagged with it.
pub fn node_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Beats this node's heartbeat and removes the presence of dead nodes, announcing each person
/// who is now gone from a room. With SQLite there are no other nodes and this does nothing.
pub fn beat(chat: Chat) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HEARTBEAT);
        loop {
            every.tick().await;
            match chat.db.heartbeat(now_millis(), NODE_TIMEOUT_MS).await {
                Ok(departures) => chat.announce_departures(departures).await,
                Err(error) => tracing::warn!("heartbeat: {error}"),
            }
        }
    });
}

/// socket.io's Redis adapter, connected to `url`, and the Redis client it uses.
pub async fn adapter(
    url: &str,
) -> Result<(RedisAdapterCtr<FredDriver>, SubscriberClient), fred::error::Error> {
    let mut config = Config::from_url(url)?;
    // The adapter speaks RESP3 (Redis 7 or later); fred does not read it from the URL.
    config.version = RespVersion::RESP3;
    let client = Builder::from_config(config)
        .with_connection_config(|connection| {
            connection.connection_timeout = Duration::from_secs(3);
        })
        // A command waits at most this long for Redis (a broadcast then goes to this node's
        // sockets only: see `broadcast::Io`).
        .with_performance_config(|performance| {
            performance.default_command_timeout = Duration::from_secs(1);
        })
        // Forever, every half second: a Redis restart is a pause, not the end of the node.
        .set_policy(ReconnectPolicy::new_constant(0, 500))
        .build_subscriber_client()?;
    let adapter = RedisAdapterCtr::new_with_fred(client.clone()).await?;
    Ok((adapter, client))
}

/// Once socket.io's adapter has subscribed to its channels: whenever the connection to Redis
/// comes back, subscribes to them again and tells every socket of this node to catch up (what
/// other nodes broadcast meanwhile never reached them, and a client that receives nothing
/// afterwards would not notice a gap).
pub fn follow_redis(io: &Io) {
    let Io::Cluster(sockets, redis) = io else { return };
    // Not before the adapter subscribed: with no channel yet, fred's resubscription sends a
    // SUBSCRIBE without arguments, which Redis refuses.
    redis.manage_subscriptions();
    let (sockets, mut reconnected) = (sockets.clone(), redis.reconnect_rx());
    tokio::spawn(async move {
        while reconnected.recv().await.is_ok() {
            tracing::info!("Redis is back: every socket of this node catches up");
            if let Err(error) = sockets.local().emit(SyncNeeded::NAME, &SyncNeeded {}).await {
                tracing::warn!("sync:needed: {error}");
            }
        }
    });
}
