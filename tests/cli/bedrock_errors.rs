//! Every way a Bedrock request can fail, through the real binary and the real AWS SDK, and the exit code, message
//! and `--json` error each one becomes (DESIGN.md section 5): credentials (5), throttling after bounded retries (6),
//! rejected input (2), a model Bedrock will not serve (3), and provider, network, timeout and broken-stream
//! failures (7), before and in the middle of a stream; and Ctrl-C (130).
//!
//! Retries use the built-in catalogue's settings: `maxAttempts` 3, `initialBackoffMs` 200.

use std::io::Read;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::bedrock::{BedrockServer, Frame, Reply, anthropic_message, anthropic_stream, converse_stream};
use crate::support::{Sandbox, edit_json, edit_model, json_doc, json_lines, llmgw_bedrock};

const CLAUDE: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const SONNET_BARE: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_3_BARE: &str = "anthropic.claude-3-haiku-20240307-v1:0";
/// `retries.maxAttempts` of the built-in bedrock provider.
const MAX_ATTEMPTS: usize = 3;

/// What a command that failed with the expected exit code printed.
struct Failure {
    stdout: String,
    stderr: String,
}

fn fails(cmd: &mut assert_cmd::Command, code: i32) -> Failure {
    let out = cmd.assert().code(code).get_output().clone();
    Failure {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `llmgw --json ARGS` failing with `code`: the error object of the one JSON document on stdout.
fn json_error(server: &BedrockServer, args: &[&str], code: i32) -> Value {
    let mut cmd = llmgw_bedrock(server);
    cmd.arg("--json").args(args);
    let failure = fails(&mut cmd, code);
    let doc = json_doc(failure.stdout.as_bytes());
    assert_eq!(doc["error"]["exit_code"], code, "{doc}");
    assert!(doc["error"]["message"].is_string(), "{doc}");
    assert!(doc["error"]["suggestions"].is_array(), "{doc}");
    doc["error"].clone()
}

fn suggested_models(error: &Value) -> Vec<String> {
    error["suggestions"].as_array().unwrap().iter().map(|s| s["model"].as_str().unwrap().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Credentials and access: exit 5

#[test]
fn access_denied_exits_5_with_a_hint_and_is_not_retried() {
    let server = BedrockServer::start();
    let message = "You don't have access to the model with the specified model ID.";
    server.push(Reply::error(403, "AccessDeniedException", message));
    server.push(Reply::error(403, "AccessDeniedException", message));

    let failure = fails(llmgw_bedrock(&server).args(["chat", "-m", "claude", "hi"]), 5);
    assert_eq!(failure.stdout, "");
    assert!(failure.stderr.contains(message), "{}", failure.stderr);
    assert!(failure.stderr.contains("hint:") && failure.stderr.contains("model access"), "{}", failure.stderr);

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 5);
    assert_eq!(error["code"], "auth");
    assert!(error["message"].as_str().unwrap().contains(message), "{error}");
    assert!(error["hint"].as_str().is_some_and(|h| h.contains("bedrock:InvokeModel")), "{error}");
    assert_eq!(server.requests().len(), 2, "one request per command: access denied is not retried");
}

#[test]
fn invalid_credentials_exit_5_with_a_hint() {
    let server = BedrockServer::start();
    server.push(Reply::error(
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    ));

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 5);
    assert_eq!(error["code"], "auth");
    assert!(error["message"].as_str().unwrap().contains("security token"), "{error}");
    assert!(error["hint"].as_str().is_some_and(|h| h.contains("AWS_PROFILE")), "{error}");
}

#[test]
fn no_credentials_at_all_exit_5_with_a_hint_and_nothing_is_sent() {
    let server = BedrockServer::start();
    let sandbox = Sandbox::new().env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url());

    let failure = fails(sandbox.llmgw().args(["chat", "-m", "claude", "hi"]), 5);
    assert_eq!(failure.stdout, "");
    assert!(failure.stderr.contains("no AWS credentials found"), "{}", failure.stderr);
    assert!(
        failure.stderr.contains("hint:") && failure.stderr.contains("AWS_BEARER_TOKEN_BEDROCK"),
        "{}",
        failure.stderr
    );
    assert!(failure.stderr.contains("without AWS: `-m echo`"), "how to try llmgw anyway: {}", failure.stderr);

    let out = sandbox.llmgw().args(["stream", "--json", "-m", "llama", "hi"]).assert().code(5).get_output().clone();
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "error");
    assert_eq!(events[0]["error"]["code"], "auth");
    assert!(events[0]["error"]["hint"].as_str().is_some_and(|h| h.contains("AWS_PROFILE")), "{}", events[0]);

    assert!(server.requests().is_empty(), "no request without credentials: {:#?}", server.requests());
}

