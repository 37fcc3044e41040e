//! AWS Bedrock through the official SDK (aws-config + aws-sdk-bedrockruntime).
//!
//! Families with a native adapter (Anthropic, Meta) go through InvokeModel / InvokeModelWithResponseStream with the
//! family's codec building and reading the bodies; every other family goes through Converse / ConverseStream. The
//! SDK's own default chain supplies credentials, profiles (SSO, credential_process, web identity), Bedrock API keys
//! (`AWS_BEARER_TOKEN_BEDROCK`) and `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`; what we add is:
//!
//! - **Fail fast without credentials.** Credentials are resolved once, up front, with an instance-metadata client
//!   limited to one 200 ms attempt, so a laptop with no credentials gets exit 5 and a hint in well under a second
//!   instead of the SDK's multi-second IMDS probing. The region never comes from instance metadata: environment,
//!   then profile, then the provider's `region` setting.
//! - **Error mapping** from the service's error codes onto llmgw's exit codes, including the classic "on-demand
//!   throughput isn't supported" for a bare model id, which becomes a model-not-ready error naming the
//!   cross-region inference profile to use instead.
//! - **Timeouts** that suit LLMs: the SDK's stalled-stream protection is off (models pause to think); instead a
//!   whole-request timeout for `chat` and a between-events timeout for `stream`.

mod check;
mod embed;
mod image;

use super::{Limits, Wait, error_chain, next_or_idle, non_empty_env, timed_out};
use crate::codec::{self, Encoding, Step};
use crate::config::{BedrockApi, BedrockSettings, Model, Placement, ProviderSettings};
use crate::types::{ChatRequest, Completion, EventSink, Role, StreamEnd, Usage};
use crate::{Error, Result};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_bedrockruntime::Client as SdkClient;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types as bt;
use std::time::Duration;

const ENDPOINT_VARS: [&str; 2] = ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL"];
/// For a user with no AWS at all: how to try llmgw anyway.
const WITHOUT_AWS: &str = "To try llmgw without AWS: `-m echo` (offline, no credentials), LLMGW_MODEL=echo for \
     scripts, or an OpenAI model (`-m gpt`) with OPENAI_API_KEY";
use super::aws::CREDENTIALS_HINT;

pub struct Bedrock {
    client: SdkClient,
    /// What the client was built from, for the control-plane client of `--check`.
    config: aws_config::SdkConfig,
    region: String,
    endpoint: Option<String>,
    /// The provider's name (its folder), for messages.
    name: String,
    connect_timeout: Duration,
    /// The secret key, session token or Bedrock API key in use, kept out of every message.
    pub(super) redactor: super::Redactor,
}

impl Bedrock {
    pub async fn connect(settings: &ProviderSettings, bedrock: &BedrockSettings) -> Result<Bedrock> {
        let region = super::aws::region(bedrock.region.as_deref().unwrap_or("us-east-1")).await;

        let retries = RetryConfig::standard()
            .with_max_attempts(settings.retries.max_attempts.unwrap_or(3).max(1))
            .with_initial_backoff(Duration::from_millis(settings.retries.initial_backoff_ms.unwrap_or(200)));
        let mut timeouts = TimeoutConfig::builder();
        let connect_timeout = Duration::from_millis(settings.timeouts.connect_ms.unwrap_or(3000));
        timeouts.set_connect_timeout(Some(connect_timeout));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(region.clone())
            .retry_config(retries)
            .timeout_config(timeouts.build())
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled());

        // The standard variables win over the catalogue's endpointUrl, as they do for every AWS tool.
        let file = format!("providers/{}/settings.json", settings.name);
        let endpoint = super::endpoint(&ENDPOINT_VARS, bedrock.endpoint_url.as_deref(), &file, "endpointUrl")?;
        if let Some(url) =
            bedrock.endpoint_url.as_ref().filter(|_| ENDPOINT_VARS.iter().all(|v| non_empty_env(v).is_none()))
        {
            loader = loader.endpoint_url(url);
        }

        let mut redactor = super::Redactor::default();
        // A Bedrock API key is picked up by the SDK itself and needs no AWS credentials.
        if let Some(token) = non_empty_env("AWS_BEARER_TOKEN_BEDROCK") {
            redactor.add(&token);
        } else {
            let credentials = super::aws::credentials(&region, &format!("{CREDENTIALS_HINT}. {WITHOUT_AWS}")).await?;
            redactor.add(credentials.secret_access_key());
            if let Some(token) = credentials.session_token() {
                redactor.add(token);
            }
            loader = loader.credentials_provider(credentials);
        }

