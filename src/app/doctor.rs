//! `callcue doctor`: is this desktop ready to coach? Each check says ok, a warning (callcue
//! runs, with less: no caller loopback yet, a CPU too old for speech-to-text) or a failure
//! (something IT must fix: a broken config, no model, no microphone).
//!
//! Output: text lines (`ok    config: ...`, `WARN  ...`, `FAIL  ...`, each with a hint
//! line where there is something to do) or one JSON object (`--format json`) with every
//! check. Exit code: 0 all ok, 1 warnings only, 2 any failure.
//!
//! Nothing here depends on the working directory: the config's layers are found by
//! [`callcue::config::ConfigFiles::discover`] and models by
//! [`callcue::models::model_dirs`].

use std::net::TcpListener;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use callcue::agent_profile::{profile_path, AgentProfile};
use callcue::audio::decode_wav;
use callcue::config::{load_layered, Config, ConfigFiles};
use callcue::event::Speaker;
use callcue::models::{find_model, validate_ggml_file};
use callcue::replay::{analyze_call, call_from_recording, CallAudio};
use callcue::stt::cpu;
use callcue::stt::whisper::{transcribe, DecodeMode, DecodeSettings, TimeBudget};
use callcue::stt::WhisperModel;
use callcue::ANALYSIS_RATE_HZ;

/// How one check went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    /// The text output's column.
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok  ",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One check: what was looked at, how it went, and what to do about it.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Check {
    fn new(name: impl Into<String>, status: Status, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status,
            detail: detail.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Every check, in order.
#[derive(Debug, Serialize)]
pub struct Report {
    pub version: &'static str,
    /// The worst status of any check.
    pub status: Status,
    pub checks: Vec<Check>,
}

impl Report {
    fn new(checks: Vec<Check>) -> Self {
        let status = checks
            .iter()
            .map(|check| check.status)
            .max()
            .unwrap_or(Status::Ok);
        Self {
            version: env!("CARGO_PKG_VERSION"),
            status,
            checks,
        }
    }

    /// 0 all ok, 1 warnings only, 2 any failure.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            Status::Ok => 0,
            Status::Warn => 1,
            Status::Fail => 2,
        }
    }

    /// The report as text lines.
    pub fn text(&self) -> String {
        let mut text = format!("callcue {}\n", self.version);
        for check in &self.checks {
            text.push_str(&format!(
                "{}  {}: {}\n",
                check.status.label(),
                check.name,
                check.detail
            ));
            if let Some(hint) = &check.hint {
                text.push_str(&format!("      ({hint})\n"));
            }
        }
        let count = |status| self.checks.iter().filter(|c| c.status == status).count();
        text.push_str(&match self.status {
            Status::Ok => "all checks passed\n".to_string(),
            Status::Warn => format!(
                "{} warning(s): callcue runs, with less\n",
                count(Status::Warn)
            ),
            Status::Fail => format!("{} problem(s) found\n", count(Status::Fail)),
        });
        text
    }

    /// The report as one JSON object.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"status\":\"fail\",\"checks\":[],\"error\":\"{e}\"}}"))
    }
}

/// Runs every check with the config found from `explicit` and the demo call's audio.
pub fn run_checks(explicit: Option<&Path>, demo_wav: &[u8]) -> Report {
    let mut checks = vec![cpu_check()];
    let (config_check, config) = config_check(explicit);
    checks.push(config_check);
    // The demo call, decoded and at 16 kHz once, for the analysis and the decode speed.
    let demo = decode_wav(demo_wav)
        .map_err(|e| e.to_string())
        .and_then(|wav| {
            let rate = wav.sample_rate_hz;
            call_from_recording(wav, Path::new("built-in demo call"), &config.audio)
                .map(|audio| (rate, audio))
                .map_err(|e| e.to_string())
        });
    checks.push(analysis_check(&config, &demo));
    checks.push(profile_check(&config));
    checks.push(speech_to_text_check(
        &config,
        demo.as_ref().map(|(_, audio)| audio),
    ));
    checks.extend(device_checks(&config));
    if let Some(check) = stream_port_check(&config) {
        checks.push(check);
    }
    checks.push(log_check());
    if let Some(check) = collector_check(&config) {
        checks.push(check);
    }
    Report::new(checks)
}

