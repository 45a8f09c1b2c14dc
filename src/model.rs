//! Plain data shared by the server, the views and the WASM client, with the validation rules
//! both sides apply. The server is the authority; the browser runs the same checks only to answer
//! faster.

use crate::markdown::Formatting;
use crate::protocol::{ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};

/// The room every visitor lands in. It is created by the first migration.
pub const LOBBY: &str = "lobby";
/// Longest message body, in Unicode scalar values, after trimming.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest account name, in Unicode scalar values, after trimming.
pub const MAX_NAME_CHARS: usize = 32;
/// Shortest and longest password, in characters. The upper bound keeps hashing cheap to refuse.
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest client id (a UUID is 36 characters).
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Longest room slug.
pub const MAX_ROOM_CHARS: usize = 64;
/// Shortest and longest room name, in characters.
pub const MIN_ROOM_NAME_CHARS: usize = 2;
pub const MAX_ROOM_NAME_CHARS: usize = 40;

/// The author name of the assistant's messages; people cannot take it.
pub const ASSISTANT: &str = "Assistant";

/// The quick reactions Parley's pages offer first (any other emoji is a reaction too).
pub const REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

/// One stored chat message, as it is now. `seq` numbers the room's messages consecutively from 1
/// (permalinks, history pages, unread counts); `rev` is the room's change-log position of the
/// message's latest change, so of two copies of a message the one with the higher `rev` is newer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: i64,
    pub room: String,
    pub seq: i64,
    pub rev: i64,
    pub author: String,
    /// Empty once deleted.
    pub body: String,
    /// The id the sender chose; a retried send with the same id is stored once.
    pub client_id: String,
    /// Milliseconds since the Unix epoch, as stamped by the server.
    pub created_at: i64,
    /// When the body was last edited, if ever.
    pub edited_at: Option<i64>,
    /// Deleted by its author: shown as a tombstone in its place.
    pub deleted: bool,
    /// Shown under the body: why an assistant's answer ended early.
    #[serde(default)]
    pub note: Option<String>,
    /// Who reacted with what: [`REACTIONS`] first in their order, then other emoji in the order
    /// they were first chosen; only emoji someone chose.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// The message this one replies to, as it is now.
    #[cfg_attr(feature = "ssr", sqlx(json(nullable)))]
    #[serde(default)]
    pub reply: Option<Quote>,
    /// The body's formatting tree (see PROTOCOL.md); absent when the body is plain text. Made
    /// from the body whenever a message is read from the database.
    #[cfg_attr(feature = "ssr", sqlx(rename = "body", try_from = "String"))]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Vec<Object>>))]
    #[serde(default, skip_serializing_if = "Formatting::is_plain")]
    pub formatted: Formatting,
    /// The files attached to it, in the order they were attached (none once deleted).
    #[cfg_attr(feature = "ssr", sqlx(json))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<Attachment>,
}

#[cfg(test)]
impl Message {
    /// A message for tests: the lobby's `seq`th (its id and change-log position too), posted at
    /// the epoch, plain text, with nothing attached.
    pub fn sample(seq: i64, author: &str, body: &str) -> Self {
        Self {
            id: seq,
            room: LOBBY.into(),
            seq,
            rev: seq,
            author: author.into(),
            body: body.into(),
            client_id: format!("c{seq}"),
            created_at: 0,
            edited_at: None,
            deleted: false,
            note: None,
            reactions: Vec::new(),
            reply: None,
            formatted: Default::default(),
            files: vec![],
        }
    }
}

/// Most files one message carries.
pub const MAX_FILES_PER_MESSAGE: usize = 4;
/// The box a picture's preview fits in on a page, in CSS pixels (its thumbnail is made at twice
/// that, for sharp screens).
pub const PREVIEW_BOX: (i64, i64) = (320, 240);

/// A file attached to a message: what pages show of it. Its bytes are at [`Attachment::url`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// 32 hexadecimal digits.
    pub id: String,
    /// The name it was uploaded under.
    pub name: String,
    /// Its type, told by its content: `image/png`, `image/jpeg`, `image/gif`, `image/webp`,
    /// `application/pdf`, `application/zip` or `text/plain`.
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// A picture's size in pixels, upright; absent for other files.
    #[serde(default)]
    pub width: Option<i64>,
    #[serde(default)]
    pub height: Option<i64>,
}

