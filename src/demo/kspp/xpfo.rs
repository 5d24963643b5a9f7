//! The XPFO idea today: memfd_secret(2) pages are removed from the kernel's direct map
//! (memfd_secret(2) says so). A forked child maps one secret page and one ordinary
//! anonymous page; the parent reads both through /proc/<child>/mem: the anonymous page
//! reads back, the secret page gives EIO. The EIO is the kernel refusing access to
//! secret memory; it does not by itself show the direct-map removal.

use crate::sys::memfd::memfd_secret;
use crate::sys::wait::{WaitOpts, wait_child};
use std::time::{Duration, Instant};

use crate::probe::{errno_name, last_errno};

/// What the child writes into its two pages.
pub const SECRET_TEXT: &[u8] = b"hunter2-secret-key";
/// The ordinary page's contents.
pub const PLAIN_TEXT: &[u8] = b"plain anonymous page";

const PAGE: usize = 4096;

/// Where in the child the demo failed, with the errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
enum Stage {
    Ready = 0,
    MemfdSecret = 1,
    Ftruncate = 2,
    MmapSecret = 3,
    MmapAnon = 4,
}

impl Stage {
    fn from_u64(v: u64) -> Option<Stage> {
        [
            Stage::Ready,
            Stage::MemfdSecret,
            Stage::Ftruncate,
            Stage::MmapSecret,
            Stage::MmapAnon,
        ]
        .into_iter()
        .find(|s| *s as u64 == v)
    }

    fn call(self) -> &'static str {
        match self {
            Stage::Ready => "ready",
            Stage::MemfdSecret => "memfd_secret(0)",
            Stage::Ftruncate => "ftruncate(secret fd, 4096)",
            Stage::MmapSecret => "mmap(secret fd)",
            Stage::MmapAnon => "mmap(MAP_ANONYMOUS)",
        }
    }
}

/// The child's report to the parent: stage, errno, secret fd, two addresses.
#[derive(Debug, Clone, Copy)]
struct ChildMsg {
    stage: Stage,
    errno: i32,
    fd: i32,
    anon: u64,
    secret: u64,
}

impl ChildMsg {
    fn failed(stage: Stage, errno: i32) -> ChildMsg {
        ChildMsg {
            stage,
            errno,
            fd: -1,
            anon: 0,
            secret: 0,
        }
    }

    fn encode(&self) -> [u8; 40] {
        let words = [
            self.stage as u64,
            self.errno as u64,
            self.fd as u64,
            self.anon,
            self.secret,
        ];
        let mut buf = [0u8; 40];
        for (chunk, w) in buf.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&w.to_ne_bytes());
        }
        buf
    }

    fn decode(buf: &[u8; 40]) -> Option<ChildMsg> {
        let mut words = [0u64; 5];
        for (w, chunk) in words.iter_mut().zip(buf.chunks_exact(8)) {
            *w = u64::from_ne_bytes(chunk.try_into().ok()?);
        }
        Some(ChildMsg {
            stage: Stage::from_u64(words[0])?,
            errno: words[1] as i32,
            fd: words[2] as i32,
            anon: words[3],
            secret: words[4],
        })
    }
}

/// What the demo found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XpfoOutcome {
    /// The anonymous page read back and the secret page gave an errno (EIO).
    Proven(Evidence),
    /// The secret page read back through /proc/PID/mem: no protection.
    Leaked(Evidence),
    /// memfd_secret or its mapping is not available: "memfd_secret(0): ENOSYS".
    Unavailable(String),
    /// The pages could not be read from outside at all (ptrace access refused).
    Refused(String),
}

/// What was seen, for printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The child's pid.
    pub pid: i32,
    /// The secret fd in the child.
    pub fd: i32,
    /// Address of the anonymous page.
    pub anon: u64,
    /// Address of the secret page.
    pub secret: u64,
    /// pread of the anonymous page: the bytes or the errno.
    pub anon_read: Result<Vec<u8>, i32>,
    /// pread of the secret page: the bytes or the errno.
    pub secret_read: Result<Vec<u8>, i32>,
}

