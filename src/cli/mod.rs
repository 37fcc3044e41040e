//! The command line: the only code that reads argv or writes to stdout and stderr.
//!
//! Clap types live here and stop here: each command turns its arguments into the library's own types, calls the
//! gateway or the registry, and hands the result to a renderer in [`output`]. Errors come back to [`run`], which
//! renders them once (human text on stderr, or the JSON error document on stdout) and returns the exit code.

mod cache;
mod chat;
mod complete;
mod conv;
pub mod docs;
mod embed;
mod image;
mod limits;
mod metrics;
mod models;
pub mod output;
mod report;
mod table;

use crate::config::{ConfigRoot, Registry};
use crate::store::Store;
use crate::store::recorder::Lifetime;
use crate::{Error, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  # offline model: no network, no credentials
  llmgw chat -m echo \"hello\"
  llmgw chat -m claude \"Summarise RFC 9110 in one line\"
  git diff | llmgw chat -m claude \"Review this diff\"
  llmgw stream -m llama \"Write a haiku about Rust\"
  llmgw chat --json -m claude \"2+2?\" | jq -r .content
  llmgw models list --status ready
  id=$(llmgw conv create --title \"Trip\")
  llmgw chat --conv \"$id\" -m echo \"hello\"
  llmgw metrics --since 7d
  # CI: run your scripts offline, at no cost
  LLMGW_MODEL=echo ./my-llm-script.sh";

/// The examples, then the exit codes from their one table.
fn after_help() -> String {
    format!("{EXAMPLES}\n\n{}", crate::error::exit_code_summary())
}

const MODELS_EXAMPLES: &str = "\
Examples:
  llmgw models list --status ready
  llmgw models list --json | jq -r '.[] | select(.vendor == \"meta\").model_id'
  # exit 3 when unavailable, for CI
  llmgw models status claude || echo \"claude is not usable here\"";

#[derive(Debug, Parser)]
#[command(name = "llmgw", version, about = "One fast, scriptable gateway to many LLM providers", after_help = after_help())]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)
    #[arg(long, global = true, value_name = "DIR")]
    pub config: Option<PathBuf>,
    /// SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]
    #[arg(long, global = true, env = "LLMGW_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print one JSON document (NDJSON events for `stream`) instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Print nothing but the answer (and errors)
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Tell on stderr which config root, database, provider, region and endpoint were used
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to use color on stderr
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a prompt and print the whole reply
    #[command(after_help = chat::CHAT_EXAMPLES)]
    Chat(chat::ChatArgs),
    /// Send a prompt and print the reply as it arrives
    #[command(after_help = chat::STREAM_EXAMPLES)]
    Stream(chat::ChatArgs),
    /// List the model catalogue and check availability
    #[command(subcommand, after_help = MODELS_EXAMPLES)]
    Models(models::ModelsCommand),
    /// Create, list, show and delete stored conversations
    #[command(subcommand, after_help = conv::EXAMPLES)]
    Conv(conv::ConvCommand),
    /// One vector per input text, from an embedding model
    #[command(after_help = embed::EXAMPLES)]
    Embed(embed::EmbedArgs),
    /// Draw with a text-to-image model and write PNG files
    #[command(after_help = image::EXAMPLES)]
    Image(image::ImageArgs),
    /// Usage, latency, success rate and cost of recorded requests
    #[command(after_help = metrics::EXAMPLES)]
    Metrics(metrics::MetricsArgs),
    /// The usage limits that apply to a user: used, left, and when each resets
    #[command(after_help = limits::EXAMPLES)]
    Limits(limits::LimitsArgs),
    /// A self-contained HTML usage report with charts: totals, per day and model, latency, errors, users, limits
    #[command(after_help = report::EXAMPLES)]
    Report(report::ReportArgs),
    /// Show or clear the response cache
    #[command(subcommand, after_help = cache::EXAMPLES)]
    Cache(cache::CacheCommand),
    /// Print a shell completion script
    #[command(after_help = docs::COMPLETIONS_EXAMPLES)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Candidates for the completion scripts: model ids and aliases, or conversation ids and names
    #[command(name = "__complete", hide = true)]
    Complete(complete::CompleteArgs),
}

/// An `LLMGW_*` variable set to nothing means "not set" (`LLMGW_DB= llmgw ...` in a script that clears it); clap would
/// take it as an empty value and refuse every command. Call before parsing.
pub fn forget_empty_env() {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(name, value)| name.to_str().is_some_and(|n| n.starts_with("LLMGW_")) && value.is_empty())
        .map(|(name, _)| name)
        .collect();
    for name in empty {
        // SAFETY: called first thing in `main`, before any other thread exists that could read the environment.
        unsafe { std::env::remove_var(name) };
    }
}

/// Parse the command line, with help wrapped to the reader's terminal (see [`table::help_width`]).
pub fn parse_args() -> std::result::Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    if let Some(width) = table::help_width() {
        command = command.term_width(usize::from(width));
    }
    Cli::from_arg_matches(&command.try_get_matches()?)
}

/// The command line did not parse: `--help` and `--version` are successes (clap prints them); every other clap error is
/// a usage error (exit 2), printed by clap, or as the JSON error document when `--json` was given (DESIGN.md
/// section 4), so that a script reading stdout gets one document whatever went wrong.
pub fn parse_failed(err: clap::Error) -> u8 {
    if !err.use_stderr() {
        let _ = err.print();
        return 0;
    }
    let json = std::env::args_os().skip(1).take_while(|a| a != "--").any(|a| a == "--json");
    if !json {
        let _ = err.print();
        return 2;
    }
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let mut message = first.strip_prefix("error: ").unwrap_or(first).trim().to_string();
    for tip in rendered.lines().filter_map(|l| l.trim().strip_prefix("tip: ")) {
        message.push_str(&format!(" ({tip})"));
    }
    let global =
        GlobalArgs { config: None, db: None, json: true, quiet: false, verbose: false, color: ColorChoice::Never };
    output::Output::new(&global, false).error(&Error::Usage(message));
    2
}

