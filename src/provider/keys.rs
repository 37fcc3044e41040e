//! API keys from where teams keep them: a command (`apiKeyCommand`: 1Password's `op`, `pass`, `rbw`), AWS Secrets
//! Manager (`apiKeySecret`) or SSM Parameter Store (`apiKeyParameter`).
//!
//! A key is read only when a request goes to its provider, and at most once per process (a fallback chain that
//! comes back to the provider, or a server, reuses it). It is returned to the transport, which marks it sensitive
//! and redacts it from everything it says; nothing here ever formats a key (or a command's output) into a message.
//! Errors name the source: a key that cannot be had is exit 5 with a hint, a secret store out of reach exit 7.
//!
//! Both AWS sources use the credential chain, region and profile every llmgw AWS client uses ([`super::aws`]); a
//! secret's ARN names its region. The SDKs honour `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL_SSM`
//! (and `AWS_ENDPOINT_URL`).

use super::{aws, error_chain};
use crate::config::KeySource;
use crate::{Error, Result};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_bedrockruntime::error::SdkError;
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

/// Keys already read by this process, by provider.
static READ: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);

/// How long an AWS key source may take, connecting included.
const AWS_TIMEOUT: Duration = Duration::from_secs(10);

/// The key of `provider` from `source`, read once per process.
pub async fn read(provider: &str, source: &KeySource) -> Result<String> {
    if let Some(key) = READ.lock().ok().and_then(|read| read.as_ref()?.get(provider).cloned()) {
        return Ok(key);
    }
    let key = match source {
        KeySource::Command { argv, timeout } => command(argv, *timeout).await?,
        KeySource::Secret { id, json_key } => secret(id, json_key.as_deref()).await?,
        KeySource::Parameter { name } => parameter(name).await?,
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(auth(source, "gave an empty key".into(), None));
    }
    if let Ok(mut read) = READ.lock() {
        read.get_or_insert_with(HashMap::new).insert(provider.to_string(), key.clone());
    }
    Ok(key)
}

/// What an AWS service answered: its error code and message.
fn said(code: Option<&str>, message: Option<&str>) -> Option<String> {
    match (code, message) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (Some(code), None) => Some(code.to_string()),
        (None, Some(message)) => Some(message.to_string()),
        (None, None) => None,
    }
}

fn auth(source: &KeySource, what: String, hint: Option<String>) -> Error {
    Error::Auth { message: format!("the API key from {} {what}", source.describe()), hint }
}

/// Run `argv` without a shell, stdin closed, its stderr the user's (a password manager may say why it failed);
/// its stdout is the key.
async fn command(argv: &[String], timeout: Duration) -> Result<String> {
    let source = KeySource::Command { argv: argv.to_vec(), timeout };
    let child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| auth(&source, format!("could not be had: the command could not be run ({e})"), None))?;
    let output = tokio::time::timeout(timeout, child.wait_with_output()).await.map_err(|_| {
        let hint = "raise apiKeyCommandTimeoutMs in the provider's settings if it needs longer (it may be waiting \
                    for a login)";
        auth(
            &source,
            format!("could not be had: the command did not finish within {} ms", timeout.as_millis()),
            Some(hint.into()),
        )
    })?;
    let output = output.map_err(|e| auth(&source, format!("could not be had: {e}"), None))?;
    if !output.status.success() {
        let how = match output.status.code() {
            Some(code) => format!("exited with {code}"),
            None => "was killed by a signal".to_string(),
        };
        return Err(auth(&source, format!("could not be had: the command {how}"), None));
    }
    String::from_utf8(output.stdout)
        .map_err(|_| auth(&source, "could not be had: the command printed no text".into(), None))
}

/// The region for a secret: its ARN's, else the environment's or the profile's, else us-east-1.
async fn region_for(id: &str) -> Region {
    match id.strip_prefix("arn:").and_then(|rest| rest.split(':').nth(2)).filter(|r| !r.is_empty()) {
        Some(region) => Region::new(region.to_string()),
        None => aws::region("us-east-1").await,
    }
}

