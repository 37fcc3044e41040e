//! `chat` on OpenAI, Azure OpenAI and a local OpenAI-compatible server through the real binary, against the local
//! Chat Completions server: what is printed, the `--json` document, and exactly what went upstream (path, query,
//! auth header, body). The keys are in the environment and must never show in llmgw's output.

use serde_json::json;

use crate::support::openai::{
    AZURE_KEY, OPENAI_KEY, OpenAiServer, Reply, azure_sandbox, completion, direct, openai_sandbox,
};
use crate::support::{Sandbox, edit_json, json_doc};

fn output_text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn gpt_chat_sends_every_flag_as_chat_completions_with_a_bearer_key() {
    let server = OpenAiServer::scripted([Reply::Json(completion("gpt-5.1", "4", 21, 1, "stop"))]);

    let out = openai_sandbox(&server)
        .llmgw()
        .args(["-v", "chat", "-m", "gpt-4.1", "-s", "Answer with a number only."])
        .args(["--max-tokens", "200", "--temperature", "0.5", "--top-p", "0.25", "--stop", "END", "--stop", "##"])
        .args(["What", "is", "2+2?"])
        .assert()
        .success()
        .stdout("4\n")
        .get_output()
        .clone();
    assert!(!output_text(&out).contains(OPENAI_KEY), "the key leaked: {}", output_text(&out));
    assert!(output_text(&out).contains("OPENAI_API_KEY"), "-v names where the key came from: {}", output_text(&out));

    let request = server.only_request();
    assert_eq!(
        (request.method.as_str(), request.path.as_str(), request.query.as_str()),
        ("POST", "/v1/chat/completions", "")
    );
    assert_eq!(request.header("authorization"), Some(format!("Bearer {OPENAI_KEY}").as_str()));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("api-key"), None);
    assert_eq!(
        request.body,
        json!({
            "model": "gpt-4.1",
            "messages": [
                {"role": "system", "content": "Answer with a number only."},
                {"role": "user", "content": "What is 2+2?"},
            ],
            "max_tokens": 200,
            "temperature": 0.5,
            "top_p": 0.25,
            "stop": ["END", "##"],
        })
    );
}

#[test]
fn the_gpt_alias_goes_to_a_reasoning_model_with_max_completion_tokens_and_json_has_usage_and_cost_fields() {
    let server = OpenAiServer::scripted([Reply::Json(completion("gpt-5.1", "Hello!", 8, 3, "stop"))]);

    let out = openai_sandbox(&server).llmgw().args(["--json", "chat", "-m", "gpt", "hello"]).assert().success();
    let doc = json_doc(&out.get_output().stdout);
    assert_eq!(doc["model"], "gpt-5.1");
    assert_eq!(doc["provider"], "openai");
    assert_eq!(doc["vendor"], "openai");
    assert_eq!(doc["content"], "Hello!");
    assert_eq!(doc["stop_reason"], "end_turn");
    assert_eq!(doc["usage"], json!({"input_tokens": 8, "output_tokens": 3}), "no estimated flag when reported");

    // The system default (1024) caps the catalogue's maxOutputTokens; reasoning models take max_completion_tokens.
    let body = server.only_request().body;
    assert_eq!(
        body,
        json!({"model": "gpt-5.1", "messages": [{"role": "user", "content": "hello"}], "max_completion_tokens": 1024})
    );
}

#[test]
fn length_stop_is_max_tokens_and_missing_usage_is_estimated_and_flagged() {
    let server = OpenAiServer::start();
    let mut reply = completion("gpt-4o", "one two three", 0, 0, "length");
    reply.as_object_mut().unwrap().remove("usage");
    server.push(Reply::Json(reply));

    let out = openai_sandbox(&server).llmgw().args(["--json", "chat", "-m", "4o", "a b c d"]).assert().success();
    let doc = json_doc(&out.get_output().stdout);
    assert_eq!(doc["stop_reason"], "max_tokens");
    assert_eq!(doc["usage"], json!({"input_tokens": 4, "output_tokens": 3, "estimated": true}));
}

