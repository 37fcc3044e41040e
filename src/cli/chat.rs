//! `chat` and `stream`: one prompt to one model. They share everything but the renderer: `chat` prints the whole
//! reply at the end, `stream` prints each piece the moment it arrives (buffered only while more is already waiting).
//!
//! The command turns argv into a [`Request`], and hands it to the gateway with a [`Sink`] (spinner, `-v` lines,
//! streamed text) and Ctrl-C as the cancellation; everything else (conversation, model, provider, recording) is the
//! gateway's. What comes back is rendered here: the reply, or the error, and warnings about recording.

use super::GlobalArgs;
use super::output::Output;
use crate::config::Registry;
use crate::error::Signal;
use crate::gateway::{CachePolicy, Delivery, Gateway, ModelChoice, Request};
use crate::store::recorder::Lifetime;
use crate::types::{Attachment, EventSink, Media, Params, Progress, Response};
use crate::{Error, Result};
use clap::Args;
use serde::Serialize;
use std::io::{IsTerminal, Read};
use std::time::Duration;

pub const CHAT_EXAMPLES: &str = "\
Examples:
  # offline: try llmgw, test scripts in CI
  llmgw chat -m echo \"hello\"
  llmgw chat -m claude -s \"Answer in French\" \"Good morning\"
  # stdin is appended after a blank line
  cat notes.txt | llmgw chat -m claude \"Summarise:\"
  llmgw chat --json -m llama \"2+2?\" | jq -r .content
  LLMGW_MODEL=haiku llmgw chat \"one word for joy\"
  # continue a stored conversation (by name or id)
  llmgw chat --conv trip -m claude \"And the weather?\"";

pub const STREAM_EXAMPLES: &str = "\
Examples:
  llmgw stream -m llama \"Tell me a story\"
  # exits quietly when head closes the pipe
  llmgw stream -m claude \"List 100 primes\" | head -3
  llmgw stream --json -m claude \"hi\" | jq -c 'select(.type==\"done\") | .usage'";

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config's defaultModel]
    #[arg(short, long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Only consider models of this provider
    #[arg(short, long, value_name = "PROVIDER")]
    pub provider: Option<String>,
    /// System prompt (with --conv: replaces the conversation's own for this request only)
    #[arg(short, long, value_name = "TEXT")]
    pub system: Option<String>,
    /// Continue this stored conversation (id, or name among the user's conversations)
    #[arg(long, value_name = "ID|NAME")]
    pub conv: Option<String>,
    /// Who is asking, for the request record and conversation names [default: $LLMGW_USER, else the login name]
    #[arg(long, env = "LLMGW_USER", value_name = "USER")]
    pub user: Option<String>,
    /// Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)
    #[arg(long, env = "LLMGW_NO_LOG", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_log: bool,
    /// Most tokens to generate [default: the catalogue's, capped by config/system maxTokens]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0 to 2 (models clamp to their own range)
    #[arg(long, value_name = "T")]
    pub temperature: Option<f32>,
    /// Nucleus sampling, 0 to 1
    #[arg(long, value_name = "P")]
    pub top_p: Option<f32>,
    /// Stop when the model writes this text (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub stop: Vec<String>,
    /// When the model fails in a way another could fix (rate limited, provider or network failure, timeout, not
    /// ready) before any text is out, try this one (repeatable, in order; then the catalogue's fallbacks)
    #[arg(long, value_name = "MODEL")]
    pub fallback: Vec<String>,
    /// Send this image (png, jpeg, gif, webp) or document (pdf) with the prompt (repeatable; models whose catalogue
    /// inputTypes take it; the type is read from the file's bytes)
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<std::path::PathBuf>,
    /// Answer from the response cache when it holds this request's reply, and keep the reply there [default: on
    /// when config/system/cache.json says enabled]
    #[arg(long, conflicts_with = "no_cache")]
    pub cache: bool,
    /// Neither read nor write the response cache for this request
    #[arg(long)]
    pub no_cache: bool,
    /// Only a reply stored at most this long ago may answer (30s, 10m, 12h, 7d); implies --cache [default: the
    /// config's ttl, 7d]
    #[arg(long, value_name = "DUR", value_parser = parse_ttl, conflicts_with = "no_cache")]
    pub cache_ttl: Option<Duration>,
    /// Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// The prompt; words are joined with spaces. Standard input, when not a terminal, is appended after a blank
    /// line (or is the prompt when none is given)
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,
}

