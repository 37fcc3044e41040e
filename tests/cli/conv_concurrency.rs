//! Many `llmgw` processes on one database, as parallel CI jobs run them: 32 simultaneous `chat --conv` on one
//! conversation and 32 on different ones all succeed, every turn and every request record is stored, and each
//! conversation stays well-formed (user and assistant alternate, sequence numbers contiguous from 1).
//!
//! The offline `echo` model keeps these about the store, not the network.

use std::process::{Child, Stdio};

use serde_json::Value;

use crate::support::{Sandbox, fill_spool, json_doc};

const N: usize = 32;

/// `llmgw chat -m echo [--conv CONV] PROMPT`, started and left running.
fn spawn_chat(sandbox: &Sandbox, conv: Option<&str>, prompt: &str) -> Child {
    let conv = conv.map(|id| ["--conv", id]);
    sandbox
        .command()
        .args(["chat", "-m", "echo"])
        .args(conv.iter().flatten())
        .arg(prompt)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start llmgw")
}

fn create(sandbox: &Sandbox) -> String {
    let out = sandbox.llmgw().args(["conv", "create"]).assert().success().get_output().clone();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn wait_all(children: Vec<(String, Child)>) {
    for (prompt, child) in children {
        let out = child.wait_with_output().expect("wait for llmgw");
        assert!(out.status.success(), "{prompt}: {:?}\nstderr: {}", out.status, String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{prompt}\n"));
        assert!(out.stderr.is_empty(), "{prompt}: no warning expected: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Messages alternate user, assistant with contiguous `seq` from 1, and each reply echoes the prompt before it.
fn assert_well_formed(sandbox: &Sandbox, id: &str) -> Vec<String> {
    let conv = json_doc(&sandbox.llmgw().args(["--json", "conv", "show", id]).assert().success().get_output().stdout);
    let messages = conv["messages"].as_array().unwrap();
    let mut prompts = Vec::new();
    for (i, pair) in messages.chunks(2).enumerate() {
        assert_eq!(pair.len(), 2, "a turn is two messages: {conv}");
        assert_eq!((pair[0]["role"].as_str(), pair[1]["role"].as_str()), (Some("user"), Some("assistant")), "{conv}");
        assert_eq!(pair[0]["seq"], Value::from(2 * i + 1), "{conv}");
        assert_eq!(pair[1]["seq"], Value::from(2 * i + 2), "{conv}");
        assert_eq!(pair[0]["content"], pair[1]["content"], "the reply follows its own prompt: {conv}");
        prompts.push(pair[0]["content"].as_str().unwrap().to_string());
    }
    prompts
}

fn recorded_requests(sandbox: &Sandbox) -> Value {
    json_doc(&sandbox.llmgw().args(["--json", "metrics"]).assert().success().get_output().stdout)["total"].clone()
}

#[test]
fn thirty_two_simultaneous_turns_on_one_conversation_are_all_stored_in_order() {
    let sandbox = Sandbox::new();
    let id = create(&sandbox);
    let children: Vec<(String, Child)> = (0..N)
        .map(|i| {
            let prompt = format!("turn number {i}");
            let child = spawn_chat(&sandbox, Some(&id), &prompt);
            (prompt, child)
        })
        .collect();
    wait_all(children);

    let mut prompts = assert_well_formed(&sandbox, &id);
    assert_eq!(prompts.len(), N);
    prompts.sort();
    let mut expected: Vec<String> = (0..N).map(|i| format!("turn number {i}")).collect();
    expected.sort();
    assert_eq!(prompts, expected);
    let total = recorded_requests(&sandbox);
    assert_eq!((total["requests"].as_u64(), total["succeeded"].as_u64()), (Some(N as u64), Some(N as u64)));
}

#[test]
fn thirty_two_simultaneous_turns_on_different_conversations_are_all_stored() {
    let sandbox = Sandbox::new();
    let ids: Vec<String> = (0..N).map(|_| create(&sandbox)).collect();
    let children: Vec<(String, Child)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let prompt = format!("hello conversation {i}");
            let child = spawn_chat(&sandbox, Some(id), &prompt);
            (prompt, child)
        })
        .collect();
    wait_all(children);

    for (i, id) in ids.iter().enumerate() {
        assert_eq!(assert_well_formed(&sandbox, id), [format!("hello conversation {i}")]);
    }
    let total = recorded_requests(&sandbox);
    assert_eq!((total["requests"].as_u64(), total["succeeded"].as_u64()), (Some(N as u64), Some(N as u64)));
}

#[test]
fn thirty_two_first_runs_on_a_fresh_database_all_succeed() {
    // No database yet: every process races to create and migrate it.
    let sandbox = Sandbox::new();
    let children: Vec<(String, Child)> = (0..N)
        .map(|i| {
            let prompt = format!("fresh {i}");
            let child = spawn_chat(&sandbox, None, &prompt);
            (prompt, child)
        })
        .collect();
    wait_all(children);
    assert_eq!(recorded_requests(&sandbox)["requests"], N as u64);
}

/// Requests without a conversation record into the spool beside the database; the one whose record takes the spool
/// past its threshold moves it into the database while the others go on appending. Real processes race here:
/// every record lands once, and nothing is left behind.
#[test]
fn thirty_two_simultaneous_records_while_the_spool_is_taken_in_all_land_once() {
    let sandbox = Sandbox::new();
    sandbox.llmgw().args(["chat", "-m", "echo", "first"]).assert().success(); // creates the database
    let db = sandbox.data_home().join("llmgw/llmgw.db");
    let seeded = fill_spool(&db) + 1; // "first" went into the new database directly
    let children: Vec<(String, Child)> = (0..N)
        .map(|i| {
            let prompt = format!("spooled {i}");
            let child = spawn_chat(&sandbox, None, &prompt);
            (prompt, child)
        })
        .collect();
    wait_all(children);
    // A request took the spool in: most records are in the database before anyone ran `metrics`.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let in_db: i64 = conn.query_row("SELECT count(*) FROM requests", [], |r| r.get(0)).unwrap();
    assert!(in_db >= seeded, "the spool was taken in by a request: {in_db} of {seeded} + {N}");

    assert_eq!(recorded_requests(&sandbox)["requests"], (seeded as usize + N) as u64);
    let (rows, distinct): (i64, i64) = conn
        .query_row("SELECT count(*), count(DISTINCT request_id) FROM requests", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((rows, distinct), (seeded + N as i64, seeded + N as i64));
    let left: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("-spool"))
        .collect();
    assert!(left.is_empty(), "spool files left: {left:?}");
}
