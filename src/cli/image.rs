//! `llmgw image`: draws with a text-to-image model and writes PNG files, printing their paths (never image bytes
//! to a terminal). `-o out.png` with `--count 3` writes `out-1.png`..`out-3.png`; without `-o`,
//! `image-<request id>[-N].png` in the current directory; `-o -` writes one image to stdout when it is not a
//! terminal. An existing file is not overwritten unless `--force`, and that is checked before anything is paid for.

use super::GlobalArgs;
use super::output::Output;
use crate::config::{Registry, parse_size};
use crate::gateway::{Gateway, ImageRequest, Images, ModelChoice};
use crate::store::recorder::Lifetime;
use crate::{Error, Result};
use clap::Args;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const EXAMPLES: &str = "\
Examples:
  llmgw image -m nova-canvas \"a lighthouse at dawn, watercolour\"
  llmgw image -m gpt-image -o fox.png --size 1536x1024 \"a fox in the snow\"
  llmgw image -m titan-image --count 3 --seed 7 -o try.png \"a logo for a bakery\"
  llmgw image -m stable-core -o - \"a red bicycle\" > bike.png";

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// A text-to-image model: id, alias or provider/modelId (`llmgw models list --modality text-to-image`)
    #[arg(short, long, value_name = "MODEL")]
    model: Option<String>,
    /// Only consider models of this provider
    #[arg(short, long, value_name = "PROVIDER")]
    provider: Option<String>,
    /// Write the image here (`-` for stdout, one image); with --count N: PATH-1.png .. PATH-N.png
    #[arg(short, long, value_name = "PATH")]
    output: Option<String>,
    /// How many images
    #[arg(long, value_name = "N", default_value_t = 1)]
    count: u32,
    /// WIDTHxHEIGHT, one the model makes [default: the model's first size]
    #[arg(long, value_name = "WxH")]
    size: Option<String>,
    /// A seed, for images that can be made again
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// What the image must not show (models that take it)
    #[arg(long, value_name = "TEXT")]
    negative: Option<String>,
    /// Overwrite files that exist
    #[arg(long)]
    force: bool,
    /// Who is asking, for the request record [default: $LLMGW_USER, else the login name]
    #[arg(long, env = "LLMGW_USER", value_name = "USER")]
    user: Option<String>,
    /// Do not record the request for `metrics`
    #[arg(long, env = "LLMGW_NO_LOG", value_parser = clap::builder::FalseyValueParser::new())]
    no_log: bool,
    /// What to draw; words are joined with spaces
    #[arg(value_name = "PROMPT", required = true)]
    prompt: Vec<String>,
}

#[derive(Serialize)]
struct ImageJson {
    path: String,
    width: u32,
    height: u32,
    bytes: usize,
    seed: Option<u64>,
}

#[derive(Serialize)]
struct ImagesJson<'a> {
    model: &'a str,
    provider: &'a str,
    vendor: &'a str,
    images: Vec<ImageJson>,
    duration_ms: u64,
    request_id: &'a str,
    cost_usd: Option<f64>,
}

pub async fn run(args: ImageArgs, registry: Registry, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    let size = match &args.size {
        None => None,
        Some(text) => Some(
            parse_size(text)
                .ok_or_else(|| Error::Usage(format!("--size takes WIDTHxHEIGHT (1024x1024), got '{text}'")))?,
        ),
    };
    let to_stdout = args.output.as_deref() == Some("-");
    if to_stdout && (args.count != 1 || std::io::stdout().is_terminal()) {
        return Err(Error::Usage(
            "-o - writes one image to a pipe or file: use --count 1 and redirect stdout (never image bytes to a terminal)"
                .into(),
        ));
    }
    // Paths that exist are refused before anything is paid for.
    if let Some(base) = args.output.as_deref().filter(|_| !to_stdout) {
        for path in paths(Some(base), "", args.count) {
            refuse_existing(&path, args.force)?;
        }
    }
    let request = ImageRequest {
        model: match args.model.filter(|m| !m.is_empty()) {
            Some(name) => ModelChoice::Given(name),
            None => ModelChoice::Default,
        },
        provider: args.provider,
        prompt: args.prompt.join(" "),
        count: args.count,
        size,
        seed: args.seed,
        negative: args.negative,
        user: super::user(args.user.as_deref()),
        record: !args.no_log,
        timeout: None,
    };
    let gateway = Gateway::new(registry, global.db.clone(), Lifetime::Short);
    let spinner = out.spinner("drawing");
    let outcome = gateway.image(&request, super::chat::interrupted()).await;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    for warning in &outcome.warnings {
        out.warn(&warning.to_string());
    }
    let images = outcome.result?;
    if to_stdout {
        let (bytes, _) = &images.drawn.images[0];
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::Io(format!("cannot write the image: {e}")))?;
        return Ok(0);
    }
    let written = write_all(&images, args.output.as_deref(), args.force)?;
    if out.json {
        let doc = ImagesJson {
            model: &images.model,
            provider: &images.provider,
            vendor: &images.vendor,
            images: written,
            duration_ms: images.duration_ms,
            request_id: &images.request_id,
            cost_usd: images.cost_usd,
        };
        out.json_line(&doc)?;
    } else {
        let text: String = written.iter().map(|w| format!("{}\n", w.path)).collect();
        out.text(&text)?;
    }
    out.flush()?;
    Ok(0)
}

/// The paths of `count` images: `-o` as given for one, `-1`..`-N` before its extension for several; without `-o`,
/// `image-<id>[-N].png` here.
fn paths(output: Option<&str>, request_id: &str, count: u32) -> Vec<PathBuf> {
    let (stem, ext) = match output {
        Some(path) => match path.rsplit_once('.').filter(|(stem, ext)| !stem.is_empty() && !ext.contains('/')) {
            Some((stem, ext)) => (stem.to_string(), format!(".{ext}")),
            None => (path.to_string(), String::new()),
        },
        None => (format!("image-{request_id}"), ".png".to_string()),
    };
    match count {
        1 => vec![PathBuf::from(format!("{stem}{ext}"))],
        n => (1..=n).map(|i| PathBuf::from(format!("{stem}-{i}{ext}"))).collect(),
    }
}

fn refuse_existing(path: &Path, force: bool) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => {
            Err(Error::Usage(format!("{} exists and is not a regular file", path.display())))
        }
        Ok(_) if !force => {
            Err(Error::Usage(format!("{} exists: give another -o, or --force to overwrite it", path.display())))
        }
        _ => Ok(()),
    }
}

fn write_all(images: &Images, output: Option<&str>, force: bool) -> Result<Vec<ImageJson>> {
    let paths = paths(output, &images.request_id, images.drawn.images.len() as u32);
    let mut written = Vec::new();
    for (path, (bytes, seed)) in paths.iter().zip(&images.drawn.images) {
        refuse_existing(path, force)?;
        let write = || -> std::io::Result<()> {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let temp = dir.join(format!(".llmgw-image-{}.tmp", std::process::id()));
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            if force {
                std::fs::rename(&temp, path)
            } else {
                // Not over a file made in the meantime: link succeeds only where nothing is.
                let linked = std::fs::hard_link(&temp, path);
                let _ = std::fs::remove_file(&temp);
                linked
            }
        };
        write().map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
        let (width, height) = crate::codec::images::png_size(bytes).unwrap_or((images.width, images.height));
        written.push(ImageJson { path: path.display().to_string(), width, height, bytes: bytes.len(), seed: *seed });
    }
    Ok(written)
}
