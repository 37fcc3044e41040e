//! Where a catalogue's files come from: one layer (a directory, or the built-in copy compiled into the binary), or
//! a directory laid over the built-in copy (`"base": "builtin"` in its `providers.json`).
//!
//! Everything past "give me the files of this folder" is shared by both, so a user's directory and the built-in
//! catalogue are parsed and validated by the same code. Layering works by whole files and whole provider folders:
//! a provider folder in the upper layer replaces the built-in folder of that name (its settings and models belong
//! together: models name a transport's fields), a vendor or modality file replaces the one of the same name, and
//! `system/` files are read lower layer first so that the upper layer's keys override. Each [`File`] remembers its
//! real path, so that an error always names the file to fix, in whichever layer it is.

use super::builtin;
use crate::Result;
use crate::error::Error;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// One layer of files: the built-in copy, or a directory.
#[derive(Debug, Clone, Copy)]
pub(super) enum Layer<'a> {
    Builtin,
    Dir(&'a Path),
}

/// The layers of one catalogue, the lowest first: `[Dir]`, `[Builtin]`, or `[Builtin, Dir]` for an overlay.
pub(super) struct Source<'a> {
    layers: Vec<Layer<'a>>,
}

/// The largest configuration file llmgw reads: a catalogue of 10,000 models is about 3 MB. A bigger one is a
/// mistake (a link to `/dev/zero`, a log file), read no further.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The extensions a configuration file may have, in the order they are tried.
const EXTENSIONS: [&str; 3] = ["json", "yaml", "yml"];

/// One configuration file: its path relative to its root, the path to name in messages, its layer, and its text.
pub(super) struct File {
    pub rel: String,
    pub path: PathBuf,
    pub layer: usize,
    pub text: Cow<'static, str>,
}

impl File {
    /// The file name without directory and extension: `vendors/meta.json` -> `meta`.
    pub fn stem(&self) -> &str {
        let name = self.rel.rsplit('/').next().unwrap_or(&self.rel);
        name.rsplit_once('.').map_or(name, |(stem, _)| stem)
    }
}

impl Layer<'_> {
    /// The path shown in errors: the real path for a directory, `<built-in>/...` for the built-in copy.
    fn display_path(&self, rel: &str) -> PathBuf {
        match self {
            Layer::Builtin => Path::new("<built-in>").join(rel),
            Layer::Dir(dir) => dir.join(rel),
        }
    }

    fn read(&self, rel: &str) -> Result<Option<Cow<'static, str>>> {
        match self {
            Layer::Builtin => {
                Ok(builtin::FILES.iter().find(|(path, _)| *path == rel).map(|(_, text)| Cow::Borrowed(*text)))
            }
            Layer::Dir(dir) => match crate::files::read_bounded(&dir.join(rel), MAX_FILE_BYTES) {
                Ok(text) => Ok(text.map(Cow::Owned)),
                Err(err) => Err(Error::config(self.display_path(rel), "cannot read", err.to_string())),
            },
        }
    }

    /// Whether this layer holds the folder `rel` (a provider's).
    fn has_dir(&self, rel: &str) -> bool {
        match self {
            Layer::Builtin => {
                builtin::FILES.iter().any(|(path, _)| path.strip_prefix(rel).is_some_and(|r| r.starts_with('/')))
            }
            Layer::Dir(dir) => dir.join(rel).is_dir(),
        }
    }

    /// `stem.json`, `stem.yaml` or `stem.yml`: the first that exists.
    fn find(&self, stem: &str, layer: usize) -> Result<Option<File>> {
        for ext in EXTENSIONS {
            let rel = format!("{stem}.{ext}");
            if let Some(text) = self.read(&rel)? {
                return Ok(Some(File { path: self.display_path(&rel), rel, layer, text }));
            }
        }
        Ok(None)
    }

    /// The configuration files directly inside `dir`, sorted by name. A missing directory has none.
    fn list(&self, dir: &str, layer: usize) -> Result<Vec<File>> {
        let mut names: Vec<String> = match self {
            Layer::Builtin => builtin::FILES
                .iter()
                .filter_map(|(path, _)| path.strip_prefix(dir)?.strip_prefix('/'))
                .filter(|name| !name.contains('/'))
                .map(str::to_string)
                .collect(),
            Layer::Dir(root) => match std::fs::read_dir(root.join(dir)) {
                Ok(entries) => entries
                    .filter_map(|entry| entry.ok())
                    .filter(|entry| entry.file_type().is_ok_and(|t| !t.is_dir()))
                    .filter_map(|entry| entry.file_name().into_string().ok())
                    .collect(),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(err) => return Err(Error::config(self.display_path(dir), "cannot read", err.to_string())),
            },
        };
        names.retain(|name| {
            !name.starts_with('.') && name.rsplit_once('.').is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
        });
        names.sort();
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            let rel = format!("{dir}/{name}");
            // A file that vanished between listing and reading is simply not there.
            if let Some(text) = self.read(&rel)? {
                files.push(File { path: self.display_path(&rel), rel, layer, text });
            }
        }
        Ok(files)
    }
}

