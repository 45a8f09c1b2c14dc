//! Who is online, join/leave notices and typing indicators.

use crate::helpers::TestApp;
use parley::protocol::{Ack, ErrorCode, Online, PresenceUpdated, SendMessage, SetTyping};
use parley::protocol::{PresenceBatched, TypingUpdated, MAX_ONLINE_LISTED};

fn send(client_id: &str) -> SendMessage {
    crate::helpers::send("lobby", client_id, "ping")
}

#[tokio::test]
async fn join_and_leave_notices_go_to_everyone_but_the_person_concerned() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let bob = app.client(Some("Bob")).await;
    let joined = bob.join("lobby").await;
    assert_eq!(joined.online, ["Ada", "Bob"]);

    let notice = ada.next::<PresenceUpdated>().await;
    assert_eq!((notice.name.as_str(), notice.here), ("Bob", true));

    // Bob's first event is Ada's message: he was not told about his own arrival.
    let mut bob = bob;
    ada.ok(&send("barrier")).await;
    assert_eq!(bob.next_message().await.client_id, "barrier");
    assert_eq!(ada.next_message().await.client_id, "barrier");

    bob.disconnect().await;
    let left = ada.next::<PresenceUpdated>().await;
    assert_eq!((left.name.as_str(), left.here), ("Bob", false));
}

#[tokio::test]
async fn a_person_with_two_tabs_is_counted_and_announced_once() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let bob_tab_one = app.member("Bob").await;
    assert_eq!(ada.next::<PresenceUpdated>().await.name, "Bob");
    let bob_tab_two = app.member("Bob").await;
    assert_eq!(bob_tab_two.join("lobby").await.online, ["Ada", "Bob"]);

    bob_tab_one.disconnect().await;
    // Bob is still here through his second tab: the next thing Ada hears is a message.
    bob_tab_two.ok(&send("still-here")).await;
    assert_eq!(ada.next_message().await.client_id, "still-here");

    bob_tab_two.disconnect().await;
    assert_eq!(ada.next::<PresenceUpdated>().await.name, "Bob");
}

#[tokio::test]
async fn typing_reaches_the_others_only() {
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let _ = ada.next::<PresenceUpdated>().await;

    bob.ok(&SetTyping { room: "lobby".into(), typing: true }).await;
    let typing = ada.next::<TypingUpdated>().await;
    assert_eq!((typing.name.as_str(), typing.typing), ("Bob", true));
    bob.ok(&SetTyping { room: "lobby".into(), typing: false }).await;
    assert!(!ada.next::<TypingUpdated>().await.typing);

    // Bob heard nothing of his own typing.
    ada.ok(&send("barrier")).await;
    assert_eq!(bob.next_message().await.client_id, "barrier");
}

#[tokio::test]
async fn typing_outside_a_joined_room_is_refused() {
    let app = TestApp::spawn().await;
    let carol = app.client(Some("Carol")).await;
    match carol.request(&SetTyping { room: "lobby".into(), typing: true }).await {
        Ack::Error(error) => assert_eq!(error.code, ErrorCode::NotInRoom),
        Ack::Ok(()) => panic!("typing relayed for a socket outside the room"),
    }
}

#[tokio::test]
async fn a_page_from_another_origin_cannot_open_a_socket() {
    let app = TestApp::spawn().await;
    let url = app.url("/");
    let cookie = format!("parley_session={}", app.session("Ada").await);
    let origin = |o: &str| vec![("Origin", o.to_owned()), ("Cookie", cookie.clone())];
    let refused =
        crate::helpers::TestClient::try_connect(&url, &origin("http://evil.example")).await;
    assert!(refused.is_err_and(|why| why.contains("This origin may not connect")));

    // Parley's own pages, configured origins and clients without an Origin header connect.
    let own = format!("http://{}", app.addr);
    for headers in
        [origin(&own), origin("https://friend.example"), vec![("Cookie", cookie.clone())]]
    {
        let client = crate::helpers::TestClient::try_connect(&url, &headers).await;
        assert!(client.is_ok(), "{headers:?} refused");
    }
}

/// What a member of a busy room learns from the events it receives: who is online, the
/// membership changes by position, and how many packets told it.
#[derive(Default)]
struct Watched {
    online: Online,
    joined: Vec<(i64, String)>,
    packets: usize,
    /// Packets about one person only (`presence:updated`, a lone `joined` change).
    singles: usize,
    posted: Option<i64>,
}

