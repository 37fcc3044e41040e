//! What the fake servers (`fake_bedrock`, `fake_openai`) share: the flags every one takes, and `main`'s start, print
//! the URL and serve forever. Pulled into each example with `#[path]`; not an example itself (Cargo only builds
//! `examples/*.rs` and `examples/*/main.rs`).

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use super::http::{Server, Wire};

/// The flags every fake server takes.
pub struct Flags {
    pub port: u16,
    pub tokens: u64,
    pub word: String,
}

/// Reads `--port N`, `--tokens N` and `--text WORD` (and `-h`/`--help`: print `usage`, exit 0); every other flag
/// goes to `other` with its value, which returns an error for a flag it does not know either.
pub fn parse(
    usage: &str,
    mut args: impl Iterator<Item = String>,
    mut other: impl FnMut(&str, String) -> Result<(), String>,
) -> Result<Flags, String> {
    let mut flags = Flags { port: 0, tokens: 20, word: "word".to_owned() };
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{usage}");
            std::process::exit(0);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| value.parse::<u64>().map_err(|_| format!("{what} must be a number, not {value:?}"));
        match flag.as_str() {
            "--port" => flags.port = u16::try_from(number("--port")?).map_err(|_| "--port is too large")?,
            "--tokens" => flags.tokens = number("--tokens")?,
            "--text" => flags.word = value,
            _ => other(&flag, value)?,
        }
    }
    Ok(flags)
}

/// The error for a flag no one knows.
pub fn unknown(flag: &str) -> String {
    format!("unknown argument {flag:?}")
}

/// `main` of a fake server: on bad `options`, the message and `usage` (exit 2); otherwise a server on `port` that
/// records nothing and answers every request with `reply`, its URL on the first line of stdout, then forever.
pub fn serve<W: Wire, O: Send + Sync + 'static>(
    name: &str,
    usage: &str,
    options: Result<O, String>,
    port: impl FnOnce(&O) -> u16,
    reply: fn(&Arc<O>, &W::Recorded) -> W::Reply,
) -> ExitCode {
    let options = match options {
        Ok(options) => Arc::new(options),
        Err(message) => {
            eprintln!("{name}: {message}\n{usage}");
            return ExitCode::from(2);
        }
    };
    let port = port(&options);
    let server =
        Server::<W>::builder().port(port).record(false).fallback(move |request| reply(&options, request)).start();
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            eprintln!("{name}: cannot listen on 127.0.0.1:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = io::stdout();
    if writeln!(stdout, "{}", server.url()).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    loop {
        std::thread::park();
    }
}
