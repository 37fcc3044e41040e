//! The response cache through the real binary against the local OpenAI server: a hit answers without reaching the
//! server and renders like a live reply (chat, stream, `--json`, `--conv`); keys that must differ do; ttl, eviction,
//! concurrent identical requests; what is never stored; `cache stats|clear`; and what `metrics` counts.

use serde_json::{Value, json};
use std::time::Duration;

use crate::support::openai::{Event, OpenAiServer, Reply, completion, openai_sandbox, stream};
use crate::support::{Sandbox, deltas_and_end, json_doc, stderr};

const ANSWER: &str = "Paris is the capital of France, and has been for a very long time.";

fn answering(text: &str) -> OpenAiServer {
    let text = text.to_string();
    OpenAiServer::builder().fallback(move |_| Reply::Json(completion("gpt-4o", &text, 12, 15, "stop"))).start().unwrap()
}

fn chat_json(sandbox: &Sandbox, args: &[&str]) -> Value {
    json_doc(
        &sandbox.llmgw().args(["--json", "chat", "-m", "gpt-4o"]).args(args).assert().success().get_output().stdout,
    )
}

fn cache_stats(sandbox: &Sandbox) -> Value {
    json_doc(&sandbox.llmgw().args(["--json", "cache", "stats"]).assert().success().get_output().stdout)
}

/// The sandbox with a copy of the catalogue (`$LLMGW_CONFIG_DIR`) whose `system/cache.json` holds `settings`.
fn configure_cache(sandbox: Sandbox, settings: Value) -> Sandbox {
    let dir = sandbox.copy_config();
    std::fs::write(dir.join("system/cache.json"), settings.to_string()).unwrap();
    sandbox.env("LLMGW_CONFIG_DIR", dir)
}

#[test]
fn a_hit_answers_chat_and_stream_without_the_provider_keeping_the_original_usage() {
    let server = answering(ANSWER);
    let sandbox = openai_sandbox(&server);

    let paid = chat_json(&sandbox, &["--cache", "capital of France?"]);
    assert_eq!((paid["content"].as_str(), paid.get("cached")), (Some(ANSWER), None), "a miss is a live reply");

    let out = sandbox.llmgw().args(["-v", "chat", "--cache", "-m", "gpt-4o", "capital of France?"]).assert().success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), format!("{ANSWER}\n"));
    assert!(stderr(out.get_output()).contains("cache: hit, stored "), "{}", stderr(out.get_output()));

    let hit = chat_json(&sandbox, &["--cache", "capital of France?"]);
    assert_eq!(hit["cached"], true);
    assert_eq!(
        (hit["content"].as_str(), &hit["usage"]),
        (Some(ANSWER), &json!({"input_tokens": 12, "output_tokens": 15}))
    );
    assert_eq!(
        (&hit["model"], &hit["provider"], &hit["stop_reason"]),
        (&paid["model"], &paid["provider"], &paid["stop_reason"])
    );
    assert_ne!(hit["request_id"], paid["request_id"], "each request has its own id");

    let out =
        sandbox.llmgw().args(["--json", "stream", "--cache", "-m", "gpt-4o", "capital of France?"]).assert().success();
    let (deltas, done) = deltas_and_end(&out.get_output().stdout);
    assert!(deltas.len() > 1, "the stored text comes as deltas: {deltas:?}");
    assert_eq!((deltas.concat().as_str(), &done["cached"], &done["type"]), (ANSWER, &json!(true), &json!("done")));
    let out = sandbox.llmgw().args(["stream", "--cache", "-m", "gpt-4o", "capital of France?"]).assert().success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), format!("{ANSWER}\n"));
    assert_eq!(server.requests().len(), 1, "only the first request reached the provider");

    let live = chat_json(&sandbox, &["--no-cache", "capital of France?"]);
    assert_eq!((live.get("cached"), server.requests().len()), (None, 2), "--no-cache goes to the provider");
    let off = chat_json(&sandbox, &["capital of France?"]);
    assert_eq!((off.get("cached"), server.requests().len()), (None, 3), "the cache is off by default");

    // 6 requests: 3 paid, 4 answered from the cache at no cost, each saving what the first one cost.
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    let total = &metrics["total"];
    assert_eq!((&total["requests"], &total["cached"]), (&json!(7), &json!(4)), "{total}");
    let cost = total["cost_usd"].as_f64().unwrap();
    let saved = total["saved_usd"].as_f64().unwrap();
    assert!(cost > 0.0 && (saved - cost / 3.0 * 4.0).abs() < 1e-9, "cost {cost}, saved {saved}");
    assert_eq!(
        (total["input_tokens"].as_u64(), total["output_tokens"].as_u64()),
        (Some(36), Some(45)),
        "hits bill no tokens"
    );
    let text = sandbox.llmgw().args(["metrics"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("CACHED") && text.contains("SAVED USD"), "{text}");

    let stats = cache_stats(&sandbox);
    assert_eq!(
        (&stats["entries"], &stats["hits"], &stats["enabled"]),
        (&json!(1), &json!(4), &json!(false)),
        "{stats}"
    );
    assert!((stats["saved_usd"].as_f64().unwrap() - saved).abs() < 1e-9, "{stats}");
}