#[test]
fn openai_org_and_project_headers_come_from_the_environment() {
    let server = OpenAiServer::scripted([Reply::Json(completion("gpt-4o-mini", "ok", 1, 1, "stop"))]);
    openai_sandbox(&server)
        .env("OPENAI_ORG_ID", "org-test")
        .env("OPENAI_PROJECT_ID", "proj_test")
        .llmgw()
        .args(["chat", "-m", "gpt-4o-mini", "hi"])
        .assert()
        .success()
        .stdout("ok\n");
    let request = server.only_request();
    assert_eq!(request.header("openai-organization"), Some("org-test"));
    assert_eq!(request.header("openai-project"), Some("proj_test"));
}

#[test]
fn azure_chat_goes_to_the_deployment_with_the_api_version_and_an_api_key_header() {
    let server = OpenAiServer::scripted([Reply::Json(completion("gpt-4.1", "Bonjour", 5, 1, "stop"))]);

    let out = azure_sandbox(&server)
        .llmgw()
        .args(["-v", "--json", "chat", "-m", "azure-gpt", "-s", "French only.", "hello"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!output_text(&out).contains(AZURE_KEY), "the key leaked: {}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/openai/deployments/gpt-4.1/chat/completions, api-version"),
        "-v names the deployment: {stderr}"
    );
    let doc = json_doc(&out.stdout);
    assert_eq!((doc["provider"].as_str(), doc["model"].as_str()), (Some("azure"), Some("gpt-4.1")));
    assert_eq!(doc["content"], "Bonjour");

    let request = server.only_request();
    assert_eq!(request.path, "/openai/deployments/gpt-4.1/chat/completions");
    assert_eq!(request.query, "api-version=2024-10-21");
    assert_eq!(request.header("api-key"), Some(AZURE_KEY));
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.body["messages"][0], json!({"role": "system", "content": "French only."}));
}

#[test]
fn an_azure_model_with_its_own_deployment_name_uses_it_and_the_settings_api_version() {
    let server = OpenAiServer::scripted([Reply::Json(completion("gpt-4o", "ok", 1, 1, "stop"))]);
    let sandbox = direct().env("AZURE_OPENAI_ENDPOINT", server.url()).env("AZURE_OPENAI_API_KEY", AZURE_KEY);
    let config = sandbox.copy_config();
    edit_json(&config.join("providers/azure/models.json"), |doc| {
        doc["vendors"][0]["models"][2]["deployment"] = json!("prod-4o");
    });
    sandbox.llmgw().args(["--config"]).arg(&config).args(["chat", "-m", "azure/gpt-4o", "hi"]).assert().success();
    let request = server.only_request();
    assert_eq!(request.path, "/openai/deployments/prod-4o/chat/completions");
    assert_eq!(request.query, "api-version=2025-04-01-preview");
}

/// The README's recipe: a provider folder of type openai with a baseUrl and no apiKeyEnv.
fn local_server_config(sandbox: &Sandbox, server: &OpenAiServer) -> std::path::PathBuf {
    let config = sandbox.copy_config();
    let dir = config.join("providers/ollama");
    std::fs::create_dir_all(&dir).unwrap();
    let settings = json!({"type": "openai", "baseUrl": server.base_url()});
    std::fs::write(dir.join("settings.json"), settings.to_string()).unwrap();
    let models = json!({"vendors": [{"name": "meta", "models": [{
        "modelId": "llama3.2", "vendor": "meta", "modality": "text-to-text", "aliases": ["ollama"],
        "llmgateway": {"status": "READY", "billing": "ONDEMAND"}}]}]});
    std::fs::write(dir.join("models.json"), models.to_string()).unwrap();
    edit_json(&config.join("providers.json"), |doc| {
        doc["providers"].as_array_mut().unwrap().push(json!({"name": "ollama", "enabled": true}));
    });
    config
}

