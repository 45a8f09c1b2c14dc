//! The assistant, against a local server speaking the OpenAI streaming protocol: answers stream
//! to the room and are stored, memory is per conversation and survives a restart, failures end
//! the answer with a clear message, Stop cancels upstream, and the limits hold.

use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{TestApp, TestClient, PATIENCE};
use crate::pages::{location, post_form};
use parley::model::Message;
use parley::protocol::{
    Ack, AnswerChunk, CreateRoom, ErrorCode, ListMessages, Range, SendMessage, StopAnswer,
};
use parley::server::assistant::ASSISTANT;
use std::time::Duration;

fn ask(room: &str, client_id: &str, question: &str) -> SendMessage {
    SendMessage {
        room: room.into(),
        client_id: client_id.into(),
        body: format!("@assistant {question}"),
        reply_to: None,
        files: vec![],
    }
}

async fn messages(client: &TestClient, room: &str) -> Vec<Message> {
    let list = ListMessages { room: room.into(), range: Range::Before(i64::MAX) };
    client.ok(&list).await.messages
}

/// Waits until the assistant's answer to the latest question in `room` is stored.
async fn answer(client: &TestClient, room: &str) -> Message {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let all = messages(client, room).await;
        if let Some(last) = all.last().filter(|m| m.author == ASSISTANT) {
            return last.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no answer in {room}: {all:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asks once the room's answer slot is free. The previous answer is stored (visible) a moment
/// before its slot is released: the store and the release are two steps.
async fn ask_next(client: &TestClient, send: &SendMessage) -> Message {
    match ask_when_free(client, send).await {
        Ack::Ok(message) => message,
        Ack::Error(error) => panic!("refused {error:?}"),
    }
}

/// The answer to `send` once the room's answer slot is free (a busy slot counts nothing).
async fn ask_when_free(client: &TestClient, send: &SendMessage) -> Ack<Message> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match client.request(send).await {
            Ack::Error(error) if error.code == ErrorCode::AssistantBusy => {
                assert!(tokio::time::Instant::now() < deadline, "the slot stayed taken");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

async fn refusal(client: &TestClient, send: &SendMessage) -> ErrorCode {
    match client.request(send).await {
        Ack::Error(error) => error.code,
        Ack::Ok(message) => panic!("accepted {message:?}"),
    }
}

#[tokio::test]
async fn an_answer_streams_to_the_room_in_order_and_is_stored() {
    let fake = FakeOpenAi::start(Script::pieces(&["Hel", "lo, ", "Ada"])).await;
    let app = TestApp::with_assistant(fake.config()).await;
    let ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;

    let question = ada.ok(&ask("lobby", "q1", "say hello")).await;
    assert_eq!(bob.next_message().await, question);
    let mut pieces = Vec::new();
    for index in 0..3 {
        let chunk = bob.next::<AnswerChunk>().await;
        assert_eq!(
            (chunk.index, chunk.asker.as_str(), chunk.room.as_str()),
            (index, "Ada", "lobby")
        );
        pieces.push(chunk);
    }
    let stored = bob.next_message().await;
    assert_eq!((stored.author.as_str(), stored.body.as_str()), (ASSISTANT, "Hello, Ada"));
    assert_eq!(stored.client_id, pieces[0].client_id, "the stored answer replaces the pieces");
    assert_eq!(stored.note, None);
    assert_eq!(pieces.iter().map(|p| p.text.as_str()).collect::<String>(), "Hello, Ada");

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.authorization.as_deref(), Some("Bearer test-key"));
    assert_eq!(
        (request.body["model"].as_str(), request.body["stream"].as_bool()),
        (Some("test-model"), Some(true))
    );
    let transcript = request.transcript();
    assert!(transcript[0].starts_with("system: "), "{transcript:?}");
    assert_eq!(transcript[1..], ["user: Ada: say hello"]);
}

#[tokio::test]
async fn each_conversation_remembers_itself_only_even_across_a_restart() {
    let fake = FakeOpenAi::start(Script::Echo).await;
    let app = TestApp::with_assistant(fake.config()).await;
    let ada = app.client(Some("Ada")).await;
    let bob = app.client(Some("Bob")).await;
    ada.ok(&CreateRoom { name: "Cats".into(), private: false }).await;
    bob.ok(&CreateRoom { name: "Dogs".into(), private: false }).await;

    // Two people ask in two conversations at the same time.
    let (cat, dog) = (ask("cats", "c1", "my cat is Tom"), ask("dogs", "d1", "my dog is Rex"));
    let (tom, rex) = tokio::join!(ada.ok(&cat), bob.ok(&dog));
    assert_eq!((tom.room.as_str(), rex.room.as_str()), ("cats", "dogs"));
    assert_eq!(answer(&ada, "cats").await.body, "Noted: Ada: my cat is Tom");
    assert_eq!(answer(&bob, "dogs").await.body, "Noted: Bob: my dog is Rex");

    // Memory lives in the database: a restarted server still has it.
    let app = app.restart().await;
    let ada = app.client(Some("Ada")).await;
    let bob = app.client(Some("Bob")).await;
    let (cat, dog) = (ask("cats", "c2", "what is my pet called?"), ask("dogs", "d2", "and mine?"));
    tokio::join!(ada.ok(&cat), bob.ok(&dog));
    answer(&ada, "cats").await;
    answer(&bob, "dogs").await;

    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    let about = |question: &str| {
        requests
            .iter()
            .find(|r| r.transcript().last().is_some_and(|t| t.ends_with(question)))
            .map(|r| r.transcript()[1..].to_vec())
            .expect("asked")
    };
    assert_eq!(
        about("what is my pet called?"),
        [
            "user: Ada: my cat is Tom",
            "assistant: Noted: Ada: my cat is Tom",
            "user: Ada: what is my pet called?"
        ]
    );
    assert_eq!(
        about("and mine?"),
        [
            "user: Bob: my dog is Rex",
            "assistant: Noted: Bob: my dog is Rex",
            "user: Bob: and mine?"
        ]
    );
    for request in requests.iter() {
        let text = request.transcript().join("\n");
        assert!(!(text.contains("Tom") && text.contains("Rex")), "memories mixed: {text}");
    }
}

#[tokio::test]
async fn provider_failures_end_the_answer_with_a_clear_message() {
    let fake = FakeOpenAi::start(Script::Echo).await;
    let mut config = fake.config();
    config.timeout = Duration::from_millis(500);
    let app = TestApp::with_assistant(config).await;
    let ada = app.member("Ada").await;
    let cases = [
        (Script::Status { code: 401, retry_after: None }, "refused this server's API key"),
        (Script::Status { code: 429, retry_after: Some(7) }, "busy for about 7 seconds"),
        (Script::Status { code: 503, retry_after: None }, "failed (HTTP 503)"),
        (Script::Garbage, "sent something unreadable"),
        (
            Script::Pieces { pieces: vec!["half an ".into()], delay: Duration::ZERO, done: false },
            "stream ended early",
        ),
        (Script::Silent, "took too long to answer"),
    ];
    for (i, (script, expected)) in cases.into_iter().enumerate() {
        fake.script(script);
        ask_next(&ada, &ask("lobby", &format!("f{i}"), "hello?")).await;
        let answer = answer(&ada, "lobby").await;
        let note = answer.note.clone().unwrap_or_default();
        assert!(note.contains(expected), "{expected:?} in {answer:?}");
    }
    let cut = messages(&ada, "lobby").await;
    assert!(cut.iter().any(|m| m.body == "half an"), "what arrived before the cut is kept");

    // A provider that is not there at all.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let mut config = fake.config();
    config.url = format!("http://{}/v1", dead.local_addr().expect("address"));
    drop(dead);
    let app = TestApp::with_assistant(config).await;
    let ada = app.member("Ada").await;
    ada.ok(&ask("lobby", "x", "anyone?")).await;
    let note = answer(&ada, "lobby").await.note.unwrap_or_default();
    assert!(note.contains("could not reach its provider"), "{note}");
    // The rest of Parley carries on.
    let after = ada
        .ok(&SendMessage {
            room: "lobby".into(),
            client_id: "y".into(),
            body: "still here".into(),
            reply_to: None,
            files: vec![],
        })
        .await;
    assert_eq!(after.author, "Ada");
}

#[tokio::test]
async fn stop_cancels_upstream_and_keeps_what_was_written() {
    let fake = FakeOpenAi::start(Script::slow(200, Duration::from_millis(50))).await;
    let app = TestApp::with_assistant(fake.config()).await;
    let ada = app.member("Ada").await;
    let mut bob = app.member("Bob").await;
    ada.ok(&ask("lobby", "q", "count slowly")).await;
    let _ = bob.next_message().await;
    let first = bob.next::<AnswerChunk>().await;
    assert_eq!(first.text, "w1 ");

    let stop = StopAnswer { room: "lobby".into() };
    match bob.request(&stop).await {
        Ack::Error(error) => assert_eq!(error.code, ErrorCode::NotAsker),
        Ack::Ok(()) => panic!("Bob stopped Ada's answer"),
    }
    ada.ok(&stop).await;
    let stored = answer(&ada, "lobby").await;
    assert_eq!(stored.note.as_deref(), Some("Stopped by Ada."));
    assert!(stored.body.starts_with("w1"), "what was written is kept: {stored:?}");
    assert!(!stored.body.contains("w200"));
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while fake.abandoned() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the provider connection stayed open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    match ada.request(&stop).await {
        Ack::Error(error) => assert_eq!(error.code, ErrorCode::NothingToStop),
        Ack::Ok(()) => panic!("stopped nothing"),
    }
}

#[tokio::test]
async fn limits_one_answer_per_conversation_questions_per_minute_and_length() {
    let fake = FakeOpenAi::start(Script::slow(50, Duration::from_millis(200))).await;
    let mut config = fake.config();
    config.questions_per_minute = 2;
    config.max_answer_chars = 10;
    let app = TestApp::with_assistant(config).await;
    let ada = app.member("Ada").await;
    let bob = app.member("Bob").await;

    ada.ok(&ask("lobby", "a1", "long answer please")).await;
    assert_eq!(refusal(&bob, &ask("lobby", "b1", "me too")).await, ErrorCode::AssistantBusy);
    // A retry of the question that is being answered is not a second question.
    assert_eq!(ada.ok(&ask("lobby", "a1", "long answer please")).await.client_id, "a1");
    let cut = answer(&ada, "lobby").await;
    assert_eq!(
        (cut.body.as_str(), cut.note.as_deref()),
        ("w1 w2 w3 w", Some("The answer reached its length limit."))
    );

    ask_next(&ada, &ask("lobby", "a2", "again")).await;
    answer(&ada, "lobby").await;
    match ask_when_free(&ada, &ask("lobby", "a3", "third")).await {
        Ack::Error(error) => assert_eq!(error.code, ErrorCode::RateLimited),
        Ack::Ok(message) => panic!("accepted {message:?}"),
    }
    let stored = messages(&ada, "lobby").await;
    assert!(
        !stored.iter().any(|m| m.client_id == "a3" || m.client_id == "b1"),
        "refused questions are not stored"
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn without_a_provider_the_assistant_is_unavailable_and_nothing_is_sent() {
    let app = TestApp::spawn().await;
    let ada = app.member("Ada").await;
    assert_eq!(refusal(&ada, &ask("lobby", "q", "hello?")).await, ErrorCode::AssistantUnavailable);
    assert!(messages(&ada, "lobby").await.is_empty());
    let plain = SendMessage {
        room: "lobby".into(),
        client_id: "p".into(),
        body: "hello people".into(),
        reply_to: None,
        files: vec![],
    };
    assert_eq!(ada.ok(&plain).await.body, "hello people");
}

#[tokio::test]
async fn the_context_budget_leaves_the_oldest_turns_out() {
    let fake = FakeOpenAi::start(Script::Echo).await;
    let mut config = fake.config();
    config.context_chars = 45;
    let app = TestApp::with_assistant(config).await;
    let ada = app.member("Ada").await;
    for (i, question) in ["first", "second", "third"].iter().enumerate() {
        ask_next(&ada, &ask("lobby", &format!("q{i}"), question)).await;
        answer(&ada, "lobby").await;
    }
    let requests = fake.requests();
    let last = requests.last().expect("asked").transcript();
    assert_eq!(
        last[1..],
        ["user: Ada: second", "assistant: Noted: Ada: second", "user: Ada: third"]
    );
}

/// Opens `name`'s private assistant conversation through the sidebar's form; returns its slug.
async fn open_private(app: &TestApp, name: &str) -> String {
    let response = post_form(app, Some(name), "/api/open_assistant", "/r/lobby", &[]).await;
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let to = location(&response);
    let slug = to.trim_end_matches('?').rsplit("/r/").next().unwrap_or_default().to_owned();
    assert!(slug.starts_with("assistant-"), "{to}");
    slug
}

#[tokio::test]
async fn a_private_conversation_is_its_owners_alone() {
    let fake = FakeOpenAi::start(Script::Echo).await;
    let app = TestApp::with_assistant(fake.config()).await;
    let mine = open_private(&app, "Ada").await;
    assert_eq!(open_private(&app, "Ada").await, mine, "one per person");
    let bobs = open_private(&app, "Bob").await;
    assert_ne!(bobs, mine);

    // Every message there is a question: no need for @assistant.
    let ada = app.client(Some("Ada")).await;
    ada.join(&mine).await;
    let plain = SendMessage {
        room: mine.clone(),
        client_id: "p".into(),
        body: "my secret is 42".into(),
        reply_to: None,
        files: vec![],
    };
    ada.ok(&plain).await;
    assert_eq!(answer(&ada, &mine).await.body, "Noted: Ada: my secret is 42");
    // A picture without a word asks nothing (the assistant reads text): it is kept, unanswered.
    let asked = fake.requests().len();
    let picture =
        crate::files::uploaded(&app, "Ada", &mine, "map.png", crate::files::png(8, 8)).await;
    let files = vec![picture.id.clone()];
    let only = SendMessage { body: String::new(), client_id: "f".into(), files, ..plain.clone() };
    let shown = ada.ok(&only).await;
    assert_eq!((shown.body.as_str(), shown.files.as_slice()), ("", [picture].as_slice()));
    let after = SendMessage { body: "and now?".into(), client_id: "n".into(), ..plain };
    ada.ok(&after).await;
    assert_eq!(answer(&ada, &mine).await.body, "Noted: Ada: and now?");
    assert_eq!(fake.requests().len(), asked + 1, "one question, for the words");

    // To anyone else it does not exist.
    let bob = app.client(Some("Bob")).await;
    let list = ListMessages { room: mine.clone(), range: Range::Before(i64::MAX) };
    match bob.request(&list).await {
        Ack::Error(error) => assert_eq!(error.code, ErrorCode::UnknownRoom),
        Ack::Ok(backlog) => panic!("Bob read Ada's conversation: {backlog:?}"),
    }
    let join = parley::protocol::JoinRoom { room: mine.clone(), after: Some(0) };
    assert!(matches!(bob.request(&join).await, Ack::Error(e) if e.code == ErrorCode::UnknownRoom));
    let send = SendMessage {
        room: mine.clone(),
        client_id: "b".into(),
        body: "hi".into(),
        reply_to: None,
        files: vec![],
    };
    assert_eq!(refusal(&bob, &send).await, ErrorCode::UnknownRoom);
    let (status, html) = crate::pages::page(&app, Some("Bob"), &format!("/r/{mine}")).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    assert!(!html.contains("secret"));
    let rooms = bob.ok(&parley::protocol::ListRooms {}).await;
    let slugs: Vec<&str> = rooms.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(slugs, ["lobby", bobs.as_str()], "Bob sees his own, not Ada's");
    let (_, html) = crate::pages::page(&app, Some("Ada"), "/r/lobby").await;
    assert!(html.contains(&format!("/r/{mine}")) && !html.contains(&bobs), "{html}");

    // Bob's assistant knows nothing of Ada's conversation.
    bob.join(&bobs).await;
    let question = SendMessage {
        room: bobs.clone(),
        client_id: "q".into(),
        body: "what is Ada's secret?".into(),
        reply_to: None,
        files: vec![],
    };
    bob.ok(&question).await;
    answer(&bob, &bobs).await;
    let requests = fake.requests();
    let text = requests.last().expect("asked").transcript().join("\n");
    assert!(!text.contains("42"), "{text}");
}
