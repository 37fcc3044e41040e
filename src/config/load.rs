//! Reading one configuration root into a [`Registry`], with errors that point at the file and field to fix.
//!
//! A root is a [`Source`]: the built-in files (a static list, so no directory walk at startup) or a directory.
//! Everything past "give me the text of this relative path" is shared, so a user's directory and the built-in
//! catalogue are parsed and validated by the same code. Each file may be JSON or YAML (`.json`, `.yaml`, `.yml`).
//!
//! The serde types here mirror the files; [`super`] holds the types the rest of llmgw uses. Parsing goes through
//! `serde_path_to_error` so a wrong type or a missing field is reported as `vendors[0].models[2].llmgateway.status`
//! rather than only a line number. Semantic checks (unknown vendor, duplicate alias, ...) report the same style of
//! path, computed from the position of the entry in the file.

use super::{
    AzureSettings, BedrockApi, BedrockSettings, Billing, Model, OpenAiSettings, Placement, Pricing, ProviderKind,
    ProviderSettings, Registry, Retries, Status, SystemDefaults, Timeouts, Transport, VendorSettings, builtin,
};
use crate::Result;
use crate::error::Error;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Where the files of a configuration root come from.
pub(super) enum Source<'a> {
    Builtin,
    Dir(&'a Path),
}

/// The extensions a configuration file may have, in the order they are tried.
const EXTENSIONS: [&str; 3] = ["json", "yaml", "yml"];

/// One configuration file: its path relative to the root, and its text.
struct File {
    rel: String,
    text: Cow<'static, str>,
}

impl File {
    /// The file name without directory and extension: `vendors/meta.json` -> `meta`.
    fn stem(&self) -> &str {
        let name = self.rel.rsplit('/').next().unwrap_or(&self.rel);
        name.rsplit_once('.').map_or(name, |(stem, _)| stem)
    }
}

impl Source<'_> {
    /// The path shown in errors: the real path for a directory, `<built-in>/...` for the built-in copy.
    fn display_path(&self, rel: &str) -> PathBuf {
        match self {
            Source::Builtin => Path::new("<built-in>").join(rel),
            Source::Dir(dir) => dir.join(rel),
        }
    }

    fn read(&self, rel: &str) -> Result<Option<Cow<'static, str>>> {
        match self {
            Source::Builtin => {
                Ok(builtin::FILES.iter().find(|(path, _)| *path == rel).map(|(_, text)| Cow::Borrowed(*text)))
            }
            Source::Dir(dir) => match std::fs::read_to_string(dir.join(rel)) {
                Ok(text) => Ok(Some(Cow::Owned(text))),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(err) => Err(Error::config(self.display_path(rel), "cannot read", err.to_string())),
            },
        }
    }

    /// `stem.json`, `stem.yaml` or `stem.yml`: the first that exists.
    fn find(&self, stem: &str) -> Result<Option<File>> {
        for ext in EXTENSIONS {
            let rel = format!("{stem}.{ext}");
            if let Some(text) = self.read(&rel)? {
                return Ok(Some(File { rel, text }));
            }
        }
        Ok(None)
    }

    /// The configuration files directly inside `dir`, sorted by name. A missing directory has none.
    fn list(&self, dir: &str) -> Result<Vec<File>> {
        let mut names: Vec<String> = match self {
            Source::Builtin => builtin::FILES
                .iter()
                .filter_map(|(path, _)| path.strip_prefix(dir)?.strip_prefix('/'))
                .filter(|name| !name.contains('/'))
                .map(str::to_string)
                .collect(),
            Source::Dir(root) => match std::fs::read_dir(root.join(dir)) {
                Ok(entries) => entries
                    .filter_map(|entry| entry.ok())
                    .filter(|entry| entry.file_type().is_ok_and(|t| !t.is_dir()))
                    .filter_map(|entry| entry.file_name().into_string().ok())
                    .collect(),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(err) => return Err(Error::config(self.display_path(dir), "cannot read", err.to_string())),
            },
        };
        names.retain(|name| {
            !name.starts_with('.') && name.rsplit_once('.').is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
        });
        names.sort();
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            let rel = format!("{dir}/{name}");
            // A file that vanished between listing and reading is simply not there.
            if let Some(text) = self.read(&rel)? {
                files.push(File { rel, text });
            }
        }
        Ok(files)
    }

    /// Deserialize `file` by its extension, reporting the field path and line of any error.
    fn parse<T: DeserializeOwned>(&self, file: &File) -> Result<T> {
        let path = self.display_path(&file.rel);
        if file.rel.ends_with(".json") {
            let mut de = serde_json::Deserializer::from_str(&file.text);
            let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
                let inner = err.inner();
                parse_error(path.clone(), Some(err.path()), Some((inner.line(), inner.column())), inner.to_string())
            })?;
            de.end().map_err(|err| parse_error(path, None, Some((err.line(), err.column())), err.to_string()))?;
            Ok(value)
        } else {
            let de = serde_yaml::Deserializer::from_str(&file.text);
            serde_path_to_error::deserialize(de).map_err(|err| {
                let inner = err.inner();
                let line_col = inner.location().map(|l| (l.line(), l.column()));
                parse_error(path, Some(err.path()), line_col, inner.to_string())
            })
        }
    }

    /// An error about a field of `file` found after parsing (no line number is known then).
    fn error(&self, file: &File, field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::config(self.display_path(&file.rel), field, message)
    }
}

