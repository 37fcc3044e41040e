//! `metrics`: totals and a per-model breakdown of the recorded requests, read from the rollups.
//!
//! Whole days come from the daily rollup, the hours before the first whole day of `since` from the hourly one, and
//! the part of an hour at the edge from the request rows; see [`Store::metrics`] for when p50/p95 are exact and
//! when they come from duration bins.

mod sums;

use super::Store;
use super::records::{DAY_MS, HOUR_MS, duration_bin};
use crate::Result;
use serde::Serialize;
use sums::{Acc, Bucket, Exact, bin_slot};

/// Which requests `metrics` counts, and how it groups them.
#[derive(Debug, Clone, Default)]
pub struct MetricsFilter {
    pub since_ms: Option<i64>,
    pub user_id: Option<String>,
    /// Any of these model ids (an alias may name several).
    pub models: Vec<String>,
    pub provider: Option<String>,
    pub by: GroupBy,
}

/// The groups of a breakdown (`metrics --by`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GroupBy {
    /// Model and provider: [`Metrics::by_model`].
    #[default]
    Model,
    /// The others fill [`Metrics::groups`], keyed by the user, or the UTC day or hour.
    User,
    Day,
    Hour,
}

/// One group of a breakdown other than by model: its key (a user id; a day `2026-12-04`; an hour
/// `2026-12-04T13:00:00Z`) and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupStats {
    pub key: String,
    pub stats: Stats,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub p50: u64,
    pub p95: u64,
    pub max: u64,
    /// Whether p50/p95 are exact (false: from duration bins, within 6.25%; see [`Store::metrics`]).
    pub exact: bool,
}