        let config = loader.load().await;
        Ok(Bedrock {
            client: SdkClient::new(&config),
            config,
            region: region.to_string(),
            endpoint,
            name: settings.name.clone(),
            connect_timeout,
            redactor,
        })
    }

    /// InvokeModel with a JSON `body` (chat, embeddings, images): the reply's body.
    async fn invoke(&self, model: &Model, body: Vec<u8>) -> Result<Vec<u8>> {
        let out = self
            .client
            .invoke_model()
            .model_id(model.invoke_id())
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(body))
            .send()
            .await
            .map_err(|e| self.map_error(e, model))?;
        Ok(out.body().as_ref().to_vec())
    }

    pub fn describe(&self) -> String {
        let endpoint =
            self.endpoint.clone().unwrap_or_else(|| format!("https://bedrock-runtime.{}.amazonaws.com", self.region));
        format!("region {}, endpoint {endpoint}", self.region)
    }

    pub async fn chat(&self, model: &Model, req: &ChatRequest, limits: Limits) -> Result<Completion> {
        let work = async {
            match native_codec(model) {
                Some(codec) => {
                    let body = codec.encode(req, Encoding { model_id: model.invoke_id(), stream: false })?;
                    codec.decode(req, &self.invoke(model, body).await?)
                }
                None => {
                    let out = converse::request(self.client.converse(), model, req)?
                        .send()
                        .await
                        .map_err(|e| self.map_error(e, model))?;
                    converse::completion(&out)
                }
            }
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
        match native_codec(model) {
            Some(codec) => {
                let send = self
                    .client
                    .invoke_model_with_response_stream()
                    .model_id(model.invoke_id())
                    .content_type("application/json")
                    .accept("application/json")
                    .body(Blob::new(codec.encode(req, Encoding { model_id: model.invoke_id(), stream: true })?))
                    .send();
                let mut out =
                    next_or_idle(send, sink, limits, &self.name).await?.map_err(|e| self.map_error(e, model))?;
                let mut decoder = codec.stream_decoder(req);
                loop {
                    let event = next_or_idle(out.body.recv(), sink, limits, &self.name).await?;
                    match event.map_err(|e| self.map_stream_error(e, model))? {
                        Some(bt::ResponseStream::Chunk(part)) => {
                            let bytes = part.bytes().map(|b| b.as_ref()).unwrap_or_default();
                            if decoder.feed(bytes, &mut |text| sink_delta(sink, text))? == Step::Done {
                                break;
                            }
                        }
                        Some(_) => {}
                        None => break,
                    }
                }
                decoder.finish(&mut |text| sink_delta(sink, text))
            }
            None => {
                let send = converse::stream_request(self.client.converse_stream(), model, req)?.send();
                let mut out =
                    next_or_idle(send, sink, limits, &self.name).await?.map_err(|e| self.map_error(e, model))?;
                let mut end = StreamEnd::default();
                loop {
                    let event = next_or_idle(out.stream.recv(), sink, limits, &self.name).await?;
                    match event.map_err(|e| self.map_stream_error(e, model))? {
                        Some(bt::ConverseStreamOutput::ContentBlockDelta(ev)) => {
                            if let Some(bt::ContentBlockDelta::Text(text)) = ev.delta() {
                                sink_delta(sink, text)?;
                            }
                        }
                        Some(bt::ConverseStreamOutput::MessageStop(ev)) => {
                            end.stop_reason = Some(converse::stop_reason(ev.stop_reason()));
                        }
                        Some(bt::ConverseStreamOutput::Metadata(ev)) => {
                            if let Some(usage) = ev.usage() {
                                end.usage = converse::usage(usage);
                            }
                        }
                        Some(_) => {}
                        None => break,
                    }
                }
                if end.stop_reason.is_none() {
                    return Err(Error::provider("the stream ended before the model finished its reply"));
                }
                Ok(end)
            }
        }
    }

    /// Map a failure to read the next event of a stream that has started. The connection breaking now means the
    /// reply was cut off, not that Bedrock could not be reached; everything else maps as for a call.
    fn map_stream_error<E, R>(&self, err: SdkError<E, R>, model: &Model) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: RawReply + std::fmt::Debug,
    {
        if let SdkError::DispatchFailure(_) = &err {
            return Error::provider(format!(
                "the connection to Bedrock ({}) broke before the reply was complete: {}",
                self.describe(),
                error_chain(&err)
            ));
        }
        self.map_error(err, model)
    }

    /// Map an SDK failure onto llmgw's error kinds (DESIGN.md section 5).
    fn map_error<E, R>(&self, err: SdkError<E, R>, model: &Model) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: RawReply + std::fmt::Debug,
    {
        let (status, exception_type) = match &err {
            SdkError::ServiceError(e) => (e.raw().status(), e.raw().exception_type()),
            _ => (None, None),
        };
        match &err {
            SdkError::TimeoutError(_) => return timed_out(&self.name, self.connect_timeout, Wait::Connect),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => {
                return timed_out(&self.name, self.connect_timeout, Wait::Connect);
            }
            SdkError::DispatchFailure(_) => {
                return Error::provider(format!(
                    "could not reach {} ({}): {}",
                    self.name,
                    self.describe(),
                    error_chain(&err)
                ));
            }
            SdkError::ResponseError(_) => {
                return Error::provider(format!(
                    "Bedrock sent a response that could not be read: {}",
                    error_chain(&err)
                ));
            }
            SdkError::ConstructionFailure(_) => {
                let text = error_chain(&err).to_string();
                if text.contains("credentials") || text.contains("identity") {
                    return Error::Auth { message: text, hint: Some(CREDENTIALS_HINT.into()) };
                }
                return Error::Internal(text);
            }
            _ => {}
        }
        // An exception inside a stream carries no code in its metadata; its frame's `:exception-type` names it.
        let code = err.code().map(str::to_string).or(exception_type).unwrap_or_default();
        let message = err.message().map(str::to_string).unwrap_or_else(|| error_chain(&err).to_string());
        classify(&code, status, message, model, &self.region)
    }
}

