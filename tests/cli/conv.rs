//! Conversations through the real binary: `conv create/list/show/delete`, `chat --conv` and `stream --conv` sending
//! the stored history upstream (to Claude, then to Llama in its own template), what is stored after success and
//! after failure, where the database lives and with which permissions, and the database's faults.

use serde_json::{Value, json};

use crate::support::bedrock::{BedrockServer, Reply, anthropic_message, anthropic_stream, llama_generation};
use crate::support::{Sandbox, json_doc, stderr};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `conv create ARGS...` in `sandbox`; the id it printed.
fn create(sandbox: &Sandbox, args: &[&str]) -> String {
    let out = sandbox.llmgw().args(["conv", "create"]).args(args).assert().success().get_output().clone();
    let id = stdout(&out).trim_end_matches('\n').to_string();
    assert!(id.starts_with("conv_") && !id.contains(char::is_whitespace), "the id alone: {id:?}");
    id
}

fn show(sandbox: &Sandbox, conv: &str) -> Value {
    json_doc(&sandbox.llmgw().args(["--json", "conv", "show", conv]).assert().success().get_output().stdout)
}

fn roles_and_contents(conv: &Value) -> Vec<(String, String)> {
    conv["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap().to_string(), m["content"].as_str().unwrap().to_string()))
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// conv create / list / show / delete

#[test]
fn create_prints_the_id_alone_and_json_has_the_documented_fields() {
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    create(&sandbox, &["--title", "Trip"]);

    let out = sandbox.llmgw().args(["conv", "create", "--json", "--title", "Plan", "--system", "Be brief"]).assert();
    let doc = json_doc(&out.success().get_output().stdout);
    for field in ["conversation_id", "user_id", "title", "created_at"] {
        assert!(doc.get(field).is_some(), "missing {field} in {doc}");
    }
    assert_eq!((doc["user_id"].as_str(), doc["title"].as_str()), (Some("ann"), Some("Plan")));
    assert!(doc["created_at"].as_str().unwrap().ends_with('Z'), "RFC 3339 UTC: {doc}");
}

#[test]
fn list_is_newest_first_with_message_counts_and_only_the_users_conversations() {
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let first = create(&sandbox, &["--title", "first"]);
    let second = create(&sandbox, &["--title", "second"]);
    create(&sandbox, &["--user", "bob", "--title", "bob's"]);
    // A new turn makes the older conversation the most recently updated.
    sandbox.llmgw().args(["chat", "-m", "echo", "--conv", &first, "hello"]).assert().success().stdout("hello\n");

    let list = json_doc(&sandbox.llmgw().args(["conv", "list", "--json"]).assert().success().get_output().stdout);
    let ids: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["conversation_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert_eq!(list[0]["message_count"], 2);
    assert_eq!(list[1]["message_count"], 0);
    assert!(list[0]["updated_at"].as_str().unwrap() > list[0]["created_at"].as_str().unwrap(), "{list}");

    let limited = sandbox.llmgw().args(["--json", "conv", "list", "--limit", "1"]).assert().success();
    assert_eq!(json_doc(&limited.get_output().stdout).as_array().unwrap().len(), 1);

    let table = sandbox.llmgw().args(["conv", "list"]).assert().success().get_output().clone();
    let lines: Vec<String> = stdout(&table).lines().map(String::from).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("ID") && lines[1].contains(&first) && lines[2].contains(&second), "{lines:?}");
}

#[test]
fn search_finds_conversations_by_their_messages() {
    let sandbox = Sandbox::new();
    let zebra = create(&sandbox, &[]);
    let other = create(&sandbox, &[]);
    sandbox.llmgw().args(["chat", "-m", "echo", "--conv", &zebra, "tell me about zebras"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "--conv", &other, "and about lions"]).assert().success();

    let found = sandbox.llmgw().args(["--json", "conv", "list", "--search", "zebras"]).assert().success();
    let found = json_doc(&found.get_output().stdout);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["conversation_id"], zebra.as_str());
    // Query syntax in the user's text is taken literally, never an FTS5 syntax error.
    let odd = sandbox.llmgw().args(["--json", "conv", "list", "--search", "\"ABOUT* (lions"]).assert().success();
    assert_eq!(json_doc(&odd.get_output().stdout)[0]["conversation_id"], other.as_str());
    let none = sandbox.llmgw().args(["--json", "conv", "list", "--search", "giraffes"]).assert().success();
    assert_eq!(json_doc(&none.get_output().stdout), json!([]));
}

#[test]
fn show_prints_the_turns_readably_and_as_json() {
    let sandbox = Sandbox::new();
    let id = create(&sandbox, &["--name", "trip", "--title", "Trip", "--system", "Be brief"]);
    sandbox.llmgw().args(["chat", "-m", "echo", "--conv", "trip", "hello there"]).assert().success();

    let out = sandbox.llmgw().args(["conv", "show", "trip"]).assert().success().get_output().clone();
    let text = stdout(&out);
    assert!(text.starts_with(&format!("conversation {id} (trip): Trip\n")), "{text}");
    assert!(text.contains("[system]\nBe brief\n"), "{text}");
    assert!(text.contains("[user]\nhello there\n\n[assistant · echo]\nhello there\n"), "{text}");

    let doc = show(&sandbox, &id);
    assert_eq!(doc["conversation_id"], id.as_str());
    assert_eq!(doc["system"], "Be brief");
    let message = &doc["messages"][1];
    for field in ["role", "content", "created_at", "model"] {
        assert!(message.get(field).is_some(), "missing {field} in {message}");
    }
    assert_eq!(message["model"], "echo");
}

#[test]
fn unknown_conversation_is_exit_4_everywhere() {
    let sandbox = Sandbox::new();
    for args in [
        &["conv", "show", "nope"][..],
        &["conv", "delete", "nope"],
        &["chat", "-m", "echo", "--conv", "nope", "hi"],
        &["stream", "-m", "echo", "--conv", "nope", "hi"],
    ] {
        let out = sandbox.llmgw().args(args).assert().code(4).get_output().clone();
        assert!(stderr(&out).contains("no conversation with id or name 'nope"), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
    let out = sandbox.llmgw().args(["--json", "conv", "show", "nope"]).assert().code(4).get_output().clone();
    assert_eq!(json_doc(&out.stdout)["error"]["code"], "not_found");
}

#[test]
fn names_are_unique_per_user() {
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let ann = create(&sandbox, &["--name", "work"]);
    let out = sandbox.llmgw().args(["conv", "create", "--name", "work"]).assert().code(2).get_output().clone();
    assert!(stderr(&out).contains("already has a conversation named 'work'"), "{}", stderr(&out));
    let bob = create(&sandbox, &["--name", "work", "--user", "bob"]);
    assert_ne!(ann, bob);
    assert_eq!(show(&sandbox, "work")["conversation_id"], ann.as_str());
    let doc = json_doc(
        &sandbox
            .llmgw()
            .args(["--json", "conv", "show", "work", "--user", "bob"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(doc["conversation_id"], bob.as_str());
    // Ids are global: anyone can address a conversation by its id.
    assert_eq!(show(&sandbox, &bob)["user_id"], "bob");
}

#[test]
fn delete_removes_the_conversation_and_its_messages() {
    let sandbox = Sandbox::new();
    let id = create(&sandbox, &["--name", "gone"]);
    let kept = create(&sandbox, &[]);
    sandbox.llmgw().args(["chat", "-m", "echo", "--conv", &id, "secret words"]).assert().success();

    let out = sandbox.llmgw().args(["--json", "conv", "delete", "gone"]).assert().success().get_output().clone();
    assert_eq!(json_doc(&out.stdout), json!({ "deleted": id }));
    sandbox.llmgw().args(["conv", "show", &id]).assert().code(4);
    let found = sandbox.llmgw().args(["--json", "conv", "list", "--search", "secret"]).assert().success();
    assert_eq!(json_doc(&found.get_output().stdout), json!([]));
    show(&sandbox, &kept);
}

#[test]
fn delete_older_than_prunes_only_old_conversations() {
    let sandbox = Sandbox::new();
    let old = create(&sandbox, &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let new = create(&sandbox, &[]);

    sandbox.llmgw().args(["conv", "delete", "--older-than", "30d"]).assert().success().stdout("");
    let out = sandbox.llmgw().args(["conv", "delete", "--older-than", "1s"]).assert().success().get_output().clone();
    assert_eq!(stdout(&out), format!("{old}\n"));
    show(&sandbox, &new);
    sandbox.llmgw().args(["conv", "delete", "--older-than", "soon"]).assert().code(2);
    sandbox.llmgw().args(["conv", "delete"]).assert().code(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Continuing a conversation: what goes upstream and what is stored

#[test]
fn claude_then_llama_each_get_the_whole_history_in_their_own_format() {
    let server = BedrockServer::start();
    let sandbox = Sandbox::bedrock(&server);
    let id = create(&sandbox, &["--system", "You are terse."]);

    server.push(Reply::Json(anthropic_message("Paris.", 20, 2, "end_turn")));
    sandbox
        .llmgw()
        .args(["chat", "-m", "claude", "--conv", &id, "Capital of France?"])
        .assert()
        .success()
        .stdout("Paris.\n");
    server.push(Reply::Json(anthropic_message("About 2.1 million.", 30, 5, "end_turn")));
    let out = sandbox.llmgw().args(["chat", "--json", "-m", "claude", "--conv", &id, "Population?"]).assert().success();
    assert_eq!(json_doc(&out.get_output().stdout)["conversation_id"], id.as_str());

    let requests = server.requests();
    assert_eq!(requests[1].body["system"], "You are terse.");
    assert_eq!(
        requests[1].body["messages"],
        json!([
            { "role": "user", "content": "Capital of France?" },
            { "role": "assistant", "content": "Paris." },
            { "role": "user", "content": "Population?" },
        ])
    );

    // The same conversation continues on Llama: the Claude turns go out in the Llama 3 template, in order.
    server.push(Reply::Json(llama_generation("Yes.", 50, 2, "stop")));
    sandbox.llmgw().args(["chat", "-m", "llama", "--conv", &id, "Is it big?"]).assert().success().stdout("Yes.\n");
    assert_eq!(
        server.requests()[2].body["prompt"],
        concat!(
            "<|begin_of_text|>",
            "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>",
            "<|start_header_id|>user<|end_header_id|>\n\nCapital of France?<|eot_id|>",
            "<|start_header_id|>assistant<|end_header_id|>\n\nParis.<|eot_id|>",
            "<|start_header_id|>user<|end_header_id|>\n\nPopulation?<|eot_id|>",
            "<|start_header_id|>assistant<|end_header_id|>\n\nAbout 2.1 million.<|eot_id|>",
            "<|start_header_id|>user<|end_header_id|>\n\nIs it big?<|eot_id|>",
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
        )
    );

    let conv = show(&sandbox, &id);
    let models: Vec<&str> = conv["messages"].as_array().unwrap().iter().filter_map(|m| m["model"].as_str()).collect();
    assert_eq!(
        models,
        [
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "us.meta.llama3-3-70b-instruct-v1:0"
        ]
    );
    assert_eq!(roles_and_contents(&conv).len(), 6);
}

#[test]
fn a_system_flag_replaces_the_stored_system_prompt_for_one_request() {
    let server = BedrockServer::start();
    let sandbox = Sandbox::bedrock(&server);
    let id = create(&sandbox, &["--system", "stored"]);
    server.push(Reply::Json(anthropic_message("ok", 1, 1, "end_turn")));
    server.push(Reply::Json(anthropic_message("ok", 1, 1, "end_turn")));
    sandbox.llmgw().args(["chat", "-m", "claude", "--conv", &id, "-s", "override", "one"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "claude", "--conv", &id, "two"]).assert().success();
    let requests = server.requests();
    assert_eq!(
        (requests[0].body["system"].as_str(), requests[1].body["system"].as_str()),
        (Some("override"), Some("stored"))
    );
    assert_eq!(show(&sandbox, &id)["system"], "stored");
}

#[test]
fn stream_conv_stores_the_streamed_reply() {
    let server = BedrockServer::start();
    let sandbox = Sandbox::bedrock(&server);
    let id = create(&sandbox, &[]);
    server.push(Reply::Stream(anthropic_stream(&["Hel", "lo", "!"], 5, 3, "end_turn")));
    sandbox.llmgw().args(["stream", "-m", "claude", "--conv", &id, "hi"]).assert().success().stdout("Hello!\n");
    assert_eq!(
        roles_and_contents(&show(&sandbox, &id)),
        [("user".to_string(), "hi".to_string()), ("assistant".to_string(), "Hello!".to_string())]
    );
}

#[test]
fn a_failed_request_leaves_the_conversation_unchanged() {
    let server = BedrockServer::start();
    let sandbox = Sandbox::bedrock(&server);
    let id = create(&sandbox, &[]);
    server.push(Reply::Json(anthropic_message("first answer", 1, 1, "end_turn")));
    sandbox.llmgw().args(["chat", "-m", "claude", "--conv", &id, "first"]).assert().success();
    let before = show(&sandbox, &id);

    server.push(Reply::error(424, "ModelErrorException", "The model failed to process the request."));
    sandbox.llmgw().args(["chat", "-m", "claude", "--conv", &id, "second"]).assert().code(7);
    server.push(Reply::Stream(anthropic_stream(&["partial"], 1, 1, "end_turn")[..3].to_vec()));
    sandbox.llmgw().args(["stream", "-m", "claude", "--conv", &id, "third"]).assert().code(7);

    let after = show(&sandbox, &id);
    assert_eq!(after["messages"], before["messages"]);
    assert_eq!(after["updated_at"], before["updated_at"]);
}

// ---------------------------------------------------------------------------------------------------------------
// Where the database lives

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[test]
fn the_default_database_is_owner_only_under_xdg_data_home() {
    let sandbox = Sandbox::new();
    create(&sandbox, &[]);
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    assert!(db.is_file());
    #[cfg(unix)]
    assert_eq!((mode(&db), mode(db.parent().unwrap())), (0o600, 0o700));
}

#[test]
fn db_flag_before_or_after_the_subcommand_and_llmgw_db() {
    let sandbox = Sandbox::new();
    let path = sandbox.home().join("elsewhere/my.db");
    let path = path.to_str().unwrap();
    let id = create(&sandbox, &["--db", path]);
    sandbox.llmgw().args(["--db", path, "conv", "show", &id]).assert().success();
    sandbox.llmgw().env("LLMGW_DB", path).args(["conv", "show", &id]).assert().success();
    // The default database was never made.
    sandbox.llmgw().args(["conv", "show", &id]).assert().code(4);
}

#[test]
fn commands_that_need_no_database_never_create_one() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["models", "list"]).assert().success();
    sandbox.llmgw().args(["completions", "bash"]).assert().success();
    sandbox.llmgw().args(["chat", "--no-log", "-m", "echo", "hi"]).assert().success();
    sandbox.llmgw().args(["stream", "--no-log", "-m", "echo", "hi"]).assert().success();
    assert!(!sandbox.data_home().join("llmgw").exists());
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success();
    assert!(sandbox.data_home().join("llmgw/llmgw.db").exists());
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

#[test]
fn a_corrupt_database_is_reported_with_its_path() {
    let sandbox = Sandbox::new();
    let db = sandbox.home().join("broken.db");
    std::fs::write(&db, "this is not a database, just text that is long enough to have a header\n".repeat(100))
        .unwrap();
    for args in [&["conv", "list"][..], &["chat", "-m", "echo", "hi"]] {
        let out = sandbox.llmgw().arg("--db").arg(&db).args(args).assert().code(1).get_output().clone();
        let message = stderr(&out);
        assert!(message.contains("not a valid llmgw database") && message.contains(db.to_str().unwrap()), "{message}");
        assert!(out.stdout.is_empty(), "nothing was sent: {}", stdout(&out));
    }
    let out =
        sandbox.llmgw().arg("--db").arg(&db).args(["--json", "conv", "list"]).assert().code(1).get_output().clone();
    let error = &json_doc(&out.stdout)["error"];
    assert_eq!((error["code"].as_str(), error["exit_code"].as_i64()), (Some("store"), Some(1)));
}

#[test]
fn a_database_from_a_newer_llmgw_is_refused() {
    let sandbox = Sandbox::new();
    let db = sandbox.home().join("newer.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let out = sandbox.llmgw().arg("--db").arg(&db).args(["conv", "list"]).assert().code(1).get_output().clone();
    assert!(stderr(&out).contains("newer llmgw"), "{}", stderr(&out));
}

#[test]
fn a_locked_database_is_a_clear_error_after_the_busy_timeout() {
    let sandbox = Sandbox::new();
    let db = sandbox.home().join("locked.db");
    sandbox.llmgw().arg("--db").arg(&db).args(["conv", "list"]).assert().success();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO conversations VALUES ('x', 'u', NULL, NULL, NULL, 0, 0);")
        .unwrap();

    let started = std::time::Instant::now();
    let out = sandbox.llmgw().arg("--db").arg(&db).args(["conv", "create"]).assert().code(1).get_output().clone();
    assert!(started.elapsed() >= std::time::Duration::from_secs(4), "waited for the lock first");
    let message = stderr(&out);
    assert!(message.contains("locked") && message.contains(db.to_str().unwrap()), "{message}");
    holder.execute_batch("ROLLBACK").unwrap();
    sandbox.llmgw().arg("--db").arg(&db).args(["conv", "create"]).assert().success();
}

/// A read-only database file in a read-only directory: reading works, writing is a clear error naming the file, and
/// a chat still answers (its record is only a warning). Root ignores permissions, so as root llmgw runs as `nobody`
/// through `setpriv` (util-linux); the test is skipped only when neither is possible.
#[cfg(unix)]
#[test]
fn a_read_only_database_is_a_clear_error() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let sandbox = Sandbox::new();
    // Outside the sandbox's private HOME, so that another user can reach it.
    let dir = tempfile::Builder::new().prefix("llmgw-ro-").tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db_dir = dir.path().join("d");
    let db = db_dir.join("llmgw.db");
    sandbox.llmgw().arg("--db").arg(&db).args(["conv", "list"]).assert().success();

    let root = std::fs::metadata(&db).unwrap().uid() == 0;
    let run = |args: &[&str]| -> std::process::Output {
        let plain = sandbox.command();
        let mut cmd = if root {
            let mut cmd = std::process::Command::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).arg(plain.get_program());
            for (key, value) in plain.get_envs() {
                match value {
                    Some(value) => cmd.env(key, value),
                    None => cmd.env_remove(key),
                };
            }
            cmd.env("HOME", dir.path());
            cmd
        } else {
            plain
        };
        cmd.arg("--db").arg(&db).args(args).stdin(std::process::Stdio::null()).output().expect("run llmgw")
    };
    if root {
        if std::process::Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("skipped: running as root without setpriv");
            return;
        }
        for entry in std::fs::read_dir(&db_dir).unwrap() {
            std::os::unix::fs::chown(entry.unwrap().path(), Some(65534), Some(65534)).unwrap();
        }
        std::os::unix::fs::chown(&db_dir, Some(65534), Some(65534)).unwrap();
    }
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();
    std::fs::set_permissions(&db_dir, std::fs::Permissions::from_mode(0o500)).unwrap();

    let out = run(&["conv", "create"]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{message}");
    assert!(message.contains("read-only") && message.contains(db.to_str().unwrap()), "{message}");
    assert!(run(&["conv", "list"]).status.success());
    let out = run(&["chat", "-m", "echo", "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hi\n");
    assert!(stderr(&out).contains("warning: the request was not recorded"), "{}", stderr(&out));
    std::fs::set_permissions(&db_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn ctrl_c_mid_stream_leaves_the_conversation_unchanged_and_records_the_interruption() {
    use crate::support::bedrock::Frame;
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let server = BedrockServer::start();
    let sandbox = Sandbox::bedrock(&server);
    let id = create(&sandbox, &[]);
    let mut frames = anthropic_stream(&["Partial", " never printed"], 12, 5, "end_turn");
    frames.insert(3, Frame::Delay(Duration::from_secs(120)));
    server.push(Reply::Stream(frames));

    let mut child = sandbox
        .command()
        .args(["stream", "-m", "claude", "--conv", &id, "hi"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn llmgw");
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("Partial") {
        let n = stdout.read(&mut buf).expect("read stdout");
        assert!(n > 0, "llmgw ended before printing: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let sent = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "llmgw did not exit after SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));

    assert_eq!(show(&sandbox, &id)["messages"], json!([]));
    let metrics = sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout.clone();
    let total = &json_doc(&metrics)["total"];
    assert_eq!((total["requests"].as_u64(), total["failed"].as_u64()), (Some(1), Some(1)), "{total}");
}

#[test]
fn a_database_from_before_versioning_is_migrated_in_place() {
    // An empty SQLite file at user_version 0 (what an interrupted first run could leave) with someone else's table.
    let sandbox = Sandbox::new();
    let db = sandbox.home().join("old.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('kept');").unwrap();
    drop(conn);
    let id = create(&sandbox, &["--db", db.to_str().unwrap()]);
    sandbox.llmgw().arg("--db").arg(&db).args(["chat", "-m", "echo", "--conv", &id, "hi"]).assert().success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    let note: String = conn.query_row("SELECT text FROM notes", [], |r| r.get(0)).unwrap();
    assert_eq!((version, note.as_str()), (llmgw::store::SCHEMA_VERSION, "kept"));
}

/// tests/fixtures/store-v1.db was written by the first release (schema 1): this build migrates it in place the first
/// time it opens it, and the conversation goes on where it was.
#[test]
fn a_database_of_the_first_release_is_migrated_and_continues() {
    let sandbox = Sandbox::new().env("LLMGW_USER", "alice");
    let db = sandbox.home().join("v1.db");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v1.db"), &db).unwrap();
    let with_db = |args: &[&str]| {
        let out = sandbox.llmgw().arg("--db").arg(&db).arg("--json").args(args).assert().success();
        json_doc(&out.get_output().stdout)
    };
    let before = with_db(&["metrics"]);
    assert_eq!((before["total"]["requests"].as_u64(), before["total"]["failed"].as_u64()), (Some(6), Some(2)));
    let version: i64 =
        rusqlite::Connection::open(&db).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, llmgw::store::SCHEMA_VERSION);
    with_db(&["chat", "-m", "echo", "--conv", "trip", "and July?"]);
    let trip = with_db(&["conv", "show", "trip"]);
    let contents: Vec<&str> =
        trip["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(contents.len(), 8, "{trip}");
    assert_eq!((contents[0], contents[6], contents[7]), ("Where should I go in May?", "and July?", "and July?"));
    assert_eq!(with_db(&["metrics"])["total"]["requests"], 7);
    assert_eq!(with_db(&["metrics", "--since", "2026-01-01"])["total"]["requests"], 7);
}

#[test]
fn a_database_locked_during_the_request_fails_the_turn_and_the_record_waits_in_the_spool() {
    let sandbox = Sandbox::new();
    let db = sandbox.home().join("busy.db");
    let id = create(&sandbox, &["--db", db.to_str().unwrap()]);
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE; DELETE FROM requests;").unwrap();

    // A request's record goes to the spool beside the database: no wait for the lock, nothing lost.
    let started = std::time::Instant::now();
    let out = sandbox.llmgw().arg("--db").arg(&db).args(["chat", "-m", "echo", "hello"]).assert().success();
    let out = out.get_output();
    assert_eq!((stdout(out).as_str(), stderr(out).as_str()), ("hello\n", ""));
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "did not wait out the busy timeout");

    let out = sandbox
        .llmgw()
        .arg("--db")
        .arg(&db)
        .args(["chat", "--no-log", "-m", "echo", "--conv", &id, "hi"])
        .assert()
        .code(1);
    let out = out.get_output();
    assert_eq!(stdout(out), "hi\n", "the reply is still shown");
    assert!(stderr(out).contains("locked") && stderr(out).contains(db.to_str().unwrap()), "{}", stderr(out));

    holder.execute_batch("ROLLBACK").unwrap();
    let conv = json_doc(
        &sandbox
            .llmgw()
            .arg("--db")
            .arg(&db)
            .args(["--json", "conv", "show", &id])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(conv["messages"], json!([]));
    let out = sandbox.llmgw().arg("--db").arg(&db).args(["--json", "metrics"]).assert().success();
    let metrics = json_doc(&out.get_output().stdout);
    assert_eq!(
        (metrics["total"]["requests"].as_u64(), metrics["by_model"][0]["model"].as_str()),
        (Some(1), Some("echo"))
    );
}

/// Without `--user`, `$LLMGW_USER`, `$USER` or `$LOGNAME` (cron, containers, systemd units), conversations belong to
/// the account of the effective uid, as `id -un` names it, not to a catch-all.
#[test]
fn without_user_variables_the_account_name_is_the_user() {
    let Ok(id) = std::process::Command::new("id").arg("-un").output() else {
        eprintln!("skipped: no `id` command");
        return;
    };
    let account = String::from_utf8(id.stdout).unwrap().trim().to_string();
    let sandbox = Sandbox::new();
    let mut create = sandbox.llmgw();
    for var in ["USER", "LOGNAME", "USERNAME", "LLMGW_USER"] {
        create.env_remove(var);
    }
    let doc = json_doc(&create.args(["conv", "create", "--json"]).assert().success().get_output().stdout);
    assert!(!account.is_empty());
    assert_eq!(doc["user_id"], account.as_str());
}

/// Empty means unset or no filter, never an error: `LLMGW_DB=` (and any empty `LLMGW_*`) is as if unset, and
/// `conv list --search ''` lists everything. A name with the shape of a conversation id is refused, since `--conv`
/// could then mean either.
#[test]
fn empty_values_mean_unset_and_a_name_cannot_look_like_an_id() {
    let sandbox = Sandbox::new().env("LLMGW_DB", "").env("LLMGW_USER", "").env("LLMGW_CONFIG_DIR", "");
    sandbox.llmgw().args(["models", "list"]).assert().success();
    sandbox.llmgw().args(["chat", "-m", "echo", "hi"]).assert().success().stdout("hi\n");
    let id = String::from_utf8(
        sandbox.llmgw().args(["conv", "create", "--name", "trip"]).assert().success().get_output().stdout.clone(),
    )
    .unwrap();
    for search in ["", "  "] {
        let out = sandbox.llmgw().args(["--json", "conv", "list", "--search", search]).assert().success();
        let rows = crate::support::json_doc(&out.get_output().stdout);
        assert_eq!(rows.as_array().map(Vec::len), Some(1), "{search:?}: {rows}");
        assert_eq!(rows[0]["conversation_id"], id.trim());
    }
    let out = sandbox.llmgw().args(["conv", "create", "--name", id.trim()]).assert().code(2);
    assert!(crate::support::stderr(out.get_output()).contains("shape of a conversation id"));
    sandbox.llmgw().args(["conv", "create", "--name", "conv_trip"]).assert().success();
}

/// An empty result keeps stdout empty, for scripts (`conv list` on a new database, `conv delete --older-than` that
/// matches nothing), and says so on stderr only when a person is there to read it (stderr is a terminal: run under
/// `script`, which gives the command a pseudo-terminal).
#[test]
fn empty_results_leave_stdout_empty_and_tell_a_person_at_a_terminal() {
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    for args in
        [&["conv", "list"][..], &["conv", "list", "--search", "lisbon"], &["conv", "delete", "--older-than", "30d"]]
    {
        let out = sandbox.llmgw().args(args).assert().success().get_output().clone();
        assert_eq!((out.stdout.as_slice(), out.stderr.as_slice()), (&b""[..], &b""[..]), "{args:?}");
    }
    let at_terminal = |command: &str| {
        let line = format!("{} {command}", env!("CARGO_BIN_EXE_llmgw"));
        let out = sandbox
            .command_for("script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (bsdutils) runs the command on a pseudo-terminal");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(at_terminal("conv list").contains("ann has no conversations yet; `llmgw conv create` makes one"));
    assert!(at_terminal("conv list --search lisbon").contains("no conversation of ann matches 'lisbon'"));
    assert!(at_terminal("conv delete --older-than 30d").contains("no conversation of ann was older than 30d"));
    assert!(!at_terminal("-q conv list").contains("no conversations"), "-q keeps it quiet");
}
