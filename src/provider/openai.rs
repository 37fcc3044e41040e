//! OpenAI, Azure OpenAI and any OpenAI-compatible server (vLLM, llama.cpp server, Ollama), over HTTP.
//!
//! One transport with two endpoint shapes, as in async-openai: they differ only in URL, auth header and query.
//!
//! - `type: openai`: `POST {base}/chat/completions`, `Authorization: Bearer KEY`. The base is the variable named by
//!   `baseUrlEnv` when set (built-in: `OPENAI_BASE_URL`), else `baseUrl`, else the public API. When the provider has
//!   an `apiKeyEnv` (it is then a hosted service), `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID` become the
//!   `OpenAI-Organization` and `OpenAI-Project` headers. A provider without `apiKeyEnv` sends no key at all, which is
//!   what local servers expect.
//! - `type: azure`: `POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=V` with an
//!   `api-key` header; the deployment is the model's `deployment`, else its model id.
//!
//! Settings `headers` are sent as given. Keys are read from the environment when the provider is connected, marked
//! sensitive in the HTTP client, and never formatted into a message: errors name the variable, not its value.
//!
//! The bodies are the plain Chat Completions format: text-only messages as plain strings (some servers reject
//! content-part arrays), the system prompt as the first message, `max_completion_tokens` for reasoning models
//! (o1/o3/o4 and gpt-5 ids, which refuse `max_tokens`) and `max_tokens` for every other model (which older
//! OpenAI-compatible servers understand). Streams ask for `stream_options.include_usage`; a server that sends no
//! usage gets an estimate (whitespace-separated words) with `usage.estimated` set. A stream must end with
//! `data: [DONE]`: one that stops before is a broken stream (exit 7), not a short answer.
//!
//! Retries: 429 (except `insufficient_quota`, which waiting does not fix), 408, 5xx and connection failures are
//! retried up to the provider's `retries.maxAttempts` with exponential backoff from `retries.initialBackoffMs`,
//! honouring `retry-after-ms` / `retry-after` up to [`MAX_RETRY_WAIT`]. The whole of `chat` (retries included) is
//! bounded by the request timeout; `stream` bounds the wait for the response and every silence between events.

use super::{Limits, error_chain, next_or_idle, non_empty_env};
use crate::config::{Model, ProviderKind, ProviderSettings};
use crate::types::{ChatRequest, Completion, EventSink, Role, StreamEnd, Usage};
use crate::{Error, Result};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use std::time::Duration;

const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const DEFAULT_API_VERSION: &str = "2025-04-01-preview";
/// The longest single wait between retries, whatever `retry-after` asks for.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(20);

/// Where requests go.
enum Shape {
    OpenAi { base: String },
    Azure { endpoint: String, api_version: String },
}

pub struct OpenAi {
    http: reqwest::Client,
    shape: Shape,
    /// Provider name, for messages.
    name: String,
    /// The variable the key came from, for `-v` and auth hints (never the key itself).
    key_env: Option<String>,
    headers: HeaderMap,
    max_attempts: u32,
    initial_backoff: Duration,
}

