//! Usage counters for the limits of `system/limits.json`: one row per rule, scope, resource and window, shared by
//! every process that uses the database.
//!
//! A request reserves what it may use on every counter that applies, in one `BEGIN IMMEDIATE` transaction that
//! first checks each counter against its limit: all or nothing, so processes racing at a limit never pass it
//! together. When the request ends it settles each reservation to what was really used (or releases it when
//! nothing was sent). Counters of windows that have ended are removed as new ones are written.

use super::Store;
use crate::Result;
use rusqlite::params;

/// One counter: which rule, which value of its `"*"` scope keys (`user=ann`), which resource and window.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterKey {
    pub rule: String,
    pub scope_key: String,
    pub resource: &'static str,
    pub window: &'static str,
    pub window_start: i64,
}

/// A reservation to make: `amount` on `key`, refused when it would take the counter past `limit`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub key: CounterKey,
    pub window_end: i64,
    pub limit: f64,
    pub amount: f64,
}

/// What a reservation came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Reserved {
    /// Every amount was added; each counter's use after it, in the order asked.
    Held(Vec<f64>),
    /// Nothing was added: the ask at this index would pass its limit, which already has `used`.
    Over { index: usize, used: f64 },
}

/// A counter as `llmgw limits` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counter {
    pub key: CounterKey,
    pub used: f64,
}

/// A little slack for sums of prices in floating point: 50.0 of 50 is at the limit, not past it.
const EPSILON: f64 = 1e-9;

impl Store {
    /// Add every ask's amount to its counter, or none when any would pass its limit.
    pub fn reserve(&self, asks: &[Ask], now_ms: i64) -> Result<Reserved> {
        let write = || -> rusqlite::Result<Reserved> {
            let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
            tx.prepare_cached("DELETE FROM usage_counters WHERE window_end <= ?1")?.execute([now_ms])?;
            let mut used = Vec::with_capacity(asks.len());
            for (index, ask) in asks.iter().enumerate() {
                let k = &ask.key;
                let now: f64 = tx
                    .prepare_cached(
                        "SELECT used FROM usage_counters
                         WHERE rule = ?1 AND scope_key = ?2 AND resource = ?3 AND window = ?4 AND window_start = ?5",
                    )?
                    .query_row(params![k.rule, k.scope_key, k.resource, k.window, k.window_start], |r| r.get(0))
                    .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(0.0) } else { Err(e) })?;
                // An ask of nothing (a price of 0) never refuses; one more request at the limit does.
                let over =
                    if ask.amount > 0.0 { now + ask.amount > ask.limit + EPSILON } else { now > ask.limit + EPSILON };
                if over {
                    return Ok(Reserved::Over { index, used: now });
                }
                used.push(now + ask.amount);
            }
            for ask in asks {
                add(&tx, &ask.key, ask.window_end, ask.amount)?;
            }
            tx.commit()?;
            Ok(Reserved::Held(used))
        };
        write().map_err(|e| self.err(e))
    }

    /// Add `delta` (negative to give back) to each counter, in one transaction; a counter never goes below 0.
    pub fn adjust(&self, deltas: &[(CounterKey, i64, f64)]) -> Result<()> {
        let write = || -> rusqlite::Result<()> {
            let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
            for (key, window_end, delta) in deltas {
                add(&tx, key, *window_end, *delta)?;
            }
            tx.commit()
        };
        write().map_err(|e| self.err(e))
    }

    /// The counters of `rule` in windows that have not ended.
    pub fn counters(&self, rule: &str, now_ms: i64) -> Result<Vec<Counter>> {
        let read = || -> rusqlite::Result<Vec<Counter>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT scope_key, resource, window, window_start, used FROM usage_counters
                 WHERE rule = ?1 AND window_end > ?2 ORDER BY scope_key, resource, window",
            )?;
            let rows = stmt.query_map(params![rule, now_ms], |r| {
                let resource: String = r.get(1)?;
                let window: String = r.get(2)?;
                Ok(Counter {
                    key: CounterKey {
                        rule: rule.to_string(),
                        scope_key: r.get(0)?,
                        resource: static_name(&resource),
                        window: static_name(&window),
                        window_start: r.get(3)?,
                    },
                    used: r.get(4)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(|e| self.err(e))
    }
}

fn add(conn: &rusqlite::Connection, k: &CounterKey, window_end: i64, delta: f64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO usage_counters (rule, scope_key, resource, window, window_start, window_end, used)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, max(?7, 0))
         ON CONFLICT DO UPDATE SET used = max(used + ?7, 0)",
    )?
    .execute(params![k.rule, k.scope_key, k.resource, k.window, k.window_start, window_end, delta])?;
    Ok(())
}

/// The names the counters use, as the `'static` words of [`crate::config::limits`].
fn static_name(word: &str) -> &'static str {
    ["requests", "tokens", "cost_usd", "minute", "hour", "day", "month"].into_iter().find(|w| *w == word).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store;

    fn ask(resource: &'static str, limit: f64, amount: f64) -> Ask {
        Ask {
            key: CounterKey { rule: "ci".into(), scope_key: String::new(), resource, window: "day", window_start: 0 },
            window_end: 10_000,
            limit,
            amount,
        }
    }

    #[test]
    fn a_reservation_is_all_or_nothing_and_settles_to_what_was_used() {
        let (_dir, store) = test_store();
        let asks = [ask("requests", 2.0, 1.0), ask("tokens", 100.0, 60.0)];
        assert_eq!(store.reserve(&asks, 1).unwrap(), Reserved::Held(vec![1.0, 60.0]));
        // The second would pass the token limit: nothing of it is added, the request counter included.
        assert_eq!(store.reserve(&asks, 1).unwrap(), Reserved::Over { index: 1, used: 60.0 });
        let used = |store: &Store| -> Vec<f64> { store.counters("ci", 1).unwrap().iter().map(|c| c.used).collect() };
        assert_eq!(used(&store), [1.0, 60.0]);
        // The first used 25 tokens, not 60: 35 go back; now a second fits.
        store.adjust(&[(asks[1].key.clone(), 10_000, -35.0)]).unwrap();
        assert_eq!(store.reserve(&asks, 1).unwrap(), Reserved::Held(vec![2.0, 85.0]));
        assert_eq!(store.reserve(&asks[..1], 1).unwrap(), Reserved::Over { index: 0, used: 2.0 }, "2 of 2 requests");
        // Released to below nothing: 0.
        store.adjust(&[(asks[1].key.clone(), 10_000, -1000.0)]).unwrap();
        assert_eq!(used(&store), [2.0, 0.0]);
        // The window ended: its counters go, and a new window starts from nothing.
        assert!(store.counters("ci", 10_000).unwrap().is_empty());
        assert_eq!(store.reserve(&asks[..1], 10_001).unwrap(), Reserved::Held(vec![1.0]));
    }
}
