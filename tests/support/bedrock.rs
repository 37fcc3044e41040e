//! A local Amazon Bedrock Runtime that speaks the real wire format, scripted per test.
//!
//! llmgw reaches Bedrock through the AWS SDK, so the only honest way to test that path without the network is to
//! put the SDK in the loop and give it a server that answers exactly as Bedrock does: REST-JSON bodies for
//! `InvokeModel` and `Converse`, `application/vnd.amazon.eventstream` binary frames for the streaming operations,
//! and typed errors (an HTTP status, an `x-amzn-errortype` header and a `{"message": ...}` body). The event-stream
//! encoder here is written from the format's specification, not borrowed from the SDK, so a test that passes is an
//! independent check that the SDK, llmgw and the format agree.
//!
//! A test queues one [`Reply`] per expected request with [`BedrockServer::push`] and afterwards inspects what llmgw
//! sent with [`BedrockServer::requests`] ([`BedrockServer::scripted`] queues replies at the start). Connections are
//! kept alive, as the SDK pools them and retries on them. The HTTP/1.1 plumbing is `http.rs`, shared with `openai.rs`.
//! Replies can also misbehave on purpose (delay, hang, drop the connection, corrupt a CRC) so that timeouts,
//! retries and broken streams can be tested. Dropping the server closes every connection it holds.
//!
//! The same file also backs `examples/fake_bedrock.rs`, the benchmark's server: a fallback generator answers when
//! the queue is empty, and [`Reply::Generate`] streams frames straight from a closure through a buffered writer,
//! with no per-frame allocation, so the server is never the bottleneck of a throughput measurement.
//!
//! What this server does not do: verify SigV4 signatures (tests read the recorded `authorization` header instead),
//! speak TLS or HTTP/2, or implement any Bedrock operation other than the four model invocations.

// This file is compiled into the test binary and into an example; each uses a different part of it.
#![allow(dead_code)]

use std::io;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::http::{self, ChunkedBody};

/// One scripted answer to one request.
pub enum Reply {
    /// 200 `application/json`: an InvokeModel body or a Converse output.
    Json(Value),
    /// 200 with any body, e.g. the XML of an STS answer for credential-provider tests.
    Raw { content_type: &'static str, body: String },
    /// An error as Bedrock sends it: `status`, `x-amzn-errortype: <error_type>`, body `{"message": <message>}`.
    Error { status: u16, error_type: String, message: String },
    /// 200 `application/vnd.amazon.eventstream`, chunked; every frame is flushed on its own.
    Stream(Vec<Frame>),
    /// Wait, then answer with the inner reply.
    Delay(Duration, Box<Reply>),
    /// Read the request and never answer (the connection closes when the server is dropped).
    Hang,
    /// Read the request and close the connection without answering.
    Drop,
    /// 200 event stream produced by a closure, buffered: bytes go out when the buffer fills, on
    /// [`FrameSink::flush`], and at the end. For the benchmark server and very long streams.
    Generate(Generator),
}

/// Writes the frames of a [`Reply::Generate`] stream.
pub type Generator = Box<dyn FnOnce(&mut FrameSink) -> io::Result<()> + Send>;

/// Answers a request when no scripted reply is queued.
pub type Fallback = http::Fallback<Bedrock>;

impl Reply {
    /// `Reply::Error` without the `String` noise.
    pub fn error(status: u16, error_type: &str, message: &str) -> Reply {
        Reply::Error { status, error_type: error_type.to_owned(), message: message.to_owned() }
    }

