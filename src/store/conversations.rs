//! Conversations and their messages: create, find by id or name, list (with full-text search), append a turn,
//! delete.
//!
//! Appending a turn is one `BEGIN IMMEDIATE` transaction that reads the next sequence number and inserts both
//! messages under the same write lock, so concurrent turns on one conversation never interleave or collide.

use super::{Store, store_error};
use crate::time::{now_ms, rfc3339};
use crate::types::{Attachment, Role};
use crate::{Error, Result};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use serde::Serialize;

/// A conversation as `conv create --json` prints it (DESIGN.md section 4), plus its name and system prompt.
#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    pub conversation_id: String,
    pub user_id: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub system: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A row of `conv list`.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationSummary {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub message_count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredMessage {
    pub seq: i64,
    pub role: Role,
    pub content: String,
    pub created_at: String,
    pub model: Option<String>,
    pub provider: Option<String>,
    /// Files sent with the message: in `conv show`, their names, types and sizes.
    #[serde(serialize_with = "files", skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

fn files<S: serde::Serializer>(attachments: &[Attachment], s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(attachments.len()))?;
    for a in attachments {
        seq.serialize_element(
            &serde_json::json!({"name": a.name, "media_type": a.media.mime(), "bytes": a.bytes.len()}),
        )?;
    }
    seq.end()
}

#[derive(Debug, Clone, Default)]
pub struct NewConversation {
    pub user_id: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub system: Option<String>,
}

/// One turn to append: the user's message and the reply, with the model that answered.
#[derive(Debug, Clone)]
pub struct Turn<'a> {
    pub prompt: &'a str,
    pub reply: &'a str,
    pub model: &'a str,
    pub provider: &'a str,
    /// Files sent with the prompt, kept with the user's message.
    pub attachments: &'a [Attachment],
}

impl Store {
    pub fn create_conversation(&self, new: &NewConversation) -> Result<Conversation> {
        if let Some(name) = new.name.as_deref().filter(|n| super::is_id(n, "conv")) {
            return Err(Error::Usage(format!(
                "'{name}' has the shape of a conversation id; a name must not, or `--conv {name}` could mean either"
            )));
        }
        let now = now_ms();
        let id = super::new_id("conv");
        let inserted = self.conn.execute(
            "INSERT INTO conversations (id, user_id, name, title, system, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![id, new.user_id, new.name, new.title, new.system, now],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
                return Err(Error::Usage(format!(
                    "user '{}' already has a conversation named '{}'",
                    new.user_id,
                    new.name.as_deref().unwrap_or_default()
                )));
            }
            other => other.map_err(|e| self.err(e))?,
        };
        Ok(Conversation {
            conversation_id: id,
            user_id: new.user_id.clone(),
            name: new.name.clone(),
            title: new.title.clone(),
            system: new.system.clone(),
            created_at: rfc3339(now),
            updated_at: rfc3339(now),
        })
    }

    /// A conversation by id, or by name among `user`'s conversations.
    pub fn find_conversation(&self, id_or_name: &str, user: &str) -> Result<Conversation> {
        let found = self
            .conn
            .prepare_cached(
                "SELECT id, user_id, name, title, system, created_at, updated_at FROM conversations WHERE id = ?1
                 UNION ALL
                 SELECT id, user_id, name, title, system, created_at, updated_at FROM conversations
                 WHERE user_id = ?2 AND name = ?1
                 LIMIT 1",
            )
            .and_then(|mut stmt| stmt.query_row(params![id_or_name, user], conversation_row).optional())
            .map_err(|e| self.err(e))?;
        found.ok_or_else(|| {
            Error::NotFound(format!(
                "no conversation with id or name '{id_or_name}' (user '{user}'); see `llmgw conv list`"
            ))
        })
    }

    /// `user`'s conversations, most recently updated first; with `search`, only those whose messages match it.
    /// An empty or blank `search` is no filter.
    pub fn list_conversations(&self, user: &str, limit: u32, search: Option<&str>) -> Result<Vec<ConversationSummary>> {
        let search = search.filter(|text| !text.trim().is_empty());
        let columns = "c.id, c.user_id, c.name, c.title, c.system, c.created_at, c.updated_at,
                       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)";
        let rows = match search {
            None => {
                let sql = format!(
                    "SELECT {columns} FROM conversations c WHERE c.user_id = ?1
                     ORDER BY c.updated_at DESC, c.id DESC LIMIT ?2"
                );
                self.query_summaries(&sql, params![user, limit])
            }
            Some(text) => {
                let sql = format!(
                    "SELECT {columns} FROM conversations c WHERE c.user_id = ?1 AND c.id IN (
                         SELECT m.conversation_id FROM messages m
                         WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?3))
                     ORDER BY c.updated_at DESC, c.id DESC LIMIT ?2"
                );
                self.query_summaries(&sql, params![user, limit, fts_query(text)])
            }
        };
        rows.map_err(|e| self.err(e))
    }

    fn query_summaries(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<Vec<ConversationSummary>> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map(params, |row| {
            Ok(ConversationSummary {
                conversation: conversation_row(row)?,
                message_count: row.get::<_, i64>(7)? as u64,
            })
        })?;
        rows.collect()
    }

    pub fn messages(&self, conversation_id: &str) -> Result<Vec<StoredMessage>> {
        let read = || -> rusqlite::Result<Vec<StoredMessage>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT seq, role, content, created_at, model, provider FROM messages
                 WHERE conversation_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([conversation_id], |row| {
                let role: String = row.get(1)?;
                Ok(StoredMessage {
                    seq: row.get(0)?,
                    role: if role == "assistant" { Role::Assistant } else { Role::User },
                    content: row.get(2)?,
                    created_at: rfc3339(row.get(3)?),
                    model: row.get(4)?,
                    provider: row.get(5)?,
                    attachments: Vec::new(),
                })
            })?;
            let mut messages: Vec<StoredMessage> = rows.collect::<rusqlite::Result<_>>()?;
            let mut files = super::attachments::of_conversation(&self.conn, conversation_id)?;
            for m in &mut messages {
                m.attachments = files.remove(&m.seq).unwrap_or_default();
            }
            Ok(messages)
        };
        read().map_err(|e| self.err(e))
    }

    /// Append the user's message and the reply as the next two messages, in one transaction.
    pub fn append_turn(&mut self, conversation_id: &str, turn: &Turn) -> Result<()> {
        let path = self.path.clone();
        let write = |conn: &mut Connection| -> rusqlite::Result<bool> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now = now_ms();
            let touched =
                tx.execute("UPDATE conversations SET updated_at = ?2 WHERE id = ?1", params![conversation_id, now])?;
            if touched == 0 {
                return Ok(false);
            }
            let next: i64 = tx.query_row(
                "SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE conversation_id = ?1",
                [conversation_id],
                |r| r.get(0),
            )?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO messages (conversation_id, seq, role, content, model, provider, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                insert.execute(params![conversation_id, next, "user", turn.prompt, None::<&str>, None::<&str>, now])?;
                super::attachments::keep(&tx, tx.last_insert_rowid(), turn.attachments)?;
                insert.execute(params![
                    conversation_id,
                    next + 1,
                    "assistant",
                    turn.reply,
                    turn.model,
                    turn.provider,
                    now
                ])?;
            }
            tx.commit()?;
            Ok(true)
        };
        match write(&mut self.conn) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::NotFound(format!("conversation {conversation_id} was deleted during the request"))),
            Err(e) => Err(store_error(&path, e)),
        }
    }

    pub fn delete_conversation(&self, conversation_id: &str) -> Result<()> {
        let deleted =
            self.conn.execute("DELETE FROM conversations WHERE id = ?1", [conversation_id]).map_err(|e| self.err(e))?;
        super::attachments::drop_unused(&self.conn).map_err(|e| self.err(e))?;
        if deleted == 0 {
            return Err(Error::NotFound(format!("no conversation with id '{conversation_id}'")));
        }
        Ok(())
    }

    /// Delete `user`'s conversations last updated before `cutoff_ms`; returns their ids.
    pub fn delete_older_than(&mut self, user: &str, cutoff_ms: i64) -> Result<Vec<String>> {
        let path = self.path.clone();
        let work = |conn: &mut Connection| -> rusqlite::Result<Vec<String>> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let ids = {
                let mut stmt =
                    tx.prepare("DELETE FROM conversations WHERE user_id = ?1 AND updated_at < ?2 RETURNING id")?;
                stmt.query_map(params![user, cutoff_ms], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?
            };
            super::attachments::drop_unused(&tx)?;
            tx.commit()?;
            Ok(ids)
        };
        let mut ids = work(&mut self.conn).map_err(|e| store_error(&path, e))?;
        ids.sort();
        Ok(ids)
    }
}

