//! Probe for the `seccomp` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("seccomp", "probe not implemented yet")
}