pub async fn run(
    args: ChatArgs,
    registry: Registry,
    delivery: Delivery,
    global: &GlobalArgs,
    out: &mut Output,
) -> Result<i32> {
    let request = Request {
        delivery,
        model: model_choice(args.model.as_deref()),
        provider: args.provider.clone(),
        fallbacks: args.fallback.clone(),
        timeout: timeout(args.timeout)?,
        params: params(&args)?,
        prompt: prompt(&args.prompt, out)?,
        attachments: attachments(&args.attach)?,
        system: args.system.clone(),
        conversation: args.conv.clone(),
        user: super::user(args.user.as_deref()),
        record: !args.no_log,
        cache: cache_policy(&args),
        // `--json`'s `done` event carries the text of a streamed reply.
        keep_text: out.json,
    };
    let gateway = Gateway::new(registry, global.db.clone(), Lifetime::Short);
    let mut sink = Sink { out: &mut *out, spinner: None };
    let outcome = gateway.run(&request, &mut sink, interrupted()).await;
    if let Some(bar) = sink.spinner.take() {
        bar.finish_and_clear();
    }
    for notice in &outcome.notices {
        out.notice(notice);
    }
    for warning in &outcome.warnings {
        // The answer is already out (or the request failed for its own reason): say so, but do not fail on it.
        out.warn(&warning.to_string());
    }
    // The reply was paid for: a person still gets to read it before the store's error (a streamed one already has
    // been). `--json` stays one document: the error.
    if let Some(reply) = &outcome.unsaved_reply
        && delivery == Delivery::Whole
        && !out.json
    {
        out.text(reply)?;
        out.end_line()?;
    }
    let answered_by = outcome.answered_by;
    let response = match outcome.result {
        Ok(response) => response,
        Err(err) => {
            out.failed_attempts(outcome.attempts);
            // End a partial line so that the error and the shell prompt start on their own lines.
            let _ = out.end_line();
            return Err(err);
        }
    };
    if let Some(answered_by) = &answered_by {
        let failed: Vec<String> =
            response.attempts.iter().map(|a| format!("{} failed ({})", a.name, a.error_code)).collect();
        out.notice(&format!("{}; answered by {answered_by}", failed.join(", ")));
    }
    render(out, delivery, &response)?;
    if response.stop_reason.as_deref() == Some("max_tokens") {
        // In text the cut is invisible: say so (not with -q or --json, where stop_reason tells).
        out.note(&format!(
            "the reply stopped at the token limit ({} output tokens); raise it with --max-tokens N",
            response.usage.output_tokens
        ));
    }
    out.verbose(format_args!(
        "{} input + {} output tokens{} in {} ms{}",
        response.usage.input_tokens,
        response.usage.output_tokens,
        if response.cached { " (paid for earlier; answered from the cache)" } else { "" },
        response.duration_ms,
        response.time_to_first_token_ms.map_or(String::new(), |t| format!(" (first token after {t} ms)"))
    ));
    Ok(0)
}

/// Resolves at Ctrl-C, SIGTERM or SIGHUP, with which: the request's cancellation. CI cancellation, `timeout` and
/// systemd send SIGTERM; a closed terminal sends SIGHUP; each stops the request as Ctrl-C does.
pub(super) async fn interrupted() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
            return ctrl_c().await;
        };
        tokio::select! {
            signal = ctrl_c() => signal,
            _ = term.recv() => Signal::Terminate,
            _ = hup.recv() => Signal::Hangup,
        }
    }
    #[cfg(not(unix))]
    {
        ctrl_c().await
    }
}

async fn ctrl_c() -> Signal {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler could be installed: the request simply cannot be cancelled this way.
        std::future::pending::<()>().await;
    }
    Signal::Interrupt
}

fn render(out: &mut Output, delivery: Delivery, response: &Response) -> Result<()> {
    match (delivery, out.json) {
        (Delivery::Whole, true) => out.json_line(response)?,
        (Delivery::Whole, false) => {
            out.text(&response.content)?;
            out.end_line()?;
        }
        (Delivery::Stream, true) => out.json_line(&Done { kind: "done", response })?,
        // The text went out as it arrived; only the closing newline is left.
        (Delivery::Stream, false) => out.end_line()?,
    }
    out.flush()
}

