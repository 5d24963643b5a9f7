//! Files kdeck reads from users and files it writes for them, in one place.
//!
//! **Reading** ([`read_regular`], [`read_text`]): only regular files, with a size cap.
//! The file is opened with `O_NONBLOCK` (a FIFO nobody writes to does not block the
//! open), its type is checked on the open descriptor (`fstat`), and at most the cap
//! plus one byte is read, so `/dev/zero`, a FIFO, a directory, a dangling symlink or a
//! symlink loop each give a clear error instead of a hang or an exhausted memory.
//!
//! **Writing** ([`write_file`], [`append_file`], [`own_dir`]): a file goes where the
//! user asked, opened with `O_NOFOLLOW`; a symlink there is followed only when it
//! belongs to the user running kdeck (another user's symlink in a shared directory is
//! refused, as the kernel's `protected_symlinks` does in sticky directories). A
//! directory kdeck writes several files into must belong to the user running kdeck.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// 16 MiB: the largest recording kdeck reads.
pub const RECORDING_CAP: u64 = 16 << 20;
/// 4 MiB: the largest slide (or `deck.toml`) kdeck reads.
pub const SLIDE_CAP: u64 = 4 << 20;
/// 16 MiB: the largest kernel config or sysctl dump (and 64 MiB once gunzipped).
pub const CONFIG_CAP: u64 = 16 << 20;

/// Why a file could not be read or written; `Display` starts with the path.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {why}")]
    Unreadable { path: String, why: String },
    #[error("{path}: is larger than the {limit} limit for {what}")]
    TooBig {
        path: String,
        limit: String,
        what: &'static str,
    },
    #[error("{path}:{line}: not valid UTF-8 (bad byte at offset {offset})")]
    NotUtf8 {
        path: String,
        line: usize,
        offset: usize,
    },
    #[error("{path}: {why}")]
    Unwritable { path: String, why: String },
}

impl FileError {
    /// The problem without the path (for errors that name the file themselves).
    pub fn reason(&self) -> String {
        match self {
            FileError::Unreadable { why, .. } | FileError::Unwritable { why, .. } => why.clone(),
            FileError::TooBig { limit, what, .. } => {
                format!("is larger than the {limit} limit for {what}")
            }
            FileError::NotUtf8 { offset, .. } => {
                format!("not valid UTF-8 (bad byte at offset {offset})")
            }
        }
    }
}

/// A cap as people say it: "16 MiB".
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// An I/O error in plain words, with the cases users meet named.
pub fn describe_io(path: &Path, e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT) if path.symlink_metadata().is_ok() => {
            "is a dangling symlink (its target does not exist)".into()
        }
        Some(libc::ENOENT) => match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) if !dir.exists() => format!("its directory {} does not exist", dir.display()),
            _ => "does not exist".into(),
        },
        Some(libc::ELOOP) => "too many levels of symbolic links (a symlink loop)".into(),
        Some(libc::EISDIR) => "is a directory".into(),
        Some(libc::ENOTDIR) => "a component of the path is not a directory".into(),
        Some(libc::EACCES) => "permission denied".into(),
        Some(libc::EEXIST) => "exists already".into(),
        _ => {
            let s = e.to_string();
            // "Permission denied (os error 13)" → "permission denied"
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_lowercase().chain(c).collect())
                .unwrap_or(s)
        }
    }
}

/// What a non-regular file is, for errors.
fn kind_of(mode: u32) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFDIR => "is a directory",
        libc::S_IFIFO => "is a FIFO (named pipe), not a regular file",
        libc::S_IFCHR => "is a character device, not a regular file",
        libc::S_IFBLK => "is a block device, not a regular file",
        libc::S_IFSOCK => "is a socket, not a regular file",
        _ => "is not a regular file",
    }
}

