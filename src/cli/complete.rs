//! `__complete`: the candidates the shell completion scripts ask for where clap's static scripts cannot know the
//! answer: model ids and aliases of the active catalogue, and the user's stored conversations.
//!
//! Hidden from `--help`, the man pages and the static completions. It prints one candidate a line, optionally
//! followed by a tab and a short description (zsh and fish show it; bash drops it). A shell waits for it on every
//! `<TAB>`, so it is quick and silent: any failure (a broken config, an unreadable database) prints nothing and
//! exits 0, and it never creates a database that does not exist yet. The scripts pass on `--config`, `--db` and
//! `--user` from the command line being completed, so candidates come from the same config root and database the
//! completed command will use.

use super::GlobalArgs;
use super::output::Output;
use crate::Result;
use crate::config::{ConfigRoot, Registry};
use crate::store::Store;
use clap::{Args, ValueEnum};
use std::collections::BTreeSet;

/// The newest conversations offered; completing beyond a screenful helps nobody.
const CONVERSATION_LIMIT: u32 = 200;

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// What to list
    #[arg(value_enum)]
    kind: Kind,
    /// Whose conversations [default: $LLMGW_USER, else the login name]
    #[arg(long, env = "LLMGW_USER", value_name = "USER")]
    user: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// Model ids and aliases of the active catalogue
    Models,
    /// Ids and names of the user's conversations in the active database
    Conversations,
}

pub fn run(args: CompleteArgs, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    let lines = match args.kind {
        Kind::Models => models(global),
        Kind::Conversations => conversations(global, &super::user(args.user.as_deref())),
    };
    // The shell may close the pipe early; whatever happens, completion must not print errors.
    let _ = out.text(&lines.unwrap_or_default()).and_then(|()| out.flush());
    Ok(0)
}

fn models(global: &GlobalArgs) -> Result<String> {
    let registry = Registry::load(&ConfigRoot::choose(global.config.as_deref()))?;
    let mut seen = BTreeSet::new();
    let mut lines = String::new();
    for model in registry.models() {
        if seen.insert(model.model_id.clone()) {
            let about = model.display_name.clone().unwrap_or_else(|| format!("{} {}", model.vendor, model.modality));
            lines.push_str(&candidate(&model.model_id, &format!("{about} ({})", model.provider)));
        }
    }
    for model in registry.models() {
        for alias in &model.aliases {
            if seen.insert(alias.clone()) {
                lines.push_str(&candidate(alias, &format!("alias of {}", model.model_id)));
            }
        }
    }
    Ok(lines)
}

fn conversations(global: &GlobalArgs, user: &str) -> Result<String> {
    let path = Store::default_path(global.db.as_deref())?;
    if !path.is_file() {
        return Ok(String::new());
    }
    let store = Store::open(&path)?;
    let mut lines = String::new();
    for row in store.list_conversations(user, CONVERSATION_LIMIT, None)? {
        let c = row.conversation;
        let title = c.title.as_deref().unwrap_or("");
        lines.push_str(&candidate(&c.conversation_id, title));
        if let Some(name) = &c.name {
            lines.push_str(&candidate(name, &format!("{} {title}", c.conversation_id)));
        }
    }
    Ok(lines)
}

/// `value<TAB>description`, on one line whatever the description holds.
fn candidate(value: &str, description: &str) -> String {
    let description: String =
        description.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).take(80).collect();
    if description.is_empty() { format!("{value}\n") } else { format!("{value}\t{description}\n") }
}