    pub fn delay(by: Duration, then: Reply) -> Reply {
        Reply::Delay(by, Box::new(then))
    }
}

/// One event-stream frame (or a misbehaviour) in a [`Reply::Stream`].
#[derive(Debug, Clone)]
pub enum Frame {
    /// InvokeModelWithResponseStream chunk: payload `{"bytes": base64(json)}`, `:event-type chunk`.
    Chunk(Value),
    /// ConverseStream event by name (`messageStart`, `contentBlockDelta`, `metadata`, ...).
    Event(String, Value),
    /// Exception frame: type (`ThrottlingException` or `throttlingException`) and message. Sent as Bedrock does,
    /// with the union member name (`throttlingException`) in `:exception-type`, which is what the SDK matches.
    Exception(String, String),
    /// Flush, then pause the stream.
    Delay(Duration),
    /// Close the connection mid-stream, without the terminating HTTP chunk.
    Drop,
    /// A chunk frame whose message CRC is wrong.
    CorruptCrc(Value),
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The raw request target, query included, still percent-encoded.
    pub path: String,
    /// Percent-decoded from `/model/{id}/...`; empty for other paths.
    pub model_id: String,
    /// `invoke`, `invoke-with-response-stream`, `converse` or `converse-stream` (the last path segment).
    pub operation: String,
    /// Lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    /// The JSON body; `Null` when empty, a `String` when it is not JSON.
    pub body: Value,
}

impl Recorded {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        http::header(&self.headers, name)
    }
}

/// The server. Bound to `127.0.0.1`; shuts down, closing every connection, when dropped. `url()` is for
/// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`.
pub type BedrockServer = http::Server<Bedrock>;

/// Options for [`BedrockServer::builder`].
pub type Builder = http::Builder<Bedrock>;

type Shared = http::Shared<Bedrock>;

/// Bedrock's side of the shared HTTP plumbing: its recorded requests, replies and request ids.
pub struct Bedrock {
    next_request_id: AtomicU64,
}

impl Default for Bedrock {
    fn default() -> Bedrock {
        Bedrock { next_request_id: AtomicU64::new(1) }
    }
}

impl Bedrock {
    fn request_id(&self) -> String {
        let n = self.next_request_id.fetch_add(1, Ordering::Relaxed);
        format!("11111111-2222-4333-8444-{n:012x}")
    }
}

impl http::Wire for Bedrock {
    type Recorded = Recorded;
    type Reply = Reply;
    const NAME: &'static str = "bedrock";

    fn record(request: http::Request) -> Recorded {
        let (model_id, operation) = parse_target(&request.target);
        let body = request.json();
        Recorded { method: request.method, path: request.target, model_id, operation, headers: request.headers, body }
    }

    fn unscripted() -> Reply {
        Reply::error(500, "InternalServerException", "no scripted reply")
    }

    fn respond(shared: &Arc<Shared>, stream: &TcpStream, request: &Recorded, reply: Reply) -> io::Result<bool> {
        respond(shared, stream, &request.operation, reply)
    }
}

