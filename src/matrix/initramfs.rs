//! The guest's initramfs: kdeck itself as `/init`, the shared libraries its ELF needs
//! (from `ldd`), the kernel modules the demos need with their dependencies in
//! modules.dep order, the kernel's config, /etc/passwd with root and nobody, and
//! /dev/console. Written as an uncompressed newc archive by [`super::cpio`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::MatrixError;
use super::cpio::CpioWriter;
use super::init::MODULE_LIST;

/// Modules the demos need (the wireguard demo creates a wireguard link).
pub const WANTED_MODULES: &[&str] = &["wireguard"];

/// An unpacked kernel package: `boot/vmlinuz-<release>` and maybe
/// `lib/modules/<release>/` with its modules.dep (`depmod -b DIR <release>`).
#[derive(Debug, Clone)]
pub struct KernelDir {
    pub root: PathBuf,
    pub release: String,
    pub vmlinuz: PathBuf,
    pub modules: Option<PathBuf>,
    pub config: Option<PathBuf>,
}

impl KernelDir {
    pub fn open(root: &Path) -> Result<KernelDir, MatrixError> {
        let boot = root.join("boot");
        let entries = std::fs::read_dir(&boot).map_err(|e| MatrixError::NotAKernel {
            dir: root.to_path_buf(),
            why: format!("{}: {e}", boot.display()),
        })?;
        let mut found: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_prefix("vmlinuz-")
                    .map(String::from)
            })
            .collect();
        found.sort();
        let release = found.pop().ok_or_else(|| MatrixError::NotAKernel {
            dir: root.to_path_buf(),
            why: "no boot/vmlinuz-* in it".into(),
        })?;
        let modules = ["lib/modules", "usr/lib/modules"]
            .iter()
            .map(|m| root.join(m).join(&release))
            .find(|p| p.is_dir());
        let config = Some(boot.join(format!("config-{release}"))).filter(|p| p.is_file());
        Ok(KernelDir {
            root: root.to_path_buf(),
            vmlinuz: boot.join(format!("vmlinuz-{release}")),
            release,
            modules,
            config,
        })
    }

    /// `CONFIG_X=y` in the package's boot/config-*.
    pub fn config_has(&self, option: &str) -> bool {
        self.config
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .is_some_and(|t| t.lines().any(|l| l.trim() == format!("{option}=y")))
    }
}

/// `wireguard`, `udp_tunnel` from a modules.dep path (`-` and `_` are the same).
pub fn module_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let base = base.split(".ko").next().unwrap_or(base);
    base.replace('-', "_")
}

/// The module files to load for `wanted`, dependencies first, from modules.dep's
/// text: each module's dependencies are loaded (recursively) before it, in the reverse
/// of the order modules.dep lists them (as modprobe does). Unknown modules are an error
/// (a built-in module has no line: that is not an error and yields nothing).
pub fn module_order(dep: &str, builtin: &str, wanted: &[&str]) -> Result<Vec<String>, String> {
    let mut deps: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for line in dep.lines() {
        let Some((path, rest)) = line.split_once(':') else {
            continue;
        };
        let list = rest.split_whitespace().map(String::from).collect();
        deps.insert(module_name(path), (path.to_string(), list));
    }
    let builtin: BTreeSet<String> = builtin.lines().map(module_name).collect();
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    fn visit(
        name: &str,
        deps: &BTreeMap<String, (String, Vec<String>)>,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<String>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > 64 {
            return Err(format!("modules.dep: dependency loop at {name}"));
        }
        if seen.contains(name) {
            return Ok(());
        }
        let (path, list) = deps
            .get(name)
            .ok_or_else(|| format!("{name}: not in modules.dep"))?;
        for d in list.iter().rev() {
            visit(&module_name(d), deps, seen, order, depth + 1)?;
        }
        if seen.insert(name.to_string()) {
            order.push(path.clone());
        }
        Ok(())
    }
    for w in wanted {
        let w = w.replace('-', "_");
        if !deps.contains_key(&w) && builtin.contains(&w) {
            continue;
        }
        visit(&w, &deps, &mut seen, &mut order, 0)?;
    }
    Ok(order)
}

/// Library paths from `ldd` output (`libc.so.6 => /lib/…/libc.so.6 (0x…)` and the
/// loader's own `/lib64/ld-linux-x86-64.so.2 (0x…)`); the vDSO has no file.
pub fn ldd_paths(output: &str) -> Vec<PathBuf> {
    output
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let p = match l.split_once("=>") {
                Some((_, rhs)) => rhs.split_whitespace().next()?,
                None => l.split_whitespace().next()?,
            };
            p.starts_with('/').then(|| PathBuf::from(p))
        })
        .collect()
}

/// What went into an initramfs.
#[derive(Debug, Clone)]
pub struct Built {
    pub path: PathBuf,
    pub bytes: u64,
    pub modules: Vec<String>,
}

