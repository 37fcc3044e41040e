//! The offline `echo` model: chat, stream, stdin, JSON shapes and usage errors, with no network and no credentials.

use crate::support::llmgw;
use serde_json::Value;

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

#[test]
fn chat_prints_the_whole_reply_and_a_newline() {
    llmgw()
        .args(["chat", "-m", "echo", "hello", "offline", "world"])
        .assert()
        .success()
        .stdout("hello offline world\n");
}

#[test]
fn stdin_alone_is_the_prompt() {
    llmgw().args(["chat", "-m", "echo"]).write_stdin("from a pipe\n").assert().success().stdout("from a pipe\n");
}

#[test]
fn stdin_is_appended_to_the_prompt_after_a_blank_line() {
    llmgw()
        .args(["chat", "-m", "echo", "Summarise:"])
        .write_stdin("line one\nline two\n")
        .assert()
        .success()
        .stdout("Summarise:\n\nline one\nline two\n");
}

#[test]
fn no_prompt_at_all_is_a_usage_error() {
    let out = llmgw().args(["chat", "-m", "echo"]).write_stdin("").assert().code(2).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no prompt"), "{out:?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn no_prompt_with_json_is_a_json_usage_error() {
    let out = llmgw().args(["--json", "chat", "-m", "echo"]).write_stdin("").assert().code(2).get_output().clone();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "usage");
    assert_eq!(doc["error"]["exit_code"], 2);
}

#[test]
fn unknown_flag_is_clap_usage_error_exit_2() {
    let out = llmgw().args(["chat", "--frobnicate", "x"]).assert().code(2).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--frobnicate"));
}

/// Every numeric flag takes only values llmgw can act on: anything else (out of range, huge, negative, not a
/// number, NaN, infinite) is a usage error (exit 2) naming the flag, never a panic. `--timeout 1e20` was a panic.
#[test]
fn every_numeric_flag_is_range_checked_into_a_usage_error() {
    let absurd = ["1e20", "-1", "0", "nan", "inf", "-inf", "18446744073709551616", "x", ""];
    let flags: [(&[&str], &str, &[&str]); 5] = [
        (&["chat", "-m", "echo"], "--temperature", &["3", "2.0001"]),
        (&["chat", "-m", "echo"], "--top-p", &["1.5"]),
        (&["stream", "-m", "echo"], "--max-tokens", &["4294967296"]),
        (&["chat", "-m", "echo"], "--timeout", &["86401"]),
        (&["conv", "list"], "--limit", &[]),
    ];
    let sandbox = crate::support::Sandbox::new().env("LLMGW_NO_LOG", "1");
    for (command, flag, own) in flags {
        for value in absurd.iter().chain(own) {
            // 0 is a fine temperature and top-p.
            if *value == "0" && matches!(flag, "--temperature" | "--top-p") {
                continue;
            }
            let arg = format!("{flag}={value}");
            let mut args: Vec<&str> = command.to_vec();
            args.push(&arg);
            if command[0] != "conv" {
                args.push("hi");
            }
            let out = sandbox.llmgw().args(&args).output().unwrap();
            let err = crate::support::stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains(flag), "{args:?} does not name the flag: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
    }
    // And the edges that are allowed still work.
    for args in [
        &["chat", "-m", "echo", "--temperature", "0", "--top-p", "1", "--timeout", "86400", "hi"][..],
        &["chat", "-m", "echo", "--temperature", "2", "--top-p", "0", "--max-tokens", "4294967295", "hi"],
        &["conv", "list", "--limit", "1"],
    ] {
        sandbox.llmgw().args(args).assert().success();
    }
}

#[test]
fn chat_json_has_the_documented_fields() {
    let out = llmgw().args(["chat", "--json", "-m", "echo", "two words"]).assert().success().get_output().clone();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "model",
        "provider",
        "vendor",
        "content",
        "stop_reason",
        "usage",
        "duration_ms",
        "conversation_id",
        "request_id",
    ] {
        assert!(doc.get(field).is_some(), "missing {field} in {doc}");
    }
    assert_eq!(doc["model"], "echo");
    assert_eq!(doc["provider"], "local");
    assert_eq!(doc["content"], "two words");
    assert_eq!(doc["stop_reason"], "end_turn");
    assert_eq!(doc["usage"]["input_tokens"], 2);
    assert_eq!(doc["usage"]["output_tokens"], 2);
    assert!(doc["request_id"].as_str().unwrap().starts_with("req_"));
    assert!(out.stderr.is_empty(), "stderr holds only diagnostics: {:?}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn stream_prints_word_by_word_and_ends_with_a_newline() {
    llmgw().args(["stream", "-m", "echo", "one two three"]).assert().success().stdout("one two three\n");
}

#[test]
fn stream_json_is_deltas_then_done() {
    let out = llmgw().args(["stream", "--json", "-m", "echo", "one two three"]).assert().success().get_output().clone();
    let events = json_lines(&out.stdout);
    let deltas: Vec<&str> =
        events.iter().filter(|e| e["type"] == "delta").map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(deltas, ["one", " two", " three"]);
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done");
    assert_eq!(done["content"], "one two three");
    assert_eq!(done["usage"]["output_tokens"], 3);
    assert!(done["time_to_first_token_ms"].is_u64());
}

#[test]
fn max_tokens_and_stop_are_honoured() {
    let out = llmgw().args(["chat", "-m", "echo", "--max-tokens", "2", "a b c d"]).assert().success().stdout("a b\n");
    let stderr = crate::support::stderr(out.get_output());
    assert!(
        stderr.contains("stopped at the token limit (2 output tokens)") && stderr.contains("--max-tokens"),
        "{stderr}"
    );
    for quiet in [&["-q"][..], &["--json"]] {
        let out = llmgw().args(quiet).args(["stream", "-m", "echo", "--max-tokens", "2", "a b c d"]).assert().success();
        assert!(crate::support::stderr(out.get_output()).is_empty(), "{quiet:?}");
    }
    let out = llmgw().args(["chat", "-m", "echo", "--stop", "c", "a b c d"]).assert().success().stdout("a b\n");
    assert!(crate::support::stderr(out.get_output()).is_empty(), "only a token limit is noted");
}

#[test]
fn llmgw_model_env_sets_the_default_model() {
    let mut cmd = llmgw();
    cmd.env("LLMGW_MODEL", "echo").args(["chat", "from env"]).assert().success().stdout("from env\n");
}

#[test]
fn verbose_names_the_config_root_and_provider_without_secrets() {
    let mut cmd = llmgw();
    let out = cmd.env("AWS_SECRET_ACCESS_KEY", "very-secret-value").args(["-v", "chat", "-m", "echo", "hi"]);
    let out = out.assert().success().get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config: built-in"), "{stderr}");
    assert!(stderr.contains("provider: local"), "{stderr}");
    assert!(!stderr.contains("very-secret-value"));
}

#[test]
fn global_flags_work_after_the_subcommand() {
    let out = llmgw().args(["chat", "-m", "echo", "hi", "--json"]).assert().success().get_output().clone();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["content"], "hi");
}

#[test]
fn stream_into_a_closed_pipe_exits_quietly() {
    // Like `| head -c 5`: read five bytes, close the pipe, and expect exit 0 with nothing on stderr.
    let (first, out) = crate::support::stream_into_a_pipe_closed_after_five_bytes(&crate::support::Sandbox::new());
    assert_eq!(&first, b"word ");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A full disk is not a bug: writing the answer fails with exit 1 and `error.code` `io`, saying where, and never
/// "internal error". Every command that writes to stdout goes through the same writer.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_under_stdout_is_an_io_error_not_a_bug() {
    for args in [&["chat", "-m", "echo", "hi"][..], &["stream", "-m", "echo", "hi"], &["models", "list"]] {
        let sandbox = crate::support::Sandbox::new().env("LLMGW_NO_LOG", "1");
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let out = sandbox.command().args(args).stdout(full).output().unwrap();
        let stderr = crate::support::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output") && !stderr.contains("internal"),
            "{args:?}: {stderr}"
        );
    }
}

