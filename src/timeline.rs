//! What a conversation shows, as plain data: stored messages in order, the user's own messages
//! still waiting for the server, and passing notices. The browser applies every live change,
//! acknowledgement and catch-up through these methods, so the rules (each change applied once
//! and in log order, gaps noticed, nothing typed lost) live in one place and are tested without a
//! browser.

use crate::model::{Attachment, Message, Quote};
use crate::outbox::Unsent;
use crate::protocol::{Change, Changes, Event, SendMessage};

#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    room: String,
    me: Option<String>,
    /// Sorted by `seq`, each once.
    messages: Vec<Message>,
    /// The log position just before the first message this view holds.
    base: i64,
    /// In the order the user sent them.
    pending: Vec<Outgoing>,
    notices: Vec<Notice>,
    next_notice: u64,
    /// The "new messages" divider goes before the first message by someone else after this.
    read_seq: Option<i64>,
    /// The room's change-log position up to which every change has been applied.
    synced: i64,
    /// Changes that arrived ahead of a missing one, by position, waiting for a catch-up.
    held: Vec<Change>,
    /// This view ends at the room's latest message, so new messages are added to it; a page of
    /// history only takes changes to the messages it shows.
    live_end: bool,
}

/// A message the user sent that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    pub client_id: String,
    pub body: String,
    /// The message it replies to.
    pub reply: Option<Quote>,
    /// The files it carries, uploaded already.
    pub files: Vec<Attachment>,
    /// A send is on the wire; do not start another one.
    pub in_flight: bool,
    /// The server refused it, with this explanation; it will not be retried.
    pub error: Option<String>,
}

/// A line that is not part of the log ("Ada joined"), shown after the message at `after_seq`.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub after_seq: i64,
    pub text: String,
}

/// One row of the rendered conversation.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Sent(Message),
    /// A message right after one by the same author, within [`GROUP_MILLIS`]: shown under it,
    /// without repeating the name.
    Followup(Message),
    Pending(Outgoing),
    Notice(Notice),
    /// "New messages": where the reader's unread part begins.
    Divider,
    /// Where a calendar day begins, in the reader's time zone: its label.
    Day(String),
}

/// Messages by one author this close together are shown as one group.
pub const GROUP_MILLIS: i64 = 5 * 60_000;

impl Line {
    /// A key that changes whenever the row must be redrawn.
    pub fn key(&self) -> String {
        match self {
            Line::Sent(m) => format!("m{}r{}{}", m.id, m.rev, quote_key(m)),
            Line::Followup(m) => format!("f{}r{}{}", m.id, m.rev, quote_key(m)),
            Line::Pending(o) => {
                format!("p{}{}", o.client_id, if o.error.is_some() { "!" } else { "" })
            }
            Line::Notice(n) => format!("n{}", n.id),
            Line::Divider => "divider".to_owned(),
            Line::Day(day) => format!("d{day}"),
        }
    }
}

/// What a reply's quote shows, in short: it changes with the original (not with the reply's
/// `rev`), so it is part of the row's key.
fn quote_key(message: &Message) -> String {
    message.reply.as_ref().map_or_else(String::new, |quote| {
        let hash =
            quote.excerpt.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
        format!("q{}{hash:x}", if quote.deleted { "d" } else { "" })
    })
}

impl Timeline {
    /// A view of `messages`, which were read after the room's log stood at `pos`.
    pub fn new(room: String, me: Option<String>, mut messages: Vec<Message>, pos: i64) -> Self {
        messages.sort_by_key(|m| m.seq);
        messages.dedup_by_key(|m| m.seq);
        let base = messages.first().map_or(0, |m| m.seq - 1);
        Self {
            room,
            me,
            messages,
            base,
            pending: Vec::new(),
            notices: Vec::new(),
            next_notice: 0,
            read_seq: None,
            synced: pos,
            held: Vec::new(),
            live_end: true,
        }
    }

    /// Places the "new messages" divider after what the reader had read when the page opened.
    pub fn with_divider_after(mut self, read_seq: i64) -> Self {
        self.read_seq = Some(read_seq);
        self
    }

