//! callcue-testkit: what the integration tests, the benchmarks and the example builders
//! share. Speech synthesis (espeak-ng), the scripted calls, the strict event-contract
//! types, running the real `callcue` binary, PulseAudio servers for live capture, the test
//! model, a local OpenTelemetry collector endpoint, and an allocation counter.
//!
//! The `callcue` binary is found beside the test or bench executable (cargo builds it for
//! them into the same target folder), or at `$CALLCUE_BIN`: see [`cli::callcue_bin`].
#![allow(dead_code)]

pub mod alloc_count;
pub mod calls;
pub mod cli;
pub mod events;
pub mod live;
pub mod model;
pub mod otlp;
pub mod pulse;
pub mod synth;
