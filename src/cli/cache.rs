//! `cache stats` and `cache clear`: what the response cache holds, and emptying it (all of it, the entries older
//! than a span, or one model's). The cache itself is the store's and the gateway's; this only shows and clears.

use super::GlobalArgs;
use super::output::Output;
use crate::config::Registry;
use crate::store::ClearFilter;
use crate::time::{ago_ms, parse_duration, rfc3339};
use crate::{Error, Result};
use clap::Subcommand;
use indicatif::HumanBytes;
use serde::Serialize;

pub const EXAMPLES: &str = "\
Examples:
  # off unless --cache, or enabled in config/system/cache.json
  llmgw chat --cache -m claude \"Summarise RFC 9110 in one line\"
  llmgw cache stats
  llmgw cache clear --older-than 7d";

const STATS_EXAMPLES: &str = "\
Examples:
  llmgw cache stats
  llmgw cache stats --json | jq .saved_usd";

const CLEAR_EXAMPLES: &str = "\
Examples:
  # everything
  llmgw cache clear
  llmgw cache clear --older-than 7d
  llmgw cache clear --model claude --json";

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Entries, size, hits and the cost the hits saved
    #[command(after_help = STATS_EXAMPLES)]
    Stats,
    /// Remove entries: all of them, or those older than a span, or one model's
    #[command(after_help = CLEAR_EXAMPLES)]
    Clear {
        /// Only entries stored more than this long ago (30m, 12h, 7d)
        #[arg(long, value_name = "DUR")]
        older_than: Option<String>,
        /// Only this model's entries (id, alias or provider/modelId)
        #[arg(short, long, value_name = "MODEL")]
        model: Option<String>,
    },
}

#[derive(Serialize)]
struct StatsJson {
    entries: u64,
    bytes: u64,
    max_bytes: u64,
    hits: u64,
    saved_usd: f64,
    oldest: Option<String>,
    newest: Option<String>,
    enabled: bool,
    ttl_s: u64,
}

pub fn run(cmd: CacheCommand, registry: &Registry, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    let settings = &registry.system().cache;
    match cmd {
        CacheCommand::Stats => {
            let stats = super::open_store(global, out)?.cache_stats()?;
            let json = StatsJson {
                entries: stats.entries,
                bytes: stats.bytes,
                max_bytes: settings.max_bytes,
                hits: stats.hits,
                saved_usd: stats.saved_usd,
                oldest: stats.oldest.map(rfc3339),
                newest: stats.newest.map(rfc3339),
                enabled: settings.enabled,
                ttl_s: settings.ttl.as_secs(),
            };
            if out.json {
                out.json_line(&json)?;
            } else {
                let on = match settings.enabled {
                    true => "on for every request (config/system/cache.json); --no-cache skips it",
                    false => "off unless --cache (config/system/cache.json turns it on for all)",
                };
                let rows = [
                    ("entries", stats.entries.to_string()),
                    ("size", format!("{} of {}", HumanBytes(stats.bytes), HumanBytes(settings.max_bytes))),
                    ("hits", stats.hits.to_string()),
                    ("saved", format!("{:.4} USD", stats.saved_usd)),
                    ("oldest", json.oldest.clone().unwrap_or_else(|| "-".into())),
                    ("newest", json.newest.clone().unwrap_or_else(|| "-".into())),
                    ("ttl", crate::time::human_age(settings.ttl.as_millis() as u64)),
                    ("cache", on.to_string()),
                ];
                let text: String = rows.iter().map(|(name, value)| format!("{name:<8} {value}\n")).collect();
                out.text(&text)?;
            }
        }
        CacheCommand::Clear { older_than, model } => {
            let before_ms = match older_than {
                None => None,
                Some(text) => Some(parse_duration(&text).map(ago_ms).ok_or_else(|| {
                    Error::Usage(format!("--older-than takes a duration (30m, 12h, 7d), got '{text}'"))
                })?),
            };
            // An alias clears the model it names; a name the catalogue no longer knows is matched as stored.
            let model = model.map(|name| match registry.lookup(&name, None) {
                Ok(m) => Ok((m.provider.clone(), m.model_id.clone())),
                Err(_) => match name.split_once('/') {
                    Some((provider, id)) => Ok((provider.to_string(), id.to_string())),
                    None => Err(Error::Usage(format!(
                        "--model {name}: not in the catalogue; name a stored entry as provider/modelId"
                    ))),
                },
            });
            let filter = ClearFilter { before_ms, model: model.transpose()? };
            let cleared = super::open_store(global, out)?.cache_clear(&filter)?;
            if out.json {
                out.json_line(&cleared)?;
            } else {
                out.text(&format!("deleted {} entries ({})\n", cleared.deleted, HumanBytes(cleared.bytes)))?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}
