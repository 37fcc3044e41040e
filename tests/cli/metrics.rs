//! `metrics` through the real binary: every chat/stream request is recorded, success and failure alike, priced from
//! the catalogue, and summed per model with the documented JSON shape; filters; `--no-log`.

use serde_json::{Value, json};

use crate::support::bedrock::{BedrockServer, Reply, anthropic_message, anthropic_stream};
use crate::support::{Sandbox, fill_spool, json_doc};

const CLAUDE: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn metrics(sandbox: &Sandbox, args: &[&str]) -> Value {
    json_doc(&sandbox.llmgw().args(["--json", "metrics"]).args(args).assert().success().get_output().stdout)
}

fn rows(sandbox: &Sandbox) -> Vec<Value> {
    let conn = rusqlite::Connection::open(sandbox.data_home().join("llmgw/llmgw.db")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT command, user_id, provider, vendor, model, ok, error_code, input_tokens, output_tokens, ttft_ms,
                    tokens_per_second, cost_usd, conversation_id, request_id FROM requests ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(json!({
            "command": r.get::<_, String>(0)?, "user": r.get::<_, String>(1)?, "provider": r.get::<_, Option<String>>(2)?,
            "vendor": r.get::<_, Option<String>>(3)?, "model": r.get::<_, Option<String>>(4)?, "ok": r.get::<_, bool>(5)?,
            "error_code": r.get::<_, Option<String>>(6)?, "input": r.get::<_, i64>(7)?, "output": r.get::<_, i64>(8)?,
            "ttft_ms": r.get::<_, Option<i64>>(9)?, "tps": r.get::<_, Option<f64>>(10)?,
            "cost": r.get::<_, Option<f64>>(11)?, "conversation_id": r.get::<_, Option<String>>(12)?,
            "request_id": r.get::<_, String>(13)?,
        }))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn successes_and_failures_are_recorded_and_priced_from_the_catalogue() {
    let server = BedrockServer::start();
    let sandbox = Sandbox::bedrock(&server).env("LLMGW_USER", "ci");
    server.push(Reply::Json(anthropic_message("ok", 1_000, 2_000, "end_turn")));
    let out = sandbox.llmgw().args(["chat", "--json", "-m", "claude", "hi"]).assert().success();
    let request_id = json_doc(&out.get_output().stdout)["request_id"].as_str().unwrap().to_string();
    server.push(Reply::error(424, "ModelErrorException", "The model failed to process the request."));
    sandbox.llmgw().args(["chat", "-m", "claude", "hi"]).assert().code(7);
    server.push(Reply::Stream(anthropic_stream(&["a", "b"], 100, 200, "end_turn")));
    sandbox.llmgw().args(["stream", "-m", "claude", "hi"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "two words"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "no-such-model", "hi"]).assert().code(3);

    let doc = metrics(&sandbox, &[]);
    let total = &doc["total"];
    assert_eq!(total["requests"], 5);
    assert_eq!(total["succeeded"], 3);
    assert_eq!(total["failed"], 2);
    assert_eq!(total["success_rate"], 0.6);
    assert_eq!(total["input_tokens"], 1_100 + 2);
    assert_eq!(total["output_tokens"], 2_200 + 2);
    // 1,100 input at $3.30/M + 2,200 output at $16.50/M.
    assert_eq!(total["cost_usd"], 0.03993);
    for field in ["p50", "p95", "max"] {
        assert!(total["duration_ms"][field].is_u64(), "{total}");
    }
    let claude = doc["by_model"].as_array().unwrap().iter().find(|m| m["model"] == CLAUDE).expect("claude row");
    assert_eq!((claude["provider"].as_str(), claude["vendor"].as_str()), (Some("bedrock"), Some("anthropic")));
    assert_eq!((claude["requests"].as_u64(), claude["failed"].as_u64()), (Some(3), Some(1)));

    let rows = rows(&sandbox);
    assert_eq!(rows[0]["request_id"], request_id.as_str(), "the record carries the printed request id");
    assert_eq!((rows[0]["command"].as_str(), rows[0]["user"].as_str()), (Some("chat"), Some("ci")));
    assert_eq!((rows[1]["ok"].as_bool(), rows[1]["error_code"].as_str()), (Some(false), Some("provider")));
    assert_eq!(rows[2]["command"], "stream");
    assert!(rows[2]["ttft_ms"].is_i64(), "time to first token of a stream: {}", rows[2]);
    assert!(rows[0]["ttft_ms"].is_null());
    assert_eq!(
        (rows[4]["model"].as_str(), rows[4]["error_code"].as_str()),
        (Some("no-such-model"), Some("model_not_found"))
    );
}

#[test]
fn filters_by_model_alias_user_provider_and_time() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "--user", "ann", "one"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "--user", "bob", "two"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "claude", "--user", "bob", "three"]).assert().code(5);

    assert_eq!(metrics(&sandbox, &[])["total"]["requests"], 3);
    assert_eq!(metrics(&sandbox, &["--user", "bob"])["total"]["requests"], 2);
    assert_eq!(metrics(&sandbox, &["--model", "claude"])["total"]["requests"], 1);
    assert_eq!(metrics(&sandbox, &["--model", "claude"])["by_model"][0]["model"], CLAUDE);
    assert_eq!(metrics(&sandbox, &["--provider", "local"])["total"]["requests"], 2);
    assert_eq!(metrics(&sandbox, &["--since", "1h"])["total"]["requests"], 3);
    let none = metrics(&sandbox, &["--since", "2999-01-01T00:00:00Z"]);
    assert_eq!(
        none,
        json!({
            "total": {"requests": 0, "succeeded": 0, "failed": 0, "success_rate": null, "input_tokens": 0,
                      "output_tokens": 0, "tokens_estimated": 0, "tokens_per_second": null, "cost_usd": 0.0,
                      "cached": 0, "saved_usd": 0.0,
                      "duration_ms": {"p50": 0, "p95": 0, "max": 0, "exact": true},
                      "ttft_ms": {"p50": null, "p95": null, "exact": true}},
            "by_model": []
        })
    );
    sandbox.llmgw().args(["metrics", "--since", "last tuesday"]).assert().code(2);
}

