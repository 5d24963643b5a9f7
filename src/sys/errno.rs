//! errno values as evidence: the name a man page uses ("EPERM"), through nix's `Errno`.

use nix::errno::Errno;

/// Name of an errno value the way man pages write it ("EPERM"), for evidence strings;
/// `errno 4242` for a value nix does not know.
pub fn errno_name(errno: i32) -> String {
    match Errno::from_raw(errno) {
        Errno::UnknownErrno => format!("errno {errno}"),
        e => format!("{e:?}"),
    }
}

/// The errno of the last failed libc call.
pub fn last_errno() -> i32 {
    Errno::last_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_the_man_pages() {
        assert_eq!(errno_name(libc::EPERM), "EPERM");
        assert_eq!(errno_name(libc::EOPNOTSUPP), "EOPNOTSUPP");
        assert_eq!(errno_name(libc::ENOSYS), "ENOSYS");
        assert_eq!(errno_name(4242), "errno 4242");
    }
}