/// The request target the SDK sends for a model id or ARN: it is one path segment, so `:` and `/` are encoded.
pub fn model_path(id: &str, operation: &str) -> String {
    format!("/model/{}/{operation}", id.replace(':', "%3A").replace('/', "%2F"))
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and responses

/// `/model/{id}/{operation}` -> (decoded id, operation).
fn parse_target(target: &str) -> (String, String) {
    let path = target.split('?').next().unwrap_or("");
    match path.strip_prefix("/model/").and_then(|rest| rest.rsplit_once('/')) {
        Some((id, operation)) => (percent_decode(id), operation.to_owned()),
        None => (String::new(), String::new()),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the answer. True when the connection may serve another request.
fn respond(shared: &Arc<Shared>, stream: &TcpStream, operation: &str, reply: Reply) -> io::Result<bool> {
    match reply {
        Reply::Json(value) => {
            let body = serde_json::to_vec(&value)?;
            write_response(shared, stream, 200, &[("Content-Type", "application/json")], &body)?;
            Ok(true)
        }
        Reply::Raw { content_type, body } => {
            write_response(shared, stream, 200, &[("Content-Type", content_type)], body.as_bytes())?;
            Ok(true)
        }
        Reply::Error { status, error_type, message } => {
            let body = serde_json::to_vec(&json!({ "message": message }))?;
            let headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type.as_str())];
            write_response(shared, stream, status, &headers, &body)?;
            Ok(true)
        }
        Reply::Stream(frames) => {
            let mut sink = FrameSink::start(shared, stream, operation, true)?;
            for frame in frames {
                match frame {
                    Frame::Chunk(value) => sink.chunk(&serde_json::to_vec(&value)?)?,
                    Frame::Event(name, value) => sink.event(&name, &serde_json::to_vec(&value)?)?,
                    Frame::Exception(kind, message) => sink.exception(&kind, &message)?,
                    Frame::CorruptCrc(value) => sink.corrupt_chunk(&serde_json::to_vec(&value)?)?,
                    Frame::Delay(duration) => {
                        if !sink.pause(duration)? {
                            return Ok(false);
                        }
                    }
                    Frame::Drop => {
                        sink.flush()?;
                        return Ok(false);
                    }
                }
            }
            sink.finish()?;
            Ok(true)
        }
        Reply::Generate(generate) => {
            let mut sink = FrameSink::start(shared, stream, operation, false)?;
            generate(&mut sink)?;
            sink.finish()?;
            Ok(true)
        }
        Reply::Delay(duration, then) => {
            if !shared.sleep(duration) {
                return Ok(false);
            }
            respond(shared, stream, operation, *then)
        }
        Reply::Hang => Ok(shared.hang()),
        Reply::Drop => Ok(false),
    }
}

/// A whole response, with Bedrock's `x-amzn-RequestId` first.
fn write_response(
    shared: &Shared,
    stream: &TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let request_id = shared.wire.request_id();
    let mut all = vec![("x-amzn-RequestId", request_id.as_str())];
    all.extend_from_slice(headers);
    http::write_response(stream, status, &all, body)
}

// ---------------------------------------------------------------------------------------------------------------
// Event-stream responses

/// The body of an event-stream response: encodes frames and sends them as HTTP chunks, either one chunk per frame,
/// flushed (scripted streams, so tests see frames as they happen), or batched (generated streams).
pub struct FrameSink {
    shared: Arc<Shared>,
    body: ChunkedBody,
    payload: Vec<u8>,
    base64: String,
    flush_each: bool,
}

const CHUNK_HEADERS: [(&str, &str); 3] =
    [(":event-type", "chunk"), (":content-type", "application/json"), (":message-type", "event")];

impl FrameSink {
    fn start(shared: &Arc<Shared>, stream: &TcpStream, operation: &str, flush_each: bool) -> io::Result<FrameSink> {
        let mut head = format!(
            "HTTP/1.1 200 OK\r\nx-amzn-RequestId: {}\r\nContent-Type: application/vnd.amazon.eventstream\r\n",
            shared.wire.request_id()
        );
        if operation == "invoke-with-response-stream" {
            head.push_str("X-Amzn-Bedrock-Content-Type: application/json\r\n");
        }
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        Ok(FrameSink {
            shared: Arc::clone(shared),
            body: ChunkedBody::start(stream, head.as_bytes())?,
            payload: Vec::with_capacity(1024),
            base64: String::with_capacity(1024),
            flush_each,
        })
    }

    /// An InvokeModelWithResponseStream chunk carrying `vendor_json` (the model family's own JSON).
    pub fn chunk(&mut self, vendor_json: &[u8]) -> io::Result<()> {
        self.chunk_payload(vendor_json);
        encode_frame(&mut self.body.pending, &CHUNK_HEADERS, &self.payload);
        self.frame_done()
    }

    /// A ConverseStream event (`messageStart`, `contentBlockDelta`, ...) with its JSON payload.
    pub fn event(&mut self, name: &str, json: &[u8]) -> io::Result<()> {
        let headers = [(":event-type", name), (":content-type", "application/json"), (":message-type", "event")];
        encode_frame(&mut self.body.pending, &headers, json);
        self.frame_done()
    }

    /// An exception frame. `kind` may be given as the error name (`ThrottlingException`) or as the member name
    /// (`throttlingException`); the header carries the member name, as Bedrock sends it.
    pub fn exception(&mut self, kind: &str, message: &str) -> io::Result<()> {
        let member = exception_member(kind);
        let headers = [
            (":exception-type", member.as_str()),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        ];
        let payload = serde_json::to_vec(&json!({ "message": message }))?;
        encode_frame(&mut self.body.pending, &headers, &payload);
        self.frame_done()
    }

    /// A chunk frame whose trailing message CRC does not match its bytes.
    pub fn corrupt_chunk(&mut self, vendor_json: &[u8]) -> io::Result<()> {
        self.chunk_payload(vendor_json);
        encode_frame(&mut self.body.pending, &CHUNK_HEADERS, &self.payload);
        let last = self.body.pending.len() - 1;
        self.body.pending[last] ^= 0xff;
        self.frame_done()
    }

    /// Send everything written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.body.flush()
    }

    /// Flush, then wait. False when the server shuts down meanwhile.
    pub fn pause(&mut self, duration: Duration) -> io::Result<bool> {
        self.flush()?;
        Ok(self.shared.sleep(duration))
    }

    fn chunk_payload(&mut self, vendor_json: &[u8]) {
        self.base64.clear();
        BASE64.encode_string(vendor_json, &mut self.base64);
        self.payload.clear();
        self.payload.extend_from_slice(br#"{"bytes":""#);
        self.payload.extend_from_slice(self.base64.as_bytes());
        self.payload.extend_from_slice(br#""}"#);
    }

    fn frame_done(&mut self) -> io::Result<()> {
        if self.flush_each { self.body.flush() } else { self.body.written() }
    }

    fn finish(self) -> io::Result<()> {
        self.body.finish()
    }
}

/// `ThrottlingException` -> `throttlingException`: the event-stream union member the SDK matches on.
fn exception_member(kind: &str) -> String {
    let mut chars = kind.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The event-stream codec (application/vnd.amazon.eventstream)
//
//   total length u32 BE | headers length u32 BE | CRC32 of those 8 bytes
//   headers: name length u8, name, value type u8 (7 = string), value length u16 BE, value
//   payload
//   CRC32 of everything before it

const HEADER_STRING: u8 = 7;

/// Appends one frame with string headers to `out`.
pub fn encode_frame(out: &mut Vec<u8>, headers: &[(&str, &str)], payload: &[u8]) {
    let headers_len: usize = headers.iter().map(|(name, value)| 1 + name.len() + 1 + 2 + value.len()).sum();
    let total = 12 + headers_len + payload.len() + 4;
    let start = out.len();
    out.reserve(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(headers_len as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    for (name, value) in headers {
        out.push(name.len() as u8);
        out.extend_from_slice(name.as_bytes());
        out.push(HEADER_STRING);
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    out.extend_from_slice(payload);
    let message_crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&message_crc.to_be_bytes());
}

/// A frame read back by [`decode_frames`].
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFrame {
    /// Header values of other types than string are rendered with `{:?}` of their bytes.
    pub headers: Vec<(String, String)>,
    pub payload: Vec<u8>,
}

impl DecodedFrame {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.payload).expect("frame payload is JSON")
    }

    /// The vendor JSON inside a chunk frame's `{"bytes": base64}`.
    pub fn chunk_json(&self) -> Value {
        let bytes = self.json()["bytes"].as_str().expect("chunk payload has bytes").to_owned();
        serde_json::from_slice(&BASE64.decode(bytes).expect("bytes is base64")).expect("chunk bytes are JSON")
    }
}

/// Decodes a whole event-stream body, checking both CRCs of every frame.
pub fn decode_frames(mut bytes: &[u8]) -> Result<Vec<DecodedFrame>, String> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (frame, used) = decode_frame(bytes)?;
        frames.push(frame);
        bytes = &bytes[used..];
    }
    Ok(frames)
}

/// Decodes the frame at the start of `bytes`; returns it and its length.
pub fn decode_frame(bytes: &[u8]) -> Result<(DecodedFrame, usize), String> {
    let u32_at = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    if bytes.len() < 16 {
        return Err(format!("truncated frame: {} bytes", bytes.len()));
    }
    let total = u32_at(0) as usize;
    let headers_len = u32_at(4) as usize;
    if total < 16 + headers_len || bytes.len() < total {
        return Err(format!("bad lengths: total {total}, headers {headers_len}, available {}", bytes.len()));
    }
    if crc32fast::hash(&bytes[..8]) != u32_at(8) {
        return Err("prelude CRC mismatch".into());
    }
    if crc32fast::hash(&bytes[..total - 4]) != u32_at(total - 4) {
        return Err("message CRC mismatch".into());
    }
    let mut headers = Vec::new();
    let mut rest = &bytes[12..12 + headers_len];
    let take = |n: usize, rest: &mut &[u8]| -> Result<Vec<u8>, String> {
        if rest.len() < n {
            return Err("truncated header".to_owned());
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head.to_vec())
    };
    while !rest.is_empty() {
        let name_len = take(1, &mut rest)?[0] as usize;
        let name = String::from_utf8(take(name_len, &mut rest)?).map_err(|e| e.to_string())?;
        let value = match take(1, &mut rest)?[0] {
            0 => "true".to_owned(),
            1 => "false".to_owned(),
            2 => format!("{:?}", take(1, &mut rest)?),
            3 => format!("{:?}", take(2, &mut rest)?),
            4 => format!("{:?}", take(4, &mut rest)?),
            5 | 8 => format!("{:?}", take(8, &mut rest)?),
            9 => format!("{:?}", take(16, &mut rest)?),
            kind @ (6 | 7) => {
                let len = take(2, &mut rest)?;
                let value = take(u16::from_be_bytes([len[0], len[1]]) as usize, &mut rest)?;
                if kind == 7 { String::from_utf8(value).map_err(|e| e.to_string())? } else { format!("{value:?}") }
            }
            other => return Err(format!("unknown header value type {other}")),
        };
        headers.push((name, value));
    }
    let payload = bytes[12 + headers_len..total - 4].to_vec();
    Ok((DecodedFrame { headers, payload }, total))
}

// ---------------------------------------------------------------------------------------------------------------
// Builders: realistic bodies and streams of the model families llmgw speaks

const ANTHROPIC_MODEL: &str = "claude-3-sonnet-20240229";

fn invocation_metrics(input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "inputTokenCount": input_tokens,
        "outputTokenCount": output_tokens,
        "invocationLatency": 412,
        "firstByteLatency": 187,
    })
}