/// Runs the demo: fork a child that maps the pages, read them from the parent.
/// Must run in a single-threaded process (the demo child).
pub fn run() -> XpfoOutcome {
    let Some((to_parent_r, to_parent_w)) = pipe() else {
        return XpfoOutcome::Refused(format!("pipe: {}", errno_name(last_errno())));
    };
    let Some((to_child_r, to_child_w)) = pipe() else {
        close_all(&[to_parent_r, to_parent_w]);
        return XpfoOutcome::Refused(format!("pipe: {}", errno_name(last_errno())));
    };
    // SAFETY: the demo body runs single-threaded; the child only makes syscalls and
    // leaves with _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        close_all(&[to_parent_r, to_parent_w, to_child_r, to_child_w]);
        return XpfoOutcome::Refused(format!("fork: {}", errno_name(last_errno())));
    }
    if pid == 0 {
        close_all(&[to_parent_r, to_child_w]);
        child(to_parent_w, to_child_r);
    }
    close_all(&[to_parent_w, to_child_r]);
    let outcome = parent(pid, to_parent_r);
    close_all(&[to_parent_r, to_child_w]);
    reap(pid);
    outcome
}

fn pipe() -> Option<(i32, i32)> {
    let mut fds = [0i32; 2];
    // SAFETY: fds is a valid array of two ints.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    (rc == 0).then_some((fds[0], fds[1]))
}

fn close_all(fds: &[i32]) {
    for &fd in fds {
        // SAFETY: closing fds this function's caller owns.
        unsafe { libc::close(fd) };
    }
}

/// The forked child: map the pages, report, then wait for the parent (bounded).
fn child(to_parent: i32, from_parent: i32) -> ! {
    let msg = map_pages();
    let buf = msg.encode();
    // SAFETY: writing a local buffer to our pipe.
    let _ = unsafe { libc::write(to_parent, buf.as_ptr().cast(), buf.len()) };
    // Stay alive (pages mapped) until the parent closes its end, at most 3 s.
    let mut pfd = libc::pollfd {
        fd: from_parent,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let _ = unsafe { libc::poll(&mut pfd, 1, 3000) };
    // SAFETY: leaving the forked child without running the parent's destructors.
    unsafe { libc::_exit(0) }
}

fn map_pages() -> ChildMsg {
    let fd = match memfd_secret() {
        Ok(fd) => fd,
        Err(e) => return ChildMsg::failed(Stage::MemfdSecret, e),
    };
    // SAFETY: fd is the memfd_secret fd we just got.
    if unsafe { libc::ftruncate(fd, PAGE as libc::off_t) } != 0 {
        return ChildMsg::failed(Stage::Ftruncate, last_errno());
    }
    let Some(secret) = map_page(fd) else {
        return ChildMsg::failed(Stage::MmapSecret, last_errno());
    };
    let Some(anon) = map_page(-1) else {
        return ChildMsg::failed(Stage::MmapAnon, last_errno());
    };
    // SAFETY: both are fresh, writable, page-sized mappings, larger than the texts.
    unsafe {
        std::ptr::copy_nonoverlapping(SECRET_TEXT.as_ptr(), secret, SECRET_TEXT.len());
        std::ptr::copy_nonoverlapping(PLAIN_TEXT.as_ptr(), anon, PLAIN_TEXT.len());
    }
    ChildMsg {
        stage: Stage::Ready,
        errno: 0,
        fd,
        anon: anon as u64,
        secret: secret as u64,
    }
}

/// mmap one read-write page: shared from `fd`, or anonymous when fd is -1.
fn map_page(fd: i32) -> Option<*mut u8> {
    let flags = if fd < 0 {
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS
    } else {
        libc::MAP_SHARED
    };
    // SAFETY: a fresh mapping at a kernel-chosen address.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            PAGE,
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            fd,
            0,
        )
    };
    (p != libc::MAP_FAILED).then_some(p.cast())
}

