//! The two reads of the usage report that `metrics` has no use for: requests and cost per day and model (from
//! the daily rollup), and failures by error code (from the request rows of the window, through the time index).

use super::Store;
use super::records::DAY_MS;
use crate::Result;
use rusqlite::params;

/// One model's requests and cost on one UTC day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayModel {
    /// Days since the epoch.
    pub day: i64,
    pub model: String,
    pub requests: u64,
    pub cost_usd: f64,
}

impl Store {
    /// Requests and cost per day and model, for the days from the one holding `since_ms`.
    pub fn daily_by_model(&self, since_ms: i64) -> Result<Vec<DayModel>> {
        let read = || -> rusqlite::Result<Vec<DayModel>> {
            let mut stmt = self.conn.prepare(
                "SELECT day, model, sum(requests), total(cost_usd) FROM request_rollup_daily
                 WHERE day >= ?1 GROUP BY day, model ORDER BY day, model",
            )?;
            let rows = stmt.query_map([since_ms.div_euclid(DAY_MS)], |r| {
                let model: String = r.get(1)?;
                Ok(DayModel {
                    day: r.get(0)?,
                    model: if model.is_empty() { "(unknown)".into() } else { model },
                    requests: r.get::<_, i64>(2)?.max(0) as u64,
                    cost_usd: r.get(3)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| self.err(e))
    }

    /// How many requests since `since_ms` failed, by error code, most first.
    pub fn errors_by_code(&self, since_ms: i64) -> Result<Vec<(String, u64)>> {
        let read = || -> rusqlite::Result<Vec<(String, u64)>> {
            let mut stmt = self.conn.prepare(
                "SELECT error_code, count(*) FROM requests WHERE time >= ?1 AND error_code IS NOT NULL
                 GROUP BY error_code ORDER BY count(*) DESC, error_code",
            )?;
            let rows = stmt.query_map(params![since_ms], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?;
            rows.collect()
        };
        read().map_err(|e| self.err(e))
    }
}
