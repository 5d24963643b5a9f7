//! Probe for the `wireguard` demo's feature. (stub: replaced by the real probe)

use super::Probe;

pub fn probe() -> Probe {
    Probe::no("wireguard", "probe not implemented yet")
}
