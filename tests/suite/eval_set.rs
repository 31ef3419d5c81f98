//! The labelled evaluation set (`examples/make_eval_set.rs`) scored by `callcue eval`:
//! real actors' angry, happy and neutral voices after a neutral start, the real polite
//! support call, and the scripted calls. Pins the precision targets: anger caught on at
//! least 10 of the 12 actors, happy sentences flagged on at most 4, later neutral ones on
//! at most 1; no `acknowledge`, `smile` or `slow_down` on the real call; every scripted
//! voice nudge on its stretch and nothing on the calm call.
//!
//! Speech-to-text is off here (the words of these recordings carry no frustration or
//! warmth, and the real call's words are covered by the README's measured table); the
//! voice is judged as it is when transcripts come in (`voice_only_threshold` set to
//! `threshold`, so the stricter no-words rule does not apply), and once more with the
//! built-in voice-only rule, which must flag no more happy or neutral calls.
//! Needs `../shared/data` (skipped with a note when it is not there).

use callcue_testkit as common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::cli::callcue;
use serde_json::Value;

/// The eval-set builder, built beside the binary by `cargo test`.
fn builder() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_callcue"));
    bin.parent()
        .expect("target dir")
        .join("examples")
        .join(format!("make_eval_set{}", std::env::consts::EXE_SUFFIX))
}

fn shared_data() -> Option<PathBuf> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    data.join("emotion/manifest.tsv").exists().then_some(data)
}

fn build_set(out: &Path) {
    let status = Command::new(builder())
        .arg(out)
        .status()
        .expect("make_eval_set runs (built by cargo test)");
    assert!(status.success(), "make_eval_set failed");
}

/// `callcue eval DIR --no-stt --format json` with `config_toml`.
fn eval(dir: &Path, config_toml: &str) -> Value {
    let config = dir.join("eval-config.toml.txt");
    std::fs::write(&config, config_toml).unwrap();
    let output = callcue(&[
        "--config",
        config.to_str().unwrap(),
        "eval",
        dir.to_str().unwrap(),
        "--no-stt",
        "--format",
        "json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("eval writes JSON")
}

/// Per actor and target (angry, happy, neutral): whether the call was caught (angry:
/// its expect window hit) or flagged (happy, neutral: any false nudge).
fn actor_outcomes(report: &Value) -> BTreeMap<(String, String), bool> {
    let mut outcomes = BTreeMap::new();
    for call in report["calls"].as_array().unwrap() {
        let label = call["label"].as_str().unwrap();
        let Some(name) = label.strip_prefix("emotion/") else {
            continue;
        };
        let (actor, target) = name.trim_end_matches(".json").split_once('_').unwrap();
        let result = &call["per_config"][0];
        let outcome = if target == "angry" {
            result["hits"].as_u64().unwrap() > 0
        } else {
            result["false_nudges"].as_u64().unwrap() > 0
        };
        outcomes.insert((actor.to_string(), target.to_string()), outcome);
    }
    outcomes
}

fn count(outcomes: &BTreeMap<(String, String), bool>, target: &str) -> usize {
    outcomes
        .iter()
        .filter(|((_, t), hit)| t == target && **hit)
        .count()
}

fn table(outcomes: &BTreeMap<(String, String), bool>) -> String {
    let mut text = String::from("actor  angry caught  happy flagged  neutral flagged\n");
    let actors: Vec<&String> = outcomes.keys().map(|(a, _)| a).collect();
    let mut actors = actors;
    actors.dedup();
    for actor in actors {
        let get = |t: &str| outcomes[&(actor.clone(), t.to_string())];
        let mark = |b: bool| if b { "yes" } else { "-" };
        text += &format!(
            "{actor}    {:>12}  {:>13}  {:>15}\n",
            mark(get("angry")),
            mark(get("happy")),
            mark(get("neutral"))
        );
    }
    text
}

fn call_result<'r>(report: &'r Value, label: &str) -> &'r Value {
    report["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == label)
        .unwrap_or_else(|| panic!("no call {label}"))
}

#[test]
fn the_labelled_set_meets_the_precision_targets() {
    let Some(_) = shared_data() else {
        eprintln!("skipped: ../shared/data is not there");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    build_set(dir.path());

    // With words coming in (neutral ones): the voice at `threshold`.
    let report = eval(
        dir.path(),
        "[caller_frustration]\nvoice_only_threshold = 0.5\n",
    );
    let outcomes = actor_outcomes(&report);
    let why = table(&outcomes);
    eprintln!("{why}");
    assert_eq!(outcomes.len(), 36, "{why}");
    assert!(count(&outcomes, "angry") >= 10, "anger caught\n{why}");
    assert!(
        count(&outcomes, "happy") <= 4,
        "happy taken for angry\n{why}"
    );
    assert!(
        count(&outcomes, "neutral") <= 1,
        "neutral taken for angry\n{why}"
    );

    // The real, polite call: nothing forbidden, at most two nudges.
    let real = &call_result(&report, "real/auto_repairs_40.json")["per_config"][0];
    assert_eq!(real["false_nudges"], 0, "{real:#}");
    assert!(real["nudges"].as_u64().unwrap() <= 2, "{real:#}");

    // The scripted calls: every voice nudge on its stretch, nothing on the calm call.
    let coaching = &call_result(&report, "scripted/coaching.json")["per_config"][0];
    assert_eq!(coaching["hits"], 5, "{coaching:#}");
    assert_eq!(coaching["misses"], 0, "{coaching:#}");
    assert_eq!(coaching["false_nudges"], 0, "{coaching:#}");
    let calm = &call_result(&report, "scripted/calm.json")["per_config"][0];
    assert_eq!(calm["nudges"], 0, "{calm:#}");

    // The voice alone (no words to support or veto it) is stricter: never more false
    // flags than with words.
    let voice_only = actor_outcomes(&eval(dir.path(), ""));
    let strict = table(&voice_only);
    eprintln!("voice only:\n{strict}");
    assert!(
        count(&voice_only, "happy") <= count(&outcomes, "happy"),
        "{strict}"
    );
    assert_eq!(count(&voice_only, "neutral"), 0, "{strict}");
    assert!(count(&voice_only, "angry") >= 6, "{strict}");
}
