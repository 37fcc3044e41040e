//! Reading one configuration root into a [`Registry`], with errors that point at the file and field to fix.
//!
//! A root is a [`Source`] of one or two layers (see `source.rs`): the built-in files (a static list, so no directory
//! walk at startup), a directory, or a directory laid over the built-in files. Each file may be JSON or YAML
//! (`.json`, `.yaml`, `.yml`).
//!
//! The serde types here mirror the files; [`super`] holds the types the rest of llmgw uses. Parsing goes through
//! `serde_path_to_error` so a wrong type or a missing field is reported as `vendors[0].models[2].llmgateway.status`
//! rather than only a line number. Semantic checks (unknown vendor, duplicate alias, ...) report the same style of
//! path, computed from the position of the entry in the file.

use super::source::{File, Layer, Source};
use super::{
    AzureSettings, BedrockApi, BedrockSettings, Billing, ConfigRoot, Model, OpenAiSettings, Placement, Pricing,
    ProviderKind, ProviderSettings, Registry, Retries, Status, Timeouts, Transport, VendorSettings,
};
use crate::Result;
use crate::error::Error;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

// ---- The files' shapes (DESIGN.md section 2). Unknown fields are ignored so the format can grow. ----

#[derive(Deserialize)]
struct ProvidersFile {
    /// `builtin`: lay this root over the built-in catalogue.
    base: Option<String>,
    providers: Vec<ProviderEntry>,
}

