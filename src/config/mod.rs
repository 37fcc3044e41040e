//! The model catalogue: which providers exist, how to reach them, and which models they serve.
//!
//! A configuration root is a directory in the layout of DESIGN.md section 2 (`providers.json`,
//! `providers/<p>/{settings,models}.json`, `vendors/`, `modalities/`, `system/`), or the built-in copy of
//! `config/` compiled into the binary. Both go through the same loader, so the built-in catalogue is tested by the
//! same code that reads a user's. The root is used whole: nothing is merged across roots, which keeps "where did this
//! model come from" answerable by one path.
//!
//! Loading is strict where a mistake would otherwise surface later as a confusing provider error (a misspelt vendor,
//! a duplicate alias, a provisioned model without an ARN) and lenient where the format may grow (unknown fields are
//! ignored). Every error names the file and the field path, plus the line when the parser knows it.
//!
//! [`Registry`] answers the questions the rest of llmgw asks: find a model by id, alias or `provider/id`
//! ([`Registry::lookup`]), insist that it is READY ([`Registry::resolve`]), and offer alternatives when it is not
//! ([`Registry::alternatives`]) or "did you mean" when the name is unknown. It does not check credentials or reach the
//! network: READY means "the catalogue says it can be used", not "the provider will accept it".

mod builtin;
pub mod limits;
pub use load::parse_size;
mod keys;
mod load;
pub use limits::{Dim, Limit, LimitRule, Resource, Scope, Window};
pub mod profile;
mod source;
mod suggest;
mod system;

use crate::error::{Error, Suggestion};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the catalogue comes from (DESIGN.md section 2, "Which root is used").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigRoot {
    /// The copy of `config/` compiled into the binary.
    Builtin,
    /// A directory in the same layout.
    Dir(PathBuf),
}

impl ConfigRoot {
    /// `--config DIR`, else `$LLMGW_CONFIG_DIR`, else `$XDG_CONFIG_HOME/llmgw` (`~/.config/llmgw`) when it holds a
    /// `providers.json` (or `.yaml`/`.yml`), else the built-in copy.
    pub fn choose(flag: Option<&Path>) -> ConfigRoot {
        choose_root(flag, env_path("LLMGW_CONFIG_DIR"), env_path("XDG_CONFIG_HOME"), env_path("HOME"))
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// [`ConfigRoot::choose`] with the environment passed in, so tests need not touch the process environment.
fn choose_root(
    flag: Option<&Path>,
    config_dir: Option<PathBuf>,
    xdg_config_home: Option<PathBuf>,
    home: Option<PathBuf>,
) -> ConfigRoot {
    if let Some(dir) = flag {
        return ConfigRoot::Dir(dir.to_path_buf());
    }
    if let Some(dir) = config_dir {
        return ConfigRoot::Dir(dir);
    }
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    let base = xdg_config_home.filter(|p| p.is_absolute()).or_else(|| home.map(|h| h.join(".config")));
    let Some(dir) = base.map(|b| b.join("llmgw")) else {
        return ConfigRoot::Builtin;
    };
    let holds_providers = ["providers.json", "providers.yaml", "providers.yml"].iter().any(|n| dir.join(n).is_file());
    if holds_providers { ConfigRoot::Dir(dir) } else { ConfigRoot::Builtin }
}

/// Whether the catalogue allows a model to be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Status {
    Ready,
    NotReady,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ready => "READY",
            Status::NotReady => "NOT READY",
        }
    }
}

impl TryFrom<String> for Status {
    type Error = String;
    /// `READY` or `NOT READY`, in any case; `NOT_READY` and `not-ready` too.
    fn try_from(s: String) -> Result<Self, String> {
        match normalize_word(&s).as_str() {
            "READY" => Ok(Status::Ready),
            "NOTREADY" => Ok(Status::NotReady),
            _ => Err(format!("unknown status '{s}', expected READY or NOT READY")),
        }
    }
}

/// How a model is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Billing {
    OnDemand,
    Provisioned,
}

impl Billing {
    pub fn as_str(self) -> &'static str {
        match self {
            Billing::OnDemand => "ONDEMAND",
            Billing::Provisioned => "PROVISIONED",
        }
    }
}

