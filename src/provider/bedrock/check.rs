//! `models status MODEL --check` on Bedrock: the control plane, not the runtime, so that nothing is generated.
//!
//! A model's foundation model (its id without an inference profile's geography prefix) is looked up with
//! `GetFoundationModelAvailability`, which says whether this account is authorized and entitled to it, whether its
//! agreement is accepted and whether the region offers it; an inference profile is also looked up with
//! `GetInferenceProfile`, which says whether the region has it. The control-plane client is built only here, from
//! the runtime's configuration (region, credentials, retries), and goes to `AWS_ENDPOINT_URL_BEDROCK` (else
//! `AWS_ENDPOINT_URL`) when set, as every AWS tool does; the runtime's `endpointUrl` is not the control plane's.

use super::{Bedrock, non_empty_env};
use crate::Result;
use crate::config::{Model, profile};
use crate::provider::Availability;
use aws_sdk_bedrock::types::{
    AgreementStatus, AuthorizationStatus, EntitlementAvailability, InferenceProfileStatus, RegionAvailability,
};

const CONTROL_ENDPOINT_VARS: [&str; 2] = ["AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL"];

impl Bedrock {
    pub async fn check(&self, model: &Model) -> Result<Availability> {
        let mut config = aws_sdk_bedrock::config::Builder::from(&self.config);
        config.set_endpoint_url(CONTROL_ENDPOINT_VARS.iter().find_map(|v| non_empty_env(v)));
        let control = aws_sdk_bedrock::Client::from_conf(config.build());

        let foundation = match profile::split(&model.model_id) {
            Some((_, routed)) => {
                let found = control
                    .get_inference_profile()
                    .inference_profile_identifier(&model.model_id)
                    .send()
                    .await
                    .map_err(|e| self.map_error(e, model))?;
                if *found.status() != InferenceProfileStatus::Active {
                    return Ok(Availability::no(format!(
                        "the inference profile {} is {} in {}",
                        model.model_id,
                        found.status().as_str(),
                        self.region
                    )));
                }
                routed
            }
            None => &model.model_id,
        };
        let availability = control
            .get_foundation_model_availability()
            .model_id(foundation)
            .send()
            .await
            .map_err(|e| self.map_error(e, model))?;
        let mut missing = Vec::new();
        if *availability.authorization_status() != AuthorizationStatus::Authorized {
            missing.push("this identity is not authorized to use it".to_string());
        }
        if *availability.entitlement_availability() != EntitlementAvailability::Available {
            missing.push("model access is not granted (request it in the Bedrock console)".to_string());
        }
        if let Some(agreement) = availability.agreement_availability()
            && *agreement.status() != AgreementStatus::Available
        {
            let why = agreement.error_message().map(|m| format!(": {m}")).unwrap_or_default();
            missing.push(format!("its agreement is {}{why}", agreement.status().as_str()));
        }
        if *availability.region_availability() != RegionAvailability::Available {
            missing.push(format!("it is not offered in {}", self.region));
        }
        Ok(match missing.is_empty() {
            true => Availability::yes(format!(
                "Bedrock in {}: authorized, entitled and offered{}",
                self.region,
                if foundation == model.model_id { String::new() } else { format!(" ({foundation} via the profile)") }
            )),
            false => Availability::no(format!("Bedrock in {}: {}", self.region, missing.join("; "))),
        })
    }
}