impl OpenAi {
    /// Read the endpoint and key from settings and environment and build the HTTP client. No network traffic.
    pub fn connect(settings: &ProviderSettings) -> Result<OpenAi> {
        let file = format!("providers/{}/settings.json", settings.name);
        let mut headers = HeaderMap::new();
        for (name, value) in &settings.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Error::config(&file, format!("headers.{name}"), e.to_string()))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| Error::config(&file, format!("headers.{name}"), e.to_string()))?;
            headers.insert(name, value);
        }

        // A key named but missing fails here, before anything is sent.
        let key = match settings.api_key_env.as_deref() {
            Some(var) => Some(non_empty_env(var).ok_or_else(|| Error::Auth {
                message: format!("{var} is not set: the {} provider needs an API key", settings.name),
                hint: Some(format!("export {var}=... (the key is read only from the environment)")),
            })?),
            None => None,
        };

        let shape = match settings.kind {
            ProviderKind::Azure => {
                let endpoint = settings
                    .endpoint_env
                    .as_deref()
                    .and_then(non_empty_env)
                    .or_else(|| settings.endpoint.clone())
                    .ok_or_else(|| {
                        let var = settings.endpoint_env.as_deref().unwrap_or("AZURE_OPENAI_ENDPOINT");
                        Error::config(
                            &file,
                            "endpoint",
                            format!(
                                "no Azure OpenAI endpoint: set {var} or `endpoint` (https://NAME.openai.azure.com)"
                            ),
                        )
                    })?;
                let api_version = settings
                    .api_version_env
                    .as_deref()
                    .and_then(non_empty_env)
                    .or_else(|| settings.api_version.clone())
                    .unwrap_or_else(|| DEFAULT_API_VERSION.into());
                Shape::Azure { endpoint: endpoint.trim_end_matches('/').to_string(), api_version }
            }
            _ => {
                let base = settings
                    .base_url_env
                    .as_deref()
                    .and_then(non_empty_env)
                    .or_else(|| settings.base_url.clone())
                    .unwrap_or_else(|| DEFAULT_BASE_URL.into());
                if key.is_some() {
                    for (var, header) in
                        [("OPENAI_ORG_ID", "openai-organization"), ("OPENAI_PROJECT_ID", "openai-project")]
                    {
                        if let Some(value) = non_empty_env(var).and_then(|v| HeaderValue::from_str(&v).ok()) {
                            headers.entry(header).or_insert(value);
                        }
                    }
                }
                Shape::OpenAi { base: base.trim_end_matches('/').to_string() }
            }
        };

        if let Some(key) = key {
            let (name, value) = match shape {
                Shape::Azure { .. } => ("api-key", key),
                Shape::OpenAi { .. } => ("authorization", format!("Bearer {key}")),
            };
            let mut value = HeaderValue::from_str(&value).map_err(|_| Error::Auth {
                message: format!(
                    "{} holds characters that cannot be sent in an HTTP header",
                    settings.api_key_env.as_deref().unwrap_or_default()
                ),
                hint: None,
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        headers.insert("content-type", HeaderValue::from_static("application/json"));

        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(settings.timeouts.connect_ms.unwrap_or(3000)))
            .build()
            .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {}", error_chain(&e))))?;
        Ok(OpenAi {
            http,
            shape,
            name: settings.name.clone(),
            key_env: settings.api_key_env.clone(),
            headers,
            max_attempts: settings.retries.max_attempts.unwrap_or(3).max(1),
            initial_backoff: Duration::from_millis(settings.retries.initial_backoff_ms.unwrap_or(200)),
        })
    }

    /// Endpoint and where the key comes from, for `-v`.
    pub fn describe(&self) -> String {
        let key = match &self.key_env {
            Some(var) => format!("API key from ${var}"),
            None => "no API key".into(),
        };
        match &self.shape {
            Shape::OpenAi { base } => format!("endpoint {base}/chat/completions, {key}"),
            Shape::Azure { endpoint, api_version } => {
                format!("endpoint {endpoint}/openai/deployments/DEPLOYMENT, api-version {api_version}, {key}")
            }
        }
    }

    fn url(&self, model: &Model) -> String {
        match &self.shape {
            Shape::OpenAi { base } => format!("{base}/chat/completions"),
            Shape::Azure { endpoint, api_version } => {
                let deployment = model.deployment.as_deref().unwrap_or(&model.model_id);
                format!(
                    "{endpoint}/openai/deployments/{}/chat/completions?api-version={}",
                    encode_component(deployment),
                    encode_component(api_version)
                )
            }
        }
    }

    pub async fn chat(&self, model: &Model, req: &ChatRequest, limits: Limits) -> Result<Completion> {
        let body = serde_json::to_vec(&codec::body(model, req, false)).map_err(|e| Error::Internal(e.to_string()))?;
        let work = async {
            let response = self.send(model, body).await?;
            let bytes = response.bytes().await.map_err(|e| self.broken(&e))?;
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Provider(format!("{} sent a reply that is not JSON ({e}): {}", self.name, snippet(&bytes)))
            })?;
            codec::completion(&value, req, &self.name)
        };
        tokio::time::timeout(limits.timeout, work).await.map_err(|_| {
            Error::Provider(format!("the request to {} timed out after {} s", self.name, limits.timeout.as_secs_f32()))
        })?
    }

    pub async fn stream(
        &self,
        model: &Model,
        req: &ChatRequest,
        limits: Limits,
        sink: &mut dyn EventSink,
    ) -> Result<StreamEnd> {
        let body = serde_json::to_vec(&codec::body(model, req, true)).map_err(|e| Error::Internal(e.to_string()))?;
        let response = next_or_idle(self.send(model, body), sink, limits.timeout).await??;
        if is_json(&response) {
            // A server that ignores `stream: true` answers with the whole reply: pass it on as one piece.
            let bytes = next_or_idle(response.bytes(), sink, limits.timeout).await?.map_err(|e| self.broken(&e))?;
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Provider(format!("{} sent a reply that is not JSON ({e}): {}", self.name, snippet(&bytes)))
            })?;
            let completion = codec::completion(&value, req, &self.name)?;
            if !completion.content.is_empty() {
                sink.delta(&completion.content)?;
            }
            return Ok(StreamEnd { stop_reason: completion.stop_reason, usage: completion.usage });
        }
        // The SSE parser keeps unread input in one buffer and shifts it after every line, so a large network read
        // (tens of KB, hundreds of events) costs time quadratic in its size: hand it one line at a time (cheap
        // slices of the same buffer) and it stays linear.
        let lines = response.bytes_stream().flat_map(|chunk| {
            let mut chunk = Some(chunk);
            futures_util::stream::iter(std::iter::from_fn(move || match chunk.take()? {
                Ok(mut bytes) => {
                    let end = bytes.iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| i + 1);
                    let line = bytes.split_to(end);
                    if !bytes.is_empty() {
                        chunk = Some(Ok(bytes));
                    }
                    Some(Ok(line))
                }
                Err(e) => Some(Err(e)),
            }))
        });
        let mut events = lines.eventsource();
        let mut decoder = codec::StreamDecoder::new(req, &self.name);
        loop {
            match next_or_idle(events.next(), sink, limits.timeout).await? {
                Some(Ok(event)) => {
                    if decoder.feed(&event.data, &mut |text| sink.delta(text))? {
                        return Ok(decoder.finish());
                    }
                }
                Some(Err(eventsource_stream::EventStreamError::Transport(e))) => return Err(self.broken(&e)),
                Some(Err(e)) => {
                    return Err(Error::Provider(format!("{} sent a stream that could not be read: {e}", self.name)));
                }
                None => {
                    return Err(Error::Provider(format!(
                        "the stream from {} ended before `data: [DONE]`: the reply is incomplete",
                        self.name
                    )));
                }
            }
        }
    }

    /// POST `body`, retrying what waiting can fix; a 2xx response or the mapped error.
    async fn send(&self, model: &Model, body: Vec<u8>) -> Result<reqwest::Response> {
        let url = self.url(model);
        let mut attempt = 1;
        loop {
            let sent = self.http.post(&url).headers(self.headers.clone()).body(body.clone()).send().await;
            let (error, wait) = match sent {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let wait = retry_after(response.headers());
                    let text = response.bytes().await.unwrap_or_default();
                    let (message, code) = codec::error_message(&text);
                    let retryable = matches!(status, 408 | 429 | 500..=599) && code != "insufficient_quota";
                    (self.classify(status, &code, message, model), retryable.then_some(wait))
                }
                Err(e) => {
                    let what = if e.is_timeout() { "timed out reaching" } else { "could not reach" };
                    let error = Error::Provider(format!(
                        "{what} {} ({}): {}",
                        self.name,
                        url_for_humans(&url),
                        error_chain(&e)
                    ));
                    (error, (e.is_connect() || e.is_timeout()).then_some(None))
                }
            };
            match wait {
                Some(asked) if attempt < self.max_attempts => {
                    let backoff = self.initial_backoff.saturating_mul(1 << (attempt - 1).min(16));
                    tokio::time::sleep(asked.unwrap_or(backoff).min(MAX_RETRY_WAIT)).await;
                    attempt += 1;
                }
                _ => return Err(error),
            }
        }
    }

    /// Map an HTTP error status onto llmgw's error kinds (DESIGN.md section 5).
    fn classify(&self, status: u16, code: &str, message: String, model: &Model) -> Error {
        let name = &self.name;
        if matches!(code, "model_not_found" | "DeploymentNotFound") || (status == 404 && names_a_model(&message)) {
            return Error::ModelNotReady { model: model.model_id.clone(), reason: message, suggestions: Vec::new() };
        }
        match status {
            // A 404 that is not about the model is a wrong URL (a base URL without `/v1`, a typo in the endpoint).
            404 => Error::Provider(format!(
                "{name} answered 404 at {}: {message} (check the provider's base URL or endpoint)",
                url_for_humans(&self.url(model))
            )),
            401 | 403 => Error::Auth {
                message: format!("{name} refused the credentials ({status}): {message}"),
                hint: Some(match &self.key_env {
                    Some(var) => format!("check the key in {var}"),
                    None => "this provider sends no key (no apiKeyEnv in its settings); add one if the server needs it"
                        .into(),
                }),
            },
            429 => Error::RateLimited(format!("{name} rate limited the request: {message}")),
            400 | 413 | 422 => Error::Usage(format!("{name} rejected the request: {message}")),
            _ => Error::Provider(format!("{name} failed ({status}): {message}")),
        }
    }

    /// The connection failed after the response began.
    fn broken(&self, e: &reqwest::Error) -> Error {
        Error::Provider(format!(
            "the connection to {} broke before the reply was complete: {}",
            self.name,
            error_chain(e)
        ))
    }
}

