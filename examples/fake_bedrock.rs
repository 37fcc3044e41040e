//! A local Bedrock Runtime for the benchmark and for trying llmgw by hand.
//!
//! ```text
//! cargo run --release --example fake_bedrock -- [--port N] [--tokens N] [--vendor anthropic|meta] [--text WORD]
//! ```
//!
//! Prints its URL on the first line of stdout, then answers every request, forever, without a script:
//! `invoke` and `converse` with a fixed message of N tokens, `invoke-with-response-stream` with the vendor's
//! stream of N one-token chunks (`" WORD"`) plus its end frames, and `converse-stream` likewise. The vendor's format
//! follows the model id in the path (Meta Llama for `meta.` ids, Anthropic otherwise) unless `--vendor` forces one.
//! Point llmgw at it
//! with `AWS_ENDPOINT_URL_BEDROCK_RUNTIME=<url>` and any static credentials; signatures are not checked, so `curl`
//! can read the same stream for comparison.
//!
//! Streams are written through a buffer and sent in large HTTP chunks, so this server outruns any client.

#[path = "../tests/support/bedrock.rs"]
mod bedrock;
mod common;
#[path = "../tests/support/http.rs"]
mod http;

use std::fmt::Write as _;
use std::io;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};

use bedrock::{Bedrock, FrameSink, Recorded, Reply};

const USAGE: &str = "usage: fake_bedrock [--port N] [--tokens N] [--vendor anthropic|meta] [--text WORD]";

/// Input tokens reported for every request.
const INPUT_TOKENS: u64 = 12;

#[derive(Clone, Copy, PartialEq)]
enum Vendor {
    Anthropic,
    Meta,
}

struct Options {
    port: u16,
    tokens: u64,
    /// Forced by --vendor; otherwise chosen per request from the model id.
    vendor: Option<Vendor>,
    word: String,
}

fn main() -> ExitCode {
    common::serve::<Bedrock, _>("fake_bedrock", USAGE, parse(std::env::args().skip(1)), |o| o.port, reply)
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut vendor = None;
    let flags = common::parse(USAGE, args, |flag, value| match flag {
        "--vendor" => {
            vendor = match value.as_str() {
                "anthropic" => Some(Vendor::Anthropic),
                "meta" => Some(Vendor::Meta),
                other => return Err(format!("unknown vendor {other:?} (anthropic or meta)")),
            };
            Ok(())
        }
        other => Err(common::unknown(other)),
    })?;
    Ok(Options { port: flags.port, tokens: flags.tokens, vendor, word: flags.word })
}

fn reply(options: &Arc<Options>, request: &Recorded) -> Reply {
    let text = format!(" {}", options.word).repeat(options.tokens as usize);
    let tokens = options.tokens;
    // The body format follows the model id (`meta.` / `us.meta.` ids get Llama's), unless --vendor forces one.
    let vendor =
        options.vendor.unwrap_or(if request.model_id.contains("meta.") { Vendor::Meta } else { Vendor::Anthropic });
    match request.operation.as_str() {
        "invoke" => Reply::Json(match vendor {
            Vendor::Anthropic => bedrock::anthropic_message(&text, INPUT_TOKENS, tokens, "end_turn"),
            Vendor::Meta => bedrock::llama_generation(&text, INPUT_TOKENS, tokens, "stop"),
        }),
        "converse" => Reply::Json(bedrock::converse_output(&text, INPUT_TOKENS, tokens)),
        "invoke-with-response-stream" => {
            let options = Arc::clone(options);
            Reply::Generate(Box::new(move |sink| match vendor {
                Vendor::Anthropic => anthropic_stream(sink, &options),
                Vendor::Meta => llama_stream(sink, &options),
            }))
        }
        "converse-stream" => {
            let options = Arc::clone(options);
            Reply::Generate(Box::new(move |sink| converse_stream(sink, &options)))
        }
        other => Reply::error(404, "UnknownOperationException", &format!("unknown operation {other:?}")),
    }
}

fn to_vec(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON values serialize")
}

/// The piece every chunk carries, as a JSON string literal.
fn piece(options: &Options) -> String {
    serde_json::to_string(&format!(" {}", options.word)).expect("strings serialize")
}

fn invocation_metrics(tokens: u64) -> Value {
    json!({ "inputTokenCount": INPUT_TOKENS, "outputTokenCount": tokens, "invocationLatency": 1, "firstByteLatency": 1 })
}

fn anthropic_stream(sink: &mut FrameSink, options: &Options) -> io::Result<()> {
    let tokens = options.tokens;
    // The builder's frames, minus its deltas, are the start and the end of the stream.
    let frames = bedrock::anthropic_stream(&[], INPUT_TOKENS, tokens, "end_turn");
    let chunk = |frame: &bedrock::Frame| match frame {
        bedrock::Frame::Chunk(value) => to_vec(value),
        _ => unreachable!("anthropic_stream builds chunks only"),
    };
    let (head, tail) = frames.split_at(2);
    for frame in head {
        sink.chunk(&chunk(frame))?;
    }
    let delta = format!(
        r#"{{"type":"content_block_delta","index":0,"delta":{{"type":"text_delta","text":{}}}}}"#,
        piece(options)
    );
    for _ in 0..tokens {
        sink.chunk(delta.as_bytes())?;
    }
    for frame in tail {
        sink.chunk(&chunk(frame))?;
    }
    Ok(())
}

fn llama_stream(sink: &mut FrameSink, options: &Options) -> io::Result<()> {
    let piece = piece(options);
    let mut chunk = String::with_capacity(256);
    for n in 1..=options.tokens {
        chunk.clear();
        let _ = write!(chunk, r#"{{"generation":{piece},"prompt_token_count":"#);
        let _ = if n == 1 { write!(chunk, "{INPUT_TOKENS}") } else { write!(chunk, "null") };
        let _ = write!(chunk, r#","generation_token_count":{n},"stop_reason":null}}"#);
        sink.chunk(chunk.as_bytes())?;
    }
    let end = json!({
        "generation": "",
        "prompt_token_count": if options.tokens == 0 { json!(INPUT_TOKENS) } else { Value::Null },
        "generation_token_count": options.tokens,
        "stop_reason": "stop",
        "amazon-bedrock-invocationMetrics": invocation_metrics(options.tokens),
    });
    sink.chunk(&to_vec(&end))
}

fn converse_stream(sink: &mut FrameSink, options: &Options) -> io::Result<()> {
    let frames = bedrock::converse_stream(&[], INPUT_TOKENS, options.tokens);
    let event = |frame: &bedrock::Frame| match frame {
        bedrock::Frame::Event(name, value) => (name.clone(), to_vec(value)),
        _ => unreachable!("converse_stream builds events only"),
    };
    let (head, tail) = frames.split_at(1);
    for frame in head {
        let (name, payload) = event(frame);
        sink.event(&name, &payload)?;
    }
    let delta = format!(r#"{{"contentBlockIndex":0,"delta":{{"text":{}}}}}"#, piece(options));
    for _ in 0..options.tokens {
        sink.event("contentBlockDelta", delta.as_bytes())?;
    }
    for frame in tail {
        let (name, payload) = event(frame);
        sink.event(&name, &payload)?;
    }
    Ok(())
}
