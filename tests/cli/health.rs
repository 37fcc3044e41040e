//! Model health through the real binary: `models status MODEL` and `models list --health` from the records that
//! real requests to the local OpenAI server wrote; DEGRADED after a run of provider failures, ended by a success;
//! fallbacks and suggestions try a DEGRADED model last.

use serde_json::{Value, json};

use crate::support::openai::{OpenAiServer, Reply, completion, openai_sandbox, stream};
use crate::support::{Sandbox, edit_provider_model, json_doc, stderr};

fn status(sandbox: &Sandbox, model: &str) -> Value {
    let out = sandbox.llmgw().args(["--json", "models", "status", model]).assert();
    json_doc(&out.get_output().stdout)
}

/// A server on which the models named in `failing` answer 503 and the others answer.
fn server(failing: &'static [&'static str]) -> OpenAiServer {
    OpenAiServer::builder()
        .fallback(move |request| {
            let model = request.body["model"].as_str().unwrap_or_default().to_string();
            if failing.contains(&model.as_str()) {
                Reply::error(503, "server_error", "overloaded")
            } else if request.body["stream"] == true {
                Reply::Sse(stream(&["fine ", "thanks"], Some((4, 2)), "stop"))
            } else {
                Reply::Json(completion(&model, "fine", 4, 2, "stop"))
            }
        })
        .start()
        .unwrap()
}

