//! Where the kernel's seccomp record (audit type 1326) can be read: `/dev/kmsg` (printk,
//! used when no auditd is connected) and the audit netlink multicast group
//! AUDIT_NLGRP_READLOG (every record, needs CAP_AUDIT_READ). Every wait is bounded.

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::probe::{last_errno, seccomp::open_kmsg};

const AUDIT_GET: u16 = 1000;
const AUDIT_NLGRP_READLOG: u32 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_HDRLEN: usize = 16;

/// `/dev/kmsg`, positioned at its end so only records newer than the open are read.
pub struct Kmsg(File);

impl Kmsg {
    /// Opens `/dev/kmsg` non-blocking and seeks to the end (SEEK_END).
    pub fn open_at_end() -> Result<Self, i32> {
        let mut f = open_kmsg()?;
        f.seek(SeekFrom::End(0))
            .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
        Ok(Kmsg(f))
    }

    /// Reads every record available now (one per read()); the message text only.
    fn drain(&mut self, out: &mut Vec<String>) {
        let mut buf = vec![0u8; 8192];
        loop {
            match self.0.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => out.push(kmsg_text(&buf[..n])),
                // EPIPE: records were overwritten before we read them; go on.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return, // EAGAIN (nothing new) or a real error
            }
        }
    }
}

/// The message of a `/dev/kmsg` record: "6,1234,5678,-;audit: type=1326 ...\n KEY=..."
/// → "audit: type=1326 ...".
pub fn kmsg_text(rec: &[u8]) -> String {
    let s = String::from_utf8_lossy(rec);
    let msg = s.split_once(';').map_or(&*s, |(_, m)| m);
    msg.lines().next().unwrap_or("").to_string()
}

fn nl_socket(flags: i32) -> Result<OwnedFd, i32> {
    // SAFETY: plain socket() call; the fd is owned right away.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | flags,
            libc::NETLINK_AUDIT,
        )
    };
    if fd < 0 {
        return Err(last_errno());
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn sockaddr_nl(groups: u32) -> libc::sockaddr_nl {
    // SAFETY: sockaddr_nl is plain old data; all-zero is valid.
    let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    sa.nl_groups = groups;
    sa
}

const SA_NL_LEN: libc::socklen_t = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;

/// A NETLINK_AUDIT socket bound to the read-only log multicast group.
pub struct AuditMcast(OwnedFd);

impl AuditMcast {
    /// Binds to AUDIT_NLGRP_READLOG (EPERM without CAP_AUDIT_READ).
    pub fn bind() -> Result<Self, i32> {
        let fd = nl_socket(libc::SOCK_NONBLOCK)?;
        let sa = sockaddr_nl(AUDIT_NLGRP_READLOG);
        // SAFETY: `sa` is a valid sockaddr_nl of the given length.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_nl).cast(),
                SA_NL_LEN,
            )
        };
        if rc != 0 {
            return Err(last_errno());
        }
        Ok(AuditMcast(fd))
    }

    /// Reads every datagram available now; records as "type=N <text>".
    fn drain(&mut self, out: &mut Vec<String>) {
        let mut buf = vec![0u8; 16384];
        loop {
            match recv(&self.0, &mut buf, libc::MSG_DONTWAIT) {
                Ok(n) => {
                    for (ty, payload) in nl_messages(&buf[..n]) {
                        let text = String::from_utf8_lossy(payload);
                        out.push(format!("type={ty} {}", text.trim_end_matches('\0').trim()));
                    }
                }
                Err(libc::EINTR) | Err(libc::ENOBUFS) => continue,
                Err(_) => return,
            }
        }
    }
}

fn recv(fd: &OwnedFd, buf: &mut [u8], flags: i32) -> Result<usize, i32> {
    // SAFETY: buf is valid for buf.len() bytes.
    let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), flags) };
    usize::try_from(n).map_err(|_| last_errno())
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// Splits a netlink datagram into (type, payload) pairs.
pub fn nl_messages(mut buf: &[u8]) -> Vec<(u16, &[u8])> {
    let mut msgs = Vec::new();
    while let Some(len) = u32_at(buf, 0) {
        let len = len as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            break;
        }
        let ty = u16::from_ne_bytes([buf[4], buf[5]]);
        msgs.push((ty, &buf[NLMSG_HDRLEN..len]));
        let next = (len + 3) & !3;
        buf = buf.get(next..).unwrap_or(&[]);
    }
    msgs
}

/// The pid of the connected audit daemon from AUDIT_GET (0: none), or the errno
/// (EPERM without CAP_AUDIT_CONTROL, ECONNREFUSED outside the initial user namespace).
pub fn auditd_pid(timeout: Duration) -> Result<u32, i32> {
    let fd = nl_socket(0)?;
    let mut req = [0u8; NLMSG_HDRLEN];
    req[0..4].copy_from_slice(&(NLMSG_HDRLEN as u32).to_ne_bytes());
    req[4..6].copy_from_slice(&AUDIT_GET.to_ne_bytes());
    req[6..8].copy_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
    req[8..12].copy_from_slice(&1u32.to_ne_bytes());
    let sa = sockaddr_nl(0);
    // SAFETY: req and sa are valid for their lengths.
    let rc = unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            req.as_ptr().cast(),
            req.len(),
            0,
            (&sa as *const libc::sockaddr_nl).cast(),
            SA_NL_LEN,
        )
    };
    if rc < 0 {
        return Err(last_errno());
    }
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; 8192];
    while wait_readable(&[fd.as_fd()], deadline)?.first() == Some(&true) {
        let n = recv(&fd, &mut buf, libc::MSG_DONTWAIT)?;
        for (ty, payload) in nl_messages(&buf[..n]) {
            match ty {
                // struct audit_status { mask, enabled, failure, pid, ... }
                AUDIT_GET => return u32_at(payload, 12).ok_or(libc::EPROTO),
                NLMSG_ERROR => {
                    let err = u32_at(payload, 0).map_or(0, |e| e as i32);
                    if err != 0 {
                        return Err(-err);
                    }
                }
                _ => {}
            }
        }
    }
    Err(libc::ETIMEDOUT)
}