#[test]
fn no_log_requests_are_not_recorded() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    sandbox.llmgw().args(["chat", "--no-log", "-m", "echo", "hi"]).assert().success();
    let id = String::from_utf8(sandbox.llmgw().args(["conv", "create"]).assert().success().get_output().stdout.clone())
        .unwrap();
    // With --conv the turn is still stored: --no-log is about the request record only.
    sandbox.llmgw().args(["stream", "--no-log", "-m", "echo", "--conv", id.trim(), "hi"]).assert().success();
    assert_eq!(metrics(&sandbox, &[])["total"]["requests"], 1);
    // LLMGW_NO_LOG makes it the default; a false value does not.
    sandbox.llmgw().env("LLMGW_NO_LOG", "1").args(["chat", "-m", "echo", "hi"]).assert().success();
    assert_eq!(metrics(&sandbox, &[])["total"]["requests"], 1);
    sandbox.llmgw().env("LLMGW_NO_LOG", "false").args(["chat", "-m", "echo", "hi"]).assert().success();
    assert_eq!(metrics(&sandbox, &[])["total"]["requests"], 2);
}

#[test]
fn the_human_table_has_a_row_per_model_and_a_total() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    let out = sandbox.llmgw().args(["metrics"]).assert().success().get_output().clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("REQUESTS") && lines[0].contains("P95 MS") && lines[0].contains("COST USD"), "{text}");
    assert!(lines[1].trim_start().starts_with("echo") && lines[1].contains("100.0%"), "{text}");
    assert!(lines[2].trim_start().starts_with("total"), "{text}");
}

#[test]
fn a_model_that_is_not_ready_is_recorded_under_its_catalogue_id() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "opus-4.1", "hi"]).assert().code(3);
    let rows = rows(&sandbox);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0]["model"].as_str(), rows[0]["provider"].as_str(), rows[0]["vendor"].as_str()),
        (Some("us.anthropic.claude-opus-4-1-20250805-v1:0"), Some("bedrock"), Some("anthropic"))
    );
    assert_eq!(rows[0]["error_code"], "model_not_ready");
    assert_eq!(metrics(&sandbox, &["--provider", "bedrock"])["total"]["failed"], 1);
}