/// Whether a 404's message is about the model or deployment (OpenAI, Azure, vLLM and Ollama all say so) rather than
/// the path.
fn names_a_model(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("model") || m.contains("deployment")
}

/// `retry-after-ms` (OpenAI, Azure), else `retry-after` in seconds. HTTP dates are ignored (backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok().filter(|n| *n >= 0.0);
    if let Some(ms) = number("retry-after-ms") {
        return Some(Duration::from_secs_f64((ms / 1000.0).min(MAX_RETRY_WAIT.as_secs_f64())));
    }
    number("retry-after").map(|s| Duration::from_secs_f64(s.min(MAX_RETRY_WAIT.as_secs_f64())))
}

fn is_json(response: &reqwest::Response) -> bool {
    let content_type = response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    content_type.is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// The URL without its query (the api-version is noise in a message).
fn url_for_humans(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// Percent-encode one path segment or query value.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// The Chat Completions wire format: pure translation, no I/O.
mod codec {
    use super::*;

    /// The number the user typed: `0.3` as `0.3`, not as the f32's widened `0.30000001192092896`.
    fn decimal(value: f32) -> f64 {
        value.to_string().parse().unwrap_or(f64::from(value))
    }

    /// The common streamed event: choices whose first delta carries text. Anything else (a usage or error member,
    /// `content: null`, no choices) does not match and takes the general path through a JSON tree.
    #[derive(serde::Deserialize)]
    struct TextChunk<'a> {
        #[serde(borrow)]
        choices: Vec<TextChoice<'a>>,
        #[serde(default)]
        usage: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        error: Option<serde::de::IgnoredAny>,
    }

    #[derive(serde::Deserialize)]
    struct TextChoice<'a> {
        #[serde(borrow)]
        delta: TextDelta<'a>,
        #[serde(default, borrow)]
        finish_reason: Option<std::borrow::Cow<'a, str>>,
    }

    #[derive(serde::Deserialize)]
    struct TextDelta<'a> {
        #[serde(borrow)]
        content: std::borrow::Cow<'a, str>,
    }

    /// Reasoning models refuse `max_tokens` and want `max_completion_tokens`.
    pub fn is_reasoning_model(id: &str) -> bool {
        let id = id.rsplit('/').next().unwrap_or(id);
        ["o1", "o3", "o4", "gpt-5"]
            .iter()
            .any(|p| id.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '.'])))
    }

    pub fn body(model: &Model, req: &ChatRequest, stream: bool) -> Value {
        let mut messages = Vec::with_capacity(req.messages.len() + 1);
        if let Some(system) = &req.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        for m in &req.messages {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            messages.push(json!({"role": role, "content": m.content}));
        }
        let mut body = json!({"model": model.model_id, "messages": messages});
        let p = &req.params;
        if let Some(n) = p.max_tokens {
            let field = if is_reasoning_model(&model.model_id) { "max_completion_tokens" } else { "max_tokens" };
            body[field] = json!(n);
        }
        if let Some(t) = p.temperature {
            body["temperature"] = json!(decimal(t));
        }
        if let Some(t) = p.top_p {
            body["top_p"] = json!(decimal(t));
        }
        if !p.stop.is_empty() {
            body["stop"] = json!(p.stop);
        }
        if stream {
            body["stream"] = json!(true);
            body["stream_options"] = json!({"include_usage": true});
        }
        body
    }

    pub fn stop_reason(reason: &str) -> String {
        match reason {
            "stop" => "end_turn".into(),
            "length" => "max_tokens".into(),
            other => other.to_string(),
        }
    }

    fn usage(value: &Value) -> Option<Usage> {
        let u = value.get("usage").filter(|u| u.is_object())?;
        let n = |field: &str| u.get(field).and_then(Value::as_u64);
        Some(Usage {
            input_tokens: n("prompt_tokens").or(n("input_tokens"))?,
            output_tokens: n("completion_tokens").or(n("output_tokens")).unwrap_or(0),
            estimated: false,
        })
    }

    pub fn count_words(text: &str) -> u64 {
        text.split_whitespace().count() as u64
    }

    fn estimated_input(req: &ChatRequest) -> u64 {
        req.system.as_deref().map_or(0, count_words) + req.messages.iter().map(|m| count_words(&m.content)).sum::<u64>()
    }

    pub fn completion(value: &Value, req: &ChatRequest, name: &str) -> Result<Completion> {
        let choice = value.pointer("/choices/0").ok_or_else(|| {
            Error::Provider(format!("{name}'s reply has no choices: {}", snippet(value.to_string().as_bytes())))
        })?;
        let content = choice.pointer("/message/content").and_then(Value::as_str).unwrap_or_default().to_string();
        let stop_reason = choice.get("finish_reason").and_then(Value::as_str).map(stop_reason);
        let usage = usage(value).unwrap_or_else(|| Usage {
            input_tokens: estimated_input(req),
            output_tokens: count_words(&content),
            estimated: true,
        });
        Ok(Completion { content, stop_reason, usage })
    }

    /// Reads the `data:` payloads of a stream in order.
    pub struct StreamDecoder<'a> {
        name: &'a str,
        estimated_input: u64,
        words: u64,
        in_word: bool,
        stop_reason: Option<String>,
        usage: Option<Usage>,
    }

    impl<'a> StreamDecoder<'a> {
        pub fn new(req: &ChatRequest, name: &'a str) -> Self {
            StreamDecoder {
                name,
                estimated_input: estimated_input(req),
                words: 0,
                in_word: false,
                stop_reason: None,
                usage: None,
            }
        }

        /// One event's data. True at `[DONE]`.
        pub fn feed(&mut self, data: &str, on_text: &mut dyn FnMut(&str) -> Result<()>) -> Result<bool> {
            let data = data.trim();
            if data == "[DONE]" {
                return Ok(true);
            }
            if data.is_empty() {
                return Ok(false);
            }
            // Nearly every event is one piece of text: read it without building a JSON tree.
            if let Ok(chunk) = serde_json::from_str::<TextChunk>(data)
                && chunk.usage.is_none()
                && chunk.error.is_none()
                && let Some(choice) = chunk.choices.first()
            {
                if !choice.delta.content.is_empty() {
                    self.count(&choice.delta.content);
                    on_text(&choice.delta.content)?;
                }
                if let Some(reason) = &choice.finish_reason {
                    self.stop_reason = Some(stop_reason(reason));
                }
                return Ok(false);
            }
            let value: Value = serde_json::from_str(data).map_err(|e| {
                Error::Provider(format!(
                    "{} sent a stream event that is not JSON ({e}): {}",
                    self.name,
                    snippet(data.as_bytes())
                ))
            })?;
            if let Some(error) = value.get("error") {
                let (message, _) = error_message(value.to_string().as_bytes());
                let message = if message.is_empty() { error.to_string() } else { message };
                return Err(Error::Provider(format!("{} failed during the stream: {message}", self.name)));
            }
            if let Some(usage) = usage(&value) {
                self.usage = Some(usage);
            }
            if let Some(choice) = value.pointer("/choices/0") {
                if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str)
                    && !text.is_empty()
                {
                    self.count(text);
                    on_text(text)?;
                }
                if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(stop_reason(reason));
                }
            }
            Ok(false)
        }

        fn count(&mut self, text: &str) {
            for c in text.chars() {
                let space = c.is_whitespace();
                if !space && !self.in_word {
                    self.words += 1;
                }
                self.in_word = !space;
            }
        }

        pub fn finish(self) -> StreamEnd {
            let usage = self.usage.unwrap_or(Usage {
                input_tokens: self.estimated_input,
                output_tokens: self.words,
                estimated: true,
            });
            StreamEnd { stop_reason: self.stop_reason, usage }
        }
    }

    /// The message and code of an error body: `{"error": {"message", "code", "type"}}`, `{"error": "text"}`,
    /// `{"detail": ...}`, `{"message": ...}`, or plain text.
    pub fn error_message(body: &[u8]) -> (String, String) {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            let text = snippet(body);
            return (if text.is_empty() { "(no message)".into() } else { text }, String::new());
        };
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let error = value.get("error").unwrap_or(&value);
        let message = match error {
            Value::String(s) => s.clone(),
            Value::Object(_) => {
                error.get("message").or_else(|| error.get("detail")).map(text).unwrap_or_else(|| error.to_string())
            }
            other => other.to_string(),
        };
        let code =
            error.get("code").filter(|c| !c.is_null()).or_else(|| error.get("type")).map(text).unwrap_or_default();
        (message, code)
    }
}

