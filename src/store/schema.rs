//! The schema and its migrations: the database's `PRAGMA user_version` says which of [`MIGRATIONS`] it has had.
//!
//! Migrations are applied in order, in one transaction, by whichever process opens an older database first; a
//! database made by a newer llmgw is refused rather than guessed at. Only ever append a migration.

use super::{Store, store_error};
use crate::{Error, Result};

/// Schema migrations: entry `i` takes a database from `user_version = i` to `i + 1`. Only ever append.
const MIGRATIONS: &[&str] = &[
    // 1: conversations, messages (with full-text search), request records.
    "
    CREATE TABLE conversations (
        id          TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL,
        name        TEXT,
        title       TEXT,
        system      TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX conversations_user_name ON conversations(user_id, name) WHERE name IS NOT NULL;
    CREATE INDEX conversations_user_updated ON conversations(user_id, updated_at, id);

    CREATE TABLE messages (
        id               INTEGER PRIMARY KEY,
        conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        seq              INTEGER NOT NULL,
        role             TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content          TEXT NOT NULL,
        model            TEXT,
        provider         TEXT,
        created_at       INTEGER NOT NULL,
        UNIQUE (conversation_id, seq)
    );

    CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id');
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    END;

    CREATE TABLE requests (
        id                 INTEGER PRIMARY KEY,
        request_id         TEXT NOT NULL,
        time               INTEGER NOT NULL,
        user_id            TEXT NOT NULL,
        command            TEXT NOT NULL,
        provider           TEXT,
        vendor             TEXT,
        model              TEXT,
        ok                 INTEGER NOT NULL,
        error_code         TEXT,
        input_tokens       INTEGER NOT NULL DEFAULT 0,
        output_tokens      INTEGER NOT NULL DEFAULT 0,
        duration_ms        INTEGER NOT NULL,
        ttft_ms            INTEGER,
        tokens_per_second  REAL,
        cost_usd           REAL,
        conversation_id    TEXT
    );
    CREATE INDEX requests_time ON requests(time);
    CREATE INDEX requests_user_time ON requests(user_id, time);

    -- What `metrics` reads: per hour, user and model, the sums and a duration histogram (see `duration_bin`),
    -- kept up by `record` in the same transaction as the request row. Empty text stands for an unknown model.
    CREATE TABLE request_rollup (
        hour           INTEGER NOT NULL,
        user_id        TEXT NOT NULL,
        model          TEXT NOT NULL,
        provider       TEXT NOT NULL,
        vendor         TEXT NOT NULL,
        bin            INTEGER NOT NULL,
        requests       INTEGER NOT NULL,
        succeeded      INTEGER NOT NULL,
        input_tokens   INTEGER NOT NULL,
        output_tokens  INTEGER NOT NULL,
        cost_usd       REAL NOT NULL,
        duration_sum   INTEGER NOT NULL,
        duration_max   INTEGER NOT NULL,
        PRIMARY KEY (hour, user_id, model, provider, vendor, bin)
    ) WITHOUT ROWID;
    ",
    // 2: a daily rollup beside the hourly one, so that `metrics` reads one row per day (not per hour) of whole days.
    "
    CREATE TABLE request_rollup_daily (
        day            INTEGER NOT NULL,
        user_id        TEXT NOT NULL,
        model          TEXT NOT NULL,
        provider       TEXT NOT NULL,
        vendor         TEXT NOT NULL,
        bin            INTEGER NOT NULL,
        requests       INTEGER NOT NULL,
        succeeded      INTEGER NOT NULL,
        input_tokens   INTEGER NOT NULL,
        output_tokens  INTEGER NOT NULL,
        cost_usd       REAL NOT NULL,
        duration_sum   INTEGER NOT NULL,
        duration_max   INTEGER NOT NULL,
        PRIMARY KEY (day, user_id, model, provider, vendor, bin)
    ) WITHOUT ROWID;
    INSERT INTO request_rollup_daily
    SELECT hour / 24, user_id, model, provider, vendor, bin, sum(requests), sum(succeeded), sum(input_tokens),
           sum(output_tokens), total(cost_usd), sum(duration_sum), max(duration_max)
    FROM request_rollup GROUP BY 1, 2, 3, 4, 5, 6;
    ",
    // 3: the spool files (see `crate::spool`) whose records are in `requests`, so that a file left behind by a
    // process that stopped between committing its records and deleting the file is never counted twice.
    "
    CREATE TABLE spool_ingested (
        name         TEXT PRIMARY KEY,
        ingested_at  INTEGER NOT NULL
    ) WITHOUT ROWID;
    ",
    // 4: each request id once (a line the spool held twice was counted twice: the copies' rows go, keeping the
    // first; the rollups keep what they counted, as their duration bins cannot be worked out in SQL);
    // which token counts are llmgw's estimates; and time-to-first-token histograms beside the duration ones (binned
    // as `duration_bin` bins durations; requests recorded before this version have none in them).
    "
    DELETE FROM requests WHERE id NOT IN (SELECT min(id) FROM requests GROUP BY request_id);
    CREATE UNIQUE INDEX requests_request_id ON requests(request_id);
    ALTER TABLE requests ADD COLUMN tokens_estimated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_rollup ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_rollup_daily ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE ttft_rollup (
        hour      INTEGER NOT NULL,
        user_id   TEXT NOT NULL,
        model     TEXT NOT NULL,
        provider  TEXT NOT NULL,
        vendor    TEXT NOT NULL,
        bin       INTEGER NOT NULL,
        requests  INTEGER NOT NULL,
        ttft_sum  INTEGER NOT NULL,
        PRIMARY KEY (hour, user_id, model, provider, vendor, bin)
    ) WITHOUT ROWID;
    CREATE TABLE ttft_rollup_daily (
        day       INTEGER NOT NULL,
        user_id   TEXT NOT NULL,
        model     TEXT NOT NULL,
        provider  TEXT NOT NULL,
        vendor    TEXT NOT NULL,
        bin       INTEGER NOT NULL,
        requests  INTEGER NOT NULL,
        ttft_sum  INTEGER NOT NULL,
        PRIMARY KEY (day, user_id, model, provider, vendor, bin)
    ) WITHOUT ROWID;
    ",
    // 5: the response cache (see `super::cache`), with its totals kept up by triggers so that `cache stats` and
    // eviction never scan it; and which requests a cached reply answered, with the cost each saved.
    "
    CREATE TABLE response_cache (
        id            INTEGER PRIMARY KEY,
        key           BLOB NOT NULL UNIQUE,
        provider      TEXT NOT NULL,
        model         TEXT NOT NULL,
        created       INTEGER NOT NULL,
        last_used     INTEGER NOT NULL,
        hits          INTEGER NOT NULL DEFAULT 0,
        saved_usd     REAL NOT NULL DEFAULT 0,
        bytes         INTEGER NOT NULL,
        content       TEXT NOT NULL,
        stop_reason   TEXT,
        input_tokens  INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        tokens_estimated INTEGER NOT NULL,
        cost_usd      REAL
    );
    CREATE INDEX response_cache_last_used ON response_cache(last_used);
    CREATE INDEX response_cache_created ON response_cache(created);
    CREATE INDEX response_cache_model ON response_cache(provider, model);
    CREATE TABLE response_cache_totals (
        id         INTEGER PRIMARY KEY CHECK (id = 0),
        entries    INTEGER NOT NULL,
        bytes      INTEGER NOT NULL,
        hits       INTEGER NOT NULL,
        saved_usd  REAL NOT NULL
    );
    INSERT INTO response_cache_totals VALUES (0, 0, 0, 0, 0);
    CREATE TRIGGER response_cache_insert AFTER INSERT ON response_cache BEGIN
        UPDATE response_cache_totals SET entries = entries + 1, bytes = bytes + new.bytes, hits = hits + new.hits,
            saved_usd = saved_usd + new.saved_usd;
    END;
    CREATE TRIGGER response_cache_update AFTER UPDATE ON response_cache BEGIN
        UPDATE response_cache_totals SET bytes = bytes + new.bytes - old.bytes, hits = hits + new.hits - old.hits,
            saved_usd = saved_usd + new.saved_usd - old.saved_usd;
    END;
    CREATE TRIGGER response_cache_delete AFTER DELETE ON response_cache BEGIN
        UPDATE response_cache_totals SET entries = entries - 1, bytes = bytes - old.bytes, hits = hits - old.hits,
            saved_usd = saved_usd - old.saved_usd;
    END;
    ALTER TABLE requests ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE requests ADD COLUMN saved_usd REAL;
    ALTER TABLE request_rollup ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_rollup ADD COLUMN saved_usd REAL NOT NULL DEFAULT 0;
    ALTER TABLE request_rollup_daily ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE request_rollup_daily ADD COLUMN saved_usd REAL NOT NULL DEFAULT 0;
    ",
    // 6: each model's health (see `super::health`), kept up by every record; rebuilt here from the records there
    // are, so a migrated database knows its models' last errors at once.
    "
    CREATE TABLE model_health (
        provider        TEXT NOT NULL,
        model           TEXT NOT NULL,
        last_ok         INTEGER,
        last_error      INTEGER,
        last_error_code TEXT,
        failing         INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (provider, model)
    ) WITHOUT ROWID;
    INSERT INTO model_health (provider, model, last_ok, last_error, last_error_code, failing)
    SELECT provider, model,
           max(CASE WHEN error_code IS NULL THEN time END),
           max(CASE WHEN error_code IS NOT NULL AND error_code NOT IN ('interrupted', 'broken_pipe') THEN time END),
           NULL, 0
    FROM requests WHERE provider IS NOT NULL AND model IS NOT NULL AND cached = 0 GROUP BY provider, model;
    UPDATE model_health SET last_error_code =
        (SELECT error_code FROM requests r WHERE r.provider = model_health.provider AND r.model = model_health.model
         AND r.time = model_health.last_error AND r.error_code IS NOT NULL LIMIT 1)
    WHERE last_error IS NOT NULL;
    ",
    // 7: usage counters for the limits of system/limits.json (see `super::limits`).
    "
    CREATE TABLE usage_counters (
        rule         TEXT NOT NULL,
        scope_key    TEXT NOT NULL,
        resource     TEXT NOT NULL,
        window       TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        window_end   INTEGER NOT NULL,
        used         REAL NOT NULL,
        PRIMARY KEY (rule, scope_key, resource, window, window_start)
    ) WITHOUT ROWID;
    CREATE INDEX usage_counters_end ON usage_counters(window_end);
    ",
    // 8: files sent with conversation messages, each kept once by its hash (see `super::attachments`).
    "
    CREATE TABLE blobs (
        hash       TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size       INTEGER NOT NULL,
        bytes      BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE message_attachments (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        name       TEXT NOT NULL,
        hash       TEXT NOT NULL REFERENCES blobs(hash),
        PRIMARY KEY (message_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX message_attachments_hash ON message_attachments(hash);
    ",
    // 9: how many images an image request made.
    "
    ALTER TABLE requests ADD COLUMN images INTEGER NOT NULL DEFAULT 0;
    ",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

impl Store {
    pub(super) fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let version = self.user_version().map_err(|e| store_error(&path, e))?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version > SCHEMA_VERSION {
            return Err(Error::Store { path, message: super::spool::newer_schema_message(version) });
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| store_error(&path, e))?;
        // Another process may have migrated while this one waited for the lock.
        let version: i64 =
            tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| store_error(&path, e))?;
        for (from, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.execute_batch(sql).map_err(|e| Error::Store {
                path: path.clone(),
                message: format!("migrating the schema from version {from}: {e}"),
            })?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| store_error(&path, e))?;
        tx.commit().map_err(|e| store_error(&path, e))?;
        // Copy the new schema into the database file itself, whose header (read alone by `Spool::ready`) would
        // otherwise show the old version until the log's next checkpoint. Another process reading at this moment
        // only postpones that.
        let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }

    pub(super) fn user_version(&self) -> rusqlite::Result<i64> {
        self.conn.pragma_query_value(None, "user_version", |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MetricsFilter, RequestRecord};
    use crate::time::now_ms;
    use rusqlite::Connection;
    use std::path::Path;

    /// A database written by the first release (schema v1: tests/fixtures/store-v1.db, made with that build by
    /// `conv create`, `chat --conv` with Claude then Llama then echo, and failed requests) opens, migrates in place to
    /// the current version, and reads and writes as before.
    #[test]
    fn a_v1_database_is_migrated_in_place_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("llmgw.db");
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v1.db"), &path).unwrap();
        let version = |path: &Path| -> i64 {
            Connection::open(path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
        };
        assert_eq!(version(&path), 1);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.user_version().unwrap(), SCHEMA_VERSION);
        let trip = store.find_conversation("trip", "alice").unwrap();
        assert_eq!(trip.system.as_deref(), Some("Be brief."));
        let messages = store.messages(&trip.conversation_id).unwrap();
        let models: Vec<Option<&str>> = messages.iter().map(|m| m.model.as_deref()).collect();
        assert_eq!(
            models,
            [
                None,
                Some("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
                None,
                Some("us.meta.llama3-3-70b-instruct-v1:0"),
                None,
                Some("echo")
            ]
        );
        assert_eq!(store.list_conversations("alice", 10, Some("June")).unwrap().len(), 1);
        // The daily rollup was filled from the hourly one: the whole history reads the same through either.
        let all = store.metrics(&MetricsFilter::default()).unwrap();
        let by_hours = store.metrics(&MetricsFilter { since_ms: Some(0), ..Default::default() }).unwrap();
        assert_eq!(all, by_hours);
        assert_eq!((all.total.requests, all.total.succeeded, all.total.failed), (6, 4, 2));
        assert_eq!(all.total.input_tokens, 77);
        assert!(all.total.cost_usd > 0.0);
        assert_eq!(all.by_model.iter().find(|m| m.model.as_deref() == Some("echo")).unwrap().stats.requests, 2);
        // Migration 6 built each model's health from its records: the last success, the last error and its code.
        let health = store.model_health().unwrap();
        // (The fixture's two failures named no known model, so they belong to none.)
        assert_eq!(health.len(), 3, "{health:?}");
        assert!(health.iter().all(|h| h.last_ok_ms.is_some() && h.last_error_ms.is_none()), "{health:?}");
        let echo = health.iter().find(|h| h.model == "echo").unwrap();
        assert_eq!(echo.last_ok_ms, Some(1_795_731_658_429), "the later of its two successes");
        let record = RequestRecord {
            request_id: "new".into(),
            time_ms: now_ms(),
            user_id: "alice".into(),
            command: "chat".into(),
            model: Some("echo".into()),
            provider: Some("local".into()),
            duration_ms: 3,
            ..Default::default()
        };
        store.record(&record).unwrap();
        assert_eq!(store.metrics(&MetricsFilter::default()).unwrap().total.requests, 7);
        drop(store);
        // Opening again is a no-op.
        assert_eq!(version(&path), SCHEMA_VERSION);
        assert_eq!(Store::open(&path).unwrap().metrics(&MetricsFilter::default()).unwrap().total.requests, 7);
    }

    /// A request counted twice by an older build (a spool line written twice) is one row after the migration, and
    /// from then on a request id is recorded once whatever is asked.
    #[test]
    fn migration_4_keeps_each_request_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("llmgw.db");
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v1.db"), &path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let columns = "request_id, time, user_id, command, provider, vendor, model, ok, error_code, input_tokens, \
                       output_tokens, duration_ms, ttft_ms, tokens_per_second, cost_usd, conversation_id";
        conn.execute_batch(&format!(
            "INSERT INTO requests ({columns}) SELECT {columns} FROM requests WHERE id = (SELECT min(id) FROM requests)"
        ))
        .unwrap();
        let rows =
            |conn: &Connection| -> i64 { conn.query_row("SELECT count(*) FROM requests", [], |r| r.get(0)).unwrap() };
        assert_eq!(rows(&conn), 7);
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(rows(&store.conn), 6);
        let id: String = store.conn.query_row("SELECT request_id FROM requests LIMIT 1", [], |r| r.get(0)).unwrap();
        let again = RequestRecord { request_id: id, time_ms: now_ms(), user_id: "alice".into(), ..Default::default() };
        store.record(&again).unwrap();
        assert_eq!(rows(&store.conn), 6);
        assert_eq!(store.metrics(&MetricsFilter::default()).unwrap().total.requests, 6);
    }
}
