//! The embedding bodies of the Bedrock families (InvokeModel):
//!
//! - Amazon Titan Text Embeddings V2: one text per call, `{"inputText", "dimensions": 256|512|1024, "normalize"}` in,
//!   `{"embedding", "inputTextTokenCount"}` out.
//! - Cohere Embed v3: up to 96 texts per call, `{"texts", "input_type": "search_document"|"search_query"}` in,
//!   `{"embeddings": [[...]], ...}` out (no token count in the body: llmgw estimates it, and says so).

use crate::{Error, Result};
use serde::Deserialize;
use serde_json::json;

/// Which family's body a Bedrock embedding model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Titan,
    Cohere,
}

impl Family {
    /// The family of a model id (or inference profile id); `None` for one llmgw has no body for.
    pub fn of(model_id: &str) -> Option<Family> {
        let bare = crate::config::profile::split(model_id).map_or(model_id, |(_, id)| id);
        if bare.starts_with("amazon.titan-embed-text") {
            Some(Family::Titan)
        } else if bare.starts_with("cohere.embed-") {
            Some(Family::Cohere)
        } else {
            None
        }
    }

    /// How many texts one call takes.
    pub fn batch(self) -> usize {
        match self {
            Family::Titan => 1,
            Family::Cohere => 96,
        }
    }

    /// Dimensions this family can be asked for; `Err` names the ones it takes.
    pub fn check_dimensions(self, dimensions: Option<u32>) -> Result<()> {
        match (self, dimensions) {
            (_, None) | (Family::Titan, Some(256 | 512 | 1024)) => Ok(()),
            (Family::Titan, Some(d)) => {
                Err(Error::Usage(format!("--dimensions {d}: Titan Text Embeddings V2 makes 256, 512 or 1024")))
            }
            (Family::Cohere, Some(_)) => {
                Err(Error::Usage("--dimensions: Cohere Embed v3 makes 1024 dimensions and takes no other".into()))
            }
        }
    }
}

/// Whether the texts are the documents of a search or the queries of one (Cohere's `input_type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputType {
    #[default]
    Document,
    Query,
}

pub fn encode_titan(text: &str, dimensions: Option<u32>) -> Vec<u8> {
    let mut body = json!({ "inputText": text, "normalize": true });
    if let Some(d) = dimensions {
        body["dimensions"] = json!(d);
    }
    body.to_string().into_bytes()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TitanReply {
    embedding: Vec<f32>,
    input_text_token_count: Option<u64>,
}

/// Titan's vector and its token count.
pub fn decode_titan(body: &[u8]) -> Result<(Vec<f32>, Option<u64>)> {
    let reply: TitanReply = serde_json::from_slice(body)
        .map_err(|e| Error::provider(format!("the Titan embedding could not be read: {e}")))?;
    Ok((reply.embedding, reply.input_text_token_count))
}

pub fn encode_cohere(texts: &[String], input_type: InputType) -> Vec<u8> {
    let kind = match input_type {
        InputType::Document => "search_document",
        InputType::Query => "search_query",
    };
    json!({ "texts": texts, "input_type": kind, "truncate": "END" }).to_string().into_bytes()
}

#[derive(Deserialize)]
struct CohereReply {
    embeddings: Vec<Vec<f32>>,
}

/// Cohere's vectors, which must be one per text asked.
pub fn decode_cohere(body: &[u8], count: usize) -> Result<Vec<Vec<f32>>> {
    let reply: CohereReply = serde_json::from_slice(body)
        .map_err(|e| Error::provider(format!("the Cohere embeddings could not be read: {e}")))?;
    if reply.embeddings.len() != count {
        return Err(Error::provider(format!("Cohere sent {} embeddings for {count} texts", reply.embeddings.len())));
    }
    Ok(reply.embeddings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_told_by_id_and_check_their_dimensions() {
        assert_eq!(Family::of("amazon.titan-embed-text-v2:0"), Some(Family::Titan));
        assert_eq!(Family::of("cohere.embed-multilingual-v3"), Some(Family::Cohere));
        assert_eq!(Family::of("us.cohere.embed-english-v3"), Some(Family::Cohere));
        assert_eq!(Family::of("anthropic.claude-3-haiku-20240307-v1:0"), None);
        assert!(Family::Titan.check_dimensions(Some(512)).is_ok());
        assert!(
            matches!(Family::Titan.check_dimensions(Some(300)), Err(Error::Usage(m)) if m.contains("256, 512 or 1024"))
        );
        assert!(Family::Cohere.check_dimensions(Some(1024)).is_err());
    }

    #[test]
    fn bodies_are_the_families_own() {
        let titan: serde_json::Value = serde_json::from_slice(&encode_titan("hi", Some(256))).unwrap();
        assert_eq!(titan, json!({"inputText": "hi", "normalize": true, "dimensions": 256}));
        assert_eq!(decode_titan(br#"{"embedding":[0.5],"inputTextTokenCount":2}"#).unwrap(), (vec![0.5], Some(2)));
        let cohere: serde_json::Value =
            serde_json::from_slice(&encode_cohere(&["a".into()], InputType::Query)).unwrap();
        assert_eq!(cohere, json!({"texts": ["a"], "input_type": "search_query", "truncate": "END"}));
        assert!(decode_cohere(br#"{"embeddings":[[1.0]]}"#, 2).is_err(), "one short");
    }
}