impl TryFrom<String> for Billing {
    type Error = String;
    /// `ONDEMAND` or `PROVISIONED`, in any case; `on-demand` and `ON_DEMAND` too.
    fn try_from(s: String) -> Result<Self, String> {
        match normalize_word(&s).as_str() {
            "ONDEMAND" => Ok(Billing::OnDemand),
            "PROVISIONED" => Ok(Billing::Provisioned),
            _ => Err(format!("unknown billing '{s}', expected ONDEMAND or PROVISIONED")),
        }
    }
}

/// Upper case without spaces, `_` or `-`: `not ready`, `NOT_READY` and `Not-Ready` all become `NOTREADY`.
fn normalize_word(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).map(|c| c.to_ascii_uppercase()).collect()
}

/// On-demand prices in US dollars: per million tokens, and per image for image models.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pricing {
    #[serde(default)]
    pub input_per_million: f64,
    #[serde(default)]
    pub output_per_million: f64,
    pub per_image: Option<f64>,
    /// Image prices by size (`"2048x2048": 0.06`), over `per_image` for the sizes listed.
    #[serde(default)]
    pub per_image_by_size: BTreeMap<String, f64>,
}

impl Pricing {
    /// The price of one image of `width` x `height`: its size's, else the model's.
    pub fn image(&self, width: u32, height: u32) -> Option<f64> {
        self.per_image_by_size.get(&format!("{width}x{height}")).copied().or(self.per_image)
    }
}

/// One model of one provider, as the catalogue describes it.
#[derive(Debug, Clone)]
pub struct Model {
    pub model_id: String,
    /// The provider's folder name.
    pub provider: String,
    pub vendor: String,
    pub modality: String,
    pub display_name: Option<String>,
    pub aliases: Vec<String>,
    /// Tried in order when this model fails in a way another could fix (ids, aliases or `provider/modelId`; each
    /// checked to name a catalogue model when the catalogue loads).
    pub fallbacks: Vec<String>,
    pub status: Status,
    /// Why the model is NOT READY (`llmgateway.reason`), e.g. "awaiting access approval".
    pub status_reason: Option<String>,
    pub billing: Billing,
    pub provisioned: bool,
    pub streaming: bool,
    /// The image sizes an image model makes (`capabilities.imageSizes`, `WIDTHxHEIGHT`); empty: any it takes.
    pub image_sizes: Vec<String>,
    /// What the model takes besides text (`capabilities.inputTypes`): `image`, `document`.
    pub input_types: Vec<String>,
    pub pricing: Option<Pricing>,
    pub context_window: Option<u64>,
    pub max_output_tokens: Option<u32>,
    /// What only the model's provider type reads (Bedrock's ARN and API, Azure's deployment).
    pub placement: Placement,
}

/// The fields of a model that only one provider type reads; a model of any other type has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Placement {
    Bedrock {
        /// The provisioned-throughput or inference-profile ARN to invoke instead of the model id.
        arn: Option<String>,
        /// InvokeModel with the family's codec, or Converse; `None` lets the provider decide by vendor.
        api: Option<BedrockApi>,
    },
    Azure {
        /// The deployment name; the model id when not given.
        deployment: Option<String>,
    },
    #[default]
    None,
}

/// Which Bedrock Runtime API a model goes through (`api` in its entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BedrockApi {
    /// InvokeModel with the vendor's native body.
    Invoke,
    /// Converse, the vendor-neutral API.
    Converse,
}

impl Model {
    /// The identifier to send to the provider: a Bedrock model's ARN when one is configured, else the model id.
    pub fn invoke_id(&self) -> &str {
        match &self.placement {
            Placement::Bedrock { arn: Some(arn), .. } => arn,
            _ => &self.model_id,
        }
    }

    /// The Azure deployment to call: the model's `deployment`, else its id.
    pub fn deployment(&self) -> &str {
        match &self.placement {
            Placement::Azure { deployment: Some(deployment) } => deployment,
            _ => &self.model_id,
        }
    }

    pub fn is_ready(&self) -> bool {
        self.status == Status::Ready
    }
}

/// The transport a provider speaks: its settings file's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Bedrock,
    OpenAi,
    Azure,
    Local,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Bedrock => "bedrock",
            ProviderKind::OpenAi => "openai",
            ProviderKind::Azure => "azure",
            ProviderKind::Local => "local",
        }
    }
}

/// `timeouts` of a provider's settings; `None` means the provider's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeouts {
    pub connect_ms: Option<u64>,
    pub request_ms: Option<u64>,
}

