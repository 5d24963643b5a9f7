//! memfd_secret(2): memory even the kernel's direct map does not show.

use super::errno::last_errno;

/// memfd_secret(0) as a raw syscall: the fd, or the errno.
pub fn memfd_secret() -> Result<i32, i32> {
    // SAFETY: memfd_secret takes one integer flags argument and returns an fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_memfd_secret, 0u32) };
    if fd < 0 {
        Err(last_errno())
    } else {
        i32::try_from(fd).map_err(|_| libc::EBADF)
    }
}
