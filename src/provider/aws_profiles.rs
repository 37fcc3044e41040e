//! What the shared AWS files say about profiles, for one message: when `AWS_PROFILE` names a profile that is in
//! neither `~/.aws/config` nor `~/.aws/credentials`, the SDK only reports "no credentials", and a user who
//! mistyped the name is told to set the variable they already set. Reading the section headers is all it takes.

use std::path::PathBuf;

/// The profile `AWS_PROFILE` (else `AWS_DEFAULT_PROFILE`) selects, when it is in neither shared file, and the
/// profiles that are, sorted.
pub fn missing_profile() -> Option<(String, Vec<String>)> {
    let wanted = super::non_empty_env("AWS_PROFILE").or_else(|| super::non_empty_env("AWS_DEFAULT_PROFILE"))?;
    let mut known = Vec::new();
    for (path, config) in files() {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        known.extend(sections(&text, config));
    }
    known.sort();
    known.dedup();
    (!known.contains(&wanted)).then_some((wanted, known))
}

/// The two shared files, as the SDK finds them: `(path, is the config file)`.
fn files() -> Vec<(PathBuf, bool)> {
    let home = || std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".aws");
    let config = super::non_empty_env("AWS_CONFIG_FILE").map_or_else(|| home().join("config"), PathBuf::from);
    let credentials =
        super::non_empty_env("AWS_SHARED_CREDENTIALS_FILE").map_or_else(|| home().join("credentials"), PathBuf::from);
    vec![(config, true), (credentials, false)]
}

/// The profile names of one file's `[section]` headers: `[profile NAME]` or `[default]` in the config file (where
/// `[sso-session ...]` and `[services ...]` are not profiles), `[NAME]` in the credentials file.
fn sections(text: &str, config: bool) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix('[')?.split_once(']').map(|(inside, _)| inside.trim()))
        .filter_map(|inside| {
            if !config {
                return Some(inside.to_string());
            }
            match inside.split_once(char::is_whitespace) {
                Some(("profile", name)) => Some(name.trim().to_string()),
                None if inside == "default" => Some(inside.to_string()),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sections;

    #[test]
    fn section_headers_name_profiles_as_each_file_writes_them() {
        let config = "[default]\nregion=x\n[profile dev]\n[ profile  prod ]\n[sso-session corp]\n[services s]\n";
        assert_eq!(sections(config, true), ["default", "dev", "prod"]);
        assert_eq!(sections("[ci]\naws_access_key_id=A\n[default] ; note\n", false), ["ci", "default"]);
    }
}
