//! Completion through the real binary: the hidden `__complete` command that the scripts ask for model ids, aliases
//! and conversations, and the committed bash script completing `llmgw chat -m cl<TAB>` and `llmgw conv show <TAB>`
//! in a real bash. Also the CLI conventions of issue 5 not covered elsewhere: `-v` names the database, `--help`
//! hides `__complete` and shows examples.

use std::path::{Path, PathBuf};

use crate::support::{Sandbox, edit_model, llmgw};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The candidates `__complete ARGS...` printed, without their descriptions.
fn candidates(sandbox: &Sandbox, args: &[&str]) -> Vec<String> {
    let out = sandbox.llmgw().arg("__complete").args(args).assert().success().get_output().clone();
    assert!(out.stderr.is_empty(), "completion is silent: {}", String::from_utf8_lossy(&out.stderr));
    stdout(&out).lines().map(|line| line.split('\t').next().unwrap().to_string()).collect()
}

fn default_db(sandbox: &Sandbox) -> PathBuf {
    sandbox.data_home().join("llmgw/llmgw.db")
}

/// `conv create ARGS...`; the new id.
fn create(sandbox: &Sandbox, args: &[&str]) -> String {
    let out = sandbox.llmgw().args(["conv", "create"]).args(args).assert().success().get_output().clone();
    stdout(&out).trim().to_string()
}

// ---------------------------------------------------------------------------------------------------------------
// __complete

#[test]
fn models_lists_ids_and_aliases_of_the_built_in_catalogue() {
    let sandbox = Sandbox::new();
    let out = sandbox.llmgw().args(["__complete", "models"]).assert().success().get_output().clone();
    let text = stdout(&out);
    let values: Vec<&str> = text.lines().map(|l| l.split('\t').next().unwrap()).collect();
    for expected in ["claude", "llama", "echo", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"] {
        assert!(values.contains(&expected), "{expected} in {values:?}");
    }
    let claude = text.lines().find(|l| l.starts_with("claude\t")).expect("claude has a description");
    assert!(claude.contains("alias of us.anthropic.claude-sonnet-4-5"), "{claude}");
    assert_eq!(values.len(), values.iter().collect::<std::collections::BTreeSet<_>>().len(), "no duplicates");
}

#[test]
fn models_come_from_the_active_config_root() {
    let sandbox = Sandbox::new();
    let config = sandbox.copy_config();
    edit_model(&config, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", |m| {
        m["aliases"] = serde_json::json!(["my-team-claude"]);
    });
    let dir = config.to_str().unwrap();

    assert!(candidates(&sandbox, &["models", "--config", dir]).contains(&"my-team-claude".to_string()));
    assert!(!candidates(&sandbox, &["models"]).contains(&"my-team-claude".to_string()), "built-in without --config");
    let from_env = sandbox.env("LLMGW_CONFIG_DIR", dir);
    assert!(candidates(&from_env, &["models"]).contains(&"my-team-claude".to_string()), "$LLMGW_CONFIG_DIR");
}

#[test]
fn a_broken_config_completes_nothing_and_says_nothing() {
    let sandbox = Sandbox::new();
    let config = sandbox.home().join("broken");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("providers.json"), "{ not json").unwrap();
    assert!(candidates(&sandbox, &["models", "--config", config.to_str().unwrap()]).is_empty());
}

#[test]
fn conversations_lists_the_users_ids_and_names() {
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let trip = create(&sandbox, &["--name", "trip", "--title", "Trip planning"]);
    let untitled = create(&sandbox, &[]);
    let other = create(&sandbox, &["--user", "bob", "--name", "bobs"]);

    let ann = candidates(&sandbox, &["conversations"]);
    for expected in [&trip, &untitled, &"trip".to_string()] {
        assert!(ann.contains(expected), "{expected} in {ann:?}");
    }
    assert!(!ann.contains(&other) && !ann.contains(&"bobs".to_string()), "only ann's: {ann:?}");
    assert!(candidates(&sandbox, &["conversations", "--user", "bob"]).contains(&"bobs".to_string()));

    let out = sandbox.llmgw().args(["__complete", "conversations"]).assert().success().get_output().clone();
    assert!(stdout(&out).contains(&format!("{trip}\tTrip planning\n")), "{}", stdout(&out));
}

#[test]
fn conversations_come_from_the_db_flag_and_llmgw_db() {
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let db = sandbox.home().join("elsewhere.db");
    let db = db.to_str().unwrap();
    sandbox.llmgw().args(["--db", db, "conv", "create", "--name", "elsewhere"]).assert().success();

    assert!(candidates(&sandbox, &["conversations", "--db", db]).contains(&"elsewhere".to_string()));
    assert!(candidates(&sandbox, &["--db", db, "conversations"]).contains(&"elsewhere".to_string()));
    assert!(candidates(&sandbox.env("LLMGW_DB", db), &["conversations"]).contains(&"elsewhere".to_string()));
}

