//! The live state of an open room and its wiring to the socket: catch-up on every connection,
//! gap filling, sending with retries, the outbox, read positions, typing, scrolling back. Shared
//! by the room page's parts. All of it is inert on the server, where no socket exists.

use crate::api::load_room;
use crate::model::{mention_parts, Message, RoomEntry};
use crate::protocol::{
    AnswerChunk, Change, Changes, CloseRoom, Command, DeleteMessage, EditMessage, Event, JoinRoom,
    ListMessages, MarkRead, MemberRead, PresenceUpdated, Range, ReactMessage, RoomRemoved,
    SetTyping, StopAnswer, SyncRoom, TypingUpdated,
};
use crate::realtime::{new_client_id, now_millis, ConnectionState, Realtime, RequestError};
use crate::{notify, outbox, timeline::Timeline};
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;

/// How long a typing indicator lasts without being renewed.
const TYPING_SHOWN_MS: f64 = 6_000.0;
/// Renew "typing" at most this often, and send "stopped" after this long without a keystroke.
const TYPING_RENEW_MS: f64 = 2_500.0;
/// What the conversation says after starting over from the latest page.
const RELOADED: &str = "You missed a lot while you were away: showing the latest messages.";

/// Someone typing, and until when to believe it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Typist {
    pub(super) name: String,
    until: f64,
}

/// The live state of the open room, shared by its parts. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub(super) struct Live {
    pub(super) realtime: Realtime,
    pub(super) timeline: RwSignal<Timeline>,
    pub(super) online: RwSignal<Vec<String>>,
    pub(super) typing: RwSignal<Vec<Typist>>,
    /// The sidebar's rooms, with how far the reader has read each.
    pub(super) rooms: RwSignal<Vec<RoomEntry>>,
    /// How far each person has read this room: `(name, seq)`.
    pub(super) receipts: RwSignal<Vec<(String, i64)>>,
    pub(super) me: StoredValue<Option<String>>,
    /// Whether this view ends at the room's latest message (and so follows live messages), or is
    /// a page of history.
    pub(super) at_live_end: bool,
    /// More messages exist before the first one shown.
    pub(super) older: RwSignal<bool>,
    /// Set while a batch of older messages is being fetched.
    pub(super) loading_older: StoredValue<bool>,
    /// The message a permalink points to.
    pub(super) highlight: Option<i64>,
    /// When "typing" was last sent (0: not typing), and when the user last pressed a key.
    pub(super) typing_sent: StoredValue<f64>,
    pub(super) last_keystroke: StoredValue<f64>,
    /// A catch-up for a gap is running; another gap waits for it.
    pub(super) syncing: StoredValue<bool>,
    /// Why the last edit, deletion or reaction was refused.
    pub(super) refusal: RwSignal<Option<String>>,
    /// Answers the assistant is writing in this room, as their pieces arrive.
    pub(super) answers: RwSignal<Vec<Answering>>,
    /// The reader moderates this room: they may delete anyone's message.
    pub(super) moderates: bool,
}

/// An answer being written: the pieces received so far.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Answering {
    pub(super) client_id: String,
    pub(super) asker: String,
    pub(super) text: String,
    /// The index of the next piece expected.
    next: u32,
    /// A piece went missing (or the first ones were sent before this page listened): the text
    /// is incomplete until the stored answer replaces it.
    pub(super) gappy: bool,
}

impl Live {
    /// Whether this view follows the room's live end (not a page of history).
    pub(super) fn at_live_end(&self) -> bool {
        self.at_live_end
    }

    pub(super) fn me(&self) -> Option<String> {
        self.me.try_get_value().flatten()
    }

    /// Safe after the page moved on: async work may outlive the room's signals.
    fn room(&self) -> String {
        self.timeline.try_with_untracked(|t| t.room().to_owned()).unwrap_or_default()
    }

    fn synced(&self) -> Option<i64> {
        self.timeline.try_with_untracked(Timeline::synced)
    }

