//! Catching up: on every (re)connection, on a gap in the live changes, or, far behind,
//! starting over from the latest page; read positions; scrolling back.

use super::Live;
use crate::api::load_room;
use crate::model::{mention_parts, Message};
use crate::protocol::{Changes, JoinRoom, ListMessages, MarkRead, Online, Range, SyncRoom};
use crate::{notify, timeline::Timeline};
use leptos::prelude::*;

/// What the conversation says after starting over from the latest page.
const RELOADED: &str = "You missed a lot while you were away: showing the latest messages.";

impl Live {
    /// After every (re)connection: join, apply every change since the position reached, then
    /// send what the user wrote meanwhile, in order.
    pub(super) async fn catch_up(self) {
        let Some(after) = self.synced() else { return };
        let join = JoinRoom { room: self.room(), after: Some(after) };
        match self.realtime.emit_with_ack(&join).await {
            Ok(joined) => {
                self.online.try_set(Online::new(joined.online, joined.online_count));
                self.absorb(joined.changes, true).await;
                self.mark_read().await;
            }
            Err(error) => leptos::logging::warn!("joining {} failed: {error}", join.room),
        }
        self.flush().await;
    }

    /// Fills a gap in the live changes, one catch-up at a time.
    pub(super) async fn sync(self) {
        if self.syncing.try_get_value() != Some(false) {
            return;
        }
        self.syncing.set_value(true);
        self.absorb(Changes::default(), false).await;
        self.syncing.try_set_value(false);
    }

    /// Applies a catch-up (`fetched`: `changes` came from the server) and keeps asking while more
    /// follows or changes are held back. Too far behind (more than one batch) on the live end, it
    /// starts over from the latest page instead, and says so.
    pub(super) async fn absorb(self, mut changes: Changes, mut fetched: bool) {
        loop {
            if fetched && !changes.complete && self.at_live_end {
                self.reload().await;
                return;
            }
            let complete = changes.complete;
            let applied = self.timeline.try_update(|t| t.absorb(changes)).unwrap_or_default();
            self.after(&applied);
            let behind = self.timeline.try_with_untracked(Timeline::behind).unwrap_or(false);
            if fetched && complete && !behind {
                return;
            }
            let Some(after) = self.synced() else { return };
            let sync = SyncRoom { room: self.room(), after };
            changes = match self.realtime.emit_with_ack(&sync).await {
                Ok(next) => next,
                Err(error) => {
                    leptos::logging::warn!("catching up failed: {error}");
                    return;
                }
            };
            fetched = true;
        }
    }

    /// Starts over from the room's latest page, keeping what the user has not sent yet.
    pub(super) async fn reload(self) {
        match load_room(self.room(), None, None, None, None, None).await {
            Ok(page) => {
                let last = page.messages.last().map_or(0, |m| m.seq);
                self.seen_more.try_set((last, page.seen_more));
                self.timeline.try_update(|t| t.reload(page.messages, page.pos, RELOADED.into()));
                self.older.try_set(page.has_older);
                self.receipts.try_set(page.receipts);
                self.rooms.try_set(page.rooms);
                self.online.try_set(page.online);
            }
            Err(error) => leptos::logging::warn!("reloading the room failed: {error}"),
        }
    }

    /// A message that mentions the reader, arriving while the tab is hidden, becomes a browser
    /// notification (if they allowed it).
    pub(super) fn notify_if_mentioned(self, message: &Message) {
        let Some(me) = self.me() else { return };
        let mentioned = mention_parts(&message.body, &me).iter().any(|(mention, _)| *mention);
        if mentioned && message.author != me && notify::tab_hidden() {
            let title = format!("{} in #{}", message.author, message.room);
            notify::show(&title, &message.body, &message.room);
        }
    }

    /// Tells the server the reader has seen up to the newest message, if they can see it: a
    /// named reader, on the live end of the room, with the tab visible.
    pub(super) async fn mark_read(self) {
        let Some(seq) = self.timeline.try_with_untracked(Timeline::last_seq) else { return };
        let room = self.room();
        let read = self.rooms.try_with_untracked(|rooms| {
            rooms.iter().find(|r| r.slug == room).map_or(0, |r| r.read_seq)
        });
        let hidden = document().hidden();
        if !self.at_live_end || self.me().is_none() || hidden || read.is_none_or(|read| read >= seq)
        {
            return;
        }
        if let Ok(stored) = self.realtime.emit_with_ack(&MarkRead { room: room.clone(), seq }).await
        {
            self.rooms.try_update(|rooms| {
                if let Some(entry) = rooms.iter_mut().find(|r| r.slug == room) {
                    entry.read_seq = entry.read_seq.max(stored);
                    entry.joined = true;
                    entry.last_seq = entry.last_seq.max(stored);
                }
            });
        }
    }

    /// Fetches the batch before the first message shown and puts it on top, keeping what the
    /// reader was looking at in place.
    pub(in crate::pages::room) async fn load_older(
        self,
        scroller: leptos::web_sys::HtmlDivElement,
    ) {
        let Some(Some(first)) = self.timeline.try_with_untracked(Timeline::first_seq) else {
            return;
        };
        if self.loading_older.try_get_value() != Some(false) {
            return;
        }
        self.loading_older.set_value(true);
        let list = ListMessages { room: self.room(), range: Range::Before(first) };
        let result = self.realtime.emit_with_ack(&list).await;
        self.loading_older.try_update_value(|loading| *loading = false);
        match result {
            Ok(older) => {
                let (height, top) = (scroller.scroll_height(), scroller.scroll_top());
                self.timeline.try_update(|t| t.prepend(older.messages));
                self.older.try_set(!older.complete);
                request_animation_frame(move || {
                    scroller.set_scroll_top(scroller.scroll_height() - height + top);
                });
            }
            Err(error) => leptos::logging::warn!("loading older messages failed: {error}"),
        }
    }
}
