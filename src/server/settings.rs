//! Every setting Parley reads from the environment: its name, its default and what it means, in
//! one table. `config` reads the environment through it (a default lives here and nowhere
//! else), and a test checks the README's *Configuration* table against it, row by row.

/// One environment variable.
pub struct Setting {
    pub name: &'static str,
    /// The value used when the variable is unset, as it would be written (`None`: no value).
    pub default: Option<&'static str>,
    /// A word on the default, shown after it in the README (or instead of it, without one).
    pub note: Option<&'static str>,
    pub meaning: &'static str,
}

const fn setting(
    name: &'static str,
    default: Option<&'static str>,
    note: Option<&'static str>,
    meaning: &'static str,
) -> Setting {
    Setting { name, default, note, meaning }
}

#[rustfmt::skip]
pub const SETTINGS: &[Setting] = &[
    setting("LEPTOS_SITE_ADDR", Some("127.0.0.1:3000"), None,
        "address and port to listen on"),
    setting("PARLEY_DATABASE_URL", Some("sqlite:data/parley.db"), None,
        "SQLite database file (its folder is created on first run; `data/` is git-ignored), or a `postgres://user:password@host/db` URL of the database several nodes share (see *Running several nodes*)"),
    setting("PARLEY_METRICS_TOKEN", None, Some("none: server admins only"),
        "a bearer token that opens `/metrics` to a scraper (`Authorization: Bearer …`); signed-in server admins open it without one. See *Metrics and logs*"),
    setting("PARLEY_SQLITE_MAX_MB", None, Some("none: as the disk allows"),
        "the most the SQLite database file may grow to, in MiB: past it, writes are refused with `unavailable` (\"The server's storage is full…\"), as when the disk is full, and nothing else changes; reads go on"),
    setting("PARLEY_REDIS_URL", None, Some("none: one node"),
        "Redis (7 or later) that carries broadcasts and the shared rate limits between nodes, e.g. `redis://127.0.0.1:6379`; requires a `postgres:` database"),
    setting("LEPTOS_SITE_ROOT", Some("target/site"), None,
        "folder with the built site (WASM, JS, CSS, static files)"),
    setting("PARLEY_ALLOWED_ORIGINS", None, None,
        "comma-separated origins, besides Parley's own, whose pages may open a socket or post forms (e.g. `https://chat.example.com`); the handshake's `Origin` is checked because CORS does not cover WebSocket"),
    setting("PARLEY_LEPTOS_CONFIG", Some("Leptos.toml"), None,
        "Leptos settings file read at start-up when it exists"),
    setting("PARLEY_ASSISTANT_URL", None, Some("none: assistant off"),
        "base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`"),
    setting("PARLEY_ASSISTANT_MODEL", None, None,
        "the model to ask; required with the URL"),
    setting("PARLEY_ASSISTANT_API_KEY", None, None,
        "sent as `Authorization: Bearer …` when set"),
    setting("PARLEY_ASSISTANT_TIMEOUT_SECS", Some("30"), None,
        "longest wait for the provider to start answering, and between two pieces"),
    setting("PARLEY_ASSISTANT_CONTEXT_CHARS", Some("12000"), None,
        "how much of a room's conversation with the assistant it is shown"),
    setting("PARLEY_ASSISTANT_MAX_CHARS", Some("4000"), None,
        "longest answer (capped at 4,000)"),
    setting("PARLEY_ASSISTANT_QUESTIONS_PER_MINUTE", Some("6"), None,
        "questions per person per minute (across all nodes, with Redis)"),
    setting("PARLEY_MESSAGES_PER_MINUTE", Some("60"), None,
        "how many messages one person may post per minute once their burst is spent; faster ones are refused with `rate_limited` (\"You are sending messages too fast…\") and not stored"),
    setting("PARLEY_MESSAGE_BURST", Some("20"), None,
        "how many messages one person may post at once"),
    setting("PARLEY_FILE_MAX_MB", Some("10"), None,
        "the largest file one may attach, in MiB; a larger one is refused with `file_too_large` (HTTP 413) and not stored"),
    setting("PARLEY_UPLOAD_MB_PER_HOUR", Some("100"), None,
        "how many MiB of files one person may upload per hour (counted in the database, so across all nodes); past it uploads are refused with `rate_limited` (HTTP 429)"),
    setting("PARLEY_SIGNUPS_PER_HOUR", Some("10"), None,
        "accounts one address may create per hour (after a burst of 5)"),
    setting("PARLEY_ROOMS_PER_HOUR", Some("20"), None,
        "rooms one address may create per hour (after a burst of 10)"),
    setting("PARLEY_API_CALLS_PER_MINUTE", Some("120"), None,
        "REST calls per API token per minute (after a burst of 30)"),
    setting("PARLEY_COMMANDS_PER_SECOND", Some("50"), None,
        "socket commands one connection may send per second (after a burst of twice that); faster ones are answered `rate_limited` without being run. A page sends a few a minute"),
    setting("PARLEY_SIGNIN_FREE_FAILURES", Some("5"), None,
        "failed sign-ins an account may have before each further try must wait (1 s, doubling to 15 min); an address gets four times as many. A success forgives the account, not the address"),
    setting("PARLEY_BATCH_ABOVE", Some("50"), None,
        "rooms with more people online than this get arrivals, departures and membership changes in batches (`presence:batched`, `room:batched`, at most one each per room every 250 ms) instead of one event per change: N people arriving cost N packets per interval, not N × N (0: always batch)"),
    setting("PARLEY_SESSION_IDLE_MINUTES", Some("20160"), Some("14 days"),
        "a session unused this long is over"),
    setting("PARLEY_SECURE_COOKIES", Some("0"), None,
        "`1` when a TLS proxy is in front: cookies get `Secure` (automatic when Parley serves TLS itself)"),
    setting("PARLEY_CLIENT_IP_HEADER", None, Some("none: the TCP peer"),
        "behind a reverse proxy, the header holding the client's address for the per-address limits, e.g. `X-Forwarded-For` (its last address is used). Set it only behind a proxy that sets it: clients can forge it otherwise"),
    setting("PARLEY_TLS_CERT", None, Some("none: plain HTTP"),
        "PEM file of a certificate chain: with `PARLEY_TLS_KEY`, Parley serves HTTPS and WSS itself"),
    setting("PARLEY_TLS_KEY", None, None,
        "PEM file of the certificate's private key; required with `PARLEY_TLS_CERT`"),
    setting("PARLEY_SECRET_KEY", None, None,
        "64 hex digits: the key session and API tokens are stored under (HMAC-SHA256). Without it, the key is read from `PARLEY_SECRET_FILE`"),
    setting("PARLEY_SECRET_FILE", None, Some("`secret.key` next to the database"),
        "created on first start with a random key, mode 0600; keep it with backups of the database. Replacing the key signs everyone out and voids every API token"),
    setting("RUST_LOG", Some("info,parley=info"), None,
        "log filter (`tracing-subscriber` syntax)"),
    setting("PARLEY_LOG_FORMAT", Some("text"), None,
        "`text` (one readable line per event) or `json` (one JSON object per line: time, level, message, fields, and the request's `request_id` or the socket's `socket` id and `event`). Logs never hold passwords, tokens, cookies or message bodies"),
];