#[test]
fn a_streamed_miss_is_stored_whole_and_answers_a_later_chat() {
    let server = OpenAiServer::scripted([Reply::Sse(stream(&["Hel", "lo ", "world"], Some((3, 2)), "stop"))]);
    let sandbox = openai_sandbox(&server);
    let out = sandbox.llmgw().args(["stream", "--cache", "-m", "gpt-4o", "hi"]).assert().success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "Hello world\n");
    let hit = chat_json(&sandbox, &["--cache", "hi"]);
    assert_eq!(
        (hit["content"].as_str(), &hit["cached"], &hit["usage"]["output_tokens"]),
        (Some("Hello world"), &json!(true), &json!(2))
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn every_part_of_the_request_that_decides_the_reply_is_in_the_key() {
    let server = answering(ANSWER);
    let sandbox = openai_sandbox(&server);
    let base = ["--cache", "-s", "be brief", "--temperature", "0.5", "hello"];
    chat_json(&sandbox, &base);
    let variants: [&[&str]; 7] = [
        &["--cache", "-s", "be long", "--temperature", "0.5", "hello"],
        &["--cache", "--temperature", "0.5", "hello"],
        &["--cache", "-s", "be brief", "--temperature", "0.6", "hello"],
        &["--cache", "-s", "be brief", "--temperature", "0.5", "hello!"],
        &["--cache", "-s", "be brief", "--temperature", "0.5", "--max-tokens", "50", "hello"],
        &["--cache", "-s", "be brief", "--temperature", "0.5", "--top-p", "0.9", "hello"],
        &["--cache", "-s", "be brief", "--temperature", "0.5", "--stop", "END", "hello"],
    ];
    for (at, args) in variants.iter().enumerate() {
        let reply = chat_json(&sandbox, args);
        assert_eq!((reply.get("cached"), server.requests().len()), (None, at + 2), "{args:?} must miss");
    }
    let other_model = json_doc(
        &sandbox
            .llmgw()
            .args(["--json", "chat", "-m", "gpt-4o-mini"])
            .args(base)
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(other_model.get("cached"), None, "another model");
    // The same request again, in any order of flags and with the same words split differently, is a hit.
    let same = chat_json(&sandbox, &["--temperature", "0.5", "--cache", "-s", "be brief", "hello"]);
    assert_eq!(same["cached"], true);
    assert_eq!(cache_stats(&sandbox)["entries"], 9);
}

#[test]
fn a_hit_continues_a_conversation_as_a_live_reply_would() {
    let server = answering(ANSWER);
    let sandbox = openai_sandbox(&server);
    for name in ["first", "second"] {
        sandbox.llmgw().args(["conv", "create", "--name", name, "-s", "geography"]).assert().success();
    }
    chat_json(&sandbox, &["--cache", "--conv", "first", "capital of France?"]);
    // The same history and prompt in another conversation: the same key.
    let hit = chat_json(&sandbox, &["--cache", "--conv", "second", "capital of France?"]);
    assert_eq!((&hit["cached"], server.requests().len()), (&json!(true), 1));
    assert!(hit["conversation_id"].as_str().is_some_and(|id| id.starts_with("conv_")), "{hit}");
    let shown =
        json_doc(&sandbox.llmgw().args(["--json", "conv", "show", "second"]).assert().success().get_output().stdout);
    let messages: Vec<(&str, &str)> = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["content"].as_str().unwrap()))
        .collect();
    assert_eq!(messages, [("user", "capital of France?"), ("assistant", ANSWER)]);
    // The next turn has a longer history than anything stored: it goes to the provider.
    let next = chat_json(&sandbox, &["--cache", "--conv", "second", "and of Spain?"]);
    assert_eq!((next.get("cached"), server.requests().len()), (None, 2));
    let sent = &server.requests()[1].body["messages"];
    assert_eq!(sent.as_array().map(Vec::len), Some(4), "system, the cached turn, the new prompt: {sent}");
}