fn parent(pid: i32, from_child: i32) -> XpfoOutcome {
    let msg = match read_msg(from_child) {
        Ok(m) => m,
        Err(why) => return XpfoOutcome::Refused(why),
    };
    if msg.stage != Stage::Ready {
        return XpfoOutcome::Unavailable(format!(
            "{}: {}",
            msg.stage.call(),
            errno_name(msg.errno)
        ));
    }
    let path = format!("/proc/{pid}/mem");
    let Ok(cpath) = std::ffi::CString::new(path.clone()) else {
        return XpfoOutcome::Refused(format!("{path}: bad path"));
    };
    // SAFETY: a valid NUL-terminated path.
    let fd = unsafe { libc::open(cpath.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return XpfoOutcome::Refused(format!(
            "open {path}: {}; {}",
            errno_name(last_errno()),
            ptrace_scope()
        ));
    }
    let anon_read = pread(fd, msg.anon, PLAIN_TEXT.len());
    let secret_read = pread(fd, msg.secret, SECRET_TEXT.len());
    close_all(&[fd]);
    let ev = Evidence {
        pid,
        fd: msg.fd,
        anon: msg.anon,
        secret: msg.secret,
        anon_read,
        secret_read,
    };
    classify(ev)
}

fn classify(ev: Evidence) -> XpfoOutcome {
    match (&ev.anon_read, &ev.secret_read) {
        (_, Ok(bytes)) if bytes.as_slice() == SECRET_TEXT => XpfoOutcome::Leaked(ev),
        (Ok(bytes), Err(_)) if bytes.as_slice() == PLAIN_TEXT => XpfoOutcome::Proven(ev),
        (Err(e), _) => XpfoOutcome::Refused(format!(
            "pread of the ordinary page: {}; {}",
            errno_name(*e),
            ptrace_scope()
        )),
        _ => XpfoOutcome::Refused("the ordinary page did not read back".to_string()),
    }
}

/// "kernel.yama.ptrace_scope = 1" or "no Yama (kernel.yama.ptrace_scope absent)".
pub fn ptrace_scope() -> String {
    match std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope") {
        Ok(v) => format!("kernel.yama.ptrace_scope = {}", v.trim()),
        Err(_) => "no Yama (kernel.yama.ptrace_scope absent)".to_string(),
    }
}

fn read_msg(fd: i32) -> Result<ChildMsg, String> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let ready = unsafe { libc::poll(&mut pfd, 1, 2000) };
    if ready <= 0 {
        return Err("the child did not report within 2 s".to_string());
    }
    let mut buf = [0u8; 40];
    // SAFETY: reading into a local buffer of the given size.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n != buf.len() as isize {
        return Err(format!("short read from the child ({n} bytes)"));
    }
    ChildMsg::decode(&buf).ok_or_else(|| "garbled report from the child".to_string())
}

fn pread(fd: i32, addr: u64, len: usize) -> Result<Vec<u8>, i32> {
    let mut buf = vec![0u8; len];
    let Ok(off) = libc::off_t::try_from(addr) else {
        return Err(libc::EINVAL);
    };
    // SAFETY: reading into a buffer of `len` bytes.
    let n = unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), len, off) };
    if n < 0 {
        return Err(last_errno());
    }
    buf.truncate(n as usize);
    Ok(buf)
}

/// Waits for the child (it leaves once our pipe end closes); kills it after 500 ms.
fn reap(pid: i32) {
    let deadline = Instant::now() + Duration::from_millis(500);
    // Reaped either way; a child still running at the deadline is killed first.
    let _ = wait_child(pid, deadline, WaitOpts::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_round_trips() {
        let m = ChildMsg {
            stage: Stage::Ready,
            errno: 0,
            fd: 3,
            anon: 0x7f00_0000_1000,
            secret: 0x7f00_0000_2000,
        };
        let d = ChildMsg::decode(&m.encode()).expect("decodes");
        assert_eq!(
            (d.stage, d.fd, d.anon, d.secret),
            (m.stage, 3, m.anon, m.secret)
        );
        let e =
            ChildMsg::decode(&ChildMsg::failed(Stage::MemfdSecret, 38).encode()).expect("decodes");
        assert_eq!((e.stage, e.errno), (Stage::MemfdSecret, 38));
    }
}
