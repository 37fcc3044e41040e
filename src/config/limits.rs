//! `system/limits.json`: usage limits per user, model and provider (DESIGN.md, wave 2).
//!
//! ```json
//! {"rules": [{"name": "ci", "scope": {"user": "ci"},
//!             "limits": {"requests_per_minute": 60, "tokens_per_day": 2000000, "cost_usd_per_month": 50},
//!             "warnAt": 0.8}]}
//! ```
//!
//! A scope key that is missing matches every value; `"*"` counts each value apart (a limit per user); any other
//! value matches that one (a model by id or alias, resolved here against the catalogue). A limit is
//! `<resource>_per_<window>`: resources `requests`, `tokens`, `cost_usd`; windows `minute`, `hour`, `day`, `month`,
//! fixed and aligned to UTC. Everything is checked when the catalogue loads, and an error names the rule.

use super::Registry;
use super::source::{File, Source};
use crate::Result;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One rule: whose requests it counts, and the limits on them.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitRule {
    pub name: String,
    pub scope: Scope,
    pub limits: Vec<Limit>,
    /// The share of a limit past which a request warns (0 < warnAt <= 1).
    pub warn_at: Option<f64>,
}

/// The requests a rule counts: each key is any value, each value apart, or one value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub user: Dim,
    /// `provider/modelId` of the catalogue model a scope names.
    pub model: Dim,
    pub provider: Dim,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Dim {
    /// Missing: every value, counted together.
    #[default]
    Any,
    /// `"*"`: every value, each counted apart.
    Each,
    Is(String),
}

impl Dim {
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Dim::Any | Dim::Each => true,
            Dim::Is(v) => v == value,
        }
    }

    pub fn describe(&self) -> Option<String> {
        match self {
            Dim::Any => None,
            Dim::Each => Some("each".into()),
            Dim::Is(v) => Some(v.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub resource: Resource,
    pub window: Window,
    pub amount: f64,
}

impl Limit {
    /// `cost_usd_per_month`: the name the configuration and messages use.
    pub fn name(&self) -> String {
        format!("{}_per_{}", self.resource.as_str(), self.window.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    Requests,
    Tokens,
    CostUsd,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Requests => "requests",
            Resource::Tokens => "tokens",
            Resource::CostUsd => "cost_usd",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Window {
    Minute,
    Hour,
    Day,
    Month,
}

impl Window {
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Minute => "minute",
            Window::Hour => "hour",
            Window::Day => "day",
            Window::Month => "month",
        }
    }

    /// The window holding `now_ms`: its start and the start of the next, in ms since the epoch (UTC).
    pub fn bounds(self, now_ms: i64) -> (i64, i64) {
        const MINUTE: i64 = 60_000;
        let fixed = |unit: i64| {
            let start = now_ms.div_euclid(unit) * unit;
            (start, start + unit)
        };
        match self {
            Window::Minute => fixed(MINUTE),
            Window::Hour => fixed(60 * MINUTE),
            Window::Day => fixed(24 * 60 * MINUTE),
            Window::Month => crate::time::month_bounds(now_ms),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    rules: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RuleEntry {
    name: String,
    #[serde(default)]
    scope: ScopeEntry,
    limits: BTreeMap<String, f64>,
    warn_at: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ScopeEntry {
    user: Option<String>,
    model: Option<String>,
    provider: Option<String>,
}

/// The rules of `file` (`system/limits.json`), checked against the catalogue.
pub(super) fn load(source: &Source, file: &File, registry: &Registry) -> Result<Vec<LimitRule>> {
    let parsed: LimitsFile = source.parse(file)?;
    let mut rules: Vec<LimitRule> = Vec::new();
    for (i, entry) in parsed.rules.into_iter().enumerate() {
        let name = entry.name.trim().to_string();
        let error = |field: &str, message: String| {
            let rule = if name.is_empty() { format!("rule {i}") } else { format!("rule '{name}'") };
            source.error(file, format!("rules[{i}].{field}"), format!("{rule}: {message}"))
        };
        if name.is_empty() {
            return Err(error("name", "needs a name (it names the rule in errors and `llmgw limits`)".into()));
        }
        if rules.iter().any(|r| r.name == name) {
            return Err(error("name", "another rule has this name".into()));
        }
        let dim = |value: Option<String>| match value.as_deref().map(str::trim) {
            None => Dim::Any,
            Some("*") => Dim::Each,
            Some(v) => Dim::Is(v.to_string()),
        };
        let model = match dim(entry.scope.model) {
            Dim::Is(m) => match registry.lookup(&m, None) {
                Ok(model) => Dim::Is(format!("{}/{}", model.provider, model.model_id)),
                Err(_) => return Err(error("scope.model", format!("'{m}' is not a model of the catalogue"))),
            },
            other => other,
        };
        let provider = dim(entry.scope.provider);
        if let Dim::Is(p) = &provider
            && registry.provider(p).is_none()
        {
            return Err(error("scope.provider", format!("'{p}' is not a provider of the catalogue")));
        }
        let scope = Scope { user: dim(entry.scope.user), model, provider };
        if entry.limits.is_empty() {
            return Err(error(
                "limits",
                "has no limit (requests_per_minute, tokens_per_day, cost_usd_per_month ...)".into(),
            ));
        }
        let mut limits = Vec::new();
        for (key, amount) in entry.limits {
            let field = format!("limits.{key}");
            let (resource, window) = key.rsplit_once("_per_").ok_or_else(|| {
                error(
                    &field,
                    format!("'{key}' is not <resource>_per_<window> (requests_per_minute, cost_usd_per_month)"),
                )
            })?;
            let resource = match resource {
                "requests" => Resource::Requests,
                "tokens" => Resource::Tokens,
                "cost_usd" => Resource::CostUsd,
                other => return Err(error(&field, format!("unknown resource '{other}' (requests, tokens, cost_usd)"))),
            };
            let window = match window {
                "minute" => Window::Minute,
                "hour" => Window::Hour,
                "day" => Window::Day,
                "month" => Window::Month,
                other => return Err(error(&field, format!("unknown window '{other}' (minute, hour, day, month)"))),
            };
            let whole = resource != Resource::CostUsd;
            if !amount.is_finite() || !(0.0..=1e15).contains(&amount) || (whole && amount.fract() != 0.0) {
                let kind = if whole { "a whole number" } else { "a number" };
                return Err(error(&field, format!("must be {kind} from 0 up, got {amount}")));
            }
            limits.push(Limit { resource, window, amount });
        }
        if let Some(warn) = entry.warn_at
            && !(warn > 0.0 && warn <= 1.0)
        {
            return Err(error(
                "warnAt",
                format!("must be a share above 0 and at most 1 (0.8 warns at 80%), got {warn}"),
            ));
        }
        rules.push(LimitRule { name, scope, limits, warn_at: entry.warn_at });
    }
    Ok(rules)
}
