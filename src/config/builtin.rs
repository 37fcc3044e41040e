//! The built-in catalogue: every file under `config/`, compiled into the binary.
//!
//! The list is written out by hand (no build script, no directory walk at startup); a test fails when a file on disk
//! is missing here or an entry here no longer exists on disk, so the two cannot drift apart.

/// `(path relative to config/, text)`, with `/` separators.
pub(super) const FILES: &[(&str, &str)] = &[
    ("providers.json", include_str!("../../config/providers.json")),
    ("providers/bedrock/settings.json", include_str!("../../config/providers/bedrock/settings.json")),
    ("providers/bedrock/models.json", include_str!("../../config/providers/bedrock/models.json")),
    ("providers/local/settings.json", include_str!("../../config/providers/local/settings.json")),
    ("providers/local/models.json", include_str!("../../config/providers/local/models.json")),
    ("providers/openai/settings.json", include_str!("../../config/providers/openai/settings.json")),
    ("providers/openai/models.json", include_str!("../../config/providers/openai/models.json")),
    ("providers/azure/settings.json", include_str!("../../config/providers/azure/settings.json")),
    ("providers/azure/models.json", include_str!("../../config/providers/azure/models.json")),
    ("vendors/amazon.json", include_str!("../../config/vendors/amazon.json")),
    ("vendors/anthropic.json", include_str!("../../config/vendors/anthropic.json")),
    ("vendors/cohere.json", include_str!("../../config/vendors/cohere.json")),
    ("vendors/local.json", include_str!("../../config/vendors/local.json")),
    ("vendors/meta.json", include_str!("../../config/vendors/meta.json")),
    ("vendors/mistral.json", include_str!("../../config/vendors/mistral.json")),
    ("vendors/openai.json", include_str!("../../config/vendors/openai.json")),
    ("vendors/stability.json", include_str!("../../config/vendors/stability.json")),
    ("modalities/text-to-text.json", include_str!("../../config/modalities/text-to-text.json")),
    ("modalities/text-to-embedding.json", include_str!("../../config/modalities/text-to-embedding.json")),
    ("modalities/text-to-image.json", include_str!("../../config/modalities/text-to-image.json")),
    ("system/defaults.json", include_str!("../../config/system/defaults.json")),
];

#[cfg(test)]
mod tests {
    use super::FILES;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.insert(rel.components().map(|c| c.as_os_str().to_str().unwrap()).collect::<Vec<_>>().join("/"));
            }
        }
    }

    #[test]
    fn every_file_under_config_is_compiled_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let mut on_disk = BTreeSet::new();
        walk(&root, &root, &mut on_disk);
        let listed: BTreeSet<String> = FILES.iter().map(|(path, _)| path.to_string()).collect();
        assert_eq!(listed.len(), FILES.len(), "a file is listed twice in builtin::FILES");
        let missing: Vec<_> = on_disk.difference(&listed).collect();
        assert!(missing.is_empty(), "add these files to src/config/builtin.rs FILES: {missing:?}");
        let stale: Vec<_> = listed.difference(&on_disk).collect();
        assert!(stale.is_empty(), "these builtin::FILES entries are not under config/: {stale:?}");
    }

    #[test]
    fn compiled_text_matches_the_file_on_disk() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        for (path, text) in FILES {
            assert_eq!(std::fs::read_to_string(root.join(path)).unwrap(), *text, "{path}");
        }
    }
}
