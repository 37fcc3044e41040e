//! `stream` on OpenAI and Azure through the real binary: SSE `data:` chunks become text on stdout or NDJSON deltas,
//! usage comes from the `include_usage` chunk (or is estimated and flagged), comment lines are skipped, and a stream
//! that stops before `data: [DONE]`, drops, or goes silent is a failure with exit 7, never a silent success.

use serde_json::json;
use std::time::Duration;

use crate::support::deltas_and_end;
use crate::support::openai::{
    AZURE_KEY, Event, OPENAI_KEY, OpenAiServer, Reply, azure_sandbox, delta, done, openai_sandbox, stream,
};

#[test]
fn gpt_stream_prints_the_pieces_and_asks_for_usage() {
    let server = OpenAiServer::scripted([Reply::Sse(stream(&["Hel", "lo", " there"], Some((9, 3)), "stop"))]);

    let out =
        openai_sandbox(&server).llmgw().args(["stream", "-m", "gpt-4o", "-s", "be brief", "hi"]).assert().success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "Hello there\n");
    assert!(!String::from_utf8_lossy(&out.get_output().stderr).contains(OPENAI_KEY));

    let request = server.only_request();
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.body,
        json!({
            "model": "gpt-4o",
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
            "max_tokens": 1024,
            "stream": true,
            "stream_options": {"include_usage": true},
        })
    );
}

#[test]
fn stream_json_has_deltas_then_done_with_the_reported_usage() {
    let server = OpenAiServer::scripted([Reply::Sse(stream(&["A", "B"], Some((12, 2)), "length"))]);

    let out = openai_sandbox(&server).llmgw().args(["--json", "stream", "-m", "gpt-mini", "hi"]).assert().success();
    let (deltas, end) = deltas_and_end(&out.get_output().stdout);
    assert_eq!(deltas.concat(), "AB");
    assert_eq!(end["type"], "done");
    assert_eq!(end["model"], "gpt-5-mini");
    assert_eq!(end["provider"], "openai");
    assert_eq!(end["stop_reason"], "max_tokens");
    assert_eq!(end["usage"], json!({"input_tokens": 12, "output_tokens": 2}));
    assert!(end["time_to_first_token_ms"].is_u64(), "{end}");
}

#[test]
fn comment_lines_are_skipped_and_a_stream_without_usage_is_estimated_and_flagged() {
    let server = OpenAiServer::start();
    let mut events = vec![Event::Raw(": ping\n\n".into()), delta("one two")];
    events.push(Event::Raw(": keep-alive\n\n".into()));
    events.push(delta(" three"));
    events.push(Event::Data(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})));
    events.push(done());
    server.push(Reply::Sse(events));

    let out = openai_sandbox(&server).llmgw().args(["--json", "stream", "-m", "gpt-4o", "a b"]).assert().success();
    let (deltas, end) = deltas_and_end(&out.get_output().stdout);
    assert_eq!(deltas.concat(), "one two three");
    assert_eq!(end["stop_reason"], "end_turn");
    assert_eq!(end["usage"], json!({"input_tokens": 2, "output_tokens": 3, "estimated": true}));
}

#[test]
fn azure_stream_goes_to_the_deployment() {
    let server = OpenAiServer::scripted([Reply::Sse(stream(&["Sa", "lut"], Some((4, 2)), "stop"))]);
    azure_sandbox(&server).llmgw().args(["stream", "-m", "azure-gpt-mini", "hi"]).assert().success().stdout("Salut\n");
    let request = server.only_request();
    assert_eq!(request.path, "/openai/deployments/gpt-4.1-mini/chat/completions");
    assert_eq!(request.header("api-key"), Some(AZURE_KEY));
    assert_eq!(request.body["stream_options"], json!({"include_usage": true}));
}

#[test]
fn a_stream_that_ends_without_done_exits_7_after_printing_what_came() {
    let server = OpenAiServer::start();
    let mut events = stream(&["partial"], None, "stop");
    events.pop(); // no [DONE]
    server.push(Reply::Sse(events));

    let out = openai_sandbox(&server).llmgw().args(["--json", "stream", "-m", "gpt-4o", "hi"]).assert().code(7);
    let (deltas, end) = deltas_and_end(&out.get_output().stdout);
    assert_eq!(deltas, ["partial"]);
    assert_eq!(end["type"], "error");
    assert_eq!(end["error"]["code"], "provider");
    assert!(end["error"]["message"].as_str().unwrap().contains("[DONE]"), "{end}");
}

