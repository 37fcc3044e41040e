//! The gateway: one request, top to bottom, in one call.
//!
//! A caller (the command line today, an HTTP server later) states a [`Request`], hands over an
//! [`EventSink`] for what happens on the way (progress, streamed text) and a future that resolves, with the
//! [`Signal`], when the request should stop (Ctrl-C, SIGTERM, SIGHUP), and gets back an [`Outcome`]. Everything between is here, in [`Gateway::run`], which reads
//! in order:
//!
//! 1. make sure the request can be recorded (the database, when it needs one) before anything is sent;
//! 2. load the conversation, whose history and system prompt go first;
//! 3. resolve the model in the catalogue and check that it can do what is asked (capabilities);
//! 4. answer from the response cache when it holds the reply ([`cache`]); else connect to the model's provider
//!    and send, timing the reply, until it is complete or the caller cancels, and keep a complete reply there;
//! 5. on success append the turn to the conversation, in one transaction;
//! 6. record the attempt, success or failure, priced from the catalogue.
//!
//! Steps 3 and 4 run again for each fallback model ([`fallback`]) while the failure is one another model could fix.
//! Retries, caching and limits belong between these steps, so that every front gets them at once. The
//! gateway never prints: the CLI renders the [`Outcome`] and the [`Progress`] events.
//!
//! Where records go is the [`Recorder`]'s decision (the spool for a short-lived process, the store for a
//! long-lived one); the gateway only tells it what to record and when the store itself is needed.

mod attach;
mod attempt;
mod cache;
mod embed;
mod fallback;
mod health;
mod image;
mod limits;
mod profile;
mod request;

pub use attempt::{cost, new_request_id};
pub use embed::{BATCH, EMBEDDING, EmbedOutcome, EmbedRequest, Vector};
pub use health::{HealthReport, HealthStatus};
pub use image::{IMAGE, ImageOutcome, ImageRequest, Images, MAX_IMAGES};
pub use request::{CachePolicy, Delivery, ModelChoice, Outcome, Request};

use crate::config::{Model, Registry};
use crate::error::Signal;
use crate::provider::{Client, Limits};
use crate::store::recorder::{Lifetime, RecordWarning, Recorder};
use crate::store::{CachedReply, Conversation, NewEntry, Store, StoredMessage, Turn};
use crate::types::{ChatRequest, EventSink, FailedAttempt, Message, Progress, Response};
use crate::{Error, Result};
use attempt::{Attempt, Received, Timing};
use cache::CacheUse;
use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

pub struct Gateway {
    registry: Registry,
    /// The database the caller named (`--db`); `None`: the default path, resolved when first needed.
    database: Option<PathBuf>,
    lifetime: Lifetime,
    /// Made when a request first needs to record or read the store.
    recorder: Mutex<Option<Recorder>>,
}

