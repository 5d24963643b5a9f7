//! Probe for the `container` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("container", "probe not implemented yet")
}
