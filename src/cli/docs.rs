//! Man pages and shell completions, generated from the one clap definition so that they cannot drift from `--help`.
//!
//! The generated files are committed under `man/` and `completions/`; a test regenerates them in memory and fails
//! when the committed copies differ (`LLMGW_BLESS=1 cargo test` rewrites them).

use super::Cli;
use crate::error::EXIT_STATUSES;
use clap::CommandFactory;
use clap_complete::Shell;

pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  llmgw completions bash > ~/.local/share/bash-completion/completions/llmgw
  # with fpath+=(~/.zfunc) before compinit in ~/.zshrc
  llmgw completions zsh > ~/.zfunc/_llmgw
  llmgw completions fish > ~/.config/fish/completions/llmgw.fish
  # with `use llmgw` in ~/.config/elvish/rc.elv
  llmgw completions elvish > ~/.config/elvish/lib/llmgw.elv
  # model ids and aliases of the active catalogue
  llmgw chat -m <TAB>
  # ids and names of your conversations
  llmgw conv show <TAB>";

const ENVIRONMENT: &[(&str, &str)] = &[
    ("LLMGW_CONFIG_DIR", "configuration root, used when --config is not given"),
    ("LLMGW_MODEL", "default model for chat and stream"),
    ("LLMGW_DB", "SQLite database for conversations and metrics, used when --db is not given"),
    ("LLMGW_USER", "default user for requests and conversations (else the login name)"),
    ("LLMGW_NO_LOG", "when set and not empty or 0, requests are not recorded (like --no-log)"),
    ("NO_COLOR", "when set and not empty, no color on stderr"),
    (
        "AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
        "AWS credentials, through the AWS SDK's default chain (SSO, credential_process and web identity included)",
    ),
    ("AWS_REGION", "AWS region; else the profile's, else the provider's region setting"),
    ("AWS_BEARER_TOKEN_BEDROCK", "a Bedrock API key, used instead of AWS credentials"),
    ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL", "another Bedrock Runtime endpoint"),
    ("AWS_ENDPOINT_URL_BEDROCK", "another Bedrock control-plane endpoint (models status --check)"),
    ("AWS_EC2_METADATA_DISABLED", "true: never ask instance metadata for credentials"),
    ("OPENAI_API_KEY", "the openai provider's API key (its apiKeyEnv), sent as a bearer token"),
    ("OPENAI_BASE_URL", "another endpoint for the openai provider (default https://api.openai.com/v1)"),
    (
        "OPENAI_ORG_ID, OPENAI_PROJECT_ID",
        "sent as OpenAI-Organization / OpenAI-Project by openai-type providers that use a key",
    ),
    ("AZURE_OPENAI_ENDPOINT", "the azure provider's endpoint, https://NAME.openai.azure.com"),
    ("AZURE_OPENAI_API_KEY", "the azure provider's API key (its apiKeyEnv), sent as the api-key header"),
    ("OPENAI_API_VERSION", "the azure provider's api-version (default 2025-04-01-preview)"),
];

const FILES: &[(&str, &str)] = &[
    (
        "~/.config/llmgw/providers.json",
        "a user catalogue, used whole instead of the built-in one, or laid over it with \"base\": \"builtin\"",
    ),
    ("~/.config/llmgw/providers/<p>/{settings,models}.json", "provider settings and models (JSON or YAML)"),
    ("~/.config/llmgw/vendors/<v>.json", "vendor capabilities"),
    ("~/.config/llmgw/system/*.json", "defaults: defaultModel, maxTokens, requestTimeoutMs"),
    ("~/.aws/config, ~/.aws/credentials", "AWS profiles, read by the AWS SDK"),
    ("~/.local/share/llmgw/llmgw.db", "conversations and request records (SQLite; --db, $LLMGW_DB)"),
    ("<database>-spool", "request records not yet moved into the database; metrics moves them first"),
];

/// Every man page: `llmgw.1` and one per subcommand (`llmgw-models-list.1`, ...), as (file name, roff text).
pub fn man_pages() -> Vec<(String, String)> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect_pages(&cmd, "llmgw", &mut pages);
    pages
}

