//! Probe for the `timens` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("timens", "probe not implemented yet")
}
