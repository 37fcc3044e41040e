//! OpenAI and Azure failures map onto DESIGN's exit codes: a missing key before anything is sent (5), refused keys
//! (5), unknown models or deployments (3, with suggestions), rate limits after bounded retries that honour
//! `retry-after` (6), server failures after retries (7), rejected input (2), with error bodies of every shape real
//! servers send. Keys never appear in the output.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

use crate::support::openai::{
    OPENAI_KEY, OpenAiServer, Reply, azure_sandbox, completion, direct, openai_sandbox, stream,
};
use crate::support::{Sandbox, json_doc, json_lines};

/// `chat --json` against `server` that must fail with `code`: the error object.
fn chat_error(sandbox: &Sandbox, args: &[&str], code: i32) -> Value {
    let out = sandbox.llmgw().args(["--json", "chat"]).args(args).assert().code(code).get_output().clone();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains(OPENAI_KEY), "the key leaked: {text}");
    let doc = json_doc(&out.stdout);
    assert_eq!(doc["error"]["exit_code"], code, "{doc}");
    doc["error"].clone()
}

#[test]
fn an_unset_api_key_variable_exits_5_naming_it_before_anything_is_sent() {
    let server = OpenAiServer::start();
    let sandbox = direct().env("OPENAI_BASE_URL", server.base_url());
    let error = chat_error(&sandbox, &["-m", "gpt", "hi"], 5);
    assert_eq!(error["code"], "auth");
    assert!(error["message"].as_str().unwrap().contains("OPENAI_API_KEY"), "{error}");

    let sandbox = direct().env("AZURE_OPENAI_ENDPOINT", server.url());
    let out = sandbox.llmgw().args(["stream", "-m", "azure-gpt", "hi"]).assert().code(5).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("AZURE_OPENAI_API_KEY"));
    assert!(server.requests().is_empty(), "nothing is sent without a key: {:#?}", server.requests());
}

#[test]
fn a_refused_key_exits_5_with_a_hint_naming_the_variable_and_is_not_retried() {
    let server =
        OpenAiServer::scripted([Reply::error(401, "invalid_api_key", "Incorrect API key provided: sk-test-***6789.")]);
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 5);
    assert_eq!(error["code"], "auth");
    assert!(error["message"].as_str().unwrap().contains("Incorrect API key"), "{error}");
    assert!(error["hint"].as_str().unwrap().contains("OPENAI_API_KEY"), "{error}");

    server.push(Reply::json_status(403, json!({"detail": "Forbidden for this project"})));
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 5);
    assert!(error["message"].as_str().unwrap().contains("Forbidden for this project"), "{error}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_unknown_model_exits_3_with_suggestions_across_providers() {
    let server = OpenAiServer::start();
    server.push(Reply::error(
        404,
        "model_not_found",
        "The model `gpt-4.1-nano` does not exist or you do not have access to it.",
    ));
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt-4.1-nano", "hi"], 3);
    assert_eq!(error["code"], "model_not_ready");
    assert!(error["message"].as_str().unwrap().contains("does not exist"), "{error}");
    let suggestions = error["suggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty(), "{error}");
    assert_eq!(suggestions[0]["provider"], "openai", "same provider first: {error}");
    assert!(suggestions.iter().all(|s| s["model"] != "gpt-4.1-nano" || s["provider"] != "openai"), "{error}");
}

#[test]
fn a_missing_azure_deployment_exits_3() {
    let server = OpenAiServer::scripted([Reply::error(
        404,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist.",
    )]);
    let error = chat_error(&azure_sandbox(&server), &["-m", "azure-gpt", "hi"], 3);
    assert_eq!(error["code"], "model_not_ready");
    assert!(error["message"].as_str().unwrap().contains("deployment"), "{error}");
}

#[test]
fn rate_limits_are_retried_max_attempts_times_honouring_retry_after_then_exit_6() {
    let server = OpenAiServer::start();
    for _ in 0..3 {
        server.push(
            Reply::error(429, "rate_limit_exceeded", "Rate limit reached for requests")
                .with_header("retry-after", "0.3"),
        );
    }
    let started = Instant::now();
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 6);
    assert_eq!(error["code"], "rate_limited");
    assert!(error["message"].as_str().unwrap().contains("Rate limit reached"), "{error}");
    assert_eq!(server.requests().len(), 3, "bounded by retries.maxAttempts");
    assert!(started.elapsed() >= Duration::from_millis(600), "waited as retry-after asked");
    // The error carries what a caller deciding on a fallback or a later retry needs, not only text.
    assert_eq!(
        (&error["provider"], &error["status"], &error["retry_after_s"]),
        (&json!("openai"), &json!(429), &json!(0.3))
    );
}

