//! `models status MODEL --check` on OpenAI, Azure OpenAI and compatible servers: ask whether the model is there
//! without generating text.
//!
//! - `type: openai`: `GET {base}/models/{id}` (OpenAI's "retrieve model"). A compatible server that has no such
//!   route (llama.cpp, some vLLM builds) answers 404; then its `GET {base}/models` list is searched for the id.
//! - `type: azure`: Azure's data plane has no way to read a deployment any more (that API was retired in 2023), so
//!   the check posts a chat request with no messages to the deployment: Azure resolves the deployment and the key
//!   before it validates the body, so a deployment that exists answers 400 (nothing generated, nothing billed), one
//!   that does not answers 404 `DeploymentNotFound`, and a wrong key 401.

use super::{OpenAi, Shape, encode_component, url_for_humans};
use crate::codec::openai::error_message;
use crate::config::Model;
use crate::provider::{Availability, error_chain};
use crate::{Error, Result};

impl OpenAi {
    pub async fn check(&self, model: &Model) -> Result<Availability> {
        match &self.shape {
            Shape::OpenAi { base } => self.check_openai(base, model).await,
            Shape::Azure { .. } => self.check_azure(model).await,
        }
    }

    async fn check_openai(&self, base: &str, model: &Model) -> Result<Availability> {
        let url = format!("{base}/models/{}", encode_component(&model.model_id));
        let (status, body) = self.get(&url).await?;
        if (200..300).contains(&status) {
            return Ok(Availability::yes(format!("{} serves {} (GET /models/{0})", self.name, model.model_id)));
        }
        if status != 404 {
            return Err(self.checked(status, &body, model));
        }
        // No such model, or no such route: a compatible server's list says which.
        let (status, list) = self.get(&format!("{base}/models")).await?;
        if !(200..300).contains(&status) {
            let (message, _) = error_message(&body);
            return Ok(Availability::no(format!("{} does not serve {}: {message}", self.name, model.model_id)));
        }
        let listed: serde_json::Value = serde_json::from_slice(&list).unwrap_or_default();
        let ids: Vec<&str> = listed["data"].as_array().into_iter().flatten().filter_map(|m| m["id"].as_str()).collect();
        Ok(match ids.contains(&model.model_id.as_str()) {
            true => Availability::yes(format!("{} lists {} (GET /models)", self.name, model.model_id)),
            false => Availability::no(format!(
                "{} does not serve {} (its models: {})",
                self.name,
                model.model_id,
                if ids.is_empty() { "none listed".to_string() } else { ids.join(", ") }
            )),
        })
    }

    async fn check_azure(&self, model: &Model) -> Result<Availability> {
        let url = self.url(model);
        let sent = self.http.post(&url).headers(self.headers.clone()).body(r#"{"messages":[]}"#).send().await;
        let response = sent.map_err(|e| self.unreachable(&url, &e))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        let deployment = model.deployment();
        match status {
            200..300 | 400 | 422 => Ok(Availability::yes(format!(
                "{} has the deployment {deployment} (answered a request with no messages: nothing generated)",
                self.name
            ))),
            404 => {
                let (message, _) = error_message(&body);
                Ok(Availability::no(format!("{} has no deployment {deployment}: {message}", self.name)))
            }
            _ => Err(self.checked(status, &body, model)),
        }
    }

    /// GET `url` with the provider's headers: the status and the body.
    async fn get(&self, url: &str) -> Result<(u16, bytes::Bytes)> {
        let response =
            self.http.get(url).headers(self.headers.clone()).send().await.map_err(|e| self.unreachable(url, &e))?;
        if response.status().is_redirection() {
            return Err(self.redirected(&response));
        }
        let status = response.status().as_u16();
        Ok((status, response.bytes().await.unwrap_or_default()))
    }

    /// A check that failed for a reason of the provider's or the credentials'.
    fn checked(&self, status: u16, body: &[u8], model: &Model) -> Error {
        let (message, code) = error_message(body);
        self.classify(status, &code, message, model, None)
    }

    fn unreachable(&self, url: &str, e: &reqwest::Error) -> Error {
        Error::provider(format!("could not reach {} ({}): {}", self.name, url_for_humans(url), error_chain(e)))
    }
}
