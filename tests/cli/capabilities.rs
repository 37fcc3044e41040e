//! The gateway checks what a model can do before sending (DESIGN.md section 2): `chat`/`stream` to a model of
//! another modality, or `stream` to a model that does not stream, is a usage error (exit 2) naming models that fit,
//! and nothing reaches the provider. The attempt is still recorded, as every refused request is.

use serde_json::json;

use crate::support::openai::{OpenAiServer, Reply, completion, openai_sandbox};
use crate::support::{Sandbox, edit_json, json_doc};

/// A copy of the built-in catalogue (which has OpenAI's embedding models) with `gpt-4o` marked as not streaming.
fn catalogue(sandbox: &Sandbox) -> std::path::PathBuf {
    let config = sandbox.copy_config();
    edit_json(&config.join("providers/openai/models.json"), |doc| {
        let models = doc["vendors"][0]["models"].as_array_mut().unwrap();
        for model in models.iter_mut().filter(|m| m["modelId"] == "gpt-4o") {
            model["capabilities"]["streaming"] = json!(false);
        }
    });
    config
}

fn requests_recorded(sandbox: &Sandbox, config: &std::path::Path) -> serde_json::Value {
    let out = sandbox.llmgw().arg("--config").arg(config).args(["--json", "metrics"]).assert().success();
    json_doc(&out.get_output().stdout)["total"].clone()
}

#[test]
fn chat_to_an_embedding_model_is_a_usage_error_naming_text_models_and_sends_nothing() {
    let server = OpenAiServer::start();
    let sandbox = openai_sandbox(&server);
    let config = catalogue(&sandbox);
    for command in ["chat", "stream"] {
        let out = sandbox
            .llmgw()
            .arg("--config")
            .arg(&config)
            .args(["--json", command, "-m", "text-embedding-3-small", "hello"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let doc = crate::support::json_lines(&out.stdout).pop().unwrap();
        let error = &doc["error"];
        assert_eq!(error["code"], "usage", "{doc}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("text-embedding-3-small") && message.contains("text-to-embedding"), "{message}");
        let suggestions = error["suggestions"].as_array().unwrap();
        assert!(!suggestions.is_empty(), "{doc}");
        assert_eq!(suggestions[0]["provider"], "openai", "the same provider and vendor first: {doc}");
        assert!(suggestions.iter().all(|s| s["model"] != "echo"), "{doc}");
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    let total = requests_recorded(&sandbox, &config);
    assert_eq!((total["requests"].as_u64(), total["failed"].as_u64()), (Some(2), Some(2)), "{total}");
}

#[test]
fn stream_to_a_model_that_does_not_stream_names_streaming_models_and_chat_still_works() {
    let server = OpenAiServer::start();
    let sandbox = openai_sandbox(&server);
    let config = catalogue(&sandbox);
    let out = sandbox
        .llmgw()
        .arg("--config")
        .arg(&config)
        .args(["stream", "-m", "gpt-4o", "hello"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = crate::support::stderr(&out);
    assert!(stderr.contains("'gpt-4o' does not stream") && stderr.contains("try instead:"), "{stderr}");
    assert!(stderr.contains("  gpt-5.1 "), "a streaming model of the same vendor is offered: {stderr}");
    assert!(!stderr.contains("  gpt-4o  "), "not the model itself: {stderr}");
    assert!(server.requests().is_empty(), "nothing was sent");

    server.push(Reply::Json(completion("gpt-4o", "whole", 3, 1, "stop")));
    sandbox
        .llmgw()
        .arg("--config")
        .arg(&config)
        .args(["chat", "-m", "gpt-4o", "hello"])
        .assert()
        .success()
        .stdout("whole\n");
    assert_eq!(server.requests().len(), 1);
}
