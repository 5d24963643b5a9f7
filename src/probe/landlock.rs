//! Probe for the `landlock` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("landlock", "probe not implemented yet")
}