#[test]
fn a_dropped_stream_exits_7() {
    let server = OpenAiServer::scripted([Reply::Sse(vec![delta("cut"), Event::Drop])]);
    let out = openai_sandbox(&server).llmgw().args(["stream", "-m", "gpt-4o", "hi"]).assert().code(7);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("cut"));
}

#[test]
fn a_server_that_keeps_the_stream_open_and_silent_times_out_with_exit_7() {
    let server = OpenAiServer::scripted([Reply::Sse(vec![delta("waiting"), Event::Hang])]);
    let started = std::time::Instant::now();
    let out = openai_sandbox(&server).llmgw().args(["stream", "--timeout", "1", "-m", "gpt-4o", "hi"]).assert().code(7);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr)
            .contains("the request to openai timed out after 1 s without data"),
        "{:?}",
        out.get_output()
    );
}

#[test]
fn an_error_event_inside_the_stream_exits_7_with_its_message() {
    let server = OpenAiServer::start();
    server
        .push(Reply::Sse(vec![delta("x"), Event::Data(json!({"error": {"message": "model overloaded mid-stream"}}))]));
    let out = openai_sandbox(&server).llmgw().args(["stream", "-m", "gpt-4o", "hi"]).assert().code(7);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("model overloaded mid-stream"));
}

#[test]
fn a_server_that_ignores_stream_true_and_sends_json_is_printed_whole() {
    let server = OpenAiServer::scripted([Reply::Json(crate::support::openai::completion(
        "gpt-4o",
        "whole reply",
        3,
        2,
        "stop",
    ))]);
    let out = openai_sandbox(&server).llmgw().args(["--json", "stream", "-m", "gpt-4o", "hi"]).assert().success();
    let (deltas, end) = deltas_and_end(&out.get_output().stdout);
    assert_eq!(deltas, ["whole reply"]);
    assert_eq!(end["usage"], json!({"input_tokens": 3, "output_tokens": 2}));
}

