//! `system/*.json`: the defaults every request starts from (`defaultModel`, `maxTokens`, `requestTimeoutMs`) and
//! the response cache's settings (`system/cache.json`). Later layers override earlier ones, key by key. The
//! limits of `system/limits.json` are read apart, once the catalogue is known ([`super::limits`]).

use super::load::{MAX_TOKENS, MAX_WAIT_MS, in_range};
use super::source::{File, Source};
use super::{CacheSettings, SystemDefaults};
use crate::Result;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SystemFile {
    default_model: Option<String>,
    max_tokens: Option<u32>,
    request_timeout_ms: Option<u64>,
}

/// `system/cache.json`. Its own file, so a misspelt field is an error rather than a cache silently off.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CacheFile {
    enabled: Option<bool>,
    /// A duration: `7d`, `12h`, `90m`.
    ttl: Option<String>,
    max_bytes: Option<u64>,
}

pub(super) fn load(source: &Source) -> Result<SystemDefaults> {
    let mut system = SystemDefaults::default();
    for file in source.list_all("system")? {
        if file.stem() == "cache" {
            system.cache = load_cache(source, &file, system.cache)?;
            continue;
        }
        if file.stem() == "limits" {
            continue; // read once the catalogue is known: its scopes name models (`super::limits`)
        }
        let s: SystemFile = source.parse(&file)?;
        let error = |field: &str, message: String| source.error(&file, field, message);
        in_range(s.max_tokens, 1..=MAX_TOKENS, "tokens").map_err(|m| error("maxTokens", m))?;
        in_range(s.request_timeout_ms, 1..=MAX_WAIT_MS, "milliseconds").map_err(|m| error("requestTimeoutMs", m))?;
        if let Some(model) = s.default_model {
            system.default_model = model;
            system.default_model_from = file.path.clone();
        }
        if let Some(max_tokens) = s.max_tokens {
            system.max_tokens = max_tokens;
        }
        if s.request_timeout_ms.is_some() {
            system.request_timeout_ms = s.request_timeout_ms;
        }
    }
    Ok(system)
}

/// `system/cache.json` over what the earlier layers said.
fn load_cache(source: &Source, file: &File, mut cache: CacheSettings) -> Result<CacheSettings> {
    let c: CacheFile = source.parse(file)?;
    if let Some(enabled) = c.enabled {
        cache.enabled = enabled;
    }
    if let Some(ttl) = c.ttl {
        cache.ttl = crate::time::parse_duration(&ttl).filter(|d| !d.is_zero()).ok_or_else(|| {
            source.error(file, "ttl", format!("'{ttl}' is not a duration (a number and s, m, h, d or w: 7d, 12h)"))
        })?;
    }
    if let Some(max_bytes) = c.max_bytes {
        if max_bytes == 0 {
            return Err(source.error(file, "maxBytes", "must be above 0 (to turn the cache off, set enabled: false)"));
        }
        cache.max_bytes = max_bytes;
    }
    Ok(cache)
}
