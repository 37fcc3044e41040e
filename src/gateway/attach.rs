//! Attachments in the pipeline (`--attach`): a model takes an image or a document only when the catalogue says
//! so (`capabilities.inputTypes`), and within what its provider accepts in one request; both are checked before
//! anything is sent, each a usage error (exit 2) that says what would work.

use super::Gateway;
use crate::config::{Model, ProviderKind};
use crate::types::Attachment;
use crate::{Error, Result};

/// What one request may carry: the largest image and document, and how many of each.
struct Allowance {
    image_bytes: usize,
    images: usize,
    document_bytes: usize,
    documents: usize,
}

/// Bedrock's limits (Claude's Messages API and Converse alike); OpenAI's and Azure's image parts.
fn allowance(kind: ProviderKind) -> Allowance {
    match kind {
        ProviderKind::Bedrock => {
            Allowance { image_bytes: 3_750_000, images: 20, document_bytes: 4_500_000, documents: 5 }
        }
        _ => Allowance { image_bytes: 20_000_000, images: 50, document_bytes: 0, documents: 0 },
    }
}

impl Gateway {
    /// Whether `model` takes `attachments`, in kind and in size; the models that would, when not.
    pub(super) fn check_attachments(&self, model: &Model, attachments: &[Attachment]) -> Result<()> {
        if attachments.is_empty() {
            return Ok(());
        }
        for a in attachments {
            let kind = a.media.kind();
            if !model.input_types.iter().any(|t| t == kind) {
                let suggestions = self
                    .registry
                    .fitting(model, |m| m.modality == "text-to-text" && m.input_types.iter().any(|t| t == kind));
                return Err(Error::Unsuitable {
                    model: model.model_id.clone(),
                    problem: format!(
                        "takes no {kind} (its catalogue inputTypes); {} is one: use a model that takes {kind}s",
                        a.name
                    ),
                    suggestions,
                });
            }
        }
        let Some(provider) = self.registry.provider(&model.provider) else { return Ok(()) };
        let allowed = allowance(provider.kind());
        let (documents, images): (Vec<&Attachment>, Vec<&Attachment>) =
            attachments.iter().partition(|a| a.media.kind() == "document");
        for (list, most, bytes, word) in [
            (&images, allowed.images, allowed.image_bytes, "image"),
            (&documents, allowed.documents, allowed.document_bytes, "document"),
        ] {
            if list.len() > most {
                return Err(Error::Usage(format!(
                    "{} takes at most {most} {word}s a request, and {} were attached",
                    model.provider,
                    list.len()
                )));
            }
            if let Some(big) = list.iter().find(|a| a.bytes.len() > bytes) {
                return Err(Error::Usage(format!(
                    "{} is {:.1} MB; {} takes {word}s of at most {:.2} MB",
                    big.name,
                    big.bytes.len() as f64 / 1e6,
                    model.provider,
                    bytes as f64 / 1e6
                )));
            }
        }
        Ok(())
    }
}