/// `retries` of a provider's settings; `None` means the provider's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Retries {
    pub max_attempts: Option<u32>,
    pub initial_backoff_ms: Option<u64>,
}

/// `providers/<name>/settings.json`: what every provider has, and its [`Transport`]. Secrets are never here, only
/// the names of the environment variables that hold them.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// The folder name, which is also the name users type (`-p NAME`, `NAME/model`).
    pub name: String,
    pub display_name: Option<String>,
    pub transport: Transport,
    pub timeouts: Timeouts,
    pub retries: Retries,
}

impl ProviderSettings {
    pub fn kind(&self) -> ProviderKind {
        match self.transport {
            Transport::Bedrock(_) => ProviderKind::Bedrock,
            Transport::OpenAi(_) => ProviderKind::OpenAi,
            Transport::Azure(_) => ProviderKind::Azure,
            Transport::Local => ProviderKind::Local,
        }
    }
}

/// How a provider is reached, one variant per `type`, each with only the fields that type reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Bedrock(BedrockSettings),
    /// OpenAI and any OpenAI-compatible server.
    OpenAi(OpenAiSettings),
    Azure(AzureSettings),
    /// The offline echo: nothing to configure.
    Local,
}

/// `type: bedrock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedrockSettings {
    /// The region when neither the environment nor the profile names one.
    pub region: Option<String>,
    /// Another Bedrock Runtime endpoint (the AWS endpoint variables win).
    pub endpoint_url: Option<String>,
    /// When Bedrock refuses a bare model id on demand, retry once with the region's cross-region inference profile
    /// (`autoInferenceProfile`, default true).
    pub auto_inference_profile: bool,
}

impl Default for BedrockSettings {
    fn default() -> Self {
        BedrockSettings { region: None, endpoint_url: None, auto_inference_profile: true }
    }
}

/// `type: openai`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenAiSettings {
    pub base_url: Option<String>,
    /// A variable that, when set, wins over `base_url`.
    pub base_url_env: Option<String>,
    /// The variable holding the key; without it (and without `api_key_source`) no key is sent (local servers).
    pub api_key_env: Option<String>,
    /// Where the key comes from when `api_key_env` is unset or not set in the environment.
    pub api_key_source: Option<KeySource>,
    pub headers: BTreeMap<String, String>,
}

/// `type: azure`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzureSettings {
    pub endpoint: Option<String>,
    pub endpoint_env: Option<String>,
    pub api_key_env: Option<String>,
    pub api_key_source: Option<KeySource>,
    pub api_version: Option<String>,
    pub api_version_env: Option<String>,
    pub headers: BTreeMap<String, String>,
}

/// Where a provider's API key is kept, besides an environment variable (`apiKeyCommand`, `apiKeySecret`,
/// `apiKeyParameter`). Only the place is configured; the key is read when a request goes to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A program whose trimmed standard output is the key; run without a shell, stdin closed.
    Command { argv: Vec<String>, timeout: std::time::Duration },
    /// An AWS Secrets Manager secret (name or ARN), or one field of a secret stored as JSON.
    Secret { id: String, json_key: Option<String> },
    /// An SSM Parameter Store parameter, read with decryption.
    Parameter { name: String },
}

impl KeySource {
    /// The place, for `-v` and messages: never the key.
    pub fn describe(&self) -> String {
        match self {
            KeySource::Command { argv, .. } => format!("the command `{}`", argv.join(" ")),
            KeySource::Secret { id, json_key: Some(key) } => format!("AWS Secrets Manager {id} (JSON key {key})"),
            KeySource::Secret { id, json_key: None } => format!("AWS Secrets Manager {id}"),
            KeySource::Parameter { name } => format!("SSM Parameter Store {name}"),
        }
    }
}

/// `vendors/<name>.json`: a model family.
#[derive(Debug, Clone)]
pub struct VendorSettings {
    pub name: String,
    pub display_name: Option<String>,
    pub modalities: Vec<String>,
    /// Whether the family streams; a model's own `capabilities.streaming` wins.
    pub streaming: bool,
}

/// `system/*.json`, merged in file-name order.
#[derive(Debug, Clone)]
pub struct SystemDefaults {
    /// A model id or alias; it is resolved when used, not at load.
    pub default_model: String,
    /// The file that set `default_model` (`<built-in>/...` when none did), for an error about it.
    pub default_model_from: std::path::PathBuf,
    pub max_tokens: u32,
    pub request_timeout_ms: Option<u64>,
    /// `system/cache.json`: the response cache.
    pub cache: CacheSettings,
    /// `system/limits.json`: usage limits, checked before a request is sent.
    pub limits: Vec<LimitRule>,
}