#[test]
fn a_rate_limit_then_success_exits_0_and_a_stream_retries_before_any_text() {
    let server = OpenAiServer::scripted([
        Reply::error(429, "rate_limit_exceeded", "slow down").with_header("retry-after-ms", "10"),
        Reply::Json(completion("gpt-4o", "fine", 1, 1, "stop")),
    ]);
    openai_sandbox(&server).llmgw().args(["chat", "-m", "gpt-4o", "hi"]).assert().success().stdout("fine\n");

    server.push(Reply::text(503, "Service Unavailable"));
    server.push(Reply::Sse(stream(&["ok"], Some((1, 1)), "stop")));
    openai_sandbox(&server).llmgw().args(["stream", "-m", "gpt-4o", "hi"]).assert().success().stdout("ok\n");
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn insufficient_quota_exits_6_without_retrying() {
    let server = OpenAiServer::scripted([Reply::error(429, "insufficient_quota", "You exceeded your current quota.")]);
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 6);
    assert!(error["message"].as_str().unwrap().contains("quota"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn server_errors_exit_7_after_retries_with_a_plain_text_body() {
    let server = OpenAiServer::start();
    for _ in 0..3 {
        server.push(Reply::text(502, "upstream connect error"));
    }
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 7);
    assert_eq!(error["code"], "provider");
    assert!(error["message"].as_str().unwrap().contains("upstream connect error"), "{error}");
    assert_eq!((&error["provider"], &error["status"]), (&json!("openai"), &json!(502)), "{error}");
    assert_eq!(error.get("retry_after_s"), None, "{error}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_rejected_request_exits_2_with_the_servers_message_and_is_not_retried() {
    let server = OpenAiServer::start();
    server.push(Reply::error(
        400,
        "unsupported_value",
        "Unsupported value: 'temperature' does not support 1.5 with this model.",
    ));
    let error = chat_error(&openai_sandbox(&server), &["-m", "o3", "--temperature", "1.5", "hi"], 2);
    assert_eq!(error["code"], "usage");
    assert!(error["message"].as_str().unwrap().contains("does not support 1.5"), "{error}");

    server.push(Reply::json_status(422, json!({"detail": [{"loc": ["body", "messages"], "msg": "field required"}]})));
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 2);
    assert!(error["message"].as_str().unwrap().contains("field required"), "{error}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_server_that_never_answers_times_out_with_exit_7() {
    let server = OpenAiServer::scripted([Reply::Hang]);
    let started = Instant::now();
    let error = chat_error(&openai_sandbox(&server), &["--timeout", "1", "-m", "gpt", "hi"], 7);
    assert!(
        error["message"].as_str().unwrap().contains("the request to openai timed out after 1 s for the whole reply"),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));

    server.push(Reply::Hang);
    let out = openai_sandbox(&server)
        .llmgw()
        .args(["--json", "stream", "--timeout", "1", "-m", "gpt", "hi"])
        .assert()
        .code(7);
    let events = json_lines(&out.get_output().stdout);
    assert_eq!(events.last().unwrap()["error"]["code"], "provider");
}

#[test]
fn an_unreachable_server_exits_7() {
    let server = OpenAiServer::start();
    let url = server.base_url();
    drop(server);
    let sandbox = direct().env("OPENAI_BASE_URL", url).env("OPENAI_API_KEY", OPENAI_KEY);
    let error = chat_error(&sandbox, &["-m", "gpt", "hi"], 7);
    assert!(error["message"].as_str().unwrap().contains("could not reach"), "{error}");
}

#[test]
fn a_404_that_is_not_about_the_model_is_a_wrong_url_with_exit_7() {
    let server = OpenAiServer::scripted([Reply::text(404, "404 page not found")]);
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 7);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("404 page not found") && message.contains("/v1/chat/completions"), "{error}");
    assert!(message.contains("base URL"), "{error}");
}

#[test]
fn an_ollama_style_missing_model_exits_3() {
    let server = OpenAiServer::start();
    let body = json!({"error": {"message": "model \"gpt-5.1\" not found, try pulling it first", "type": "api_error"}});
    server.push(Reply::json_status(404, body));
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt", "hi"], 3);
    assert_eq!(error["code"], "model_not_ready");
}

#[test]
fn azure_without_an_endpoint_is_a_config_error_naming_the_variable() {
    let sandbox = direct().env("AZURE_OPENAI_API_KEY", "k");
    let out = sandbox.llmgw().args(["chat", "-m", "azure-gpt", "hi"]).assert().code(8).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("AZURE_OPENAI_ENDPOINT"), "{out:?}");
}

/// A provider's message is shown, but never as terminal control: escape sequences (CSI, OSC, BEL, C1) in it come
/// out escaped in the human message, and as plain JSON string escapes with `--json`.
#[test]
fn terminal_escapes_in_a_providers_message_are_never_written_raw() {
    let hostile = "bad \u{1b}[2J\u{1b}]0;pwned\u{7} request \u{9b}31m";
    let server = OpenAiServer::scripted([Reply::error(400, "invalid", hostile), Reply::error(400, "invalid", hostile)]);
    let out = openai_sandbox(&server).llmgw().args(["chat", "-m", "gpt-4o", "hi"]).assert().code(2);
    let stderr = crate::support::stderr(out.get_output());
    assert!(!stderr.chars().any(|c| c.is_control() && c != '\n'), "{stderr:?}");
    assert!(stderr.contains("bad \\u{1b}[2J") && stderr.contains("request"), "{stderr}");
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt-4o", "hi"], 2);
    assert_eq!(error["message"].as_str().map(|m| m.contains('\u{1b}')), Some(true), "JSON escapes it itself");
}

