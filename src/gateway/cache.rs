//! The response cache in the pipeline: whether a request uses it, the key it is kept under, and how a stored reply
//! is played back.
//!
//! The key is a SHA-256 over a canonical form of everything that decides the reply, once the gateway has filled
//! in the defaults: the provider, the model id, the system prompt, every message with its role, and every
//! parameter (max tokens, temperature, top p, stop sequences). How the reply is delivered is not in it, so `chat`
//! and `stream` share entries. A version number starts the form, so a change to it starts a new cache instead of
//! answering from the old one. The entries themselves are the store's ([`crate::store::Store::cache_lookup`]).

use super::request::CachePolicy;
use crate::config::CacheSettings;
use crate::types::{ChatRequest, EventSink};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The form of the key; bump it when what goes into the key changes.
const KEY_VERSION: u32 = 1;

/// How a request uses the cache: the ttl an entry must be within, and the size the cache must fit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheUse {
    pub ttl: Duration,
    pub max_bytes: u64,
}

/// The request's own choice over the configuration's (`system/cache.json`); `None` when the cache is not used.
pub(super) fn cache_use(policy: CachePolicy, settings: &CacheSettings) -> Option<CacheUse> {
    let ttl = match policy {
        CachePolicy::Off => return None,
        CachePolicy::Default if !settings.enabled => return None,
        CachePolicy::Default => settings.ttl,
        CachePolicy::On { ttl } => ttl.unwrap_or(settings.ttl),
    };
    Some(CacheUse { ttl, max_bytes: settings.max_bytes })
}

/// The key of `chat` sent to the model `model_id` of `provider`.
pub(super) fn key(provider: &str, model_id: &str, chat: &ChatRequest) -> [u8; 32] {
    // An attachment counts by its type and the SHA-256 of its bytes.
    let messages: Vec<(&str, &str, Vec<String>)> = chat
        .messages
        .iter()
        .map(|m| {
            let files = m
                .attachments
                .iter()
                .map(|a| format!("{}:{}", a.media.mime(), crate::codec::base64(&Sha256::digest(a.bytes.as_slice()))))
                .collect();
            (m.role.as_str(), m.content.as_str(), files)
        })
        .collect();
    let p = &chat.params;
    let form = serde_json::json!({
        "v": KEY_VERSION,
        "provider": provider,
        "model": model_id,
        "system": chat.system,
        "messages": messages,
        "max_tokens": p.max_tokens,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "stop": p.stop,
    });
    Sha256::digest(form.to_string().as_bytes()).into()
}

/// Play a stored reply into `sink` as a stream would: in pieces that end at whitespace, each at most about
/// [`PIECE`] bytes (a word longer than that is one piece).
pub(super) fn replay(text: &str, sink: &mut dyn EventSink) -> crate::Result<()> {
    const PIECE: usize = 64;
    let mut start = 0;
    while start < text.len() {
        let rest = &text[start..];
        let end = if rest.len() <= PIECE {
            rest.len()
        } else {
            let window = &rest[..rest.floor_char_boundary(PIECE)];
            match window.rfind(char::is_whitespace) {
                Some(at) => at + window[at..].chars().next().map_or(1, char::len_utf8),
                None => rest.find(char::is_whitespace).map_or(rest.len(), |at| at + 1),
            }
        };
        sink.delta(&rest[..end])?;
        start += end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Message, Params};

    fn chat() -> ChatRequest {
        ChatRequest {
            system: Some("be brief".into()),
            messages: vec![Message::user("hi"), Message::assistant("hello"), Message::user("again")],
            params: Params { max_tokens: Some(100), temperature: Some(0.5), top_p: None, stop: vec!["END".into()] },
        }
    }

    #[test]
    fn the_key_changes_with_everything_that_decides_the_reply_and_nothing_else() {
        let base = key("openai", "gpt-4o", &chat());
        assert_eq!(base, key("openai", "gpt-4o", &chat()), "the same request, the same key");
        let mut variants: Vec<(&str, [u8; 32])> =
            vec![("provider", key("azure", "gpt-4o", &chat())), ("model", key("openai", "gpt-4o-mini", &chat()))];
        type Change = (&'static str, fn(&mut ChatRequest));
        let changes: [Change; 9] = [
            ("system", |c| c.system = None),
            ("a message", |c| c.messages[0].content.push('!')),
            ("a role", |c| c.messages[1].role = crate::types::Role::User),
            ("one more message", |c| c.messages.push(Message::user("x"))),
            ("max tokens", |c| c.params.max_tokens = Some(101)),
            ("temperature", |c| c.params.temperature = Some(0.6)),
            ("top p", |c| c.params.top_p = Some(0.9)),
            ("stop", |c| c.params.stop.push("STOP".into())),
            ("text moved between messages", |c| {
                c.messages[0].content = "hihello".into();
                c.messages[1].content.clear();
            }),
        ];
        for (what, change) in changes {
            let mut c = chat();
            change(&mut c);
            variants.push((what, key("openai", "gpt-4o", &c)));
        }
        for (what, k) in &variants {
            assert_ne!(*k, base, "changing {what} must change the key");
        }
    }

    #[test]
    fn the_request_decides_over_the_configuration() {
        let off = CacheSettings::default();
        let on = CacheSettings { enabled: true, ..CacheSettings::default() };
        assert_eq!(cache_use(CachePolicy::Default, &off), None);
        assert_eq!(cache_use(CachePolicy::Default, &on).map(|u| u.ttl), Some(on.ttl));
        assert_eq!(cache_use(CachePolicy::Off, &on), None);
        let short = Duration::from_secs(5);
        assert_eq!(cache_use(CachePolicy::On { ttl: Some(short) }, &off).map(|u| u.ttl), Some(short));
        assert_eq!(cache_use(CachePolicy::On { ttl: None }, &off).map(|u| u.ttl), Some(off.ttl));
    }

    struct Pieces(Vec<String>);
    impl EventSink for Pieces {
        fn delta(&mut self, text: &str) -> crate::Result<()> {
            self.0.push(text.to_string());
            Ok(())
        }
        fn idle(&mut self) -> crate::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_replay_gives_back_the_text_in_pieces_that_end_at_whitespace() {
        let long_word = "x".repeat(150);
        let texts = [
            String::new(),
            "short".to_string(),
            "word ".repeat(40),
            format!("a {long_word} b\n\nc"),
            "héllo wörld ünïcode ".repeat(10),
        ];
        for text in texts {
            let mut sink = Pieces(Vec::new());
            replay(&text, &mut sink).unwrap();
            assert_eq!(sink.0.concat(), text);
            for piece in &sink.0[..sink.0.len().saturating_sub(1)] {
                assert!(piece.ends_with(char::is_whitespace), "{piece:?}");
                assert!(piece.len() <= 64 || !piece.trim_end().contains(' '), "{piece:?}");
            }
        }
    }
}
