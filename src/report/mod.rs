//! The usage report (`llmgw report`): what the store knows of a window, gathered in one place ([`gather`]), then
//! rendered as one self-contained HTML page with inline SVG charts ([`html`]), so that a person can open it in a
//! browser or a CI job can keep it as an artifact. Everything comes from the rollups, the usage counters and (for
//! errors by code) the request rows of the window through the time index, so it stays fast with millions of
//! records. The later HTTP front's dashboard is the same page.

pub mod html;

use crate::Result;
use crate::config::{Dim, Registry};
use crate::store::{DayModel, GroupBy, GroupStats, MetricsFilter, Stats, Store};

/// What the report shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub since_ms: i64,
    pub until_ms: i64,
    pub total: Stats,
    /// Per UTC day: the figures, latency and time to first token included.
    pub days: Vec<GroupStats>,
    /// Requests and cost per day and model, for the stacked charts.
    pub by_day_model: Vec<DayModel>,
    /// Failures by error code, most first.
    pub errors: Vec<(String, u64)>,
    /// Users by cost, most first.
    pub users: Vec<GroupStats>,
    /// Each limit's current use, rule by rule.
    pub limits: Vec<LimitUse>,
}

/// One counter of one limit of `system/limits.json`, in its current window.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitUse {
    pub rule: String,
    /// Which values it counts: `user=ann`, `all`.
    pub scope: String,
    pub limit_name: String,
    pub used: f64,
    pub limit: f64,
}

/// Gather the report of the requests from `since_ms` to now.
pub fn gather(store: &Store, registry: &Registry, since_ms: i64) -> Result<Report> {
    let now = crate::time::now_ms();
    let of = |by: GroupBy| store.metrics(&MetricsFilter { since_ms: Some(since_ms), by, ..Default::default() });
    let by_day = of(GroupBy::Day)?;
    let mut users = of(GroupBy::User)?.groups;
    users.sort_by(|a, b| b.stats.cost_usd.total_cmp(&a.stats.cost_usd).then_with(|| a.key.cmp(&b.key)));
    let mut limits = Vec::new();
    for rule in &registry.system().limits {
        let counters = store.counters(&rule.name, now)?;
        for limit in &rule.limits {
            let (start, _) = limit.window.bounds(now);
            let mut any = false;
            for c in counters.iter().filter(|c| {
                c.key.resource == limit.resource.as_str()
                    && c.key.window == limit.window.as_str()
                    && c.key.window_start == start
            }) {
                any = true;
                limits.push(LimitUse {
                    rule: rule.name.clone(),
                    scope: scope_words(&rule.scope, &c.key.scope_key),
                    limit_name: limit.name(),
                    used: c.used,
                    limit: limit.amount,
                });
            }
            if !any {
                limits.push(LimitUse {
                    rule: rule.name.clone(),
                    scope: scope_words(&rule.scope, ""),
                    limit_name: limit.name(),
                    used: 0.0,
                    limit: limit.amount,
                });
            }
        }
    }
    Ok(Report {
        since_ms,
        until_ms: now,
        total: by_day.total,
        days: by_day.groups,
        by_day_model: store.daily_by_model(since_ms)?,
        errors: store.errors_by_code(since_ms)?,
        users,
        limits,
    })
}

/// A rule's scope in words: its fixed values and, for `"*"` keys, the counter's value.
fn scope_words(scope: &crate::config::Scope, scope_key: &str) -> String {
    let mut parts = Vec::new();
    for (name, dim) in [("user", &scope.user), ("model", &scope.model), ("provider", &scope.provider)] {
        match dim {
            Dim::Any => {}
            Dim::Is(v) => parts.push(format!("{name}={v}")),
            Dim::Each => {
                let value = scope_key.split(',').find_map(|p| p.strip_prefix(&format!("{name}=")));
                parts.push(format!("{name}={}", value.unwrap_or("each")));
            }
        }
    }
    if parts.is_empty() { "all".into() } else { parts.join(", ") }
}
