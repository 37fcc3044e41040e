//! `models list` and `models status`: the catalogue as a table or JSON, and whether a model can be used now.

use super::output::Output;
use super::table::{Column, TextTable};
use crate::config::Model;
use crate::error::Suggestion;
use crate::gateway::{Gateway, HealthReport, HealthStatus};
use crate::store::Stats;
use crate::time::rfc3339;
use crate::{Error, Result};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List the models of the active catalogue
    #[command(
        after_help = "Examples:\n  llmgw models list --status ready\n  llmgw models list --vendor meta --json | jq -r '.[].model_id'"
    )]
    List {
        /// Only this provider's models
        #[arg(long, value_name = "PROVIDER")]
        provider: Option<String>,
        /// Only this vendor's models (anthropic, meta, ...)
        #[arg(long, value_name = "VENDOR")]
        vendor: Option<String>,
        /// Only this modality (text-to-text, ...)
        #[arg(long, value_name = "MODALITY")]
        modality: Option<String>,
        /// Only READY or only NOT READY models
        #[arg(long, value_enum, value_name = "STATUS")]
        status: Option<StatusFilter>,
        /// Add each model's health from the recorded requests: ok, DEGRADED (failing again and again with provider
        /// or rate-limit errors), or - (nothing recorded)
        #[arg(long)]
        health: bool,
    },
    /// Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)
    #[command(
        after_help = "Examples:\n  llmgw models status\n  llmgw models status claude && llmgw chat -m claude \"hi\"\n  # ask the provider (credentials, access, region)\n  llmgw models status claude --check"
    )]
    Status {
        /// Model id, alias or provider/modelId
        model: Option<String>,
        /// Ask the provider whether MODEL can be used now, without generating text: credentials, access and
        /// region (exit 0 available, 3 not available, 5 credentials, 7 provider out of reach)
        #[arg(long, requires = "model")]
        check: bool,
    },
}

/// How long `--check` waits for the provider, connecting included.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Ready,
    NotReady,
}

pub fn run(cmd: ModelsCommand, gateway: &Gateway, out: &mut Output) -> Result<i32> {
    let registry = gateway.registry();
    match cmd {
        ModelsCommand::List { provider, vendor, modality, status, health } => {
            for (flag, value, known) in [
                ("--provider", &provider, registry.models().iter().any(|m| Some(&m.provider) == provider.as_ref())),
                ("--vendor", &vendor, registry.models().iter().any(|m| Some(&m.vendor) == vendor.as_ref())),
                ("--modality", &modality, registry.models().iter().any(|m| Some(&m.modality) == modality.as_ref())),
            ] {
                if let Some(value) = value
                    && !known
                {
                    return Err(Error::Usage(format!("{flag} {value}: no model in the catalogue has it")));
                }
            }
            let models: Vec<&Model> = registry
                .models()
                .iter()
                .filter(|m| provider.as_ref().is_none_or(|p| &m.provider == p))
                .filter(|m| vendor.as_ref().is_none_or(|v| &m.vendor == v))
                .filter(|m| modality.as_ref().is_none_or(|x| &m.modality == x))
                .filter(|m| status.is_none_or(|s| (s == StatusFilter::Ready) == m.is_ready()))
                .collect();
            let health = match health {
                true => Some(gateway.health_of_all()?),
                false => None,
            };
            let health_of = |m: &Model| {
                health.as_ref().map(|all| {
                    all.iter()
                        .find(|(row, _, _)| row.model == m.model_id && row.provider == m.provider)
                        .map_or(HealthStatus::Unknown, |(_, status, _)| *status)
                })
            };
            if out.json {
                let rows: Vec<ListJson> = models
                    .iter()
                    .map(|m| ListJson { model: ModelJson::from(*m), health: health_of(m).map(health_word) })
                    .collect();
                out.json_line(&rows)?;
            } else {
                list_table(out, &models, &health_of)?;
            }
            out.flush()?;
            Ok(0)
        }
        ModelsCommand::Status { model: None, .. } => {
            let rows: Vec<StatusJson> = registry.models().iter().map(|m| StatusJson::new(m, None)).collect();
            if out.json {
                out.json_line(&rows)?;
            } else {
                let mut table = TextTable::new(&[
                    Column::word("MODEL"),
                    Column::word("PROVIDER").dropped(1),
                    Column::word("AVAILABLE"),
                    Column::text("REASON").dropped(2),
                ]);
                for r in &rows {
                    table.row(vec![
                        r.model.model_id.to_string(),
                        r.model.provider.to_string(),
                        yes_no(r.available),
                        r.reason.clone(),
                    ]);
                }
                out.table(table)?;
            }
            out.flush()?;
            Ok(0)
        }
        ModelsCommand::Status { model: Some(name), check } => {
            let model = registry.lookup(&name, None)?;
            let live = match check {
                true => Some(super::runtime()?.block_on(gateway.check(model, CHECK_TIMEOUT))?),
                false => None,
            };
            let available = live.as_ref().map_or(model.is_ready(), |a| a.available && model.is_ready());
            let mut suggestions = if available { Vec::new() } else { registry.alternatives(model) };
            gateway.rank_by_health(&mut suggestions);
            let mut row = StatusJson::new(model, Some(suggestions.clone()));
            if let Some(live) = &live {
                row.available = available;
                row.reason = match model.is_ready() {
                    true => live.detail.clone(),
                    false => format!("{} (the provider says: {})", row.reason, live.detail),
                };
                row.checked = Some(true);
                row.suggestions = (!available).then_some(suggestions);
            }
            let report = gateway.health(model)?;
            row.health = Some(HealthJson::from(report.as_ref()));
            if out.json {
                out.json_line(&row)?;
            } else {
                let checked = if live.is_some() {
                    " (asked the provider)"
                } else {
                    " (the catalogue; --check asks the provider)"
                };
                let mut text = format!(
                    "{} ({}/{})\n  status:    {}\n  billing:   {}\n  available: {}{checked}\n  reason:    {}\n",
                    model.model_id,
                    model.provider,
                    model.vendor,
                    model.status.as_str(),
                    model.billing.as_str(),
                    yes_no(row.available),
                    row.reason
                );
                text.push_str(&health_text(report.as_ref()));
                if let Some(suggestions) = row.suggestions.as_ref().filter(|s| !s.is_empty()) {
                    text.push_str("  try instead:\n");
                    for s in suggestions {
                        text.push_str(&format!("    {:<48} {}/{}  ({})\n", s.model, s.provider, s.vendor, s.reason));
                    }
                }
                out.text(&text)?;
            }
            out.flush()?;
            Ok(if row.available { 0 } else { 3 })
        }
    }
}

