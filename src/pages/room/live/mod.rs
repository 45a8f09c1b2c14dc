//! The live state of an open room and its wiring to the socket, shared by the room page's
//! parts: here the state and the events that change it; beside it, catching up ([`sync`]),
//! sending ([`outgoing`]), typing ([`typing`]) and the assistant's answers ([`answers`]). All of
//! it is inert on the server, where no socket exists.

mod answers;
mod outgoing;
mod sync;
mod typing;

pub(super) use answers::Answering;
pub(super) use typing::Typist;

use crate::model::{Quote, RoomEntry};
use crate::protocol::{AnswerChunk, ChangesBatched, PresenceBatched, SyncNeeded, TypingUpdated};
use crate::protocol::{Change, CloseRoom, Event, MemberRead, Online, PresenceUpdated, RoomRemoved};
use crate::realtime::Realtime;
use crate::{outbox, timeline::Timeline};
use leptos::{prelude::*, task::spawn_local};

/// The live state of the open room, shared by its parts. `Copy`: every field is a handle.
#[derive(Clone, Copy)]
pub(super) struct Live {
    pub(super) realtime: Realtime,
    pub(super) timeline: RwSignal<Timeline>,
    pub(super) online: RwSignal<Online>,
    pub(super) typing: RwSignal<Vec<Typist>>,
    /// The sidebar's rooms, with how far the reader has read each.
    pub(super) rooms: RwSignal<Vec<RoomEntry>>,
    /// How far people have read this room, `(name, seq)`: those who had read the page's last
    /// message when it loaded (the first few), then every read and arrival since.
    pub(super) receipts: RwSignal<Vec<(String, i64)>>,
    /// `(seq, n)`: n more people, not in `receipts`, had read up to `seq` when the page loaded.
    pub(super) seen_more: RwSignal<(i64, u64)>,
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
    /// The message the composer replies to.
    pub(super) replying: RwSignal<Option<Quote>>,
    /// The message whose reaction picker is open (one at a time).
    pub(super) picking: RwSignal<Option<i64>>,
    /// Set once the page is hydrated: controls that work differently with JavaScript (the
    /// reaction picker's "+") say so from then on.
    pub(super) hydrated: RwSignal<bool>,
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
                        t.queue(unsent.client_id, unsent.body, unsent.reply, unsent.files);
                    }
                });
                spawn_local(self.flush());
            }
            outbox::save(&me, &room, &self.timeline.with(Timeline::outbox));
        });
        let realtime = self.realtime;
        realtime.on_connect(move || spawn_local(self.catch_up()));
        // The server's nodes lost touch for a while: catch up as after a reconnection.
        realtime.on::<SyncNeeded>(move |_| spawn_local(self.catch_up()));
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
        // A busy room's arrivals, departures and membership changes come in batches.
        realtime.on::<PresenceBatched>(move |batch| {
            if batch.room == self.room() {
                self.online.update(|online| batch.apply(online));
                self.typing.update(|typing| typing.retain(|t| !batch.gone.contains(&t.name)));
            }
        });
        realtime.on::<ChangesBatched>(move |batch| {
            for change in batch.changes {
                self.take(change);
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
                self.answers.update(|answers| answers::piece_arrived(answers, chunk));
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
}
