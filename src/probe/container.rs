//! Probe for the `container` demo: the same user-namespace capability as the
//! `namespaces` demo (unshare(CLONE_NEWUSER) and then PID|UTS|NS|NET|IPC, tried in a
//! throwaway forked child).

use super::Probe;

/// The probe of the `container` demo.
pub fn probe() -> Probe {
    super::namespaces::probe_as("namespaces for a container")
}
