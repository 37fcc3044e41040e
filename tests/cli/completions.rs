//! Completion through the real binary: the hidden `__complete` command that the scripts ask for model ids, aliases
//! and conversations, and the committed scripts completing `llmgw chat -m cl<TAB>` and `llmgw conv show <TAB>` in
//! real shells: bash, zsh (its helpers, and end to end in an interactive zsh on a pseudo-terminal), fish and elvish.
//! PowerShell (pwsh) is not installable here; its hook is checked in the script text only (src/cli/docs.rs). Also
//! the CLI conventions of issue 5 not covered elsewhere: `-v` names the database, `--help` hides `__complete` and
//! shows examples.

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
    run_shell_with(sandbox, shell, args, script, line, &[])
}

/// [`run_shell`] with more variables set.
fn run_shell_with(
    sandbox: &Sandbox,
    shell: &str,
    args: &[&str],
    script: &Path,
    line: &str,
    vars: &[(&str, &Path)],
) -> String {
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
        .envs(vars.iter().copied())
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
    assert!(bash_complete(&sandbox, "llmgw chat -m claude --fallback hai").contains(&"haiku".to_string()));
    assert!(bash_complete(&sandbox, "llmgw cache clear --model hai").contains(&"haiku".to_string()));
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

/// Set up in the interactive zsh of [`zsh_complete`]: compinit with `_llmgw` on `$fpath`, TAB bound to
/// complete-word, and `compadd` wrapped so that every match it adds is also written to `$OUT` (the zpty technique
/// of zsh-capture-completion). The shell exits once the completion is done.
const ZSH_INTERACTIVE_SETUP: &str = r#"
PS1='' RPS1='' PROMPT_EOL_MARK=''
fpath=("$ZFUNC" $fpath)
autoload -Uz compinit && compinit -u -D
bindkey '^I' complete-word
compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
        builtin compadd "$@"
        return
    fi
    local -a __llmgw_matches
    builtin compadd -A __llmgw_matches "$@"
    (( $#__llmgw_matches )) && print -rl -- $__llmgw_matches >> "$OUT"
    builtin compadd "$@"
}
__llmgw_completion_done() { print -r -- '--completion done--' >> "$OUT"; exit }
comppostfuncs=(__llmgw_completion_done)
print -r -- 'LLMGW-SETUP''-DONE'
"#;

/// Drives a `zsh -f -i` on a pseudo-terminal (zsh/zpty): sources the setup, waits for it, then types `$LINE` and TAB.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 90
zpty z 'TERM=dumb zsh -f -i' || exit 91
zpty -w z "source ${(q)SETUP}"
zpty -r -m z _ '*LLMGW-SETUP-DONE*' || exit 92
zpty -w -n z "$LINE"$'\t'
while zpty -r z _; do :; done
zpty -d z
"#;

/// Type `line` and TAB in a real interactive zsh, with `completions/_llmgw` found on `$fpath` by compinit and run
/// by zsh's completion system (`_arguments`, `_describe`, the hooks' `llmgw __complete`); the matches offered.
fn zsh_complete(sandbox: &Sandbox, line: &str) -> Vec<String> {
    let dir = tempfile::Builder::new().prefix("zsh-").tempdir_in(sandbox.home()).unwrap();
    let zfunc = dir.path().join("zfunc");
    std::fs::create_dir(&zfunc).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/_llmgw");
    std::fs::copy(&script, zfunc.join("_llmgw")).unwrap();
    let setup = dir.path().join("setup.zsh");
    std::fs::write(&setup, ZSH_INTERACTIVE_SETUP).unwrap();
    let out = dir.path().join("matches");
    let vars = [("ZFUNC", zfunc.as_path()), ("SETUP", setup.as_path()), ("OUT", out.as_path())];
    run_shell_with(sandbox, "timeout", &["20", "zsh", "-f", "-c", ZSH_DRIVER], &script, line, &vars);
    let matches = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(matches.ends_with("--completion done--\n"), "the completion ran to its end: {matches:?}");
    matches.lines().filter(|l| *l != "--completion done--").map(str::to_string).collect()
}

#[test]
fn zsh_interactive_completes_models_after_dash_m() {
    if !installed("zsh") {
        return;
    }
    let sandbox = Sandbox::new();
    let models = zsh_complete(&sandbox, "llmgw chat -m cl");
    assert!(models.contains(&"claude".to_string()), "{models:?}");
    assert!(models.iter().all(|m| m.starts_with("cl")), "only matching models: {models:?}");
    assert!(zsh_complete(&sandbox, "llmgw stream --model lla").contains(&"llama".to_string()));
    let ids = zsh_complete(&sandbox, "llmgw chat -m us.anthropic.claude-sonnet-4-5");
    assert!(ids.contains(&"us.anthropic.claude-sonnet-4-5-20250929-v1:0".to_string()), "ids with a colon: {ids:?}");
    let provider = zsh_complete(&sandbox, "llmgw chat -p cl");
    assert!(!provider.contains(&"claude".to_string()), "-p takes a provider, not a model: {provider:?}");
}

#[test]
fn zsh_interactive_completes_conversations_and_commands() {
    if !installed("zsh") {
        return;
    }
    let (sandbox, id) = sandbox_with_trip();
    let shown = zsh_complete(&sandbox, "llmgw conv show ");
    assert!(shown.contains(&"trip".to_string()) && shown.contains(&id), "{shown:?}");
    assert_eq!(zsh_complete(&sandbox, "llmgw chat -m echo --conv tr"), ["trip"]);
    assert_eq!(zsh_complete(&sandbox, "llmgw ch"), ["chat"]);
    let subcommands = zsh_complete(&sandbox, "llmgw conv ");
    assert!(subcommands.contains(&"show".to_string()) && !subcommands.contains(&"trip".to_string()), "{subcommands:?}");
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

/// What `llmgw __complete` needs in a sandbox that completes models and conversations: the user ann with a
/// conversation named trip; its id.
fn sandbox_with_trip() -> (Sandbox, String) {
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let id = create(&sandbox, &["--name", "trip", "--title", "Trip planning"]);
    (sandbox, id)
}

// ---------------------------------------------------------------------------------------------------------------
// The committed elvish script in a real elvish

/// Stands in for the `edit:` module, which elvish has only in its interactive line editor: the completers live in
/// the same map and candidates print as `stem<TAB>display`.
const ELVISH_EDIT_SHIM: &str = r#"
use str
var edit: = (ns [
    &completion:=(ns [&arg-completer=[&]])
    &complex-candidate~={|stem &display='' &code-suffix=''| put [&stem=$stem &display=$display] }
])
eval (slurp < $E:SCRIPT)
var words = [(str:split ' ' $E:LINE)]
$edit:completion:arg-completer[llmgw] $@words | each {|c| echo $c[stem]"\t"$c[display] }
"#;

/// Call the arg-completer `completions/llmgw.elv` registers for `llmgw`, in `elvish -norc`, with the words of
/// `line` (the last one is being completed, so a line that ends in a space completes an empty word), as elvish's
/// editor would; the candidates as (what is inserted, what is shown). Elvish itself filters them by the typed prefix.
fn elvish_complete(sandbox: &Sandbox, line: &str) -> Vec<(String, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/llmgw.elv");
    let out = run_shell(sandbox, "elvish", &["-norc", "-c", ELVISH_EDIT_SHIM], &script, line);
    out.lines()
        .map(|l| l.split_once('\t').unwrap_or_else(|| panic!("stem<TAB>display: {l:?}")))
        .map(|(stem, display)| (stem.to_string(), display.to_string()))
        .collect()
}

fn stems(candidates: &[(String, String)]) -> Vec<&str> {
    candidates.iter().map(|(stem, _)| stem.as_str()).collect()
}

#[test]
fn elvish_completes_model_ids_and_aliases_after_dash_m() {
    if !installed("elvish") {
        return;
    }
    let sandbox = Sandbox::new();
    let models = elvish_complete(&sandbox, "llmgw chat -m ");
    for expected in ["claude", "llama", "echo", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"] {
        assert!(stems(&models).contains(&expected), "{expected} in {models:?}");
    }
    assert!(!stems(&models).contains(&"--model"), "values, not the command's flags: {models:?}");
    let claude = models.iter().find(|(stem, _)| stem == "claude").unwrap();
    assert!(claude.1.contains("alias of us.anthropic.claude-sonnet-4-5"), "described: {claude:?}");

    assert!(stems(&elvish_complete(&sandbox, "llmgw stream --model ll")).contains(&"llama"));
    assert!(stems(&elvish_complete(&sandbox, "llmgw metrics -m ")).contains(&"llama"));
    assert!(stems(&elvish_complete(&sandbox, "llmgw models status ")).contains(&"llama"));
    assert!(stems(&elvish_complete(&sandbox, "llmgw chat --model=cl")).contains(&"--model=claude"));
    let provider = elvish_complete(&sandbox, "llmgw chat -p ");
    assert!(!stems(&provider).contains(&"claude"), "-p takes a provider, not a model: {provider:?}");
}

#[test]
fn elvish_completes_conversations_after_conv_show_and_dash_dash_conv() {
    if !installed("elvish") {
        return;
    }
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    assert!(elvish_complete(&sandbox, "llmgw conv show ").is_empty(), "no database yet");
    assert!(!default_db(&sandbox).exists(), "completing did not create the database");

    let id = create(&sandbox, &["--name", "trip", "--title", "Trip planning"]);
    create(&sandbox, &["--user", "bob", "--name", "bobs"]);
    let shown = elvish_complete(&sandbox, "llmgw conv show ");
    assert!(stems(&shown).contains(&"trip") && stems(&shown).contains(&id.as_str()), "{shown:?}");
    assert!(!stems(&shown).contains(&"bobs"), "only ann's: {shown:?}");
    assert!(shown.iter().any(|(stem, display)| *stem == id && display.contains("Trip planning")), "{shown:?}");
    assert!(stems(&elvish_complete(&sandbox, "llmgw conv delete t")).contains(&"trip"));
    assert!(stems(&elvish_complete(&sandbox, "llmgw chat -m echo --conv ")).contains(&"trip"));
    assert!(stems(&elvish_complete(&sandbox, "llmgw --user bob conv show ")).contains(&"bobs"), "--user passed on");
}

#[test]
fn elvish_passes_the_lines_config_and_db_on() {
    if !installed("elvish") {
        return;
    }
    let sandbox = Sandbox::new().env("LLMGW_USER", "ann");
    let config = sandbox.copy_config();
    edit_model(&config, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", |m| {
        m["aliases"] = serde_json::json!(["my-team-claude"]);
    });
    let models = elvish_complete(&sandbox, &format!("llmgw --config {} chat -m ", config.display()));
    assert!(stems(&models).contains(&"my-team-claude"), "{models:?}");
    assert!(!stems(&elvish_complete(&sandbox, "llmgw chat -m ")).contains(&"my-team-claude"), "built-in without");

    let db = sandbox.home().join("other.db");
    sandbox.llmgw().args(["--db", db.to_str().unwrap(), "conv", "create", "--name", "elsewhere"]).assert().success();
    for line in [format!("llmgw conv show --db {} ", db.display()), format!("llmgw --db={} conv show ", db.display())] {
        let shown = elvish_complete(&sandbox, &line);
        assert!(stems(&shown).contains(&"elsewhere") && shown.len() == 2, "its id and name: {shown:?}");
    }
    assert!(elvish_complete(&sandbox, "llmgw conv show ").is_empty(), "not in the default database");
}

#[test]
fn elvish_still_completes_commands_and_flags() {
    if !installed("elvish") {
        return;
    }
    let sandbox = Sandbox::new();
    let commands = elvish_complete(&sandbox, "llmgw ch");
    assert!(stems(&commands).contains(&"chat") && stems(&commands).contains(&"completions"), "{commands:?}");
    let flags = elvish_complete(&sandbox, "llmgw chat --");
    assert!(stems(&flags).contains(&"--model") && stems(&flags).contains(&"--conv"), "{flags:?}");
    assert!(!stems(&flags).contains(&"claude"), "{flags:?}");
    assert!(stems(&elvish_complete(&sandbox, "llmgw conv ")).contains(&"show"));
}

/// The script as the README installs it (`use llmgw` from `~/.config/elvish/lib`), in elvish's real interactive
/// line editor on a terminal (`script` provides one), with the real `edit:complex-candidate`.
#[test]
fn elvish_line_editor_loads_the_module_and_completes() {
    if !installed("elvish") {
        return;
    }
    if !std::process::Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success()) {
        eprintln!("script (util-linux) not installed: skipping");
        return;
    }
    let (sandbox, _) = sandbox_with_trip();
    let lib = sandbox.config_home().join("elvish/lib");
    std::fs::create_dir_all(&lib).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/llmgw.elv");
    std::fs::copy(&script, lib.join("llmgw.elv")).unwrap();
    let out_file = sandbox.home().join("elvish-candidates");
    let rc = sandbox.home().join("rc.elv");
    std::fs::write(
        &rc,
        r#"try {
    use llmgw
    for line [[llmgw chat -m ''] [llmgw conv show ''] [llmgw ch]] {
        $edit:completion:arg-completer[llmgw] $@line | each {|c| echo (repr $c) }
    } > $E:OUT
} catch e {
    echo (repr $e) > $E:OUT
} finally {
    exit
}
"#,
    )
    .unwrap();
    let command = format!("elvish -rc '{}'", rc.display());
    // The editor's history daemon puts its socket there: in the sandbox, not in /tmp.
    let vars = [("OUT", out_file.as_path()), ("XDG_RUNTIME_DIR", sandbox.home())];
    run_shell_with(&sandbox, "timeout", &["20", "script", "-qec", &command, "/dev/null"], &script, "", &vars);
    let out = std::fs::read_to_string(&out_file).expect("the rc file ran");
    for expected in ["edit:complex-candidate claude ", "edit:complex-candidate trip ", "edit:complex-candidate chat "] {
        assert!(out.contains(expected), "{expected} in {out}");
    }
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
