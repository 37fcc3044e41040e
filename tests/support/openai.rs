//! A local OpenAI-compatible server that speaks the Chat Completions wire format, scripted per test.
//!
//! It answers `POST /v1/chat/completions` (OpenAI, and any server behind a base URL) and
//! `POST /openai/deployments/{deployment}/chat/completions?api-version=...` (Azure OpenAI) alike: which one llmgw
//! called is in the recorded path and query. Replies are JSON documents, Server-Sent Events (`data:` lines, comment
//! lines, the usage chunk, `data: [DONE]`), and errors in the shapes real servers send (`{"error": {...}}`,
//! `{"detail": ...}`, plain text), with optional headers such as `retry-after`. Replies can also misbehave on
//! purpose: delay, hang with the connection open, drop the connection, stop a stream without `[DONE]`.
//!
//! A test queues one [`Reply`] per expected request with [`OpenAiServer::push`] and afterwards inspects what llmgw
//! sent with [`OpenAiServer::requests`]: method, path, query, headers and the JSON body. An empty queue answers 500.
//! The server is plain HTTP/1.1 on 127.0.0.1 (no TLS), one thread per connection (the plumbing shared with
//! `bedrock.rs` is `http.rs`); dropping it closes everything.
//!
//! The same file also backs `examples/fake_openai.rs`, the server for trying llmgw by hand and for the benchmark:
//! [`OpenAiServer::builder`] takes a fallback that answers when the queue is empty, and [`Reply::Generate`] streams
//! events straight from a closure through a buffered writer, in large HTTP chunks.

#![allow(dead_code)]

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::http::{self, ChunkedBody};

#[cfg(test)]
use super::Sandbox;

/// The key the sandboxes below put in the environment; tests assert it never shows in llmgw's output.
pub const OPENAI_KEY: &str = "sk-test-SECRET-0123456789";
pub const AZURE_KEY: &str = "azure-test-SECRET-9876543210";

/// One scripted answer to one request.
pub enum Reply {
    /// 200 `application/json`.
    Json(Value),
    /// Any status with a body (`content_type` `application/json` or `text/plain`) and extra headers.
    Status { status: u16, content_type: &'static str, body: String, headers: Vec<(String, String)> },
    /// 200 `text/event-stream`, chunked; every event is flushed on its own.
    Sse(Vec<Event>),
    /// Wait, then answer with the inner reply.
    Delay(Duration, Box<Reply>),
    /// Read the request and never answer (the connection closes when the server is dropped).
    Hang,
    /// Read the request and close the connection without answering.
    Drop,
    /// 200 `text/event-stream` written by a closure through an [`SseSink`]: buffered, sent in large chunks, flushed
    /// only at the end. For the example server and very long streams.
    Generate(Generator),
}

/// Writes the events of a [`Reply::Generate`] stream.
pub type Generator = Box<dyn FnOnce(&mut SseSink) -> io::Result<()> + Send>;

/// Answers a request when no scripted reply is queued.
pub type Fallback = http::Fallback<OpenAi>;

impl Reply {
    /// An OpenAI-shaped error: `{"error": {"message", "type", "code"}}`.
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        let body = json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}});
        Reply::Status { status, content_type: "application/json", body: body.to_string(), headers: Vec::new() }
    }

    /// Any JSON body with a status (`{"detail": ...}` and friends).
    pub fn json_status(status: u16, body: Value) -> Reply {
        Reply::Status { status, content_type: "application/json", body: body.to_string(), headers: Vec::new() }
    }

    /// A plain-text body with a status (proxies, gateways).
    pub fn text(status: u16, body: &str) -> Reply {
        Reply::Status { status, content_type: "text/plain", body: body.to_owned(), headers: Vec::new() }
    }

    /// Add a response header (`retry-after`, ...) to a `Status` reply.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Status { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    pub fn delay(by: Duration, then: Reply) -> Reply {
        Reply::Delay(by, Box::new(then))
    }
}

/// One piece of an SSE reply.
#[derive(Debug, Clone)]
pub enum Event {
    /// `data: <json>\n\n`.
    Data(Value),
    /// Bytes written as they are: `: ping\n\n`, `data: [DONE]\n\n`, a malformed line.
    Raw(String),
    /// Pause the stream.
    Delay(Duration),
    /// Keep the connection open and send nothing more.
    Hang,
    /// Close the connection mid-stream, without the terminating HTTP chunk.
    Drop,
}

/// `data: [DONE]`.
pub fn done() -> Event {
    Event::Raw("data: [DONE]\n\n".into())
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The raw query string (`api-version=...`), empty when none.
    pub query: String,
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

/// The server. Bound to `127.0.0.1`; shuts down, closing every connection, when dropped. `url()` is an Azure
/// endpoint; OpenAI's base URL is [`OpenAiServer::base_url`].
pub type OpenAiServer = http::Server<OpenAi>;

/// Options for [`OpenAiServer::builder`].
pub type Builder = http::Builder<OpenAi>;

type Shared = http::Shared<OpenAi>;

/// The OpenAI side of the shared HTTP plumbing: its recorded requests and replies.
#[derive(Default)]
pub struct OpenAi;

impl http::Wire for OpenAi {
    type Recorded = Recorded;
    type Reply = Reply;
    const NAME: &'static str = "openai";

    fn record(request: http::Request) -> Recorded {
        let body = request.json();
        let (path, query) = match request.target.split_once('?') {
            Some((p, q)) => (p.to_owned(), q.to_owned()),
            None => (request.target, String::new()),
        };
        Recorded { method: request.method, path, query, headers: request.headers, body }
    }

    fn unscripted() -> Reply {
        Reply::text(500, "no scripted reply")
    }

    fn respond(shared: &Arc<Shared>, stream: &TcpStream, _request: &Recorded, reply: Reply) -> io::Result<bool> {
        respond(shared, stream, reply)
    }
}

impl OpenAiServer {
    /// `http://127.0.0.1:PORT/v1`, for `OPENAI_BASE_URL` or a provider's `baseUrl`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.url())
    }
}

const SSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n";

/// Writes the answer. True when the connection may serve another request.
fn respond(shared: &Shared, stream: &TcpStream, reply: Reply) -> io::Result<bool> {
    match reply {
        Reply::Json(value) => {
            let body = value.to_string();
            http::write_response(stream, 200, &[("Content-Type", "application/json")], body.as_bytes())?;
            Ok(true)
        }
        Reply::Status { status, content_type, body, headers } => {
            let mut all = vec![("Content-Type", content_type)];
            all.extend(headers.iter().map(|(name, value)| (name.as_str(), value.as_str())));
            http::write_response(stream, status, &all, body.as_bytes())?;
            Ok(true)
        }
        Reply::Sse(events) => {
            // One HTTP chunk per event, flushed.
            let mut body = ChunkedBody::start(stream, SSE_HEAD)?;
            for event in events {
                match event {
                    Event::Data(value) => write!(body.pending, "data: {value}\n\n")?,
                    Event::Raw(text) => body.pending.extend_from_slice(text.as_bytes()),
                    Event::Delay(duration) => {
                        if !shared.sleep(duration) {
                            return Ok(false);
                        }
                    }
                    Event::Hang => return Ok(shared.hang()),
                    Event::Drop => return Ok(false),
                }
                body.flush()?;
            }
            body.finish()?;
            Ok(true)
        }
        Reply::Delay(duration, then) => {
            if !shared.sleep(duration) {
                return Ok(false);
            }
            respond(shared, stream, *then)
        }
        Reply::Hang => Ok(shared.hang()),
        Reply::Drop => Ok(false),
        Reply::Generate(generate) => {
            let mut sink = SseSink { body: ChunkedBody::start(stream, SSE_HEAD)? };
            generate(&mut sink)?;
            sink.body.finish()?;
            Ok(true)
        }
    }
}

/// The body of a generated event stream: collects events and sends them as large HTTP chunks.
pub struct SseSink {
    body: ChunkedBody,
}

impl SseSink {
    /// `data: <json>\n\n`, with `json` already serialized.
    pub fn data(&mut self, json: &[u8]) -> io::Result<()> {
        let pending = &mut self.body.pending;
        pending.extend_from_slice(b"data: ");
        pending.extend_from_slice(json);
        pending.extend_from_slice(b"\n\n");
        self.body.written()
    }

    /// Bytes as they are (`: ping\n\n`, `data: [DONE]\n\n`).
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.body.pending.extend_from_slice(bytes);
        self.body.written()
    }

    /// Send everything written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.body.flush()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies

/// A whole Chat Completions reply.
pub fn completion(model: &str, text: &str, prompt_tokens: u64, completion_tokens: u64, finish: &str) -> Value {
    json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })
}

/// One streamed chunk with a piece of text.
pub fn delta(text: &str) -> Event {
    Event::Data(json!({"id": "chatcmpl-test", "object": "chat.completion.chunk",
                       "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]}))
}

/// A stream as OpenAI sends it with `include_usage`: a role chunk, one chunk per piece, a chunk with the finish
/// reason, then (when `usage` is given) the usage chunk with empty choices, then `[DONE]`.
pub fn stream(pieces: &[&str], usage: Option<(u64, u64)>, finish: &str) -> Vec<Event> {
    let mut events = vec![Event::Data(json!({"id": "chatcmpl-test", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]}))];
    events.extend(pieces.iter().map(|p| delta(p)));
    events.push(Event::Data(json!({"id": "chatcmpl-test", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})));
    if let Some((prompt, completion)) = usage {
        events.push(Event::Data(json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "choices": [],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}})));
    }
    events.push(done());
    events
}

// ---------------------------------------------------------------------------------------------------------------
// Sandboxes (tests only: the example server shares this file without the test support around it)

#[cfg(test)]
/// A sandbox whose HTTP client never sends 127.0.0.1 through a proxy the machine may have configured.
pub fn direct() -> Sandbox {
    Sandbox::new().env("NO_PROXY", "127.0.0.1,localhost").env("no_proxy", "127.0.0.1,localhost")
}

#[cfg(test)]
/// The built-in `openai` provider pointed at `server` with a test key.
pub fn openai_sandbox(server: &OpenAiServer) -> Sandbox {
    direct().env("OPENAI_BASE_URL", server.base_url()).env("OPENAI_API_KEY", OPENAI_KEY)
}

#[cfg(test)]
/// The built-in `azure` provider pointed at `server` with a test key and a fixed API version.
pub fn azure_sandbox(server: &OpenAiServer) -> Sandbox {
    direct()
        .env("AZURE_OPENAI_ENDPOINT", server.url())
        .env("AZURE_OPENAI_API_KEY", AZURE_KEY)
        .env("OPENAI_API_VERSION", "2024-10-21")
}
