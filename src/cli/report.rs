//! `llmgw report [-o FILE.html] [--since DUR|TIME]`: the usage report ([`crate::report`]) as one HTML file, or on
//! stdout when it is not a terminal (a page of markup is no use on a screen).

use super::GlobalArgs;
use super::output::Output;
use crate::config::Registry;
use crate::time::parse_since;
use crate::{Error, Result};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
Examples:
  llmgw report -o usage.html
  llmgw report --since 7d -o week.html
  # a CI artifact
  llmgw report --since 24h > report.html";

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the page here (replaced whole, never half-written) [default: stdout, when it is not a terminal]
    #[arg(short, long, value_name = "FILE.html")]
    output: Option<PathBuf>,
    /// Only requests since this long ago (24h, 7d) or this time (RFC 3339, or a date)
    #[arg(long, value_name = "DUR|TIME", default_value = "30d")]
    since: String,
}

pub fn run(args: ReportArgs, registry: &Registry, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    let since_ms = parse_since(&args.since).ok_or_else(|| {
        Error::Usage(format!(
            "--since takes a duration (24h, 7d) or an RFC 3339 time (2026-01-31T12:00:00Z), got '{}'",
            args.since
        ))
    })?;
    if args.output.is_none() && std::io::stdout().is_terminal() {
        return Err(Error::Usage(
            "the report is an HTML page: write it to a file with -o usage.html (or redirect stdout)".into(),
        ));
    }
    if let Some(path) = &args.output {
        // Never written through a link, nor over a FIFO or a device (`-o /dev/null` would replace it).
        crate::files::check_kept(path)
            .map_err(|e| Error::Usage(format!("will not write the report to {}: {e}", path.display())))?;
    }
    let store = super::open_store(global, out)?;
    let _ = store.ingest_spool();
    let report = crate::report::gather(&store, registry, since_ms)?;
    let page = crate::report::html::render(&report);
    match &args.output {
        Some(path) => {
            write_whole(path, page.as_bytes())
                .map_err(|e| Error::Io(format!("cannot write the report to {}: {e}", path.display())))?;
            out.note(&format!("wrote {} ({} requests since {})", path.display(), report.total.requests, args.since));
        }
        None => {
            out.text(&page)?;
            out.flush()?;
        }
    }
    Ok(0)
}

/// Write `bytes` to a new file beside `path`, then rename it over `path`: a reader never sees half a page.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let temp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
