//! `callcue eval` as a supervisor runs it, through the real binary: labelled copies of the
//! demo call scored against what `callcue replay` says the same call gets (hits, misses,
//! false nudges, delays, nudges per minute), two configs side by side, drafted labels that
//! score all hits, and one-line errors with exit code 2 for bad label files. Speech-to-text
//! is off (`--no-stt`): these pin the scoring, not the words.

use callcue_testkit as common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{json, Value};

use common::cli::callcue;

/// A nudge as `callcue replay --format jsonl` gives it.
#[derive(Clone, Debug)]
struct Nudge {
    id: String,
    /// `t_ms + latency_ms`, rounded down: where eval scores it.
    counted_ms: u64,
    reason: String,
}

fn demo_call() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/call.wav")
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// The nudges `callcue replay` gives the call, and the call's length from its summary.
fn replay_nudges(wav: &Path, extra_args: &[&str]) -> (Vec<Nudge>, u64) {
    let mut args = extra_args.to_vec();
    args.extend(["replay", arg(wav), "--no-stt", "--format", "jsonl"]);
    let stdout = ok(callcue(&args));
    let mut nudges = Vec::new();
    let mut duration_ms = 0;
    for line in stdout.lines() {
        let event: Value = serde_json::from_str(line).expect("a JSON event");
        match event["type"].as_str() {
            Some("nudge") => nudges.push(Nudge {
                id: event["nudge"].as_str().unwrap().to_string(),
                counted_ms: event["t_ms"].as_u64().unwrap()
                    + event["latency_ms"].as_f64().unwrap().floor() as u64,
                reason: event["reason"].as_str().unwrap().to_string(),
            }),
            Some("summary") => duration_ms = event["duration_ms"].as_u64().unwrap(),
            _ => {}
        }
    }
    (nudges, duration_ms)
}

fn eval_json(args: &[&str]) -> Value {
    let mut all = vec!["eval"];
    all.extend(args);
    all.extend(["--no-stt", "--format", "json"]);
    let report: Value = serde_json::from_str(&ok(callcue(&all))).expect("one JSON report");
    assert_eq!(report["version"], 1, "{report:#}");
    report
}

fn per_nudge<'a>(config: &'a Value, id: &str) -> &'a Value {
    config["per_nudge"]
        .as_array()
        .expect("per_nudge")
        .iter()
        .find(|n| n["nudge"] == id)
        .unwrap_or_else(|| panic!("no {id} in {config:#}"))
}

