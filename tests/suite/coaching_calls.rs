//! Scripted two-voice calls (espeak-ng speech, real webrtc-vad, the real binary) replayed
//! through the JSONL contract: every voice-driven nudge on its stretch, none where coaching
//! would be wrong, none at all on a calm call. Speech-to-text is off here (`--no-stt`):
//! these calls pin the voice side; `tests/words_calls.rs` covers the words.

use callcue_testkit as common;

use std::path::Path;

use common::calls::{calm_call, coaching_call, flat_after_short_greeting_call, monologue_call};
use common::cli::callcue;
use common::events::{nudges, parse_stream, Ev, Side as EvSide};
use common::synth::{render_call_at, RenderedCall};

/// Slack after a stretch ends for a nudge about it (judged on the latest speech).
const AFTER_STRETCH_MS: u64 = 1500;

fn replay(call_wav: &Path) -> Vec<Ev> {
    replay_with(call_wav, &[])
}

fn replay_with(call_wav: &Path, extra_args: &[&str]) -> Vec<Ev> {
    let mut args = extra_args.to_vec();
    args.extend(["replay", "--format", "jsonl", "--no-stt"]);
    args.push(call_wav.to_str().expect("utf-8 path"));
    let output = callcue(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_stream(&String::from_utf8(output.stdout).unwrap())
}

fn stretch(rendered: &RenderedCall, label: &str) -> (u64, u64) {
    rendered.stretch(label)
}

fn nudge_times(events: &[Ev], id: &str) -> Vec<u64> {
    nudges(events)
        .into_iter()
        .filter(|(n, _)| n == id)
        .map(|(_, t)| t)
        .collect()
}

fn report(events: &[Ev], rendered: &RenderedCall) -> String {
    let mut text = String::from("stretches:\n");
    for line in &rendered.placed {
        text += &format!(
            "  {:>6}-{:>6} {:?} {}\n",
            line.start_ms, line.end_ms, line.side, line.label
        );
    }
    text += "events:\n";
    for event in events
        .iter()
        .filter(|e| !matches!(e, Ev::Speech { .. } | Ev::ResponseGap { .. }))
    {
        text += &format!("  {event:?}\n");
    }
    text
}

fn check_coaching_call(rate_hz: u32) {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("coaching.wav");
    let rendered = render_call_at(&coaching_call(), &wav, rate_hz);
    let events = replay(&wav);
    let why = report(&events, &rendered);

    // pause: within 1.5 s of the agent cutting in.
    let (cut_in, _) = stretch(&rendered, "interruption");
    let pauses = nudge_times(&events, "pause");
    assert_eq!(pauses.len(), 1, "one pause nudge\n{why}");
    assert!(
        pauses[0] > cut_in && pauses[0] <= cut_in + 1500,
        "pause at {} for a cut-in at {cut_in}\n{why}",
        pauses[0]
    );

    // Backchannels: recorded as such, never as interruptions.
    let (bc_start, bc_end) = stretch(&rendered, "backchannel");
    let agent_interruptions: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            Ev::Interruption {
                by: EvSide::Agent,
                start_ms,
                ..
            } => Some(*start_ms),
            _ => None,
        })
        .collect();
    assert!(
        agent_interruptions
            .iter()
            .all(|t| *t < bc_start - 100 || *t > bc_end + 100),
        "a backchannel was taken for an interruption\n{why}"
    );
    let backchannels = events
        .iter()
        .filter(|e| matches!(e, Ev::Backchannel { speaker: EvSide::Agent, start_ms, .. } if *start_ms + 200 >= bc_start && *start_ms <= bc_end))
        .count();
    assert_eq!(backchannels, 2, "both backchannels recorded\n{why}");

    // The caller talking over the agent: recorded as the caller's, no pause.
    let (over_start, over_end) = stretch(&rendered, "caller_over_agent");
    assert!(
        events.iter().any(|e| matches!(e, Ev::Interruption { by: EvSide::Caller, start_ms, .. } if start_ms.abs_diff(over_start) < 300)),
        "caller interruption recorded\n{why}"
    );
    assert!(
        pauses
            .iter()
            .all(|t| *t < over_start || *t > over_end + 2000),
        "no pause for the caller's overlap\n{why}"
    );

    // fill_silence: during the silence before the `dead_air` line.
    let (after_silence, _) = stretch(&rendered, "dead_air");
    let (_, before_silence) = stretch(&rendered, "agent_checks");
    let fills = nudge_times(&events, "fill_silence");
    assert_eq!(fills.len(), 1, "{why}");
    assert!(
        fills[0] > before_silence && fills[0] < after_silence,
        "fill_silence at {}\n{why}",
        fills[0]
    );

    // slow_down, smile, acknowledge: on their stretches.
    for (id, label) in [
        ("slow_down", "fast"),
        ("smile", "flat"),
        ("acknowledge", "raised"),
    ] {
        let (start, end) = stretch(&rendered, label);
        let times = nudge_times(&events, id);
        assert_eq!(times.len(), 1, "{id}: {times:?}\n{why}");
        assert!(
            times[0] > start && times[0] <= end + AFTER_STRETCH_MS,
            "{id} at {} for {label} {start}-{end}\n{why}",
            times[0]
        );
    }

    // Nothing else: no monologue in this call.
    assert!(nudge_times(&events, "check_in").is_empty(), "{why}");
    let Some(Ev::Summary(summary)) = events.last() else {
        panic!("summary last\n{why}")
    };
    assert_eq!(summary.interruptions_by_agent, 1, "{why}");
    assert_eq!(summary.nudges_total, 5, "{why}");
    assert!(!summary.frustration_peaks.is_empty(), "{why}");
    assert!(
        summary.dead_air_spells >= 1 && summary.longest_dead_air_ms >= 8000,
        "{why}"
    );
    assert!(
        summary.agent_talk_ratio > 0.3 && summary.agent_talk_ratio < 0.7,
        "{why}"
    );
}

