//! Providers: how to reach a service — auth, endpoint, transport, retries, and the mapping of its failures onto
//! llmgw's error kinds. A provider that speaks vendors' native formats (Bedrock InvokeModel) delegates bodies to a
//! [`crate::codec`] codec; one that speaks a neutral API (Bedrock Converse) translates the neutral types itself.
//!
//! A provider is chosen by the `type` of its settings; [`Client`] is the closed set of transports, so dispatch is a
//! plain `match` and each transport keeps its own concrete, async API.

pub(crate) mod aws;
mod aws_profiles;
pub mod bedrock;
mod keys;
pub mod local;
pub mod openai;
mod sse;

use crate::Result;
use crate::config::{Model, ProviderSettings, Transport};
use crate::types::{ChatRequest, Completion, EventSink, StreamEnd};
use std::time::Duration;

/// A connected transport for one provider. One is made per provider a request reaches, so the size of a variant
/// does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Client {
    Bedrock(bedrock::Bedrock),
    Local(local::Local),
    /// OpenAI, Azure OpenAI and OpenAI-compatible servers.
    OpenAi(openai::OpenAi),
}

/// What a provider says of a model when asked without generating text (`models status MODEL --check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    /// Reachable with these credentials, and served (entitled, deployed) in this region or account.
    pub available: bool,
    /// What the provider said, for people.
    pub detail: String,
}

impl Availability {
    pub fn yes(detail: String) -> Availability {
        Availability { available: true, detail }
    }

    pub fn no(detail: String) -> Availability {
        Availability { available: false, detail }
    }
}

/// How to embed: the vector size, what the texts are for (Cohere), and how many one-text calls may be in flight.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbedOptions {
    pub dimensions: Option<u32>,
    pub input_type: crate::codec::bedrock_embeddings::InputType,
    pub concurrency: usize,
}

/// Per-request limits that the caller may tighten (`--timeout`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The whole request for `chat`; the wait for the first byte and then between events for `stream`.
    pub timeout: Duration,
}

impl Client {
    /// Connect to the provider described by `settings`. Cheap for offline providers; for Bedrock this resolves
    /// region and credentials (failing fast when there are none); for OpenAI and Azure it reads the endpoint and key
    /// from the environment (failing when a named key variable is unset) and builds the HTTP client, without sending.
    pub async fn connect(settings: &ProviderSettings) -> Result<Client> {
        match &settings.transport {
            Transport::Bedrock(bedrock) => Ok(Client::Bedrock(bedrock::Bedrock::connect(settings, bedrock).await?)),
            Transport::Local => Ok(Client::Local(local::Local)),
            Transport::OpenAi(_) | Transport::Azure(_) => Ok(Client::OpenAi(openai::OpenAi::connect(settings).await?)),
        }
    }

    /// Where `model`'s requests go, for `-v`: region and endpoint, never secrets.
    pub fn describe(&self, model: &Model) -> String {
        match self {
            Client::Bedrock(b) => b.redactor.text(&b.describe()),
            Client::Local(_) => "offline (no network)".into(),
            Client::OpenAi(o) => o.redactor.text(&o.describe(model)),
        }
    }

    /// Ask the provider whether `model` can be used, without generating text where the provider allows.
    pub async fn check(&self, model: &Model) -> Result<Availability> {
        match self {
            Client::Bedrock(b) => b.check(model).await.map_err(|e| b.redactor.error(e)),
            Client::Local(_) => Ok(Availability::yes("the offline provider is always there".into())),
            Client::OpenAi(o) => o.check(model).await.map_err(|e| o.redactor.error(e)),
        }
    }

    /// Embed `texts` with `model`: one vector per text, in order. `options.concurrency` bounds the calls in flight
    /// for a family that takes one text per call.
    pub async fn embed(
        &self,
        model: &Model,
        texts: &[String],
        options: EmbedOptions,
        limits: Limits,
    ) -> Result<crate::codec::embeddings::Embedded> {
        match self {
            Client::OpenAi(o) => {
                o.embed(model, texts, options.dimensions, limits.timeout).await.map_err(|e| o.redactor.error(e))
            }
            Client::Bedrock(b) => b
                .embed(model, texts, options.dimensions, options.input_type, options.concurrency, limits)
                .await
                .map_err(|e| b.redactor.error(e)),
            Client::Local(_) => Err(crate::Error::Usage("the offline provider has no embedding model".into())),
        }
    }

    /// Draw the images `ask` describes with `model`, as PNG bytes.
    pub async fn draw(
        &self,
        model: &Model,
        ask: &crate::codec::images::ImageAsk,
        limits: Limits,
    ) -> Result<crate::codec::images::Drawn> {
        match self {
            Client::OpenAi(o) => o.draw(model, ask, limits.timeout).await.map_err(|e| o.redactor.error(e)),
            Client::Bedrock(b) => b.draw(model, ask, limits).await.map_err(|e| b.redactor.error(e)),
            Client::Local(_) => Err(crate::Error::Usage("the offline provider has no image model".into())),
        }
    }