/// What an SDK error carries besides the error itself: the HTTP response of a call, or the event-stream frame of an
/// exception inside a stream. The first has a status; the second has no status, and the SDK leaves its error code
/// empty, so the code comes from the frame's `:exception-type` header (`throttlingException`, the union member name,
/// which is the error name with a lower-case first letter).
trait RawReply {
    fn status(&self) -> Option<u16>;
    fn exception_type(&self) -> Option<String>;
}

impl RawReply for aws_sdk_bedrockruntime::config::http::HttpResponse {
    fn status(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }

    fn exception_type(&self) -> Option<String> {
        None
    }
}

impl RawReply for aws_smithy_types::event_stream::RawMessage {
    fn status(&self) -> Option<u16> {
        None
    }

    fn exception_type(&self) -> Option<String> {
        let aws_smithy_types::event_stream::RawMessage::Decoded(message) = self else { return None };
        let header = message.headers().iter().find(|h| h.name().as_str() == ":exception-type")?;
        let member = header.value().as_string().ok()?.as_str();
        let mut chars = member.chars();
        let first = chars.next()?;
        Some(first.to_ascii_uppercase().to_string() + chars.as_str())
    }
}

/// Decide the error kind from the service's error code, then its HTTP status (kept with a provider failure).
fn classify(code: &str, status: Option<u16>, message: String, model: &Model, region: &str) -> Error {
    let err = kind_of(code, status, message, model, region);
    match status {
        Some(status) => err.with_status(status),
        None => err,
    }
}

fn kind_of(code: &str, status: Option<u16>, message: String, model: &Model, region: &str) -> Error {
    match code {
        "AccessDeniedException"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "IncompleteSignature"
        | "MissingAuthenticationTokenException" => {
            Error::Auth { message: format!("Bedrock refused the request: {message}"), hint: Some(access_hint(code)) }
        }
        // Throttling is retried by the SDK; a quota is not (waiting a moment does not raise it): one attempt.
        "ThrottlingException" | "TooManyRequestsException" => {
            Error::rate_limited(format!("Bedrock throttled the request after retries: {message}"))
        }
        "ServiceQuotaExceededException" => Error::rate_limited(format!(
            "Bedrock refused the request: it is over a service quota (not retried; raise the quota in the Service \
             Quotas console or try later): {message}"
        )),
        "ValidationException" if is_on_demand_refusal(&message) => {
            let profile = crate::config::profile::profile_for(region, &model.model_id);
            Error::NotOnDemand {
                model: model.model_id.clone(),
                reason: format!(
                    "Bedrock does not serve this model on demand by its bare id; invoke the cross-region inference \
                     profile `{profile}` instead (or a provisioned ARN). Bedrock said: {message}"
                ),
                profile,
                suggestions: Vec::new(),
            }
        }
        "ValidationException" if is_unknown_model_id(&message) => Error::ModelNotReady {
            model: model.model_id.clone(),
            reason: format!("Bedrock does not know this model id in {region}: {message}"),
            suggestions: Vec::new(),
        },
        "ValidationException" => Error::Usage(format!("Bedrock rejected the request: {message}")),
        "ResourceNotFoundException" | "ModelNotReadyException" => Error::ModelNotReady {
            model: model.model_id.clone(),
            reason: format!("Bedrock says: {message}"),
            suggestions: Vec::new(),
        },
        "ModelTimeoutException"
        | "InternalServerException"
        | "ServiceUnavailableException"
        | "ModelErrorException"
        | "ModelStreamErrorException" => Error::provider(format!("Bedrock failed ({code}): {message}")),
        _ => match status.unwrap_or(0) {
            401 | 403 => Error::Auth {
                message: format!("Bedrock refused the request: {message}"),
                hint: Some(access_hint(code)),
            },
            429 => Error::rate_limited(format!("Bedrock throttled the request after retries: {message}")),
            400 | 413 | 422 => Error::Usage(format!("Bedrock rejected the request: {message}")),
            404 => Error::ModelNotReady { model: model.model_id.clone(), reason: message, suggestions: Vec::new() },
            _ if code.is_empty() => Error::provider(format!("Bedrock failed: {message}")),
            _ => Error::provider(format!("Bedrock failed ({code}): {message}")),
        },
    }
}

