//! `llmgw embed` through the real binary against the local OpenAI server's `/v1/embeddings` (the body OpenAI,
//! Azure and compatible servers share): inputs from arguments and stdin, batching and order, dimensions, the
//! `--json` objects, records and cost, and models that do not embed.

use serde_json::{Value, json};

use crate::support::openai::{OpenAiServer, Reply, azure_sandbox, openai_sandbox};
use crate::support::{json_doc, json_lines, stderr};

/// A server whose vector for a text is `[length, first byte]`, returned in reverse order to prove order is
/// restored by index; 3 tokens per text.
fn embedding_server() -> OpenAiServer {
    OpenAiServer::builder()
        .fallback(|request| {
            let inputs: Vec<String> =
                request.body["input"].as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string)).collect();
            let mut data: Vec<Value> = inputs
                .iter()
                .enumerate()
                .map(|(i, t)| json!({"object": "embedding", "index": i, "embedding": [t.len() as f64, f64::from(t.as_bytes()[0])]}))
                .collect();
            data.reverse();
            let tokens = 3 * inputs.len();
            Reply::Json(json!({"object": "list", "data": data, "model": request.body["model"],
                               "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}))
        })
        .start()
        .unwrap()
}

#[test]
fn each_argument_is_one_input_and_each_vector_a_json_array_line_in_order() {
    let server = embedding_server();
    let out = openai_sandbox(&server).llmgw().args(["embed", "-m", "embed-small", "ab", "xyz"]).assert().success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "[2.0,97.0]\n[3.0,120.0]\n");
    let request = server.only_request();
    assert_eq!(request.path, "/v1/embeddings");
    assert_eq!(
        request.body,
        json!({"model": "text-embedding-3-small", "input": ["ab", "xyz"], "encoding_format": "float"})
    );
}

#[test]
fn stdin_lines_stream_through_in_batches_and_come_out_in_order_with_records_and_cost() {
    let server = embedding_server();
    let sandbox = openai_sandbox(&server);
    let lines: String = (0..250).map(|i| format!("line {i}\n\n")).collect();
    let out = sandbox
        .llmgw()
        .args(["--json", "embed", "-m", "embed-small", "--dimensions", "256"])
        .write_stdin(lines)
        .assert()
        .success();
    let docs = json_lines(&out.get_output().stdout);
    assert_eq!(docs.len(), 250, "empty lines are not inputs");
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(doc["index"], i);
        assert_eq!(doc["embedding"][0], format!("line {i}").len() as f64, "{doc}");
        assert_eq!(
            (&doc["dimensions"], &doc["model"], &doc["provider"]),
            (&json!(2), &json!("text-embedding-3-small"), &json!("openai"))
        );
        assert!(doc["input_tokens"].as_u64().is_some());
    }
    let sizes: Vec<usize> = server.requests().iter().map(|r| r.body["input"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert!(server.requests().iter().all(|r| r.body["dimensions"] == 256));
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    let total = &metrics["total"];
    assert_eq!(
        (&total["requests"], &total["input_tokens"], &total["output_tokens"]),
        (&json!(3), &json!(750), &json!(0))
    );
    let cost = total["cost_usd"].as_f64().unwrap();
    assert!((cost - 750.0 * 0.02 / 1e6).abs() < 1e-9, "priced at the catalogue's input price: {cost}");
}

#[test]
fn a_model_that_does_not_embed_is_exit_2_naming_ones_that_do_and_chat_refuses_an_embedding_model() {
    let server = embedding_server();
    let sandbox = openai_sandbox(&server);
    let out = sandbox.llmgw().args(["--json", "embed", "-m", "4o", "hi"]).assert().code(2);
    let error = json_doc(&out.get_output().stdout)["error"].clone();
    let suggested: Vec<&str> =
        error["suggestions"].as_array().unwrap().iter().map(|s| s["model"].as_str().unwrap()).collect();
    assert!(suggested.contains(&"text-embedding-3-small"), "{error}");
    let out = sandbox.llmgw().args(["embed", "hi"]).assert().code(2);
    assert!(stderr(out.get_output()).contains("text-embedding-3-small"), "{}", stderr(out.get_output()));
    sandbox.llmgw().args(["chat", "-m", "embed-small", "hi"]).assert().code(2);
    assert!(server.requests().is_empty());
}

#[test]
fn provider_errors_end_the_stream_with_their_exit_code() {
    let server = OpenAiServer::scripted([Reply::error(401, "invalid_api_key", "bad key")]);
    let out = openai_sandbox(&server).llmgw().args(["embed", "-m", "embed-small", "hi"]).assert().code(5);
    assert!(stderr(out.get_output()).contains("bad key"));
}

#[test]
fn azure_embeds_through_its_deployment() {
    let server = embedding_server();
    let sandbox = azure_sandbox(&server);
    let config = sandbox.copy_config();
    crate::support::edit_json(&config.join("providers/azure/models.json"), |doc| {
        doc["vendors"][0]["models"].as_array_mut().unwrap().push(json!({
            "modelId": "text-embedding-3-small", "vendor": "openai", "modality": "text-to-embedding",
            "deployment": "embeddings-prod", "pricing": {"inputPerMillion": 0.02, "outputPerMillion": 0}
        }));
    });
    let out = sandbox
        .llmgw()
        .arg("--config")
        .arg(&config)
        .args(["embed", "-m", "azure/text-embedding-3-small", "hi"])
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "[2.0,104.0]\n");
    let request = server.only_request();
    assert_eq!(request.path, "/openai/deployments/embeddings-prod/embeddings");
    assert_eq!(request.header("api-key"), Some(crate::support::openai::AZURE_KEY));
}