/// Reads a regular file of at most `cap` bytes; `what` names the kind of file in the
/// size error ("a recording", "a slide").
pub fn read_regular(path: &Path, cap: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let shown = path.display().to_string();
    let unreadable = |why: String| FileError::Unreadable {
        path: shown.clone(),
        why,
    };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| unreadable(describe_io(path, &e)))?;
    let meta = file
        .metadata()
        .map_err(|e| unreadable(describe_io(path, &e)))?;
    if !meta.file_type().is_file() {
        return Err(unreadable(kind_of(meta.mode()).into()));
    }
    let too_big = || FileError::TooBig {
        path: shown.clone(),
        limit: human_size(cap),
        what,
    };
    if meta.len() > cap {
        return Err(too_big());
    }
    // Room for the whole file and the end-of-file read: one read(2) for the contents (an
    // empty Vec grows from 32 bytes, seven reads for a 1 KB slide; std::fs::read sizes
    // it the same way). /proc files report size 0: the cap is enforced on what is read, too.
    let mut bytes = Vec::with_capacity(meta.len().min(cap) as usize + 1);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(describe_io(path, &e)))?;
    if bytes.len() as u64 > cap {
        return Err(too_big());
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text; the error names the line of the first bad byte.
pub fn read_text(path: &Path, cap: u64, what: &'static str) -> Result<String, FileError> {
    let bytes = read_regular(path, cap, what)?;
    utf8(&path.display().to_string(), bytes)
}

/// Bytes as UTF-8; the error names the line (1-based) and offset of the first bad byte.
pub fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, FileError> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        FileError::NotUtf8 {
            path: name.to_string(),
            line: bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1,
            offset,
        }
    })
}

/// How [`open_for_write`] treats what is already in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Empty it now.
    Truncate,
    /// Write at its end.
    Append,
    /// Leave it as it is (the caller rewrites it later).
    Keep,
}

/// Opens `path` for writing without following another user's symlink, and only if it
/// is (or becomes) a regular file.
pub fn open_for_write(path: &Path, mode: WriteMode) -> Result<File, FileError> {
    let unwritable = |why: String| FileError::Unwritable {
        path: path.display().to_string(),
        why,
    };
    let open = |follow: bool| {
        let mut o = OpenOptions::new();
        o.write(true).create(true).mode(0o644);
        match mode {
            WriteMode::Truncate => {
                o.truncate(true);
            }
            WriteMode::Append => {
                o.append(true);
            }
            WriteMode::Keep => {}
        }
        let flags = libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
        o.custom_flags(if follow {
            flags
        } else {
            flags | libc::O_NOFOLLOW
        });
        o.open(path)
    };
    let file = match open(false) {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            let link = path
                .symlink_metadata()
                .map_err(|e| unwritable(describe_io(path, &e)))?;
            let me = nix::unistd::geteuid().as_raw();
            if !link.file_type().is_symlink() || link.uid() != me {
                return Err(unwritable(format!(
                    "is a symlink owned by uid {}: kdeck does not write through another user's symlink",
                    link.uid()
                )));
            }
            open(true).map_err(|e| unwritable(describe_io(path, &e)))?
        }
        Err(e) => return Err(unwritable(describe_io(path, &e))),
    };
    let meta = file
        .metadata()
        .map_err(|e| unwritable(describe_io(path, &e)))?;
    if !meta.file_type().is_file() {
        return Err(unwritable(kind_of(meta.mode()).into()));
    }
    Ok(file)
}

/// Writes `bytes` to `path` (created or truncated), refusing another user's symlink
/// and anything that is not a regular file.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut f = open_for_write(path, WriteMode::Truncate)?;
    f.write_all(bytes).map_err(|e| FileError::Unwritable {
        path: path.display().to_string(),
        why: describe_io(path, &e),
    })
}

/// Appends `bytes` to `path` (created if missing), with [`write_file`]'s rules.
pub fn append_file(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut f = open_for_write(path, WriteMode::Append)?;
    f.write_all(bytes).map_err(|e| FileError::Unwritable {
        path: path.display().to_string(),
        why: describe_io(path, &e),
    })
}

