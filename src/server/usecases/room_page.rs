//! The room page: everything it renders on the server, for one reader.

use super::Chat;
use crate::api::{Cursor, RoomPage};
use crate::model::{Quote, MAX_MEMBERS_LISTED, MAX_SEEN_LISTED};
use crate::server::error::AppError;
use crate::server::policy::{self, Action, Kind};

/// How many of the latest messages a room page renders.
pub const PAGE_MESSAGES: i64 = 50;

impl Chat {
    /// One page of history (by cursor, never by offset), the rooms, who is online, and what
    /// the reader may do there. Opening a room joins it, and rendering its live end reads it.
    pub async fn room_page(
        &self,
        slug: &str,
        me: Option<String>,
        cursor: Cursor,
        reply: Option<i64>,
        find_member: &str,
    ) -> Result<RoomPage, AppError> {
        let (room, membership) = self.enter_reading(slug, me.as_deref()).await?;
        let (db, slug) = (&self.db, room.slug.as_str());
        let membership = match (me.as_deref(), membership) {
            (Some(name), Some(membership)) => {
                Some(self.ensure_member(&room, name, membership).await?)
            }
            _ => None,
        };
        // Read before the messages: the page then holds at least everything up to `pos`, and a
        // catch-up from `pos` brings the rest (applying a change twice is harmless).
        let (pos, last) = db.room_positions(slug).await?;
        let messages = match cursor {
            Cursor { before: Some(before), .. } => {
                db.messages_before(slug, before, PAGE_MESSAGES).await?
            }
            Cursor { after: Some(after), .. } => {
                db.messages_after(slug, after, PAGE_MESSAGES).await?
            }
            Cursor { around: Some(around), .. } => {
                let mut page = db.messages_before(slug, around + 1, PAGE_MESSAGES / 2).await?;
                page.extend(db.messages_after(slug, around, PAGE_MESSAGES / 2).await?);
                page
            }
            _ => db.latest_messages(slug, PAGE_MESSAGES).await?,
        };
        // A message posted since `last` was read is on the page: it is the newest there is.
        let last = messages.last().map_or(last, |m| m.seq.max(last));
        let has_older = messages.first().is_some_and(|m| m.seq > 1);
        let has_newer =
            messages.last().map_or(cursor.before.is_some() && last > 0, |m| m.seq < last);
        let online = db.online(slug, crate::protocol::MAX_ONLINE_LISTED).await?;
        // Rendering the live end of a room is reading it: without JavaScript nothing else would
        // move the read position. The divider goes where the reader was before.
        let mut rooms = self.list_rooms(me.as_deref()).await?;
        let current = rooms.iter_mut().find(|entry| entry.slug == slug);
        let read_seq = current.as_ref().filter(|e| e.joined).map_or(last, |e| e.read_seq);
        // Only a read position that moves is written (and announced): a page view of a room
        // already read costs no write.
        let unread = current.as_ref().is_some_and(|e| e.joined && e.read_seq < last);
        if let (Some(name), Some(entry), false, true) = (me.as_deref(), current, has_newer, unread)
        {
            entry.read_seq = self.record_read(slug, name, last).await?;
        }
        // The message a reply is being written to (the no-JavaScript "Reply" link), if it is
        // there and can be replied to.
        let replying = match reply.filter(|_| me.is_some()) {
            Some(seq) => db.message(slug, seq).await.ok().filter(|m| !m.deleted),
            None => None,
        };
        let draft_id = uuid::Uuid::new_v4().to_string();
        // The reader's role as the page shows it (an admin's is the owner's).
        let standing = membership.map(|m| super::standing(m, Action::SeeBans));
        let kind = Kind::of(&room, me.as_deref());
        let role = standing.and_then(|s| s.authority(kind));
        let sees_bans =
            standing.is_some_and(|s| policy::allowed(kind, &s, Action::SeeBans).is_ok());
        // The members list: its first names, or those the reader searched for. "Seen by": who
        // has read the last message (but its author and the reader), if this is the live end.
        let roster = db.roster(slug, find_member, MAX_MEMBERS_LISTED).await?;
        let (receipts, seen) = match messages.last().filter(|_| !has_newer) {
            Some(last) => {
                let except = [last.author.as_str(), me.as_deref().unwrap_or_default()];
                db.seen_by(slug, last.seq, except, MAX_SEEN_LISTED).await?
            }
            None => (Vec::new(), 0),
        };
        let banned = if sees_bans { db.bans(slug).await? } else { Vec::new() };
        Ok(RoomPage {
            room: room.room(),
            private_assistant: room.assistant,
            rooms,
            me,
            messages,
            has_older,
            has_newer,
            highlight: cursor.around,
            pos,
            read_seq,
            seen_more: seen.saturating_sub(receipts.len() as u64),
            receipts,
            online,
            draft_id,
            assistant: self.assistant.available(),
            private: room.private,
            direct: room.direct,
            members: roster.members,
            member_count: roster.total,
            member_matches: roster.matching,
            member_find: find_member.to_owned(),
            role,
            banned,
            admin: standing.is_some_and(|s| s.admin),
            replying: replying.as_ref().map(Quote::of),
            refused: None,
        })
    }
}