#[derive(Serialize)]
struct Done<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    response: &'a Response,
}

#[derive(Serialize)]
struct Delta<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

/// Renders what the gateway reports on the way: `-v` lines and the spinner for progress, and streamed text (raw
/// for humans, one NDJSON `delta` event per piece with `--json`). Writes are buffered and flushed when the provider
/// goes idle, so a burst costs one write and a lone token is never held back.
struct Sink<'a> {
    out: &'a mut Output,
    spinner: Option<indicatif::ProgressBar>,
}

impl EventSink for Sink<'_> {
    fn delta(&mut self, text: &str) -> Result<()> {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
        if self.out.json { self.out.json_line(&Delta { kind: "delta", text }) } else { self.out.text(text) }
    }

    fn idle(&mut self) -> Result<()> {
        self.out.flush()
    }

    fn progress(&mut self, step: Progress<'_>) {
        match step {
            Progress::Database(path) => self.out.verbose(format_args!("database: {}", path.display())),
            Progress::Conversation { id, messages } => {
                self.out.verbose(format_args!("conversation: {id} ({messages} messages)"))
            }
            Progress::Model { model_id, provider, vendor } => {
                self.out.verbose(format_args!("model: {model_id} (provider {provider}, vendor {vendor})"));
                self.spinner = self.out.spinner(&format!("waiting for {model_id}"));
            }
            Progress::Connected { provider, describe } => {
                self.out.verbose(format_args!("provider: {provider} ({describe})"))
            }
            Progress::CacheHit { age_ms } => {
                if let Some(bar) = self.spinner.take() {
                    bar.finish_and_clear();
                }
                self.out.verbose(format_args!("cache: hit, stored {} ago", crate::time::human_age(age_ms)))
            }
            Progress::CacheMiss => self.out.verbose(format_args!("cache: miss")),
            Progress::InferenceProfile { model, profile } => self.out.verbose(format_args!(
                "bedrock does not serve {model} on demand; sending to its inference profile {profile}"
            )),
            Progress::Fallback { failed, code, next } => {
                self.out.verbose(format_args!("fallback: {failed} failed ({code}); trying {next}"))
            }
        }
    }
}

/// The largest file `--attach` reads (every provider's limit is below it; the gateway checks the real one).
const MAX_ATTACHMENT: u64 = 32 * 1024 * 1024;

/// Each `--attach` file, read and typed by its bytes.
fn attachments(paths: &[std::path::PathBuf]) -> Result<Vec<Attachment>> {
    paths
        .iter()
        .map(|path| {
            let shown = path.display();
            let bytes = match crate::files::read_bytes_bounded(path, MAX_ATTACHMENT) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => return Err(Error::Usage(format!("--attach {shown}: no such file"))),
                Err(e) => return Err(Error::Usage(format!("--attach {shown}: {e}"))),
            };
            let media = Media::sniff(&bytes).ok_or_else(|| {
                Error::Usage(format!(
                    "--attach {shown}: not a PNG, JPEG, GIF, WebP image or a PDF (read from its bytes)"
                ))
            })?;
            let name = path.file_name().map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
            Ok(Attachment { name, media, bytes: std::sync::Arc::new(bytes) })
        })
        .collect()
}

fn cache_policy(args: &ChatArgs) -> CachePolicy {
    match (args.no_cache, args.cache, args.cache_ttl) {
        (true, _, _) => CachePolicy::Off,
        (false, _, Some(ttl)) => CachePolicy::On { ttl: Some(ttl) },
        (false, true, None) => CachePolicy::On { ttl: None },
        (false, false, None) => CachePolicy::Default,
    }
}

fn parse_ttl(text: &str) -> std::result::Result<Duration, String> {
    crate::time::parse_duration(text)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{text}' is not a duration above zero (a number and s, m, h, d or w: 30s, 12h, 7d)"))
}

/// `-m`, else `$LLMGW_MODEL`, else the catalogue's default. An empty value counts as unset.
fn model_choice(flag: Option<&str>) -> ModelChoice {
    const VAR: &str = "LLMGW_MODEL";
    match (flag.filter(|m| !m.is_empty()), std::env::var(VAR).ok().filter(|m| !m.is_empty())) {
        (Some(name), _) => ModelChoice::Given(name.to_string()),
        (None, Some(name)) => ModelChoice::FromEnv { var: VAR, name },
        (None, None) => ModelChoice::Default,
    }
}

