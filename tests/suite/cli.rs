//! The command line as a user meets it: exit codes, one-line errors that name the file and
//! the problem, and the demo and doctor commands.

use callcue_testkit as common;

use std::path::Path;
use std::process::Output;

use common::cli::callcue;
use common::events::{parse_stream, Ev};

fn stderr_line(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr)
        .trim_end()
        .to_string();
    assert_eq!(
        text.lines().count(),
        1,
        "expected one line of error, got: {text:?}"
    );
    text
}

fn write_wav(path: &Path, channels: u16, rate: u32, frames: usize) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for _ in 0..frames * channels as usize {
        writer.write_sample(0i16).unwrap();
    }
    writer.finalize().unwrap();
}

#[test]
fn bad_recordings_exit_2_with_one_line_naming_file_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.wav");
    let text = dir.path().join("notes.wav");
    std::fs::write(&text, "this is a text file, not audio").unwrap();
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, "").unwrap();
    let mono = dir.path().join("mono.wav");
    write_wav(&mono, 1, 8000, 8000);
    let truncated = dir.path().join("truncated.wav");
    write_wav(&truncated, 2, 16000, 16000);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let slow = dir.path().join("slow.wav");
    write_wav(&slow, 2, 4000, 4000);

    let cases = [
        (&missing, "cannot read"),
        (&text, "not a WAV"),
        (&empty, "empty"),
        (&mono, "channel"),
        (&truncated, "truncated"),
        (&slow, "4000"),
    ];
    for (path, problem) in cases {
        let output = callcue(&["replay", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{}", path.display());
        let line = stderr_line(&output);
        assert!(line.contains(&path.display().to_string()), "{line}");
        assert!(line.contains(problem), "{line} lacks {problem:?}");
        assert!(output.stdout.is_empty(), "no events for a bad file");
    }
}

#[test]
fn bad_config_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("callcue.toml");
    std::fs::write(&config, "[turns]\ndead_air_ms = 12\n").unwrap();
    let output = callcue(&["--config", config.to_str().unwrap(), "demo"]);
    assert_eq!(output.status.code(), Some(2));
    let line = stderr_line(&output);
    assert!(line.contains("turns.dead_air_ms = 12"), "{line}");
    assert!(line.contains("1000 to 600000 ms"), "{line}");
}

