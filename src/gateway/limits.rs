//! Limits in the pipeline: which rules of `system/limits.json` a request falls under, what it reserves before it
//! is sent, and how the reservation is settled when it ends.
//!
//! A request reserves, on every counter of every rule whose scope matches its user, model and provider: 1 request;
//! its tokens (the prompt's estimate plus its `max_tokens`); their cost at the model's price. The store checks and
//! adds them in one transaction ([`crate::store::Store::reserve`]), so processes racing at a limit never pass it.
//! A refusal is [`Error::QuotaExceeded`]: nothing is sent. Past a rule's `warnAt`, the request says so once. When
//! the request ends, tokens and cost are settled to what it used; when it failed before anything was sent, all of
//! it (the request too) is given back. The limits are checked after a cache miss: a cached reply costs nothing.

use super::Gateway;
use super::attempt::{Received, cost};
use crate::config::{Dim, LimitRule, Model, Resource};
use crate::error::QuotaRefusal;
use crate::store::{Ask, CounterKey, Reserved};
use crate::types::{ChatRequest, Response, Usage};
use crate::{Error, Result};

/// What a request holds on the counters until it ends.
#[derive(Debug, Default)]
pub(super) struct Held {
    asks: Vec<Ask>,
}

impl Gateway {
    /// Reserve `chat`'s use on every counter that applies to it; a refusal is the request's error. Warnings past a
    /// rule's `warnAt` go to `received`.
    pub(super) fn hold(&self, model: &Model, user: &str, chat: &ChatRequest, received: &mut Received) -> Result<()> {
        let rules = &self.registry.system().limits;
        if rules.is_empty() {
            return Ok(());
        }
        let now = crate::time::now_ms();
        let tokens = received.input_words + u64::from(chat.params.max_tokens.unwrap_or(0));
        let price = cost(
            model,
            &Usage {
                input_tokens: received.input_words,
                output_tokens: u64::from(chat.params.max_tokens.unwrap_or(0)),
                estimated: true,
            },
        )
        .unwrap_or(0.0);
        let model_key = format!("{}/{}", model.provider, model.model_id);
        let mut asks = Vec::new();
        let mut warn_at = Vec::new();
        for rule in rules.iter().filter(|r| applies(r, user, &model_key, &model.provider)) {
            let scope_key = scope_key(rule, user, &model_key, &model.provider);
            for limit in &rule.limits {
                let (start, end) = limit.window.bounds(now);
                let amount = match limit.resource {
                    Resource::Requests => 1.0,
                    Resource::Tokens => tokens as f64,
                    Resource::CostUsd => price,
                };
                asks.push(Ask {
                    key: CounterKey {
                        rule: rule.name.clone(),
                        scope_key: scope_key.clone(),
                        resource: limit.resource.as_str(),
                        window: limit.window.as_str(),
                        window_start: start,
                    },
                    window_end: end,
                    limit: limit.amount,
                    amount,
                });
                warn_at.push(rule.warn_at);
            }
        }
        if asks.is_empty() {
            return Ok(());
        }
        let reserved = self.with_store(|store| store.reserve(&asks, now))?;
        match reserved {
            Reserved::Over { index, used } => {
                let ask = &asks[index];
                Err(Error::QuotaExceeded(Box::new(QuotaRefusal {
                    rule: ask.key.rule.clone(),
                    resource: ask.key.resource,
                    window: ask.key.window,
                    used,
                    limit: ask.limit,
                    asked: ask.amount,
                    resets_at_ms: ask.window_end,
                    now_ms: now,
                })))
            }
            Reserved::Held(used) => {
                for ((ask, used), warn) in asks.iter().zip(used).zip(warn_at) {
                    if let Some(warn) = warn
                        && ask.limit > 0.0
                        && used >= warn * ask.limit
                    {
                        let share = (used / ask.limit * 100.0).floor();
                        let amount =
                            |v: f64| if ask.key.resource == "cost_usd" { format!("{v:.2}") } else { format!("{v:.0}") };
                        received.notices.push(format!(
                            "{}: {share}% of {}_per_{} used ({} of {})",
                            ask.key.rule,
                            ask.key.resource,
                            ask.key.window,
                            amount(used),
                            amount(ask.limit)
                        ));
                        break;
                    }
                }
                received.held = Some(Held { asks });
                Ok(())
            }
        }
    }

    /// Settle what the attempt held to what it used: its tokens and their cost when it was sent (a request that
    /// reached the provider counts), everything given back when it was not.
    pub(super) fn settle(&self, model: Option<&Model>, result: &Result<Response>, received: &mut Received) {
        let Some(held) = received.held.take() else { return };
        let used = match result {
            Ok(response) if response.cached => Usage::default(),
            Ok(response) => response.usage,
            Err(_) if received.first.is_some() => received.usage(),
            Err(_) => Usage::default(),
        };
        let tokens = (used.input_tokens + used.output_tokens) as f64;
        let spent = model.and_then(|m| cost(m, &used)).unwrap_or(0.0);
        let deltas: Vec<(CounterKey, i64, f64)> = held
            .asks
            .into_iter()
            .map(|ask| {
                let real = match (received.sent, ask.key.resource) {
                    (false, _) => 0.0,
                    (true, "requests") => ask.amount,
                    (true, "tokens") => tokens,
                    (true, _) => spent,
                };
                (ask.key, ask.window_end, real - ask.amount)
            })
            .filter(|(_, _, delta)| *delta != 0.0)
            .collect();
        if !deltas.is_empty() {
            // A failure here leaves the reservation counted as used: on the safe side of every limit.
            let _ = self.with_store(|store| store.adjust(&deltas));
        }
    }
}

fn applies(rule: &LimitRule, user: &str, model: &str, provider: &str) -> bool {
    rule.scope.user.matches(user) && rule.scope.model.matches(model) && rule.scope.provider.matches(provider)
}

/// The counter of a rule for these values: its `"*"` keys with their values (`user=ann`), empty when it has none.
pub(super) fn scope_key(rule: &LimitRule, user: &str, model: &str, provider: &str) -> String {
    let mut parts = Vec::new();
    for (name, dim, value) in [
        ("user", &rule.scope.user, user),
        ("model", &rule.scope.model, model),
        ("provider", &rule.scope.provider, provider),
    ] {
        if *dim == Dim::Each {
            parts.push(format!("{name}={value}"));
        }
    }
    parts.join(",")
}