impl Attachment {
    /// Where its bytes are: pictures shown as they are, other files as downloads.
    pub fn url(&self) -> String {
        format!("/files/{}", self.id)
    }

    /// A picture's preview (a smaller JPEG or PNG made on the server).
    pub fn thumb_url(&self) -> String {
        format!("/files/{}/thumb", self.id)
    }

    /// The size its preview takes on a page, in CSS pixels: the picture scaled down to fit
    /// [`PREVIEW_BOX`], never up. `None` for a file that is not a picture.
    pub fn preview_size(&self) -> Option<(i64, i64)> {
        let (width, height) = (self.width?.max(1), self.height?.max(1));
        let (box_w, box_h) = PREVIEW_BOX;
        // The smaller of the two scales, as a fraction, in whole numbers.
        let (w, h) = if width * box_h > height * box_w {
            (box_w.min(width), (height * box_w.min(width) / width).max(1))
        } else {
            ((width * box_h.min(height) / height).max(1), box_h.min(height))
        };
        Some((w, h))
    }

    /// "12 KB", "3.4 MB": its size as people read it (in whole numbers: formatting floats
    /// would cost the WASM bundle its float printer).
    pub fn size_text(&self) -> String {
        let size = self.size.max(0);
        if size < 1000 {
            format!("{size} bytes")
        } else if size < 999_500 {
            format!("{} KB", (size + 500) / 1000)
        } else {
            let tenths = (size + 50_000) / 100_000;
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

/// The start of the message a reply answers, shown above the reply and linking to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Quote {
    pub seq: i64,
    pub author: String,
    /// The first [`QUOTE_CHARS`] characters of its text as readers see it, formatting marks
    /// taken off (empty once deleted). The server reads the start of the body from the
    /// database and makes the excerpt as it reads it.
    #[cfg_attr(feature = "ssr", serde(deserialize_with = "excerpt_of_body_start"))]
    pub excerpt: String,
    pub deleted: bool,
}

/// The excerpt of a body's start (as the database gives it, see [`QUOTE_SOURCE_CHARS`]).
#[cfg(feature = "ssr")]
fn excerpt_of_body_start<'de, D: serde::Deserializer<'de>>(from: D) -> Result<String, D::Error> {
    let start = String::deserialize(from)?;
    Ok(excerpt(&crate::markdown::parse(&start)))
}

/// The quote's text: the first [`QUOTE_CHARS`] characters of what readers see.
fn excerpt(blocks: &[crate::markdown::Block]) -> String {
    crate::markdown::text(blocks).chars().take(QUOTE_CHARS).collect()
}

/// How much of an original's body the database reads for its quote: enough for
/// [`QUOTE_CHARS`] characters once formatting marks are taken off.
pub const QUOTE_SOURCE_CHARS: usize = 4 * QUOTE_CHARS;

/// How much of the original a reply quotes, in characters (Unicode scalar values).
pub const QUOTE_CHARS: usize = 100;

impl Quote {
    pub fn of(message: &Message) -> Self {
        Self {
            seq: message.seq,
            author: message.author.clone(),
            excerpt: excerpt(&message.formatted.blocks(&message.body)),
            deleted: message.deleted,
        }
    }
}

/// One emoji on a message and the people who chose it, in the order they did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reaction {
    pub emoji: String,
    pub names: Vec<String>,
}

impl Message {
    /// "HH:MM" at a UTC offset. Pages render UTC (offset 0) on the server and switch to the
    /// browser's offset after hydration, so that both renders match.
    pub fn time_of_day(&self, utc_offset_minutes: i32) -> String {
        clock(self.created_at, utc_offset_minutes)
    }

