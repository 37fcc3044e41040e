//! `conv`: create, list, show and delete stored conversations. A conversation is addressed by its id (global) or by
//! its name (unique among one user's conversations); `--user` picks the user, as everywhere.

use super::GlobalArgs;
use super::output::Output;
use super::table::{Column, TextTable};
use crate::store::{ConversationSummary, NewConversation, StoredMessage};
use crate::time::{ago_ms, parse_duration};
use crate::{Error, Result};
use clap::{Args, Subcommand};
use serde::Serialize;

pub const EXAMPLES: &str = "\
Examples:
  id=$(llmgw conv create --title \"Trip planning\" --system \"Be brief\")
  # then: llmgw chat --conv trip \"...\"
  llmgw conv create --name trip
  llmgw conv list --search paris
  llmgw conv show trip
  llmgw conv delete --older-than 30d";

const CREATE_EXAMPLES: &str = "\
Examples:
  id=$(llmgw conv create --title \"Trip planning\")
  llmgw chat --conv \"$id\" -m claude \"Three days in Lisbon?\"
  llmgw conv create --name trip --system \"Be brief\"
  llmgw chat --conv trip -m claude \"And in Porto?\"
  llmgw conv create --json --user ci --name nightly | jq -r .conversation_id";

const LIST_EXAMPLES: &str = "\
Examples:
  llmgw conv list
  llmgw conv list --search \"lisbon budget\" --limit 5
  # the ids of empty conversations
  llmgw conv list --json |
    jq -r '.[] | select(.message_count == 0).conversation_id'";

const SHOW_EXAMPLES: &str = "\
Examples:
  llmgw conv show trip
  # the last reply
  llmgw conv show --json trip | jq -r '.messages[-1].content'
  llmgw conv show --user ci nightly";

const DELETE_EXAMPLES: &str = "\
Examples:
  llmgw conv delete trip
  # prune, e.g. from a cron job
  llmgw conv delete --older-than 30d
  llmgw conv list --json | jq -r '.[].conversation_id' |
    xargs -n1 llmgw conv delete";

#[derive(Debug, Subcommand)]
pub enum ConvCommand {
    /// Start a conversation and print its id
    #[command(after_help = CREATE_EXAMPLES)]
    Create {
        #[command(flatten)]
        user: UserArg,
        /// A title shown by `conv list`
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
        /// A name to address it by (`--conv NAME`), unique per user
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// The system prompt sent with every turn
        #[arg(short, long, value_name = "TEXT")]
        system: Option<String>,
    },
    /// List conversations, most recently updated first
    #[command(after_help = LIST_EXAMPLES)]
    List {
        #[command(flatten)]
        user: UserArg,
        /// At most this many
        #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        /// Only conversations with a message containing all these words (full-text search)
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },
    /// Print a conversation's turns
    #[command(after_help = SHOW_EXAMPLES)]
    Show {
        #[command(flatten)]
        user: UserArg,
        /// Conversation id or name
        #[arg(value_name = "ID|NAME")]
        conv: String,
    },
    /// Delete a conversation and its messages, or prune old ones
    #[command(after_help = DELETE_EXAMPLES)]
    Delete {
        #[command(flatten)]
        user: UserArg,
        /// Conversation id or name
        #[arg(value_name = "ID|NAME", required_unless_present = "older_than", conflicts_with = "older_than")]
        conv: Option<String>,
        /// Delete the user's conversations not updated for this long (30d, 12h, 2w)
        #[arg(long, value_name = "DUR")]
        older_than: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct UserArg {
    /// Whose conversations [default: $LLMGW_USER, else the login name]
    #[arg(long, env = "LLMGW_USER", value_name = "USER")]
    user: Option<String>,
}

impl UserArg {
    fn get(&self) -> String {
        super::user(self.user.as_deref())
    }
}

pub fn run(cmd: ConvCommand, global: &GlobalArgs, out: &mut Output) -> Result<i32> {
    if let ConvCommand::Delete { older_than: Some(dur), .. } = &cmd
        && parse_duration(dur).is_none()
    {
        return Err(Error::Usage(format!("--older-than takes a duration like 30d, 12h or 2w, got '{dur}'")));
    }
    let mut store = super::open_store(global, out)?;
    match cmd {
        ConvCommand::Create { user, title, name, system } => {
            if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                return Err(Error::Usage("--name needs a non-empty name".into()));
            }
            let conv = store.create_conversation(&NewConversation { user_id: user.get(), name, title, system })?;
            if out.json {
                out.json_line(&conv)?;
            } else {
                out.text(&format!("{}\n", conv.conversation_id))?;
            }
        }
        ConvCommand::List { user, limit, search } => {
            let rows = store.list_conversations(&user.get(), limit, search.as_deref())?;
            if out.json {
                out.json_line(&rows)?;
            } else {
                match list_table(&rows) {
                    Some(table) => out.table(table)?,
                    None => out.nothing_to_show(&match &search {
                        Some(words) => format!("no conversation of {} matches '{words}'", user.get()),
                        None => format!("{} has no conversations yet; `llmgw conv create` makes one", user.get()),
                    }),
                }
            }
        }
        ConvCommand::Show { user, conv } => {
            let conversation = store.find_conversation(&conv, &user.get())?;
            let messages = store.messages(&conversation.conversation_id)?;
            if out.json {
                #[derive(Serialize)]
                struct Show<'a> {
                    #[serde(flatten)]
                    conversation: &'a crate::store::Conversation,
                    messages: &'a [StoredMessage],
                }
                out.json_line(&Show { conversation: &conversation, messages: &messages })?;
            } else {
                let mut text = format!("conversation {}", conversation.conversation_id);
                if let Some(name) = &conversation.name {
                    text.push_str(&format!(" ({name})"));
                }
                if let Some(title) = &conversation.title {
                    text.push_str(&format!(": {title}"));
                }
                text.push_str(&format!("\nuser {}, created {}\n", conversation.user_id, conversation.created_at));
                if let Some(system) = &conversation.system {
                    text.push_str(&format!("\n[system]\n{system}\n"));
                }
                for m in &messages {
                    match &m.model {
                        Some(model) => text.push_str(&format!("\n[{} · {model}]\n{}\n", m.role.as_str(), m.content)),
                        None => text.push_str(&format!("\n[{}]\n{}\n", m.role.as_str(), m.content)),
                    }
                    for a in &m.attachments {
                        text.push_str(&format!(
                            "  [attached: {} ({}, {} bytes)]\n",
                            a.name,
                            a.media.mime(),
                            a.bytes.len()
                        ));
                    }
                }
                out.text(&text)?;
            }
        }
        ConvCommand::Delete { user, conv: Some(conv), .. } => {
            let conversation = store.find_conversation(&conv, &user.get())?;
            store.delete_conversation(&conversation.conversation_id)?;
            if out.json {
                out.json_line(&serde_json::json!({ "deleted": conversation.conversation_id }))?;
            } else {
                out.text(&format!("{}\n", conversation.conversation_id))?;
            }
        }
        ConvCommand::Delete { user, older_than, .. } => {
            let age = older_than.as_deref().and_then(parse_duration).unwrap_or_default();
            let ids = store.delete_older_than(&user.get(), ago_ms(age))?;
            if out.json {
                out.json_line(&serde_json::json!({ "deleted": ids }))?;
            } else if ids.is_empty() {
                let age = older_than.as_deref().unwrap_or_default();
                out.nothing_to_show(&format!("no conversation of {} was older than {age}; none deleted", user.get()));
            } else {
                out.text(&ids.iter().map(|id| format!("{id}\n")).collect::<String>())?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

/// The table of `conv list`; `None` when there is nothing to list.
fn list_table(rows: &[ConversationSummary]) -> Option<TextTable> {
    if rows.is_empty() {
        return None;
    }
    let mut table = TextTable::new(&[
        Column::word("ID"),
        Column::word("NAME"),
        Column::text("TITLE"),
        Column::number("MESSAGES").dropped(1),
        Column::word("UPDATED").dropped(2),
    ]);
    for row in rows {
        let c = &row.conversation;
        table.row(vec![
            c.conversation_id.clone(),
            c.name.clone().unwrap_or_default(),
            c.title.clone().unwrap_or_default(),
            row.message_count.to_string(),
            c.updated_at.clone(),
        ]);
    }
    Some(table)
}
