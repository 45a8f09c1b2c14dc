//! People's pictures: the one a person uploads on the account page (made small and square), or,
//! without one, their initial drawn on the colour their name gives. Anyone may see anyone's:
//! the name is already on every message they wrote.

use super::{now_millis, signed_in, Chat};
use crate::server::error::{refuse, AppError};
use crate::server::limits::FileLimits;
use crate::server::media;
use crate::server::store::Avatar;

/// What `/avatar?name=` answers.
pub enum AvatarImage {
    /// The picture they uploaded.
    Uploaded(Avatar),
    /// Their initial, as SVG.
    Initial(String),
}

impl Chat {
    /// Sets `who`'s picture from an uploaded one. Refused: not signed in, larger than a file may
    /// be, not a picture (by its content), or changed too often (the uploads' hourly limit).
    pub async fn set_avatar(&self, who: Option<&str>, bytes: Vec<u8>) -> Result<(), AppError> {
        let who = signed_in(who)?;
        let limit = self.limits.files.per_file;
        if bytes.len() as u64 > limit {
            return Err(refuse::file_too_large("That picture", limit / FileLimits::MB));
        }
        if bytes.is_empty() {
            return Err(refuse::not_a_picture());
        }
        if let Err(wait) = self.limits.avatars.take(who).await {
            return Err(refuse::rate_limited(refuse::Limited::Avatars, wait));
        }
        if !media::sniff(&bytes).is_some_and(|kind| media::PICTURES.contains(&kind)) {
            return Err(refuse::not_a_picture());
        }
        // Decoding is CPU work: off the async runtime.
        let made = tokio::task::spawn_blocking(move || media::avatar(&bytes))
            .await
            .ok()
            .flatten()
            .ok_or_else(refuse::not_a_picture)?;
        let (data, content_type) = made;
        let avatar =
            Avatar { content_type: content_type.to_owned(), updated_at: now_millis(), data };
        self.db.set_avatar(who, Some(&avatar)).await?;
        tracing::info!(name = %who, bytes = avatar.data.len(), "picture set");
        Ok(())
    }

    /// Removes `who`'s picture: their initial shows again.
    pub async fn remove_avatar(&self, who: Option<&str>) -> Result<(), AppError> {
        let who = signed_in(who)?;
        self.db.set_avatar(who, None).await?;
        Ok(())
    }

    /// When `who` last set their picture, if they have one (the account page's).
    pub async fn avatar_set_at(&self, who: &str) -> Result<Option<i64>, AppError> {
        Ok(self.db.avatar_set_at(who).await?)
    }

    /// The picture of the account `name` (compared without case). `None`: no such account.
    pub async fn avatar(&self, name: &str) -> Result<Option<AvatarImage>, AppError> {
        let Some(name) = self.db.user_name(name).await? else {
            return Ok(None);
        };
        Ok(Some(match self.db.avatar(&name).await? {
            Some(avatar) => AvatarImage::Uploaded(avatar),
            None => AvatarImage::Initial(media::initial_avatar(&name)),
        }))
    }
}
