//! `llmgw limits [--user U]`: every rule of `system/limits.json` that applies to the user, with what its current
//! window has used, what is left, and when it starts over. Reads the counters; never creates a database.

use super::GlobalArgs;
use super::output::Output;
use super::table::{Column, TextTable};
use crate::Result;
use crate::config::{Dim, LimitRule, Registry};
use crate::store::{Counter, Store};
use crate::time::{now_ms, rfc3339};
use clap::Args;
use serde::Serialize;

pub const EXAMPLES: &str = "\
Examples:
  llmgw limits
  llmgw limits --user ci --json | jq '.[] | select(.remaining == 0)'";

#[derive(Debug, Args)]
pub struct LimitsArgs {
    /// Whose limits [default: $LLMGW_USER, else the login name]
    #[arg(long, env = "LLMGW_USER", value_name = "USER")]
    user: Option<String>,
}

/// One limit of one rule, as DESIGN.md section 4 gives it.
#[derive(Serialize)]
struct Row {
    rule: String,
    scope: String,
    resource: &'static str,
    window: &'static str,
    used: f64,
    limit: f64,
    remaining: f64,
    resets_at: String,
}

pub fn run(args: LimitsArgs, registry: &Registry, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    let user = super::user(args.user.as_deref());
    let rules: Vec<&LimitRule> = registry.system().limits.iter().filter(|r| r.scope.user.matches(&user)).collect();
    let path = Store::default_path(global.db.as_deref())?;
    let store = if path.exists() && !rules.is_empty() { Some(Store::open(&path)?) } else { None };
    let now = now_ms();
    let mut rows = Vec::new();
    for rule in rules {
        let counters = match &store {
            Some(store) => store.counters(&rule.name, now)?,
            None => Vec::new(),
        };
        let mine: Vec<&Counter> = counters
            .iter()
            .filter(|c| rule.scope.user != Dim::Each || c.key.scope_key.split(',').any(|p| p == format!("user={user}")))
            .collect();
        for limit in &rule.limits {
            let (start, end) = limit.window.bounds(now);
            let of_limit: Vec<&&Counter> = mine
                .iter()
                .filter(|c| {
                    c.key.resource == limit.resource.as_str()
                        && c.key.window == limit.window.as_str()
                        && c.key.window_start == start
                })
                .collect();
            let mut row = |scope_key: &str, used: f64| {
                rows.push(Row {
                    rule: rule.name.clone(),
                    scope: scope(rule, &user, scope_key),
                    resource: limit.resource.as_str(),
                    window: limit.window.as_str(),
                    used: round(used),
                    limit: limit.amount,
                    remaining: round((limit.amount - used).max(0.0)),
                    resets_at: rfc3339(end),
                })
            };
            if of_limit.is_empty() {
                row("", 0.0);
            }
            for c in of_limit {
                row(&c.key.scope_key, c.used);
            }
        }
    }
    if out.json {
        out.json_line(&rows)?;
    } else if rows.is_empty() {
        out.nothing_to_show(&format!("no limit applies to {user} (config/system/limits.json)"));
    } else {
        let mut table = TextTable::new(&[
            Column::word("RULE"),
            Column::text("SCOPE").dropped(2),
            Column::word("LIMIT"),
            Column::number("USED"),
            Column::number("OF"),
            Column::number("LEFT").dropped(1),
            Column::word("RESETS AT").dropped(3),
        ]);
        for r in &rows {
            let amount = |v: f64| if r.resource == "cost_usd" { format!("{v:.4}") } else { format!("{v:.0}") };
            table.row(vec![
                r.rule.clone(),
                r.scope.clone(),
                format!("{}_per_{}", r.resource, r.window),
                amount(r.used),
                amount(r.limit),
                amount(r.remaining),
                r.resets_at.clone(),
            ]);
        }
        out.table(table)?;
    }
    out.flush()?;
    Ok(0)
}

/// The scope a row counts: `user=ann`, `model=bedrock/...`, or `all`.
fn scope(rule: &LimitRule, user: &str, scope_key: &str) -> String {
    let each = |name: &str| scope_key.split(',').find_map(|p| p.strip_prefix(&format!("{name}="))).map(str::to_string);
    let mut parts = Vec::new();
    for (name, dim) in [("user", &rule.scope.user), ("model", &rule.scope.model), ("provider", &rule.scope.provider)] {
        match dim {
            Dim::Any => {}
            Dim::Is(v) => parts.push(format!("{name}={v}")),
            Dim::Each if name == "user" => parts.push(format!("user={user}")),
            Dim::Each => parts.push(format!("{name}={}", each(name).unwrap_or_else(|| "each".into()))),
        }
    }
    if parts.is_empty() { "all".into() } else { parts.join(",") }
}

fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}
