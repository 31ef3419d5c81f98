//! Golden event streams: the scripted calls, the demo call and the real support call
//! replayed by the real binary (voice analysis only, reproducible timing) must give the
//! JSONL checked in under `tests/golden/`: the same events, in the same order, with the
//! same types, texts, times and every other whole number; measurements (pitch, loudness
//! and the like, written as fractions) may differ in their last digits
//! ([`MEASUREMENT_REL_TOLERANCE`]), as the floating-point maths of another CPU and C
//! library rounds them; `latency_ms` (a measurement of this machine) is written as 0.
//!
//! Any change to what callcue hears or says on these calls shows up as a diff here. When
//! the change is meant, regenerate the files and review the diff like code:
//! `CALLCUE_BLESS=1 cargo test --release --test suite golden_calls::`.
//!
//! Speech-to-text is off: whisper's text depends on how many threads this machine's load
//! leaves it, so words are checked by their own tests (`words_calls`) instead.

use std::path::{Path, PathBuf};

use callcue_testkit as common;
use common::calls;
use common::cli::callcue;
use common::model::project_dir;
use common::synth::Call;

/// The folder of golden files.
fn golden_dir() -> PathBuf {
    project_dir().join("tests/golden")
}

/// The scripted calls, by the name of their golden file.
fn scripted_calls() -> Vec<(&'static str, Call)> {
    vec![
        ("coaching", calls::coaching_call()),
        ("calm", calls::calm_call()),
        ("monologue", calls::monologue_call()),
        (
            "flat_after_short_greeting",
            calls::flat_after_short_greeting_call(),
        ),
        ("frustrated_words", calls::frustrated_words_call()),
        ("loss", calls::loss_call()),
        ("bare_apology", calls::bare_apology_call()),
        ("blocking", calls::blocking_call()),
        ("unused_name", calls::unused_name_call()),
        ("loss_then_frustration", calls::loss_then_frustration_call()),
        ("live", calls::live_call()),
    ]
}

/// `callcue replay --no-stt` of `wav` as JSONL, `latency_ms` values written as 0.
fn replay_events(wav: &Path) -> String {
    let wav = wav.to_str().expect("a UTF-8 path");
    let output = callcue(&["replay", "--format", "jsonl", "--no-stt", wav]);
    assert!(
        output.status.success(),
        "replay of {wav}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    without_latencies(&String::from_utf8(output.stdout).expect("UTF-8 events"))
}

/// Every `"latency_ms":<number>` as `"latency_ms":0`.
fn without_latencies(jsonl: &str) -> String {
    const KEY: &str = "\"latency_ms\":";
    let mut out = String::with_capacity(jsonl.len());
    let mut rest = jsonl;
    while let Some(at) = rest.find(KEY) {
        let value_start = at + KEY.len();
        out.push_str(&rest[..value_start]);
        out.push('0');
        let value_len = rest[value_start..]
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
            .unwrap_or(rest.len() - value_start);
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}

/// Compares `actual` with the golden file `name`, or writes it with `CALLCUE_BLESS=1`.
/// Returns a description of the difference, if any.
fn check_golden(name: &str, actual: &str) -> Option<String> {
    let path = golden_dir().join(format!("{name}.jsonl"));
    if std::env::var_os("CALLCUE_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden_dir()).expect("the golden folder");
        std::fs::write(&path, actual).expect("the golden file is written");
        return None;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => return Some(format!("{}: {e}", path.display())),
    };
    let (expected_lines, actual_lines): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    let first_difference = (0..expected_lines.len().max(actual_lines.len())).find(|&i| {
        match (expected_lines.get(i), actual_lines.get(i)) {
            (Some(expected), Some(actual)) => !same_event(expected, actual),
            _ => true,
        }
    })?;
    Some(format!(
        "{name}: line {} differs\n  golden: {}\n  now:    {}\n  ({} golden lines, {} now)",
        first_difference + 1,
        expected_lines.get(first_difference).unwrap_or(&"(none)"),
        actual_lines.get(first_difference).unwrap_or(&"(none)"),
        expected_lines.len(),
        actual_lines.len(),
    ))
}

/// How far a measurement (a number written with a fraction) may be from its golden value,
/// relative to it: CPUs and C libraries round transcendental functions differently in the
/// last bits, which shows in the sixth or seventh digit of a pitch or a level.
const MEASUREMENT_REL_TOLERANCE: f64 = 1e-4;

/// Two event lines are the same event: equal JSON, except that numbers with a fraction
/// may differ by [`MEASUREMENT_REL_TOLERANCE`]. Whole numbers (times, counts) must be equal.
fn same_event(expected: &str, actual: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(expected),
        serde_json::from_str::<serde_json::Value>(actual),
    ) {
        (Ok(expected), Ok(actual)) => same_value(&expected, &actual),
        _ => expected == actual,
    }
}

fn same_value(expected: &serde_json::Value, actual: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => {
            if e.is_f64() || a.is_f64() {
                let (e, a) = (
                    e.as_f64().unwrap_or(f64::NAN),
                    a.as_f64().unwrap_or(f64::NAN),
                );
                (e - a).abs() <= MEASUREMENT_REL_TOLERANCE * e.abs().max(a.abs()).max(1e-9)
            } else {
                e == a
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| same_value(e, a))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .zip(a)
                    .all(|((ek, ev), (ak, av))| ek == ak && same_value(ev, av))
        }
        _ => expected == actual,
    }
}

