//! Builds callcue's labelled evaluation set for `callcue eval`: calls recorded as call
//! recorders write them (8 kHz, G.711 mu-law, agent left, caller right), each with its
//! label file (`docs/labels.md`).
//!
//! - `emotion/`: one call per actor of `../shared/data/emotion` (12 English actors) and
//!   per target: the caller says their four neutral sentences (their baseline), then
//!   eight sentences that are all angry (normal, then strong intensity), all happy, or
//!   the neutral ones again in another order. `acknowledge` is expected on the angry
//!   sentences; no nudge at all is allowed on the happy and neutral calls, nor before the
//!   anger.
//! - `real/`: the real, polite support call `../shared/data/calls/auto_repairs_40.wav`
//!   with its label from `tests/eval/auto_repairs_40.json` (no `acknowledge`, `smile` or
//!   `slow_down` anywhere).
//! - `scripted/`: the scripted espeak-ng calls of the tests with windows from their
//!   scripts: the coaching call (each voice nudge on its stretch, none on the
//!   backchannels or the caller's overlap), the calm call (nothing), the bare-apology and
//!   the loss calls (their word nudges).
//!
//! The recordings under `../shared/data` are not copied into the project: the set is
//! built where you say, from them.
//!
//! Run: `cargo run --release --example make_eval_set -- OUT_DIR [emotion|real|scripted]...`
//! (needs sox and espeak-ng; all three parts when none is named).

use callcue_testkit as common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use common::calls::{bare_apology_call, calm_call, coaching_call, loss_call};
use common::synth::{render_call_at, synth_line_at, write_stereo_wav, RenderedCall, Voice};

/// The rate sentences are assembled at before the call is written at 8 kHz.
const ASSEMBLY_RATE_HZ: u32 = 16_000;
/// Silence added between two of the caller's sentences (each clip has its own lead-in).
const SENTENCE_GAP_MS: u64 = 300;
/// How long after the anger starts `acknowledge` still counts as a hit.
const AFTER_ANGER_MS: u64 = 3000;
/// Slack after a scripted stretch ends for a nudge about it.
const AFTER_STRETCH_MS: u64 = 1500;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: make_eval_set OUT_DIR [emotion|real|scripted]...");
        std::process::exit(2);
    };
    let mut parts: Vec<String> = args.collect();
    if parts.is_empty() {
        parts = vec!["emotion".into(), "real".into(), "scripted".into()];
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/data");
    for part in &parts {
        let dir = out.join(part);
        std::fs::create_dir_all(&dir).expect("output folder");
        let count = match part.as_str() {
            "emotion" => emotion_calls(&shared.join("emotion"), &dir),
            "real" => real_calls(&shared.join("calls"), &root.join("tests/eval"), &dir),
            "scripted" => scripted_calls(&dir),
            other => {
                eprintln!("make_eval_set: unknown part {other:?}: emotion, real or scripted");
                std::process::exit(2);
            }
        };
        println!("{}: {count} labelled calls", dir.display());
    }
}

/// One row of the emotion manifest.
struct Clip {
    file: String,
    speaker: String,
    label: String,
    intensity: String,
}

