//! What a caller hands the gateway and what it gets back: a [`Request`] in, an [`Outcome`] out, and the
//! [`crate::types::Progress`] of the request on the way through the caller's [`crate::types::EventSink`].
//!
//! These are the whole interface between a front (the command line today, an HTTP server later) and the core: a
//! front turns its own input (argv, an HTTP body) into a `Request` and renders the `Outcome`; everything between
//! is the gateway's.

use crate::store::recorder::RecordWarning;
use crate::types::{FailedAttempt, Params, Response};
use crate::{Error, Result};
use std::time::Duration;

/// Which reply the caller wants: the whole of it at the end, or each piece as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Whole,
    Stream,
}

impl Delivery {
    /// The command name a request record carries (`chat`, `stream`).
    pub fn command(self) -> &'static str {
        match self {
            Delivery::Whole => "chat",
            Delivery::Stream => "stream",
        }
    }
}

/// The model a request names, and who named it: a wrong name given on the command line is the caller's to fix
/// (exit 3, did you mean), one from the environment or the catalogue is a configuration error naming where it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ModelChoice {
    /// `-m`, or a request's own field.
    Given(String),
    /// An environment variable (`LLMGW_MODEL`).
    FromEnv { var: &'static str, name: String },
    /// The catalogue's `defaultModel`.
    #[default]
    Default,
}

/// One request as its caller states it: what to send, to which model, in which conversation, for whom.
#[derive(Debug, Clone)]
pub struct Request {
    pub delivery: Delivery,
    /// Which model: model id, alias or `provider/modelId`, and who chose it.
    pub model: ModelChoice,
    /// Restrict the lookup to one provider (`-p`); fallbacks may be anywhere.
    pub provider: Option<String>,
    /// Models to try, in order, before the first model's catalogue fallbacks, when it fails in a way another
    /// model could fix (`--fallback`).
    pub fallbacks: Vec<String>,
    /// Overrides the provider's request timeout.
    pub timeout: Option<Duration>,
    pub prompt: String,
    /// Images and documents sent with the prompt (`--attach`).
    pub attachments: Vec<crate::types::Attachment>,
    /// Overrides the conversation's stored system prompt for this request.
    pub system: Option<String>,
    pub params: Params,
    /// Continue this stored conversation (id, or name among the user's).
    pub conversation: Option<String>,
    pub user: String,
    /// Record the attempt for `metrics`.
    pub record: bool,
    /// Whether to answer from the response cache and keep the reply there.
    pub cache: CachePolicy,
    /// Return a streamed reply's text in the response too (it went to the sink already). A conversation keeps the
    /// text whatever this says; a caller that only prints the stream need not pay for holding it.
    pub keep_text: bool,
}

/// A request's own say over the response cache (`--cache`, `--no-cache`, `--cache-ttl`); `Default` follows
/// `system/cache.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CachePolicy {
    #[default]
    Default,
    Off,
    /// On, with entries at most `ttl` old (else the configured ttl).
    On {
        ttl: Option<Duration>,
    },
}

/// How a request ended. The request's own result, plus what went wrong around it without changing it.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Response>,
    /// The reply was paid for but could not be stored with its conversation (`result` is then the store's error):
    /// the caller may still show it. A streamed reply has been shown already.
    pub unsaved_reply: Option<String>,
    /// Recording for `metrics` failed or was postponed; the request itself is unaffected.
    pub warnings: Vec<RecordWarning>,
    /// When every model of a fallback chain failed: each attempt, the last (whose error `result` is) included.
    /// A success lists the failed ones in its response instead.
    pub attempts: Vec<FailedAttempt>,
    /// The name (as the chain gave it: `haiku`) of the fallback that answered, when one did.
    pub answered_by: Option<String>,
    /// Lines for the caller, shown unless it asked for quiet: a limit past its `warnAt`.
    pub notices: Vec<String>,
}

impl Outcome {
    pub(super) fn failed(error: Error) -> Outcome {
        Outcome {
            result: Err(error),
            unsaved_reply: None,
            warnings: Vec::new(),
            attempts: Vec::new(),
            answered_by: None,
            notices: Vec::new(),
        }
    }
}
