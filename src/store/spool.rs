//! The spool: where `chat` and `stream` put their request records, one JSON line each, for the store to take in.
//!
//! Recording a request straight into SQLite means opening the database: the write-ahead log is read back whole by
//! every process that opens it (nothing else outlives a short-lived process), the schema is parsed and the
//! statements prepared, then one transaction writes five pages. That is 1.5 to 2.5 ms per request on a small VM,
//! most of it system calls. Appending one line to a file beside the database costs a few system calls instead, and
//! the store takes the lines in by the hundred in one transaction ([`crate::store::Store::ingest_spool`]): when
//! `metrics` is about to read them, or when a recording process finds the spool past [`INGEST_AT_BYTES`].
//!
//! Files, beside the database `D`: `D-spool` is the live spool, appended to with `O_APPEND`, one `write` per record
//! under a shared `flock`. Taking it in starts by renaming it to `D-spool.<pid>-<nanos>` (a claimed file); new
//! records then start a new live spool. Whoever takes in a claimed file holds the database's write lock, waits for
//! the exclusive `flock` (so that an append that opened the file before the rename has finished), commits its
//! records together with its name in `spool_ingested`, and only then deletes it: a process stopped at any point
//! either leaves the file for the next one or leaves its name behind to say it is done. An appender that finds, once
//! it holds its lock, that the file it opened is no longer the live spool starts again with the new one.
//!
//! Every record starts on a fresh line (each append writes `\n{...}\n`), so a record torn by a full disk or a crash
//! spoils only itself: lines that do not parse are skipped and counted.

use super::{BUSY_TIMEOUT, RequestRecord, SCHEMA_VERSION, Store, is_busy, records::write_records};
use crate::time::now_ms;
use crate::{Error, Result};
use rusqlite::params;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The size past which the process that appended takes the spool into the database (about 600 records).
pub const INGEST_AT_BYTES: u64 = 256 * 1024;

/// The spool beside one database file.
#[derive(Debug, Clone)]
pub struct Spool {
    database: PathBuf,
    path: PathBuf,
}

impl Spool {
    /// The spool of the database at `database` (which need not exist).
    pub fn of(database: &Path) -> Spool {
        let mut path = database.as_os_str().to_owned();
        path.push("-spool");
        Spool { database: database.to_owned(), path: PathBuf::from(path) }
    }