    /// RFC 3339 timestamp for `<time datetime>`.
    pub fn timestamp(&self) -> String {
        let nanos = i128::from(self.created_at) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default()
    }
}

/// "HH:MM" of a time in milliseconds since the epoch, at a UTC offset in minutes.
pub fn clock(millis: i64, utc_offset_minutes: i32) -> String {
    let minutes = (millis.div_euclid(60_000) + i64::from(utc_offset_minutes)).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Whose picture `/avatar` answers (a query, not a path segment: a name may be "..").
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AvatarOf {
    pub name: String,
}

impl AvatarOf {
    /// The address of `name`'s picture.
    pub fn url(name: &str) -> String {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        format!("/avatar?name={}", utf8_percent_encode(name, NON_ALPHANUMERIC))
    }
}

/// One of 12 avatar colours (`.hue-0` … `.hue-11` in the stylesheet) for a person, derived
/// from their name (FNV-1a): the same on every page and every node.
pub fn name_hue(name: &str) -> u32 {
    let hash = name
        .bytes()
        .fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    hash % 12
}

/// The calendar day of `millis` at `utc_offset_minutes` from UTC, as "Monday 30 November 2026":
/// the separator between days in a conversation.
pub fn day_label(millis: i64, utc_offset_minutes: i32) -> String {
    let format =
        time::macros::format_description!("[weekday] [day padding:none] [month repr:long] [year]");
    let local = i128::from(millis + i64::from(utc_offset_minutes) * 60_000) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(local)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// "YYYY-MM-DD HH:MM UTC" for milliseconds since the epoch.
pub fn utc_timestamp(millis: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// A room as the views show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Room {
    pub slug: String,
    pub name: String,
}

/// What a member may do in a room. Owners (a room's creator) and moderators may delete others'
/// messages, kick and ban; owners also name moderators. A server admin may do all of it
/// everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum Role {
    Member,
    Moderator,
    Owner,
}

impl Role {
    pub fn moderates(self) -> bool {
        self >= Self::Moderator
    }
}

/// A room's member, as the member list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub role: Role,
}

/// Most members a room page lists (owners and moderators first); its search finds the others.
/// A room's page costs the same whether it has a hundred members or a hundred thousand.
pub const MAX_MEMBERS_LISTED: usize = 100;

/// Most names "Seen by" shows under the latest message; the others are counted ("and 12
/// others").
pub const MAX_SEEN_LISTED: usize = 5;

/// Checks that a reaction is one emoji: one of [`REACTIONS`] or any other Unicode lists.
#[cfg(feature = "ssr")]
pub fn validate_emoji(raw: &str) -> Result<(), ProtocolError> {
    // Fully qualified only, so that one emoji is never stored under two spellings.
    if REACTIONS.contains(&raw) || emojis::get(raw).is_some_and(|emoji| emoji.as_str() == raw) {
        Ok(())
    } else {
        Err(ProtocolError::new(
            ErrorCode::InvalidReaction,
            "A reaction is one emoji (fully qualified, as Unicode lists it).",
        ))
    }
}

/// Trims a message body and checks it is neither empty nor too long.
pub fn validate_body(raw: &str) -> Result<String, ProtocolError> {
    validate_post(raw, false)
}

/// Like [`validate_body`] for a message that may carry files: with some, the body may be empty.
pub fn validate_post(raw: &str, with_files: bool) -> Result<String, ProtocolError> {
    // A form submits a textarea's line breaks as CRLF (and old systems write lone CRs).
    let body = raw.replace("\r\n", "\n").replace('\r', "\n");
    let body = body.trim();
    if body.is_empty() && !with_files {
        return Err(ProtocolError::new(ErrorCode::EmptyMessage, "A message cannot be empty."));
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ProtocolError::new(
            ErrorCode::MessageTooLong,
            format!("A message can be at most {MAX_MESSAGE_CHARS} characters long."),
        ));
    }
    if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ProtocolError::new(
            ErrorCode::InvalidMessage,
            "A message cannot contain control characters.",
        ));
    }
    Ok(body.to_owned())
}

