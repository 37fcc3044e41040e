//! Fallbacks: the models a request may try after the first, and when it may.
//!
//! The chain is the model asked for, then the request's own `--fallback` models in their order, then the first
//! model's catalogue `fallbacks`, each model once. The next one is tried only when the failure is one another
//! model could fix ([`Error::another_model_could_fix`]: rate limited after the provider's retries, a provider or
//! network failure or timeout, a model not ready or refused on demand) and nothing of the reply has reached the
//! caller: a stream that has printed text is not restarted somewhere else. Each attempt is recorded on its own; the
//! answer names the attempts that failed before it.

use super::Gateway;
use super::request::Request;
use crate::Result;
use crate::error::Error;
use crate::types::FailedAttempt;

impl Gateway {
    /// The names to try after `first`: `--fallback` models, then the catalogue's fallbacks of `first`, without
    /// repeats (of each other or of `first`). A `--fallback` name the catalogue does not know is the caller's
    /// mistake, found before anything is sent.
    pub(super) fn fallbacks(&self, first: &str, req: &Request) -> Result<Vec<String>> {
        let first = self.registry.lookup(first, req.provider.as_deref()).ok();
        let mut seen: Vec<(&str, &str)> = first.iter().map(|m| (m.provider.as_str(), m.model_id.as_str())).collect();
        let mut chain = Vec::new();
        let configured = first.map_or(&[][..], |m| &m.fallbacks[..]);
        for name in req.fallbacks.iter().chain(configured) {
            let model = self.registry.lookup(name, None)?;
            let key = (model.provider.as_str(), model.model_id.as_str());
            if !seen.contains(&key) {
                seen.push(key);
                chain.push(name.clone());
            }
        }
        Ok(chain)
    }
}

impl Error {
    /// Whether another model might answer where this one failed: throttling that outlasted the retries, a
    /// provider's or the network's failure (timeouts and broken streams included), a model that is not ready or
    /// that the provider will not serve on demand. Never the caller's mistakes, credentials, limits or the store.
    pub fn another_model_could_fix(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::Provider { .. }
                | Error::ModelNotReady { .. }
                | Error::NotOnDemand { .. }
        )
    }
}

impl FailedAttempt {
    /// The attempt at `name` (resolved to `model` of `provider` when the catalogue knows it) that failed with `err`.
    pub(super) fn new(name: &str, model: Option<&crate::config::Model>, err: &Error) -> FailedAttempt {
        FailedAttempt {
            name: name.to_string(),
            model: model.map_or_else(|| name.to_string(), |m| m.model_id.clone()),
            provider: model.map(|m| m.provider.clone()),
            error_code: err.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Signal;

    #[test]
    fn only_failures_another_model_could_fix_fall_back() {
        let fixable = [
            Error::rate_limited("slow down"),
            Error::provider("503"),
            Error::ModelNotReady { model: "m".into(), reason: "on demand".into(), suggestions: vec![] },
        ];
        assert!(fixable.iter().all(Error::another_model_could_fix));
        let not = [
            Error::Usage("bad".into()),
            Error::Auth { message: "no key".into(), hint: None },
            Error::ModelNotFound { name: "x".into(), suggestions: vec![] },
            Error::Unsuitable { model: "m".into(), problem: "p".into(), suggestions: vec![] },
            Error::config("f", "l", "m"),
            Error::Store { path: "db".into(), message: "locked".into() },
            Error::Interrupted(Signal::Interrupt),
            Error::BrokenPipe,
            Error::NotFound("conv".into()),
            Error::Io("disk".into()),
            Error::Internal("bug".into()),
        ];
        for err in not {
            assert!(!err.another_model_could_fix(), "{err:?}");
        }
    }
}