/// `--timeout SECS` as a duration: positive, finite, and at most a day (a bigger number is a typo, and would not
/// fit the timer).
fn timeout(secs: Option<f64>) -> Result<Option<Duration>> {
    let Some(secs) = secs else { return Ok(None) };
    if !(secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
        return Err(Error::Usage(format!(
            "--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECS} (a day), got {secs}"
        )));
    }
    Ok(Some(Duration::from_secs_f64(secs)))
}

const MAX_TIMEOUT_SECS: f64 = 86_400.0;

fn params(args: &ChatArgs) -> Result<Params> {
    if let Some(t) = args.temperature
        && !(0.0..=2.0).contains(&t)
    {
        return Err(Error::Usage(format!("--temperature must be between 0 and 2, got {t}")));
    }
    if let Some(p) = args.top_p
        && !(0.0..=1.0).contains(&p)
    {
        return Err(Error::Usage(format!("--top-p must be between 0 and 1, got {p}")));
    }
    if args.stop.iter().any(String::is_empty) {
        return Err(Error::Usage("--stop needs a non-empty text".into()));
    }
    Ok(Params {
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        top_p: args.top_p,
        stop: args.stop.clone(),
    })
}

/// PROMPT words joined by spaces; stdin, when it is not a terminal, appended after a blank line or used alone.
/// Stdin that is not UTF-8 (a Latin-1 file in a `git diff`) is not refused: each invalid sequence becomes U+FFFD,
/// and the caller says how many there were.
fn prompt(words: &[String], out: &Output) -> Result<String> {
    let stdin = std::io::stdin();
    let piped = if stdin.is_terminal() {
        String::new()
    } else {
        let mut bytes = Vec::new();
        stdin.lock().read_to_end(&mut bytes).map_err(|e| Error::Usage(format!("cannot read standard input: {e}")))?;
        let (text, replaced) = lossy_utf8(&bytes);
        if replaced > 0 {
            out.warn(&format!(
                "standard input is not valid UTF-8: {replaced} invalid byte sequence(s) replaced with U+FFFD"
            ));
        }
        text
    };
    join_prompt(&words.join(" "), &piped)
}

/// The text of `bytes`, each invalid UTF-8 sequence replaced with U+FFFD, and how many were replaced.
fn lossy_utf8(bytes: &[u8]) -> (String, usize) {
    let mut text = String::with_capacity(bytes.len());
    let mut replaced = 0;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            text.push(char::REPLACEMENT_CHARACTER);
            replaced += 1;
        }
    }
    (text, replaced)
}

fn join_prompt(args: &str, piped: &str) -> Result<String> {
    let piped = piped.trim_end();
    match (args.trim().is_empty(), piped.trim().is_empty()) {
        (true, true) => Err(Error::Usage(
            "no prompt: give one as arguments or on standard input (llmgw chat \"hello\", or echo hello | llmgw chat)"
                .into(),
        )),
        (false, true) => Ok(args.to_string()),
        (true, false) => Ok(piped.to_string()),
        (false, false) => Ok(format!("{args}\n\n{piped}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_replaced_and_counted() {
        assert_eq!(lossy_utf8(b"caf\xe9 au lait"), ("caf\u{fffd} au lait".to_string(), 1));
        assert_eq!(lossy_utf8(b"\xff\xfe ok \xc3"), ("\u{fffd}\u{fffd} ok \u{fffd}".to_string(), 3));
        assert_eq!(lossy_utf8("d\u{e9}j\u{e0}".as_bytes()), ("d\u{e9}j\u{e0}".to_string(), 0));
    }

    #[test]
    fn stdin_is_appended_after_a_blank_line() {
        assert_eq!(join_prompt("Summarise:", "line one\nline two\n").unwrap(), "Summarise:\n\nline one\nline two");
        assert_eq!(join_prompt("", "only stdin\n").unwrap(), "only stdin");
        assert_eq!(join_prompt("only args", "").unwrap(), "only args");
        assert!(matches!(join_prompt("  ", " \n"), Err(Error::Usage(_))));
    }
}
