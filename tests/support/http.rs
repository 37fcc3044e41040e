//! The HTTP/1.1 plumbing the local provider servers share (`bedrock.rs`, `openai.rs`): bind, accept loop, one thread
//! per kept-alive connection, request parsing, the reply queue with its fallback, request capture, and a shutdown
//! that closes every connection when the server is dropped.
//!
//! A server supplies a [`Wire`]: how a parsed [`Request`] is recorded, what answers when nothing is scripted, and
//! how a reply is written. [`Server`] and [`Builder`] are then that server's `BedrockServer` / `OpenAiServer` and
//! their builders. Plain HTTP/1.1 on 127.0.0.1 only: no TLS, no HTTP/2.
//!
//! Like the servers, this file is compiled into the test binary and into the examples, each using part of it.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What one kind of server adds to the shared plumbing.
pub trait Wire: Default + Send + Sync + Sized + 'static {
    /// A request as tests inspect it.
    type Recorded: Clone + std::fmt::Debug + Send + 'static;
    /// One scripted answer.
    type Reply: Send + 'static;
    /// Names the threads (`NAME-accept`, `NAME-conn-N`) and the server in messages.
    const NAME: &'static str;

    fn record(request: Request) -> Self::Recorded;

    /// The answer when no reply is queued and there is no fallback.
    fn unscripted() -> Self::Reply;

    /// Writes the answer. True when the connection may serve another request.
    fn respond(
        shared: &Arc<Shared<Self>>,
        stream: &TcpStream,
        request: &Self::Recorded,
        reply: Self::Reply,
    ) -> io::Result<bool>;
}

/// Answers a request when no scripted reply is queued.
pub type Fallback<W> = Box<dyn Fn(&<W as Wire>::Recorded) -> <W as Wire>::Reply + Send + Sync>;

/// The server. Bound to `127.0.0.1`; shuts down, closing every connection, when dropped.
pub struct Server<W: Wire> {
    addr: SocketAddr,
    shared: Arc<Shared<W>>,
    acceptor: Option<JoinHandle<()>>,
}

/// Options for [`Server::builder`].
pub struct Builder<W: Wire> {
    port: u16,
    fallback: Option<Fallback<W>>,
    record: bool,
}

/// What the acceptor, every connection thread and the [`Server`] handle share.
pub struct Shared<W: Wire> {
    replies: Mutex<VecDeque<W::Reply>>,
    requests: Mutex<Vec<W::Recorded>>,
    fallback: Option<Fallback<W>>,
    record: bool,
    shutdown: AtomicBool,
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
    /// The server's own state (Bedrock's request ids).
    pub wire: W,
}

impl<W: Wire> Server<W> {
    /// A scripted server on an ephemeral port.
    pub fn start() -> Server<W> {
        Server::builder().start().unwrap_or_else(|e| panic!("bind the local {} server: {e}", W::NAME))
    }

    /// A server on an ephemeral port with these replies already queued, in order.
    pub fn scripted(replies: impl IntoIterator<Item = W::Reply>) -> Server<W> {
        let server = Server::start();
        lock(&server.shared.replies).extend(replies);
        server
    }

    pub fn builder() -> Builder<W> {
        Builder { port: 0, fallback: None, record: true }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queue the answer to the next request that has none yet.
    pub fn push(&self, reply: W::Reply) {
        lock(&self.shared.replies).push_back(reply);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<W::Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// Scripted replies not consumed yet.
    pub fn pending(&self) -> usize {
        lock(&self.shared.replies).len()
    }

    /// The one request received so far; fails the test when there were none or several.
    pub fn only_request(&self) -> W::Recorded {
        let mut requests = self.requests();
        assert_eq!(requests.len(), 1, "exactly one request upstream: {requests:#?}");
        requests.remove(0)
    }
}

impl<W: Wire> Builder<W> {
    /// Listen on this port instead of an ephemeral one.
    pub fn port(mut self, port: u16) -> Builder<W> {
        self.port = port;
        self
    }

    /// Answer with `fallback` when the queue is empty (instead of a 500 "no scripted reply").
    pub fn fallback(mut self, fallback: impl Fn(&W::Recorded) -> W::Reply + Send + Sync + 'static) -> Builder<W> {
        self.fallback = Some(Box::new(fallback));
        self
    }

    /// Whether to keep every request for [`Server::requests`] (default: yes).
    pub fn record(mut self, record: bool) -> Builder<W> {
        self.record = record;
        self
    }

    pub fn start(self) -> io::Result<Server<W>> {
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
            wire: W::default(),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new().name(format!("{}-accept", W::NAME)).spawn(move || accept(listener, shared))?
        };
        Ok(Server { addr, shared, acceptor: Some(acceptor) })
    }
}

impl<W: Wire> Drop for Server<W> {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        for stream in lock(&self.shared.connections).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // Wake the acceptor so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not take the whole server down with it.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<W: Wire> Shared<W> {
    pub fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleep, waking early on shutdown. False when the server is shutting down.
    pub fn sleep(&self, duration: Duration) -> bool {
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

    /// Keep the connection open, sending nothing, until the server shuts down. Always false: the connection is
    /// done.
    pub fn hang(&self) -> bool {
        while self.sleep(Duration::from_secs(3600)) {}
        false
    }

    fn next_reply(&self, request: &W::Recorded) -> W::Reply {
        if let Some(reply) = lock(&self.replies).pop_front() {
            return reply;
        }
        match &self.fallback {
            Some(fallback) => fallback(request),
            None => W::unscripted(),
        }
    }
}

fn accept<W: Wire>(listener: TcpListener, shared: Arc<Shared<W>>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        match stream.try_clone() {
            Ok(handle) => {
                lock(&shared.connections).insert(id, handle);
            }
            Err(_) => continue,
        }
        let spawned = thread::Builder::new().name(format!("{}-conn-{id}", W::NAME)).spawn({
            let shared = Arc::clone(&shared);
            move || {
                serve_connection(&shared, stream);
                lock(&shared.connections).remove(&id);
            }
        });
        if spawned.is_err()
            && let Some(stream) = lock(&shared.connections).remove(&id)
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn serve_connection<W: Wire>(shared: &Arc<Shared<W>>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    while !shared.stopping() {
        let Ok(Some(request)) = read_request(&mut reader, &stream) else { break };
        let close = request.close;
        let recorded = W::record(request);
        let reply = shared.next_reply(&recorded);
        if shared.record {
            lock(&shared.requests).push(recorded.clone());
        }
        match W::respond(shared, &stream, &recorded, reply) {
            Ok(true) if !close => {}
            _ => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

/// One request as read off the connection.
pub struct Request {
    pub method: String,
    /// The raw request target, query included, still percent-encoded.
    pub target: String,
    /// Lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    /// De-chunked when it came chunked.
    pub body: Vec<u8>,
    /// The client asked to close the connection after this request.
    pub close: bool,
}

impl Request {
    /// The body as JSON; `Null` when empty, a `String` when it is not JSON.
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&self.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&self.body).into_owned()))
        }
    }
}

/// The first of `headers` (lower-case names) with this case-insensitive name.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
}