#[test]
fn a_local_openai_compatible_server_without_api_key_env_gets_no_auth_header() {
    let server = OpenAiServer::scripted([Reply::Json(completion("llama3.2", "Hi from a local model", 3, 5, "stop"))]);
    // Even with OpenAI's variables set, a provider without apiKeyEnv sends no key.
    let sandbox = direct().env("OPENAI_API_KEY", OPENAI_KEY);
    let config = local_server_config(&sandbox, &server);

    let out =
        sandbox.llmgw().arg("--config").arg(&config).args(["--json", "chat", "-m", "ollama", "hi"]).assert().success();
    let doc = json_doc(&out.get_output().stdout);
    assert_eq!((doc["provider"].as_str(), doc["model"].as_str()), (Some("ollama"), Some("llama3.2")));
    assert_eq!(doc["content"], "Hi from a local model");

    let request = server.only_request();
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("api-key"), None);
    assert_eq!(request.body["model"], "llama3.2");
    assert_eq!(request.body["max_tokens"], 1024);
}

#[test]
fn a_not_ready_bedrock_model_suggests_openai_models_after_the_bedrock_ones() {
    let sandbox = Sandbox::new();
    let config = sandbox.copy_config();
    // Leave one other READY Bedrock model so the order shows: Bedrock first, then other providers.
    edit_json(&config.join("providers/bedrock/models.json"), |doc| {
        let mut first = true;
        for vendor in doc["vendors"].as_array_mut().unwrap() {
            for model in vendor["models"].as_array_mut().unwrap() {
                if !first {
                    model["llmgateway"]["status"] = json!("NOT READY");
                }
                first = false;
            }
        }
    });
    let first_bedrock = {
        let text = std::fs::read_to_string(config.join("providers/bedrock/models.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        (
            doc["vendors"][0]["models"][0]["modelId"].as_str().unwrap().to_owned(),
            doc["vendors"][0]["models"][1]["modelId"].as_str().unwrap().to_owned(),
        )
    };
    let (ready, not_ready) = first_bedrock;

    let out = sandbox
        .llmgw()
        .arg("--config")
        .arg(&config)
        .args(["--json", "chat", "-m", &format!("bedrock/{not_ready}"), "hi"])
        .assert()
        .code(3);
    let doc = json_doc(&out.get_output().stdout);
    let suggestions = doc["error"]["suggestions"].as_array().unwrap().clone();
    assert_eq!(suggestions[0]["model"], ready.as_str(), "{doc}");
    assert_eq!(suggestions[0]["provider"], "bedrock");
    assert!(suggestions.len() > 1, "{doc}");
    assert!(suggestions[1..].iter().all(|s| s["provider"] == "openai" || s["provider"] == "azure"), "{doc}");
    assert_eq!(suggestions[1]["provider"], "openai", "{doc}");
}

/// A refusal with `content: null` is the reply, with stop reason `refusal` (it used to print an empty line), and of
/// several choices listed out of order, the one of index 0 is the reply.
#[test]
fn a_refusal_is_the_reply_and_the_choice_of_index_0_is_taken_whatever_the_order() {
    let mut refused = completion("gpt-4o", "", 5, 4, "stop");
    refused["choices"][0]["message"] =
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that."});
    let mut unordered = completion("gpt-4o", "first", 5, 4, "stop");
    unordered["choices"] = json!([
        {"index": 1, "message": {"role": "assistant", "content": "second"}, "finish_reason": "stop"},
        {"index": 0, "message": {"role": "assistant", "content": "first"}, "finish_reason": "length"},
    ]);
    let server = OpenAiServer::scripted([Reply::Json(refused.clone()), Reply::Json(refused), Reply::Json(unordered)]);
    let sandbox = openai_sandbox(&server);
    sandbox.llmgw().args(["chat", "-m", "gpt-4o", "hi"]).assert().success().stdout("I can't help with that.\n");
    let doc = json_doc(
        &sandbox.llmgw().args(["--json", "chat", "-m", "gpt-4o", "hi"]).assert().success().get_output().stdout,
    );
    assert_eq!((&doc["content"], &doc["stop_reason"]), (&json!("I can't help with that."), &json!("refusal")));
    let doc = json_doc(
        &sandbox.llmgw().args(["--json", "chat", "-m", "gpt-4o", "hi"]).assert().success().get_output().stdout,
    );
    assert_eq!((&doc["content"], &doc["stop_reason"]), (&json!("first"), &json!("max_tokens")));
}
