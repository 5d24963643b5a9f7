//! The floor: thin, safe wrappers over the kernel interfaces everything above shares
//! (netlink sockets, forked children with bounded waits). Nothing here imports another
//! kdeck module except through its own submodules.

pub mod fork;
pub mod netlink;