fn access_hint(code: &str) -> String {
    if code == "AccessDeniedException" {
        "check that your IAM identity may call bedrock:InvokeModel and that model access is granted in the Bedrock \
         console for this region"
            .into()
    } else {
        format!("check your AWS credentials: {CREDENTIALS_HINT}")
    }
}

/// "Invocation of model ID ... with on-demand throughput isn't supported. Retry your request with the ID or ARN of
/// an inference profile that contains this model."
///
/// Matched by meaning, not one spelling: Bedrock writes the apostrophe as U+2019 ("isn’t"), and Converse words it
/// "The provided model doesn't support on-demand throughput."
fn is_on_demand_refusal(message: &str) -> bool {
    let m = message.to_lowercase().replace(['\u{2019}', '\u{2018}', '`'], "'");
    let refused = ["isn't supported", "is not supported", "not supported", "doesn't support", "does not support"];
    m.contains("on-demand throughput") && refused.iter().any(|r| m.contains(r))
}

/// "The provided model identifier is invalid.": Bedrock's answer to an id (or ARN) it does not serve in the region.
/// Nothing in the request can fix that, only another model, so it is a model error rather than a usage error.
fn is_unknown_model_id(message: &str) -> bool {
    message.to_ascii_lowercase().contains("model identifier is invalid")
}

fn native_codec(model: &Model) -> Option<&'static dyn codec::Codec> {
    match model.placement {
        Placement::Bedrock { api: Some(BedrockApi::Converse), .. } => None,
        _ => codec::codec_for(&model.vendor),
    }
}

fn sink_delta(sink: &mut dyn EventSink, text: &str) -> Result<()> {
    if text.is_empty() { Ok(()) } else { sink.delta(text) }
}

/// Bedrock Converse: the vendor-neutral API for families without a native adapter.
mod converse {
    use super::*;
    use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
    use aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder;
    use aws_sdk_bedrockruntime::operation::converse_stream::builders::ConverseStreamFluentBuilder;

    type Parts = (Vec<bt::Message>, Option<Vec<bt::SystemContentBlock>>, bt::InferenceConfiguration);

