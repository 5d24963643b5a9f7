//! Probe for the `kspp` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("kspp", "probe not implemented yet")
}