impl<'a> Source<'a> {
    pub fn new(layers: Vec<Layer<'a>>) -> Source<'a> {
        Source { layers }
    }

    fn top(&self) -> (usize, &Layer<'a>) {
        let at = self.layers.len() - 1;
        (at, &self.layers[at])
    }

    /// `built-in`, a directory, or `DIR over built-in`: for `-v`.
    pub fn describe(&self) -> String {
        let names: Vec<String> = self
            .layers
            .iter()
            .rev()
            .map(|l| match l {
                Layer::Builtin => "built-in".to_string(),
                Layer::Dir(dir) => dir.display().to_string(),
            })
            .collect();
        names.join(" over ")
    }

    /// The path of `rel` in the top layer, for an error about a file that is missing.
    pub fn display_path(&self, rel: &str) -> PathBuf {
        self.top().1.display_path(rel)
    }

    /// `stem` (`providers`) in each layer that has it, lowest first.
    pub fn find_each(&self, stem: &str) -> Result<Vec<File>> {
        let mut found = Vec::new();
        for (at, layer) in self.layers.iter().enumerate() {
            found.extend(layer.find(stem, at)?);
        }
        Ok(found)
    }

    /// A file of provider `name`'s folder, from the topmost layer that holds the folder (a folder replaces the one
    /// below it whole); the top layer when none does, so that "missing" names the user's path.
    pub fn find_provider_file(&self, name: &str, stem: &str) -> Result<Option<File>> {
        let folder = format!("providers/{name}");
        let (at, layer) = self
            .layers
            .iter()
            .enumerate()
            .rev()
            .find(|(_, layer)| layer.has_dir(&folder))
            .unwrap_or_else(|| self.top());
        layer.find(&format!("{folder}/{stem}"), at)
    }

    /// The files of `dir` (vendors, modalities) where a higher layer's file replaces every lower one of the same
    /// name; sorted by name, files of one layer that share a name (`v.json`, `v.yaml`) side by side.
    pub fn list_replacing(&self, dir: &str) -> Result<Vec<File>> {
        let mut files: Vec<File> = Vec::new();
        for (at, layer) in self.layers.iter().enumerate() {
            let upper = layer.list(dir, at)?;
            files.retain(|lower| !upper.iter().any(|u| u.stem() == lower.stem()));
            files.extend(upper);
        }
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        Ok(files)
    }

    /// The files of `dir` (system) of every layer, lowest layer first, so that what is read later overrides.
    pub fn list_all(&self, dir: &str) -> Result<Vec<File>> {
        let mut files = Vec::new();
        for (at, layer) in self.layers.iter().enumerate() {
            files.extend(layer.list(dir, at)?);
        }
        Ok(files)
    }

    /// Deserialize `file` by its extension, reporting the field path and line of any error.
    pub fn parse<T: DeserializeOwned>(&self, file: &File) -> Result<T> {
        let path = file.path.clone();
        if file.rel.ends_with(".json") {
            let mut de = serde_json::Deserializer::from_str(&file.text);
            let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
                let inner = err.inner();
                parse_error(path.clone(), Some(err.path()), Some((inner.line(), inner.column())), inner.to_string())
            })?;
            de.end().map_err(|err| parse_error(path, None, Some((err.line(), err.column())), err.to_string()))?;
            Ok(value)
        } else {
            let de = serde_yaml::Deserializer::from_str(&file.text);
            serde_path_to_error::deserialize(de).map_err(|err| {
                let inner = err.inner();
                let line_col = inner.location().map(|l| (l.line(), l.column()));
                parse_error(path, Some(err.path()), line_col, inner.to_string())
            })
        }
    }

    /// An error about a field of `file` found after parsing (no line number is known then).
    pub fn error(&self, file: &File, field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::config(file.path.clone(), field, message)
    }
}

/// A parser's error as [`Error::Config`]: location `field.path (line L, column C)`, the message without the
/// position the parser appended to it.
fn parse_error(
    file: PathBuf,
    path: Option<&serde_path_to_error::Path>,
    line_col: Option<(usize, usize)>,
    message: String,
) -> Error {
    let field = path.map(|p| p.to_string()).filter(|p| p != ".");
    let mut message = strip_position(&message);
    // serde_yaml starts some messages with its own (shorter) path: `vendors[0].models[0]: invalid type ...`.
    if let Some((head, rest)) = message.split_once(": ")
        && field.as_deref().is_some_and(|f| f.starts_with(head))
    {
        message = rest;
    }
    let at = line_col.filter(|(line, _)| *line > 0).map(|(line, column)| format!("line {line}, column {column}"));
    let location = match (field, at) {
        (Some(field), Some(at)) => format!("{field} ({at})"),
        (Some(field), None) => field,
        (None, Some(at)) => at,
        (None, None) => "(whole file)".to_string(),
    };
    Error::config(file, location, message)
}

/// `invalid type: ... at line 3 column 7` -> `invalid type: ...` (serde_json and serde_yaml both append this).
fn strip_position(message: &str) -> &str {
    if let Some(i) = message.rfind(" at line ") {
        let tail = &message[i + " at line ".len()..];
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if tail.split_once(" column ").is_some_and(|(line, column)| numeric(line) && numeric(column)) {
            return &message[..i];
        }
    }
    message
}
