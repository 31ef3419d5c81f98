//! The shipped config file is exactly what the config declarations render for the
//! built-in defaults (so it documents every key), it loads as those defaults, bad values
//! in a config file are refused with a one-line message naming key and range, and a
//! retired key still loads, with a warning.

use std::path::Path;

use callcue::config::{reference_toml, Config};

fn shipped_config_path() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/callcue.toml"))
}

#[test]
fn shipped_file_is_the_rendered_reference() {
    let shipped = std::fs::read_to_string(shipped_config_path()).unwrap();
    let reference = reference_toml();
    if shipped == reference {
        return;
    }
    let line = shipped
        .lines()
        .zip(reference.lines())
        .position(|(file, rendered)| file != rendered)
        .unwrap_or_else(|| shipped.lines().count().min(reference.lines().count()));
    panic!(
        "config/callcue.toml is not what the config declarations give, from line {}:\n  \
         file:     {:?}\n  rendered: {:?}\n\
         It is generated: regenerate it with `callcue config --reference > config/callcue.toml` \
         (or, without building callcue, `CALLCUE_UPDATE_CONFIG=1 cargo test -p callcue-core \
         shipped_file`) and edit the declarations in crates/callcue-core/src/config/ instead.",
        line + 1,
        shipped.lines().nth(line).unwrap_or("(end of file)"),
        reference.lines().nth(line).unwrap_or("(end of file)"),
    );
}

#[test]
fn shipped_file_equals_built_in_defaults() {
    let shipped = Config::load(shipped_config_path()).expect("shipped config loads");
    assert_eq!(shipped, Config::default());
}

#[test]
fn shipped_file_sets_every_key_explicitly() {
    // Every key the program knows appears in the shipped file, so it documents them all.
    let text = std::fs::read_to_string(shipped_config_path()).unwrap();
    let shipped: toml::Table = toml::from_str(&text).unwrap();
    let defaults = toml::Table::try_from(Config::default()).unwrap();
    fn keys(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner) => keys(&path, inner, out),
                _ => out.push(path),
            }
        }
    }
    let (mut in_file, mut known) = (Vec::new(), Vec::new());
    keys("", &shipped, &mut in_file);
    keys("", &defaults, &mut known);
    in_file.sort();
    known.sort();
    assert_eq!(in_file, known);
}

#[test]
fn bad_files_give_one_line_errors_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[turns]\nmin_overlap_ms = -5\n", "turns.min_overlap_ms"),
        (
            "[turns]\nmin_overlap_ms = 20\n",
            "turns.min_overlap_ms = 20 is out of range: allowed 100 to 5000 ms",
        ),
        ("[vad]\naggressiveness = 7\n", "vad.aggressiveness = 7"),
        ("[nudges.pause]\ncooldown = 5\n", "cooldown"),
        (
            "[prosody]\npitch_min_hz = \"low\"\n",
            "prosody.pitch_min_hz",
        ),
        (
            "[caller_frustration]\nthreshold = 1.5\n",
            "caller_frustration.threshold = 1.5",
        ),
        ("this is not toml", "line 1"),
        (
            "[stt]\nthreads = 0\n",
            "stt.threads = 0 is out of range: allowed 1 to 64",
        ),
        ("[stt]\nmodel = \"../models/x.bin\"\n", "stt.model"),
        (
            "[words]\ncaller_loss = [\"passed away\", \"  \"]\n",
            "words.caller_loss",
        ),
        (
            "[stt]\nno_speech_probability_max = 2.0\n",
            "stt.no_speech_probability_max = 2",
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let message = Config::load(&path).unwrap_err().to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(expected),
            "case {i}: {message:?} lacks {expected:?}"
        );
        assert!(!message.contains('\n'), "case {i} spans lines: {message:?}");
    }
    let missing = dir.path().join("missing.toml");
    let message = Config::load(&missing).unwrap_err().to_string();
    assert!(
        message.contains("missing.toml") && message.contains("cannot read"),
        "{message}"
    );
}

#[test]
fn a_retired_key_loads_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.toml");
    std::fs::write(&path, "[overlay]\nshow_ms = 6000\nfade_ms = 300\n").unwrap();
    let (config, warnings) = Config::load_with_warnings(&path).expect("a retired key loads");
    assert_eq!(config.overlay.fade_ms, 300);
    assert_eq!(
        warnings,
        [format!(
            "{}: overlay.show_ms is no longer used: nudges.display_ms sets how long a nudge shows",
            path.display()
        )]
    );
    assert_eq!(Config::load(&path).unwrap(), config);
}
