//! Embeddings through the gateway (`llmgw embed`): the same model resolution, modality check, provider, retries,
//! records and prices as chat, for a stream of texts.
//!
//! Texts are taken from the caller's iterator a batch at a time and each batch's vectors are handed to the
//! caller's sink, in input order, before the next batch is read, so a hundred thousand lines stream through in
//! bounded memory. One request record per provider call (its input tokens and cost). A failure stops the stream:
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
        let client = Client::connect(settings).await?;
        let limits = self.limits(model, req.timeout);
        let mut done = 0;
        loop {
            let batch: Vec<String> = (&mut *texts).take(BATCH).collect();
            if batch.is_empty() {
                return Ok(done);
            }
            let mut attempt = Attempt::new(&req.user, "embed", &model.model_id, Some(&model.provider));
            attempt.model = Some(std::borrow::Cow::Borrowed(model));
            let started = std::time::Instant::now();
            let options = crate::provider::EmbedOptions {
                dimensions: req.dimensions,
                input_type: req.input_type,
                concurrency: req.concurrency,
            };
            let answer = client.embed(model, &batch, options, limits).await.map_err(|e| self.explain(e, model));
            let words: u64 = batch.iter().map(|t| t.split_whitespace().count().max(1) as u64).sum();
            let (result, vectors) = match answer {
                Ok(embedded) => {
                    let estimated = embedded.input_tokens.is_none();
                    let input_tokens = embedded.input_tokens.unwrap_or(words);
                    let usage = Usage { input_tokens, output_tokens: 0, estimated };
                    (
                        Ok(response(model, usage, started.elapsed(), &attempt.request_id)),
                        Some((embedded.vectors, input_tokens)),
                    )
                }
                Err(err) => (Err(err), None),
            };
            if req.record {
                let record = attempt.record(&result, &Received::default());
                warnings.extend(self.record_quietly(&record));
            }
            let (vectors, input_tokens) = match (result, vectors) {
                (Ok(_), Some(v)) => v,
                (Err(err), _) => return Err(err),
                (Ok(_), None) => unreachable!("a reply has its vectors"),
            };
            for (i, (embedding, text)) in vectors.into_iter().zip(&batch).enumerate() {
                let share = input_tokens * text.split_whitespace().count().max(1) as u64 / words.max(1);
                sink(Vector {
                    index: done + i,
                    embedding,
                    input_tokens: share,
                    model: model.model_id.clone(),
                    provider: model.provider.clone(),
                })?;
            }
            done += batch.len();
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
    }
}
