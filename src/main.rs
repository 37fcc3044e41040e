//! argv -> command -> exit code. Everything else lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    llmgw::cli::forget_empty_env();
    let cli = match llmgw::cli::parse_args() {
        Ok(cli) => cli,
        Err(err) => return ExitCode::from(llmgw::cli::parse_failed(err)),
    };
    let code = llmgw::cli::run(cli);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
