//! Running the real `callcue` binary as a user would, with no user or system config
//! picked up by accident.

use std::process::{Command, Output};

/// Runs `callcue ARGS` and waits for it.
pub fn callcue(args: &[&str]) -> Output {
    let Some(bin) = option_env!("CARGO_BIN_EXE_callcue") else {
        panic!("run from an integration test or bench");
    };
    Command::new(bin)
        .args(args)
        .env_remove("CALLCUE_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-callcue-test")
        .output()
        .expect("callcue runs")
}
