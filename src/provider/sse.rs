//! Server-Sent Events framing, before the parser (eventsource-stream) sees the bytes.
//!
//! Two things the parser does not do well are done here, per network chunk, at constant work per byte:
//! - **Line endings.** The SSE spec allows LF, CRLF and a lone CR. The parser cannot tell a CR that ends an event
//!   from one whose LF is still on the way, so a CR-only stream reached it one event late and its last event never;
//!   every CR and CRLF becomes LF here (a CRLF split across two chunks included), so each event is delivered the
//!   moment it is complete.
//! - **The byte-order mark.** The spec says a stream may start with one (U+FEFF) and that it is to be skipped; the
//!   parser panicked on it. It is dropped here, also when it arrives split across chunks.
//!
//! The lines are then handed to the parser one at a time: it keeps unread input in one buffer and shifts it after
//! every line, so a large network read (tens of KB, hundreds of events) would cost time quadratic in its size;
//! slices of the same buffer keep it linear.

use bytes::Bytes;

const BOM: &[u8] = "\u{feff}".as_bytes();

/// The state of one stream's framing across its network chunks.
#[derive(Debug, Default)]
pub struct Framing {
    /// The start of the stream, held while it may still be the beginning of a byte-order mark.
    head: Option<Vec<u8>>,
    started: bool,
    /// The previous chunk ended with a CR (already turned into LF): an LF starting this one belongs to it.
    after_cr: bool,
}

impl Framing {
    /// One network chunk, with its line endings made LF and a leading byte-order mark dropped.
    pub fn normalize(&mut self, chunk: Bytes) -> Bytes {
        let mut chunk = chunk;
        if !self.started {
            let mut head = self.head.take().unwrap_or_default();
            head.extend_from_slice(&chunk);
            if head.len() < BOM.len() && BOM.starts_with(&head) {
                self.head = Some(head);
                return Bytes::new();
            }
            self.started = true;
            chunk = Bytes::from(head);
            if chunk.starts_with(BOM) {
                chunk = chunk.slice(BOM.len()..);
            }
        }
        if std::mem::take(&mut self.after_cr) && chunk.first() == Some(&b'\n') {
            chunk = chunk.slice(1..);
        }
        if !chunk.contains(&b'\r') {
            return chunk;
        }
        let mut out = Vec::with_capacity(chunk.len());
        let mut bytes = chunk.iter().copied().peekable();
        while let Some(b) = bytes.next() {
            if b != b'\r' {
                out.push(b);
                continue;
            }
            out.push(b'\n');
            match bytes.peek() {
                Some(b'\n') => {
                    bytes.next();
                }
                Some(_) => {}
                None => self.after_cr = true,
            }
        }
        Bytes::from(out)
    }
}

/// Split a chunk into its lines (each with its LF; the last may be partial), as cheap slices.
pub fn lines(mut chunk: Bytes) -> impl Iterator<Item = Bytes> {
    std::iter::from_fn(move || {
        if chunk.is_empty() {
            return None;
        }
        let end = chunk.iter().position(|&b| b == b'\n').map_or(chunk.len(), |i| i + 1);
        Some(chunk.split_to(end))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(chunks: &[&[u8]]) -> Vec<u8> {
        let mut framing = Framing::default();
        chunks.iter().flat_map(|c| framing.normalize(Bytes::copy_from_slice(c)).to_vec()).collect()
    }

    #[test]
    fn every_line_ending_becomes_lf_whatever_the_chunking() {
        let want = b"data: a\n\ndata: b\n\n".to_vec();
        for text in [&b"data: a\n\ndata: b\n\n"[..], b"data: a\r\n\r\ndata: b\r\n\r\n", b"data: a\r\rdata: b\r\r"] {
            assert_eq!(framed(&[text]), want, "{:?}", String::from_utf8_lossy(text));
            for at in 0..=text.len() {
                assert_eq!(framed(&[&text[..at], &text[at..]]), want, "split at {at}");
            }
        }
        assert_eq!(framed(&[b"x\r", b"\r", b"\ny"]), b"x\n\ny", "CR, then CRLF split across chunks");
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped_even_split_and_kept_anywhere_else() {
        let body = [BOM, b"data: a\n\n"].concat();
        for at in 0..=4 {
            assert_eq!(framed(&[&body[..at], &body[at..]]), b"data: a\n\n", "split at {at}");
        }
        assert_eq!(framed(&[b"da", b"ta"]), b"data");
        let inner = [b"data: ".as_slice(), BOM, b"\n"].concat();
        assert_eq!(framed(&[&inner]), inner, "only at the start of the stream");
        assert_eq!(framed(&[&BOM[..2]]), b"", "a stream of a lone partial mark holds it, and ends");
    }

    #[test]
    fn lines_are_slices_ending_at_each_lf() {
        let got: Vec<Bytes> = lines(Bytes::from_static(b"a\n\nbc\nd")).collect();
        assert_eq!(got, [&b"a\n"[..], b"\n", b"bc\n", b"d"]);
    }
}
