//! The overlay window on a real X server (Xvfb), through the real binary's
//! `overlay-preview`: the nudge is on screen and readable (checked by OCR) in the dark and
//! light themes and at 200% scaling; under a window manager (openbox) the window never
//! takes keyboard focus, not even when clicked; a click snoozes; a drag moves it and the
//! place is remembered; a broken state file is ignored with one warning; an idle window
//! draws nothing and still closes on time; without a display the error is one line.
//!
//! Needs (Debian): xvfb xdotool imagemagick tesseract-ocr x11-utils x11-apps openbox, and
//! Mesa's software OpenGL: libgl1 libglx-mesa0 libgl1-mesa-dri. A missing tool fails the
//! test with the package to install. Screenshots are kept in
//! `target/tmp/overlay_window/` to look at.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

use callcue::config::Config;

use callcue_testkit as common;

const SCREEN: &str = "1280x800x24";
const WINDOW_TIMEOUT: Duration = Duration::from_secs(10);
const OCR_TIMEOUT: Duration = Duration::from_secs(5);
/// The tools the tests drive, and the Debian package of each.
const TOOLS: [(&str, &str); 8] = [
    ("Xvfb", "xvfb"),
    ("xdotool", "xdotool"),
    ("import", "imagemagick"),
    ("convert", "imagemagick"),
    ("tesseract", "tesseract-ocr"),
    ("xwininfo", "x11-utils"),
    ("xprop", "x11-utils"),
    ("xlogo", "x11-apps"),
];

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

fn require(program: &str, package: &str) {
    assert!(
        find_in_path(program).is_some(),
        "{program} not found: install the Debian package {package} \
         (apt-get install --no-install-recommends {package})"
    );
}

fn require_tools() {
    for (program, package) in TOOLS {
        require(program, package);
    }
    let dri = [
        "/usr/lib/x86_64-linux-gnu/dri",
        "/usr/lib/aarch64-linux-gnu/dri",
        "/usr/lib/dri",
    ];
    assert!(
        dri.iter()
            .any(|dir| Path::new(dir).join("swrast_dri.so").exists()),
        "Mesa's software OpenGL not found: install libgl1 libglx-mesa0 libgl1-mesa-dri"
    );
}

fn screenshots_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("overlay_window");
        fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// A private X server (and maybe a window manager), killed on drop.
struct XServer {
    display: String,
    children: Vec<Child>,
}

