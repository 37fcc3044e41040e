//! The one error type of the library, and the table of exit codes (DESIGN.md section 5).
//!
//! Every failure a user can cause or meet is a variant with the data needed to explain it (the file and field of a
//! config error, the model and its alternatives for a model error). `code()` and `exit_code()` are the contract that
//! scripts see; `main` maps an error to its exit code in one place.
//!
//! [`EXIT_STATUSES`] is the one table of exit codes and the `error.code`s that exit with them: `exit_code()` reads
//! it, and so do `--help` and every man page ([`crate::cli::docs`]), so that they cannot disagree.

use serde::Serialize;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a provider's failure came from, besides its message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Failure {
    /// The provider's catalogue name.
    pub provider: Option<String>,
    /// The HTTP status of its answer, when there was one.
    pub status: Option<u16>,
    /// How long it asked to wait (`retry-after`).
    pub retry_after: Option<std::time::Duration>,
}

/// An alternative model offered when the requested one is unknown or not ready.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub model: String,
    pub provider: String,
    pub vendor: String,
    pub reason: String,
}

/// Which limit refused a request, with what it had used and when its window starts over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuotaRefusal {
    pub rule: String,
    pub resource: &'static str,
    pub window: &'static str,
    pub used: f64,
    pub limit: f64,
    /// What the request asked for on top of `used`.
    pub asked: f64,
    pub resets_at_ms: i64,
    pub now_ms: i64,
}

impl QuotaRefusal {
    pub fn retry_after_s(&self) -> f64 {
        ((self.resets_at_ms - self.now_ms).max(0) as f64 / 1000.0).ceil()
    }