fn emotion_calls(emotion: &Path, out: &Path) -> usize {
    let manifest = std::fs::read_to_string(emotion.join("manifest.tsv"))
        .unwrap_or_else(|e| panic!("{}: {e}", emotion.join("manifest.tsv").display()));
    let clips: Vec<Clip> = manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols.len() >= 5).then(|| Clip {
                file: cols[0].to_string(),
                speaker: cols[1].to_string(),
                label: cols[2].to_string(),
                intensity: cols[4].to_string(),
            })
        })
        .collect();
    let mut speakers: Vec<&str> = clips.iter().map(|c| c.speaker.as_str()).collect();
    speakers.sort_unstable();
    speakers.dedup();
    let agent = Voice::agent();
    let greeting = synth_line_at(
        "Thank you for calling, my name is Sam. How can I help you today?",
        &agent,
        ASSEMBLY_RATE_HZ,
    );
    let mut written = 0;
    for speaker in speakers {
        let pick = |label: &str| -> Vec<&Clip> {
            let mut picked: Vec<&Clip> = clips
                .iter()
                .filter(|c| c.speaker == speaker && c.label == label)
                .collect();
            // Normal intensity first, then strong: the voice escalates.
            picked.sort_by_key(|c| (c.intensity != "normal", c.file.clone()));
            picked
        };
        let neutral = pick("neutral");
        let mut neutral_again: Vec<&Clip> = neutral.clone();
        neutral_again.reverse();
        for (target, targets) in [
            ("angry", pick("angry")),
            ("happy", pick("happy")),
            ("neutral", neutral_again),
        ] {
            let name = format!("{speaker}_{target}");
            let (agent_side, caller_side, target_start_ms) =
                assemble(emotion, &greeting, &neutral, &targets);
            let duration_ms = caller_side.len() as u64 * 1000 / u64::from(ASSEMBLY_RATE_HZ);
            let wav = out.join(format!("{name}.wav"));
            write_call(&wav, &agent_side, &caller_side);
            let label = if target == "angry" {
                json!({
                    "file": format!("{name}.wav"),
                    "expect": [{"nudge": "acknowledge", "from_ms": target_start_ms,
                                "to_ms": duration_ms + AFTER_ANGER_MS,
                                "why": "the caller's voice turns angry after a neutral start"}],
                    "forbid": [{"nudge": "*", "from_ms": 0, "to_ms": target_start_ms,
                                "why": "neutral sentences"}],
                    "speaker": speaker, "target": target,
                })
            } else {
                json!({
                    "file": format!("{name}.wav"),
                    "expect": [],
                    "forbid": [{"nudge": "*", "from_ms": 0, "to_ms": duration_ms + AFTER_ANGER_MS,
                                "why": format!("the caller is {target}, not frustrated")}],
                    "speaker": speaker, "target": target,
                })
            };
            write_label(&out.join(format!("{name}.json")), &label);
            written += 1;
        }
    }
    written
}

/// The agent's greeting, the caller's neutral sentences, then the target sentences.
/// Returns both sides at [`ASSEMBLY_RATE_HZ`] and where the targets start (ms).
fn assemble(
    emotion: &Path,
    greeting: &[f32],
    neutral: &[&Clip],
    targets: &[&Clip],
) -> (Vec<f32>, Vec<f32>, u64) {
    let gap = vec![0.0f32; (SENTENCE_GAP_MS * u64::from(ASSEMBLY_RATE_HZ) / 1000) as usize];
    let mut caller = vec![0.0f32; greeting.len()];
    caller.extend_from_slice(&gap);
    for clip in neutral {
        caller.extend(read_clip(&emotion.join(&clip.file)));
        caller.extend_from_slice(&gap);
    }
    let target_start_ms = caller.len() as u64 * 1000 / u64::from(ASSEMBLY_RATE_HZ);
    for clip in targets {
        caller.extend(read_clip(&emotion.join(&clip.file)));
        caller.extend_from_slice(&gap);
    }
    let mut agent = greeting.to_vec();
    agent.resize(caller.len(), 0.0);
    (agent, caller, target_start_ms)
}

