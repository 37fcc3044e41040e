//! The neutral request, response and stream-event types shared by every provider and vendor.
//!
//! A codec translates these to and from one model family's native bodies; a provider moves those bodies.
//! Their serde form is part of the `--json` contract (DESIGN.md section 4), so fields are only ever added.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// Images and documents sent with the message (`--attach`), before its text.
    #[serde(skip)]
    pub attachments: Vec<Attachment>,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Self {
        Message { role: Role::User, content: content.into(), attachments: Vec::new() }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Message { role: Role::Assistant, content: content.into(), attachments: Vec::new() }
    }
}

/// A file sent with a message: an image or a document, its type read from its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// The file's name, for messages and `conv show`.
    pub name: String,
    pub media: Media,
    pub bytes: std::sync::Arc<Vec<u8>>,
}

/// What a file is, told from its first bytes (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
}

impl Media {
    /// The type of `bytes`, by their signature; `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<Media> {
        match bytes {
            [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some(Media::Png),
            [0xff, 0xd8, 0xff, ..] => Some(Media::Jpeg),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Media::Gif),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Media::Webp),
            [b'%', b'P', b'D', b'F', b'-', ..] => Some(Media::Pdf),
            _ => None,
        }
    }

    pub fn from_mime(mime: &str) -> Option<Media> {
        [Media::Png, Media::Jpeg, Media::Gif, Media::Webp, Media::Pdf].into_iter().find(|m| m.mime() == mime)
    }

    pub fn mime(self) -> &'static str {
        match self {
            Media::Png => "image/png",
            Media::Jpeg => "image/jpeg",
            Media::Gif => "image/gif",
            Media::Webp => "image/webp",
            Media::Pdf => "application/pdf",
        }
    }

    /// `image` or `document`: the catalogue's `inputTypes` word a model must have to take it.
    pub fn kind(self) -> &'static str {
        if self == Media::Pdf { "document" } else { "image" }
    }
}

/// Inference parameters; `None` means "the provider's or catalogue's default".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub stop: Vec<String>,
}

/// One normalized chat request: a system prompt, the turns in order (the last one is the user's new message), and
/// parameters. `max_tokens` has been filled in by the gateway from the catalogue when the user gave none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    pub system: Option<String>,
    pub messages: Vec<Message>,
    pub params: Params,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// The provider reported no usage, so these are estimates (words, not tokens); `usage.estimated` in `--json`,
    /// absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
}

/// What a codec (or a provider speaking a neutral API) makes of a complete reply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    pub content: String,
    /// Normalized: `end_turn`, `max_tokens`, `stop_sequence`, or the provider's own word when it has no equivalent.
    pub stop_reason: Option<String>,
    pub usage: Usage,
}

/// What a stream ends with: everything of a [`Completion`] but the text, which went out as deltas.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamEnd {
    pub stop_reason: Option<String>,
    pub usage: Usage,
}

/// Where a request sends what happens to it: its progress, and a streamed reply's text as it arrives. Implemented
/// by the CLI's renderers; the core never prints.
pub trait EventSink {
    /// A piece of the reply, in order. An error (such as a closed pipe) ends the request.
    fn delta(&mut self, text: &str) -> crate::Result<()>;
    /// The provider is about to wait for the network: anything buffered should reach the user now.
    fn idle(&mut self) -> crate::Result<()>;
    /// A step of the request before the reply (for `-v` and spinners); ignored unless a sink cares.
    fn progress(&mut self, _step: Progress<'_>) {}
}

/// What the gateway tells its caller on the way, for diagnostics (`-v`) and spinners. Never secrets.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// The database that will hold the request's record or conversation.
    Database(&'a std::path::Path),
    /// The conversation whose history goes first, and how many stored messages it has.
    Conversation { id: &'a str, messages: usize },
    /// The model chosen; the provider is about to be reached.
    Model { model_id: &'a str, provider: &'a str, vendor: &'a str },
    /// Connected: where requests go (region, endpoint, where the key came from).
    Connected { provider: &'a str, describe: &'a str },
    /// The response cache holds the reply, stored `age_ms` ago: nothing is sent.
    CacheHit { age_ms: u64 },
    /// The response cache does not hold the reply: it is sent, and kept when it completes.
    CacheMiss,
    /// Bedrock refused `model` on demand: its inference profile `profile` is tried instead.
    InferenceProfile { model: &'a str, profile: &'a str },
    /// `failed` (a name of the chain) failed with `code` before any text was output; `next` is tried.
    Fallback { failed: &'a str, code: &'static str, next: &'a str },
}

/// The gateway's answer to one request, as `chat --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub model: String,
    pub provider: String,
    pub vendor: String,
    pub content: String,
    pub stop_reason: Option<String>,
    pub usage: Usage,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_first_token_ms: Option<u64>,
    pub conversation_id: Option<String>,
    pub request_id: String,
    /// Answered from the response cache (`usage` is that of the request that paid for the reply).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// The models tried before the one that answered (fallbacks), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<FailedAttempt>,
    /// Files sent with the request (`--attach`, and a conversation's earlier ones).
    #[serde(skip_serializing_if = "is_zero")]
    pub attachments: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One model of a fallback chain that failed, as `"attempts"` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedAttempt {
    /// The model id (the name asked for, when the catalogue does not know it).
    pub model: String,
    pub provider: Option<String>,
    pub error_code: &'static str,
    /// The name as the request or the catalogue gave it (`claude`), for messages.
    #[serde(skip)]
    pub name: String,
}
