//! Embeddings through the gateway (`llmgw embed`): the same model resolution, modality check, provider, retries,
//! records and prices as chat, for a stream of texts.
//!
//! Texts are taken from the caller's iterator a batch at a time and each batch's vectors are handed to the
//! caller's sink, in input order, before the next batch is read, so a hundred thousand lines stream through in
//! bounded memory. One request record per provider call (its input tokens, or
//! their estimate, its time and cost): a Titan batch of 100 texts is 100 records. A failure stops the stream:
//! what was embedded before it has been delivered.

use super::attempt::{Attempt, Received};
use super::{Gateway, ModelChoice};
use crate::config::Model;
use crate::error::Signal;
use crate::provider::Client;
use crate::store::recorder::RecordWarning;
use crate::types::{Response, Usage};
use crate::{Error, Result};
use std::future::Future;
use std::time::Duration;

/// The modality of embedding models.
pub const EMBEDDING: &str = "text-to-embedding";

/// Texts per provider call (OpenAI takes up to 2,048; smaller batches show progress and bound memory).
pub const BATCH: usize = 100;

/// An embedding request as its caller states it; the texts come separately, as an iterator.
#[derive(Debug, Clone)]
pub struct EmbedRequest {
    pub model: ModelChoice,
    pub provider: Option<String>,
    pub dimensions: Option<u32>,
    /// Documents or queries (Cohere's `input_type`).
    pub input_type: crate::codec::bedrock_embeddings::InputType,
    /// One-text-per-call families (Titan): calls in flight at most.
    pub concurrency: usize,
    /// Whether each text's vector comes from, and goes to, the response cache.
    pub cache: super::CachePolicy,
    pub user: String,
    pub record: bool,
    pub timeout: Option<Duration>,
}

/// One text's vector, as the caller receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    pub index: usize,
    pub embedding: Vec<f32>,
    /// The batch's input tokens shared out by the texts' lengths (a provider counts per call, not per text).
    pub input_tokens: u64,
    pub model: String,
    pub provider: String,
}

/// How an embedding run ended: how many texts were embedded, and what went wrong around it.
#[derive(Debug)]
pub struct EmbedOutcome {
    pub result: Result<usize>,
    pub warnings: Vec<RecordWarning>,
}

impl Gateway {
    /// Embed every text of `texts`, handing each vector to `sink` in order.
    pub async fn embed(
        &self,
        req: &EmbedRequest,
        texts: &mut dyn Iterator<Item = String>,
        sink: &mut dyn FnMut(Vector) -> Result<()>,
        cancel: impl Future<Output = Signal>,
    ) -> EmbedOutcome {
        let mut warnings = Vec::new();
        let result = tokio::select! {
            result = self.embed_all(req, texts, sink, &mut warnings) => result,
            signal = cancel => Err(Error::Interrupted(signal)),
        };
        EmbedOutcome { result, warnings }
    }