    /// The spool of the database at `database` when that database can take in its records as it stands: a SQLite
    /// file in WAL mode at this build's schema version. `None` when it is missing, empty, or older: the caller opens
    /// it with [`crate::store::Store::open`] instead, which creates or migrates it. A file that is not SQLite, or
    /// that a newer llmgw wrote, is the same error `Store::open` gives, found by reading its first 100 bytes.
    pub fn ready(database: &Path) -> Result<Option<Spool>> {
        let mut header = [0u8; 100];
        let opened = crate::files::read_kept(database)
            .map_err(|e| store_error(database, format!("cannot use the database: {e}")))?;
        let Some(mut file) = opened else { return Ok(None) };
        let read = read_up_to(&mut file, &mut header).map_err(|e| store_error(database, e.to_string()))?;
        if read == 0 {
            return Ok(None);
        }
        if read < header.len() || &header[..16] != b"SQLite format 3\0" {
            return Err(store_error(database, "not a valid llmgw database (the file is not SQLite, or is corrupt)"));
        }
        // Bytes 18 and 19: the write and read format versions, 2 in WAL mode. Bytes 60..64: `user_version`.
        let wal = header[18] == 2 && header[19] == 2;
        let version = i64::from(i32::from_be_bytes([header[60], header[61], header[62], header[63]]));
        if version > SCHEMA_VERSION {
            return Err(store_error(database, newer_schema_message(version)));
        }
        Ok((wal && version == SCHEMA_VERSION).then(|| Spool::of(database)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn database(&self) -> &Path {
        &self.database
    }

    /// Append one record. Returns the spool's size after it, for [`INGEST_AT_BYTES`].
    pub fn append(&self, record: &RequestRecord) -> Result<u64> {
        let mut line = Vec::with_capacity(512);
        line.push(b'\n');
        serde_json::to_writer(&mut line, record).map_err(|e| self.error(e.to_string()))?;
        line.push(b'\n');
        // Each try loses only to an ingest that claimed the file between this open and this lock; eight in a row
        // would take eight ingests within a few microseconds.
        for _ in 0..8 {
            let file =
                crate::files::append_kept(&self.path).map_err(|e| self.error(format!("cannot open the spool: {e}")))?;
            file.lock_shared().map_err(|e| self.error(format!("cannot lock the spool: {e}")))?;
            let opened = file.metadata().map_err(|e| self.error(e.to_string()))?;
            if !is_live(&self.path, &opened) {
                continue;
            }
            // One write: O_APPEND places it at the end as a whole, whatever other processes append meanwhile.
            (&file).write_all(&line).map_err(|e| self.error(format!("cannot write the spool: {e}")))?;
            return Ok(opened.len() + line.len() as u64);
        }
        Err(self.error("the spool kept being taken in while this record was written; try again".into()))
    }

    /// The file name a claimed spool gets (unique to this process and moment).
    pub(crate) fn claimed_name(&self) -> String {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        format!("{}.{}-{nanos}", self.file_name(), std::process::id())
    }

    /// `D-spool`, the live spool's file name; claimed files are named `D-spool.<...>`.
    pub(crate) fn file_name(&self) -> String {
        self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// The directory holding the spool files.
    pub(crate) fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    /// The claimed spool files waiting in the directory, oldest name first.
    pub(crate) fn claimed(&self) -> std::io::Result<Vec<PathBuf>> {
        let prefix = format!("{}.", self.file_name());
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.dir())? {
            let entry = entry?;
            if entry.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)) {
                found.push(entry.path());
            }
        }
        found.sort();
        Ok(found)
    }

    fn error(&self, message: String) -> Error {
        Error::Store { path: self.path.clone(), message }
    }
}

/// Read the records of one spool file: the records that parse and hold values a request can produce
/// ([`RequestRecord::is_plausible`]), and how many lines did not (bytes, not text: a torn line may end inside a
/// character).
pub(crate) fn parse(bytes: &[u8]) -> (Vec<RequestRecord>, usize) {
    let mut records = Vec::new();
    let mut skipped = 0;
    for line in bytes.split(|&b| b == b'\n').map(<[u8]>::trim_ascii).filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<RequestRecord>(line) {
            Ok(record) if record.is_plausible() => records.push(record),
            _ => skipped += 1,
        }
    }
    (records, skipped)
}

pub(crate) fn newer_schema_message(version: i64) -> String {
    format!("schema version {version} was written by a newer llmgw (this one knows up to {SCHEMA_VERSION})")
}

fn store_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Store { path: path.to_owned(), message: message.into() }
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Whether the file opened as `opened` is still the one at `path` (an ingest may have renamed it since).
#[cfg(unix)]
fn is_live(path: &Path, opened: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).is_ok_and(|now| now.ino() == opened.ino() && now.dev() == opened.dev())
}

#[cfg(not(unix))]
fn is_live(_path: &Path, _opened: &std::fs::Metadata) -> bool {
    // Windows does not rename a file that another process holds open without sharing delete access.
    true
}

/// What [`Store::ingest_spool`] took in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ingested {
    pub records: usize,
    /// Lines that were not a record (torn by a full disk or a crash) or held values no request can produce.
    pub skipped: usize,
    /// Records of a request id already taken in (a line written twice), not counted again.
    pub repeated: usize,
}

impl Store {
    /// Take the records waiting in the spool beside this database into it (see the module documentation for the protocol),
    /// in one transaction. Returns how many records were taken in and how many spoiled lines were skipped.
    pub fn ingest_spool(&self) -> Result<Ingested> {
        self.ingest(true).map(Option::unwrap_or_default)
    }

    /// [`Store::ingest_spool`] unless another process is writing to the database this very moment (`None`: the
    /// records stay in the spool for a later process, rather than this one wait).
    pub fn try_ingest_spool(&self) -> Result<Option<Ingested>> {
        self.ingest(false)
    }

