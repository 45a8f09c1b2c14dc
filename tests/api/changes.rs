//! The change log: edits, deletions, reactions and membership as ordered, consecutive entries,
//! broadcast live and replayed by catch-up, so that a client that was away ends with exactly the
//! server's state.

use crate::helpers::{send, TestApp, TestClient};
use parley::model::{Message, Reaction};
use parley::protocol::{
    Ack, Change, Changes, CreateRoom, DeleteMessage, EditMessage, ErrorCode, Event, JoinRoom,
    LeaveRoom, ListMessages, Range, ReactMessage, SyncRoom,
};
use parley::timeline::Timeline;

fn edit(seq: i64, body: &str) -> EditMessage {
    EditMessage { room: "lobby".into(), seq, body: body.into() }
}

fn react(seq: i64, emoji: &str, on: bool) -> ReactMessage {
    ReactMessage { room: "lobby".into(), seq, emoji: emoji.into(), on }
}

fn delete(seq: i64) -> DeleteMessage {
    DeleteMessage { room: "lobby".into(), seq }
}

async fn refusal<C: parley::protocol::Command>(client: &TestClient, command: &C) -> ErrorCode
where
    C::Reply: std::fmt::Debug,
{
    match client.request(command).await {
        Ack::Error(error) => error.code,
        Ack::Ok(reply) => panic!("{} accepted: {reply:?}", C::NAME),
    }
}

/// Where a room's log stands, as a client would learn it.
async fn position(client: &TestClient, room: &str) -> i64 {
    client.ok(&SyncRoom { room: room.into(), after: i64::MAX - 1 }).await.upto
}

/// Every message of a room as the server holds it now.
async fn server_state(client: &TestClient, room: &str) -> Vec<Message> {
    let list = ListMessages { room: room.into(), range: Range::Before(i64::MAX) };
    client.ok(&list).await.messages
}

#[tokio::test]
async fn any_emoji_is_a_reaction_after_the_quick_six() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let posted = ada.ok(&send("lobby", "p", "ship it")).await;
    bob.ok(&react(posted.seq, "🚀", true)).await;
    ada.ok(&react(posted.seq, "🦀", true)).await;
    ada.ok(&react(posted.seq, "🚀", true)).await;
    let message = bob.ok(&react(posted.seq, "🎉", true)).await;
    let order: Vec<(&str, Vec<&str>)> = message
        .reactions
        .iter()
        .map(|r| (r.emoji.as_str(), r.names.iter().map(String::as_str).collect()))
        .collect();
    // The quick six first (🎉), then the others in the order they were first chosen.
    assert_eq!(order, [("🎉", vec!["Bob"]), ("🚀", vec!["Bob", "Ada"]), ("🦀", vec!["Ada"])]);
    let taken_back = ada.ok(&react(posted.seq, "🦀", false)).await;
    assert_eq!(taken_back.reactions.len(), 2);
}

#[tokio::test]
async fn edits_deletions_and_reactions_reach_the_room_in_log_order() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let posted = ada.ok(&send("lobby", "p", "helo")).await;
    let first = bob.next_change().await;
    assert!(matches!(&first.event, Event::Posted { message } if *message == posted));

    let edited = ada.ok(&edit(posted.seq, "hello")).await;
    assert_eq!((edited.body.as_str(), edited.edited_at.is_some()), ("hello", true));
    let change = bob.next_change().await;
    assert_eq!(change.pos, first.pos + 1, "positions are consecutive");
    assert!(matches!(&change.event, Event::Edited { message } if *message == edited));
    assert_eq!(edited.rev, change.pos);

    let reacted = bob.ok(&react(posted.seq, "🎉", true)).await;
    let thumbs = ada.ok(&react(posted.seq, "👍", true)).await;
    let expected = vec![
        Reaction { emoji: "👍".into(), names: vec!["Ada".into()] },
        Reaction { emoji: "🎉".into(), names: vec!["Bob".into()] },
    ];
    assert_eq!(thumbs.reactions, expected, "in the fixed order, with who reacted");
    assert_eq!(reacted.reactions.len(), 1);
    let change = bob.next_change().await;
    assert!(matches!(&change.event, Event::Reacted { message } if message.reactions.len() == 1));
    let change = bob.next_change().await;
    assert!(matches!(&change.event, Event::Reacted { message } if message.reactions == expected));

    // Saying again what is already so changes nothing and announces nothing.
    let again = ada.ok(&react(posted.seq, "👍", true)).await;
    assert_eq!(again, thumbs);
    assert_eq!(ada.ok(&edit(posted.seq, "hello")).await, thumbs);
    let removed = ada.ok(&react(posted.seq, "👍", false)).await;
    assert_eq!(removed.reactions, expected[1..]);
    let change = bob.next_change().await;
    assert!(matches!(&change.event, Event::Reacted { message } if message.rev == removed.rev));

    let deleted = ada.ok(&delete(posted.seq)).await;
    assert!(deleted.deleted && deleted.body.is_empty() && deleted.reactions.is_empty());
    let change = bob.next_change().await;
    assert!(matches!(&change.event, Event::Deleted { message } if *message == deleted));
    assert_eq!(ada.ok(&delete(posted.seq)).await, deleted, "deleting twice is harmless");
    let state = server_state(&bob, "lobby").await;
    assert_eq!(state, vec![deleted.clone()], "the tombstone stays in place");

    // Nothing was announced for the repeats: after the deletion, Bob's next change is new.
    let last = ada.ok(&send("lobby", "q", "next")).await;
    assert_eq!(bob.next_message().await, last);
}