async fn sdk_config(region: Region, source: &KeySource) -> Result<aws_config::SdkConfig> {
    let hint = format!("{}; the key's place is {}", aws::CREDENTIALS_HINT, source.describe());
    let credentials = aws::credentials(&region, &hint).await.map_err(|err| match err {
        Error::Auth { message, hint } => Error::Auth { message: format!("{}: {message}", source.describe()), hint },
        other => other,
    })?;
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_timeout(AWS_TIMEOUT)
        .build();
    Ok(aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(credentials)
        .timeout_config(timeouts)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2))
        .load()
        .await)
}

async fn secret(id: &str, json_key: Option<&str>) -> Result<String> {
    use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
    let source = KeySource::Secret { id: id.to_string(), json_key: json_key.map(str::to_string) };
    let region = region_for(id).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk_config(region.clone(), &source).await?);
    let answer = client.get_secret_value().secret_id(id).send().await.map_err(|err| {
        let said = said(err.code(), err.message());
        let hint = match err.code().unwrap_or_default() {
            "ResourceNotFoundException" => {
                format!("check the name or ARN, and the region ({region}; AWS_REGION or an ARN names another)")
            }
            _ => "the identity needs secretsmanager:GetSecretValue on the secret (and kms:Decrypt when a \
                  customer-managed key encrypts it)"
                .to_string(),
        };
        aws_error(&source, "AWS Secrets Manager", &region, err, said, hint)
    })?;
    let Some(text) = answer.secret_string() else {
        return Err(auth(&source, "could not be had: the secret is binary; store the key as a string".into(), None));
    };
    let Some(key) = json_key else { return Ok(text.to_string()) };
    let fields: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| auth(&source, "could not be had: the secret is not JSON, so it has no JSON key".into(), None))?;
    match fields.get(key) {
        Some(serde_json::Value::String(value)) => Ok(value.clone()),
        Some(_) => Err(auth(&source, format!("could not be had: its JSON key '{key}' is not a string"), None)),
        None => {
            let keys: Vec<&str> =
                fields.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
            let hint =
                format!("the secret's JSON keys: {}", if keys.is_empty() { "none".into() } else { keys.join(", ") });
            Err(auth(&source, format!("could not be had: the secret has no JSON key '{key}'"), Some(hint)))
        }
    }
}

async fn parameter(name: &str) -> Result<String> {
    use aws_sdk_ssm::error::ProvideErrorMetadata;
    let source = KeySource::Parameter { name: name.to_string() };
    let region = aws::region("us-east-1").await;
    let client = aws_sdk_ssm::Client::new(&sdk_config(region.clone(), &source).await?);
    let answer = client.get_parameter().name(name).with_decryption(true).send().await.map_err(|err| {
        let said = said(err.code(), err.message());
        let hint = match err.code().unwrap_or_default() {
            "ParameterNotFound" => format!("check the name (with its leading /) and the region ({region}; AWS_REGION)"),
            _ => {
                "the identity needs ssm:GetParameter on the parameter (and kms:Decrypt for a SecureString)".to_string()
            }
        };
        aws_error(&source, "SSM Parameter Store", &region, err, said, hint)
    })?;
    answer
        .parameter()
        .and_then(|p| p.value())
        .map(str::to_string)
        .ok_or_else(|| auth(&source, "could not be had: the parameter has no value".into(), None))
}

/// An AWS key source's failure: out of reach is exit 7; anything the service answered (not found, denied, a
/// signature it refused) is exit 5 with `hint`.
fn aws_error<E, R>(
    source: &KeySource,
    service: &str,
    region: &Region,
    err: SdkError<E, R>,
    said: Option<String>,
    hint: String,
) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            Error::provider(format!(
                "could not reach {service} in {region} for the API key ({}): {}",
                source.describe(),
                error_chain(&err)
            ))
        }
        _ => {
            let what = said.unwrap_or_else(|| error_chain(&err).to_string());
            auth(source, format!("could not be had: {service} answered {what}"), Some(hint))
        }
    }
}
