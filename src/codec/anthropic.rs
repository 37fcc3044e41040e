//! Claude's native body format on Bedrock InvokeModel: the Anthropic Messages API with
//! `"anthropic_version": "bedrock-2023-05-31"` in the body instead of a header.
//!
//! Anthropic's API is strict about the shape of a conversation: turns alternate user/assistant, the first one is the
//! user's, and no text block is empty. Our stored histories can break those rules (two user messages in a row after a
//! failed request, say), so `encode` repairs the shape instead of letting Bedrock refuse the request: consecutive
//! turns of the same role are merged with a blank line between them, blank messages are left out, and a history that
//! opens with the assistant keeps every word by folding that opening text into the first user turn. Nothing the user
//! wrote is dropped.
//!
//! The model applies stop sequences, the end of its turn and the token limit itself, so the decoders only translate:
//! text blocks become text, `stop_reason` passes through (Anthropic's words are already our normalized ones), and
//! usage comes from the body, or for a stream from `message_start`/`message_delta`, preferring the counts Bedrock
//! appends to `message_stop` (`amazon-bedrock-invocationMetrics`). Stream events are parsed with borrowed strings:
//! a text delta without escapes is handed to the sink without being copied.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{Codec, Encoding, Step, StreamDecoder};
use crate::types::{Attachment, ChatRequest, Completion, Media, Role, StreamEnd, Usage};
use crate::{Error, Result};

/// The Messages API version that Bedrock expects in the body.
pub const ANTHROPIC_VERSION: &str = "bedrock-2023-05-31";

/// The Claude codec. Stateless; [`Codec::stream_decoder`] makes a fresh decoder per reply.
#[derive(Debug, Clone, Copy, Default)]
pub struct Anthropic;

impl Codec for Anthropic {
    fn encode(&self, req: &ChatRequest, _to: Encoding) -> Result<Vec<u8>> {
        let max_tokens = req
            .params
            .max_tokens
            .ok_or_else(|| Error::Internal("max_tokens must be set before encoding an Anthropic request".into()))?;
        let body = RequestBody {
            anthropic_version: ANTHROPIC_VERSION,
            max_tokens,
            messages: turns(req)?,
            system: req.system.as_deref().filter(|s| !s.trim().is_empty()),
            temperature: req.params.temperature,
            top_p: req.params.top_p,
            stop_sequences: &req.params.stop,
        };
        serde_json::to_vec(&body).map_err(|e| Error::Internal(format!("cannot encode Anthropic request: {e}")))
    }

    fn decode(&self, _req: &ChatRequest, body: &[u8]) -> Result<Completion> {
        let body: ResponseBody<'_> = serde_json::from_slice(body)
            .map_err(|e| Error::provider(format!("malformed Anthropic response body: {e}")))?;
        if body.kind.as_deref() == Some("error") {
            return Err(error_event(body.error.as_ref()));
        }
        let blocks = body.content.ok_or_else(|| Error::provider("Anthropic response body has no `content`"))?;
        let mut content = String::new();
        for block in blocks.iter().filter(|b| b.kind == "text") {
            content.push_str(block.text.as_deref().unwrap_or_default());
        }
        let usage = body.usage.unwrap_or_default();
        Ok(Completion {
            content,
            stop_reason: body.stop_reason.map(|r| normalize_stop_reason(&r)),
            usage: Usage {
                input_tokens: usage.input_tokens.unwrap_or(0),
                output_tokens: usage.output_tokens.unwrap_or(0),
                estimated: false,
            },
        })
    }

    fn stream_decoder(&self, _req: &ChatRequest) -> Box<dyn StreamDecoder + Send> {
        Box::new(AnthropicStream::default())
    }
}

/// Anthropic's stop reasons are already llmgw's normalized vocabulary (`end_turn`, `max_tokens`, `stop_sequence`,
/// `tool_use`); anything newer (`refusal`, `pause_turn`, ...) passes through as the provider's own word.
fn normalize_stop_reason(reason: &str) -> String {
    reason.to_owned()
}