/// p50/p95 are exact over the recorded durations (nearest rank) for a user's own requests, and marked as binned
/// (`"exact": false`, `~` in the table, a note on stderr) once more than 50,000 requests match.
#[test]
fn percentiles_are_exact_for_small_selections_and_marked_when_binned() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    let store = llmgw::store::Store::open(&sandbox.data_home().join("llmgw/llmgw.db")).unwrap();
    let record = |i: u64, user: &str| llmgw::store::RequestRecord {
        request_id: format!("{user}-{i}"),
        time_ms: llmgw::time::now_ms() - 1000,
        user_id: user.into(),
        command: "chat".into(),
        model: Some("m".into()),
        provider: Some("p".into()),
        duration_ms: 1000 + i % 20,
        ..Default::default()
    };
    // 1000, 1001, ... 1019 ms: the 10th is 1009 and the 19th 1018 (one bin holds 1000-1023, whose mean is not).
    store.record_many(&(0..20).map(|i| record(i, "ann")).collect::<Vec<_>>()).unwrap();
    let ann = metrics(&sandbox, &["--user", "ann"]);
    assert_eq!(ann["total"]["duration_ms"], json!({"p50": 1009, "p95": 1018, "max": 1019, "exact": true}));

    store.record_many(&(0..50_001).map(|i| record(i, "bulk")).collect::<Vec<_>>()).unwrap();
    let all = metrics(&sandbox, &[]);
    assert_eq!(all["total"]["requests"], 50_022);
    assert_eq!(
        (all["total"]["duration_ms"]["exact"].as_bool(), all["total"]["duration_ms"]["max"].as_u64()),
        (Some(false), Some(1019))
    );
    let p50 = all["total"]["duration_ms"]["p50"].as_u64().unwrap();
    assert!(p50.abs_diff(1009) <= 1009 / 16, "binned p50 {p50}");
    let out = sandbox.llmgw().args(["metrics"]).assert().success().get_output().clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let total = text.lines().last().unwrap();
    assert!(total.contains(&format!("~{p50}")), "{text}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("narrow with --since"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Narrowed to the user's own requests, exact again.
    assert_eq!(metrics(&sandbox, &["--user", "ann"])["total"]["duration_ms"]["exact"], true);
}

/// A record that takes the spool past its threshold moves it into the database, unless another process is writing
/// to the database at that moment: then the request neither waits nor warns, and the records stay in the spool
/// until a later request or `metrics` takes them in.
#[test]
fn a_full_spool_waits_for_a_later_process_while_the_database_is_busy() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "first"]).assert().success();
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    let seeded = fill_spool(&db);
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; DELETE FROM requests;").unwrap();

    let started = std::time::Instant::now();
    let out = sandbox.llmgw().args(["chat", "-m", "echo", "second"]).assert().success().get_output().clone();
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "did not wait for the write lock");
    let spool = llmgw::store::spool::Spool::of(&db);
    assert!(std::fs::metadata(spool.path()).unwrap().len() >= llmgw::store::spool::INGEST_AT_BYTES, "still spooled");

    holder.execute_batch("ROLLBACK").unwrap();
    sandbox.llmgw().args(["chat", "-m", "echo", "third"]).assert().success();
    assert!(!spool.path().exists(), "the next request took the spool in");
    let total = &metrics(&sandbox, &[])["total"];
    assert_eq!(total["requests"].as_i64(), Some(seeded + 3));
}

/// A line of the spool torn by a full disk or a crash is skipped, said on stderr, and costs no other record.
#[test]
fn metrics_skips_a_torn_spool_line_and_says_so() {
    use std::io::Write;
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "first"]).assert().success();
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    sandbox.llmgw().args(["chat", "-m", "echo", "second"]).assert().success();
    let spool = llmgw::store::spool::Spool::of(&db);
    let mut file = std::fs::OpenOptions::new().append(true).open(spool.path()).unwrap();
    file.write_all(br#"{"request_id":"torn","ti"#).unwrap();
    sandbox.llmgw().args(["chat", "-m", "echo", "third"]).assert().success();

    let out = sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().clone();
    assert_eq!(json_doc(&out.stdout)["total"]["requests"], 3);
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(warning.contains("warning: 1 spoiled line(s) of the spool"), "{warning}");
    assert!(!spool.path().exists());
}

/// `metrics` on a database another process keeps locked for writing: after the busy timeout it still prints the
/// figures it has, warns that the spooled records are left out, and keeps them for the next time.
#[test]
fn metrics_leaves_the_spool_alone_when_the_database_stays_locked() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "first"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "second"]).assert().success();
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE; CREATE TABLE scratch (x);").unwrap();

    let out = sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().clone();
    assert_eq!(json_doc(&out.stdout)["total"]["requests"], 1, "the figures of the database alone");
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(warning.contains("leave out the records still in the spool") && warning.contains("locked"), "{warning}");
    assert!(llmgw::store::spool::Spool::of(&db).path().exists(), "the record is kept");

    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(metrics(&sandbox, &[])["total"]["requests"], 2);
}