#[cfg(test)]
mod tests {
    use super::codec::*;
    use super::*;
    use crate::types::{Message, Params};

    fn model(id: &str) -> Model {
        let registry = crate::config::Registry::load(&crate::config::ConfigRoot::Builtin).unwrap();
        let mut m = registry.lookup("gpt", None).unwrap().clone();
        m.model_id = id.into();
        m
    }

    #[test]
    fn reasoning_models_get_max_completion_tokens() {
        assert!(is_reasoning_model("o3"));
        assert!(is_reasoning_model("o4-mini"));
        assert!(is_reasoning_model("gpt-5-mini"));
        assert!(is_reasoning_model("gpt-5.1"));
        assert!(!is_reasoning_model("gpt-4o"));
        assert!(!is_reasoning_model("gpt-4.1-mini"));
        assert!(!is_reasoning_model("llama3.2"));
        let req = ChatRequest {
            messages: vec![Message::user("hi")],
            params: Params { max_tokens: Some(9), ..Params::default() },
            ..ChatRequest::default()
        };
        assert_eq!(body(&model("o3"), &req, false)["max_completion_tokens"], 9);
        assert_eq!(body(&model("gpt-4o"), &req, false)["max_tokens"], 9);
    }

    #[test]
    fn sampling_parameters_go_out_as_typed() {
        let req = ChatRequest {
            messages: vec![Message::user("hi")],
            params: Params { temperature: Some(0.3), top_p: Some(0.9), ..Params::default() },
            ..ChatRequest::default()
        };
        let sent = body(&model("gpt-4o"), &req, false);
        assert_eq!(sent["temperature"], 0.3, "{sent}");
        assert_eq!(sent["top_p"], 0.9, "{sent}");
    }

