//! The store: one SQLite file holding conversations, their messages, a record of every request, and the rollups
//! that `metrics` reads. This module opens it; its parts own one concern each:
//!
//! - [`schema`]: the versioned schema and its migrations;
//! - [`conversations`]: conversations and their messages (full-text search, turns appended atomically);
//! - [`records`]: request records and their hourly and daily rollups;
//! - [`metrics`]: the queries of `metrics` over those rollups;
//! - [`attachments`]: files sent with conversation messages, each kept once;
//! - [`cache`]: the response cache, replies kept under their request's hash;
//! - [`health`]: each model's last success, last error and run of provider failures;
//! - [`limits`]: the usage counters that limits are checked against, shared by every process;
//! - [`report`]: the reads only the usage report needs (per day and model, errors by code);
//! - [`spool`]: request records appended beside the database, taken in by the hundred;
//! - [`recorder`]: where one request's record goes (the spool or the open store): the one place that decides.
//!
//! Many `llmgw` processes may share one database (parallel CI jobs), so the file runs in WAL mode (readers never
//! wait for the writer) with a busy timeout (writers queue instead of failing), and every write that must be
//! all-or-nothing is one `BEGIN IMMEDIATE` transaction. Times are stored as milliseconds since the Unix epoch
//! ([`crate::time`]).
//!
//! The store never prints; every failure is an [`Error::Store`] naming the file (or [`Error::NotFound`] for an
//! unknown conversation).

mod attachments;
mod cache;
mod conversations;
mod health;
mod limits;
mod metrics;
pub mod recorder;
mod records;
mod report;
mod schema;
pub mod spool;

pub use cache::{CacheStats, CachedReply, ClearFilter, Cleared, NewEntry};
pub use conversations::{Conversation, ConversationSummary, NewConversation, StoredMessage, Turn};
pub use health::{DEGRADED_AFTER, ModelHealth, RECENT_MS};
pub use limits::{Ask, Counter, CounterKey, Reserved};
pub use metrics::{
    EXACT_PERCENTILES_UP_TO, GroupBy, GroupStats, Metrics, MetricsFilter, ModelStats, Percentiles, SpoolIntake, Stats,
};
pub use records::{RequestRecord, duration_bin};
pub use report::DayModel;
pub use schema::SCHEMA_VERSION;
pub use spool::Ingested;

use crate::{Error, Result};
use rusqlite::{Connection, ErrorCode};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another process's write lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// The size of the write-ahead log past which the process closing the store copies it into the database.
const WAL_CHECKPOINT_BYTES: u64 = 1 << 20;

impl Drop for Store {
    /// A process that records one request closes without copying the log into the database (that would be most of its
    /// cost). SQLite's automatic checkpoint cannot help such short-lived processes: the next one to open the database
    /// rebuilds the log's index from the file (reading all of it) and counts nothing as copied, so the log would never
    /// start over, grow without end, and make every open slower. So the process that finds the log past
    /// [`WAL_CHECKPOINT_BYTES`] copies it into the database and empties it, unless another process is using the
    /// database at that moment (then it leaves that to a later one rather than wait).
    fn drop(&mut self) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() >= WAL_CHECKPOINT_BYTES)
            && self.conn.busy_timeout(Duration::ZERO).is_ok()
        {
            let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }
}