/// Time to first token: only requests that received a token have one (`stream`; not `chat`, which gets its reply
/// whole). `None` when none did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FirstToken {
    pub p50: Option<u64>,
    pub p95: Option<u64>,
    /// Whether p50/p95 are exact, as for [`Percentiles`].
    pub exact: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Stats {
    pub requests: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// `succeeded / requests`; `None` (JSON null) when there were no requests, so a gate on it cannot pass by
    /// mistake on no traffic.
    pub success_rate: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Requests whose token counts are llmgw's estimate (whitespace-separated words), not the provider's: a
    /// provider that reports no usage, or a stream cut before the provider's counts came.
    pub tokens_estimated: u64,
    /// Output tokens per second of request time: all output tokens over the sum of all durations.
    pub tokens_per_second: Option<f64>,
    pub cost_usd: f64,
    /// Requests answered from the response cache (no tokens, no cost), and what their live replies had cost.
    pub cached: u64,
    pub saved_usd: f64,
    pub duration_ms: Percentiles,
    pub ttft_ms: FirstToken,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelStats {
    pub model: Option<String>,
    pub provider: Option<String>,
    pub vendor: Option<String>,
    #[serde(flatten)]
    pub stats: Stats,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Metrics {
    pub total: Stats,
    pub by_model: Vec<ModelStats>,
    /// The breakdown by user, day or hour (time in order, users by requests), when one was asked for.
    #[serde(skip)]
    pub groups: Vec<GroupStats>,
}

/// What became of the records the spool held when [`Store::current_metrics`] was asked for.
#[derive(Debug)]
pub enum SpoolIntake {
    /// Taken into the database (`skipped` counts lines torn by a full disk or a crash).
    TakenIn(super::Ingested),
    /// Left in the spool, and out of the figures: the database could not take them now.
    Left(crate::Error),
}

impl Store {
    /// Totals and a per-model breakdown of the requests matching `filter`, read in one snapshot.
    ///
    /// Whole days come from the daily rollup; with `since`, the whole hours before the first whole day from the
    /// hourly rollup, and the requests before the first whole hour one by one. Counts, tokens, cost and the maximum
    /// duration are exact. p50/p95 are exact (nearest rank over every matching request's duration) when the selected
    /// users' requests in the window, whatever their model, number at most [`EXACT_PERCENTILES_UP_TO`]; above that
    /// they come from the rollups' [`duration_bin`]s: the mean duration of the bin holding the rank, within that bin's
    /// width of at most 6.25%, and `exact` is false.
    pub fn metrics(&self, filter: &MetricsFilter) -> Result<Metrics> {
        self.metrics_exact_up_to(filter, EXACT_PERCENTILES_UP_TO)
    }

    /// [`Store::metrics`] of every record there is: the records still waiting in the spool are taken in first. If
    /// that fails they stay in the spool, safe, and the figures leave them out; the caller says so.
    pub fn current_metrics(&self, filter: &MetricsFilter) -> Result<(Metrics, SpoolIntake)> {
        let intake = match self.ingest_spool() {
            Ok(ingested) => SpoolIntake::TakenIn(ingested),
            Err(err) => SpoolIntake::Left(err),
        };
        Ok((self.metrics(filter)?, intake))
    }

    fn metrics_exact_up_to(&self, filter: &MetricsFilter, exact_up_to: u64) -> Result<Metrics> {
        // The SQL selects by user and time only, through the rollups' primary keys and the requests' (user_id, time)
        // and (time) indexes; the model and provider filters are applied here. So the rollups tell how many request
        // rows reading the durations would take before any is read, and no index beyond those is needed.
        let by_user = if filter.user_id.is_some() { " AND user_id = :user" } else { "" };
        // The first whole hour and day at or after `since` (hours since the epoch, days since the epoch).
        let first =
            |unit: i64| filter.since_ms.map(|since| since.div_euclid(unit) + i64::from(since.rem_euclid(unit) != 0));
        let (first_hour, first_day) = (first(HOUR_MS), first(DAY_MS));
        let query = |sql: &str,
                     bounds: &[(&str, i64)],
                     each: &mut dyn FnMut(&rusqlite::Row) -> rusqlite::Result<()>|
         -> rusqlite::Result<()> {
            let mut params: Vec<(&str, &dyn rusqlite::ToSql)> =
                bounds.iter().map(|(name, value)| (*name, value as &dyn rusqlite::ToSql)).collect();
            if let Some(user) = &filter.user_id {
                params.push((":user", user));
            }
            let mut stmt = self.conn.prepare(sql)?;
            let mut rows = stmt.query(params.as_slice())?;
            while let Some(row) = rows.next()? {
                each(row)?;
            }
            Ok(())
        };
        let collect = || -> rusqlite::Result<Metrics> {
            // One read transaction: the rollups and the request rows are one snapshot, whatever other processes write.
            let _snapshot = self.conn.unchecked_transaction()?;
            let mut tally = Tally { filter, groups: Vec::new(), read: 0 };
            // By hour there is no daily rollup to read: the hourly one covers the whole window.
            let hourly_only = filter.by == GroupBy::Hour;
            let (daily, daily_bounds): (&str, Vec<(&str, i64)>) = match first_day {
                None => ("1 = 1", vec![]),
                Some(day) => ("day >= :day", vec![(":day", day)]),
            };
            let hours = match (hourly_only, first_hour, first_day) {
                (true, from, _) => Some((from.unwrap_or(i64::MIN), i64::MAX)),
                (false, Some(hour), Some(day)) => Some((hour, day * 24)),
                _ => None,
            };
            let (day_slot, hour_slot, row_slot) = match filter.by {
                GroupBy::Day => ("day", "hour / 24", "time / 86400000"),
                GroupBy::Hour => ("0", "hour", "time / 3600000"),
                GroupBy::Model | GroupBy::User => ("0", "0", "0"),
            };
            if !hourly_only {
                query(
                    &format!("{ROLLUP}, user_id, {day_slot} AS slot FROM request_rollup_daily WHERE {daily}{by_user}"),
                    &daily_bounds,
                    &mut |row| tally.add(row, rollup_bucket(row)?),
                )?;
            }
            if let Some((from, to)) = hours {
                query(
                    &format!(
                        "{ROLLUP}, user_id, {hour_slot} AS slot FROM request_rollup \
                         WHERE hour >= :hour AND hour < :end{by_user}"
                    ),
                    &[(":hour", from), (":end", to)],
                    &mut |row| tally.add(row, rollup_bucket(row)?),
                )?;
            }
            if let (Some(since), Some(hour)) = (filter.since_ms, first_hour) {
                query(
                    &format!(
                        "SELECT model, provider, vendor, ok, input_tokens, output_tokens, duration_ms, \
                         coalesce(cost_usd, 0), tokens_estimated, ttft_ms, cached, coalesce(saved_usd, 0), \
                         user_id, {row_slot} AS slot \
                         FROM requests \
                         WHERE time >= :since AND time < :end{by_user}"
                    ),
                    &[(":since", since), (":end", hour * HOUR_MS)],
                    &mut |row| {
                        let duration = row.get::<_, i64>(6)?.max(0) as u64;
                        let bucket = Bucket {
                            bin: duration_bin(duration),
                            requests: 1,
                            succeeded: u64::from(row.get::<_, bool>(3)?),
                            input: row.get::<_, i64>(4)? as u64,
                            output: row.get::<_, i64>(5)? as u64,
                            cost: row.get(7)?,
                            duration_sum: duration,
                            duration_max: duration,
                            estimated: u64::from(row.get::<_, bool>(8)?),
                            cached: u64::from(row.get::<_, bool>(10)?),
                            saved: row.get(11)?,
                        };
                        tally.add(row, bucket)?;
                        match row.get::<_, Option<i64>>(9)? {
                            Some(ttft) => {
                                tally.first_tokens(row, duration_bin(ttft.max(0) as u64), 1, ttft.max(0) as u64)
                            }
                            None => Ok(()),
                        }
                    },
                )?;
            }
            // The same windows of the time-to-first-token histograms.
            let ttft_row = |tally: &mut Tally, row: &rusqlite::Row| {
                tally.first_tokens(row, row.get(3)?, row.get::<_, i64>(4)? as u64, row.get::<_, i64>(5)? as u64)
            };
            if !hourly_only {
                query(
                    &format!(
                        "{TTFT_ROLLUP}, user_id, {day_slot} AS slot FROM ttft_rollup_daily WHERE {daily}{by_user}"
                    ),
                    &daily_bounds,
                    &mut |row| ttft_row(&mut tally, row),
                )?;
            }
            if let Some((from, to)) = hours {
                query(
                    &format!(
                        "{TTFT_ROLLUP}, user_id, {hour_slot} AS slot FROM ttft_rollup \
                         WHERE hour >= :hour AND hour < :end{by_user}"
                    ),
                    &[(":hour", from), (":end", to)],
                    &mut |row| ttft_row(&mut tally, row),
                )?;
            }
            // Few enough request rows in the window: read their durations for exact percentiles.
            let exact = tally.read <= exact_up_to;
            if exact {
                let since = filter.since_ms.unwrap_or(i64::MIN);
                query(
                    &format!(
                        "SELECT model, provider, vendor, duration_ms, ttft_ms, user_id, {row_slot} AS slot \
                         FROM requests WHERE time >= :since{by_user}"
                    ),
                    &[(":since", since)],
                    &mut |row| {
                        let ttft = row.get::<_, Option<i64>>(4)?.map(|t| t.max(0) as u64);
                        tally.duration(row, row.get::<_, i64>(3)?.max(0) as u64, ttft)
                    },
                )?;
            }
            let mut total = Acc::default();
            let mut all = Exact::default();
            let mut by_model = Vec::new();
            let mut groups = Vec::new();
            for Group { key, acc, exact: read } in tally.groups {
                total.merge(&acc);
                all.durations.extend_from_slice(&read.durations);
                all.first_tokens.extend_from_slice(&read.first_tokens);
                let stats = acc.finish(exact.then_some(read));
                match key {
                    Key::Model((model, provider, vendor)) => {
                        by_model.push(ModelStats { model, provider, vendor, stats })
                    }
                    Key::User(user) => groups.push((0, GroupStats { key: user, stats })),
                    Key::Slot(slot) => groups.push((slot, GroupStats { key: slot_name(filter.by, slot), stats })),
                }
            }
            by_model.sort_by(|a, b| b.stats.requests.cmp(&a.stats.requests).then_with(|| a.model.cmp(&b.model)));
            match filter.by {
                GroupBy::User => groups
                    .sort_by(|(_, a), (_, b)| b.stats.requests.cmp(&a.stats.requests).then_with(|| a.key.cmp(&b.key))),
                _ => groups.sort_by_key(|(slot, _)| *slot),
            }
            let groups = groups.into_iter().map(|(_, g)| g).collect();
            Ok(Metrics { total: total.finish(exact.then_some(all)), by_model, groups })
        };
        collect().map_err(|e| self.err(e))
    }
}

/// The columns of a rollup row.
const ROLLUP: &str = "SELECT model, provider, vendor, bin, requests, succeeded, input_tokens, output_tokens, cost_usd, \
                      duration_sum, duration_max, estimated, cached, saved_usd";
/// The columns of a first-token rollup row.
const TTFT_ROLLUP: &str = "SELECT model, provider, vendor, bin, requests, ttft_sum";

/// One row of [`ROLLUP`].
fn rollup_bucket(row: &rusqlite::Row) -> rusqlite::Result<Bucket> {
    Ok(Bucket {
        bin: row.get(3)?,
        requests: row.get::<_, i64>(4)? as u64,
        succeeded: row.get::<_, i64>(5)? as u64,
        input: row.get::<_, i64>(6)? as u64,
        output: row.get::<_, i64>(7)? as u64,
        cost: row.get(8)?,
        duration_sum: row.get::<_, i64>(9)? as u64,
        duration_max: row.get::<_, i64>(10)? as u64,
        estimated: row.get::<_, i64>(11)? as u64,
        cached: row.get::<_, i64>(12)? as u64,
        saved: row.get(13)?,
    })
}

/// What `metrics` adds up: one group per model and provider, of the rows its filter wants.
struct Tally<'f> {
    filter: &'f MetricsFilter,
    groups: Vec<Group>,
    /// Requests of the selected users and time window, whatever their model and provider: how many request rows
    /// reading every duration would take.
    read: u64,
}

impl Tally<'_> {
    /// The group of a row whose first columns are model, provider, vendor (empty text or NULL: unknown); `None`
    /// when the filter does not want it.
    fn group(&mut self, row: &rusqlite::Row) -> rusqlite::Result<Option<usize>> {
        let known = |at: usize| -> rusqlite::Result<Option<&str>> {
            Ok(row.get_ref(at)?.as_str_or_null()?.filter(|text| !text.is_empty()))
        };
        let (model, provider) = (known(0)?, known(1)?);
        let wanted = self.filter.provider.as_deref().is_none_or(|p| provider == Some(p))
            && (self.filter.models.is_empty() || model.is_some_and(|m| self.filter.models.iter().any(|w| w == m)));
        if !wanted {
            return Ok(None);
        }
        // Rows come in key order, so the group of the previous row is usually the one.
        let found = match self.filter.by {
            GroupBy::Model => self.groups.iter().rposition(
                |g| matches!(&g.key, Key::Model(k) if k.0.as_deref() == model && k.1.as_deref() == provider),
            ),
            GroupBy::User => {
                let user = row.get_ref("user_id")?.as_str()?;
                self.groups.iter().rposition(|g| matches!(&g.key, Key::User(u) if u == user))
            }
            GroupBy::Day | GroupBy::Hour => {
                let slot: i64 = row.get("slot")?;
                self.groups.iter().rposition(|g| g.key == Key::Slot(slot))
            }
        };
        if let Some(at) = found {
            return Ok(Some(at));
        }
        let key = match self.filter.by {
            GroupBy::Model => {
                Key::Model((model.map(str::to_owned), provider.map(str::to_owned), known(2)?.map(str::to_owned)))
            }
            GroupBy::User => Key::User(row.get("user_id")?),
            GroupBy::Day | GroupBy::Hour => Key::Slot(row.get("slot")?),
        };
        self.groups.push(Group { key, acc: Acc::default(), exact: Exact::default() });
        Ok(Some(self.groups.len() - 1))
    }

    fn add(&mut self, row: &rusqlite::Row, bucket: Bucket) -> rusqlite::Result<()> {
        self.read += bucket.requests;
        if let Some(at) = self.group(row)? {
            self.groups[at].acc.add(&bucket);
        }
        Ok(())
    }

    /// `count` first-token times in `bin`, summing to `sum` ms.
    fn first_tokens(&mut self, row: &rusqlite::Row, bin: i64, count: u64, sum: u64) -> rusqlite::Result<()> {
        if let Some(at) = self.group(row)? {
            let slot = bin_slot(&mut self.groups[at].acc.ttft_bins, bin);
            slot.0 += count;
            slot.1 += sum;
        }
        Ok(())
    }

    fn duration(&mut self, row: &rusqlite::Row, ms: u64, ttft: Option<u64>) -> rusqlite::Result<()> {
        if let Some(at) = self.group(row)? {
            let exact = &mut self.groups[at].exact;
            exact.durations.push(ms);
            exact.first_tokens.extend(ttft);
        }
        Ok(())
    }
}

