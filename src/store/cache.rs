//! The response cache: replies kept under the hash of everything that decided them, so that the same request
//! answers again without a provider.
//!
//! The gateway makes the key ([`crate::gateway`]); this module only keeps entries. A lookup is one indexed read
//! (a miss writes nothing, so it never waits for another process's write); a hit then bumps the entry's use in a
//! short write. Two processes that miss the same key at once both ask their provider and both store: the first
//! insert wins, the second finds a fresh entry and leaves it (an entry past its ttl is replaced). The totals
//! (`cache stats`, and the size that eviction checks) are kept by triggers in one row, so neither scans the table.
//! Eviction removes the least recently used entries until the cache fits in its `maxBytes`.

use super::Store;
use crate::Result;
use crate::types::Usage;
use rusqlite::{OptionalExtension, params};

/// What every entry costs besides its text: the row, its key and its index entries, roughly.
const ENTRY_OVERHEAD: u64 = 128;

/// A stored reply, as a hit returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedReply {
    pub content: String,
    pub stop_reason: Option<String>,
    /// The usage of the request that paid for the reply.
    pub usage: Usage,
    /// What the reply cost when it was paid for: what each hit saves.
    pub cost_usd: Option<f64>,
    /// When it was stored (ms since the epoch).
    pub created_ms: i64,
}

/// A reply to keep under `key`.
pub struct NewEntry<'a> {
    pub key: &'a [u8],
    pub provider: &'a str,
    pub model: &'a str,
    pub content: &'a str,
    pub stop_reason: Option<&'a str>,
    pub usage: &'a Usage,
    pub cost_usd: Option<f64>,
}

/// `cache stats`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheStats {
    pub entries: u64,
    pub bytes: u64,
    /// Hits on the entries held now.
    pub hits: u64,
    /// What those hits would have cost at the prices of the requests that paid for them.
    pub saved_usd: f64,
    /// When the oldest and newest entries were stored (ms since the epoch).
    pub oldest: Option<i64>,
    pub newest: Option<i64>,
}

/// What `cache clear` removed.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Cleared {
    pub deleted: u64,
    pub bytes: u64,
}

/// Which entries `cache clear` removes: all of them, or those stored before a moment, of one model.
#[derive(Debug, Clone, Default)]
pub struct ClearFilter {
    pub before_ms: Option<i64>,
    pub model: Option<(String, String)>,
}

impl Store {
    /// The reply stored under `key` at or after `fresh_after_ms`, counting the hit; `None` on a miss, which
    /// writes nothing.
    pub fn cache_lookup(&self, key: &[u8], fresh_after_ms: i64, now_ms: i64) -> Result<Option<CachedReply>> {
        let read = || -> rusqlite::Result<Option<(i64, CachedReply)>> {
            self.conn
                .prepare_cached(
                    "SELECT id, content, stop_reason, input_tokens, output_tokens, tokens_estimated, cost_usd, created
                     FROM response_cache WHERE key = ?1 AND created >= ?2",
                )?
                .query_row(params![key, fresh_after_ms], |r| {
                    let usage = Usage {
                        input_tokens: r.get(3)?,
                        output_tokens: r.get(4)?,
                        estimated: r.get::<_, i64>(5)? != 0,
                    };
                    let reply = CachedReply {
                        content: r.get(1)?,
                        stop_reason: r.get(2)?,
                        usage,
                        cost_usd: r.get(6)?,
                        created_ms: r.get(7)?,
                    };
                    Ok((r.get(0)?, reply))
                })
                .optional()
        };
        let Some((id, reply)) = read().map_err(|e| self.err(e))? else { return Ok(None) };
        self.conn
            .prepare_cached(
                "UPDATE response_cache SET hits = hits + 1, saved_usd = saved_usd + coalesce(cost_usd, 0),
                 last_used = max(last_used, ?2) WHERE id = ?1",
            )
            .and_then(|mut s| s.execute(params![id, now_ms]))
            .map_err(|e| self.err(e))?;
        Ok(Some(reply))
    }

