//! The gateway: one request, top to bottom. Resolve the model in the catalogue, fill in defaults, connect to its
//! provider, send, time it, and turn the outcome into a [`Response`] or an [`Error`] with alternatives.
//!
//! Every command that talks to a model goes through here, so retries, fallbacks, caching, quotas and recording
//! have one place to live. The gateway never prints: streamed text goes to an [`EventSink`].
//!
//! A caller (the CLI today, a server later) states a [`Call`]; [`Gateway::prepare`] loads its conversation and
//! resolves its model into a [`Prepared`] request, the caller sends it with [`Gateway::chat`] or
//! [`Gateway::stream`] (keeping what is its own: spinners, Ctrl-C, rendering), and [`Gateway::finish`] appends the
//! turn to the conversation and records the attempt for `metrics`, priced from the catalogue.

use crate::config::{Model, Registry};
use crate::error::Suggestion;
use crate::provider::{Client, Limits};
use crate::spool::Spool;
use crate::store::{Conversation, RequestRecord, Store, StoredMessage, Turn, now_ms};
use crate::types::{ChatRequest, EventSink, Message, Params, Response, Usage};
use crate::{Error, Result};
use std::time::{Duration, Instant};

/// Request options that are not part of the neutral request: which model, and how long to wait.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Model id, alias or `provider/modelId`; `None` means the configured default.
    pub model: Option<String>,
    /// Restrict the lookup to one provider (`-p`).
    pub provider: Option<String>,
    /// Overrides the provider's request timeout.
    pub timeout: Option<Duration>,
}

pub struct Gateway {
    registry: Registry,
}