#[derive(Deserialize)]
struct ProviderEntry {
    name: String,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SettingsFile {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: ProviderKind,
    display_name: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    auto_inference_profile: Option<bool>,
    base_url: Option<String>,
    base_url_env: Option<String>,
    api_key_env: Option<String>,
    pub(super) api_key_command: Option<Vec<String>>,
    pub(super) api_key_command_timeout_ms: Option<u64>,
    pub(super) api_key_secret: Option<String>,
    pub(super) api_key_parameter: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    endpoint: Option<String>,
    endpoint_env: Option<String>,
    api_version: Option<String>,
    api_version_env: Option<String>,
    #[serde(default)]
    timeouts: Timeouts,
    #[serde(default)]
    retries: Retries,
}

#[derive(Deserialize)]
struct ModelsFile {
    vendors: Vec<VendorGroup>,
}

#[derive(Deserialize)]
struct VendorGroup {
    name: String,
    #[serde(default)]
    models: Vec<ModelEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelEntry {
    model_id: String,
    provider: Option<String>,
    vendor: Option<String>,
    modality: Option<String>,
    #[serde(default)]
    capabilities: ModelCapabilities,
    #[serde(default)]
    llmgateway: GatewayFields,
    #[serde(default)]
    aliases: Vec<String>,
    display_name: Option<String>,
    pricing: Option<Pricing>,
    context_window: Option<u64>,
    max_output_tokens: Option<u32>,
    arn: Option<String>,
    api: Option<String>,
    deployment: Option<String>,
    /// Models to try, in order, when this one fails in a way another model could fix: ids or aliases.
    #[serde(default)]
    fallbacks: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModelCapabilities {
    streaming: Option<bool>,
    #[serde(default)]
    image_sizes: Vec<String>,
    /// What a model takes besides text: `image`, `document`.
    #[serde(default)]
    input_types: Vec<String>,
}

#[derive(Deserialize, Default)]
struct GatewayFields {
    status: Option<Status>,
    reason: Option<String>,
    billing: Option<Billing>,
    provisioned: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VendorFile {
    name: Option<String>,
    display_name: Option<String>,
    #[serde(default)]
    capabilities: VendorCapabilities,
}

#[derive(Deserialize, Default)]
struct VendorCapabilities {
    #[serde(default)]
    modalities: Vec<String>,
    streaming: Option<bool>,
}

#[derive(Deserialize)]
struct ModalityFile {
    name: Option<String>,
}

/// Where a model's entry is written: its file and `vendors[group].models[index]`.
struct Origin {
    file: usize,
    group: usize,
    index: usize,
}

impl Origin {
    /// `vendors[i].models[j]`: made only for a message, not for every model loaded.
    fn at(&self) -> String {
        format!("vendors[{}].models[{}]", self.group, self.index)
    }
}

/// The models read so far, with where each came from (for errors that name two places).
#[derive(Default)]
struct Catalogue {
    models: Vec<Model>,
    origins: Vec<Origin>,
    files: Vec<File>,
    /// `(provider, modelId)` to its index in `models`, so a duplicate is found in constant time.
    ids: HashMap<(String, String), usize>,
}

pub(super) fn load(root: &ConfigRoot) -> Result<Registry> {
    let top = match root {
        ConfigRoot::Builtin => Layer::Builtin,
        ConfigRoot::Dir(dir) => Layer::Dir(dir),
    };
    let alone = Source::new(vec![top]);
    let file = alone.find_each("providers")?.pop().ok_or_else(|| {
        Error::config(
            alone.display_path("providers.json"),
            "not found",
            "a configuration directory needs providers.json (or providers.yaml / providers.yml)",
        )
    })?;
    let list: ProvidersFile = alone.parse(&file)?;
    check_entries(&alone, &file, &list.providers)?;
    let (source, lists) = match (list.base.as_deref(), top) {
        (None, _) => (alone, vec![(file, list.providers)]),
        (Some("builtin"), Layer::Dir(_)) => {
            let source = Source::new(vec![Layer::Builtin, top]);
            let below = source.find_each("providers")?.into_iter().next().expect("the built-in providers.json");
            let builtin: ProvidersFile = source.parse(&below)?;
            (source, vec![(below, builtin.providers), (file, list.providers)])
        }
        (Some(other), _) => {
            let message = format!("unknown base '{other}': the only base is \"builtin\" (the built-in catalogue)");
            return Err(alone.error(&file, "base", message));
        }
    };

    let vendors = load_vendors(&source)?;
    let modalities = load_modalities(&source)?;
    let system = super::system::load(&source)?;

    let mut providers = Vec::new();
    let mut catalogue = Catalogue::default();
    for (file, i, entry) in merge_entries(&lists).into_iter().filter(|(_, _, e)| e.enabled) {
        let name = entry.name.as_str();
        let missing = |what: &str| {
            source.error(
                file,
                format!("providers[{i}].name"),
                format!("provider '{name}' is enabled but providers/{name}/{what}.json is missing (also looked for .yaml and .yml)"),
            )
        };
        let settings = source.find_provider_file(name, "settings")?.ok_or_else(|| missing("settings"))?;
        let settings = provider_settings(&source, &settings, name)?;
        let kind = settings.kind();
        providers.push(settings);
        let models = source.find_provider_file(name, "models")?.ok_or_else(|| missing("models"))?;
        load_models(&source, models, (name, kind), &vendors, &modalities, &mut catalogue)?;
    }
    check_aliases(&source, &catalogue)?;
    let Catalogue { models, origins, files, .. } = catalogue;
    let mut registry = Registry { models, providers, vendors, modalities, system, roots: source.describe() };
    check_fallbacks(&source, &registry, &origins, &files)?;
    // The last layer's limits.json is the one that counts.
    if let Some(file) = source.list_all("system")?.into_iter().rfind(|f| f.stem() == "limits") {
        registry.system.limits = super::limits::load(&source, &file, &registry)?;
    }
    Ok(registry)
}

/// Every fallback names another model of the catalogue (an id, an alias or `provider/modelId`).
fn check_fallbacks(source: &Source, registry: &Registry, origins: &[Origin], files: &[File]) -> Result<()> {
    for (i, model) in registry.models().iter().enumerate() {
        for (k, name) in model.fallbacks.iter().enumerate() {
            let problem = match registry.lookup(name, None) {
                Ok(other) if other.model_id == model.model_id && other.provider == model.provider => {
                    format!("fallback '{name}' of model '{}' is the model itself", model.model_id)
                }
                Ok(_) => continue,
                Err(_) => format!(
                    "fallback '{name}' of model '{}' is not a model of the catalogue (an id, alias or provider/modelId)",
                    model.model_id
                ),
            };
            let origin = &origins[i];
            return Err(source.error(&files[origin.file], format!("{}.fallbacks[{k}]", origin.at()), problem));
        }
    }
    Ok(())
}

/// The entries of one `providers.json` are plain folder names, each listed once.
fn check_entries(source: &Source, file: &File, entries: &[ProviderEntry]) -> Result<()> {
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("providers[{i}].name");
        if let Some(problem) = name_problem(&entry.name) {
            return Err(source.error(file, field, format!("provider name '{}' {problem}", entry.name)));
        }
        if entries[..i].iter().any(|p| p.name == entry.name) {
            return Err(source.error(file, field, format!("provider '{}' is listed twice", entry.name)));
        }
    }
    Ok(())
}

/// The providers of every layer's list, lowest first: an upper entry replaces a lower one of the same name in its
/// place, a new name is appended. Each comes with its file and position, for errors.
fn merge_entries(lists: &[(File, Vec<ProviderEntry>)]) -> Vec<(&File, usize, &ProviderEntry)> {
    let mut merged: Vec<(&File, usize, &ProviderEntry)> = Vec::new();
    for (file, entries) in lists {
        for (i, entry) in entries.iter().enumerate() {
            match merged.iter_mut().find(|(_, _, e)| e.name == entry.name) {
                Some(slot) => *slot = (file, i, entry),
                None => merged.push((file, i, entry)),
            }
        }
    }
    merged
}

/// Why `name` cannot be a provider (folder) name, if it cannot.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains(['/', '\\']) || name.starts_with('.') {
        Some("must be a plain folder name (no '/', not starting with '.')")
    } else {
        None
    }
}

fn provider_settings(source: &Source, file: &File, folder: &str) -> Result<ProviderSettings> {
    let s: SettingsFile = source.parse(file)?;
    if let Some(name) = s.name.as_deref().filter(|n| *n != folder) {
        return Err(source.error(file, "name", format!("name '{name}' differs from the folder name '{folder}'")));
    }
    use ProviderKind::{Azure, Bedrock, Local, OpenAi};
    // A field of another type's would do nothing: say so rather than ignore a setting the user meant.
    let fields: [(&str, bool, &[ProviderKind]); 15] = [
        ("region", s.region.is_some(), &[Bedrock]),
        ("endpointUrl", s.endpoint_url.is_some(), &[Bedrock]),
        ("autoInferenceProfile", s.auto_inference_profile.is_some(), &[Bedrock]),
        ("baseUrl", s.base_url.is_some(), &[OpenAi]),
        ("baseUrlEnv", s.base_url_env.is_some(), &[OpenAi]),
        ("apiKeyEnv", s.api_key_env.is_some(), &[OpenAi, Azure]),
        ("apiKeyCommand", s.api_key_command.is_some(), &[OpenAi, Azure]),
        ("apiKeyCommandTimeoutMs", s.api_key_command_timeout_ms.is_some(), &[OpenAi, Azure]),
        ("apiKeySecret", s.api_key_secret.is_some(), &[OpenAi, Azure]),
        ("apiKeyParameter", s.api_key_parameter.is_some(), &[OpenAi, Azure]),
        ("headers", !s.headers.is_empty(), &[OpenAi, Azure]),
        ("endpoint", s.endpoint.is_some(), &[Azure]),
        ("endpointEnv", s.endpoint_env.is_some(), &[Azure]),
        ("apiVersion", s.api_version.is_some(), &[Azure]),
        ("apiVersionEnv", s.api_version_env.is_some(), &[Azure]),
    ];
    if let Some((field, _, kinds)) = fields.iter().find(|(_, set, kinds)| *set && !kinds.contains(&s.kind)) {
        let types: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let message =
            format!("`{field}` is a setting of type {}; this provider is type {}", types.join(" or "), s.kind.as_str());
        return Err(source.error(file, *field, message));
    }
    let key_source = super::keys::key_source(source, file, &s)?;
    let transport = match s.kind {
        Bedrock => Transport::Bedrock(BedrockSettings {
            region: s.region,
            endpoint_url: s.endpoint_url,
            auto_inference_profile: s.auto_inference_profile.unwrap_or(true),
        }),
        OpenAi => Transport::OpenAi(OpenAiSettings {
            base_url: s.base_url,
            base_url_env: s.base_url_env,
            api_key_env: s.api_key_env,
            api_key_source: key_source.clone(),
            headers: s.headers,
        }),
        Azure => Transport::Azure(AzureSettings {
            endpoint: s.endpoint,
            endpoint_env: s.endpoint_env,
            api_key_env: s.api_key_env,
            api_key_source: key_source,
            api_version: s.api_version,
            api_version_env: s.api_version_env,
            headers: s.headers,
        }),
        Local => Transport::Local,
    };
    let error = |field: &str, message: String| source.error(file, field, message);
    let t = s.timeouts;
    in_range(t.connect_ms, 1..=MAX_WAIT_MS, "milliseconds").map_err(|m| error("timeouts.connectMs", m))?;
    in_range(t.request_ms, 1..=MAX_WAIT_MS, "milliseconds").map_err(|m| error("timeouts.requestMs", m))?;
    let r = s.retries;
    in_range(r.max_attempts, 1..=MAX_ATTEMPTS, "attempts").map_err(|m| error("retries.maxAttempts", m))?;
    in_range(r.initial_backoff_ms, 0..=MAX_BACKOFF_MS, "milliseconds")
        .map_err(|m| error("retries.initialBackoffMs", m))?;
    Ok(ProviderSettings {
        name: folder.to_string(),
        display_name: s.display_name,
        transport,
        timeouts: s.timeouts,
        retries: s.retries,
    })
}

fn load_vendors(source: &Source) -> Result<Vec<VendorSettings>> {
    let mut vendors: Vec<VendorSettings> = Vec::new();
    let files = source.list_replacing("vendors")?;
    for (i, file) in files.iter().enumerate() {
        let stem = file.stem();
        if let Some(first) = files[..i].iter().find(|f| f.stem() == stem && f.layer == file.layer) {
            let message = format!("vendor '{stem}' is defined twice: {} and {}", first.rel, file.rel);
            return Err(source.error(file, "(whole file)", message));
        }
        let v: VendorFile = source.parse(file)?;
        if let Some(name) = v.name.as_deref().filter(|n| *n != stem) {
            return Err(source.error(file, "name", format!("name '{name}' differs from the file name '{stem}'")));
        }
        vendors.push(VendorSettings {
            name: stem.to_string(),
            display_name: v.display_name,
            modalities: v.capabilities.modalities,
            streaming: v.capabilities.streaming.unwrap_or(true),
        });
    }
    Ok(vendors)
}

fn load_modalities(source: &Source) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for file in source.list_replacing("modalities")? {
        let m: ModalityFile = source.parse(&file)?;
        let stem = file.stem();
        if let Some(name) = m.name.as_deref().filter(|n| *n != stem) {
            return Err(source.error(&file, "name", format!("name '{name}' differs from the file name '{stem}'")));
        }
        names.push(stem.to_string());
    }
    Ok(names)
}