/// A parser's error as [`Error::Config`]: location `field.path (line L, column C)`, the message without the
/// position the parser appended to it.
fn parse_error(
    file: PathBuf,
    path: Option<&serde_path_to_error::Path>,
    line_col: Option<(usize, usize)>,
    message: String,
) -> Error {
    let field = path.map(|p| p.to_string()).filter(|p| p != ".");
    let mut message = strip_position(&message);
    // serde_yaml starts some messages with its own (shorter) path: `vendors[0].models[0]: invalid type ...`.
    if let Some((head, rest)) = message.split_once(": ")
        && field.as_deref().is_some_and(|f| f.starts_with(head))
    {
        message = rest;
    }
    let at = line_col.filter(|(line, _)| *line > 0).map(|(line, column)| format!("line {line}, column {column}"));
    let location = match (field, at) {
        (Some(field), Some(at)) => format!("{field} ({at})"),
        (Some(field), None) => field,
        (None, Some(at)) => at,
        (None, None) => "(whole file)".to_string(),
    };
    Error::config(file, location, message)
}

/// `invalid type: ... at line 3 column 7` -> `invalid type: ...` (serde_json and serde_yaml both append this).
fn strip_position(message: &str) -> &str {
    if let Some(i) = message.rfind(" at line ") {
        let tail = &message[i + " at line ".len()..];
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if tail.split_once(" column ").is_some_and(|(line, column)| numeric(line) && numeric(column)) {
            return &message[..i];
        }
    }
    message
}

// ---- The files' shapes (DESIGN.md section 2). Unknown fields are ignored so the format can grow. ----

