//! The speaker view: `kdeck present` listens on a Unix socket only its user can open,
//! `kdeck speaker` connects from a second terminal and shows the notes, the next slide,
//! the timer and the demo's state; navigation keys in either terminal move both.
//! `proto` holds the typed messages, `socket` where sockets live and who may use them,
//! `server` the presenting side, `view` the speaker's screen and `client` its loop.

pub mod proto;
