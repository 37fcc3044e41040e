//! Text-to-image on Bedrock through InvokeModel, with the family's body ([`crate::codec::images`]): Amazon Nova
//! Canvas and Titan Image Generator v2 draw up to five images a call; Stability draws one a call, so `count` images
//! are `count` calls (each with the next seed, when a seed was given).

use super::Bedrock;
use crate::codec::images::{self as bodies, Drawn, ImageAsk, ImageFamily};
use crate::config::Model;
use crate::provider::{Limits, Wait, timed_out};
use crate::{Error, Result};

impl Bedrock {
    pub async fn draw(&self, model: &Model, ask: &ImageAsk, limits: Limits) -> Result<Drawn> {
        let family = ImageFamily::of(true, &model.model_id)
            .ok_or_else(|| Error::Usage(format!("llmgw has no image body for the Bedrock model {}", model.model_id)))?;
        let work = async {
            match family {
                ImageFamily::Stability => {
                    let mut drawn = Drawn::default();
                    for n in 0..ask.count {
                        let one = ImageAsk { count: 1, seed: ask.seed.map(|s| s + u64::from(n)), ..ask.clone() };
                        let body = self.invoke(model, bodies::stability_body(&one)).await?;
                        drawn.images.extend(bodies::stability_decode(&body)?.images);
                    }
                    Ok(drawn)
                }
                _ => {
                    let body = self.invoke(model, bodies::amazon_body(ask)).await?;
                    bodies::amazon_decode(&body, ask.seed)
                }
            }
        };
        tokio::time::timeout(limits.timeout, work)
            .await
            .map_err(|_| timed_out(&self.name, limits.timeout, Wait::Reply))?
    }
}
