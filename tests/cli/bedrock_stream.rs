//! `stream` on Bedrock through the real binary and the real AWS SDK: event-stream frames from the local Bedrock
//! Runtime become text on stdout (with the closing newline) or NDJSON `delta` events and a `done` event, for Claude
//! and Llama on InvokeModelWithResponseStream and for the Converse families on ConverseStream. The Llama regressions
//! of the gateway llmgw replaces are pinned here through the whole stack.

use std::process::Output;

use serde_json::{Value, json};

use crate::support::bedrock::{
    BedrockServer, Frame, Reply, anthropic_stream, converse_stream, llama_stream, model_path,
};
use crate::support::{deltas_and_end, llmgw_bedrock};

const CLAUDE: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const LLAMA: &str = "us.meta.llama3-3-70b-instruct-v1:0";
const NOVA_LITE: &str = "us.amazon.nova-lite-v1:0";

/// `llmgw ARGS` against `server`; it must succeed. Its output.
fn run(server: &BedrockServer, args: &[&str]) -> Output {
    llmgw_bedrock(server).args(args).assert().success().get_output().clone()
}

/// `llmgw stream --json ARGS` against `server`, which must succeed: see [`deltas_and_end`].
fn stream_json(server: &BedrockServer, args: &[&str]) -> (Vec<String>, Value) {
    deltas_and_end(&run(server, &[&["stream", "--json"], args].concat()).stdout)
}

/// A Llama stream chunk as Bedrock sends it mid-stream.
fn llama_chunk(generation: &str, count: u64) -> Frame {
    Frame::Chunk(json!({
        "generation": generation,
        "prompt_token_count": null,
        "generation_token_count": count,
        "stop_reason": null,
    }))
}

/// The last chunk of a Llama stream, with the stop reason and Bedrock's invocation metrics.
fn llama_last_chunk(generation: &str, count: u64, prompt_tokens: u64, stop_reason: &str) -> Frame {
    Frame::Chunk(json!({
        "generation": generation,
        "prompt_token_count": null,
        "generation_token_count": count,
        "stop_reason": stop_reason,
        "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": prompt_tokens,
            "outputTokenCount": count,
            "invocationLatency": 412,
            "firstByteLatency": 187,
        },
    }))
}

// ---------------------------------------------------------------------------------------------------------------
// Anthropic Claude

#[test]
fn claude_stream_prints_the_text_then_a_newline() {
    let server =
        BedrockServer::scripted([Reply::Stream(anthropic_stream(&["Hel", "lo", ", world"], 12, 5, "end_turn"))]);

    let out = llmgw_bedrock(&server)
        .args(["stream", "-m", "claude", "-s", "Be brief.", "--temperature", "0.5", "Say hello"])
        .assert()
        .success()
        .stdout("Hello, world\n")
        .get_output()
        .clone();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");

    let request = server.only_request();
    assert_eq!(request.path, model_path(CLAUDE, "invoke-with-response-stream"));
    assert_eq!((request.model_id.as_str(), request.operation.as_str()), (CLAUDE, "invoke-with-response-stream"));
    assert_eq!(
        request.body,
        json!({
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 1024,
            "messages": [{ "role": "user", "content": "Say hello" }],
            "system": "Be brief.",
            "temperature": 0.5,
        })
    );
}