#[test]
fn a_long_stream_sent_in_large_chunks_by_the_fallback_arrives_whole_with_its_usage() {
    // What `examples/fake_openai` does for the benchmark: no script, a fallback that generates every event, buffered
    // into HTTP chunks that split events anywhere.
    const TOKENS: u64 = 20_000;
    let server = OpenAiServer::builder()
        .fallback(|request| {
            assert_eq!(request.body["stream_options"]["include_usage"], true, "{:?}", request.body);
            Reply::Generate(Box::new(|sink| {
                let piece = serde_json::to_vec(&json!({"choices": [{"index": 0, "delta": {"content": " w"}}]}))?;
                for _ in 0..TOKENS {
                    sink.data(&piece)?;
                }
                sink.raw(b": ping\n\n")?;
                sink.data(br#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#)?;
                let usage = json!({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": TOKENS}});
                sink.data(&serde_json::to_vec(&usage)?)?;
                sink.raw(b"data: [DONE]\n\n")
            }))
        })
        .start()
        .expect("bind");

    let out = openai_sandbox(&server).llmgw().args(["--json", "stream", "-m", "4o", "hi"]).assert().success();
    let (deltas, end) = deltas_and_end(&out.get_output().stdout);
    assert_eq!(deltas.len() as u64, TOKENS);
    assert_eq!(end["content"].as_str().unwrap().len() as u64, 2 * TOKENS);
    assert_eq!(end["usage"], json!({"input_tokens": 3, "output_tokens": TOKENS}), "{end}");
    assert_eq!(end["stop_reason"], "end_turn");
}

/// Every line ending the SSE spec allows (LF, CRLF, a lone CR), with and without a leading byte-order mark: each
/// event reaches the output as soon as it is complete, and the stream ends cleanly at `[DONE]`. A CR-only stream
/// used to arrive one event late and end in exit 7; a byte-order mark used to panic the binary (exit 101).
#[test]
fn every_sse_line_ending_and_a_byte_order_mark_deliver_each_event_at_once() {
    let chunk = |text: &str| json!({"choices": [{"index": 0, "delta": {"content": text}}]}).to_string();
    let finish = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}).to_string();
    let cases: Vec<(String, &str)> = ["\n", "\r\n", "\r"]
        .iter()
        .flat_map(|eol| [("", *eol), ("\u{feff}", *eol)])
        .map(|(bom, eol)| (bom.to_string(), eol))
        .collect();
    std::thread::scope(|scope| {
        for (bom, eol) in &cases {
            let (chunk, finish) = (&chunk, &finish);
            scope.spawn(move || {
                let event = |data: &str| Event::Raw(format!("data: {data}{eol}{eol}"));
                let server = OpenAiServer::scripted([Reply::Sse(vec![
                    Event::Raw(format!("{bom}: a comment first{eol}data: {}{eol}{eol}", chunk("Hel"))),
                    Event::Delay(Duration::from_millis(900)),
                    event(&chunk("lo")),
                    event(finish),
                    event("[DONE]"),
                ])]);
                let what = format!("bom {:?}, line ending {eol:?}", !bom.is_empty());
                let out = openai_sandbox(&server).llmgw().args(["--json", "stream", "-m", "gpt-4o", "hi"]).output();
                let out = out.unwrap();
                assert_eq!(out.status.code(), Some(0), "{what}: {}", String::from_utf8_lossy(&out.stdout));
                let (deltas, done) = deltas_and_end(&out.stdout);
                assert_eq!(deltas, ["Hel", "lo"], "{what}");
                assert_eq!(done["stop_reason"], "end_turn", "{what}");
                let first = done["time_to_first_token_ms"].as_u64().unwrap();
                assert!(first < 700, "{what}: the first event waited for the next one ({first} ms)");
            });
        }
    });
}

/// An error inside a stream, in any of the shapes servers send it, is exit 7 with the server's message, and the
/// text printed before it stays: `event: error` frames (JSON or plain data), vLLM's `{"object": "error", ...}`
/// chunks and OpenAI's `{"error": {...}}`. The first two used to end in exit 0 with a truncated answer.
#[test]
fn an_error_inside_a_stream_in_any_shape_is_exit_7_with_the_servers_message() {
    let shapes = [
        ("event: error\ndata: {\"message\": \"model overloaded\"}\n\n", "model overloaded"),
        ("event: error\ndata: upstream went away\n\n", "upstream went away"),
        (
            "data: {\"object\": \"error\", \"message\": \"CUDA out of memory\", \"type\": \"InternalServerError\", \"code\": 500}\n\n",
            "CUDA out of memory",
        ),
        ("data: {\"error\": {\"message\": \"boom\", \"type\": \"server_error\"}}\n\n", "boom"),
    ];
    for (frame, message) in shapes {
        let server =
            OpenAiServer::scripted([Reply::Sse(vec![delta("Hel"), Event::Raw(frame.into()), delta("lo"), done()])]);
        let out = openai_sandbox(&server).llmgw().args(["stream", "-m", "gpt-4o", "hi"]).assert().code(7);
        let out = out.get_output();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "Hel\n", "{frame:?}: what was printed stays");
        let stderr = crate::support::stderr(out);
        assert!(stderr.contains(message) && stderr.contains("during the stream"), "{frame:?}: {stderr}");
    }
}

/// A streamed refusal (`delta.refusal`) is the reply, and `refusal` is its stop reason; it used to vanish.
#[test]
fn a_streamed_refusal_is_shown_with_stop_reason_refusal() {
    let refusal = |text: &str| Event::Data(json!({"choices": [{"index": 0, "delta": {"refusal": text}}]}));
    let finish = Event::Data(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}));
    let server = OpenAiServer::scripted([
        Reply::Sse(vec![refusal("I can't"), refusal(" help with that."), finish.clone(), done()]),
        Reply::Sse(vec![refusal("No."), finish, done()]),
    ]);
    let sandbox = openai_sandbox(&server);
    sandbox.llmgw().args(["stream", "-m", "gpt-4o", "hi"]).assert().success().stdout("I can't help with that.\n");
    let out = sandbox.llmgw().args(["--json", "stream", "-m", "gpt-4o", "hi"]).assert().success();
    let (deltas, done) = deltas_and_end(&out.get_output().stdout);
    assert_eq!((deltas, &done["stop_reason"]), (vec!["No.".to_string()], &json!("refusal")));
}
