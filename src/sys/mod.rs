//! The floor: thin, safe wrappers over the kernel interfaces everything above shares:
//! netlink sockets, forked children and bounded waits through pidfds, errno names,
//! uname and dates, memfd_secret. Nothing here imports another kdeck module.

pub mod errno;
pub mod fork;
pub mod host;
pub mod memfd;
pub mod netlink;
pub mod wait;
