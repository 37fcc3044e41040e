//! OpenAI Chat Completions: the body and stream format of OpenAI, Azure OpenAI and every OpenAI-compatible server
//! (vLLM, llama.cpp server, Ollama). Pure translation, no I/O; the transport is `provider::openai`.
//!
//! The bodies are the plain Chat Completions format: text-only messages as plain strings (some servers reject
//! content-part arrays), the system prompt as the first message, `max_completion_tokens` for reasoning models
//! (o1/o3/o4 and gpt-5 ids, which refuse `max_tokens`) and `max_tokens` for every other model (which older
//! OpenAI-compatible servers understand). Streams ask for `stream_options.include_usage`; a server that sends no
//! usage gets an estimate (whitespace-separated words) with `usage.estimated` set. The stream decoder reads one SSE
//! event's `data` per chunk and ends at `[DONE]`.

use super::{Codec, Encoding, Step, StreamDecoder, WordCount, count_words, snippet, words_in_request};
use crate::types::{ChatRequest, Completion, Role, StreamEnd, Usage};
use crate::{Error, Result};
use serde_json::{Value, json};

/// The Chat Completions codec.
pub struct ChatCompletions;

impl Codec for ChatCompletions {
    fn encode(&self, req: &ChatRequest, to: Encoding) -> Result<Vec<u8>> {
        serde_json::to_vec(&body(to.model_id, req, to.stream)).map_err(|e| Error::Internal(e.to_string()))
    }

    fn decode(&self, req: &ChatRequest, body: &[u8]) -> Result<Completion> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| Error::provider(format!("the reply is not JSON ({e}): {}", snippet(body))))?;
        completion(&value, req)
    }

    fn stream_decoder(&self, req: &ChatRequest) -> Box<dyn StreamDecoder + Send> {
        Box::new(ChatStream::new(req))
    }
}

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
    /// A refusal takes the general path.
    #[serde(default)]
    refusal: Option<serde::de::IgnoredAny>,
}

/// Reasoning models refuse `max_tokens` and want `max_completion_tokens`.
pub fn is_reasoning_model(id: &str) -> bool {
    let id = id.rsplit('/').next().unwrap_or(id);
    ["o1", "o3", "o4", "gpt-5"]
        .iter()
        .any(|p| id.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '.'])))
}