#[test]
fn no_database_completes_nothing_and_creates_none() {
    let sandbox = Sandbox::new();
    let out = sandbox.llmgw().args(["__complete", "conversations"]).assert().code(0).get_output().clone();
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    assert!(!default_db(&sandbox).exists(), "the default database was not created");
    assert!(!sandbox.data_home().join("llmgw").exists(), "nor its directory");

    let db = sandbox.home().join("missing/llmgw.db");
    assert!(candidates(&sandbox, &["conversations", "--db", db.to_str().unwrap()]).is_empty());
    assert!(!db.exists() && !db.parent().unwrap().exists());
}

#[test]
fn complete_is_hidden_from_help_and_the_committed_scripts() {
    let out = llmgw().arg("--help").assert().success().get_output().clone();
    assert!(!stdout(&out).contains("__complete"), "{}", stdout(&out));
    let out = llmgw().args(["completions", "bash"]).assert().success().get_output().clone();
    let script = stdout(&out);
    assert!(script.contains("llmgw __complete"), "the hook calls it");
    assert!(!script.contains("llmgw,__complete"), "but it is not offered as a command");
}

// ---------------------------------------------------------------------------------------------------------------
// The committed bash script in a real bash

/// Complete `line` (the cursor at its end) with `completions/llmgw.bash` in `bash --norc`, as bash itself would
/// call the completion function; `llmgw` on PATH is the binary under test. The completion candidates.
fn bash_complete(sandbox: &Sandbox, line: &str) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/llmgw.bash");
    let program = r#"
source "$SCRIPT" || exit 90
COMP_LINE="$LINE"
COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMPREPLY=()
complete -p llmgw | grep -q -- '-F _llmgw_dynamic' || exit 91
_llmgw_dynamic llmgw "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = run_shell(sandbox, "bash", &["--norc", "--noprofile", "-c", program], &script, line);
    out.lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// `shell ARGS...` in the sandbox's environment (scrubbed of the developer's variables, HOME and XDG in the
/// sandbox) with the binary under test first on PATH, and `$SCRIPT` and `$LINE` set; its stdout.
fn run_shell(sandbox: &Sandbox, shell: &str, args: &[&str], script: &Path, line: &str) -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_llmgw")).parent().unwrap();
    let mut cmd = std::process::Command::new(shell);
    for (key, value) in sandbox.command().get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    let out = cmd
        .args(args)
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("SCRIPT", script)
        .env("LINE", line)
        .output()
        .unwrap_or_else(|e| panic!("run {shell}: {e}"));
    assert!(out.status.success(), "{shell}: {:?} {}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout(&out)
}

fn installed(shell: &str) -> bool {
    let found = std::process::Command::new(shell).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("{shell} not installed: skipping");
    }
    found
}

#[test]
fn bash_completes_model_ids_and_aliases_after_dash_m() {
    if !installed("bash") {
        return;
    }
    let sandbox = Sandbox::new();
    let reply = bash_complete(&sandbox, "llmgw chat -m cl");
    assert!(reply.contains(&"claude".to_string()), "{reply:?}");
    assert!(reply.iter().all(|c| c.starts_with("cl")), "only matching candidates: {reply:?}");
    assert!(bash_complete(&sandbox, "llmgw stream --model ech").contains(&"echo".to_string()));
    assert!(bash_complete(&sandbox, "llmgw metrics -m lla").contains(&"llama".to_string()));
    assert!(bash_complete(&sandbox, "llmgw models status lla").contains(&"llama".to_string()));
}

#[test]
fn bash_completes_conversations_after_conv_show_and_dash_dash_conv() {
    if !installed("bash") {
        return;
    }
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    assert!(bash_complete(&sandbox, "llmgw conv show ").is_empty(), "no database yet");
    assert!(!default_db(&sandbox).exists(), "completing did not create the database");

    let id = create(&sandbox, &["--name", "trip", "--title", "Trip planning"]);
    let reply = bash_complete(&sandbox, "llmgw conv show ");
    assert!(reply.contains(&"trip".to_string()) && reply.contains(&id), "{reply:?}");
    assert_eq!(bash_complete(&sandbox, "llmgw conv delete tr"), ["trip"]);
    assert_eq!(bash_complete(&sandbox, "llmgw chat -m echo --conv tr"), ["trip"]);
}

