//! Fallbacks through the real binary against the local OpenAI server, which answers per model: `gpt-4o` fails in
//! the way a test scripts, `gpt-4o-mini` (and any other) answers. A fallback is tried for failures another model
//! could fix and only before any text is out; every attempt is recorded; the answer and the error name them.

use serde_json::{Value, json};
use std::time::Duration;

use crate::support::openai::{Event, OpenAiServer, Reply, completion, openai_sandbox, stream};
use crate::support::{Sandbox, deltas_and_end, edit_provider_model, json_doc, stderr};

/// A server on which `gpt-4o` answers with `failing()` and every other model with a short completion.
fn server(failing: impl Fn() -> Reply + Send + Sync + 'static) -> OpenAiServer {
    OpenAiServer::builder()
        .fallback(move |request| match request.body["model"].as_str() {
            Some("gpt-4o") => failing(),
            Some(model) => Reply::Json(completion(model, &format!("answer from {model}"), 5, 3, "stop")),
            None => Reply::text(400, "no model"),
        })
        .start()
        .unwrap()
}

fn models_asked(server: &OpenAiServer) -> Vec<String> {
    server.requests().iter().map(|r| r.body["model"].as_str().unwrap_or_default().to_string()).collect()
}

fn metrics(sandbox: &Sandbox) -> Value {
    json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout)
}

#[test]
fn each_failure_another_model_could_fix_falls_back_and_the_answer_names_the_attempt() {
    type Case = (&'static str, fn() -> Reply, &'static str);
    let cases: [Case; 5] = [
        ("rate limited after retries", || Reply::error(429, "rate_limit_exceeded", "slow down"), "rate_limited"),
        ("a server error", || Reply::error(503, "server_error", "overloaded"), "provider"),
        ("a dropped connection", || Reply::Drop, "provider"),
        (
            "the model is not there",
            || Reply::error(404, "model_not_found", "The model `gpt-4o` does not exist"),
            "model_not_ready",
        ),
        (
            "a timeout",
            || Reply::delay(Duration::from_secs(5), Reply::Json(completion("gpt-4o", "late", 1, 1, "stop"))),
            "provider",
        ),
    ];
    for (what, failing, code) in cases {
        let server = server(failing);
        let sandbox = openai_sandbox(&server);
        let out = sandbox
            .llmgw()
            .args(["--json", "chat", "--timeout", "1", "-m", "4o", "--fallback", "gpt-4o-mini", "hi"])
            .assert()
            .success();
        let reply = json_doc(&out.get_output().stdout);
        assert_eq!(reply["content"], "answer from gpt-4o-mini", "{what}");
        assert_eq!(reply["model"], "gpt-4o-mini", "{what}: the model that answered");
        assert_eq!(reply["attempts"], json!([{"model": "gpt-4o", "provider": "openai", "error_code": code}]), "{what}");
        assert!(
            stderr(out.get_output()).contains(&format!("4o failed ({code}); answered by gpt-4o-mini")),
            "{what}: {}",
            stderr(out.get_output())
        );
        assert_eq!(models_asked(&server).last().map(String::as_str), Some("gpt-4o-mini"), "{what}");

        let m = metrics(&sandbox);
        assert_eq!((&m["total"]["requests"], &m["total"]["failed"]), (&json!(2), &json!(1)), "{what}: both recorded");
    }
}

#[test]
fn usage_auth_and_unknown_model_errors_never_fall_back() {
    let cases: [(fn() -> Reply, i32); 2] = [
        (|| Reply::error(400, "invalid_request_error", "bad temperature"), 2),
        (|| Reply::error(401, "invalid_api_key", "wrong key"), 5),
    ];
    for (failing, exit) in cases {
        let server = server(failing);
        let sandbox = openai_sandbox(&server);
        let out =
            sandbox.llmgw().args(["--json", "chat", "-m", "4o", "--fallback", "gpt-4o-mini", "hi"]).assert().code(exit);
        let error = json_doc(&out.get_output().stdout)["error"].clone();
        assert_eq!(error.get("attempts"), None, "{error}");
        assert_eq!(models_asked(&server), ["gpt-4o"], "the fallback was not tried");
    }
    // A --fallback that names no model is the caller's mistake: found before anything is sent.
    let server = server(|| Reply::error(503, "server_error", "down"));
    let sandbox = openai_sandbox(&server);
    sandbox.llmgw().args(["chat", "-m", "4o", "--fallback", "gpt-4o-minnie", "hi"]).assert().code(3);
    assert!(server.requests().is_empty());
}

#[test]
fn a_stream_falls_back_before_its_first_token_and_never_after() {
    let server = server(|| Reply::Sse(vec![Event::Drop]));
    let sandbox = openai_sandbox(&server);
    let out =
        sandbox.llmgw().args(["--json", "stream", "-m", "4o", "--fallback", "gpt-4o-mini", "hi"]).assert().success();
    let (deltas, done) = deltas_and_end(&out.get_output().stdout);
    assert_eq!((deltas.concat().as_str(), &done["model"]), ("answer from gpt-4o-mini", &json!("gpt-4o-mini")));
    assert_eq!(done["attempts"][0]["error_code"], "provider");

    let mut cut = stream(&["Half ", "a reply"], None, "stop");
    cut.truncate(3);
    cut.push(Event::Drop);
    let server = server_with_stream(cut);
    let sandbox = openai_sandbox(&server);
    let out = sandbox.llmgw().args(["stream", "-m", "4o", "--fallback", "gpt-4o-mini", "hi"]).assert().code(7);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("Half "), "the text that was out stays");
    assert_eq!(models_asked(&server), ["gpt-4o"], "no fallback once text is out");
}