    async fn embed_all(
        &self,
        req: &EmbedRequest,
        texts: &mut dyn Iterator<Item = String>,
        sink: &mut dyn FnMut(Vector) -> Result<()>,
        warnings: &mut Vec<RecordWarning>,
    ) -> Result<usize> {
        let model = self.embedding_model(req)?;
        let settings = self
            .registry
            .provider(&model.provider)
            .ok_or_else(|| Error::Internal(format!("model {} names provider {}", model.model_id, model.provider)))?;
        let cache = super::cache::cache_use(req.cache, &self.registry.system().cache);
        // The client is made when a text is not in the cache: a corpus embedded before asks for nothing.
        let mut client: Option<Client> = None;
        let limits = self.limits(model, req.timeout);
        let mut done = 0;
        loop {
            let batch: Vec<String> = (&mut *texts).take(BATCH).collect();
            if batch.is_empty() {
                return Ok(done);
            }
            let words = |t: &str| t.split_whitespace().count().max(1) as u64;
            // Each text's vector and its tokens: from the cache, or from the provider below.
            let mut found: Vec<Option<(Vec<f32>, u64)>> = vec![None; batch.len()];
            let mut saved = 0.0;
            if let Some(usage) = cache {
                let now = crate::time::now_ms();
                for (slot, text) in found.iter_mut().zip(&batch) {
                    let key = self.embed_key(model, req, text);
                    match self.with_store(|store| store.cache_lookup(&key, now - usage.ttl.as_millis() as i64, now)) {
                        Ok(Some(hit)) => {
                            if let Ok(vector) = serde_json::from_str::<Vec<f32>>(&hit.content) {
                                saved += hit.cost_usd.unwrap_or(0.0);
                                *slot = Some((vector, hit.usage.input_tokens));
                            }
                        }
                        Ok(None) => {}
                        Err(err) => warnings.push(RecordWarning::CacheNotUsed(err)),
                    }
                }
            }
            let missing: Vec<usize> = (0..batch.len()).filter(|&i| found[i].is_none()).collect();
            let hits = batch.len() - missing.len();
            if hits > 0 && req.record {
                // The texts the cache answered: one record, no tokens billed, what they had cost.
                let mut attempt = Attempt::new(&req.user, "embed", &model.model_id, Some(&model.provider));
                attempt.model = Some(std::borrow::Cow::Borrowed(model));
                let mut record = attempt.record(
                    &Ok(response(model, Usage::default(), Duration::ZERO, &attempt.request_id)),
                    &Received::default(),
                );
                (record.cached, record.cost_usd, record.saved_usd) = (true, Some(0.0), Some(saved));
                warnings.extend(self.record_quietly(&record));
            }
            if !missing.is_empty() {
                let asked: Vec<String> = missing.iter().map(|&i| batch[i].clone()).collect();
                let client = match &mut client {
                    Some(client) => client,
                    None => client.insert(Client::connect(settings).await?),
                };
                let mut attempt = Attempt::new(&req.user, "embed", &model.model_id, Some(&model.provider));
                attempt.model = Some(std::borrow::Cow::Borrowed(model));
                let options = crate::provider::EmbedOptions {
                    dimensions: req.dimensions,
                    input_type: req.input_type,
                    concurrency: req.concurrency,
                };
                let answer = client.embed(model, &asked, options, limits).await.map_err(|e| self.explain(e, model));
                let all_words: u64 = asked.iter().map(|t| words(t)).sum();
                let embedded = match answer {
                    Ok(embedded) => embedded,
                    Err(err) => {
                        if req.record {
                            // The record needs only the failure's code.
                            let mut record = attempt.record(&Err(Error::Usage(String::new())), &Received::default());
                            record.error_code = Some(err.code().to_string());
                            warnings.extend(self.record_quietly(&record));
                        }
                        return Err(err);
                    }
                };
                let total = embedded.input_tokens.unwrap_or(all_words);
                if req.record {
                    // One record per provider call, with its own tokens (or their estimate) and time.
                    let mut texts = asked.iter();
                    for (n, call) in embedded.calls.iter().enumerate() {
                        let words_of_call: u64 = texts.by_ref().take(call.texts).map(|t| words(t)).sum();
                        let usage = Usage {
                            input_tokens: call.input_tokens.unwrap_or(words_of_call),
                            output_tokens: 0,
                            estimated: call.input_tokens.is_none(),
                        };
                        let mut one = Attempt::new(&req.user, "embed", &model.model_id, Some(&model.provider));
                        one.model = Some(std::borrow::Cow::Borrowed(model));
                        if n == 0 {
                            one.request_id = attempt.request_id.clone();
                        }
                        let took = Duration::from_millis(call.duration_ms);
                        let record =
                            one.record(&Ok(response(model, usage, took, &one.request_id)), &Received::default());
                        warnings.extend(self.record_quietly(&record));
                    }
                }
                let vectors = embedded.vectors;
                for (&i, vector) in missing.iter().zip(vectors) {
                    let share = total * words(&batch[i]) / all_words.max(1);
                    if let Some(usage) = cache {
                        self.keep_vector(model, req, &batch[i], &vector, share, usage, warnings);
                    }
                    found[i] = Some((vector, share));
                }
            }
            for (i, slot) in found.into_iter().enumerate() {
                let (embedding, input_tokens) = slot.expect("every text has its vector by now");
                sink(Vector {
                    index: done + i,
                    embedding,
                    input_tokens,
                    model: model.model_id.clone(),
                    provider: model.provider.clone(),
                })?;
            }
            done += batch.len();
        }
    }

