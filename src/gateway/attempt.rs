//! One attempt at a request, as `metrics` will see it: who asked, which model, when, and what it cost.
//!
//! The gateway opens an [`Attempt`] when a request arrives (so a request that fails before reaching a provider is
//! still timed and recorded), and turns it into a [`RequestRecord`] with the outcome. Prices come from the
//! catalogue; the request id is the response's, so a record and a reply always name each other.

use crate::codec::WordCount;
use crate::config::Model;
use crate::store::RequestRecord;
use crate::time::now_ms;
use crate::types::{EventSink, Progress, Response, Usage};
use crate::{Error, Result};
use std::borrow::Cow;
use std::time::{Duration, Instant};

/// Who asked, for which conversation, and when: what a request record needs besides the outcome.
pub(super) struct Attempt<'a> {
    pub request_id: String,
    pub user: &'a str,
    pub command: &'static str,
    /// The catalogue model asked for (also when it is NOT READY), or the inference profile made for it that was
    /// sent instead; `None` when the name is unknown.
    pub model: Option<Cow<'a, Model>>,
    /// The name asked for (`-m`, or the default), recorded when resolution failed.
    pub model_name: &'a str,
    pub provider: Option<&'a str>,
    pub conversation_id: Option<String>,
    /// The request's first attempt (the model asked for), not a fallback's.
    pub first: bool,
    pub started_ms: i64,
    pub clock: Instant,
}

impl<'a> Attempt<'a> {
    pub fn new(user: &'a str, command: &'static str, model_name: &'a str, provider: Option<&'a str>) -> Self {
        Attempt {
            request_id: new_request_id(),
            user,
            command,
            model: None,
            model_name,
            provider,
            conversation_id: None,
            first: true,
            started_ms: now_ms(),
            clock: Instant::now(),
        }
    }

    /// The request record of this attempt: under `model` when it was found, else under the name asked for. A
    /// stream cut by its reader or a signal is recorded with what it had `received`: the provider bills the tokens
    /// it sent, so they are estimated (and flagged) and priced.
    pub fn record(&self, outcome: &Result<Response>, received: &Received) -> RequestRecord {
        let mut record = RequestRecord {
            request_id: self.request_id.clone(),
            time_ms: self.started_ms,
            user_id: self.user.to_string(),
            command: self.command.to_string(),
            provider: self.provider.map(str::to_string),
            model: Some(self.model_name.to_string()),
            vendor: None,
            duration_ms: self.clock.elapsed().as_millis() as u64,
            conversation_id: self.conversation_id.clone(),
            ..Default::default()
        };
        if let Some(model) = self.model.as_deref() {
            record.model = Some(model.model_id.clone());
            record.provider = Some(model.provider.clone());
            record.vendor = Some(model.vendor.clone());
        }
        match outcome {
            Ok(response) if response.cached => {
                record.cached = true;
                record.duration_ms = response.duration_ms;
                record.ttft_ms = response.time_to_first_token_ms;
                record.cost_usd = Some(0.0);
                record.saved_usd = self.model.as_deref().and_then(|m| cost(m, &response.usage));
            }
            Ok(response) => {
                record.tokens_estimated = response.usage.estimated;
                record.input_tokens = response.usage.input_tokens;
                record.output_tokens = response.usage.output_tokens;
                record.duration_ms = response.duration_ms;
                record.ttft_ms = response.time_to_first_token_ms;
                let generating = response.duration_ms.saturating_sub(response.time_to_first_token_ms.unwrap_or(0));
                record.tokens_per_second = (generating > 0 && response.usage.output_tokens > 0)
                    .then(|| response.usage.output_tokens as f64 * 1000.0 / generating as f64);
                record.cost_usd = self.model.as_deref().and_then(|m| cost(m, &response.usage));
            }
            Err(err) => {
                record.error_code = Some(err.code().to_string());
                record.cached = received.cached;
                if received.cached {
                    // A replay cut short: nothing was billed.
                    record.cost_usd = Some(0.0);
                } else if let (Error::BrokenPipe | Error::Interrupted(_), Some(first)) = (err, received.first) {
                    let usage = received.usage();
                    record.ttft_ms = Some(first.as_millis() as u64);
                    record.input_tokens = usage.input_tokens;
                    record.output_tokens = usage.output_tokens;
                    record.tokens_estimated = true;
                    record.cost_usd = self.model.as_deref().and_then(|m| cost(m, &usage));
                }
            }
        }
        record
    }
}

/// What a stream has delivered so far, kept outside the request so that it outlives a stream cut short (the
/// request's future is dropped when a signal arrives; the reader closing the pipe ends it with an error).
#[derive(Debug, Default)]
pub(super) struct Received {
    /// The estimated input tokens of the request that was sent (its words).
    pub input_words: u64,
    /// When the first text arrived, after the request was sent.
    pub first: Option<Duration>,
    pub output: WordCount,
    /// The reply came from the response cache: nothing was sent, and nothing is billed.
    pub cached: bool,
    /// The request went to the provider (limits count it, and settle it to what it used).
    pub sent: bool,
    /// What the attempt holds on the counters of `system/limits.json` until it ends.
    pub held: Option<super::limits::Held>,
    /// Lines for the caller about the request, shown unless `-q` (a limit past its `warnAt`).
    pub notices: Vec<String>,
}

impl Received {
    /// The estimated usage of what was received: llmgw's word counts, flagged as estimates.
    pub fn usage(&self) -> Usage {
        Usage { input_tokens: self.input_words, output_tokens: self.output.words(), estimated: true }
    }
}

/// What `usage` costs at the catalogue's prices (USD per million tokens); `None` when the model has no prices.
pub fn cost(model: &Model, usage: &Usage) -> Option<f64> {
    let p = model.pricing.as_ref()?;
    Some((usage.input_tokens as f64 * p.input_per_million + usage.output_tokens as f64 * p.output_per_million) / 1e6)
}

/// Wraps the caller's sink to time the first token, count what was [`Received`] and, when asked, keep the text.
pub(super) struct Timing<'a> {
    inner: &'a mut dyn EventSink,
    started: Instant,
    pub received: &'a mut Received,
    pub text: Option<String>,
}

impl<'a> Timing<'a> {
    pub fn new(inner: &'a mut dyn EventSink, received: &'a mut Received, keep_text: bool) -> Self {
        Timing { inner, started: Instant::now(), received, text: keep_text.then(String::new) }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The caller's sink, for progress after the reply.
    pub fn inner(&mut self) -> &mut dyn EventSink {
        &mut *self.inner
    }
}

impl EventSink for Timing<'_> {
    fn delta(&mut self, text: &str) -> Result<()> {
        if self.received.first.is_none() {
            self.received.first = Some(self.started.elapsed());
        }
        self.received.output.add(text);
        if let Some(kept) = &mut self.text {
            kept.push_str(text);
        }
        self.inner.delta(text)
    }

    fn idle(&mut self) -> Result<()> {
        self.inner.idle()
    }

    fn progress(&mut self, step: Progress<'_>) {
        self.inner.progress(step)
    }
}

/// A request id that sorts by time: `req_` + 12 hex digits of milliseconds + 8 of process-local entropy.
pub fn new_request_id() -> String {
    crate::store::new_id("req")
}