/// One recording as mono samples at [`ASSEMBLY_RATE_HZ`] (sox decodes FLAC).
fn read_clip(path: &Path) -> Vec<f32> {
    let output = Command::new("sox")
        .arg(path)
        .args(["-t", "f32", "-e", "floating-point", "-c", "1", "-r"])
        .arg(ASSEMBLY_RATE_HZ.to_string())
        .arg("-")
        .output()
        .expect("sox runs (install the sox package)");
    assert!(
        output.status.success(),
        "sox {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Writes a call as a call recorder would: 8 kHz G.711 mu-law stereo.
fn write_call(path: &Path, agent: &[f32], caller: &[f32]) {
    let pcm = path.with_extension("pcm.wav");
    write_stereo_wav(&pcm, agent, caller, ASSEMBLY_RATE_HZ);
    to_telephone(&pcm, path);
    std::fs::remove_file(&pcm).ok();
}

fn to_telephone(from: &Path, to: &Path) {
    let status = Command::new("sox")
        .arg("-D") // no dither: the same set on every build
        .arg(from)
        .args(["-r", "8000", "-e", "u-law"])
        .arg(to)
        .status()
        .expect("sox runs");
    assert!(status.success(), "sox could not write {}", to.display());
}

fn write_label(path: &Path, label: &Value) {
    let text = serde_json::to_string_pretty(label).expect("label serializes");
    std::fs::write(path, text + "\n").unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn real_calls(calls: &Path, labels: &Path, out: &Path) -> usize {
    let mut written = 0;
    let entries = std::fs::read_dir(labels).unwrap_or_else(|e| panic!("{}: {e}", labels.display()));
    for entry in entries.flatten() {
        let label_path = entry.path();
        if label_path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&label_path).expect("label reads");
        let label: Value = serde_json::from_str(&text).expect("label parses");
        let file = label["file"].as_str().expect("label names its file");
        std::fs::copy(calls.join(file), out.join(file))
            .unwrap_or_else(|e| panic!("{}: {e}", calls.join(file).display()));
        std::fs::copy(&label_path, out.join(label_path.file_name().unwrap())).expect("copy label");
        written += 1;
    }
    written
}

fn scripted_calls(out: &Path) -> usize {
    let render = |name: &str, call: common::synth::Call| -> (PathBuf, RenderedCall) {
        let pcm = out.join(format!("{name}.pcm.wav"));
        let rendered = render_call_at(&call, &pcm, ASSEMBLY_RATE_HZ);
        let wav = out.join(format!("{name}.wav"));
        to_telephone(&pcm, &wav);
        std::fs::remove_file(&pcm).ok();
        (wav, rendered)
    };
    let stretch = |rendered: &RenderedCall, label: &str| rendered.stretch(label);
    let window = |nudge: &str, (from, to): (u64, u64), why: &str| json!({"nudge": nudge, "from_ms": from, "to_ms": to, "why": why});

    let (_, coaching) = render("coaching", coaching_call());
    let cut_in = stretch(&coaching, "interruption");
    let (_, before_silence) = stretch(&coaching, "agent_checks");
    let (after_silence, _) = stretch(&coaching, "dead_air");
    let after = |(from, to): (u64, u64)| (from, to + AFTER_STRETCH_MS);
    let backchannel = stretch(&coaching, "backchannel");
    let over = stretch(&coaching, "caller_over_agent");
    write_label(
        &out.join("coaching.json"),
        &json!({
            "file": "coaching.wav",
            "expect": [
                window("pause", (cut_in.0, cut_in.0 + 1500), "the agent cuts in and keeps talking"),
                window("fill_silence", (before_silence, after_silence), "nine seconds of silence"),
                window("slow_down", after(stretch(&coaching, "fast")), "the agent rushes"),
                window("smile", after(stretch(&coaching, "flat")), "flat, quiet delivery"),
                window("acknowledge", after(stretch(&coaching, "raised")), "the caller's voice rises"),
            ],
            "forbid": [
                window("pause", (backchannel.0, backchannel.1 + 500), "backchannels"),
                window("pause", (over.0, over.1 + 2000), "the caller talks over the agent"),
                window("check_in", (0, coaching.duration_ms), "no monologue"),
            ],
        }),
    );

    let (_, calm) = render("calm", calm_call());
    write_label(
        &out.join("calm.json"),
        &json!({
            "file": "calm.wav",
            "expect": [],
            "forbid": [window("*", (0, calm.duration_ms + 1000), "a calm, polite call")],
        }),
    );

    let (_, apology) = render("bare_apology", bare_apology_call());
    let sorry = stretch(&apology, "bare_apology");
    write_label(
        &out.join("bare_apology.json"),
        &json!({
            "file": "bare_apology.wav",
            "expect": [window("be_specific", (sorry.0, sorry.1 + 3000), "a bare \"I'm sorry.\"")],
            "forbid": [window("acknowledge", (0, apology.duration_ms + 1000), "a calm caller")],
        }),
    );

    let (_, loss) = render("loss", loss_call());
    let mention = stretch(&loss, "loss");
    write_label(
        &out.join("loss.json"),
        &json!({
            "file": "loss.wav",
            "expect": [window("condolence", (mention.0, mention.1 + 3000), "the caller mentions a death")],
            "forbid": [window("acknowledge", (0, loss.duration_ms + 1000), "grief, not frustration")],
        }),
    );
    4
}