    /// Makes this a page of history: messages posted later do not join it.
    pub fn page_of_history(mut self) -> Self {
        self.live_end = false;
        self
    }

    pub fn room(&self) -> &str {
        &self.room
    }

    /// The change-log position this view is up to date with: where a catch-up starts.
    pub fn synced(&self) -> i64 {
        self.synced
    }

    /// True while changes are held back for want of an earlier one: a catch-up is needed.
    pub fn behind(&self) -> bool {
        !self.held.is_empty()
    }

    /// Takes a live change. The next one in the log is applied (with any held changes it
    /// unblocks), one already applied is ignored, and one that skips a position is held until a
    /// catch-up fills the gap. Returns the changes applied, in order.
    pub fn receive(&mut self, change: Change) -> Vec<Change> {
        if change.room != self.room || change.pos <= self.synced {
            return Vec::new();
        }
        if change.pos > self.synced + 1 {
            if let Err(at) = self.held.binary_search_by_key(&change.pos, |c| c.pos) {
                self.held.insert(at, change);
            }
            return Vec::new();
        }
        let mut applied = vec![change];
        self.apply_change(&applied[0]);
        applied.extend(self.release_held());
        applied
    }

    /// Applies a catch-up: every change after the position reached, then whatever held changes
    /// follow on. Returns the changes applied, in order.
    pub fn absorb(&mut self, changes: Changes) -> Vec<Change> {
        let mut applied = Vec::new();
        for change in changes.changes {
            if change.room == self.room && change.pos > self.synced {
                self.apply_change(&change);
                self.synced = change.pos;
                applied.push(change);
            }
        }
        self.synced = self.synced.max(changes.upto);
        applied.extend(self.release_held());
        applied
    }

    /// Starts again from a fresh latest page (the gap was too large to fetch change by change),
    /// keeping what the user has not sent yet, and says so.
    pub fn reload(&mut self, messages: Vec<Message>, pos: i64, why: String) {
        let fresh = Self::new(self.room.clone(), self.me.clone(), messages, pos);
        self.messages = fresh.messages;
        self.base = fresh.base;
        self.synced = pos;
        self.held.clear();
        self.notices.clear();
        self.read_seq = None;
        self.notice(why);
    }

    fn release_held(&mut self) -> Vec<Change> {
        let mut applied = Vec::new();
        self.held.retain(|c| c.pos > self.synced);
        while self.held.first().is_some_and(|c| c.pos == self.synced + 1) {
            let change = self.held.remove(0);
            self.apply_change(&change);
            applied.push(change);
        }
        applied
    }

    fn apply_change(&mut self, change: &Change) {
        self.synced = change.pos;
        match &change.event {
            // News about oneself (another tab joining) is no news.
            Event::Joined { name } | Event::Left { name } if self.me.as_ref() == Some(name) => {}
            Event::Joined { name } => self.notice(format!("{name} joined the room")),
            Event::Left { name } => self.notice(format!("{name} left the room")),
            event => {
                if let Some(message) = event.message() {
                    self.apply(message.clone());
                }
            }
        }
    }

    /// Takes a message as stored (from a change or an acknowledgement): adds it if this view
    /// covers it, replaces an older copy, and settles the pending send it answers.
    pub fn apply(&mut self, message: Message) {
        if message.room != self.room {
            return;
        }
        if self.me.as_deref() == Some(message.author.as_str()) {
            self.pending.retain(|o| o.client_id != message.client_id);
        }
        let last = self.messages.last().map_or(self.base, |m| m.seq);
        let held = self.messages.binary_search_by_key(&message.seq, |m| m.seq);
        // The replies to it quote it as it is now (unless this copy is older than the one held).
        if !held.is_ok_and(|at| self.messages[at].rev > message.rev) {
            let quote = Quote::of(&message);
            for reply in &mut self.messages {
                if let Some(old) = reply.reply.as_mut().filter(|q| q.seq == quote.seq) {
                    *old = quote.clone();
                }
            }
        }
        match held {
            Ok(at) if self.messages[at].rev <= message.rev => self.messages[at] = message,
            Ok(_) => {}
            Err(at) if message.seq > self.base && (self.live_end || message.seq < last) => {
                self.messages.insert(at, message);
            }
            Err(_) => {}
        }
    }

