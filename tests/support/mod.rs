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

use std::ffi::OsString;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use self::bedrock::BedrockServer;

/// Environment variables that must not leak into a test, by prefix.
const SCRUBBED_PREFIXES: &[&str] = &["AWS_", "LLMGW_", "OPENAI_", "AZURE_", "XDG_"];
const SCRUBBED: &[&str] = &["NO_COLOR"];

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
        let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_llmgw"));
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if SCRUBBED_PREFIXES.iter().any(|prefix| name.starts_with(prefix)) || SCRUBBED.contains(&&*name) {
                cmd.env_remove(&key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.timeout(COMMAND_TIMEOUT);
        cmd
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