#[test]
fn an_entry_older_than_the_ttl_does_not_answer_and_is_replaced() {
    let server = answering(ANSWER);
    let sandbox = openai_sandbox(&server);
    chat_json(&sandbox, &["--cache-ttl", "1s", "hello"]);
    assert_eq!(chat_json(&sandbox, &["--cache-ttl", "1s", "hello"])["cached"], true, "--cache-ttl implies --cache");
    std::thread::sleep(Duration::from_millis(1_100));
    assert_eq!(chat_json(&sandbox, &["--cache-ttl", "1s", "hello"]).get("cached"), None, "expired");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(chat_json(&sandbox, &["--cache-ttl", "1h", "hello"])["cached"], true, "the replaced entry is fresh");
    assert_eq!(cache_stats(&sandbox)["entries"], 1);
}

#[test]
fn config_turns_the_cache_on_for_every_request_and_no_cache_still_skips_it() {
    let server = answering(ANSWER);
    let sandbox = configure_cache(openai_sandbox(&server), json!({"enabled": true, "ttl": "1h"}));
    chat_json(&sandbox, &["hello"]);
    assert_eq!(chat_json(&sandbox, &["hello"])["cached"], true);
    assert_eq!(chat_json(&sandbox, &["--no-cache", "hello"]).get("cached"), None);
    assert_eq!(server.requests().len(), 2);
    let stats = cache_stats(&sandbox);
    assert_eq!((&stats["enabled"], &stats["ttl_s"]), (&json!(true), &json!(3600)));

    let config = sandbox.home().join("llmgw-config/system/cache.json");
    std::fs::write(config, json!({"enabled": true, "ttl": "forever"}).to_string()).unwrap();
    let out = sandbox.llmgw().args(["chat", "-m", "gpt-4o", "hello"]).assert().code(8);
    let text = stderr(out.get_output());
    assert!(text.contains("cache.json") && text.contains("ttl"), "{text}");
}

