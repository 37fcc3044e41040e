//! argv -> command -> exit code. Everything else lives in the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match llmgw::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are successes; every other clap error is a usage error (exit 2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let code = llmgw::cli::run(cli);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