/// An Anthropic Messages response body as InvokeModel returns it.
pub fn anthropic_message(text: &str, input_tokens: u64, output_tokens: u64, stop_reason: &str) -> Value {
    json!({
        "id": "msg_bdrk_01TestTestTestTestTestTest",
        "type": "message",
        "role": "assistant",
        "model": ANTHROPIC_MODEL,
        "content": [{ "type": "text", "text": text }],
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": { "input_tokens": input_tokens, "output_tokens": output_tokens },
    })
}

/// An Anthropic stream on InvokeModelWithResponseStream: `message_start`, `content_block_start`, one
/// `content_block_delta` per piece, `content_block_stop`, `message_delta` (stop reason, usage) and `message_stop`
/// with Bedrock's `amazon-bedrock-invocationMetrics`.
pub fn anthropic_stream(pieces: &[&str], input_tokens: u64, output_tokens: u64, stop_reason: &str) -> Vec<Frame> {
    let mut frames = vec![
        Frame::Chunk(json!({
            "type": "message_start",
            "message": {
                "id": "msg_bdrk_01TestTestTestTestTestTest",
                "type": "message",
                "role": "assistant",
                "model": ANTHROPIC_MODEL,
                "content": [],
                "stop_reason": null,
                "stop_sequence": null,
                "usage": { "input_tokens": input_tokens, "output_tokens": 1 },
            },
        })),
        Frame::Chunk(
            json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "text", "text": "" } }),
        ),
    ];
    frames.extend(pieces.iter().map(|piece| {
        Frame::Chunk(
            json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": piece } }),
        )
    }));
    frames.push(Frame::Chunk(json!({ "type": "content_block_stop", "index": 0 })));
    frames.push(Frame::Chunk(json!({
        "type": "message_delta",
        "delta": { "stop_reason": stop_reason, "stop_sequence": null },
        "usage": { "output_tokens": output_tokens },
    })));
    frames.push(Frame::Chunk(json!({
        "type": "message_stop",
        "amazon-bedrock-invocationMetrics": invocation_metrics(input_tokens, output_tokens),
    })));
    frames
}