#[tokio::test]
async fn only_the_author_changes_a_message_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let mine = ada.ok(&send("lobby", "m", "mine")).await;
    let gone = ada.ok(&send("lobby", "g", "gone")).await;
    ada.ok(&delete(gone.seq)).await;
    let before = position(&ada, "lobby").await;

    assert_eq!(refusal(&bob, &edit(mine.seq, "hijacked")).await, ErrorCode::NotAuthor);
    assert_eq!(refusal(&bob, &delete(mine.seq)).await, ErrorCode::NotAuthor);
    assert_eq!(refusal(&ada, &edit(mine.seq, "  ")).await, ErrorCode::EmptyMessage);
    assert_eq!(refusal(&ada, &edit(mine.seq, &"x".repeat(4001))).await, ErrorCode::MessageTooLong);
    assert_eq!(refusal(&ada, &edit(999, "x")).await, ErrorCode::UnknownMessage);
    assert_eq!(refusal(&ada, &delete(999)).await, ErrorCode::UnknownMessage);
    assert_eq!(refusal(&ada, &edit(gone.seq, "back")).await, ErrorCode::MessageDeleted);
    assert_eq!(refusal(&bob, &react(gone.seq, "👍", true)).await, ErrorCode::MessageDeleted);
    for not_one_emoji in ["🦀🦀", "x", "", ":crab:", "☺"] {
        let refused = refusal(&bob, &react(mine.seq, not_one_emoji, true)).await;
        assert_eq!(refused, ErrorCode::InvalidReaction, "{not_one_emoji:?}");
    }
    assert_eq!(refusal(&bob, &react(999, "👍", true)).await, ErrorCode::UnknownMessage);
    let elsewhere = EditMessage { room: "nowhere".into(), seq: 1, body: "x".into() };
    assert_eq!(refusal(&ada, &elsewhere).await, ErrorCode::UnknownRoom);
    let ack =
        ada.request_raw("message:react", serde_json::json!({"room": "lobby", "seq": "1"})).await;
    assert_eq!(ack["error"]["code"], "invalid_payload");

    assert_eq!(position(&ada, "lobby").await, before, "no change was logged");
    let state = server_state(&ada, "lobby").await;
    assert_eq!(state[0], mine, "the message is as it was");
}

#[tokio::test]
async fn a_client_that_was_away_catches_up_to_exactly_the_servers_state() {
    let app = TestApp::spawn().await;
    let ada = app.client(Some("Ada")).await;
    let bob = app.client(Some("Bob")).await;
    bob.ok(&CreateRoom { name: "Rust".into(), private: false }).await;
    bob.join("rust").await;
    for i in 1..=3 {
        bob.ok(&send("rust", &format!("e{i}"), &format!("early {i}"))).await;
    }

    // Ada opens the room, holding what it shows now, then loses her connection.
    let joined = ada.ok(&JoinRoom { room: "rust".into(), after: None }).await;
    let shown = server_state(&ada, "rust").await;
    let mut view = Timeline::new("rust".into(), Some("Ada".into()), shown, joined.changes.upto);
    ada.disconnect().await;

    // Meanwhile: new messages, an edit and a deletion of messages she holds, reactions, and
    // people coming and going.
    let reaction =
        |seq, emoji: &str, on| ReactMessage { room: "rust".into(), seq, emoji: emoji.into(), on };
    bob.ok(&EditMessage { room: "rust".into(), seq: 1, body: "early 1, fixed".into() }).await;
    bob.ok(&DeleteMessage { room: "rust".into(), seq: 2 }).await;
    bob.ok(&reaction(3, "❤️", true)).await;
    let carol = app.client(Some("Carol")).await;
    carol.join("rust").await;
    carol.ok(&reaction(3, "😂", true)).await;
    carol.ok(&send("rust", "c1", "hi all")).await;
    bob.ok(&send("rust", "b4", "late 4")).await;
    bob.ok(&reaction(3, "❤️", false)).await;
    carol.ok(&LeaveRoom { room: "rust".into() }).await;
    bob.ok(&DeleteMessage { room: "rust".into(), seq: 5 }).await;

    // She comes back and asks for everything after the position she reached.
    let ada = app.client(Some("Ada")).await;
    let rejoined = ada.ok(&JoinRoom { room: "rust".into(), after: Some(view.synced()) }).await;
    assert!(rejoined.changes.complete);
    let kinds: Vec<&str> = rejoined.changes.changes.iter().map(|c| kind(&c.event)).collect();
    assert_eq!(
        kinds,
        [
            "edited", "deleted", "reacted", "joined", "reacted", "posted", "posted", "reacted",
            "left", "deleted"
        ],
        "every change, in order"
    );
    view.absorb(rejoined.changes);
    assert_eq!(view.messages(), server_state(&ada, "rust").await.as_slice());
    assert_eq!(view.synced(), position(&ada, "rust").await);
    let last = view.messages().last().cloned().expect("messages");
    assert!(last.deleted && last.body.is_empty());
}