    pub fn message(&self) -> String {
        let amount = |v: f64| if self.resource == "cost_usd" { format!("{v:.4}") } else { format!("{v:.0}") };
        let what = format!("{}_per_{}", self.resource, self.window);
        let state = if self.used >= self.limit {
            format!("{} of {} used", amount(self.used), amount(self.limit))
        } else {
            format!(
                "{} of {} used, and this request may take {}",
                amount(self.used),
                amount(self.limit),
                amount(self.asked)
            )
        };
        format!(
            "limit reached: {}: {what} ({state}); it resets at {} (in {} s), and nothing was sent",
            self.rule,
            crate::time::rfc3339(self.resets_at_ms),
            self.retry_after_s()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, missing prompt, invalid input (including a provider's validation message).
    #[error("{0}")]
    Usage(String),

    /// The name matches no model id or alias.
    #[error("unknown model '{name}'")]
    ModelNotFound { name: String, suggestions: Vec<Suggestion> },

    /// The model exists and is ready, but cannot do what was asked (DESIGN.md section 2): the wrong command for its
    /// modality, or `stream` to a model that does not stream. A usage error (exit 2), with models that would fit.
    #[error("model '{model}' {problem}")]
    Unsuitable { model: String, problem: String, suggestions: Vec<Suggestion> },

    /// The model exists but cannot be used now: NOT READY in the catalogue, or refused by the provider.
    #[error("model '{model}' is not available: {reason}")]
    ModelNotReady { model: String, reason: String, suggestions: Vec<Suggestion> },

    /// Bedrock will not serve this bare model id on demand; `profile` is the cross-region inference profile of the
    /// request's region that routes it. A kind of "not ready" (exit 3), told apart so the gateway can retry with it.
    #[error("model '{model}' is not available: {reason}")]
    NotOnDemand { model: String, profile: String, reason: String, suggestions: Vec<Suggestion> },

    /// A limit of `system/limits.json` would be passed: nothing was sent. Exit 6, `quota_exceeded`.
    #[error("{}", .0.message())]
    QuotaExceeded(Box<QuotaRefusal>),

    /// A conversation id or other named thing does not exist.
    #[error("{0}")]
    NotFound(String),

    /// Credentials missing, invalid, or access denied. `hint` says how to fix it.
    #[error("{message}")]
    Auth { message: String, hint: Option<String> },

    /// Throttled, rate limited or over quota, after retries.
    #[error("{message}")]
    RateLimited { message: String, failure: Failure },

    /// Provider or network failure, timeout, broken stream.
    #[error("{message}")]
    Provider { message: String, failure: Failure },

    /// A configuration file is broken. `location` is the field path or line/column inside `file`.
    #[error("{}: {location}: {message}", file.display())]
    Config { file: PathBuf, location: String, message: String },

    /// The SQLite store cannot be opened, read or written: locked past the busy timeout, read-only, corrupt, or made
    /// by a newer llmgw. Exit 1 (DESIGN.md has no code of its own for it), `error.code` `store`.
    #[error("database {}: {message}", path.display())]
    Store { path: PathBuf, message: String },

    /// Stopped by a signal (Ctrl-C, SIGTERM, SIGHUP): what was printed stays, the attempt is recorded.
    #[error("{}", .0.describe())]
    Interrupted(Signal),

    /// The reader of our output went away (`| head`): not a failure, the process exits quietly.
    #[error("broken pipe")]
    BrokenPipe,

    /// Reading or writing a file or stream failed for a reason outside llmgw (a full disk, a closed terminal):
    /// not a bug, but nothing llmgw can carry on from. Exit 1, `error.code` `io`.
    #[error("{0}")]
    Io(String),

    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable `error.code` of `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Usage(_) | Error::Unsuitable { .. } => "usage",
            Error::ModelNotFound { .. } => "model_not_found",
            Error::ModelNotReady { .. } | Error::NotOnDemand { .. } => "model_not_ready",
            Error::NotFound(_) => "not_found",
            Error::Auth { .. } => "auth",
            Error::RateLimited { .. } => "rate_limited",
            Error::QuotaExceeded(_) => "quota_exceeded",
            Error::Provider { .. } => "provider",
            Error::Config { .. } => "config",
            Error::Store { .. } => "store",
            Error::Interrupted(_) => "interrupted",
            Error::BrokenPipe => "broken_pipe",
            Error::Io(_) => "io",
            Error::Internal(_) => "internal",
        }
    }

    /// The process exit code: the row of [`EXIT_STATUSES`] that lists this error's code. A closed pipe is a
    /// success (the reader had what it wanted).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BrokenPipe => return 0,
            // One error code, three exit codes: 128 + the signal's number, as shells report it.
            Error::Interrupted(signal) => return signal.exit_code(),
            _ => {}
        }
        let code = self.code();
        EXIT_STATUSES.iter().find(|s| s.error_codes.contains(&code)).map_or(1, |s| s.code)
    }

    pub fn suggestions(&self) -> &[Suggestion] {
        match self {
            Error::ModelNotFound { suggestions, .. }
            | Error::ModelNotReady { suggestions, .. }
            | Error::NotOnDemand { suggestions, .. }
            | Error::Unsuitable { suggestions, .. } => suggestions,
            _ => &[],
        }
    }

    /// The suggestions of an error that has them, to reorder or annotate.
    pub fn suggestions_mut(&mut self) -> Option<&mut Vec<Suggestion>> {
        match self {
            Error::ModelNotFound { suggestions, .. }
            | Error::ModelNotReady { suggestions, .. }
            | Error::NotOnDemand { suggestions, .. }
            | Error::Unsuitable { suggestions, .. } => Some(suggestions),
            _ => None,
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

    /// A provider or network failure; [`Error::with_status`] and [`Error::at`] add what is known of it.
    pub fn provider(message: impl Into<String>) -> Self {
        Error::Provider { message: message.into(), failure: Failure::default() }
    }

    /// Throttled after retries; [`Error::with_retry_after`] adds how long the provider asked to wait.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Error::RateLimited { message: message.into(), failure: Failure::default() }
    }

    /// What is known of a provider's failure (provider, HTTP status, retry-after), for a caller deciding whether to
    /// retry or fall back; `None` for errors that are not a provider's.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Error::Provider { failure, .. } | Error::RateLimited { failure, .. } => Some(failure),
            _ => None,
        }
    }

    fn failure_mut(&mut self) -> Option<&mut Failure> {
        match self {
            Error::Provider { failure, .. } | Error::RateLimited { failure, .. } => Some(failure),
            _ => None,
        }
    }

    /// The same error with `f` applied to every text it carries (messages, reasons, hints): to take secrets out.
    pub fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        match self {
            Error::Usage(m) => Error::Usage(f(&m)),
            Error::ModelNotReady { model, reason, suggestions } => {
                Error::ModelNotReady { model, reason: f(&reason), suggestions }
            }
            Error::NotOnDemand { model, profile, reason, suggestions } => {
                Error::NotOnDemand { model, profile, reason: f(&reason), suggestions }
            }
            Error::NotFound(m) => Error::NotFound(f(&m)),
            Error::Auth { message, hint } => Error::Auth { message: f(&message), hint: hint.map(|h| f(&h)) },
            Error::RateLimited { message, failure } => Error::RateLimited { message: f(&message), failure },
            Error::Provider { message, failure } => Error::Provider { message: f(&message), failure },
            Error::Io(m) => Error::Io(f(&m)),
            Error::Internal(m) => Error::Internal(f(&m)),
            other => other,
        }
    }

    /// The HTTP status the provider answered with.
    pub fn with_status(mut self, status: u16) -> Self {
        if let Some(failure) = self.failure_mut() {
            failure.status = Some(status);
        }
        self
    }

    /// How long the provider asked to wait before trying again.
    pub fn with_retry_after(mut self, wait: Option<std::time::Duration>) -> Self {
        if let Some(failure) = self.failure_mut() {
            failure.retry_after = wait.or(failure.retry_after);
        }
        self
    }

    /// The provider (catalogue name) the failure came from, unless already known.
    pub fn at(mut self, provider: &str) -> Self {
        if let Some(failure) = self.failure_mut() {
            failure.provider.get_or_insert_with(|| provider.to_string());
        }
        self
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe { Error::BrokenPipe } else { Error::Io(err.to_string()) }
    }
}

/// The signal that stopped a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGHUP: the terminal went away.
    Hangup,
    /// SIGTERM: `timeout`, CI cancellation, systemd.
    Terminate,
}

impl Signal {
    /// 128 + the signal's number: 130, 129, 143.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => 130,
            Signal::Hangup => 129,
            Signal::Terminate => 143,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted",
            Signal::Hangup => "stopped by SIGHUP (hang-up)",
            Signal::Terminate => "stopped by SIGTERM",
        }
    }
}

/// One exit code: what it means, a word for `--help`, and the `error.code`s that exit with it.
#[derive(Debug, Clone, Copy)]
pub struct ExitStatus {
    pub code: i32,
    /// One or two words, for the summary in `--help`.
    pub word: &'static str,
    /// A sentence, for man pages and docs.
    pub meaning: &'static str,
    pub error_codes: &'static [&'static str],
}

/// DESIGN.md section 5, the one copy: [`Error::exit_code`], `--help` and the man pages read it.
pub const EXIT_STATUSES: &[ExitStatus] = &[
    ExitStatus {
        code: 0,
        word: "ok",
        meaning: "success (also when the reader of the output, such as head, closes the pipe early)",
        error_codes: &[],
    },
    ExitStatus {
        code: 1,
        word: "internal",
        meaning: "internal error (a bug), the database cannot be used, or reading or writing failed outside llmgw \
                  (a full disk)",
        error_codes: &["internal", "store", "io"],
    },
    ExitStatus {
        code: 2,
        word: "usage",
        meaning: "usage: bad flags, missing prompt, input the provider rejected, a model that cannot do what is asked",
        error_codes: &["usage"],
    },
    ExitStatus {
        code: 3,
        word: "model unknown or not ready",
        meaning: "model unknown or not ready; the message lists alternatives",
        error_codes: &["model_not_found", "model_not_ready"],
    },
    ExitStatus {
        code: 4,
        word: "not found",
        meaning: "not found: a conversation id or name",
        error_codes: &["not_found"],
    },
    ExitStatus {
        code: 5,
        word: "credentials",
        meaning: "credentials missing, invalid, or access denied",
        error_codes: &["auth"],
    },
    ExitStatus {
        code: 6,
        word: "throttled",
        meaning: "throttled, rate limited or over quota, after retries; a configured limit reached",
        error_codes: &["rate_limited", "quota_exceeded"],
    },
    ExitStatus {
        code: 7,
        word: "provider or network",
        meaning: "provider or network failure, timeout, broken stream",
        error_codes: &["provider"],
    },
    ExitStatus {
        code: 8,
        word: "configuration",
        meaning: "configuration invalid; the message names the file and field",
        error_codes: &["config"],
    },
    ExitStatus { code: 130, word: "interrupted", meaning: "interrupted by Ctrl-C", error_codes: &["interrupted"] },
    ExitStatus {
        code: 129,
        word: "hung up",
        meaning: "stopped by SIGHUP (treated like Ctrl-C: what was printed stays, the attempt is recorded)",
        error_codes: &["interrupted"],
    },
    ExitStatus {
        code: 143,
        word: "terminated",
        meaning: "stopped by SIGTERM (treated like Ctrl-C: what was printed stays, the attempt is recorded)",
        error_codes: &["interrupted"],
    },
];

/// `0 ok, 1 internal, 2 usage, ...`: the table in one line, for `--help`.
pub fn exit_code_summary() -> String {
    let items: Vec<String> = EXIT_STATUSES.iter().map(|s| format!("{} {}", s.code, s.word)).collect();
    format!("Exit codes: {}.", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error's code sits in exactly one row of the table, so its exit code is never a guess.
    #[test]
    fn every_error_code_has_one_row() {
        let examples = [
            Error::Usage(String::new()),
            Error::Unsuitable { model: String::new(), problem: String::new(), suggestions: vec![] },
            Error::ModelNotFound { name: String::new(), suggestions: vec![] },
            Error::ModelNotReady { model: String::new(), reason: String::new(), suggestions: vec![] },
            Error::NotOnDemand {
                model: String::new(),
                profile: String::new(),
                reason: String::new(),
                suggestions: vec![],
            },
            Error::NotFound(String::new()),
            Error::Auth { message: String::new(), hint: None },
            Error::rate_limited(String::new()),
            Error::QuotaExceeded(Box::default()),
            Error::provider(String::new()),
            Error::config("f", "l", "m"),
            Error::Store { path: "d".into(), message: String::new() },
            Error::Interrupted(Signal::Interrupt),
            Error::Io(String::new()),
            Error::Internal(String::new()),
        ];
        for err in &examples {
            let rows: Vec<i32> =
                EXIT_STATUSES.iter().filter(|s| s.error_codes.contains(&err.code())).map(|s| s.code).collect();
            assert!(rows.contains(&err.exit_code()), "{}: {rows:?}", err.code());
            if err.code() != "interrupted" {
                assert_eq!(rows.len(), 1, "{}", err.code());
            }
        }
        for signal in [Signal::Interrupt, Signal::Hangup, Signal::Terminate] {
            let code = Error::Interrupted(signal).exit_code();
            assert!(EXIT_STATUSES.iter().any(|s| s.code == code), "{code} has a row");
        }
        assert_eq!(Error::BrokenPipe.exit_code(), 0);
        assert_eq!(Error::Io(String::new()).exit_code(), 1);
        assert_eq!(Error::Interrupted(Signal::Interrupt).exit_code(), 130);
        assert_eq!(Error::Interrupted(Signal::Terminate).exit_code(), 143);
        assert_eq!(Error::Interrupted(Signal::Hangup).exit_code(), 129);
        assert_eq!(Error::config("f", "l", "m").exit_code(), 8);
    }
}
