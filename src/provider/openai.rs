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
//! Bodies are the codec's ([`crate::codec::openai`]): this module is transport only, and the same codec would
//! serve any other way of reaching a Chat Completions server. A stream must end with `data: [DONE]`: one that stops
//! before is a broken stream (exit 7), not a short answer.
//!
//! Retries: 429 (except `insufficient_quota`, which waiting does not fix), 408, 5xx and connection failures are
//! retried up to the provider's `retries.maxAttempts` with exponential backoff from `retries.initialBackoffMs`,
//! honouring `retry-after-ms` / `retry-after` up to [`MAX_RETRY_WAIT`]. The whole of `chat` (retries included) is
//! bounded by the request timeout; `stream` bounds the wait for the response and every silence between events.

mod check;

use super::{Limits, Wait, endpoint, error_chain, next_or_idle, non_empty_env, sse, timed_out};
use crate::codec::openai::{ChatCompletions, error_message};
use crate::codec::{Codec, Encoding, Step};
use crate::config::{Model, ProviderSettings, Transport};
use crate::types::{ChatRequest, Completion, EventSink, StreamEnd};
use crate::{Error, Result};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// Every body this transport sends and reads is Chat Completions.
const CODEC: ChatCompletions = ChatCompletions;
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
    connect_timeout: Duration,
    /// The key and any URL password, taken out of everything this transport returns.
    pub(super) redactor: super::Redactor,
    shape: Shape,
    /// Provider name, for messages.
    name: String,
    /// Where the key came from (`$OPENAI_API_KEY`, `AWS Secrets Manager prod/openai`), for `-v` and auth hints;
    /// never the key itself.
    key_from: Option<String>,
    headers: HeaderMap,
    max_attempts: u32,
    initial_backoff: Duration,
}

