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
//! The server is plain HTTP/1.1 on 127.0.0.1 (no TLS), one thread per connection; dropping it closes everything.
//!
//! The same file also backs `examples/fake_openai.rs`, the server for trying llmgw by hand and for the benchmark:
//! [`OpenAiServer::builder`] takes a fallback that answers when the queue is empty, and [`Reply::Generate`] streams
//! events straight from a closure through a buffered writer, in large HTTP chunks.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

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
pub type Fallback = Box<dyn Fn(&Recorded) -> Reply + Send + Sync>;

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
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// The server. Bound to `127.0.0.1`; shuts down, closing every connection, when dropped.
pub struct OpenAiServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

/// Options for [`OpenAiServer::builder`].
pub struct Builder {
    port: u16,
    fallback: Option<Fallback>,
    record: bool,
}

struct Shared {
    replies: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
    fallback: Option<Fallback>,
    record: bool,
    shutdown: AtomicBool,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl OpenAiServer {
    /// A scripted server on an ephemeral port.
    pub fn start() -> OpenAiServer {
        OpenAiServer::builder().start().expect("bind the local OpenAI server")
    }

    pub fn builder() -> Builder {
        Builder { port: 0, fallback: None, record: true }
    }

    /// `http://127.0.0.1:PORT` (an Azure endpoint; OpenAI's base URL is [`OpenAiServer::base_url`]).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1`, for `OPENAI_BASE_URL` or a provider's `baseUrl`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queue the answer to the next request that has none yet.
    pub fn push(&self, reply: Reply) {
        lock(&self.shared.replies).push_back(reply);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// The one request received so far; fails the test when there were none or several.
    pub fn only_request(&self) -> Recorded {
        let mut requests = self.requests();
        assert_eq!(requests.len(), 1, "exactly one request upstream: {requests:#?}");
        requests.remove(0)
    }
}

impl Builder {
    /// Listen on this port instead of an ephemeral one.
    pub fn port(mut self, port: u16) -> Builder {
        self.port = port;
        self
    }

    /// Answer with `fallback` when the queue is empty (instead of a 500 "no scripted reply").
    pub fn fallback(mut self, fallback: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Builder {
        self.fallback = Some(Box::new(fallback));
        self
    }

    /// Whether to keep every request for [`OpenAiServer::requests`] (default: yes).
    pub fn record(mut self, record: bool) -> Builder {
        self.record = record;
        self
    }

    pub fn start(self) -> io::Result<OpenAiServer> {
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            replies: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            fallback: self.fallback,
            record: self.record,
            shutdown: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new().name("openai-accept".into()).spawn(move || accept(listener, shared))?
        };
        Ok(OpenAiServer { addr, shared, acceptor: Some(acceptor) })
    }
}

impl Drop for OpenAiServer {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        for stream in lock(&self.shared.connections).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Shared {
    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleep, waking early on shutdown. False when the server is shutting down.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            if self.stopping() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            thread::sleep((deadline - now).min(Duration::from_millis(10)));
        }
    }

    fn next_reply(&self, request: &Recorded) -> Reply {
        if let Some(reply) = lock(&self.replies).pop_front() {
            return reply;
        }
        match &self.fallback {
            Some(fallback) => fallback(request),
            None => Reply::text(500, "no scripted reply"),
        }
    }
}

fn accept(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        let Ok(handle) = stream.try_clone() else { continue };
        lock(&shared.connections).insert(id, handle);
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            serve(&shared, stream);
            lock(&shared.connections).remove(&id);
        });
    }
}

