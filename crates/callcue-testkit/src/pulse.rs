//! A private PulseAudio server for live tests: two null sinks, `agent` and `caller`, whose
//! monitors callcue captures (`pulseaudio:agent.monitor`, `pulseaudio:caller.monitor`),
//! and paplay to play speech into them. Each server has its own runtime directory, so
//! tests run side by side (never beside a whisper test); it is killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PulseServer {
    runtime_dir: tempfile::TempDir,
    silence_streams: Vec<Child>,
    rate_hz: u32,
    channels: u16,
    /// Live capture does not share the machine with whisper tests
    /// ([`super::model::live_turn`]).
    _live_turn: std::sync::RwLockReadGuard<'static, ()>,
}

impl PulseServer {
    /// Starts a server with the `agent` and `caller` null sinks at 16 kHz mono, each with
    /// a silence stream playing into it (an idle null sink's monitor delivers nothing).
    pub fn start() -> PulseServer {
        Self::start_with_format(16000, 1)
    }

    /// Like [`PulseServer::start`], with sinks (and so their monitors) at `rate_hz` and
    /// `channels`: what a real desktop's devices look like (48 kHz stereo).
    pub fn start_with_format(rate_hz: u32, channels: u16) -> PulseServer {
        for tool in ["pulseaudio", "pactl", "paplay", "pacat"] {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                found,
                "{tool} is missing: apt-get install pulseaudio pulseaudio-utils"
            );
        }
        let live_turn = super::model::live_turn();
        let runtime_dir = tempfile::Builder::new()
            .prefix("callcue-pulse-")
            .tempdir()
            .expect("runtime dir");
        let mut server = PulseServer {
            runtime_dir,
            silence_streams: Vec::new(),
            rate_hz,
            channels,
            _live_turn: live_turn,
        };
        let status = server
            .command("pulseaudio")
            .args([
                "-D",
                "-n",
                "--exit-idle-time=-1",
                "--system=false",
                "--disallow-exit",
                "--disable-shm",
                "--load=module-native-protocol-unix",
            ])
            .arg(sink_module("agent", rate_hz, channels))
            .arg(sink_module("caller", rate_hz, channels))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("start pulseaudio");
        assert!(status.success(), "pulseaudio did not start: {status}");
        server.wait_for_sinks();
        for sink in ["agent", "caller"] {
            let child = server.play_silence(sink);
            server.silence_streams.push(child);
        }
        server
    }

    /// The runtime directory clients find the server in (`XDG_RUNTIME_DIR`).
    pub fn runtime_dir(&self) -> &Path {
        self.runtime_dir.path()
    }

    /// A command that talks to this server (and keeps callcue's control socket here too).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env("HOME", self.runtime_dir())
            .env_remove("PULSE_SERVER");
        command
    }

    fn wait_for_sinks(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = self
                .command("pactl")
                .args(["list", "short", "sinks"])
                .output()
                .expect("pactl");
            let list = String::from_utf8_lossy(&out.stdout);
            if list.contains("agent") && list.contains("caller") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PulseAudio sinks did not appear: {list}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Plays silence into `sink` until killed: an idle null sink's monitor delivers
    /// nothing for seconds otherwise.
    fn play_silence(&self, sink: &str) -> Child {
        self.command("pacat")
            .args([
                "--playback",
                &format!("--device={sink}"),
                "--format=s16le",
                "--rate=16000",
                "--channels=1",
                "--latency-msec=20",
                "/dev/zero",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pacat")
    }

    /// Starts playing a mono WAV into `sink`; returns the player.
    pub fn play(&self, sink: &str, wav: &Path) -> Child {
        self.command("paplay")
            .arg(format!("--device={sink}"))
            .arg("--latency-msec=20")
            .arg(wav)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("paplay")
    }

    /// Runs `pactl` with `args`; panics with its output if it fails.
    pub fn pactl(&self, args: &[&str]) -> String {
        let out = self.command("pactl").args(args).output().expect("pactl");
        assert!(
            out.status.success(),
            "pactl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Removes the null sink `name` (its monitor disappears with it), as when a headset
    /// is unplugged. Its silence stream goes too.
    pub fn remove_sink(&self, name: &str) {
        let modules = self.pactl(&["list", "short", "modules"]);
        let line = modules
            .lines()
            .find(|l| l.contains("module-null-sink") && l.contains(&format!("sink_name={name}")))
            .unwrap_or_else(|| panic!("no null sink {name}: {modules}"));
        let index = line.split_whitespace().next().unwrap();
        self.pactl(&["unload-module", index]);
    }

    /// Adds the null sink `name` back, with a silence stream.
    pub fn add_sink(&mut self, name: &str) {
        let module = sink_module(name, self.rate_hz, self.channels);
        let args: Vec<&str> = module.trim_start_matches("--load=").split(' ').collect();
        let mut all = vec!["load-module"];
        all.extend(args);
        self.pactl(&all);
        self.wait_for_sinks();
        let child = self.play_silence(name);
        self.silence_streams.push(child);
    }
}

fn sink_module(name: &str, rate_hz: u32, channels: u16) -> String {
    format!("--load=module-null-sink sink_name={name} rate={rate_hz} channels={channels}")
}

impl Drop for PulseServer {
    fn drop(&mut self) {
        for child in &mut self.silence_streams {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self
            .command("pulseaudio")
            .arg("--kill")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Writes mono 16 kHz 16-bit samples as a WAV for paplay.
pub fn write_mono_wav(path: &Path, samples: &[f32]) -> PathBuf {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("wav create");
    for &x in samples {
        writer
            .write_sample((x.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .unwrap();
    }
    writer.finalize().unwrap();
    path.to_path_buf()
}