/// A reader that stops reading (`| head -c 5`) ends the stream with exit 0: the request did what it was asked, so it
/// counts as succeeded, with the tokens received until then (estimated, and marked so in the table and the JSON).
#[test]
fn a_stream_its_reader_closed_is_a_success_with_the_tokens_it_received() {
    let sandbox = Sandbox::new();
    let (_, out) = crate::support::stream_into_a_pipe_closed_after_five_bytes(&sandbox);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));

    let total = metrics(&sandbox, &[])["total"].clone();
    assert_eq!((total["requests"].as_u64(), total["succeeded"].as_u64()), (Some(1), Some(1)), "{total}");
    assert_eq!(total["success_rate"], 1.0);
    assert_eq!(total["tokens_estimated"], 1, "{total}");
    assert_eq!(total["input_tokens"], 200_000, "{total}");
    let output = total["output_tokens"].as_u64().unwrap();
    assert!((1..100_000).contains(&output), "the words written before the pipe closed: {total}");
    assert_eq!(rows(&sandbox)[0]["error_code"], "broken_pipe");

    let table = sandbox.llmgw().args(["metrics"]).assert().success().get_output().clone();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.lines().last().unwrap().contains(&format!("{output}*")), "{text}");
    assert!(String::from_utf8_lossy(&table.stderr).contains("* marks token counts"), "{text}");
}

/// No traffic is not a failed gate: with no requests, `success_rate` is null (and `-` in the table), never 0.
#[test]
fn no_requests_have_no_success_rate_and_the_table_says_so() {
    let sandbox = Sandbox::new();
    let doc = metrics(&sandbox, &[]);
    assert_eq!((&doc["total"]["requests"], &doc["total"]["success_rate"]), (&json!(0), &Value::Null));
    let out = sandbox.llmgw().args(["metrics"]).assert().success().get_output().clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let total: Vec<&str> = text.lines().last().unwrap().split_whitespace().collect();
    assert_eq!(total[..4], ["total", "0", "0", "-"], "{text}");
}

/// Time to first token and tokens per second, per model and in total: the first-token times of streams (`chat` gets
/// its reply whole and has none), and all output tokens over all request time.
#[test]
fn metrics_show_time_to_first_token_and_tokens_per_second() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "one two three"]).assert().success();
    let only_chat = metrics(&sandbox, &[])["total"].clone();
    assert_eq!(only_chat["ttft_ms"], json!({"p50": null, "p95": null, "exact": true}), "{only_chat}");
    sandbox.llmgw().args(["stream", "-m", "echo", "one two three four"]).assert().success();
    let streamed = metrics(&sandbox, &[])["total"].clone();
    assert_eq!(streamed["ttft_ms"]["p50"], rows(&sandbox)[1]["ttft_ms"], "one stream: its own first-token time");

    // Known figures: two streams of 100 tokens in 1 s and 3 s, first tokens after 100 and 300 ms.
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    let store = llmgw::store::Store::open(&sandbox.data_home().join("llmgw/llmgw.db")).unwrap();
    let record = |i: u64| llmgw::store::RequestRecord {
        request_id: format!("s{i}"),
        time_ms: llmgw::time::now_ms() - 1000,
        user_id: "ann".into(),
        command: "stream".into(),
        model: Some("m".into()),
        provider: Some("p".into()),
        output_tokens: 100,
        duration_ms: 1000 * (2 * i + 1),
        ttft_ms: Some(100 * (2 * i + 1)),
        ..Default::default()
    };
    store.record_many(&[record(0), record(1)]).unwrap();
    let ann = metrics(&sandbox, &["--user", "ann"])["total"].clone();
    assert_eq!(ann["tokens_per_second"], 50.0, "{ann}");
    assert_eq!(ann["ttft_ms"], json!({"p50": 100, "p95": 300, "exact": true}), "{ann}");
    let out = sandbox.llmgw().args(["metrics", "--user", "ann"]).assert().success().get_output().clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = text.lines().next().unwrap().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    let total: Vec<&str> = text.lines().last().unwrap().split_whitespace().collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name}: {text}"));
    // The total row has no provider cell, so its cells sit one to the left of the header's after MODEL.
    assert_eq!(total[at("TOK/S") - 1], "50.0", "{text}");
    assert_eq!((total[at("TTFT P50") - 1], total[at("TTFT P95") - 1]), ("100", "300"), "{text}");
}

