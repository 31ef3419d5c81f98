//! Test support shared by the integration tests (and the demo-call builder): speech
//! synthesis, the scripted calls, and the strict event-contract types.
#![allow(dead_code)]

pub mod alloc_count;
pub mod calls;
pub mod cli;
pub mod events;
pub mod live;
pub mod model;
pub mod pulse;
pub mod synth;