#[test]
fn the_cache_keeps_within_max_bytes_by_evicting_the_least_recently_used() {
    let server = answering(&"x".repeat(300));
    // Room for two entries (300 bytes of text and llmgw's overhead each), not three.
    let sandbox = configure_cache(openai_sandbox(&server), json!({"enabled": true, "maxBytes": 1000}));
    chat_json(&sandbox, &["one"]);
    chat_json(&sandbox, &["two"]);
    assert_eq!(chat_json(&sandbox, &["one"])["cached"], true, "one is used again: two is now the oldest");
    chat_json(&sandbox, &["three"]);
    let stats = cache_stats(&sandbox);
    assert!(stats["bytes"].as_u64().unwrap() <= 1000 && stats["entries"] == 2, "{stats}");
    assert_eq!(chat_json(&sandbox, &["one"])["cached"], true, "kept");
    assert_eq!(chat_json(&sandbox, &["three"])["cached"], true, "kept");
    assert_eq!(chat_json(&sandbox, &["two"]).get("cached"), None, "evicted");
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn failures_and_cut_streams_are_never_stored() {
    let mut cut = stream(&["Hel", "lo"], None, "stop");
    cut.truncate(2);
    cut.push(Event::Drop);
    let server = OpenAiServer::scripted([
        Reply::error(400, "invalid_request_error", "refused"),
        Reply::Sse(cut),
        Reply::Json(completion("gpt-4o", "fine", 1, 1, "stop")),
    ]);
    let sandbox = openai_sandbox(&server);
    sandbox.llmgw().args(["chat", "--cache", "-m", "gpt-4o", "hi"]).assert().failure();
    sandbox.llmgw().args(["stream", "--cache", "-m", "gpt-4o", "hi"]).assert().code(7);
    assert_eq!(cache_stats(&sandbox)["entries"], 0);
    assert_eq!(chat_json(&sandbox, &["--cache", "hi"])["content"], "fine");
    assert_eq!(chat_json(&sandbox, &["--cache", "hi"])["cached"], true);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn concurrent_identical_requests_all_answer_and_leave_one_entry() {
    let server = OpenAiServer::builder()
        .fallback(|_| {
            Reply::delay(Duration::from_millis(300), Reply::Json(completion("gpt-4o", ANSWER, 12, 15, "stop")))
        })
        .start()
        .unwrap();
    let sandbox = openai_sandbox(&server);
    sandbox.llmgw().args(["cache", "stats"]).assert().success(); // the database exists before they race
    let children: Vec<_> = (0..16)
        .map(|_| {
            sandbox
                .command()
                .args(["--json", "chat", "--cache", "-m", "gpt-4o", "the same question"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(stderr(&out).is_empty(), "no warnings: {}", stderr(&out));
        assert_eq!(json_doc(&out.stdout)["content"], ANSWER);
    }
    let stats = cache_stats(&sandbox);
    assert_eq!(stats["entries"], 1, "{stats}");
    assert_eq!(chat_json(&sandbox, &["--cache", "the same question"])["cached"], true);
    let metrics = json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout);
    assert_eq!(metrics["total"]["requests"].as_u64().unwrap() as usize, 17);
    assert_eq!(
        metrics["total"]["requests"].as_u64().unwrap() - metrics["total"]["cached"].as_u64().unwrap(),
        server.requests().len() as u64
    );
}

#[test]
fn cache_clear_removes_by_age_and_model_and_says_how_much() {
    let server = answering(ANSWER);
    let sandbox = openai_sandbox(&server);
    chat_json(&sandbox, &["--cache", "a"]);
    chat_json(&sandbox, &["--cache", "b"]);
    sandbox.llmgw().args(["chat", "--cache", "-m", "gpt-4o-mini", "a"]).assert().success();
    let clear = |args: &[&str]| {
        json_doc(&sandbox.llmgw().args(["--json", "cache", "clear"]).args(args).assert().success().get_output().stdout)
    };
    assert_eq!(clear(&["--older-than", "1h"]), json!({"deleted": 0, "bytes": 0}));
    let by_alias = clear(&["--model", "4o"]);
    assert_eq!(by_alias["deleted"], 2, "{by_alias}");
    assert!(by_alias["bytes"].as_u64().unwrap() > 2 * ANSWER.len() as u64);
    assert_eq!(cache_stats(&sandbox)["entries"], 1);
    let out = sandbox.llmgw().args(["cache", "clear"]).assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("deleted 1 entries ("));
    assert_eq!(cache_stats(&sandbox)["entries"], 0);
    sandbox.llmgw().args(["cache", "clear", "--older-than", "soon"]).assert().code(2);
    sandbox.llmgw().args(["chat", "--cache", "--no-cache", "-m", "gpt-4o", "x"]).assert().code(2);
    sandbox.llmgw().args(["chat", "--cache-ttl", "0s", "-m", "gpt-4o", "x"]).assert().code(2);
}

#[test]
fn a_fallbacks_reply_is_kept_under_its_own_model_never_the_first_ones() {
    let server = answering("from the fallback");
    let sandbox = openai_sandbox(&server);
    // The first model is Azure's gpt-4o at a closed port (a provider failure, which a fallback may fix).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = sandbox.copy_config();
    crate::support::edit_json(&config.join("providers/azure/settings.json"), |s| {
        s["endpoint"] = json!(format!("http://{closed}"));
        s["endpointEnv"] = Value::Null;
    });
    let sandbox = sandbox.env("LLMGW_CONFIG_DIR", &config).env("AZURE_OPENAI_API_KEY", "k");
    let first = chat_json_model(&sandbox, "azure/gpt-4o", &["--cache", "--fallback", "openai/gpt-4o-mini", "hi"]);
    assert_eq!((first["model"].as_str(), first.get("cached")), (Some("gpt-4o-mini"), None), "{first}");
    // The same request again: azure/gpt-4o is tried (no entry under its key), fails, and the fallback's entry answers.
    let again = chat_json_model(&sandbox, "azure/gpt-4o", &["--cache", "--fallback", "openai/gpt-4o-mini", "hi"]);
    assert_eq!((&again["cached"], &again["attempts"][0]["model"]), (&json!(true), &json!("gpt-4o")), "{again}");
    // Asked of the fallback model directly, its own entry answers.
    assert_eq!(chat_json_model(&sandbox, "openai/gpt-4o-mini", &["--cache", "hi"])["cached"], true);
    let stats = cache_stats(&sandbox);
    assert_eq!(stats["entries"], 1, "one entry, under gpt-4o-mini's key: {stats}");
    assert_eq!(server.requests().len(), 1);
}

fn chat_json_model(sandbox: &Sandbox, model: &str, args: &[&str]) -> Value {
    json_doc(&sandbox.llmgw().args(["--json", "chat", "-m", model]).args(args).assert().success().get_output().stdout)
}