fn load_models(
    source: &Source,
    file: File,
    provider: (&str, ProviderKind),
    vendors: &[VendorSettings],
    modalities: &[String],
    catalogue: &mut Catalogue,
) -> Result<()> {
    let parsed: ModelsFile = source.parse(&file)?;
    let file_index = catalogue.files.len();
    for (gi, group) in parsed.vendors.into_iter().enumerate() {
        let Some(vendor) = vendors.iter().find(|v| v.name == group.name) else {
            let message =
                format!("unknown vendor '{}': there is no vendors/{}.json (or .yaml/.yml)", group.name, group.name);
            return Err(source.error(&file, format!("vendors[{gi}].name"), message));
        };
        for (mi, entry) in group.models.into_iter().enumerate() {
            let origin = Origin { file: file_index, group: gi, index: mi };
            let model = build_model(source, &file, &origin, entry, provider, vendor, modalities)?;
            let key = (provider.0.to_string(), model.model_id.clone());
            if let Some(&j) = catalogue.ids.get(&key) {
                let message = format!("duplicate modelId '{}' (also at {})", model.model_id, catalogue.origins[j].at());
                return Err(source.error(&file, format!("{}.modelId", origin.at()), message));
            }
            catalogue.ids.insert(key, catalogue.models.len());
            catalogue.models.push(model);
            catalogue.origins.push(origin);
        }
    }
    catalogue.files.push(file);
    Ok(())
}