/// `AWS_PROFILE` naming a profile that is in neither shared file says so and lists the ones there, instead of
/// telling the user to set the variable they set. A profile that exists but holds no credentials keeps the general
/// message.
#[test]
fn an_aws_profile_that_does_not_exist_is_named_with_the_profiles_there() {
    let server = BedrockServer::start();
    let sandbox = Sandbox::new().env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url());
    let config = sandbox.home().join("aws-config");
    std::fs::write(&config, "[default]\nregion = us-east-1\n[profile dev]\nregion = us-west-2\n").unwrap();
    let credentials = sandbox.home().join("aws-credentials");
    std::fs::write(&credentials, "[ci]\naws_access_key_id = AKIDCI\n").unwrap();
    let sandbox = sandbox.env("AWS_CONFIG_FILE", &config).env("AWS_SHARED_CREDENTIALS_FILE", &credentials);

    let failure = fails(sandbox.llmgw().env("AWS_PROFILE", "nosuch").args(["chat", "-m", "claude", "hi"]), 5);
    assert!(failure.stderr.contains("the AWS profile 'nosuch' (AWS_PROFILE) does not exist"), "{}", failure.stderr);
    assert!(failure.stderr.contains("profiles there: ci, default, dev"), "{}", failure.stderr);

    let failure = fails(sandbox.llmgw().env("AWS_PROFILE", "dev").args(["chat", "-m", "claude", "hi"]), 5);
    assert!(!failure.stderr.contains("does not exist"), "{}", failure.stderr);
    assert!(failure.stderr.contains("no AWS credentials found"), "{}", failure.stderr);
    assert!(server.requests().is_empty());
}

/// Bedrock's own secrets (the secret access key, the session token, a Bedrock API key) never reach the output,
/// even when the service echoes them in its error message.
#[test]
fn bedrocks_credentials_echoed_by_the_service_are_redacted() {
    let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
    let token = "IQoJb3JpZ2luX2VjEXAMPLE-session-token";
    let api_key = "ABSKbedrock-api-key-EXAMPLE-0123456789";
    let server = BedrockServer::start();
    let echo = format!("bad signature for {secret} with token {token} and key {api_key}");
    for _ in 0..2 {
        server.push(Reply::error(400, "ValidationException", &echo));
    }
    let keys = Sandbox::bedrock(&server).env("AWS_SECRET_ACCESS_KEY", secret).env("AWS_SESSION_TOKEN", token);
    let bearer =
        Sandbox::new().env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url()).env("AWS_BEARER_TOKEN_BEDROCK", api_key);
    for (sandbox, known) in [(keys, &[secret, token][..]), (bearer, &[api_key])] {
        let out = sandbox.llmgw().args(["--json", "-v", "chat", "-m", "claude", "hi"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", crate::support::stderr(&out));
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), crate::support::stderr(&out));
        for value in known {
            assert!(!all.contains(value), "{value} leaked: {all}");
        }
        assert!(all.contains("[redacted]"), "{all}");
    }
}

#[test]
fn a_bedrock_api_key_alone_is_sent_as_a_bearer_token() {
    let server = BedrockServer::start();
    server.push(Reply::Json(anthropic_message("Hi with a key.", 8, 4, "end_turn")));
    let sandbox = Sandbox::new()
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url())
        .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-test-123");

    sandbox.llmgw().args(["chat", "-m", "claude", "hi"]).assert().success().stdout("Hi with a key.\n");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), Some("Bearer bedrock-api-key-test-123"));
    assert_eq!(requests[0].model_id, CLAUDE);
}

// ---------------------------------------------------------------------------------------------------------------
// Throttling: retried, then exit 6

#[test]
fn throttling_is_retried_max_attempts_times_then_exits_6() {
    let server = BedrockServer::start();
    for _ in 0..MAX_ATTEMPTS {
        server.push(Reply::error(429, "ThrottlingException", "Too many requests, please wait before trying again."));
    }
    // Would be taken by one attempt too many.
    server.push(Reply::Json(anthropic_message("too late", 8, 2, "end_turn")));

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 6);
    assert_eq!(error["code"], "rate_limited");
    assert!(error["message"].as_str().unwrap().contains("Too many requests"), "{error}");
    assert_eq!((&error["provider"], &error["status"]), (&serde_json::json!("bedrock"), &serde_json::json!(429)));

    let requests = server.requests();
    assert_eq!(requests.len(), MAX_ATTEMPTS, "bounded by retries.maxAttempts");
    assert!(requests.iter().all(|r| r.model_id == CLAUDE && r.operation == "invoke"));
    assert_eq!(requests[0].body, requests[MAX_ATTEMPTS - 1].body, "each attempt sends the same request");
    assert_eq!(server.pending(), 1);
}

#[test]
fn a_throttle_then_success_is_retried_and_exits_0() {
    let server = BedrockServer::start();
    server.push(Reply::error(429, "ThrottlingException", "Too many requests"));
    server.push(Reply::Json(anthropic_message("Second time lucky.", 8, 4, "end_turn")));

    llmgw_bedrock(&server).args(["chat", "-m", "claude", "hi"]).assert().success().stdout("Second time lucky.\n");

    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_throttled_stream_request_is_retried_before_any_text() {
    let server = BedrockServer::start();
    server.push(Reply::error(429, "ThrottlingException", "Too many requests"));
    server.push(Reply::Stream(anthropic_stream(&["Made ", "it."], 8, 2, "end_turn")));

    llmgw_bedrock(&server).args(["stream", "-m", "claude", "hi"]).assert().success().stdout("Made it.\n");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.operation == "invoke-with-response-stream"));
}

