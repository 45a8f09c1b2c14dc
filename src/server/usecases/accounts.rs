//! Accounts: signing up, in and out, the session behind a request, and personal API tokens.

use super::{now_millis, signed_in, Chat};
use crate::model::{validate_name, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::protocol::{Event, ProtocolError};
use crate::server::auth::{identity, new_token, password, Session, User};
use crate::server::broadcast;
use crate::server::error::{refuse, AppError};
use crate::server::store::ApiTokenRecord;

/// A session's `seen_at` is written at most this often.
const TOUCH_EVERY_MS: i64 = 60_000;
/// Longest label of an API token.
pub const MAX_TOKEN_LABEL_CHARS: usize = 60;
/// Most live (unrevoked) tokens one person may hold.
pub const MAX_TOKENS: i64 = 20;

fn validate_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        let why = format!("A password needs at least {MIN_PASSWORD_CHARS} characters.");
        return Err(refuse::invalid_password(why));
    }
    if chars > MAX_PASSWORD_CHARS {
        let why = format!("A password can be at most {MAX_PASSWORD_CHARS} characters long.");
        return Err(refuse::invalid_password(why));
    }
    Ok(())
}

impl Chat {
    /// Creates an account and signs it in: the stored name and the new session's cookie token.
    /// `address` is the client's, for the sign-up limit.
    pub async fn sign_up(
        &self,
        name: &str,
        password: &str,
        address: &str,
    ) -> Result<(String, String), AppError> {
        let name = validate_name(name)?;
        validate_password(password)?;
        if let Err(wait) = self.limits.sign_ups.take(address).await {
            return Err(refuse::rate_limited(refuse::Limited::SignUps, wait));
        }
        if self.db.user_name(&name).await?.is_some() {
            return Err(refuse::name_taken(&name));
        }
        let hash = password::hash_password(password.to_owned()).await?;
        if !self.db.create_user(&name, &hash, now_millis()).await? {
            return Err(refuse::name_taken(&name));
        }
        tracing::info!(user = %name, "signed up");
        let token = self.start_session(&name).await?;
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
        let allowed = match accounts.check(&key).await {
            Ok(()) => addresses.check(address).await,
            waiting => waiting,
        };
        if let Err(wait) = allowed {
            return Err(refuse::rate_limited(refuse::Limited::SignIns, wait));
        }
        let found = if password.chars().count() <= MAX_PASSWORD_CHARS {
            self.db.account(name.trim()).await?
        } else {
            None
        };
        let (stored, hash) = found.map_or((None, None), |(n, h)| (Some(n), Some(h)));
        if !password::verify_password(hash, password.to_owned()).await {
            accounts.fail(&key).await;
            addresses.fail(address).await;
            crate::server::metrics::sign_in_failed();
            tracing::info!(%address, "failed sign-in");
            return Err(refuse::wrong_credentials());
        }
        let name = stored.ok_or_else(ProtocolError::internal)?;
        // An address's failures are not forgiven by a success: one known password must not let
        // it guess others' at full speed.
        accounts.succeed(&key).await;
        let token = self.start_session(&name).await?;
        Ok((name, token))
    }

    /// Starts a session for `name` and returns its cookie token.
    async fn start_session(&self, name: &str) -> Result<String, AppError> {
        let (token, hash) = new_token(&self.auth.secret, "ps_");
        self.db.start_session(&hash, name, now_millis()).await?;
        Ok(token)
    }

    /// Ends the session `token` names and disconnects its sockets at once.
    pub async fn sign_out(&self, token: &str) -> Result<(), AppError> {
        let hash = self.auth.secret.token_hash(token);
        if self.db.end_session(&hash).await? {
            broadcast::disconnect_session(&self.io, &hex::encode(hash)).await;
        }
        Ok(())
    }

    /// Deletes `name`'s account, once `password` confirms it is them: every message they wrote
    /// is erased (a tombstone, as a deletion), every reaction they gave is taken back, they
    /// leave every room (each announced as usual, so open pages follow), then their sessions
    /// and API tokens end, their sockets close, and no password signs in as them again. The
    /// name stays taken. Each step is its own transaction and repeating it is harmless: an
    /// interrupted deletion is finished by asking again (the account still signs in until the
    /// last step).
    pub async fn delete_account(&self, name: &str, password: &str) -> Result<(), AppError> {
        let hash = self.db.account(name).await?.map(|(_, hash)| hash);
        let confirmed = password.chars().count() <= MAX_PASSWORD_CHARS
            && password::verify_password(hash, password.to_owned()).await;
        if !confirmed {
            return Err(refuse::wrong_password());
        }
        let now = now_millis();
        for message in self.db.messages_by(name).await?.into_iter().filter(|m| !m.deleted) {
            let outcome = self.db.delete_message(&message.room, message.seq, None, now).await?;
            let _ = self.settle(&message.room, outcome, |message| Event::Deleted { message }).await;
        }
        for (room, seq, emoji, _) in self.db.reactions_by(name).await? {
            let outcome = self.db.react(&room, seq, name, &emoji, false, now).await?;
            let _ = self.settle(&room, outcome, |message| Event::Reacted { message }).await;
        }
        for room in self.db.rooms_of(name).await? {
            if let Some(pos) = self.db.leave(&room, name).await? {
                self.announce(&room, pos, Event::Left { name: name.to_owned() }).await;
            }
        }
        self.db.close_account(name).await?;
        broadcast::disconnect_person(&self.io, name).await;
        tracing::info!(%name, "account deleted");
        Ok(())
    }

