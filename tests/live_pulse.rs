//! `callcue run` on real devices: a private PulseAudio server with two null sinks, speech
//! played into them with paplay, their monitors captured by cpal's PulseAudio host, the
//! events read from standard output as they come.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::calls::live_call;
use common::events::{CallBy, Change, Ev, LiveEv, NoticeCode, Side};
use common::live::{unix_now_ms, LiveRun};
use common::pulse::{write_mono_wav, PulseServer};
use common::synth::{render_call, RenderedCall};

/// The call as two mono WAVs (agent, caller) for paplay, and where its lines are.
fn render_sides(dir: &Path) -> (PathBuf, PathBuf, RenderedCall) {
    let stereo = dir.join("call.wav");
    let rendered = render_call(&live_call(), &stereo);
    let mut reader = hound::WavReader::open(&stereo).unwrap();
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    let agent: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let caller: Vec<f32> = samples.iter().skip(1).step_by(2).copied().collect();
    (
        write_mono_wav(&dir.join("agent.wav"), &agent),
        write_mono_wav(&dir.join("caller.wav"), &caller),
        rendered,
    )
}

fn stretch(rendered: &RenderedCall, label: &str) -> Vec<(u64, u64)> {
    rendered
        .placed
        .iter()
        .filter(|l| l.label == label)
        .map(|l| (l.start_ms, l.end_ms))
        .collect()
}

/// A config for tests: the event stream on a free port.
fn test_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("callcue.toml");
    std::fs::write(&path, format!("[stream]\nport = 0\n{extra}")).unwrap();
    path
}

fn run_command(pulse: &PulseServer, config: &Path, extra_args: &[&str]) -> std::process::Command {
    let mut command = pulse.command(env!("CARGO_BIN_EXE_callcue"));
    command
        .arg("--config")
        .arg(config)
        .args([
            "run",
            "--no-overlay",
            "--format",
            "jsonl",
            "--agent-device",
            "pulseaudio:agent.monitor",
            "--caller-device",
            "pulseaudio:caller.monitor",
        ])
        .args(extra_args);
    command
}

fn pause_nudges(events: &[LiveEv]) -> Vec<&LiveEv> {
    events
        .iter()
        .filter(|e| matches!(&e.ev, Ev::Nudge { nudge, .. } if nudge == "pause"))
        .collect()
}

#[test]
fn a_played_call_gets_pause_for_the_cut_in_and_nothing_for_backchannels() {
    let pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (agent_wav, caller_wav, rendered) = render_sides(dir.path());
    let config = test_config(dir.path(), "");
    let run = LiveRun::start(run_command(&pulse, &config, &["--no-stt"]));
    run.wait_for_log(
        &["capturing the agent side", "capturing the caller side"],
        Duration::from_secs(15),
    );

    let played_at_ms = unix_now_ms();
    let mut agent = pulse.play("agent", &agent_wav);
    let mut caller = pulse.play("caller", &caller_wav);
    assert!(agent.wait().unwrap().success() && caller.wait().unwrap().success());
    std::thread::sleep(Duration::from_millis(1500));
    let events = run.stop();

    let why = format!("{events:#?}");
    let call_starts: Vec<&LiveEv> = events
        .iter()
        .filter(|e| {
            matches!(
                &e.ev,
                Ev::Call {
                    change: Change::Start,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(call_starts.len(), 1, "one call found in the audio\n{why}");
    assert!(matches!(
        &call_starts[0].ev,
        Ev::Call {
            by: CallBy::Audio,
            ..
        }
    ));
    let Some(LiveEv {
        ev:
            Ev::Call {
                by: CallBy::Shutdown,
                capture: Some(capture),
                ..
            },
        ..
    }) = events.last()
    else {
        panic!("the last event ends the call at shutdown, with capture totals\n{why}");
    };
    assert_eq!(capture.agent_device, "pulseaudio:agent.monitor");
    assert_eq!(capture.caller_device, "pulseaudio:caller.monitor");
    assert!(
        events.iter().any(|e| matches!(e.ev, Ev::Summary(_))),
        "a summary before the call ends\n{why}"
    );

    // The cut-in: an agent interruption and one pause nudge, soon after the overlap
    // criterion (600 ms of overlap) is met. Generous bounds: this checks behaviour; the
    // latency budget is measured by `cargo bench --bench live`.
    let (cut_in_ms, _) = stretch(&rendered, "interruption")[0];
    assert!(
        events.iter().any(|e| matches!(
            e.ev,
            Ev::Interruption {
                by: Side::Agent,
                ..
            }
        )),
        "the agent's cut-in is an interruption\n{why}"
    );
    let pauses = pause_nudges(&events);
    assert_eq!(pauses.len(), 1, "one pause nudge\n{why}");
    let pause_after_cut_in_ms = pauses[0].unix_ms as i64 - (played_at_ms + cut_in_ms) as i64;
    assert!(
        (400..=2600).contains(&pause_after_cut_in_ms),
        "pause came {pause_after_cut_in_ms} ms after the cut-in began\n{why}"
    );

    // The backchannels: recorded as such, no nudge while or just after they are said.
    let backchannels = events
        .iter()
        .filter(|e| {
            matches!(
                e.ev,
                Ev::Backchannel {
                    speaker: Side::Agent,
                    ..
                }
            )
        })
        .count();
    assert!(backchannels >= 1, "backchannels recorded\n{why}");
    for (start_ms, end_ms) in stretch(&rendered, "backchannel") {
        let window = (played_at_ms + start_ms)..=(played_at_ms + end_ms + 2000);
        let nudged: Vec<&LiveEv> = events
            .iter()
            .filter(|e| matches!(e.ev, Ev::Nudge { .. }) && window.contains(&e.unix_ms))
            .collect();
        assert!(
            nudged.is_empty(),
            "a nudge during the backchannel at {start_ms} ms: {nudged:#?}"
        );
    }
    assert!(
        !events.iter().any(|e| matches!(
            e.ev,
            Ev::Notice {
                code: NoticeCode::DeviceLost,
                ..
            }
        )),
        "no device was lost\n{why}"
    );
}
