//! Embeddings on Bedrock, through InvokeModel with each family's body ([`crate::codec::bedrock_embeddings`]):
//! Titan takes one text per call, so a batch is that many calls, at most `concurrency` at a time, their vectors
//! kept in input order; Cohere takes up to 96 texts per call.

use super::Bedrock;
use crate::codec::bedrock_embeddings::{self as bodies, Family, InputType};
use crate::codec::embeddings::{Call, Embedded};
use std::time::Instant;

fn elapsed(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}
use crate::config::Model;
use crate::provider::{Limits, Wait, timed_out};
use crate::{Error, Result};
use futures_util::StreamExt;

impl Bedrock {
    pub async fn embed(
        &self,
        model: &Model,
        texts: &[String],
        dimensions: Option<u32>,
        input_type: InputType,
        concurrency: usize,
        limits: Limits,
    ) -> Result<Embedded> {
        let family = Family::of(&model.model_id).ok_or_else(|| {
            Error::Usage(format!(
                "llmgw has no embedding body for the Bedrock model {} (Titan Text Embeddings V2 and Cohere Embed v3 \
                 are built in)",
                model.model_id
            ))
        })?;
        family.check_dimensions(dimensions)?;
        let work = async {
            match family {
                Family::Titan => {
                    let calls = futures_util::stream::iter(texts.iter().map(|text| async move {
                        let started = Instant::now();
                        let body = self.invoke(model, bodies::encode_titan(text, dimensions)).await?;
                        let (vector, counted) = bodies::decode_titan(&body)?;
                        Ok((vector, Call { texts: 1, input_tokens: counted, duration_ms: elapsed(started) }))
                    }))
                    .buffered(concurrency.max(1));
                    let answers: Vec<Result<(Vec<f32>, Call)>> = calls.collect().await;
                    let mut embedded = Embedded { vectors: Vec::new(), input_tokens: Some(0), calls: Vec::new() };
                    for answer in answers {
                        let (vector, call) = answer?;
                        embedded.vectors.push(vector);
                        embedded.input_tokens = embedded.input_tokens.zip(call.input_tokens).map(|(sum, n)| sum + n);
                        embedded.calls.push(call);
                    }
                    Ok(embedded)
                }
                Family::Cohere => {
                    let mut embedded = Embedded { vectors: Vec::new(), input_tokens: None, calls: Vec::new() };
                    for chunk in texts.chunks(family.batch()) {
                        let started = Instant::now();
                        let body = self.invoke(model, bodies::encode_cohere(chunk, input_type)).await?;
                        embedded.vectors.extend(bodies::decode_cohere(&body, chunk.len())?);
                        let call = Call { texts: chunk.len(), input_tokens: None, duration_ms: elapsed(started) };
                        embedded.calls.push(call);
                    }
                    Ok(embedded)
                }
            }
        };
        tokio::time::timeout(limits.timeout, work)
            .await
            .map_err(|_| timed_out(&self.name, limits.timeout, Wait::Reply))?
    }
}
