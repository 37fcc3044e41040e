//! Meta Llama 3.x / 4 on Bedrock InvokeModel: a raw prompt in, raw generated text out.
//!
//! Bedrock's native Llama API has no notion of messages: we render the conversation with the Llama 3 chat template
//! ourselves, and the reply is whatever text the model produced after the final assistant header. That is where the
//! gateway llmgw replaces went wrong, and why most of this module is the reply side:
//!
//! - The model's turn ends with `<|eot_id|>`, but a model (or a deployment that does not stop on it) can carry on and
//!   invent the next turns, either with template tokens (`<|start_header_id|>user<|end_header_id|>`) or, when
//!   special tokens are decoded to nothing, as a bare `user` line followed by a blank line. We cut the reply at the
//!   first such marker, never print the marker or anything after it, and tell the caller to stop reading (which also
//!   stops the bill for tokens nobody will see).
//! - In a stream a marker can be split across chunks (`<|eo` + `t_id|>`). `TurnFilter` holds back only the tail
//!   that could still become a marker and prints everything before it at once; the held tail is resolved by the
//!   next chunk or at the end. Whitespace just before a possible marker is held too, so that trailing whitespace is
//!   trimmed at the cut in a stream exactly as in a whole body (held whitespace is invisible, so holding it delays
//!   nothing the user can see).
//! - Some deployments send cumulative chunks (the whole text so far) instead of increments, or replay the whole text
//!   once more at the end; [`repeats`] prints only what is new, and drops a chunk only when it provably repeats.
//! - Bedrock's Llama API has no stop-sequence parameter, so `params.stop` is applied here, on the reply.
//!
//! Prompt injection in the other direction is closed too: message text cannot forge template tokens, because every
//! special token string is stripped from it before it goes into the prompt.
//!
//! Everything runs in time linear in the text: the filter never looks again at a position it has ruled out as the
//! start of a marker, holds at most the longest marker plus [`MAX_HELD_WHITESPACE`] bytes, and the repeat check
//! compares a chunk against the text so far only when the chunk is at least as long as that text. The one string
//! that grows with the reply is that text so far, kept to recognise repeats.

mod repeats;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::anthropic::InvocationMetrics;
use super::{Codec, Encoding, Step, StreamDecoder};
use crate::types::{ChatRequest, Completion, StreamEnd, Usage};
use crate::{Error, Result};

/// The Llama codec. Stateless; [`Codec::stream_decoder`] makes a fresh decoder per reply.
#[derive(Debug, Clone, Copy, Default)]
pub struct Meta;

impl Codec for Meta {
    fn encode(&self, req: &ChatRequest, _to: Encoding) -> Result<Vec<u8>> {
        let body = RequestBody {
            prompt: prompt(req),
            max_gen_len: req.params.max_tokens,
            temperature: req.params.temperature,
            top_p: req.params.top_p,
        };
        serde_json::to_vec(&body).map_err(|e| Error::Internal(format!("cannot encode Meta Llama request: {e}")))
    }

    /// Decodes a whole body, cut at the end of the assistant's turn or the first of the request's stop strings.
    fn decode(&self, req: &ChatRequest, body: &[u8]) -> Result<Completion> {
        self.decode_with_stops(body, &req.params.stop)
    }

    fn stream_decoder(&self, req: &ChatRequest) -> Box<dyn StreamDecoder + Send> {
        Box::new(MetaStream::new(&req.params.stop))
    }
}

impl Meta {
    /// Decodes a whole body and cuts the text at the end of the assistant's turn or the first of `stop`.
    pub fn decode_with_stops(&self, body: &[u8], stop: &[String]) -> Result<Completion> {
        let body: Chunk<'_> = serde_json::from_slice(body)
            .map_err(|e| Error::provider(format!("malformed Meta Llama response body: {e}")))?;
        let generation =
            body.generation.ok_or_else(|| Error::provider("Meta Llama response body has no `generation`"))?;
        let mut content = String::with_capacity(generation.len());
        let mut filter = TurnFilter::new(stop);
        let mut collect = |text: &str| {
            content.push_str(text);
            Ok(())
        };
        filter.push(&generation, &mut collect)?;
        filter.finish(&mut collect)?;
        Ok(Completion {
            content,
            stop_reason: stop_reason(filter.cut, body.stop_reason.as_deref()),
            usage: Usage {
                input_tokens: body.prompt_token_count.unwrap_or(0),
                output_tokens: body.generation_token_count.unwrap_or(0),
                estimated: false,
            },
        })
    }
}