fn list_table(out: &mut Output, models: &[&Model], health: &dyn Fn(&Model) -> Option<HealthStatus>) -> Result<()> {
    let mut columns = vec![
        Column::word("MODEL"),
        Column::word("PROVIDER").dropped(1),
        Column::word("VENDOR").dropped(5),
        Column::word("STATUS"),
        Column::word("BILLING").dropped(6),
        Column::text("ALIASES").dropped(2),
        Column::number("$/M IN/OUT").dropped(3),
    ];
    let with_health = models.first().is_some_and(|m| health(m).is_some());
    if with_health {
        columns.insert(4, Column::word("HEALTH"));
    }
    let mut table = TextTable::new(&columns);
    for m in models {
        let price = m.pricing.as_ref().map_or_else(
            || String::from("-"),
            |p| match p.per_image {
                Some(each) => format!("{each:.3}/image"),
                None => format!("{:.2}/{:.2}", p.input_per_million, p.output_per_million),
            },
        );
        let mut cells = vec![
            m.model_id.clone(),
            m.provider.clone(),
            m.vendor.clone(),
            m.status.as_str().to_string(),
            m.billing.as_str().to_string(),
            m.aliases.join(", "),
            price,
        ];
        if let Some(status) = health(m).filter(|_| with_health) {
            cells.insert(4, if status == HealthStatus::Unknown { "-".into() } else { status.as_str().into() });
        }
        table.row(cells);
    }
    out.table(table)
}

/// `health` in JSON: `ok`, `degraded` or `unknown`.
fn health_word(status: HealthStatus) -> &'static str {
    match status {
        HealthStatus::Unknown => "unknown",
        HealthStatus::Healthy => "ok",
        HealthStatus::Degraded => "degraded",
    }
}

/// `models list --health --json`: the list fields plus `health`.
#[derive(Serialize)]
struct ListJson<'a> {
    #[serde(flatten)]
    model: ModelJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<&'static str>,
}

/// One window of a model's record (`last_hour`, `last_day`).
#[derive(Serialize)]
struct WindowJson {
    requests: u64,
    success_rate: Option<f64>,
    p95_ms: Option<u64>,
    ttft_p95_ms: Option<u64>,
}

impl From<&Stats> for WindowJson {
    fn from(s: &Stats) -> Self {
        WindowJson {
            requests: s.requests,
            success_rate: s.success_rate,
            p95_ms: (s.requests > 0).then_some(s.duration_ms.p95),
            ttft_p95_ms: s.ttft_ms.p95,
        }
    }
}

/// `models status MODEL`'s `health`.
#[derive(Serialize)]
struct HealthJson {
    status: &'static str,
    last_hour: Option<WindowJson>,
    last_day: Option<WindowJson>,
    /// Provider or rate-limit failures since it last answered.
    failing: u64,
    last_ok: Option<String>,
    last_error: Option<LastError>,
}

