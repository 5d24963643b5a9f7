//! This host: kernel release and machine from uname(2) (through nix), and the time as
//! RFC 3339 UTC (through the `time` crate).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// (release, machine) from uname(2).
pub fn uname() -> Option<(String, String)> {
    let u = nix::sys::utsname::uname().ok()?;
    Some((
        u.release().to_string_lossy().into_owned(),
        u.machine().to_string_lossy().into_owned(),
    ))
}

/// The running kernel's config files, in the order they are tried:
/// /proc/config.gz, then /boot/config-<release> (the release only names the file).
pub fn kernel_config_paths() -> Vec<String> {
    let mut paths = vec!["/proc/config.gz".to_string()];
    if let Some((release, _)) = uname() {
        paths.push(format!("/boot/config-{release}"));
    }
    paths
}

/// The current time as RFC 3339 UTC with whole seconds (`2026-11-28T12:00:00Z`).
pub fn now_rfc3339_utc() -> String {
    rfc3339_utc(OffsetDateTime::now_utc().unix_timestamp())
}

/// A Unix time as RFC 3339 UTC with whole seconds (`1970-01-01T00:00:00Z`); a time
/// RFC 3339 cannot write (outside the years 0..=9999) gives the epoch.
pub fn rfc3339_utc(unix_secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_867_200), "2026-11-28T12:00:00Z");
        assert_eq!(rfc3339_utc(951_782_399), "2000-02-28T23:59:59Z");
        assert_eq!(rfc3339_utc(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MAX), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(i64::MIN), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn uname_names_this_kernel() {
        let (release, machine) = uname().expect("uname(2)");
        let proc = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
        assert_eq!(release, proc.trim());
        assert_eq!(machine, std::env::consts::ARCH);
    }
}