pub fn body(model_id: &str, req: &ChatRequest, stream: bool) -> Value {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for m in &req.messages {
        let role = match m.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        if m.attachments.is_empty() {
            messages.push(json!({"role": role, "content": m.content}));
            continue;
        }
        // Images as data URLs in `image_url` parts, then the text (PDFs are checked out before: no model here takes them).
        let mut parts: Vec<Value> = m
            .attachments
            .iter()
            .map(|a| json!({"type": "image_url", "image_url": {"url": format!("data:{};base64,{}", a.media.mime(), super::base64(&a.bytes))}}))
            .collect();
        if !m.content.trim().is_empty() {
            parts.push(json!({"type": "text", "text": m.content}));
        }
        messages.push(json!({"role": role, "content": parts}));
    }
    let mut body = json!({"model": model_id, "messages": messages});
    let p = &req.params;
    if let Some(n) = p.max_tokens {
        let field = if is_reasoning_model(model_id) { "max_completion_tokens" } else { "max_tokens" };
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

/// A whole reply, already parsed. Among several choices, the one of index 0 is the reply (servers need not list
/// them in order). A refusal (`message.refusal`, with `content` null) is the reply, with stop reason `refusal`.
pub fn completion(value: &Value, req: &ChatRequest) -> Result<Completion> {
    let choices = value.get("choices").and_then(Value::as_array).filter(|c| !c.is_empty()).ok_or_else(|| {
        Error::provider(format!("the reply has no choices: {}", snippet(value.to_string().as_bytes())))
    })?;
    let choice = choices.iter().find(|c| c.get("index").and_then(Value::as_u64) == Some(0)).unwrap_or(&choices[0]);
    let refusal = choice.pointer("/message/refusal").and_then(Value::as_str).filter(|r| !r.is_empty());
    let text = choice.pointer("/message/content").and_then(Value::as_str).filter(|c| !c.is_empty());
    let content = text.or(refusal).unwrap_or_default().to_string();
    let stop_reason = match refusal {
        Some(_) => Some("refusal".to_string()),
        None => choice.get("finish_reason").and_then(Value::as_str).map(stop_reason),
    };
    let usage = usage(value).unwrap_or_else(|| Usage {
        input_tokens: words_in_request(req),
        output_tokens: count_words(&content),
        estimated: true,
    });
    Ok(Completion { content, stop_reason, usage })
}

/// Reads the `data:` payloads of a stream in order: one event's data is one chunk.
pub struct ChatStream {
    /// The model refused: its refusal was the text, and `refusal` is the stop reason.
    refused: bool,
    estimated_input: u64,
    words: WordCount,
    stop_reason: Option<String>,
    usage: Option<Usage>,
}

impl ChatStream {
    pub fn new(req: &ChatRequest) -> Self {
        ChatStream {
            estimated_input: words_in_request(req),
            words: WordCount::default(),
            stop_reason: None,
            refused: false,
            usage: None,
        }
    }
}

impl StreamDecoder for ChatStream {
    /// One event's data; `[DONE]` ends the stream.
    fn feed(&mut self, data: &[u8], on_text: &mut dyn FnMut(&str) -> Result<()>) -> Result<Step> {
        let data = data.trim_ascii();
        if data == b"[DONE]" {
            return Ok(Step::Done);
        }
        if data.is_empty() {
            return Ok(Step::Continue);
        }
        // Nearly every event is one piece of text: read it without building a JSON tree.
        if let Ok(chunk) = serde_json::from_slice::<TextChunk>(data)
            && chunk.usage.is_none()
            && chunk.error.is_none()
            && let Some(choice) = chunk.choices.first()
            && choice.delta.refusal.is_none()
        {
            if !choice.delta.content.is_empty() {
                self.words.add(&choice.delta.content);
                on_text(&choice.delta.content)?;
            }
            if let Some(reason) = &choice.finish_reason {
                self.stop_reason = Some(stop_reason(reason));
            }
            return Ok(Step::Continue);
        }
        let value: Value = serde_json::from_slice(data).map_err(|e| {
            Error::provider(format!("the stream has an event that is not JSON ({e}): {}", snippet(data)))
        })?;
        // An error chunk: OpenAI's `{"error": {...}}`, or vLLM's `{"object": "error", "message": ...}`.
        if value.get("error").is_some() || value.get("object").and_then(Value::as_str) == Some("error") {
            let (message, _) = error_message(data);
            return Err(Error::provider(format!("the server failed during the stream: {message}")));
        }
        if let Some(usage) = usage(&value) {
            self.usage = Some(usage);
        }
        if let Some(choice) = value.pointer("/choices/0") {
            if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str)
                && !text.is_empty()
            {
                self.words.add(text);
                on_text(text)?;
            }
            // A refusal streams as `delta.refusal`: it is the reply, and the reason the reply stopped.
            if let Some(text) = choice.pointer("/delta/refusal").and_then(Value::as_str)
                && !text.is_empty()
            {
                self.refused = true;
                self.words.add(text);
                on_text(text)?;
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.stop_reason = Some(stop_reason(reason));
            }
        }
        Ok(Step::Continue)
    }

    fn finish(&mut self, _emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<StreamEnd> {
        let usage = self.usage.unwrap_or(Usage {
            input_tokens: self.estimated_input,
            output_tokens: self.words.words(),
            estimated: true,
        });
        let stop_reason = if self.refused { Some("refusal".to_string()) } else { self.stop_reason.take() };
        Ok(StreamEnd { stop_reason, usage })
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
    let code = error.get("code").filter(|c| !c.is_null()).or_else(|| error.get("type")).map(text).unwrap_or_default();
    (message, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Message, Params};

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
        assert_eq!(body("o3", &req, false)["max_completion_tokens"], 9);
        assert_eq!(body("gpt-4o", &req, false)["max_tokens"], 9);
    }

    #[test]
    fn sampling_parameters_go_out_as_typed() {
        let req = ChatRequest {
            messages: vec![Message::user("hi")],
            params: Params { temperature: Some(0.3), top_p: Some(0.9), ..Params::default() },
            ..ChatRequest::default()
        };
        let sent = body("gpt-4o", &req, false);
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
        let mut d = ChatStream::new(&req);
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
            assert_eq!(d.feed(data.as_bytes(), &mut keep).unwrap(), Step::Continue);
        }
        assert_eq!(d.feed(b"[DONE]", &mut |_| Ok(())).unwrap(), Step::Done);
        let end = d.finish(&mut |_| Ok(())).unwrap();
        assert_eq!(out, "Hello world");
        assert_eq!(end.stop_reason.as_deref(), Some("max_tokens"));
        assert_eq!(end.usage, Usage { input_tokens: 3, output_tokens: 2, estimated: true });
    }

    #[test]
    fn text_events_usage_null_escapes_and_a_final_usage_chunk_are_all_read() {
        // OpenAI with include_usage sends `"usage": null` on every chunk, then one chunk with usage and no choices.
        let req = ChatRequest { messages: vec![Message::user("hi")], ..ChatRequest::default() };
        let mut d = ChatStream::new(&req);
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
            assert_eq!(d.feed(data.as_bytes(), &mut keep).unwrap(), Step::Continue);
        }
        let error = d.feed(br#"{"choices":[{"delta":{"content":"x"}}],"error":{"message":"boom"}}"#, &mut |_| Ok(()));
        assert!(error.unwrap_err().to_string().contains("boom"));
        let end = d.finish(&mut |_| Ok(())).unwrap();
        assert_eq!(out, "say \"hi\"\n");
        assert_eq!(end.stop_reason.as_deref(), Some("content_filter"));
        assert_eq!(end.usage, Usage { input_tokens: 7, output_tokens: 3, estimated: false });
    }

    #[test]
    fn stop_reasons_are_normalized() {
        assert_eq!(stop_reason("stop"), "end_turn");
        assert_eq!(stop_reason("length"), "max_tokens");
        assert_eq!(stop_reason("content_filter"), "content_filter");
        assert_eq!(stop_reason("tool_calls"), "tool_calls");
    }
}
