//! `metrics`: totals and a per-model breakdown of the recorded chat/stream requests.

use super::GlobalArgs;
use super::output::Output;
use super::table::{Column, TextTable};
use crate::config::Registry;
use crate::store::{EXACT_PERCENTILES_UP_TO, GroupBy, Metrics, MetricsFilter, SpoolIntake, Stats};
use crate::time::parse_since;
use crate::{Error, Result};
use clap::Args;

pub const EXAMPLES: &str = "\
Examples:
  # every recorded request
  llmgw metrics
  llmgw metrics --since 24h --model claude
  llmgw metrics --since 2026-01-01T00:00:00Z --user ci
  llmgw metrics --json --since 7d | jq .total.cost_usd
  llmgw metrics --by day --since 7d
  llmgw metrics --by user --json | jq -r '.by_user[] | \"\\(.user) \\(.cost_usd)\"'
  # CI gate
  llmgw metrics --json --since 24h --user ci |
    jq -e '.total.success_rate >= 0.95'";

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Only requests since this long ago (24h, 7d, 90m) or this time (RFC 3339, or a date) [default: all]
    #[arg(long, value_name = "DUR|TIME")]
    since: Option<String>,
    /// Only this user's requests [default: every user's]
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Only this model (id, alias or provider/modelId)
    #[arg(short, long, value_name = "MODEL")]
    model: Option<String>,
    /// Only this provider's requests
    #[arg(short, long, value_name = "PROVIDER")]
    provider: Option<String>,
    /// Break the figures down by model (the default), user, or UTC day or hour
    #[arg(long, value_enum, value_name = "GROUP", default_value_t = By::Model)]
    by: By,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum By {
    Model,
    User,
    Day,
    Hour,
}

impl By {
    fn group(self) -> GroupBy {
        match self {
            By::Model => GroupBy::Model,
            By::User => GroupBy::User,
            By::Day => GroupBy::Day,
            By::Hour => GroupBy::Hour,
        }
    }

    /// The key's name: the JSON field (`user`) and, upper-cased, the table's first column.
    fn word(self) -> &'static str {
        match self {
            By::Model => "model",
            By::User => "user",
            By::Day => "day",
            By::Hour => "hour",
        }
    }
}

pub fn run(args: MetricsArgs, registry: &Registry, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    let since_ms = match &args.since {
        None => None,
        Some(text) => Some(parse_since(text).ok_or_else(|| {
            Error::Usage(format!(
                "--since takes a duration (24h, 7d) or an RFC 3339 time (2026-01-31T12:00:00Z), got '{text}'"
            ))
        })?),
    };
    // An alias counts the model it names; a name the catalogue no longer knows is matched as recorded.
    let models = match &args.model {
        None => vec![],
        Some(name) => match registry.lookup(name, args.provider.as_deref()) {
            Ok(model) => vec![model.model_id.clone()],
            Err(_) => vec![name.clone()],
        },
    };
    let filter = MetricsFilter {
        since_ms,
        user_id: args.user.clone(),
        models,
        provider: args.provider.clone(),
        by: args.by.group(),
    };
    let store = super::open_store(global, out)?;
    let (metrics, intake) = store.current_metrics(&filter)?;
    match intake {
        SpoolIntake::TakenIn(ingested) if ingested.skipped > 0 => out.warn(&format!(
            "{} spoiled line(s) of the spool (torn by a full disk or a crash, or holding impossible values) were skipped",
            ingested.skipped
        )),
        SpoolIntake::TakenIn(_) => {}
        SpoolIntake::Left(err) => out.warn(&format!("these figures leave out the records still in the spool: {err}")),
    }
    if out.json && args.by == By::Model {
        out.json_line(&metrics)?;
    } else if out.json {
        let word = args.by.word();
        let groups: Vec<serde_json::Value> = metrics
            .groups
            .iter()
            .map(|g| {
                let mut row = serde_json::json!({ word: g.key });
                if let (Some(row), Ok(serde_json::Value::Object(stats))) =
                    (row.as_object_mut(), serde_json::to_value(&g.stats))
                {
                    row.extend(stats);
                }
                row
            })
            .collect();
        out.json_line(&serde_json::json!({ "total": metrics.total, format!("by_{word}"): groups }))?;
    } else {
        out.table(table(&metrics, args.by))?;
        let total = &metrics.total;
        if !total.duration_ms.exact || !total.ttft_ms.exact {
            out.note(&format!(
                "~ marks p50/p95 read from duration bins (within 6.25%): more than {EXACT_PERCENTILES_UP_TO} requests \
                 matched; narrow with --since, --user or --model for exact figures"
            ));
        }
        if total.tokens_estimated > 0 {
            out.note(&format!(
                "* marks token counts that include llmgw's estimates: {} request(s) had no counts from the provider \
                 (a stream cut before its usage came, or a server that reports none)",
                total.tokens_estimated
            ));
        }
    }
    out.flush()?;
    Ok(0)
}

