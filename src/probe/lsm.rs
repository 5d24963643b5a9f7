//! Probe for the `lsm` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("lsm", "probe not implemented yet")
}
