//! Opening the files llmgw keeps and reads, where someone (or something) else may have put something other than a
//! file: a symbolic link to another file, a FIFO (opening it waits for a writer, reading it never ends), a device
//! (`/dev/zero` reads forever).
//!
//! - The files llmgw keeps (the database and its spool) are regular files, created owner-only, and never reached
//!   through a symbolic link: a link there would make llmgw write into, or take records from, another file.
//! - The files llmgw reads (configuration) may be links (dotfile managers make them), but must end at a regular file
//!   of bounded size.
//!
//! Every open that could meet a FIFO uses `O_NONBLOCK`, so it returns at once and the file's kind is checked on the
//! open descriptor (no window between checking a path and opening it).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Why a path is not a file llmgw will use: its kind, in words ("a FIFO"), or a link where none may be.
fn refusal(what: &str) -> io::Error {
    if what == LINK {
        io::Error::other(
            "it is a symbolic link, and llmgw does not follow links to the files it keeps (give the real path)",
        )
    } else {
        io::Error::other(format!("it is {what}, not a regular file"))
    }
}

const LINK: &str = "a symbolic link";

/// The kind of a file that is not regular, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        LINK
    } else {
        "not a regular file"
    }
}

/// `file` if it is a regular file, else an error saying what it is.
fn regular(file: File) -> io::Result<File> {
    let meta = file.metadata()?;
    if meta.is_file() { Ok(file) } else { Err(refusal(kind_of(&meta))) }
}

/// The errors `open` gives for what [`kept`] refuses, in words: a link it was told not to follow, and a FIFO
/// without a reader opened for writing without waiting.
fn explain_open(err: io::Error) -> io::Error {
    #[cfg(unix)]
    match err.raw_os_error() {
        Some(libc::ELOOP) => return refusal(LINK),
        Some(libc::ENXIO) => return refusal("a FIFO"),
        _ => {}
    }
    err
}

#[cfg(unix)]
fn kept(options: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
}

#[cfg(not(unix))]
fn kept(options: &mut OpenOptions) -> &mut OpenOptions {
    options
}

/// Open a file llmgw keeps for appending, creating it owner-only when missing.
pub fn append_kept(path: &Path) -> io::Result<File> {
    kept(OpenOptions::new().append(true).create(true)).open(path).map_err(explain_open).and_then(regular)
}

/// Open a file llmgw keeps for reading. A missing file is `Ok(None)`.
pub fn read_kept(path: &Path) -> io::Result<Option<File>> {
    match kept(OpenOptions::new().read(true)).open(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        other => other.map_err(explain_open).and_then(regular).map(Some),
    }
}

/// Make sure `path` is a regular file llmgw may keep, creating it empty and owner-only when missing. For files
/// another library opens by name (SQLite): what it then finds there is a file this check let through.
pub fn ensure_kept(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => Err(refusal(kind_of(&meta))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            match kept(OpenOptions::new().write(true).create_new(true)).open(path) {
                // Another process made it in the meantime: check what it made.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => ensure_existing(path),
                other => other.map(drop).map_err(explain_open),
            }
        }
        Err(err) => Err(err),
    }
}

fn ensure_existing(path: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_file() { Ok(()) } else { Err(refusal(kind_of(&meta))) }
}

/// Whether `path` is, right now, something llmgw would refuse to keep (a link, a FIFO, ...): for a path llmgw is
/// about to rename or list rather than open.
pub fn check_kept(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.is_file() => Err(refusal(kind_of(&meta))),
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// Why a file llmgw reads could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// It is a FIFO, a device, a directory...
    NotRegular(&'static str),
    TooLarge {
        limit: u64,
    },
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            ReadError::TooLarge { limit } => write!(f, "it is larger than {} MB", limit / (1024 * 1024)),
            ReadError::Io(err) => write!(f, "{err}"),
        }
    }
}

/// The text of a regular file (links followed) of at most `limit` bytes. A missing file is `Ok(None)`.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Option<String>, ReadError> {
    let Some(bytes) = read_bytes_bounded(path, limit)? else { return Ok(None) };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| ReadError::Io(io::Error::new(io::ErrorKind::InvalidData, "it is not valid UTF-8")))
}

/// The bytes of a regular file (links followed) of at most `limit` bytes (an attachment). A missing file is
/// `Ok(None)`.
pub fn read_bytes_bounded(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(ReadError::Io(err)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    // The file may grow while it is read: never take more than the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(Some(bytes))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn fifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn kept_files_are_created_owner_only_and_refuse_links_fifos_and_directories() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("made");
        ensure_kept(&made).unwrap();
        append_kept(&dir.path().join("appended")).unwrap();
        for path in [made, dir.path().join("appended")] {
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{path:?}");
        }

        let target = dir.path().join("target");
        std::fs::write(&target, "x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let pipe = dir.path().join("fifo");
        fifo(&pipe);
        for (path, what) in [(&link, "symbolic link"), (&dangling, "symbolic link"), (&pipe, "FIFO")] {
            for err in [append_kept(path).err(), read_kept(path).err(), ensure_kept(path).err(), check_kept(path).err()]
            {
                let err = err.unwrap_or_else(|| panic!("{path:?} was accepted"));
                assert!(err.to_string().contains(what), "{path:?}: {err}");
            }
        }
        assert!(ensure_kept(dir.path()).unwrap_err().to_string().contains("directory"));
        assert!(!dir.path().join("nowhere").exists(), "a dangling link's target was created");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "x");
    }

    #[test]
    fn read_bounded_follows_links_to_regular_files_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.json");
        std::fs::write(&file, "{}").unwrap();
        let link = dir.path().join("l.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_bounded(&link, 16).unwrap().as_deref(), Some("{}"));
        assert!(read_bounded(&dir.path().join("missing"), 16).unwrap().is_none());
        assert!(matches!(read_bounded(&file, 1), Err(ReadError::TooLarge { limit: 1 })));
        let pipe = dir.path().join("p.json");
        fifo(&pipe);
        assert!(matches!(read_bounded(&pipe, 16), Err(ReadError::NotRegular("a FIFO"))));
        assert!(matches!(read_bounded(Path::new("/dev/zero"), 16), Err(ReadError::NotRegular("a device"))));
    }
}
