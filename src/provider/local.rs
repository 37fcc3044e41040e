//! The offline provider: model `echo` answers with the user's last message, deterministically, with no network and
//! no credentials. It goes through the same gateway, output and store paths as a real provider, so a new user can
//! try llmgw at once and users can test their own scripts in CI at no cost. It honours `--max-tokens` (in words)
//! and `--stop`, and reports usage as word counts. The project's tests of real providers never use it.

use crate::Result;
use crate::codec::{count_words, words_in_request};
use crate::types::{ChatRequest, Completion, EventSink, Role, StreamEnd, Usage};

pub struct Local;

impl Local {
    pub fn chat(&self, req: &ChatRequest) -> Result<Completion> {
        let (content, stop_reason) = answer(req);
        Ok(Completion {
            usage: usage(req, content),
            content: content.to_string(),
            stop_reason: Some(stop_reason.into()),
        })
    }

    pub async fn stream(&self, req: &ChatRequest, sink: &mut dyn EventSink) -> Result<StreamEnd> {
        let (content, stop_reason) = answer(req);
        for word in words_with_space(content) {
            sink.delta(word)?;
            sink.idle()?;
            // Yield so that Ctrl-C is seen between words, as it would be between network chunks.
            tokio::task::yield_now().await;
        }
        Ok(StreamEnd { usage: usage(req, content), stop_reason: Some(stop_reason.into()) })
    }
}

/// The reply: the last user message, cut at the first stop string and at `max_tokens` words.
fn answer(req: &ChatRequest) -> (&str, &'static str) {
    let text = req.messages.iter().rev().find(|m| m.role == Role::User).map_or("", |m| m.content.as_str()).trim();
    let mut reply = text;
    let mut reason = "end_turn";
    if let Some(cut) = req.params.stop.iter().filter_map(|s| (!s.is_empty()).then(|| text.find(s.as_str()))?).min() {
        reply = &text[..cut];
        reason = "stop_sequence";
    }
    if let Some(max) = req.params.max_tokens {
        let mut pieces = words_with_space(reply);
        let kept: usize = pieces.by_ref().take(max as usize).map(str::len).sum();
        if pieces.next().is_some() {
            reply = &reply[..kept];
            reason = "max_tokens";
        }
    }
    (reply.trim_end(), reason)
}

/// Split into words, each carrying the whitespace before it, so that the pieces concatenate to the input.
fn words_with_space(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let start = rest.len() - rest.trim_start().len();
        let end = rest[start..].find(char::is_whitespace).map_or(rest.len(), |i| start + i);
        let (word, tail) = rest.split_at(end);
        rest = tail;
        Some(word)
    })
}

fn usage(req: &ChatRequest, reply: &str) -> Usage {
    Usage { input_tokens: words_in_request(req), output_tokens: count_words(reply), estimated: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Message, Params};

    fn req(text: &str, params: Params) -> ChatRequest {
        ChatRequest { system: Some("be brief".into()), messages: vec![Message::user(text)], params }
    }

    #[test]
    fn echoes_the_last_user_message_with_word_counts() {
        let c = Local.chat(&req("hello  big world", Params::default())).unwrap();
        assert_eq!(c.content, "hello  big world");
        assert_eq!(c.stop_reason.as_deref(), Some("end_turn"));
        assert_eq!(c.usage, Usage { input_tokens: 5, output_tokens: 3, estimated: false });
    }

    #[test]
    fn words_concatenate_back_to_the_text() {
        let text = "  one two\tthree\n four ";
        assert_eq!(words_with_space(text).collect::<String>(), text);
        assert_eq!(words_with_space("a b").collect::<Vec<_>>(), vec!["a", " b"]);
    }

    #[test]
    fn max_tokens_cuts_words_and_says_so() {
        let c = Local.chat(&req("one two three four", Params { max_tokens: Some(2), ..Params::default() })).unwrap();
        assert_eq!(c.content, "one two");
        assert_eq!(c.stop_reason.as_deref(), Some("max_tokens"));
    }

    #[test]
    fn stop_string_cuts_before_it() {
        let params = Params { stop: vec!["three".into(), "four".into()], ..Params::default() };
        let c = Local.chat(&req("one two three four", params)).unwrap();
        assert_eq!(c.content, "one two");
        assert_eq!(c.stop_reason.as_deref(), Some("stop_sequence"));
    }
}