impl Store {
    /// `--db`, else `$LLMGW_DB`, else `$XDG_DATA_HOME/llmgw/llmgw.db` (`~/.local/share/llmgw/llmgw.db`).
    pub fn default_path(flag: Option<&Path>) -> Result<PathBuf> {
        if let Some(path) = flag {
            return Ok(path.to_owned());
        }
        if let Some(path) = std::env::var_os("LLMGW_DB").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".local/share"))
            })
            .ok_or_else(|| Error::Usage("no database path: set --db, $LLMGW_DB, $XDG_DATA_HOME or $HOME".into()))?;
        Ok(data.join("llmgw").join("llmgw.db"))
    }

    /// Open (creating it owner-only when missing) and migrate the database at `path`, which must be a regular file
    /// and not a symbolic link ([`crate::files`]).
    pub fn open(path: &Path) -> Result<Store> {
        let fail = |message: String| Error::Store { path: path.to_owned(), message };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            create_private_dir(dir).map_err(|e| fail(format!("cannot create the directory {}: {e}", dir.display())))?;
        }
        crate::files::ensure_kept(path).map_err(|e| fail(format!("cannot use the database: {e}")))?;
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| store_error(path, e))?;
        let mut store = Store { conn, path: path.to_owned() };
        store.setup().map_err(|e| store_error(path, e))?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn setup(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        // Reading the header is where a file that is not SQLite at all is found out.
        let mode: String = self.conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            // Switching needs a moment alone with the file; another process may be doing the same.
            let mut tries = 0;
            loop {
                match self.conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get::<_, String>(0)) {
                    Ok(_) => break,
                    Err(e) if is_busy(&e) && tries < 50 => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A process that records one request should not pay for copying the log into the database as it exits;
        // one process in many does that work in bulk (see `Drop`).
        self.conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        Ok(())
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        store_error(&self.path, e)
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// Explain a SQLite failure in the user's terms, naming the file.
fn store_error(path: &Path, e: rusqlite::Error) -> Error {
    let message = match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::NotADatabase => "not a valid llmgw database (the file is not SQLite, or is corrupt)".to_string(),
            ErrorCode::DatabaseCorrupt => format!("the database is corrupt ({e})"),
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                format!("the database is locked by another process (waited {} s); try again", BUSY_TIMEOUT.as_secs())
            }
            ErrorCode::ReadOnly => {
                "the database is read-only (check the file's and its directory's permissions)".into()
            }
            ErrorCode::CannotOpen | ErrorCode::PermissionDenied => format!("cannot open the database: {e}"),
            ErrorCode::DiskFull => "the disk is full".into(),
            _ => e.to_string(),
        },
        _ => e.to_string(),
    };
    Error::Store { path: path.to_owned(), message }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Whether `text` has the shape of an id that [`new_id`] makes with `prefix`.
pub fn is_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| hex.len() == 20 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An id that sorts by creation time: `<prefix>_` + 12 hex digits of milliseconds + 8 of process-local entropy.
pub fn new_id(prefix: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(now.as_nanos());
    hasher.write_u32(std::process::id());
    format!("{prefix}_{:012x}{:08x}", now.as_millis(), hasher.finish() as u32)
}

/// A fresh store in a temporary directory, for the unit tests of every part of the store.
#[cfg(test)]
pub(crate) fn test_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("sub/llmgw.db")).unwrap();
    (dir, store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store as temp_store;
    use crate::time::now_ms;

    #[test]
    fn a_new_database_is_private_in_wal_mode_at_the_current_version() {
        let (dir, store) = temp_store();
        let mode: String = store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(store.user_version().unwrap(), SCHEMA_VERSION);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = std::fs::metadata(dir.path().join("sub/llmgw.db")).unwrap().permissions().mode() & 0o777;
            let parent = std::fs::metadata(dir.path().join("sub")).unwrap().permissions().mode() & 0o777;
            assert_eq!((file, parent), (0o600, 0o700));
        }
        // Opening again migrates nothing and keeps the data.
        store.create_conversation(&NewConversation { user_id: "u".into(), ..Default::default() }).unwrap();
        drop(store);
        let again = Store::open(&dir.path().join("sub/llmgw.db")).unwrap();
        assert_eq!(again.list_conversations("u", 10, None).unwrap().len(), 1);
    }

    /// Each llmgw process opens the store, records, and closes without a checkpoint; the log must still be copied
    /// into the database and emptied from time to time, or it grows without end (it did: 16 MB after 750 requests,
    /// and recording took 15 ms instead of 2).
    #[test]
    fn the_log_stays_small_across_many_short_lived_stores() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("llmgw.db");
        let wal = dir.path().join("llmgw.db-wal");
        let mut largest = 0;
        for i in 0..600 {
            let store = Store::open(&path).unwrap();
            let record = RequestRecord { request_id: format!("r{i}"), time_ms: now_ms(), ..Default::default() };
            store.record(&RequestRecord { user_id: "u".into(), command: "chat".into(), ..record }).unwrap();
            drop(store);
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        }
        assert!(largest > WAL_CHECKPOINT_BYTES / 2, "the log is left to grow between checkpoints: {largest}");
        assert!(largest < WAL_CHECKPOINT_BYTES + (64 << 10), "the log grew to {largest} bytes");
        assert_eq!(Store::open(&path).unwrap().metrics(&MetricsFilter::default()).unwrap().total.requests, 600);
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("llmgw.db");
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        let err = Store::open(&path).err().expect("refused");
        let text = err.to_string();
        assert!(text.contains("not a valid llmgw database") && text.contains(&*path.to_string_lossy()), "{text}");
    }
}
