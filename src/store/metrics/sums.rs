//! The sums `metrics` keeps per group: counts, tokens, cost, and histograms of durations and first-token times
//! (by [`super::duration_bin`]), and how they become [`Stats`] with exact or binned percentiles.

use super::{FirstToken, Percentiles, Stats};

/// Every request's duration, and every first-token time, when they are read one by one.
#[derive(Default)]
pub(super) struct Exact {
    pub durations: Vec<u64>,
    pub first_tokens: Vec<u64>,
}

/// Requests of one duration bin (one rollup row, or one request row).
pub(super) struct Bucket {
    pub bin: i64,
    pub requests: u64,
    pub succeeded: u64,
    pub input: u64,
    pub output: u64,
    pub cost: f64,
    pub duration_sum: u64,
    pub duration_max: u64,
    /// Of `requests`, those whose tokens are estimated.
    pub estimated: u64,
    /// Of `requests`, those a cached reply answered, and the cost they saved.
    pub cached: u64,
    pub saved: f64,
}

#[derive(Default)]
pub(super) struct Acc {
    pub requests: u64,
    pub ok: u64,
    pub input: u64,
    pub output: u64,
    pub cost: f64,
    pub max: u64,
    pub estimated: u64,
    pub cached: u64,
    pub saved: f64,
    pub duration_sum: u64,
    /// Indexed by bin: (requests, sum of their durations). Bins are small numbers (under 1,000).
    pub bins: Vec<(u64, u64)>,
    /// The same for first-token times.
    pub ttft_bins: Vec<(u64, u64)>,
}

/// The slot of `bin` in a histogram indexed by bin, grown to hold it.
pub(super) fn bin_slot(bins: &mut Vec<(u64, u64)>, bin: i64) -> &mut (u64, u64) {
    let at = bin.max(0) as usize;
    if at >= bins.len() {
        bins.resize(at + 1, (0, 0));
    }
    &mut bins[at]
}

impl Acc {
    pub(super) fn add(&mut self, b: &Bucket) {
        self.requests += b.requests;
        self.ok += b.succeeded;
        self.input += b.input;
        self.output += b.output;
        self.cost += b.cost;
        self.max = self.max.max(b.duration_max);
        self.estimated += b.estimated;
        self.cached += b.cached;
        self.saved += b.saved;
        self.duration_sum += b.duration_sum;
        let bin = bin_slot(&mut self.bins, b.bin);
        bin.0 += b.requests;
        bin.1 += b.duration_sum;
    }

    pub(super) fn merge(&mut self, other: &Acc) {
        self.requests += other.requests;
        self.ok += other.ok;
        self.input += other.input;
        self.output += other.output;
        self.cost += other.cost;
        self.max = self.max.max(other.max);
        self.estimated += other.estimated;
        self.cached += other.cached;
        self.saved += other.saved;
        self.duration_sum += other.duration_sum;
        for (mine, theirs) in [(&mut self.bins, &other.bins), (&mut self.ttft_bins, &other.ttft_bins)] {
            for (bin, &(count, sum)) in theirs.iter().enumerate() {
                let slot = bin_slot(mine, bin as i64);
                slot.0 += count;
                slot.1 += sum;
            }
        }
    }

    /// The statistics; `exact` (every request's duration and first-token time, when they were read) makes the
    /// percentiles exact.
    pub(super) fn finish(self, exact: Option<Exact>) -> Stats {
        let requests = self.requests;
        let (durations, first_tokens) = match exact {
            Some(e) if e.durations.len() as u64 == requests => (Some(e.durations), Some(e.first_tokens)),
            _ => (None, None),
        };
        let duration_ms = match durations {
            Some(mut all) => {
                all.sort_unstable();
                Percentiles {
                    p50: rank(&all, 50).unwrap_or(0),
                    p95: rank(&all, 95).unwrap_or(0),
                    max: self.max,
                    exact: true,
                }
            }
            None => Percentiles {
                p50: percentile(&self.bins, requests, 50).min(self.max),
                p95: percentile(&self.bins, requests, 95).min(self.max),
                max: self.max,
                exact: requests == 0,
            },
        };
        let ttft_ms = match first_tokens {
            Some(mut all) => {
                all.sort_unstable();
                FirstToken { p50: rank(&all, 50), p95: rank(&all, 95), exact: true }
            }
            None => {
                let n = self.ttft_bins.iter().map(|&(count, _)| count).sum::<u64>();
                let at = |p| (n > 0).then(|| percentile(&self.ttft_bins, n, p));
                FirstToken { p50: at(50), p95: at(95), exact: n == 0 }
            }
        };
        Stats {
            requests,
            succeeded: self.ok,
            failed: requests - self.ok,
            success_rate: (requests > 0).then(|| self.ok as f64 / requests as f64),
            input_tokens: self.input,
            output_tokens: self.output,
            tokens_estimated: self.estimated,
            tokens_per_second: (self.duration_sum > 0 && self.output > 0)
                .then(|| ((self.output as f64 * 1000.0 / self.duration_sum as f64) * 10.0).round() / 10.0),
            cost_usd: (self.cost * 1e6).round() / 1e6,
            cached: self.cached,
            saved_usd: (self.saved * 1e6).round() / 1e6,
            duration_ms,
            ttft_ms,
        }
    }
}

/// Nearest-rank percentile of sorted values.
fn rank(sorted: &[u64], p: u64) -> Option<u64> {
    let n = sorted.len() as u64;
    (n > 0).then(|| sorted[((p * n).div_ceil(100).max(1) - 1) as usize])
}

/// Nearest-rank percentile over the histogram: the mean duration of the bin holding rank ceil(p% of n).
fn percentile(bins: &[(u64, u64)], n: u64, p: u64) -> u64 {
    let rank = (p * n).div_ceil(100).max(1);
    let mut seen = 0;
    for &(count, sum) in bins {
        seen += count;
        if count > 0 && seen >= rank {
            return (sum as f64 / count as f64).round() as u64;
        }
    }
    0
}
