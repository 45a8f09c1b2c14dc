//! Accounts, sessions and API tokens: who a request or a socket speaks for.
//!
//! A password is stored as an Argon2id hash (PHC string: parameters and salt included), computed
//! off the async threads. A session is a random 256-bit token in an `HttpOnly` cookie; the
//! database keeps only its SHA-256, so a copy of the table lets nobody in. A session unused for
//! the configured idle time is over. API tokens work the same way, with a `pt_` prefix so that
//! secret scanners can spot a leaked one.

use super::error::AppError;
use super::limits::seconds;
use super::secret::Secret;
use super::{chat::Chat, identity};
use crate::model::{validate_name, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::protocol::{ErrorCode, ProtocolError};
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::Argon2;
use rand_core::{OsRng, RngCore};
use sqlx::SqlitePool;
use std::time::Duration;

/// A session's `seen_at` is written at most this often.
const TOUCH_EVERY_MS: i64 = 60_000;

/// How sessions behave and whom a request comes from (`PARLEY_SESSION_IDLE_MINUTES`, TLS,
/// `PARLEY_SECURE_COOKIES`, `PARLEY_CLIENT_IP_HEADER`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthSettings {
    /// A session unused this long is over.
    pub idle: Duration,
    /// Cookies carry `Secure` (the server serves TLS itself, or `PARLEY_SECURE_COOKIES` says a
    /// proxy in front does).
    pub secure_cookies: bool,
    /// Behind a reverse proxy: the header it puts the client's address in (the last address
    /// listed is used). Without it, the address is the TCP peer's.
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// The key session and API tokens are stored under.
    pub secret: Secret,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(14 * 24 * 3600),
            secure_cookies: false,
            client_ip_header: None,
            secret: Secret::random(),
        }
    }
}

impl AuthSettings {
    /// The client's address, for the limits kept per address: from the configured proxy
    /// header, or the TCP peer (axum's `ConnectInfo`).
    pub fn client_address(&self, parts: &axum::http::request::Parts) -> String {
        let from_header = self.client_ip_header.as_ref().and_then(|name| {
            let value = parts.headers.get_all(name).iter().next_back()?.to_str().ok()?;
            let last = value.rsplit(',').next()?.trim();
            (!last.is_empty()).then(|| last.to_owned())
        });
        from_header
            .or_else(|| {
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|info| info.0.ip().to_string())
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

/// A signed-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    /// A server admin moderates every room.
    pub admin: bool,
}

/// A session found from its cookie: the person, and the hash that names the session (its
/// sockets share a socket.io room named after it, to be disconnected at sign-out).
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub id: String,
}

/// A fresh random token (256 bits) with `prefix`, and the hash to store.
fn new_token(secret: &Secret, prefix: &str) -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = format!("{prefix}{}", hex::encode(bytes));
    let hash = secret.token_hash(&token);
    (token, hash)
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> AppError {
    ProtocolError::new(code, message).into()
}

fn validate_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        let why = format!("A password needs at least {MIN_PASSWORD_CHARS} characters.");
        return Err(refuse(ErrorCode::InvalidPassword, why));
    }
    if chars > MAX_PASSWORD_CHARS {
        let why = format!("A password can be at most {MAX_PASSWORD_CHARS} characters long.");
        return Err(refuse(ErrorCode::InvalidPassword, why));
    }
    Ok(())
}

/// Work for the password-hashing threads.
type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on one of Parley's password-hashing threads (one per core, started on first use)
/// and waits for its result; `None` if the thread is gone. Argon2 takes 19 MiB and tens of
/// milliseconds of a core per hash: on a few long-lived threads, a flood of sign-ins queues
/// instead of taking the server's cores, and the allocator reuses the same few buffers (on
/// tokio's blocking pool, every new thread kept its own 19 MiB: 450 MB after 500 sign-ups).
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    use std::sync::{mpsc, Arc, Mutex, OnceLock};
    static QUEUE: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        for n in 0..threads {
            let receive = receive.clone();
            let spawned =
                std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || loop {
                    let job = receive.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => break,
                    }
                });
            if let Err(error) = spawned {
                tracing::error!("cannot start a password-hashing thread: {error}");
            }
        }
        Mutex::new(send)
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    queue.lock().unwrap_or_else(|p| p.into_inner()).send(job).ok()?;
    result.await.ok()
}