impl XServer {
    /// Starts Xvfb on a display number made from this process's id and `slot` (one per
    /// test, so tests running at once never share a server).
    fn start(slot: u32) -> Self {
        require_tools();
        let mut number = 200 + (std::process::id() % 400) * 8 + slot;
        while Path::new(&format!("/tmp/.X{number}-lock")).exists() {
            number += 3400;
        }
        let display = format!(":{number}");
        let xvfb = Command::new("Xvfb")
            .args([
                &display,
                "-screen",
                "0",
                SCREEN,
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Xvfb starts");
        let mut server = Self {
            display,
            children: vec![xvfb],
        };
        let ready = server.wait_for(Duration::from_secs(10), |x| {
            x.run("xdotool", &["getdisplaygeometry"]).status.success()
        });
        if let Ok(Some(status)) = server.children[0].try_wait() {
            let mut stderr = String::new();
            if let Some(mut pipe) = server.children[0].stderr.take() {
                use std::io::Read;
                let _ = pipe.read_to_string(&mut stderr);
            }
            panic!("Xvfb {} exited ({status}): {stderr}", server.display);
        }
        assert!(ready, "Xvfb {} not ready within 10 s", server.display);
        server
    }

    /// Starts openbox and waits until it manages the screen.
    fn with_window_manager(mut self) -> Self {
        require("openbox", "openbox");
        let wm = self
            .command("openbox")
            .args(["--sm-disable"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox starts");
        self.children.push(wm);
        // openbox names the supporting window early, and drops windows mapped before its
        // start-up ends; the client list and its theme are set at the end.
        let ready = self.wait_for(Duration::from_secs(10), |x| {
            let out = x.run("xprop", &["-root", "_NET_CLIENT_LIST", "_OB_THEME"]);
            let props = String::from_utf8_lossy(&out.stdout);
            props.contains("_NET_CLIENT_LIST(WINDOW)") && props.contains("_OB_THEME(UTF8_STRING)")
        });
        assert!(ready, "openbox did not start on {}", self.display);
        self
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("DISPLAY", &self.display);
        command
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        self.command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"))
    }

    fn wait_for(&self, timeout: Duration, mut ok: impl FnMut(&Self) -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if ok(self) {
                return true;
            }
            sleep(Duration::from_millis(50));
        }
        false
    }

    /// The id of the visible window named exactly `name`.
    fn find_window(&self, name: &str, owner: &mut Child) -> String {
        let pattern = format!("^{name}$");
        let start = Instant::now();
        loop {
            let out = self.run("xdotool", &["search", "--onlyvisible", "--name", &pattern]);
            let ids = String::from_utf8_lossy(&out.stdout).to_string();
            if let Some(id) = ids.split_whitespace().next() {
                return id.to_string();
            }
            if let Ok(Some(status)) = owner.try_wait() {
                let output = std::mem::replace(owner, Command::new("true").spawn().unwrap());
                let stderr = output
                    .wait_with_output()
                    .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
                    .unwrap_or_default();
                panic!("the process exited ({status}) before showing {name:?}: {stderr}");
            }
            assert!(
                start.elapsed() < WINDOW_TIMEOUT,
                "no visible window {name:?} within {WINDOW_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(50));
        }
    }

    fn geometry(&self, window: &str) -> Geometry {
        let out = self.run("xwininfo", &["-id", window]);
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |label: &str| -> i32 {
            text.lines()
                .find_map(|line| line.trim().strip_prefix(label))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or_else(|| panic!("xwininfo gave no {label:?}: {text}"))
        };
        Geometry {
            x: field("Absolute upper-left X:"),
            y: field("Absolute upper-left Y:"),
            width: field("Width:"),
            height: field("Height:"),
        }
    }

    fn focus(&self) -> String {
        let out = self.run("xdotool", &["getwindowfocus"]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A screenshot of the screen (kept as `name`.png), and the text tesseract reads in
    /// the window's rectangle.
    fn read_window(&self, window: &Geometry, name: &str, dark: bool) -> String {
        let shot = screenshots_dir().join(format!("{name}.png"));
        let crop = screenshots_dir().join(format!("{name}-ocr.png"));
        let out = self.run(
            "import",
            &["-window", "root", &format!("png:{}", shot.display())],
        );
        assert!(
            out.status.success(),
            "import: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let region = format!(
            "{}x{}+{}+{}",
            window.width, window.height, window.x, window.y
        );
        let mut args = vec![
            shot.to_str().unwrap(),
            "-crop",
            &region,
            "+repage",
            "-colorspace",
            "Gray",
        ];
        if dark {
            args.push("-negate");
        }
        args.extend(["-resize", "300%", crop.to_str().unwrap()]);
        let out = Command::new("convert")
            .args(&args)
            .output()
            .expect("convert runs");
        assert!(
            out.status.success(),
            "convert: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new("tesseract")
            .args([crop.to_str().unwrap(), "stdout", "--psm", "6"])
            .output()
            .expect("tesseract runs");
        assert!(
            out.status.success(),
            "tesseract: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Reads the window until every word of `texts` is there, or fails with what was read.
    fn expect_text(&self, window: &Geometry, name: &str, dark: bool, texts: &[&str]) {
        let wanted: Vec<String> = texts
            .iter()
            .flat_map(|t| words(t))
            .filter(|w| w.len() >= 3)
            .collect();
        let start = Instant::now();
        loop {
            let read = self.read_window(window, name, dark);
            let seen = words(&read);
            let missing: Vec<&String> = wanted.iter().filter(|w| !seen.contains(w)).collect();
            if missing.is_empty() {
                return;
            }
            assert!(
                start.elapsed() < OCR_TIMEOUT,
                "{name}: {missing:?} not on screen; OCR read {read:?} (see {})",
                screenshots_dir().join(format!("{name}.png")).display()
            );
            sleep(Duration::from_millis(200));
        }
    }

    /// Runs `callcue --config <dir>/callcue.toml overlay-preview ...` on this display,
    /// with its state in `<dir>/state`.
    fn overlay(&self, dir: &Path, config: &str, args: &[&str], env: &[(&str, &str)]) -> Child {
        let config_path = dir.join("callcue.toml");
        fs::write(&config_path, config).unwrap();
        let mut command = self.command(env!("CARGO_BIN_EXE_callcue"));
        command
            .arg("--config")
            .arg(&config_path)
            .arg("overlay-preview")
            .args(args)
            .env("CALLCUE_STATE_DIR", dir.join("state"))
            .env_remove("CALLCUE_CONFIG")
            .env_remove("WINIT_X11_SCALE_FACTOR")
            .env("XDG_CONFIG_HOME", "/nonexistent-callcue-test")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        command.spawn().expect("callcue starts")
    }
}

impl Drop for XServer {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Geometry {
    x: i32,
    y: i32,
    width: i32,
    height: i32,
}

impl Geometry {
    fn center(&self) -> (i32, i32) {
        (self.x + self.width / 2, self.y + self.height / 2)
    }
}

/// Lower-case words of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Waits for the process to end on its own (within `timeout`), or kills it and fails.
fn finish(mut child: Child, timeout: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > timeout {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "callcue did not exit within {timeout:?}; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn kill(mut child: Child) -> Output {
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        // Mesa's own loader chatter is not ours.
        .filter(|line| !line.starts_with("libGL ") && !line.starts_with("MESA"))
        .map(str::to_string)
        .collect()
}

fn defaults() -> Config {
    Config::default()
}

#[test]
fn dark_card_shows_the_nudge_and_ignores_a_broken_state_file() {
    let x = XServer::start(0);
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("state")).unwrap();
    fs::write(
        dir.path().join("state/overlay-state.toml"),
        "x_px = [broken",
    )
    .unwrap();
    let config = "[overlay]\nx_px = 40\ny_px = 60\ntheme = \"dark\"\n";
    let mut child = x.overlay(
        dir.path(),
        config,
        &["--nudge", "pause", "--seconds", "4"],
        &[],
    );
    let window = x.find_window("callcue", &mut child);
    let geometry = x.geometry(&window);
    let defaults = defaults();
    let overlay = &defaults.overlay;
    assert_eq!(
        geometry,
        Geometry {
            x: 40,
            y: 60,
            width: overlay.width_px as i32,
            height: overlay.height_px as i32
        },
        "the config's place (the broken state file is ignored)"
    );
    let pause = &defaults.nudges.pause.text;
    assert!(
        pause.contains("Pause") && pause.contains("finish"),
        "{pause}"
    );
    x.expect_text(&geometry, "dark", true, &[pause]);

    let output = finish(child, Duration::from_secs(8));
    assert!(output.status.success(), "exit: {:?}", output.status);
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "one warning: {lines:?}");
    assert!(
        lines[0].starts_with("callcue: warning: overlay position not restored:")
            && lines[0].contains("overlay-state.toml"),
        "{lines:?}"
    );
}

#[test]
fn light_card_shows_nudge_and_phrase() {
    let x = XServer::start(1);
    let dir = tempfile::tempdir().unwrap();
    let config = "[overlay]\nx_px = 300\ny_px = 200\ntheme = \"light\"\n";
    let mut child = x.overlay(
        dir.path(),
        config,
        &["--nudge", "acknowledge", "--seconds", "6"],
        &[],
    );
    let window = x.find_window("callcue", &mut child);
    let geometry = x.geometry(&window);
    assert_eq!((geometry.x, geometry.y), (300, 200));
    let rule = &defaults().nudges.acknowledge;
    assert!(!rule.phrase.is_empty());
    x.expect_text(&geometry, "light", false, &[&rule.text, &rule.phrase]);
    let output = kill(child);
    assert!(
        stderr_lines(&output).is_empty(),
        "{:?}",
        stderr_lines(&output)
    );
}

#[test]
fn readable_at_200_percent_scaling() {
    let x = XServer::start(2);
    let dir = tempfile::tempdir().unwrap();
    let config = "[overlay]\nx_px = 40\ny_px = 60\ntheme = \"dark\"\n";
    let scale = [("WINIT_X11_SCALE_FACTOR", "2")];
    for (nudge, name) in [
        ("acknowledge", "scale200-acknowledge"),
        ("pause", "scale200-pause"),
    ] {
        let mut child = x.overlay(
            dir.path(),
            config,
            &["--nudge", nudge, "--seconds", "6"],
            &scale,
        );
        let window = x.find_window("callcue", &mut child);
        let geometry = x.geometry(&window);
        let overlay = defaults().overlay;
        assert_eq!(
            geometry,
            Geometry {
                x: 80,
                y: 120,
                width: 2 * overlay.width_px as i32,
                height: 2 * overlay.height_px as i32
            },
            "logical pixels at scale 2"
        );
        let defaults = defaults();
        let rule = match nudge {
            "pause" => &defaults.nudges.pause,
            _ => &defaults.nudges.acknowledge,
        };
        // Every word of the nudge and of its phrase: nothing clipped.
        x.expect_text(&geometry, name, true, &[&rule.text, &rule.phrase]);
        kill(child);
    }
}

#[test]
fn never_takes_focus_click_snoozes_drag_moves_and_is_remembered() {
    let mut x = XServer::start(3).with_window_manager();
    // The softphone stand-in: a window with keyboard focus.
    let mut softphone = x
        .command("xlogo")
        .args(["-geometry", "300x300+700+300"])
        .stderr(Stdio::null())
        .spawn()
        .expect("xlogo starts");
    let softphone_window = x.find_window("xlogo", &mut softphone);
    x.children.push(softphone);
    let out = x.run("xdotool", &["windowactivate", "--sync", &softphone_window]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        x.wait_for(Duration::from_secs(3), |x| x.focus() == softphone_window),
        "the stand-in softphone did not get focus"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = "[overlay]\nx_px = 40\ny_px = 60\ntheme = \"dark\"\n";
    let args = ["--nudge", "pause", "--seconds", "15"];
    let mut child = x.overlay(dir.path(), config, &args, &[]);
    let window = x.find_window("callcue", &mut child);
    let geometry = x.geometry(&window);
    x.expect_text(&geometry, "wm-shown", true, &["Pause"]);
    assert_eq!(
        x.focus(),
        softphone_window,
        "the overlay took focus when shown"
    );

    // A click snoozes, and the focus stays with the softphone.
    let (cx, cy) = geometry.center();
    let (cx, cy) = (cx.to_string(), cy.to_string());
    x.run("xdotool", &["mousemove", "--sync", &cx, &cy]);
    x.run("xdotool", &["click", "1"]);
    x.expect_text(
        &geometry,
        "wm-snoozed",
        true,
        &["Snoozed until the call ends"],
    );
    assert_eq!(
        x.focus(),
        softphone_window,
        "the overlay took focus when clicked"
    );

    // A drag moves the window (and is not a click); the place is saved.
    let (dx, dy) = (200, 150);
    x.run("xdotool", &["mousedown", "1"]);
    for step in 1..=10 {
        let (px, py) = (
            geometry.center().0 + dx * step / 10,
            geometry.center().1 + dy * step / 10,
        );
        x.run(
            "xdotool",
            &["mousemove", "--sync", &px.to_string(), &py.to_string()],
        );
        sleep(Duration::from_millis(30));
    }
    sleep(Duration::from_millis(200));
    x.run("xdotool", &["mouseup", "1"]);
    let moved = Geometry {
        x: geometry.x + dx,
        y: geometry.y + dy,
        ..geometry
    };
    assert!(
        x.wait_for(Duration::from_secs(3), |x| x.geometry(&window) == moved),
        "dragged to {:?}, expected {moved:?}",
        x.geometry(&window)
    );
    assert_eq!(
        x.focus(),
        softphone_window,
        "the overlay took focus when dragged"
    );
    let state = dir.path().join("state/overlay-state.toml");
    assert!(
        x.wait_for(Duration::from_secs(3), |_| state.exists()),
        "the place was not saved"
    );
    let saved: toml::Table = toml::from_str(&fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["x_px"].as_integer(), Some(i64::from(moved.x)));
    assert_eq!(saved["y_px"].as_integer(), Some(i64::from(moved.y)));
    kill(child);

    // Next start: the remembered place wins over the config.
    let mut child = x.overlay(dir.path(), config, &args, &[]);
    let window = x.find_window("callcue", &mut child);
    assert_eq!(x.geometry(&window), moved);
    assert_eq!(x.focus(), softphone_window);
    let output = kill(child);
    assert!(
        stderr_lines(&output).is_empty(),
        "{:?}",
        stderr_lines(&output)
    );
}

/// Ticks of CPU time (user + system) the process has used.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn idle_window_draws_nothing_and_closes_on_time() {
    let x = XServer::start(4);
    let dir = tempfile::tempdir().unwrap();
    let config = "[nudges]\ndisplay_ms = 1000\n[overlay]\nx_px = 40\ny_px = 60\nfade_ms = 300\n";
    let seconds = 5.0;
    let started = Instant::now();
    let mut child = x.overlay(
        dir.path(),
        config,
        &["--nudge", "pause", "--seconds", "5"],
        &[],
    );
    let window = x.find_window("callcue", &mut child);
    let shown = Instant::now();
    let geometry = x.geometry(&window);
    x.expect_text(&geometry, "idle-shown", true, &["Pause"]);
    // Shown for 1 s, faded out by 1.3 s: from then on nothing changes.
    sleep(Duration::from_millis(1600).saturating_sub(shown.elapsed()));
    let before = cpu_ticks(child.id());
    sleep(Duration::from_millis(2000));
    let used = cpu_ticks(child.id()) - before;
    // Clock ticks are 1/100 s; drawing 60 frames a second costs far more than this.
    assert!(
        used <= 10,
        "an idle overlay used {used} ticks of CPU in 2 s"
    );
    // The preview's timer thread sends Shutdown to the idle window: it must wake and close.
    let output = finish(child, Duration::from_secs_f64(seconds + 3.0));
    assert!(output.status.success(), "exit: {:?}", output.status);
    assert!(
        started.elapsed() < Duration::from_secs_f64(seconds + 2.0),
        "closed late: {:?}",
        started.elapsed()
    );
}

#[test]
fn without_a_display_one_line_error() {
    let bin = env!("CARGO_BIN_EXE_callcue");
    let unused = format!(":{}", 9000 + std::process::id() % 900);
    for display in [None, Some(unused.as_str())] {
        let mut command = Command::new(bin);
        command
            .args(["overlay-preview", "--seconds", "1"])
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("CALLCUE_CONFIG")
            .env("XDG_CONFIG_HOME", "/nonexistent-callcue-test")
            .env("CALLCUE_STATE_DIR", "/nonexistent-callcue-test");
        if let Some(display) = display {
            command.env("DISPLAY", display);
        }
        let output = command.output().expect("callcue runs");
        let stderr = String::from_utf8_lossy(&output.stderr)
            .trim_end()
            .to_string();
        assert_eq!(output.status.code(), Some(1), "{display:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{display:?}: one line: {stderr:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.starts_with("callcue: error: overlay: no display available (")
                && stderr.ends_with("); run with --no-overlay"),
            "{stderr}"
        );
        if display.is_none() {
            assert!(stderr.contains("DISPLAY is not set"), "{stderr}");
        } else {
            assert!(stderr.contains(&format!("DISPLAY={unused}")), "{stderr}");
        }
    }
}

/// The whole product at once: `callcue run` with its overlay on an X server, capturing a
/// PulseAudio server's monitors while a call is played; when the `pause` nudge comes out
/// on the event stream, the window shows it.
#[test]
fn live_run_shows_the_pause_nudge_in_the_overlay_while_the_call_plays() {
    let x = XServer::start(7);
    let pulse = common::pulse::PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (agent_wav, caller_wav, _) =
        common::live::render_call_sides(&common::calls::live_call(), dir.path(), "call");
    let config = dir.path().join("callcue.toml");
    fs::write(
        &config,
        "[stream]\nport = 0\n[nudges]\ndisplay_ms = 10000\n[overlay]\nx_px = 60\ny_px = 60\n",
    )
    .unwrap();
    let mut command = common::live::run_command(&pulse, &config, &["--no-stt"]);
    command
        .env("DISPLAY", &x.display)
        .env("CALLCUE_STATE_DIR", dir.path().join("state"));
    let run = common::live::LiveRun::start(command);
    run.wait_for_log(
        &["capturing the agent side", "capturing the caller side"],
        Duration::from_secs(15),
    );
    let start = Instant::now();
    let window = loop {
        let out = x.run(
            "xdotool",
            &["search", "--onlyvisible", "--name", "^callcue$"],
        );
        if let Some(id) = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
        {
            break id.to_string();
        }
        assert!(
            start.elapsed() < WINDOW_TIMEOUT,
            "no overlay window:\n{}",
            run.log()
        );
        sleep(Duration::from_millis(100));
    };
    let geometry = x.geometry(&window);

    let mut agent = pulse.play("agent", &agent_wav);
    let mut caller = pulse.play("caller", &caller_wav);
    run.wait_for_event(
        "the pause nudge",
        |e| matches!(&e.ev, common::events::Ev::Nudge { nudge, .. } if nudge == "pause"),
        Duration::from_secs(40),
    );
    let text = &defaults().nudges.pause.text;
    x.expect_text(&geometry, "live-pause", true, &[text]);
    // The overlay reports back that it drew the nudge the engine showed.
    run.wait_for_event(
        "the overlay's report that it drew the pause nudge",
        |e| matches!(&e.ev, common::events::Ev::NudgeDrawn { nudge, .. } if nudge == "pause"),
        Duration::from_secs(10),
    );
    assert!(agent.wait().unwrap().success() && caller.wait().unwrap().success());
    let events = run.stop();
    // Every nudge the engine showed was drawn or reported dropped, in order (the last may
    // have been cut off by the stop).
    let mut shown = Vec::new();
    let mut accounted = Vec::new();
    for event in &events {
        match &event.ev {
            common::events::Ev::Nudge { nudge, .. } => shown.push(nudge.clone()),
            common::events::Ev::NudgeDrawn { nudge, .. }
            | common::events::Ev::NudgeDropped { nudge, .. } => accounted.push(nudge.clone()),
            _ => {}
        }
    }
    assert!(
        shown.starts_with(&accounted) && accounted.len() + 1 >= shown.len(),
        "shown {shown:?}, drawn or dropped {accounted:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.ev, common::events::Ev::Summary(_))),
        "the call's summary on the way out"
    );
}