impl Watched {
    fn take(&mut self, name: &str, data: serde_json::Value) {
        use parley::protocol::{Change, ChangesBatched, Event};
        let mut change = |change: Change| match change.event {
            Event::Joined { name } => self.joined.push((change.pos, name)),
            Event::Posted { .. } => self.posted = Some(change.pos),
            _ => {}
        };
        match name {
            "presence:updated" => {
                let event: PresenceUpdated = serde_json::from_value(data).expect("presence");
                event.apply(&mut self.online);
                self.packets += 1;
                self.singles += 1;
            }
            "presence:batched" => {
                let batch: PresenceBatched = serde_json::from_value(data).expect("batch");
                batch.apply(&mut self.online);
                self.packets += 1;
            }
            "room:batched" => {
                let batch: ChangesBatched = serde_json::from_value(data).expect("batch");
                batch.changes.into_iter().for_each(&mut change);
                self.packets += 1;
            }
            "room:changed" => {
                let one: Change = serde_json::from_value(data).expect("change");
                // (The watcher's own arrival, in a room still empty, is announced at once.)
                if matches!(&one.event, Event::Joined { name } if name != "Watcher") {
                    self.packets += 1;
                    self.singles += 1;
                }
                change(one);
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_crowd_arriving_in_a_busy_room_is_announced_in_batches_and_nothing_is_missed() {
    const CROWD: usize = 40;
    let app = TestApp::builder().batch_above(0).start().await;
    let mut watcher = app.member("Watcher").await;
    let names: Vec<String> = (0..CROWD).map(|n| format!("Guest{n:02}")).collect();
    for name in &names {
        app.session(name).await; // accounts first: the arrivals themselves come quickly
    }
    let mut crowd = Vec::new();
    for name in &names {
        crowd.push(app.client(Some(name)).await);
    }
    futures_util::future::join_all(crowd.iter().map(|client| client.join("lobby"))).await;
    let last = crowd.last().expect("a crowd");
    let message = last.ok(&send("after-the-crowd")).await;

    let watching = Online::new(vec!["Watcher".to_owned()], 1);
    let mut seen = Watched { online: watching, ..Watched::default() };
    let mut everyone: Vec<String> = names.clone();
    everyone.push("Watcher".to_owned());
    everyone.sort();
    while seen.posted.is_none() || seen.online.names != everyone {
        let (name, data) = watcher.next_any().await;
        seen.take(&name, data);
    }
    // Every membership change of the crowd arrived, in order, right before the message.
    seen.joined.retain(|(_, name)| name != "Watcher");
    let positions: Vec<i64> = seen.joined.iter().map(|(pos, _)| *pos).collect();
    let expected: Vec<i64> = (message.rev - CROWD as i64..message.rev).collect();
    assert_eq!(positions, expected, "membership changes missing or out of order");
    let mut joined: Vec<String> = seen.joined.into_iter().map(|(_, name)| name).collect();
    joined.sort();
    assert_eq!(joined, names);
    assert_eq!(seen.posted, Some(message.rev));
    // In a busy room nothing is announced one by one: one by one, the crowd would have cost
    // the watcher two packets per arrival; batched, two per interval at most.
    assert_eq!(seen.singles, 0, "single announcements in a busy room");
    assert!(seen.packets <= CROWD, "{} packets for {CROWD} arrivals", seen.packets);

    // Leaving is batched too.
    futures_util::future::join_all(crowd.into_iter().map(|client| client.disconnect())).await;
    assert_eq!(seen.online.count, CROWD as u64 + 1);
    let mut gone =
        Watched { online: Online::new(everyone, CROWD as u64 + 1), ..Watched::default() };
    while gone.online.names != ["Watcher"] || gone.online.count != 1 {
        let (name, data) = watcher.next_any().await;
        gone.take(&name, data);
    }
    assert_eq!(gone.singles, 0, "single departures announced in a busy room");
    assert!(gone.packets <= CROWD, "{} packets for {CROWD} departures", gone.packets);
}

#[tokio::test]
async fn a_crowd_is_counted_whole_and_listed_by_its_first_names_only() {
    // More people than a join lists, in a room busy enough to be batched (the default).
    const CROWD: usize = MAX_ONLINE_LISTED + 5;
    let app = TestApp::spawn().await;
    let names: Vec<String> = (0..CROWD).map(|n| format!("Person{n:03}")).collect();
    for name in &names {
        app.session(name).await;
    }
    let mut crowd = Vec::new();
    for name in &names {
        crowd.push(app.client(Some(name)).await);
    }
    futures_util::future::join_all(crowd.iter().map(|client| client.join("lobby"))).await;

    // A newcomer is told how many are there, and the first names in order (all sort before
    // "Zoe"): not every name, which would cost each arrival the size of the crowd.
    let mut zoe = app.client(Some("Zoe")).await;
    let joined = zoe.join("lobby").await;
    assert_eq!(joined.online_count, CROWD as u64 + 1);
    assert_eq!(joined.online, names[..MAX_ONLINE_LISTED]);
    let (_, html) = crate::pages::page(&app, Some("Zoe"), "/r/lobby").await;
    assert!(html.contains(&format!("{} online", CROWD + 1)), "the page counts everyone");
    assert!(html.contains("and 6 more"), "the page lists the first names and says how many more");

    // Five of the listed leave: the batch that says so carries the count, and the list moves up.
    let leaving: Vec<_> = crowd.drain(..5).collect();
    futures_util::future::join_all(leaving.into_iter().map(|client| client.disconnect())).await;
    let mut online = Online::new(joined.online, joined.online_count);
    while online.count != CROWD as u64 - 4 {
        let batch: PresenceBatched = zoe.wait_for().await;
        assert!(batch.online_count.is_some(), "a batch without the room's count");
        batch.apply(&mut online);
    }
    assert_eq!(online.names.first(), Some(&names[5]));
    let joined = zoe.join("lobby").await;
    assert_eq!(joined.online_count, CROWD as u64 - 4);
    assert_eq!(joined.online, names[5..5 + MAX_ONLINE_LISTED]);
}

#[tokio::test]
async fn the_people_of_a_direct_conversation_learn_when_the_other_comes_and_goes() {
    use crate::helpers::PATIENCE;
    use parley::protocol::{Broadcast as _, ListRooms, OpenDirect, PersonStatus};
    use parley::server::usecases::OFFLINE_GRACE;
    let status = |name: &str, online| PersonStatus { name: name.into(), online };
    let app = TestApp::spawn().await;
    let mut ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    let mut carol = app.member("Carol").await;

    // Opening the conversation tells each whether the other is online (both have a room open).
    ada.ok(&OpenDirect { name: "bob".into() }).await;
    assert_eq!(ada.wait_for::<PersonStatus>().await, status("Bob", true));
    assert_eq!(bob.wait_for::<PersonStatus>().await, status("Ada", true));
    let rooms = ada.ok(&ListRooms {}).await;
    let direct = rooms.iter().find(|room| room.direct).expect("listed");
    assert_eq!(
        (direct.name.as_str(), direct.peer("Ada"), direct.online),
        ("Ada & Bob", Some("Bob"), true)
    );
    assert!(rooms.iter().filter(|room| !room.direct).all(|room| !room.online));

    // Bob goes away: Ada is told once he has stayed away a while, and her list says so.
    bob.disconnect().await;
    let told = ada.wait_for_within::<PersonStatus>(OFFLINE_GRACE + PATIENCE).await;
    assert_eq!(told, Some(status("Bob", false)));
    let rooms = ada.ok(&ListRooms {}).await;
    assert!(!rooms.iter().find(|room| room.direct).expect("listed").online);

    // He comes back: she is told at once. Away and back within the grace (a reload): she is
    // told he is online, and never that he left.
    let bob = app.member("Bob").await;
    assert_eq!(ada.wait_for::<PersonStatus>().await, status("Bob", true));
    bob.disconnect().await;
    let bob = app.member("Bob").await;
    assert_eq!(ada.wait_for::<PersonStatus>().await, status("Bob", true));
    tokio::time::sleep(OFFLINE_GRACE + std::time::Duration::from_secs(1)).await;
    bob.ok(&send("after-the-grace")).await;
    loop {
        let (name, data) = ada.next_any().await;
        assert_ne!(name, PersonStatus::NAME, "{data}");
        if data["message"]["client_id"] == "after-the-grace" {
            break;
        }
    }
    assert!(ada.ok(&ListRooms {}).await.iter().any(|room| room.direct && room.online));

    // Carol, who has no conversation with either, heard none of it.
    loop {
        let (name, data) = carol.next_any().await;
        assert_ne!(name, PersonStatus::NAME, "{data}");
        if data["message"]["client_id"] == "after-the-grace" {
            break;
        }
    }
}
