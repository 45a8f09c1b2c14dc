//! `parley admin backup FILE` and `parley admin restore FILE`, for the SQLite default (Postgres
//! has `pg_dump` and `pg_restore`: see the README).
//!
//! A backup is SQLite's `VACUUM INTO`: a consistent copy of the file as of one moment, taken
//! through a read-only connection while the server keeps serving. It is written under a
//! temporary name and renamed once checked, so a backup file is either whole or absent.
//!
//! A restore checks the file first (a SQLite database, intact, made by this version of Parley
//! or an earlier one), refuses while a server holds the database (see
//! [`FileLock`]), and keeps the database it replaces, with its write-ahead log, under a
//! `.before-restore-…` name: nothing is lost by restoring the wrong file.

use super::store::sqlite::{file_of, FileLock};
use super::store::OpenError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this database is Postgres: back it up with pg_dump and restore it with pg_restore \
         (see the README's *Backups*)"
    )]
    Postgres,
    #[error("{0} already exists: name a new file (a backup never overwrites one)")]
    Exists(String),
    #[error("there is no database at {0}")]
    NoDatabase(String),
    #[error("{0} is the database itself: name a backup file")]
    SameFile(String),
    #[error("{path} is not a Parley backup: {why}")]
    NotABackup { path: String, why: String },
    #[error(
        "{0} was made by a newer or another version of Parley (its migrations are not this \
         binary's): restore it with that version"
    )]
    Foreign(String),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("the server is running on this database: {0}")]
    Running(String),
    #[error("{action} {path}: {source}")]
    Io { action: &'static str, path: String, source: std::io::Error },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What a backup holds, as told after making or restoring one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub accounts: i64,
    pub rooms: i64,
    pub messages: i64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |n: i64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let Summary { accounts, rooms, messages } = *self;
        let (accounts, rooms) = (count(accounts, "account"), count(rooms, "room"));
        write!(f, "{accounts}, {rooms}, {}", count(messages, "message"))
    }
}

/// Copies the database `url` names into the new file `to`, consistently, while a server may be
/// writing to it.
pub async fn backup(url: &str, to: &Path) -> Result<Summary, BackupError> {
    let database = sqlite_file(url)?;
    if !database.is_file() {
        return Err(BackupError::NoDatabase(database.display().to_string()));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let partial = beside(to, &format!("partial-{}", std::process::id()));
    let mut source = read_only(&database).await?;
    let copied =
        sqlx::query("VACUUM INTO ?").bind(partial.display().to_string()).execute(&mut source).await;
    source.close().await?;
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(error.into());
    }
    let checked = check(&partial).await;
    let summary = match checked {
        Ok(summary) => summary,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, to).map_err(io("naming the backup", to))?;
    Ok(summary)
}

/// Replaces the database `url` names with the backup `from`, once checked, while no server runs
/// on it. Returns what the backup holds and where the replaced database was kept (`None` when
/// there was none).
pub async fn restore(url: &str, from: &Path) -> Result<(Summary, Option<PathBuf>), BackupError> {
    let database = sqlite_file(url)?;
    if same_file(&database, from) {
        return Err(BackupError::SameFile(from.display().to_string()));
    }
    let summary = check(from).await?;
    let shown = database.display().to_string();
    let _lock = FileLock::take(url).map_err(|error| match error {
        OpenError::Busy(_) => BackupError::Running(format!("stop the server using {shown} first")),
        other => other.into(),
    })?;
    let incoming = beside(&database, "restoring");
    std::fs::copy(from, &incoming).map_err(io("copying the backup to", &incoming))?;
    std::fs::File::open(&incoming)
        .and_then(|file| file.sync_all())
        .map_err(io("writing", &incoming))?;
    // The lock created an empty file if there was none: nothing to keep then.
    let kept = match std::fs::metadata(&database) {
        Ok(meta) if meta.len() > 0 => {
            let stamp = super::usecases::now_millis();
            let kept = beside(&database, &format!("before-restore-{stamp}"));
            // A write-ahead log belongs to its database: it goes along, under the same new name.
            for suffix in ["-wal", "-shm"] {
                let (log, kept_log) = (with_suffix(&database, suffix), with_suffix(&kept, suffix));
                if log.exists() {
                    std::fs::rename(&log, &kept_log).map_err(io("setting aside", &log))?;
                }
            }
            std::fs::rename(&database, &kept).map_err(io("setting aside", &database))?;
            Some(kept)
        }
        _ => None,
    };
    std::fs::rename(&incoming, &database)
        .map_err(io("putting the backup in place at", &database))?;
    if let Some(folder) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::File::open(folder).and_then(|folder| folder.sync_all());
    }
    Ok((summary, kept))
}

/// Whether `file` is a whole Parley database this binary can open, and what it holds.
pub async fn check(file: &Path) -> Result<Summary, BackupError> {
    let shown = file.display().to_string();
    let not_a_backup = |why: String| BackupError::NotABackup { path: shown.clone(), why };
    if !file.is_file() {
        return Err(not_a_backup("there is no such file".into()));
    }
    let mut db = read_only(file).await?;
    let integrity: Result<String, _> =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut db).await;
    match integrity {
        Ok(verdict) if verdict == "ok" => {}
        Ok(verdict) => return Err(not_a_backup(format!("it is damaged ({verdict})"))),
        Err(error) => return Err(not_a_backup(format!("not a SQLite database ({error})"))),
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut db)
            .await
            .map_err(|_| not_a_backup("it has no Parley schema".into()))?;
    let known = sqlx::migrate!("./migrations/sqlite");
    let ours = |(version, checksum): &(i64, Vec<u8>)| {
        known.iter().any(|m| m.version == *version && *m.checksum == **checksum)
    };
    if applied.is_empty() {
        return Err(not_a_backup("it has no Parley schema".into()));
    }
    if !applied.iter().all(ours) {
        return Err(BackupError::Foreign(shown));
    }
    let count = |table: &str| format!("SELECT COUNT(*) FROM {table}");
    let rooms = sqlx::query_scalar(&count("rooms")).fetch_one(&mut db).await?;
    let messages = sqlx::query_scalar(&count("messages")).fetch_one(&mut db).await?;
    // Accounts came with migration 8; an older backup has none (names were free text).
    let accounts = sqlx::query_scalar(&count("users")).fetch_one(&mut db).await.unwrap_or(0);
    db.close().await?;
    Ok(Summary { accounts, rooms, messages })
}

/// The file of a `sqlite:` URL; Postgres is refused.
fn sqlite_file(url: &str) -> Result<PathBuf, BackupError> {
    match url.split_once(':').map(|(scheme, _)| scheme) {
        Some("sqlite") => Ok(file_of(url)?),
        Some("postgres" | "postgresql") => Err(BackupError::Postgres),
        _ => Err(OpenError::Scheme(url.to_owned()).into()),
    }
}

/// A read-only connection to a database file (its write-ahead log included).
async fn read_only(file: &Path) -> Result<SqliteConnection, BackupError> {
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    Ok(options.connect().await?)
}

/// `file` with `.tag` after its name, in its folder.
fn beside(file: &Path, tag: &str) -> PathBuf {
    with_suffix(file, &format!(".{tag}"))
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.display().to_string();
    move |source| BackupError::Io { action, path, source }
}
