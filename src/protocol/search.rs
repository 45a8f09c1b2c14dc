//! Search over the messages a person can see: what is asked (words and filters) and what comes
//! back (hits with the matched words marked, newest first, paged by cursor). Asked through the
//! REST API (`GET /api/v1/search`) and the `/search` page; the same rules either way.

use super::{ErrorCode, ProtocolError};
use serde::{Deserialize, Serialize};

/// A search. Every word of `q` must occur in a message (each as the start of a word: `deplo`
/// finds "deploy"); case and accents do not matter. Filters narrow it further.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct Search {
    /// The words: runs of letters and digits (anything else separates them), at least one,
    /// at most 200 characters in all.
    #[cfg_attr(feature = "ssr", param(min_length = 1, max_length = 200))]
    pub q: String,
    /// Only in this room (its slug).
    #[serde(default)]
    pub room: Option<String>,
    /// Only by this person (their name, in any case).
    #[serde(default)]
    pub author: Option<String>,
    /// Only from this day on (UTC).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(format = Date, value_type = Option<String>))]
    pub from: Option<String>,
    /// Only up to this day, included (UTC). Before `from`: nothing is found.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(format = Date, value_type = Option<String>))]
    pub to: Option<String>,
    /// The cursor: only results older than this one (the `next` of the previous page).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(minimum = 1))]
    pub before: Option<i64>,
}

/// One page of results, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// More, older results follow: ask again with `before` set to this.
    pub next: Option<i64>,
}

/// A message found, with an excerpt of its text around the matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// Its place in the result order (the cursor's unit).
    pub id: i64,
    pub room: String,
    pub room_name: String,
    pub seq: i64,
    pub author: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The excerpt, in pieces: the matched words have `matched: true`. Plain text, never HTML.
    pub excerpt: Vec<Fragment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Fragment {
    pub text: String,
    pub matched: bool,
}

impl SearchHit {
    /// The message in context: its permalink.
    pub fn href(&self) -> String {
        format!("/r/{}/m/{}#m{}", self.room, self.seq, self.seq)
    }
}

impl Search {
    /// Results per page.
    pub const PAGE: i64 = 20;
    pub const MAX_CHARS: usize = 200;
    pub const NO_WORD: &'static str = "Search for at least one word (letters or digits).";

    /// The words searched for, lowercased: runs of letters and digits.
    pub fn terms(&self) -> Result<Vec<String>, ProtocolError> {
        let invalid = |why: &str| ProtocolError::new(ErrorCode::InvalidPayload, why);
        if self.q.chars().count() > Self::MAX_CHARS {
            return Err(invalid("A search is at most 200 characters long."));
        }
        let terms: Vec<String> = self
            .q
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect();
        // Nothing asked is an error; asked without a word ("!!") finds nothing. (A schema
        // cannot say "a Unicode letter or digit" the same way in every regex engine.)
        if self.q.is_empty() {
            return Err(invalid(Self::NO_WORD));
        }
        Ok(terms)
    }

    /// The time span asked for, in milliseconds since the epoch: from the start of `from`, to
    /// the end of `to` (exclusive bound).
    pub fn span(&self) -> Result<(Option<i64>, Option<i64>), ProtocolError> {
        const DAY: i64 = 86_400_000;
        let from = self.from.as_deref().map(day_start).transpose()?;
        let to = self.to.as_deref().map(day_start).transpose()?.map(|start| start + DAY);
        if self.before.is_some_and(|before| before < 1) {
            let why = "`before` is the `next` of a previous page (a number ≥ 1).";
            return Err(ProtocolError::new(ErrorCode::InvalidPayload, why));
        }
        Ok((from, to))
    }
}

/// Milliseconds since the epoch at 00:00 UTC of a `YYYY-MM-DD` day.
fn day_start(day: &str) -> Result<i64, ProtocolError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(day, &format)
        .map(|date| date.midnight().assume_utc().unix_timestamp() * 1000)
        .map_err(|_| {
            let why = format!("“{day}” is not a day: write it YYYY-MM-DD.");
            ProtocolError::new(ErrorCode::InvalidPayload, why)
        })
}

/// Splits an excerpt whose matches the database marked with `\u{1}` … `\u{2}` (characters a
/// message cannot contain) into fragments.
pub fn fragments(marked: &str) -> Vec<Fragment> {
    let mut fragments = Vec::new();
    for (i, outside) in marked.split('\u{1}').enumerate() {
        let (matched, rest) = match outside.split_once('\u{2}') {
            Some((matched, rest)) if i > 0 => (Some(matched), rest),
            _ => (None, outside),
        };
        if let Some(text) = matched.filter(|t| !t.is_empty()) {
            fragments.push(Fragment { text: text.to_owned(), matched: true });
        }
        if !rest.is_empty() {
            fragments.push(Fragment { text: rest.to_owned(), matched: false });
        }
    }
    fragments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(q: &str) -> Search {
        Search { q: q.into(), ..Search::default() }
    }

    #[test]
    fn words_are_letters_and_digits_lowercased() {
        assert_eq!(search("Deploy-v2, \"now\"!").terms().expect("valid"), ["deploy", "v2", "now"]);
        assert_eq!(search("Ünïcode 東京").terms().expect("valid"), ["ünïcode", "東京"]);
        assert_eq!(search("  *** ").terms().expect("valid: finds nothing"), Vec::<String>::new());
        assert!(search("").terms().is_err());
        assert!(search(&"x".repeat(201)).terms().is_err());
    }

    #[test]
    fn days_are_utc_and_the_last_one_is_included() {
        let s = Search {
            from: Some("1970-01-02".into()),
            to: Some("1970-01-02".into()),
            ..search("x")
        };
        assert_eq!(s.span().expect("valid"), (Some(86_400_000), Some(172_800_000)));
        assert!(Search { from: Some("yesterday".into()), ..search("x") }.span().is_err());
    }

    #[test]
    fn marked_excerpts_become_fragments() {
        let plain = |t: &str| Fragment { text: t.into(), matched: false };
        let hit = |t: &str| Fragment { text: t.into(), matched: true };
        assert_eq!(
            fragments("we \u{1}deploy\u{2} on \u{1}Friday\u{2}"),
            [plain("we "), hit("deploy"), plain(" on "), hit("Friday")]
        );
        assert_eq!(fragments("\u{1}all\u{2}"), [hit("all")]);
        assert_eq!(fragments("no match"), [plain("no match")]);
    }
}
