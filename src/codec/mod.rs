//! Codecs: pure translators between the neutral types and one model family's wire format. A codec says what a
//! body looks like; a provider (`crate::provider`) says how it travels. So one codec serves every provider that
//! speaks its format: Chat Completions ([`openai`]) serves OpenAI, Azure OpenAI and every compatible server; the
//! Claude Messages format ([`anthropic`]) and the Llama 3 template ([`meta`]) serve Bedrock's InvokeModel, and the
//! Messages format will serve an HTTP front too.
//!
//! No I/O lives here: a codec turns a [`ChatRequest`] into body bytes, a body into a [`Completion`], and the
//! chunks of a stream into text deltas through one [`StreamDecoder`] trait, whatever carries the chunks (AWS
//! event-stream frames' `bytes`, SSE events' `data`). Each is unit-tested on recorded bytes. A family without a
//! codec is reached through a provider's vendor-neutral API instead (Bedrock Converse).
//!
//! One [`Codec`] trait fits both kinds of API: the [`Encoding`] says what a body names besides the request (Chat
//! Completions puts the model id and `stream` in the body; InvokeModel puts them in the URL and ignores them).

pub mod anthropic;
pub mod bedrock_embeddings;
pub mod embeddings;
pub mod images;
pub mod meta;
pub mod openai;

use crate::Result;
use crate::types::{ChatRequest, Completion, StreamEnd};

/// What the caller should do after feeding a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Keep reading.
    Continue,
    /// The assistant's turn is over: stop reading and call [`StreamDecoder::finish`].
    Done,
}

/// What a body is for, besides the request it carries.
#[derive(Debug, Clone, Copy)]
pub struct Encoding<'a> {
    /// The model the body goes to (in the body for Chat Completions; in the URL for InvokeModel).
    pub model_id: &'a str,
    /// Whether the reply is to stream.
    pub stream: bool,
}

/// One model family's body format.
pub trait Codec: Send + Sync {
    /// The request body (JSON bytes). `req.params.max_tokens` is always set by the gateway.
    fn encode(&self, req: &ChatRequest, to: Encoding) -> Result<Vec<u8>>;
    /// A whole response body, for the request `req` (whose stop strings some families apply here).
    fn decode(&self, req: &ChatRequest, body: &[u8]) -> Result<Completion>;
    /// A decoder for the chunks of one streamed reply.
    fn stream_decoder(&self, req: &ChatRequest) -> Box<dyn StreamDecoder + Send>;
}

/// Turns the chunk payloads of one streamed reply (the JSON that an event-stream frame's `bytes` or an SSE event's
/// `data` carried) into text deltas, in order. Must do constant work per byte: no re-scanning of the text already emitted.
pub trait StreamDecoder {
    /// Decode one chunk; pass each piece of new text to `emit` (possibly none, possibly several).
    fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<Step>;
    /// The stream ended (or `feed` returned `Done`): flush any text held back and report stop reason and usage.
    fn finish(&mut self, emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<StreamEnd>;
}

/// The InvokeModel codec for a vendor name, if the vendor has one.
pub fn codec_for(vendor: &str) -> Option<&'static dyn Codec> {
    match vendor {
        "anthropic" => Some(&anthropic::Anthropic),
        "meta" => Some(&meta::Meta),
        _ => None,
    }
}

/// At most 300 characters of a body, for a message about it.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// Whitespace-separated words: what llmgw counts as tokens when a provider reports none (`usage.estimated`).
pub(crate) fn count_words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// [`count_words`] over text that arrives in pieces: a word split between two pieces counts once.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct WordCount {
    words: u64,
    in_word: bool,
}

impl WordCount {
    pub fn add(&mut self, text: &str) {
        for c in text.chars() {
            let space = c.is_whitespace();
            if !space && !self.in_word {
                self.words += 1;
            }
            self.in_word = !space;
        }
    }

    pub fn words(&self) -> u64 {
        self.words
    }
}

/// The words of a request's system prompt and messages: its estimated input tokens.
pub(crate) fn words_in_request(req: &ChatRequest) -> u64 {
    req.system.as_deref().map_or(0, count_words) + req.messages.iter().map(|m| count_words(&m.content)).sum::<u64>()
}

/// The [`Encoding`] of the unit tests of InvokeModel codecs, which ignore it.
#[cfg(test)]
pub(crate) const INVOKE: Encoding<'static> = Encoding { model_id: "test-model", stream: false };

/// Bytes as standard base64, for the attachments every vendor takes inline.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
