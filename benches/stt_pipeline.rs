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
//! 3. Words on a busy desktop (`../shared/data` when it is there): the real support call
//!    replayed as live on a quiet machine and beside as many busy programs as there are
//!    cores (shell loops, as a browser and CRM would take the CPU): end of speech to final
//!    text, finals lost, aborted decodes, how far speech-to-text stepped down, and the
//!    word error of its text against the same binary's reproducible replay of the call.
//!    Then transcripts that repeat themselves on real conversational speech (the support
//!    call, and the two-person chat plus the ten meeting excerpts back to back on one side).
//!
//! Run: `cargo bench --bench stt_pipeline` (needs espeak-ng, sox and
//! models/ggml-tiny.en.bin: `scripts/get-test-model`). Takes about 12 minutes;
//! `CALLCUE_BENCH_ONLY=latency`, `=speed` or `=load` runs one part.

use callcue_testkit as common;

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

    // `CALLCUE_BENCH_ONLY=latency`, `=speed` or `=load` runs one part.
    let only = std::env::var("CALLCUE_BENCH_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only == part;
    if runs("latency") {
        word_latency(dir.path());
    }
    if runs("speed") {
        replay_speed(dir.path());
    }
    if runs("load") {
        busy_desktop(dir.path());
    }
}

/// Busy programs, one per core, until dropped.
struct BusyPrograms(Vec<std::process::Child>);

impl BusyPrograms {
    fn start() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self(
            (0..cores)
                .map(|_| {
                    Command::new("sh")
                        .args(["-c", "while :; do :; done"])
                        .spawn()
                        .expect("sh runs")
                })
                .collect(),
        )
    }
}

impl Drop for BusyPrograms {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Each side's final transcripts, in order.
fn finals_by_side(events: &[Ev]) -> [String; 2] {
    let mut texts = [String::new(), String::new()];
    for event in events {
        if let Ev::Transcript {
            speaker,
            text,
            is_final: true,
            ..
        } = event
        {
            let side = usize::from(*speaker == Side::Caller);
            texts[side].push(' ');
            texts[side].push_str(text);
        }
    }
    texts
}

/// Whether a transcript repeats itself: 3 words or more said again right after, or a
/// 2-word stretch twice at the very end ("Um, we? Um, we?").
fn repeats_itself(text: &str) -> bool {
    let words = callcue::text::normalize(text).words().to_vec();
    let n = words.len();
    let back_to_back = (3..=n / 2)
        .any(|len| (0..=n - 2 * len).any(|i| words[i..i + len] == words[i + len..i + 2 * len]));
    let numbers = |w: &[String]| w.iter().all(|w| w.chars().all(|c| c.is_ascii_digit()));
    let twice_at_end = n >= 4 && words[n - 4..n - 2] == words[n - 2..] && !numbers(&words[n - 2..]);
    back_to_back || twice_at_end
}

fn busy_desktop(dir: &Path) {
    println!("\n3. Words on a busy desktop");
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let call = shared.join("calls/auto_repairs_40.wav");
    if !call.is_file() {
        println!("   skipped: no {}", call.display());
        return;
    }
    let (reference, _) = replay(&call, &[]);
    let reference_text = finals_by_side(&reference);
    let reference_finals = final_text_latencies(&reference).len();
    for busy in [false, true] {
        let load = busy.then(BusyPrograms::start);
        let (events, seconds) = replay(&call, &["--timing", "as-live"]);
        drop(load);
        let mut latencies = final_text_latencies(&events);
        latencies.sort_unstable();
        let text = finals_by_side(&events);
        let wer: Vec<String> = (0..2)
            .map(|side| {
                let counts = callcue::text::word_error_rate(&reference_text[side], &text[side]);
                format!("{:.1}%", counts.rate() * 100.0)
            })
            .collect();
        let stt = events.iter().find_map(|e| match e {
            Ev::Summary(s) => s.speech_to_text.clone(),
            _ => None,
        });
        let notice = events.iter().find_map(|e| match e {
            Ev::Notice {
                code: common::events::NoticeCode::SttDegraded,
                message,
                t_ms,
            } => Some(format!("at {:.0} s: {message}", *t_ms as f64 / 1000.0)),
            _ => None,
        });
        println!(
            "   {:<34} {:.0} s | finals {}/{} | end of speech to final text: median {} ms, p95 {} ms | word error against the reproducible text: agent {}, caller {}",
            if busy { "beside busy programs (one a core)" } else { "quiet" },
            seconds,
            latencies.len(),
            reference_finals,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.95),
            wer[0],
            wer[1],
        );
        if let Some(s) = stt {
            println!(
                "      aborted {}, skipped busy {}, partials held back {}, deepest step {}, threads {}-{}, decode mean {} ms",
                s.decodes_aborted,
                s.clips_skipped_busy,
                s.partials_held_back,
                s.load_step_deepest,
                s.decode_threads_min,
                s.decode_threads_max,
                s.decode_ms_mean.map_or("-".into(), |v| v.to_string())
            );
        }
        if let Some(notice) = notice {
            println!("      notice {notice}");
        }
    }

    println!("   transcripts that repeat themselves (reproducible replays):");
    let meetings = shared.join("vad");
    let mut caller = Vec::new();
    let mut pieces = vec![meetings.join("two_person_chat.wav")];
    pieces.extend((0..10).map(|i| meetings.join(format!("ami_trn0{i}.wav"))));
    for piece in &pieces {
        let Ok(bytes) = std::fs::read(piece) else {
            continue;
        };
        let wav = callcue::audio::decode_wav(&bytes).expect("a readable recording");
        caller.extend(
            callcue::audio::resample(&wav.channels[0], wav.sample_rate_hz, 16_000)
                .expect("resampled"),
        );
    }
    let mut conversations = vec![("the support call", call.clone(), None)];
    if !caller.is_empty() {
        let agent_path = dir.join("meetings-agent.wav");
        let caller_path = dir.join("meetings-caller.wav");
        common::pulse::write_mono_wav(&agent_path, &vec![0.0; caller.len()]);
        common::pulse::write_mono_wav(&caller_path, &caller);
        conversations.push(("chat and meetings (5.5 min)", caller_path, Some(agent_path)));
    }
    for (name, path, agent) in conversations {
        let events = match &agent {
            None => replay(&path, &[]).0,
            Some(agent) => {
                let (agent, caller) = (agent.to_str().unwrap(), path.to_str().unwrap());
                replay_pair(agent, caller)
            }
        };
        let finals: Vec<&String> = events
            .iter()
            .filter_map(|e| match e {
                Ev::Transcript {
                    text,
                    is_final: true,
                    ..
                } => Some(text),
                _ => None,
            })
            .collect();
        let repeating: Vec<&&String> = finals.iter().filter(|t| repeats_itself(t)).collect();
        println!(
            "      {name:<30} {} of {} finals: {repeating:?}",
            repeating.len(),
            finals.len()
        );
    }
}

/// Replays two mono files, one per side, reproducibly.
fn replay_pair(agent: &str, caller: &str) -> Vec<Ev> {
    let output = Command::new(env!("CARGO_BIN_EXE_callcue"))
        .args([
            "replay", "--format", "jsonl", "--agent", agent, "--caller", caller,
        ])
        .env_remove("CALLCUE_CONFIG")
        .output()
        .expect("callcue runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_stream(&String::from_utf8(output.stdout).unwrap())
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