/// Diagnostics never cost the answer: with stderr closed, or failing every write (a full disk), `-v` (and the
/// warnings and notes that share its writer) still leave the reply on stdout and exit 0. It was exit 101, a panic,
/// with the answer lost.
#[cfg(target_os = "linux")]
#[test]
fn a_closed_or_failing_stderr_never_fails_a_request() {
    let sandbox = crate::support::Sandbox::new();
    for redirect in ["2>&-", "2>/dev/full"] {
        for command in ["chat", "stream"] {
            let script = format!("exec {redirect}; exec \"$0\" -v {command} -m echo still answered");
            let out = sandbox.command_for("sh").args(["-c", &script, env!("CARGO_BIN_EXE_llmgw")]).output().unwrap();
            let what = format!("{command} {redirect}");
            assert_eq!(out.status.code(), Some(0), "{what}: {}", String::from_utf8_lossy(&out.stdout));
            assert_eq!(String::from_utf8_lossy(&out.stdout), "still answered\n", "{what}");
        }
    }
}

/// With `--json`, an argument that does not parse is still one JSON error document on stdout (exit 2), wherever
/// `--json` stands; `--help` stays help, and a `--json` after `--` is a prompt word, not the flag.
#[test]
fn argument_errors_with_json_are_the_json_error_document() {
    for args in
        [&["--json", "chta"][..], &["chat", "--json", "--temperature", "warm", "hi"], &["models", "lsit", "--json"]]
    {
        let out = llmgw().args(args).assert().code(2).get_output().clone();
        let doc = crate::support::json_doc(&out.stdout);
        assert_eq!(
            (&doc["error"]["code"], &doc["error"]["exit_code"]),
            (&serde_json::json!("usage"), &serde_json::json!(2))
        );
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(!message.is_empty() && !message.starts_with("error:"), "{args:?}: {message}");
    }
    let out = llmgw().args(["chta", "--", "--json"]).assert().code(2).get_output().clone();
    assert!(out.stdout.is_empty() && crate::support::stderr(&out).contains("chta"), "no --json before --: plain text");
    llmgw().args(["--json", "--help"]).assert().success();
}