/// Creates `dir` (and its parents) if needed and checks that kdeck may fill it: it is
/// a directory owned by the user running kdeck, and if it is a symlink, the symlink is
/// that user's too. Another user's directory is refused (they could plant symlinks
/// in it).
pub fn own_dir(dir: &Path) -> Result<(), FileError> {
    let unwritable = |why: String| FileError::Unwritable {
        path: dir.display().to_string(),
        why,
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        let why = match dir.metadata() {
            Ok(m) if !m.is_dir() => "exists and is not a directory".to_string(),
            _ => describe_io(dir, &e),
        };
        return Err(unwritable(why));
    }
    let me = nix::unistd::geteuid().as_raw();
    let link = dir
        .symlink_metadata()
        .map_err(|e| unwritable(describe_io(dir, &e)))?;
    let meta = dir
        .metadata()
        .map_err(|e| unwritable(describe_io(dir, &e)))?;
    if !meta.is_dir() {
        return Err(unwritable("exists and is not a directory".into()));
    }
    let link = link.file_type().is_symlink().then_some(link);
    for (m, what) in [(link.as_ref(), "a symlink"), (Some(&meta), "a directory")] {
        if let Some(m) = m
            && m.uid() != me
        {
            return Err(unwritable(format!(
                "is {what} owned by uid {}, not by uid {me} running kdeck: refusing to write into another user's directory",
                m.uid()
            )));
        }
    }
    Ok(())
}

/// A fresh directory with a unique name and mode 0700 in the temp dir, removed when
/// the value is dropped (tempfile's default mode follows the umask, 0755 mostly).
pub fn private_temp_dir(prefix: &str) -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix(prefix)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
}

/// [`private_temp_dir`], kept after kdeck exits (its path is printed for the user).
pub fn fresh_temp_dir(prefix: &str) -> Result<std::path::PathBuf, FileError> {
    private_temp_dir(prefix)
        .map(tempfile::TempDir::keep)
        .map_err(|e| FileError::Unwritable {
            path: std::env::temp_dir().display().to_string(),
            why: format!("can't create a directory in it: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let e = read_regular(&fifo, 10, "a slide").unwrap_err().to_string();
        assert!(
            e.ends_with("is a FIFO (named pipe), not a regular file"),
            "{e}"
        );
        let e = read_regular(Path::new("/dev/zero"), 10, "a slide")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "/dev/zero: is a character device, not a regular file");
        let e = read_regular(dir.path(), 10, "a slide")
            .unwrap_err()
            .to_string();
        assert!(e.ends_with(": is a directory"), "{e}");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nope"), &dangling).unwrap();
        let e = read_regular(&dangling, 10, "a slide")
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("is a dangling symlink (its target does not exist)"),
            "{e}"
        );
        let a = dir.path().join("a");
        std::os::unix::fs::symlink(dir.path().join("b"), &a).unwrap();
        std::os::unix::fs::symlink(&a, dir.path().join("b")).unwrap();
        let e = read_regular(&a, 10, "a slide").unwrap_err().to_string();
        assert!(e.ends_with("(a symlink loop)"), "{e}");
        let big = dir.path().join("big");
        std::fs::write(&big, [b'x'; 11]).unwrap();
        let e = read_regular(&big, 10, "a slide").unwrap_err().to_string();
        assert!(
            e.ends_with("big: is larger than the 10 bytes limit for a slide"),
            "{e}"
        );
        assert_eq!(human_size(RECORDING_CAP), "16 MiB");
    }

    #[test]
    fn utf8_error_names_the_line() {
        let e = utf8("f.cast", b"ok\nok\n\xff".to_vec()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.cast:3: not valid UTF-8 (bad byte at offset 6)"
        );
    }

    #[test]
    fn temp_dirs_are_private() {
        let d = private_temp_dir("kdeck-test-").unwrap();
        let mode = d.path().metadata().unwrap().mode() & 0o7777;
        assert_eq!(mode, 0o700);
        assert!(
            d.path()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("kdeck-test-")
        );
    }

    #[test]
    fn own_dir_refuses_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "").unwrap();
        let e = own_dir(&f).unwrap_err().to_string();
        assert!(e.ends_with("f: exists and is not a directory"), "{e}");
    }
}