/// One model entry, checked against its folder (`provider`) and group (`vendor`).
fn build_model(
    source: &Source,
    file: &File,
    origin: &Origin,
    entry: ModelEntry,
    (provider, kind): (&str, ProviderKind),
    vendor: &VendorSettings,
    modalities: &[String],
) -> Result<Model> {
    let error = |field: &str, message: String| source.error(file, format!("{}.{field}", origin.at()), message);
    let id = entry.model_id;
    if id.trim().is_empty() {
        return Err(error("modelId", "modelId must not be empty".to_string()));
    }
    if let Some(v) = entry.vendor.as_deref().filter(|v| *v != vendor.name) {
        let message = format!("model '{id}' says vendor '{v}' but is listed under vendor '{}'", vendor.name);
        return Err(error("vendor", message));
    }
    if let Some(p) = entry.provider.as_deref().filter(|p| *p != provider) {
        return Err(error("provider", format!("model '{id}' says provider '{p}' but is in providers/{provider}/")));
    }
    let modality = entry.modality.unwrap_or_else(|| "text-to-text".to_string());
    if !modalities.is_empty() && !modalities.contains(&modality) {
        let message = format!("unknown modality '{modality}': there is no modalities/{modality}.json (or .yaml/.yml)");
        return Err(error("modality", message));
    }
    if !vendor.modalities.is_empty() && !vendor.modalities.contains(&modality) {
        let message = format!(
            "model '{id}' has modality '{modality}', which vendor '{}' does not list (its capabilities.modalities: {})",
            vendor.name,
            vendor.modalities.join(", ")
        );
        return Err(error("modality", message));
    }
    let api = match entry.api.as_deref() {
        None => None,
        Some("invoke") => Some(BedrockApi::Invoke),
        Some("converse") => Some(BedrockApi::Converse),
        Some(api) => return Err(error("api", format!("unknown api '{api}', expected invoke or converse"))),
    };
    // Fields only one provider type reads would do nothing elsewhere: say so.
    for (field, set, only) in [
        ("arn", entry.arn.is_some(), ProviderKind::Bedrock),
        ("api", api.is_some(), ProviderKind::Bedrock),
        ("deployment", entry.deployment.is_some(), ProviderKind::Azure),
    ] {
        if set && kind != only {
            let message =
                format!("`{field}` is read only for {} providers; {provider} is type {}", only.as_str(), kind.as_str());
            return Err(error(field, message));
        }
    }
    if let Some(k) = entry.aliases.iter().position(|a| a.trim().is_empty()) {
        return Err(error(&format!("aliases[{k}]"), "an alias must not be empty".to_string()));
    }
    in_range(entry.max_output_tokens, 1..=MAX_TOKENS, "tokens").map_err(|m| error("maxOutputTokens", m))?;
    in_range(entry.context_window, 1..=MAX_CONTEXT, "tokens").map_err(|m| error("contextWindow", m))?;
    if let Some(at) =
        entry.capabilities.input_types.iter().position(|t| !matches!(t.as_str(), "text" | "image" | "document"))
    {
        let message = format!("'{}' is not an input type (text, image, document)", entry.capabilities.input_types[at]);
        return Err(error(&format!("capabilities.inputTypes[{at}]"), message));
    }
    if let Some(at) = entry.capabilities.image_sizes.iter().position(|size| parse_size(size).is_none()) {
        let message = format!("'{}' is not a size WIDTHxHEIGHT (1024x1024)", entry.capabilities.image_sizes[at]);
        return Err(error(&format!("capabilities.imageSizes[{at}]"), message));
    }
    if let Some(p) = &entry.pricing {
        price(p.input_per_million).map_err(|m| error("pricing.inputPerMillion", m))?;
        if let Some(per_image) = p.per_image {
            price(per_image).map_err(|m| error("pricing.perImage", m))?;
        }
        for (size, each) in &p.per_image_by_size {
            if parse_size(size).is_none() {
                return Err(error("pricing.perImageBySize", format!("'{size}' is not a size WIDTHxHEIGHT")));
            }
            price(*each).map_err(|m| error(&format!("pricing.perImageBySize.{size}"), m))?;
        }
        price(p.output_per_million).map_err(|m| error("pricing.outputPerMillion", m))?;
    }
    let gateway = entry.llmgateway;
    let provisioned = gateway.provisioned.unwrap_or(gateway.billing == Some(Billing::Provisioned));
    let billing = gateway.billing.unwrap_or(if provisioned { Billing::Provisioned } else { Billing::OnDemand });
    if (provisioned || billing == Billing::Provisioned) && entry.arn.is_none() {
        let message =
            format!("model '{id}' is provisioned but has no \"arn\" (the provisioned throughput ARN to invoke)");
        return Err(error("arn", message));
    }
    Ok(Model {
        model_id: id,
        provider: provider.to_string(),
        vendor: vendor.name.clone(),
        modality,
        display_name: entry.display_name,
        aliases: entry.aliases,
        fallbacks: entry.fallbacks,
        status: gateway.status.unwrap_or(Status::Ready),
        status_reason: gateway.reason,
        billing,
        provisioned,
        streaming: entry.capabilities.streaming.unwrap_or(vendor.streaming),
        image_sizes: entry.capabilities.image_sizes,
        input_types: entry.capabilities.input_types,
        pricing: entry.pricing,
        context_window: entry.context_window,
        max_output_tokens: entry.max_output_tokens,
        placement: match kind {
            ProviderKind::Bedrock => Placement::Bedrock { arn: entry.arn, api },
            ProviderKind::Azure => Placement::Azure { deployment: entry.deployment },
            _ => Placement::None,
        },
    })
}

