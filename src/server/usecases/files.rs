//! Files: uploading one to a room (checked, measured, a picture previewed), and fetching one
//! for a reader who may see it. Attaching happens when a message is posted (`post_message`).

use super::{now_millis, signed_in, Chat};
use crate::model::{Attachment, MAX_FILES_PER_MESSAGE};
use crate::server::error::{refuse, AppError};
use crate::server::limits::FileLimits;
use crate::server::media;
use crate::server::policy::Action;
use crate::server::store::NewFile;
use std::time::Duration;

const HOUR_MILLIS: i64 = 60 * 60 * 1000;
/// Files uploaded but never attached are forgotten after a day.
const UNATTACHED_MILLIS: i64 = 24 * HOUR_MILLIS;

impl Chat {
    /// Stores a file `who` uploads to a room they may post in, unattached until a message
    /// carries it. Refused: too large, past their hourly allowance, or of a type Parley does
    /// not accept (told by its content).
    pub async fn upload(
        &self,
        who: Option<&str>,
        room: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<Attachment, AppError> {
        let who = signed_in(who)?;
        let (room, _) = self.enter(room, Some(who), Action::Post).await?;
        let name = media::file_name(name);
        let limits = self.limits.files;
        let size = bytes.len() as u64;
        if size > limits.per_file {
            return Err(refuse::file_too_large(&name, limits.per_file / FileLimits::MB));
        }
        if bytes.is_empty() {
            return Err(refuse::empty_file(&name));
        }
        let now = now_millis();
        let recent = self.db.uploaded_since(who, now - HOUR_MILLIS).await?;
        if recent.max(0) as u64 + size > limits.per_hour {
            let per_hour = limits.per_hour / FileLimits::MB;
            return Err(refuse::rate_limited(refuse::Limited::Uploads(per_hour), Duration::ZERO));
        }
        let content_type =
            media::sniff(&bytes).ok_or_else(|| refuse::unsupported_file(&name))?.to_owned();
        let (picture, bytes) = if media::PICTURES.contains(&content_type.as_str()) {
            // Decoding is CPU work: off the async runtime.
            let decoded = tokio::task::spawn_blocking(move || (media::picture(&bytes), bytes))
                .await
                .map_err(|_| refuse::unsupported_file(&name))?;
            match decoded {
                (Some(picture), bytes) => (Some(picture), bytes),
                (None, _) => return Err(refuse::unsupported_file(&name)),
            }
        } else {
            (None, bytes)
        };
        let attachment = Attachment {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name,
            content_type,
            size: size as i64,
            width: picture.as_ref().map(|p| i64::from(p.width)),
            height: picture.as_ref().map(|p| i64::from(p.height)),
        };
        self.db
            .insert_file(NewFile {
                attachment: &attachment,
                room: &room.slug,
                uploader: who,
                data: &bytes,
                thumb: picture.as_ref().map(|p| p.thumb.as_slice()),
                created_at: now,
            })
            .await?;
        self.db.forget_files(now - UNATTACHED_MILLIS).await?;
        crate::server::metrics::upload(size);
        Ok(attachment)
    }

    /// The name of a room `who` may attach files in (the no-JavaScript form's title).
    pub async fn attach_form(&self, who: Option<&str>, room: &str) -> Result<String, AppError> {
        let who = signed_in(who)?;
        let (room, _) = self.enter(room, Some(who), Action::Post).await?;
        Ok(room.name)
    }

    /// The files a new message of `author` in `room` carries: each uploaded by them to that
    /// room and not attached yet, at most [`MAX_FILES_PER_MESSAGE`], none twice.
    pub(super) async fn unattached(
        &self,
        author: &str,
        room: &str,
        ids: &[String],
    ) -> Result<Vec<Attachment>, AppError> {
        if ids.len() > MAX_FILES_PER_MESSAGE {
            return Err(refuse::too_many_files(MAX_FILES_PER_MESSAGE));
        }
        let mut files: Vec<Attachment> = Vec::with_capacity(ids.len());
        for id in ids {
            let record = match self.file_record(id).await? {
                Some(record) if record.uploader == author && record.room == room => record,
                _ => return Err(refuse::unknown_file()),
            };
            if record.attached || files.iter().any(|f| f.id == *id) {
                return Err(refuse::unknown_file());
            }
            files.push(record.attachment);
        }
        Ok(files)
    }

    /// A file's type, name and bytes (`thumb`: a picture's preview), for a reader who may see
    /// it: anyone who may read its message's room, or, before it is attached, its uploader.
    /// Anyone else is told there is no such file.
    pub async fn file(
        &self,
        who: Option<&str>,
        id: &str,
        thumb: bool,
    ) -> Result<(Attachment, Vec<u8>), AppError> {
        let record = self.file_record(id).await?.ok_or_else(refuse::unknown_file)?;
        let visible = if record.attached {
            match self.enter(&record.room, who, Action::Read).await {
                Ok(_) => true,
                Err(AppError::Rejected(_)) => false,
                Err(error) => return Err(error),
            }
        } else {
            who == Some(record.uploader.as_str())
        };
        if !visible {
            return Err(refuse::unknown_file());
        }
        let bytes = self.db.file_bytes(id, thumb).await?.ok_or_else(refuse::unknown_file)?;
        Ok((record.attachment, bytes))
    }

    async fn file_record(
        &self,
        id: &str,
    ) -> Result<Option<crate::server::store::FileRecord>, AppError> {
        // Ids are 32 hexadecimal digits: anything else names nothing.
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        Ok(self.db.file(id).await?)
    }
}