/// poll() until one of `fds` is readable or `deadline` passes; which are readable.
fn wait_readable(fds: &[std::os::fd::BorrowedFd<'_>], deadline: Instant) -> Result<Vec<bool>, i32> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX);
        // SAFETY: pfds is a valid array of pollfd of the given length.
        let rc = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
        if rc < 0 {
            let e = last_errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        return Ok(pfds.iter().map(|p| p.revents & libc::POLLIN != 0).collect());
    }
}

/// How long to keep waiting for the expected source once the other one has the record.
const FALLBACK_GRACE: Duration = Duration::from_millis(50);

/// Where a record was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `/dev/kmsg` (printk path: no auditd connected).
    Kmsg,
    /// The audit netlink multicast group (AUDIT_NLGRP_READLOG).
    Netlink,
}

/// A record that matched, where from, and how long after the wait began.
pub struct Found {
    /// Where it was read.
    pub source: Source,
    /// The record's text.
    pub text: String,
    /// Time from the syscall to reading the record.
    pub after: Duration,
}

/// The log sources opened before the syscall, so only newer records are read.
pub struct Sources {
    /// `/dev/kmsg` or why it could not be opened.
    pub kmsg: Result<Kmsg, i32>,
    /// The audit multicast socket or why it could not be bound.
    pub mcast: Result<AuditMcast, i32>,
    /// AUDIT_GET's auditd pid (0 = none) or its errno.
    pub auditd: Result<u32, i32>,
}

impl Sources {
    /// Opens both sources and asks AUDIT_GET whether auditd is connected.
    pub fn open() -> Self {
        Sources {
            kmsg: Kmsg::open_at_end(),
            mcast: AuditMcast::bind(),
            auditd: auditd_pid(Duration::from_millis(100)),
        }
    }

    /// True if any source is readable.
    pub fn any(&self) -> bool {
        self.kmsg.is_ok() || self.mcast.is_ok()
    }

    /// Where the record is expected: the multicast group if auditd has it (or kmsg is
    /// unreadable), else `/dev/kmsg`.
    pub fn expected(&self) -> Source {
        let auditd = matches!(self.auditd, Ok(pid) if pid != 0);
        if self.kmsg.is_err() || (auditd && self.mcast.is_ok()) {
            Source::Netlink
        } else {
            Source::Kmsg
        }
    }

    /// Waits up to `timeout` for a record matching `want`; `Found::after` counts from
    /// `since` (the syscall). Stops as soon as the expected source has it; at the
    /// deadline (shortened to [`FALLBACK_GRACE`] once the other source has a match)
    /// falls back to that match.
    pub fn wait_for(
        &mut self,
        want: impl Fn(&str) -> bool,
        since: Instant,
        timeout: Duration,
    ) -> Option<Found> {
        let mut deadline = Instant::now() + timeout;
        let expected = self.expected();
        let mut other: Option<Found> = None;
        loop {
            let mut fds = Vec::new();
            let mut kinds = Vec::new();
            if let Ok(k) = &self.kmsg {
                fds.push(k.0.as_fd());
                kinds.push(Source::Kmsg);
            }
            if let Ok(m) = &self.mcast {
                fds.push(m.0.as_fd());
                kinds.push(Source::Netlink);
            }
            let ready = wait_readable(&fds, deadline).ok()?;
            let ready: Vec<Source> = kinds
                .into_iter()
                .zip(ready)
                .filter_map(|(k, r)| r.then_some(k))
                .collect();
            for src in ready {
                let mut recs = Vec::new();
                match (src, &mut self.kmsg, &mut self.mcast) {
                    (Source::Kmsg, Ok(k), _) => k.drain(&mut recs),
                    (Source::Netlink, _, Ok(m)) => m.drain(&mut recs),
                    _ => {}
                }
                if let Some(text) = recs.into_iter().find(|r| want(r)) {
                    let found = Found {
                        source: src,
                        text,
                        after: since.elapsed(),
                    };
                    if src == expected {
                        return Some(found);
                    }
                    if other.is_none() {
                        // kauditd prints right after the multicast send: if the printk
                        // copy is not there soon, printk_ratelimit() dropped it.
                        deadline = deadline.min(Instant::now() + FALLBACK_GRACE);
                        other = Some(found);
                    }
                }
            }
            if Instant::now() >= deadline {
                return other;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmsg_record_text() {
        let rec = b"5,1234,5678,-;audit: type=1326 audit(1.2:3): pid=7 code=0x7ffc0000\n";
        assert_eq!(
            kmsg_text(rec),
            "audit: type=1326 audit(1.2:3): pid=7 code=0x7ffc0000"
        );
    }

    #[test]
    fn netlink_split() {
        let mut buf = Vec::new();
        for (ty, text) in [(1326u16, &b"abc"[..]), (1300, &b"defgh"[..])] {
            let len = (NLMSG_HDRLEN + text.len()) as u32;
            buf.extend_from_slice(&len.to_ne_bytes());
            buf.extend_from_slice(&ty.to_ne_bytes());
            buf.extend_from_slice(&[0u8; 10]);
            buf.extend_from_slice(text);
            while buf.len() % 4 != 0 {
                buf.push(0);
            }
        }
        let msgs = nl_messages(&buf);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0], (1326, &b"abc"[..]));
        assert_eq!(msgs[1], (1300, &b"defgh"[..]));
    }
}