fn table(metrics: &Metrics, by: By) -> TextTable {
    // Left out first on a narrow terminal: the rarer figures, then the ones the others imply.
    let first = match by {
        By::Model => "MODEL",
        By::User => "USER",
        By::Day => "DAY",
        By::Hour => "HOUR",
    };
    let mut columns = vec![
        Column::word(first),
        Column::word("PROVIDER").dropped(3),
        Column::number("REQUESTS"),
        Column::number("FAILED").dropped(4),
        Column::number("SUCCESS"),
        Column::number("IN TOKENS").dropped(6),
        Column::number("OUT TOKENS").dropped(5),
        Column::number("TOK/S").dropped(9),
        Column::number("P50 MS").dropped(2),
        Column::number("P95 MS"),
        Column::number("TTFT P50").dropped(8),
        Column::number("TTFT P95").dropped(7),
        Column::number("COST USD"),
    ];
    // Only once the response cache has answered: how many requests it answered, and what they would have cost.
    let cached = metrics.total.cached > 0;
    if cached {
        columns.extend([Column::number("CACHED").dropped(10), Column::number("SAVED USD").dropped(10)]);
    }
    // Only a breakdown by model has a provider per row.
    let with_provider = by == By::Model;
    if !with_provider {
        columns.remove(1);
    }
    let mut table = TextTable::new(&columns);
    let row = |name: &str, provider: &str, s: &Stats| {
        let mut cells = row(name, provider, s);
        if !with_provider {
            cells.remove(1);
        }
        if cached {
            cells.extend([s.cached.to_string(), format!("{:.4}", s.saved_usd)]);
        }
        cells
    };
    for m in &metrics.by_model {
        table.row(row(m.model.as_deref().unwrap_or("-"), m.provider.as_deref().unwrap_or("-"), &m.stats));
    }
    for g in &metrics.groups {
        table.row(row(&g.key, "", &g.stats));
    }
    table.row(row("total", "", &metrics.total));
    table
}

/// One line of figures: `-` where there is none (no requests, no first token), `~` before a percentile read from
/// bins, `*` after a token count that includes estimates.
fn row(model: &str, provider: &str, s: &Stats) -> Vec<String> {
    let binned = |exact: bool, ms: Option<u64>| match ms {
        None => "-".to_string(),
        Some(ms) if exact => ms.to_string(),
        Some(ms) => format!("~{ms}"),
    };
    let some = |n: u64| (s.requests > 0).then_some(n);
    let tokens = |n: u64| if s.tokens_estimated > 0 { format!("{n}*") } else { n.to_string() };
    vec![
        model.to_string(),
        provider.to_string(),
        s.requests.to_string(),
        s.failed.to_string(),
        s.success_rate.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0)),
        tokens(s.input_tokens),
        tokens(s.output_tokens),
        s.tokens_per_second.map_or_else(|| "-".to_string(), |t| format!("{t:.1}")),
        binned(s.duration_ms.exact, some(s.duration_ms.p50)),
        binned(s.duration_ms.exact, some(s.duration_ms.p95)),
        binned(s.ttft_ms.exact, s.ttft_ms.p50),
        binned(s.ttft_ms.exact, s.ttft_ms.p95),
        format!("{:.4}", s.cost_usd),
    ]
}