#[derive(Serialize)]
struct LastError {
    code: String,
    at: String,
}

impl From<Option<&HealthReport>> for HealthJson {
    fn from(report: Option<&HealthReport>) -> Self {
        let row = report.and_then(|r| r.row.as_ref());
        HealthJson {
            status: health_word(report.map_or(HealthStatus::Unknown, |r| r.status)),
            last_hour: report.map(|r| WindowJson::from(&r.last_hour)),
            last_day: report.map(|r| WindowJson::from(&r.last_day)),
            failing: row.map_or(0, |h| h.failing),
            last_ok: row.and_then(|h| h.last_ok_ms).map(rfc3339),
            last_error: row
                .and_then(|h| Some(LastError { code: h.last_error_code.clone()?, at: rfc3339(h.last_error_ms?) })),
        }
    }
}

/// The health lines of `models status MODEL`.
fn health_text(report: Option<&HealthReport>) -> String {
    let Some(report) = report.filter(|r| r.row.is_some() || r.last_day.requests > 0) else {
        return "  health:    unknown (no requests recorded)\n".into();
    };
    let now = crate::time::now_ms();
    let mut text = match (report.status, &report.row) {
        (HealthStatus::Degraded, Some(row)) => format!(
            "  health:    DEGRADED ({} provider or rate-limit failures in a row; fallbacks and suggestions try it last)\n",
            row.failing
        ),
        _ => format!("  health:    {}\n", report.status.as_str()),
    };
    let window = |s: &Stats| match s.requests {
        0 => "no requests".to_string(),
        n => {
            let mut line = format!(
                "{n} requests, {:.1}% succeeded, p95 {} ms",
                s.success_rate.unwrap_or(0.0) * 100.0,
                s.duration_ms.p95
            );
            if let Some(ttft) = s.ttft_ms.p95 {
                line.push_str(&format!(", first token p95 {ttft} ms"));
            }
            line
        }
    };
    text.push_str(&format!("  last hour: {}\n  last day:  {}\n", window(&report.last_hour), window(&report.last_day)));
    if let Some(row) = &report.row
        && let (Some(code), Some(at)) = (&row.last_error_code, row.last_error_ms)
    {
        let ago = crate::time::human_age((now - at).max(0) as u64);
        text.push_str(&format!("  last error: {code}, {} ({ago} ago)\n", rfc3339(at)));
    }
    text
}

fn yes_no(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

/// DESIGN.md section 4, `models list`.
#[derive(Serialize)]
struct ModelJson<'a> {
    model_id: &'a str,
    provider: &'a str,
    vendor: &'a str,
    modality: &'a str,
    status: &'static str,
    billing: &'static str,
    provisioned: bool,
    aliases: &'a [String],
    display_name: Option<&'a str>,
    streaming: bool,
    input_per_million: Option<f64>,
    output_per_million: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_image: Option<f64>,
}

impl<'a> From<&'a Model> for ModelJson<'a> {
    fn from(m: &'a Model) -> Self {
        ModelJson {
            model_id: &m.model_id,
            provider: &m.provider,
            vendor: &m.vendor,
            modality: &m.modality,
            status: m.status.as_str(),
            billing: m.billing.as_str(),
            provisioned: m.provisioned,
            aliases: &m.aliases,
            display_name: m.display_name.as_deref(),
            streaming: m.streaming,
            input_per_million: m.pricing.as_ref().map(|p| p.input_per_million),
            output_per_million: m.pricing.as_ref().map(|p| p.output_per_million),
            per_image: m.pricing.as_ref().and_then(|p| p.per_image),
        }
    }
}

/// `models status`: the list fields plus `available`, `reason`, and `suggestions` when not available.
#[derive(Serialize)]
struct StatusJson<'a> {
    #[serde(flatten)]
    model: ModelJson<'a>,
    available: bool,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestions: Option<Vec<Suggestion>>,
    /// `models status MODEL --check`: the provider was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    checked: Option<bool>,
    /// `models status MODEL` only: its record.
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<HealthJson>,
}

impl<'a> StatusJson<'a> {
    fn new(m: &'a Model, suggestions: Option<Vec<Suggestion>>) -> Self {
        let available = m.is_ready();
        let reason = if available {
            "READY in the catalogue".to_string()
        } else {
            m.status_reason.clone().unwrap_or_else(|| "NOT READY in the catalogue".into())
        };
        StatusJson {
            model: ModelJson::from(m),
            available,
            reason,
            suggestions: suggestions.filter(|_| !available),
            checked: None,
            health: None,
        }
    }
}
