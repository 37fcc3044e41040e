//! What every AWS client of llmgw shares: the region and the credentials, found the way every AWS tool finds them,
//! with llmgw's rules on top. Bedrock's runtime and control plane use it, and so do the key sources in AWS Secrets
//! Manager and SSM Parameter Store ([`super::keys`]).
//!
//! - The region comes from the environment, then the profile, then the caller's fallback; never from instance
//!   metadata.
//! - Credentials come from the SDK's default chain, with instance metadata asked once and briefly, so a machine
//!   without AWS fails in milliseconds instead of the SDK's multi-second probing. A failure is an [`Error::Auth`]
//!   that says where it looked and what to do, and names a missing `AWS_PROFILE`.

use super::error_chain;
use crate::{Error, Result};
use aws_config::Region;
use aws_config::meta::region::RegionProviderChain;
use aws_credential_types::Credentials;
use aws_sdk_bedrockruntime::config::ProvideCredentials;
use std::time::Duration;

pub const CREDENTIALS_HINT: &str = "set AWS_PROFILE (after `aws sso login` or `aws configure`), AWS_ACCESS_KEY_ID \
     and AWS_SECRET_ACCESS_KEY, or a Bedrock API key in AWS_BEARER_TOKEN_BEDROCK";

/// The region: the environment's, else the profile's, else `fallback`.
pub async fn region(fallback: &str) -> Region {
    RegionProviderChain::first_try(aws_config::environment::EnvironmentVariableRegionProvider::new())
        .or_else(aws_config::profile::ProfileFileRegionProvider::builder().build())
        .or_else(Region::new(fallback.to_string()))
        .region()
        .await
        .expect("the chain ends with a fixed region")
}

/// Credentials from the default chain for `region`; `hint` is added to the "none found" error (what else to try).
pub async fn credentials(region: &Region, hint: &str) -> Result<Credentials> {
    let imds = aws_config::imds::Client::builder()
        .connect_timeout(Duration::from_millis(200))
        .read_timeout(Duration::from_millis(500))
        .max_attempts(1)
        .build();
    let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
        .region(region.clone())
        .imds_client(imds)
        .build()
        .await;
    match tokio::time::timeout(Duration::from_secs(10), chain.provide_credentials()).await {
        Ok(Ok(credentials)) => Ok(credentials),
        Ok(Err(_)) if let Some((profile, known)) = super::aws_profiles::missing_profile() => {
            let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            Err(Error::Auth {
                message: format!(
                    "the AWS profile '{profile}' (AWS_PROFILE) does not exist in the shared config or credentials file"
                ),
                hint: Some(format!(
                    "profiles there: {known}. Fix the name, or create it with `aws configure --profile {profile}` \
                     (or `aws configure sso`)"
                )),
            })
        }
        Ok(Err(aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_))) => Err(Error::Auth {
            message: "no AWS credentials found (looked in the environment, the shared config and credentials files, \
                      web identity, the container and instance metadata)"
                .into(),
            hint: Some(hint.to_string()),
        }),
        Ok(Err(err)) => Err(Error::Auth {
            message: format!("could not load AWS credentials: {}", error_chain(&err)),
            hint: Some(CREDENTIALS_HINT.into()),
        }),
        Err(_) => Err(Error::Auth {
            message: "timed out resolving AWS credentials".into(),
            hint: Some(CREDENTIALS_HINT.into()),
        }),
    }
}