/// One group's sums, and (for exact percentiles) every duration and first-token time.
struct Group {
    key: Key,
    acc: Acc,
    exact: Exact,
}

/// `metrics` reads every request's duration for exact p50/p95 when the selected users' requests in the time window
/// (whatever their model) number at most this many (tens of milliseconds of reading); above it, the rollups' duration
/// bins give them within 6.25%.
pub const EXACT_PERCENTILES_UP_TO: u64 = 50_000;

/// model, provider, vendor.
type ModelKey = (Option<String>, Option<String>, Option<String>);

/// What a group is: a model of a provider, a user, or a day or hour since the epoch.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Model(ModelKey),
    User(String),
    Slot(i64),
}

/// The name of a day (`2026-12-04`) or an hour (`2026-12-04T13:00:00Z`) since the epoch.
fn slot_name(by: GroupBy, slot: i64) -> String {
    let start = crate::time::rfc3339(slot.saturating_mul(if by == GroupBy::Day { DAY_MS } else { HOUR_MS }));
    match by {
        GroupBy::Day => start[..10].to_string(),
        _ => format!("{}Z", &start[..19]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RequestRecord;
    use crate::store::test_store as temp_store;
    use crate::time::now_ms;

    #[test]
    fn metrics_group_by_model_with_percentiles() {
        let (_dir, store) = temp_store();
        for (i, ok) in [true, true, true, false].into_iter().enumerate() {
            store
                .record(&RequestRecord {
                    request_id: format!("r{i}"),
                    time_ms: now_ms(),
                    user_id: "u".into(),
                    command: "chat".into(),
                    model: Some(if i == 3 { "b" } else { "a" }.into()),
                    provider: Some("p".into()),
                    error_code: (!ok).then(|| "provider".into()),
                    input_tokens: 10,
                    output_tokens: 5,
                    duration_ms: (i as u64 + 1) * 100,
                    cost_usd: Some(0.5),
                    ..Default::default()
                })
                .unwrap();
        }
        let m = store.metrics(&MetricsFilter::default()).unwrap();
        assert_eq!((m.total.requests, m.total.succeeded, m.total.failed), (4, 3, 1));
        assert_eq!(m.total.success_rate, Some(0.75));
        assert_eq!(m.total.duration_ms, Percentiles { p50: 200, p95: 400, max: 400, exact: true });
        assert_eq!(m.total.cost_usd, 2.0);
        assert_eq!(m.by_model[0].model.as_deref(), Some("a"));
        assert_eq!(m.by_model[0].stats.requests, 3);
        let only_b = store.metrics(&MetricsFilter { models: vec!["b".into()], ..Default::default() }).unwrap();
        assert_eq!(only_b.total.requests, 1);
    }

    #[test]
    fn metrics_with_since_add_the_edge_hours_rows_to_the_whole_hours() {
        let (_dir, store) = temp_store();
        let hour = 1_000 * HOUR_MS;
        let at = |time_ms: i64, duration_ms: u64| RequestRecord {
            request_id: format!("r{time_ms}"),
            time_ms,
            user_id: "u".into(),
            command: "chat".into(),
            model: Some("m".into()),
            provider: Some("p".into()),
            duration_ms,
            ..Default::default()
        };
        // Before `since`, in the edge hour after it, and in a whole hour later.
        store.record_many(&[at(hour + 10, 1), at(hour + 500, 2), at(hour + HOUR_MS + 7, 3)]).unwrap();
        let count = |since_ms| store.metrics(&MetricsFilter { since_ms, ..Default::default() }).unwrap().total;
        assert_eq!(count(None).requests, 3);
        assert_eq!(count(Some(hour + 100)).requests, 2);
        assert_eq!(count(Some(hour + 100)).duration_ms, Percentiles { p50: 2, p95: 3, max: 3, exact: true });
        assert_eq!(count(Some(hour)).requests, 3);
        assert_eq!(count(Some(hour + HOUR_MS)).requests, 1);
        assert_eq!(count(Some(hour + HOUR_MS + 8)).requests, 0);
    }

    /// Records spread over three days, read back with `since` at every kind of edge (mid-hour, whole hour, whole
    /// day), from the rollups and from the rows, against the same figures computed here from the records.
    #[test]
    fn metrics_agree_with_the_records_whatever_the_since_edge() {
        let (_dir, store) = temp_store();
        let day0 = 20_000 * DAY_MS;
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let records: Vec<RequestRecord> = (0..3000)
            .map(|i| RequestRecord {
                request_id: format!("r{i}"),
                time_ms: day0 + next(3 * DAY_MS as u64) as i64,
                user_id: ["ann", "bob"][next(2) as usize].into(),
                command: "chat".into(),
                model: Some(["a", "b", "c"][next(3) as usize].into()),
                provider: Some("p".into()),
                error_code: (next(10) == 0).then(|| "provider".into()),
                input_tokens: next(500),
                output_tokens: next(900),
                duration_ms: 20 + next(5000),
                cost_usd: Some(next(1000) as f64 / 1e5),
                ..Default::default()
            })
            .collect();
        store.record_many(&records).unwrap();
        let sinces = [None, Some(day0), Some(day0 + 5), Some(day0 + HOUR_MS), Some(day0 + DAY_MS + 3 * HOUR_MS + 17)];
        let sinces = sinces.into_iter().chain((0..6).map(|_| Some(day0 + next(3 * DAY_MS as u64) as i64)));
        for since_ms in sinces {
            for (user_id, models) in [(None, vec![]), (Some("ann".to_string()), vec!["b".to_string()])] {
                let filter = MetricsFilter {
                    since_ms,
                    user_id: user_id.clone(),
                    models: models.clone(),
                    provider: None,
                    ..Default::default()
                };
                let chosen: Vec<&RequestRecord> = records
                    .iter()
                    .filter(|r| since_ms.is_none_or(|s| r.time_ms >= s))
                    .filter(|r| user_id.as_ref().is_none_or(|u| &r.user_id == u))
                    .filter(|r| models.is_empty() || models.contains(r.model.as_ref().unwrap()))
                    .collect();
                let mut durations: Vec<u64> = chosen.iter().map(|r| r.duration_ms).collect();
                durations.sort_unstable();
                let rank = |p: usize| durations[(p * durations.len()).div_ceil(100).max(1) - 1];
                let exact = store.metrics(&filter).unwrap().total;
                let what = format!("since {since_ms:?}, user {user_id:?}");
                assert_eq!(exact.requests, chosen.len() as u64, "{what}");
                assert_eq!(exact.succeeded, chosen.iter().filter(|r| r.error_code.is_none()).count() as u64, "{what}");
                assert_eq!(exact.input_tokens, chosen.iter().map(|r| r.input_tokens).sum::<u64>(), "{what}");
                assert_eq!(exact.output_tokens, chosen.iter().map(|r| r.output_tokens).sum::<u64>(), "{what}");
                let cost: f64 = chosen.iter().map(|r| r.cost_usd.unwrap()).sum();
                assert!((exact.cost_usd - cost).abs() < 1e-6, "{what}: {} vs {cost}", exact.cost_usd);
                let want = Percentiles { p50: rank(50), p95: rank(95), max: *durations.last().unwrap(), exact: true };
                assert_eq!(exact.duration_ms, want, "{what}");
                // The same selection from the duration bins alone: within a bin's width (1/16) of the exact figure.
                let binned = store.metrics_exact_up_to(&filter, 10).unwrap().total;
                assert_eq!(
                    (binned.requests, binned.duration_ms.max, binned.duration_ms.exact),
                    (exact.requests, want.max, false)
                );
                for (got, want) in [(binned.duration_ms.p50, want.p50), (binned.duration_ms.p95, want.p95)] {
                    assert!(got.abs_diff(want) <= want / 16 + 1, "{what}: binned {got} vs exact {want}");
                }
            }
        }
    }

    #[test]
    fn breakdowns_by_user_day_and_hour_add_up_to_the_total_exact_or_binned() {
        let (_dir, store) = temp_store();
        // Three UTC days, several hours, two users; the window's edge falls inside an hour.
        let day0 = (now_ms() / DAY_MS - 2) * DAY_MS;
        let times = [day0 + 3_600_000, day0 + 3_700_000, day0 + DAY_MS + 5, day0 + 2 * DAY_MS + 7_200_000 + 9];
        for (i, time_ms) in times.into_iter().enumerate() {
            let record = RequestRecord {
                request_id: format!("r{i}"),
                time_ms,
                user_id: if i % 2 == 0 { "ann" } else { "bob" }.into(),
                command: "chat".into(),
                model: Some("m".into()),
                provider: Some("p".into()),
                duration_ms: 100 * (i as u64 + 1),
                cost_usd: Some(0.5),
                ..Default::default()
            };
            store.record(&record).unwrap();
        }
        for exact_up_to in [0, EXACT_PERCENTILES_UP_TO] {
            for since_ms in [None, Some(day0 + 3_650_000)] {
                let of = |by: GroupBy| {
                    let filter = MetricsFilter { since_ms, by, ..Default::default() };
                    store.metrics_exact_up_to(&filter, exact_up_to).unwrap()
                };
                let counted = |m: &Metrics| -> Vec<(String, u64)> {
                    m.groups.iter().map(|g| (g.key.clone(), g.stats.requests)).collect()
                };
                let day = |n: i64| crate::time::rfc3339(day0 + n * DAY_MS)[..10].to_string();
                let skip = u64::from(since_ms.is_some());
                let by_day = of(GroupBy::Day);
                assert_eq!(counted(&by_day), [(day(0), 2 - skip), (day(1), 1), (day(2), 1)], "{since_ms:?}");
                let by_hour = of(GroupBy::Hour);
                let hours: Vec<u64> = by_hour.groups.iter().map(|g| g.stats.requests).collect();
                assert_eq!(hours, [2 - skip, 1, 1], "{since_ms:?}");
                assert!(by_hour.groups[2].key.ends_with("T02:00:00Z"), "{:?}", by_hour.groups[2].key);
                let by_user = of(GroupBy::User);
                let users = counted(&by_user);
                assert_eq!(users.iter().map(|(_, n)| n).sum::<u64>(), 4 - skip);
                for m in [&by_day, &by_hour, &by_user] {
                    assert_eq!(m.total, of(GroupBy::Model).total, "the same total whatever the breakdown");
                    assert!(m.by_model.is_empty());
                    let cost: f64 = m.groups.iter().map(|g| g.stats.cost_usd).sum();
                    assert!((cost - m.total.cost_usd).abs() < 1e-9);
                }
            }
        }
    }
}
