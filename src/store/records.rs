//! Request records: one row per request, success or failure, and the hourly and daily rollups that `metrics`
//! reads, kept up in the same transaction as the row.
//!
//! A rollup row sums, per hour (or day), user and model, the counts, tokens and cost, and a histogram of durations
//! in [`duration_bin`]s, so that `metrics` over millions of requests reads one row per day, user, model and bin.

use super::Store;
use crate::Result;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// One chat/stream request, success or failure, as recorded for `metrics`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RequestRecord {
    pub request_id: String,
    pub time_ms: i64,
    pub user_id: String,
    pub command: String,
    pub provider: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub error_code: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub duration_ms: u64,
    pub ttft_ms: Option<u64>,
    pub tokens_per_second: Option<f64>,
    pub cost_usd: Option<f64>,
    pub conversation_id: Option<String>,
}

impl Store {
    /// One request row and its rollup, in one transaction, through cached prepared statements.
    pub fn record(&self, r: &RequestRecord) -> Result<()> {
        self.record_many(std::slice::from_ref(r))
    }

    /// Several request records in one transaction (imports, benchmarks).
    pub fn record_many(&self, records: &[RequestRecord]) -> Result<()> {
        let write = || -> rusqlite::Result<()> {
            let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
            write_records(&tx, records)?;
            tx.commit()
        };
        write().map_err(|e| self.err(e))
    }
}

pub(super) const DAY_MS: i64 = 24 * HOUR_MS;
pub(super) const HOUR_MS: i64 = 3_600_000;

/// Durations in log-spaced bins: exact below 32 ms, then 16 bins per doubling, so a bin is at most 6.25% wide.
/// Monotonic: a longer duration never has a smaller bin.
pub fn duration_bin(ms: u64) -> i64 {
    if ms < 32 {
        return ms as i64;
    }
    let shift = i64::from(63 - ms.leading_zeros()) - 4;
    shift * 16 + (ms >> shift) as i64
}

/// Insert request records and add them to the rollups, through cached prepared statements, in the caller's
/// transaction.
pub(super) fn write_records<'a>(
    conn: &Connection,
    records: impl IntoIterator<Item = &'a RequestRecord>,
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO requests (request_id, time, user_id, command, provider, vendor, model, ok, error_code,
         input_tokens, output_tokens, duration_ms, ttft_ms, tokens_per_second, cost_usd, conversation_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    let upsert = |table: &str, unit: &str| {
        conn.prepare_cached(&format!(
            "INSERT INTO {table} ({unit}, user_id, model, provider, vendor, bin, requests, succeeded,
                 input_tokens, output_tokens, cost_usd, duration_sum, duration_max)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11, ?11)
             ON CONFLICT DO UPDATE SET requests = requests + 1, succeeded = succeeded + excluded.succeeded,
                 input_tokens = input_tokens + excluded.input_tokens,
                 output_tokens = output_tokens + excluded.output_tokens,
                 cost_usd = cost_usd + excluded.cost_usd,
                 duration_sum = duration_sum + excluded.duration_sum,
                 duration_max = max(duration_max, excluded.duration_max)"
        ))
    };
    let mut rollups = [(upsert("request_rollup", "hour")?, HOUR_MS), (upsert("request_rollup_daily", "day")?, DAY_MS)];
    for r in records {
        insert.execute(params![
            r.request_id,
            r.time_ms,
            r.user_id,
            r.command,
            r.provider,
            r.vendor,
            r.model,
            r.error_code.is_none(),
            r.error_code,
            r.input_tokens as i64,
            r.output_tokens as i64,
            r.duration_ms as i64,
            r.ttft_ms.map(|t| t as i64),
            r.tokens_per_second,
            r.cost_usd,
            r.conversation_id,
        ])?;
        for (rollup, unit_ms) in &mut rollups {
            rollup.execute(params![
                r.time_ms.div_euclid(*unit_ms),
                r.user_id,
                r.model.as_deref().unwrap_or_default(),
                r.provider.as_deref().unwrap_or_default(),
                r.vendor.as_deref().unwrap_or_default(),
                duration_bin(r.duration_ms),
                r.error_code.is_none(),
                r.input_tokens as i64,
                r.output_tokens as i64,
                r.cost_usd.unwrap_or(0.0),
                r.duration_ms as i64,
            ])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store as temp_store;
    use crate::time::now_ms;

    #[test]
    fn duration_bins_are_exact_when_short_and_at_most_a_sixteenth_wide() {
        assert_eq!((0..32).map(duration_bin).collect::<Vec<_>>(), (0..32).collect::<Vec<_>>());
        let mut last = duration_bin(31);
        let mut start = 32;
        for ms in 32..200_000u64 {
            let bin = duration_bin(ms);
            assert!(bin == last || bin == last + 1, "{ms}: {last} -> {bin}");
            if bin != last {
                assert!(ms - start <= start / 16 + 1, "bin ending at {ms} started at {start}");
                start = ms;
            }
            last = bin;
        }
    }

    /// The cost of recording one request on an open store: `cargo test --lib record_cost -- --ignored --nocapture`.
    #[test]
    #[ignore = "prints a figure, asserts nothing"]
    fn record_cost() {
        let (_dir, store) = temp_store();
        let record =
            RequestRecord { request_id: "r".into(), user_id: "u".into(), command: "chat".into(), ..Default::default() };
        let n = 2000;
        let started = std::time::Instant::now();
        for _ in 0..n {
            store.record(&RequestRecord { time_ms: now_ms(), ..record.clone() }).unwrap();
        }
        println!(
            "record: {:.3} ms per request (one autocommit INSERT, WAL)",
            started.elapsed().as_secs_f64() * 1e3 / n as f64
        );
        let started = std::time::Instant::now();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        drop(Store::open(&path).unwrap());
        let created = started.elapsed();
        let started = std::time::Instant::now();
        drop(Store::open(&path).unwrap());
        println!(
            "open: {:.3} ms to create, {:.3} ms to open an existing database",
            created.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
        // What one recording process does with the store: open, record, close (and now and then a checkpoint).
        let started = std::time::Instant::now();
        for _ in 0..n {
            let store = Store::open(&path).unwrap();
            store.record(&RequestRecord { time_ms: now_ms(), ..record.clone() }).unwrap();
        }
        println!("open, record, close: {:.3} ms per request", started.elapsed().as_secs_f64() * 1e3 / n as f64);
    }
}