/// The request's messages in the shape Anthropic accepts (see the module docs for the repairs and why).
fn turns(req: &ChatRequest) -> Result<Vec<Turn<'_>>> {
    let mut turns: Vec<Turn<'_>> = Vec::with_capacity(req.messages.len());
    for message in &req.messages {
        if message.content.trim().is_empty() && message.attachments.is_empty() {
            continue; // Anthropic refuses blank text blocks; leaving one out loses nothing.
        }
        match turns.last_mut() {
            Some(last) if last.role == message.role => {
                join(&mut last.content, &message.content);
                last.attachments.extend(message.attachments.iter());
            }
            _ => turns.push(Turn {
                role: message.role,
                content: Cow::Borrowed(&message.content),
                attachments: message.attachments.iter().collect(),
            }),
        }
    }
    // The first turn must be the user's. An opening assistant turn is folded into the user turn after it (which
    // exists: merging made the roles alternate), so the model still sees every word, in order.
    if turns.first().is_some_and(|t| t.role == Role::Assistant) {
        if turns.len() < 2 {
            return Err(Error::Usage("the conversation has no user message to answer".into()));
        }
        let opening = turns.remove(0);
        let mut content = opening.content.into_owned();
        join_owned(&mut content, &turns[0].content);
        turns[0].content = Cow::Owned(content);
    }
    if turns.is_empty() {
        return Err(Error::Usage("the request has no message to send".into()));
    }
    // A final assistant turn is a prefill that the model continues; Anthropic refuses one ending in whitespace.
    if let Some(last) = turns.last_mut().filter(|t| t.role == Role::Assistant) {
        let trimmed_len = last.content.trim_end().len();
        if trimmed_len != last.content.len() {
            last.content.to_mut().truncate(trimmed_len);
        }
    }
    Ok(turns)
}

fn join(into: &mut Cow<'_, str>, next: &str) {
    join_owned(into.to_mut(), next);
}

fn join_owned(into: &mut String, next: &str) {
    into.push_str("\n\n");
    into.push_str(next);
}

/// `Error::Provider` for an Anthropic `error` object (a whole body or a stream event).
fn error_event(error: Option<&ErrorBody<'_>>) -> Error {
    match error {
        Some(e) => Error::provider(format!(
            "Anthropic error ({}): {}",
            e.kind.as_deref().unwrap_or("unknown"),
            e.message.as_deref().unwrap_or("no message")
        )),
        None => Error::provider("Anthropic error without details"),
    }
}

#[derive(Serialize)]
struct RequestBody<'a> {
    anthropic_version: &'static str,
    max_tokens: u32,
    messages: Vec<Turn<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop_sequences: &'a [String],
}

struct Turn<'a> {
    role: Role,
    content: Cow<'a, str>,
    attachments: Vec<&'a Attachment>,
}

/// `{"role", "content"}`: the text alone, or with attachments Claude's base64 `image` and `document` blocks and
/// then the text.
impl Serialize for Turn<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut turn = s.serialize_struct("Turn", 2)?;
        turn.serialize_field("role", self.role.as_str())?;
        if self.attachments.is_empty() {
            turn.serialize_field("content", &*self.content)?;
        } else {
            let mut blocks: Vec<serde_json::Value> = self
                .attachments
                .iter()
                .map(|a| {
                    let kind = if a.media == Media::Pdf { "document" } else { "image" };
                    serde_json::json!({"type": kind, "source": {"type": "base64", "media_type": a.media.mime(), "data": super::base64(&a.bytes)}})
                })
                .collect();
            if !self.content.trim().is_empty() {
                blocks.push(serde_json::json!({"type": "text", "text": &*self.content}));
            }
            turn.serialize_field("content", &blocks)?;
        }
        turn.end()
    }
}

