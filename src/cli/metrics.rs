//! `metrics`: totals and a per-model breakdown of the recorded chat/stream requests.

use super::GlobalArgs;
use super::output::Output;
use crate::config::Registry;
use crate::store::{EXACT_PERCENTILES_UP_TO, MetricsFilter, SpoolIntake, Stats};
use crate::time::parse_since;
use crate::{Error, Result};
use clap::Args;
use comfy_table::{CellAlignment, Table, presets};

pub const EXAMPLES: &str = "\
Examples:
  llmgw metrics                                 # every recorded request
  llmgw metrics --since 24h --model claude
  llmgw metrics --since 2026-01-01T00:00:00Z --user ci
  llmgw metrics --json --since 7d | jq .total.cost_usd
  llmgw metrics --json --since 24h --user ci | jq -e '.total.success_rate >= 0.95'   # CI gate";

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
    let filter = MetricsFilter { since_ms, user_id: args.user.clone(), models, provider: args.provider.clone() };
    let store = super::open_store(global, out)?;
    let (metrics, intake) = store.current_metrics(&filter)?;
    match intake {
        SpoolIntake::TakenIn(ingested) if ingested.skipped > 0 => out.warn(&format!(
            "{} spoiled line(s) of the spool (torn by a full disk or a crash) were skipped",
            ingested.skipped
        )),
        SpoolIntake::TakenIn(_) => {}
        SpoolIntake::Left(err) => out.warn(&format!("these figures leave out the records still in the spool: {err}")),
    }
    if out.json {
        out.json_line(&metrics)?;
    } else {
        let mut table = Table::new();
        table.load_preset(presets::NOTHING).set_header([
            "MODEL",
            "PROVIDER",
            "REQUESTS",
            "OK",
            "FAILED",
            "SUCCESS",
            "IN TOKENS",
            "OUT TOKENS",
            "P50 MS",
            "P95 MS",
            "MAX MS",
            "COST USD",
        ]);
        for m in &metrics.by_model {
            table.add_row(row(m.model.as_deref().unwrap_or("-"), m.provider.as_deref().unwrap_or("-"), &m.stats));
        }
        table.add_row(row("total", "", &metrics.total));
        for column in 2..12 {
            if let Some(col) = table.column_mut(column) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        let text = table.to_string().lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
        out.text(&format!("{text}\n"))?;
        if !metrics.total.duration_ms.exact {
            out.note(&format!(
                "~ marks p50/p95 read from duration bins (within 6.25%): more than {EXACT_PERCENTILES_UP_TO} requests \
                 matched; narrow with --since, --user or --model for exact figures"
            ));
        }
    }
    out.flush()?;
    Ok(0)
}

fn row(model: &str, provider: &str, s: &Stats) -> Vec<String> {
    let approximate = |ms: u64| if s.duration_ms.exact { ms.to_string() } else { format!("~{ms}") };
    vec![
        model.to_string(),
        provider.to_string(),
        s.requests.to_string(),
        s.succeeded.to_string(),
        s.failed.to_string(),
        format!("{:.1}%", s.success_rate * 100.0),
        s.input_tokens.to_string(),
        s.output_tokens.to_string(),
        approximate(s.duration_ms.p50),
        approximate(s.duration_ms.p95),
        s.duration_ms.max.to_string(),
        format!("{:.4}", s.cost_usd),
    ]
}