    fn ingest(&self, wait: bool) -> Result<Option<Ingested>> {
        let spool = Spool::of(&self.path);
        let io = |what: &str, e: std::io::Error| Error::Store {
            path: spool.path().to_owned(),
            message: format!("cannot {what} the spool: {e}"),
        };
        crate::files::check_kept(spool.path()).map_err(|e| io("use", e))?;
        let live = spool.path().exists();
        if !live && spool.claimed().map_err(|e| io("list", e))?.is_empty() {
            return Ok(Some(Ingested::default()));
        }
        if !wait {
            self.conn.busy_timeout(Duration::ZERO).map_err(|e| self.err(e))?;
        }
        let begun = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate);
        if !wait {
            self.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| self.err(e))?;
        }
        let tx = match begun {
            Err(e) if !wait && is_busy(&e) => return Ok(None),
            other => other.map_err(|e| self.err(e))?,
        };
        if live {
            match std::fs::rename(spool.path(), spool.dir().join(spool.claimed_name())) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io("claim", e)),
                _ => {}
            }
        }
        let mut ingested = Ingested::default();
        let mut done = Vec::new();
        for path in spool.claimed().map_err(|e| io("list", e))? {
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
            let mut file = match crate::files::read_kept(&path) {
                Ok(Some(file)) => file,
                Ok(None) => continue,
                Err(e) => return Err(Error::Store { path, message: format!("cannot use this spool file: {e}") }),
            };
            // Wait for an append that opened this file before it was claimed.
            file.lock().map_err(|e| io("lock", e))?;
            let seen: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM spool_ingested WHERE name = ?1)", [&name], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            if !seen {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| io("read", e))?;
                let (records, skipped) = parse(&bytes);
                let written = write_records(&tx, &records).map_err(|e| self.err(e))?;
                tx.execute("INSERT INTO spool_ingested (name, ingested_at) VALUES (?1, ?2)", params![name, now_ms()])
                    .map_err(|e| self.err(e))?;
                ingested.records += written;
                ingested.skipped += skipped;
                ingested.repeated += records.len() - written;
            }
            done.push((path, name));
        }
        // A name has done its job once its file is gone (the files of this run go after the commit: next time).
        let names: Vec<String> = tx
            .prepare("SELECT name FROM spool_ingested")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))?;
        for name in names.iter().filter(|n| !spool.dir().join(n).exists()) {
            tx.execute("DELETE FROM spool_ingested WHERE name = ?1", [name]).map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        for (path, _) in done {
            let _ = std::fs::remove_file(path);
        }
        Ok(Some(ingested))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::store::MetricsFilter;

    /// A fresh database (created, then closed) in a temporary directory.
    pub(in crate::store) fn temp_db() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("llmgw.db");
        drop(Store::open(&db).unwrap());
        (dir, db)
    }

    /// A record of a successful `echo` request, made now.
    pub(in crate::store) fn record(id: &str) -> RequestRecord {
        RequestRecord {
            request_id: id.into(),
            time_ms: now_ms(),
            user_id: "u".into(),
            command: "chat".into(),
            model: Some("echo".into()),
            provider: Some("local".into()),
            duration_ms: 3,
            input_tokens: 2,
            output_tokens: 5,
            cost_usd: Some(0.25),
            ..Default::default()
        }
    }

    fn request_ids(db: &Path) -> Vec<String> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn.prepare("SELECT request_id FROM requests ORDER BY request_id").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    fn spool_files(db: &Path) -> Vec<String> {
        let spool = Spool::of(db);
        let mut names: Vec<String> = std::fs::read_dir(spool.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&spool.file_name()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn ready_tells_a_database_to_spool_for_from_one_to_open_and_from_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        assert!(Spool::ready(&db).unwrap().is_none(), "missing: Store::open creates it");
        std::fs::write(&db, b"").unwrap();
        assert!(Spool::ready(&db).unwrap().is_none(), "empty: Store::open makes it a database");
        std::fs::remove_file(&db).unwrap();
        drop(Store::open(&db).unwrap());
        assert_eq!(Spool::ready(&db).unwrap().unwrap().path(), dir.path().join("x.db-spool"));

        let old = dir.path().join("old.db");
        let conn = rusqlite::Connection::open(&old).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x); PRAGMA user_version = 1;").unwrap();
        drop(conn);
        assert!(Spool::ready(&old).unwrap().is_none(), "an older schema: Store::open migrates it");

        let newer = dir.path().join("newer.db");
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 99;").unwrap();
        drop(conn);
        let err = Spool::ready(&newer).unwrap_err().to_string();
        assert!(err.contains("newer llmgw") && err.contains("newer.db"), "{err}");

        let text = dir.path().join("text.db");
        std::fs::write(&text, "not a database, but long enough to have a header\n".repeat(5)).unwrap();
        let err = Spool::ready(&text).unwrap_err().to_string();
        assert!(err.contains("not a valid llmgw database") && err.contains("text.db"), "{err}");
    }

    #[test]
    fn appended_records_are_taken_in_once_and_the_spool_is_private() {
        let (_dir, db) = temp_db();
        let spool = Spool::ready(&db).unwrap().unwrap();
        let first = spool.append(&record("r1")).unwrap();
        let second = spool.append(&record("r2")).unwrap();
        assert!(second > first && first > 100, "sizes grow: {first} {second}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(spool.path()).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(request_ids(&db).is_empty(), "nothing reaches the database before an ingest");

        let store = Store::open(&db).unwrap();
        assert_eq!(store.ingest_spool().unwrap(), Ingested { records: 2, skipped: 0, repeated: 0 });
        assert_eq!(request_ids(&db), ["r1", "r2"]);
        assert_eq!(spool_files(&db), Vec::<String>::new(), "the claimed file is deleted");
        let total = store.metrics(&MetricsFilter::default()).unwrap().total;
        assert_eq!((total.requests, total.input_tokens, total.cost_usd), (2, 4, 0.5));
        assert_eq!(store.ingest_spool().unwrap(), Ingested::default(), "nothing left");
    }

    #[test]
    fn a_torn_record_spoils_only_itself() {
        let (_dir, db) = temp_db();
        let spool = Spool::of(&db);
        spool.append(&record("before")).unwrap();
        // What a full disk leaves: the start of a record and no newline.
        let mut file = std::fs::OpenOptions::new().append(true).open(spool.path()).unwrap();
        file.write_all(br#"{"request_id":"torn","time_ms":17"#).unwrap();
        spool.append(&record("after")).unwrap();
        // Torn inside a character: "\u{e9}" is two bytes in UTF-8.
        let torn = "{\"request_id\":\"caf\u{e9}";
        file.write_all(&torn.as_bytes()[..torn.len() - 1]).unwrap();
        spool.append(&RequestRecord { user_id: "zo\u{eb}".into(), ..record("last") }).unwrap();
        let ingested = Store::open(&db).unwrap().ingest_spool().unwrap();
        assert_eq!((ingested.records, ingested.skipped), (3, 2));
        assert_eq!(request_ids(&db), ["after", "before", "last"]);
    }

    #[test]
    fn a_file_claimed_by_an_ingest_that_stopped_before_committing_is_taken_in_later() {
        let (_dir, db) = temp_db();
        let spool = Spool::of(&db);
        spool.append(&record("a")).unwrap();
        spool.append(&record("b")).unwrap();
        std::fs::rename(spool.path(), spool.dir().join(spool.claimed_name())).unwrap();
        spool.append(&record("c")).unwrap();
        assert_eq!(spool_files(&db).len(), 2);
        assert_eq!(Store::open(&db).unwrap().ingest_spool().unwrap().records, 3);
        assert_eq!(request_ids(&db), ["a", "b", "c"]);
        assert!(spool_files(&db).is_empty());
    }

    #[test]
    fn a_file_left_behind_after_its_records_were_committed_is_never_counted_twice() {
        let (_dir, db) = temp_db();
        let spool = Spool::of(&db);
        spool.append(&record("a")).unwrap();
        let text = std::fs::read(spool.path()).unwrap();
        let store = Store::open(&db).unwrap();
        assert_eq!(store.ingest_spool().unwrap().records, 1);
        // A process stopped between the commit and deleting the file: put the file back under its name.
        let conn = rusqlite::Connection::open(&db).unwrap();
        let name: String = conn.query_row("SELECT name FROM spool_ingested", [], |r| r.get(0)).unwrap();
        std::fs::write(spool.dir().join(&name), &text).unwrap();
        assert_eq!(store.ingest_spool().unwrap().records, 0);
        assert_eq!(request_ids(&db), ["a"]);
        assert!(spool_files(&db).is_empty(), "the leftover is deleted");
        // Its name is forgotten once the file is gone.
        spool.append(&record("b")).unwrap();
        store.ingest_spool().unwrap();
        let known: i64 =
            conn.query_row("SELECT count(*) FROM spool_ingested WHERE name = ?1", [&name], |r| r.get(0)).unwrap();
        assert_eq!(known, 0);
    }

    #[test]
    fn an_ingest_waits_for_an_append_in_progress_and_takes_its_record() {
        let (_dir, db) = temp_db();
        let spool = Spool::of(&db);
        spool.append(&record("a")).unwrap();
        // An appender that holds its lock and has not written yet.
        let appender = crate::files::append_kept(spool.path()).unwrap();
        appender.lock_shared().unwrap();
        let ingest = std::thread::spawn({
            let db = db.clone();
            move || Store::open(&db).unwrap().ingest_spool().unwrap()
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!ingest.is_finished(), "the ingest waits for the append to finish");
        let mut line = b"\n".to_vec();
        serde_json::to_writer(&mut line, &record("b")).unwrap();
        line.push(b'\n');
        (&appender).write_all(&line).unwrap();
        drop(appender);
        assert_eq!(ingest.join().unwrap().records, 2);
        assert_eq!(request_ids(&db), ["a", "b"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_spool_opened_before_it_was_claimed_is_no_longer_live() {
        let (_dir, db) = temp_db();
        let spool = Spool::of(&db);
        spool.append(&record("a")).unwrap();
        let opened = crate::files::append_kept(spool.path()).unwrap().metadata().unwrap();
        assert!(is_live(spool.path(), &opened));
        std::fs::rename(spool.path(), spool.dir().join(spool.claimed_name())).unwrap();
        assert!(!is_live(spool.path(), &opened), "claimed");
        spool.append(&record("b")).unwrap();
        assert!(!is_live(spool.path(), &opened), "a new live spool is another file");
    }

    /// Appenders and ingesters at once, each with its own file handles and connection as separate processes have
    /// (flock locks belong to open files, so threads contend exactly as processes do): every record lands once.
    #[test]
    fn concurrent_appends_and_ingests_lose_and_duplicate_nothing() {
        let (_dir, db) = temp_db();
        const WRITERS: usize = 6;
        const EACH: usize = 500;
        let done = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for w in 0..WRITERS {
                let (db, done) = (&db, &done);
                s.spawn(move || {
                    let spool = Spool::of(db);
                    for i in 0..EACH {
                        spool.append(&record(&format!("w{w}-{i:04}"))).unwrap();
                    }
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                });
            }
            for _ in 0..2 {
                let (db, done) = (&db, &done);
                s.spawn(move || {
                    let store = Store::open(db).unwrap();
                    while done.load(std::sync::atomic::Ordering::SeqCst) < WRITERS {
                        store.ingest_spool().unwrap();
                    }
                });
            }
        });
        Store::open(&db).unwrap().ingest_spool().unwrap();
        let ids = request_ids(&db);
        let mut unique = ids.clone();
        unique.dedup();
        assert_eq!((ids.len(), unique.len()), (WRITERS * EACH, WRITERS * EACH));
        assert!(spool_files(&db).is_empty(), "{:?}", spool_files(&db));
    }
}
