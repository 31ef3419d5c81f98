//! `callcue run` on real devices: a private PulseAudio server with two null sinks, speech
//! played into them with paplay, their monitors captured by cpal's PulseAudio host, the
//! events read from standard output as they come.

use callcue_testkit as common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::calls::live_call;
use common::events::{parse_live_line, CallBy, Change, Ev, LiveEv, NoticeCode, Side};
use common::live::{render_call_sides, unix_now_ms, LiveRun};
use common::pulse::{write_mono_wav, PulseServer};
use common::synth::{synth_line, RenderedCall, Voice};

/// The live call as two mono WAVs (agent, caller) for paplay, and where its lines are.
fn render_sides(dir: &Path) -> (PathBuf, PathBuf, RenderedCall) {
    render_call_sides(&live_call(), dir, "call")
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
    let mut args = vec!["--no-overlay"];
    args.extend_from_slice(extra_args);
    common::live::run_command(pulse, config, &args)
}

fn pause_nudges(events: &[LiveEv]) -> Vec<&LiveEv> {
    events
        .iter()
        .filter(|e| matches!(&e.ev, Ev::Nudge { nudge, .. } if nudge == "pause"))
        .collect()
}

#[test]
fn a_played_call_gets_pause_for_the_cut_in_and_nothing_for_backchannels() {
    check_played_call(PulseServer::start());
}

/// Devices as desktops have them: 48 kHz stereo, downmixed and resampled on the analysis
/// thread.
#[test]
fn the_same_at_48_khz_stereo() {
    check_played_call(PulseServer::start_with_format(48000, 2));
}