impl OpenAi {
    /// Read the endpoint and key from settings and environment (or the key's configured place) and build the
    /// HTTP client. Nothing is sent to the provider.
    pub async fn connect(settings: &ProviderSettings) -> Result<OpenAi> {
        let file = format!("providers/{}/settings.json", settings.name);
        let (configured, key_env, key_source) = match &settings.transport {
            Transport::OpenAi(o) => (&o.headers, o.api_key_env.as_deref(), o.api_key_source.as_ref()),
            Transport::Azure(a) => (&a.headers, a.api_key_env.as_deref(), a.api_key_source.as_ref()),
            _ => return Err(Error::Internal(format!("provider {} is not of type openai or azure", settings.name))),
        };
        let mut headers = HeaderMap::new();
        for (name, value) in configured {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Error::config(&file, format!("headers.{name}"), e.to_string()))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| Error::config(&file, format!("headers.{name}"), e.to_string()))?;
            headers.insert(name, value);
        }

        // The variable, when set, wins; then the key's configured place. A key named but missing fails here,
        // before anything is sent.
        let (key, key_from) = match (key_env.and_then(non_empty_env), key_source) {
            (Some(key), _) => (Some(key), key_env.map(|var| format!("${var}"))),
            (None, Some(source)) => (Some(super::keys::read(&settings.name, source).await?), Some(source.describe())),
            (None, None) => match key_env {
                Some(var) => {
                    return Err(Error::Auth {
                        message: format!("{var} is not set: the {} provider needs an API key", settings.name),
                        hint: Some(format!(
                            "export {var}=..., or give the provider's settings an apiKeyCommand, apiKeySecret or \
                             apiKeyParameter"
                        )),
                    });
                }
                None => (None, None),
            },
        };

        let shape = match &settings.transport {
            Transport::Azure(azure) => {
                let vars: Vec<&str> = azure.endpoint_env.iter().map(String::as_str).collect();
                let endpoint = endpoint(&vars, azure.endpoint.as_deref(), &file, "endpoint")?.ok_or_else(|| {
                    let var = azure.endpoint_env.as_deref().unwrap_or("AZURE_OPENAI_ENDPOINT");
                    Error::config(
                        &file,
                        "endpoint",
                        format!("no Azure OpenAI endpoint: set {var} or `endpoint` (https://NAME.openai.azure.com)"),
                    )
                })?;
                let api_version = azure
                    .api_version_env
                    .as_deref()
                    .and_then(non_empty_env)
                    .or_else(|| azure.api_version.clone())
                    .unwrap_or_else(|| DEFAULT_API_VERSION.into());
                Shape::Azure { endpoint: endpoint.trim_end_matches('/').to_string(), api_version }
            }
            Transport::OpenAi(openai) => {
                let vars: Vec<&str> = openai.base_url_env.iter().map(String::as_str).collect();
                let base = endpoint(&vars, openai.base_url.as_deref(), &file, "baseUrl")?
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
            _ => unreachable!("checked above"),
        };

        let mut redactor = super::Redactor::default();
        if let Some(key) = key {
            redactor.add(&key);
            let (name, value) = match shape {
                Shape::Azure { .. } => ("api-key", key),
                Shape::OpenAi { .. } => ("authorization", format!("Bearer {key}")),
            };
            let mut value = HeaderValue::from_str(&value).map_err(|_| Error::Auth {
                message: format!(
                    "{} holds characters that cannot be sent in an HTTP header",
                    key_from.as_deref().unwrap_or_default()
                ),
                hint: None,
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        headers.insert("content-type", HeaderValue::from_static("application/json"));

        let connect_timeout = Duration::from_millis(settings.timeouts.connect_ms.unwrap_or(3000));
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {}", error_chain(&e))))?;
        Ok(OpenAi {
            redactor,
            http,
            connect_timeout,
            shape,
            name: settings.name.clone(),
            key_from,
            headers,
            max_attempts: settings.retries.max_attempts.unwrap_or(3).max(1),
            initial_backoff: Duration::from_millis(settings.retries.initial_backoff_ms.unwrap_or(200)),
        })
    }

    /// The endpoint `model`'s requests go to (with Azure's deployment) and where the key comes from, for `-v`.
    pub fn describe(&self, model: &Model) -> String {
        let key = match &self.key_from {
            Some(from) => format!("key from {from}"),
            None => "no API key".into(),
        };
        match &self.shape {
            Shape::OpenAi { .. } => format!("endpoint {}, {key}", self.url(model)),
            Shape::Azure { api_version, .. } => {
                format!("endpoint {}, api-version {api_version}, {key}", url_for_humans(&self.url(model)))
            }
        }
    }

    fn url(&self, model: &Model) -> String {
        match &self.shape {
            Shape::OpenAi { base } => format!("{base}/chat/completions"),
            Shape::Azure { endpoint, api_version } => {
                let deployment = model.deployment();
                format!(
                    "{endpoint}/openai/deployments/{}/chat/completions?api-version={}",
                    encode_component(deployment),
                    encode_component(api_version)
                )
            }
        }
    }

    pub async fn chat(&self, model: &Model, req: &ChatRequest, limits: Limits) -> Result<Completion> {
        let body = CODEC.encode(req, Encoding { model_id: &model.model_id, stream: false })?;
        let work = async {
            let response = self.send(model, body).await?;
            let bytes = response.bytes().await.map_err(|e| self.broken(&e))?;
            CODEC.decode(req, &bytes).map_err(|e| self.named(e))
        };
        tokio::time::timeout(limits.timeout, work)
            .await
            .map_err(|_| timed_out(&self.name, limits.timeout, Wait::Reply))?
    }

    pub async fn stream(
        &self,
        model: &Model,
        req: &ChatRequest,
        limits: Limits,
        sink: &mut dyn EventSink,
    ) -> Result<StreamEnd> {
        let body = CODEC.encode(req, Encoding { model_id: &model.model_id, stream: true })?;
        let response = next_or_idle(self.send(model, body), sink, limits, &self.name).await??;
        if is_json(&response) {
            // A server that ignores `stream: true` answers with the whole reply: pass it on as one piece.
            let bytes = next_or_idle(response.bytes(), sink, limits, &self.name).await?.map_err(|e| self.broken(&e))?;
            let completion = CODEC.decode(req, &bytes).map_err(|e| self.named(e))?;
            if !completion.content.is_empty() {
                sink.delta(&completion.content)?;
            }
            return Ok(StreamEnd { stop_reason: completion.stop_reason, usage: completion.usage });
        }
        // Line endings made LF, a byte-order mark dropped, and one line at a time for the parser: see `sse`.
        let mut framing = sse::Framing::default();
        let lines = response.bytes_stream().flat_map(move |chunk| {
            let (lines, error) = match chunk {
                Ok(bytes) => (Some(sse::lines(framing.normalize(bytes))), None),
                Err(e) => (None, Some(e)),
            };
            futures_util::stream::iter(lines.into_iter().flatten().map(Ok).chain(error.map(Err)))
        });
        let mut events = lines.eventsource();
        let mut decoder = CODEC.stream_decoder(req);
        loop {
            match next_or_idle(events.next(), sink, limits, &self.name).await? {
                Some(Ok(event)) if event.event == "error" => {
                    // `event: error`, whatever its data: the server gave up mid-stream.
                    let (message, _) = error_message(event.data.as_bytes());
                    return Err(self.named(Error::provider(format!("the server failed during the stream: {message}"))));
                }
                Some(Ok(event)) => {
                    if decoder.feed(event.data.as_bytes(), &mut |text| sink.delta(text)).map_err(|e| self.named(e))?
                        == Step::Done
                    {
                        return decoder.finish(&mut |text| sink.delta(text));
                    }
                }
                Some(Err(eventsource_stream::EventStreamError::Transport(e))) => return Err(self.broken(&e)),
                Some(Err(e)) => {
                    return Err(Error::provider(format!("{} sent a stream that could not be read: {e}", self.name)));
                }
                None => {
                    return Err(Error::provider(format!(
                        "the stream from {} ended before `data: [DONE]`: the reply is incomplete",
                        self.name
                    )));
                }
            }
        }
    }

    /// Embed `texts` with `model` (`POST .../embeddings`), within `timeout`, retrying as chat does.
    pub async fn embed(
        &self,
        model: &Model,
        texts: &[String],
        dimensions: Option<u32>,
        timeout: Duration,
    ) -> Result<crate::codec::embeddings::Embedded> {
        let url = match &self.shape {
            Shape::OpenAi { base } => format!("{base}/embeddings"),
            Shape::Azure { endpoint, api_version } => format!(
                "{endpoint}/openai/deployments/{}/embeddings?api-version={}",
                encode_component(model.deployment()),
                encode_component(api_version)
            ),
        };
        let body = crate::codec::embeddings::encode(&model.model_id, texts, dimensions);
        let work = async {
            let started = std::time::Instant::now();
            let response = self.send_to(&url, model, body).await?;
            let bytes = response.bytes().await.map_err(|e| self.broken(&e))?;
            let mut embedded = crate::codec::embeddings::decode(&bytes, texts.len()).map_err(|e| self.named(e))?;
            for call in &mut embedded.calls {
                call.duration_ms = started.elapsed().as_millis() as u64;
            }
            Ok(embedded)
        };
        tokio::time::timeout(timeout, work).await.map_err(|_| timed_out(&self.name, timeout, Wait::Reply))?
    }

    /// Draw `ask` with an image model (`POST .../images/generations`), within `timeout`.
    pub async fn draw(
        &self,
        model: &Model,
        ask: &crate::codec::images::ImageAsk,
        timeout: Duration,
    ) -> Result<crate::codec::images::Drawn> {
        let url = match &self.shape {
            Shape::OpenAi { base } => format!("{base}/images/generations"),
            Shape::Azure { endpoint, api_version } => format!(
                "{endpoint}/openai/deployments/{}/images/generations?api-version={}",
                encode_component(model.deployment()),
                encode_component(api_version)
            ),
        };
        let body = crate::codec::images::openai_body(&model.model_id, ask);
        let work = async {
            let response = self.send_to(&url, model, body).await?;
            let bytes = response.bytes().await.map_err(|e| self.broken(&e))?;
            crate::codec::images::openai_decode(&bytes).map_err(|e| self.named(e))
        };
        tokio::time::timeout(timeout, work).await.map_err(|_| timed_out(&self.name, timeout, Wait::Reply))?
    }

    /// POST `body` to the model's chat endpoint, retrying what waiting can fix; a 2xx response or the mapped error.
    async fn send(&self, model: &Model, body: Vec<u8>) -> Result<reqwest::Response> {
        self.send_to(&self.url(model), model, body).await
    }

    /// POST `body` to `url`, retrying what waiting can fix; a 2xx response or the mapped error.
    async fn send_to(&self, url: &str, model: &Model, body: Vec<u8>) -> Result<reqwest::Response> {
        let mut attempt = 1;
        loop {
            let sent = self.http.post(url).headers(self.headers.clone()).body(body.clone()).send().await;
            let (error, wait) = match sent {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) if response.status().is_redirection() => return Err(self.redirected(&response)),
                Ok(response) => {
                    let status = response.status().as_u16();
                    let wait = retry_after(response.headers());
                    let text = response.bytes().await.unwrap_or_default();
                    let (message, code) = error_message(&text);
                    let retryable = matches!(status, 408 | 429 | 500..=599) && code != "insufficient_quota";
                    (self.classify(status, &code, message, model, wait), retryable.then_some(wait))
                }
                Err(e) => {
                    let error = if e.is_timeout() {
                        timed_out(&self.name, self.connect_timeout, Wait::Connect)
                    } else {
                        Error::provider(format!(
                            "could not reach {} ({}): {}",
                            self.name,
                            url_for_humans(url),
                            error_chain(&e)
                        ))
                    };
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
    fn classify(&self, status: u16, code: &str, message: String, model: &Model, wait: Option<Duration>) -> Error {
        let name = &self.name;
        if matches!(code, "model_not_found" | "DeploymentNotFound") || (status == 404 && names_a_model(&message)) {
            return Error::ModelNotReady { model: model.model_id.clone(), reason: message, suggestions: Vec::new() };
        }
        match status {
            // A 404 that is not about the model is a wrong URL (a base URL without `/v1`, a typo in the endpoint).
            404 => Error::provider(format!(
                "{name} answered 404 at {}: {message} (check the provider's base URL or endpoint)",
                url_for_humans(&self.url(model))
            )),
            401 | 403 => Error::Auth {
                message: format!("{name} refused the credentials ({status}): {message}"),
                hint: Some(match &self.key_from {
                    Some(from) => format!("check the key in {from}"),
                    None => "this provider sends no key (no apiKeyEnv in its settings); add one if the server needs it"
                        .into(),
                }),
            },
            429 => Error::rate_limited(format!("{name} rate limited the request: {message}")).with_retry_after(wait),
            400 | 413 | 422 => Error::Usage(format!("{name} rejected the request: {message}")),
            _ => Error::provider(format!("{name} failed ({status}): {message}")),
        }
        .with_status(status)
    }

    /// A redirect [`same_origin_redirects`] did not follow: to another origin (or one too many).
    fn redirected(&self, response: &reqwest::Response) -> Error {
        let status = response.status().as_u16();
        let target = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("nowhere");
        let target = response.url().join(target).map_or_else(|_| target.to_string(), |url| url.to_string());
        let message = format!(
            "{} redirected the request ({status}) to {}, another origin: llmgw sends the key and headers only to the \
             configured origin, so it did not follow (set the provider's base URL or endpoint to the new address if \
             it is right)",
            self.name,
            url_for_humans(&target)
        );
        Error::provider(self.redactor.text(&message)).with_status(status)
    }

    /// A codec's error about what this provider sent, with the provider's name in front.
    fn named(&self, err: Error) -> Error {
        match err {
            Error::Provider { message, failure } => {
                Error::Provider { message: format!("{}: {message}", self.name), failure }
            }
            other => other,
        }
    }

    /// The connection failed after the response began.
    fn broken(&self, e: &reqwest::Error) -> Error {
        Error::provider(format!(
            "the connection to {} broke before the reply was complete: {}",
            self.name,
            error_chain(e)
        ))
    }
}

/// Follow a redirect only within the origin (scheme, host and port) the request went to, and at most 10: the
/// credential headers (`api-key`, `Authorization`, configured headers) are never sent anywhere else. A redirect
/// elsewhere is handed back as the 3xx response, which [`OpenAi::redirected`] turns into an error naming it.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if same && attempt.previous().len() <= 10 { attempt.follow() } else { attempt.stop() }
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn azure_deployment_and_version_are_encoded() {
        assert_eq!(encode_component("my deployment/1"), "my%20deployment%2F1");
        assert_eq!(encode_component("2025-04-01-preview"), "2025-04-01-preview");
    }
}