fn cpu_check() -> Check {
    let wanted = cpu::WHISPER_BUILD_FEATURES;
    if wanted.is_empty() {
        return Check::new("cpu", Status::Ok, std::env::consts::ARCH);
    }
    match cpu::whisper_unsupported_reason() {
        None => Check::new(
            "cpu",
            Status::Ok,
            format!(
                "{} has {} (what speech-to-text is built for)",
                std::env::consts::ARCH,
                wanted.join(", ").to_uppercase()
            ),
        ),
        Some(reason) => Check::new("cpu", Status::Warn, reason)
            .hint("speech-to-text stays off on this PC; coaching goes on from the voice"),
    }
}

/// The config check (every layer, the machine file's locks, warnings), and the config
/// the other checks use (the defaults if it is broken).
fn config_check(explicit: Option<&Path>) -> (Check, Config) {
    let files = ConfigFiles::discover(explicit);
    let layers: Vec<String> = files.layers().iter().map(ToString::to_string).collect();
    let described = if layers.is_empty() {
        "no config file, using built-in defaults".to_string()
    } else {
        layers.join(" < ")
    };
    match load_layered(&files, &[]) {
        Ok(layered) => {
            let locks = if layered.locks.is_empty() {
                String::new()
            } else {
                format!("; locked: {}", layered.locks.join(", "))
            };
            let check = if layered.warnings.is_empty() {
                Check::new("config", Status::Ok, format!("{described}{locks}"))
            } else {
                Check::new(
                    "config",
                    Status::Warn,
                    format!("{described}{locks}; {}", layered.warnings.join("; ")),
                )
                .hint(
                    "the rest applies; `callcue config --origin` shows where each value comes from",
                )
            };
            (check, layered.config)
        }
        Err(e) => (
            Check::new("config", Status::Fail, e.to_string()).hint(
                "callcue refuses to start with this config; the checks below use the defaults",
            ),
            Config::default(),
        ),
    }
}