    fn parts(req: &ChatRequest) -> Result<Parts> {
        let mut messages = Vec::with_capacity(req.messages.len());
        for m in &req.messages {
            let role = match m.role {
                Role::User => bt::ConversationRole::User,
                Role::Assistant => bt::ConversationRole::Assistant,
            };
            let mut builder = bt::Message::builder().role(role);
            // Converse's image and document blocks, each before the text (a document needs a name).
            for (i, a) in m.attachments.iter().enumerate() {
                let bytes = aws_sdk_bedrockruntime::primitives::Blob::new(a.bytes.as_slice());
                let block = match a.media {
                    crate::types::Media::Pdf => bt::ContentBlock::Document(
                        bt::DocumentBlock::builder()
                            .format(bt::DocumentFormat::Pdf)
                            .name(document_name(&a.name, i))
                            .source(bt::DocumentSource::Bytes(bytes))
                            .build()
                            .map_err(|e| Error::Internal(e.to_string()))?,
                    ),
                    media => {
                        let format = match media {
                            crate::types::Media::Png => bt::ImageFormat::Png,
                            crate::types::Media::Jpeg => bt::ImageFormat::Jpeg,
                            crate::types::Media::Gif => bt::ImageFormat::Gif,
                            _ => bt::ImageFormat::Webp,
                        };
                        bt::ContentBlock::Image(
                            bt::ImageBlock::builder()
                                .format(format)
                                .source(bt::ImageSource::Bytes(bytes))
                                .build()
                                .map_err(|e| Error::Internal(e.to_string()))?,
                        )
                    }
                };
                builder = builder.content(block);
            }
            if !m.content.trim().is_empty() || m.attachments.is_empty() {
                builder = builder.content(bt::ContentBlock::Text(m.content.clone()));
            }
            let message = builder.build().map_err(|e| Error::Internal(e.to_string()))?;
            messages.push(message);
        }
        let system = req.system.as_ref().map(|s| vec![bt::SystemContentBlock::Text(s.clone())]);
        let p = &req.params;
        let config = bt::InferenceConfiguration::builder()
            .set_max_tokens(p.max_tokens.map(|n| n.min(i32::MAX as u32) as i32))
            .set_temperature(p.temperature)
            .set_top_p(p.top_p)
            .set_stop_sequences((!p.stop.is_empty()).then(|| p.stop.clone()))
            .build();
        Ok((messages, system, config))
    }

    /// A document's name as Converse takes it: letters, digits, spaces, hyphens, parentheses and brackets only.
    fn document_name(file: &str, index: usize) -> String {
        let stem = std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let clean: String =
            stem.chars().filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '(' | ')' | '[' | ']')).collect();
        let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
        if clean.is_empty() { format!("document {}", index + 1) } else { clean }
    }

    pub fn request(b: ConverseFluentBuilder, model: &Model, req: &ChatRequest) -> Result<ConverseFluentBuilder> {
        let (messages, system, config) = parts(req)?;
        Ok(b.model_id(model.invoke_id()).set_messages(Some(messages)).set_system(system).inference_config(config))
    }

    pub fn stream_request(
        b: ConverseStreamFluentBuilder,
        model: &Model,
        req: &ChatRequest,
    ) -> Result<ConverseStreamFluentBuilder> {
        let (messages, system, config) = parts(req)?;
        Ok(b.model_id(model.invoke_id()).set_messages(Some(messages)).set_system(system).inference_config(config))
    }

    pub fn completion(out: &ConverseOutput) -> Result<Completion> {
        let Some(bt::ConverseOutput::Message(message)) = out.output() else {
            return Err(Error::provider("Bedrock's Converse response has no message"));
        };
        let mut content = String::new();
        for block in message.content() {
            if let bt::ContentBlock::Text(text) = block {
                content.push_str(text);
            }
        }
        Ok(Completion {
            content,
            stop_reason: Some(stop_reason(out.stop_reason())),
            usage: out.usage().map(usage).unwrap_or_default(),
        })
    }

    pub fn stop_reason(reason: &bt::StopReason) -> String {
        match reason {
            bt::StopReason::EndTurn => "end_turn".into(),
            bt::StopReason::MaxTokens => "max_tokens".into(),
            bt::StopReason::StopSequence => "stop_sequence".into(),
            other => other.as_str().to_string(),
        }
    }

    pub fn usage(u: &bt::TokenUsage) -> Usage {
        Usage {
            input_tokens: u.input_tokens().max(0) as u64,
            output_tokens: u.output_tokens().max(0) as u64,
            estimated: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_on_demand_refusal() {
        assert!(is_on_demand_refusal(
            "Invocation of model ID anthropic.claude-sonnet-4-20250514-v1:0 with on-demand throughput isn't \
             supported. Retry your request with the ID or ARN of an inference profile that contains this model."
        ));
        assert!(is_on_demand_refusal(
            "Invocation of model ID anthropic.claude-sonnet-4-20250514-v1:0 with on-demand throughput isn\u{2019}t \
             supported. Retry your request with the ID or ARN of an inference profile that contains this model."
        ));
        assert!(is_on_demand_refusal("The provided model doesn't support on-demand throughput."));
        assert!(is_on_demand_refusal("The provided model does not support On-Demand throughput"));
        assert!(!is_on_demand_refusal("Malformed input request: #: extraneous key [foo] is not permitted"));
        assert!(!is_on_demand_refusal("on-demand throughput is supported"));
    }

    #[test]
    fn recognises_an_unknown_model_id() {
        assert!(is_unknown_model_id("The provided model identifier is invalid."));
        assert!(!is_unknown_model_id("Malformed input request: #: extraneous key [foo] is not permitted"));
    }
}