/// A Bedrock server that embeds as Titan and Cohere do, each vector made from its text (so that order can be
/// checked whatever order concurrent calls arrive in).
fn bedrock_embedding_server() -> crate::support::bedrock::BedrockServer {
    use crate::support::bedrock::{BedrockServer, Reply as BedrockReply};
    BedrockServer::builder()
        .fallback(|request| {
            let vector = |t: &str| json!([t.len() as f64, f64::from(t.as_bytes()[0])]);
            if request.model_id.starts_with("amazon.titan-embed") {
                let text = request.body["inputText"].as_str().unwrap_or("?");
                BedrockReply::Json(json!({"embedding": vector(text), "inputTextTokenCount": 2}))
            } else {
                let texts: Vec<&str> =
                    request.body["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
                BedrockReply::Json(json!({"id": "x", "response_type": "embeddings_floats", "texts": texts,
                                          "embeddings": texts.iter().map(|t| vector(t)).collect::<Vec<_>>()}))
            }
        })
        .start()
        .unwrap()
}

#[test]
fn titan_embeds_one_text_per_call_concurrently_and_keeps_the_order() {
    let server = bedrock_embedding_server();
    let sandbox = crate::support::Sandbox::bedrock(&server);
    let lines: String = (0..30).map(|i| format!("text number {i}\n")).collect();
    let out = sandbox
        .llmgw()
        .args(["--json", "embed", "-m", "titan-embed", "--dimensions", "512", "--concurrency", "8"])
        .write_stdin(lines)
        .assert()
        .success();
    let docs = json_lines(&out.get_output().stdout);
    assert_eq!(docs.len(), 30);
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(doc["embedding"][0], format!("text number {i}").len() as f64, "{doc}");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 30, "one call per text");
    assert!(
        requests.iter().all(|r| r.operation == "invoke" && r.body["dimensions"] == 512 && r.body["normalize"] == true)
    );
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    assert_eq!(metrics["total"]["input_tokens"], 60, "Titan's own token counts: {metrics}");
    assert_eq!(metrics["total"]["requests"], 30, "one record per provider call");
    sandbox.llmgw().args(["embed", "-m", "titan-embed", "--dimensions", "300", "x"]).assert().code(2);
}

#[test]
fn cohere_embeds_in_batches_of_96_with_its_input_type() {
    let server = bedrock_embedding_server();
    let sandbox = crate::support::Sandbox::bedrock(&server);
    let lines: String = (0..100).map(|i| format!("q{i}\n")).collect();
    let out = sandbox
        .llmgw()
        .args(["embed", "-m", "cohere-embed", "--input-type", "query"])
        .write_stdin(lines)
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout).lines().count(), 100);
    let sizes: Vec<usize> = server.requests().iter().map(|r| r.body["texts"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [96, 4]);
    assert!(server.requests().iter().all(|r| r.body["input_type"] == "search_query"));
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    assert_eq!(metrics["total"]["requests"], 2, "one record per call: 96 texts, then 4");
    assert_eq!(metrics["total"]["tokens_estimated"], 2, "Cohere reports no tokens: estimated and flagged");
}

#[test]
fn with_the_cache_each_text_is_kept_apart_and_a_changed_corpus_pays_only_for_what_changed() {
    let server = embedding_server();
    let sandbox = openai_sandbox(&server);
    let run = |lines: &str| {
        let out = sandbox
            .llmgw()
            .args(["embed", "--cache", "-m", "embed-small"])
            .write_stdin(lines.to_string())
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout).to_string()
    };
    let first = run("alpha\nbeta\ngamma\n");
    assert_eq!(run("alpha\nbeta\ngamma\n"), first, "the same vectors from the cache");
    assert_eq!(server.requests().len(), 1, "the second run asked for nothing");
    let changed = run("alpha\nBETA!\ngamma\n");
    assert_eq!(changed.lines().next(), first.lines().next());
    let last = server.requests().pop().unwrap();
    assert_eq!(last.body["input"], json!(["BETA!"]), "only the line that changed was sent");
    // Another dimension count is another vector.
    sandbox.llmgw().args(["embed", "--cache", "-m", "embed-small", "--dimensions", "8", "alpha"]).assert().success();
    assert_eq!(server.requests().len(), 3);
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    assert_eq!(metrics["total"]["cached"], 2, "the fully and the partly cached batches: {metrics}");
    let stats = json_doc(&sandbox.llmgw().args(["--json", "cache", "stats"]).assert().success().get_output().stdout);
    assert_eq!((&stats["entries"], &stats["hits"]), (&json!(5), &json!(5)), "one entry per text: {stats}");
}

/// At a terminal (run under `script`, which gives it a pseudo-terminal) a progress bar says how far it is; piped or
/// with `--json` there is none.
#[test]
fn a_progress_bar_shows_at_a_terminal_only() {
    let server = OpenAiServer::builder()
        .fallback(|request| {
            let n = request.body["input"].as_array().map_or(0, Vec::len);
            let data: Vec<Value> = (0..n).map(|i| json!({"index": i, "embedding": [0.5]})).collect();
            Reply::delay(std::time::Duration::from_millis(600), Reply::Json(json!({"data": data})))
        })
        .start()
        .unwrap();
    let sandbox = openai_sandbox(&server);
    let line = format!("{} embed -m embed-small a b c", env!("CARGO_BIN_EXE_llmgw"));
    let out = sandbox
        .command_for("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("/3 embedded"), "{shown}");
    let piped = sandbox.llmgw().args(["embed", "-m", "embed-small", "a"]).assert().success().get_output().clone();
    assert!(piped.stderr.is_empty(), "{}", String::from_utf8_lossy(&piped.stderr));
}
