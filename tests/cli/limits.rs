//! Limits of `system/limits.json` through the real binary: checked and reserved before a request is sent, across
//! processes sharing one database (32 racing at a limit never pass it), settled to what was used, released when
//! nothing was sent; refusals exit 6 naming the rule; `warnAt`; `llmgw limits`; config errors name the rule.

use serde_json::{Value, json};

use crate::support::openai::{OpenAiServer, Reply, completion, openai_sandbox};
use crate::support::{Sandbox, json_doc, stderr};

/// `sandbox` with a configuration root laid over the built-in catalogue whose `system/limits.json` holds `rules`.
fn limited(sandbox: Sandbox, rules: Value) -> Sandbox {
    let dir = sandbox.home().join("limits-config");
    std::fs::create_dir_all(dir.join("system")).unwrap();
    std::fs::write(dir.join("providers.json"), r#"{"base": "builtin", "providers": []}"#).unwrap();
    std::fs::write(dir.join("system/limits.json"), json!({ "rules": rules }).to_string()).unwrap();
    sandbox.env("LLMGW_CONFIG_DIR", dir)
}

fn limits(sandbox: &Sandbox, user: &str) -> Vec<Value> {
    let out = sandbox.llmgw().args(["--json", "limits", "--user", user]).assert().success();
    json_doc(&out.get_output().stdout).as_array().unwrap().clone()
}

fn used(rows: &[Value], limit: &str) -> f64 {
    let row = rows
        .iter()
        .find(|r| format!("{}_per_{}", r["resource"].as_str().unwrap(), r["window"].as_str().unwrap()) == limit);
    row.unwrap_or_else(|| panic!("{limit}: {rows:?}"))["used"].as_f64().unwrap()
}

#[test]
fn thirty_two_processes_racing_at_a_limit_never_pass_it() {
    let sandbox =
        limited(Sandbox::new(), json!([{"name": "ci", "scope": {"user": "ci"}, "limits": {"requests_per_hour": 10}}]));
    sandbox.llmgw().args(["metrics"]).assert().success(); // the database exists before they race
    let children: Vec<_> = (0..32)
        .map(|i| {
            sandbox
                .command()
                .args(["--json", "chat", "-m", "echo", "--user", "ci", &format!("request {i}")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut codes = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        if out.status.code() == Some(6) {
            assert_eq!(json_doc(&out.stdout)["error"]["code"], "quota_exceeded");
        }
        codes.push(out.status.code());
    }
    assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), 10, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == Some(6)).count(), 22, "{codes:?}");
    assert_eq!(used(&limits(&sandbox, "ci"), "requests_per_hour"), 10.0);
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    assert_eq!(
        (&metrics["total"]["requests"], &metrics["total"]["failed"]),
        (&json!(32), &json!(22)),
        "refusals are recorded"
    );
    // Another user is not counted by the rule.
    sandbox.llmgw().args(["chat", "-m", "echo", "--user", "ann", "hi"]).assert().success();
}

#[test]
fn a_refusal_names_the_rule_and_when_it_resets_and_nothing_is_sent() {
    let server =
        OpenAiServer::builder().fallback(|_| Reply::Json(completion("gpt-4o", "ok", 3, 2, "stop"))).start().unwrap();
    let sandbox = limited(
        openai_sandbox(&server),
        json!([{"name": "team", "scope": {"user": "*", "provider": "openai"}, "limits": {"requests_per_day": 1}}]),
    );
    sandbox.llmgw().args(["chat", "-m", "4o", "--user", "ann", "hi"]).assert().success();
    let out = sandbox.llmgw().args(["--json", "chat", "-m", "4o", "--user", "ann", "hi"]).assert().code(6);
    let error = json_doc(&out.get_output().stdout)["error"].clone();
    assert_eq!(
        (&error["code"], &error["rule"], &error["resource"], &error["window"]),
        (&json!("quota_exceeded"), &json!("team"), &json!("requests"), &json!("day")),
        "{error}"
    );
    assert_eq!((&error["used"], &error["limit"]), (&json!(1.0), &json!(1.0)));
    let retry = error["retry_after_s"].as_f64().unwrap();
    assert!(retry > 0.0 && retry <= 86_400.0, "{error}");
    assert!(error["resets_at"].as_str().unwrap().ends_with("T00:00:00.000Z"), "a UTC day: {error}");
    let text = stderr(
        &sandbox.llmgw().args(["chat", "-m", "4o", "--user", "ann", "hi"]).assert().code(6).get_output().clone(),
    );
    assert!(text.contains("team: requests_per_day") && text.contains("resets at"), "{text}");
    assert_eq!(server.requests().len(), 1, "nothing was sent after the limit");
    // "*" counts each user apart, and the rule is the provider's only: another user, or another provider, goes.
    sandbox.llmgw().args(["chat", "-m", "4o", "--user", "bob", "hi"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "--user", "ann", "hi"]).assert().success();
    // A refusal is not one another model can fix: no fallback.
    sandbox.llmgw().args(["chat", "-m", "4o", "--user", "ann", "--fallback", "echo", "hi"]).assert().code(6);
}

#[test]
fn tokens_and_cost_are_reserved_then_settled_to_what_was_used_and_released_when_nothing_was_sent() {
    let server =
        OpenAiServer::builder().fallback(|_| Reply::Json(completion("gpt-4o", "ok", 40, 10, "stop"))).start().unwrap();
    let rules = json!([{"name": "budget", "scope": {"model": "4o"},
                        "limits": {"tokens_per_day": 3000, "cost_usd_per_month": 0.05, "requests_per_minute": 100}, "warnAt": 0.5}]);
    let sandbox = limited(openai_sandbox(&server), rules.clone());
    sandbox.llmgw().args(["chat", "-m", "4o", "--max-tokens", "1000", "hi"]).assert().success();
    let rows = limits(&sandbox, "anyone");
    assert_eq!(used(&rows, "tokens_per_day"), 50.0, "the reservation (prompt + 1000) settled to 40 + 10");
    let cost = used(&rows, "cost_usd_per_month");
    assert!(cost > 0.0 && cost < 0.001, "settled to the reply's price: {cost}");
    assert!(rows.iter().all(|r| r["scope"] == "model=openai/gpt-4o"), "{rows:?}");
    // What a request may take counts before it is sent: 2,951 + 50 > 3,000.
    let out = sandbox.llmgw().args(["chat", "-m", "4o", "--max-tokens", "2951", "hi"]).assert().code(6);
    assert!(stderr(out.get_output()).contains("this request may take"), "{}", stderr(out.get_output()));
    assert_eq!(server.requests().len(), 1);

    // Past warnAt: one line on stderr, not with -q.
    let out = sandbox.llmgw().args(["chat", "-m", "4o", "--max-tokens", "1500", "hi"]).assert().success();
    let said = stderr(out.get_output());
    assert_eq!(
        said.lines().filter(|l| l.contains("budget: ") && l.contains("% of tokens_per_day used")).count(),
        1,
        "{said}"
    );
    let out = sandbox.llmgw().args(["-q", "chat", "-m", "4o", "--max-tokens", "1500", "hi"]).assert().success();
    assert!(stderr(out.get_output()).is_empty(), "{}", stderr(out.get_output()));

    // A request that fails before it is sent (no key) gives everything back, the request too.
    let keyless = limited(openai_sandbox(&server).env("OPENAI_API_KEY", ""), rules);
    keyless.llmgw().args(["chat", "-m", "4o", "hi"]).assert().code(5);
    let rows = limits(&keyless, "anyone");
    assert_eq!((used(&rows, "requests_per_minute"), used(&rows, "tokens_per_day")), (0.0, 0.0), "{rows:?}");
}

#[test]
fn limits_lists_the_rules_that_apply_to_a_user() {
    let sandbox = limited(
        Sandbox::new(),
        json!([
            {"name": "ci", "scope": {"user": "ci"}, "limits": {"requests_per_minute": 60, "cost_usd_per_month": 50}},
            {"name": "everyone", "limits": {"tokens_per_day": 1000000}},
        ]),
    );
    sandbox.llmgw().args(["chat", "-m", "echo", "--user", "ci", "one two three"]).assert().success();
    let rows = limits(&sandbox, "ci");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let first = &rows[0];
    for field in ["rule", "scope", "resource", "window", "used", "limit", "remaining", "resets_at"] {
        assert!(first.get(field).is_some(), "{field}: {first}");
    }
    let requests = rows.iter().find(|r| r["resource"] == "requests").unwrap();
    assert_eq!((used(&rows, "requests_per_minute"), requests["remaining"].as_f64()), (1.0, Some(59.0)));
    assert_eq!(used(&rows, "tokens_per_day"), 6.0, "echo's words in and out");
    assert_eq!(limits(&sandbox, "ann").len(), 1, "only the rule of everyone");
    let out = sandbox.llmgw().args(["limits", "--user", "ci"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.starts_with("RULE") && text.contains("requests_per_minute") && text.contains("user=ci"), "{text}");
    // Without a database nothing is created.
    let fresh = limited(Sandbox::new(), json!([{"name": "x", "limits": {"requests_per_day": 5}}]));
    assert_eq!(used(&limits(&fresh, "ann"), "requests_per_day"), 0.0);
    assert!(!fresh.data_home().join("llmgw/llmgw.db").exists());
}

#[test]
fn a_broken_rule_is_a_config_error_naming_it() {
    for (rules, said) in [
        (json!([{"name": "r", "limits": {"bytes_per_day": 1}}]), "unknown resource 'bytes'"),
        (json!([{"name": "r", "limits": {"requests_per_week": 1}}]), "unknown window 'week'"),
        (json!([{"name": "r", "limits": {"requests_per_day": -1}}]), "from 0 up"),
        (json!([{"name": "r", "limits": {"requests_per_day": 1.5}}]), "a whole number"),
        (
            json!([{"name": "r", "scope": {"model": "gpt-9"}, "limits": {"requests_per_day": 1}}]),
            "'gpt-9' is not a model",
        ),
        (json!([{"name": "r", "limits": {"requests_per_day": 1}, "warnAt": 1.5}]), "warnAt"),
        (json!([{"name": "r", "limits": {}}]), "has no limit"),
        (
            json!([{"name": "r", "limits": {"requests_per_day": 1}}, {"name": "r", "limits": {"tokens_per_day": 1}}]),
            "another rule",
        ),
    ] {
        let sandbox = limited(Sandbox::new(), rules.clone());
        let out = sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().code(8);
        let text = stderr(out.get_output());
        assert!(text.contains("limits.json") && text.contains("rule 'r'") && text.contains(said), "{rules}: {text}");
    }
}
