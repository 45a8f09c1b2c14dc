//! What a conversation shows, as plain data: stored messages in log order, the user's own
//! messages still waiting for the server, and passing notices. The browser applies every live
//! event, acknowledgement and catch-up through these methods, so the rules (each message once,
//! gaps noticed, nothing typed lost) live in one place and are tested without a browser.

use crate::model::Message;
use crate::outbox::Unsent;
use crate::protocol::SendMessage;

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
}

/// A message the user sent that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    pub client_id: String,
    pub body: String,
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
    Pending(Outgoing),
    Notice(Notice),
    /// "New messages": where the reader's unread part begins.
    Divider,
}

impl Line {
    /// A key that changes whenever the row must be redrawn.
    pub fn key(&self) -> String {
        match self {
            Line::Sent(m) => format!("m{}", m.id),
            Line::Pending(o) => {
                format!("p{}{}", o.client_id, if o.error.is_some() { "!" } else { "" })
            }
            Line::Notice(n) => format!("n{}", n.id),
            Line::Divider => "divider".to_owned(),
        }
    }
}

impl Timeline {
    pub fn new(room: String, me: Option<String>, mut messages: Vec<Message>) -> Self {
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
        }
    }

    /// Places the "new messages" divider after what the reader had read when the page opened.
    pub fn with_divider_after(mut self, read_seq: i64) -> Self {
        self.read_seq = Some(read_seq);
        self
    }

    pub fn room(&self) -> &str {
        &self.room
    }

    /// The highest position up to which this view holds every message: where a catch-up starts.
    pub fn contiguous_seq(&self) -> i64 {
        let mut expected = self.base + 1;
        for message in &self.messages {
            if message.seq > expected {
                break;
            }
            expected = expected.max(message.seq + 1);
        }
        expected - 1
    }

    /// True when a later message arrived before an earlier one: something was missed.
    pub fn has_gap(&self) -> bool {
        self.messages.last().is_some_and(|last| last.seq > self.contiguous_seq())
    }

    /// Adds a stored message (live, acknowledged or caught up) unless it is already there, and
    /// settles the pending send it answers. Returns true if the view now has a gap.
    pub fn apply(&mut self, message: Message) -> bool {
        if message.room != self.room {
            return self.has_gap();
        }
        if self.me.as_deref() == Some(message.author.as_str()) {
            self.pending.retain(|o| o.client_id != message.client_id);
        }
        if message.seq > self.base {
            if let Err(at) = self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
                self.messages.insert(at, message);
            }
        }
        self.has_gap()
    }

    pub fn merge(&mut self, messages: impl IntoIterator<Item = Message>) -> bool {
        for message in messages {
            self.apply(message);
        }
        self.has_gap()
    }

    pub fn last_seq(&self) -> i64 {
        self.messages.last().map_or(self.base, |m| m.seq)
    }

    pub fn last_message(&self) -> Option<&Message> {
        self.messages.last()
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
            (None, Some(message)) => Some(format!("m{}", message.id)),
            (None, None) => None,
        }
    }

    /// Queues a message the user wrote, unless it is queued or stored already (a restored
    /// outbox can hold a message whose acknowledgement was lost).
    pub fn queue(&mut self, client_id: String, body: String) {
        let known = self.pending.iter().any(|o| o.client_id == client_id)
            || self
                .messages
                .iter()
                .any(|m| m.client_id == client_id && self.me.as_deref() == Some(m.author.as_str()));
        if !known {
            self.pending.push(Outgoing { client_id, body, in_flight: false, error: None });
        }
    }

    /// What must survive a reload: everything not yet acknowledged and not refused.
    pub fn outbox(&self) -> Vec<Unsent> {
        self.pending
            .iter()
            .filter(|o| o.error.is_none())
            .map(|o| Unsent { client_id: o.client_id.clone(), body: o.body.clone() })
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
    pub fn lines(&self) -> Vec<Line> {
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
        for message in &self.messages {
            if divider_before.is_some_and(|d| d.seq == message.seq) {
                lines.push(Line::Divider);
            }
            lines.push(Line::Sent(message.clone()));
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
            room: "lobby".into(),
            seq,
            author: author.into(),
            body: format!("body {seq}"),
            client_id: client_id.into(),
            created_at: 0,
        }
    }

    fn timeline(seqs: &[i64]) -> Timeline {
        let messages = seqs.iter().map(|&s| message(s, "bo", &format!("c{s}"))).collect();
        Timeline::new("lobby".into(), Some("me".into()), messages)
    }

    #[test]
    fn each_message_is_shown_once() {
        let mut t = timeline(&[1, 2]);
        assert!(!t.apply(message(3, "bo", "c3")));
        assert!(!t.apply(message(3, "bo", "c3")));
        assert!(!t.apply(message(2, "bo", "c2")));
        let seqs: Vec<i64> = t.messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[test]
    fn a_skipped_position_is_a_gap_until_filled() {
        let mut t = timeline(&[40, 41]);
        assert_eq!(t.contiguous_seq(), 41);
        assert!(t.apply(message(43, "bo", "c43")));
        assert_eq!(t.contiguous_seq(), 41);
        assert!(!t.merge([message(42, "bo", "c42")]));
        assert_eq!(t.contiguous_seq(), 43);
    }

    #[test]
    fn an_empty_room_starts_at_zero() {
        let mut t = timeline(&[]);
        assert_eq!(t.contiguous_seq(), 0);
        assert!(t.apply(message(2, "bo", "c2")));
        assert!(!t.apply(message(1, "bo", "c1")));
    }

    #[test]
    fn messages_older_than_the_page_are_ignored() {
        let mut t = timeline(&[10, 11]);
        assert!(!t.apply(message(3, "bo", "c3")));
        assert_eq!(t.lines().len(), 2);
    }

    #[test]
    fn own_messages_go_from_pending_to_sent_once() {
        let mut t = timeline(&[1]);
        t.queue("x".into(), "hello".into());
        assert_eq!(t.unsent(), ["x"]);
        let command = t.start_sending("x").expect("queued");
        assert_eq!((command.client_id.as_str(), command.body.as_str()), ("x", "hello"));
        assert!(t.start_sending("x").is_none(), "one send at a time");
        assert!(t.unsent().is_empty());
        t.send_interrupted("x");
        assert_eq!(t.unsent(), ["x"], "a lost ack means sending again");
        // The broadcast and the ack both deliver the stored message: it appears once.
        t.apply(message(2, "me", "x"));
        t.apply(message(2, "me", "x"));
        let lines = t.lines();
        assert_eq!(lines.len(), 2);
        assert!(matches!(&lines[1], Line::Sent(m) if m.client_id == "x"));
    }

    #[test]
    fn a_restored_outbox_adds_nothing_twice() {
        let mut t = timeline(&[]);
        t.apply(message(1, "me", "stored"));
        t.queue("stored".into(), "acknowledged before the reload".into());
        t.queue("x".into(), "hello".into());
        t.queue("x".into(), "hello".into());
        assert_eq!(t.unsent(), ["x"]);
        assert_eq!(t.outbox(), [Unsent { client_id: "x".into(), body: "hello".into() }]);
        t.start_sending("x");
        assert_eq!(t.outbox().len(), 1, "in flight is not yet safe");
        t.send_refused("x", "no".into());
        assert!(t.outbox().is_empty(), "a refused message is not retried after a reload");
    }

    #[test]
    fn refused_messages_stay_visible_and_are_not_retried() {
        let mut t = timeline(&[]);
        t.queue("x".into(), "hello".into());
        t.start_sending("x");
        t.send_refused("x", "too long".into());
        assert!(t.unsent().is_empty());
        assert!(
            matches!(&t.lines()[0], Line::Pending(o) if o.error.as_deref() == Some("too long"))
        );
        t.discard("x");
        assert!(t.lines().is_empty());
    }

    #[test]
    fn scrolling_back_prepends_without_touching_the_end() {
        let mut t = timeline(&[5, 6]);
        let end = t.last_key();
        t.prepend(vec![message(3, "bo", "c3"), message(4, "bo", "c4"), message(6, "bo", "c6")]);
        let seqs: Vec<i64> = t.messages.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [3, 4, 5, 6]);
        assert_eq!((t.first_seq(), t.contiguous_seq()), (Some(3), 6));
        assert_eq!(t.last_key(), end);
        t.apply(message(7, "bo", "c7"));
        assert_eq!(t.last_key().as_deref(), Some("m70"));
    }

    #[test]
    fn the_divider_marks_the_first_unread_message_by_someone_else() {
        let mut messages: Vec<Message> = [1, 2].iter().map(|&s| message(s, "bo", "x")).collect();
        messages.push(message(3, "me", "mine"));
        messages.push(message(4, "bo", "y"));
        let t = Timeline::new("lobby".into(), Some("me".into()), messages).with_divider_after(2);
        let keys: Vec<String> = t.lines().iter().map(Line::key).collect();
        assert_eq!(keys, ["m10", "m20", "m30", "divider", "m40"]);
        let all_read = t.clone().with_divider_after(4);
        assert!(!all_read.lines().contains(&Line::Divider));
    }

    #[test]
    fn notices_stay_where_they_happened() {
        let mut t = timeline(&[1]);
        t.notice("Ada joined".into());
        t.apply(message(2, "bo", "c2"));
        let keys: Vec<String> = t.lines().iter().map(Line::key).collect();
        assert_eq!(keys, ["m10", "n1", "m20"]);
    }
}