/// Argon2 with `params`, into `out`, in this thread's block buffer (19 MiB with the default
/// parameters), allocated once per hashing thread and reused: allocating it per hash left the
/// allocator holding about 150 MB after the first few sign-ins.
fn argon2_into(
    argon2: &Argon2<'_>,
    block_count: usize,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    use std::cell::RefCell;
    thread_local! {
        static BLOCKS: RefCell<Vec<argon2::Block>> = const { RefCell::new(Vec::new()) };
    }
    BLOCKS.with_borrow_mut(|blocks| {
        blocks.resize(block_count, argon2::Block::default());
        argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..block_count])
    })
}

/// The PHC string of `password` hashed with `argon2` (whose algorithm, version and parameters
/// it records) and `salt`, as `PasswordHasher::hash_password` makes it.
fn phc_hash<'a>(
    argon2: &Argon2<'_>,
    algorithm: argon2::Algorithm,
    version: argon2::Version,
    params: &argon2::Params,
    password: &[u8],
    salt: argon2::password_hash::Salt<'a>,
) -> argon2::password_hash::Result<PasswordHash<'a>> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let length = params.output_len().unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN);
    let output = argon2::password_hash::Output::init_with(length, |out| {
        Ok(argon2_into(argon2, params.block_count(), password, salt_bytes, out)?)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: argon2::password_hash::ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane).
async fn hash_password(password: String) -> Result<String, AppError> {
    let hashed = on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        let (algorithm, version, params) =
            (argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon2::Params::default());
        let argon2 = Argon2::new(algorithm, version, params.clone());
        phc_hash(&argon2, algorithm, version, &params, password.as_bytes(), salt.as_salt())
            .map(|hash| hash.to_string())
    })
    .await;
    match hashed {
        Some(Ok(hash)) => Ok(hash),
        Some(Err(error)) => {
            tracing::error!("password hashing: {error}");
            Err(ProtocolError::internal().into())
        }
        None => {
            tracing::error!("no password-hashing thread");
            Err(ProtocolError::internal().into())
        }
    }
}

/// Whether `password` matches `hash` (a PHC string, with the parameters it was made with).
/// Without an account, a made-up hash is checked all the same, so that the answer takes as long
/// whether or not the name exists.
async fn verify_password(hash: Option<String>, password: String) -> bool {
    on_hashing_thread(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| UNKNOWN_ACCOUNT_HASH.to_owned());
        let Ok(stored) = PasswordHash::new(&hash) else { return false };
        let (Some(salt), Some(expected)) = (stored.salt, &stored.hash) else { return false };
        let Ok(algorithm) = argon2::Algorithm::try_from(stored.algorithm) else { return false };
        let version = stored.version.map_or(Ok(argon2::Version::V0x13), argon2::Version::try_from);
        let (Ok(version), Ok(params)) = (version, argon2::Params::try_from(&stored)) else {
            return false;
        };
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let computed = phc_hash(&argon2, algorithm, version, &params, password.as_bytes(), salt);
        // `Output`'s equality is constant-time.
        computed.is_ok_and(|computed| computed.hash.as_ref() == Some(expected)) && known
    })
    .await
    .unwrap_or(false)
}

/// An Argon2id hash of a random password nobody knows, with the default parameters.
const UNKNOWN_ACCOUNT_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                                    O1l5rM6V2EBg0ZXvbWuv5GqGVTT5wWq0N9OEv4XhEzY";

/// The account `name` (compared without ASCII case): its stored name and password hash.
async fn account(pool: &SqlitePool, name: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT name, password_hash FROM users WHERE name = ? COLLATE NOCASE")
        .bind(name)
        .fetch_optional(pool)
        .await
}

