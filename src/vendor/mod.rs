//! Vendor adapters: pure translators between the neutral types and one model family's native body format on a
//! provider that speaks native formats (Bedrock InvokeModel / InvokeModelWithResponseStream).
//!
//! No I/O lives here: a codec turns a [`ChatRequest`] into body bytes, a body into a [`Completion`], and stream chunk
//! payloads into text deltas. Each is unit-tested on recorded bytes. A family without an adapter is reached through
//! the provider's vendor-neutral API instead (Bedrock Converse).

pub mod anthropic;
pub mod meta;

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

/// One model family's native body format.
pub trait Codec: Send + Sync {
    /// The InvokeModel request body (JSON bytes). `req.params.max_tokens` is always set by the gateway.
    fn encode(&self, req: &ChatRequest) -> Result<Vec<u8>>;
    /// A whole InvokeModel response body, for the request `req` (whose stop strings some families apply here).
    fn decode(&self, req: &ChatRequest, body: &[u8]) -> Result<Completion>;
    /// A decoder for the chunks of one InvokeModelWithResponseStream reply.
    fn stream_decoder(&self, req: &ChatRequest) -> Box<dyn StreamDecoder + Send>;
}

/// Turns the chunk payloads of one streamed reply (each the JSON that the event-stream `bytes` field carried) into
/// text deltas, in order. Must do constant work per byte: no re-scanning of the text already emitted.
pub trait StreamDecoder {
    /// Decode one chunk; pass each piece of new text to `emit` (possibly none, possibly several).
    fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<Step>;
    /// The stream ended (or `feed` returned `Done`): flush any text held back and report stop reason and usage.
    fn finish(&mut self, emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<StreamEnd>;
}

/// The adapter for a vendor name, if the vendor has one.
pub fn codec_for(vendor: &str) -> Option<&'static dyn Codec> {
    match vendor {
        "anthropic" => Some(&anthropic::Anthropic),
        "meta" => Some(&meta::Meta),
        _ => None,
    }
}