/// Our cut wins over Bedrock's word (a model cut at an invented turn may still have run to `length`); otherwise
/// Bedrock's `stop`/`length` become `end_turn`/`max_tokens` and anything else passes through.
fn stop_reason(cut: Option<Cut>, bedrock: Option<&str>) -> Option<String> {
    match cut {
        Some(Cut::EndOfTurn) => Some("end_turn".into()),
        Some(Cut::StopSequence) => Some("stop_sequence".into()),
        None => bedrock.map(|reason| match reason {
            "stop" => "end_turn".into(),
            "length" => "max_tokens".into(),
            other => other.into(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The prompt

const BEGIN_OF_TEXT: &str = "<|begin_of_text|>";
const START_HEADER: &str = "<|start_header_id|>";
const END_HEADER: &str = "<|end_header_id|>\n\n";
const EOT: &str = "<|eot_id|>";

/// The Llama 3 chat template: an optional system turn, every message, then an open assistant header for the reply.
/// Each text is stripped of special tokens and trimmed, as Meta's reference template trims it.
fn prompt(req: &ChatRequest) -> String {
    let text_len: usize =
        req.system.as_ref().map_or(0, String::len) + req.messages.iter().map(|m| m.content.len()).sum::<usize>();
    let mut prompt = String::with_capacity(text_len + 64 * (req.messages.len() + 2));
    prompt.push_str(BEGIN_OF_TEXT);
    if let Some(system) = req.system.as_deref().filter(|s| !s.trim().is_empty()) {
        push_turn(&mut prompt, "system", system);
    }
    for message in &req.messages {
        push_turn(&mut prompt, message.role.as_str(), &message.content);
    }
    prompt.push_str(START_HEADER);
    prompt.push_str("assistant");
    prompt.push_str(END_HEADER);
    prompt
}

fn push_turn(prompt: &mut String, role: &str, content: &str) {
    prompt.push_str(START_HEADER);
    prompt.push_str(role);
    prompt.push_str(END_HEADER);
    prompt.push_str(strip_special_tokens(content).trim());
    prompt.push_str(EOT);
}

/// `text` without any special token string, so that message text cannot open or close a turn of the template.
/// Removal is repeated where it creates a new token (`<|eot<|eot_id|>_id|>` leaves nothing), in one linear pass:
/// after each `>` the output is checked for a token ending there.
fn strip_special_tokens(text: &str) -> Cow<'_, str> {
    if !text.contains("<|") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive('>') {
        out.push_str(piece);
        if !piece.ends_with('>') {
            continue;
        }
        let bytes = out.as_bytes();
        let window = bytes.len().saturating_sub(MAX_SPECIAL_LEN);
        if let Some(pos) = bytes[window..].windows(2).rposition(|w| w == b"<|") {
            let start = window + pos;
            if matches!(special_at(&bytes[start..]), Match::Complete(len, _) if start + len == bytes.len()) {
                out.truncate(start);
            }
        }
    }
    Cow::Owned(out)
}

#[derive(Serialize)]
struct RequestBody {
    prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_gen_len: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f32>,
}

// ---------------------------------------------------------------------------------------------------------------
// Markers in the reply

/// Longest special token name we recognise (`reserved_special_token_NNNN`), and so the longest token.
const MAX_NAME: usize = 32;
const MAX_SPECIAL_LEN: usize = MAX_NAME + 4;
/// `\nassistant:\n\n`, the longest plain-text turn header.
const MAX_HEADER_LEN: usize = 13;
/// Whitespace held back before a possible marker, at most. Beyond this (a model printing pages of blank lines) the
/// excess is printed, and trailing whitespace at a cut may then differ from the whole-body decode.
pub const MAX_HELD_WHITESPACE: usize = 1024;

const RESERVED: &[u8] = b"reserved_special_token_";
const RESERVED_DIGITS: usize = 4;

/// Tokens that end the assistant's turn: end of turn/message/text, or the header of an invented next turn.
/// The bare `eot`, `eom` and `header_start` are Llama 4's names for the same things.
const END_TOKENS: [&[u8]; 7] =
    [b"eot_id", b"eom_id", b"end_of_text", b"start_header_id", b"eot", b"eom", b"header_start"];
/// Other special tokens: never printed, never allowed into a prompt, but they do not end the turn.
const OTHER_TOKENS: [&[u8]; 9] = [
    b"begin_of_text",
    b"end_header_id",
    b"python_tag",
    b"finetune_right_pad_id",
    b"step_id",
    b"header_end",
    b"python_start",
    b"python_end",
    b"finetune_right_pad",
];
/// The role names of a plain-text turn header.
const HEADER_ROLES: [&[u8]; 3] = [b"assistant", b"user", b"system"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// The assistant's turn ended (a template token or an invented turn header).
    EndOfTurn,
    /// One of `params.stop` appeared.
    StopSequence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Cut(Cut),
    /// Drop the marker, keep going.
    Strip,
}

/// What the bytes at a position are: a whole marker of `len` bytes, the beginning of one (the text ends before it
/// could be decided), or plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Complete(usize, Action),
    Partial,
    No,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

fn token_action(name: &[u8]) -> Option<Action> {
    if END_TOKENS.contains(&name) {
        Some(Action::Cut(Cut::EndOfTurn))
    } else if OTHER_TOKENS.contains(&name)
        || name
            .strip_prefix(RESERVED)
            .is_some_and(|d| (1..=RESERVED_DIGITS).contains(&d.len()) && d.iter().all(u8::is_ascii_digit))
    {
        Some(Action::Strip)
    } else {
        None
    }
}

fn could_become_token_name(name: &[u8]) -> bool {
    END_TOKENS.iter().chain(OTHER_TOKENS.iter()).any(|t| t.starts_with(name))
        || RESERVED.starts_with(name)
        || name.strip_prefix(RESERVED).is_some_and(|d| d.len() <= RESERVED_DIGITS && d.iter().all(u8::is_ascii_digit))
}

/// A special token `<|name|>` at the start of `rest`.
fn special_at(rest: &[u8]) -> Match {
    match rest {
        [b'<'] => return Match::Partial,
        [b'<', b'|', ..] => {}
        _ => return Match::No,
    }
    let name_len = rest[2..].iter().take(MAX_NAME + 1).take_while(|&&b| is_name_byte(b)).count();
    if name_len > MAX_NAME {
        return Match::No;
    }
    let name = &rest[2..2 + name_len];
    match &rest[2 + name_len..] {
        [] if could_become_token_name(name) => Match::Partial,
        [b'|'] if token_action(name).is_some() => Match::Partial,
        [b'|', b'>', ..] => token_action(name).map_or(Match::No, |action| Match::Complete(name_len + 4, action)),
        _ => Match::No,
    }
}

/// A plain-text turn header at the start of `rest`, which begins with the newline it must follow: a line that is
/// exactly a role name, optionally with a colon, then a blank line (`\nuser\n\n`, `\nassistant:\n\n`).
fn header_at(rest: &[u8]) -> Match {
    let after = &rest[1..];
    let mut found = Match::No;
    for role in HEADER_ROLES {
        if after.len() <= role.len() {
            if role.starts_with(after) {
                found = Match::Partial;
            }
            continue;
        }
        let Some(tail) = after.strip_prefix(role) else { continue };
        let (colon, tail) = match tail.strip_prefix(b":") {
            Some(t) => (1, t),
            None => (0, tail),
        };
        if tail.starts_with(b"\n\n") {
            return Match::Complete(1 + role.len() + colon + 2, Action::Cut(Cut::EndOfTurn));
        }
        if b"\n\n".starts_with(tail) {
            found = Match::Partial;
        }
    }
    found
}

fn stop_at(rest: &[u8], stop: &[u8]) -> Match {
    if rest.starts_with(stop) {
        Match::Complete(stop.len(), Action::Cut(Cut::StopSequence))
    } else if stop.starts_with(rest) {
        Match::Partial
    } else {
        Match::No
    }
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary of `s` at or above `i`.
fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Turns the model's raw text, in pieces of any size, into the text of the assistant's turn: special tokens
/// removed, cut at the end of the turn or the first stop string, trailing whitespace at the end trimmed.
///
/// `held` is the only text kept: text not yet printed because it could still be the start of a marker (or is
/// whitespace in front of such text). A marker is found where it is first complete, and nothing is printed while a
/// marker could still reach back over it, so the result does not depend on how the text was split into pieces (a
/// randomized test holds the stream to the whole-body decode).
#[derive(Debug)]
struct TurnFilter {
    stops: Vec<Box<[u8]>>,
    held: String,
    /// Positions of `held` before this one are known not to start a marker, so they are not scanned again.
    scanned: usize,
    cut: Option<Cut>,
    /// How far before an edit a marker could start: the longest marker.
    lookback: usize,
}

/// What one scan of the held text found: the first marker to be complete (start, end, action) and the first
/// position from which the rest could still become a marker.
struct Scan {
    complete: Option<(usize, usize, Action)>,
    partial: Option<usize>,
}

impl TurnFilter {
    fn new(stops: &[String]) -> Self {
        let stops: Vec<Box<[u8]>> =
            stops.iter().filter(|s| !s.is_empty()).map(|s| s.as_bytes().to_vec().into_boxed_slice()).collect();
        let longest_stop = stops.iter().map(|s| s.len()).max().unwrap_or(0);
        let lookback = longest_stop.max(MAX_SPECIAL_LEN).max(MAX_HEADER_LEN);
        TurnFilter { stops, held: String::new(), scanned: 0, cut: None, lookback }
    }

    /// Adds the next piece of raw text; passes on whatever is now known to be part of the turn.
    fn push(&mut self, text: &str, emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        if self.cut.is_some() || text.is_empty() {
            return Ok(());
        }
        self.held.push_str(text);
        self.drain(false, emit)
    }

    /// No more text: whatever is held is text after all (minus trailing whitespace).
    fn finish(&mut self, emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        if self.cut.is_some() {
            return Ok(());
        }
        self.drain(true, emit)
    }

    fn drain(&mut self, at_end: bool, emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        let mut from = self.scanned;
        loop {
            let scan = self.scan(from, at_end);
            match scan.complete {
                Some((start, end, Action::Strip)) => {
                    self.held.replace_range(start..end, "");
                    // Removing a token can join text on both sides into a new marker; look again from there.
                    from = floor_boundary(&self.held, start.saturating_sub(self.lookback));
                }
                Some((start, _, Action::Cut(cut))) => {
                    let text = self.held[..start].trim_end();
                    if !text.is_empty() {
                        emit(text)?;
                    }
                    self.held = String::new();
                    self.cut = Some(cut);
                    return Ok(());
                }
                None => {
                    let hold_from = scan.partial.unwrap_or(self.held.len());
                    let visible_end = self.held[..hold_from].trim_end().len();
                    let release = if at_end {
                        visible_end
                    } else {
                        visible_end.max(ceil_boundary(&self.held, hold_from.saturating_sub(MAX_HELD_WHITESPACE)))
                    };
                    if release > 0 {
                        emit(&self.held[..release])?;
                    }
                    if at_end {
                        self.held.clear();
                    } else {
                        self.held.drain(..release);
                        self.scanned = hold_from - release;
                    }
                    return Ok(());
                }
            }
        }
    }

    fn scan(&self, from: usize, at_end: bool) -> Scan {
        let bytes = self.held.as_bytes();
        // A special token still arriving at the end may be stripped, joining what comes before it to what comes
        // after; so a marker that starts before it is judged on the bytes before it only (and stays partial).
        let pending_token = if at_end { None } else { self.pending_token() };
        let mut complete: Option<(usize, usize, Action)> = None;
        let mut partial = None;
        for i in from..bytes.len() {
            if complete.is_some_and(|(_, end, _)| i >= end) {
                break; // every marker starting here would be complete later than the one found
            }
            let rest = match pending_token {
                Some(token) if i < token => &bytes[i..token],
                _ => &bytes[i..],
            };
            let mut consider = |m: Match| match m {
                Match::Complete(len, action) if complete.is_none_or(|(_, end, _)| i + len < end) => {
                    complete = Some((i, i + len, action));
                }
                Match::Partial if !at_end && partial.is_none() => partial = Some(i),
                _ => {}
            };
            match bytes[i] {
                b'<' => consider(special_at(rest)),
                b'\n' => consider(header_at(rest)),
                _ => {}
            }
            for stop in &self.stops {
                if stop[0] == bytes[i] {
                    consider(stop_at(rest, stop));
                }
            }
        }
        Scan { complete, partial }
    }

    /// Where the held text ends with the beginning of a special token, if it does. There is at most one: a token
    /// cannot contain `<`, so only the last `<` can start one that reaches the end.
    fn pending_token(&self) -> Option<usize> {
        let bytes = self.held.as_bytes();
        let window = bytes.len().saturating_sub(MAX_SPECIAL_LEN);
        let at = window + bytes[window..].iter().rposition(|&b| b == b'<')?;
        (special_at(&bytes[at..]) == Match::Partial).then_some(at)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bodies and the stream

/// A whole InvokeModel body, or one stream chunk: the same fields.
#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow, default)]
    generation: Option<Cow<'a, str>>,
    #[serde(default)]
    prompt_token_count: Option<u64>,
    #[serde(default)]
    generation_token_count: Option<u64>,
    #[serde(borrow, default)]
    stop_reason: Option<Cow<'a, str>>,
    #[serde(rename = "amazon-bedrock-invocationMetrics", default)]
    metrics: Option<InvocationMetrics>,
}

/// Decoder state for one streamed Llama reply.
#[derive(Debug)]
struct MetaStream {
    filter: TurnFilter,
    repeats: repeats::Repeats,
    input_tokens: Option<u64>,
    output_tokens: u64,
    metrics_input: Option<u64>,
    metrics_output: Option<u64>,
    bedrock_stop: Option<String>,
}

impl MetaStream {
    fn new(stops: &[String]) -> Self {
        MetaStream {
            filter: TurnFilter::new(stops),
            repeats: repeats::Repeats::default(),
            input_tokens: None,
            output_tokens: 0,
            metrics_input: None,
            metrics_output: None,
            bedrock_stop: None,
        }
    }
}

impl StreamDecoder for MetaStream {
    fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<Step> {
        let chunk: Chunk<'_> = serde_json::from_slice(chunk)
            .map_err(|e| Error::provider(format!("malformed Meta Llama stream chunk: {e}")))?;
        if self.input_tokens.is_none() {
            self.input_tokens = chunk.prompt_token_count;
        }
        if let Some(n) = chunk.generation_token_count {
            self.output_tokens = n;
        }
        if let Some(m) = chunk.metrics {
            self.metrics_input = m.input_token_count.or(self.metrics_input);
            self.metrics_output = m.output_token_count.or(self.metrics_output);
        }
        if let Some(reason) = chunk.stop_reason {
            self.bedrock_stop = Some(reason.into_owned());
        }
        if self.filter.cut.is_none()
            && let Some(generation) = chunk.generation.as_deref()
        {
            let filter = &mut self.filter;
            self.repeats.take(generation, &mut |new| filter.push(new, emit))?;
        }
        // Bedrock's own `stop_reason` is not Done: its invocation metrics may still follow in a last chunk.
        Ok(if self.filter.cut.is_some() { Step::Done } else { Step::Continue })
    }

    fn finish(&mut self, emit: &mut dyn FnMut(&str) -> Result<()>) -> Result<StreamEnd> {
        if self.filter.cut.is_none() {
            let filter = &mut self.filter;
            self.repeats.finish(&mut |new| filter.push(new, emit))?;
        }
        self.filter.finish(emit)?;
        let stop_reason = stop_reason(self.filter.cut, self.bedrock_stop.as_deref());
        if stop_reason.is_none() {
            return Err(Error::provider("the Meta Llama stream ended before the reply was complete"));
        }
        Ok(StreamEnd {
            stop_reason,
            usage: Usage {
                input_tokens: self.metrics_input.or(self.input_tokens).unwrap_or(0),
                output_tokens: self.metrics_output.unwrap_or(self.output_tokens),
                estimated: false,
            },
        })
    }
}

#[cfg(test)]
mod tests;