#[derive(Deserialize)]
struct ResponseBody<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Vec<Block<'a>>>,
    #[serde(borrow, default)]
    stop_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<Counts>,
    #[serde(borrow, default)]
    error: Option<ErrorBody<'a>>,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct Counts {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

/// One stream event. Every event type shares this struct; the fields an event does not carry stay `None`.
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    message: Option<StartMessage>,
    #[serde(borrow, default)]
    delta: Option<Delta<'a>>,
    #[serde(default)]
    usage: Option<Counts>,
    #[serde(borrow, default)]
    error: Option<ErrorBody<'a>>,
    #[serde(rename = "amazon-bedrock-invocationMetrics", default)]
    metrics: Option<InvocationMetrics>,
}

#[derive(Deserialize)]
struct StartMessage {
    #[serde(default)]
    usage: Option<Counts>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    stop_reason: Option<Cow<'a, str>>,
}

/// What Bedrock appends to the last chunk of every stream; its counts are the ones Bedrock bills.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InvocationMetrics {
    #[serde(default)]
    pub(super) input_token_count: Option<u64>,
    #[serde(default)]
    pub(super) output_token_count: Option<u64>,
}

/// Decoder state for one streamed Claude reply: counters only, no text is kept.
#[derive(Debug, Default)]
struct AnthropicStream {
    input_tokens: u64,
    output_tokens: u64,
    stop_reason: Option<String>,
    stopped: bool,
}

impl StreamDecoder for AnthropicStream {
    fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<Step> {
        let event: Event<'_> = serde_json::from_slice(chunk)
            .map_err(|e| Error::provider(format!("malformed Anthropic stream event: {e}")))?;
        match &*event.kind {
            "content_block_delta" => {
                if let Some(Delta { kind: Some(kind), text: Some(text), .. }) = &event.delta
                    && kind == "text_delta"
                    && !text.is_empty()
                {
                    emit(text)?;
                }
            }
            "message_start" => {
                if let Some(counts) = event.message.and_then(|m| m.usage) {
                    self.take_counts(counts);
                }
            }
            "message_delta" => {
                if let Some(reason) = event.delta.and_then(|d| d.stop_reason) {
                    self.stop_reason = Some(normalize_stop_reason(&reason));
                }
                if let Some(counts) = event.usage {
                    self.take_counts(counts);
                }
            }
            "message_stop" => {
                self.take_metrics(event.metrics);
                self.stopped = true;
                return Ok(Step::Done);
            }
            "error" => return Err(error_event(event.error.as_ref())),
            // `ping`, `content_block_start`, `content_block_stop`, and event types newer than this code.
            _ => {}
        }
        // Bedrock puts its metrics on the last chunk, which is `message_stop`; accept them anywhere.
        self.take_metrics(event.metrics);
        Ok(Step::Continue)
    }

    fn finish(&mut self, _emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<StreamEnd> {
        // `message_stop` is the only end Bedrock sends on purpose; anything else is a cut stream, even after
        // `message_delta` has told the stop reason (the invocation metrics ride on `message_stop`).
        if !self.stopped {
            return Err(Error::provider("the Anthropic stream ended before the reply was complete"));
        }
        Ok(StreamEnd {
            stop_reason: self.stop_reason.clone(),
            usage: Usage { input_tokens: self.input_tokens, output_tokens: self.output_tokens, estimated: false },
        })
    }
}

impl AnthropicStream {
    fn take_counts(&mut self, counts: Counts) {
        if let Some(n) = counts.input_tokens {
            self.input_tokens = n;
        }
        if let Some(n) = counts.output_tokens {
            self.output_tokens = n;
        }
    }

