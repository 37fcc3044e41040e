//! The one error type of the library, and the exit codes of DESIGN.md section 5.
//!
//! Every failure a user can cause or meet is a variant with the data needed to explain it (the file and field of a
//! config error, the model and its alternatives for a model error). `code()` and `exit_code()` are the contract that
//! scripts see; `main` maps an error to its exit code in one place.

use serde::Serialize;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An alternative model offered when the requested one is unknown or not ready.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub model: String,
    pub provider: String,
    pub vendor: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, missing prompt, invalid input (including a provider's validation message).
    #[error("{0}")]
    Usage(String),

    /// The name matches no model id or alias.
    #[error("unknown model '{name}'")]
    ModelNotFound { name: String, suggestions: Vec<Suggestion> },

    /// The model exists but cannot be used now: NOT READY in the catalogue, or refused by the provider.
    #[error("model '{model}' is not available: {reason}")]
    ModelNotReady { model: String, reason: String, suggestions: Vec<Suggestion> },

    /// A conversation id or other named thing does not exist.
    #[error("{0}")]
    NotFound(String),

    /// Credentials missing, invalid, or access denied. `hint` says how to fix it.
    #[error("{message}")]
    Auth { message: String, hint: Option<String> },

    /// Throttled, rate limited or over quota, after retries.
    #[error("{0}")]
    RateLimited(String),

    /// Provider or network failure, timeout, broken stream.
    #[error("{0}")]
    Provider(String),

    /// A configuration file is broken. `location` is the field path or line/column inside `file`.
    #[error("{}: {location}: {message}", file.display())]
    Config { file: PathBuf, location: String, message: String },

    /// The SQLite store cannot be opened, read or written: locked past the busy timeout, read-only, corrupt, or made
    /// by a newer llmgw. Exit 1 (DESIGN.md has no code of its own for it), `error.code` `store`.
    #[error("database {}: {message}", path.display())]
    Store { path: PathBuf, message: String },

    /// Ctrl-C.
    #[error("interrupted")]
    Interrupted,

    /// The reader of our output went away (`| head`): not a failure, the process exits quietly.
    #[error("broken pipe")]
    BrokenPipe,

    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable `error.code` of `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::ModelNotFound { .. } => "model_not_found",
            Error::ModelNotReady { .. } => "model_not_ready",
            Error::NotFound(_) => "not_found",
            Error::Auth { .. } => "auth",
            Error::RateLimited(_) => "rate_limited",
            Error::Provider(_) => "provider",
            Error::Config { .. } => "config",
            Error::Store { .. } => "store",
            Error::Interrupted => "interrupted",
            Error::BrokenPipe => "broken_pipe",
            Error::Internal(_) => "internal",
        }
    }

    /// The process exit code (DESIGN.md section 5).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) | Error::Store { .. } => 1,
            Error::Usage(_) => 2,
            Error::ModelNotFound { .. } | Error::ModelNotReady { .. } => 3,
            Error::NotFound(_) => 4,
            Error::Auth { .. } => 5,
            Error::RateLimited(_) => 6,
            Error::Provider(_) => 7,
            Error::Config { .. } => 8,
            Error::Interrupted => 130,
            Error::BrokenPipe => 0,
        }
    }

    pub fn suggestions(&self) -> &[Suggestion] {
        match self {
            Error::ModelNotFound { suggestions, .. } | Error::ModelNotReady { suggestions, .. } => suggestions,
            _ => &[],
        }
    }

    /// A line telling the user what to do next, shown after the message.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Auth { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    pub fn config(file: impl Into<PathBuf>, location: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config { file: file.into(), location: location.into(), message: message.into() }
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe { Error::BrokenPipe } else { Error::Internal(err.to_string()) }
    }
}
