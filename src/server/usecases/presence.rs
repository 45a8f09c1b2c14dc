//! Presence: who is online in which room (a person with two tabs counts once), whether the
//! people of one's direct conversations are online at all (a room open anywhere), and who is
//! typing. A socket that opens a room is present there until it closes the room or disconnects.

use super::{signed_in, Chat};
use crate::model::RoomEntry;
use crate::protocol::{
    Changes, CloseRoom, JoinRoom, Joined, PersonStatus, SetTyping, TypingUpdated, MAX_ONLINE_LISTED,
};
use crate::server::broadcast::{self, Conn};
use crate::server::error::{refuse, AppError};
use crate::server::policy::Action;
use crate::server::store::Departure;

/// How long after someone's last room closed they are told offline, if none opened since.
pub const OFFLINE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

impl Chat {
    /// Opens a room on a socket and returns what changed since `after`. A named person is also
    /// made a member, recorded as present and, on their first connection there, announced to
    /// the others; a visitor without a name only reads.
    pub async fn join_room(
        &self,
        socket: &Conn,
        who: Option<&str>,
        input: JoinRoom,
    ) -> Result<Joined, AppError> {
        let (room, membership) = self.enter_reading(&input.room, who).await?;
        let (open, already) = socket.open_rooms(&room.slug);
        if !already && open >= crate::server::socket::MAX_OPEN_ROOMS {
            return Err(refuse::too_many_open_rooms());
        }
        socket.join(broadcast::room_channel(&room.slug));
        if let (Some(name), Some(membership)) = (who, membership) {
            self.ensure_member(&room, name, membership).await?;
            let first = self.db.add_presence(&socket.id(), &room.slug, name).await?;
            if first {
                self.batches.presence(&self.io, Some(socket), &room.slug, name, true).await;
                // Said again on every room they open: a person opening two rooms at once on
                // two nodes is not missed, and the few packets cost nothing at human pace.
                if let Err(error) = self.tell_peers(name, true).await {
                    tracing::warn!("telling that {name} is online failed: {error}");
                }
            }
        }
        let online = self.db.online(&room.slug, MAX_ONLINE_LISTED).await?;
        let changes = match input.after {
            Some(after) => self.changes(&room.slug, after).await?,
            None => Changes {
                changes: Vec::new(),
                upto: self.db.room_pos(&room.slug).await?,
                complete: true,
            },
        };
        Ok(Joined { room: room.room(), online: online.names, online_count: online.count, changes })
    }

    /// Unsubscribes a socket from a room (its page moved elsewhere) and announces the person as
    /// gone if that was their last connection there.
    pub async fn close_room(
        &self,
        socket: &Conn,
        who: Option<&str>,
        input: CloseRoom,
    ) -> Result<(), AppError> {
        let (room, _) = self.enter(&input.room, who, Action::Read).await?;
        socket.leave(broadcast::room_channel(&room.slug));
        let id = socket.id();
        let departures = self.db.remove_presence(&id, Some(&room.slug)).await?;
        self.announce_departures(departures).await;
        Ok(())
    }

    /// Forgets a closed socket and tells each room it was in if its person has now left.
    pub async fn disconnect(&self, socket_id: &str) {
        match self.db.remove_presence(socket_id, None).await {
            Ok(departures) => self.announce_departures(departures).await,
            Err(error) => tracing::error!("presence cleanup for {socket_id} failed: {error}"),
        }
    }

    pub async fn announce_departures(&self, departures: Vec<Departure>) {
        let mut gone = std::collections::BTreeSet::new();
        for departure in departures.into_iter().filter(|d| d.last) {
            let (room, name) = (&departure.room, &departure.name);
            self.batches.presence(&self.io, None, room, name, false).await;
            gone.insert(departure.name);
        }
        for name in gone {
            self.offline_after_grace(name);
        }
    }

    /// Tells the people of `name`'s direct conversations that `name` went offline, if no room
    /// of theirs is open [`OFFLINE_GRACE`] from now: moving to another room, or reloading a
    /// page, does not make their dot blink.
    fn offline_after_grace(&self, name: String) {
        let chat = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(OFFLINE_GRACE).await;
            let told = match chat.db.rooms_present(&name).await {
                Ok(0) => chat.tell_peers(&name, false).await,
                Ok(_) => Ok(()),
                Err(error) => Err(error.into()),
            };
            if let Err(error) = told {
                tracing::warn!("telling whether {name} is online failed: {error}");
            }
        });
    }

    /// Tells every connection of the people who have a direct conversation with `name` whether
    /// `name` is online.
    async fn tell_peers(&self, name: &str, online: bool) -> Result<(), AppError> {
        let peers = self.db.direct_peers(name).await?;
        if !peers.is_empty() {
            let status = PersonStatus { name: name.to_owned(), online };
            let names = peers.iter().map(|(peer, _)| peer.as_str());
            broadcast::to_people(&self.io, names, &status).await;
        }
        Ok(())
    }

    /// Marks each direct conversation among `entries` (the sidebar of `reader`) with whether
    /// its other person is online.
    pub(super) async fn mark_online(
        &self,
        entries: &mut [RoomEntry],
        reader: &str,
    ) -> Result<(), AppError> {
        if !entries.iter().any(|entry| entry.direct) {
            return Ok(());
        }
        let peers = self.db.direct_peers(reader).await?;
        for entry in entries.iter_mut() {
            let peer = entry.peer(reader).map(str::to_lowercase);
            entry.online = peer.is_some_and(|peer| {
                peers.iter().any(|(name, online)| *online && name.to_lowercase() == peer)
            });
        }
        Ok(())
    }

    /// Relays a typing indicator to the rest of the room. Nothing is stored: it expires on the
    /// receiving side.
    pub async fn set_typing(
        &self,
        socket: &Conn,
        who: Option<&str>,
        input: SetTyping,
    ) -> Result<(), AppError> {
        let name = signed_in(who)?;
        let (room, _) = self.enter(&input.room, Some(name), Action::Post).await?;
        if !self.db.is_present(&socket.id(), &room.slug).await? {
            return Err(refuse::not_in_room());
        }
        let event =
            TypingUpdated { room: room.slug.clone(), name: name.to_owned(), typing: input.typing };
        broadcast::to_room_but(socket, &room.slug, &event).await;
        Ok(())
    }
}
