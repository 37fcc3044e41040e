//! Bedrock's cross-region inference profiles in the pipeline: what to offer, and what to send instead, when Bedrock
//! will not serve a bare model id on demand.
//!
//! Newer Bedrock models are served on demand only through an inference profile (`us.anthropic.claude-...`), and a
//! request by the bare id is refused. The Bedrock provider names the profile of the request's region in its
//! refusal ([`crate::Error::NotOnDemand`]); the gateway then sends the request once more to that profile, as the
//! catalogue describes it (its price) when the catalogue has it, else as the bare model under the profile's id,
//! unless the provider's settings say `"autoInferenceProfile": false`. The profile that answered is the reply's
//! model and the record's.

use super::Gateway;
use crate::config::{Model, Placement, Transport, profile};
use crate::error::Suggestion;
use std::borrow::Cow;

impl Gateway {
    /// The model to send to instead of `model`, which Bedrock refused on demand naming `profile_id`; `None` when
    /// the provider's settings turn this off, or `model` is a profile already.
    pub(super) fn profile_to_try<'a>(&'a self, model: &'a Model, profile_id: &str) -> Option<Cow<'a, Model>> {
        let settings = self.registry.provider(&model.provider)?;
        let Transport::Bedrock(bedrock) = &settings.transport else { return None };
        if !bedrock.auto_inference_profile || profile::split(&model.model_id).is_some() || profile_id == model.model_id
        {
            return None;
        }
        let known = self.registry.models().iter().find(|m| m.provider == model.provider && m.model_id == profile_id);
        if let Some(known) = known.filter(|m| m.is_ready()) {
            return Some(Cow::Borrowed(known));
        }
        let api = match &model.placement {
            Placement::Bedrock { api, .. } => *api,
            _ => None,
        };
        Some(Cow::Owned(Model {
            model_id: profile_id.to_string(),
            display_name: None,
            aliases: Vec::new(),
            fallbacks: Vec::new(),
            placement: Placement::Bedrock { arn: None, api },
            ..model.clone()
        }))
    }

    /// Catalogue entries that are cross-region inference profiles of `model` (`us.`, `eu.`, `apac.`, `global.` ...).
    pub(super) fn inference_profiles(&self, model: &Model) -> Vec<Suggestion> {
        self.registry
            .models()
            .iter()
            .filter(|m| m.provider == model.provider && m.is_ready())
            .filter(|m| profile::split(&m.model_id).is_some_and(|(_, routed)| routed == model.model_id))
            .map(|m| Suggestion {
                model: m.model_id.clone(),
                provider: m.provider.clone(),
                vendor: m.vendor.clone(),
                reason: "cross-region inference profile of the same model".into(),
            })
            .collect()
    }
}