#[test]
fn service_quota_exceeded_exits_6() {
    let server = BedrockServer::start();
    server.push(Reply::error(400, "ServiceQuotaExceededException", "Your request exceeds the service quota."));

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 6);
    assert_eq!(error["code"], "rate_limited");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("service quota") && message.contains("not retried"), "{error}");
    // One attempt, so the message must not claim retries.
    assert_eq!(server.requests().len(), 1);
    assert!(!message.contains("after retries"), "{error}");
}

// ---------------------------------------------------------------------------------------------------------------
// Rejected input: exit 2

#[test]
fn validation_exception_exits_2_with_bedrocks_message() {
    let server = BedrockServer::start();
    let message = "Malformed input request: #/temperature: 1.5 is not less or equal to 1, please reformat your input";
    server.push(Reply::error(400, "ValidationException", message));
    server.push(Reply::error(400, "ValidationException", message));

    let failure = fails(llmgw_bedrock(&server).args(["chat", "-m", "claude", "--temperature", "1.5", "hi"]), 2);
    assert_eq!(failure.stdout, "");
    assert!(failure.stderr.contains(message), "{}", failure.stderr);

    let error = json_error(&server, &["chat", "-m", "claude", "--temperature", "1.5", "hi"], 2);
    assert_eq!(error["code"], "usage");
    assert!(error["message"].as_str().unwrap().contains(message), "{error}");
    assert_eq!(server.requests().len(), 2, "a rejected request is not retried");
    assert_eq!(server.requests()[0].body["temperature"], 1.5);
}

// ---------------------------------------------------------------------------------------------------------------
// Models Bedrock will not serve: exit 3

fn on_demand_refusal(model_id: &str) -> Reply {
    Reply::error(
        400,
        "ValidationException",
        &format!(
            "Invocation of model ID {model_id} with on-demand throughput isn't supported. Retry your request with \
             the ID or ARN of an inference profile that contains this model."
        ),
    )
}

#[test]
fn a_bare_model_id_refused_on_demand_exits_3_naming_its_inference_profile() {
    let server = BedrockServer::start();
    server.push(on_demand_refusal(SONNET_BARE));
    server.push(on_demand_refusal(SONNET_BARE));
    // The built-in catalogue knows this id needs a profile; a user's copy that marks it READY meets Bedrock's refusal
    // (and, with the automatic retry turned off, is told which profile to use).
    let sandbox = Sandbox::bedrock(&server);
    let config = sandbox.copy_config();
    edit_model(&config, SONNET_BARE, |model| model["llmgateway"] = json!({ "status": "READY", "billing": "ONDEMAND" }));
    edit_json(&config.join("providers/bedrock/settings.json"), |s| s["autoInferenceProfile"] = json!(false));

    let mut cmd = sandbox.llmgw();
    cmd.arg("--config").arg(&config).args(["chat", "-m", SONNET_BARE, "hi"]);
    let failure = fails(&mut cmd, 3);
    assert!(failure.stderr.contains(&format!("`{CLAUDE}`")), "{}", failure.stderr);
    assert!(failure.stderr.contains("try instead:") && failure.stderr.contains(CLAUDE), "{}", failure.stderr);

    let mut cmd = sandbox.llmgw();
    cmd.arg("--config").arg(&config).args(["--json", "chat", "-m", SONNET_BARE, "hi"]);
    let error = json_doc(fails(&mut cmd, 3).stdout.as_bytes())["error"].clone();
    assert_eq!(error["code"], "model_not_ready");
    assert_eq!(error["exit_code"], 3);
    assert!(error["message"].as_str().unwrap().contains("on-demand throughput"), "{error}");
    let suggested = suggested_models(&error);
    assert_eq!(suggested[0], CLAUDE, "the US inference profile of the same model first: {suggested:?}");
    assert!(!suggested.iter().any(|m| m == SONNET_BARE), "{suggested:?}");

    let requests = server.requests();
    assert_eq!(requests.len(), 2, "not retried");
    assert_eq!(requests[0].model_id, SONNET_BARE);
}

/// Bedrock's refusal as it really arrives (a typographic apostrophe) and as Converse words it: both exit 3 with the
/// inference profile, like the ASCII spelling (the first used to exit 2 with no suggestion).
#[test]
fn every_wording_of_the_on_demand_refusal_exits_3_with_the_inference_profile() {
    for message in [
        format!(
            "Invocation of model ID {HAIKU_3_BARE} with on-demand throughput isn\u{2019}t supported. Retry your \
             request with the ID or ARN of an inference profile that contains this model."
        ),
        "The provided model doesn't support on-demand throughput.".to_string(),
    ] {
        let server = BedrockServer::start();
        // The bare id, then its profile (the automatic retry): both refused, so the first refusal is reported.
        server.push(Reply::error(400, "ValidationException", &message));
        server.push(Reply::error(400, "ValidationException", &message));
        let error = json_error(&server, &["chat", "-m", "claude-3-haiku", "hi"], 3);
        assert_eq!(error["code"], "model_not_ready", "{message}");
        let text = error["message"].as_str().unwrap();
        assert!(text.contains(&format!("`us.{HAIKU_3_BARE}`")), "{message}: {text}");
        assert!(!suggested_models(&error).is_empty(), "{message}: {error}");
    }
}

