//! What several nodes need besides a shared database: a name for each node, a heartbeat that
//! removes the presence of a node that died (everyone is told it left), and the Redis
//! connection that socket.io's adapter uses (fred's subscriber client, which reconnects and
//! resubscribes by itself after Redis restarts).

use super::broadcast::{self, Io};
use super::usecases::{now_millis, Chat};
use crate::protocol::SyncNeeded;
use fred::clients::SubscriberClient;
use fred::interfaces::{ClientLike, EventInterface, PubsubInterface};
use fred::prelude::{Builder, Config, ReconnectPolicy};
use fred::types::RespVersion;
use socketioxide_redis::{drivers::fred::FredDriver, RedisAdapterConfig, RedisAdapterCtr};
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
/// who is now gone from a room, and ends their unfinished answers. With SQLite there are no other nodes and this does nothing.
pub fn beat(chat: Chat) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HEARTBEAT);
        loop {
            every.tick().await;
            match chat.db.heartbeat(now_millis(), NODE_TIMEOUT_MS).await {
                Ok(departures) => chat.announce_departures(departures).await,
                Err(error) => tracing::warn!("heartbeat: {error}"),
            }
            super::assistant::answer::end_orphans(&chat).await;
        }
    });
}

/// The connections a node keeps to Redis: one subscribed to socket.io's adapter channels, one
/// for commands (the shared limits); and the cluster's name, which everything this cluster
/// keeps in Redis goes under.
pub struct Redis {
    pub subscriber: SubscriberClient,
    pub commands: fred::clients::Client,
    pub cluster: String,
}

impl Redis {
    pub async fn connect(url: &str, cluster: String) -> Result<Self, fred::error::Error> {
        let mut config = Config::from_url(url)?;
        // The adapter speaks RESP3 (Redis 7 or later); fred does not read it from the URL.
        config.version = RespVersion::RESP3;
        let mut builder = Builder::from_config(config);
        builder
            .with_connection_config(|connection| {
                connection.connection_timeout = Duration::from_secs(3);
            })
            // A command waits at most this long for Redis (a broadcast then goes to this
            // node's sockets only, a limit is counted on this node: see `broadcast::Io` and
            // `limits::Shared`).
            .with_performance_config(|performance| {
                performance.default_command_timeout = Duration::from_secs(1);
            })
            // Forever, every half second: a Redis restart is a pause, not the end of the node.
            .set_policy(ReconnectPolicy::new_constant(0, 500));
        let commands = builder.build()?;
        commands.init().await?;
        Ok(Self { subscriber: builder.build_subscriber_client()?, commands, cluster })
    }

    /// socket.io's Redis adapter, on the subscriber connection.
    pub async fn adapter(&self) -> Result<RedisAdapterCtr<FredDriver>, fred::error::Error> {
        let config = RedisAdapterConfig::new().with_prefix(format!("parley-{}", self.cluster));
        RedisAdapterCtr::new_with_fred_config(self.subscriber.clone(), config).await
    }
}

/// Whenever the connection to Redis comes back, subscribes again to socket.io's adapter
/// channels and tells every socket of the cluster to catch up (`sync:needed`): what this node
/// broadcast while it was cut off reached only its own sockets, and what the others broadcast
/// never reached its sockets; a client that receives nothing afterwards would not notice a gap.
pub fn follow_redis(io: &Io) {
    let Io::Cluster(_, redis) = io else { return };
    let (io, redis) = (io.clone(), redis.clone());
    let mut reconnected = redis.reconnect_rx();
    tokio::spawn(async move {
        while reconnected.recv().await.is_ok() {
            // fred's own `manage_subscriptions` first sends a SUBSCRIBE without channels (the
            // adapter uses only shard channels), which Redis refuses, and stops there.
            for channel in redis.tracked_shard_channels() {
                if let Err(error) = redis.ssubscribe(channel.to_string()).await {
                    tracing::error!("subscribing again to {channel}: {error}");
                }
            }
            tracing::info!("Redis is back: every socket of the cluster catches up");
            broadcast::to_all(&io, &SyncNeeded {}).await;
        }
    });
}