impl Gateway {
    pub fn new(registry: Registry, database: Option<PathBuf>, lifetime: Lifetime) -> Gateway {
        Gateway { registry, database, lifetime, recorder: Mutex::new(None) }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Run one request to its end. See the module documentation for the steps.
    pub async fn run(&self, req: &Request, sink: &mut dyn EventSink, cancel: impl Future<Output = Signal>) -> Outcome {
        let name = match &req.model {
            ModelChoice::Given(name) | ModelChoice::FromEnv { name, .. } => name.as_str(),
            ModelChoice::Default => &self.registry.system().default_model,
        };
        let mut attempt = Attempt::new(&req.user, req.delivery.command(), name, req.provider.as_deref());
        let cache = cache::cache_use(req.cache, &self.registry.system().cache);
        let limited = !self.registry.system().limits.is_empty();
        let mut warnings = Vec::new();

        // 1. A request that cannot be recorded is not sent. A conversation, the cache and limits need the store.
        let needs_store = req.conversation.is_some() || cache.is_some() || limited;
        if req.record || needs_store {
            let ready = self.with_recorder(sink, |recorder| match needs_store {
                true => recorder.store().map(drop),
                false => recorder.prepare(),
            });
            if let Err(err) = ready {
                return Outcome::failed(err);
            }
        }

        // 2. The conversation: an unknown one is an error of the caller's, and nothing is recorded.
        let mut chat = ChatRequest { system: req.system.clone(), messages: Vec::new(), params: req.params.clone() };
        match &req.conversation {
            Some(name) => match self.load_conversation(name, &req.user, sink) {
                Ok((conversation, stored)) => {
                    sink.progress(Progress::Conversation { id: &conversation.conversation_id, messages: stored.len() });
                    // `-s` replaces the stored system prompt for this request only.
                    chat.system = chat.system.or(conversation.system);
                    chat.messages = history(&stored, &req.prompt);
                    attempt.conversation_id = Some(conversation.conversation_id);
                }
                Err(err) => return Outcome::failed(err),
            },
            None => chat.messages.push(Message::user(req.prompt.clone())),
        }
        if let Some(last) = chat.messages.last_mut() {
            last.attachments = req.attachments.clone();
        }

        // 3 and 4, for the model asked for and then each fallback while the failure is one another model could fix
        // and nothing of the reply has reached the caller: the model, then the provider (or the cache), until the
        // reply is complete or the caller stops the request. Each failed attempt is recorded as it ends.
        let fallbacks = match self.fallbacks(name, req) {
            Ok(fallbacks) => fallbacks,
            Err(err) => return Outcome::failed(err),
        };
        // The names left to try; DEGRADED ones go last, decided at the first failure (a success never reads health).
        let mut left: Vec<&str> = fallbacks.iter().map(String::as_str).collect();
        let mut ordered = false;
        let mut trying = name;
        let conversation_id = attempt.conversation_id.clone();
        let mut failed = Vec::new();
        let mut notices = Vec::new();
        tokio::pin!(cancel);
        let (result, received) = loop {
            let mut received = Received::default();
            let result =
                self.try_model(&mut attempt, &chat, req, cache, sink, &mut received, &mut warnings, &mut cancel);
            let result = result.await;
            self.settle(attempt.model.as_deref(), &result, &mut received);
            notices.append(&mut received.notices);
            match result {
                Err(err) if err.another_model_could_fix() && received.first.is_none() && !left.is_empty() => {
                    if !std::mem::replace(&mut ordered, true) {
                        self.healthy_first(&mut left, &self.degraded());
                    }
                    let next = left.remove(0);
                    failed.push(FailedAttempt::new(trying, attempt.model.as_deref(), &err));
                    sink.progress(Progress::Fallback { failed: trying, code: err.code(), next });
                    if req.record {
                        warnings.extend(self.record(&attempt, &Err(err), &received, sink));
                    }
                    trying = next;
                    attempt = Attempt::new(&req.user, req.delivery.command(), next, None);
                    attempt.conversation_id = conversation_id.clone();
                    attempt.first = false;
                }
                result => break (result, received),
            }
        };

        // 5 and 6. The turn, then the record.
        let mut outcome =
            Outcome { result, unsaved_reply: None, warnings, attempts: Vec::new(), answered_by: None, notices };
        match &mut outcome.result {
            Ok(response) if !failed.is_empty() => {
                response.attempts = failed;
                outcome.answered_by = Some(trying.to_string());
            }
            Ok(_) => {}
            Err(err) => {
                self.order_suggestions(err);
                if !failed.is_empty() {
                    failed.push(FailedAttempt::new(trying, attempt.model.as_deref(), err));
                    outcome.attempts = failed;
                }
            }
        }
        if let (Ok(response), Some(id)) = (&mut outcome.result, &attempt.conversation_id) {
            response.conversation_id = Some(id.clone());
            let turn = Turn {
                prompt: &req.prompt,
                reply: &response.content,
                model: &response.model,
                provider: &response.provider,
                attachments: &req.attachments,
            };
            if let Err(err) = self.with_recorder(sink, |recorder| recorder.store()?.append_turn(id, &turn)) {
                outcome.unsaved_reply = Some(std::mem::take(&mut response.content));
                outcome.result = Err(err);
            }
        }
        if req.record {
            let warnings = self.record(&attempt, &outcome.result, &received, sink);
            outcome.warnings.extend(warnings);
        }
        outcome
    }

    /// Resolve the attempt's model and send to it, until the reply is complete or `cancel` resolves. A bare Bedrock
    /// id refused on demand is sent once more as its region's inference profile ([`profile`]), unless the
    /// provider's `autoInferenceProfile` is false; the attempt is then the profile's.
    #[allow(clippy::too_many_arguments)]
    async fn try_model<'a>(
        &'a self,
        attempt: &mut Attempt<'a>,
        chat: &ChatRequest,
        req: &Request,
        cache: Option<CacheUse>,
        sink: &mut dyn EventSink,
        received: &mut Received,
        warnings: &mut Vec<RecordWarning>,
        cancel: &mut std::pin::Pin<&mut impl Future<Output = Signal>>,
    ) -> Result<Response> {
        let name = attempt.model_name;
        // `-p` narrows the name asked for; a fallback is wherever the catalogue has it.
        let provider = if attempt.first { req.provider.as_deref() } else { None };
        match self.registry.resolve(name, provider).map_err(|e| if attempt.first { self.chosen(e, req) } else { e }) {
            Ok(model) => {
                attempt.model = Some(Cow::Borrowed(model));
                received.input_words = crate::codec::words_in_request(chat);
                let send = self.send(model, chat.clone(), req, cache, &attempt.request_id, sink, received, warnings);
                let result = tokio::select! {
                    result = send => result,
                    signal = &mut *cancel => Err(Error::Interrupted(signal)),
                };
                let profile = match &result {
                    Err(Error::NotOnDemand { profile, .. }) if received.first.is_none() => {
                        self.profile_to_try(model, profile)
                    }
                    _ => None,
                };
                let Some(routed) = profile else { return result };
                // The refusal is given back to the limits before the profile holds its own.
                received.sent = false;
                self.settle(Some(model), &result, received);
                sink.progress(Progress::InferenceProfile { model: &model.model_id, profile: &routed.model_id });
                let routed = attempt.model.insert(routed);
                let send = self.send(routed, chat.clone(), req, cache, &attempt.request_id, sink, received, warnings);
                let retried = tokio::select! {
                    result = send => result,
                    signal = cancel => Err(Error::Interrupted(signal)),
                };
                match retried {
                    // The profile refused too: the first refusal, which names the profile, says more.
                    Err(Error::NotOnDemand { .. }) => {
                        attempt.model = Some(Cow::Borrowed(model));
                        result
                    }
                    retried => retried,
                }
            }
            Err(err) => {
                // A NOT READY model is still a catalogue model: its refusal is recorded under its id and provider.
                attempt.model = self.registry.lookup(name, provider).ok().map(Cow::Borrowed);
                Err(err)
            }
        }
    }