/// Trims an account name, folds inner runs of spaces, and checks length and characters:
/// letters, digits, spaces and `_ - . '`.
pub fn validate_name(raw: &str) -> Result<String, ProtocolError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let invalid = |why: String| Err(ProtocolError::new(ErrorCode::InvalidName, why));
    if name.is_empty() {
        return invalid("Choose a display name.".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return invalid(format!("A display name can be at most {MAX_NAME_CHARS} characters long."));
    }
    if name.eq_ignore_ascii_case(ASSISTANT) {
        return invalid("That name belongs to the assistant. Choose another one.".into());
    }
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '\'')) {
        return invalid("A display name can hold letters, digits, spaces and _ - . ' only.".into());
    }
    Ok(name)
}

/// A room as the sidebar lists it: how far its log goes, and how far the visitor has read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoomEntry {
    pub slug: String,
    pub name: String,
    pub last_seq: i64,
    pub read_seq: i64,
    /// The reader has opened this room before. Only such rooms count unread messages: a room
    /// nobody asked to follow should not shout.
    pub joined: bool,
    /// A direct conversation: its name is the two people's, "A & B" (see [`RoomEntry::peer`]).
    #[serde(default)]
    pub direct: bool,
    /// In a direct conversation, whether the other person is online (has a room open).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    #[serde(default)]
    pub online: bool,
}

impl RoomEntry {
    /// The other person of a direct conversation, for the reader `me`. (A display name holds
    /// no `&`, so the room's name "A & B" splits one way only.)
    pub fn peer(&self, me: &str) -> Option<&str> {
        if !self.direct {
            return None;
        }
        let (a, b) = self.name.split_once(" & ")?;
        Some(if a.to_lowercase() == me.to_lowercase() { b } else { a })
    }

    pub fn unread(&self) -> i64 {
        if self.joined {
            (self.last_seq - self.read_seq).max(0)
        } else {
            0
        }
    }
}

/// Splits a message body into plain text and mentions of `name` (`@name`, any case, not followed
/// by another name character), for highlighting. The parts concatenate back to the body.
pub fn mention_parts<'a>(body: &'a str, name: &str) -> Vec<(bool, &'a str)> {
    let needle = format!("@{}", name.to_lowercase());
    let lower = body.to_lowercase();
    let mut parts = Vec::new();
    let mut rest = 0;
    // Lower-casing can change byte lengths outside ASCII; only match where it did not.
    if name.is_empty() || lower.len() != body.len() {
        return vec![(false, body)];
    }
    let mut from = 0;
    while let Some(found) = lower[from..].find(&needle).map(|i| i + from) {
        let end = found + needle.len();
        let ends_name =
            body[end..].chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if ends_name {
            if found > rest {
                parts.push((false, &body[rest..found]));
            }
            parts.push((true, &body[found..end]));
            rest = end;
        }
        from = end;
    }
    if rest < body.len() {
        parts.push((false, &body[rest..]));
    }
    parts
}

/// Checks a new room's name (ASCII letters, digits, spaces, `-` and `_`; 2 to 40 characters)
/// and derives its URL slug: lower case, runs of spaces, `-` and `_` folded into one `-`. Two
/// names with the same slug are the same room.
pub fn validate_room_name(raw: &str) -> Result<Room, ProtocolError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let length = name.chars().count();
    if !(MIN_ROOM_NAME_CHARS..=MAX_ROOM_NAME_CHARS).contains(&length) {
        return Err(ProtocolError::new(
            ErrorCode::InvalidRoomName,
            format!(
                "A room name is {MIN_ROOM_NAME_CHARS} to {MAX_ROOM_NAME_CHARS} characters long."
            ),
        ));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_')) {
        return Err(ProtocolError::new(
            ErrorCode::InvalidRoomName,
            "A room name can hold letters A-Z, digits, spaces, - and _ only.",
        ));
    }
    let slug = name
        .to_ascii_lowercase()
        .split([' ', '-', '_'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        return Err(ProtocolError::new(
            ErrorCode::InvalidRoomName,
            "A room name needs at least one letter or digit.",
        ));
    }
    Ok(Room { slug, name })
}

/// A client id is what the sender made up to recognise its own message: short, URL-safe.
pub fn validate_client_id(raw: &str) -> Result<(), ProtocolError> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_CLIENT_ID_CHARS
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ProtocolError::new(
            ErrorCode::InvalidClientId,
            format!("A client id is 1 to {MAX_CLIENT_ID_CHARS} characters of A-Z a-z 0-9 - _."),
        ))
    }
}

