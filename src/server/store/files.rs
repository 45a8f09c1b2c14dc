//! Files: uploaded first (unattached, seen by their uploader only), attached when the message
//! that carries them is posted (see `NewMessage::files`), erased with that message. The bytes
//! live in the database, beside the messages: every node reads them, a backup holds them.

use super::Result;
use crate::model::Attachment;

/// An upload, checked and measured by the caller.
pub struct NewFile<'a> {
    pub attachment: &'a Attachment,
    pub room: &'a str,
    pub uploader: &'a str,
    pub data: &'a [u8],
    /// A picture's preview.
    pub thumb: Option<&'a [u8]>,
    pub created_at: i64,
}

/// A stored file, without its bytes.
#[derive(Clone, Debug)]
pub struct FileRecord {
    pub attachment: Attachment,
    pub room: String,
    pub uploader: String,
    /// The message that carries it, if it was attached.
    pub attached: bool,
}

#[async_trait::async_trait]
pub trait FileStore: Send + Sync {
    async fn insert_file(&self, new: NewFile<'_>) -> Result<()>;

    /// The bytes `uploader` uploaded since `since` (milliseconds), deleted files included.
    async fn uploaded_since(&self, uploader: &str, since: i64) -> Result<i64>;

    /// A file that was not erased.
    async fn file(&self, id: &str) -> Result<Option<FileRecord>>;

    /// A file's bytes (`thumb`: its preview's), unless erased.
    async fn file_bytes(&self, id: &str, thumb: bool) -> Result<Option<Vec<u8>>>;

    /// Removes files never attached, and rows of erased files, uploaded before `before`.
    async fn forget_files(&self, before: i64) -> Result<u64>;
}

/// What a file row reads as.
#[derive(sqlx::FromRow)]
pub(super) struct FileRow {
    id: String,
    name: String,
    content_type: String,
    size: i64,
    width: Option<i64>,
    height: Option<i64>,
    room: String,
    uploader: String,
    attached: bool,
}

impl From<FileRow> for FileRecord {
    fn from(row: FileRow) -> Self {
        Self {
            attachment: Attachment {
                id: row.id,
                name: row.name,
                content_type: row.content_type,
                size: row.size,
                width: row.width,
                height: row.height,
            },
            room: row.room,
            uploader: row.uploader,
            attached: row.attached,
        }
    }
}

/// The columns of [`FileRow`], for both databases.
pub(super) const FILE: &str = "SELECT id, name, content_type, size, width, height, room, uploader,
                                      message_id IS NOT NULL AS attached
                               FROM files";
