//! Provenance for a recording: this host's kernel, architecture and the date.

use std::time::{SystemTime, UNIX_EPOCH};

use super::KdeckMeta;

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

/// (release, machine) from uname(2).
pub fn uname() -> Option<(String, String)> {
    uname_inner()
}

fn uname_inner() -> Option<(String, String)> {
    let mut buf = std::mem::MaybeUninit::<libc::utsname>::zeroed();
    // SAFETY: `buf` points to writable memory the size of a utsname; uname(2) only
    // writes into it.
    let rc = unsafe { libc::uname(buf.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: zero-initialized (all its fields are c_char arrays, for which zero is
    // valid) and filled in by a successful uname(2).
    let buf = unsafe { buf.assume_init() };
    Some((c_field(&buf.release), c_field(&buf.machine)))
}

/// A NUL-terminated (or full) c_char array as a String.
fn c_field(field: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The current time as RFC 3339 UTC (`2026-11-28T12:00:00Z`).
pub fn now_rfc3339_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    rfc3339_utc(secs)
}

/// A Unix time as RFC 3339 UTC with whole seconds (`1970-01-01T00:00:00Z`).
pub fn rfc3339_utc(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs_of_day = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31) in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a year, then work
    // in 400-year eras of 146097 days.
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era.saturating_mul(400) + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_867_200), "2026-11-28T12:00:00Z");
        assert_eq!(rfc3339_utc(951_782_399), "2000-02-28T23:59:59Z");
        assert_eq!(rfc3339_utc(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(1_504_467_315), "2017-09-03T19:35:15Z");
        // Extremes don't panic.
        let _ = rfc3339_utc(i64::MAX);
        let _ = rfc3339_utc(i64::MIN);
    }

    #[test]
    fn host_meta_fills_required_fields() {
        let m = host_meta("seccomp-log", "live");
        assert!(m.missing_fields().is_empty(), "{m:?}");
        assert_eq!(m.date.len(), "2026-11-28T12:00:00Z".len());
        assert_eq!(m.kdeck_version, env!("CARGO_PKG_VERSION"));
    }
}
