//! A local OpenAI-compatible server (OpenAI and Azure OpenAI wire formats) for trying llmgw by hand and for the
//! benchmark.
//!
//! ```text
//! cargo run --release --example fake_openai -- [--port N] [--tokens N] [--text WORD] [--models ID,ID,...]
//! ```
//!
//! Prints its URL on the first line of stdout, then answers every request, forever, without a script:
//! `POST /v1/chat/completions` and `POST /chat/completions` (OpenAI, and any server behind a base URL) and
//! `POST /openai/deployments/{deployment}/chat/completions?api-version=...` (Azure OpenAI) with a reply of N tokens
//! (`" WORD"` each). A request with `"stream": true` gets Server-Sent Events: a role chunk, N one-token chunks, a
//! chunk with `finish_reason`, the usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`.
//! Without it, one Chat Completions JSON document. The reply's `model` is the request's (Azure: the deployment).
//! Any other path answers 404 with an OpenAI-shaped error. Keys are not checked. With `--models`, only those models
//! (or Azure deployments) exist: any other answers 404 as OpenAI (`model_not_found`) or Azure (`DeploymentNotFound`)
//! do.
//!
//! Point llmgw at it with `OPENAI_BASE_URL=<url>/v1` and any `OPENAI_API_KEY`, or `AZURE_OPENAI_ENDPOINT=<url>` and
//! any `AZURE_OPENAI_API_KEY`; `curl` can read the same stream for comparison. Streams are written through a
//! buffer and sent in large HTTP chunks, so this server outruns any client.

#[path = "../tests/support/openai.rs"]
mod openai;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};

use openai::{OpenAiServer, Recorded, Reply, SseSink};

const USAGE: &str = "usage: fake_openai [--port N] [--tokens N] [--text WORD] [--models ID,ID,...]";

/// Prompt tokens reported for every request.
const PROMPT_TOKENS: u64 = 12;

struct Options {
    port: u16,
    tokens: u64,
    word: String,
    /// The only models (deployments) that exist; empty: every one does.
    models: Vec<String>,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => Arc::new(options),
        Err(message) => {
            eprintln!("fake_openai: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = {
        let options = Arc::clone(&options);
        OpenAiServer::builder()
            .port(options.port)
            .record(false)
            .fallback(move |request| reply(&options, request))
            .start()
    };
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            eprintln!("fake_openai: cannot listen on 127.0.0.1:{}: {error}", options.port);
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

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { port: 0, tokens: 20, word: "word".to_owned(), models: Vec::new() };
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| value.parse::<u64>().map_err(|_| format!("{what} must be a number, not {value:?}"));
        match flag.as_str() {
            "--port" => options.port = u16::try_from(number("--port")?).map_err(|_| "--port is too large")?,
            "--tokens" => options.tokens = number("--tokens")?,
            "--text" => options.word = value,
            "--models" => {
                options.models = value.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned).collect()
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

/// The model a request is for: Azure's deployment from the path, else the body's `model`.
fn model_of(request: &Recorded) -> Option<String> {
    let path = request.path.as_str();
    if path == "/v1/chat/completions" || path == "/chat/completions" {
        return Some(request.body.get("model").and_then(Value::as_str).unwrap_or("unknown").to_owned());
    }
    let deployment = path.strip_prefix("/openai/deployments/")?.strip_suffix("/chat/completions")?;
    (!deployment.is_empty() && !deployment.contains('/')).then(|| deployment.to_owned())
}

fn reply(options: &Arc<Options>, request: &Recorded) -> Reply {
    if request.method != "POST" {
        return Reply::error(405, "method_not_allowed", &format!("{} is not allowed here", request.method));
    }
    let Some(model) = model_of(request) else {
        return Reply::error(404, "not_found", &format!("no route for {}", request.path));
    };
    if !options.models.is_empty() && !options.models.contains(&model) {
        return if request.path.starts_with("/openai/deployments/") {
            Reply::json_status(
                404,
                json!({"error": {"code": "DeploymentNotFound", "message":
                "The API deployment for this resource does not exist. If you created the deployment within the last \
                 5 minutes, please wait a moment and try again."}}),
            )
        } else {
            Reply::error(
                404,
                "model_not_found",
                &format!("The model `{model}` does not exist or you do not have access to it."),
            )
        };
    }
    if !request.body.is_object() {
        return Reply::error(400, "invalid_json", "the body is not a JSON object");
    }
    let streaming = request.body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    if !streaming {
        let text = format!(" {}", options.word).repeat(options.tokens as usize);
        return Reply::Json(openai::completion(&model, &text, PROMPT_TOKENS, options.tokens, "stop"));
    }
    let include_usage = request.body.pointer("/stream_options/include_usage").and_then(Value::as_bool).unwrap_or(false);
    let options = Arc::clone(options);
    Reply::Generate(Box::new(move |sink| stream(sink, &options, &model, include_usage)))
}

fn to_vec(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON values serialize")
}

fn stream(sink: &mut SseSink, options: &Options, model: &str, include_usage: bool) -> io::Result<()> {
    let head = |choices: Value| {
        json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                                       "created": 1_700_000_000, "model": model, "choices": choices})
    };
    sink.data(&to_vec(&head(json!([{"index": 0, "delta": {"role": "assistant", "content": ""},
                                      "finish_reason": null}]))))?;
    // Every token chunk is the same bytes: serialize once.
    let delta = to_vec(&head(json!([{"index": 0, "delta": {"content": format!(" {}", options.word)},
                                     "finish_reason": null}])));
    for _ in 0..options.tokens {
        sink.data(&delta)?;
    }
    sink.data(&to_vec(&head(json!([{"index": 0, "delta": {}, "finish_reason": "stop"}]))))?;
    if include_usage {
        let usage = json!({"prompt_tokens": PROMPT_TOKENS, "completion_tokens": options.tokens,
                           "total_tokens": PROMPT_TOKENS + options.tokens});
        let mut chunk = head(json!([]));
        chunk["usage"] = usage;
        sink.data(&to_vec(&chunk))?;
    }
    sink.raw(b"data: [DONE]\n\n")
}
