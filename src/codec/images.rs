//! Text-to-image bodies, one family each:
//!
//! - OpenAI Images (`POST /images/generations`: OpenAI, Azure): `{"model","prompt","n","size"}` (and
//!   `"response_format": "b64_json"` for the DALL·E models, which otherwise answer with URLs); `data[].b64_json` back.
//! - Amazon Nova Canvas and Titan Image Generator v2 (Bedrock): `{"taskType": "TEXT_IMAGE", "textToImageParams",
//!   "imageGenerationConfig"}`; `{"images": [base64], "error"}` back.
//! - Stability on Bedrock (Stable Image Core/Ultra, SD3.5): `{"prompt","aspect_ratio","seed","output_format"}`; one
//!   image per call; `{"images","seeds","finish_reasons"}` back, a non-null finish reason being a filter's refusal.
//!
//! Every family's images are decoded from base64 here and must be PNG; a content filter's refusal is a usage error
//! (exit 2) with the provider's reason.

use crate::{Error, Result};
use base64::Engine;
use serde_json::{Value, json};

/// Which body a text-to-image model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFamily {
    OpenAi,
    Amazon,
    Stability,
}

impl ImageFamily {
    /// The family of a model, by provider type and id; `None` for one llmgw has no body for.
    pub fn of(bedrock: bool, model_id: &str) -> Option<ImageFamily> {
        match bedrock {
            false => Some(ImageFamily::OpenAi),
            true if model_id.starts_with("amazon.nova-canvas") || model_id.starts_with("amazon.titan-image") => {
                Some(ImageFamily::Amazon)
            }
            true if model_id.starts_with("stability.") => Some(ImageFamily::Stability),
            true => None,
        }
    }
}

/// What to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageAsk {
    pub prompt: String,
    pub count: u32,
    pub width: u32,
    pub height: u32,
    pub seed: Option<u64>,
    pub negative: Option<String>,
}

/// Images as PNG bytes, each with the seed it was made from when the provider says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drawn {
    pub images: Vec<(Vec<u8>, Option<u64>)>,
}

fn png(b64: &str) -> Result<Vec<u8>> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| Error::provider(format!("an image in the reply is not base64: {e}")))?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(Error::provider("an image in the reply is not a PNG".to_string()));
    }
    Ok(bytes)
}

pub fn openai_body(model_id: &str, ask: &ImageAsk) -> Vec<u8> {
    let mut body = json!({
        "model": model_id, "prompt": ask.prompt, "n": ask.count, "size": format!("{}x{}", ask.width, ask.height),
    });
    if model_id.starts_with("dall-e") {
        body["response_format"] = json!("b64_json");
    } else if model_id.starts_with("gpt-image") {
        // The quality the catalogue's price is for (its default, "auto", could cost four times as much).
        body["quality"] = json!("medium");
    }
    body.to_string().into_bytes()
}