    fn take_metrics(&mut self, metrics: Option<InvocationMetrics>) {
        if let Some(m) = metrics {
            self.take_counts(Counts { input_tokens: m.input_token_count, output_tokens: m.output_token_count });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::INVOKE;
    use crate::types::{Message, Params};
    use serde_json::{Value, json};

    fn request(system: Option<&str>, messages: Vec<Message>, params: Params) -> ChatRequest {
        ChatRequest { system: system.map(str::to_owned), messages, params }
    }

    fn params(max_tokens: u32) -> Params {
        Params { max_tokens: Some(max_tokens), ..Params::default() }
    }

    fn encode(req: &ChatRequest) -> Value {
        serde_json::from_slice(&Anthropic.encode(req, INVOKE).unwrap()).unwrap()
    }

    /// Feeds events in order; returns the text, the step of the last feed, and the end.
    fn stream(events: &[Value]) -> (String, Step, Result<StreamEnd>) {
        let mut decoder = Anthropic.stream_decoder(&ChatRequest::default());
        let mut text = String::new();
        let mut step = Step::Continue;
        for event in events {
            let bytes = serde_json::to_vec(event).unwrap();
            step = decoder
                .feed(&bytes, &mut |t| {
                    text.push_str(t);
                    Ok(())
                })
                .unwrap();
            if step == Step::Done {
                break;
            }
        }
        let end = decoder.finish(&mut |t| {
            text.push_str(t);
            Ok(())
        });
        (text, step, end)
    }

    fn text_delta(text: &str) -> Value {
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}})
    }

