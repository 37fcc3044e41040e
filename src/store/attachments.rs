//! Files sent with conversation messages (`--attach` with `--conv`): each distinct file kept once, under the
//! SHA-256 of its bytes, and linked to the messages that carry it, so that later turns send it again and a file
//! attached to many turns is stored once. Deleting a conversation removes the files no message uses any more.

use crate::types::{Attachment, Media};
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// Keep `attachments` for the message with row id `message_id`, in the caller's transaction.
pub(super) fn keep(conn: &Connection, message_id: i64, attachments: &[Attachment]) -> rusqlite::Result<()> {
    for (position, a) in attachments.iter().enumerate() {
        let hash: String = Sha256::digest(a.bytes.as_slice()).iter().map(|b| format!("{b:02x}")).collect();
        conn.prepare_cached("INSERT OR IGNORE INTO blobs (hash, media_type, size, bytes) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![hash, a.media.mime(), a.bytes.len() as i64, a.bytes.as_slice()])?;
        conn.prepare_cached(
            "INSERT INTO message_attachments (message_id, position, name, hash) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![message_id, position as i64, a.name, hash])?;
    }
    Ok(())
}

/// The attachments of a conversation's messages, by message seq, in the order they were attached.
pub(super) fn of_conversation(
    conn: &Connection,
    conversation_id: &str,
) -> rusqlite::Result<HashMap<i64, Vec<Attachment>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.seq, a.name, b.media_type, b.bytes FROM message_attachments a
         JOIN messages m ON m.id = a.message_id JOIN blobs b ON b.hash = a.hash
         WHERE m.conversation_id = ?1 ORDER BY m.seq, a.position",
    )?;
    let mut rows = stmt.query([conversation_id])?;
    let mut found: HashMap<i64, Vec<Attachment>> = HashMap::new();
    while let Some(row) = rows.next()? {
        let media: String = row.get(2)?;
        let Some(media) = Media::from_mime(&media) else { continue };
        found.entry(row.get(0)?).or_default().push(Attachment {
            name: row.get(1)?,
            media,
            bytes: Arc::new(row.get(3)?),
        });
    }
    Ok(found)
}

/// Remove the files no message uses any more (after conversations were deleted).
pub(super) fn drop_unused(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM blobs WHERE hash NOT IN (SELECT hash FROM message_attachments)", [])
}
