//! Running `callcue run` against a [`PulseServer`](super::pulse::PulseServer): its events
//! as they arrive, its log, and a clean stop with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::events::{parse_live_line, LiveEv};

/// A running `callcue run`.
pub struct LiveRun {
    child: Child,
    events: Arc<Mutex<Vec<LiveEv>>>,
    log: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl LiveRun {
    /// Starts `command` (a `callcue run ... --format jsonl` set up by the caller) and
    /// collects its events and log.
    pub fn start(mut command: Command) -> LiveRun {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start callcue run");
        let events = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let readers = vec![
            {
                let events = Arc::clone(&events);
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                        let event = parse_live_line(&line);
                        events.lock().unwrap().push(event);
                    }
                })
            },
            {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                        let mut log = log.lock().unwrap();
                        log.push_str(&line);
                        log.push('\n');
                    }
                })
            },
        ];
        LiveRun {
            child,
            events,
            log,
            readers,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn events(&self) -> Vec<LiveEv> {
        self.events.lock().unwrap().clone()
    }

    /// Waits until the log contains every one of `needles`; panics with the log after
    /// `timeout`.
    pub fn wait_for_log(&self, needles: &[&str], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let log = self.log();
            if needles.iter().all(|n| log.contains(n)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "callcue run did not log {needles:?} within {timeout:?}:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until an event matches `wanted`; returns it, or panics with the events and
    /// the log after `timeout`.
    pub fn wait_for_event(
        &self,
        what: &str,
        wanted: impl Fn(&LiveEv) -> bool,
        timeout: Duration,
    ) -> LiveEv {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(event) = self.events().into_iter().find(|e| wanted(e)) {
                return event;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} within {timeout:?}; events:\n{:#?}\nlog:\n{}",
                self.events(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and waits for a clean exit (status 0); returns every event.
    pub fn stop(mut self) -> Vec<LiveEv> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "callcue run did not stop within 20 s of SIGTERM:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        assert!(
            status.success(),
            "callcue run exited with {status}:\n{}",
            self.log()
        );
        self.events()
    }
}

impl Drop for LiveRun {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Milliseconds since the Unix epoch now.
pub fn unix_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Renders `call` as two mono 16 kHz WAVs for paplay (`<name>-agent.wav`,
/// `<name>-caller.wav`), plus the stereo original (`<name>.wav`) and where its lines are.
pub fn render_call_sides(
    call: &super::synth::Call,
    dir: &std::path::Path,
    name: &str,
) -> (
    std::path::PathBuf,
    std::path::PathBuf,
    super::synth::RenderedCall,
) {
    let stereo = dir.join(format!("{name}.wav"));
    let rendered = super::synth::render_call(call, &stereo);
    let mut reader = hound::WavReader::open(&stereo).unwrap();
    let samples: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    let agent: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let caller: Vec<f32> = samples.iter().skip(1).step_by(2).copied().collect();
    (
        super::pulse::write_mono_wav(&dir.join(format!("{name}-agent.wav")), &agent),
        super::pulse::write_mono_wav(&dir.join(format!("{name}-caller.wav")), &caller),
        rendered,
    )
}

/// `callcue --config CONFIG run --format jsonl` capturing the PulseAudio server's
/// `agent` and `caller` monitors, with `extra_args`.
pub fn run_command(
    pulse: &super::pulse::PulseServer,
    config: &std::path::Path,
    extra_args: &[&str],
) -> Command {
    let mut command = pulse.command(super::cli::callcue_bin());
    command
        .env("CALLCUE_LOG_DIR", pulse.runtime_dir().join("logs"))
        .arg("--config")
        .arg(config)
        .args([
            "run",
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