#[test]
fn an_on_demand_refusal_names_the_profile_of_the_callers_region() {
    let server = BedrockServer::start();
    for _ in 0..4 {
        server.push(on_demand_refusal(HAIKU_3_BARE));
    }

    // No catalogue entry is this model's profile, so the message names the one to use (and the automatic retry
    // tried it: refused too, the first refusal is what the caller sees).
    let error = json_error(&server, &["chat", "-m", "claude-3-haiku", "hi"], 3);
    assert_eq!(error["code"], "model_not_ready");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&format!("`us.{HAIKU_3_BARE}`")), "{message}");
    assert!(!suggested_models(&error).is_empty(), "READY alternatives: {error}");

    let mut cmd = llmgw_bedrock(&server);
    cmd.env("AWS_REGION", "eu-west-3").args(["--json", "chat", "-m", "claude-3-haiku", "hi"]);
    let error = json_doc(fails(&mut cmd, 3).stdout.as_bytes())["error"].clone();
    assert!(error["message"].as_str().unwrap().contains(&format!("`eu.{HAIKU_3_BARE}`")), "{error}");

    let requests = server.requests();
    let sent: Vec<&str> = requests.iter().map(|r| r.model_id.as_str()).collect();
    let (us, eu) = (format!("us.{HAIKU_3_BARE}"), format!("eu.{HAIKU_3_BARE}"));
    assert_eq!(sent, [HAIKU_3_BARE, &us, HAIKU_3_BARE, &eu], "each bare id, then its region's profile");
    assert!(requests[3].header("authorization").unwrap().contains("/eu-west-3/bedrock/aws4_request"));
}

/// Bedrock refuses a bare id on demand: llmgw sends the request once more to the profile of the caller's region,
/// as the catalogue prices it when the catalogue has it, else under the bare model's price; the reply, the record
/// and `-v` name the profile that answered.
#[test]
fn a_bare_id_refused_on_demand_is_sent_to_its_inference_profile() {
    let server = BedrockServer::start();
    server.push(on_demand_refusal(SONNET_BARE));
    server.push(Reply::Json(anthropic_message("Bonjour", 12, 4, "end_turn")));
    let sandbox = Sandbox::bedrock(&server);
    let config = sandbox.copy_config();
    edit_model(&config, SONNET_BARE, |model| model["llmgateway"] = json!({ "status": "READY", "billing": "ONDEMAND" }));
    let out = sandbox
        .llmgw()
        .arg("--config")
        .arg(&config)
        .args(["-v", "--json", "chat", "-m", SONNET_BARE, "hi"])
        .assert()
        .success();
    let reply = json_doc(&out.get_output().stdout);
    assert_eq!((reply["model"].as_str(), reply["content"].as_str()), (Some(CLAUDE), Some("Bonjour")), "{reply}");
    let said = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(said.contains(&format!("sending to its inference profile {CLAUDE}")), "{said}");
    let sent: Vec<String> = server.requests().iter().map(|r| r.model_id.clone()).collect();
    assert_eq!(sent, [SONNET_BARE, CLAUDE]);

    let metrics = sandbox.llmgw().arg("--config").arg(&config).args(["--json", "metrics"]).assert().success();
    let metrics = json_doc(&metrics.get_output().stdout);
    assert_eq!(metrics["total"]["requests"], 1, "one request, recorded once: {metrics}");
    assert_eq!(metrics["by_model"][0]["model"], CLAUDE, "under the profile that answered");
    let cost = metrics["total"]["cost_usd"].as_f64().unwrap();
    assert!((cost - (12.0 * 3.3 + 4.0 * 16.5) / 1e6).abs() < 1e-6, "at the profile's catalogue price: {cost}");
}

#[test]
fn a_profile_the_catalogue_does_not_list_is_built_from_the_region_and_priced_as_the_bare_model() {
    let server = BedrockServer::start();
    server.push(on_demand_refusal(HAIKU_3_BARE));
    server.push(Reply::Json(anthropic_message("ok", 10, 10, "end_turn")));
    let mut cmd = llmgw_bedrock(&server);
    cmd.env("AWS_REGION", "ap-southeast-2").args(["--json", "chat", "-m", "claude-3-haiku", "hi"]);
    let out = cmd.assert().success();
    let reply = json_doc(&out.get_output().stdout);
    let apac = format!("apac.{HAIKU_3_BARE}");
    assert_eq!(reply["model"], apac.as_str());
    let sent: Vec<String> = server.requests().iter().map(|r| r.model_id.clone()).collect();
    assert_eq!(sent, [HAIKU_3_BARE.to_string(), apac]);
}

#[test]
fn auto_inference_profile_false_leaves_the_refusal_to_the_caller() {
    let server = BedrockServer::start();
    server.push(on_demand_refusal(HAIKU_3_BARE));
    let sandbox = Sandbox::bedrock(&server);
    let config = sandbox.copy_config();
    edit_json(&config.join("providers/bedrock/settings.json"), |s| s["autoInferenceProfile"] = json!(false));
    let mut cmd = sandbox.llmgw();
    cmd.arg("--config").arg(&config).args(["chat", "-m", "claude-3-haiku", "hi"]);
    fails(&mut cmd, 3);
    assert_eq!(server.requests().len(), 1, "no second request");
    // The setting is Bedrock's: on another type it is an error rather than nothing.
    edit_json(&config.join("providers/openai/settings.json"), |s| s["autoInferenceProfile"] = json!(true));
    let mut cmd = sandbox.llmgw();
    cmd.arg("--config").arg(&config).args(["models", "list"]);
    let failure = fails(&mut cmd, 8);
    assert!(failure.stderr.contains("autoInferenceProfile"), "{}", failure.stderr);
}

