//! Bedrock's cross-region inference profiles, as far as llmgw needs to know them: the geography prefixes of their
//! ids (`us.anthropic.claude-...`), which prefix a region's requests use, and how a profile id splits into its
//! geography and the model id it routes.
//!
//! One table, [`GEOGRAPHIES`], serves the three places that need it: "did you mean" (which strips the prefix to
//! compare the part people remember), the gateway (which offers a catalogue's profiles of a bare id Bedrock refused
//! on demand), and the Bedrock provider (which names the profile for the request's region in that refusal).

/// One geography of inference profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geography {
    /// The id prefix, without its dot: `us`, `eu`, `apac`, ...
    pub prefix: &'static str,
    /// The region names (by prefix) whose requests use this geography by default; empty for profiles that are only
    /// chosen by name (`jp.`, `au.`: a country's within `apac`; `global.`: any region).
    pub regions: &'static [&'static str],
}

/// Every geography prefix Bedrock uses, most specific region match first (`us-gov-` before `us-`).
pub const GEOGRAPHIES: &[Geography] = &[
    Geography { prefix: "us-gov", regions: &["us-gov-"] },
    Geography { prefix: "us", regions: &["us-"] },
    Geography { prefix: "eu", regions: &["eu-"] },
    Geography { prefix: "apac", regions: &["ap-"] },
    Geography { prefix: "ca", regions: &["ca-"] },
    Geography { prefix: "jp", regions: &[] },
    Geography { prefix: "au", regions: &[] },
    Geography { prefix: "global", regions: &[] },
];

/// The geography prefix of a region's default profiles: us-east-1 -> `us`, eu-west-3 -> `eu`, ap-south-1 ->
/// `apac`, us-gov-west-1 -> `us-gov`; `us` for a region none of them names.
pub fn geography_of(region: &str) -> &'static str {
    GEOGRAPHIES.iter().find(|g| g.regions.iter().any(|r| region.starts_with(r))).map_or("us", |g| g.prefix)
}

/// `us.anthropic.claude-x` -> `("us", "anthropic.claude-x")`; `None` for an id without a geography prefix.
pub fn split(id: &str) -> Option<(&'static str, &str)> {
    GEOGRAPHIES.iter().find_map(|g| {
        let rest = id.strip_prefix(g.prefix)?.strip_prefix('.')?;
        (!rest.is_empty()).then_some((g.prefix, rest))
    })
}

/// The profile id of `model_id` for requests from `region`: `us.` + the id in us-east-1.
pub fn profile_for(region: &str, model_id: &str) -> String {
    format!("{}.{model_id}", geography_of(region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_uses_its_geography() {
        assert_eq!(geography_of("us-east-1"), "us");
        assert_eq!(geography_of("us-west-2"), "us");
        assert_eq!(geography_of("eu-central-1"), "eu");
        assert_eq!(geography_of("ap-northeast-1"), "apac");
        assert_eq!(geography_of("ca-central-1"), "ca");
        assert_eq!(geography_of("us-gov-west-1"), "us-gov");
        assert_eq!(geography_of("sa-east-1"), "us");
        assert_eq!(
            profile_for("eu-west-3", "anthropic.claude-3-haiku-20240307-v1:0"),
            "eu.anthropic.claude-3-haiku-20240307-v1:0"
        );
    }

    #[test]
    fn every_prefix_splits_and_a_bare_id_does_not() {
        for g in GEOGRAPHIES {
            let id = format!("{}.meta.llama3-3-70b-instruct-v1:0", g.prefix);
            assert_eq!(split(&id), Some((g.prefix, "meta.llama3-3-70b-instruct-v1:0")), "{id}");
        }
        assert_eq!(split("us-gov.anthropic.claude"), Some(("us-gov", "anthropic.claude")));
        assert_eq!(split("anthropic.claude-3-haiku-20240307-v1:0"), None);
        assert_eq!(split("usx.model"), None);
        assert_eq!(split("us."), None);
    }
}