/// The spool takes in only what a request can produce, and each request once: a line with impossible values (2^63
/// tokens, a negative duration, time -1, cost 1e308, a first token after the end) is skipped and counted as such, and
/// a line written twice is counted once.
#[test]
fn the_spool_takes_in_only_plausible_records_and_each_request_once() {
    use std::io::Write;
    let sandbox = Sandbox::new();
    // The first request makes the database; the second goes to its spool.
    sandbox.llmgw().args(["chat", "-m", "echo", "first"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "second words"]).assert().success();
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    let spool = llmgw::store::spool::Spool::of(&db);
    let line = std::fs::read_to_string(spool.path()).unwrap();
    let original: Value = serde_json::from_str(line.trim()).unwrap();
    let spoiled = |field: &str, value: Value, id: &str| {
        let mut record = original.clone();
        record[field] = value;
        record["request_id"] = json!(id);
        format!("{record}\n")
    };
    let mut file = std::fs::OpenOptions::new().append(true).open(spool.path()).unwrap();
    for bad in [
        spoiled("input_tokens", json!(1_u64 << 63), "huge-in"),
        spoiled("output_tokens", json!(u64::MAX), "huge-out"),
        spoiled("duration_ms", json!(-5), "negative"),
        spoiled("time_ms", json!(-1), "before-time"),
        spoiled("time_ms", json!(i64::MAX), "after-time"),
        spoiled("cost_usd", json!(1e308), "costly"),
        spoiled("cost_usd", json!(-1.0), "refund"),
        spoiled("ttft_ms", json!(u32::MAX), "first-after-last"),
        spoiled("request_id", json!(""), ""),
    ] {
        file.write_all(bad.as_bytes()).unwrap();
    }
    // The same request, twice more.
    file.write_all(line.as_bytes()).unwrap();
    file.write_all(line.as_bytes()).unwrap();
    drop(file);

    let out = sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().clone();
    let total = json_doc(&out.stdout)["total"].clone();
    assert_eq!(total["requests"], 2, "{total}");
    assert_eq!(total["input_tokens"], 1 + original["input_tokens"].as_u64().unwrap(), "{total}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("9 spoiled line(s)"), "{stderr}");
    assert_eq!(rows(&sandbox).len(), 2);
}

#[test]
fn metrics_by_user_day_and_hour_break_the_same_total_down() {
    let sandbox = Sandbox::new();
    for user in ["ann", "bob", "bob"] {
        sandbox.llmgw().args(["chat", "-m", "echo", "--user", user, "hello"]).assert().success();
    }
    let total = metrics(&sandbox, &[])["total"].clone();
    for (by, field) in [("user", "by_user"), ("day", "by_day"), ("hour", "by_hour")] {
        let doc = metrics(&sandbox, &["--by", by]);
        assert_eq!(doc["total"], total, "--by {by}");
        assert!(doc.get("by_model").is_none(), "--by {by}: {doc}");
        let groups = doc[field].as_array().unwrap_or_else(|| panic!("{field}: {doc}"));
        let requests: u64 = groups.iter().map(|g| g["requests"].as_u64().unwrap()).sum();
        assert_eq!(requests, 3, "{doc}");
        assert!(groups.iter().all(|g| g[by].is_string()), "each group names its {by}: {doc}");
    }
    let by_user = metrics(&sandbox, &["--by", "user"]);
    assert_eq!((&by_user["by_user"][0]["user"], &by_user["by_user"][0]["requests"]), (&json!("bob"), &json!(2)));
    let day = &metrics(&sandbox, &["--by", "day"])["by_day"][0]["day"];
    assert_eq!(day.as_str().map(str::len), Some(10), "YYYY-MM-DD: {day}");
    let out = sandbox.llmgw().args(["metrics", "--by", "user"]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8_lossy(&out);
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("USER ") && !header.contains("PROVIDER"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("ann ")) && text.lines().last().unwrap().starts_with("total"), "{text}");
    sandbox.llmgw().args(["metrics", "--by", "week"]).assert().code(2);
}