/// The stored spelling of the account `name`, if there is one.
pub async fn user_name(pool: &SqlitePool, name: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM users WHERE name = ? COLLATE NOCASE")
        .bind(name)
        .fetch_optional(pool)
        .await
}

pub async fn is_admin(pool: &SqlitePool, name: &str) -> Result<bool, sqlx::Error> {
    let admin: Option<bool> = sqlx::query_scalar("SELECT admin FROM users WHERE name = ?")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(admin.unwrap_or(false))
}

/// Makes `name` a server admin or takes it back (`parley admin grant|revoke NAME`).
/// `Ok(None)`: no such account.
pub async fn set_admin(
    pool: &SqlitePool,
    name: &str,
    admin: bool,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("UPDATE users SET admin = ? WHERE name = ? COLLATE NOCASE RETURNING name")
        .bind(admin)
        .bind(name.trim())
        .fetch_optional(pool)
        .await
}

/// Starts a session for `name` and returns its cookie token.
async fn start_session(
    pool: &SqlitePool,
    secret: &Secret,
    name: &str,
) -> Result<String, sqlx::Error> {
    let (token, hash) = new_token(secret, "ps_");
    let now = now_millis();
    sqlx::query("INSERT INTO sessions (token_hash, user, created_at, seen_at) VALUES (?, ?, ?, ?)")
        .bind(hash)
        .bind(name)
        .bind(now)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(token)
}

/// The session a cookie token names, if it exists and has not been idle for longer than `idle`.
/// Use moves its `seen_at`; an expired session is deleted.
pub async fn session(
    pool: &SqlitePool,
    secret: &Secret,
    token: &str,
    idle: Duration,
) -> Result<Option<Session>, sqlx::Error> {
    let hash = secret.token_hash(token);
    let found: Option<(String, bool, i64)> = sqlx::query_as(
        "SELECT s.user, u.admin, s.seen_at FROM sessions s JOIN users u ON u.name = s.user
         WHERE s.token_hash = ?",
    )
    .bind(&hash)
    .fetch_optional(pool)
    .await?;
    let Some((name, admin, seen_at)) = found else { return Ok(None) };
    let now = now_millis();
    if now - seen_at > idle.as_millis() as i64 {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(&hash).execute(pool).await?;
        return Ok(None);
    }
    if now - seen_at > TOUCH_EVERY_MS {
        sqlx::query("UPDATE sessions SET seen_at = ? WHERE token_hash = ?")
            .bind(now)
            .bind(&hash)
            .execute(pool)
            .await?;
    }
    Ok(Some(Session { user: User { name, admin }, id: hex::encode(hash) }))
}

/// Ends the session a cookie token names; returns its id if it existed.
async fn end_session(
    pool: &SqlitePool,
    secret: &Secret,
    token: &str,
) -> Result<Option<String>, sqlx::Error> {
    let hash = secret.token_hash(token);
    let ended =
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(&hash).execute(pool).await?;
    Ok((ended.rows_affected() > 0).then(|| hex::encode(hash)))
}

/// The socket.io room every socket of a session joins: sign-out disconnects it.
pub fn session_channel(id: &str) -> String {
    format!("session:{id}")
}

/// The socket.io room every socket of a person joins: a ban takes them out of a room.
pub fn user_channel(name: &str) -> String {
    format!("user:{name}")
}

/// A personal API token as its owner's list shows it (never the token itself).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiTokenRecord {
    pub id: i64,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Longest label of an API token.
pub const MAX_TOKEN_LABEL_CHARS: usize = 60;
/// Most live (unrevoked) tokens one person may hold.
pub const MAX_TOKENS: i64 = 20;

