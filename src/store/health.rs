//! Model health: per model, when it last answered, its last error and when, and how many provider or rate-limit
//! failures it has had in a row since it last answered. One row per model, kept up by every request record in the
//! transaction that writes it, so that "is this model failing now?" is one indexed read, whatever the number of
//! records; the request and latency figures beside it come from the rollups ([`super::metrics`]).
//!
//! A cached reply says nothing about the provider and leaves the row alone; a request its caller stopped (Ctrl-C,
//! a closed pipe) is neither a success nor an error of the model's.

use super::{RequestRecord, Store};
use crate::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// Provider or rate-limit failures in a row, the last of them within [`RECENT_MS`], that make a model DEGRADED.
pub const DEGRADED_AFTER: u64 = 3;
/// How recent the last failure must be for a run of failures to count.
pub const RECENT_MS: i64 = 3_600_000;

/// What the store knows of one model's recent health.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelHealth {
    pub provider: String,
    pub model: String,
    pub last_ok_ms: Option<i64>,
    pub last_error_ms: Option<i64>,
    pub last_error_code: Option<String>,
    /// Provider or rate-limit failures since the last success.
    pub failing: u64,
}

impl ModelHealth {
    /// Failing again and again, recently, in ways that are the provider's: suggestions and fallbacks try it last.
    pub fn degraded(&self, now_ms: i64) -> bool {
        self.failing >= DEGRADED_AFTER && self.last_error_ms.is_some_and(|at| at >= now_ms - RECENT_MS)
    }
}

/// Error codes that say the provider or the model is unwell (not the caller, the credentials or a limit).
const UNHEALTHY: [&str; 2] = ["provider", "rate_limited"];
/// Error codes that say nothing about the model: the caller stopped the request.
const NEUTRAL: [&str; 2] = ["interrupted", super::records::READER_CLOSED];

/// Add one new record to its model's health row, in the caller's transaction.
pub(super) fn note(conn: &Connection, r: &RequestRecord) -> rusqlite::Result<()> {
    let (Some(provider), Some(model)) = (r.provider.as_deref(), r.model.as_deref()) else { return Ok(()) };
    let code = r.error_code.as_deref();
    if r.cached || code.is_some_and(|c| NEUTRAL.contains(&c)) {
        return Ok(());
    }
    let ok = code.is_none();
    let unhealthy = code.is_some_and(|c| UNHEALTHY.contains(&c));
    conn.prepare_cached(
        "INSERT INTO model_health (provider, model, last_ok, last_error, last_error_code, failing)
         VALUES (?1, ?2, CASE WHEN ?3 THEN ?4 END, CASE WHEN ?3 THEN NULL ELSE ?4 END, ?5, ?6)
         ON CONFLICT DO UPDATE SET
             last_ok = CASE WHEN ?3 THEN max(coalesce(last_ok, ?4), ?4) ELSE last_ok END,
             last_error = CASE WHEN NOT ?3 AND ?4 >= coalesce(last_error, ?4) THEN ?4 ELSE last_error END,
             last_error_code = CASE WHEN NOT ?3 AND ?4 >= coalesce(last_error, ?4) THEN ?5 ELSE last_error_code END,
             failing = CASE WHEN ?3 THEN 0 WHEN ?6 THEN failing + 1 ELSE failing END",
    )?
    .execute(params![provider, model, ok, r.time_ms, code, unhealthy])?;
    Ok(())
}

impl Store {
    /// The health rows of every model that has one.
    pub fn model_health(&self) -> Result<Vec<ModelHealth>> {
        let read = || -> rusqlite::Result<Vec<ModelHealth>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT provider, model, last_ok, last_error, last_error_code, failing FROM model_health",
            )?;
            let rows = stmt.query_map([], row)?;
            rows.collect()
        };
        read().map_err(|e| self.err(e))
    }

    /// The health row of one model; `None` when nothing was ever recorded for it.
    pub fn health_of(&self, provider: &str, model: &str) -> Result<Option<ModelHealth>> {
        self.conn
            .prepare_cached(
                "SELECT provider, model, last_ok, last_error, last_error_code, failing FROM model_health
                 WHERE provider = ?1 AND model = ?2",
            )
            .and_then(|mut s| s.query_row(params![provider, model], row).optional())
            .map_err(|e| self.err(e))
    }
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<ModelHealth> {
    Ok(ModelHealth {
        provider: r.get(0)?,
        model: r.get(1)?,
        last_ok_ms: r.get(2)?,
        last_error_ms: r.get(3)?,
        last_error_code: r.get(4)?,
        failing: r.get::<_, i64>(5)?.max(0) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store;

    fn record(i: u32, time_ms: i64, code: Option<&str>) -> RequestRecord {
        RequestRecord {
            request_id: format!("r{i}"),
            time_ms,
            user_id: "u".into(),
            command: "chat".into(),
            provider: Some("openai".into()),
            model: Some("gpt-4o".into()),
            error_code: code.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn a_run_of_provider_failures_degrades_a_model_and_a_success_ends_it() {
        let (_dir, store) = test_store();
        let now = crate::time::now_ms();
        assert_eq!(store.health_of("openai", "gpt-4o").unwrap(), None);
        store.record(&record(0, now - 9_000, None)).unwrap();
        for (i, code) in [(1, "provider"), (2, "rate_limited"), (3, "usage"), (4, "interrupted")] {
            store.record(&record(i, now - 8_000 + i64::from(i), Some(code))).unwrap();
        }
        let health = store.health_of("openai", "gpt-4o").unwrap().unwrap();
        assert_eq!((health.failing, health.last_error_code.as_deref()), (2, Some("usage")), "{health:?}");
        assert_eq!(health.last_ok_ms, Some(now - 9_000));
        assert!(!health.degraded(now), "two in a row are not yet a pattern");
        store.record(&record(5, now - 1_000, Some("provider"))).unwrap();
        let health = store.health_of("openai", "gpt-4o").unwrap().unwrap();
        assert!(health.degraded(now) && health.failing == 3, "{health:?}");
        assert!(!health.degraded(now + RECENT_MS + 2_000), "an old run of failures no longer counts");
        let cached = RequestRecord { cached: true, ..record(6, now, None) };
        store.record(&cached).unwrap();
        assert!(store.health_of("openai", "gpt-4o").unwrap().unwrap().degraded(now), "a cache hit says nothing");
        store.record(&record(7, now, None)).unwrap();
        let health = store.health_of("openai", "gpt-4o").unwrap().unwrap();
        assert!(!health.degraded(now) && health.failing == 0 && health.last_ok_ms == Some(now), "{health:?}");
        assert_eq!(health.last_error_ms, Some(now - 1_000), "the last error is kept");
        assert_eq!(store.model_health().unwrap(), vec![health]);
    }

    #[test]
    fn an_older_record_taken_in_late_does_not_replace_the_last_error() {
        let (_dir, store) = test_store();
        let now = crate::time::now_ms();
        store.record(&record(0, now, Some("provider"))).unwrap();
        store.record(&record(1, now - 5_000, Some("auth"))).unwrap();
        let health = store.health_of("openai", "gpt-4o").unwrap().unwrap();
        assert_eq!((health.last_error_ms, health.last_error_code.as_deref()), (Some(now), Some("provider")));
    }
}