    fn message_start(input_tokens: u64) -> Value {
        json!({"type": "message_start", "message": {"id": "msg_01", "type": "message", "role": "assistant",
            "model": "claude-3-haiku-20240307", "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1}}})
    }

    #[test]
    fn encodes_single_turn_exactly() {
        let body = Anthropic.encode(&request(None, vec![Message::user("Hello")], params(256)), INVOKE).unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"messages":[{"role":"user","content":"Hello"}]}"#
        );
    }

    #[test]
    fn encodes_system_params_and_stop_sequences() {
        let req = request(
            Some("Be brief."),
            vec![Message::user("Hi"), Message::assistant("Hello!"), Message::user("Count to 3")],
            Params {
                max_tokens: Some(100),
                temperature: Some(0.7),
                top_p: Some(0.9),
                stop: vec!["\n\nHuman:".into(), "END".into()],
            },
        );
        assert_eq!(
            String::from_utf8(Anthropic.encode(&req, INVOKE).unwrap()).unwrap(),
            concat!(
                r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"messages":["#,
                r#"{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"},"#,
                r#"{"role":"user","content":"Count to 3"}],"system":"Be brief.","temperature":0.7,"top_p":0.9,"#,
                r#""stop_sequences":["\n\nHuman:","END"]}"#
            )
        );
    }

    #[test]
    fn encode_leaves_out_unset_and_empty_options() {
        let body = encode(&request(Some("  "), vec![Message::user("x")], params(5)));
        let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["anthropic_version", "max_tokens", "messages"]);
    }

    #[test]
    fn encode_merges_consecutive_same_role_turns_with_a_blank_line() {
        let req = request(
            None,
            vec![
                Message::user("first"),
                Message::user("second"),
                Message::assistant("a1"),
                Message::assistant("a2"),
                Message::user("third"),
            ],
            params(10),
        );
        assert_eq!(
            encode(&req)["messages"],
            json!([
                {"role": "user", "content": "first\n\nsecond"},
                {"role": "assistant", "content": "a1\n\na2"},
                {"role": "user", "content": "third"},
            ])
        );
    }

    #[test]
    fn encode_folds_an_opening_assistant_turn_into_the_first_user_turn() {
        let req = request(
            None,
            vec![Message::assistant("How can I help?"), Message::user("Tell a joke"), Message::user("Short one")],
            params(10),
        );
        assert_eq!(
            encode(&req)["messages"],
            json!([{"role": "user", "content": "How can I help?\n\nTell a joke\n\nShort one"}])
        );
    }

    #[test]
    fn encode_skips_blank_messages_and_then_merges_around_them() {
        let req = request(None, vec![Message::user("q1"), Message::assistant("  \n"), Message::user("q2")], params(10));
        assert_eq!(encode(&req)["messages"], json!([{"role": "user", "content": "q1\n\nq2"}]));
    }

    #[test]
    fn encode_trims_trailing_whitespace_of_a_final_assistant_prefill() {
        let req = request(None, vec![Message::user("q"), Message::assistant("The answer is ")], params(10));
        assert_eq!(encode(&req)["messages"][1], json!({"role": "assistant", "content": "The answer is"}));
    }

    #[test]
    fn encode_without_a_user_message_is_a_usage_error() {
        for messages in [vec![], vec![Message::assistant("hi")], vec![Message::user(" ")]] {
            let err = Anthropic.encode(&request(None, messages, params(10)), INVOKE).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
        }
    }

    #[test]
    fn encode_without_max_tokens_is_an_internal_error() {
        let err = Anthropic.encode(&request(None, vec![Message::user("x")], Params::default()), INVOKE).unwrap_err();
        assert_eq!(err.code(), "internal");
    }

    #[test]
    fn decodes_recorded_body() {
        let body = br#"{"id":"msg_bdrk_01","type":"message","role":"assistant","model":"claude-3-haiku-20240307",
            "content":[{"type":"text","text":"Hello"},{"type":"tool_use","id":"t1","name":"f","input":{}},
            {"type":"text","text":", world \"quoted\""}],
            "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":7}}"#;
        assert_eq!(
            Anthropic.decode(&ChatRequest::default(), body).unwrap(),
            Completion {
                content: "Hello, world \"quoted\"".into(),
                stop_reason: Some("end_turn".into()),
                usage: Usage { input_tokens: 12, output_tokens: 7, estimated: false },
            }
        );
    }

    #[test]
    fn decode_passes_stop_reasons_through() {
        for reason in ["end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal"] {
            let body = json!({"type": "message", "content": [], "stop_reason": reason,
                "usage": {"input_tokens": 1, "output_tokens": 0}});
            let completion = Anthropic.decode(&ChatRequest::default(), &serde_json::to_vec(&body).unwrap()).unwrap();
            assert_eq!(completion.stop_reason.as_deref(), Some(reason));
        }
    }

    #[test]
    fn decode_malformed_json_is_a_provider_error() {
        for body in [&b"{\"content\": ["[..], b"", b"not json", b"{\"type\":\"message\"}"] {
            let err = Anthropic.decode(&ChatRequest::default(), body).unwrap_err();
            assert_eq!(err.code(), "provider", "{err}");
        }
    }

    #[test]
    fn decode_error_body_is_a_provider_error_with_its_message() {
        let body = br#"{"type":"error","error":{"type":"invalid_request_error","message":"bad things"}}"#;
        let err = Anthropic.decode(&ChatRequest::default(), body).unwrap_err();
        assert_eq!(err.code(), "provider");
        assert!(err.to_string().contains("bad things"), "{err}");
    }

    #[test]
    fn stream_decodes_recorded_events() {
        let events = [
            message_start(25),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "ping"}),
            text_delta("Hello"),
            text_delta(", \"world\"\n"),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                "usage": {"output_tokens": 9}}),
            json!({"type": "message_stop"}),
        ];
        let (text, step, end) = stream(&events);
        assert_eq!(text, "Hello, \"world\"\n");
        assert_eq!(step, Step::Done);
        assert_eq!(
            end.unwrap(),
            StreamEnd {
                stop_reason: Some("end_turn".into()),
                usage: Usage { input_tokens: 25, output_tokens: 9, estimated: false }
            }
        );
    }

    #[test]
    fn stream_prefers_bedrock_invocation_metrics() {
        let events = [
            message_start(25),
            text_delta("x"),
            json!({"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 9}}),
            json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 30,
                "outputTokenCount": 10, "invocationLatency": 511, "firstByteLatency": 300}}),
        ];
        let end = stream(&events).2.unwrap();
        assert_eq!(end.usage, Usage { input_tokens: 30, output_tokens: 10, estimated: false });
        assert_eq!(end.stop_reason.as_deref(), Some("max_tokens"));
    }

    #[test]
    fn stream_ignores_non_text_deltas_and_unknown_events() {
        let events = [
            message_start(1),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta",
                "partial_json": "{\"a\""}}),
            json!({"type": "something_new", "payload": [1, 2, 3]}),
            text_delta("visible"),
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 3}}),
            json!({"type": "message_stop"}),
        ];
        let (text, _, end) = stream(&events);
        assert_eq!(text, "visible");
        assert_eq!(end.unwrap().stop_reason.as_deref(), Some("tool_use"));
    }

    #[test]
    fn stream_error_event_is_a_provider_error_with_its_message() {
        let mut decoder = Anthropic.stream_decoder(&ChatRequest::default());
        let chunk = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let err = decoder.feed(chunk, &mut |_| Ok(())).unwrap_err();
        assert_eq!(err.exit_code(), 7);
        assert!(err.to_string().contains("Overloaded"), "{err}");
    }

    #[test]
    fn stream_malformed_chunk_is_a_provider_error() {
        let mut decoder = Anthropic.stream_decoder(&ChatRequest::default());
        for chunk in [&b"{\"type\": \"content_block_delta\""[..], b"[]", b"{}"] {
            let err = decoder.feed(chunk, &mut |_| Ok(())).unwrap_err();
            assert_eq!(err.code(), "provider", "{err}");
        }
    }

    #[test]
    fn stream_truncated_before_message_stop_is_a_provider_error() {
        let (text, step, end) = stream(&[message_start(3), text_delta("partial")]);
        assert_eq!(text, "partial");
        assert_eq!(step, Step::Continue);
        assert_eq!(end.unwrap_err().code(), "provider");
    }

    #[test]
    fn stream_cut_after_message_delta_but_before_message_stop_is_a_provider_error() {
        let delta =
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}});
        let (text, _, end) = stream(&[message_start(3), text_delta("all"), delta]);
        assert_eq!(text, "all");
        assert_eq!(end.unwrap_err().code(), "provider");
    }

    #[test]
    fn stream_propagates_sink_errors() {
        let mut decoder = Anthropic.stream_decoder(&ChatRequest::default());
        let chunk = serde_json::to_vec(&text_delta("x")).unwrap();
        let err = decoder.feed(&chunk, &mut |_| Err(Error::BrokenPipe)).unwrap_err();
        assert!(matches!(err, Error::BrokenPipe));
    }

    #[test]
    fn stream_of_many_chunks_emits_every_delta_in_order() {
        let mut decoder = Anthropic.stream_decoder(&ChatRequest::default());
        let mut total = 0usize;
        let mut deltas = 0usize;
        let mut sink = |t: &str| {
            total += t.len();
            deltas += 1;
            Ok(())
        };
        decoder.feed(&serde_json::to_vec(&message_start(10)).unwrap(), &mut sink).unwrap();
        let chunk = serde_json::to_vec(&text_delta("tok ")).unwrap();
        for _ in 0..100_000 {
            assert_eq!(decoder.feed(&chunk, &mut sink).unwrap(), Step::Continue);
        }
        let stop = br#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":100000}}"#;
        decoder.feed(stop, &mut sink).unwrap();
        assert_eq!(decoder.feed(br#"{"type":"message_stop"}"#, &mut sink).unwrap(), Step::Done);
        let end = decoder.finish(&mut sink).unwrap();
        assert_eq!((deltas, total), (100_000, 400_000));
        assert_eq!(end.usage, Usage { input_tokens: 10, output_tokens: 100_000, estimated: false });
    }
}