/// Run a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let mut out = output::Output::new(&cli.global, matches!(cli.command, Command::Stream(_)));
    let result = guarded(|| dispatch(cli, &mut out));
    match result {
        Ok(code) => code,
        Err(err) => {
            out.error(&err);
            err.exit_code()
        }
    }
}

/// Run `work`, turning a panic (a bug) into [`Error::Internal`] with its message and place: the user gets exit 1,
/// `error.code` `internal` and one line (the JSON error document with `--json`), never a backtrace.
fn guarded<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    static PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let place = info.location().map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
        if let Ok(mut slot) = PANIC.lock() {
            *slot = Some(format!("{message}{place} (a bug: please report it)"));
        }
    }));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    let _ = std::panic::take_hook();
    outcome.unwrap_or_else(|_| {
        let message = PANIC.lock().ok().and_then(|mut slot| slot.take()).unwrap_or_else(|| "a panic".into());
        Err(Error::Internal(message))
    })
}

fn dispatch(cli: Cli, out: &mut output::Output) -> Result<i32> {
    match cli.command {
        Command::Completions { shell } => {
            out.text(&docs::completion_script(shell))?;
            out.flush()?;
            Ok(0)
        }
        Command::Models(cmd) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            let gateway = crate::gateway::Gateway::new(registry, cli.global.db.clone(), Lifetime::Short);
            models::run(cmd, &gateway, out)
        }
        Command::Chat(args) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            runtime()?.block_on(chat::run(args, registry, crate::gateway::Delivery::Whole, &cli.global, out))
        }
        Command::Stream(args) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            runtime()?.block_on(chat::run(args, registry, crate::gateway::Delivery::Stream, &cli.global, out))
        }
        Command::Complete(args) => complete::run(args, &cli.global, out),
        Command::Conv(cmd) => conv::run(cmd, &cli.global, out),
        Command::Metrics(args) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            metrics::run(args, &registry, &cli.global, out)
        }
        Command::Embed(args) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            runtime()?.block_on(embed::run(args, registry, &cli.global, out))
        }
        Command::Image(args) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            runtime()?.block_on(image::run(args, registry, &cli.global, out))
        }
        Command::Limits(args) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            limits::run(args, &registry, &cli.global, out)
        }
        Command::Report(args) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            report::run(args, &registry, &cli.global, out)
        }
        Command::Cache(cmd) => {
            let (registry, _) = load_registry(&cli.global, out)?;
            cache::run(cmd, &registry, &cli.global, out)
        }
    }
}

fn load_registry(global: &GlobalArgs, out: &mut output::Output) -> Result<(Registry, ConfigRoot)> {
    let root = ConfigRoot::choose(global.config.as_deref());
    let registry = Registry::load(&root)?;
    out.verbose(format_args!("config: {}", registry.roots()));
    Ok((registry, root))
}

/// The database, opened (created and migrated when needed) only by the commands that use it.
fn open_store(global: &GlobalArgs, out: &output::Output) -> Result<Store> {
    Store::open(&store_path(global, out)?)
}

fn store_path(global: &GlobalArgs, out: &output::Output) -> Result<PathBuf> {
    let path = Store::default_path(global.db.as_deref())?;
    out.verbose(format_args!("database: {}", path.display()));
    Ok(path)
}

/// `--user`, else `$LLMGW_USER` (both through clap), else the login name: `$USER`/`$LOGNAME` as shells and `sudo`
/// set them, else the account of the effective uid (cron, containers and systemd units often set neither).
fn user(flag: Option<&str>) -> String {
    if let Some(user) = flag.filter(|u| !u.is_empty()) {
        return user.to_string();
    }
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .or_else(account_name)
        .unwrap_or_else(|| "unknown".into())
}

/// The name of the effective uid's account (passwd, through NSS); `uid-N` for a uid with no account.
#[cfg(unix)]
fn account_name() -> Option<String> {
    // SAFETY: geteuid cannot fail. getpwuid_r writes only into `entry` and `buf` (whose length it is given) and sets
    // `found` to `&entry` or null; `pw_name` then points into `buf`, which outlives its use here.
    let uid = unsafe { libc::geteuid() };
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe { libc::getpwuid_r(uid, &mut entry, buf.as_mut_ptr(), buf.len(), &mut found) };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || found.is_null() || entry.pw_name.is_null() {
            return Some(format!("uid-{uid}"));
        }
        let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
        return Some(name.to_string_lossy().into_owned()).filter(|n| !n.is_empty());
    }
}

#[cfg(not(unix))]
fn account_name() -> Option<String> {
    None
}

/// One thread is plenty for one request and starts in microseconds.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message_and_place() {
        let err = guarded::<()>(|| panic!("the codec met {}", "a surprise")).unwrap_err();
        let text = err.to_string();
        assert_eq!((err.code(), err.exit_code()), ("internal", 1));
        assert!(text.contains("the codec met a surprise") && text.contains("src/cli/mod.rs:"), "{text}");
        assert_eq!(guarded(|| Ok(7)).unwrap(), 7, "no panic, no change");
    }
}
