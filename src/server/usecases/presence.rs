//! Presence: who is online in which room (a person with two tabs counts once), and who is
//! typing. A socket that opens a room is present there until it closes the room or disconnects.

use super::{signed_in, Chat};
use crate::protocol::{Changes, CloseRoom, JoinRoom, Joined, SetTyping, TypingUpdated};
use crate::server::broadcast::{self, Conn};
use crate::server::error::{refuse, AppError};
use crate::server::policy::Action;
use crate::server::store::Departure;

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
        let (room, _) = self.enter(&input.room, who, Action::Read).await?;
        let (open, already) = socket.open_rooms(&room.slug);
        if !already && open >= crate::server::socket::MAX_OPEN_ROOMS {
            return Err(refuse::too_many_open_rooms());
        }
        socket.join(broadcast::room_channel(&room.slug));
        if let Some(name) = who {
            self.ensure_member(&room, name).await?;
            let first = self.db.add_presence(&socket.id(), &room.slug, name).await?;
            if first {
                self.batches.presence(&self.io, Some(socket), &room.slug, name, true).await;
            }
        }
        let online = self.db.online(&room.slug).await?;
        let changes = match input.after {
            Some(after) => self.changes(&room.slug, after).await?,
            None => Changes {
                changes: Vec::new(),
                upto: self.db.room_pos(&room.slug).await?,
                complete: true,
            },
        };
        Ok(Joined { room: room.room(), online, changes })
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
        for departure in departures.into_iter().filter(|d| d.last) {
            let (room, name) = (&departure.room, &departure.name);
            self.batches.presence(&self.io, None, room, name, false).await;
        }
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