    pub async fn chat(&self, model: &Model, req: &ChatRequest, limits: Limits) -> Result<Completion> {
        match self {
            Client::Bedrock(b) => b.chat(model, req, limits).await.map_err(|e| b.redactor.error(e)),
            Client::Local(l) => l.chat(req),
            Client::OpenAi(o) => o.chat(model, req, limits).await.map_err(|e| o.redactor.error(e)),
        }
    }

    pub async fn stream(
        &self,
        model: &Model,
        req: &ChatRequest,
        limits: Limits,
        sink: &mut dyn EventSink,
    ) -> Result<StreamEnd> {
        match self {
            Client::Bedrock(b) => b.stream(model, req, limits, sink).await.map_err(|e| b.redactor.error(e)),
            Client::Local(l) => l.stream(req, sink).await,
            Client::OpenAi(o) => o.stream(model, req, limits, sink).await.map_err(|e| o.redactor.error(e)),
        }
    }
}

/// Await `fut`, but first tell the sink we are about to wait when the value is not ready at once. This is what
/// lets renderers buffer a burst of chunks that already arrived and flush exactly when the network goes quiet.
pub(crate) async fn next_or_idle<F: std::future::Future>(
    fut: F,
    sink: &mut dyn EventSink,
    limits: Limits,
    provider: &str,
) -> Result<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(fut.as_mut().poll(cx))).await;
    match first {
        std::task::Poll::Ready(value) => Ok(value),
        std::task::Poll::Pending => {
            sink.idle()?;
            tokio::time::timeout(limits.timeout, fut).await.map_err(|_| timed_out(provider, limits.timeout, Wait::Data))
        }
    }
}

/// What a timed-out request was waiting for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// The whole reply (`chat`).
    Reply,
    /// The next piece of a stream, or its first byte.
    Data,
    /// A connection.
    Connect,
}

/// Every timeout in one wording: which provider, after how long, waiting for what.
pub(crate) fn timed_out(provider: &str, after: Duration, waiting: Wait) -> crate::Error {
    let what = match waiting {
        Wait::Reply => "for the whole reply",
        Wait::Data => "without data",
        Wait::Connect => "connecting",
    };
    crate::Error::provider(format!("the request to {provider} timed out after {} s {what}", after.as_secs_f32()))
}

/// An error and its sources, by their Display forms only (the SDKs' Debug forms are not for users).
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// An endpoint URL: the first of the variables `vars` that is set, else the setting `field` of the provider's
/// settings `file`. A URL without `http://` or `https://` is a configuration error naming where it came from (the
/// transports would otherwise fail late, and the AWS SDK's error then prints the whole request, prompt included).
pub(crate) fn endpoint(vars: &[&str], setting: Option<&str>, file: &str, field: &str) -> crate::Result<Option<String>> {
    let (value, file, field) = match vars.iter().find_map(|var| non_empty_env(var).map(|value| (value, *var))) {
        Some((value, var)) => (value, "environment", var),
        None => match setting {
            Some(value) => (value.to_string(), file, field),
            None => return Ok(None),
        },
    };
    let scheme = value.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(crate::Error::config(
            file,
            field,
            format!("'{value}' is not an http:// or https:// URL (write it with its scheme, e.g. http://{value})"),
        ));
    }
    Ok(Some(value))
}

/// The secret values a transport knows (its API key, the password of a URL), taken out of every text it returns:
/// messages, `-v` lines. A server that echoes the key in its error, or an endpoint written `https://user:pw@host`,
/// never puts the secret on the user's screen or in `--json`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn add(&mut self, secret: &str) {
        // A very short value would blank ordinary words; no real key is that short.
        if secret.len() >= 6 {
            self.secrets.push(secret.to_string());
        }
    }

    pub fn text(&self, text: &str) -> String {
        let mut text = without_userinfo(text);
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[redacted]");
            }
        }
        text
    }

    pub fn error(&self, err: crate::Error) -> crate::Error {
        err.map_text(|text| self.text(text))
    }
}

/// `scheme://user:password@host/...` -> `scheme://[redacted]@host/...`, wherever a URL stands in `text`.
pub(crate) fn without_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end =
            tail.find(|c: char| matches!(c, '/' | '?' | '#' | ')' | '>' | '"' | '\'') || c.is_whitespace());
        let authority = &tail[..authority_end.unwrap_or(tail.len())];
        match authority.rfind('@') {
            Some(userinfo_end) => {
                out.push_str("[redacted]");
                rest = &tail[userinfo_end..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// An environment variable that is set to something other than blanks.
pub(crate) fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_and_known_secrets_are_taken_out_of_any_text() {
        assert_eq!(
            without_userinfo("could not reach http://ann:hunter2@127.0.0.1:9/v1 (or https://x@h?q): refused"),
            "could not reach http://[redacted]@127.0.0.1:9/v1 (or https://[redacted]@h?q): refused"
        );
        assert_eq!(
            without_userinfo("mail me@example.org at https://host/a@b"),
            "mail me@example.org at https://host/a@b"
        );
        let mut redactor = Redactor::default();
        redactor.add("sk-live-0123456789");
        redactor.add("abc");
        assert_eq!(
            redactor.text("Incorrect API key provided: sk-live-0123456789."),
            "Incorrect API key provided: [redacted]."
        );
        assert_eq!(redactor.text("abc stays"), "abc stays", "too short to be a key");
    }
}
