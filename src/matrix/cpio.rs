//! A minimal writer of "newc" cpio archives (the format the kernel unpacks as an
//! initramfs): directories, regular files, symlinks and device nodes. Parent
//! directories are added automatically, each path once. Uncompressed.
//!
//! Entry layout: the magic `070701`, thirteen 8-digit hex fields (ino, mode, uid, gid,
//! nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check),
//! the name with its NUL padded to a multiple of 4, the data padded to a multiple of 4;
//! the archive ends with the entry `TRAILER!!!`.

use std::collections::BTreeSet;
use std::io::{self, Write};

const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

/// Writes a newc archive to `W`. Paths are given without a leading `/`
/// (`bin/kdeck`); a leading `/` is stripped.
pub struct CpioWriter<W: Write> {
    w: W,
    written: u64,
    ino: u32,
    dirs: BTreeSet<String>,
    mtime: u32,
}

impl<W: Write> CpioWriter<W> {
    pub fn new(w: W) -> Self {
        CpioWriter {
            w,
            written: 0,
            ino: 0,
            dirs: BTreeSet::new(),
            mtime: 0,
        }
    }

    /// A directory (and its parents) with this mode (permission bits).
    pub fn dir(&mut self, path: &str, perm: u32) -> io::Result<()> {
        let path = clean(path);
        if path.is_empty() || self.dirs.contains(path) {
            return Ok(());
        }
        self.parents(path)?;
        self.dirs.insert(path.to_string());
        self.entry(path, S_IFDIR | (perm & 0o7777), 2, (0, 0), &[])
    }

    /// A regular file with these contents and permission bits.
    pub fn file(&mut self, path: &str, perm: u32, data: &[u8]) -> io::Result<()> {
        let path = clean(path);
        self.parents(path)?;
        self.entry(path, S_IFREG | (perm & 0o7777), 1, (0, 0), data)
    }

    /// A symbolic link `path` → `target`.
    pub fn symlink(&mut self, path: &str, target: &str) -> io::Result<()> {
        let path = clean(path);
        self.parents(path)?;
        self.entry(path, S_IFLNK | 0o777, 1, (0, 0), target.as_bytes())
    }

    /// A character device node (e.g. `dev/console`, 5:1).
    pub fn char_dev(&mut self, path: &str, perm: u32, major: u32, minor: u32) -> io::Result<()> {
        let path = clean(path);
        self.parents(path)?;
        self.entry(path, S_IFCHR | (perm & 0o7777), 1, (major, minor), &[])
    }

    /// Writes the trailer and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.entry("TRAILER!!!", 0, 1, (0, 0), &[])?;
        self.w.flush()?;
        Ok(self.w)
    }

    fn parents(&mut self, path: &str) -> io::Result<()> {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent, 0o755)?;
        }
        Ok(())
    }

    fn entry(
        &mut self,
        name: &str,
        mode: u32,
        nlink: u32,
        rdev: (u32, u32),
        data: &[u8],
    ) -> io::Result<()> {
        let size = u32::try_from(data.len())
            .map_err(|_| io::Error::other(format!("{name}: file too large for newc")))?;
        self.ino += 1;
        let namesize = name.len() as u32 + 1;
        let header = format!(
            "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
            self.ino, mode, 0, 0, nlink, self.mtime, size, 0, 0, rdev.0, rdev.1, namesize, 0
        );
        self.put(header.as_bytes())?;
        self.put(name.as_bytes())?;
        self.put(&[0])?;
        self.pad()?;
        self.put(data)?;
        self.pad()
    }

    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.w.write_all(b)?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let n = (4 - (self.written % 4) as usize) % 4;
        self.put(&[0u8; 3][..n])
    }
}

fn clean(path: &str) -> &str {
    path.trim_start_matches('/').trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::process::{Command, Stdio};

    fn archive() -> Vec<u8> {
        let mut w = CpioWriter::new(Vec::new());
        w.dir("etc", 0o755).unwrap();
        w.file("/etc/passwd", 0o644, b"root:x:0:0::/root:/bin/sh\n")
            .unwrap();
        w.file("bin/kdeck", 0o755, b"\x7fELF pretend").unwrap();
        w.symlink("init", "/bin/kdeck").unwrap();
        w.file("a/b/c/deep.txt", 0o600, b"odd length!").unwrap();
        w.finish().unwrap()
    }

    fn have_cpio() -> bool {
        Command::new("cpio")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok()
    }

    #[test]
    fn layout_is_newc() {
        let a = archive();
        assert_eq!(&a[..6], b"070701");
        assert_eq!(a.len() % 4, 0);
        // "etc" is the first entry: namesize 4 at field 12.
        assert_eq!(&a[94..102], b"00000004");
        assert!(a.windows(10).any(|w| w == b"TRAILER!!!"));
    }

    #[test]
    fn system_cpio_lists_and_extracts_it() {
        if !have_cpio() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("cpio is not installed (scripts/ci-matrix.sh installs it)");
            }
            eprintln!("skipped: the cpio command is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.cpio");
        std::fs::write(&path, archive()).unwrap();
        let listed = Command::new("cpio")
            .args(["-t", "--quiet", "-F"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(listed.status.success(), "{listed:?}");
        let names = String::from_utf8(listed.stdout).unwrap();
        let names: Vec<&str> = names.lines().collect();
        assert_eq!(
            names,
            [
                "etc",
                "etc/passwd",
                "bin",
                "bin/kdeck",
                "init",
                "a",
                "a/b",
                "a/b/c",
                "a/b/c/deep.txt"
            ]
        );
        let out = dir.path().join("x");
        std::fs::create_dir(&out).unwrap();
        let st = Command::new("cpio")
            .args(["-i", "-d", "--quiet", "--no-absolute-filenames", "-F"])
            .arg(&path)
            .current_dir(&out)
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(
            std::fs::read(out.join("etc/passwd")).unwrap(),
            b"root:x:0:0::/root:/bin/sh\n"
        );
        assert_eq!(
            std::fs::read(out.join("a/b/c/deep.txt")).unwrap(),
            b"odd length!"
        );
        let mode = |p: &str| std::fs::metadata(out.join(p)).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode("bin/kdeck"), 0o755);
        assert_eq!(mode("a/b/c/deep.txt"), 0o600);
        assert!(std::fs::metadata(out.join("a/b")).unwrap().is_dir());
        let link = std::fs::read_link(out.join("init")).unwrap();
        assert_eq!(link.to_str(), Some("/bin/kdeck"));
    }
}