#[test]
fn an_unknown_model_identifier_exits_3_with_suggestions() {
    let server = BedrockServer::start();
    server.push(Reply::error(400, "ValidationException", "The provided model identifier is invalid."));

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 3);
    assert_eq!(error["code"], "model_not_ready");
    assert!(error["message"].as_str().unwrap().contains("model identifier is invalid"), "{error}");
    assert!(error["message"].as_str().unwrap().contains("us-east-1"), "names the region: {error}");
    assert!(!suggested_models(&error).is_empty(), "{error}");
}

#[test]
fn resource_not_found_exits_3_with_suggestions() {
    let server = BedrockServer::start();
    server.push(Reply::error(404, "ResourceNotFoundException", "Model not found."));
    server.push(Reply::error(404, "ResourceNotFoundException", "Model not found."));

    let failure = fails(llmgw_bedrock(&server).args(["chat", "-m", "claude", "hi"]), 3);
    assert!(failure.stderr.contains("Model not found."), "{}", failure.stderr);
    assert!(failure.stderr.contains("try instead:"), "{}", failure.stderr);

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 3);
    assert_eq!(error["code"], "model_not_ready");
    let suggestions = error["suggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty(), "{error}");
    assert_eq!(suggestions[0]["vendor"], "anthropic", "same vendor first: {error}");
    assert!(suggestions.iter().all(|s| s["model"] != CLAUDE && s["provider"] == "bedrock"), "{error}");
    assert_eq!(server.requests().len(), 2, "not retried");
}

// ---------------------------------------------------------------------------------------------------------------
// Provider and network failures: exit 7

#[test]
fn internal_server_error_is_retried_then_exits_7() {
    let server = BedrockServer::start();
    for _ in 0..MAX_ATTEMPTS {
        server.push(Reply::error(500, "InternalServerException", "The server encountered an internal error."));
    }
    server.push(Reply::Json(anthropic_message("too late", 8, 2, "end_turn")));

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 7);
    assert_eq!(error["code"], "provider");
    assert!(error["message"].as_str().unwrap().contains("internal error"), "{error}");
    assert_eq!(server.requests().len(), MAX_ATTEMPTS);
    assert_eq!(server.pending(), 1);
}

#[test]
fn service_unavailable_then_success_exits_0() {
    let server = BedrockServer::start();
    server.push(Reply::error(503, "ServiceUnavailableException", "Bedrock is unable to process your request."));
    server.push(Reply::Json(anthropic_message("Back.", 8, 1, "end_turn")));

    llmgw_bedrock(&server).args(["chat", "-m", "claude", "hi"]).assert().success().stdout("Back.\n");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn model_error_exits_7() {
    let server = BedrockServer::start();
    server.push(Reply::error(424, "ModelErrorException", "The model failed to process the request."));

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 7);
    assert_eq!(error["code"], "provider");
    assert!(error["message"].as_str().unwrap().contains("failed to process"), "{error}");
}

#[test]
fn a_converse_reply_without_a_message_exits_7() {
    let server = BedrockServer::start();
    server.push(Reply::Json(json!({
        "stopReason": "end_turn",
        "usage": { "inputTokens": 7, "outputTokens": 0, "totalTokens": 7 },
        "metrics": { "latencyMs": 412 },
    })));

    let error = json_error(&server, &["chat", "-m", "nova-lite", "hi"], 7);
    assert_eq!(error["code"], "provider");
    assert!(error["message"].as_str().unwrap().contains("no message"), "{error}");
}

#[test]
fn chat_timeout_exits_7() {
    let server = BedrockServer::start();
    server.push(Reply::Hang);

    let failure = fails(llmgw_bedrock(&server).args(["chat", "-m", "claude", "--timeout", "1", "hi"]), 7);
    assert_eq!(failure.stdout, "");
    assert!(
        failure.stderr.contains("the request to bedrock timed out after 1 s for the whole reply"),
        "{}",
        failure.stderr
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn stream_timeout_before_the_first_byte_exits_7() {
    let server = BedrockServer::start();
    server.push(Reply::Hang);

    let out = llmgw_bedrock(&server)
        .args(["stream", "--json", "-m", "claude", "--timeout", "1", "hi"])
        .assert()
        .code(7)
        .get_output()
        .clone();
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "error");
    assert_eq!(events[0]["error"]["code"], "provider");
    assert!(
        events[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the request to bedrock timed out after 1 s without data"),
        "{}",
        events[0]
    );
}

#[test]
fn a_stream_that_goes_silent_times_out_with_exit_7_after_printing_what_came() {
    let server = BedrockServer::start();
    let mut frames = anthropic_stream(&["Partial", " never"], 12, 5, "end_turn");
    frames.insert(3, Frame::Delay(Duration::from_secs(60)));
    server.push(Reply::Stream(frames));

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "claude", "--timeout", "1", "hi"]), 7);
    assert_eq!(failure.stdout, "Partial\n");
    assert!(failure.stderr.contains("the request to bedrock timed out after 1 s without data"), "{}", failure.stderr);
}

