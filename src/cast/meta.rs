//! Provenance for a recording: this host's kernel, architecture and the date.

use super::KdeckMeta;
use crate::sys::host::{now_rfc3339_utc, uname};

/// Provenance of a recording made now on this host: kernel release and architecture
/// from uname(2), kdeck's version, the date in RFC 3339 UTC. `probe`, `exit`,
/// `verdict` and `host` are left for the caller (the host name is not recorded by
/// default: recordings are committed to the repository).
pub fn host_meta(demo: &str, mode: &str) -> KdeckMeta {
    let (kernel, arch) = uname().unwrap_or_else(|| ("unknown".into(), "unknown".into()));
    KdeckMeta {
        demo: demo.to_string(),
        kernel,
        arch,
        kdeck_version: env!("CARGO_PKG_VERSION").to_string(),
        date: now_rfc3339_utc(),
        mode: mode.to_string(),
        ..KdeckMeta::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_meta_fills_required_fields() {
        let m = host_meta("seccomp-log", "live");
        assert!(m.missing_fields().is_empty(), "{m:?}");
        assert_eq!(m.date.len(), "2026-11-28T12:00:00Z".len());
        assert_eq!(m.kdeck_version, env!("CARGO_PKG_VERSION"));
    }
}