// ---- Numbers: what llmgw can act on. A value outside is a typo (or would overflow a timer), so it is an error
// naming the field rather than a surprise at request time. ----

/// A day: the longest wait llmgw arms, as for `--timeout`.
pub(super) const MAX_WAIT_MS: u64 = 86_400_000;
const MAX_ATTEMPTS: u32 = 10;
const MAX_BACKOFF_MS: u64 = 60_000;
/// More than any model generates in one reply, or holds in its context.
pub(super) const MAX_TOKENS: u32 = 10_000_000;
const MAX_CONTEXT: u64 = 1_000_000_000;
/// US dollars per million tokens; the dearest models cost hundreds.
const MAX_PRICE: f64 = 1_000_000.0;

pub(super) fn in_range<T: PartialOrd + std::fmt::Display>(
    value: Option<T>,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> std::result::Result<(), String> {
    match value {
        Some(v) if !range.contains(&v) => {
            Err(format!("{v} is out of range: expected {} to {} {unit}", range.start(), range.end()))
        }
        _ => Ok(()),
    }
}

fn price(usd: f64) -> std::result::Result<(), String> {
    if usd.is_finite() && (0.0..=MAX_PRICE).contains(&usd) {
        Ok(())
    } else {
        Err(format!("{usd} is out of range: expected 0 to {MAX_PRICE} US dollars per million tokens"))
    }
}

/// Aliases are unique across the catalogue (ignoring case, as lookup does) and never another model's id.
fn check_aliases(source: &Source, catalogue: &Catalogue) -> Result<()> {
    let models = &catalogue.models;
    // Model ids ignoring case, each to the models that have it (two providers may serve one id).
    let mut ids: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, model) in models.iter().enumerate() {
        ids.entry(model.model_id.to_ascii_lowercase()).or_default().push(i);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, model) in models.iter().enumerate() {
        let origin = &catalogue.origins[i];
        let file = &catalogue.files[origin.file];
        for (k, alias) in model.aliases.iter().enumerate() {
            let field = || format!("{}.aliases[{k}]", origin.at());
            let described = |j: usize| {
                let other = &catalogue.origins[j];
                format!("'{}' ({} {})", models[j].model_id, catalogue.files[other.file].path.display(), other.at())
            };
            let key = alias.to_ascii_lowercase();
            if let Some(&j) = seen.get(&key) {
                let message = if j == i {
                    format!("alias '{alias}' is listed twice for model '{}'", model.model_id)
                } else {
                    format!("alias '{alias}' of model '{}' is already used by model {}", model.model_id, described(j))
                };
                return Err(source.error(file, field(), message));
            }
            if let Some(&j) = ids.get(&key).and_then(|owners| owners.iter().find(|&&j| j != i)) {
                let message =
                    format!("alias '{alias}' of model '{}' is the modelId of model {}", model.model_id, described(j));
                return Err(source.error(file, field(), message));
            }
            seen.insert(key, i);
        }
    }
    Ok(())
}

/// `1024x768` -> (1024, 768): both above 0 and at most 16,384.
pub fn parse_size(text: &str) -> Option<(u32, u32)> {
    let (w, h) = text.trim().split_once(['x', 'X'])?;
    let (w, h): (u32, u32) = (w.parse().ok()?, h.parse().ok()?);
    ((1..=16_384).contains(&w) && (1..=16_384).contains(&h)).then_some((w, h))
}