/// Reads one request; `None` on a clean end of the connection.
fn read_request(reader: &mut BufReader<TcpStream>, writer: &TcpStream) -> io::Result<Option<Request>> {
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
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("bad request line {line:?}")));
    };
    let (method, target, version) = (method.to_owned(), target.to_owned(), version.to_owned());

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
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());

    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        (&*writer).write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let chunked = header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let length = match header("content-length") {
            Some(v) => v.parse::<usize>().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
            None => 0,
        };
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    let close = match header("connection") {
        Some(v) => v.eq_ignore_ascii_case("close"),
        None => version == "HTTP/1.0",
    };
    Ok(Some(Request { method, target, headers, body, close }))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Responses

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        424 => "Failed Dependency",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// A whole response with a `Content-Length` body, written at once: the status line, `headers` in order, the length.
pub fn write_response(stream: &TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) -> io::Result<()> {
    let mut response = Vec::with_capacity(256 + body.len());
    write!(response, "HTTP/1.1 {status} {}\r\n", reason(status))?;
    for (name, value) in headers {
        write!(response, "{name}: {value}\r\n")?;
    }
    write!(response, "Content-Length: {}\r\n\r\n", body.len())?;
    response.extend_from_slice(body);
    let mut stream = stream;
    stream.write_all(&response)?;
    stream.flush()
}

/// Above this many pending bytes a [`ChunkedBody`] sends them as one HTTP chunk (see [`ChunkedBody::written`]).
pub const CHUNK_TARGET: usize = 32 * 1024;

/// A `Transfer-Encoding: chunked` response body through a buffered writer: what is appended to `pending` goes out
/// as one HTTP chunk on [`ChunkedBody::send_pending`] or [`ChunkedBody::flush`].
pub struct ChunkedBody {
    out: BufWriter<TcpStream>,
    /// Bytes of the next HTTP chunk.
    pub pending: Vec<u8>,
}

impl ChunkedBody {
    /// Writes and flushes `head`: the status line and headers, ending with `Transfer-Encoding: chunked` and the
    /// blank line.
    pub fn start(stream: &TcpStream, head: &[u8]) -> io::Result<ChunkedBody> {
        let mut out = BufWriter::with_capacity(4 * CHUNK_TARGET, stream.try_clone()?);
        out.write_all(head)?;
        out.flush()?;
        Ok(ChunkedBody { out, pending: Vec::with_capacity(CHUNK_TARGET + 1024) })
    }

    /// After appending to `pending`: send it once it reaches [`CHUNK_TARGET`].
    pub fn written(&mut self) -> io::Result<()> {
        if self.pending.len() >= CHUNK_TARGET { self.send_pending() } else { Ok(()) }
    }

    /// Send everything written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.send_pending()?;
        self.out.flush()
    }

    /// `pending` as one HTTP chunk, into the buffer.
    pub fn send_pending(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            write!(self.out, "{:x}\r\n", self.pending.len())?;
            self.out.write_all(&self.pending)?;
            self.out.write_all(b"\r\n")?;
            self.pending.clear();
        }
        Ok(())
    }

    /// The rest, the terminating chunk, flushed.
    pub fn finish(mut self) -> io::Result<()> {
        self.send_pending()?;
        self.out.write_all(b"0\r\n\r\n")?;
        self.out.flush()
    }
}
