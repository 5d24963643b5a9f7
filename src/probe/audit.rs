//! Probe for the `audit` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("audit", "probe not implemented yet")
}