fn collect_pages(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, String)>) {
    let top = name == "llmgw";
    let page_cmd = cmd.clone().name(name.to_string());
    let man = clap_mangen::Man::new(page_cmd.clone()).source(format!("llmgw {}", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        if page_cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(out)?;
        }
        if page_cmd.has_subcommands() {
            man.render_subcommands_section(out)?;
        }
        Ok(())
    };
    render(&mut out).expect("writing to memory cannot fail");
    let mut text = String::from_utf8(out).expect("clap_mangen writes UTF-8");
    if let Some(examples) = cmd.get_after_help() {
        let examples = examples.to_string();
        let lines: Vec<&str> =
            examples.lines().skip_while(|l| !l.starts_with("  ")).take_while(|l| !l.is_empty()).collect();
        if !lines.is_empty() {
            text.push_str(".SH EXAMPLES\n.nf\n");
            for line in lines {
                text.push_str(&roff_line(line.trim_start()));
                text.push('\n');
            }
            text.push_str(".fi\n");
        }
    }
    text.push_str(&exit_status_section());
    if top {
        text.push_str(&definition_list("ENVIRONMENT", ENVIRONMENT));
        text.push_str(&definition_list("FILES", FILES));
    }
    let mut see_also: Vec<String> = Vec::new();
    if !top {
        see_also.push("\\fBllmgw\\fR(1)".into());
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        see_also.push(format!("\\fB{name}\\-{}\\fR(1)", sub.get_name()));
    }
    if !see_also.is_empty() {
        text.push_str(&format!(".SH \"SEE ALSO\"\n{}\n", see_also.join(", ")));
    }
    pages.push((format!("{name}.1"), text));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_pages(sub, &format!("{name}-{}", sub.get_name()), pages);
    }
}

/// Every exit code with its `error.code`s, from [`EXIT_STATUSES`]: the same on every page.
fn exit_status_section() -> String {
    let items: Vec<(String, String)> = EXIT_STATUSES
        .iter()
        .map(|s| {
            let codes = s.error_codes.join(", ");
            let meaning =
                if codes.is_empty() { s.meaning.to_string() } else { format!("{} (error code {codes})", s.meaning) };
            (s.code.to_string(), meaning)
        })
        .collect();
    let items: Vec<(&str, &str)> = items.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    definition_list("EXIT STATUS", &items)
}

/// The exit-code table as Markdown, as README.md and docs/contracts.md carry it between `exit-codes` markers.
pub fn exit_code_table() -> String {
    let mut table = String::from("| code | meaning | `error.code` |\n|---|---|---|\n");
    for s in EXIT_STATUSES {
        let codes: Vec<String> = s.error_codes.iter().map(|c| format!("`{c}`")).collect();
        table.push_str(&format!("| {} | {} | {} |\n", s.code, s.meaning, codes.join(", ")));
    }
    table
}

fn definition_list(title: &str, items: &[(&str, &str)]) -> String {
    let mut text = format!(".SH \"{title}\"\n");
    for (term, definition) in items {
        text.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", roff_escape(term), roff_line(definition)));
    }
    text
}

fn roff_escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// A line of running text: escaped, and protected when it would start with a roff control character.
fn roff_line(text: &str) -> String {
    let escaped = roff_escape(text);
    if escaped.starts_with('.') || escaped.starts_with('\'') { format!("\\&{escaped}") } else { escaped }
}

/// Every completion script, as (file name under `completions/`, text).
pub fn completion_scripts() -> Vec<(String, String)> {
    [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Elvish, Shell::PowerShell]
        .into_iter()
        .map(|shell| (completion_file_name(shell), completion_script(shell)))
        .collect()
}

/// The static script clap_complete generates, plus the hooks that ask `llmgw __complete` for model ids, aliases and
/// conversations.
pub fn completion_script(shell: Shell) -> String {
    let mut cmd = completion_command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "llmgw", &mut out);
    let script = String::from_utf8(out).expect("clap_complete writes UTF-8");
    match shell {
        Shell::Bash => bash_hook(&script),
        Shell::Zsh => zsh_hook(&script),
        Shell::Fish => fish_hook(&script),
        Shell::Elvish => elvish_hook(&script),
        Shell::PowerShell => powershell_hook(&script),
        _ => script,
    }
}