/// Standard input that is not UTF-8 (a Latin-1 file) is taken with its invalid bytes replaced, and stderr says how
/// many; it used to be refused outright.
#[test]
fn stdin_that_is_not_utf8_is_replaced_and_counted_not_refused() {
    let out =
        llmgw().args(["chat", "-m", "echo", "Review:"]).write_stdin(&b"caf\xe9 cr\xe8me\n"[..]).assert().success();
    let out = out.get_output();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Review:\n\ncaf\u{fffd} cr\u{fffd}me\n");
    assert!(
        crate::support::stderr(out).contains("2 invalid byte sequence(s) replaced"),
        "{}",
        crate::support::stderr(out)
    );
}

/// A model name is the caller's to fix when they typed it (`-m`: exit 3, did you mean), and a configuration error
/// naming where it came from when they did not (`$LLMGW_MODEL`, the catalogue's `defaultModel`: exit 8). A model
/// that exists but not at the provider `-p` names says so and lists that provider's models, rather than calling it
/// unknown.
#[test]
fn a_model_name_is_explained_by_where_it_came_from() {
    use crate::support::{Sandbox, edit_json, json_doc, stderr};
    let sandbox = Sandbox::new().env("LLMGW_NO_LOG", "1");
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = sandbox.llmgw();
        if let Some(model) = env {
            cmd.env("LLMGW_MODEL", model);
        }
        cmd.args(args).output().unwrap()
    };

    // The default model, with -p naming a provider that does not serve it.
    let out = run(&["--json", "chat", "-p", "openai", "hi"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let error = &json_doc(&out.stdout)["error"];
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("the default model") && message.contains("not served by provider 'openai'"), "{error}");
    let offered = error["suggestions"].as_array().unwrap();
    assert!(!offered.is_empty() && offered.iter().all(|s| s["provider"] == "openai"), "{error}");
    // The same for a model named on the command line, without "default".
    let out = run(&["chat", "-m", "claude", "-p", "local", "hi"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("model 'claude' is not served by provider 'local'"), "{}", stderr(&out));
    assert!(stderr(&out).contains("echo"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("default model"), "{}", stderr(&out));

    // An unknown name typed with -m: exit 3. The same name from $LLMGW_MODEL: exit 8 naming the variable.
    assert_eq!(run(&["chat", "-m", "nosuch", "hi"], None).status.code(), Some(3));
    let out = run(&["chat", "hi"], Some("nosuch"));
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert!(stderr(&out).contains("$LLMGW_MODEL") && stderr(&out).contains("unknown model 'nosuch'"));
    let out = run(&["chat", "hi"], Some("clade"));
    assert!(stderr(&out).contains("did you mean claude"), "{}", stderr(&out));
    // -m wins over the variable.
    assert_eq!(run(&["chat", "-m", "echo", "hi"], Some("nosuch")).status.code(), Some(0));

    // From the catalogue's defaultModel: exit 8 naming the file and the field.
    let dir = sandbox.copy_config();
    edit_json(&dir.join("system/defaults.json"), |doc| doc["defaultModel"] = "nosuch".into());
    let out = sandbox.llmgw().arg("--config").arg(&dir).args(["chat", "hi"]).output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert!(stderr(&out).contains("system/defaults.json: defaultModel: unknown model 'nosuch'"), "{}", stderr(&out));
}

/// Help is wrapped to the reader's terminal: on an 80-column terminal (a pseudo-terminal from `script`), `--help`
/// itself and `--help | less` (stdout a pipe, stderr still the terminal) stay within 80 columns, also when the
/// terminal reports no rows (as `script`'s, editors' and CI runners' pseudo-terminals do; clap then fell back to
/// 100 columns); with no terminal at all, clap's default of 100 holds. Examples are kept whole (a lib test checks
/// every command at 80 columns).
#[test]
fn help_is_wrapped_to_the_terminal_even_when_piped() {
    let sandbox = crate::support::Sandbox::new();
    let widest = |size: &str, pipeline: &str| {
        let line = format!("stty {size}; {pipeline}");
        let out = sandbox
            .command_for("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("COLUMNS")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (bsdutils) gives the command a pseudo-terminal");
        let text = strip_escapes(&String::from_utf8_lossy(&out.stdout).replace('\r', ""));
        assert!(text.contains("Usage: llmgw chat"), "{text}");
        text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
    };
    let bin = env!("CARGO_BIN_EXE_llmgw");
    for size in ["cols 80 rows 24", "cols 80 rows 0"] {
        assert!(widest(size, &format!("{bin} chat --help")) <= 80, "{size}");
        assert!(widest(size, &format!("{bin} chat --help | cat")) <= 80, "{size}");
    }
    let piped = llmgw().env_remove("COLUMNS").args(["chat", "--help"]).assert().success().get_output().stdout.clone();
    let widest = String::from_utf8_lossy(&piped).lines().map(|l| l.chars().count()).max().unwrap();
    assert!((81..=100).contains(&widest), "no terminal: clap's 100 columns, got {widest}");
}

/// `text` without its ANSI escape sequences (CSI ... letter).
fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
