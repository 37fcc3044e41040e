//! Where a provider's API key is kept besides an environment variable (`apiKeyCommand`, `apiKeySecret`,
//! `apiKeyParameter`): read from `settings.json` and checked here; the key itself is read by the provider
//! ([`crate::provider`]) when a request needs it.

use super::KeySource;
use super::load::{SettingsFile, in_range};
use super::source::{File, Source};
use crate::Result;

/// The one place besides `apiKeyEnv` that a provider's key may come from, checked.
pub(super) fn key_source(source: &Source, file: &File, s: &SettingsFile) -> Result<Option<KeySource>> {
    let given: Vec<&str> = [
        ("apiKeyCommand", s.api_key_command.is_some()),
        ("apiKeySecret", s.api_key_secret.is_some()),
        ("apiKeyParameter", s.api_key_parameter.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, set)| set.then_some(field))
    .collect();
    if given.len() > 1 {
        let message = format!("{} are each a place for the key: give one", given.join(" and "));
        return Err(source.error(file, given[1], message));
    }
    if s.api_key_command_timeout_ms.is_some() && s.api_key_command.is_none() {
        return Err(source.error(file, "apiKeyCommandTimeoutMs", "is the timeout of apiKeyCommand, which is not set"));
    }
    if let Some(argv) = &s.api_key_command {
        if argv.first().is_none_or(|program| program.trim().is_empty()) {
            let message =
                "must be the program and its arguments, as an array: [\"op\", \"read\", \"op://vault/item/key\"]";
            return Err(source.error(file, "apiKeyCommand", message));
        }
        in_range(s.api_key_command_timeout_ms, 1..=600_000, "ms")
            .map_err(|m| source.error(file, "apiKeyCommandTimeoutMs", m))?;
        let timeout = std::time::Duration::from_millis(s.api_key_command_timeout_ms.unwrap_or(5_000));
        return Ok(Some(KeySource::Command { argv: argv.clone(), timeout }));
    }
    if let Some(id) = &s.api_key_secret {
        let (id, json_key) = match id.split_once('#') {
            Some((id, key)) => (id, Some(key)),
            None => (id.as_str(), None),
        };
        if id.trim().is_empty() || json_key.is_some_and(|k| k.trim().is_empty()) {
            let message =
                "must be a secret name or ARN, with an optional #jsonKey: \"prod/openai\", \"prod/llm#openai\"";
            return Err(source.error(file, "apiKeySecret", message));
        }
        return Ok(Some(KeySource::Secret { id: id.to_string(), json_key: json_key.map(str::to_string) }));
    }
    if let Some(name) = &s.api_key_parameter {
        if name.trim().is_empty() {
            return Err(source.error(file, "apiKeyParameter", "must be a parameter name: \"/llm/openai/key\""));
        }
        return Ok(Some(KeySource::Parameter { name: name.clone() }));
    }
    Ok(None)
}