    /// Record one attempt for `metrics`; what went wrong recording it, as warnings.
    fn record(
        &self,
        attempt: &Attempt<'_>,
        result: &Result<Response>,
        received: &Received,
        sink: &mut dyn EventSink,
    ) -> Vec<RecordWarning> {
        let record = attempt.record(result, received);
        match self.with_recorder(sink, |recorder| Ok(recorder.record(&record))) {
            Ok(warnings) => warnings,
            Err(err) => vec![RecordWarning::NotRecorded(err)],
        }
    }

    /// An unknown model that nobody typed (`$LLMGW_MODEL`, the catalogue's `defaultModel`) is a configuration error
    /// naming where the name came from, with the names it may have meant.
    fn chosen(&self, err: Error, req: &Request) -> Error {
        let origin = match &req.model {
            ModelChoice::Given(_) => return err,
            ModelChoice::FromEnv { var, .. } => format!("${var}"),
            ModelChoice::Default => self.registry.system().default_model_from.display().to_string(),
        };
        let (name, suggestions) = match err {
            Error::ModelNotFound { name, suggestions } => (name, suggestions),
            Error::Unsuitable { model, problem, suggestions } => {
                let problem = format!("(the default model, from {origin}) {problem}");
                return Error::Unsuitable { model, problem, suggestions };
            }
            other => return other,
        };
        let meant: Vec<&str> = suggestions.iter().map(|s| s.model.as_str()).collect();
        let message = match meant.is_empty() {
            true => format!("unknown model '{name}'; `llmgw models list` shows the catalogue"),
            false => format!("unknown model '{name}' (did you mean {}?)", meant.join(", ")),
        };
        match &req.model {
            ModelChoice::FromEnv { .. } => Error::config("environment", origin, message),
            _ => Error::config(self.registry.system().default_model_from.clone(), "defaultModel", message),
        }
    }

