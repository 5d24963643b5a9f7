//! Probe for the `wireguard` demo: is WireGuard in this kernel right now?
//!
//! Asking rtnetlink for a "wireguard" link where WireGuard is a module that is not
//! loaded would make the kernel load it (request_module), so the probe only looks:
//! `/sys/module/wireguard` (loaded, or built in), then the kernel's config file
//! (`/boot/config-<release>`, release from uname(2) only to locate the file) and the
//! module file. A module that is not loaded means No: the demo never loads modules.
//!
//! Test-only override (test builds only: the `test-hooks` feature, which only this
//! package's own tests enable): `KDECK_WG_KIND=<kind>` makes the demo create a link of
//! another kind (e.g. `bridge`) so the rtnetlink path can be tested where WireGuard is
//! missing. The override is honoured only if `/sys/module/<kind>` exists (built in or
//! already loaded), so it can't cause a module load either. The shipped binary is built
//! without it and always creates a WireGuard link.

use std::path::Path;

use super::Probe;

/// Environment variable of the test-only link-kind override (test builds only).
#[cfg(feature = "test-hooks")]
pub const KIND_ENV: &str = "KDECK_WG_KIND";
/// The link kind the demo creates without the override.
pub const WIREGUARD: &str = "wireguard";

/// The link kind [`KIND_ENV`] asks for, if it names one other than WireGuard.
#[cfg(feature = "test-hooks")]
fn kind_override() -> Option<String> {
    let kind = std::env::var(KIND_ENV).ok()?;
    let kind = kind.trim();
    (!kind.is_empty() && kind != WIREGUARD).then(|| kind.to_string())
}

/// The link kind the demo creates: "wireguard" (in test builds, the override's kind).
pub fn link_kind() -> String {
    #[cfg(feature = "test-hooks")]
    if let Some(kind) = kind_override() {
        return kind;
    }
    WIREGUARD.to_string()
}

/// The kernel release from uname(2), used only to locate its config and modules.
fn release() -> Option<String> {
    crate::sys::host::uname().map(|(release, _)| release)
}

/// What the config file says about CONFIG_WIREGUARD: Some("y"/"m"/"n"), None if no
/// config file is readable.
fn config_wireguard(release: &str) -> Option<&'static str> {
    let text = std::fs::read_to_string(format!("/boot/config-{release}")).ok()?;
    for line in text.lines() {
        match line.trim() {
            "CONFIG_WIREGUARD=y" => return Some("y"),
            "CONFIG_WIREGUARD=m" => return Some("m"),
            "# CONFIG_WIREGUARD is not set" => return Some("n"),
            _ => {}
        }
    }
    Some("n")
}

/// True if a wireguard.ko* file is installed for this release.
fn module_file(release: &str) -> bool {
    let dir = format!("/lib/modules/{release}/kernel/drivers/net/wireguard");
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("wireguard.ko"))
        })
        .unwrap_or(false)
}

/// The probe under the test-only override: the other kind's module must be there.
#[cfg(feature = "test-hooks")]
fn probe_override(kind: &str) -> Probe {
    let sys = format!("/sys/module/{kind}");
    if Path::new(&sys).is_dir() {
        Probe::yes(
            "wireguard",
            format!("{KIND_ENV}={kind} (test override): {sys} exists, no module load"),
        )
    } else {
        Probe::no(
            "wireguard",
            format!("{KIND_ENV}={kind} (test override): no {sys}; the demo never loads modules"),
        )
    }
}

/// Yes when WireGuard is loaded or built in; No otherwise (with what was checked).
pub fn probe() -> Probe {
    const F: &str = "wireguard";
    #[cfg(feature = "test-hooks")]
    if let Some(kind) = kind_override() {
        return probe_override(&kind);
    }
    if Path::new("/sys/module/wireguard/initstate").exists() {
        return Probe::yes(F, "wireguard module loaded (/sys/module/wireguard)");
    }
    if Path::new("/sys/module/wireguard").is_dir() {
        return Probe::yes(F, "wireguard built in (/sys/module/wireguard)");
    }
    let rel = release().unwrap_or_default();
    let config = config_wireguard(&rel);
    if config == Some("y") {
        return Probe::yes(F, format!("CONFIG_WIREGUARD=y in /boot/config-{rel}"));
    }
    if config == Some("m") || module_file(&rel) {
        return Probe::no(
            F,
            "wireguard is available as a module, not loaded: the demo won't load it",
        );
    }
    if config == Some("n") {
        return Probe::no(
            F,
            "this kernel has no WireGuard (no /sys/module/wireguard, CONFIG_WIREGUARD not set)",
        );
    }
    let modules = if Path::new("/proc/modules").exists() {
        "no wireguard.ko installed"
    } else {
        "no loadable modules: /proc/modules absent"
    };
    Probe::no(
        F,
        format!("this kernel has no WireGuard (no /sys/module/wireguard; {modules})"),
    )
}