/// The command line the scripts complete: [`Cli`] without its hidden commands, which clap_complete would offer.
fn completion_command() -> clap::Command {
    let full = Cli::command();
    let mut cmd = clap::Command::new("llmgw").version(env!("CARGO_PKG_VERSION"));
    if let Some(about) = full.get_about() {
        cmd = cmd.about(about.clone());
    }
    cmd.args(full.get_arguments().cloned()).subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// Where the generated script registers itself: the hook goes in before it and takes over the registration.
const BASH_REGISTRATION: &str = "if [[ \"${BASH_VERSINFO[0]}\" -eq 4";

fn bash_hook(script: &str) -> String {
    let hook = include_str!("hooks/hook.bash").replace("@VALUE_OPTIONS@", &value_options().join("|"));
    let at = script.rfind(BASH_REGISTRATION).unwrap_or(script.len());
    let (body, registration) = script.split_at(at);
    let registration = if registration.is_empty() {
        "complete -F _llmgw_dynamic -o bashdefault -o default llmgw\n".to_string()
    } else {
        registration.replace("complete -F _llmgw ", "complete -F _llmgw_dynamic ")
    };
    format!("{body}{}{registration}", hook.trim_start_matches('\n'))
}

/// Every flag of every command that takes a value (`-m`, `--model`, `--db`, ...), so that the bash hook can tell a
/// flag's value from a positional argument.
fn value_options() -> Vec<String> {
    fn collect(cmd: &clap::Command, into: &mut std::collections::BTreeSet<String>) {
        for arg in cmd.get_arguments().filter(|a| !a.is_positional() && a.get_action().takes_values()) {
            into.extend(arg.get_short().map(|s| format!("-{s}")));
            into.extend(arg.get_long().map(|l| format!("--{l}")));
        }
        for sub in cmd.get_subcommands() {
            collect(sub, into);
        }
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut options = std::collections::BTreeSet::new();
    collect(&cmd, &mut options);
    options.into_iter().collect()
}

/// Where the generated script calls or registers `_llmgw`: the helper functions must be defined before it.
const ZSH_REGISTRATION: &str = "if [ \"$funcstack[1]\" = \"_llmgw\" ]; then";

fn zsh_hook(script: &str) -> String {
    let mut text = String::with_capacity(script.len() + 2048);
    for line in script.split_inclusive('\n') {
        let models = line.contains(":MODEL:_default'") || line.contains("'::model -- Model id");
        let conversations = line.contains(":ID|NAME:_default'") || line.contains(":conv -- Conversation id");
        match (models, conversations) {
            (true, _) => text.push_str(&line.replacen(":_default'", ":_llmgw_models'", 1)),
            (_, true) => text.push_str(&line.replacen(":_default'", ":_llmgw_conversations'", 1)),
            _ => text.push_str(line),
        }
    }
    let at = text.rfind(ZSH_REGISTRATION).unwrap_or(text.len());
    text.insert_str(at, include_str!("hooks/hook.zsh").trim_start_matches('\n'));
    text
}

fn fish_hook(script: &str) -> String {
    let mut text = String::with_capacity(script.len() + 2048);
    for line in script.lines() {
        text.push_str(line);
        if (line.contains(" -l model ") || line.contains(" -l fallback ")) && line.ends_with(" -r") {
            text.push_str(" -f -a \"(__llmgw_candidates models)\"");
        } else if line.contains(" -l conv ") && line.ends_with(" -r") {
            text.push_str(" -f -a \"(__llmgw_candidates conversations)\"");
        }
        text.push('\n');
    }
    text.push_str(include_str!("hooks/hook.fish"));
    text
}

/// The generated script registers its completer first; the hook, appended, wraps it.
fn elvish_hook(script: &str) -> String {
    let options: Vec<String> = value_options().iter().map(|o| format!("'{o}'")).collect();
    format!("{script}{}", include_str!("hooks/hook.elv").replace("@VALUE_OPTIONS@", &options.join(" ")))
}

/// The first line of the generated completer's script block: the hook goes in right after it and returns before the
/// generated code runs when it has the answer.
const POWERSHELL_PARAMS: &str = "    param($wordToComplete, $commandAst, $cursorPosition)\n";

fn powershell_hook(script: &str) -> String {
    let Some(at) = script.find(POWERSHELL_PARAMS) else { return script.to_string() };
    let options: Vec<String> = value_options().iter().map(|o| format!("'{o}'")).collect();
    let hook = include_str!("hooks/hook.ps1").replace("@VALUE_OPTIONS@", &options.join(", "));
    let (head, tail) = script.split_at(at + POWERSHELL_PARAMS.len());
    format!("{head}{hook}{tail}")
}

fn completion_file_name(shell: Shell) -> String {
    match shell {
        Shell::Bash => "llmgw.bash".into(),
        Shell::Zsh => "_llmgw".into(),
        Shell::Fish => "llmgw.fish".into(),
        Shell::Elvish => "llmgw.elv".into(),
        Shell::PowerShell => "_llmgw.ps1".into(),
        other => format!("llmgw.{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Help fits an 80-column terminal and never breaks an example: every line of every command's Examples comes
    /// out whole, on its own line (it was wrapped mid-command), and no line of help is wider than the terminal.
    #[test]
    fn help_examples_stay_whole_on_an_80_column_terminal() {
        fn check(cmd: &mut clap::Command, path: &str) {
            let help = cmd.clone().term_width(80).render_long_help().to_string();
            for line in help.lines() {
                assert!(line.chars().count() <= 80, "{path} --help: {line:?} is wider than 80 columns");
            }
            if let Some(after) = cmd.get_after_help().map(|a| a.to_string()) {
                let examples = after.split("\n\n").next().unwrap_or_default();
                for line in examples.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                    assert!(help.lines().any(|h| h == line), "{path} --help broke the example line {line:?}:\n{help}");
                }
            }
            for sub in cmd.get_subcommands_mut() {
                let name = format!("{path} {}", sub.get_name());
                check(sub, &name);
            }
        }
        let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
        cmd.build();
        check(&mut cmd, "llmgw");
    }

    /// Compare generated files with the committed ones; with LLMGW_BLESS=1, write them instead.
    fn ensure_files(dir: &str, files: Vec<(String, String)>) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let bless = std::env::var_os("LLMGW_BLESS").is_some_and(|v| v == "1");
        let mut stale = Vec::new();
        for (name, text) in &files {
            let path = dir.join(name);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                if bless {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&path, text).unwrap();
                } else {
                    stale.push(path.display().to_string());
                }
            }
        }
        let expected: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !expected.contains(&name.as_str()) && name != "README.md" {
                if bless {
                    std::fs::remove_file(entry.path()).unwrap();
                } else {
                    stale.push(format!("{} (no longer generated)", entry.path().display()));
                }
            }
        }
        assert!(stale.is_empty(), "out of date, run `LLMGW_BLESS=1 cargo test --lib docs` and commit: {stale:#?}");
    }

    /// README.md and docs/contracts.md carry the exit-code table generated from the one in `error.rs`.
    #[test]
    fn the_documents_carry_the_current_exit_code_table() {
        const START: &str = "<!-- exit-codes:start -->\n";
        const END: &str = "<!-- exit-codes:end -->";
        let bless = std::env::var_os("LLMGW_BLESS").is_some_and(|v| v == "1");
        for doc in ["README.md", "docs/contracts.md"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
            let text = std::fs::read_to_string(&path).unwrap();
            let start = text.find(START).unwrap_or_else(|| panic!("{doc} has no {START}")) + START.len();
            let end = text[start..].find(END).unwrap_or_else(|| panic!("{doc} has no {END}")) + start;
            if text[start..end] != exit_code_table() {
                assert!(bless, "{doc}'s exit-code table is out of date: run `LLMGW_BLESS=1 cargo test --lib docs`");
                std::fs::write(&path, format!("{}{}{}", &text[..start], exit_code_table(), &text[end..])).unwrap();
            }
        }
    }

    #[test]
    fn committed_man_pages_are_current() {
        ensure_files("man", man_pages());
    }

    #[test]
    fn committed_completions_are_current() {
        ensure_files("completions", completion_scripts());
    }

    #[test]
    fn man_page_documents_every_exit_code_and_variable() {
        let pages = man_pages();
        let (_, top) = pages.iter().find(|(n, _)| n == "llmgw.1").unwrap();
        for page in pages.iter().map(|(_, text)| text) {
            for status in EXIT_STATUSES {
                assert!(page.contains(&format!("\\fB{}\\fR", status.code)), "exit code {}", status.code);
                for code in status.error_codes {
                    assert!(page.contains(code), "error code {code}");
                }
            }
        }
        for var in ["LLMGW_CONFIG_DIR", "LLMGW_MODEL", "AWS_BEARER_TOKEN_BEDROCK", "NO_COLOR"] {
            assert!(top.contains(&var.replace('-', "\\-")), "{var}");
        }
        for page in pages.iter().map(|(n, _)| n.as_str()).filter(|n| *n != "llmgw.1") {
            let (_, text) = pages.iter().find(|(n, _)| n == page).unwrap_or_else(|| panic!("{page} generated"));
            assert!(text.contains(".SH EXAMPLES"), "{page} has examples");
        }
    }

    /// The hooks find their places in clap_complete's output; a new clap_complete that changes it fails here.
    #[test]
    fn dynamic_completion_hooks_are_in_place() {
        let bash = completion_script(Shell::Bash);
        assert!(bash.contains("_llmgw_dynamic() {") && bash.contains("complete -F _llmgw_dynamic -o nosort"));
        assert!(!bash.contains("complete -F _llmgw "), "the generated function is no longer registered itself");
        assert!(bash.contains("|--conv|") && bash.contains("|--model|") && bash.contains("|-m|"), "value options");

        let zsh = completion_script(Shell::Zsh);
        assert_eq!(
            zsh.matches(":MODEL:_llmgw_models'").count(),
            14,
            "-m, --model and --fallback of chat and stream, metrics, cache clear, embed, image"
        );
        assert_eq!(zsh.matches("::model -- Model id, alias or provider/modelId:_llmgw_models'").count(), 1);
        assert_eq!(zsh.matches(":_llmgw_conversations'").count(), 4, "--conv of chat and stream, conv show|delete");
        assert!(zsh.find("_llmgw_models() {") < zsh.find(ZSH_REGISTRATION), "helpers defined before use");

        let fish = completion_script(Shell::Fish);
        let model_flags = fish.matches("-l model -d").count() + fish.matches("-l fallback -d").count();
        assert_eq!(model_flags, fish.matches("(__llmgw_candidates models)\"").count() - 1);
        assert_eq!(fish.matches("-l fallback -d").count(), 2, "--fallback of chat and stream");
        assert_eq!(fish.matches("-l conv -d").count(), 2);
        assert_eq!(fish.matches("(__llmgw_candidates conversations)\"").count(), 3);

        let elvish = completion_script(Shell::Elvish);
        let generated = elvish.find("set edit:completion:arg-completer[llmgw] = {|@words|").unwrap();
        let wrapped = elvish.find("var llmgw-generated-completer = $edit:completion:arg-completer[llmgw]").unwrap();
        assert!(generated < wrapped, "the hook wraps the completer the generated script registered");
        assert_eq!(elvish.matches("set edit:completion:arg-completer[llmgw] =").count(), 2);
        assert!(["'--conv'", "'--db'", "'-m'", "'-o'", "'-p'"].iter().all(|o| elvish.contains(o)), "value options");
        assert!(elvish.contains("llmgw __complete $kind $@pass"));

        let powershell = completion_script(Shell::PowerShell);
        let params = powershell.find(POWERSHELL_PARAMS).unwrap();
        let hook = powershell.find("$llmgwValueOptions = @(").unwrap();
        let generated = powershell.find("$commandElements = $commandAst.CommandElements").unwrap();
        assert!(params < hook && hook < generated, "the hook runs first in the generated script block");
        assert!(
            ["'--conv',", "'--db',", "'-m',", "'-o',", "'-p',"].iter().all(|o| powershell.contains(o)),
            "value options"
        );
        assert!(powershell.contains("llmgw __complete $llmgwKind @llmgwPass"));

        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Elvish, Shell::PowerShell] {
            let script = completion_script(shell);
            assert!(!script.contains("Candidates for the completion scripts"), "{shell}: __complete is not offered");
        }
    }

    fn syntax_check(shell: &str, flag: &str, file: &str) {
        let Ok(status) = std::process::Command::new(shell).arg("--version").output() else {
            eprintln!("{shell} not installed: skipping its completion syntax check");
            return;
        };
        let _ = status;
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions").join(file);
        let out = std::process::Command::new(shell).arg(flag).arg(&path).output().unwrap();
        assert!(out.status.success(), "{shell} {flag} {file}: {}", String::from_utf8_lossy(&out.stderr));
    }

    #[test]
    fn completion_scripts_parse_in_their_shells() {
        syntax_check("bash", "-n", "llmgw.bash");
        syntax_check("zsh", "-n", "_llmgw");
        syntax_check("fish", "--no-execute", "llmgw.fish");
    }
}
