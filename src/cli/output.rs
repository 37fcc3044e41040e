//! Rendering: human text, tables and JSON, and where each goes. Answers go to stdout; diagnostics, spinners and
//! human error messages to stderr; with `--json` every outcome, errors included, is one JSON document on stdout.

use super::{ColorChoice, GlobalArgs};
use crate::Error;
use crate::error::Suggestion;
use crate::types::FailedAttempt;
use serde::Serialize;
use std::io::{BufWriter, IsTerminal, StdoutLock, Write};

pub struct Output {
    pub json: bool,
    pub quiet: bool,
    verbose: bool,
    color: bool,
    /// Errors of `stream --json` are NDJSON events, not a lone document.
    stream: bool,
    stdout: BufWriter<StdoutLock<'static>>,
    /// Text written to stdout that does not end with a newline yet.
    open_line: bool,
    /// The models a failed request tried (a fallback chain), for the error's rendering.
    attempts: Vec<FailedAttempt>,
}

impl Output {
    pub fn new(global: &GlobalArgs, stream: bool) -> Output {
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
            }
        };
        Output {
            json: global.json,
            quiet: global.quiet,
            verbose: global.verbose && !global.quiet,
            color,
            stream,
            stdout: BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            open_line: false,
            attempts: Vec::new(),
        }
    }

    /// Every model a request tried before it failed: the error rendered next lists them.
    pub fn failed_attempts(&mut self, attempts: Vec<FailedAttempt>) {
        self.attempts = attempts;
    }

    /// Answer text on stdout, buffered: callers flush when the user should see it.
    pub fn text(&mut self, text: &str) -> crate::Result<()> {
        if let Some(&last) = text.as_bytes().last() {
            self.open_line = last != b'\n';
        }
        self.stdout.write_all(text.as_bytes()).map_err(stdout_error)
    }

    /// Finish the current line of text, if one is open.
    pub fn end_line(&mut self) -> crate::Result<()> {
        if std::mem::take(&mut self.open_line) {
            self.stdout.write_all(b"\n").map_err(stdout_error)?;
        }
        Ok(())
    }

    /// A table on stdout, and a note on stderr naming the columns left out to fit the terminal.
    pub fn table(&mut self, table: super::table::TextTable) -> crate::Result<()> {
        let rendered = table.render();
        if !rendered.hidden.is_empty() {
            self.note(&format!(
                "left out to fit the terminal: {} (widen it, set COLUMNS, or use --json)",
                rendered.hidden.join(", ")
            ));
        }
        self.text(&rendered.text)
    }

    pub fn flush(&mut self) -> crate::Result<()> {
        self.stdout.flush().map_err(stdout_error)
    }

    /// One JSON document (or NDJSON line) on stdout.
    pub fn json_line<T: Serialize + ?Sized>(&mut self, value: &T) -> crate::Result<()> {
        serde_json::to_writer(&mut self.stdout, value).map_err(|e| match e.io_error_kind() {
            Some(_) => stdout_error(e.into()),
            None => Error::Internal(e.to_string()),
        })?;
        self.stdout.write_all(b"\n").map_err(stdout_error)
    }

    /// A diagnostic line on stderr, only with `-v`.
    pub fn verbose(&self, line: std::fmt::Arguments) {
        if self.verbose {
            diagnostic(format_args!("{} {line}", self.paint("2", "llmgw:")));
        }
    }

    /// A note on stderr about how to read the output; not with `-q` or `--json`.
    pub fn note(&self, message: &str) {
        if !self.quiet && !self.json {
            diagnostic(format_args!("{} {message}", self.paint("2", "note:")));
        }
    }

    /// An empty result: stdout stays empty, for scripts; a person at a terminal is told why there is nothing.
    pub fn nothing_to_show(&self, message: &str) {
        if std::io::stderr().is_terminal() {
            self.note(message);
        }
    }

    /// A diagnostic on stderr that a script may want too (a fallback answered); not with `-q`.
    pub fn notice(&self, message: &str) {
        if !self.quiet {
            diagnostic(format_args!("{} {}", self.paint("2", "note:"), printable(message)));
        }
    }

    /// A warning on stderr: something went wrong that does not change the outcome. Shown even with `-q`.
    pub fn warn(&self, message: &str) {
        diagnostic(format_args!("{} {}", self.paint("1;33", "warning:"), printable(message)));
    }

    /// A spinner on stderr, only when stderr is a terminal and neither `--json` nor `-q` is set.
    pub fn spinner(&self, message: &str) -> Option<indicatif::ProgressBar> {
        if self.json || self.quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(80));
        Some(bar)
    }

    /// Render an error once: JSON on stdout with `--json`, readable text on stderr otherwise.
    pub fn error(&mut self, err: &Error) {
        if matches!(err, Error::BrokenPipe) {
            return;
        }
        // Whatever was written before the failure (a partial stream) goes out first, then the error.
        let _ = self.stdout.flush();
        if self.json {
            let attempts = std::mem::take(&mut self.attempts);
            let body = ErrorBody { attempts: &attempts, ..ErrorBody::from(err) };
            let _ = if self.stream {
                self.json_line(&StreamError { kind: "error", error: body })
            } else {
                self.json_line(&ErrorDoc { error: body })
            };
            let _ = self.stdout.flush();
            return;
        }
        let mut text = format!("{} {}\n", self.paint("1;31", "error:"), printable(&err.to_string()));
        let suggestions = err.suggestions();
        if !suggestions.is_empty() {
            let heading = if matches!(err, Error::ModelNotFound { .. }) { "did you mean:" } else { "try instead:" };
            text.push_str(&format!("{}\n", self.paint("1", heading)));
            for s in suggestions {
                let line = format!("  {:<48} {}/{}  ({})", s.model, s.provider, s.vendor, s.reason);
                text.push_str(&format!("{}\n", printable(&line)));
            }
        }
        if !self.attempts.is_empty() {
            let tried: Vec<String> = self.attempts.iter().map(|a| format!("{} ({})", a.name, a.error_code)).collect();
            text.push_str(&format!("{} {}\n", self.paint("1", "tried:"), printable(&tried.join(", "))));
        }
        if let Some(hint) = err.hint() {
            text.push_str(&format!("{} {}\n", self.paint("1;33", "hint:"), printable(hint)));
        }
        let _ = std::io::stderr().write_all(text.as_bytes());
    }

    fn paint(&self, sgr: &str, text: &str) -> String {
        if self.color { format!("\x1b[{sgr}m{text}\x1b[0m") } else { text.to_string() }
    }
}

