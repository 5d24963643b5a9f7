//! Where presentations listen, and who may connect. Sockets live in a directory only
//! this user can open: `$XDG_RUNTIME_DIR/kdeck`, else `kdeck-<uid>` under the temp dir;
//! either is created with mode 0700 and then checked (a real directory, not a symlink,
//! owned by this user, no access for anyone else) before it is used, so a directory or
//! symlink planted by another user is refused, never followed. Each presentation has its
//! own socket, `<name>.<pid>.sock`, so a second presenter never takes the first one's;
//! a socket whose process is gone is removed when found.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use super::SpeakerError;

/// The directory for this user's presentation sockets, created if needed and checked.
pub fn dir() -> Result<PathBuf, SpeakerError> {
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(base) if base.is_absolute() => base.join("kdeck"),
        _ => std::env::temp_dir().join(format!("kdeck-{}", nix::unistd::geteuid())),
    };
    private_dir(&dir)?;
    Ok(dir)
}

/// Creates `dir` with mode 0700 unless it exists, then checks it is this user's own.
pub fn private_dir(dir: &Path) -> Result<(), SpeakerError> {
    let shown = dir.display().to_string();
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(source) => {
            return Err(SpeakerError::Io {
                what: format!("can't create {shown}"),
                source,
            });
        }
    }
    // lstat: a symlink is refused, not followed.
    let meta = std::fs::symlink_metadata(dir).map_err(|source| SpeakerError::Io {
        what: format!("can't inspect {shown}"),
        source,
    })?;
    let uid = nix::unistd::geteuid().as_raw();
    let problem = if meta.file_type().is_symlink() {
        Some("is a symlink".to_string())
    } else if !meta.is_dir() {
        Some("is not a directory".to_string())
    } else if meta.uid() != uid {
        Some(format!("belongs to uid {}, not {uid}", meta.uid()))
    } else if meta.permissions().mode() & 0o077 != 0 {
        Some(format!(
            "has mode {:o}: others could reach the socket",
            meta.permissions().mode() & 0o777
        ))
    } else {
        None
    };
    match problem {
        Some(why) => Err(SpeakerError::Unsafe { dir: shown, why }),
        None => Ok(()),
    }
}

/// A presentation that may be listening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub name: String,
    pub pid: u32,
    pub path: PathBuf,
}

impl Session {
    fn parse(path: &Path) -> Option<Session> {
        let file = path.file_name()?.to_str()?;
        let stem = file.strip_suffix(".sock")?;
        let (name, pid) = stem.rsplit_once('.')?;
        Some(Session {
            name: name.to_string(),
            pid: pid.parse().ok()?,
            path: path.to_path_buf(),
        })
    }

    /// Whether `--session SEL` names it (by name or by pid).
    pub fn matches(&self, sel: &str) -> bool {
        self.name == sel || self.pid.to_string() == sel
    }
}

/// Binds this process's socket for presentation `name`.
pub fn listen(dir: &Path, name: &str) -> Result<(UnixListener, PathBuf), SpeakerError> {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = dir.join(format!("{name}.{}.sock", std::process::id()));
    // Only a socket left by a dead process with our pid can be here: remove it.
    if UnixStream::connect(&path).is_err() {
        let _ = std::fs::remove_file(&path);
    }
    let listener = UnixListener::bind(&path).map_err(|source| SpeakerError::Io {
        what: format!("can't listen on {}", path.display()),
        source,
    })?;
    Ok((listener, path))
}

/// The presentations listening in `dir`, newest first; sockets whose presentation is
/// gone are removed on the way.
pub fn sessions(dir: &Path) -> Vec<Session> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, Session)> = Vec::new();
    for entry in entries.flatten() {
        let Some(session) = Session::parse(&entry.path()) else {
            continue;
        };
        if UnixStream::connect(&session.path).is_err() {
            // Nobody listens: a presentation that died without cleaning up.
            let _ = std::fs::remove_file(&session.path);
            continue;
        }
        let time = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        found.push((time, session));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.pid.cmp(&a.1.pid)));
    found.into_iter().map(|(_, s)| s).collect()
}

/// The session `sel` names, or the newest one.
pub fn find(dir: &Path, sel: Option<&str>) -> Result<Session, SpeakerError> {
    let all = sessions(dir);
    let pick = match sel {
        Some(sel) => all.iter().find(|s| s.matches(sel)),
        None => all.first(),
    };
    pick.cloned().ok_or_else(|| SpeakerError::NoPresentation {
        dir: dir.display().to_string(),
        wanted: sel.map(str::to_string),
        running: all
            .iter()
            .map(|s| format!("{} (pid {})", s.name, s.pid))
            .collect(),
    })
}

/// Whether the peer of `stream` runs as this user (the directory's mode already keeps
/// others out; this also refuses root's processes connecting to a user's talk).
pub fn same_user(stream: &UnixStream) -> bool {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    getsockopt(stream, PeerCredentials).is_ok_and(|c| c.uid() == nix::unistd::geteuid().as_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_private_and_planted_ones_are_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("kdeck");
        private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        // A symlink to a directory someone else chose is refused, not followed.
        let link = base.path().join("planted");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let err = private_dir(&link).unwrap_err().to_string();
        assert!(err.contains("is a symlink"), "{err}");
        // A directory others can enter is refused.
        let open = base.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = private_dir(&open).unwrap_err().to_string();
        assert!(err.contains("mode 755"), "{err}");
    }

    #[test]
    fn stale_sockets_are_removed_and_the_newest_live_one_is_found() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path();
        let (listener, path) = listen(dir, "my talk").unwrap();
        assert!(path.ends_with(format!("my_talk.{}.sock", std::process::id())));
        // A socket nobody listens on any more.
        let stale = dir.join("old.1.sock");
        drop(UnixListener::bind(&stale).unwrap());
        assert!(stale.exists());
        let found = find(dir, None).unwrap();
        assert_eq!(found.path, path);
        assert!(!stale.exists(), "the stale socket is cleaned up");
        assert_eq!(find(dir, Some("my_talk")).unwrap().path, path);
        assert_eq!(
            find(dir, Some(&std::process::id().to_string()))
                .unwrap()
                .path,
            path
        );
        let err = find(dir, Some("other")).unwrap_err().to_string();
        assert!(err.contains("my_talk (pid"), "{err}");
        drop(listener);
    }
}