#[test]
fn connection_refused_exits_7() {
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let sandbox = Sandbox::new()
        .env("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", format!("http://{closed}"));

    let failure = fails(sandbox.llmgw().args(["chat", "-m", "claude", "hi"]), 7);
    assert_eq!(failure.stdout, "");
    assert!(failure.stderr.contains(&format!("http://{closed}")), "names the endpoint: {}", failure.stderr);

    let out = sandbox.llmgw().args(["stream", "--json", "-m", "claude", "hi"]).assert().code(7).get_output().clone();
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0]["type"].as_str(), events[0]["error"]["code"].as_str()), (Some("error"), Some("provider")));
}

#[test]
fn a_dropped_connection_before_the_answer_exits_7() {
    let server = BedrockServer::start();
    for _ in 0..MAX_ATTEMPTS {
        server.push(Reply::Drop);
    }

    let error = json_error(&server, &["chat", "-m", "claude", "hi"], 7);
    assert_eq!(error["code"], "provider");
    assert_eq!(server.requests().len(), MAX_ATTEMPTS, "a dropped connection is transient: retried");
}

// ---------------------------------------------------------------------------------------------------------------
// Broken streams: exit 7 (6 when throttled), with the text that came printed first

/// Claude's stream up to and including the text deltas, without the events that end it.
fn claude_stream_start(pieces: &[&str]) -> Vec<Frame> {
    let mut frames = anthropic_stream(pieces, 12, 5, "end_turn");
    frames.truncate(2 + pieces.len());
    frames
}

#[test]
fn a_model_stream_error_mid_stream_exits_7_after_the_partial_text() {
    let server = BedrockServer::start();
    for _ in 0..2 {
        let mut frames = claude_stream_start(&["Partial", " text"]);
        frames.push(Frame::Exception("ModelStreamErrorException".into(), "The model stream failed.".into()));
        server.push(Reply::Stream(frames));
    }

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "claude", "hi"]), 7);
    assert_eq!(failure.stdout, "Partial text\n");
    assert!(failure.stderr.contains("The model stream failed."), "{}", failure.stderr);

    let out =
        llmgw_bedrock(&server).args(["stream", "--json", "-m", "claude", "hi"]).assert().code(7).get_output().clone();
    let events = json_lines(&out.stdout);
    let texts: Vec<&str> = events[..events.len() - 1]
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "delta", "{e}");
            e["text"].as_str().unwrap()
        })
        .collect();
    assert_eq!(texts, ["Partial", " text"]);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["code"], "provider");
    assert_eq!(last["error"]["exit_code"], 7);
    assert!(last["error"]["message"].as_str().unwrap().contains("The model stream failed."), "{last}");
    assert_eq!(server.requests().len(), 2, "a broken stream is not replayed");
}

#[test]
fn a_throttling_exception_mid_stream_exits_6() {
    let server = BedrockServer::start();
    let mut frames = claude_stream_start(&["Partial"]);
    frames.push(Frame::Exception("ThrottlingException".into(), "Too many tokens, please wait.".into()));
    server.push(Reply::Stream(frames));

    let out =
        llmgw_bedrock(&server).args(["stream", "--json", "-m", "claude", "hi"]).assert().code(6).get_output().clone();
    let events = json_lines(&out.stdout);
    assert_eq!(events[0], json!({ "type": "delta", "text": "Partial" }));
    let last = events.last().unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["code"], "rate_limited");
    assert!(last["error"]["message"].as_str().unwrap().contains("Too many tokens"), "{last}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_throttling_exception_mid_converse_stream_exits_6() {
    let server = BedrockServer::start();
    let mut frames = converse_stream(&["Par", "tial"], 7, 2);
    frames.truncate(3);
    frames.push(Frame::Exception("ThrottlingException".into(), "Too many tokens, please wait.".into()));
    server.push(Reply::Stream(frames));

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "nova-lite", "hi"]), 6);
    assert_eq!(failure.stdout, "Partial\n");
    assert!(failure.stderr.contains("Too many tokens"), "{}", failure.stderr);
}

#[test]
fn a_model_stream_error_mid_converse_stream_exits_7() {
    let server = BedrockServer::start();
    let mut frames = converse_stream(&["Par", "tial"], 7, 2);
    frames.truncate(3);
    frames.push(Frame::Exception("ModelStreamErrorException".into(), "The model stream failed.".into()));
    server.push(Reply::Stream(frames));

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "mistral", "hi"]), 7);
    assert_eq!(failure.stdout, "Partial\n");
    assert!(failure.stderr.contains("The model stream failed."), "{}", failure.stderr);
}

