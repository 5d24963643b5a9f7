//! Live body of the demo (stub: replaced by the real demo).

use super::out;
use crate::probe::Probe;

pub fn body(_probe: &Probe) -> i32 {
    out::unsupported("this demo is not implemented yet")
}
