//! Probe for the `ima` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("ima", "probe not implemented yet")
}
