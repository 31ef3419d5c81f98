//! Windows only: `callcue install` / `callcue uninstall` ([`install`]) over a small
//! registry wrapper ([`registry`]). The overlay's window styles live with the overlay
//! (`overlay/windows.rs`), the control pipe's access list with the control pipe
//! (`call_control.rs`).

pub mod install;
pub mod registry;