    /// Keep `entry`, unless a fresh one (stored at or after `fresh_after_ms`) is there already; then evict the least
    /// recently used entries until the cache holds at most `max_bytes`. A reply larger than the whole cache is not
    /// kept. Returns whether the entry was stored.
    pub fn cache_put(&self, entry: &NewEntry<'_>, fresh_after_ms: i64, now_ms: i64, max_bytes: u64) -> Result<bool> {
        let bytes = entry.content.len() as u64 + ENTRY_OVERHEAD;
        if bytes > max_bytes {
            return Ok(false);
        }
        let write = || -> rusqlite::Result<bool> {
            let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
            let stored =
                tx.prepare_cached(
                    "INSERT INTO response_cache (key, provider, model, created, last_used, bytes, content, stop_reason,
                     input_tokens, output_tokens, tokens_estimated, cost_usd)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (key) DO UPDATE SET provider = excluded.provider, model = excluded.model,
                     created = excluded.created, last_used = excluded.last_used, hits = 0, saved_usd = 0,
                     bytes = excluded.bytes, content = excluded.content, stop_reason = excluded.stop_reason,
                     input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
                     tokens_estimated = excluded.tokens_estimated, cost_usd = excluded.cost_usd
                 WHERE response_cache.created < ?12",
                )?
                .execute(params![
                    entry.key,
                    entry.provider,
                    entry.model,
                    now_ms,
                    bytes as i64,
                    entry.content,
                    entry.stop_reason,
                    entry.usage.input_tokens as i64,
                    entry.usage.output_tokens as i64,
                    entry.usage.estimated,
                    entry.cost_usd,
                    fresh_after_ms,
                ])? > 0;
            let excess = totals(&tx)?.1 - max_bytes as i64;
            if excess > 0 {
                evict(&tx, excess)?;
            }
            tx.commit()?;
            Ok(stored)
        };
        write().map_err(|e| self.err(e))
    }

    /// `cache stats`: from the totals row and the ends of one index.
    pub fn cache_stats(&self) -> Result<CacheStats> {
        let read = || -> rusqlite::Result<CacheStats> {
            let (entries, bytes, hits, saved_usd) =
                self.conn.query_row("SELECT entries, bytes, hits, saved_usd FROM response_cache_totals", [], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get(3)?))
                })?;
            let (oldest, newest) =
                self.conn.query_row("SELECT min(created), max(created) FROM response_cache", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok(CacheStats {
                entries: entries.max(0) as u64,
                bytes: bytes.max(0) as u64,
                hits: hits.max(0) as u64,
                saved_usd,
                oldest,
                newest,
            })
        };
        read().map_err(|e| self.err(e))
    }

    /// `cache clear`: remove the entries `filter` names, in one transaction.
    pub fn cache_clear(&self, filter: &ClearFilter) -> Result<Cleared> {
        let (provider, model) = match &filter.model {
            Some((provider, model)) => (Some(provider.as_str()), Some(model.as_str())),
            None => (None, None),
        };
        let write = || -> rusqlite::Result<Cleared> {
            let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
            let (entries, bytes) = totals(&tx)?;
            tx.execute(
                "DELETE FROM response_cache WHERE (?1 IS NULL OR created < ?1)
                     AND (?2 IS NULL OR (provider = ?2 AND model = ?3))",
                params![filter.before_ms, provider, model],
            )?;
            let (entries_after, bytes_after) = totals(&tx)?;
            tx.commit()?;
            Ok(Cleared { deleted: (entries - entries_after) as u64, bytes: (bytes - bytes_after) as u64 })
        };
        write().map_err(|e| self.err(e))
    }
}

