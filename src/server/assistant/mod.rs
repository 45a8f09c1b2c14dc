//! The AI assistant: who may ask, what it remembers, and one running answer per conversation.
//! Providers sit behind [`Provider`]; the first real one speaks the OpenAI-compatible Chat
//! Completions API ([`openai`]). Answers are produced by [`answer`], which streams them to the
//! room and stores the result.
//!
//! A conversation is a room: the assistant's memory there is that room's questions to it and its
//! answers, read from the database each time (so it survives reconnects and restarts), newest
//! first until the context budget is spent. It sees nothing of any other room.

pub mod answer;
pub mod openai;

use super::error::{refuse, AppError};
use super::limits::{KeyedLimit, Rate, Shared};
use super::store::Db;
use super::usecases::now_millis;
use crate::model::Message;
use futures_util::stream::BoxStream;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub use crate::model::ASSISTANT;

/// The question in a message addressed to the assistant (`@assistant …`, any case), if it is one.
pub fn question(body: &str) -> Option<&str> {
    let prefix = "@assistant";
    let head = body.get(..prefix.len())?;
    let rest = &body[prefix.len()..];
    let ends_name = rest.chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    (head.eq_ignore_ascii_case(prefix) && ends_name)
        .then(|| rest.trim_start_matches([',', ':']).trim())
}

/// Who said a turn of the conversation, as the Chat Completions API names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    System,
    User,
    Assistant,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Turn {
    pub role: Speaker,
    pub content: String,
}

/// Why an answer ended early. `Display` is what the conversation shows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("The assistant could not reach its provider. Please try again later.")]
    Unreachable(String),
    #[error("The assistant's provider took too long to answer.")]
    Timeout,
    #[error("The assistant's provider refused this server's API key.")]
    Unauthorized,
    #[error("The assistant's provider is busy{}. Please try again then.", retry_after.map_or_else(|| String::from(" for now"), |s| format!(" for about {s} seconds")))]
    RateLimited { retry_after: Option<u64> },
    #[error("The assistant's provider failed (HTTP {0}). Please try again later.")]
    Failed(u16),
    #[error("The assistant's answer was cut off: the provider sent something unreadable.")]
    Malformed(String),
    #[error("The assistant's answer was cut off: the provider's stream ended early.")]
    Truncated,
}

/// An AI model that answers a conversation, chunk by chunk.
pub trait Provider: Send + Sync {
    /// Streams the answer to `turns` (the last one is the question), in pieces of text. The
    /// stream ends after the last piece, or with an error. Dropping it cancels the request.
    fn answer(
        &self,
        turns: Vec<Turn>,
        max_chars: usize,
    ) -> BoxStream<'static, Result<String, ProviderError>>;
}

/// The assistant's settings (`PARLEY_ASSISTANT_*`).
#[derive(Clone, Debug)]
pub struct AssistantConfig {
    /// Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`.
    pub url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// Longest wait for the provider to start answering, and between two pieces of an answer.
    pub timeout: Duration,
    /// How much of a conversation (characters of earlier turns) the assistant is shown.
    pub context_chars: usize,
    /// Longest answer, in characters.
    pub max_answer_chars: usize,
    /// Questions per person per minute.
    pub questions_per_minute: usize,
}

/// An answer being written, and how to stop it.
struct Running {
    asker: String,
    stop: CancellationToken,
    /// Set by whoever stopped it.
    stopped_by: Arc<Mutex<Option<String>>>,
}

/// The assistant as the use cases see it: the provider (if any), the running answers, and the
/// rate limit. Cheap to clone.
#[derive(Clone)]
pub struct Assistant {
    provider: Option<Arc<dyn Provider>>,
    settings: Arc<Settings>,
    running: Arc<Mutex<HashMap<String, Running>>>,
    /// Questions per person per minute.
    asked: KeyedLimit,
}

/// The limits that apply with or without a provider.
#[derive(Clone, Debug)]
pub struct Settings {
    pub context_chars: usize,
    pub max_answer_chars: usize,
    pub questions_per_minute: usize,
}

/// What the answer task needs to know about the question it answers.
pub struct Ticket {
    pub stop: CancellationToken,
    pub stopped_by: Arc<Mutex<Option<String>>>,
    /// The answer's client id: its pieces carry it, and the stored answer replaces them.
    pub client_id: String,
}

impl Assistant {
    /// `shared`: the questions-per-minute limit in Redis, counted across the cluster (else per
    /// process).
    pub fn new(config: Option<AssistantConfig>, shared: Option<Shared>) -> Self {
        // Without a provider these only bound what would be asked: the settings' defaults.
        let default = |name| super::settings::default_number(name) as usize;
        let settings = Settings {
            context_chars: config
                .as_ref()
                .map_or_else(|| default("PARLEY_ASSISTANT_CONTEXT_CHARS"), |c| c.context_chars),
            max_answer_chars: config
                .as_ref()
                .map_or_else(|| default("PARLEY_ASSISTANT_MAX_CHARS"), |c| c.max_answer_chars),
            questions_per_minute: config.as_ref().map_or_else(
                || default("PARLEY_ASSISTANT_QUESTIONS_PER_MINUTE"),
                |c| c.questions_per_minute,
            ),
        };
        let provider = config
            .map(|config| Arc::new(openai::OpenAiCompatible::new(config)) as Arc<dyn Provider>);
        let per_minute = u32::try_from(settings.questions_per_minute).unwrap_or(u32::MAX);
        let asked = KeyedLimit::new(Rate::new(per_minute, Rate::MINUTE, per_minute), shared);
        Self { provider, settings: Arc::new(settings), running: Arc::default(), asked }
    }