impl Gateway {
    pub fn new(registry: Registry) -> Gateway {
        Gateway { registry }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The READY model a request would go to.
    pub fn resolve(&self, target: &Target) -> Result<&Model> {
        let name = target.model.as_deref().unwrap_or(&self.registry.system().default_model);
        self.registry.resolve(name, target.provider.as_deref())
    }

    /// Connect to the provider serving `model`.
    pub async fn connect(&self, model: &Model) -> Result<Client> {
        let settings = self
            .registry
            .provider(&model.provider)
            .ok_or_else(|| Error::Internal(format!("model {} names provider {}", model.model_id, model.provider)))?;
        Client::connect(settings).await
    }

    /// Send `req` and wait for the whole reply.
    pub async fn chat(
        &self,
        client: &Client,
        model: &Model,
        mut req: ChatRequest,
        target: &Target,
    ) -> Result<Response> {
        self.fill_defaults(model, &mut req);
        let started = Instant::now();
        let completion =
            client.chat(model, &req, self.limits(model, target)).await.map_err(|e| self.explain(e, model))?;
        Ok(Response {
            model: model.model_id.clone(),
            provider: model.provider.clone(),
            vendor: model.vendor.clone(),
            content: completion.content,
            stop_reason: completion.stop_reason,
            usage: completion.usage,
            duration_ms: started.elapsed().as_millis() as u64,
            time_to_first_token_ms: None,
            conversation_id: None,
            request_id: new_request_id(),
        })
    }

    /// Send `req` and pass the reply to `sink` as it arrives. The returned response's `content` is empty unless
    /// `keep_text` is set (a caller that stores the reply needs it; one that only prints does not).
    pub async fn stream(
        &self,
        client: &Client,
        model: &Model,
        mut req: ChatRequest,
        target: &Target,
        sink: &mut dyn EventSink,
        keep_text: bool,
    ) -> Result<Response> {
        self.fill_defaults(model, &mut req);
        let started = Instant::now();
        let mut timing = Timing { inner: sink, started, first: None, text: keep_text.then(String::new) };
        let end = client.stream(model, &req, self.limits(model, target), &mut timing).await;
        let end = end.map_err(|e| self.explain(e, model))?;
        Ok(Response {
            model: model.model_id.clone(),
            provider: model.provider.clone(),
            vendor: model.vendor.clone(),
            content: timing.text.unwrap_or_default(),
            stop_reason: end.stop_reason,
            usage: end.usage,
            duration_ms: started.elapsed().as_millis() as u64,
            time_to_first_token_ms: timing.first.map(|d| d.as_millis() as u64),
            conversation_id: None,
            request_id: new_request_id(),
        })
    }

    /// Load the call's conversation (an unknown one is `NotFound`, and nothing is recorded) and resolve its model.
    /// A model that cannot be used is not an error here: it is an attempt that [`Gateway::finish`] records.
    pub fn prepare<'g>(&'g self, call: &Call, store: Option<&Store>) -> Result<Prepared<'g>> {
        let mut system = call.system.clone();
        let mut conversation = None;
        let messages = match (&call.conversation, store) {
            (Some(name), Some(store)) => {
                let conv = store.find_conversation(name, &call.user)?;
                let stored = store.messages(&conv.conversation_id)?;
                // `-s` replaces the stored system prompt for this request only.
                system = system.or_else(|| conv.system.clone());
                conversation = Some(conv);
                Gateway::history(&stored, call.prompt.clone())
            }
            (Some(_), None) => return Err(Error::Internal("a conversation needs the store".into())),
            (None, _) => vec![Message::user(call.prompt.clone())],
        };
        let model = self.resolve(&call.target);
        let name = call.target.model.clone().unwrap_or_else(|| self.registry.system().default_model.clone());
        let attempt = Attempt {
            user: call.user.clone(),
            command: call.command,
            // A NOT READY model is still a catalogue model: its refusal is recorded under its id and provider.
            model: model
                .as_ref()
                .ok()
                .copied()
                .or_else(|| self.registry.lookup(&name, call.target.provider.as_deref()).ok()),
            model_name: Some(name),
            provider: call.target.provider.clone(),
            conversation_id: conversation.as_ref().map(|c: &Conversation| c.conversation_id.clone()),
            started_ms: now_ms(),
            clock: Instant::now(),
        };
        let request = ChatRequest { system, messages, params: call.params.clone() };
        Ok(Prepared { model, request, conversation, attempt })
    }

    /// Conclude a call: on success append both turns to its conversation in one transaction (a failure leaves the
    /// conversation as it was), then record the attempt unless the call says not to: into the store when it is open
    /// (for the conversation), else into the spool.
    pub fn finish(
        &self,
        call: &Call,
        prepared: Prepared<'_>,
        outcome: Result<Response>,
        store: Option<&mut Store>,
        spool: Option<&Spool>,
    ) -> Finished {
        let Prepared { conversation, attempt, .. } = prepared;
        let mut finished = Finished { result: outcome, unsaved_reply: None, record_error: None, spool_full: false };
        if let (None, Some(spool), true) = (&store, spool, call.record) {
            match spool.append(&Gateway::record(&attempt, &finished.result)) {
                Ok(size) => finished.spool_full = size >= crate::spool::INGEST_AT_BYTES,
                Err(err) => finished.record_error = Some(err),
            }
        }
        if let Some(store) = store {
            if let (Ok(response), Some(conv)) = (&mut finished.result, &conversation) {
                response.conversation_id = Some(conv.conversation_id.clone());
                let turn = Turn {
                    prompt: &call.prompt,
                    reply: &response.content,
                    model: &response.model,
                    provider: &response.provider,
                };
                if let Err(err) = store.append_turn(&conv.conversation_id, &turn) {
                    let reply = std::mem::take(&mut response.content);
                    finished.result = Err(err);
                    finished.unsaved_reply = Some(reply);
                }
            }
            if call.record
                && let Err(err) = store.record(&Gateway::record(&attempt, &finished.result))
            {
                finished.record_error = Some(err);
            }
        }
        finished
    }

    /// The messages of a request that continues a conversation: the stored turns in order, then the new prompt.
    /// Every vendor codec formats this neutral history its own way, so a conversation may change models between
    /// turns (a Claude turn is sent to Llama in the Llama template).
    pub fn history(stored: &[StoredMessage], prompt: String) -> Vec<Message> {
        let mut messages: Vec<Message> =
            stored.iter().map(|m| Message { role: m.role, content: m.content.clone() }).collect();
        messages.push(Message::user(prompt));
        messages
    }

    /// The request record of one attempt: `model` when it was resolved, else the name asked for.
    pub fn record(attempt: &Attempt, outcome: &Result<Response>) -> RequestRecord {
        let mut record = RequestRecord {
            request_id: new_request_id(),
            time_ms: attempt.started_ms,
            user_id: attempt.user.clone(),
            command: attempt.command.to_string(),
            provider: attempt.provider.clone(),
            model: attempt.model_name.clone(),
            vendor: None,
            duration_ms: attempt.clock.elapsed().as_millis() as u64,
            conversation_id: attempt.conversation_id.clone(),
            ..Default::default()
        };
        if let Some(model) = attempt.model {
            record.model = Some(model.model_id.clone());
            record.provider = Some(model.provider.clone());
            record.vendor = Some(model.vendor.clone());
        }
        match outcome {
            Ok(response) => {
                record.request_id = response.request_id.clone();
                record.input_tokens = response.usage.input_tokens;
                record.output_tokens = response.usage.output_tokens;
                record.duration_ms = response.duration_ms;
                record.ttft_ms = response.time_to_first_token_ms;
                let generating = response.duration_ms.saturating_sub(response.time_to_first_token_ms.unwrap_or(0));
                record.tokens_per_second = (generating > 0 && response.usage.output_tokens > 0)
                    .then(|| response.usage.output_tokens as f64 * 1000.0 / generating as f64);
                record.cost_usd = attempt.model.and_then(|m| cost(m, &response.usage));
            }
            Err(err) => record.error_code = Some(err.code().to_string()),
        }
        record
    }

    fn fill_defaults(&self, model: &Model, req: &mut ChatRequest) {
        if req.params.max_tokens.is_none() {
            let default = self.registry.system().max_tokens;
            req.params.max_tokens = Some(model.max_output_tokens.map_or(default, |max| max.min(default)));
        }
    }

    fn limits(&self, model: &Model, target: &Target) -> Limits {
        let configured = self
            .registry
            .provider(&model.provider)
            .and_then(|p| p.timeouts.request_ms)
            .or(self.registry.system().request_timeout_ms)
            .unwrap_or(120_000);
        Limits { timeout: target.timeout.unwrap_or(Duration::from_millis(configured)) }
    }

    /// Add the catalogue's alternatives to a provider's "model not ready" answer.
    fn explain(&self, err: Error, model: &Model) -> Error {
        match err {
            Error::ModelNotReady { model: id, reason, suggestions } if suggestions.is_empty() => {
                let mut suggestions = self.inference_profiles(model);
                for s in self.registry.alternatives(model) {
                    if !suggestions.iter().any(|have| have.model == s.model && have.provider == s.provider) {
                        suggestions.push(s);
                    }
                }
                Error::ModelNotReady { model: id, reason, suggestions }
            }
            other => other,
        }
    }

    /// Catalogue entries that are cross-region inference profiles of `model` (`us.`, `eu.`, `apac.`, `global.` ...).
    fn inference_profiles(&self, model: &Model) -> Vec<Suggestion> {
        self.registry
            .models()
            .iter()
            .filter(|m| m.provider == model.provider && m.is_ready())
            .filter(|m| m.model_id.split_once('.').is_some_and(|(geo, rest)| rest == model.model_id && !geo.is_empty()))
            .map(|m| Suggestion {
                model: m.model_id.clone(),
                provider: m.provider.clone(),
                vendor: m.vendor.clone(),
                reason: "cross-region inference profile of the same model".into(),
            })
            .collect()
    }
}