    /// The cache key of one text's vector: everything that decides it.
    fn embed_key(&self, model: &Model, req: &EmbedRequest, text: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let form = serde_json::json!({
            "v": 1, "kind": "embed", "provider": model.provider, "model": model.model_id,
            "dimensions": req.dimensions, "input_type": format!("{:?}", req.input_type), "text": text,
        });
        Sha256::digest(form.to_string().as_bytes()).into()
    }

    /// Keep one text's vector in the cache; a failure is a warning.
    #[allow(clippy::too_many_arguments)]
    fn keep_vector(
        &self,
        model: &Model,
        req: &EmbedRequest,
        text: &str,
        vector: &[f32],
        tokens: u64,
        usage: super::cache::CacheUse,
        warnings: &mut Vec<RecordWarning>,
    ) {
        let key = self.embed_key(model, req, text);
        let content = serde_json::to_string(vector).unwrap_or_default();
        let spent = Usage { input_tokens: tokens, output_tokens: 0, estimated: false };
        let entry = crate::store::NewEntry {
            key: &key,
            provider: &model.provider,
            model: &model.model_id,
            content: &content,
            stop_reason: None,
            usage: &spent,
            cost_usd: super::cost(model, &spent),
        };
        let now = crate::time::now_ms();
        let fresh_after = now - usage.ttl.as_millis() as i64;
        if let Err(err) = self.with_store(|store| store.cache_put(&entry, fresh_after, now, usage.max_bytes)) {
            warnings.push(RecordWarning::CacheNotUsed(err));
        }
    }

    /// The model of an embedding request: `-m` (there is no default), which must embed.
    fn embedding_model(&self, req: &EmbedRequest) -> Result<&Model> {
        let name = match &req.model {
            ModelChoice::Given(name) | ModelChoice::FromEnv { name, .. } => name,
            ModelChoice::Default => {
                let fitting: Vec<String> = self
                    .registry
                    .models()
                    .iter()
                    .filter(|m| m.modality == EMBEDDING && m.is_ready())
                    .map(|m| m.model_id.clone())
                    .collect();
                return Err(Error::Usage(format!(
                    "embed needs a model: -m MODEL ({})",
                    if fitting.is_empty() { "the catalogue has no embedding model".into() } else { fitting.join(", ") }
                )));
            }
        };
        let model = self.registry.resolve(name, req.provider.as_deref())?;
        if model.modality != EMBEDDING {
            let suggestions = self.registry.fitting(model, |m| m.modality == EMBEDDING);
            return Err(Error::Unsuitable {
                model: model.model_id.clone(),
                problem: format!("is a {} model; `embed` needs a {EMBEDDING} model", model.modality),
                suggestions,
            });
        }
        Ok(model)
    }

    /// Record one request (embed, image) wherever the recorder puts records; what went wrong, as warnings.
    pub(super) fn record_quietly(&self, record: &crate::store::RequestRecord) -> Vec<RecordWarning> {
        let mut slot = match self.recorder.lock() {
            Ok(slot) => slot,
            Err(_) => {
                return vec![RecordWarning::NotRecorded(Error::Internal("the recorder's lock is poisoned".into()))];
            }
        };
        if slot.is_none() {
            match crate::store::Store::default_path(self.database.as_deref()) {
                Ok(path) => *slot = Some(crate::store::recorder::Recorder::new(path, self.lifetime)),
                Err(err) => return vec![RecordWarning::NotRecorded(err)],
            }
        }
        slot.as_mut().expect("made above").record(record)
    }
}

/// The response a record is made from (an embedding call has no text).
fn response(model: &Model, usage: Usage, took: Duration, request_id: &str) -> Response {
    Response {
        model: model.model_id.clone(),
        provider: model.provider.clone(),
        vendor: model.vendor.clone(),
        content: String::new(),
        stop_reason: None,
        usage,
        duration_ms: took.as_millis() as u64,
        time_to_first_token_ms: None,
        conversation_id: None,
        request_id: request_id.to_string(),
        cached: false,
        attempts: Vec::new(),
        attachments: 0,
    }
}