    /// Check what the model can do, then answer from the cache, or connect to its provider and send; the reply,
    /// timed. The cache failing is a warning: the request goes on without it.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        model: &Model,
        mut chat: ChatRequest,
        req: &Request,
        cache: Option<CacheUse>,
        request_id: &str,
        sink: &mut dyn EventSink,
        received: &mut Received,
        warnings: &mut Vec<RecordWarning>,
    ) -> Result<Response> {
        self.check_capabilities(model, req)?;
        // Every file the request carries, a conversation's earlier ones too (they are sent again).
        let files: Vec<crate::types::Attachment> =
            chat.messages.iter().flat_map(|m| m.attachments.iter().cloned()).collect();
        self.check_attachments(model, &files)?;
        sink.progress(Progress::Model { model_id: &model.model_id, provider: &model.provider, vendor: &model.vendor });
        self.fill_defaults(model, &mut chat);
        let cache = cache.map(|c| (c, cache::key(&model.provider, &model.model_id, &chat)));
        if let Some((usage, key)) = &cache {
            let now = crate::time::now_ms();
            let fresh_after = now - usage.ttl.as_millis() as i64;
            match self.with_recorder(sink, |recorder| recorder.store()?.cache_lookup(key, fresh_after, now)) {
                Ok(Some(hit)) => {
                    sink.progress(Progress::CacheHit { age_ms: (now - hit.created_ms).max(0) as u64 });
                    let answered = self.answer_from_cache(model, hit, req, request_id, sink, received);
                    return answered.map(|response| Response { attachments: files.len(), ..response });
                }
                Ok(None) => sink.progress(Progress::CacheMiss),
                Err(err) => warnings.push(RecordWarning::CacheNotUsed(err)),
            }
        }
        let settings = self
            .registry
            .provider(&model.provider)
            .ok_or_else(|| Error::Internal(format!("model {} names provider {}", model.model_id, model.provider)))?;
        self.hold(model, &req.user, &chat, received)?;
        let client = Client::connect(settings).await?;
        sink.progress(Progress::Connected { provider: &model.provider, describe: &client.describe(model) });
        let limits = self.limits(model, req.timeout);
        // The conversation and the cache need the reply's text to store it.
        let keep_text = req.keep_text || req.conversation.is_some() || cache.is_some();
        received.sent = true;
        let mut timing = Timing::new(sink, received, keep_text);
        let (completion, first) = match req.delivery {
            Delivery::Whole => {
                let completion = client.chat(model, &chat, limits).await.map_err(|e| self.explain(e, model))?;
                (completion, None)
            }
            Delivery::Stream => {
                let end = client.stream(model, &chat, limits, &mut timing).await.map_err(|e| self.explain(e, model))?;
                let content = timing.text.take().unwrap_or_default();
                (
                    crate::types::Completion { content, stop_reason: end.stop_reason, usage: end.usage },
                    timing.received.first,
                )
            }
        };
        if let Some((usage, key)) = &cache {
            let entry = NewEntry {
                key,
                provider: &model.provider,
                model: &model.model_id,
                content: &completion.content,
                stop_reason: completion.stop_reason.as_deref(),
                usage: &completion.usage,
                cost_usd: cost(model, &completion.usage),
            };
            let now = crate::time::now_ms();
            let fresh_after = now - usage.ttl.as_millis() as i64;
            let put = |recorder: &mut Recorder| recorder.store()?.cache_put(&entry, fresh_after, now, usage.max_bytes);
            if let Err(err) = self.with_recorder(timing.inner(), put) {
                warnings.push(RecordWarning::CacheNotUsed(err));
            }
        }
        Ok(Response {
            model: model.model_id.clone(),
            provider: model.provider.clone(),
            vendor: model.vendor.clone(),
            content: completion.content,
            stop_reason: completion.stop_reason,
            usage: completion.usage,
            duration_ms: timing.elapsed().as_millis() as u64,
            time_to_first_token_ms: first.map(|d| d.as_millis() as u64),
            conversation_id: None,
            request_id: request_id.to_string(),
            cached: false,
            attempts: Vec::new(),
            attachments: files.len(),
        })
    }

    /// A stored reply, delivered as a live one would be (a stream gets it in pieces), with the usage of the request
    /// that paid for it.
    fn answer_from_cache(
        &self,
        model: &Model,
        hit: CachedReply,
        req: &Request,
        request_id: &str,
        sink: &mut dyn EventSink,
        received: &mut Received,
    ) -> Result<Response> {
        received.cached = true;
        let mut timing = Timing::new(sink, received, false);
        if req.delivery == Delivery::Stream {
            cache::replay(&hit.content, &mut timing)?;
        }
        Ok(Response {
            model: model.model_id.clone(),
            provider: model.provider.clone(),
            vendor: model.vendor.clone(),
            content: hit.content,
            stop_reason: hit.stop_reason,
            usage: hit.usage,
            duration_ms: timing.elapsed().as_millis() as u64,
            time_to_first_token_ms: timing.received.first.map(|d| d.as_millis() as u64),
            conversation_id: None,
            request_id: request_id.to_string(),
            cached: true,
            attempts: Vec::new(),
            attachments: 0,
        })
    }

    /// `chat` and `stream` need a text-to-text model, and `stream` one that streams (DESIGN.md section 2): anything
    /// else is the caller's mistake, found before anything is sent, with the models that would fit.
    fn check_capabilities(&self, model: &Model, req: &Request) -> Result<()> {
        const TEXT: &str = "text-to-text";
        let streams = req.delivery == Delivery::Stream;
        let problem = if model.modality != TEXT {
            format!("is a {} model; `{}` needs a {TEXT} model", model.modality, req.delivery.command())
        } else if streams && !model.streaming {
            "does not stream; use `llmgw chat` for its whole reply, or a model that streams".to_string()
        } else {
            return Ok(());
        };
        let suggestions = self.registry.fitting(model, |m| m.modality == TEXT && (m.streaming || !streams));
        Err(Error::Unsuitable { model: model.model_id.clone(), problem, suggestions })
    }

    fn load_conversation(
        &self,
        name: &str,
        user: &str,
        sink: &mut dyn EventSink,
    ) -> Result<(Conversation, Vec<StoredMessage>)> {
        self.with_recorder(sink, |recorder| {
            let store: &mut Store = recorder.store()?;
            let conversation = store.find_conversation(name, user)?;
            let stored = store.messages(&conversation.conversation_id)?;
            Ok((conversation, stored))
        })
    }

    /// Run `work` on the store, opening it on first use (without telling the sink: a request that needs it has
    /// opened it in step 1 already).
    fn with_store<T>(&self, work: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut slot = self.recorder.lock().map_err(|_| Error::Internal("the recorder's lock is poisoned".into()))?;
        if slot.is_none() {
            *slot = Some(Recorder::new(Store::default_path(self.database.as_deref())?, self.lifetime));
        }
        work(slot.as_mut().expect("made above").store()?)
    }

    /// Run `work` with the recorder, making it (and telling the sink which database it uses) on first use.
    fn with_recorder<T>(&self, sink: &mut dyn EventSink, work: impl FnOnce(&mut Recorder) -> Result<T>) -> Result<T> {
        let mut slot = self.recorder.lock().map_err(|_| Error::Internal("the recorder's lock is poisoned".into()))?;
        if slot.is_none() {
            let path = Store::default_path(self.database.as_deref())?;
            sink.progress(Progress::Database(&path));
            *slot = Some(Recorder::new(path, self.lifetime));
        }
        work(slot.as_mut().expect("made above"))
    }

    fn fill_defaults(&self, model: &Model, req: &mut ChatRequest) {
        if req.params.max_tokens.is_none() {
            let default = self.registry.system().max_tokens;
            req.params.max_tokens = Some(model.max_output_tokens.map_or(default, |max| max.min(default)));
        }
    }

    fn limits(&self, model: &Model, timeout: Option<Duration>) -> Limits {
        let configured = self
            .registry
            .provider(&model.provider)
            .and_then(|p| p.timeouts.request_ms)
            .or(self.registry.system().request_timeout_ms)
            .unwrap_or(120_000);
        Limits { timeout: timeout.unwrap_or(Duration::from_millis(configured)) }
    }

    /// Name the provider a failure came from, and add the catalogue's alternatives to a "model not ready" answer.
    fn explain(&self, err: Error, model: &Model) -> Error {
        let instead = || {
            let mut suggestions = self.inference_profiles(model);
            for s in self.registry.alternatives(model) {
                if !suggestions.iter().any(|have| have.model == s.model && have.provider == s.provider) {
                    suggestions.push(s);
                }
            }
            suggestions
        };
        match err.at(&model.provider) {
            Error::ModelNotReady { model: id, reason, suggestions } if suggestions.is_empty() => {
                Error::ModelNotReady { model: id, reason, suggestions: instead() }
            }
            Error::NotOnDemand { model: id, profile, reason, suggestions } if suggestions.is_empty() => {
                Error::NotOnDemand { model: id, profile, reason, suggestions: instead() }
            }
            other => other,
        }
    }
}

/// The messages of a request that continues a conversation: the stored turns in order, then the new prompt.
/// Every codec formats this neutral history its own way, so a conversation may change models between turns (a
/// Claude turn is sent to Llama in the Llama template).
fn history(stored: &[StoredMessage], prompt: &str) -> Vec<Message> {
    let mut messages: Vec<Message> = stored
        .iter()
        .map(|m| Message { role: m.role, content: m.content.clone(), attachments: m.attachments.clone() })
        .collect();
    messages.push(Message::user(prompt));
    messages
}