impl Chat {
    /// Creates an account and signs it in: the new session's cookie token. `address` is the
    /// client's, for the sign-up limit.
    pub async fn sign_up(
        &self,
        name: &str,
        password: &str,
        address: &str,
    ) -> Result<(String, String), AppError> {
        let name = validate_name(name)?;
        validate_password(password)?;
        if let Err(wait) = self.limits.sign_ups.take(address) {
            let why = format!(
                "Too many accounts created from your address: try again in {} s.",
                seconds(wait)
            );
            return Err(refuse(ErrorCode::RateLimited, why));
        }
        if user_name(&self.pool, &name).await?.is_some() {
            return Err(refuse(ErrorCode::NameTaken, format!("The name {name} is taken.")));
        }
        let hash = hash_password(password.to_owned()).await?;
        let created =
            sqlx::query("INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)")
                .bind(&name)
                .bind(hash)
                .bind(now_millis())
                .execute(&self.pool)
                .await;
        match created {
            Ok(_) => {}
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                return Err(refuse(ErrorCode::NameTaken, format!("The name {name} is taken.")));
            }
            Err(error) => return Err(error.into()),
        }
        tracing::info!(user = %name, "signed up");
        let token = start_session(&self.pool, &self.auth.secret, &name).await?;
        Ok((name, token))
    }

    /// Checks a name and password and starts a new session: its cookie token. After too many
    /// failures for the account or from the address, tries are refused for a while (doubling).
    pub async fn sign_in(
        &self,
        name: &str,
        password: &str,
        address: &str,
    ) -> Result<(String, String), AppError> {
        let key = name.trim().to_lowercase();
        let (accounts, addresses) = (&self.limits.sign_in_accounts, &self.limits.sign_in_addresses);
        if let Err(wait) = accounts.check(&key).and_then(|()| addresses.check(address)) {
            let why = format!("Too many failed sign-ins: try again in {} s.", seconds(wait));
            return Err(refuse(ErrorCode::RateLimited, why));
        }
        let found = if password.chars().count() <= MAX_PASSWORD_CHARS {
            account(&self.pool, name.trim()).await?
        } else {
            None
        };
        let (stored, hash) = found.map_or((None, None), |(n, h)| (Some(n), Some(h)));
        if !verify_password(hash, password.to_owned()).await {
            accounts.fail(&key);
            addresses.fail(address);
            tracing::info!(%address, "failed sign-in");
            return Err(refuse(ErrorCode::WrongCredentials, "Wrong name or password."));
        }
        let name = stored.ok_or_else(ProtocolError::internal)?;
        // An address's failures are not forgiven by a success: one known password must not let
        // it guess others' at full speed.
        accounts.succeed(&key);
        let token = start_session(&self.pool, &self.auth.secret, &name).await?;
        Ok((name, token))
    }

    /// Ends the session `token` names and disconnects its sockets at once.
    pub async fn sign_out(&self, token: &str) -> Result<(), AppError> {
        if let Some(id) = end_session(&self.pool, &self.auth.secret, token).await? {
            if let Some(all) = self.io.of("/") {
                if let Err(error) = all.to(session_channel(&id)).disconnect().await {
                    tracing::warn!("disconnecting a signed-out session's sockets: {error}");
                }
            }
        }
        Ok(())
    }

    /// The person a request or handshake speaks for, from its session cookie.
    pub async fn session(&self, headers: &axum::http::HeaderMap) -> Option<Session> {
        let token = identity::token(headers)?;
        match session(&self.pool, &self.auth.secret, &token, self.auth.idle).await {
            Ok(session) => session,
            Err(error) => {
                tracing::error!("reading a session: {error}");
                None
            }
        }
    }

    /// Creates a personal API token for `owner`; the token is shown once, here.
    pub async fn create_api_token(
        &self,
        owner: Option<&str>,
        label: &str,
    ) -> Result<(ApiTokenRecord, String), AppError> {
        let owner = owner.ok_or_else(super::chat::not_signed_in)?;
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        if label.is_empty() || label.chars().count() > MAX_TOKEN_LABEL_CHARS {
            let why = format!("A token's label is 1–{MAX_TOKEN_LABEL_CHARS} characters.");
            return Err(refuse(ErrorCode::InvalidPayload, why));
        }
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_tokens WHERE user = ? AND revoked_at IS NULL",
        )
        .bind(owner)
        .fetch_one(&self.pool)
        .await?;
        if live >= MAX_TOKENS {
            let why = format!("You have {MAX_TOKENS} tokens already: revoke one first.");
            return Err(refuse(ErrorCode::RateLimited, why));
        }
        let (token, hash) = new_token(&self.auth.secret, "pt_");
        let record = sqlx::query_as(
            "INSERT INTO api_tokens (user, label, token_hash, created_at) VALUES (?, ?, ?, ?)
             RETURNING id, label, created_at, last_used_at, revoked_at",
        )
        .bind(owner)
        .bind(&label)
        .bind(hash)
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await?;
        Ok((record, token))
    }

    /// `owner`'s API tokens, newest first.
    pub async fn api_tokens(&self, owner: Option<&str>) -> Result<Vec<ApiTokenRecord>, AppError> {
        let owner = owner.ok_or_else(super::chat::not_signed_in)?;
        Ok(sqlx::query_as(
            "SELECT id, label, created_at, last_used_at, revoked_at FROM api_tokens
             WHERE user = ? ORDER BY id DESC",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes one of `owner`'s tokens; someone else's token is "no such token".
    pub async fn revoke_api_token(&self, owner: Option<&str>, id: i64) -> Result<(), AppError> {
        let owner = owner.ok_or_else(super::chat::not_signed_in)?;
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user = ?",
        )
        .bind(now_millis())
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        if revoked.rows_affected() == 0 {
            return Err(refuse(ErrorCode::InvalidPayload, "You have no such token."));
        }
        Ok(())
    }

    /// The person an API token (`Authorization: Bearer pt_…`) speaks for, if it is live. Each
    /// call takes one from the token's allowance.
    pub async fn api_caller(&self, token: &str) -> Result<String, AppError> {
        let unknown = || refuse(ErrorCode::NotSignedIn, "Unknown or revoked API token.");
        if !token.starts_with("pt_") || token.len() > 100 {
            return Err(unknown());
        }
        let found: Option<(i64, String)> = sqlx::query_as(
            "UPDATE api_tokens SET last_used_at = ?
             WHERE token_hash = ? AND revoked_at IS NULL RETURNING id, user",
        )
        .bind(now_millis())
        .bind(self.auth.secret.token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let (id, user) = found.ok_or_else(unknown)?;
        if let Err(wait) = self.limits.api_calls.take(&id.to_string()) {
            let why = format!("Too many calls with this token: wait {} s.", seconds(wait));
            return Err(refuse(ErrorCode::RateLimited, why));
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_account_hash_parses_with_the_default_parameters() {
        let parsed = PasswordHash::new(UNKNOWN_ACCOUNT_HASH).expect("a PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let secret = Secret::random();
        let (a, hash_a) = new_token(&secret, "ps_");
        let (b, _) = new_token(&secret, "ps_");
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(hash_a, secret.token_hash(&a));
        assert!(!hex::encode(&hash_a).contains(&a[3..]));
    }

    #[tokio::test]
    async fn hashes_are_standard_argon2id_and_verify_only_their_password() {
        let hash = hash_password("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        // The argon2 crate's own verifier accepts it: the format is the standard one.
        let parsed = PasswordHash::new(&hash).expect("PHC");
        use argon2::password_hash::PasswordVerifier;
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        assert!(verify_password(Some(hash.clone()), "correct horse".into()).await);
        assert!(!verify_password(Some(hash), "wrong horse".into()).await);
        // And ours accepts the crate's.
        let salt = SaltString::generate(&mut OsRng);
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::default().hash_password(b"battery", &salt).expect("hash").to_string();
        assert!(verify_password(Some(theirs), "battery".into()).await);
        assert!(!verify_password(None, "anything".into()).await);
    }

    #[test]
    fn passwords_have_bounds() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert!(validate_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }
}