fn conversation_row(row: &rusqlite::Row) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        conversation_id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        title: row.get(3)?,
        system: row.get(4)?,
        created_at: rfc3339(row.get(5)?),
        updated_at: rfc3339(row.get(6)?),
    })
}

/// Each word of the user's text as a quoted FTS5 term, so punctuation is never query syntax: all words must match.
fn fts_query(text: &str) -> String {
    text.split_whitespace().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_store as temp_store;

    #[test]
    fn turns_append_in_order_and_search_finds_them() {
        let (_dir, mut store) = temp_store();
        let conv = store
            .create_conversation(&NewConversation {
                user_id: "ann".into(),
                name: Some("n".into()),
                ..Default::default()
            })
            .unwrap();
        let turn =
            Turn { prompt: "tell me about zebras", reply: "stripes", model: "m", provider: "p", attachments: &[] };
        store.append_turn(&conv.conversation_id, &turn).unwrap();
        store.append_turn(&conv.conversation_id, &Turn { prompt: "and lions?", reply: "manes", ..turn }).unwrap();
        let messages = store.messages(&conv.conversation_id).unwrap();
        let seqs: Vec<_> = messages.iter().map(|m| (m.seq, m.role)).collect();
        assert_eq!(
            seqs,
            [(1, Role::User), (2, Role::Assistant), (3, Role::User), (4, Role::Assistant)],
            "{messages:?}"
        );
        assert_eq!(store.find_conversation("n", "ann").unwrap().conversation_id, conv.conversation_id);
        assert!(matches!(store.find_conversation("n", "bob"), Err(Error::NotFound(_))));
        assert_eq!(store.list_conversations("ann", 10, Some("zebras")).unwrap().len(), 1);
        assert_eq!(store.list_conversations("ann", 10, Some("\"giraffes")).unwrap().len(), 0);
        store.delete_conversation(&conv.conversation_id).unwrap();
        assert!(store.messages(&conv.conversation_id).unwrap().is_empty());
        assert_eq!(store.list_conversations("ann", 10, Some("zebras")).unwrap().len(), 0);
    }
}