    /// The seq of the last message held (or of the one before the first, when none is).
    pub fn last_seq(&self) -> i64 {
        self.messages.last().map_or(self.base, |m| m.seq)
    }

    /// The stored messages this view holds, in order.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub fn last_message(&self) -> Option<&Message> {
        self.messages.last()
    }

    /// The message with this seq, if this view holds it.
    pub fn message(&self, seq: i64) -> Option<&Message> {
        self.messages.binary_search_by_key(&seq, |m| m.seq).ok().map(|at| &self.messages[at])
    }

    pub fn first_seq(&self) -> Option<i64> {
        self.messages.first().map(|m| m.seq)
    }

    /// Adds a batch of messages from before the first one held (scrolling back).
    pub fn prepend(&mut self, older: Vec<Message>) {
        for message in older.into_iter().rev() {
            if message.room == self.room && message.seq <= self.base {
                self.base = message.seq - 1;
                if let Err(at) = self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
                    self.messages.insert(at, message);
                }
            }
        }
    }

    /// The last row is one of the user's own messages, not yet stored (pending rows come last).
    pub fn ends_with_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The key of the last row: it changes when something is added at the bottom, not when
    /// history is added on top.
    pub fn last_key(&self) -> Option<String> {
        if let Some(outgoing) = self.pending.last() {
            return Some(Line::Pending(outgoing.clone()).key());
        }
        let last = self.messages.last();
        let notice = self.notices.last().filter(|n| last.is_none_or(|m| n.after_seq >= m.seq));
        match (notice, last) {
            (Some(notice), _) => Some(format!("n{}", notice.id)),
            (None, Some(message)) => Some(Line::Sent(message.clone()).key()),
            (None, None) => None,
        }
    }

    /// Queues a message the user wrote, unless it is queued or stored already (a restored
    /// outbox can hold a message whose acknowledgement was lost).
    pub fn queue(
        &mut self,
        client_id: String,
        body: String,
        reply: Option<Quote>,
        files: Vec<Attachment>,
    ) {
        let known = self.pending.iter().any(|o| o.client_id == client_id)
            || self
                .messages
                .iter()
                .any(|m| m.client_id == client_id && self.me.as_deref() == Some(m.author.as_str()));
        if !known {
            let outgoing =
                Outgoing { client_id, body, reply, files, in_flight: false, error: None };
            self.pending.push(outgoing);
        }
    }

    /// What must survive a reload: everything not yet acknowledged and not refused.
    pub fn outbox(&self) -> Vec<Unsent> {
        self.pending
            .iter()
            .filter(|o| o.error.is_none())
            .map(|o| Unsent {
                client_id: o.client_id.clone(),
                body: o.body.clone(),
                reply: o.reply.clone(),
                files: o.files.clone(),
            })
            .collect()
    }

    /// Marks a queued message as on the wire and returns the command that sends it, unless it is
    /// already on the wire, refused, or gone.
    pub fn start_sending(&mut self, client_id: &str) -> Option<SendMessage> {
        let outgoing = self
            .pending
            .iter_mut()
            .find(|o| o.client_id == client_id && !o.in_flight && o.error.is_none())?;
        outgoing.in_flight = true;
        Some(SendMessage {
            room: self.room.clone(),
            client_id: outgoing.client_id.clone(),
            body: outgoing.body.clone(),
            reply_to: outgoing.reply.as_ref().map(|quote| quote.seq),
            files: outgoing.files.iter().map(|file| file.id.clone()).collect(),
        })
    }

    /// The send got no answer (disconnected or timed out): it will be sent again.
    pub fn send_interrupted(&mut self, client_id: &str) {
        if let Some(outgoing) = self.pending.iter_mut().find(|o| o.client_id == client_id) {
            outgoing.in_flight = false;
        }
    }

    /// The server refused the message; it stays visible with the reason until discarded.
    pub fn send_refused(&mut self, client_id: &str, reason: String) {
        if let Some(outgoing) = self.pending.iter_mut().find(|o| o.client_id == client_id) {
            outgoing.in_flight = false;
            outgoing.error = Some(reason);
        }
    }

    pub fn discard(&mut self, client_id: &str) {
        self.pending.retain(|o| o.client_id != client_id);
    }

    /// Queued messages waiting to be (re)sent, oldest first.
    pub fn unsent(&self) -> Vec<String> {
        self.pending
            .iter()
            .filter(|o| !o.in_flight && o.error.is_none())
            .map(|o| o.client_id.clone())
            .collect()
    }

    pub fn notice(&mut self, text: String) {
        self.next_notice += 1;
        let after_seq = self.messages.last().map_or(self.base, |m| m.seq);
        self.notices.push(Notice { id: self.next_notice, after_seq, text });
    }

    /// Everything to render, in order: messages by position with their notices after them, then
    /// the user's pending messages.
    /// The rows to show, in order, with days separated in the reader's time zone
    /// (`utc_offset_minutes` from UTC).
    pub fn lines(&self, utc_offset_minutes: i32) -> Vec<Line> {
        let mut lines =
            Vec::with_capacity(self.messages.len() + self.notices.len() + self.pending.len());
        let mut notices = self.notices.iter().peekable();
        while let Some(notice) = notices.next_if(|n| n.after_seq <= self.base) {
            lines.push(Line::Notice(notice.clone()));
        }
        let divider_before = self.read_seq.and_then(|read| {
            self.messages
                .iter()
                .find(|m| m.seq > read && self.me.as_deref() != Some(m.author.as_str()))
        });
        let mut day = String::new();
        for message in &self.messages {
            let today = crate::model::day_label(message.created_at, utc_offset_minutes);
            if today != day {
                lines.push(Line::Day(today.clone()));
                day = today;
            }
            if divider_before.is_some_and(|d| d.seq == message.seq) {
                lines.push(Line::Divider);
            }
            let follows = match lines.last() {
                Some(Line::Sent(previous) | Line::Followup(previous)) => {
                    previous.author == message.author
                        && message.created_at - previous.created_at < GROUP_MILLIS
                }
                _ => false,
            };
            lines.push(if follows {
                Line::Followup(message.clone())
            } else {
                Line::Sent(message.clone())
            });
            while let Some(notice) = notices.next_if(|n| n.after_seq <= message.seq) {
                lines.push(Line::Notice(notice.clone()));
            }
        }
        lines.extend(notices.cloned().map(Line::Notice));
        lines.extend(self.pending.iter().cloned().map(Line::Pending));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: i64, author: &str, client_id: &str) -> Message {
        Message {
            id: seq * 10,
            client_id: client_id.into(),
            // Far enough apart not to be grouped.
            created_at: seq * GROUP_MILLIS,
            ..Message::sample(seq, author, &format!("body {seq}"))
        }
    }

    /// A view of messages `seqs`, each posted at the position equal to its seq.
    fn timeline(seqs: &[i64]) -> Timeline {
        let messages = seqs.iter().map(|&s| message(s, "bo", &format!("c{s}"))).collect();
        Timeline::new(
            "lobby".into(),
            Some("me".into()),
            messages,
            seqs.last().copied().unwrap_or(0),
        )
    }

    fn change(pos: i64, event: Event) -> Change {
        Change { room: "lobby".into(), pos, event }
    }

    fn posted(pos: i64, seq: i64) -> Change {
        let mut m = message(seq, "bo", &format!("c{seq}"));
        m.rev = pos;
        change(pos, Event::Posted { message: m })
    }

    fn edited(pos: i64, seq: i64, body: &str) -> Change {
        let mut m = message(seq, "bo", &format!("c{seq}"));
        (m.rev, m.body, m.edited_at) = (pos, body.into(), Some(1));
        change(pos, Event::Edited { message: m })
    }

    fn joined(pos: i64, name: &str) -> Change {
        change(pos, Event::Joined { name: name.into() })
    }

    fn seqs(t: &Timeline) -> Vec<i64> {
        t.messages.iter().map(|m| m.seq).collect()
    }

    /// The rows but the day separators.
    fn rows(t: &Timeline) -> Vec<Line> {
        t.lines(0).into_iter().filter(|line| !matches!(line, Line::Day(_))).collect()
    }

    fn keys(t: &Timeline) -> Vec<String> {
        rows(t).iter().map(Line::key).collect()
    }

    #[test]
    fn messages_are_grouped_by_author_and_separated_by_day() {
        const DAY: i64 = 86_400_000;
        let at = |seq, author: &str, created_at| Message { created_at, ..message(seq, author, "") };
        let t = Timeline::new(
            "lobby".into(),
            Some("me".into()),
            vec![
                at(1, "bo", DAY - 120_000),
                at(2, "bo", DAY - 60_000),
                at(3, "bo", DAY + 1_000),
                at(4, "al", DAY + 2_000),
                at(5, "bo", DAY + 3_000),
                at(6, "bo", DAY + 3_000 + GROUP_MILLIS),
            ],
            6,
        );
        let keys: Vec<String> = t.lines(0).iter().map(Line::key).collect();
        assert_eq!(
            keys,
            [
                "dThursday 1 January 1970",
                "m10r1",
                "f20r2",
                "dFriday 2 January 1970",
                "m30r3",
                "m40r4",
                "m50r5",
                "m60r6",
            ]
        );
        // Two hours east of UTC, the first day's last minutes are already the next day.
        let east: Vec<String> = t.lines(120).iter().map(Line::key).take(3).collect();
        assert_eq!(east, ["dFriday 2 January 1970", "m10r1", "f20r2"]);
    }

    fn positions(applied: &[Change]) -> Vec<i64> {
        applied.iter().map(|c| c.pos).collect()
    }

    #[test]
    fn each_change_is_applied_once_in_order() {
        let mut t = timeline(&[1, 2]);
        assert_eq!(positions(&t.receive(posted(3, 3))), [3]);
        assert!(t.receive(posted(3, 3)).is_empty(), "a repeated change is ignored");
        assert!(t.receive(posted(2, 2)).is_empty());
        assert_eq!(positions(&t.receive(joined(4, "Ada"))), [4]);
        assert!(t.receive(joined(4, "Ada")).is_empty());
        assert_eq!(seqs(&t), [1, 2, 3]);
        assert_eq!(keys(&t), ["m10r1", "m20r2", "m30r3", "n1"]);
        assert_eq!(t.synced(), 4);
    }

    #[test]
    fn a_skipped_position_is_held_until_a_catch_up_fills_it() {
        let mut t = timeline(&[1, 2]);
        assert!(t.receive(posted(4, 4)).is_empty());
        assert!(t.behind());
        assert_eq!(t.synced(), 2);
        let reply = Changes { changes: vec![posted(3, 3)], upto: 3, complete: true };
        assert_eq!(positions(&t.absorb(reply)), [3, 4], "the held change follows the gap");
        assert!(!t.behind());
        assert_eq!((seqs(&t), t.synced()), (vec![1, 2, 3, 4], 4));
    }

    #[test]
    fn live_changes_during_a_catch_up_are_neither_lost_nor_applied_twice() {
        let mut t = timeline(&[1]);
        // Reconnected at 1; while the catch-up is on its way, 2 and 4 arrive live.
        assert_eq!(positions(&t.receive(joined(2, "Ada"))), [2]);
        assert!(t.receive(joined(4, "Bo")).is_empty());
        // The reply was read after 3 and before 4 was written.
        let reply =
            Changes { changes: vec![joined(2, "Ada"), posted(3, 2)], upto: 3, complete: true };
        assert_eq!(positions(&t.absorb(reply)), [3, 4]);
        assert_eq!(keys(&t), ["m10r1", "n1", "m20r3", "n2"]);
        // A reply read later holds 4 too: nothing is applied again.
        let later = Changes { changes: vec![joined(4, "Bo")], upto: 4, complete: true };
        assert!(t.absorb(later).is_empty());
        assert_eq!(t.notices.len(), 2);
    }

    #[test]
    fn an_empty_catch_up_moves_to_where_the_log_stands() {
        let mut t = timeline(&[]);
        assert!(t.absorb(Changes { changes: vec![], upto: 9, complete: true }).is_empty());
        assert_eq!(t.synced(), 9);
        assert!(t.receive(posted(9, 1)).is_empty());
        assert_eq!(positions(&t.receive(posted(10, 1))), [10]);
    }

    #[test]
    fn a_newer_copy_of_a_message_replaces_an_older_one_and_not_the_reverse() {
        let mut t = timeline(&[1, 2]);
        t.receive(edited(3, 1, "fixed"));
        assert_eq!(t.message(1).map(|m| m.body.as_str()), Some("fixed"));
        // An acknowledgement carrying the message as it was before the edit changes nothing.
        t.apply(message(1, "bo", "c1"));
        assert_eq!(t.message(1).map(|m| m.body.as_str()), Some("fixed"));
        let mut gone = message(2, "bo", "c2");
        (gone.rev, gone.body, gone.deleted) = (4, String::new(), true);
        t.receive(change(4, Event::Deleted { message: gone }));
        assert_eq!(t.message(2).map(|m| m.deleted), Some(true), "a tombstone stays in place");
        assert_eq!(seqs(&t), [1, 2]);
    }

    #[test]
    fn replies_quote_their_original_as_it_is_now() {
        let mut t = timeline(&[1]);
        let mut reply = message(2, "bo", "c2");
        reply.reply = Some(Quote::of(&message(1, "al", "c1")));
        t.receive(change(2, Event::Posted { message: reply }));
        let key = |t: &Timeline| Line::Sent(t.message(2).cloned().expect("held")).key();
        let before = key(&t);
        t.receive(edited(3, 1, "fixed"));
        let quote = t.message(2).and_then(|m| m.reply.clone()).expect("a quote");
        assert_eq!((quote.excerpt.as_str(), quote.deleted), ("fixed", false));
        assert_ne!(key(&t), before, "the reply's row is drawn again");
        let mut gone = message(1, "al", "c1");
        (gone.rev, gone.body, gone.deleted) = (4, String::new(), true);
        t.receive(change(4, Event::Deleted { message: gone }));
        let quote = t.message(2).and_then(|m| m.reply.clone()).expect("a quote");
        assert_eq!((quote.excerpt.as_str(), quote.deleted), ("", true));
        // An older copy of the original (a late acknowledgement) does not bring the text back.
        t.apply(message(1, "al", "c1"));
        assert_eq!(t.message(2).and_then(|m| m.reply.clone()).map(|q| q.deleted), Some(true));
    }

    #[test]
    fn a_page_of_history_takes_edits_but_not_new_messages() {
        let mut t = timeline(&[10, 11]).page_of_history();
        t.receive(posted(12, 12));
        t.receive(edited(13, 11, "fixed"));
        assert_eq!(seqs(&t), [10, 11]);
        assert_eq!(t.message(11).map(|m| m.body.as_str()), Some("fixed"));
        assert_eq!(t.synced(), 13);
    }

    #[test]
    fn messages_older_than_the_page_are_ignored() {
        let mut t = timeline(&[10, 11]);
        t.apply(message(3, "bo", "c3"));
        assert_eq!(rows(&t).len(), 2);
    }

    #[test]
    fn a_reload_starts_over_and_keeps_what_is_unsent() {
        let mut t = timeline(&[1, 2]);
        t.queue("x".into(), "hello".into(), None, vec![]);
        t.receive(posted(9, 9));
        t.reload(vec![message(300, "bo", "c300")], 400, "Reloaded".into());
        assert_eq!((seqs(&t), t.synced(), t.behind()), (vec![300], 400, false));
        assert_eq!(keys(&t), ["m3000r300", "n1", "px"]);
    }

    #[test]
    fn own_messages_go_from_pending_to_sent_once() {
        let mut t = timeline(&[1]);
        t.queue("x".into(), "hello".into(), None, vec![]);
        assert_eq!(t.unsent(), ["x"]);
        let command = t.start_sending("x").expect("queued");
        assert_eq!((command.client_id.as_str(), command.body.as_str()), ("x", "hello"));
        assert!(t.start_sending("x").is_none(), "one send at a time");
        assert!(t.unsent().is_empty());
        t.send_interrupted("x");
        assert_eq!(t.unsent(), ["x"], "a lost ack means sending again");
        // The broadcast and the ack both deliver the stored message: it appears once.
        t.apply(message(2, "me", "x"));
        let mut broadcast = message(2, "me", "x");
        broadcast.rev = 2;
        t.receive(change(2, Event::Posted { message: broadcast }));
        let lines = rows(&t);
        assert_eq!(lines.len(), 2);
        assert!(matches!(&lines[1], Line::Sent(m) if m.client_id == "x"));
    }

    #[test]
    fn a_restored_outbox_adds_nothing_twice() {
        let mut t = timeline(&[]);
        t.apply(message(1, "me", "stored"));
        t.queue("stored".into(), "acknowledged before the reload".into(), None, vec![]);
        t.queue("x".into(), "hello".into(), None, vec![]);
        t.queue("x".into(), "hello".into(), None, vec![]);
        assert_eq!(t.unsent(), ["x"]);
        assert_eq!(
            t.outbox(),
            [Unsent { client_id: "x".into(), body: "hello".into(), reply: None, files: vec![] }]
        );
        t.start_sending("x");
        assert_eq!(t.outbox().len(), 1, "in flight is not yet safe");
        t.send_refused("x", "no".into());
        assert!(t.outbox().is_empty(), "a refused message is not retried after a reload");
    }

    #[test]
    fn refused_messages_stay_visible_and_are_not_retried() {
        let mut t = timeline(&[]);
        t.queue("x".into(), "hello".into(), None, vec![]);
        t.start_sending("x");
        t.send_refused("x", "too long".into());
        assert!(t.unsent().is_empty());
        assert!(matches!(&rows(&t)[0], Line::Pending(o) if o.error.as_deref() == Some("too long")));
        t.discard("x");
        assert!(rows(&t).is_empty());
    }

    #[test]
    fn scrolling_back_prepends_without_touching_the_end() {
        let mut t = timeline(&[5, 6]);
        let end = t.last_key();
        t.prepend(vec![message(3, "bo", "c3"), message(4, "bo", "c4"), message(6, "bo", "c6")]);
        assert_eq!(seqs(&t), [3, 4, 5, 6]);
        assert_eq!(t.first_seq(), Some(3));
        assert_eq!(t.last_key(), end);
        t.receive(posted(7, 7));
        assert_eq!(t.last_key().as_deref(), Some("m70r7"));
    }

    #[test]
    fn the_divider_marks_the_first_unread_message_by_someone_else() {
        let mut messages: Vec<Message> = [1, 2].iter().map(|&s| message(s, "bo", "x")).collect();
        messages.push(message(3, "me", "mine"));
        messages.push(message(4, "bo", "y"));
        let t = Timeline::new("lobby".into(), Some("me".into()), messages, 4).with_divider_after(2);
        assert_eq!(keys(&t), ["m10r1", "m20r2", "m30r3", "divider", "m40r4"]);
        let all_read = t.clone().with_divider_after(4);
        assert!(!rows(&all_read).contains(&Line::Divider));
    }

    #[test]
    fn notices_stay_where_they_happened() {
        let mut t = timeline(&[1]);
        t.receive(joined(2, "Ada"));
        t.receive(posted(3, 2));
        assert_eq!(keys(&t), ["m10r1", "n1", "m20r3"]);
    }
}
