use super::*;
use std::collections::BTreeMap;

fn builtin() -> Registry {
    Registry::load(&ConfigRoot::Builtin).expect("the built-in catalogue loads")
}

/// A configuration directory written to a temporary folder: a minimal valid catalogue that each test amends.
struct Fixture(BTreeMap<String, String>);

impl Fixture {
    /// Provider `p` (bedrock) with vendor `v` and one READY model `m1`.
    fn new() -> Fixture {
        Fixture(BTreeMap::new())
            .set("providers.json", r#"{"providers": [{"name": "p", "enabled": true}]}"#)
            .set("providers/p/settings.json", r#"{"name": "p", "type": "bedrock"}"#)
            .set("providers/p/models.json", &models_json(&[("v", &[model("m1", "READY", "")])]))
            .set(
                "vendors/v.json",
                r#"{"name": "v", "capabilities": {"modalities": ["text-to-text"], "streaming": true}}"#,
            )
    }

    fn set(mut self, rel: &str, text: &str) -> Fixture {
        self.0.insert(rel.to_string(), text.to_string());
        self
    }

    fn remove(mut self, rel: &str) -> Fixture {
        self.0.remove(rel);
        self
    }

    fn load_in(&self, dir: &Path) -> crate::Result<Registry> {
        for (rel, text) in &self.0 {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Registry::load(&ConfigRoot::Dir(dir.to_path_buf()))
    }

    fn load(&self) -> crate::Result<Registry> {
        self.load_in(tempfile::tempdir().unwrap().path())
    }

    /// The config error this catalogue must fail with: (file relative to the root, location, message).
    fn error(&self) -> (String, String, String) {
        let dir = tempfile::tempdir().unwrap();
        match self.load_in(dir.path()) {
            Err(Error::Config { file, location, message }) => {
                let rel = file.strip_prefix(dir.path()).expect("the file is inside the root");
                (rel.to_string_lossy().replace('\\', "/"), location, message)
            }
            Err(other) => panic!("expected a config error, got {other:?}"),
            Ok(_) => panic!("expected a config error, the catalogue loaded"),
        }
    }
}

/// One MODEL object; `extra` is spliced in as more fields (`"aliases": ["x"]`) and may replace `modality` or
/// `llmgateway` (then `status` is unused).
fn model(id: &str, status: &str, extra: &str) -> String {
    let mut fields = vec![format!(r#""modelId": "{id}""#)];
    if !extra.contains(r#""modality""#) {
        fields.push(r#""modality": "text-to-text""#.to_string());
    }
    if !extra.contains(r#""llmgateway""#) {
        fields.push(format!(r#""llmgateway": {{"status": "{status}"}}"#));
    }
    if !extra.is_empty() {
        fields.push(extra.to_string());
    }
    format!("{{{}}}", fields.join(", "))
}

fn models_json(groups: &[(&str, &[String])]) -> String {
    let groups: Vec<String> = groups
        .iter()
        .map(|(vendor, models)| format!(r#"{{"name": "{vendor}", "models": [{}]}}"#, models.join(", ")))
        .collect();
    format!(r#"{{"vendors": [{}]}}"#, groups.join(", "))
}

fn names(suggestions: &[Suggestion]) -> Vec<&str> {
    suggestions.iter().map(|s| s.model.as_str()).collect()
}

// ---- The built-in catalogue ----

#[test]
fn builtin_catalogue_loads() {
    let reg = builtin();
    let providers: Vec<&str> = reg.providers().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(providers, ["bedrock", "openai", "azure", "local"]);
    let bedrock = reg.provider("bedrock").unwrap();
    assert_eq!(
        bedrock.transport,
        Transport::Bedrock(BedrockSettings {
            region: Some("us-east-1".into()),
            endpoint_url: None,
            auto_inference_profile: true
        })
    );
    assert_eq!(bedrock.retries, Retries { max_attempts: Some(3), initial_backoff_ms: Some(200) });
    assert_eq!(bedrock.timeouts, Timeouts { connect_ms: Some(3000), request_ms: Some(120000) });
    assert_eq!(reg.provider("local").unwrap().kind(), ProviderKind::Local);
    let Transport::OpenAi(openai) = &reg.provider("openai").unwrap().transport else { panic!("openai is type openai") };
    assert_eq!(openai.base_url_env.as_deref(), Some("OPENAI_BASE_URL"));
    assert_eq!(openai.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
    let Transport::Azure(azure) = &reg.provider("azure").unwrap().transport else { panic!("azure is type azure") };
    assert_eq!(azure.endpoint_env.as_deref(), Some("AZURE_OPENAI_ENDPOINT"));
    assert_eq!(azure.api_key_env.as_deref(), Some("AZURE_OPENAI_API_KEY"));
    assert_eq!(azure.api_version_env.as_deref(), Some("OPENAI_API_VERSION"));
    assert!(
        reg.models()
            .iter()
            .filter(|m| m.provider == "azure")
            .all(|m| matches!(m.placement, Placement::Azure { deployment: Some(_) }))
    );
    assert_eq!(reg.resolve("gpt", None).unwrap().provider, "openai");
    assert_eq!(reg.system().default_model, "claude");
    assert_eq!(reg.system().max_tokens, 1024);
    for vendor in ["anthropic", "meta", "mistral", "amazon", "openai", "local"] {
        assert!(reg.vendor(vendor).is_some(), "vendor {vendor}");
    }
    assert!(reg.models().len() >= 20);
    // Catalogue order: providers.json order, then file order.
    assert_eq!(reg.models().last().unwrap().model_id, "echo");
    assert!(reg.models().iter().all(|m| m.pricing.is_some() || m.provisioned));
}

#[test]
fn builtin_catalogue_has_not_ready_and_provisioned_models() {
    let reg = builtin();
    let not_ready: Vec<&Model> = reg.models().iter().filter(|m| !m.is_ready()).collect();
    assert!(not_ready.iter().filter(|m| !m.provisioned).count() >= 1);
    assert!(not_ready.iter().all(|m| m.status_reason.is_some()), "every NOT READY model says why");
    let provisioned = reg.models().iter().find(|m| m.provisioned).expect("a provisioned model");
    assert_eq!(provisioned.billing, Billing::Provisioned);
    let Placement::Bedrock { arn: Some(arn), .. } = &provisioned.placement else { panic!("a provisioned ARN") };
    assert!(arn.contains("REPLACE-WITH-YOUR-PROVISIONED-MODEL-ID"));
    assert_eq!(provisioned.invoke_id(), arn);
}

#[test]
fn claude_and_llama_resolve_to_ready_models() {
    let reg = builtin();
    let claude = reg.resolve("claude", None).unwrap();
    assert_eq!((claude.vendor.as_str(), claude.provider.as_str()), ("anthropic", "bedrock"));
    assert!(claude.is_ready());
    let llama = reg.resolve("llama", None).unwrap();
    assert_eq!((llama.vendor.as_str(), llama.provider.as_str()), ("meta", "bedrock"));
    assert!(llama.is_ready());
    let default = reg.resolve(&reg.system().default_model, None).unwrap();
    assert_eq!(default.model_id, claude.model_id);
    let echo = reg.resolve("echo", None).unwrap();
    assert_eq!((echo.provider.as_str(), echo.vendor.as_str()), ("local", "local"));
    assert_eq!(echo.invoke_id(), "echo");
}

#[test]
fn lookup_by_id_alias_and_ignoring_case() {
    let reg = builtin();
    let by_id = reg.lookup("meta.llama3-8b-instruct-v1:0", None).unwrap();
    assert_eq!(by_id.vendor, "meta");
    let by_alias = reg.lookup("haiku", None).unwrap();
    assert!(by_alias.model_id.contains("haiku"));
    assert_eq!(reg.lookup("CLAUDE", None).unwrap().model_id, reg.lookup("claude", None).unwrap().model_id);
}

#[test]
fn provider_slash_model_form() {
    let reg = builtin();
    assert_eq!(reg.lookup("bedrock/claude", None).unwrap().vendor, "anthropic");
    let id = "us.meta.llama3-3-70b-instruct-v1:0";
    assert_eq!(reg.lookup(&format!("bedrock/{id}"), None).unwrap().model_id, id);
    assert_eq!(reg.lookup("local/echo", None).unwrap().provider, "local");
    assert!(matches!(reg.lookup("local/claude", None), Err(Error::Unsuitable { .. })));
    assert!(matches!(reg.lookup("local/nosuch", None), Err(Error::ModelNotFound { .. })));
    // Agreeing flag and prefix are fine; disagreeing ones are a usage error.
    assert!(reg.lookup("bedrock/claude", Some("bedrock")).is_ok());
    assert!(matches!(reg.lookup("bedrock/claude", Some("local")), Err(Error::Usage(_))));
}

#[test]
fn provider_flag_restricts_the_search() {
    let reg = builtin();
    assert_eq!(reg.lookup("echo", Some("local")).unwrap().provider, "local");
    let Err(Error::Unsuitable { model, problem, suggestions }) = reg.lookup("echo", Some("bedrock")) else {
        panic!("echo is not a bedrock model");
    };
    assert_eq!(model, "echo");
    // ... but it exists elsewhere: the message says where, and the suggestions are what bedrock serves.
    assert!(problem.contains("not served by provider 'bedrock' (it is on local)"), "{problem}");
    assert!(
        !suggestions.is_empty()
            && suggestions.iter().all(|s| s.provider == "bedrock" && s.reason == "served by bedrock")
    );
    assert!(matches!(reg.lookup("nosuch", Some("bedrock")), Err(Error::ModelNotFound { .. })));
    assert!(
        matches!(reg.lookup("claude", Some("nope")), Err(Error::Usage(m)) if m.contains("bedrock, openai, azure, local"))
    );
}

#[test]
fn did_you_mean_for_a_typo() {
    let reg = builtin();
    let Err(err @ Error::ModelNotFound { .. }) = reg.lookup("cluade", None) else { panic!("cluade is unknown") };
    assert_eq!(err.exit_code(), 3);
    assert_eq!(err.suggestions()[0].model, "claude");
    assert_eq!(err.suggestions()[0].vendor, "anthropic");
    assert!(err.suggestions()[0].reason.starts_with("alias of "));
    assert!(err.suggestions().len() <= 5);

    let Err(err) = reg.lookup("llama3-70b", None) else { panic!("llama3-70b is not a name in the catalogue") };
    let found = names(err.suggestions());
    assert!(found.contains(&"meta.llama3-70b-instruct-v1:0"), "{found:?}");
    assert!(err.suggestions().iter().all(|s| s.vendor == "meta"), "{:?}", err.suggestions());

    let Err(err) = reg.lookup("xyzzy-quux", None) else { panic!("unknown") };
    assert!(err.suggestions().is_empty(), "nothing is close: {:?}", err.suggestions());
}

#[test]
fn not_ready_builtin_model_offers_ready_alternatives() {
    let reg = builtin();
    assert!(!reg.lookup("opus-4.1", None).unwrap().is_ready(), "lookup does not check readiness");
    let Err(err @ Error::ModelNotReady { .. }) = reg.resolve("opus-4.1", None) else { panic!("Opus 4.1 is NOT READY") };
    let Error::ModelNotReady { model, reason, suggestions } = &err else { unreachable!() };
    assert_eq!(model, "us.anthropic.claude-opus-4-1-20250805-v1:0");
    assert!(reason.contains("awaiting access"), "{reason}");
    assert!(!suggestions.is_empty() && suggestions.len() <= 6);
    assert!(suggestions.iter().all(|s| s.vendor == "anthropic" && s.reason == "same vendor"), "{suggestions:?}");
    assert!(suggestions.iter().all(|s| reg.lookup(&s.model, Some(&s.provider)).unwrap().is_ready()));
}

// ---- Alternatives: the documented tier order, exactly ----

#[test]
fn alternatives_follow_the_documented_tiers() {
    let alpha = models_json(&[
        (
            "v1",
            &[
                model(
                    "a1",
                    "NOT READY",
                    r#""llmgateway": {"status": "NOT READY", "reason": "awaiting access approval"}"#,
                ),
                model("a2", "READY", ""),
                model("a3", "READY", r#""modality": "text-to-image""#),
                model("a4", "NOT READY", ""),
            ],
        ),
        ("v2", &[model("a5", "READY", "")]),
    ]);
    let beta = models_json(&[("v2", &[model("b1", "READY", "")]), ("v1", &[model("b2", "READY", "")])]);
    let local = models_json(&[("v1", &[model("echo", "READY", "")])]);
    let reg = Fixture::new()
        .set(
            "providers.json",
            r#"{"providers": [{"name": "alpha"}, {"name": "beta"}, {"name": "offline"}, {"name": "p", "enabled": false}]}"#,
        )
        .set("providers/alpha/settings.json", r#"{"type": "bedrock"}"#)
        .set("providers/alpha/models.json", &alpha)
        .set("providers/beta/settings.yaml", "type: openai\nbaseUrl: http://127.0.0.1:9\n")
        .set("providers/beta/models.json", &beta)
        .set("providers/offline/settings.json", r#"{"type": "local"}"#)
        .set("providers/offline/models.json", &local)
        .set("vendors/v1.json", "{}")
        .set("vendors/v2.json", "{}")
        .load()
        .unwrap();

    assert_eq!(reg.lookup("a3", None).unwrap().modality, "text-to-image");
    let Err(Error::ModelNotReady { reason, suggestions, .. }) = reg.resolve("a1", None) else {
        panic!("a1 is NOT READY")
    };
    assert_eq!(reason, "awaiting access approval");
    let got: Vec<(&str, &str)> = suggestions.iter().map(|s| (s.model.as_str(), s.reason.as_str())).collect();
    assert_eq!(
        got,
        [
            ("a2", "same vendor"),
            ("a5", "other vendor on alpha"),
            ("b2", "same vendor, other provider"),
            ("b1", "other provider"),
        ]
    );
    assert_eq!(suggestions[2].provider, "beta");
    assert_eq!(suggestions[2].vendor, "v1");
    // A NOT READY model without a reason still explains itself.
    let Err(Error::ModelNotReady { reason, .. }) = reg.resolve("a4", None) else { panic!("a4 is NOT READY") };
    assert!(reason.contains("NOT READY"));
}

#[test]
fn alternatives_are_at_most_six() {
    let many: Vec<String> = (0..9).map(|i| model(&format!("m{i}"), "READY", "")).collect();
    let mut group = vec![model("target", "NOT READY", "")];
    group.extend(many);
    let reg = Fixture::new().set("providers/p/models.json", &models_json(&[("v", &group)])).load().unwrap();
    let target = reg.lookup("target", None).unwrap();
    assert_eq!(names(&reg.alternatives(target)), ["m0", "m1", "m2", "m3", "m4", "m5"]);
}

// ---- Formats ----

#[test]
fn yaml_files_are_accepted() {
    let models = "vendors:\n  - name: v\n    models:\n      - modelId: y1\n        modality: text-to-text\n        \
                  llmgateway: {status: not ready, billing: on-demand, reason: later}\n        aliases: [why]\n        \
                  pricing: {inputPerMillion: 1.5, outputPerMillion: 2}\n        contextWindow: 1000\n";
    let reg = Fixture::new()
        .remove("providers.json")
        .set("providers.yml", "providers:\n  - name: p\n")
        .remove("providers/p/settings.json")
        .set("providers/p/settings.yaml", "type: bedrock\nregion: eu-west-1\nretries: {maxAttempts: 5}\n")
        .remove("providers/p/models.json")
        .set("providers/p/models.yaml", models)
        .remove("vendors/v.json")
        .set("vendors/v.yaml", "displayName: Vee\ncapabilities: {streaming: false}\n")
        .set("system/defaults.yaml", "defaultModel: why\nmaxTokens: 77\nrequestTimeoutMs: 5000\n")
        .load()
        .unwrap();
    let m = reg.lookup("why", None).unwrap();
    assert_eq!(m.model_id, "y1");
    assert_eq!(m.status, Status::NotReady);
    assert_eq!(m.status_reason.as_deref(), Some("later"));
    assert_eq!(m.billing, Billing::OnDemand);
    assert_eq!(
        m.pricing,
        Some(Pricing {
            input_per_million: 1.5,
            output_per_million: 2.0,
            per_image: None,
            per_image_by_size: Default::default()
        })
    );
    assert!(!m.streaming, "the vendor's streaming is the default");
    let Transport::Bedrock(bedrock) = &reg.provider("p").unwrap().transport else { panic!("type bedrock") };
    assert_eq!(bedrock.region.as_deref(), Some("eu-west-1"));
    assert_eq!(reg.provider("p").unwrap().retries.max_attempts, Some(5));
    assert_eq!(reg.vendor("v").unwrap().display_name.as_deref(), Some("Vee"));
    assert_eq!((reg.system().default_model.as_str(), reg.system().max_tokens), ("why", 77));
    assert_eq!(reg.system().request_timeout_ms, Some(5000));
}

#[test]
fn yaml_errors_name_the_field_and_line() {
    let (file, location, message) = Fixture::new()
        .remove("providers/p/models.json")
        .set(
            "providers/p/models.yaml",
            "vendors:\n  - name: v\n    models:\n      - modelId: y\n        contextWindow: lots\n",
        )
        .error();
    assert_eq!(file, "providers/p/models.yaml");
    assert!(location.starts_with("vendors[0].models[0].contextWindow (line 5"), "{location}");
    assert!(message.starts_with("invalid type"), "{message}");
    let (_, location, message) = Fixture::new()
        .remove("providers/p/models.json")
        .set(
            "providers/p/models.yaml",
            "vendors:\n  - name: v\n    models:\n      - modelId: y\n        llmgateway: {status: 7}\n",
        )
        .error();
    assert!(location.starts_with("vendors[0].models[0].llmgateway.status (line 5"), "{location}");
    assert_eq!(message, "unknown status '7', expected READY or NOT READY");
}

#[test]
fn status_billing_and_defaults() {
    let group = [
        model("a", "not_ready", ""),
        model("b", "Not Ready", r#""llmgateway": {"status": "ready", "billing": "On-Demand"}"#),
        r#"{"modelId": "c", "unknownField": {"nested": [1, 2]}, "capabilities": {"streaming": false}}"#.to_string(),
        model("d", "READY", r#""llmgateway": {"billing": "provisioned"}, "arn": "arn:aws:bedrock:x""#),
    ];
    let reg = Fixture::new().set("providers/p/models.json", &models_json(&[("v", &group)])).load().unwrap();
    let m = |id: &str| reg.lookup(id, None).unwrap().clone();
    assert_eq!(m("a").status, Status::NotReady);
    assert_eq!((m("b").status, m("b").billing), (Status::Ready, Billing::OnDemand));
    let c = m("c");
    assert_eq!(
        (c.status, c.billing, c.provisioned, c.modality.as_str()),
        (Status::Ready, Billing::OnDemand, false, "text-to-text")
    );
    assert_eq!((c.vendor.as_str(), c.provider.as_str(), c.streaming), ("v", "p", false));
    let d = m("d");
    assert!(d.provisioned);
    assert_eq!(
        (d.billing.as_str(), d.status.as_str(), Status::NotReady.as_str()),
        ("PROVISIONED", "READY", "NOT READY")
    );
    assert_eq!(d.invoke_id(), "arn:aws:bedrock:x");
}

#[test]
fn a_disabled_provider_needs_no_folder() {
    let reg = Fixture::new()
        .set("providers.json", r#"{"providers": [{"name": "p"}, {"name": "gone", "enabled": false}]}"#)
        .load()
        .unwrap();
    assert!(reg.provider("gone").is_none());
    assert_eq!(reg.providers().len(), 1);
}

#[test]
fn an_unresolvable_default_model_is_not_a_load_error() {
    let reg = Fixture::new().set("system/defaults.json", r#"{"defaultModel": "nothing-like-this"}"#).load().unwrap();
    assert_eq!(reg.system().default_model, "nothing-like-this");
    assert_eq!(reg.system().max_tokens, 1024);
}

#[test]
fn later_system_files_override_earlier_ones() {
    let reg = Fixture::new()
        .set("system/a.json", r#"{"defaultModel": "m1", "maxTokens": 10}"#)
        .set("system/b.json", r#"{"maxTokens": 20, "quotas": {"later": true}}"#)
        .load()
        .unwrap();
    assert_eq!((reg.system().default_model.as_str(), reg.system().max_tokens), ("m1", 20));
}

// ---- Validation errors name the file and the field ----

#[test]
fn error_missing_providers_json() {
    let (file, location, message) = Fixture::new().remove("providers.json").error();
    assert_eq!((file.as_str(), location.as_str()), ("providers.json", "not found"));
    assert!(message.contains("providers.json"), "{message}");
}

#[test]
fn error_enabled_provider_without_settings() {
    let (file, location, message) =
        Fixture::new().set("providers.json", r#"{"providers": [{"name": "p"}, {"name": "q"}]}"#).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers.json", "providers[1].name"));
    assert!(message.contains("providers/q/settings.json is missing"), "{message}");
}

#[test]
fn error_enabled_provider_without_models() {
    let (file, location, message) = Fixture::new().remove("providers/p/models.json").error();
    assert_eq!((file.as_str(), location.as_str()), ("providers.json", "providers[0].name"));
    assert!(message.contains("providers/p/models.json is missing"), "{message}");
}

#[test]
fn error_provider_listed_twice() {
    let (file, location, message) =
        Fixture::new().set("providers.json", r#"{"providers": [{"name": "p"}, {"name": "p"}]}"#).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers.json", "providers[1].name"));
    assert!(message.contains("listed twice"), "{message}");
}

#[test]
fn error_unknown_provider_type() {
    let (file, location, message) =
        Fixture::new().set("providers/p/settings.json", r#"{"type": "carrier-pigeon"}"#).error();
    assert_eq!(file, "providers/p/settings.json");
    assert!(location.starts_with("type (line 1"), "{location}");
    assert!(message.contains("unknown variant `carrier-pigeon`") && message.contains("`openai`"), "{message}");
}

#[test]
fn error_settings_name_differs_from_folder() {
    let (file, location, message) =
        Fixture::new().set("providers/p/settings.json", r#"{"name": "q", "type": "bedrock"}"#).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/settings.json", "name"));
    assert!(message.contains("'q'") && message.contains("'p'"), "{message}");
}

#[test]
fn error_unknown_vendor() {
    let models = models_json(&[("v", &[model("m1", "READY", "")]), ("nope", &[model("m2", "READY", "")])]);
    let (file, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/models.json", "vendors[1].name"));
    assert!(message.contains("unknown vendor 'nope'") && message.contains("vendors/nope.json"), "{message}");
}

#[test]
fn error_model_vendor_differs_from_its_group() {
    let models = models_json(&[("v", &[model("m1", "READY", r#""vendor": "w""#)])]);
    let (file, location, message) =
        Fixture::new().set("providers/p/models.json", &models).set("vendors/w.json", "{}").error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/models.json", "vendors[0].models[0].vendor"));
    assert!(message.contains("'w'") && message.contains("'v'"), "{message}");
}

#[test]
fn error_model_provider_differs_from_its_folder() {
    let models = models_json(&[("v", &[model("m1", "READY", ""), model("m2", "READY", r#""provider": "elsewhere""#)])]);
    let (file, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/models.json", "vendors[0].models[1].provider"));
    assert!(message.contains("'elsewhere'") && message.contains("providers/p/"), "{message}");
}

#[test]
fn error_duplicate_alias_across_providers_names_both_models() {
    let q_models = models_json(&[("v", &[model("q1", "READY", r#""aliases": ["fast"]"#)])]);
    let (file, location, message) = Fixture::new()
        .set("providers.json", r#"{"providers": [{"name": "p"}, {"name": "q"}]}"#)
        .set("providers/p/models.json", &models_json(&[("v", &[model("m1", "READY", r#""aliases": ["x", "Fast"]"#)])]))
        .set("providers/q/settings.json", r#"{"type": "openai"}"#)
        .set("providers/q/models.json", &q_models)
        .error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/q/models.json", "vendors[0].models[0].aliases[0]"));
    assert!(
        message.contains("'q1'") && message.contains("'m1'") && message.contains("providers/p/models.json"),
        "{message}"
    );
}

#[test]
fn error_alias_listed_twice_on_one_model() {
    let models = models_json(&[("v", &[model("m1", "READY", r#""aliases": ["x", "x"]"#)])]);
    let (_, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!(location, "vendors[0].models[0].aliases[1]");
    assert!(message.contains("listed twice"), "{message}");
}

#[test]
fn error_alias_equal_to_another_models_id() {
    let models = models_json(&[("v", &[model("m1", "READY", r#""aliases": ["m2"]"#), model("m2", "READY", "")])]);
    let (file, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/models.json", "vendors[0].models[0].aliases[0]"));
    assert!(message.contains("modelId of model 'm2'") && message.contains("'m1'"), "{message}");
}

#[test]
fn error_duplicate_model_id_in_one_provider() {
    let models = models_json(&[("v", &[model("m1", "READY", ""), model("m1", "READY", "")])]);
    let (_, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!(location, "vendors[0].models[1].modelId");
    assert!(message.contains("vendors[0].models[0]"), "{message}");
}

#[test]
fn error_provisioned_model_without_arn() {
    let models = models_json(&[("v", &[model("m1", "READY", r#""llmgateway": {"billing": "PROVISIONED"}"#)])]);
    let (file, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/models.json", "vendors[0].models[0].arn"));
    assert!(message.contains("provisioned") && message.contains("'m1'"), "{message}");
    let models = models_json(&[("v", &[model("m1", "READY", r#""llmgateway": {"provisioned": true}"#)])]);
    let (_, location, _) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!(location, "vendors[0].models[0].arn");
}

#[test]
fn error_wrong_type_names_field_and_line() {
    let text = "{\"vendors\": [\n  {\"name\": \"v\", \"models\": [\n    {\"modelId\": \"m1\", \"llmgateway\": {\"status\": 5}}\n  ]}\n]}";
    let (file, location, message) = Fixture::new().set("providers/p/models.json", text).error();
    assert_eq!(file, "providers/p/models.json");
    assert!(location.starts_with("vendors[0].models[0].llmgateway.status (line 3, column"), "{location}");
    assert!(message.contains("invalid type: integer `5`"), "{message}");
    assert!(!message.contains(" at line "), "the position is in the location only: {message}");
}

#[test]
fn error_unknown_status_word() {
    let models = models_json(&[("v", &[model("m1", "MAYBE", "")])]);
    let (_, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert!(location.starts_with("vendors[0].models[0].llmgateway.status"), "{location}");
    assert!(message.contains("unknown status 'MAYBE'"), "{message}");
}

#[test]
fn error_missing_required_field() {
    let models = models_json(&[("v", &[r#"{"displayName": "no id"}"#.to_string()])]);
    let (_, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert!(location.starts_with("vendors[0].models[0]"), "{location}");
    assert!(message.contains("missing field `modelId`"), "{message}");
}

#[test]
fn error_syntax_and_trailing_garbage_give_the_line() {
    let (_, location, _) = Fixture::new().set("providers/p/settings.json", "{\n  \"type\": \"bedrock\",,\n}").error();
    assert!(location.contains("line 2"), "{location}");
    let (_, location, message) = Fixture::new().set("providers/p/settings.json", "{\"type\": \"bedrock\"}\n}").error();
    assert!(location.contains("line 2"), "{location}");
    assert!(message.contains("trailing"), "{message}");
}

#[test]
fn error_unknown_api_and_modality() {
    let models = models_json(&[("v", &[model("m1", "READY", r#""api": "telepathy""#)])]);
    let (_, location, _) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!(location, "vendors[0].models[0].api");
    // Modalities are checked against modalities/ only when it exists (and against a vendor's list when it has one).
    let models = models_json(&[("v", &[model("m1", "READY", r#""modality": "text-to-smell""#)])]);
    let unlisted = r#"{"name": "v", "capabilities": {"streaming": true}}"#;
    assert!(Fixture::new().set("providers/p/models.json", &models).set("vendors/v.json", unlisted).load().is_ok());
    let (file, location, message) = Fixture::new()
        .set("providers/p/models.json", &models)
        .set("vendors/v.json", unlisted)
        .set("modalities/text-to-text.json", r#"{"name": "text-to-text"}"#)
        .error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/models.json", "vendors[0].models[0].modality"));
    assert!(message.contains("text-to-smell"), "{message}");
}

#[test]
fn error_modality_the_vendor_does_not_list() {
    let models = models_json(&[("v", &[model("m1", "READY", r#""modality": "text-to-image""#)])]);
    let (file, location, message) = Fixture::new().set("providers/p/models.json", &models).error();
    assert_eq!((file.as_str(), location.as_str()), ("providers/p/models.json", "vendors[0].models[0].modality"));
    assert!(message.contains("'text-to-image'") && message.contains("vendor 'v'"), "{message}");
}

/// A field that only another provider type reads would silently do nothing: every such field is an error naming it.
#[test]
fn error_settings_of_another_provider_type() {
    for (settings, field) in [
        (r#"{"type": "openai", "region": "eu-west-1"}"#, "region"),
        (r#"{"type": "bedrock", "baseUrl": "http://x"}"#, "baseUrl"),
        (r#"{"type": "bedrock", "apiKeyEnv": "KEY"}"#, "apiKeyEnv"),
        (r#"{"type": "local", "headers": {"x": "y"}}"#, "headers"),
        (r#"{"type": "openai", "apiVersion": "2025-01-01"}"#, "apiVersion"),
        (r#"{"type": "azure", "endpointUrl": "http://x"}"#, "endpointUrl"),
    ] {
        let (file, location, message) = Fixture::new().set("providers/p/settings.json", settings).error();
        assert_eq!((file.as_str(), location.as_str()), ("providers/p/settings.json", field), "{settings}");
        assert!(message.contains("this provider is type"), "{message}");
    }
    let openai = r#"{"type": "openai", "baseUrl": "http://127.0.0.1:9/v1"}"#;
    for (extra, field) in
        [(r#""deployment": "d""#, "deployment"), (r#""arn": "arn:x""#, "arn"), (r#""api": "converse""#, "api")]
    {
        let models = models_json(&[("v", &[model("m1", "READY", extra)])]);
        let (_, location, message) =
            Fixture::new().set("providers/p/settings.json", openai).set("providers/p/models.json", &models).error();
        assert_eq!(location, format!("vendors[0].models[0].{field}"));
        assert!(message.contains("is type openai"), "{message}");
    }
}

#[test]
fn error_vendor_defined_twice() {
    let (file, _, message) = Fixture::new().set("vendors/v.yaml", "name: v\n").error();
    assert_eq!(file, "vendors/v.yaml");
    assert!(message.contains("vendors/v.json and vendors/v.yaml"), "{message}");
}

#[test]
fn config_errors_render_file_location_and_message() {
    let err = Fixture::new().set("providers/p/settings.json", r#"{"type": 1}"#).load().unwrap_err();
    assert_eq!(err.exit_code(), 8);
    let text = err.to_string();
    assert!(text.contains("providers/p/settings.json: type (line 1, column"), "{text}");
}

// ---- Which root ----

#[test]
fn choose_root_precedence() {
    let tmp = tempfile::tempdir().unwrap();
    let with = tmp.path().join("with");
    let without = tmp.path().join("without");
    std::fs::create_dir_all(with.join("llmgw")).unwrap();
    std::fs::create_dir_all(without.join("llmgw")).unwrap();
    std::fs::write(with.join("llmgw/providers.json"), "{}").unwrap();
    let flag = Path::new("/flag");
    let env = || Some(PathBuf::from("/env"));

    assert_eq!(choose_root(Some(flag), env(), Some(with.clone()), None), ConfigRoot::Dir(flag.into()));
    assert_eq!(choose_root(None, env(), Some(with.clone()), None), ConfigRoot::Dir("/env".into()));
    assert_eq!(choose_root(None, None, Some(with.clone()), None), ConfigRoot::Dir(with.join("llmgw")));
    assert_eq!(choose_root(None, None, Some(without.clone()), None), ConfigRoot::Builtin);
    assert_eq!(choose_root(None, None, None, None), ConfigRoot::Builtin);
    // XDG_CONFIG_HOME unset: ~/.config/llmgw.
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join(".config/llmgw")).unwrap();
    assert_eq!(choose_root(None, None, None, Some(home.clone())), ConfigRoot::Builtin);
    std::fs::write(home.join(".config/llmgw/providers.yaml"), "providers: []\n").unwrap();
    assert_eq!(choose_root(None, None, None, Some(home.clone())), ConfigRoot::Dir(home.join(".config/llmgw")));
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    assert_eq!(
        choose_root(None, None, Some("rel".into()), Some(home.clone())),
        ConfigRoot::Dir(home.join(".config/llmgw"))
    );
}

#[test]
fn registry_names_the_roots_it_was_read_from() {
    assert_eq!(builtin().roots(), "built-in");
    let dir = tempfile::tempdir().unwrap();
    let reg = Fixture::new().load_in(dir.path()).unwrap();
    assert_eq!(reg.roots(), dir.path().display().to_string());
    let reg = layered::overlay().load_in(dir.path()).unwrap();
    assert_eq!(reg.roots(), format!("{} over built-in", dir.path().display()));
}

/// "Did you mean" offers the models that can be used first: a NOT READY model that matches as well comes after.
#[test]
fn did_you_mean_lists_ready_models_first() {
    let group = [model("alpha-one", "NOT READY", ""), model("alpha-two", "READY", "")];
    let reg = Fixture::new().set("providers/p/models.json", &models_json(&[("v", &group)])).load().unwrap();
    let err = reg.lookup("alpha", None).unwrap_err();
    let offered: Vec<(&str, &str)> = err.suggestions().iter().map(|s| (s.model.as_str(), s.reason.as_str())).collect();
    assert_eq!(offered, [("alpha-two", "similar model id"), ("alpha-one", "similar model id, NOT READY")]);
}

mod layered;
mod media_and_cache;