/// Text that may come from outside (a provider's error message, a file name) made safe for a terminal: control
/// characters other than newline and tab (ESC, BEL, the C1 controls such as CSI, DEL) are shown escaped, so a
/// server cannot move the cursor, retitle the window or hide text. Our own colors are added after this.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// One line on stderr. A stderr that is closed or full never fails the request (`eprintln!` would panic): the
/// answer on stdout matters more than the diagnostics about it.
fn diagnostic(line: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A failed write to stdout: a closed pipe is the reader's choice (a quiet success); anything else (a full disk)
/// is an I/O error that says where.
fn stdout_error(err: std::io::Error) -> Error {
    match Error::from(err) {
        Error::Io(message) => Error::Io(format!("cannot write to standard output: {message}")),
        other => other,
    }
}

/// DESIGN.md section 4: `{"error": {"code", "message", "exit_code", "suggestions"}}`.
#[derive(Serialize)]
struct ErrorDoc<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct StreamError<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: String,
    exit_code: i32,
    suggestions: &'a [Suggestion],
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    /// A provider's failure: which provider, its HTTP status, how long it asked to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_s: Option<f64>,
    /// Every model a fallback chain tried, the last included.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    attempts: &'a [FailedAttempt],
    /// A limit that refused the request: which rule, what of it was used, when it resets.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    quota: Option<QuotaJson<'a>>,
}

#[derive(Serialize)]
struct QuotaJson<'a> {
    rule: &'a str,
    resource: &'static str,
    window: &'static str,
    used: f64,
    limit: f64,
    resets_at: String,
}

impl<'a> From<&'a Error> for ErrorBody<'a> {
    fn from(err: &'a Error) -> Self {
        ErrorBody {
            code: err.code(),
            message: err.to_string(),
            exit_code: err.exit_code(),
            suggestions: err.suggestions(),
            hint: err.hint(),
            provider: err.failure().and_then(|f| f.provider.as_deref()),
            status: err.failure().and_then(|f| f.status),
            retry_after_s: match err {
                Error::QuotaExceeded(q) => Some(q.retry_after_s()),
                _ => err.failure().and_then(|f| f.retry_after).map(|d| d.as_secs_f64()),
            },
            attempts: &[],
            quota: match err {
                Error::QuotaExceeded(q) => Some(QuotaJson {
                    rule: &q.rule,
                    resource: q.resource,
                    window: q.window,
                    used: q.used,
                    limit: q.limit,
                    resets_at: crate::time::rfc3339(q.resets_at_ms),
                }),
                _ => None,
            },
        }
    }
}