fn kind(event: &Event) -> &'static str {
    match event {
        Event::Posted { .. } => "posted",
        Event::Edited { .. } => "edited",
        Event::Deleted { .. } => "deleted",
        Event::Reacted { .. } => "reacted",
        Event::Joined { .. } => "joined",
        Event::Left { .. } => "left",
    }
}

#[tokio::test]
async fn catch_up_comes_in_bounded_batches_that_say_where_they_stopped() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let start = position(&ada, "lobby").await;
    let total = Changes::MAX + 3;
    for i in 0..total {
        ada.ok(&send("lobby", &format!("m{i}"), &format!("message {i}"))).await;
    }
    let first = ada.ok(&SyncRoom { room: "lobby".into(), after: start }).await;
    assert_eq!(first.changes.len() as i64, Changes::MAX);
    assert!(!first.complete, "more follows: the client asks again, or reloads the page");
    assert_eq!(first.upto, start + Changes::MAX);
    let rest = ada.ok(&SyncRoom { room: "lobby".into(), after: first.upto }).await;
    assert_eq!((rest.changes.len(), rest.complete, rest.upto), (3, true, start + total));
    let none = ada.ok(&SyncRoom { room: "lobby".into(), after: rest.upto }).await;
    assert_eq!((none.changes.len(), none.complete, none.upto), (0, true, rest.upto));
}

/// Readers catching up together from one position share one read of each page (see
/// `ChangePages`): they get the same page, and a change made after it was read reaches the next
/// reader, in the page and in the messages it carries.
#[tokio::test]
async fn readers_catching_up_together_get_the_same_page_and_never_a_stale_one() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;
    let carol = app.member("Carol").await;
    let start = position(&ada, "lobby").await;
    let first = ada.ok(&send("lobby", "s1", "first draft")).await;
    ada.ok(&send("lobby", "s2", "second")).await;

    let after = SyncRoom { room: "lobby".into(), after: start };
    let (for_bob, for_carol) = tokio::join!(bob.ok(&after), carol.ok(&after));
    assert_eq!(for_bob, for_carol);
    assert_eq!(for_bob.changes.len(), 2);

    ada.ok(&EditMessage { room: "lobby".into(), seq: first.seq, body: "first, fixed".into() })
        .await;
    let again = carol.ok(&after).await;
    assert_eq!(again.upto, for_bob.upto + 1, "the edit is in the page");
    let Event::Posted { message } = &again.changes[0].event else { panic!("not a post") };
    assert_eq!(message.body, "first, fixed", "each change carries its message as it is now");
    assert_eq!(kind(&again.changes[2].event), "edited");
}

#[tokio::test]
async fn leaving_is_a_change_and_the_lobby_cannot_be_left() {
    let app = TestApp::spawn().await;
    let ada = app.client(Some("Ada")).await;
    ada.ok(&CreateRoom { name: "Rust".into(), private: false }).await;
    ada.join("rust").await;
    let mut bob = app.client(Some("Bob")).await;
    bob.join("rust").await;

    let own = bob.next::<Change>().await;
    assert!(matches!(&own.event, Event::Joined { name } if name == "Bob"), "{own:?}");
    ada.ok(&LeaveRoom { room: "rust".into() }).await;
    let change = bob.next::<Change>().await;
    assert!(matches!(&change.event, Event::Left { name } if name == "Ada"), "{change:?}");
    let before = position(&bob, "rust").await;
    ada.ok(&LeaveRoom { room: "rust".into() }).await;
    assert_eq!(position(&bob, "rust").await, before, "leaving twice changes nothing");

    assert_eq!(refusal(&ada, &LeaveRoom { room: "lobby".into() }).await, ErrorCode::CannotLeave);
    assert_eq!(refusal(&ada, &LeaveRoom { room: "nowhere".into() }).await, ErrorCode::UnknownRoom);

    // Ada no longer counts the room's messages as unread.
    bob.ok(&send("rust", "b", "while Ada is away")).await;
    let (_, html) = crate::pages::page(&app, Some("Ada"), "/r/lobby").await;
    assert!(!html.contains(" unread\""), "{html}");

    // Posting makes her a member again: her joining is logged first, then her message.
    let own = bob.next::<Change>().await;
    assert!(matches!(&own.event, Event::Posted { message } if message.author == "Bob"), "{own:?}");
    ada.ok(&send("rust", "a", "back again")).await;
    let joined = bob.next::<Change>().await;
    assert!(matches!(&joined.event, Event::Joined { name } if name == "Ada"), "{joined:?}");
    let posted = bob.next::<Change>().await;
    assert!(matches!(&posted.event, Event::Posted { message } if message.body == "back again"));
    assert_eq!((joined.pos, posted.pos), (own.pos + 1, own.pos + 2));
}