    /// Everything `name` wrote and gave, for them to download (`GET /account/export`).
    pub async fn export(&self, name: &str) -> Result<Export, AppError> {
        Ok(Export {
            format: EXPORT_FORMAT,
            exported_at: now_millis(),
            name: name.to_owned(),
            admin: self.db.is_admin(name).await?,
            messages: self.db.messages_by(name).await?,
            reactions: self
                .db
                .reactions_by(name)
                .await?
                .into_iter()
                .map(|(room, seq, emoji, at)| GivenReaction { room, seq, emoji, at })
                .collect(),
        })
    }

    /// The person a request or handshake speaks for, from its session cookie.
    pub async fn session(&self, headers: &axum::http::HeaderMap) -> Option<Session> {
        self.checked_session(headers).await.unwrap_or_else(|error| {
            tracing::error!("reading a session: {error}");
            None
        })
    }

    /// Like [`Self::session`], telling a database that did not answer from no session.
    pub async fn checked_session(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<Option<Session>, sqlx::Error> {
        match identity::token(headers) {
            Some(token) => self.session_of(&token).await,
            None => Ok(None),
        }
    }

    /// The session a cookie token names, if it exists and has not been idle for longer than
    /// the configured time. Use moves its `seen_at`; an expired session is deleted.
    async fn session_of(&self, token: &str) -> Result<Option<Session>, sqlx::Error> {
        let hash = self.auth.secret.token_hash(token);
        let Some(found) = self.db.session(&hash).await? else { return Ok(None) };
        let now = now_millis();
        if now - found.seen_at > self.auth.idle.as_millis() as i64 {
            self.db.end_session(&hash).await?;
            return Ok(None);
        }
        if now - found.seen_at > TOUCH_EVERY_MS {
            self.db.touch_session(&hash, now).await?;
        }
        let user = User { name: found.user, admin: found.admin };
        Ok(Some(Session { user, id: hex::encode(hash) }))
    }

    /// Creates a personal API token for `owner`; the token is shown once, here.
    pub async fn create_api_token(
        &self,
        owner: Option<&str>,
        label: &str,
    ) -> Result<(ApiTokenRecord, String), AppError> {
        let owner = signed_in(owner)?;
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        if label.is_empty() || label.chars().count() > MAX_TOKEN_LABEL_CHARS {
            let why = format!("A token's label is 1–{MAX_TOKEN_LABEL_CHARS} characters.");
            return Err(refuse::invalid_payload(why));
        }
        if self.db.live_tokens(owner).await? >= MAX_TOKENS {
            let limited = refuse::Limited::Tokens(MAX_TOKENS);
            return Err(refuse::rate_limited(limited, std::time::Duration::ZERO));
        }
        let (token, hash) = new_token(&self.auth.secret, "pt_");
        let record = self.db.create_token(owner, &label, &hash, now_millis()).await?;
        Ok((record, token))
    }

    /// `owner`'s API tokens, newest first.
    pub async fn api_tokens(&self, owner: Option<&str>) -> Result<Vec<ApiTokenRecord>, AppError> {
        let owner = signed_in(owner)?;
        Ok(self.db.tokens(owner).await?)
    }

    /// Revokes one of `owner`'s tokens; someone else's token is "no such token".
    pub async fn revoke_api_token(&self, owner: Option<&str>, id: i64) -> Result<(), AppError> {
        let owner = signed_in(owner)?;
        if !self.db.revoke_token(owner, id, now_millis()).await? {
            return Err(refuse::invalid_payload("You have no such token."));
        }
        Ok(())
    }

    /// The person an API token (`Authorization: Bearer pt_…`) speaks for, if it is live. Each
    /// call takes one from the token's allowance. The token then acts with its owner's rights
    /// (the policy has no rule of its own for tokens).
    pub async fn api_caller(&self, token: &str) -> Result<String, AppError> {
        if !token.starts_with("pt_") || token.len() > 100 {
            return Err(refuse::unknown_token());
        }
        let hash = self.auth.secret.token_hash(token);
        let (id, user) =
            self.db.use_token(&hash, now_millis()).await?.ok_or_else(refuse::unknown_token)?;
        if let Err(wait) = self.limits.api_calls.take(&id.to_string()).await {
            return Err(refuse::rate_limited(refuse::Limited::ApiCalls, wait));
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_have_bounds() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert!(validate_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }
}

/// What `/account/export` gives a person: their account, every message they wrote in every
/// room (oldest first; deleted ones as tombstones, without their text) and every reaction they
/// gave. Times are milliseconds since 1970 (UTC).
#[derive(Debug, serde::Serialize)]
pub struct Export {
    /// `parley-export-1`: the shape of this file.
    pub format: &'static str,
    pub exported_at: i64,
    pub name: String,
    pub admin: bool,
    pub messages: Vec<crate::model::Message>,
    pub reactions: Vec<GivenReaction>,
}

const EXPORT_FORMAT: &str = "parley-export-1";

#[derive(Debug, serde::Serialize)]
pub struct GivenReaction {
    pub room: String,
    pub seq: i64,
    pub emoji: String,
    pub at: i64,
}