/// `system/cache.json`: whether requests use the response cache unless they say (`--cache`, `--no-cache`), how old
/// a stored reply may be to answer, and how large the cache may grow before its least recently used entries go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    pub enabled: bool,
    pub ttl: std::time::Duration,
    pub max_bytes: u64,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings { enabled: false, ttl: std::time::Duration::from_secs(7 * 86_400), max_bytes: 256 << 20 }
    }
}

impl Default for SystemDefaults {
    fn default() -> Self {
        SystemDefaults {
            default_model: "claude".to_string(),
            default_model_from: "<built-in>/system/defaults.json".into(),
            max_tokens: 1024,
            request_timeout_ms: None,
            cache: CacheSettings::default(),
            limits: Vec::new(),
        }
    }
}

/// The loaded, validated catalogue of one configuration root.
#[derive(Debug, Clone)]
pub struct Registry {
    models: Vec<Model>,
    providers: Vec<ProviderSettings>,
    vendors: Vec<VendorSettings>,
    modalities: Vec<String>,
    system: SystemDefaults,
    /// The layers it was read from, for `-v`: `built-in`, a directory, or `DIR over built-in`.
    roots: String,
}

/// At most this many alternatives for a NOT READY model.
const MAX_ALTERNATIVES: usize = 6;

impl Registry {
    /// Read and validate the whole catalogue of `root`.
    pub fn load(root: &ConfigRoot) -> crate::Result<Registry> {
        load::load(root)
    }

    /// Every model of every enabled provider: providers in `providers.json` order, models in file order.
    pub fn models(&self) -> &[Model] {
        &self.models
    }

    /// An enabled provider.
    pub fn provider(&self, name: &str) -> Option<&ProviderSettings> {
        self.providers.iter().find(|p| p.name == name)
    }

    /// The enabled providers, in `providers.json` order.
    pub fn providers(&self) -> &[ProviderSettings] {
        &self.providers
    }

    pub fn vendor(&self, name: &str) -> Option<&VendorSettings> {
        self.vendors.iter().find(|v| v.name == name)
    }

    /// The vendors of `vendors/`, in file-name order.
    pub fn vendors(&self) -> &[VendorSettings] {
        &self.vendors
    }

    /// The modality names of `modalities/`, in file-name order (may be empty: the folder is optional).
    pub fn modalities(&self) -> &[String] {
        &self.modalities
    }

    pub fn system(&self) -> &SystemDefaults {
        &self.system
    }

    /// Where the catalogue came from: `built-in`, a directory, or `DIR over built-in`.
    pub fn roots(&self) -> &str {
        &self.roots
    }

    /// Find a model by model id, alias, `provider/modelId` or `provider/alias`; `provider` (the `-p` flag) restricts
    /// the search. Ids win over aliases and exact matches over case-insensitive ones; when two providers serve the
    /// same id, the first in `providers.json` order wins. Readiness is not checked (see [`Registry::resolve`]).
    ///
    /// Errors: an unknown name is [`Error::ModelNotFound`] with "did you mean" suggestions; an unknown `provider`, or
    /// a `provider/` prefix that contradicts it, is [`Error::Usage`].
    pub fn lookup(&self, name: &str, provider: Option<&str>) -> crate::Result<&Model> {
        if let Some(p) = provider
            && self.provider(p).is_none()
        {
            return Err(self.unknown_provider(p));
        }
        let (scope, bare) = match name.split_once('/') {
            Some((p, rest)) if self.provider(p).is_some() => {
                if let Some(flag) = provider
                    && flag != p
                {
                    return Err(Error::Usage(format!(
                        "model '{name}' names provider '{p}' but --provider says '{flag}'"
                    )));
                }
                (Some(p), rest)
            }
            _ => (provider, name),
        };
        let in_scope = |m: &&Model| scope.is_none_or(|p| m.provider == p);
        let found = self
            .models
            .iter()
            .filter(in_scope)
            .find(|m| m.model_id == bare)
            .or_else(|| self.models.iter().filter(in_scope).find(|m| m.aliases.iter().any(|a| a == bare)))
            .or_else(|| self.models.iter().filter(in_scope).find(|m| m.model_id.eq_ignore_ascii_case(bare)))
            .or_else(|| {
                self.models.iter().filter(in_scope).find(|m| m.aliases.iter().any(|a| a.eq_ignore_ascii_case(bare)))
            });
        if found.is_none()
            && let Some(p) = scope
            && let Ok(elsewhere) = self.lookup(bare, None)
        {
            // The model exists, elsewhere: say so, and offer what this provider does serve.
            return Err(Error::Unsuitable {
                model: bare.to_string(),
                problem: format!(
                    "is not served by provider '{p}' (it is on {}); choose one of {p}'s models with -m",
                    elsewhere.provider
                ),
                suggestions: self.served_by(p),
            });
        }
        found.ok_or_else(|| Error::ModelNotFound {
            name: name.to_string(),
            suggestions: suggest::did_you_mean(&self.models, bare, scope),
        })
    }