#[test]
fn claude_stream_json_is_deltas_then_done_with_usage_and_time_to_first_token() {
    let server = BedrockServer::scripted([Reply::Stream(anthropic_stream(&["Hel", "lo"], 12, 5, "end_turn"))]);

    let out = run(&server, &["stream", "--json", "-m", "claude", "Say hello"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");

    let (deltas, done) = deltas_and_end(&out.stdout);
    assert_eq!(deltas, ["Hel", "lo"]);
    assert_eq!(done["type"], "done");
    assert_eq!(done["model"], CLAUDE);
    assert_eq!(done["provider"], "bedrock");
    assert_eq!(done["vendor"], "anthropic");
    assert_eq!(done["content"], "Hello");
    assert_eq!(done["stop_reason"], "end_turn");
    assert_eq!(done["usage"], json!({ "input_tokens": 12, "output_tokens": 5 }));
    let first = done["time_to_first_token_ms"].as_u64().expect("time_to_first_token_ms");
    let total = done["duration_ms"].as_u64().expect("duration_ms");
    assert!(first <= total, "the first token comes within the request: {done}");
    assert_eq!(done["conversation_id"], Value::Null);
    assert!(done["request_id"].as_str().is_some_and(|id| id.starts_with("req_")), "{done}");
    assert_eq!(server.only_request().operation, "invoke-with-response-stream");
}

#[test]
fn claude_stream_reads_stdin_as_the_prompt() {
    let server = BedrockServer::scripted([Reply::Stream(anthropic_stream(&["Looks good."], 40, 3, "end_turn"))]);

    llmgw_bedrock(&server)
        .args(["stream", "-m", "claude", "Review this diff"])
        .write_stdin("+fn main() {}\n")
        .assert()
        .success()
        .stdout("Looks good.\n");

    assert_eq!(
        server.only_request().body["messages"],
        json!([{ "role": "user", "content": "Review this diff\n\n+fn main() {}" }])
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Meta Llama

#[test]
fn llama_stream_prints_the_text_then_a_newline() {
    let server = BedrockServer::scripted([Reply::Stream(llama_stream(&["The", " answer", " is 4."], 20, "stop"))]);

    llmgw_bedrock(&server)
        .args(["stream", "-m", "llama", "--max-tokens", "64", "What is 2+2?"])
        .assert()
        .success()
        .stdout("The answer is 4.\n");

    let request = server.only_request();
    assert_eq!(request.path, model_path(LLAMA, "invoke-with-response-stream"));
    assert_eq!(
        request.body,
        json!({
            "prompt": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>\
                       <|start_header_id|>assistant<|end_header_id|>\n\n",
            "max_gen_len": 64,
        })
    );
}

/// Short repeated tokens are real text, not replays: `-`, `-`, `--`, `-` is five dashes (it printed three), and a
/// reply of such tokens comes out whole; only a chunk that provably repeats the text so far is dropped.
#[test]
fn llama_stream_keeps_short_repeated_tokens_and_drops_only_proven_replays() {
    let sentence = "The harbour is calm tonight, and the boats are in.";
    for (pieces, expected) in [
        (vec!["-", "-", "--", "-"], "-----".to_string()),
        (vec!["ha", "ha", "ha", "!"], "hahaha!".to_string()),
        (vec!["The harbour", " is calm tonight,", " and the boats are in.", sentence], sentence.to_string()),
    ] {
        let server = BedrockServer::scripted([Reply::Stream(llama_stream(&pieces, 9, "stop"))]);
        llmgw_bedrock(&server).args(["stream", "-m", "llama", "hi"]).assert().success().stdout(format!("{expected}\n"));
    }
}

#[test]
fn llama_stream_json_is_deltas_then_done_with_bedrocks_counts() {
    let server = BedrockServer::scripted([Reply::Stream(llama_stream(&["The", " answer", " is 4."], 20, "stop"))]);

    let (deltas, done) = stream_json(&server, &["-m", "llama", "What is 2+2?"]);
    assert_eq!(deltas.concat(), "The answer is 4.");
    assert!(deltas.len() > 1, "pieces go out as they arrive: {deltas:?}");
    assert_eq!(done["type"], "done");
    assert_eq!((done["model"].as_str(), done["vendor"].as_str()), (Some(LLAMA), Some("meta")));
    assert_eq!(done["content"], "The answer is 4.");
    assert_eq!(done["stop_reason"], "end_turn");
    assert_eq!(done["usage"], json!({ "input_tokens": 20, "output_tokens": 3 }));
    assert!(done["time_to_first_token_ms"].is_u64(), "{done}");
}

/// The failure this pins: the gateway llmgw replaces streamed Llama replies that ran on past `<|eot_id|>` into a
/// turn the model invented for the user (and its own answer to it), because the token arrived split across chunks.
#[test]
fn llama_stream_through_bedrock_never_prints_invented_turns() {
    let frames = || {
        vec![
            Frame::Chunk(json!({
                "generation": "The answer",
                "prompt_token_count": 20,
                "generation_token_count": 2,
                "stop_reason": null,
            })),
            llama_chunk(" is 4.", 4),
            llama_chunk("<|eo", 5),
            llama_chunk("t_id|><|start_header_id|>user<|end_header_id|>\n\nThanks! And 3+3?", 14),
            llama_chunk("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n6", 20),
            llama_last_chunk(" is the answer.", 24, 20, "length"),
        ]
    };
    let server = BedrockServer::scripted([Reply::Stream(frames()), Reply::Stream(frames())]);

    let out = run(&server, &["stream", "-m", "llama", "What is 2+2?"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "The answer is 4.\n");

    let (deltas, done) = stream_json(&server, &["-m", "llama", "What is 2+2?"]);
    assert_eq!(deltas.concat(), "The answer is 4.");
    assert!(deltas.iter().all(|d| !d.contains('<') && !d.contains("user")), "{deltas:?}");
    assert_eq!(done["type"], "done");
    assert_eq!(done["content"], "The answer is 4.");
    assert_eq!(done["stop_reason"], "end_turn", "{done}");
    assert_eq!(server.requests().len(), 2);
}

/// The same failure when the deployment decodes special tokens to nothing: the invented turn is a bare `user` line.
#[test]
fn llama_stream_never_prints_an_invented_turn_without_template_tokens() {
    let server = BedrockServer::scripted([Reply::Stream(vec![
        llama_chunk("Paris.", 2),
        llama_chunk("\n\nus", 4),
        llama_chunk("er\n\nAnd Germany?\n\nassistant\n\nBerlin.", 12),
        llama_last_chunk("", 12, 18, "length"),
    ])]);

    llmgw_bedrock(&server).args(["stream", "-m", "llama", "Capital of France?"]).assert().success().stdout("Paris.\n");
}

#[test]
fn llama_stream_does_not_repeat_cumulative_chunks() {
    // Each chunk carries the whole text so far, and the last one replays it once more. The text before a repeat
    // must be long and varied (32 bytes or more) to prove the stream cumulative; short texts are printed as sent
    // (see src/codec/meta/repeats.rs and llama_stream_keeps_short_repeated_tokens).
    const WHOLE: &str = "Hello, world! The sky over Paris is blue today.";
    let cumulative = || {
        Reply::Stream(vec![
            llama_chunk("Hello, world!", 4),
            llama_chunk("Hello, world! The sky over Paris", 8),
            llama_chunk("Hello, world! The sky over Paris is blue", 10),
            llama_chunk(WHOLE, 12),
            llama_last_chunk(WHOLE, 12, 9, "stop"),
        ])
    };
    let server = BedrockServer::scripted([cumulative(), cumulative()]);

    llmgw_bedrock(&server)
        .args(["stream", "-m", "llama", "Greet the world"])
        .assert()
        .success()
        .stdout(format!("{WHOLE}\n"));

    let (deltas, done) = stream_json(&server, &["-m", "llama", "Greet the world"]);
    assert_eq!(deltas.concat(), WHOLE);
    assert_eq!(done["content"], WHOLE);
    assert_eq!(done["stop_reason"], "end_turn");
}

#[test]
fn llama_stream_applies_stop_sequences_as_the_text_arrives() {
    let server = BedrockServer::scripted([Reply::Stream(llama_stream(&["1, 2,", " 3, 4", ", 5"], 12, "stop"))]);

    let (deltas, done) = stream_json(&server, &["-m", "llama", "--stop", " 3", "Count to five"]);
    assert_eq!(deltas.concat(), "1, 2,");
    assert_eq!(done["stop_reason"], "stop_sequence");
    assert!(server.only_request().body.get("stop").is_none());
}

// ---------------------------------------------------------------------------------------------------------------
// ConverseStream

#[test]
fn converse_stream_prints_the_text_and_sends_converse_stream() {
    let server = BedrockServer::scripted([Reply::Stream(converse_stream(&["Bon", "jour", " !"], 7, 3))]);

    llmgw_bedrock(&server)
        .args(["stream", "-m", "nova-lite", "-s", "Answer in French.", "--max-tokens", "50", "--stop", "END"])
        .arg("Good morning")
        .assert()
        .success()
        .stdout("Bonjour !\n");

    let request = server.only_request();
    assert_eq!(request.path, model_path(NOVA_LITE, "converse-stream"));
    assert_eq!((request.model_id.as_str(), request.operation.as_str()), (NOVA_LITE, "converse-stream"));
    assert_eq!(
        request.body,
        json!({
            "messages": [{ "role": "user", "content": [{ "text": "Good morning" }] }],
            "system": [{ "text": "Answer in French." }],
            "inferenceConfig": { "maxTokens": 50, "stopSequences": ["END"] },
        })
    );
}

#[test]
fn converse_stream_json_is_deltas_then_done_with_usage_from_metadata() {
    let server = BedrockServer::scripted([Reply::Stream(converse_stream(&["Four", "."], 9, 2))]);

    let (deltas, done) = stream_json(&server, &["-m", "mistral", "2+2?"]);
    assert_eq!(deltas, ["Four", "."]);
    assert_eq!(done["type"], "done");
    assert_eq!((done["vendor"].as_str(), done["content"].as_str()), (Some("mistral"), Some("Four.")));
    assert_eq!(done["stop_reason"], "end_turn");
    assert_eq!(done["usage"], json!({ "input_tokens": 9, "output_tokens": 2 }));
    assert!(done["time_to_first_token_ms"].is_u64(), "{done}");
    assert_eq!(server.only_request().operation, "converse-stream");
}

#[test]
fn converse_stream_empty_deltas_are_not_events() {
    let server = BedrockServer::scripted([Reply::Stream(converse_stream(&["", "Hi", "", "!"], 7, 2))]);

    let (deltas, done) = stream_json(&server, &["-m", "nova", "hi"]);
    assert_eq!(deltas, ["Hi", "!"]);
    assert_eq!(done["content"], "Hi!");
}
