//! Clock readings and their formatting for the `timens` demo.

use crate::probe::{errno_name, last_errno};

/// Nanoseconds in a second.
pub const SEC_NS: i128 = 1_000_000_000;
/// Nanoseconds in a day.
pub const DAY_NS: i128 = 86_400 * SEC_NS;

/// One reading of every clock the demo shows, in nanoseconds.
#[derive(Debug, Clone)]
pub struct Clocks {
    /// CLOCK_MONOTONIC.
    pub mono: i128,
    /// CLOCK_BOOTTIME.
    pub boot: i128,
    /// CLOCK_REALTIME.
    pub real: i128,
    /// First field of /proc/uptime, as the kernel printed it ("1234.56").
    pub uptime_text: String,
    /// The same, in nanoseconds.
    pub uptime: i128,
}

fn ts_ns(ts: &libc::timespec) -> i128 {
    i128::from(ts.tv_sec) * SEC_NS + i128::from(ts.tv_nsec)
}

/// `clock_gettime(id)` through libc, i.e. through the vDSO where there is one.
pub fn libc_clock(id: libc::clockid_t) -> Result<i128, i32> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid out pointer.
    let r = unsafe { libc::clock_gettime(id, &mut ts) };
    if r == 0 {
        Ok(ts_ns(&ts))
    } else {
        Err(last_errno())
    }
}

/// `clock_gettime(id)` as a real syscall, bypassing the vDSO.
pub fn raw_clock(id: libc::clockid_t) -> Result<i128, i32> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid out pointer; the kernel writes one timespec.
    let r = unsafe { libc::syscall(libc::SYS_clock_gettime, id, &mut ts as *mut libc::timespec) };
    if r == 0 {
        Ok(ts_ns(&ts))
    } else {
        Err(last_errno())
    }
}

/// Parses "1234.56" (the /proc/uptime format) into nanoseconds.
pub fn parse_secs(text: &str) -> Option<i128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let int: i128 = int.parse().ok()?;
    let digits: String = frac.chars().take(9).collect();
    let frac_ns: i128 = if digits.is_empty() {
        0
    } else {
        let v: i128 = digits.parse().ok()?;
        v * 10i128.pow(9 - digits.len() as u32)
    };
    Some(int * SEC_NS + frac_ns)
}

/// Reads every clock once; the error is a sentence for the audience.
pub fn snapshot() -> Result<Clocks, String> {
    let get = |id, name: &str| {
        libc_clock(id).map_err(|e| format!("clock_gettime({name}): {}", errno_name(e)))
    };
    let mono = get(libc::CLOCK_MONOTONIC, "CLOCK_MONOTONIC")?;
    let boot = get(libc::CLOCK_BOOTTIME, "CLOCK_BOOTTIME")?;
    let real = get(libc::CLOCK_REALTIME, "CLOCK_REALTIME")?;
    let raw = crate::probe::read_trimmed("/proc/uptime")?;
    let uptime_text = raw.split_whitespace().next().unwrap_or("").to_string();
    let uptime =
        parse_secs(&uptime_text).ok_or_else(|| format!("/proc/uptime: cannot parse {raw:?}"))?;
    Ok(Clocks {
        mono,
        boot,
        real,
        uptime_text,
        uptime,
    })
}

/// "1234.567" (seconds, 3 decimals; truncated).
pub fn secs(ns: i128) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.abs();
    format!("{sign}{}.{:03}", a / SEC_NS, (a % SEC_NS) / 1_000_000)
}

/// "+0.002 s" (signed seconds).
pub fn signed_secs(ns: i128) -> String {
    let plus = if ns >= 0 { "+" } else { "" };
    format!("{plus}{} s", secs(ns))
}

/// "+365.000 days" (signed days, 3 decimals, rounded).
pub fn signed_days(ns: i128) -> String {
    let milli = (ns * 1000 + ns.signum() * DAY_NS / 2) / DAY_NS;
    let sign = if milli < 0 { "-" } else { "+" };
    let a = milli.abs();
    format!("{sign}{}.{:03} days", a / 1000, a % 1000)
}

/// "20 min", "3 h 12 min", "365 d 0 h".
pub fn human(ns: i128) -> String {
    let s = ns / SEC_NS;
    if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 86_400 {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    } else {
        format!("{} d {} h", s / 86_400, s % 86_400 / 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(secs(1_234_567_891_000), "1234.567");
        assert_eq!(signed_secs(2_000_000), "+0.002 s");
        assert_eq!(signed_secs(-2_000_000), "-0.002 s");
        assert_eq!(signed_days(365 * DAY_NS + 3 * SEC_NS), "+365.000 days");
        assert_eq!(signed_days(DAY_NS), "+1.000 days");
        assert_eq!(human(20 * 60 * SEC_NS + 5), "20 min");
        assert_eq!(human(365 * DAY_NS), "365 d 0 h");
        assert_eq!(parse_secs("1234.56"), Some(1_234_560_000_000));
        assert_eq!(parse_secs("7"), Some(7 * SEC_NS));
        assert_eq!(parse_secs("x"), None);
    }
}