fn totals(conn: &rusqlite::Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("SELECT entries, bytes FROM response_cache_totals", [], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Remove the least recently used entries that together hold at least `excess` bytes (walking the `last_used`
/// index only as far as needed).
fn evict(conn: &rusqlite::Connection, excess: i64) -> rusqlite::Result<()> {
    let mut victims = Vec::new();
    let mut freed = 0;
    let mut rows = conn.prepare_cached("SELECT id, bytes FROM response_cache ORDER BY last_used, id")?;
    let mut rows = rows.query([])?;
    while freed < excess
        && let Some(row) = rows.next()?
    {
        victims.push(row.get::<_, i64>(0)?);
        freed += row.get::<_, i64>(1)?;
    }
    drop(rows);
    let mut delete = conn.prepare_cached("DELETE FROM response_cache WHERE id = ?1")?;
    for id in victims {
        delete.execute([id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store;

    const USAGE: Usage = Usage { input_tokens: 10, output_tokens: 20, estimated: false };

    fn entry<'a>(key: &'a [u8], content: &'a str) -> NewEntry<'a> {
        NewEntry {
            key,
            provider: "openai",
            model: "gpt-4o",
            content,
            stop_reason: Some("stop"),
            usage: &USAGE,
            cost_usd: Some(0.5),
        }
    }

    #[test]
    fn a_stored_reply_answers_while_fresh_and_counts_its_hits_and_savings() {
        let (_dir, store) = test_store();
        assert_eq!(store.cache_lookup(b"k1", 0, 1_000).unwrap(), None, "a miss");
        assert!(store.cache_put(&entry(b"k1", "hello"), 0, 1_000, 1 << 20).unwrap());
        let hit = store.cache_lookup(b"k1", 500, 2_000).unwrap().expect("a hit");
        assert_eq!((hit.content.as_str(), hit.stop_reason.as_deref(), hit.usage), ("hello", Some("stop"), USAGE));
        assert_eq!((hit.cost_usd, hit.created_ms), (Some(0.5), 1_000));
        store.cache_lookup(b"k1", 500, 3_000).unwrap().expect("a second hit");
        assert_eq!(store.cache_lookup(b"k1", 1_001, 3_000).unwrap(), None, "older than the ttl allows");
        let stats = store.cache_stats().unwrap();
        assert_eq!((stats.entries, stats.hits, stats.saved_usd), (1, 2, 1.0));
        assert_eq!(stats.bytes, 5 + ENTRY_OVERHEAD);
        assert_eq!((stats.oldest, stats.newest), (Some(1_000), Some(1_000)));
    }

    #[test]
    fn a_fresh_entry_is_kept_and_a_stale_one_replaced() {
        let (_dir, store) = test_store();
        assert!(store.cache_put(&entry(b"k", "first"), 0, 1_000, 1 << 20).unwrap());
        assert!(!store.cache_put(&entry(b"k", "second"), 500, 1_100, 1 << 20).unwrap(), "the first one wins");
        assert_eq!(store.cache_lookup(b"k", 0, 1_200).unwrap().unwrap().content, "first");
        assert!(store.cache_put(&entry(b"k", "third"), 1_500, 2_000, 1 << 20).unwrap(), "past its ttl: replaced");
        let hit = store.cache_lookup(b"k", 0, 2_100).unwrap().unwrap();
        assert_eq!((hit.content.as_str(), hit.created_ms), ("third", 2_000));
        let stats = store.cache_stats().unwrap();
        assert_eq!((stats.entries, stats.bytes, stats.hits), (1, 5 + ENTRY_OVERHEAD, 1), "{stats:?}");
    }

    #[test]
    fn the_least_recently_used_entries_go_when_the_cache_is_full() {
        let (_dir, store) = test_store();
        let text = "x".repeat(872); // 1,000 bytes with the overhead
        let max = 5_000;
        for i in 0..5u8 {
            store.cache_put(&entry(&[i], &text), 0, 1_000 + i64::from(i), max).unwrap();
        }
        store.cache_lookup(&[0], 0, 2_000).unwrap().expect("the oldest, used again");
        store.cache_put(&entry(&[9], &text), 0, 3_000, max).unwrap();
        let stats = store.cache_stats().unwrap();
        assert!(stats.bytes <= max && stats.entries == 5, "{stats:?}");
        assert!(store.cache_lookup(&[1], 0, 4_000).unwrap().is_none(), "the least recently used went");
        for kept in [0u8, 2, 3, 4, 9] {
            assert!(store.cache_lookup(&[kept], 0, 4_000).unwrap().is_some(), "{kept} was kept");
        }
        assert!(!store.cache_put(&entry(b"big", &"y".repeat(6_000)), 0, 5_000, max).unwrap(), "larger than all");
        assert_eq!(store.cache_stats().unwrap().entries, 5);
    }

    #[test]
    fn clearing_removes_what_the_filter_names_and_says_how_much() {
        let (_dir, store) = test_store();
        store.cache_put(&entry(b"a", "aaaa"), 0, 1_000, 1 << 20).unwrap();
        store.cache_put(&entry(b"b", "bb"), 0, 5_000, 1 << 20).unwrap();
        let other = NewEntry { model: "gpt-4o-mini", ..entry(b"c", "c") };
        store.cache_put(&other, 0, 1_000, 1 << 20).unwrap();

        let old = store.cache_clear(&ClearFilter { before_ms: Some(2_000), ..Default::default() }).unwrap();
        assert_eq!(old, Cleared { deleted: 2, bytes: 4 + 1 + 2 * ENTRY_OVERHEAD });
        let model = ClearFilter { model: Some(("openai".into(), "gpt-4o-mini".into())), ..Default::default() };
        assert_eq!(store.cache_clear(&model).unwrap().deleted, 0);
        assert_eq!(store.cache_clear(&ClearFilter::default()).unwrap().deleted, 1);
        assert_eq!(store.cache_stats().unwrap(), CacheStats::default());
    }
}