    pub fn available(&self) -> bool {
        self.provider.is_some()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn provider(&self) -> Option<Arc<dyn Provider>> {
        self.provider.clone()
    }

    /// Takes the room's one answer slot for `asker`, if the assistant is configured, free in that
    /// room (on every node: see `store::AnswerStore`), and `asker` has not asked too often.
    /// Release it with [`Assistant::finish`].
    pub async fn begin(&self, db: &Db, room: &str, asker: &str) -> Result<Ticket, AppError> {
        if self.provider.is_none() {
            return Err(refuse::assistant_unavailable().into());
        }
        if self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains_key(room) {
            return Err(refuse::assistant_busy().into());
        }
        if let Err(wait) = self.asked.take(asker).await {
            let limited = refuse::Limited::Questions(self.settings.questions_per_minute);
            return Err(refuse::rate_limited(limited, wait));
        }
        let client_id = format!("assistant-{}", uuid::Uuid::new_v4());
        if !db.claim_answer(room, asker, &client_id, now_millis()).await? {
            return Err(refuse::assistant_busy().into());
        }
        let ticket =
            Ticket { stop: CancellationToken::new(), stopped_by: Arc::default(), client_id };
        let taken = {
            let mut running = self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // Asked again in the same room while the limit was checked.
            let taken = running.contains_key(room);
            if !taken {
                let answer = Running {
                    asker: asker.to_owned(),
                    stop: ticket.stop.clone(),
                    stopped_by: ticket.stopped_by.clone(),
                };
                running.insert(room.to_owned(), answer);
            }
            taken
        };
        if taken {
            self.release(db, room).await;
            return Err(refuse::assistant_busy().into());
        }
        Ok(ticket)
    }

    /// Frees the room's answer slot.
    pub async fn finish(&self, db: &Db, room: &str) {
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(room);
        self.release(db, room).await;
    }

    async fn release(&self, db: &Db, room: &str) {
        if let Err(error) = db.release_answer(room).await {
            tracing::error!("freeing the answer slot of {room}: {error}");
        }
    }

    /// Stops the answer running in `room`; only the person who asked may. An answer written
    /// by another node is asked to stop through the database, and stops within
    /// [`STOP_CHECK`].
    pub async fn stop(&self, db: &Db, room: &str, by: &str) -> Result<(), AppError> {
        {
            let running = self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(answer) = running.get(room) {
                if answer.asker != by {
                    return Err(refuse::not_asker().into());
                }
                *answer.stopped_by.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
                    Some(by.to_owned());
                answer.stop.cancel();
                return Ok(());
            }
        }
        match db.request_stop(room, by).await? {
            None => Err(refuse::nothing_to_stop().into()),
            Some(asker) if asker != by => Err(refuse::not_asker().into()),
            Some(_) => Ok(()),
        }
    }
}

/// How often an answer looks for a stop asked on another node.
pub const STOP_CHECK: Duration = Duration::from_millis(500);

/// What the assistant is shown: a short instruction, then the conversation's latest turns that
/// fit in `budget` characters (older ones are left out), oldest first. `history` is the room's
/// assistant turns, oldest first, the question last.
pub fn prompt(room_name: &str, history: &[Message], budget: usize) -> Vec<Turn> {
    let system = Turn {
        role: Speaker::System,
        content: format!(
            "You are the assistant of Parley, a chat. You are in the room “{room_name}”. Several \
             people may ask you questions; each question starts with its author's name. Answer \
             in plain text, briefly."
        ),
    };
    let mut turns = Vec::new();
    let mut spent = 0;
    for message in history.iter().rev().filter(|m| !m.deleted) {
        let turn = if message.author == ASSISTANT {
            Turn { role: Speaker::Assistant, content: message.body.clone() }
        } else {
            let asked = question(&message.body).unwrap_or(&message.body);
            Turn { role: Speaker::User, content: format!("{}: {asked}", message.author) }
        };
        let size = turn.content.chars().count();
        // The question itself always goes, however long.
        if !turns.is_empty() && spent + size > budget {
            break;
        }
        spent += size;
        turns.push(turn);
    }
    turns.push(system);
    turns.reverse();
    turns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_start_with_the_assistants_name() {
        assert_eq!(question("@assistant what is Rust?"), Some("what is Rust?"));
        assert_eq!(question("@Assistant, hi"), Some("hi"));
        assert_eq!(question("@assistant"), Some(""));
        assert_eq!(question("@assistants are fun"), None);
        assert_eq!(question("hi @assistant"), None);
        assert_eq!(question("@assi"), None);
        assert_eq!(question("éé"), None);
    }

    fn message(author: &str, body: &str) -> Message {
        Message::sample(0, author, body)
    }

    #[test]
    fn the_prompt_keeps_the_latest_turns_that_fit() {
        let history = [
            message("Ada", "@assistant first question, long ago"),
            message(ASSISTANT, "first answer"),
            message("Bob", "@assistant second"),
            message(ASSISTANT, "second answer"),
            message("Ada", "@assistant third?"),
        ];
        let turns = prompt("Lobby", &history, 40);
        let contents: Vec<&str> = turns.iter().map(|t| t.content.as_str()).collect();
        assert_eq!(contents[1..], ["Bob: second", "second answer", "Ada: third?"]);
        assert_eq!(turns[0].role, Speaker::System);
        assert_eq!(turns[2].role, Speaker::Assistant);
        let everything = prompt("Lobby", &history, 10_000);
        assert_eq!(everything.len(), 6);
        let tiny = prompt("Lobby", &history, 1);
        assert_eq!(tiny.len(), 2, "the question always goes");
    }
}