/// A Meta Llama response body as InvokeModel returns it.
pub fn llama_generation(text: &str, prompt_tokens: u64, generation_tokens: u64, stop_reason: &str) -> Value {
    json!({
        "generation": text,
        "prompt_token_count": prompt_tokens,
        "generation_token_count": generation_tokens,
        "stop_reason": stop_reason,
    })
}

/// A Llama stream: one chunk per piece, `prompt_token_count` on the first only, a cumulative
/// `generation_token_count` (one token per piece); the last chunk carries `stop_reason` and the invocation metrics.
/// With no pieces, a single empty generation that ends the stream.
pub fn llama_stream(pieces: &[&str], prompt_tokens: u64, stop_reason: &str) -> Vec<Frame> {
    let pieces: &[&str] = if pieces.is_empty() { &[""] } else { pieces };
    let last = pieces.len() - 1;
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let mut chunk = json!({
                "generation": piece,
                "prompt_token_count": if i == 0 { json!(prompt_tokens) } else { Value::Null },
                "generation_token_count": i + 1,
                "stop_reason": if i == last { json!(stop_reason) } else { Value::Null },
            });
            if i == last {
                chunk["amazon-bedrock-invocationMetrics"] = invocation_metrics(prompt_tokens, pieces.len() as u64);
            }
            Frame::Chunk(chunk)
        })
        .collect()
}

