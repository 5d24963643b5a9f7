//! The uncompressed kernel inside a `vmlinuz`, for a faster boot: under TCG a guest
//! spends seconds decompressing its own kernel before its clock even starts. Where the
//! kernel was built with `CONFIG_PVH=y` (Debian's are), qemu boots the ELF `vmlinux`
//! directly through its PVH entry point, so kdeck decompresses it once per kernel on
//! the host (the payload's xz, zstd or gzip stream, found by its magic, fed to `xz`,
//! `zstd` or `gzip`) and boots that. Anything that fails leaves the `vmlinuz`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::initramfs::KernelDir;

/// Compressed payload formats: (magic, decompressor).
const FORMATS: [(&[u8], &str); 3] = [
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x1f\x8b\x08", "gzip"),
];

/// The kernel image to boot: `out/vmlinux` when it could be extracted and the kernel
/// has a PVH entry, else the package's `vmlinuz`; the second value says which and why.
pub fn bootable(kd: &KernelDir, out: &Path) -> (PathBuf, String) {
    if !kd.config_has("CONFIG_PVH") {
        return (kd.vmlinuz.clone(), "vmlinuz (no CONFIG_PVH)".into());
    }
    let target = out.join("vmlinux");
    match extract(&kd.vmlinuz, &target) {
        Ok(tool) => (target, format!("vmlinux (PVH entry, {tool}-decompressed)")),
        Err(why) => (kd.vmlinuz.clone(), format!("vmlinuz ({why})")),
    }
}

/// Decompresses the first payload whose decompressor yields an ELF into `target`;
/// returns the decompressor's name.
fn extract(vmlinuz: &Path, target: &Path) -> Result<&'static str, String> {
    let image = std::fs::read(vmlinuz).map_err(|e| format!("{}: {e}", vmlinuz.display()))?;
    for (magic, tool) in FORMATS {
        let Some(at) = find(&image, magic) else {
            continue;
        };
        // The stream is followed by the rest of the bzImage: the decompressors write
        // the whole payload and then complain about trailing data, so their exit status
        // says nothing; the ELF header and the size do.
        // The payload goes in from a file, not a pipe: a decompressor that stops at
        // the trailing data would leave a pipe writer with SIGPIPE.
        let payload = target.with_extension("payload");
        std::fs::write(&payload, &image[at..])
            .map_err(|e| format!("{}: {e}", payload.display()))?;
        let input = std::fs::File::open(&payload);
        let out = input.and_then(|input| {
            Command::new(tool)
                .args(["-dc", "-q"])
                .stdin(input)
                .stderr(Stdio::null())
                .output()
        });
        let _ = std::fs::remove_file(&payload);
        let Ok(out) = out else {
            continue;
        };
        if out.stdout.starts_with(b"\x7fELF") && out.stdout.len() > image.len() {
            std::fs::write(target, &out.stdout)
                .map_err(|e| format!("{}: {e}", target.display()))?;
            return Ok(tool);
        }
    }
    Err("no payload decompressed to an ELF".into())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_first_magic() {
        assert_eq!(super::find(b"ab\xfd7zXZ\x00cd", b"\xfd7zXZ\x00"), Some(2));
        assert_eq!(super::find(b"abc", b"\x1f\x8b\x08"), None);
    }
}