/// No secret value llmgw knows reaches its output: a server that echoes the key in its error, and a password in the
/// endpoint URL, are redacted in the message, `--json` and `-v` alike.
#[test]
fn a_key_echoed_by_the_server_and_a_url_password_never_reach_the_output() {
    let echo = format!("Incorrect API key provided: {OPENAI_KEY}. You can find your API key at https://example.test");
    let server = OpenAiServer::scripted([
        Reply::error(401, "invalid_api_key", &echo),
        Reply::error(401, "invalid_api_key", &echo),
    ]);
    let out = openai_sandbox(&server).llmgw().args(["chat", "-m", "gpt-4o", "hi"]).assert().code(5);
    let text = crate::support::stderr(out.get_output());
    assert!(!text.contains(OPENAI_KEY) && text.contains("Incorrect API key provided: [redacted]"), "{text}");
    let error = chat_error(&openai_sandbox(&server), &["-m", "gpt-4o", "hi"], 5);
    assert!(!error.to_string().contains(OPENAI_KEY), "{error}");

    let server = OpenAiServer::scripted([Reply::Json(completion("gpt-4o", "ok", 1, 1, "stop"))]);
    let with_password = server.base_url().replacen("://", "://ann:hunter2-pass@", 1);
    let sandbox = direct().env("OPENAI_BASE_URL", &with_password).env("OPENAI_API_KEY", OPENAI_KEY);
    let out = sandbox.llmgw().args(["-v", "chat", "-m", "gpt-4o", "hi"]).assert().success();
    let text = crate::support::stderr(out.get_output());
    assert!(!text.contains("hunter2-pass") && text.contains("[redacted]@127.0.0.1"), "{text}");
    // Unreachable: the connection error names the URL, without its password.
    let closed = with_password.replace(&server.addr().port().to_string(), "9");
    let sandbox = direct().env("OPENAI_BASE_URL", &closed).env("OPENAI_API_KEY", OPENAI_KEY);
    let out = sandbox.llmgw().args(["--json", "chat", "-m", "gpt-4o", "hi"]).assert().code(7);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!stdout.contains("hunter2-pass") && stdout.contains("127.0.0.1"), "{stdout}");
}

/// A redirect to another origin (another port is another origin) is never followed: the key (`Authorization` for
/// OpenAI, `api-key` for Azure) would go with it. It is exit 7 naming the target, whatever the redirect status, and
/// the other origin receives nothing. A redirect within the origin is followed, key and all.
#[test]
fn a_redirect_to_another_origin_is_exit_7_naming_it_and_sends_nothing_there() {
    let elsewhere = OpenAiServer::start();
    for status in [301, 302, 303, 307, 308] {
        for azure in [false, true] {
            let target = format!("{}/v1/chat/completions", elsewhere.url());
            let server = OpenAiServer::scripted([Reply::text(status, "moved").with_header("Location", &target)]);
            let (sandbox, args) = if azure {
                (azure_sandbox(&server), ["--json", "chat", "-m", "azure-gpt", "hi"])
            } else {
                (openai_sandbox(&server), ["--json", "chat", "-m", "gpt-4o", "hi"])
            };
            let out = sandbox.llmgw().args(args).output().unwrap();
            let what = format!("{status} azure={azure}");
            assert_eq!(out.status.code(), Some(7), "{what}: {}", crate::support::stderr(&out));
            let doc = crate::support::json_doc(&out.stdout);
            let message = doc["error"]["message"].as_str().unwrap();
            assert!(message.contains(&target) && message.contains("another origin"), "{what}: {message}");
            assert_eq!(doc["error"]["status"], status, "{what}");
            assert_eq!(server.requests().len(), 1, "{what}: retried a redirect");
        }
    }
    assert_eq!(elsewhere.requests().len(), 0, "a request reached the other origin");

    // Within the origin: followed, and the key goes along (it is the same server).
    let server = OpenAiServer::start();
    let again = format!("{}/v1/moved/chat/completions", server.url());
    server.push(Reply::text(307, "moved").with_header("Location", &again));
    server.push(Reply::Json(completion("gpt-4o", "followed", 1, 1, "stop")));
    let out = openai_sandbox(&server).llmgw().args(["chat", "-m", "gpt-4o", "hi"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", crate::support::stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "followed\n");
    let requests = server.requests();
    assert_eq!(requests[1].path, "/v1/moved/chat/completions");
    assert_eq!(requests[1].header("authorization"), Some(format!("Bearer {OPENAI_KEY}").as_str()));
}