#[test]
fn bash_passes_the_lines_config_and_db_on() {
    if !installed("bash") {
        return;
    }
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let config = sandbox.copy_config();
    edit_model(&config, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", |m| {
        m["aliases"] = serde_json::json!(["my-team-claude"]);
    });
    let line = format!("llmgw --config {} chat -m my-", config.display());
    assert_eq!(bash_complete(&sandbox, &line), ["my-team-claude"]);

    let db = sandbox.home().join("other.db");
    sandbox.llmgw().args(["--db", db.to_str().unwrap(), "conv", "create", "--name", "elsewhere"]).assert().success();
    let line = format!("llmgw conv show --db {} e", db.display());
    assert_eq!(bash_complete(&sandbox, &line), ["elsewhere"]);
}

#[test]
fn bash_still_completes_commands_and_flags() {
    if !installed("bash") {
        return;
    }
    let sandbox = Sandbox::new();
    assert_eq!(bash_complete(&sandbox, "llmgw ch"), ["chat"]);
    let flags = bash_complete(&sandbox, "llmgw chat --");
    assert!(flags.contains(&"--model".to_string()) && flags.contains(&"--conv".to_string()), "{flags:?}");
    let subcommands = bash_complete(&sandbox, "llmgw conv ");
    assert!(subcommands.contains(&"show".to_string()), "{subcommands:?}");
}

#[test]
fn zsh_actions_describe_models_and_conversations_with_colons_escaped() {
    if !installed("zsh") {
        return;
    }
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let id = create(&sandbox, &["--name", "trip", "--title", "Trip planning"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/_llmgw");
    // The real `_describe` needs a completion in progress: this one prints what it was given.
    let program = r#"
autoload -Uz compinit && compinit -u -D || exit 90
source "$SCRIPT" || exit 91
_describe() { print -rl -- "${(@P)${@[-1]}}" }
BUFFER="$LINE"
_llmgw_models
_llmgw_conversations
"#;
    let out = run_shell(&sandbox, "zsh", &["-f", "-c", program], &script, "llmgw chat -m ");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.contains(&"claude:alias of us.anthropic.claude-sonnet-4-5-20250929-v1:0"), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("us.anthropic.claude-sonnet-4-5-20250929-v1\\:0:")), "{out}");
    assert!(lines.contains(&format!("{id}:Trip planning").as_str()), "{out}");
    assert!(lines.contains(&format!("trip:{id} Trip planning").as_str()), "{out}");
}

#[test]
fn fish_completes_models_and_conversations() {
    if !installed("fish") {
        return;
    }
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    create(&sandbox, &["--name", "trip", "--title", "Trip planning"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/llmgw.fish");
    let complete = |line: &str| {
        let program = "source $SCRIPT; or exit 90; complete -C $LINE";
        run_shell(&sandbox, "fish", &["--no-config", "-c", program], &script, line)
    };
    let models = complete("llmgw chat -m cl");
    assert!(models.lines().any(|l| l.starts_with("claude\t")), "{models}");
    let conversations = complete("llmgw conv show tr");
    assert!(conversations.lines().any(|l| l.starts_with("trip\t")), "{conversations}");
    assert!(complete("llmgw ch").lines().any(|l| l.starts_with("chat")), "commands still complete");
}

// ---------------------------------------------------------------------------------------------------------------
// CLI conventions

#[test]
fn verbose_names_the_database() {
    let sandbox = Sandbox::new();
    let out = sandbox.llmgw().args(["-v", "chat", "-m", "echo", "hi"]).assert().success().get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("database: {}", default_db(&sandbox).display())), "{stderr}");
    let out = sandbox.llmgw().args(["conv", "list", "-v"]).assert().success().get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("database: "));
}

#[test]
fn every_command_help_shows_examples() {
    for command in [
        &["chat"][..],
        &["stream"],
        &["models", "list"],
        &["models", "status"],
        &["conv"],
        &["conv", "create"],
        &["conv", "list"],
        &["conv", "show"],
        &["conv", "delete"],
        &["metrics"],
        &["completions"],
    ] {
        let out = llmgw().args(command).arg("--help").assert().success().get_output().clone();
        let help = stdout(&out);
        let examples = help.split_once("Examples:\n").map(|(_, e)| e).unwrap_or_default();
        assert!(examples.starts_with("  ") && examples.contains("llmgw "), "{command:?} --help: {help}");
    }
}

#[test]
fn a_missing_subcommand_or_argument_is_a_usage_error() {
    llmgw().assert().code(2);
    llmgw().arg("conv").assert().code(2);
    llmgw().args(["conv", "show"]).assert().code(2);
    llmgw().args(["completions", "tcsh"]).assert().code(2);
    llmgw().args(["models", "list", "--bogus"]).assert().code(2);
}
