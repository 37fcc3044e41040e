//! A root laid over the built-in catalogue (`"base": "builtin"`): what each layer contributes, and the errors that
//! name files in both.

use super::*;

/// `providers.json` with `"base": "builtin"` and the given entries, and nothing else.
fn overlay_with(entries: &str) -> Fixture {
    Fixture(BTreeMap::new()).set("providers.json", &format!(r#"{{"base": "builtin", "providers": [{entries}]}}"#))
}

pub(super) fn overlay() -> Fixture {
    overlay_with("")
}

/// A provider `ollama` of type openai serving `llama3.2` (alias `ollama`) under the built-in vendor `meta`.
fn with_ollama(fixture: Fixture) -> Fixture {
    let models = r#"{"vendors": [{"name": "meta", "models": [{"modelId": "llama3.2", "aliases": ["ollama"]}]}]}"#;
    fixture
        .set("providers/ollama/settings.json", r#"{"type": "openai", "baseUrl": "http://127.0.0.1:11434/v1"}"#)
        .set("providers/ollama/models.json", models)
}

#[test]
fn an_overlay_adds_a_provider_and_keeps_the_builtin_catalogue() {
    let reg = with_ollama(overlay_with(r#"{"name": "ollama"}"#)).load().unwrap();
    let providers: Vec<&str> = reg.providers().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(providers, ["bedrock", "openai", "azure", "local", "ollama"]);
    assert_eq!(reg.resolve("ollama", None).unwrap().model_id, "llama3.2");
    assert_eq!(reg.resolve("claude", None).unwrap().provider, "bedrock");
    assert_eq!(reg.models().len(), builtin().models().len() + 1);
    assert_eq!(reg.system().default_model, "claude", "the built-in system keys stay");
}

#[test]
fn an_overlay_folder_replaces_the_builtin_provider_whole_and_an_entry_can_disable_one() {
    let models = r#"{"vendors": [{"name": "openai", "models": [{"modelId": "my-model", "aliases": ["mine"]}]}]}"#;
    let reg = overlay_with(r#"{"name": "azure", "enabled": false}"#)
        .set("providers/openai/settings.json", r#"{"type": "openai", "baseUrl": "http://127.0.0.1:9/v1"}"#)
        .set("providers/openai/models.json", models)
        .load()
        .unwrap();
    let openai: Vec<&str> =
        reg.models().iter().filter(|m| m.provider == "openai").map(|m| m.model_id.as_str()).collect();
    assert_eq!(openai, ["my-model"], "the built-in openai models are gone with its folder");
    let Transport::OpenAi(settings) = &reg.provider("openai").unwrap().transport else { panic!("type openai") };
    assert_eq!(settings.api_key_env, None, "settings come from the user's folder alone");
    assert!(reg.provider("azure").is_none() && !reg.models().iter().any(|m| m.provider == "azure"));
    assert!(reg.lookup("gpt", None).is_err());
}

#[test]
fn an_overlay_adds_vendors_and_overrides_system_keys() {
    let models = r#"{"vendors": [{"name": "newco", "models": [{"modelId": "n1"}]}]}"#;
    let reg = overlay_with(r#"{"name": "n"}"#)
        .set("providers/n/settings.json", r#"{"type": "openai", "baseUrl": "http://127.0.0.1:9/v1"}"#)
        .set("providers/n/models.json", models)
        .set("vendors/newco.json", r#"{"capabilities": {"modalities": ["text-to-text"], "streaming": false}}"#)
        .set("system/mine.yaml", "defaultModel: n1\n")
        .load()
        .unwrap();
    assert!(!reg.resolve("n1", None).unwrap().streaming);
    assert!(reg.vendor("anthropic").is_some() && reg.vendor("newco").is_some());
    assert_eq!((reg.system().default_model.as_str(), reg.system().max_tokens), ("n1", 1024));
}

#[test]
fn an_alias_used_in_both_layers_is_an_error_naming_both_files() {
    let models = r#"{"vendors": [{"name": "meta", "models": [{"modelId": "llama3.2", "aliases": ["claude"]}]}]}"#;
    let (file, location, message) =
        with_ollama(overlay_with(r#"{"name": "ollama"}"#)).set("providers/ollama/models.json", models).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/ollama/models.json", "vendors[0].models[0].aliases[0]"));
    assert!(message.contains("<built-in>/providers/bedrock/models.json"), "{message}");
}

#[test]
fn an_overlay_entry_without_a_folder_anywhere_names_the_users_file() {
    let (file, location, message) = overlay_with(r#"{"name": "nowhere"}"#).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers.json", "providers[0].name"));
    assert!(message.contains("providers/nowhere/settings.json is missing"), "{message}");
}

#[test]
fn an_unknown_base_is_an_error() {
    let (file, location, message) =
        Fixture::new().set("providers.json", r#"{"base": "defaults", "providers": [{"name": "p"}]}"#).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers.json", "base"));
    assert!(message.contains("'defaults'") && message.contains("builtin"), "{message}");
}