/// Builds a random client id (UUID v4 layout) from 16 random bytes.
pub fn client_id_from_bytes(bytes: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(validate_body("  hi \n").as_deref(), Ok("hi"));
        assert_eq!(validate_body(" \n\t ").map_err(|e| e.code), Err(ErrorCode::EmptyMessage));
        let long = "é".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(validate_body(&long).map_err(|e| e.code), Err(ErrorCode::MessageTooLong));
        assert!(validate_body(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(validate_body("a\u{7}b").map_err(|e| e.code), Err(ErrorCode::InvalidMessage));
        // A form sends line breaks as CRLF: they are stored as LF.
        assert_eq!(validate_body("a\r\nb\rc").as_deref(), Ok("a\nb\nc"));
    }

    #[test]
    fn names_are_folded_and_checked() {
        assert_eq!(validate_name("  Ada   Lovelace ").as_deref(), Ok("Ada Lovelace"));
        assert_eq!(validate_name("José_O'Neil-2.0").as_deref(), Ok("José_O'Neil-2.0"));
        for bad in ["", "   ", "<b>x</b>", "a;b", "assistant", &"x".repeat(MAX_NAME_CHARS + 1)] {
            assert_eq!(
                validate_name(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidName),
                "{bad}"
            );
        }
    }

    #[test]
    fn mentions_of_a_name_are_found_in_any_case() {
        assert_eq!(
            mention_parts("hi @ada, and @Ada Lovelace! not @adam", "Ada"),
            [
                (false, "hi "),
                (true, "@ada"),
                (false, ", and "),
                (true, "@Ada"),
                (false, " Lovelace! not @adam")
            ]
        );
        assert_eq!(mention_parts("@Ada Lovelace", "Ada Lovelace"), [(true, "@Ada Lovelace")]);
        assert_eq!(mention_parts("no mention", "Ada"), [(false, "no mention")]);
    }

    #[test]
    fn room_names_give_url_slugs() {
        let room = validate_room_name("  Rust   Users__Group ").expect("valid");
        assert_eq!(
            (room.name.as_str(), room.slug.as_str()),
            ("Rust Users__Group", "rust-users-group")
        );
        for bad in ["", "x", "--", "café", "a/b", "<b>", &"x".repeat(MAX_ROOM_NAME_CHARS + 1)] {
            assert_eq!(
                validate_room_name(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidRoomName),
                "{bad}"
            );
        }
    }

    #[test]
    fn client_ids_are_short_and_url_safe() {
        assert!(validate_client_id("0b6c1f0e-1f1a-4c59-9d7e-2f6a8f0c1b2a").is_ok());
        assert!(validate_client_id("").is_err());
        assert!(validate_client_id("a b").is_err());
        assert!(validate_client_id(&"a".repeat(MAX_CLIENT_ID_CHARS + 1)).is_err());
        assert_eq!(client_id_from_bytes([7; 16]).len(), 36);
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn reactions_are_single_emoji() {
        assert!(REACTIONS.iter().all(|emoji| validate_emoji(emoji).is_ok()));
        assert!(["🚀", "🦀", "👍🏽", "🏳️‍🌈"].iter().all(|emoji| validate_emoji(emoji).is_ok()));
        // "☺" without its variation selector is the text form: "☺️" is the emoji.
        for bad in ["", "x", "👍👍", "<b>", "☺", "🚀 "] {
            assert_eq!(validate_emoji(bad).map_err(|e| e.code), Err(ErrorCode::InvalidReaction));
        }
    }

    #[test]
    fn times_render_the_same_everywhere() {
        let m = Message { created_at: 1_700_000_000_000, ..Message::sample(1, "a", "b") };
        assert_eq!(m.time_of_day(0), "22:13");
        assert_eq!(m.time_of_day(330), "03:43", "India, the next day");
        assert_eq!(m.time_of_day(-600), "12:13", "Hawaii");
        assert_eq!(m.timestamp(), "2023-11-14T22:13:20Z");
    }
}