    /// Wires the room to the socket and the outbox. Does nothing on the server.
    pub(super) fn follow(self) {
        // After hydration: bring back what an earlier visit left unsent, then keep the outbox
        // in step with every change.
        // The outbox is the page's account's: a guest has none.
        Effect::new(move |restored: Option<()>| {
            let Some(me) = self.me().filter(|_| self.at_live_end) else { return };
            let room = self.room();
            if restored.is_none() {
                self.timeline.update(|t| {
                    for unsent in outbox::load(&me, &room) {
                        t.queue(unsent.client_id, unsent.body);
                    }
                });
                spawn_local(self.flush());
            }
            outbox::save(&me, &room, &self.timeline.with(Timeline::outbox));
        });
        let realtime = self.realtime;
        realtime.on_connect(move || spawn_local(self.catch_up()));
        // Coming back to the tab reads what arrived meanwhile.
        let visible = window_event_listener_untyped("visibilitychange", move |_| {
            spawn_local(self.mark_read());
        });
        on_cleanup(move || visible.remove());
        // Moving to another room (client-side navigation) closes this one.
        let room = self.room();
        on_cleanup(move || realtime.emit(&CloseRoom { room }));
        realtime.on::<Change>(move |change| self.take(change));
        // Kicked or banned from this room: its events stop; the page is rendered again, and
        // says why.
        realtime.on::<RoomRemoved>(move |event| {
            if event.room == self.room() {
                let _ = window().location().reload();
            }
        });
        realtime.on::<PresenceUpdated>(move |event| {
            if event.room == self.room() {
                self.online.update(|online| event.apply(online));
                if !event.here {
                    self.typing.update(|typing| typing.retain(|t| t.name != event.name));
                }
            }
        });
        realtime.on::<MemberRead>(move |event| {
            if event.room == self.room() {
                self.receipts.update(|receipts| {
                    match receipts.iter_mut().find(|(name, _)| *name == event.name) {
                        Some((_, seq)) => *seq = (*seq).max(event.seq),
                        None => receipts.push((event.name, event.seq)),
                    }
                });
            }
        });
        realtime.on::<AnswerChunk>(move |chunk| {
            if chunk.room == self.room() {
                self.answers.update(|answers| piece_arrived(answers, chunk));
            }
        });
        realtime.on::<TypingUpdated>(move |event| {
            if event.room == self.room() && Some(&event.name) != self.me().as_ref() {
                self.someone_typing(event.name, event.typing);
            }
        });
    }

    /// A live change: applied in log order; one that skips a position starts a catch-up.
    fn take(self, change: Change) {
        if change.room != self.room() {
            return;
        }
        if let (Event::Posted { message }, Some(synced)) = (&change.event, self.synced()) {
            if change.pos > synced {
                self.notify_if_mentioned(message);
            }
        }
        let applied = self.timeline.try_update(|t| t.receive(change)).unwrap_or_default();
        self.after(&applied);
        if self.timeline.try_with_untracked(Timeline::behind) == Some(true) {
            spawn_local(self.sync());
        }
    }

    /// What applied changes mean beyond the conversation: who has read what, who is typing.
    fn after(self, applied: &[Change]) {
        for change in applied {
            match &change.event {
                Event::Posted { message } => {
                    self.typing.try_update(|typing| typing.retain(|t| t.name != message.author));
                    // A finished answer replaces its pieces.
                    self.answers.try_update(|answers| {
                        answers.retain(|a| a.client_id != message.client_id);
                    });
                }
                Event::Joined { name } => {
                    let seq = self.timeline.try_with_untracked(Timeline::last_seq).unwrap_or(0);
                    self.receipts.try_update(|receipts| {
                        if !receipts.iter().any(|(n, _)| n == name) {
                            receipts.push((name.clone(), seq));
                        }
                    });
                }
                Event::Left { name } => {
                    self.receipts.try_update(|receipts| receipts.retain(|(n, _)| n != name));
                }
                _ => {}
            }
        }
        if applied.iter().any(|c| matches!(c.event, Event::Posted { .. })) {
            spawn_local(self.mark_read());
        }
    }

    /// After every (re)connection: join, apply every change since the position reached, then
    /// send what the user wrote meanwhile, in order.
    async fn catch_up(self) {
        let Some(after) = self.synced() else { return };
        let join = JoinRoom { room: self.room(), after: Some(after) };
        match self.realtime.emit_with_ack(&join).await {
            Ok(joined) => {
                self.online.try_set(joined.online);
                self.absorb(joined.changes, true).await;
                self.mark_read().await;
            }
            Err(error) => leptos::logging::warn!("joining {} failed: {error}", join.room),
        }
        self.flush().await;
    }

    /// Sends the queued messages, oldest first.
    async fn flush(self) {
        for client_id in self.timeline.try_with_untracked(Timeline::unsent).unwrap_or_default() {
            self.deliver(client_id).await;
        }
    }

