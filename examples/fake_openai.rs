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

mod common;
#[path = "../tests/support/http.rs"]
mod http;
#[path = "../tests/support/openai.rs"]
mod openai;

use std::io;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};

use openai::{OpenAi, Recorded, Reply, SseSink};

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
    common::serve::<OpenAi, _>("fake_openai", USAGE, parse(std::env::args().skip(1)), |o| o.port, reply)
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut models = Vec::new();
    let flags = common::parse(USAGE, args, |flag, value| match flag {
        "--models" => {
            models = value.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned).collect();
            Ok(())
        }
        other => Err(common::unknown(other)),
    })?;
    Ok(Options { port: flags.port, tokens: flags.tokens, word: flags.word, models })
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
    if request.path == "/v1/embeddings" || request.path.ends_with("/embeddings") {
        return embeddings(request);
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

/// `/v1/embeddings`: a 256-dimension vector per input, made from the text, and a token count of its words.
fn embeddings(request: &Recorded) -> Reply {
    let Some(inputs) = request.body.get("input").and_then(Value::as_array) else {
        return Reply::error(400, "invalid_request_error", "'input' must be an array of strings");
    };
    let mut tokens = 0;
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let text = text.as_str().unwrap_or_default();
            tokens += text.split_whitespace().count().max(1);
            let seed = text.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
            let vector: Vec<f64> =
                (0..256u32).map(|i| f64::from((seed ^ i.wrapping_mul(2_654_435_761)) % 1000) / 1000.0).collect();
            json!({"object": "embedding", "index": index, "embedding": vector})
        })
        .collect();
    Reply::Json(json!({"object": "list", "data": data, "model": request.body.get("model"),
                       "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}))
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
