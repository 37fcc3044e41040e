//! The recorder: the one place that decides where a request's record goes.
//!
//! Opening the database costs a short-lived process 1.5 to 2.5 ms (see [`super::spool`]), more than a whole
//! offline request, so a command line that records one request appends it to the spool beside the database and
//! opens nothing, unless the store is open anyway (a conversation needs it), or the database is not ready for a
//! spool (missing, or at an older schema: then it is created or migrated once, here). A long-lived process (a
//! server) keeps the store open and records straight into it. The gateway only says what to record and when it
//! needs the store; a failure to record never fails the request, it comes back as a [`RecordWarning`].

use super::spool::{INGEST_AT_BYTES, Spool};
use super::{RequestRecord, Store};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// How long the process that records lives: a command line records one request (the spool), a server many (the
/// store, kept open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    Short,
    Long,
}

/// A warning about recording that does not change a request's outcome; the caller shows it.
#[derive(Debug)]
pub enum RecordWarning {
    /// The record could not be written anywhere.
    NotRecorded(Error),
    /// The record is safe in the spool, which has grown past its threshold, but could not be moved into the database
    /// now (another process was writing, say); a later `metrics` or request moves it.
    SpoolNotTakenIn(Error),
    /// The response cache could not be read or written; the request went on without it.
    CacheNotUsed(Error),
}

impl std::fmt::Display for RecordWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordWarning::NotRecorded(err) => write!(f, "the request was not recorded: {err}"),
            RecordWarning::SpoolNotTakenIn(err) => {
                write!(f, "the spooled request records were not moved into the database yet: {err}")
            }
            RecordWarning::CacheNotUsed(err) => write!(f, "the response cache was not used: {err}"),
        }
    }
}

pub struct Recorder {
    database: PathBuf,
    lifetime: Lifetime,
    store: Option<Store>,
    spool: Option<Spool>,
}

impl Recorder {
    /// A recorder for the database at `database`; opens nothing yet.
    pub fn new(database: PathBuf, lifetime: Lifetime) -> Recorder {
        Recorder { database, lifetime, store: None, spool: None }
    }

    pub fn database(&self) -> &Path {
        &self.database
    }

    /// Before a request is sent: make sure its record can be written. A short-lived process checks that the
    /// database can take a spool (reading its header), else opens it (creating or migrating it); a long-lived one
    /// opens it. An error here is the request's: nothing is sent.
    pub fn prepare(&mut self) -> Result<()> {
        if self.store.is_some() || self.spool.is_some() {
            return Ok(());
        }
        if self.lifetime == Lifetime::Short
            && let Some(spool) = Spool::ready(&self.database)?
        {
            self.spool = Some(spool);
            return Ok(());
        }
        self.store().map(drop)
    }

    /// The store, opened on first use and kept (a conversation needs it; so does every record after that).
    pub fn store(&mut self) -> Result<&mut Store> {
        if self.store.is_none() {
            self.store = Some(Store::open(&self.database)?);
        }
        Ok(self.store.as_mut().expect("opened above"))
    }

    /// Record one attempt: into the store when it is open, else into the spool (the record that takes the spool
    /// past [`INGEST_AT_BYTES`] moves it into the database, unless another process is writing at that moment).
    pub fn record(&mut self, record: &RequestRecord) -> Vec<RecordWarning> {
        if let Err(err) = self.prepare() {
            return vec![RecordWarning::NotRecorded(err)];
        }
        if let Some(store) = &self.store {
            return store.record(record).err().map(RecordWarning::NotRecorded).into_iter().collect();
        }
        let Some(spool) = &self.spool else { return Vec::new() };
        match spool.append(record) {
            Ok(size) if size >= INGEST_AT_BYTES => {
                match Store::open(&self.database).and_then(|store| store.try_ingest_spool()) {
                    Ok(_) => Vec::new(),
                    Err(err) => vec![RecordWarning::SpoolNotTakenIn(err)],
                }
            }
            Ok(_) => Vec::new(),
            Err(err) => vec![RecordWarning::NotRecorded(err)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MetricsFilter;
    use crate::store::spool::tests::{record, temp_db};

    fn recorded(db: &Path) -> u64 {
        let store = Store::open(db).unwrap();
        store.metrics(&MetricsFilter::default()).unwrap().total.requests
    }

    #[test]
    fn a_short_lived_recorder_creates_a_missing_database_then_spools_without_opening_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("llmgw.db");
        let mut first = Recorder::new(db.clone(), Lifetime::Short);
        first.prepare().unwrap();
        assert!(db.exists() && first.store.is_some(), "a missing database is created by prepare");
        assert!(first.record(&record("a")).is_empty());
        assert_eq!(recorded(&db), 1, "with the store open, the record goes straight in");

        let mut second = Recorder::new(db.clone(), Lifetime::Short);
        assert!(second.record(&record("b")).is_empty());
        assert!(second.store.is_none(), "a ready database is not opened to record");
        assert!(Spool::of(&db).path().exists(), "the record waits in the spool");
        let store = Store::open(&db).unwrap();
        assert_eq!(store.ingest_spool().unwrap().records, 1);
    }

    #[test]
    fn the_record_that_fills_the_spool_moves_it_into_the_database() {
        let (_dir, db) = temp_db();
        let spool = Spool::of(&db);
        let mut seeded = 0;
        while std::fs::metadata(spool.path()).map_or(0, |m| m.len()) + 150 < INGEST_AT_BYTES {
            spool.append(&record(&format!("seed-{seeded}"))).unwrap();
            seeded += 1;
        }
        let mut recorder = Recorder::new(db.clone(), Lifetime::Short);
        assert!(recorder.record(&record("last")).is_empty());
        assert!(!spool.path().exists(), "the spool was taken in");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let rows: u64 = conn.query_row("SELECT count(*) FROM requests", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, seeded + 1);
    }

    #[test]
    fn a_long_lived_recorder_records_straight_into_the_store() {
        let (_dir, db) = temp_db();
        let mut recorder = Recorder::new(db.clone(), Lifetime::Long);
        for i in 0..3 {
            assert!(recorder.record(&record(&format!("r{i}"))).is_empty());
        }
        assert!(!Spool::of(&db).path().exists(), "no spool");
        assert_eq!(recorded(&db), 3);
    }

    #[test]
    fn a_record_that_cannot_be_written_is_a_warning_not_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "not a directory").unwrap();
        let mut recorder = Recorder::new(file.join("llmgw.db"), Lifetime::Short);
        let warnings = recorder.record(&record("r"));
        assert!(matches!(warnings.as_slice(), [RecordWarning::NotRecorded(Error::Store { .. })]), "{warnings:?}");
        assert!(warnings[0].to_string().starts_with("the request was not recorded: "), "{}", warnings[0]);
    }
}
