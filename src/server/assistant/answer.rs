//! The answer loop: streams the assistant's answer to the room piece by piece, then stores it
//! as a message, complete or cut short (stopped, too long, or the provider failed) with a note
//! saying so. Runs in the background; the room's answer slot is freed when it is done.

use super::{prompt, Ticket, ASSISTANT, STOP_CHECK};
use crate::model::{Message, Quote};
use crate::protocol::AnswerChunk;
use crate::server::store::RoomRecord;
use crate::server::usecases::Extras;
use crate::server::{broadcast, Chat};
use futures_util::StreamExt;

/// How many of the conversation's latest messages are read to make the prompt (the context
/// budget then keeps the latest that fit).
const HISTORY_MESSAGES: i64 = 200;

/// Answers `question` in the background.
pub fn spawn(chat: Chat, room: RoomRecord, question: Message, ticket: Ticket) {
    tokio::spawn(async move {
        answer(&chat, &room, &question, ticket).await;
        chat.assistant.finish(&chat.db, &room.slug).await;
    });
}

async fn answer(chat: &Chat, room: &RoomRecord, question: &Message, ticket: Ticket) {
    let Some(provider) = chat.assistant.provider() else { return };
    let settings = chat.assistant.settings().clone();
    let history = chat.db.assistant_history(room, ASSISTANT, question.seq, HISTORY_MESSAGES).await;
    let history = history.unwrap_or_else(|error| {
        tracing::error!("assistant history of {}: {error}", room.slug);
        vec![question.clone()]
    });
    let turns = prompt(&room.name, &history, settings.context_chars);
    let client_id = ticket.client_id.clone();
    // A stop asked on another node reaches this one through the database.
    let mut stop_check = tokio::time::interval(STOP_CHECK);
    let mut pieces = provider.answer(turns, settings.max_answer_chars);
    let (mut text, mut index, mut note) = (String::new(), 0, None::<String>);
    let mut outcome = "finished";
    loop {
        let next = tokio::select! {
            () = ticket.stop.cancelled() => None,
            next = pieces.next() => Some(next),
            _ = stop_check.tick() => {
                if let Ok(Some(by)) = chat.db.stop_requested(&room.slug).await {
                    if let Ok(mut stopped_by) = ticket.stopped_by.lock() {
                        *stopped_by = Some(by);
                    }
                    ticket.stop.cancel();
                }
                continue;
            }
        };
        let piece = match next {
            None => {
                let by = ticket.stopped_by.lock().map(|by| by.clone()).unwrap_or_default();
                note = Some(format!("Stopped by {}.", by.unwrap_or_else(|| "its asker".into())));
                outcome = "stopped";
                break;
            }
            Some(None) => break,
            Some(Some(Ok(piece))) => piece,
            Some(Some(Err(error))) => {
                tracing::warn!(room = %room.slug, "assistant answer failed: {error:?}");
                note = Some(error.to_string());
                outcome = "failed";
                break;
            }
        };
        let left = settings.max_answer_chars.saturating_sub(text.chars().count());
        let piece: String = piece
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .take(left)
            .collect();
        text.push_str(&piece);
        let chunk = AnswerChunk {
            room: room.slug.clone(),
            client_id: client_id.clone(),
            asker: question.author.clone(),
            index,
            text: piece,
        };
        broadcast::to_room(&chat.io, &room.slug, &chunk).await;
        index += 1;
        if text.chars().count() >= settings.max_answer_chars {
            note = Some("The answer reached its length limit.".into());
            outcome = "cut_at_limit";
            break;
        }
    }
    // Dropping the stream closes the connection to the provider: a stop stops it too.
    drop(pieces);
    crate::server::metrics::answer(outcome, u64::from(index));
    let body = text.trim();
    if body.is_empty() && note.is_none() {
        note = Some("The assistant had nothing to say.".into());
    }
    // In a shared room the answer replies to its question; in one's own assistant room every
    // message is a question, and the answer follows it.
    let reply = (!room.assistant).then(|| Quote::of(question));
    let extras = Extras { reply, ..Extras::default() };
    let stored =
        chat.store_and_announce(room, ASSISTANT, body, &client_id, note.as_deref(), extras).await;
    if let Err(error) = stored {
        tracing::error!("storing the assistant's answer in {}: {error}", room.slug);
    }
}

/// Ends the answers whose node died before storing them: an empty answer with a note, in place
/// of the pieces the room saw.
pub async fn end_orphans(chat: &Chat) {
    let orphans = match chat.db.orphaned_answers().await {
        Ok(orphans) => orphans,
        Err(error) => return tracing::warn!("looking for interrupted answers: {error}"),
    };
    for orphan in orphans {
        let Ok(Some(room)) = chat.rooms.get(&chat.db, &orphan.room).await else { continue };
        let note = Some("The answer was cut off: the server writing it stopped.");
        let stored = chat
            .store_and_announce(&room, ASSISTANT, "", &orphan.client_id, note, Extras::default())
            .await;
        if let Err(error) = stored {
            tracing::error!("ending the interrupted answer in {}: {error}", room.slug);
        }
    }
}