/// A config path that is a device or a huge file is refused with one line after reading
/// 1 MB, not read until memory runs out.
#[test]
fn an_endless_config_is_refused_in_one_line() {
    let output = callcue(&["--config", "/dev/zero", "config"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let line = stderr_line(&output);
    assert!(
        line.contains("/dev/zero") && line.contains("larger than 1 MB"),
        "{line}"
    );
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, "# padding\n".repeat(200_000)).unwrap();
    let output = callcue(&["--config", big.to_str().unwrap(), "config"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr_line(&output).contains("larger than 1 MB"));
}

#[test]
fn wrong_arguments_exit_2() {
    let output = callcue(&["replay", "--agent", "a.wav"]);
    assert_eq!(output.status.code(), Some(2));
    let output = callcue(&["replay"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn silent_call_replays_with_a_summary_and_no_nudges() {
    common::model::test_model();
    let dir = tempfile::tempdir().unwrap();
    let silent = dir.path().join("silent.wav");
    write_wav(&silent, 2, 8000, 8000 * 20);
    let output = callcue(&["replay", "--format", "jsonl", silent.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(events.len(), 1, "{events:?}");
    let Ev::Summary(summary) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(summary.duration_ms, 20_000);
    assert_eq!(summary.nudges_total, 0);
    let stt = summary.speech_to_text.as_ref().expect("speech-to-text ran");
    assert_eq!(stt.clips_submitted, 0, "silence gives whisper nothing");
    // Silence before anyone spoke is not dead air: the call has not started.
    assert_eq!(summary.dead_air_spells, 0);
}

/// Float recordings at 8 and 48 kHz (resampled on the way in) holding NaN and infinite
/// samples replay to the end: those samples are silence, and one line says how many.
#[test]
fn samples_that_are_not_numbers_are_silence_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    for rate in [8000u32, 48_000] {
        let path = dir.path().join(format!("nan-{rate}.wav"));
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..rate as usize * 3 {
            let (agent, caller) = match i {
                100 => (f32::NAN, 0.0),
                200 => (0.0, f32::INFINITY),
                300 => (f32::NEG_INFINITY, f32::NAN),
                _ => (0.1 * (i as f32 * 0.05).sin(), 0.0),
            };
            writer.write_sample(agent).unwrap();
            writer.write_sample(caller).unwrap();
        }
        writer.finalize().unwrap();
        let output = callcue(&[
            "replay",
            "--no-stt",
            "--format",
            "jsonl",
            path.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{rate} Hz: {output:?}");
        let line = stderr_line(&output);
        assert!(
            line.contains("4 samples are not numbers") && line.contains("nan-"),
            "{line}"
        );
        let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
        assert!(matches!(events.last(), Some(Ev::Summary(s)) if s.duration_ms == 3000));
    }
}

#[test]
fn two_mono_files_replay_like_one_stereo_file() {
    let dir = tempfile::tempdir().unwrap();
    let agent = dir.path().join("agent.wav");
    let caller = dir.path().join("caller.wav");
    write_wav(&agent, 1, 16000, 16000 * 3);
    write_wav(&caller, 1, 48000, 48000 * 5);
    let output = callcue(&[
        "replay",
        "--format",
        "jsonl",
        "--agent",
        agent.to_str().unwrap(),
        "--caller",
        caller.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
    let Some(Ev::Summary(summary)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(summary.duration_ms, 5000, "the longer side sets the length");
}

/// Runs `callcue ARGS` and returns how it ended with its peak memory (resident set) in
/// KiB, measured by the kernel for that process alone.
fn callcue_with_peak_memory_kib(args: &[&str]) -> (std::process::ExitStatus, u64) {
    use std::os::unix::process::ExitStatusExt;
    let child = common::cli::callcue_command(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain system call on our own child; `usage` is a valid out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "{}", std::io::Error::last_os_error());
    // Reaped above; dropping a `Child` neither waits nor kills.
    drop(child);
    (
        std::process::ExitStatus::from_raw(status),
        usage.ru_maxrss as u64,
    )
}

#[test]
fn a_two_hour_recording_replays_without_holding_it_in_memory() {
    // The demo call (real speech, 8 kHz stereo) over and over for two hours: 115 MB of
    // PCM on disk, 920 MB once decoded at the analysis rate were it held whole.
    let demo = callcue::audio::read_wav(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/demo/call.wav"
    )))
    .unwrap();
    let spec = hound::WavSpec {
        channels: demo.channel_count() as u16,
        sample_rate: demo.sample_rate_hz,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let samples: Vec<i16> = (0..demo.frames())
        .flat_map(|i| demo.channels.iter().map(move |c| (c[i] * 32767.0) as i16))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("two-hours.wav");
    let target_frames = 2 * 3600 * spec.sample_rate as usize;
    {
        let mut writer = hound::WavWriter::create(&long, spec).unwrap();
        let mut frames = 0;
        while frames < target_frames {
            let mut block = writer.get_i16_writer(samples.len() as u32);
            for &s in &samples {
                block.write_sample(s);
            }
            block.flush().unwrap();
            frames += samples.len() / usize::from(spec.channels);
        }
        writer.finalize().unwrap();
    }
    let (status, peak_kib) = callcue_with_peak_memory_kib(&[
        "replay",
        "--no-stt",
        "--format",
        "jsonl",
        long.to_str().unwrap(),
    ]);
    assert!(status.success(), "{status}");
    assert!(
        peak_kib < 300 * 1024,
        "a two-hour replay peaked at {} MB",
        peak_kib / 1024
    );
}

#[test]
fn demo_runs_the_whole_pipeline_and_doctor_passes() {
    common::model::test_model();
    let turn = common::model::whisper_turn();
    let output = callcue(&["demo", "--format", "jsonl"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
    assert!(
        events.iter().any(|e| matches!(e, Ev::Nudge { .. })),
        "the demo call coaches"
    );
    assert!(
        events.iter().any(|e| matches!(e, Ev::Transcript { .. })),
        "the demo call is transcribed"
    );
    assert!(matches!(events.last(), Some(Ev::Summary(_))));

    let output = callcue(&["demo"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains(">> NUDGE"), "{text}");
    assert!(text.contains("end of call"), "{text}");

    // Doctor checks the audio devices too: here a sound server with the two sides.
    drop(turn);
    let pulse = common::pulse::PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("callcue.toml");
    let doctor_with = |capture: &str, extra: &[&str]| {
        std::fs::write(&config, capture).unwrap();
        let output = pulse
            .command(env!("CARGO_BIN_EXE_callcue"))
            .arg("--config")
            .arg(&config)
            .arg("doctor")
            .args(extra)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&output.stdout).into_owned();
        (output.status.code(), report)
    };
    // Speech-to-text is checked (with its decode speed) where whisper has the machine:
    // `doctor_does_not_depend_on_the_working_directory`.
    let doctor = |capture: &str| doctor_with(&format!("[stt]\nenabled = false\n{capture}"), &[]);
    let both_sides =
        "[capture]\nagent_device = \"pulseaudio:agent.monitor\"\ncaller_device = \"caller.monitor\"\n";
    let (code, report) = doctor(both_sides);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("all checks passed"), "{report}");
    assert!(
        report.contains("ok    caller audio (caller.monitor): Monitor of Null Output (pulseaudio:caller.monitor)"),
        "a device found by part of its id: {report}"
    );
    assert!(report.contains("ok    cpu: "), "{report}");

    // A headset that is not there: one line naming it, exit 2.
    let (code, report) = doctor("[capture]\nagent_device = \"Jabra Evolve\"\n");
    assert_eq!(code, Some(2), "{report}");
    assert!(
        report
            .contains("FAIL  agent audio (Jabra Evolve): agent device \"Jabra Evolve\": not found"),
        "{report}"
    );

    // No microphone plugged in: the sound server's default input is then a monitor of
    // an output, which must not be taken for the agent (every caller word would be the
    // agent talking over them).
    let (code, report) = doctor("[capture]\ncaller_device = \"caller.monitor\"\n");
    assert_eq!(code, Some(2), "{report}");
    assert!(
        report.contains("FAIL  agent audio (default): ")
            && report.contains("a loopback of an output, not a microphone"),
        "{report}"
    );

    // Only the caller's loopback missing: `run` copes (it coaches the agent's side and
    // keeps looking), so a warning and exit 1.
    let (code, report) = doctor(
        "[capture]\nagent_device = \"agent.monitor\"\ncaller_device = \"Softphone Loopback\"\n",
    );
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("WARN  caller audio (Softphone Loopback): ")
            && report.contains("1 warning(s)"),
        "{report}"
    );

    // For IT's tools: one JSON object with every check; the same exit codes.
    let (code, json) = doctor_with(
        &format!("[stt]\nenabled = false\n{both_sides}"),
        &["--format", "json"],
    );
    assert_eq!(code, Some(0), "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("doctor's JSON parses");
    assert_eq!(report["status"], "ok", "{json}");
    let names: Vec<&str> = report["checks"]
        .as_array()
        .expect("a list of checks")
        .iter()
        .map(|check| check["name"].as_str().expect("a name"))
        .collect();
    for wanted in [
        "cpu",
        "config",
        "analysis",
        "speech-to-text",
        "agent audio (pulseaudio:agent.monitor)",
    ] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
}

/// Doctor finds the model wherever it is started from (no lookup in the working
/// directory) and measures its decode speed here, and a retired config key is a warning,
/// not a failure.
#[test]
fn doctor_does_not_depend_on_the_working_directory() {
    common::model::test_model();
    let _turn = common::model::whisper_turn();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("callcue.toml");
    std::fs::write(
        &config,
        "[overlay]\nshow_ms = 5000\n[stream]\nenabled = false\n",
    )
    .unwrap();
    let output = common::cli::callcue_command(&[
        "--config",
        config.to_str().unwrap(),
        "doctor",
        "--format",
        "json",
    ])
    .current_dir(dir.path())
    .env_remove("CALLCUE_MODELS")
    .output()
    .unwrap();
    let json = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&json).expect("doctor's JSON parses");
    let check = |name: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no {name} check: {json}"))
            .clone()
    };
    let stt = check("speech-to-text");
    assert_eq!(stt["status"], "ok", "{json}");
    assert!(
        stt["detail"].as_str().unwrap().contains("x real time)"),
        "the decode speed on this PC: {json}"
    );
    assert_eq!(check("config")["status"], "warn", "{json}");
    assert!(
        check("config")["detail"]
            .as_str()
            .unwrap()
            .contains("overlay.show_ms is no longer used"),
        "{json}"
    );
}

/// `callcue run` stops on SIGTERM even when its control socket file was deleted under it
/// (a temp cleaner, a logout script), and a second signal ends it at once.
#[cfg(unix)]
#[test]
fn run_stops_on_a_signal_after_its_control_socket_was_deleted() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    // Starts `callcue run` and waits (up to 20 s) for its control socket to appear.
    let start = |socket: &Path| {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_callcue"))
            .args(["run", "--no-overlay", "--no-stt", "--format", "jsonl"])
            .env_remove("CALLCUE_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent-callcue-test")
            .env("CALLCUE_CONTROL_SOCKET", socket)
            .env("CALLCUE_LOG_DIR", socket.with_file_name("logs"))
            // No audio server: coaching waits for devices, which is all this needs.
            .env("PULSE_SERVER", "unix:/nonexistent-callcue-test")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("callcue runs");
        let started = Instant::now();
        while !socket.exists() && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(50));
        }
        child
    };
    let signal = |child: &std::process::Child, name: &str| {
        let status = std::process::Command::new("kill")
            .args([name, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    let exits_within = |child: &mut std::process::Child, limit: Duration| {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    };
    let socket = dir.path().join("control.sock");
    let mut child = start(&socket);
    assert!(socket.exists(), "callcue run made no control socket");
    std::fs::remove_file(&socket).unwrap();
    signal(&child, "-TERM");
    let status = exits_within(&mut child, Duration::from_secs(2));
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = status.expect("callcue run still running 2 s after SIGTERM");
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(log.contains("callcue: stopping"), "{log}");
    // No call was found in the (absent) audio: nothing to finish.
    assert!(!log.contains("finishing the call"), "{log}");
    // The same lines, timestamped, in today's log file, readable by this user only.
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path().join("logs"))
        .expect("a log folder")
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("callcue-20") && name.ends_with(".log"),
        "{name}"
    );
    let file_log = std::fs::read_to_string(&files[0]).unwrap();
    let stopping = file_log
        .lines()
        .find(|line| line.ends_with("callcue: stopping"))
        .unwrap_or_else(|| panic!("no stopping line in the file:\n{file_log}"));
    assert!(
        stopping.len() == "2026-12-01T03:52:10.123Z callcue: stopping".len()
            && stopping.as_bytes()[10] == b'T'
            && stopping.as_bytes()[23] == b'Z',
        "a UTC timestamp to the millisecond: {stopping}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // Two signals in a row: out at once, whatever is still finishing.
    let socket = dir.path().join("control-2.sock");
    let mut child = start(&socket);
    signal(&child, "-INT");
    signal(&child, "-TERM");
    let status = exits_within(&mut child, Duration::from_secs(2));
    if status.is_none() {
        let _ = child.kill();
    }
    assert!(
        status.is_some(),
        "callcue run still running after two signals"
    );
}

/// IT locks keys in the machine file: neither the user file, `$CALLCUE_CONFIG` nor a flag
/// can change them (each attempt is one warning naming the file or flag and the key),
/// while what is not locked still applies, lists can be extended, and `config --origin`
/// says where every value came from.
#[test]
fn a_key_the_machine_file_locks_cannot_be_changed_by_a_user_file_a_variable_or_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let machine = dir.path().join("machine.toml");
    std::fs::write(
        &machine,
        "[lock]\nkeys = [\"nudges.pause.enabled\", \"stt.*\"]\n[stt]\nenabled = false\n",
    )
    .unwrap();
    let user_dir = dir.path().join("config");
    std::fs::create_dir_all(user_dir.join("callcue")).unwrap();
    let user = user_dir.join("callcue/callcue.toml");
    std::fs::write(
        &user,
        "[nudges.pause]\nenabled = false\n[stt]\nenabled = true\n",
    )
    .unwrap();
    let explicit = dir.path().join("team.toml");
    std::fs::write(
        &explicit,
        "[nudges.pause]\nenabled = false\n[words]\ncaller_loss_add = [\"lost my job\"]\n",
    )
    .unwrap();
    let layered = |args: &[&str]| {
        common::cli::callcue_command(args)
            .env("CALLCUE_SYSTEM_CONFIG", &machine)
            .env("XDG_CONFIG_HOME", &user_dir)
            .env("CALLCUE_CONFIG", &explicit)
            .output()
            .unwrap()
    };

    let output = layered(&["demo", "--format", "jsonl"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let locked_by = format!("is locked by {}; ignored", machine.display());
    for line in [
        format!("{}: nudges.pause.enabled {locked_by}", user.display()),
        format!("{}: stt.enabled {locked_by}", user.display()),
        format!("{}: nudges.pause.enabled {locked_by}", explicit.display()),
    ] {
        assert!(stderr.contains(&line), "{line} in:\n{stderr}");
    }
    let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Ev::Nudge { nudge, .. } if nudge == "pause")),
        "pause stays on: the machine file locks it"
    );
    assert!(
        !events.iter().any(|e| matches!(e, Ev::Transcript { .. })),
        "speech-to-text stays off: the machine file locks it"
    );

    // A flag cannot change a locked key either.
    let output = layered(&["demo", "--format", "jsonl", "--no-stt"]);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains(&format!("--no-stt: stt.enabled {locked_by}")),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let output = layered(&["config", "--origin"]);
    assert!(output.status.success());
    let listing = String::from_utf8(output.stdout).unwrap();
    for line in [
        "nudges.pause.enabled = true  # default, locked".to_string(),
        format!(
            "stt.enabled = false  # machine file {}, locked",
            machine.display()
        ),
        "turns.min_overlap_ms = 600  # default".to_string(),
    ] {
        assert!(listing.lines().any(|l| l == line), "{line} in:\n{listing}");
    }
    let loss = listing
        .lines()
        .find(|l| l.starts_with("words.caller_loss = "))
        .expect("the loss phrases");
    assert!(
        loss.contains("\"passed away\"")
            && loss.ends_with(&format!("\"lost my job\"]  # {}", explicit.display())),
        "the defaults, extended by the team file: {loss}"
    );
}

/// `callcue report` over a folder of summaries from two desktops, one line of which is
/// damaged: totals per agent, the damaged line named and skipped; a missing folder is one
/// line and exit 2.
#[test]
fn report_totals_summaries_per_agent_and_skips_damaged_lines() {
    let dir = tempfile::tempdir().unwrap();
    let record = |agent: &str, minutes: u64, pause: u32| {
        format!(
            "{{\"unix_ms\":1,\"call_id\":\"c\",\"agent_id\":\"{agent}\",\"host\":\"h\",\"version\":\"v\",\"config_hash\":\"0000000000000000\",\"summary\":{{\"duration_ms\":{},\"interruptions_by_agent\":1,\"nudges\":[{{\"nudge\":\"pause\",\"count\":{pause}}}],\"nudges_total\":{pause},\"nudges_suppressed\":0}}}}",
            minutes * 60_000
        )
    };
    for (desk, lines) in [
        ("desk-1", vec![record("amira", 6, 1), record("amira", 4, 2)]),
        ("desk-2", vec![record("ben", 30, 0), "{broken".to_string()]),
    ] {
        let folder = dir.path().join(desk);
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("summaries-2026-12-01.jsonl"), lines.join("\n")).unwrap();
    }
    let output = callcue(&["report", dir.path().to_str().unwrap()]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("3 call(s), 40 min, from 2 file(s)\n"),
        "{text}"
    );
    let amira = text.lines().find(|l| l.starts_with("amira ")).unwrap();
    assert_eq!(
        amira.split_whitespace().collect::<Vec<_>>(),
        ["amira", "2", "10.0", "3", "18.0", "0", "2"],
        "{text}"
    );
    assert!(text.contains("summaries-2026-12-01.jsonl:2: "), "{text}");

    let output = callcue(&["report", "/nonexistent-callcue-test/summaries"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("/nonexistent-callcue-test/summaries: cannot read the summaries"),
        "{stderr}"
    );
}

/// Completions and the manual page come from the same command definitions as the CLI:
/// every subcommand is in them, and the bash script is valid bash.
#[test]
fn completions_and_the_manual_page_cover_every_command() {
    let output = callcue(&["completions", "bash"]);
    assert!(output.status.success());
    let script = String::from_utf8(output.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("callcue.bash");
    std::fs::write(&path, &script).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let output = callcue(&["manpage"]);
    assert!(output.status.success());
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH callcue 1"), "{page}");
    for command in [
        "run", "replay", "eval", "doctor", "report", "config", "models",
    ] {
        assert!(script.contains(command), "{command} in the completions");
        assert!(page.contains(command), "{command} in the manual page");
    }
}
