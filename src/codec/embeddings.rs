//! The OpenAI Embeddings body (`POST /embeddings`), which OpenAI, Azure OpenAI and OpenAI-compatible servers
//! (llama.cpp, vLLM, Ollama) share: a batch of texts in, one vector per text out, in the order asked (the reply's
//! `index` says which; it is not trusted to come sorted).

use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

/// A batch's vectors, in input order, and the tokens the provider counted (`None` when it reported none).
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    pub input_tokens: Option<u64>,
    /// The provider calls the batch took, in input order (each is one request record).
    pub calls: Vec<Call>,
}

/// One provider call of a batch: how many texts, the tokens it reported, how long it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    pub texts: usize,
    pub input_tokens: Option<u64>,
    pub duration_ms: u64,
}

/// The request body for `texts`; `dimensions` only when asked (not every model or server takes it).
pub fn encode(model_id: &str, texts: &[String], dimensions: Option<u32>) -> Vec<u8> {
    let mut body = json!({ "model": model_id, "input": texts, "encoding_format": "float" });
    if let Some(d) = dimensions {
        body["dimensions"] = json!(d);
    }
    body.to_string().into_bytes()
}

#[derive(Deserialize)]
struct Reply {
    data: Vec<Item>,
    usage: Option<ReplyUsage>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

#[derive(Deserialize)]
struct ReplyUsage {
    prompt_tokens: Option<u64>,
    total_tokens: Option<u64>,
}

/// The vectors of a reply to a batch of `count` texts: exactly one per index `0..count`.
pub fn decode(body: &[u8], count: usize) -> Result<Embedded> {
    let reply: Reply = serde_json::from_slice(body)
        .map_err(|e| Error::provider(format!("the embeddings reply could not be read: {e}")))?;
    let mut vectors: Vec<Option<Vec<f32>>> = vec![None; count];
    for item in reply.data {
        let slot = vectors.get_mut(item.index).ok_or_else(|| {
            Error::provider(format!("the embeddings reply has index {} for a batch of {count}", item.index))
        })?;
        *slot = Some(item.embedding);
    }
    let vectors = vectors
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.ok_or_else(|| Error::provider(format!("the embeddings reply has no vector for input {i}"))))
        .collect::<Result<Vec<_>>>()?;
    let input_tokens = reply.usage.and_then(|u| u.prompt_tokens.or(u.total_tokens));
    Ok(Embedded { vectors, input_tokens, calls: vec![Call { texts: count, input_tokens, duration_ms: 0 }] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_come_back_in_input_order_whatever_order_the_reply_has() {
        let body = br#"{"data":[{"index":1,"embedding":[0.5,0.25]},{"index":0,"embedding":[1.0,-1.0]}],
                        "usage":{"prompt_tokens":7,"total_tokens":7}}"#;
        let got = decode(body, 2).unwrap();
        assert_eq!(got.vectors, vec![vec![1.0, -1.0], vec![0.5, 0.25]]);
        assert_eq!(got.input_tokens, Some(7));
    }

    #[test]
    fn a_reply_missing_a_vector_or_out_of_range_is_a_provider_error() {
        for body in
            [&br#"{"data":[{"index":0,"embedding":[1]}]}"#[..], br#"{"data":[{"index":5,"embedding":[1]}]}"#, b"nope"]
        {
            assert!(matches!(decode(body, 2), Err(Error::Provider { .. })), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn the_body_names_the_model_and_every_text_and_dimensions_only_when_asked() {
        let texts = vec!["a".to_string(), "b c".to_string()];
        let body: serde_json::Value = serde_json::from_slice(&encode("m", &texts, None)).unwrap();
        assert_eq!(body, json!({"model": "m", "input": ["a", "b c"], "encoding_format": "float"}));
        let body: serde_json::Value = serde_json::from_slice(&encode("m", &texts, Some(256))).unwrap();
        assert_eq!(body["dimensions"], 256);
    }
}
