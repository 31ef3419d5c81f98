//! Running the real `callcue` binary as a user would, with no user or system config
//! picked up by accident.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `callcue` executable under test: `$CALLCUE_BIN` if set, else the one cargo built
/// into the target folder the running test or bench executable is in
/// (`target/<profile>/deps/<test>` -> `target/<profile>/callcue`). Panics naming where it
/// looked.
pub fn callcue_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("CALLCUE_BIN").filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("the test executable's path");
    let name = format!("callcue{}", std::env::consts::EXE_SUFFIX);
    exe.ancestors()
        .skip(1)
        .take(3)
        .map(|dir| dir.join(&name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no {name} near {} (build it first, or set CALLCUE_BIN)",
                exe.display()
            )
        })
}

/// `callcue ARGS` ready to start, with no user or system config picked up by accident.
pub fn callcue_command(args: &[&str]) -> Command {
    let mut command = Command::new(callcue_bin());
    command
        .args(args)
        .env_remove("CALLCUE_CONFIG")
        .env(
            "CALLCUE_SYSTEM_CONFIG",
            "/nonexistent-callcue-test/callcue.toml",
        )
        .env("XDG_CONFIG_HOME", "/nonexistent-callcue-test");
    command
}

/// Runs `callcue ARGS` and waits for it.
pub fn callcue(args: &[&str]) -> Output {
    callcue_command(args).output().expect("callcue runs")
}