/// The demo call analysed with this config; `demo` is its source rate and its audio.
fn analysis_check(config: &Config, demo: &Result<(u32, CallAudio), String>) -> Check {
    match demo {
        Ok((rate, audio)) => {
            let summary = analyze_call(audio, config, &mut |_: &callcue::Event<'_>| {});
            Check::new(
                "analysis",
                Status::Ok,
                format!(
                    "demo call ({rate} Hz source, {ANALYSIS_RATE_HZ} Hz analysis) gave {} nudge(s)",
                    summary.nudges_total
                ),
            )
        }
        Err(e) => Check::new("analysis", Status::Fail, format!("built-in demo call: {e}")),
    }
}

/// A profile that cannot be read is a warning: live coaching then uses each call's start.
fn profile_check(config: &Config) -> Check {
    const NAME: &str = "agent voice profile";
    if !config.agent_profile.enabled {
        return Check::new(
            NAME,
            Status::Ok,
            "switched off in config (agent_profile.enabled = false)",
        );
    }
    let Some(path) = profile_path(&config.agent_profile.path) else {
        return Check::new(NAME, Status::Warn, "no user data directory")
            .hint("set agent_profile.path");
    };
    match AgentProfile::load(&path) {
        Ok(profile) if profile.calls() > 0 => Check::new(
            NAME,
            Status::Ok,
            format!("{} ({} call(s))", path.display(), profile.calls()),
        ),
        Ok(_) => Check::new(
            NAME,
            Status::Ok,
            format!("{} (the first live call calibrates it)", path.display()),
        ),
        Err(e) => Check::new(NAME, Status::Warn, e.to_string())
            .hint("live coaching judges the agent against each call's own start"),
    }
}

/// The model: found, loads, and how fast it decodes a clip of the demo call on this PC.
fn speech_to_text_check(config: &Config, demo: Result<&CallAudio, &String>) -> Check {
    const NAME: &str = "speech-to-text";
    if !config.stt.enabled {
        return Check::new(
            NAME,
            Status::Ok,
            "switched off in config (stt.enabled = false)",
        );
    }
    let loaded = find_model(&config.stt).and_then(|path| {
        let summary = validate_ggml_file(&path)?;
        let model = WhisperModel::load(&path)?;
        Ok((path, summary, model))
    });
    let (path, summary, model) = match loaded {
        Ok(loaded) => loaded,
        Err(callcue::models::ModelError::UnsupportedCpu { reason }) => {
            return Check::new(NAME, Status::Warn, format!("off: {reason}"))
                .hint("callcue coaches from the voice alone on this PC");
        }
        Err(e) => {
            return Check::new(NAME, Status::Fail, e.to_string())
                .hint("callcue still coaches from the voice alone without a model");
        }
    };
    let described = format!(
        "{} ({}, {} tensors, {:.0} MB)",
        path.display(),
        model.size_name(),
        summary.tensors,
        summary.bytes as f64 / 1e6
    );
    match demo
        .map_err(String::clone)
        .and_then(|demo| decode_speed(&model, config, demo))
    {
        Ok((clip_s, decode_s)) if decode_s <= clip_s => Check::new(
            NAME,
            Status::Ok,
            format!(
                "{described}; decodes a {clip_s:.1} s clip in {decode_s:.2} s on this PC ({:.1}x real time)",
                clip_s / decode_s.max(1e-3)
            ),
        ),
        Ok((clip_s, decode_s)) => Check::new(
            NAME,
            Status::Warn,
            format!("{described}; a {clip_s:.1} s clip took {decode_s:.2} s: slower than speech"),
        )
        .hint("words will come late on this PC; a smaller model (tiny.en) or fewer other programs help"),
        Err(e) => Check::new(NAME, Status::Fail, format!("{described}: a test decode failed: {e}")),
    }
}

/// Seconds of audio decoded and seconds it took: the agent's first 4 s of the demo call,
/// with the config's threads and no time budget.
fn decode_speed(
    model: &WhisperModel,
    config: &Config,
    demo: &CallAudio,
) -> Result<(f64, f64), String> {
    const CLIP_S: usize = 4;
    let clip_len = demo.agent.len().min(CLIP_S * ANALYSIS_RATE_HZ as usize);
    let audio = &demo.agent[..clip_len];
    let mut state = model.new_state().map_err(|e| e.to_string())?;
    let mut settings = DecodeSettings::from(&config.stt);
    settings.time_budget = TimeBudget::Unlimited;
    let started = Instant::now();
    transcribe(
        model,
        &mut state,
        &settings,
        DecodeMode::SizedContext,
        audio,
        None,
    )
    .map_err(|e| e.to_string())?;
    let clip_s = audio.len() as f64 / f64::from(ANALYSIS_RATE_HZ);
    Ok((clip_s, started.elapsed().as_secs_f64()))
}

/// The microphone is a failure when missing (there is nothing to coach); the caller's
/// loopback a warning (`callcue run` coaches from the microphone and keeps looking).
fn device_checks(config: &Config) -> Vec<Check> {
    [
        (Speaker::Agent, config.capture.agent_device.as_str()),
        (Speaker::Caller, config.capture.caller_device.as_str()),
    ]
    .into_iter()
    .map(|(side, spec)| {
        let shown = if spec.is_empty() { "default" } else { spec };
        let name = format!("{side} audio ({shown})");
        match callcue::capture::find_device(side, spec) {
            Ok(device) => {
                let info = callcue::capture::DeviceInfo::of(&device);
                Check::new(name, Status::Ok, format!("{} ({})", info.name, info.id))
            }
            Err(e) => {
                let status = match side {
                    Speaker::Agent => Status::Fail,
                    Speaker::Caller => Status::Warn,
                };
                Check::new(name, status, e.to_string())
                    .hint("`callcue run` still starts, coaches the other side and keeps looking")
            }
        }
    })
    .collect()
}

/// Where `callcue run` logs, and that it can.
fn log_check() -> Check {
    const NAME: &str = "log folder";
    match super::run_log::log_dir() {
        None => Check::new(NAME, Status::Warn, "no log folder on this system")
            .hint("`callcue run` logs to standard error only; set CALLCUE_LOG_DIR"),
        Some(dir) => match super::run_log::prepare_dir(&dir) {
            Ok(dir) => Check::new(
                NAME,
                Status::Ok,
                format!(
                    "{} (a file a day, {} days kept)",
                    dir.display(),
                    super::run_log::KEEP_DAYS
                ),
            ),
            Err(why) => Check::new(NAME, Status::Warn, why)
                .hint("`callcue run` logs to standard error only; set CALLCUE_LOG_DIR"),
        },
    }
}

/// With a fixed port, whether it is free (a running callcue holds it too).
fn stream_port_check(config: &Config) -> Option<Check> {
    let stream = &config.stream;
    if !stream.enabled || stream.port == 0 {
        return None;
    }
    let name = format!("event stream (127.0.0.1:{})", stream.port);
    Some(match TcpListener::bind(("127.0.0.1", stream.port)) {
        Ok(_) => Check::new(name, Status::Ok, "port free"),
        Err(e) => Check::new(name, Status::Warn, format!("cannot listen: {e}"))
            .hint("fine if callcue is already running; else pick another stream.port"),
    })
}

/// With `fleet.otlp_endpoint` set: whether the collector takes an (empty) OTLP request
/// with the configured headers, and how many summaries wait for it. A collector that
/// cannot be reached is a warning: summaries wait on disk and go once it answers.
fn collector_check(config: &Config) -> Option<Check> {
    if config.fleet.otlp_endpoint.trim().is_empty() {
        return None;
    }
    const NAME: &str = "summaries collector";
    let collector = super::summaries_export::Collector::new(config);
    let waiting = callcue::fleet::summaries_dir(config)
        .map(|dir| {
            let spool = callcue::summary_spool::Spool::new(dir);
            let days = u64::from(config.fleet.otlp_backlog_days);
            let oldest =
                std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
            spool
                .cursor()
                .map(|cursor| spool.waiting(&cursor, super::run_log::utc_date(oldest)))
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let waiting = format!("{waiting} summary(ies) waiting to be sent");
    let hint = "summaries wait in the daily files and go once the collector takes them";
    Some(match collector.post(r#"{"resourceLogs":[]}"#.to_string()) {
        Ok((status, _)) if callcue::otlp::outcome(status) == callcue::otlp::Outcome::Sent => {
            Check::new(
                NAME,
                Status::Ok,
                format!("{} answers; {waiting}", collector.url),
            )
        }
        Ok((status, _)) => Check::new(
            NAME,
            Status::Warn,
            format!("{} answered HTTP {status}; {waiting}", collector.url),
        )
        .hint(hint),
        Err(e) => Check::new(
            NAME,
            Status::Warn,
            format!("{} cannot be reached: {e}; {waiting}", collector.url),
        )
        .hint(hint),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: &[Status]) -> Report {
        Report::new(
            statuses
                .iter()
                .enumerate()
                .map(|(i, &status)| Check::new(format!("check {i}"), status, "detail"))
                .collect(),
        )
    }

    #[test]
    fn the_worst_check_decides_the_exit_code() {
        assert_eq!(report(&[]).exit_code(), 0);
        assert_eq!(report(&[Status::Ok, Status::Ok]).exit_code(), 0);
        assert_eq!(report(&[Status::Ok, Status::Warn]).exit_code(), 1);
        assert_eq!(
            report(&[Status::Warn, Status::Fail, Status::Ok]).exit_code(),
            2
        );
    }

    #[test]
    fn text_and_json_carry_every_check() {
        let mut report = report(&[Status::Ok, Status::Warn]);
        report.checks[1].hint = Some("do this".into());
        let text = report.text();
        assert!(text.contains("ok    check 0: detail\n"), "{text}");
        assert!(
            text.contains("WARN  check 1: detail\n      (do this)\n"),
            "{text}"
        );
        assert!(
            text.ends_with("1 warning(s): callcue runs, with less\n"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
        assert_eq!(json["status"], "warn");
        assert_eq!(json["checks"][1]["hint"], "do this");
        assert_eq!(json["checks"][0].get("hint"), None);
    }
}
