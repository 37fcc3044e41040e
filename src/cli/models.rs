//! `models list` and `models status`: the catalogue as a table or JSON, and whether a model can be used now.

use super::output::Output;
use super::table::{Column, TextTable};
use crate::config::{Model, Registry};
use crate::error::Suggestion;
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
    },
    /// Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)
    #[command(
        after_help = "Examples:\n  llmgw models status\n  llmgw models status claude && llmgw chat -m claude \"hi\""
    )]
    Status {
        /// Model id, alias or provider/modelId
        model: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Ready,
    NotReady,
}

pub fn run(cmd: ModelsCommand, registry: &Registry, out: &mut Output) -> Result<i32> {
    match cmd {
        ModelsCommand::List { provider, vendor, modality, status } => {
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
            if out.json {
                let rows: Vec<ModelJson> = models.iter().map(|m| ModelJson::from(*m)).collect();
                out.json_line(&rows)?;
            } else {
                list_table(out, &models)?;
            }
            out.flush()?;
            Ok(0)
        }
        ModelsCommand::Status { model: None } => {
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
        ModelsCommand::Status { model: Some(name) } => {
            let model = registry.lookup(&name, None)?;
            let suggestions = if model.is_ready() { Vec::new() } else { registry.alternatives(model) };
            let row = StatusJson::new(model, Some(suggestions));
            if out.json {
                out.json_line(&row)?;
            } else {
                let mut text = format!(
                    "{} ({}/{})\n  status:    {}\n  billing:   {}\n  available: {}\n  reason:    {}\n",
                    model.model_id,
                    model.provider,
                    model.vendor,
                    model.status.as_str(),
                    model.billing.as_str(),
                    yes_no(row.available),
                    row.reason
                );
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

fn list_table(out: &mut Output, models: &[&Model]) -> Result<()> {
    let mut table = TextTable::new(&[
        Column::word("MODEL"),
        Column::word("PROVIDER").dropped(1),
        Column::word("VENDOR").dropped(5),
        Column::word("STATUS"),
        Column::word("BILLING").dropped(6),
        Column::text("ALIASES").dropped(2),
        Column::number("$/M IN/OUT").dropped(3),
    ]);
    for m in models {
        let price = m
            .pricing
            .as_ref()
            .map_or_else(|| String::from("-"), |p| format!("{:.2}/{:.2}", p.input_per_million, p.output_per_million));
        table.row(vec![
            m.model_id.clone(),
            m.provider.clone(),
            m.vendor.clone(),
            m.status.as_str().to_string(),
            m.billing.as_str().to_string(),
            m.aliases.join(", "),
            price,
        ]);
    }
    out.table(table)
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
}

impl<'a> StatusJson<'a> {
    fn new(m: &'a Model, suggestions: Option<Vec<Suggestion>>) -> Self {
        let available = m.is_ready();
        let reason = if available {
            "READY in the catalogue".to_string()
        } else {
            m.status_reason.clone().unwrap_or_else(|| "NOT READY in the catalogue".into())
        };
        StatusJson { model: ModelJson::from(m), available, reason, suggestions: suggestions.filter(|_| !available) }
    }
}
