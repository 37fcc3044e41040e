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
    /// The token counts are llmgw's estimate (whitespace-separated words), not the provider's.
    #[serde(default)]
    pub tokens_estimated: bool,
    /// A stored reply answered (the response cache): nothing was sent, so no tokens and no cost.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// What the stored reply cost when it was live: what this request saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_usd: Option<f64>,
    /// Images an image request made.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub images: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The error code of a reply its reader stopped reading (`| head`): the request did what it was asked as far as
/// anyone can tell, so it counts as succeeded.
pub const READER_CLOSED: &str = "broken_pipe";

/// Bounds no request can pass: a record outside them (from a damaged or forged spool line) is not one llmgw wrote.
const MAX_TOKENS: u64 = 1 << 40;
const MAX_DURATION_MS: u64 = 30 * 24 * 3_600_000;
const MAX_COST_USD: f64 = 1e9;
const MAX_TEXT: usize = 1024;

impl RequestRecord {
    /// Whether the request counts as succeeded in `metrics`: no error, or only its reader closing the pipe.
    pub fn succeeded(&self) -> bool {
        self.error_code.as_deref().is_none_or(|code| code == READER_CLOSED)
    }

    /// Whether every value is one a request can produce: times from 2000 to a day from now, token counts below
    /// 2^40, durations under 30 days (time to first token within the duration), finite non-negative rates and costs,
    /// and names of sane length. The spool is checked with this before anything it holds is taken in.
    pub fn is_plausible(&self) -> bool {
        const YEAR_2000_MS: i64 = 946_684_800_000;
        let finite = |v: Option<f64>, max: f64| v.is_none_or(|v| v.is_finite() && (0.0..=max).contains(&v));
        let text = |t: &str| t.len() <= MAX_TEXT;
        let optional = |t: &Option<String>| t.as_deref().is_none_or(text);
        (YEAR_2000_MS..=crate::time::now_ms() + 86_400_000).contains(&self.time_ms)
            && self.input_tokens <= MAX_TOKENS
            && self.output_tokens <= MAX_TOKENS
            && self.duration_ms <= MAX_DURATION_MS
            && self.ttft_ms.is_none_or(|t| t <= self.duration_ms)
            && finite(self.tokens_per_second, 1e9)
            && finite(self.cost_usd, MAX_COST_USD)
            && finite(self.saved_usd, MAX_COST_USD)
            && !self.request_id.is_empty()
            && text(&self.request_id)
            && !self.user_id.is_empty()
            && text(&self.user_id)
            && text(&self.command)
            && [&self.provider, &self.vendor, &self.model, &self.error_code, &self.conversation_id]
                .into_iter()
                .all(optional)
    }
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
/// transaction. A request id already recorded is not recorded again. Returns how many were new.
pub(super) fn write_records<'a>(
    conn: &Connection,
    records: impl IntoIterator<Item = &'a RequestRecord>,
) -> rusqlite::Result<usize> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO requests (request_id, time, user_id, command, provider, vendor, model, ok, error_code,
         input_tokens, output_tokens, duration_ms, ttft_ms, tokens_per_second, cost_usd, conversation_id,
         tokens_estimated, cached, saved_usd, images)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?;
    let upsert = |table: &str, unit: &str| {
        conn.prepare_cached(&format!(
            "INSERT INTO {table} ({unit}, user_id, model, provider, vendor, bin, requests, succeeded,
                 input_tokens, output_tokens, cost_usd, duration_sum, duration_max, estimated, cached, saved_usd)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14)
             ON CONFLICT DO UPDATE SET requests = requests + 1, succeeded = succeeded + excluded.succeeded,
                 estimated = estimated + excluded.estimated,
                 cached = cached + excluded.cached,
                 saved_usd = saved_usd + excluded.saved_usd,
                 input_tokens = input_tokens + excluded.input_tokens,
                 output_tokens = output_tokens + excluded.output_tokens,
                 cost_usd = cost_usd + excluded.cost_usd,
                 duration_sum = duration_sum + excluded.duration_sum,
                 duration_max = max(duration_max, excluded.duration_max)"
        ))
    };
    let mut rollups = [(upsert("request_rollup", "hour")?, HOUR_MS), (upsert("request_rollup_daily", "day")?, DAY_MS)];
    let ttft_upsert = |table: &str, unit: &str| {
        conn.prepare_cached(&format!(
            "INSERT INTO {table} ({unit}, user_id, model, provider, vendor, bin, requests, ttft_sum)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7)
             ON CONFLICT DO UPDATE SET requests = requests + 1, ttft_sum = ttft_sum + excluded.ttft_sum"
        ))
    };
    let mut ttft_rollups =
        [(ttft_upsert("ttft_rollup", "hour")?, HOUR_MS), (ttft_upsert("ttft_rollup_daily", "day")?, DAY_MS)];
    let mut written = 0;
    for r in records {
        let inserted = insert.execute(params![
            r.request_id,
            r.time_ms,
            r.user_id,
            r.command,
            r.provider,
            r.vendor,
            r.model,
            r.succeeded(),
            r.error_code,
            r.input_tokens as i64,
            r.output_tokens as i64,
            r.duration_ms as i64,
            r.ttft_ms.map(|t| t as i64),
            r.tokens_per_second,
            r.cost_usd,
            r.conversation_id,
            r.tokens_estimated,
            r.cached,
            r.saved_usd,
            r.images,
        ])?;
        if inserted == 0 {
            continue;
        }
        written += 1;
        super::health::note(conn, r)?;
        let (model, provider, vendor) = (
            r.model.as_deref().unwrap_or_default(),
            r.provider.as_deref().unwrap_or_default(),
            r.vendor.as_deref().unwrap_or_default(),
        );
        if let Some(ttft) = r.ttft_ms {
            for (rollup, unit_ms) in &mut ttft_rollups {
                let unit = r.time_ms.div_euclid(*unit_ms);
                rollup.execute(params![unit, r.user_id, model, provider, vendor, duration_bin(ttft), ttft as i64])?;
            }
        }
        for (rollup, unit_ms) in &mut rollups {
            rollup.execute(params![
                r.time_ms.div_euclid(*unit_ms),
                r.user_id,
                model,
                provider,
                vendor,
                duration_bin(r.duration_ms),
                r.succeeded(),
                r.input_tokens as i64,
                r.output_tokens as i64,
                r.cost_usd.unwrap_or(0.0),
                r.duration_ms as i64,
                r.tokens_estimated,
                r.cached,
                r.saved_usd.unwrap_or(0.0),
            ])?;
        }
    }
    Ok(written)
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
        for i in 0..n {
            store.record(&RequestRecord { request_id: format!("a{i}"), time_ms: now_ms(), ..record.clone() }).unwrap();
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
        for i in 0..n {
            let store = Store::open(&path).unwrap();
            store.record(&RequestRecord { request_id: format!("b{i}"), time_ms: now_ms(), ..record.clone() }).unwrap();
        }
        println!("open, record, close: {:.3} ms per request", started.elapsed().as_secs_f64() * 1e3 / n as f64);
    }
}
