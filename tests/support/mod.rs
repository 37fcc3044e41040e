//! What every spec file needs: the real `llmgw` binary in a sealed environment, and local servers that speak the
//! providers' wire formats.
//!
//! Hermetic means the developer's or CI machine leaks nothing in: every `AWS_*`, `LLMGW_*`, `OPENAI_*`, `AZURE_*`,
//! `XDG_*` and `NO_COLOR` variable is removed, `HOME` and the XDG directories point into a fresh temporary
//! directory (so no `~/.aws`, `~/.config/llmgw` or database of the user is ever read or written), the AWS config
//! and credentials files point at files that do not exist, and instance metadata is disabled so a missing
//! credential fails fast instead of waiting on 169.254.169.254.
//!
//! One command: `llmgw()` / `llmgw_bedrock(&server)`. Several commands that share state (a conversation created by
//! one and continued by the next): make a [`Sandbox`] and call [`Sandbox::llmgw`] for each.

// Each spec file uses a different part of the support code.
#![allow(dead_code)]

pub mod bedrock;
pub mod http;
pub mod moto;
pub mod openai;

use std::ffi::OsString;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use self::bedrock::BedrockServer;

/// Environment variables that must not leak into a test, by prefix.
const SCRUBBED_PREFIXES: &[&str] = &["AWS_", "LLMGW_", "OPENAI_", "AZURE_", "XDG_"];
/// And these by name; `COLUMNS` because a table fitted to the width of the terminal the tests run in would differ from run to run.
const SCRUBBED: &[&str] = &["NO_COLOR", "COLUMNS"];

/// A test fails instead of hanging when llmgw never exits.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A private HOME with its XDG directories, plus the environment llmgw runs with. Commands made by the same
/// sandbox share its config and data directories (and so the SQLite store). Removed from disk when dropped.
pub struct Sandbox {
    dir: TempDir,
    env: Vec<(OsString, OsString)>,
}

impl Sandbox {
    /// No credentials, no config, no database yet.
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new().prefix("llmgw-test-").tempdir().expect("create the test HOME");
        let home = dir.path();
        for sub in [".config", ".local/share"] {
            std::fs::create_dir_all(home.join(sub)).expect("create the XDG directories");
        }
        let mut sandbox = Sandbox { dir, env: Vec::new() };
        let home = sandbox.home().to_owned();
        sandbox.set("HOME", &home);
        sandbox.set("XDG_CONFIG_HOME", home.join(".config"));
        sandbox.set("XDG_DATA_HOME", home.join(".local/share"));
        sandbox.set("AWS_EC2_METADATA_DISABLED", "true");
        sandbox.set("AWS_CONFIG_FILE", home.join(".aws/no-such-config"));
        sandbox.set("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/no-such-credentials"));
        sandbox
    }

    /// Static test credentials, `us-east-1`, and Bedrock Runtime at `server`.
    pub fn bedrock(server: &BedrockServer) -> Sandbox {
        Sandbox::new()
            .env("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url())
    }

    /// Set (or replace) a variable for every command of this sandbox.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Sandbox {
        self.set(key, value);
        self
    }

    fn set(&mut self, key: impl Into<OsString>, value: impl Into<OsString>) {
        let (key, value) = (key.into(), value.into());
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value));
    }

    /// The real binary, in this sandbox's environment.
    pub fn llmgw(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.command());
        cmd.timeout(COMMAND_TIMEOUT);
        cmd
    }

    /// The real binary as a plain [`std::process::Command`] in this sandbox's environment, for a test that talks to
    /// the running process (reads its output as it comes, sends it a signal). Such a test bounds its own waits.
    pub fn command(&self) -> std::process::Command {
        self.command_for(env!("CARGO_BIN_EXE_llmgw"))
    }

    /// Any program (a shell that runs llmgw in some odd setting) in this sandbox's environment.
    pub fn command_for(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if SCRUBBED_PREFIXES.iter().any(|prefix| name.starts_with(prefix)) || SCRUBBED.contains(&&*name) {
                cmd.env_remove(&key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// A copy of the built-in catalogue (the repository's `config/`) inside this sandbox, for `--config DIR`; edit
    /// it with [`edit_json`] or [`edit_model`] first.
    pub fn copy_config(&self) -> PathBuf {
        let to = self.home().join("llmgw-config");
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config"), &to);
        to
    }

    /// `$HOME`.
    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `$XDG_CONFIG_HOME` (llmgw's user config lives in `llmgw/` below it).
    pub fn config_home(&self) -> PathBuf {
        self.home().join(".config")
    }

    /// `$XDG_DATA_HOME` (the default database is `llmgw/llmgw.db` below it).
    pub fn data_home(&self) -> PathBuf {
        self.home().join(".local/share")
    }
}

impl Default for Sandbox {
    fn default() -> Sandbox {
        Sandbox::new()
    }
}

/// One command in its own [`Sandbox`]; derefs to [`assert_cmd::Command`].
pub struct Llmgw {
    cmd: assert_cmd::Command,
    sandbox: Sandbox,
}

impl Llmgw {
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }
}

impl Deref for Llmgw {
    type Target = assert_cmd::Command;
    fn deref(&self) -> &assert_cmd::Command {
        &self.cmd
    }
}

impl DerefMut for Llmgw {
    fn deref_mut(&mut self) -> &mut assert_cmd::Command {
        &mut self.cmd
    }
}

/// `llmgw` with no credentials and an empty HOME.
pub fn llmgw() -> Llmgw {
    let sandbox = Sandbox::new();
    Llmgw { cmd: sandbox.llmgw(), sandbox }
}

/// `llmgw` with test credentials, talking to `server` as Bedrock Runtime.
pub fn llmgw_bedrock(server: &BedrockServer) -> Llmgw {
    let sandbox = Sandbox::bedrock(server);
    Llmgw { cmd: sandbox.llmgw(), sandbox }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy to {}: {e}", target.display()));
        }
    }
}

