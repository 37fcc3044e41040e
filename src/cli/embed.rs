//! `llmgw embed`: one vector per input, as a JSON array a line (`--json`: one NDJSON object per input). Inputs are
//! the TEXT arguments, else each non-empty line of standard input, read as the gateway asks for them, so a large
//! file streams through; vectors are written in input order as each batch returns.

use super::GlobalArgs;
use super::output::Output;
use crate::codec::bedrock_embeddings::InputType;
use crate::config::Registry;
use crate::gateway::{EmbedRequest, Gateway, ModelChoice, Vector};
use crate::store::recorder::Lifetime;
use crate::{Error, Result};
use clap::Args;
use serde::Serialize;
use std::io::{BufRead, IsTerminal};

pub const EXAMPLES: &str = "\
Examples:
  llmgw embed -m embed-small \"the quick brown fox\"
  # one vector per line of a file, in order
  llmgw embed -m embed-small < notes.txt > vectors.jsonl
  llmgw embed -m embed-small --json --dimensions 256 \"a\" \"b\" | jq .dimensions";

#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// An embedding model: id, alias or provider/modelId (`llmgw models list --modality text-to-embedding`)
    #[arg(short, long, value_name = "MODEL")]
    model: Option<String>,
    /// Only consider models of this provider
    #[arg(short, long, value_name = "PROVIDER")]
    provider: Option<String>,
    /// Ask for vectors of this size (models that can shorten them: text-embedding-3-*)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65_536))]
    dimensions: Option<u32>,
    /// What the texts are for: the documents of a search, or its queries (Cohere Embed)
    #[arg(long, value_enum, value_name = "KIND", default_value_t = InputKind::Document)]
    input_type: InputKind,
    /// Calls in flight at most, for models that take one text per call (Titan)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Take each text's vector from the response cache when it holds it, and keep new ones there (re-embedding a
    /// corpus pays only for the lines that changed) [default: on when config/system/cache.json says enabled]
    #[arg(long, conflicts_with = "no_cache")]
    cache: bool,
    /// Neither read nor write the response cache
    #[arg(long)]
    no_cache: bool,
    /// Who is asking, for the request records [default: $LLMGW_USER, else the login name]
    #[arg(long, env = "LLMGW_USER", value_name = "USER")]
    user: Option<String>,
    /// Do not record the requests for `metrics`
    #[arg(long, env = "LLMGW_NO_LOG", value_parser = clap::builder::FalseyValueParser::new())]
    no_log: bool,
    /// Each TEXT is one input; without any, each non-empty line of standard input is one
    #[arg(value_name = "TEXT")]
    texts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InputKind {
    Document,
    Query,
}

/// `--json`: one object per input.
#[derive(Serialize)]
struct VectorJson<'a> {
    index: usize,
    embedding: &'a [f32],
    dimensions: usize,
    input_tokens: u64,
    model: &'a str,
    provider: &'a str,
}

pub async fn run(args: EmbedArgs, registry: Registry, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    let request = EmbedRequest {
        model: match args.model.filter(|m| !m.is_empty()) {
            Some(name) => ModelChoice::Given(name),
            None => ModelChoice::Default,
        },
        provider: args.provider,
        dimensions: args.dimensions,
        input_type: match args.input_type {
            InputKind::Document => InputType::Document,
            InputKind::Query => InputType::Query,
        },
        concurrency: usize::from(args.concurrency),
        cache: match (args.cache, args.no_cache) {
            (_, true) => crate::gateway::CachePolicy::Off,
            (true, false) => crate::gateway::CachePolicy::On { ttl: None },
            (false, false) => crate::gateway::CachePolicy::Default,
        },
        user: super::user(args.user.as_deref()),
        record: !args.no_log,
        timeout: None,
    };
    let args_total = args.texts.len() as u64;
    let mut texts: Box<dyn Iterator<Item = String>> = if !args.texts.is_empty() {
        Box::new(args.texts.into_iter())
    } else if std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "no input: give TEXT arguments, or lines on standard input (llmgw embed -m MODEL < notes.txt)".into(),
        ));
    } else {
        let lines = std::io::stdin().lock().lines();
        Box::new(lines.map_while(|line| line.ok()).filter(|line| !line.trim().is_empty()))
    };
    let bar = progress(out, (args_total > 0).then_some(args_total));
    let gateway = Gateway::new(registry, global.db.clone(), Lifetime::Short);
    let json = out.json;
    let mut line = String::new();
    let outcome = {
        let mut sink = |v: Vector| -> Result<()> {
            line.clear();
            if json {
                let doc = VectorJson {
                    index: v.index,
                    embedding: &v.embedding,
                    dimensions: v.embedding.len(),
                    input_tokens: v.input_tokens,
                    model: &v.model,
                    provider: &v.provider,
                };
                line = serde_json::to_string(&doc).map_err(|e| Error::Internal(e.to_string()))?;
            } else {
                line = serde_json::to_string(&v.embedding).map_err(|e| Error::Internal(e.to_string()))?;
            }
            line.push('\n');
            if let Some(bar) = &bar {
                bar.inc(1);
            }
            out.text(&line)
        };
        gateway.embed(&request, &mut texts, &mut sink, super::chat::interrupted()).await
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for warning in &outcome.warnings {
        out.warn(&warning.to_string());
    }
    let embedded = outcome.result?;
    out.flush()?;
    if embedded == 0 {
        out.nothing_to_show("no input lines: nothing embedded");
    }
    Ok(0)
}

/// A progress bar on stderr (done/total, rate, ETA; without a total, done and rate), only at a terminal and
/// without `--json` or `-q`.
fn progress(out: &Output, total: Option<u64>) -> Option<indicatif::ProgressBar> {
    if out.json || out.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let (bar, template) = match total {
        Some(n) => (indicatif::ProgressBar::new(n), "{bar:30} {pos}/{len} embedded, {per_sec}, ETA {eta}"),
        None => (indicatif::ProgressBar::new_spinner(), "{spinner} {pos} embedded, {per_sec}, {elapsed}"),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}
