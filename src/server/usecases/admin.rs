//! The admin page's overview (this node's traffic, the busiest rooms, the admins, the latest
//! moderation actions), for server admins only; and the moderation log it reads.

use super::{now_millis, signed_in, Chat};
use crate::protocol::{AdminOverview, BusyRoom, ErrorCount, ModerationEntry};
use crate::server::error::{refuse, AppError};
use crate::server::store::{ModerationRecord, RoomRecord};

/// How many rooms, and moderation actions, the overview lists.
const BUSIEST: i64 = 5;
const MODERATION: i64 = 20;

/// What the overview calls a room: its name, or the kind of a conversation it does not name.
fn shown(room: &RoomRecord) -> (String, Option<String>) {
    if room.direct {
        ("Direct conversation".to_owned(), None)
    } else if room.owner.is_some() {
        ("Assistant conversation".to_owned(), None)
    } else {
        (room.name.clone(), Some(room.slug.clone()))
    }
}

/// Sends the overview to the admin pages connected to this node every
/// [`crate::protocol::ADMIN_EVERY_MS`] (nothing is computed while none is).
pub fn feed_admins(chat: Chat) {
    tokio::spawn(async move {
        let period = std::time::Duration::from_millis(crate::protocol::ADMIN_EVERY_MS.into());
        let mut every = tokio::time::interval(period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if !chat.io.admins_here() {
                continue;
            }
            match chat.overview().await {
                Ok(overview) => chat.io.to_admins_here(&overview).await,
                Err(error) => tracing::warn!("admin overview: {error:?}"),
            }
        }
    });
}

impl Chat {
    /// The overview, if `who` is a server admin.
    pub async fn admin_overview(&self, who: Option<&str>) -> Result<AdminOverview, AppError> {
        let who = signed_in(who)?;
        if !self.db.is_admin(who).await? {
            return Err(refuse::forbidden("The admin page is for server admins."));
        }
        self.overview().await
    }

    /// The overview, for a caller already known to be an admin (the `/admin` namespace checks
    /// at its handshake).
    pub async fn overview(&self) -> Result<AdminOverview, AppError> {
        let (websocket, polling, _) = self.io.census().await;
        let traffic = crate::server::metrics::traffic();
        let mut busiest = Vec::new();
        for (slug, online) in self.db.busiest_rooms(BUSIEST).await? {
            if let Some(room) = self.rooms.get(&self.db, &slug).await? {
                let (name, slug) = shown(&room);
                busiest.push(BusyRoom { name, slug, online: online.max(0) as u64 });
            }
        }
        let mut moderation = Vec::new();
        for record in self.db.recent_moderation(MODERATION).await? {
            let room = match &record.room {
                Some(slug) => Some(match self.rooms.get(&self.db, slug).await? {
                    Some(room) => shown(&room).0,
                    None => slug.clone(),
                }),
                None => None,
            };
            let ModerationRecord { at, by, action, target, .. } = record;
            moderation.push(ModerationEntry { at, by, action, room, target });
        }
        Ok(AdminOverview {
            node: self.node.to_string(),
            at: now_millis(),
            websocket: websocket as u64,
            polling: polling as u64,
            messages_per_second: traffic.messages_per_second,
            commands_per_second: traffic.commands_per_second,
            ack_p50_ms: traffic.ack_p50_ms,
            ack_p99_ms: traffic.ack_p99_ms,
            errors: traffic
                .errors
                .into_iter()
                .map(|(code, count)| ErrorCount { code, count })
                .collect(),
            busiest,
            admins: self.db.admins().await?,
            moderation,
        })
    }

    /// Records a moderation action; a failure to record is logged, never a failure of the
    /// action, which is done by then.
    pub(super) async fn log_moderation(
        &self,
        by: &str,
        action: &str,
        room: Option<&str>,
        target: &str,
    ) {
        let record = ModerationRecord {
            at: now_millis(),
            by: by.to_owned(),
            action: action.to_owned(),
            room: room.map(str::to_owned),
            target: target.to_owned(),
        };
        if let Err(error) = self.db.log_moderation(&record).await {
            tracing::error!(%by, action, "moderation log: {error}");
        }
    }
}