#[test]
fn a_connection_dropped_mid_stream_exits_7_after_the_partial_text() {
    let server = BedrockServer::start();
    let mut frames = claude_stream_start(&["Partial"]);
    frames.push(Frame::Drop);
    server.push(Reply::Stream(frames));

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "claude", "hi"]), 7);
    assert_eq!(failure.stdout, "Partial\n");
    assert!(
        failure.stderr.contains("broke before the reply was complete"),
        "not 'could not reach': {}",
        failure.stderr
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_corrupt_frame_exits_7() {
    let server = BedrockServer::start();
    let mut frames = claude_stream_start(&["Partial"]);
    frames.push(Frame::CorruptCrc(
        json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": " corrupt" } }),
    ));
    frames.extend(anthropic_stream(&[], 12, 5, "end_turn").into_iter().skip(2));
    server.push(Reply::Stream(frames));

    let out =
        llmgw_bedrock(&server).args(["stream", "--json", "-m", "claude", "hi"]).assert().code(7).get_output().clone();
    let events = json_lines(&out.stdout);
    assert_eq!(events[0], json!({ "type": "delta", "text": "Partial" }));
    assert_eq!(events.len(), 2, "the corrupt frame's text is never printed: {events:?}");
    assert_eq!(events[1]["type"], "error");
    assert_eq!(events[1]["error"]["code"], "provider");
}

#[test]
fn a_claude_stream_that_ends_before_the_reply_is_complete_exits_7() {
    let server = BedrockServer::start();
    let mut frames = anthropic_stream(&["Partial", " text"], 12, 5, "end_turn");
    frames.truncate(frames.len() - 2); // no message_delta, no message_stop; the HTTP body ends cleanly
    server.push(Reply::Stream(frames));

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "claude", "hi"]), 7);
    assert_eq!(failure.stdout, "Partial text\n");
    assert!(failure.stderr.contains("ended before"), "{}", failure.stderr);
}

#[test]
fn a_llama_stream_that_ends_without_a_stop_reason_exits_7() {
    let server = BedrockServer::start();
    server.push(Reply::Stream(vec![Frame::Chunk(json!({
        "generation": "Partial",
        "prompt_token_count": 9,
        "generation_token_count": 1,
        "stop_reason": null,
    }))]));

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "llama", "hi"]), 7);
    assert_eq!(failure.stdout, "Partial\n");
    assert!(failure.stderr.contains("ended before"), "{}", failure.stderr);
}

#[test]
fn a_converse_stream_that_ends_without_message_stop_exits_7() {
    let server = BedrockServer::start();
    let mut frames = converse_stream(&["Partial"], 7, 2);
    frames.truncate(2);
    server.push(Reply::Stream(frames));

    let failure = fails(llmgw_bedrock(&server).args(["stream", "-m", "nova-lite", "hi"]), 7);
    assert_eq!(failure.stdout, "Partial\n");
    assert!(failure.stderr.contains("ended before"), "{}", failure.stderr);
}

// ---------------------------------------------------------------------------------------------------------------
// Ctrl-C: exit 130, what was printed stays

/// Generous bound on each wait for the running binary, so a broken build fails instead of hanging.
const WAIT: Duration = Duration::from_secs(30);

/// Streams stdout of `child` through a channel, so the test can wait for text with a timeout.
fn read_stdout(child: &mut Child) -> mpsc::Receiver<Vec<u8>> {
    let mut stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().expect("wait for llmgw") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("llmgw did not exit within {WAIT:?} of SIGINT");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Runs llmgw with `args` in `sandbox`, sends it SIGINT once `ready` holds for what it printed so far, and returns
/// the exit status, all of stdout and stderr.
fn interrupt(
    sandbox: &Sandbox,
    args: &[&str],
    ready: impl Fn(&str) -> bool,
) -> (std::process::ExitStatus, String, String) {
    signal(sandbox, args, "INT", ready)
}

/// [`interrupt`] with any signal (`INT`, `TERM`, `HUP`).
fn signal(
    sandbox: &Sandbox,
    args: &[&str],
    name: &str,
    ready: impl Fn(&str) -> bool,
) -> (std::process::ExitStatus, String, String) {
    let mut child = sandbox
        .command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn llmgw");
    let chunks = read_stdout(&mut child);

    let mut stdout = Vec::new();
    let deadline = Instant::now() + WAIT;
    while !ready(&String::from_utf8_lossy(&stdout)) {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("llmgw never got ready for SIGINT; stdout so far: {:?}", String::from_utf8_lossy(&stdout));
        }
        if let Ok(chunk) = chunks.recv_timeout(Duration::from_millis(20)) {
            stdout.extend(chunk);
        }
    }
    let sent =
        std::process::Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().expect("kill");
    assert!(sent.success());

    let status = wait_for_exit(&mut child);
    stdout.extend(chunks.iter().flatten());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status, String::from_utf8_lossy(&stdout).into_owned(), stderr)
}

/// A Claude stream that sends "Partial" and then pauses for longer than any test runs.
fn stalled_claude_stream() -> Reply {
    let mut frames = anthropic_stream(&["Partial", " never printed"], 12, 5, "end_turn");
    frames.insert(3, Frame::Delay(Duration::from_secs(120)));
    Reply::Stream(frames)
}

#[test]
fn ctrl_c_mid_stream_exits_130_and_keeps_the_partial_text() {
    let server = BedrockServer::start();
    server.push(stalled_claude_stream());

    let (status, stdout, stderr) =
        interrupt(&Sandbox::bedrock(&server), &["stream", "-m", "claude", "hi"], |out| out.contains("Partial"));
    assert_eq!(status.code(), Some(130), "stderr: {stderr}");
    assert_eq!(stdout, "Partial\n");
    assert!(stderr.contains("interrupted"), "{stderr}");
}