#[test]
fn models_status_shows_the_record_of_real_requests_and_never_creates_a_database() {
    let server = server(&[]);
    let sandbox = openai_sandbox(&server);
    let health = &status(&sandbox, "4o")["health"];
    assert_eq!(health["status"], "unknown");
    assert!(!sandbox.data_home().join("llmgw/llmgw.db").exists(), "asking created no database");
    let text = sandbox.llmgw().args(["models", "status", "4o"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&text).contains("health:    unknown (no requests recorded)"));

    sandbox.llmgw().args(["chat", "-m", "4o", "hi"]).assert().success();
    sandbox.llmgw().args(["stream", "-m", "4o", "hi"]).assert().success();
    let refused = OpenAiServer::scripted([Reply::error(400, "invalid_request_error", "no")]);
    openai_sandbox(&refused)
        .env("XDG_DATA_HOME", sandbox.data_home())
        .llmgw()
        .args(["chat", "-m", "4o", "hi"])
        .assert()
        .code(2);

    let health = &status(&sandbox, "4o")["health"];
    assert_eq!(health["status"], "ok", "{health}");
    for window in ["last_hour", "last_day"] {
        let w = &health[window];
        assert_eq!(w["requests"], 3, "{window}: {health}");
        let rate = w["success_rate"].as_f64().unwrap();
        assert!((rate - 2.0 / 3.0).abs() < 1e-9, "{window}: {w}");
        assert!(w["p95_ms"].as_u64().is_some() && w["ttft_p95_ms"].as_u64().is_some(), "{window}: {w}");
    }
    assert_eq!(health["last_error"]["code"], "usage");
    assert!(health["last_error"]["at"].as_str().unwrap().ends_with('Z'));
    assert!(health["last_ok"].is_string());
    let text = sandbox.llmgw().args(["models", "status", "4o"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("health:    ok") && text.contains("last hour: 3 requests, 66.7% succeeded"), "{text}");
    assert!(text.contains("last error: usage, "), "{text}");
}

#[test]
fn a_run_of_provider_failures_degrades_a_model_until_it_answers_again() {
    let server = server(&["gpt-4o-mini"]);
    let sandbox = openai_sandbox(&server);
    for _ in 0..2 {
        sandbox.llmgw().args(["chat", "-m", "4o-mini", "hi"]).assert().code(7);
    }
    assert_eq!(status(&sandbox, "4o-mini")["health"]["status"], "ok", "two failures are not yet a pattern");
    sandbox.llmgw().args(["chat", "-m", "4o-mini", "hi"]).assert().code(7);
    sandbox.llmgw().args(["chat", "-m", "4o", "hi"]).assert().success();
    let health = &status(&sandbox, "4o-mini")["health"];
    assert_eq!((&health["status"], &health["failing"]), (&json!("degraded"), &json!(3)), "{health}");
    assert_eq!(health["last_error"]["code"], "provider");

    let out = sandbox.llmgw().args(["models", "list", "--health", "--provider", "openai"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let health_of = |id: &str| {
        let line =
            text.lines().find(|l| l.split_whitespace().next() == Some(id)).unwrap_or_else(|| panic!("{id}: {text}"));
        line.split_whitespace().nth(4).unwrap().to_string()
    };
    assert!(text.lines().next().unwrap().contains("HEALTH"), "{text}");
    assert_eq!(
        (health_of("gpt-4o-mini"), health_of("gpt-4o"), health_of("gpt-5")),
        ("DEGRADED".into(), "ok".into(), "-".into())
    );
    let out = sandbox.llmgw().args(["--json", "models", "list", "--health"]).assert().success();
    let rows = json_doc(&out.get_output().stdout);
    let of = |id: &str| {
        rows.as_array().unwrap().iter().find(|r| r["model_id"] == id && r["provider"] == "openai").unwrap()["health"]
            .clone()
    };
    assert_eq!((of("gpt-4o-mini"), of("gpt-4o"), of("gpt-5")), (json!("degraded"), json!("ok"), json!("unknown")));
    let plain = json_doc(&sandbox.llmgw().args(["--json", "models", "list"]).assert().success().get_output().stdout);
    assert!(plain[0].get("health").is_none(), "only with --health");

    // It answers again: healthy.
    let healed = OpenAiServer::builder()
        .fallback(|_| Reply::Json(completion("gpt-4o-mini", "ok", 1, 1, "stop")))
        .start()
        .unwrap();
    openai_sandbox(&healed)
        .env("XDG_DATA_HOME", sandbox.data_home())
        .llmgw()
        .args(["chat", "-m", "4o-mini", "hi"])
        .assert()
        .success();
    let health = &status(&sandbox, "4o-mini")["health"];
    assert_eq!((&health["status"], &health["failing"]), (&json!("ok"), &json!(0)), "{health}");
}

#[test]
fn fallbacks_and_suggestions_try_a_degraded_model_last() {
    let server = server(&["gpt-4o", "gpt-5.1"]);
    let sandbox = openai_sandbox(&server);
    for _ in 0..3 {
        sandbox.llmgw().args(["chat", "-m", "gpt-5.1", "hi"]).assert().code(7);
    }
    let out = sandbox
        .llmgw()
        .args(["--json", "chat", "-m", "4o", "--fallback", "gpt-5.1", "--fallback", "gpt-4.1", "hi"])
        .assert()
        .success();
    let reply = json_doc(&out.get_output().stdout);
    assert_eq!(reply["model"], "gpt-4.1", "the degraded gpt-5.1 was left for last: {reply}");
    let tried: Vec<&str> = reply["attempts"].as_array().unwrap().iter().map(|a| a["model"].as_str().unwrap()).collect();
    assert_eq!(tried, ["gpt-4o"]);

    // A NOT READY model's alternatives (gpt-5.1 first when healthy): the degraded one goes last, and says so.
    let config = sandbox.copy_config();
    edit_provider_model(&config, "openai", "gpt-4.1", |m| m["llmgateway"]["status"] = json!("NOT READY"));
    let out =
        sandbox.llmgw().arg("--config").arg(&config).args(["--json", "models", "status", "gpt-4.1"]).assert().code(3);
    let suggestions = json_doc(&out.get_output().stdout)["suggestions"].as_array().unwrap().clone();
    let last = suggestions.last().unwrap();
    assert_eq!((&last["model"], &last["provider"]), (&json!("gpt-5.1"), &json!("openai")), "{suggestions:?}");
    assert!(last["reason"].as_str().unwrap().contains("DEGRADED"), "{last}");
    let out = sandbox.llmgw().arg("--config").arg(&config).args(["chat", "-m", "gpt-4.1", "hi"]).assert().code(3);
    let text = stderr(out.get_output());
    let listed: Vec<&str> = text.lines().filter(|l| l.starts_with("  ")).collect();
    assert!(listed.last().is_some_and(|l| l.contains("gpt-5.1") && l.contains("DEGRADED")), "{text}");
}
