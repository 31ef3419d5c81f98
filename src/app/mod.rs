//! The parts of the `callcue` command that live outside the library: the overlay window,
//! the WebSocket event stream for integrations and the local control socket the softphone
//! hooks use, and the installation check. The library does the analysis; these present it
//! and take commands.

pub mod call_control;
pub mod devices;
pub mod doctor;
pub mod live_run;
pub mod overlay;
pub mod run_log;
pub mod stream_server;
pub mod summaries;
pub mod summaries_export;
#[cfg(windows)]
pub mod windows;