fn server_with_stream(events: Vec<Event>) -> OpenAiServer {
    server(move || Reply::Sse(events.clone()))
}

#[test]
fn the_catalogue_fallbacks_follow_the_flags_and_a_chain_that_fails_throughout_lists_every_attempt() {
    let server = OpenAiServer::builder()
        .fallback(|request| match request.body["model"].as_str() {
            Some("gpt-4.1") => Reply::Json(completion("gpt-4.1", "answer from gpt-4.1", 5, 3, "stop")),
            _ => Reply::error(503, "server_error", "down"),
        })
        .start()
        .unwrap();
    let sandbox = openai_sandbox(&server);
    let config = sandbox.copy_config();
    edit_provider_model(&config, "openai", "gpt-4o", |model| model["fallbacks"] = json!(["4o-mini", "gpt-4.1"]));
    let sandbox = sandbox.env("LLMGW_CONFIG_DIR", &config);

    let reply = json_doc(
        &sandbox
            .llmgw()
            .args(["--json", "chat", "-m", "4o", "--fallback", "gpt-5", "hi"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(reply["model"], "gpt-4.1");
    let tried: Vec<&str> = reply["attempts"].as_array().unwrap().iter().map(|a| a["model"].as_str().unwrap()).collect();
    assert_eq!(tried, ["gpt-4o", "gpt-5", "gpt-4o-mini"], "the flag's first, then the catalogue's");
    let mut asked = models_asked(&server);
    assert_eq!(asked.len(), 3 * 3 + 1, "each failing model after the provider's 3 attempts: {asked:?}");
    asked.dedup();
    assert_eq!(asked, ["gpt-4o", "gpt-5", "gpt-4o-mini", "gpt-4.1"]);

    // -q keeps stderr quiet.
    let out = sandbox.llmgw().args(["-q", "chat", "-m", "4o", "hi"]).assert().success();
    assert!(stderr(out.get_output()).is_empty(), "{}", stderr(out.get_output()));

    // Every model failing: the last error's exit code, and every attempt listed.
    let out = sandbox.llmgw().args(["--json", "chat", "-m", "4o-mini", "--fallback", "gpt-5", "hi"]).assert().code(7);
    let error = json_doc(&out.get_output().stdout)["error"].clone();
    let tried: Vec<&str> = error["attempts"].as_array().unwrap().iter().map(|a| a["model"].as_str().unwrap()).collect();
    assert_eq!(tried, ["gpt-4o-mini", "gpt-5"], "{error}");
    let out = sandbox.llmgw().args(["chat", "-m", "4o-mini", "--fallback", "gpt-5", "hi"]).assert().code(7);
    assert!(
        stderr(out.get_output()).contains("tried: 4o-mini (provider), gpt-5 (provider)"),
        "{}",
        stderr(out.get_output())
    );

    let m = metrics(&sandbox);
    assert_eq!((&m["total"]["requests"], &m["total"]["succeeded"]), (&json!(4 + 3 + 2 + 2), &json!(2)), "{m}");
}

#[test]
fn a_catalogue_fallback_that_names_no_model_is_a_config_error() {
    let sandbox = Sandbox::new();
    let config = sandbox.copy_config();
    edit_provider_model(&config, "openai", "gpt-4o", |model| model["fallbacks"] = json!(["gpt-4o-minnie"]));
    let out = sandbox.llmgw().arg("--config").arg(&config).args(["models", "list"]).assert().code(8);
    let text = stderr(out.get_output());
    assert!(text.contains("fallbacks[0]") && text.contains("gpt-4o-minnie"), "{text}");
    edit_provider_model(&config, "openai", "gpt-4o", |model| model["fallbacks"] = json!(["4o"]));
    let out = sandbox.llmgw().arg("--config").arg(&config).args(["models", "list"]).assert().code(8);
    assert!(stderr(out.get_output()).contains("the model itself"), "{}", stderr(out.get_output()));
}

#[test]
fn a_fallback_in_a_conversation_stores_the_turn_with_the_model_that_answered() {
    let server = server(|| Reply::error(503, "server_error", "down"));
    let sandbox = openai_sandbox(&server);
    sandbox.llmgw().args(["conv", "create", "--name", "t"]).assert().success();
    sandbox.llmgw().args(["chat", "--conv", "t", "-m", "4o", "--fallback", "gpt-4o-mini", "hi"]).assert().success();
    let shown = json_doc(&sandbox.llmgw().args(["--json", "conv", "show", "t"]).assert().success().get_output().stdout);
    assert_eq!(shown["messages"][1]["model"], "gpt-4o-mini", "{shown}");
    assert_eq!(shown["messages"].as_array().map(Vec::len), Some(2));
}