#[test]
fn measurements_may_differ_in_their_last_digits_but_decisions_may_not() {
    let golden =
        r#"{"type":"baseline","t_ms":5120,"pitch_hz":96.19305,"loudness_dbfs":-25.278595}"#;
    assert!(same_event(
        golden,
        r#"{"type":"baseline","t_ms":5120,"pitch_hz":96.19306,"loudness_dbfs":-25.278292}"#
    ));
    assert!(!same_event(
        golden,
        r#"{"type":"baseline","t_ms":5140,"pitch_hz":96.19305,"loudness_dbfs":-25.278595}"#
    ));
    assert!(!same_event(
        golden,
        r#"{"type":"speech","t_ms":5120,"pitch_hz":96.19305,"loudness_dbfs":-25.278595}"#
    ));
    assert!(!same_event(
        golden,
        r#"{"type":"baseline","t_ms":5120,"pitch_hz":97.2,"loudness_dbfs":-25.278595}"#
    ));
    assert!(!same_event(
        golden,
        r#"{"type":"baseline","t_ms":5120,"pitch_hz":96.19305}"#
    ));
}

fn assert_all_match(differences: Vec<String>) {
    assert!(
        differences.is_empty(),
        "{}\nIf the change is meant: CALLCUE_BLESS=1 cargo test --release --test suite golden_calls:: and review the diff of tests/golden",
        differences.join("\n")
    );
}

#[test]
fn scripted_calls_give_their_golden_events() {
    let dir = tempfile::tempdir().unwrap();
    let differences = scripted_calls()
        .into_iter()
        .filter_map(|(name, call)| {
            let wav = dir.path().join(format!("{name}.wav"));
            common::synth::render_call(&call, &wav);
            check_golden(name, &replay_events(&wav))
        })
        .collect();
    assert_all_match(differences);
}

#[test]
fn the_demo_and_the_real_support_call_give_their_golden_events() {
    let recordings = [
        ("demo", project_dir().join("demo/call.wav")),
        (
            "support_call_auto_repairs",
            project_dir().join("../shared/data/calls/auto_repairs_40.wav"),
        ),
    ];
    let differences = recordings
        .iter()
        .filter_map(|(name, wav)| {
            assert!(wav.is_file(), "{} is missing", wav.display());
            check_golden(name, &replay_events(wav))
        })
        .collect();
    assert_all_match(differences);
}

#[test]
fn latencies_are_the_only_values_left_out() {
    assert_eq!(
        without_latencies(
            "{\"t_ms\":5,\"latency_ms\":0.0812,\"x\":1}\n{\"latency_ms\":12,\"decode_latency_ms\":3.5e-2}\n"
        ),
        "{\"t_ms\":5,\"latency_ms\":0,\"x\":1}\n{\"latency_ms\":0,\"decode_latency_ms\":3.5e-2}\n"
    );
}