/// One request as its caller states it: what to send, to which model, in which conversation, for whom.
#[derive(Debug, Clone)]
pub struct Call {
    pub target: Target,
    pub prompt: String,
    /// Overrides the conversation's stored system prompt for this request.
    pub system: Option<String>,
    pub params: Params,
    /// A conversation id or name to continue.
    pub conversation: Option<String>,
    pub user: String,
    /// `chat` or `stream`, as recorded.
    pub command: &'static str,
    /// Whether to record the attempt for `metrics`.
    pub record: bool,
}

/// A call ready to send: its model (or why there is none), the full request, and the conversation it continues.
pub struct Prepared<'g> {
    pub model: Result<&'g Model>,
    pub request: ChatRequest,
    pub conversation: Option<Conversation>,
    attempt: Attempt<'g>,
}

impl<'g> Prepared<'g> {
    /// The model to send to, or why there is none. The error is handed out once; the attempt keeps its record.
    pub fn take_model(&mut self) -> Result<&'g Model> {
        std::mem::replace(&mut self.model, Err(Error::Internal("the model of this call was already taken".into())))
    }
}

/// The outcome of a call after [`Gateway::finish`].
pub struct Finished {
    pub result: Result<Response>,
    /// A reply that was received (and paid for) but could not be stored in its conversation; `result` holds the
    /// store's error. A caller that has not shown the reply yet should show it before the error.
    pub unsaved_reply: Option<String>,
    /// Recording for `metrics` failed; the request itself is unaffected.
    pub record_error: Option<Error>,
    /// The record went to the spool, which has grown past [`crate::spool::INGEST_AT_BYTES`]: time to take it in.
    pub spool_full: bool,
}

/// Who asked, for which conversation, and when: what a request record needs besides the outcome.
pub struct Attempt<'a> {
    pub user: String,
    pub command: &'static str,
    /// The catalogue model asked for (also when it is NOT READY); `None` when the name is unknown.
    pub model: Option<&'a Model>,
    /// The name asked for (`-m`, or the default), recorded when resolution failed.
    pub model_name: Option<String>,
    pub provider: Option<String>,
    pub conversation_id: Option<String>,
    pub started_ms: i64,
    pub clock: Instant,
}

/// What `usage` costs at the catalogue's prices (USD per million tokens); `None` when the model has no prices.
pub fn cost(model: &Model, usage: &Usage) -> Option<f64> {
    let p = model.pricing.as_ref()?;
    Some((usage.input_tokens as f64 * p.input_per_million + usage.output_tokens as f64 * p.output_per_million) / 1e6)
}

/// Wraps the caller's sink to time the first token and, when asked, keep the text.
struct Timing<'a> {
    inner: &'a mut dyn EventSink,
    started: Instant,
    first: Option<Duration>,
    text: Option<String>,
}

impl EventSink for Timing<'_> {
    fn delta(&mut self, text: &str) -> Result<()> {
        if self.first.is_none() {
            self.first = Some(self.started.elapsed());
        }
        if let Some(kept) = &mut self.text {
            kept.push_str(text);
        }
        self.inner.delta(text)
    }

    fn idle(&mut self) -> Result<()> {
        self.inner.idle()
    }
}

/// A request id that sorts by time: `req_` + 12 hex digits of milliseconds + 8 of process-local entropy.
pub fn new_request_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(now.as_nanos());
    hasher.write_u32(std::process::id());
    format!("req_{:012x}{:08x}", now.as_millis(), hasher.finish() as u32)
}
