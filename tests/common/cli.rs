//! Running the real `callcue` binary as a user would, with no user or system config
//! picked up by accident.

use std::process::{Command, Output};

/// `callcue ARGS` ready to start, with no user or system config picked up by accident.
pub fn callcue_command(args: &[&str]) -> Command {
    let Some(bin) = option_env!("CARGO_BIN_EXE_callcue") else {
        panic!("run from an integration test or bench");
    };
    let mut command = Command::new(bin);
    command
        .args(args)
        .env_remove("CALLCUE_CONFIG")
        .env("XDG_CONFIG_HOME", "/nonexistent-callcue-test");
    command
}

/// Runs `callcue ARGS` and waits for it.
pub fn callcue(args: &[&str]) -> Output {
    callcue_command(args).output().expect("callcue runs")
}