fn serve(shared: &Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    while !shared.stopping() {
        let Ok(Some(recorded)) = read_request(&mut reader) else { break };
        let reply = shared.next_reply(&recorded);
        if shared.record {
            lock(&shared.requests).push(recorded);
        }
        match respond(shared, &stream, reply) {
            Ok(true) => {}
            _ => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Recorded>> {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad request line"));
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    Ok(Some(Recorded { method, path, query, headers, body }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Writes the answer. True when the connection may serve another request.
fn respond(shared: &Shared, stream: &TcpStream, reply: Reply) -> io::Result<bool> {
    let mut out = stream;
    match reply {
        Reply::Json(value) => {
            write_whole(out, 200, "application/json", &[], value.to_string().as_bytes())?;
            Ok(true)
        }
        Reply::Status { status, content_type, body, headers } => {
            write_whole(out, status, content_type, &headers, body.as_bytes())?;
            Ok(true)
        }
        Reply::Sse(events) => {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
                 Transfer-Encoding: chunked\r\n\r\n"
            )?;
            out.flush()?;
            for event in events {
                let text = match event {
                    Event::Data(value) => format!("data: {value}\n\n"),
                    Event::Raw(text) => text,
                    Event::Delay(duration) => {
                        if !shared.sleep(duration) {
                            return Ok(false);
                        }
                        continue;
                    }
                    Event::Hang => {
                        while shared.sleep(Duration::from_secs(3600)) {}
                        return Ok(false);
                    }
                    Event::Drop => return Ok(false),
                };
                write!(out, "{:x}\r\n{text}\r\n", text.len())?;
                out.flush()?;
            }
            out.write_all(b"0\r\n\r\n")?;
            out.flush()?;
            Ok(true)
        }
        Reply::Delay(duration, then) => {
            if !shared.sleep(duration) {
                return Ok(false);
            }
            respond(shared, stream, *then)
        }
        Reply::Hang => {
            while shared.sleep(Duration::from_secs(3600)) {}
            Ok(false)
        }
        Reply::Drop => Ok(false),
        Reply::Generate(generate) => {
            let mut sink = SseSink::start(stream)?;
            generate(&mut sink)?;
            sink.finish()?;
            Ok(true)
        }
    }
}

/// Above this many pending bytes an [`SseSink`] sends them as one HTTP chunk.
const CHUNK_TARGET: usize = 32 * 1024;

/// The body of a generated event stream: collects events and sends them as large HTTP chunks.
pub struct SseSink {
    out: BufWriter<TcpStream>,
    pending: Vec<u8>,
}

impl SseSink {
    fn start(stream: &TcpStream) -> io::Result<SseSink> {
        let mut out = BufWriter::with_capacity(4 * CHUNK_TARGET, stream.try_clone()?);
        out.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
              Transfer-Encoding: chunked\r\n\r\n",
        )?;
        out.flush()?;
        Ok(SseSink { out, pending: Vec::with_capacity(CHUNK_TARGET + 1024) })
    }

    /// `data: <json>\n\n`, with `json` already serialized.
    pub fn data(&mut self, json: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(b"data: ");
        self.pending.extend_from_slice(json);
        self.pending.extend_from_slice(b"\n\n");
        self.written()
    }

    /// Bytes as they are (`: ping\n\n`, `data: [DONE]\n\n`).
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(bytes);
        self.written()
    }

    /// Send everything written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.send_pending()?;
        self.out.flush()
    }

    fn written(&mut self) -> io::Result<()> {
        if self.pending.len() >= CHUNK_TARGET { self.send_pending() } else { Ok(()) }
    }

    fn send_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        write!(self.out, "{:x}\r\n", self.pending.len())?;
        self.out.write_all(&self.pending)?;
        self.out.write_all(b"\r\n")?;
        self.pending.clear();
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.send_pending()?;
        self.out.write_all(b"0\r\n\r\n")?;
        self.out.flush()
    }
}

fn write_whole(
    mut out: &TcpStream,
    status: u16,
    content_type: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> io::Result<()> {
    let mut response = format!("HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\n", reason(status));
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = response.into_bytes();
    bytes.extend_from_slice(body);
    out.write_all(&bytes)?;
    out.flush()
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