fn check_played_call(pulse: PulseServer) {
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

/// Says `text` into `sink` and waits until it has been played.
fn say(pulse: &PulseServer, dir: &Path, sink: &str, voice: &Voice, text: &str) {
    let path = dir.join(format!("{sink}-{}.wav", text.len()));
    write_mono_wav(&path, &synth_line(text, voice));
    assert!(pulse.play(sink, &path).wait().unwrap().success());
}

fn is_notice(event: &LiveEv, wanted: NoticeCode) -> bool {
    matches!(&event.ev, Ev::Notice { code, .. } if *code == wanted)
}

fn speech_by(event: &LiveEv, side: Side) -> bool {
    matches!(&event.ev, Ev::Speech { speaker, .. } if *speaker == side)
}

#[test]
fn a_device_unplugged_and_back_mid_call_keeps_the_call_going() {
    let mut pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), "");
    let run = LiveRun::start(run_command(&pulse, &config, &["--no-stt"]));
    run.wait_for_log(
        &["capturing the agent side", "capturing the caller side"],
        Duration::from_secs(15),
    );
    let long = Duration::from_secs(15);

    say(
        &pulse,
        dir.path(),
        "caller",
        &Voice::caller(),
        "Hi, I have a question about the bill I received this month.",
    );
    run.wait_for_event(
        "a call found in the audio",
        |e| {
            matches!(
                e.ev,
                Ev::Call {
                    change: Change::Start,
                    ..
                }
            )
        },
        long,
    );

    // The agent's headset goes: the caller's side is still coached.
    pulse.remove_sink("agent");
    let lost = run.wait_for_event(
        "agent device lost",
        |e| is_notice(e, NoticeCode::DeviceLost),
        long,
    );
    say(
        &pulse,
        dir.path(),
        "caller",
        &Voice::caller(),
        "The charge is for something called premium support plus, and I never signed up for it.",
    );
    run.wait_for_event(
        "caller speech while the agent device is gone",
        |e| speech_by(e, Side::Caller) && e.unix_ms > lost.unix_ms,
        long,
    );

    // It comes back and is captured again.
    pulse.add_sink("agent");
    let back = run.wait_for_event(
        "agent device back",
        |e| is_notice(e, NoticeCode::DeviceBack),
        long,
    );
    say(
        &pulse,
        dir.path(),
        "agent",
        &Voice::agent(),
        "I am sorry about that, let me take a look at the charge for you now.",
    );
    run.wait_for_event(
        "agent speech after the device is back",
        |e| speech_by(e, Side::Agent) && e.unix_ms > back.unix_ms,
        long,
    );

    let events = run.stop();
    let ends: Vec<&LiveEv> = events
        .iter()
        .filter(|e| {
            matches!(
                e.ev,
                Ev::Call {
                    change: Change::End,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(ends.len(), 1, "the call went on to the end: {events:#?}");
    let Ev::Call {
        capture: Some(capture),
        ..
    } = &ends[0].ev
    else {
        panic!("capture totals at the end of the call: {events:#?}");
    };
    assert_eq!(capture.device_losses, 1, "{capture:?}");
    assert_eq!(capture.agent_device, "pulseaudio:agent.monitor");
}

/// The event stream's port, from the log line that announces it.
fn stream_port(log: &str) -> u16 {
    let at = log
        .find("ws://127.0.0.1:")
        .unwrap_or_else(|| panic!("no event stream in the log:\n{log}"));
    log[at + "ws://127.0.0.1:".len()..]
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// A WebSocket client of the event stream, reading in the background.
fn stream_client(
    port: u16,
    token: &str,
) -> (
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    std::thread::JoinHandle<()>,
) {
    use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, Message};
    let mut request = format!("ws://127.0.0.1:{port}/events")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tungstenite::connect(request).expect("stream client connects");
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let reader = {
        let lines = std::sync::Arc::clone(&lines);
        std::thread::spawn(move || loop {
            match socket.read() {
                Ok(Message::Text(text)) => lines.lock().unwrap().push(text.to_string()),
                Ok(Message::Close(_)) | Err(_) => return,
                Ok(_) => {}
            }
        })
    };
    (lines, reader)
}

fn hook(pulse: &PulseServer, args: &[&str]) -> std::process::Output {
    pulse
        .command(env!("CARGO_BIN_EXE_callcue"))
        .arg("call")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn softphone_hooks_mark_calls_and_the_event_stream_carries_the_same_events() {
    let pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    let config = test_config(dir.path(), "");
    let mut command = run_command(&pulse, &config, &["--no-stt"]);
    command.env("CALLCUE_STATE_DIR", &state_dir);
    let run = LiveRun::start(command);
    run.wait_for_log(
        &["capturing the agent side", "capturing the caller side"],
        Duration::from_secs(15),
    );
    let port = stream_port(&run.log());
    let token = std::fs::read_to_string(state_dir.join("stream-token")).unwrap();

    // A second callcue for the same user (autostart and a service unit both starting
    // it) says so in one line and exits with its own status, 3, which the unit does not
    // restart on; the first keeps running.
    let mut second = run_command(&pulse, &config, &["--no-stt"]);
    let second = second
        .env("CALLCUE_STATE_DIR", &state_dir)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(3), "{said}");
    assert!(
        said.lines()
            .any(|l| l.starts_with("callcue: error: callcue is already running")),
        "{said}"
    );

    // No token, or a wrong one: refused before any event is sent.
    for bad in ["", "not-the-token-at-all"] {
        use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
        let mut request = format!("ws://127.0.0.1:{port}/events")
            .into_client_request()
            .unwrap();
        if !bad.is_empty() {
            request
                .headers_mut()
                .insert("Authorization", format!("Bearer {bad}").parse().unwrap());
        }
        match tungstenite::connect(request) {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
            other => panic!("token {bad:?} was not refused: {other:?}"),
        }
    }
    let (streamed, reader) = stream_client(port, token.trim());

    let out = hook(&pulse, &["start", "--id", "T-1001"]);
    assert!(out.status.success(), "call start: {out:?}");
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "hooks run silently"
    );
    let long = Duration::from_secs(15);
    run.wait_for_event(
        "the hook's call start",
        |e| matches!(&e.ev, Ev::Call { change: Change::Start, by: CallBy::Hook, call_id, .. } if call_id == "T-1001"),
        long,
    );
    say(
        &pulse,
        dir.path(),
        "caller",
        &Voice::caller(),
        "Hi, I have a question about the bill I received this month.",
    );
    say(
        &pulse,
        dir.path(),
        "agent",
        &Voice::agent(),
        "Of course, let me pull up your account.",
    );
    run.wait_for_event("agent speech", |e| speech_by(e, Side::Agent), long);
    let out = hook(&pulse, &["end"]);
    assert!(out.status.success(), "call end: {out:?}");
    run.wait_for_event(
        "the hook's call end",
        |e| {
            matches!(
                &e.ev,
                Ev::Call {
                    change: Change::End,
                    by: CallBy::Hook,
                    ..
                }
            )
        },
        long,
    );
    // Hooks mark calls now: caller audio alone does not start one.
    say(
        &pulse,
        dir.path(),
        "caller",
        &Voice::caller(),
        "Hello? Is anyone there? I was waiting on the line.",
    );
    std::thread::sleep(Duration::from_millis(800));
    let events = run.stop();
    reader.join().unwrap();

    let starts = events
        .iter()
        .filter(|e| {
            matches!(
                e.ev,
                Ev::Call {
                    change: Change::Start,
                    ..
                }
            )
        })
        .count();
    assert_eq!(starts, 1, "only the hooked call: {events:#?}");
    let summary_then_end = events.windows(2).any(|w| {
        matches!(w[0].ev, Ev::Summary(_))
            && matches!(
                w[1].ev,
                Ev::Call {
                    change: Change::End,
                    ..
                }
            )
    });
    assert!(
        summary_then_end,
        "the call's summary, then its end: {events:#?}"
    );

    // The stream carried the same events, in the same order, from the moment it connected.
    let streamed: Vec<LiveEv> = streamed
        .lock()
        .unwrap()
        .iter()
        .map(|line| parse_live_line(line))
        .collect();
    assert_eq!(
        streamed, events,
        "the WebSocket stream matches standard output"
    );
}

#[test]
fn a_hook_with_no_callcue_running_says_so_in_one_line() {
    let pulse = PulseServer::start();
    let out = hook(&pulse, &["end"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("callcue run"), "{stderr}");
}

#[test]
fn the_callers_voice_leaking_into_the_microphone_is_not_the_agent_talking() {
    let pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (_, caller_wav, _) = render_sides(dir.path());
    // The agent's microphone hears only the caller, from the headset's speaker: 60 ms
    // later, 20 dB down, dulled by a one-pole low-pass, over a little noise.
    let mut reader = hound::WavReader::open(&caller_wav).unwrap();
    let caller: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    let delay = 16 * 60;
    let mut low = 0.0f32;
    let mut noise_state = 12345u32;
    let leak: Vec<f32> = (0..caller.len())
        .map(|i| {
            let x = if i >= delay {
                caller[i - delay] * 0.1
            } else {
                0.0
            };
            low += 0.5 * (x - low);
            noise_state = noise_state
                .wrapping_mul(1_664_525)
                .wrapping_add(1_013_904_223);
            low + ((noise_state >> 9) as f32 / (1u32 << 23) as f32 - 0.5) * 0.002
        })
        .collect();
    let agent_wav = write_mono_wav(&dir.path().join("leak.wav"), &leak);

    let config = test_config(dir.path(), "");
    let run = LiveRun::start(run_command(&pulse, &config, &["--no-stt"]));
    run.wait_for_log(
        &["capturing the agent side", "capturing the caller side"],
        Duration::from_secs(15),
    );
    let mut agent = pulse.play("agent", &agent_wav);
    let mut caller = pulse.play("caller", &caller_wav);
    assert!(agent.wait().unwrap().success() && caller.wait().unwrap().success());
    std::thread::sleep(Duration::from_millis(1000));
    let events = run.stop();

    let why = format!("{events:#?}");
    assert!(
        !events.iter().any(|e| matches!(
            e.ev,
            Ev::Interruption {
                by: Side::Agent,
                ..
            }
        )),
        "the leak taken for the agent cutting in\n{why}"
    );
    assert!(pause_nudges(&events).is_empty(), "pause for a leak\n{why}");
    let bleed_frames = events
        .iter()
        .find_map(|e| match &e.ev {
            Ev::Call {
                capture: Some(c), ..
            } => Some(c.agent_bleed_frames),
            _ => None,
        })
        .expect("capture totals");
    assert!(
        bleed_frames > 100,
        "the leak was found: {bleed_frames} frames\n{why}"
    );
}

#[test]
fn without_a_display_the_overlay_says_so_and_coaching_goes_on() {
    let pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path(), "");
    let mut command = common::live::run_command(&pulse, &config, &["--no-stt"]);
    command.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    let run = LiveRun::start(command);
    run.wait_for_log(
        &[
            "overlay: no display available",
            "capturing the agent side",
            "capturing the caller side",
        ],
        Duration::from_secs(15),
    );
    say(
        &pulse,
        dir.path(),
        "caller",
        &Voice::caller(),
        "Hi, I have a question about the bill I received this month.",
    );
    run.wait_for_event(
        "caller speech",
        |e| speech_by(e, Side::Caller),
        Duration::from_secs(15),
    );
    run.stop();
}

/// With `privacy.save_transcripts` on, `callcue run` says once where transcripts go and
/// saves each call's final transcripts there, in a file only the user may read.
#[test]
fn live_calls_save_their_transcripts_privately_when_the_config_says_so() {
    let model = common::model::test_model();
    let pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("saved");
    let config = test_config(
        dir.path(),
        &format!(
            "[stt]\nmodel_path = {:?}\n[privacy]\nsave_transcripts = true\ntranscripts_dir = {:?}\n",
            model.display().to_string(),
            saved.display().to_string()
        ),
    );
    let run = LiveRun::start(run_command(&pulse, &config, &[]));
    run.wait_for_log(
        &[
            "saving each call's transcripts in",
            "capturing the agent side",
            "capturing the caller side",
        ],
        Duration::from_secs(30),
    );
    say(
        &pulse,
        dir.path(),
        "caller",
        &Voice::caller(),
        "Hi, I have a question about the bill I received this month.",
    );
    run.wait_for_event(
        "a final caller transcript",
        |e| {
            matches!(
                &e.ev,
                Ev::Transcript {
                    speaker: Side::Caller,
                    is_final: true,
                    ..
                }
            )
        },
        Duration::from_secs(30),
    );
    let log = {
        run.stop();
        std::fs::read_dir(&saved)
            .expect("the transcripts folder exists")
            .map(|entry| entry.unwrap().path())
            .collect::<Vec<_>>()
    };
    assert_eq!(log.len(), 1, "{log:?}");
    let text = std::fs::read_to_string(&log[0]).unwrap();
    assert!(
        text.contains("caller:") && text.to_lowercase().contains("question"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&log[0]), 0o600);
        assert_eq!(mode(&saved), 0o700);
    }
}

/// A supervisor's edit reaches a running callcue without a restart: a broken value is
/// refused once (a `config_error` notice naming file and key, the last good settings
/// kept), the fixed file applies, and the call played afterwards is coached by it (here:
/// `pause` switched off, so the cut-in is held back as `disabled`). The call's summary is
/// kept for the supervisor, who reads it with `callcue report`.
#[test]
fn a_saved_config_applies_to_the_next_call_and_a_broken_one_is_refused() {
    let pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (agent_wav, caller_wav, _) = render_sides(dir.path());
    let summaries = dir.path().join("summaries");
    let fleet = format!(
        "[fleet]\nsummaries_dir = {:?}\nagent_id = \"agent-7\"\nsite = \"leeds\"\n",
        summaries.display().to_string()
    );
    let config = test_config(dir.path(), &fleet);
    let run = LiveRun::start(run_command(&pulse, &config, &["--no-stt"]));
    run.wait_for_log(
        &[
            "capturing the agent side",
            "capturing the caller side",
            "watching the config in",
        ],
        Duration::from_secs(15),
    );
    let notice = |wanted: NoticeCode, needle: &'static str| {
        move |event: &LiveEv| {
            matches!(&event.ev, Ev::Notice { code, message, .. }
                if *code == wanted && message.contains(needle))
        }
    };

    let saved = std::time::Instant::now();
    std::fs::write(
        &config,
        format!("[stream]\nport = 0\n{fleet}[turns]\nmin_overlap_ms = 20\n"),
    )
    .unwrap();
    let refused = run.wait_for_event(
        "a config_error notice",
        notice(NoticeCode::ConfigError, "turns.min_overlap_ms = 20"),
        Duration::from_secs(10),
    );
    eprintln!(
        "config error reported {} ms after the save",
        saved.elapsed().as_millis()
    );
    let Ev::Notice { message, .. } = &refused.ev else {
        unreachable!()
    };
    assert!(
        message.contains(&config.display().to_string())
            && message.contains("allowed 100 to 5000 ms"),
        "file, key, value and range: {message}"
    );

    let saved = std::time::Instant::now();
    std::fs::write(
        &config,
        format!("[stream]\nport = 0\n{fleet}[nudges.pause]\nenabled = false\n"),
    )
    .unwrap();
    run.wait_for_event(
        "a config_changed notice",
        notice(NoticeCode::ConfigChanged, "nudges.pause.enabled"),
        Duration::from_secs(10),
    );
    eprintln!(
        "config change applied {} ms after the save",
        saved.elapsed().as_millis()
    );
    assert!(run
        .log()
        .contains("config not applied, keeping the last good settings"));

    let mut agent = pulse.play("agent", &agent_wav);
    let mut caller = pulse.play("caller", &caller_wav);
    assert!(agent.wait().unwrap().success() && caller.wait().unwrap().success());
    run.wait_for_event(
        "the cut-in held back: pause is switched off",
        |e| matches!(&e.ev, Ev::NudgeSuppressed { nudge, .. } if nudge == "pause"),
        Duration::from_secs(10),
    );
    let events = run.stop();
    assert!(pause_nudges(&events).is_empty(), "{events:#?}");
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(
                &e.ev,
                Ev::Notice {
                    code: NoticeCode::ConfigError,
                    ..
                }
            ))
            .count(),
        1,
        "the broken file is said once"
    );

    // The call's summary, one line in today's file, with who, where and which settings.
    let files: Vec<PathBuf> = std::fs::read_dir(&summaries)
        .expect("a summaries folder")
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(records.len(), 1, "one call: {text}");
    let record = &records[0];
    assert_eq!(record["agent_id"], "agent-7");
    assert_eq!(record["site"], "leeds");
    assert_eq!(record["config_hash"].as_str().unwrap().len(), 16);
    assert!(!record["call_id"].as_str().unwrap().is_empty());
    assert!(
        record["summary"]["duration_ms"].as_u64().unwrap() > 5000,
        "{record}"
    );
    assert!(!text.contains("\"text\""), "no words in summaries: {text}");
    let output = common::cli::callcue(&["report", summaries.to_str().unwrap()]);
    assert!(output.status.success());
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(report.starts_with("1 call(s), "), "{report}");
    assert!(
        report.lines().any(|l| l.starts_with("agent-7 ")),
        "{report}"
    );
}