/// A Converse response body (`end_turn`).
pub fn converse_output(text: &str, input_tokens: u64, output_tokens: u64) -> Value {
    json!({
        "output": { "message": { "role": "assistant", "content": [{ "text": text }] } },
        "stopReason": "end_turn",
        "usage": { "inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens },
        "metrics": { "latencyMs": 412 },
    })
}

/// A ConverseStream: `messageStart`, one `contentBlockDelta` per piece, `contentBlockStop`, `messageStop`
/// (`end_turn`) and `metadata` with usage and metrics.
pub fn converse_stream(pieces: &[&str], input_tokens: u64, output_tokens: u64) -> Vec<Frame> {
    let event = |name: &str, value: Value| Frame::Event(name.to_owned(), value);
    let mut frames = vec![event("messageStart", json!({ "role": "assistant" }))];
    frames.extend(
        pieces
            .iter()
            .map(|piece| event("contentBlockDelta", json!({ "contentBlockIndex": 0, "delta": { "text": piece } }))),
    );
    frames.push(event("contentBlockStop", json!({ "contentBlockIndex": 0 })));
    frames.push(event("messageStop", json!({ "stopReason": "end_turn" })));
    frames.push(event(
        "metadata",
        json!({
            "usage": { "inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens },
            "metrics": { "latencyMs": 412 },
        }),
    ));
    frames
}