/// The setting called `name`. Every name `config` reads is in the table: a missing one is a
/// programming error, caught by the tests, so it panics.
#[allow(clippy::expect_used)]
pub fn get(name: &str) -> &'static Setting {
    SETTINGS.iter().find(|s| s.name == name).expect("every setting read is in SETTINGS")
}

/// The default of a numeric setting.
#[allow(clippy::expect_used)]
pub fn default_number(name: &str) -> u64 {
    get(name).default.and_then(|d| d.parse().ok()).expect("a numeric setting has a number")
}

impl Setting {
    /// The setting's row in the README's *Configuration* table.
    pub fn readme_row(&self) -> String {
        let default = match (self.default, self.note) {
            (Some(value), None) => format!("`{value}`"),
            (Some(value), Some(note)) => format!("`{value}` ({note})"),
            (None, Some(note)) => format!("({note})"),
            (None, None) => "(none)".to_owned(),
        };
        format!("| `{}` | {default} | {} |", self.name, self.meaning)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_documents_every_setting_as_the_table_says() {
        let readme = include_str!("../../README.md");
        let section = readme.split("## Configuration").nth(1).unwrap_or_default();
        let documented: Vec<&str> = section
            .split("\n## ")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|line| line.starts_with("| `"))
            .collect();
        let expected: Vec<String> = SETTINGS.iter().map(Setting::readme_row).collect();
        assert_eq!(
            documented,
            expected,
            "README's Configuration table differs from SETTINGS; it should read:\n{}",
            expected.join("\n")
        );
    }

    #[test]
    fn numeric_defaults_are_numbers() {
        for name in ["PARLEY_MESSAGES_PER_MINUTE", "PARLEY_SESSION_IDLE_MINUTES"] {
            assert!(default_number(name) > 0);
        }
    }
}