    /// Fills a gap in the live changes, one catch-up at a time.
    async fn sync(self) {
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
    async fn absorb(self, mut changes: Changes, mut fetched: bool) {
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
    async fn reload(self) {
        match load_room(self.room(), None, None, None).await {
            Ok(page) => {
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
    fn notify_if_mentioned(self, message: &Message) {
        let Some(me) = self.me() else { return };
        let mentioned = mention_parts(&message.body, &me).iter().any(|(mention, _)| *mention);
        if mentioned && message.author != me && notify::tab_hidden() {
            let title = format!("{} in #{}", message.author, message.room);
            notify::show(&title, &message.body, &message.room);
        }
    }

    /// Tells the server the reader has seen up to the newest message, if they can see it: a
    /// named reader, on the live end of the room, with the tab visible.
    async fn mark_read(self) {
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
    pub(super) async fn load_older(self, scroller: leptos::web_sys::HtmlDivElement) {
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

    /// Shows a message at once as pending and sends it.
    pub(super) fn send(self, body: String) {
        let client_id = new_client_id();
        self.timeline.update(|t| t.queue(client_id.clone(), body));
        self.stop_typing();
        spawn_local(self.deliver(client_id));
    }

    /// Sends one queued message. Refused: it stays, marked. No answer: it stays queued and is
    /// sent again, with the same client id, so the server stores it once.
    async fn deliver(self, client_id: String) {
        let Some(command) = self.timeline.try_update(|t| t.start_sending(&client_id)).flatten()
        else {
            return;
        };
        match self.realtime.emit_with_ack(&command).await {
            Ok(message) => {
                self.timeline.try_update(|t| t.apply(message));
            }
            Err(RequestError::Rejected(error)) => {
                self.timeline.try_update(|t| t.send_refused(&client_id, error.message));
            }
            Err(error) => {
                self.timeline.try_update(|t| t.send_interrupted(&client_id));
                if error == RequestError::Timeout
                    && self.realtime.state().get_untracked() == ConnectionState::Connected
                {
                    set_timeout(
                        move || spawn_local(self.deliver(client_id)),
                        Duration::from_secs(1),
                    );
                }
            }
        }
    }

    /// Sends an edit, deletion or reaction. The reply (and the broadcast) update the message;
    /// a refusal is shown.
    pub(super) fn change<C>(self, command: C)
    where
        C: Command<Reply = Message> + 'static,
    {
        self.refusal.set(None);
        spawn_local(async move {
            match self.realtime.emit_with_ack(&command).await {
                Ok(message) => {
                    self.timeline.try_update(|t| t.apply(message));
                }
                Err(RequestError::Rejected(error)) => {
                    self.refusal.try_set(Some(error.message));
                }
                Err(_) => {
                    let why = "Not connected: try again in a moment.".to_owned();
                    self.refusal.try_set(Some(why));
                }
            }
        });
    }

    pub(super) fn edit(self, seq: i64, body: String) {
        self.change(EditMessage { room: self.room(), seq, body });
    }

    pub(super) fn delete(self, seq: i64) {
        self.change(DeleteMessage { room: self.room(), seq });
    }

    pub(super) fn react(self, seq: i64, emoji: String, on: bool) {
        self.change(ReactMessage { room: self.room(), seq, emoji, on });
    }

    /// Asks the server to stop the answer being written here (only its asker may).
    pub(super) fn stop_answer(self) {
        self.refusal.set(None);
        spawn_local(async move {
            let stop = StopAnswer { room: self.room() };
            if let Err(error) = self.realtime.emit_with_ack(&stop).await {
                self.refusal.try_set(Some(error.to_string()));
            }
        });
    }

    pub(super) fn discard(self, client_id: &str) {
        self.timeline.update(|t| t.discard(client_id));
    }

    /// Called on every keystroke in the composer.
    pub(super) fn typing_now(self) {
        let now = now_millis();
        self.last_keystroke.set_value(now);
        if now - self.typing_sent.get_value() > TYPING_RENEW_MS {
            self.typing_sent.set_value(now);
            self.realtime.emit(&SetTyping { room: self.room(), typing: true });
        }
        set_timeout(
            move || {
                let idle = self.last_keystroke.try_get_value().map(|at| now_millis() - at);
                if idle.is_some_and(|idle| idle >= TYPING_RENEW_MS) {
                    self.stop_typing();
                }
            },
            Duration::from_millis(TYPING_RENEW_MS as u64 + 50),
        );
    }

    fn stop_typing(self) {
        if self.typing_sent.try_get_value().is_some_and(|sent| sent != 0.0) {
            self.typing_sent.set_value(0.0);
            self.realtime.emit(&SetTyping { room: self.room(), typing: false });
        }
    }

    fn someone_typing(self, name: String, typing: bool) {
        self.typing.update(|list| {
            list.retain(|t| t.name != name);
            if typing {
                list.push(Typist { name, until: now_millis() + TYPING_SHOWN_MS });
            }
        });
        if typing {
            set_timeout(
                move || {
                    self.typing.try_update(|list| list.retain(|t| t.until > now_millis()));
                },
                Duration::from_millis(TYPING_SHOWN_MS as u64 + 50),
            );
        }
    }
}

/// Adds a piece to the answer it belongs to, starting the answer if it is new.
fn piece_arrived(answers: &mut Vec<Answering>, chunk: AnswerChunk) {
    let answer = match answers.iter_mut().position(|a| a.client_id == chunk.client_id) {
        Some(at) => &mut answers[at],
        None => {
            answers.push(Answering {
                client_id: chunk.client_id.clone(),
                asker: chunk.asker.clone(),
                text: String::new(),
                next: 0,
                gappy: false,
            });
            answers.last_mut().expect("just pushed")
        }
    };
    if chunk.index < answer.next {
        return;
    }
    answer.gappy |= chunk.index > answer.next;
    answer.text.push_str(&chunk.text);
    answer.next = chunk.index + 1;
}