    #[test]
    fn error_bodies_of_every_shape_give_a_message() {
        let (m, c) = error_message(
            br#"{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}"#,
        );
        assert_eq!((m.as_str(), c.as_str()), ("bad key", "invalid_api_key"));
        let (m, c) = error_message(br#"{"error":{"code":"DeploymentNotFound","message":"no such deployment"}}"#);
        assert_eq!((m.as_str(), c.as_str()), ("no such deployment", "DeploymentNotFound"));
        assert_eq!(error_message(br#"{"detail":"Not Found"}"#).0, "Not Found");
        assert_eq!(error_message(br#"{"error":"model is loading"}"#).0, "model is loading");
        assert_eq!(error_message(b"Bad Gateway").0, "Bad Gateway");
        assert_eq!(error_message(b"").0, "(no message)");
    }

    #[test]
    fn stream_without_usage_is_estimated_across_chunk_boundaries() {
        let req = ChatRequest { messages: vec![Message::user("one two three")], ..ChatRequest::default() };
        let mut d = StreamDecoder::new(&req, "test");
        let mut out = String::new();
        for data in [
            r#"{"choices":[{"delta":{"role":"assistant"}}]}"#,
            r#"{"choices":[{"delta":{"content":"Hel"}}]}"#,
            r#"{"choices":[{"delta":{"content":"lo wor"}}]}"#,
            r#"{"choices":[{"delta":{"content":"ld"},"finish_reason":"length"}]}"#,
        ] {
            let mut keep = |t: &str| {
                out.push_str(t);
                Ok(())
            };
            assert!(!d.feed(data, &mut keep).unwrap());
        }
        assert!(d.feed("[DONE]", &mut |_| Ok(())).unwrap());
        let end = d.finish();
        assert_eq!(out, "Hello world");
        assert_eq!(end.stop_reason.as_deref(), Some("max_tokens"));
        assert_eq!(end.usage, Usage { input_tokens: 3, output_tokens: 2, estimated: true });
    }

    #[test]
    fn text_events_usage_null_escapes_and_a_final_usage_chunk_are_all_read() {
        // OpenAI with include_usage sends `"usage": null` on every chunk, then one chunk with usage and no choices.
        let req = ChatRequest { messages: vec![Message::user("hi")], ..ChatRequest::default() };
        let mut d = StreamDecoder::new(&req, "test");
        let mut out = String::new();
        for data in [
            r#"{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":"say \"hi\"\n"},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{"content":null},"finish_reason":null}]}"#,
            r#"{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}],"usage":null}"#,
            r#"{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#,
        ] {
            let mut keep = |t: &str| {
                out.push_str(t);
                Ok(())
            };
            assert!(!d.feed(data, &mut keep).unwrap());
        }
        let error = d.feed(r#"{"choices":[{"delta":{"content":"x"}}],"error":{"message":"boom"}}"#, &mut |_| Ok(()));
        assert!(error.unwrap_err().to_string().contains("boom"));
        let end = d.finish();
        assert_eq!(out, "say \"hi\"\n");
        assert_eq!(end.stop_reason.as_deref(), Some("content_filter"));
        assert_eq!(end.usage, Usage { input_tokens: 7, output_tokens: 3, estimated: false });
    }

    #[test]
    fn retry_after_prefers_milliseconds_and_is_capped() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", HeaderValue::from_static("150"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(150)));
        h.remove("retry-after-ms");
        h.insert("retry-after", HeaderValue::from_static("86400"));
        assert_eq!(retry_after(&h), Some(MAX_RETRY_WAIT));
        h.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), None, "a date falls back to the backoff");
    }

    #[test]
    fn stop_reasons_are_normalized() {
        assert_eq!(stop_reason("stop"), "end_turn");
        assert_eq!(stop_reason("length"), "max_tokens");
        assert_eq!(stop_reason("content_filter"), "content_filter");
        assert_eq!(stop_reason("tool_calls"), "tool_calls");
    }

    #[test]
    fn azure_deployment_and_version_are_encoded() {
        assert_eq!(encode_component("my deployment/1"), "my%20deployment%2F1");
        assert_eq!(encode_component("2025-04-01-preview"), "2025-04-01-preview");
    }
}
