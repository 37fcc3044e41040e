//! "Did you mean": the catalogue names closest to one the user typed that matches nothing.
//!
//! Model ids are long and decorated (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`) while people type fragments
//! (`claude-sonnet-4-5`, `llama3-70b`) or misspell aliases (`cluade`). So a name is scored three ways and the best
//! counts: Jaro-Winkler similarity to the whole name, to the id without its region prefix, vendor prefix, version and
//! date, and containment of the typed text in the name. Each model is offered once, under its best-matching name;
//! READY models come before NOT READY ones (which say so), since those are the ones the user can use.

use super::Model;
use crate::error::Suggestion;

/// At most this many suggestions.
const MAX_SUGGESTIONS: usize = 5;

/// Below this score a name is not similar enough to suggest.
const THRESHOLD: f64 = 0.8;

/// Suggestions for `query`, which matched nothing within `scope` (a provider, or all). A model outside the scope is
/// only offered when its id or an alias is exactly `query` ("it exists, on another provider").
pub(super) fn did_you_mean(models: &[Model], query: &str, scope: Option<&str>) -> Vec<Suggestion> {
    let query = query.trim().to_ascii_lowercase();
    // (ready, score, suggestion): READY models first, as they are the ones that can be used.
    let mut scored: Vec<(bool, f64, Suggestion)> = Vec::new();
    for model in models {
        let names =
            std::iter::once((model.model_id.as_str(), false)).chain(model.aliases.iter().map(|a| (a.as_str(), true)));
        // A name another provider serves exactly is not "unknown": `Registry::lookup` says where it is instead.
        if scope.is_some_and(|p| model.provider != p) {
            continue;
        }
        let best = names
            .map(|(name, is_alias)| (similarity(&query, name, !is_alias), name, is_alias))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((score, name, is_alias)) = best.filter(|(score, ..)| *score >= THRESHOLD) {
            let mut reason =
                if is_alias { format!("alias of {}", model.model_id) } else { "similar model id".to_string() };
            if !model.is_ready() {
                reason.push_str(", NOT READY");
            }
            scored.push((model.is_ready(), score, suggestion(model, name, reason)));
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1))); // stable: catalogue order among equals
    scored.into_iter().take(MAX_SUGGESTIONS).map(|(_, _, s)| s).collect()
}

fn suggestion(model: &Model, name: &str, reason: String) -> Suggestion {
    Suggestion { model: name.to_string(), provider: model.provider.clone(), vendor: model.vendor.clone(), reason }
}

/// How alike a typed `query` (lower case) and a catalogue `name` (a model id when `is_id`) are, from 0 to 1.
fn similarity(query: &str, name: &str, is_id: bool) -> f64 {
    let name = name.to_ascii_lowercase();
    let mut score = strsim::jaro_winkler(query, &name);
    let core = if is_id { core_id(&name) } else { &name };
    if core != name {
        score = score.max(strsim::jaro_winkler(query, core));
    }
    if query.len() >= 3 && name.contains(query) {
        // Containment is strong evidence, stronger than a near miss; a fragment covering more of the name ranks higher.
        score = score.max(0.98 + 0.02 * query.len() as f64 / name.len() as f64);
    }
    score
}

/// `us.anthropic.claude-3-haiku-20240307-v1:0` -> `claude-3-haiku`: the part people remember. Ids without such
/// decoration (`gpt-4.1-mini`) are left alone.
fn core_id(id: &str) -> &str {
    let mut core = id.split(':').next().unwrap_or(id);
    if let Some((_, rest)) = super::profile::split(core) {
        core = rest;
    }
    if let Some((vendor, rest)) = core.split_once('.')
        && vendor.bytes().all(|b| b.is_ascii_lowercase())
    {
        core = rest;
    }
    core = core.strip_suffix("-v1").or_else(|| core.strip_suffix("-v2")).unwrap_or(core);
    // A release date: `-20240307`.
    if let Some((rest, date)) = core.rsplit_once('-')
        && date.len() == 8
        && date.bytes().all(|b| b.is_ascii_digit())
    {
        core = rest;
    }
    core
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_id_drops_region_vendor_and_version() {
        assert_eq!(core_id("us.anthropic.claude-3-haiku-20240307-v1:0"), "claude-3-haiku");
        assert_eq!(core_id("global.anthropic.claude-sonnet-4-5-20250929-v1:0"), "claude-sonnet-4-5");
        assert_eq!(core_id("us.anthropic.claude-opus-4-6-v1"), "claude-opus-4-6");
        assert_eq!(core_id("meta.llama3-70b-instruct-v1:0"), "llama3-70b-instruct");
        assert_eq!(core_id("echo"), "echo");
        assert_eq!(core_id("gpt-4.1-mini"), "gpt-4.1-mini");
    }

    #[test]
    fn a_misspelt_name_scores_above_an_unrelated_one() {
        assert!(similarity("cluade", "claude", false) >= THRESHOLD);
        assert!(similarity("cluade", "nova-micro", false) < THRESHOLD);
        let id = "meta.llama3-70b-instruct-v1:0";
        assert!(similarity("llama3-70b", id, true) > similarity("llama3-70b", "claude", false));
    }
}