/// Builds the initramfs for `kernel` around the kdeck binary `exe`, at `out`.
pub fn build(kernel: &KernelDir, exe: &Path, out: &Path) -> Result<Built, MatrixError> {
    let mut w = CpioWriter::new(Vec::with_capacity(32 << 20));
    let io = |what: &str| {
        let what = what.to_string();
        move |e: std::io::Error| MatrixError::io(&what, e)
    };
    for d in [
        "bin",
        "dev",
        "proc",
        "sys",
        "run",
        "root",
        "etc/kdeck",
        "boot",
    ] {
        w.dir(d, 0o755).map_err(io(d))?;
    }
    w.dir("tmp", 0o1777).map_err(io("tmp"))?;
    w.char_dev("dev/console", 0o600, 5, 1)
        .map_err(io("dev/console"))?;
    w.char_dev("dev/null", 0o666, 1, 3)
        .map_err(io("dev/null"))?;
    w.file("bin/kdeck", 0o755, &stripped(exe)?)
        .map_err(io("bin/kdeck"))?;
    w.symlink("init", "/bin/kdeck").map_err(io("init"))?;
    let ldd = Command::new("ldd")
        .arg(exe)
        .output()
        .map_err(|e| MatrixError::Tool {
            tool: "ldd".into(),
            why: e.to_string(),
        })?;
    for lib in ldd_paths(&String::from_utf8_lossy(&ldd.stdout)) {
        let data = std::fs::read(&lib).map_err(|e| MatrixError::io(&lib, e))?;
        w.file(&lib.to_string_lossy(), 0o755, &data)
            .map_err(io("lib"))?;
    }
    let etc: [(&str, String); 4] = [
        ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".into()),
        ("etc/group", "root:x:0:\nnogroup:x:65534:\n".into()),
        ("etc/hostname", "kdeck-guest\n".into()),
        ("etc/os-release", format!("PRETTY_NAME=\"kdeck matrix guest (Linux {})\"\nID=kdeck\n", kernel.release)),
    ];
    for (path, text) in &etc {
        w.file(path, 0o644, text.as_bytes()).map_err(io(path))?;
    }
    if let Some(cfg) = &kernel.config {
        let data = std::fs::read(cfg).map_err(|e| MatrixError::io(cfg, e))?;
        let name = format!("boot/config-{}", kernel.release);
        w.file(&name, 0o644, &data).map_err(io(&name))?;
    }
    let modules = add_modules(&mut w, kernel)?;
    let list: String = modules.iter().map(|m| format!("{m}\n")).collect();
    w.file(MODULE_LIST, 0o644, list.as_bytes())
        .map_err(io(MODULE_LIST))?;
    let bytes = w.finish().map_err(io("cpio"))?;
    crate::files::write_file(out, &bytes)?;
    Ok(Built {
        path: out.to_path_buf(),
        bytes: bytes.len() as u64,
        modules,
    })
}

/// Adds the wanted modules; returns their paths inside the initramfs in load order.
/// Compressed modules stay compressed when the kernel decompresses them itself
/// (CONFIG_MODULE_DECOMPRESS with the matching CONFIG_MODULE_COMPRESS_*), else they
/// are decompressed here with the `xz`/`zstd`/`gzip` command.
fn add_modules(
    w: &mut CpioWriter<Vec<u8>>,
    kernel: &KernelDir,
) -> Result<Vec<String>, MatrixError> {
    let Some(mdir) = &kernel.modules else {
        return Ok(Vec::new());
    };
    let dep_path = mdir.join("modules.dep");
    let dep = std::fs::read_to_string(&dep_path).map_err(|e| MatrixError::io(&dep_path, e))?;
    let builtin = std::fs::read_to_string(mdir.join("modules.builtin")).unwrap_or_default();
    let order =
        module_order(&dep, &builtin, WANTED_MODULES).map_err(|why| MatrixError::NotAKernel {
            dir: kernel.root.clone(),
            why,
        })?;
    let decompress = kernel.config_has("CONFIG_MODULE_DECOMPRESS");
    let mut paths = Vec::new();
    for rel in order {
        let src = mdir.join(&rel);
        let (tool, ext, option) = match rel.rsplit('.').next() {
            Some("xz") => ("xz", ".xz", "CONFIG_MODULE_COMPRESS_XZ"),
            Some("zst") => ("zstd", ".zst", "CONFIG_MODULE_COMPRESS_ZSTD"),
            Some("gz") => ("gzip", ".gz", "CONFIG_MODULE_COMPRESS_GZIP"),
            _ => ("", "", ""),
        };
        let (name, data) = if tool.is_empty() || (decompress && kernel.config_has(option)) {
            (
                rel.clone(),
                std::fs::read(&src).map_err(|e| MatrixError::io(&src, e))?,
            )
        } else {
            let out = Command::new(tool)
                .arg("-dc")
                .arg(&src)
                .output()
                .map_err(|e| MatrixError::Tool {
                    tool: tool.into(),
                    why: format!("{e} (needed to decompress {rel})"),
                })?;
            if !out.status.success() {
                return Err(MatrixError::Tool {
                    tool: tool.into(),
                    why: format!("{rel}: {}", out.status),
                });
            }
            (rel.trim_end_matches(ext).to_string(), out.stdout)
        };
        let inside = format!("lib/modules/{}/{name}", kernel.release);
        w.file(&inside, 0o644, &data)
            .map_err(|e| MatrixError::io(&inside, e))?;
        paths.push(format!("/{inside}"));
    }
    Ok(paths)
}

