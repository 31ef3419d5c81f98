//! `callcuew.exe`: starts `callcue.exe` from the same folder without a console window,
//! for the sign-in entry `callcue install` registers (`callcuew.exe run`).
//!
//! `callcue.exe` is a console program so that `callcue doctor` and the other commands
//! print and give their exit status to a prompt or a script; started at sign-in, a
//! console program gets a console window of its own. This launcher is a GUI-subsystem
//! program (no console), and starts `callcue.exe` with `CREATE_NO_WINDOW`: the overlay
//! shows, no console does. Its arguments go to `callcue.exe` unchanged (`run` when there
//! are none), its exit status comes back. What callcue says goes to its log file
//! (`%LOCALAPPDATA%\callcue\logs`); a launch that fails is written there too, as there is
//! no console to say it in.
//!
//! Built only for Windows (scripts/build-windows); elsewhere it says so and exits 2.

#![cfg_attr(windows, windows_subsystem = "windows")]

use std::process::ExitCode;

#[cfg(windows)]
fn main() -> ExitCode {
    use std::os::windows::process::CommandExt;
    use std::process::{Command, Stdio};

    /// Win32 `CREATE_NO_WINDOW`: the console program runs without a console window.
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;

    let program = match std::env::current_exe() {
        Ok(me) => me.with_file_name("callcue.exe"),
        Err(e) => return failed(&format!("cannot tell where callcuew.exe is: {e}")),
    };
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.is_empty() {
        args.push("run".into());
    }
    let status = Command::new(&program)
        .args(&args)
        .creation_flags(CREATE_NO_WINDOW)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(status) => ExitCode::from(
            status
                .code()
                .map_or(1, |code| u8::try_from(code).unwrap_or(1)),
        ),
        Err(e) => failed(&format!("cannot start {}: {e}", program.display())),
    }
}

/// Appends `message` to `launcher.log` in callcue's log folder; exit status 2.
#[cfg(windows)]
fn failed(message: &str) -> ExitCode {
    use std::io::Write;
    if let Some(local) = std::env::var_os("LOCALAPPDATA") {
        let dir = std::path::Path::new(&local).join("callcue").join("logs");
        let written = std::fs::create_dir_all(&dir).and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("launcher.log"))
                .and_then(|mut file| writeln!(file, "callcuew: {message}"))
        });
        // Nowhere else to say it: no console, and the log folder refused.
        drop(written);
    }
    ExitCode::from(2)
}

#[cfg(not(windows))]
fn main() -> ExitCode {
    eprintln!("callcuew: the console-less launcher is for Windows only; run callcue");
    ExitCode::from(2)
}
