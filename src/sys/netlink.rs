//! Netlink plumbing shared by the audit, ima and wireguard demos.
//!
//! A raw netlink socket to the kernel with a bounded receive ([`NlSocket`]), a message
//! builder with attributes and nests ([`MsgBuilder`]), and parsers for replies, error
//! acks (with the extended-ack text such as "Unknown device type") and attributes.
//! The demos' throwaway forked children come from [`crate::sys::fork`].
//!
//! Constants are spelled out here (values from `<linux/netlink.h>`, `<linux/audit.h>`,
//! `<linux/rtnetlink.h>`, `<linux/if_link.h>`): the libc crate types them
//! inconsistently.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use super::errno::{errno_name, last_errno};

/// `NETLINK_ROUTE`: rtnetlink (links, addresses, routes).
pub const NETLINK_ROUTE: i32 = 0;
/// `NETLINK_AUDIT`: the audit subsystem's control socket.
pub const NETLINK_AUDIT: i32 = 9;

/// `NLMSG_ERROR`: an ack (error 0) or an error report.
pub const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`: end of a dump.
pub const NLMSG_DONE: u16 = 3;

/// `NLM_F_REQUEST`: every request carries it.
pub const NLM_F_REQUEST: u16 = 0x1;
/// `NLM_F_ACK`: ask for an ack even on success.
pub const NLM_F_ACK: u16 = 0x4;
/// `NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`): list every object.
pub const NLM_F_DUMP: u16 = 0x300;
/// `NLM_F_EXCL`: fail with EEXIST if the object exists.
pub const NLM_F_EXCL: u16 = 0x200;
/// `NLM_F_CREATE`: create the object.
pub const NLM_F_CREATE: u16 = 0x400;

/// Error-ack flag: the original request's payload was left out.
const NLM_F_CAPPED: u16 = 0x100;
/// Error-ack flag: extended-ack attributes follow.
const NLM_F_ACK_TLVS: u16 = 0x200;
/// Extended-ack attribute: a human-readable error message.
const NLMSGERR_ATTR_MSG: u16 = 1;
/// Socket option: ask for extended acks.
const NETLINK_EXT_ACK: libc::c_int = 11;

const NLMSG_HDRLEN: usize = 16;
const NLA_HDRLEN: usize = 4;
/// Attribute type bits (without NLA_F_NESTED / NLA_F_NET_BYTEORDER).
const NLA_TYPE_MASK: u16 = 0x3fff;
/// Largest datagram we read: enough for any dump chunk the kernel sends.
const RECV_BUF: usize = 64 * 1024;

/// Rounds up to the 4-byte netlink alignment.
pub fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// One netlink message, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// `nlmsg_type`.
    pub ty: u16,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// Everything after the 16-byte header.
    pub payload: Vec<u8>,
}

/// The kernel's answer to a request: an (error) ack or a data message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `NLMSG_ERROR`: errno 0 is a plain ack.
    Ack(Ack),
    /// Any other message.
    Data(Msg),
}

/// A decoded `NLMSG_ERROR` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// Positive errno (0 = success).
    pub errno: i32,
    /// The extended-ack message, if the kernel sent one.
    pub text: Option<String>,
}

impl Ack {
    /// "EOPNOTSUPP (Unknown device type)" or "EPERM", for the audience.
    pub fn describe(&self) -> String {
        match &self.text {
            Some(t) => format!("{} ({t})", errno_name(self.errno)),
            None => errno_name(self.errno),
        }
    }
}

/// Builds one netlink request: header, fixed payload, attributes.
#[derive(Debug, Clone)]
pub struct MsgBuilder {
    buf: Vec<u8>,
}

impl MsgBuilder {
    /// A request of type `ty` with `flags` (NLM_F_REQUEST is added).
    pub fn new(ty: u16, flags: u16) -> Self {
        let mut buf = vec![0u8; NLMSG_HDRLEN];
        buf[4..6].copy_from_slice(&ty.to_ne_bytes());
        buf[6..8].copy_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
        MsgBuilder { buf }
    }

    fn pad(&mut self) {
        let len = align4(self.buf.len());
        self.buf.resize(len, 0);
    }

    /// Appends a fixed-size payload (e.g. `struct ifinfomsg`), padded to 4 bytes.
    pub fn bytes(&mut self, data: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(data);
        self.pad();
        self
    }

    /// Appends attribute `ty` with `data`.
    pub fn attr(&mut self, ty: u16, data: &[u8]) -> &mut Self {
        let len = (NLA_HDRLEN + data.len()) as u16;
        self.buf.extend_from_slice(&len.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.pad();
        self
    }

    /// Appends a NUL-terminated string attribute.
    pub fn attr_str(&mut self, ty: u16, s: &str) -> &mut Self {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        self.attr(ty, &data)
    }

    /// Appends a nested attribute whose content `fill` writes.
    pub fn nest(&mut self, ty: u16, fill: impl FnOnce(&mut Self)) -> &mut Self {
        let start = self.buf.len();
        self.attr(ty, &[]);
        fill(self);
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    /// The finished message with sequence number `seq`.
    pub fn finish(&self, seq: u32) -> Vec<u8> {
        let mut out = self.buf.clone();
        let len = out.len() as u32;
        out[0..4].copy_from_slice(&len.to_ne_bytes());
        out[8..12].copy_from_slice(&seq.to_ne_bytes());
        out
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// A native-endian u32 at byte offset `at`, if the buffer is long enough.
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Splits one received datagram into messages; stops at a malformed header.
pub fn split_messages(mut buf: &[u8]) -> Vec<Msg> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let (Some(len), Some(ty), Some(flags), Some(seq)) = (
            u32_at(buf, 0),
            u16_at(buf, 4),
            u16_at(buf, 6),
            u32_at(buf, 8),
        ) else {
            break;
        };
        let len = len as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            break;
        }
        out.push(Msg {
            ty,
            flags,
            seq,
            payload: buf[NLMSG_HDRLEN..len].to_vec(),
        });
        buf = &buf[align4(len).min(buf.len())..];
    }
    out
}

/// The attributes in `buf` as (type, data) pairs; stops at a malformed one.
pub fn attrs(mut buf: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while buf.len() >= NLA_HDRLEN {
        let (Some(len), Some(ty)) = (u16_at(buf, 0), u16_at(buf, 2)) else {
            break;
        };
        let len = len as usize;
        if len < NLA_HDRLEN || len > buf.len() {
            break;
        }
        out.push((ty & NLA_TYPE_MASK, &buf[NLA_HDRLEN..len]));
        buf = &buf[align4(len).min(buf.len())..];
    }
    out
}

/// A string attribute's value (up to the first NUL).
pub fn attr_string(data: &[u8]) -> String {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}

/// Decodes an `NLMSG_ERROR` message.
pub fn parse_ack(msg: &Msg) -> Ack {
    let err = u32_at(&msg.payload, 0).map(|e| e as i32).unwrap_or(0);
    let mut text = None;
    if msg.flags & NLM_F_ACK_TLVS != 0 {
        let orig_len = if msg.flags & NLM_F_CAPPED != 0 {
            NLMSG_HDRLEN
        } else {
            u32_at(&msg.payload, 4).map_or(NLMSG_HDRLEN, |l| align4(l as usize))
        };
        if let Some(tlvs) = msg.payload.get(4 + orig_len..) {
            text = attrs(tlvs)
                .into_iter()
                .find(|(t, _)| *t == NLMSGERR_ATTR_MSG)
                .map(|(_, d)| attr_string(d));
        }
    }
    Ack { errno: -err, text }
}

/// A netlink socket to the kernel whose receives time out.
#[derive(Debug)]
pub struct NlSocket {
    fd: OwnedFd,
    seq: u32,
}

impl NlSocket {
    /// Opens and binds a netlink socket of `protocol`; receives time out after
    /// `timeout`. The error is the errno (EPROTONOSUPPORT: family not built in).
    pub fn open(protocol: i32, timeout: Duration) -> Result<Self, i32> {
        // SAFETY: plain socket(2) call; the result is checked.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                protocol,
            )
        };
        if raw < 0 {
            return Err(last_errno());
        }
        // SAFETY: `raw` is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let tv = libc::timeval {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_usec: timeout.subsec_micros() as libc::suseconds_t,
        };
        setsockopt(&fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv)?;
        // Extended acks only add the error text; old kernels answer ENOPROTOOPT,
        // which is fine to ignore.
        let one: libc::c_int = 1;
        if let Err(e) = setsockopt(&fd, libc::SOL_NETLINK, NETLINK_EXT_ACK, &one)
            && e != libc::ENOPROTOOPT
        {
            return Err(e);
        }
        // SAFETY: zeroed sockaddr_nl is valid (pid 0 = let the kernel pick).
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: addr is a valid sockaddr_nl of the given size.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(last_errno());
        }
        Ok(NlSocket { fd, seq: 0 })
    }

    /// Sends `msg` to the kernel with a fresh sequence number, which it returns.
    pub fn send(&mut self, msg: &MsgBuilder) -> Result<u32, i32> {
        self.seq = self.seq.wrapping_add(1);
        let bytes = msg.finish(self.seq);
        // SAFETY: zeroed sockaddr_nl with pid 0 addresses the kernel.
        let mut dst: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        dst.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: buffer and address are valid for the given lengths.
        let rc = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                (&dst as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(last_errno());
        }
        Ok(self.seq)
    }

    /// Receives one datagram's messages; EAGAIN when the timeout passes.
    pub fn recv(&self) -> Result<Vec<Msg>, i32> {
        let mut buf = vec![0u8; RECV_BUF];
        loop {
            // SAFETY: buf is valid for RECV_BUF bytes.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                let e = last_errno();
                if e == libc::EINTR {
                    continue;
                }
                return Err(if e == libc::EWOULDBLOCK {
                    libc::EAGAIN
                } else {
                    e
                });
            }
            return Ok(split_messages(&buf[..n as usize]));
        }
    }

    /// Sends `msg` and returns the first message answering it (data or ack).
    /// Gives up with EAGAIN after a few empty receives.
    pub fn ask(&mut self, msg: &MsgBuilder) -> Result<Reply, i32> {
        let seq = self.send(msg)?;
        for _ in 0..8 {
            for m in self.recv()? {
                if m.seq != seq {
                    continue;
                }
                return Ok(if m.ty == NLMSG_ERROR {
                    Reply::Ack(parse_ack(&m))
                } else {
                    Reply::Data(m)
                });
            }
        }
        Err(libc::EAGAIN)
    }

    /// Sends a dump request and collects every answer up to `NLMSG_DONE`. An error
    /// ack ends the dump with `Err(ack)`; a socket error becomes an ack with no text.
    pub fn dump(&mut self, msg: &MsgBuilder) -> Result<Vec<Msg>, Ack> {
        let as_ack = |errno| Ack { errno, text: None };
        let seq = self.send(msg).map_err(as_ack)?;
        let mut out = Vec::new();
        // Bounded: each receive times out, and a dump of a fresh namespace is tiny.
        for _ in 0..256 {
            for m in self.recv().map_err(as_ack)? {
                if m.seq != seq {
                    continue;
                }
                match m.ty {
                    NLMSG_DONE => return Ok(out),
                    NLMSG_ERROR => {
                        let ack = parse_ack(&m);
                        return if ack.errno == 0 { Ok(out) } else { Err(ack) };
                    }
                    _ => out.push(m),
                }
            }
        }
        Err(as_ack(libc::EAGAIN))
    }
}

fn setsockopt<T>(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, val: &T) -> Result<(), i32> {
    // SAFETY: `val` points to a live T of the given size.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (val as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc < 0 { Err(last_errno()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_parsers_round_trip() {
        let mut b = MsgBuilder::new(16, NLM_F_ACK);
        b.bytes(&[0u8; 16]).attr_str(3, "wg0").nest(18, |n| {
            n.attr_str(1, "wireguard");
        });
        let bytes = b.finish(7);
        let msgs = split_messages(&bytes);
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].ty, 16);
        assert_eq!(msgs[0].seq, 7);
        assert_eq!(msgs[0].flags, NLM_F_ACK | NLM_F_REQUEST);
        let a = attrs(&msgs[0].payload[16..]);
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].0, attr_string(a[0].1).as_str()), (3, "wg0"));
        assert_eq!(a[1].0, 18);
        let inner = attrs(a[1].1);
        assert_eq!(attr_string(inner[0].1), "wireguard");
    }

    #[test]
    fn error_ack_with_extack_text() {
        // NLMSG_ERROR, capped, with TLVs: error -95, original header, MSG attr.
        let mut payload = (-95i32).to_ne_bytes().to_vec();
        payload.extend_from_slice(&[0u8; 16]);
        let text = b"Unknown device type\0";
        payload.extend_from_slice(&((4 + text.len()) as u16).to_ne_bytes());
        payload.extend_from_slice(&NLMSGERR_ATTR_MSG.to_ne_bytes());
        payload.extend_from_slice(text);
        let m = Msg {
            ty: NLMSG_ERROR,
            flags: NLM_F_CAPPED | NLM_F_ACK_TLVS,
            seq: 1,
            payload,
        };
        let ack = parse_ack(&m);
        assert_eq!(ack.errno, libc::EOPNOTSUPP);
        assert_eq!(ack.describe(), "EOPNOTSUPP (Unknown device type)");
    }

    #[test]
    fn malformed_input_does_not_panic() {
        assert!(split_messages(&[1, 2, 3]).is_empty());
        assert!(split_messages(&[200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_empty());
        assert!(attrs(&[2, 0, 1]).is_empty());
        assert!(attrs(&[9, 0, 1, 0, 0]).is_empty());
    }
}