/// The binary without debug info (`objcopy --strip-debug`), or as it is when objcopy
/// is missing.
fn stripped(exe: &Path) -> Result<Vec<u8>, MatrixError> {
    let tmp = tempfile::NamedTempFile::new().map_err(|e| MatrixError::io("temp file", e))?;
    let ok = Command::new("objcopy")
        .arg("--strip-debug")
        .arg(exe)
        .arg(tmp.path())
        .status()
        .is_ok_and(|s| s.success());
    let from = if ok { tmp.path() } else { exe };
    std::fs::read(from).map_err(|e| MatrixError::io(from, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEP: &str = "\
kernel/drivers/net/wireguard/wireguard.ko.xz: kernel/lib/crypto/libchacha20poly1305.ko.xz kernel/arch/x86/crypto/chacha-x86_64.ko.xz kernel/arch/x86/crypto/poly1305-x86_64.ko.xz kernel/arch/x86/crypto/curve25519-x86_64.ko.xz kernel/lib/crypto/libcurve25519-generic.ko.xz kernel/lib/crypto/libchacha.ko.xz kernel/net/ipv6/ip6_udp_tunnel.ko.xz kernel/net/ipv4/udp_tunnel.ko.xz
kernel/lib/crypto/libchacha20poly1305.ko.xz: kernel/arch/x86/crypto/chacha-x86_64.ko.xz kernel/arch/x86/crypto/poly1305-x86_64.ko.xz kernel/lib/crypto/libchacha.ko.xz
kernel/arch/x86/crypto/chacha-x86_64.ko.xz: kernel/lib/crypto/libchacha.ko.xz
kernel/arch/x86/crypto/poly1305-x86_64.ko.xz:
kernel/arch/x86/crypto/curve25519-x86_64.ko.xz: kernel/lib/crypto/libcurve25519-generic.ko.xz
kernel/lib/crypto/libcurve25519-generic.ko.xz:
kernel/lib/crypto/libchacha.ko.xz:
kernel/net/ipv6/ip6_udp_tunnel.ko.xz:
kernel/net/ipv4/udp_tunnel.ko.xz:
kernel/fs/other.ko.xz: kernel/fs/missing.ko.xz
";

    #[test]
    fn modules_dep_order_puts_dependencies_first() {
        let order = module_order(DEP, "", &["wireguard"]).unwrap();
        let names: Vec<String> = order.iter().map(|p| module_name(p)).collect();
        assert_eq!(
            names,
            [
                "udp_tunnel",
                "ip6_udp_tunnel",
                "libchacha",
                "libcurve25519_generic",
                "curve25519_x86_64",
                "poly1305_x86_64",
                "chacha_x86_64",
                "libchacha20poly1305",
                "wireguard"
            ]
        );
        // every module comes after all of its dependencies
        for (i, p) in order.iter().enumerate() {
            let line = DEP
                .lines()
                .find(|l| l.starts_with(&format!("{p}:")))
                .unwrap();
            for d in line.split_once(':').unwrap().1.split_whitespace() {
                assert!(order[..i].iter().any(|x| x == d), "{d} not before {p}");
            }
        }
    }

    #[test]
    fn builtin_and_unknown_modules() {
        assert_eq!(
            module_order(DEP, "kernel/drivers/net/foo.ko\n", &["foo"]).unwrap(),
            Vec::<String>::new()
        );
        assert!(
            module_order(DEP, "", &["nope"])
                .unwrap_err()
                .contains("nope: not in modules.dep")
        );
        assert!(
            module_order(DEP, "", &["other"])
                .unwrap_err()
                .contains("missing")
        );
    }

    #[test]
    fn ldd_output() {
        let out = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x1)\n\
                   \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x2)\n\t/lib64/ld-linux-x86-64.so.2 (0x3)\n";
        assert_eq!(
            ldd_paths(out),
            [
                PathBuf::from("/lib/x86_64-linux-gnu/libgcc_s.so.1"),
                PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2")
            ]
        );
    }
}