    /// The READY models of provider `name`, in catalogue order (at most [`MAX_ALTERNATIVES`]).
    fn served_by(&self, name: &str) -> Vec<Suggestion> {
        self.models
            .iter()
            .filter(|m| m.provider == name && m.is_ready())
            .take(MAX_ALTERNATIVES)
            .map(|m| Suggestion {
                model: m.model_id.clone(),
                provider: m.provider.clone(),
                vendor: m.vendor.clone(),
                reason: format!("served by {name}"),
            })
            .collect()
    }

    /// [`Registry::lookup`], then insist that the model is READY: a NOT READY model is
    /// [`Error::ModelNotReady`] with [`Registry::alternatives`] as suggestions.
    pub fn resolve(&self, name: &str, provider: Option<&str>) -> crate::Result<&Model> {
        let model = self.lookup(name, provider)?;
        if model.is_ready() {
            return Ok(model);
        }
        Err(Error::ModelNotReady {
            model: model.model_id.clone(),
            reason: model.status_reason.clone().unwrap_or_else(|| "it is NOT READY in the catalogue".to_string()),
            suggestions: self.alternatives(model),
        })
    }

    /// READY models of the same modality to use instead of `model`: the same vendor on the same provider first, then
    /// other vendors on the same provider, then other providers (the same vendor before others there); catalogue
    /// order within each tier; at most six. Models of `local` providers are never offered: the offline echo is not a
    /// substitute for a real model.
    pub fn alternatives(&self, model: &Model) -> Vec<Suggestion> {
        self.fitting(model, |m| m.modality == model.modality)
    }

    /// READY models for which `fits` holds, ranked as [`Registry::alternatives`] ranks them around `model`: for a
    /// model that cannot do what was asked (another modality, no streaming), the ones that can.
    pub fn fitting(&self, model: &Model, fits: impl Fn(&Model) -> bool) -> Vec<Suggestion> {
        let mut ranked: Vec<(u8, &Model)> = self
            .models
            .iter()
            .filter(|m| m.is_ready() && fits(m))
            .filter(|m| !(m.provider == model.provider && m.model_id == model.model_id))
            .filter(|m| self.provider(&m.provider).is_some_and(|p| p.kind() != ProviderKind::Local))
            .map(|m| {
                let tier = match (m.provider == model.provider, m.vendor == model.vendor) {
                    (true, true) => 0,
                    (true, false) => 1,
                    (false, true) => 2,
                    (false, false) => 3,
                };
                (tier, m)
            })
            .collect();
        ranked.sort_by_key(|(tier, _)| *tier); // stable: catalogue order within a tier
        ranked
            .into_iter()
            .take(MAX_ALTERNATIVES)
            .map(|(tier, m)| Suggestion {
                model: m.model_id.clone(),
                provider: m.provider.clone(),
                vendor: m.vendor.clone(),
                reason: match tier {
                    0 => "same vendor".to_string(),
                    1 => format!("other vendor on {}", m.provider),
                    2 => "same vendor, other provider".to_string(),
                    _ => "other provider".to_string(),
                },
            })
            .collect()
    }

    fn unknown_provider(&self, name: &str) -> Error {
        let known: Vec<&str> = self.providers.iter().map(|p| p.name.as_str()).collect();
        Error::Usage(format!("unknown provider '{name}' (enabled providers: {})", known.join(", ")))
    }
}

#[cfg(test)]
mod tests;
