//! The files llmgw keeps (the database and its spool) where someone has put something else: a symbolic link to
//! another file, a FIFO, a dangling link. llmgw never writes through a link or waits on a FIFO: the request still
//! answers, says it was not recorded and why, and `metrics` says the spool was left out; the other file is untouched.

use crate::support::{Sandbox, json_doc, stderr};
use std::path::Path;
use std::time::{Duration, Instant};

fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo").success());
}

/// A spool path that is a link (to a file, or dangling) or a FIFO: `chat` answers and warns, `metrics` answers from
/// the database and warns, neither waits, and the link's target is neither written nor read as records.
#[test]
fn a_spool_that_is_a_link_or_a_fifo_is_refused_and_nothing_hangs() {
    type Plant = fn(&Path, &Path);
    let plants: [(&str, &str, Plant); 3] = [
        ("link to a file", "symbolic link", |spool, other| std::os::unix::fs::symlink(other, spool).unwrap()),
        ("dangling link", "symbolic link", |spool, other| {
            std::os::unix::fs::symlink(other.with_extension("missing"), spool).unwrap()
        }),
        ("FIFO", "FIFO", |spool, _| mkfifo(spool)),
    ];
    for (name, what, plant) in plants {
        let sandbox = Sandbox::new();
        let db = sandbox.home().join("llmgw.db");
        let sandbox = sandbox.env("LLMGW_DB", &db);
        sandbox.llmgw().args(["chat", "-m", "echo", "first"]).assert().success();
        let other = sandbox.home().join("other.txt");
        let record_like = "\n{\"request_id\":\"req_planted\",\"time_ms\":1,\"user_id\":\"x\",\"command\":\"chat\"}\n";
        std::fs::write(&other, record_like).unwrap();
        let spool = sandbox.home().join("llmgw.db-spool");
        let _ = std::fs::remove_file(&spool);
        plant(&spool, &other);

        let started = Instant::now();
        let out = sandbox.llmgw().args(["chat", "-m", "echo", "second"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "second\n", "{name}");
        let err = stderr(&out);
        assert!(err.contains("not recorded") && err.contains(what) && err.contains("llmgw.db-spool"), "{name}: {err}");

        let out = sandbox.llmgw().args(["--json", "metrics"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert_eq!(json_doc(&out.stdout)["total"]["requests"], 1, "{name}: the planted record was counted");
        assert!(stderr(&out).contains(what), "{name}: {}", stderr(&out));
        assert!(started.elapsed() < Duration::from_secs(10), "{name}: took {:?}", started.elapsed());
        assert_eq!(std::fs::read_to_string(&other).unwrap(), record_like, "{name}: the link's target was written");
    }
}

/// A database path that is a link (dangling: llmgw created its target 0644) or a FIFO is a store error (exit 1,
/// `store`) naming the path, at once, for every command that uses the database; a missing database is created
/// owner-only, and so is its write-ahead log.
#[test]
fn a_database_path_that_is_a_link_or_a_fifo_is_a_store_error() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let home = sandbox.home();
    let target = home.join("elsewhere.db");
    let dangling = home.join("dangling.db");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    let fifo = home.join("fifo.db");
    mkfifo(&fifo);
    for (db, what) in [(&dangling, "symbolic link"), (&fifo, "FIFO")] {
        for args in [&["chat", "-m", "echo", "hi"][..], &["metrics"], &["conv", "list"]] {
            let started = Instant::now();
            let out = sandbox.llmgw().arg("--json").arg("--db").arg(db).args(args).output().unwrap();
            let doc = json_doc(&out.stdout);
            let message = doc["error"]["message"].as_str().unwrap_or_default().to_owned();
            // `chat` too: it finds out before it sends anything that the request could not be recorded.
            assert_eq!(out.status.code(), Some(1), "{args:?} {db:?}: {}", stderr(&out));
            assert_eq!(doc["error"]["code"], "store", "{args:?} {db:?}");
            assert!(message.contains(what) && message.contains(db.to_str().unwrap()), "{message}");
            assert!(started.elapsed() < Duration::from_secs(10), "{args:?} {db:?}: took {:?}", started.elapsed());
        }
    }
    assert!(!target.exists(), "the dangling link's target was created");

    let fresh = home.join("new/llmgw.db");
    sandbox.llmgw().arg("--db").arg(&fresh).args(["chat", "-m", "echo", "hi"]).assert().success();
    sandbox.llmgw().arg("--db").arg(&fresh).args(["metrics"]).assert().success();
    for path in [fresh.clone(), home.join("new/llmgw.db-wal")] {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path:?}");
    }
}