/// Rewrite the JSON file at `path` in place.
pub fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    edit(&mut doc);
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).expect("write the edited file");
}

/// Edit one MODEL object of `providers/bedrock/models.json` in a copied config root, found by its `modelId`.
pub fn edit_model(config: &Path, model_id: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    edit_provider_model(config, "bedrock", model_id, edit)
}

/// Edit one MODEL object of `providers/<provider>/models.json` in a copied config root, found by its `modelId`.
pub fn edit_provider_model(config: &Path, provider: &str, model_id: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    edit_json(&config.join(format!("providers/{provider}/models.json")), |doc| {
        let model = doc["vendors"]
            .as_array_mut()
            .expect("vendors")
            .iter_mut()
            .flat_map(|vendor| vendor["models"].as_array_mut().expect("models").iter_mut())
            .find(|model| model["modelId"] == model_id)
            .unwrap_or_else(|| panic!("no model {model_id} in the copied catalogue"));
        edit(model);
    });
}

/// Each line of NDJSON output, parsed.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: not a JSON line: {line}")))
        .collect()
}

/// One JSON document.
pub fn json_doc(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout is not one JSON document: {}", String::from_utf8_lossy(stdout)))
}

/// A command's stderr as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The NDJSON of `stream --json`: the texts of its deltas (every event but the last must be one) and the last event.
pub fn deltas_and_end(stdout: &[u8]) -> (Vec<String>, serde_json::Value) {
    let mut events = json_lines(stdout);
    let end = events.pop().expect("at least one event");
    let deltas = events
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "delta", "only deltas before the last event: {e}");
            e["text"].as_str().expect("a delta has text").to_owned()
        })
        .collect();
    (deltas, end)
}

/// Fill the spool beside `db` with records (request ids `seed-00001`, ...) until any further record (a request's
/// record is over 200 bytes) takes it past the size at which a recording process moves it into the database.
/// Returns how many were written.
pub fn fill_spool(db: &Path) -> i64 {
    use llmgw::store::RequestRecord;
    use llmgw::time::now_ms;
    let spool = llmgw::store::spool::Spool::of(db);
    let mut seeded = 0;
    while std::fs::metadata(spool.path()).map_or(0, |m| m.len()) + 200 < llmgw::store::spool::INGEST_AT_BYTES {
        seeded += 1;
        let record = RequestRecord {
            request_id: format!("seed-{seeded:05}"),
            time_ms: now_ms() - 60_000,
            user_id: "seeder".into(),
            command: "chat".into(),
            model: Some("echo".into()),
            ..Default::default()
        };
        spool.append(&record).unwrap();
    }
    seeded
}

/// `… | llmgw stream -m echo | head -c 5`: feed 200,000 words on stdin, read the first five bytes of the reply, close
/// the pipe, and wait. The reply is asked for 100,000 words (500 KB), more than a pipe holds, so the reader closing
/// it always cuts the stream, however slow the machine. Returns the five bytes and the process's end.
pub fn stream_into_a_pipe_closed_after_five_bytes(sandbox: &Sandbox) -> ([u8; 5], std::process::Output) {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let mut child = sandbox
        .command()
        .args(["stream", "-m", "echo", "--max-tokens", "100000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn llmgw");
    let words = vec!["word"; 200_000].join(" ");
    let mut stdin = child.stdin.take().expect("stdin");
    std::thread::spawn(move || stdin.write_all(words.as_bytes()));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 5];
    stdout.read_exact(&mut first).expect("the first five bytes of the reply");
    drop(stdout);
    (first, child.wait_with_output().expect("llmgw ends"))
}