#[derive(Deserialize)]
struct ProvidersFile {
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
struct SettingsFile {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: ProviderKind,
    display_name: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    base_url: Option<String>,
    base_url_env: Option<String>,
    api_key_env: Option<String>,
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
}

#[derive(Deserialize, Default)]
struct ModelCapabilities {
    streaming: Option<bool>,
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SystemFile {
    default_model: Option<String>,
    max_tokens: Option<u32>,
    request_timeout_ms: Option<u64>,
}

// ---- Loading ----

/// Where a model's entry is written: its file and `vendors[i].models[j]`.
struct Origin {
    file: usize,
    at: String,
}

/// The models read so far, with where each came from (for errors that name two places).
#[derive(Default)]
struct Catalogue {
    models: Vec<Model>,
    origins: Vec<Origin>,
    files: Vec<File>,
}

pub(super) fn load(source: &Source) -> Result<Registry> {
    let providers_file = source.find("providers")?.ok_or_else(|| {
        Error::config(
            source.display_path("providers.json"),
            "not found",
            "a configuration directory needs providers.json (or providers.yaml / providers.yml)",
        )
    })?;
    let list: ProvidersFile = source.parse(&providers_file)?;
    for (i, entry) in list.providers.iter().enumerate() {
        let field = format!("providers[{i}].name");
        if let Some(problem) = name_problem(&entry.name) {
            return Err(source.error(&providers_file, field, format!("provider name '{}' {problem}", entry.name)));
        }
        if list.providers[..i].iter().any(|p| p.name == entry.name) {
            return Err(source.error(&providers_file, field, format!("provider '{}' is listed twice", entry.name)));
        }
    }

    let vendors = load_vendors(source)?;
    let modalities = load_modalities(source)?;
    let system = load_system(source)?;

    let mut providers = Vec::new();
    let mut catalogue = Catalogue::default();
    for (i, entry) in list.providers.iter().enumerate().filter(|(_, e)| e.enabled) {
        let name = entry.name.as_str();
        let missing = |what: &str| {
            source.error(
                &providers_file,
                format!("providers[{i}].name"),
                format!("provider '{name}' is enabled but providers/{name}/{what}.json is missing (also looked for .yaml and .yml)"),
            )
        };
        let settings = source.find(&format!("providers/{name}/settings"))?.ok_or_else(|| missing("settings"))?;
        let settings = provider_settings(source, &settings, name)?;
        let kind = settings.kind();
        providers.push(settings);
        let models = source.find(&format!("providers/{name}/models"))?.ok_or_else(|| missing("models"))?;
        load_models(source, models, (name, kind), &vendors, &modalities, &mut catalogue)?;
    }
    check_aliases(source, &catalogue)?;

    Ok(Registry { models: catalogue.models, providers, vendors, modalities, system })
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
    let fields: [(&str, bool, &[ProviderKind]); 10] = [
        ("region", s.region.is_some(), &[Bedrock]),
        ("endpointUrl", s.endpoint_url.is_some(), &[Bedrock]),
        ("baseUrl", s.base_url.is_some(), &[OpenAi]),
        ("baseUrlEnv", s.base_url_env.is_some(), &[OpenAi]),
        ("apiKeyEnv", s.api_key_env.is_some(), &[OpenAi, Azure]),
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
    let transport = match s.kind {
        Bedrock => Transport::Bedrock(BedrockSettings { region: s.region, endpoint_url: s.endpoint_url }),
        OpenAi => Transport::OpenAi(OpenAiSettings {
            base_url: s.base_url,
            base_url_env: s.base_url_env,
            api_key_env: s.api_key_env,
            headers: s.headers,
        }),
        Azure => Transport::Azure(AzureSettings {
            endpoint: s.endpoint,
            endpoint_env: s.endpoint_env,
            api_key_env: s.api_key_env,
            api_version: s.api_version,
            api_version_env: s.api_version_env,
            headers: s.headers,
        }),
        Local => Transport::Local,
    };
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
    let files = source.list("vendors")?;
    for (i, file) in files.iter().enumerate() {
        let stem = file.stem();
        if let Some(first) = files[..i].iter().find(|f| f.stem() == stem) {
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
    for file in source.list("modalities")? {
        let m: ModalityFile = source.parse(&file)?;
        let stem = file.stem();
        if let Some(name) = m.name.as_deref().filter(|n| *n != stem) {
            return Err(source.error(&file, "name", format!("name '{name}' differs from the file name '{stem}'")));
        }
        names.push(stem.to_string());
    }
    Ok(names)
}

fn load_system(source: &Source) -> Result<SystemDefaults> {
    let mut system = SystemDefaults::default();
    for file in source.list("system")? {
        let s: SystemFile = source.parse(&file)?;
        if let Some(model) = s.default_model {
            system.default_model = model;
        }
        if let Some(max_tokens) = s.max_tokens {
            system.max_tokens = max_tokens;
        }
        if s.request_timeout_ms.is_some() {
            system.request_timeout_ms = s.request_timeout_ms;
        }
    }
    Ok(system)
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
            let at = format!("vendors[{gi}].models[{mi}]");
            let model = build_model(source, &file, &at, entry, provider, vendor, modalities)?;
            if let Some(j) =
                catalogue.models.iter().position(|m| m.provider == provider.0 && m.model_id == model.model_id)
            {
                let message = format!("duplicate modelId '{}' (also at {})", model.model_id, catalogue.origins[j].at);
                return Err(source.error(&file, format!("{at}.modelId"), message));
            }
            catalogue.models.push(model);
            catalogue.origins.push(Origin { file: file_index, at });
        }
    }
    catalogue.files.push(file);
    Ok(())
}

/// One model entry, checked against its folder (`provider`) and group (`vendor`).
fn build_model(
    source: &Source,
    file: &File,
    at: &str,
    entry: ModelEntry,
    (provider, kind): (&str, ProviderKind),
    vendor: &VendorSettings,
    modalities: &[String],
) -> Result<Model> {
    let error = |field: &str, message: String| source.error(file, format!("{at}.{field}"), message);
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
        status: gateway.status.unwrap_or(Status::Ready),
        status_reason: gateway.reason,
        billing,
        provisioned,
        streaming: entry.capabilities.streaming.unwrap_or(vendor.streaming),
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

/// Aliases are unique across the catalogue (ignoring case, as lookup does) and never another model's id.
fn check_aliases(source: &Source, catalogue: &Catalogue) -> Result<()> {
    let models = &catalogue.models;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, model) in models.iter().enumerate() {
        let origin = &catalogue.origins[i];
        let file = &catalogue.files[origin.file];
        for (k, alias) in model.aliases.iter().enumerate() {
            let field = format!("{}.aliases[{k}]", origin.at);
            let described = |j: usize| {
                let other = &catalogue.origins[j];
                format!("'{}' ({} {})", models[j].model_id, catalogue.files[other.file].rel, other.at)
            };
            if let Some(&j) = seen.get(&alias.to_ascii_lowercase()) {
                let message = if j == i {
                    format!("alias '{alias}' is listed twice for model '{}'", model.model_id)
                } else {
                    format!("alias '{alias}' of model '{}' is already used by model {}", model.model_id, described(j))
                };
                return Err(source.error(file, field, message));
            }
            if let Some(j) = models.iter().position(|m| m.model_id.eq_ignore_ascii_case(alias)).filter(|&j| j != i) {
                let message =
                    format!("alias '{alias}' of model '{}' is the modelId of model {}", model.model_id, described(j));
                return Err(source.error(file, field, message));
            }
            seen.insert(alias.to_ascii_lowercase(), i);
        }
    }
    Ok(())
}
