//! The live budgets, measured on real devices: `callcue run` capturing the monitors of
//! two PulseAudio null sinks while scripted calls are played into them with paplay (the
//! same set-up as `tests/suite/live_pulse.rs`).
//!
//! 1. `latency`: the short live call (a cut-in, two backchannels) played 6 times, each
//!    marked by the call hooks, with speech-to-text on (tiny.en) and partial transcripts
//!    every 0.5 s, so whisper is decoding the caller's long turn when the agent cuts in. Per call: capture to voice-activity
//!    decision (median, p95, max, from the `call` event's capture totals) and the delay
//!    from the overlap criterion being met to the `pause` nudge's `unix_ms`. Where in the
//!    audio the criterion is met comes from replaying the same call from its file (the
//!    pause nudge's `t_ms` there); on the wall clock that is the moment paplay started
//!    plus that offset. The delay so includes PulseAudio's own playback and capture path.
//! 2. `cpu`: a 10-minute two-sided call (the scripted calls back to back) played once
//!    without speech-to-text: CPU time of the callcue process over the call / wall time.
//! 3. `soak`: the same call played three times in a row (30 minutes) with tiny.en: CPU per
//!    10 minutes and overall, peak resident memory (VmHWM), capture frames lost to ring
//!    overruns and samples dropped to realign the sides.
//!
//! Run: `cargo bench --bench live` (needs pulseaudio, pulseaudio-utils, espeak-ng, sox and
//! models/ggml-tiny.en.bin: `scripts/get-test-model`). Takes about 45 minutes;
//! `CALLCUE_BENCH_ONLY=latency|cpu|soak` runs one part. Nothing else should run meanwhile.

use callcue_testkit as common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::calls::{live_call, long_call};
use common::events::{Change, Ev, LiveEv};
use common::live::{render_call_sides, unix_now_ms, LiveRun};
use common::pulse::PulseServer;

const TEN_MINUTES_MS: u64 = 600_000;

fn main() {
    let only = std::env::var("CALLCUE_BENCH_ONLY").unwrap_or_default();
    let model = common::model::test_model();
    println!("model: {}", model.display());
    let dir = tempfile::tempdir().unwrap();
    let pulse = PulseServer::start();
    if only.is_empty() || only == "latency" {
        latency(&pulse, dir.path());
    }
    if only.is_empty() || only == "cpu" {
        cpu_and_soak(&pulse, dir.path(), 1, false);
    }
    if only.is_empty() || only == "soak" {
        cpu_and_soak(&pulse, dir.path(), 3, true);
    }
}

fn start_run(pulse: &PulseServer, dir: &Path, stt: bool, extra_config: &str) -> LiveRun {
    let config = dir.join("bench.toml");
    std::fs::write(&config, format!("[stream]\nport = 0\n{extra_config}")).unwrap();
    let mut args = vec!["--no-overlay"];
    if !stt {
        args.push("--no-stt");
    }
    let mut command = common::live::run_command(pulse, &config, &args);
    command.current_dir(common::model::project_dir());
    let run = LiveRun::start(command);
    run.wait_for_log(
        &["capturing the agent side", "capturing the caller side"],
        Duration::from_secs(30),
    );
    run
}

fn hook(pulse: &PulseServer, args: &[&str]) {
    let out = pulse
        .command(env!("CARGO_BIN_EXE_callcue"))
        .arg("call")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "callcue call {args:?}: {out:?}");
}

fn play_both(pulse: &PulseServer, agent: &Path, caller: &Path) -> u64 {
    let started = unix_now_ms();
    let mut a = pulse.play("agent", agent);
    let mut c = pulse.play("caller", caller);
    assert!(a.wait().unwrap().success() && c.wait().unwrap().success());
    started
}

fn latency(pulse: &PulseServer, dir: &Path) {
    const CALLS: usize = 6;
    println!(
        "\n== capture to voice activity, and pause after the overlap criterion, with tiny.en on"
    );
    let (agent, caller, rendered) = render_call_sides(&live_call(), dir, "live");
    // Where the analysis meets the overlap criterion in this audio: the pause nudge's
    // position when the same call is replayed from the file (the replay is exact and
    // reproducible; the live capture should reach the same decision on the same audio).
    let criterion_in_call_ms = replayed_pause_ms(&dir.join("live.wav"));
    let cut_in_ms = rendered
        .placed
        .iter()
        .find(|l| l.label == "interruption")
        .unwrap()
        .start_ms;
    println!(
        "cut-in at {cut_in_ms} ms; the overlap criterion is met at {criterion_in_call_ms} ms of the call (replayed from the file)"
    );
    // Partial transcripts every 0.5 s (the shortest allowed) keep whisper decoding the
    // caller's long turn, on both cores, while the agent cuts in.
    let run = start_run(pulse, dir, true, "[stt]\npartial_every_ms = 500\n");
    let mut played_at = Vec::new();
    for i in 0..CALLS {
        hook(pulse, &["start", "--id", &format!("bench-{i}")]);
        played_at.push(play_both(pulse, &agent, &caller));
        std::thread::sleep(Duration::from_millis(1500));
        hook(pulse, &["end"]);
        std::thread::sleep(Duration::from_millis(500));
    }
    let events = run.stop();
    let calls = split_calls(&events);
    assert_eq!(calls.len(), CALLS, "one call per play");
    let mut pause_delays = Vec::new();
    println!(
        "call  vad median/p95/max ms  pause after criterion ms  whisper busy then  frames lost"
    );
    for (i, call) in calls.iter().enumerate() {
        let criterion_ms = played_at[i] + criterion_in_call_ms;
        let pause = call
            .iter()
            .find(|e| matches!(&e.ev, Ev::Nudge { nudge, .. } if nudge == "pause"));
        let delay = pause.map(|p| p.unix_ms as i64 - criterion_ms as i64);
        // Whisper was busy if a transcript was in flight when the nudge left.
        let busy = pause.is_some_and(|p| {
            call.iter().any(|e| match &e.ev {
                Ev::Transcript { latency_ms, .. } => {
                    let handed_over = e.unix_ms as f64 - latency_ms;
                    handed_over <= p.unix_ms as f64 && e.unix_ms >= p.unix_ms
                }
                _ => false,
            })
        });
        let capture = call.iter().find_map(|e| match &e.ev {
            Ev::Call {
                capture: Some(c), ..
            } => Some(c.clone()),
            _ => None,
        });
        let capture = capture.expect("capture totals");
        println!(
            "{i:>4}  {:>6.0} / {:>3.0} / {:>3.0}        {:>8}                 {:<5}              {} / {}",
            capture.capture_to_vad_median_ms,
            capture.capture_to_vad_p95_ms,
            capture.capture_to_vad_max_ms,
            delay.map_or("none".to_string(), |d| d.to_string()),
            busy,
            capture.agent_frames_dropped,
            capture.caller_frames_dropped
        );
        if let Some(d) = delay {
            pause_delays.push(d);
        }
    }
    pause_delays.sort_unstable();
    if !pause_delays.is_empty() {
        println!(
            "pause after the overlap criterion: median {} ms, max {} ms over {} calls",
            pause_delays[pause_delays.len() / 2],
            pause_delays.last().unwrap(),
            pause_delays.len()
        );
    }
}