#[test]
fn coaching_call_gets_each_nudge_on_its_stretch() {
    check_coaching_call(16000);
}

#[test]
fn coaching_call_recorded_at_8_khz_gets_the_same_nudges() {
    check_coaching_call(8000);
}

/// The agent's voice profile (learned from their earlier calm call) makes `smile` come
/// on a short call whose agent goes flat right after a 3.5 s greeting; the call's own
/// start alone is no yardstick for that.
#[test]
fn flat_after_a_short_greeting_gets_smile_against_the_agent_profile() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("earlier.wav");
    render_call_at(&calm_call(), &earlier, 16000);
    let profile = dir.path().join("agent-profile.json");
    let config = dir.path().join("profile.toml");
    std::fs::write(
        &config,
        format!(
            "[agent_profile]\npath = {:?}\n",
            profile.display().to_string()
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let learned = callcue(&[
        "--config",
        config_arg,
        "profile",
        "learn",
        earlier.to_str().unwrap(),
    ]);
    assert!(
        learned.status.success(),
        "{}",
        String::from_utf8_lossy(&learned.stderr)
    );
    let shown = callcue(&["--config", config_arg, "profile", "show"]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("1 call(s)"),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );

    let wav = dir.path().join("short.wav");
    let rendered = render_call_at(&flat_after_short_greeting_call(), &wav, 16000);
    let (flat_start, flat_end) = stretch(&rendered, "flat");
    let mut args = vec![
        "--config", config_arg, "replay", "--format", "jsonl", "--no-stt",
    ];
    let profile_arg = profile.to_str().unwrap().to_string();
    args.extend(["--agent-profile", &profile_arg, wav.to_str().unwrap()]);
    let output = callcue(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
    let why = report(&events, &rendered);
    let smiles = nudge_times(&events, "smile");
    assert_eq!(smiles.len(), 1, "{why}");
    assert!(
        smiles[0] > flat_start && smiles[0] <= flat_end + AFTER_STRETCH_MS,
        "smile at {} for flat {flat_start}-{flat_end}\n{why}",
        smiles[0]
    );

    let reset = callcue(&["--config", config_arg, "profile", "reset"]);
    assert!(reset.status.success());
    assert!(!profile.exists());
}

#[test]
fn calm_polite_call_gets_no_nudge() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("calm.wav");
    let rendered = render_call_at(&calm_call(), &wav, 16000);
    let events = replay(&wav);
    let why = report(&events, &rendered);
    assert!(nudges(&events).is_empty(), "{why}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Ev::NudgeSuppressed { .. })),
        "nothing was even due\n{why}"
    );
    let Some(Ev::Summary(summary)) = events.last() else {
        panic!("{why}")
    };
    assert_eq!(
        summary.interruptions_by_agent + summary.interruptions_by_caller,
        0,
        "{why}"
    );
    assert!(summary.agent_response_gap_median_ms.is_some(), "{why}");
}

#[test]
fn events_come_in_time_order_with_latency_on_every_nudge() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("coaching.wav");
    render_call_at(&coaching_call(), &wav, 16000);
    let events = replay(&wav);
    assert!(
        events.windows(2).all(|w| w[0].t_ms() <= w[1].t_ms()),
        "t_ms never goes back"
    );
    for event in &events {
        if let Ev::Nudge {
            latency_ms, text, ..
        } = event
        {
            assert!(*latency_ms >= 0.0 && latency_ms.is_finite());
            assert!(!text.is_empty());
        }
    }
}

#[test]
fn long_agent_explanation_gets_check_in_with_a_supervisor_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("monologue.wav");
    let rendered = render_call_at(&monologue_call(), &wav, 16000);
    let (start, end) = stretch(&rendered, "monologue");
    assert!(end - start > 25_000, "the script gives a long stretch");

    // Shipped default (45 s): no check_in for this stretch.
    let events = replay(&wav);
    assert!(
        nudge_times(&events, "check_in").is_empty(),
        "{}",
        report(&events, &rendered)
    );

    // A supervisor lowers the threshold to 20 s: check_in 20 s into the stretch, although
    // the caller said "okay" in between (a backchannel does not take the floor).
    let config = dir.path().join("supervisor.toml");
    std::fs::write(&config, "[turns]\nmonologue_ms = 20000\n").unwrap();
    let events = replay_with(&wav, &["--config", config.to_str().unwrap()]);
    let why = report(&events, &rendered);
    let times = nudge_times(&events, "check_in");
    assert_eq!(times.len(), 1, "{why}");
    assert!(
        times[0] >= start + 20_000 && times[0] <= start + 21_000,
        "check_in at {}\n{why}",
        times[0]
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            Ev::Backchannel {
                speaker: EvSide::Caller,
                ..
            }
        )),
        "{why}"
    );
    let Some(Ev::Summary(summary)) = events.last() else {
        panic!("{why}")
    };
    assert!(summary.longest_monologue_ms >= 25_000, "{why}");
    assert_eq!(summary.nudges_total, 1, "{why}");
}