pub fn openai_decode(body: &[u8]) -> Result<Drawn> {
    let reply: Value =
        serde_json::from_slice(body).map_err(|e| Error::provider(format!("the image reply could not be read: {e}")))?;
    let data = reply["data"].as_array().ok_or_else(|| Error::provider("the image reply has no data".to_string()))?;
    let images = data
        .iter()
        .map(|d| {
            let b64 = d["b64_json"]
                .as_str()
                .ok_or_else(|| Error::provider("an image came as a URL, not b64_json".to_string()))?;
            Ok((png(b64)?, None))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Drawn { images })
}

pub fn amazon_body(ask: &ImageAsk) -> Vec<u8> {
    let mut text = json!({ "text": ask.prompt });
    if let Some(negative) = &ask.negative {
        text["negativeText"] = json!(negative);
    }
    let mut config = json!({
        "numberOfImages": ask.count, "width": ask.width, "height": ask.height, "quality": "standard", "cfgScale": 6.5,
    });
    if let Some(seed) = ask.seed {
        config["seed"] = json!(seed);
    }
    json!({ "taskType": "TEXT_IMAGE", "textToImageParams": text, "imageGenerationConfig": config })
        .to_string()
        .into_bytes()
}

pub fn amazon_decode(body: &[u8], seed: Option<u64>) -> Result<Drawn> {
    let reply: Value =
        serde_json::from_slice(body).map_err(|e| Error::provider(format!("the image reply could not be read: {e}")))?;
    if let Some(error) = reply["error"].as_str().filter(|e| !e.is_empty()) {
        return Err(Error::Usage(format!("Bedrock refused to draw it: {error}")));
    }
    let images =
        reply["images"].as_array().ok_or_else(|| Error::provider("the image reply has no images".to_string()))?;
    let images = images.iter().map(|i| Ok((png(i.as_str().unwrap_or_default())?, seed))).collect::<Result<Vec<_>>>()?;
    Ok(Drawn { images })
}

/// Stability's aspect ratios, and the sizes llmgw names them by.
pub const STABILITY_SIZES: [(&str, u32, u32); 9] = [
    ("1:1", 1024, 1024),
    ("16:9", 1344, 768),
    ("9:16", 768, 1344),
    ("3:2", 1216, 832),
    ("2:3", 832, 1216),
    ("4:5", 896, 1088),
    ("5:4", 1088, 896),
    ("21:9", 1536, 640),
    ("9:21", 640, 1536),
];

pub fn stability_body(ask: &ImageAsk) -> Vec<u8> {
    let ratio =
        STABILITY_SIZES.iter().find(|(_, w, h)| *w == ask.width && *h == ask.height).map_or("1:1", |(r, _, _)| r);
    let mut body = json!({ "prompt": ask.prompt, "aspect_ratio": ratio, "output_format": "png" });
    if let Some(seed) = ask.seed {
        body["seed"] = json!(seed);
    }
    if let Some(negative) = &ask.negative {
        body["negative_prompt"] = json!(negative);
    }
    body.to_string().into_bytes()
}

pub fn stability_decode(body: &[u8]) -> Result<Drawn> {
    let reply: Value =
        serde_json::from_slice(body).map_err(|e| Error::provider(format!("the image reply could not be read: {e}")))?;
    if let Some(reason) = reply["finish_reasons"].as_array().and_then(|r| r.iter().find_map(Value::as_str)) {
        return Err(Error::Usage(format!("Stability refused to draw it: {reason}")));
    }
    let images =
        reply["images"].as_array().ok_or_else(|| Error::provider("the image reply has no images".to_string()))?;
    let seeds = reply["seeds"].as_array();
    let images = images
        .iter()
        .enumerate()
        .map(|(i, b64)| Ok((png(b64.as_str().unwrap_or_default())?, seeds.and_then(|s| s.get(i)?.as_u64()))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Drawn { images })
}

/// The width and height of a PNG, from its header.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY_PNG: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    fn ask() -> ImageAsk {
        ImageAsk {
            prompt: "a fox".into(),
            count: 2,
            width: 1024,
            height: 1024,
            seed: Some(7),
            negative: Some("blur".into()),
        }
    }

    #[test]
    fn each_family_has_its_body() {
        let openai: Value = serde_json::from_slice(&openai_body("dall-e-3", &ask())).unwrap();
        assert_eq!(
            openai,
            json!({"model": "dall-e-3", "prompt": "a fox", "n": 2, "size": "1024x1024", "response_format": "b64_json"})
        );
        let gpt: Value = serde_json::from_slice(&openai_body("gpt-image-1", &ask())).unwrap();
        assert!(gpt.get("response_format").is_none(), "gpt-image-1 always answers in base64 and refuses the field");
        let amazon: Value = serde_json::from_slice(&amazon_body(&ask())).unwrap();
        assert_eq!(amazon["taskType"], "TEXT_IMAGE");
        assert_eq!(amazon["textToImageParams"], json!({"text": "a fox", "negativeText": "blur"}));
        assert_eq!(
            (&amazon["imageGenerationConfig"]["numberOfImages"], &amazon["imageGenerationConfig"]["seed"]),
            (&json!(2), &json!(7))
        );
        let stability: Value =
            serde_json::from_slice(&stability_body(&ImageAsk { width: 1344, height: 768, ..ask() })).unwrap();
        assert_eq!(
            stability,
            json!({"prompt": "a fox", "aspect_ratio": "16:9", "output_format": "png", "seed": 7, "negative_prompt": "blur"})
        );
    }

    #[test]
    fn replies_decode_to_png_and_refusals_are_usage_errors() {
        let drawn = openai_decode(json!({"data": [{"b64_json": TINY_PNG}]}).to_string().as_bytes()).unwrap();
        assert_eq!(png_size(&drawn.images[0].0), Some((1, 1)));
        let drawn = stability_decode(
            json!({"images": [TINY_PNG], "seeds": [42], "finish_reasons": [null]}).to_string().as_bytes(),
        )
        .unwrap();
        assert_eq!(drawn.images[0].1, Some(42));
        let refused = stability_decode(
            json!({"images": [], "seeds": [], "finish_reasons": ["Filter reason: prompt"]}).to_string().as_bytes(),
        );
        assert!(matches!(refused, Err(Error::Usage(m)) if m.contains("Filter reason: prompt")));
        let refused =
            amazon_decode(json!({"images": [], "error": "blocked by content filters"}).to_string().as_bytes(), None);
        assert!(matches!(refused, Err(Error::Usage(m)) if m.contains("content filters")));
        assert!(
            openai_decode(json!({"data": [{"b64_json": "aGVsbG8="}]}).to_string().as_bytes()).is_err(),
            "not a PNG"
        );
    }
}
