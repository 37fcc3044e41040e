//! Text-to-image through the gateway (`llmgw image`): the model resolved and checked (modality, size), the
//! provider asked, the images returned as PNG bytes, and the request recorded with its cost per image.

use super::attempt::{Attempt, Received};
use super::{Gateway, ModelChoice};
use crate::codec::images::{Drawn, ImageAsk};
use crate::config::Model;
use crate::error::Signal;
use crate::provider::Client;
use crate::store::recorder::RecordWarning;
use crate::types::{Response, Usage};
use crate::{Error, Result};
use std::future::Future;
use std::time::{Duration, Instant};

/// The modality of image models.
pub const IMAGE: &str = "text-to-image";
/// At most this many images a request.
pub const MAX_IMAGES: u32 = 10;

#[derive(Debug, Clone)]
pub struct ImageRequest {
    pub model: ModelChoice,
    pub provider: Option<String>,
    pub prompt: String,
    pub count: u32,
    /// `WIDTHxHEIGHT`; the model's first size when not given.
    pub size: Option<(u32, u32)>,
    pub seed: Option<u64>,
    pub negative: Option<String>,
    pub user: String,
    pub record: bool,
    pub timeout: Option<Duration>,
}

/// What came back: the images, and what the record says of them.
#[derive(Debug)]
pub struct Images {
    pub model: String,
    pub provider: String,
    pub vendor: String,
    pub width: u32,
    pub height: u32,
    pub drawn: Drawn,
    pub duration_ms: u64,
    pub request_id: String,
    pub cost_usd: Option<f64>,
}

#[derive(Debug)]
pub struct ImageOutcome {
    pub result: Result<Images>,
    pub warnings: Vec<RecordWarning>,
}

impl Gateway {
    pub async fn image(&self, req: &ImageRequest, cancel: impl Future<Output = Signal>) -> ImageOutcome {
        let mut attempt = Attempt::new(&req.user, "image", model_name(req), req.provider.as_deref());
        let result = tokio::select! {
            result = self.draw(req, &mut attempt) => result,
            signal = cancel => Err(Error::Interrupted(signal)),
        };
        let mut warnings = Vec::new();
        if req.record {
            let record = match &result {
                Ok(images) => {
                    let mut record = attempt.record(&Ok(response(images)), &Received::default());
                    record.cost_usd = images.cost_usd;
                    record.images = images.drawn.images.len() as u32;
                    record
                }
                Err(err) => {
                    // The record needs only the error's code.
                    let mut record = attempt.record(&Err(Error::Usage(String::new())), &Received::default());
                    record.error_code = Some(err.code().to_string());
                    record
                }
            };
            warnings.extend(self.record_quietly(&record));
        }
        ImageOutcome { result, warnings }
    }

    async fn draw<'a>(&'a self, req: &ImageRequest, attempt: &mut Attempt<'a>) -> Result<Images> {
        let model = self.image_model(req)?;
        attempt.model = Some(std::borrow::Cow::Borrowed(model));
        let (width, height) = self.image_size(model, req.size)?;
        if !(1..=MAX_IMAGES).contains(&req.count) {
            return Err(Error::Usage(format!("--count must be from 1 to {MAX_IMAGES}, got {}", req.count)));
        }
        let settings = self
            .registry
            .provider(&model.provider)
            .ok_or_else(|| Error::Internal(format!("model {} names provider {}", model.model_id, model.provider)))?;
        let client = Client::connect(settings).await?;
        let ask = ImageAsk {
            prompt: req.prompt.clone(),
            count: req.count,
            width,
            height,
            seed: req.seed,
            negative: req.negative.clone(),
        };
        let started = Instant::now();
        let drawn =
            client.draw(model, &ask, self.limits(model, req.timeout)).await.map_err(|e| self.explain(e, model))?;
        let cost_usd =
            model.pricing.as_ref().and_then(|p| p.image(width, height)).map(|each| each * drawn.images.len() as f64);
        Ok(Images {
            model: model.model_id.clone(),
            provider: model.provider.clone(),
            vendor: model.vendor.clone(),
            width,
            height,
            drawn,
            duration_ms: started.elapsed().as_millis() as u64,
            request_id: attempt.request_id.clone(),
            cost_usd,
        })
    }

    fn image_model(&self, req: &ImageRequest) -> Result<&Model> {
        let ModelChoice::Given(name) = &req.model else {
            let fitting: Vec<String> = self
                .registry
                .models()
                .iter()
                .filter(|m| m.modality == IMAGE && m.is_ready())
                .map(|m| m.model_id.clone())
                .collect();
            return Err(Error::Usage(format!("image needs a model: -m MODEL ({})", fitting.join(", "))));
        };
        let model = self.registry.resolve(name, req.provider.as_deref())?;
        if model.modality != IMAGE {
            let suggestions = self.registry.fitting(model, |m| m.modality == IMAGE);
            return Err(Error::Unsuitable {
                model: model.model_id.clone(),
                problem: format!("is a {} model; `image` needs a {IMAGE} model", model.modality),
                suggestions,
            });
        }
        Ok(model)
    }

    /// The size to draw: the one asked, if the model makes it, else the model's first.
    fn image_size(&self, model: &Model, asked: Option<(u32, u32)>) -> Result<(u32, u32)> {
        let sizes: Vec<(u32, u32)> = model.image_sizes.iter().filter_map(|s| crate::config::parse_size(s)).collect();
        match asked {
            None => Ok(sizes.first().copied().unwrap_or((1024, 1024))),
            Some(size) if sizes.is_empty() || sizes.contains(&size) => Ok(size),
            Some((w, h)) => {
                Err(Error::Usage(format!("--size {w}x{h}: {} makes {}", model.model_id, model.image_sizes.join(", "))))
            }
        }
    }
}

fn model_name(req: &ImageRequest) -> &str {
    match &req.model {
        ModelChoice::Given(name) | ModelChoice::FromEnv { name, .. } => name,
        ModelChoice::Default => "",
    }
}

/// A request record's view of the images (an image request has no text, no tokens).
fn response(images: &Images) -> Response {
    Response {
        model: images.model.clone(),
        provider: images.provider.clone(),
        vendor: images.vendor.clone(),
        content: String::new(),
        stop_reason: None,
        usage: Usage::default(),
        duration_ms: images.duration_ms,
        time_to_first_token_ms: None,
        conversation_id: None,
        request_id: images.request_id.clone(),
        cached: false,
        attempts: Vec::new(),
        attachments: 0,
    }
}