/// SIGTERM (CI cancellation, `timeout`, systemd) and SIGHUP stop a request as Ctrl-C does: what was printed stays,
/// the conversation is left as it was, the attempt is recorded, and the exit code is 128 + the signal (143, 129).
/// Both used to kill the process with no record.
#[test]
fn sigterm_and_sighup_mid_stream_stop_like_ctrl_c_and_are_recorded() {
    for (name, code) in [("TERM", 143), ("HUP", 129)] {
        let server = BedrockServer::start();
        server.push(stalled_claude_stream());
        let sandbox = Sandbox::bedrock(&server);
        sandbox.llmgw().args(["conv", "create", "--name", "trip"]).assert().success();
        let args = ["--json", "stream", "--conv", "trip", "-m", "claude", "hi"];
        let (status, stdout, stderr) = signal(&sandbox, &args, name, |out| out.contains("\"Partial\"}\n"));
        assert_eq!(status.code(), Some(code), "{name}: {stderr}");
        let events = json_lines(stdout.as_bytes());
        assert_eq!(events[0], json!({ "type": "delta", "text": "Partial" }), "{name}");
        assert_eq!(
            (&events[1]["error"]["code"], &events[1]["error"]["exit_code"]),
            (&json!("interrupted"), &json!(code))
        );
        let out = sandbox.llmgw().args(["--json", "conv", "show", "trip"]).assert().success();
        assert_eq!(json_doc(&out.get_output().stdout)["messages"], json!([]), "{name}: the conversation is as it was");
        let out = sandbox.llmgw().args(["--json", "metrics"]).assert().success();
        let total = json_doc(&out.get_output().stdout)["total"].clone();
        assert_eq!((total["requests"].as_u64(), total["failed"].as_u64()), (Some(1), Some(1)), "{name}: recorded");
        // The provider bills what it sent before the signal: "Partial" (one word) for "hi", estimated and priced.
        assert_eq!(
            (total["input_tokens"].as_u64(), total["output_tokens"].as_u64(), total["tokens_estimated"].as_u64()),
            (Some(1), Some(1), Some(1)),
            "{name}: {total}"
        );
        assert!(total["cost_usd"].as_f64().unwrap() > 0.0, "{name}: {total}");
        assert!(total["ttft_ms"]["p50"].is_u64(), "{name}: {total}");
    }
}

#[test]
fn ctrl_c_mid_stream_with_json_ends_with_an_interrupted_error_event() {
    let server = BedrockServer::start();
    server.push(stalled_claude_stream());

    let (status, stdout, stderr) =
        interrupt(&Sandbox::bedrock(&server), &["--json", "stream", "-m", "claude", "hi"], |out| {
            out.contains("\"Partial\"}\n")
        });
    assert_eq!(status.code(), Some(130), "stderr: {stderr}");
    let events = json_lines(stdout.as_bytes());
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0], json!({ "type": "delta", "text": "Partial" }));
    assert_eq!(events[1]["type"], "error");
    assert_eq!(events[1]["error"]["code"], "interrupted");
    assert_eq!(events[1]["error"]["exit_code"], 130);
}

#[test]
fn ctrl_c_while_waiting_for_a_chat_reply_exits_130() {
    let server = BedrockServer::start();
    server.push(Reply::Hang);

    let (status, stdout, stderr) =
        interrupt(&Sandbox::bedrock(&server), &["--json", "chat", "-m", "claude", "hi"], |_| {
            !server.requests().is_empty()
        });
    assert_eq!(status.code(), Some(130), "stderr: {stderr}");
    let error = json_doc(stdout.as_bytes());
    assert_eq!(error["error"]["code"], "interrupted");
    assert_eq!(error["error"]["exit_code"], 130);
}

/// Bedrock's on-demand refusal is one another model can fix: with the automatic profile off (or refused too), the
/// next model of the chain answers.
#[test]
fn an_on_demand_refusal_falls_back_to_the_next_model() {
    let server = BedrockServer::start();
    server.push(on_demand_refusal(HAIKU_3_BARE));
    server.push(Reply::Json(anthropic_message("from sonnet", 3, 2, "end_turn")));
    let sandbox = Sandbox::bedrock(&server);
    let config = sandbox.copy_config();
    edit_json(&config.join("providers/bedrock/settings.json"), |s| s["autoInferenceProfile"] = json!(false));
    let out = sandbox
        .llmgw()
        .arg("--config")
        .arg(&config)
        .args(["--json", "chat", "-m", "claude-3-haiku", "--fallback", "claude", "hi"])
        .assert()
        .success();
    let reply = json_doc(&out.get_output().stdout);
    assert_eq!(reply["model"], CLAUDE);
    assert_eq!(
        reply["attempts"],
        json!([{"model": HAIKU_3_BARE, "provider": "bedrock", "error_code": "model_not_ready"}])
    );
    let sent: Vec<String> = server.requests().iter().map(|r| r.model_id.clone()).collect();
    assert_eq!(sent, [HAIKU_3_BARE, CLAUDE]);
}
