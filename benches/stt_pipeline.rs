//! Speech-to-text in the whole pipeline, through the real binary:
//!
//! 1. Word latency live: the scripted words calls replayed in real time
//!    (`--timing realtime`: one second of call per second, whisper on its own thread, the
//!    analysis never waiting). For every phrase heard, the delay from the end of the
//!    speech holding it (the end of its clip's last voiced frame) to the phrase reaching
//!    the analysis, where its nudge is decided. Negative when a partial transcript caught
//!    the phrase before the speaker stopped.
//! 2. Replay speed: a 10-minute two-channel call (the scripted calls back to back) replayed
//!    with speech-to-text, reproducibly (waiting for every clip) and as live, against the
//!    voice-only replay.
//!
//! Run: `cargo bench --bench stt_pipeline` (needs espeak-ng, sox and
//! models/ggml-tiny.en.bin: `scripts/get-test-model`). Takes about 6 minutes;
//! `CALLCUE_BENCH_ONLY=latency` or `=speed` runs one part.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::calls::{
    bare_apology_call, blocking_call, coaching_call, frustrated_words_call, long_call, loss_call,
    unused_name_call,
};
use common::events::{parse_stream, Ev, Side};
use common::synth::render_call_at;

const TEN_MINUTES_MS: u64 = 600_000;

fn replay(wav: &Path, args: &[&str]) -> (Vec<Ev>, f64) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_callcue"))
        .args(["replay", "--format", "jsonl"])
        .arg(wav)
        .args(args)
        .env_remove("CALLCUE_CONFIG")
        .output()
        .expect("callcue runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        parse_stream(&String::from_utf8(output.stdout).unwrap()),
        seconds,
    )
}

/// Phrase latencies (ms) of one replayed call: phrase time minus the end of the speech of
/// the clip that held it.
fn phrase_latencies(events: &[Ev]) -> Vec<i64> {
    let mut latencies = Vec::new();
    let mut last_transcript: Option<(Side, u64)> = None;
    for (i, event) in events.iter().enumerate() {
        match event {
            Ev::Transcript {
                speaker, start_ms, ..
            } => last_transcript = Some((*speaker, *start_ms)),
            Ev::Phrase { t_ms, speaker, .. } => {
                let Some((side, clip_start_ms)) = last_transcript.filter(|(s, _)| s == speaker)
                else {
                    continue;
                };
                // The clip's final transcript says where its speech ended.
                let speech_end_ms =
                    events[i..]
                        .iter()
                        .chain(events[..i].iter().rev())
                        .find_map(|e| match e {
                            Ev::Transcript {
                                speaker,
                                start_ms,
                                speech_end_ms,
                                is_final: true,
                                ..
                            } if *speaker == side && *start_ms == clip_start_ms => {
                                Some(*speech_end_ms)
                            }
                            _ => None,
                        });
                if let Some(end) = speech_end_ms {
                    latencies.push(*t_ms as i64 - end as i64);
                }
            }
            _ => {}
        }
    }
    latencies
}

/// End of speech to final text (ms) for every final transcript: what the peer pipelines
/// quote as "end of speech to its text".
fn final_text_latencies(events: &[Ev]) -> Vec<i64> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Transcript {
                t_ms,
                speech_end_ms,
                is_final: true,
                ..
            } => Some(*t_ms as i64 - *speech_end_ms as i64),
            _ => None,
        })
        .collect()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let model = common::model::test_model();
    println!("model: {}\n", model.display());
    let dir = tempfile::tempdir().unwrap();

    // `CALLCUE_BENCH_ONLY=latency` or `=speed` runs one part.
    let only = std::env::var("CALLCUE_BENCH_ONLY").unwrap_or_default();
    if only != "speed" {
        word_latency(dir.path());
    }
    if only != "latency" {
        replay_speed(dir.path());
    }
}

fn word_latency(dir: &Path) {
    println!("1. Word latency, calls replayed in real time (--timing realtime)");
    let mut all = Vec::new();
    let mut finals = Vec::new();
    for (name, call) in [
        ("frustrated words", frustrated_words_call()),
        ("loss", loss_call()),
        ("bare apology", bare_apology_call()),
        ("blocking", blocking_call()),
        ("unused name", unused_name_call()),
        ("coaching (8 kHz demo script)", coaching_call()),
    ] {
        let wav = dir.join("call.wav");
        render_call_at(&call, &wav, 16000);
        let (events, _) = replay(&wav, &["--timing", "realtime"]);
        finals.extend(final_text_latencies(&events));
        let latencies = phrase_latencies(&events);
        println!(
            "   {name:<30} phrases {:>2}: {:?} ms",
            latencies.len(),
            latencies
        );
        all.extend(latencies);
    }
    finals.sort_unstable();
    if !finals.is_empty() {
        println!(
            "   final transcripts: {} | end of speech to text: median {} ms | p95 {} ms | max {} ms",
            finals.len(),
            percentile(&finals, 0.5),
            percentile(&finals, 0.95),
            finals[finals.len() - 1]
        );
    }
    all.sort_unstable();
    if !all.is_empty() {
        println!(
            "   all phrases: {} | median {} ms | p95 {} ms | max {} ms (from the end of the speech holding the words)\n",
            all.len(),
            percentile(&all, 0.5),
            percentile(&all, 0.95),
            all[all.len() - 1]
        );
    }
}

fn replay_speed(dir: &Path) {
    println!("2. Replay speed of a 10-minute two-channel call");
    let wav = dir.join("ten-minutes.wav");
    let rendered = render_call_at(&long_call(TEN_MINUTES_MS), &wav, 16000);
    let call_s = rendered.duration_ms as f64 / 1000.0;
    for (label, args) in [
        ("voice only (--no-stt)", &["--no-stt"][..]),
        ("speech-to-text, reproducible", &[][..]),
        ("speech-to-text, as live", &["--timing", "as-live"][..]),
    ] {
        let (events, seconds) = replay(&wav, args);
        let transcripts = events
            .iter()
            .filter(|e| matches!(e, Ev::Transcript { .. }))
            .count();
        let stt = match events.last() {
            Some(Ev::Summary(s)) => s.speech_to_text.clone(),
            _ => None,
        };
        println!(
            "   {label:<30} {call_s:.0} s of call in {seconds:.1} s = {:.1}x real time, {transcripts} transcripts{}",
            call_s / seconds,
            stt.map(|s| format!(
                ", {} clips, decode mean {} ms / max {} ms, {} dropped, {} superseded",
                s.clips_submitted,
                s.decode_ms_mean.map_or("-".into(), |v| v.to_string()),
                s.decode_ms_max.map_or("-".into(), |v| v.to_string()), s.clips_dropped, s.partials_superseded
            ))
            .unwrap_or_default()
        );
    }
}