fn counts(row: &Value) -> (u64, u64, u64) {
    let n = |key: &str| {
        row[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {row:#}"))
    };
    (n("hits"), n("misses"), n("false_nudges"))
}

fn stderr_line(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr)
        .trim_end()
        .to_string();
    assert_eq!(
        text.lines().count(),
        1,
        "expected one line of error: {text:?}"
    );
    text
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A folder with the demo call as `call.wav` and labels made from where `replay` puts its
/// nudges: `pause` expected where it comes (1 s before to 1.5 s after) and where it does
/// not (a miss), `acknowledge` forbidden where it does not come, and any nudge forbidden
/// around `smile` (twice, overlapping: one false nudge). Returns the replay's nudges.
struct Labelled {
    dir: tempfile::TempDir,
    nudges: Vec<Nudge>,
    duration_ms: u64,
    pause_ms: u64,
    smile_ms: u64,
}

fn labelled_demo() -> Labelled {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("call.wav");
    std::fs::copy(demo_call(), &wav).unwrap();
    let (nudges, duration_ms) = replay_nudges(&wav, &[]);
    let first = |id: &str| {
        nudges
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("the demo call gets no {id} today: {nudges:?}"))
            .counted_ms
    };
    let (pause_ms, smile_ms) = (first("pause"), first("smile"));
    assert!(
        !nudges
            .iter()
            .any(|n| n.id == "pause" && n.counted_ms <= 5000),
        "a pause in the first 5 s: {nudges:?}"
    );
    let acknowledge_free_to_ms = nudges
        .iter()
        .find(|n| n.id == "acknowledge")
        .map_or(duration_ms, |n| n.counted_ms - 1);
    assert!(acknowledge_free_to_ms > 30_000, "{nudges:?}");
    write_json(
        &dir.path().join("call.json"),
        &json!({
            "file": "call.wav",
            "notes": "ignored", "utterances": [{"speaker": "agent"}],
            "expect": [
                {"nudge": "pause", "from_ms": pause_ms - 1000, "to_ms": pause_ms + 1500, "why": "agent cuts in"},
                {"nudge": "pause", "from_ms": 1000, "to_ms": 5000, "why": "deliberately wrong"},
            ],
            "forbid": [
                {"nudge": "acknowledge", "from_ms": 0, "to_ms": acknowledge_free_to_ms, "why": "polite caller"},
                {"nudge": "*", "from_ms": smile_ms - 500, "to_ms": smile_ms + 500},
                {"nudge": "smile", "from_ms": smile_ms - 100, "to_ms": smile_ms + 100},
            ],
        }),
    );
    Labelled {
        dir,
        nudges,
        duration_ms,
        pause_ms,
        smile_ms,
    }
}

#[test]
fn scores_hits_misses_false_nudges_delays_and_rates_on_the_demo_call() {
    let call = labelled_demo();
    let report = eval_json(&[arg(call.dir.path())]);

    // Any nudge within half a second of smile is false (normally smile alone).
    let false_expected = call
        .nudges
        .iter()
        .filter(|n| n.counted_ms.abs_diff(call.smile_ms) <= 500)
        .count() as u64;
    assert!(false_expected >= 1);

    let calls = report["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "{report:#}");
    let result = &calls[0];
    assert_eq!(result["label"], "call.json");
    assert_eq!(result["file"], "call.wav");
    let duration_ms = result["duration_ms"].as_u64().unwrap();
    assert!(
        duration_ms.abs_diff(call.duration_ms) < 100,
        "{duration_ms} vs {}",
        call.duration_ms
    );
    let a = &result["per_config"][0];
    assert_eq!(a["nudges"], call.nudges.len(), "{a:#}");
    assert_eq!(counts(a), (1, 1, false_expected), "{a:#}");
    let given: Vec<&str> = a["given"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["nudge"].as_str().unwrap())
        .collect();
    let replayed: Vec<&str> = call.nudges.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(given, replayed, "eval and replay give the same nudges");
    let smile = a["given"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["nudge"] == "smile")
        .unwrap();
    assert_eq!(smile["false_nudge"], true, "{a:#}");
    let windows = a["expect"].as_array().unwrap();
    assert_eq!(windows[0]["hit"], true);
    assert_eq!(windows[1]["hit"], false);
    assert_eq!(windows[1]["delay_ms"], Value::Null);

    let configs = report["configs"].as_array().unwrap();
    assert_eq!(configs.len(), 1);
    let config = &configs[0];
    assert_eq!(config["per_nudge"].as_array().unwrap().len(), 11);
    let pause = per_nudge(config, "pause");
    assert_eq!(counts(pause), (1, 1, 0), "{pause:#}");
    // Delay: where eval counted the pause minus the window's start (1 s before the pause
    // as replay counted it; a busy machine may add a ms of measured latency).
    let pause_counted = a["given"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["nudge"] == "pause")
        .unwrap()["counted_ms"]
        .as_u64()
        .unwrap();
    let delay = pause["median_delay_ms"].as_u64().expect("a median delay");
    assert_eq!(delay, pause_counted - (call.pause_ms - 1000));
    assert!((950..1050).contains(&delay), "{delay}");
    assert_eq!(windows[0]["delay_ms"], delay);
    assert_eq!(counts(per_nudge(config, "acknowledge")), (0, 0, 0));
    assert_eq!(
        counts(per_nudge(config, "smile")).2,
        1,
        "counted once in two windows"
    );
    assert_eq!(per_nudge(config, "smile")["median_delay_ms"], Value::Null);

    // Nudges per call minute, per id and in total.
    let minutes = duration_ms as f64 / 60_000.0;
    for id in ["pause", "smile", "fill_silence", "acknowledge"] {
        let n = call.nudges.iter().filter(|x| x.id == id).count();
        let row = per_nudge(config, id);
        assert_eq!(row["nudges"], n);
        let rate = row["nudges_per_minute"].as_f64().unwrap();
        assert!((rate - n as f64 / minutes).abs() < 0.001, "{id}: {rate}");
    }
    let totals = &config["totals"];
    assert_eq!(counts(totals), (1, 1, false_expected), "{totals:#}");
    assert_eq!(totals["calls"], 1);
    assert_eq!(totals["nudges"], call.nudges.len());
    let rate = totals["nudges_per_minute"].as_f64().unwrap();
    assert!(
        (rate - call.nudges.len() as f64 / minutes).abs() < 0.001,
        "{rate}"
    );
    assert_eq!(totals["median_delay_ms"], delay);
}

#[test]
fn against_a_config_without_pause_shows_the_hit_in_a_and_a_miss_in_b() {
    let call = labelled_demo();
    let b_toml = call.dir.path().join("no-pause.toml");
    // Not in DIR's *.json, so not read as a label.
    std::fs::write(&b_toml, "[nudges.pause]\nenabled = false\n").unwrap();
    let (b_nudges, _) = replay_nudges(
        &call.dir.path().join("call.wav"),
        &["--config", arg(&b_toml)],
    );
    assert!(!b_nudges.iter().any(|n| n.id == "pause"), "{b_nudges:?}");

    let report = eval_json(&[arg(call.dir.path()), "--against", arg(&b_toml)]);
    let configs = report["configs"].as_array().unwrap();
    assert_eq!(configs.len(), 2, "{report:#}");
    assert!(configs[1]["name"]
        .as_str()
        .unwrap()
        .ends_with("no-pause.toml"));
    assert_eq!(counts(per_nudge(&configs[0], "pause")), (1, 1, 0));
    let b_pause = per_nudge(&configs[1], "pause");
    assert_eq!(counts(b_pause), (0, 2, 0), "{b_pause:#}");
    assert_eq!(b_pause["nudges"], 0);
    assert_eq!(b_pause["median_delay_ms"], Value::Null);
    let per_call = report["calls"][0]["per_config"].as_array().unwrap();
    assert_eq!(per_call.len(), 2);
    assert_eq!(per_call[1]["config"], configs[1]["name"]);
    assert_eq!(per_call[1]["nudges"], b_nudges.len());
    assert_eq!(per_call[1]["hits"], 0);

    // The text report, side by side.
    let text = ok(callcue(&[
        "eval",
        arg(call.dir.path()),
        "--against",
        arg(&b_toml),
        "--no-stt",
    ]));
    assert!(
        text.contains("B: ") && text.contains("no-pause.toml"),
        "{text}"
    );
    let pause = text.lines().find(|l| l.starts_with("pause ")).expect(&text);
    let cells: Vec<&str> = pause
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(&cells[..4], ["pause", "1 / 0", "1 / 2", "0 / 0"], "{pause}");
    let line = text
        .lines()
        .find(|l| l.starts_with("call.wav"))
        .expect(&text);
    assert!(
        line.contains(&format!("{} / {}", call.nudges.len(), b_nudges.len())),
        "{line}"
    );
}

#[test]
fn drafted_labels_score_all_hits_and_no_false_nudges() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    std::fs::copy(demo_call(), &wav).unwrap();
    let (nudges, _) = replay_nudges(&wav, &[]);
    assert!(nudges.len() >= 3, "{nudges:?}");

    let stdout = ok(callcue(&[
        "eval",
        "--write-labels",
        arg(dir.path()),
        "--no-stt",
    ]));
    assert!(stdout.contains("wrote"), "{stdout}");
    let label_path = dir.path().join("a.json");
    let label: Value =
        serde_json::from_str(&std::fs::read_to_string(&label_path).unwrap()).unwrap();
    assert_eq!(label["file"], "a.wav");
    assert!(label["notes"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("draft"));
    let windows = label["expect"].as_array().unwrap();
    assert_eq!(windows.len(), nudges.len(), "{label:#}");
    for (window, nudge) in windows.iter().zip(&nudges) {
        assert_eq!(window["nudge"], nudge.id.as_str());
        assert_eq!(window["why"], nudge.reason.as_str());
        let (from, to) = (
            window["from_ms"].as_u64().unwrap(),
            window["to_ms"].as_u64().unwrap(),
        );
        assert_eq!(to - from, 3000, "{window}");
        assert!(
            nudge.counted_ms.abs_diff(from + 2000) <= 50,
            "{window} vs {nudge:?}"
        );
    }

    let report = eval_json(&[arg(dir.path())]);
    let totals = &report["configs"][0]["totals"];
    assert_eq!(counts(totals), (nudges.len() as u64, 0, 0), "{report:#}");
    for row in report["configs"][0]["per_nudge"].as_array().unwrap() {
        if row["hits"].as_u64().unwrap() > 0 {
            let delay = row["median_delay_ms"].as_u64().unwrap();
            assert!((1950..2050).contains(&delay), "{row}");
        }
    }

    // Never overwritten without --force: an error for one file, skipped in a folder.
    std::fs::write(&label_path, r#"{"file": "a.wav", "notes": "edited"}"#).unwrap();
    let output = callcue(&["eval", "--write-labels", arg(&wav), "--no-stt"]);
    assert_eq!(output.status.code(), Some(2));
    let line = stderr_line(&output);
    assert!(line.contains("a.json") && line.contains("exists"), "{line}");
    let stdout = ok(callcue(&[
        "eval",
        "--write-labels",
        arg(dir.path()),
        "--no-stt",
    ]));
    assert!(stdout.contains("skipped"), "{stdout}");
    assert!(std::fs::read_to_string(&label_path)
        .unwrap()
        .contains("edited"));
    ok(callcue(&[
        "eval",
        "--write-labels",
        arg(&wav),
        "--no-stt",
        "--force",
    ]));
    let redrafted: Value =
        serde_json::from_str(&std::fs::read_to_string(&label_path).unwrap()).unwrap();
    assert_eq!(redrafted["notes"], label["notes"]);
    assert_eq!(redrafted["expect"].as_array().unwrap().len(), nudges.len());

    // Elsewhere with --out: the audio named by its absolute path, and still all hits, in a
    // subfolder of the folder evaluated.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir(other.path().join("part")).unwrap();
    let out = other.path().join("part/elsewhere.json");
    ok(callcue(&[
        "eval",
        "--write-labels",
        arg(&wav),
        "--out",
        arg(&out),
        "--no-stt",
    ]));
    let drafted: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        Path::new(drafted["file"].as_str().unwrap()).is_absolute(),
        "{drafted:#}"
    );
    let report = eval_json(&[arg(other.path())]);
    assert_eq!(report["calls"][0]["label"], "part/elsewhere.json");
    assert_eq!(
        counts(&report["configs"][0]["totals"]),
        (nudges.len() as u64, 0, 0)
    );
}

#[test]
fn bad_label_files_exit_2_with_one_line_naming_the_file_and_the_problem() {
    let cases = [
        ("{\"file\": \"call.wav\",", "not a label file"),
        ("[]", "not a label file"),
        (r#"{"file": "nope.wav"}"#, "nope.wav"),
        (r#"{"agent": "call.wav"}"#, "\"caller\""),
        (
            r#"{"file": "call.wav", "expect": [{"nudge": "paws", "from_ms": 0, "to_ms": 10}]}"#,
            "\"paws\" is not a nudge id",
        ),
        (
            r#"{"file": "call.wav", "expect": [{"nudge": "*", "from_ms": 0, "to_ms": 10}]}"#,
            "only for forbid",
        ),
        (
            r#"{"file": "call.wav", "forbid": [{"nudge": "smile", "from_ms": 900, "to_ms": 10}]}"#,
            "forbid[0]: from_ms 900 is after to_ms 10",
        ),
        (
            r#"{"file": "call.wav", "forbid": [{"nudge": "smile", "from": 0, "to_ms": 10}]}"#,
            "forbid[0]",
        ),
    ];
    for (text, problem) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(demo_call(), dir.path().join("call.wav")).unwrap();
        // A good label first: every label is checked before any call is replayed.
        std::fs::write(dir.path().join("a-good.json"), r#"{"file": "call.wav"}"#).unwrap();
        std::fs::write(dir.path().join("b-broken.json"), text).unwrap();
        let output = callcue(&["eval", arg(dir.path()), "--no-stt", "--format", "json"]);
        assert_eq!(output.status.code(), Some(2), "{text}: {output:?}");
        assert!(
            output.stdout.is_empty(),
            "{text}: nothing on standard output"
        );
        let line = stderr_line(&output);
        assert!(line.contains("b-broken.json"), "{text}: {line}");
        assert!(line.contains(problem), "{text}: {line}");
    }

    let empty = tempfile::tempdir().unwrap();
    let output = callcue(&["eval", arg(empty.path()), "--no-stt"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_line(&output).contains("no label files"));

    // Audio that is there but is not a recording: the label and the problem, still exit 2.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.wav"), "not audio").unwrap();
    std::fs::write(dir.path().join("x.json"), r#"{"file": "notes.wav"}"#).unwrap();
    let output = callcue(&["eval", arg(dir.path()), "--no-stt"]);
    assert_eq!(output.status.code(), Some(2));
    let line = stderr_line(&output);
    assert!(
        line.contains("x.json") && line.contains("notes.wav"),
        "{line}"
    );
}