/// The pause nudge's `t_ms` when `wav` is replayed (voice only: words play no part in it).
fn replayed_pause_ms(wav: &Path) -> u64 {
    let out = Command::new(env!("CARGO_BIN_EXE_callcue"))
        .args(["replay", "--format", "jsonl", "--no-stt"])
        .arg(wav)
        .env_remove("CALLCUE_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "replay: {out:?}");
    let events = common::events::parse_stream(&String::from_utf8_lossy(&out.stdout));
    events
        .iter()
        .find_map(|e| match e {
            Ev::Nudge { nudge, t_ms, .. } if nudge == "pause" => Some(*t_ms),
            _ => None,
        })
        .expect("the replayed call has a pause nudge")
}

fn split_calls(events: &[LiveEv]) -> Vec<Vec<LiveEv>> {
    let mut calls: Vec<Vec<LiveEv>> = Vec::new();
    for event in events {
        if matches!(
            event.ev,
            Ev::Call {
                change: Change::Start,
                ..
            }
        ) {
            calls.push(Vec::new());
        }
        if let Some(call) = calls.last_mut() {
            call.push(event.clone());
        }
    }
    calls
}

/// CPU seconds (user + system) the process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    let per_second: f64 = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap();
    ticks / per_second
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

fn cpu_and_soak(pulse: &PulseServer, dir: &Path, plays: usize, stt: bool) {
    println!(
        "\n== {} minutes of two-sided call, speech-to-text {}",
        plays * 10,
        if stt { "on (tiny.en)" } else { "off" }
    );
    let (agent, caller, rendered) = render_call_sides(&long_call(TEN_MINUTES_MS), dir, "long");
    println!(
        "call: {:.0} s per play",
        rendered.duration_ms as f64 / 1000.0
    );
    let run = start_run(pulse, dir, stt, "");
    let pid = run.pid();
    hook(pulse, &["start", "--id", "long"]);
    let started = Instant::now();
    let cpu_at_start = cpu_seconds(pid);
    for i in 0..plays {
        let play_started = Instant::now();
        let cpu_before = cpu_seconds(pid);
        play_both(pulse, &agent, &caller);
        let cpu = cpu_seconds(pid) - cpu_before;
        let wall = play_started.elapsed().as_secs_f64();
        println!(
            "play {}: {:.0} s, CPU {:.1} s = {:.1}% of one core",
            i + 1,
            wall,
            cpu,
            100.0 * cpu / wall
        );
    }
    let cpu = cpu_seconds(pid) - cpu_at_start;
    let wall = started.elapsed().as_secs_f64();
    let rss = peak_rss_mb(pid);
    hook(pulse, &["end"]);
    std::thread::sleep(Duration::from_millis(500));
    let events = run.stop();
    let capture = events
        .iter()
        .find_map(|e| match &e.ev {
            Ev::Call {
                change: Change::End,
                capture: Some(c),
                ..
            } => Some(c.clone()),
            _ => None,
        })
        .expect("capture totals");
    let nudges = events
        .iter()
        .filter(|e| matches!(e.ev, Ev::Nudge { .. }))
        .count();
    println!(
        "overall: CPU {cpu:.1} s over {wall:.0} s = {:.1}% of one core; peak RSS {rss:.0} MB",
        100.0 * cpu / wall
    );
    println!(
        "capture: frames lost to overruns agent {} / caller {}; realign drops {} samples; capture to voice activity median {:.0} ms, p95 {:.0} ms, max {:.0} ms; {nudges} nudges",
        capture.agent_frames_dropped,
        capture.caller_frames_dropped,
        capture.realign_samples_dropped,
        capture.capture_to_vad_median_ms,
        capture.capture_to_vad_p95_ms,
        capture.capture_to_vad_max_ms
    );
}
