//! Probe for the `namespaces` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("namespaces", "probe not implemented yet")
}
