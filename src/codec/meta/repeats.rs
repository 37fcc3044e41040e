//! Chunks that repeat the text so far. Some Llama deployments send cumulative chunks (the whole text so far, each
//! time) or replay the whole text once more at the end; printing them would double the reply. But a model writing
//! short repeated tokens sends chunks that look the same: `-`, `-`, `--`, `-` is five dashes, and the chunk `--`
//! both extends and equals the text before it. Dropping on looks alone lost real text.
//!
//! So a chunk is taken as a repeat only on proof: it starts with a text of at least [`PROOF_BYTES`] bytes that is
//! not a run of one character, the text it would repeat. No token is that long except runs of one character (`----`,
//! spaces), which a model may well continue, so an incremental stream never meets the proof. Until then a chunk that
//! starts with everything before it is held back, not printed and not dropped: if the next chunk goes on from it as
//! a cumulative stream would, the evidence grows; if not (or the stream ends first), the held chunks were ordinary
//! text and are printed in order. Once proved, the stream is cumulative: each chunk's new tail is printed.
//!
//! Holding costs an incremental stream nothing: a chunk is held only when it is at least as long as all the text
//! before it, which happens only in the first few tokens of a reply. Every comparison is against a chunk at least
//! as long as the text compared, so the work is linear in what was received.

use crate::Result;

/// The length of repeated text that proves a chunk a repeat (see the module documentation).
pub const PROOF_BYTES: usize = 32;

#[derive(Debug, Default)]
pub struct Repeats {
    /// The text given out as new so far.
    seen: String,
    /// Chunks each starting with the one before (the first with `seen`), waiting for proof either way.
    held: Vec<String>,
    /// Proved: the deployment sends the whole text so far in every chunk.
    cumulative: bool,
}

impl Repeats {
    /// Take one chunk's generation; `new` gets each piece of text now known to be new, in order.
    pub fn take(&mut self, generation: &str, new: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        if generation.is_empty() {
            return Ok(());
        }
        if self.cumulative {
            let tail = generation.strip_prefix(self.seen.as_str()).unwrap_or(generation);
            return self.give(tail, new);
        }
        let base = self.held.last().map_or(self.seen.as_str(), String::as_str);
        let extends = !base.is_empty() && generation.len() >= base.len() && generation.starts_with(base);
        if !extends {
            // Whatever was held was ordinary text; then this chunk is looked at afresh against all of it.
            self.release(new)?;
            if !self.seen.is_empty() && generation.len() >= self.seen.len() && generation.starts_with(&self.seen) {
                return self.hold_or_prove(generation, new);
            }
            return self.give(generation, new);
        }
        self.hold_or_prove(generation, new)
    }

    /// The stream ended: what is still held was never proved a repeat, so it is text.
    pub fn finish(&mut self, new: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        self.release(new)
    }

    /// `generation` starts with the held chain's last chunk (or `seen`): a repeat if that text is proof enough.
    fn hold_or_prove(&mut self, generation: &str, new: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        let base = self.held.last().map_or(self.seen.as_str(), String::as_str);
        if proves(base) {
            // The whole text is `generation`, which starts with `seen` (every held chunk did).
            self.held.clear();
            self.cumulative = true;
            let tail = &generation[self.seen.len()..];
            return self.give(tail, new);
        }
        self.held.push(generation.to_string());
        Ok(())
    }

    fn release(&mut self, new: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        for chunk in std::mem::take(&mut self.held) {
            self.give(&chunk, new)?;
        }
        Ok(())
    }

    fn give(&mut self, text: &str, new: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        self.seen.push_str(text);
        new(text)
    }
}

/// Whether a chunk starting with `text` must be repeating it: long, and not one character over and over.
fn proves(text: &str) -> bool {
    let mut chars = text.chars();
    let first = chars.next();
    text.len() >= PROOF_BYTES && chars.any(|c| Some(c) != first)
}

#[cfg(test)]
pub(super) fn proves_for_tests(text: &str) -> bool {
    proves(text)
}
