//! The `callcue` command: replay recorded calls through the coaching analysis, run a demo
//! call, manage speech-to-text models, and check an installation.
//!
//! Exit codes: 0 success; 2 bad input (a file that cannot be read or decoded, a bad
//! config value, wrong arguments); 1 anything else (for example the output could not be
//! written).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use callcue::audio::decode_wav;
use callcue::config::{find_config_file, Config};
use callcue::models::fetch::{fetch_model, KNOWN_MODELS};
use callcue::models::import::import_ct2;
use callcue::models::{default_install_dir, find_model, model_dirs, validate_ggml_file};
use callcue::output::{EventWriter, Format};
use callcue::replay::{
    analyze_call, analyze_call_with_stt, call_from_recording, load_call, CallAudio, CallSource,
    Pace, SttSetup,
};
use callcue::stt::WhisperModel;
use callcue::transcript_log::{transcripts_dir, TranscriptLog};
use callcue::{NudgeId, ANALYSIS_RATE_HZ};

mod app;

/// The demo call: a scripted two-voice call (8 kHz G.711 mu-law stereo, as call recorders
/// write), built by `cargo run --example make_demo_call`.
const DEMO_CALL_WAV: &[u8] = include_bytes!("../demo/call.wav");

#[derive(Parser)]
#[command(
    name = "callcue",
    version,
    about = "On-device coaching for phone agents"
)]
struct Cli {
    /// Config file (default: $CALLCUE_CONFIG, then the user config dir, then /etc/callcue).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay a recorded call through the analysis and print what callcue would coach.
    Replay {
        /// A stereo WAV: the agent on channel 0 and the caller on channel 1 (see
        /// audio.agent_channel / audio.caller_channel).
        #[arg(value_name = "CALL.wav", required_unless_present_all = ["agent", "caller"], conflicts_with_all = ["agent", "caller"])]
        call: Option<PathBuf>,
        /// The agent's side as its own WAV (with --caller).
        #[arg(long, value_name = "A.wav", requires = "caller")]
        agent: Option<PathBuf>,
        /// The caller's side as its own WAV (with --agent).
        #[arg(long, value_name = "B.wav", requires = "agent")]
        caller: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Replay the built-in demo call (no audio device or files needed).
    Demo {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check the installation: config found and valid, analysis ready, speech-to-text model.
    Doctor,
    /// Print the effective config (defaults merged with the config file) as TOML.
    Config,
    /// Speech-to-text models: download, import, list.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Coach live: capture the agent's microphone and the caller's audio beside the
    /// softphone, show nudges in the overlay, stream events. Ctrl-C stops.
    Run {
        /// The agent's microphone: an id from `callcue devices` or part of a name
        /// (default: capture.agent_device, else the default input).
        #[arg(long, value_name = "ID")]
        agent_device: Option<String>,
        /// The caller's audio: a loopback/monitor id or part of a name (default:
        /// capture.caller_device, else the loopback of the default output).
        #[arg(long, value_name = "ID")]
        caller_device: Option<String>,
        /// No overlay window: events only (standard output, the event stream).
        #[arg(long)]
        no_overlay: bool,
        #[command(flatten)]
        events: EventArgs,
    },
    /// List the audio devices, with the ids to use for --agent-device / --caller-device.
    Devices {
        /// Every audio system, not only the preferred one (on Linux: ALSA too).
        #[arg(long)]
        all: bool,
    },
    /// Tell the running callcue that a call started or ended (for softphone hooks).
    Call {
        #[command(subcommand)]
        command: CallCommandArg,
    },
    /// Where the event stream for integrations is, and its token.
    StreamInfo,
    /// Show the overlay with one nudge, to see how it looks on this desktop.
    OverlayPreview {
        /// The nudge to show (pause, acknowledge, smile, ...).
        #[arg(long, default_value = "pause")]
        nudge: String,
        /// How long to show it.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
}

#[derive(Subcommand)]
enum CallCommandArg {
    /// A call started: fresh baselines, a new summary.
    Start {
        /// The softphone's call id, carried into the events.
        #[arg(long)]
        id: Option<String>,
    },
    /// The call ended: its summary is written.
    End,
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Download an official whisper.cpp ggml model and verify its SHA-256.
    Fetch {
        /// tiny.en, base.en or small.en.
        #[arg(value_name = "MODEL")]
        name: String,
        /// Where to put it (default: $CALLCUE_MODELS, else ./models).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Convert a faster-whisper (CTranslate2) model directory into a ggml model.
    ImportCt2 {
        /// The directory with model.bin, config.json and vocabulary.txt.
        #[arg(value_name = "DIR")]
        ct2_dir: PathBuf,
        /// The ggml file to write (default: ggml-<size>.bin in $CALLCUE_MODELS or ./models).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the models found and where callcue looks for them.
    List,
}

/// What is written and what runs, for replays and live.
#[derive(clap::Args)]
struct EventArgs {
    /// Output format: a readable timeline, or one JSON event per line.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Text format: also list every speech segment and response gap.
    #[arg(long, short)]
    verbose: bool,
    /// Coach from the voice alone: no speech-to-text.
    #[arg(long)]
    no_stt: bool,
}

impl EventArgs {
    fn format(&self) -> Format {
        match self.format {
            OutputFormat::Text => Format::Text,
            OutputFormat::Jsonl => Format::Jsonl,
        }
    }
}

#[derive(clap::Args)]
struct OutputArgs {
    #[command(flatten)]
    events: EventArgs,
    /// How speech-to-text is timed: `reproducible` (the same output on any machine: each
    /// transcript counts at the point its clip closed), `as-live` (transcripts land where
    /// this machine's whisper would deliver them live), `realtime` (as-live, paced at one
    /// second of call per second).
    #[arg(long, value_enum, default_value_t = Timing::Reproducible)]
    timing: Timing,
}

#[derive(Clone, Copy, ValueEnum)]
enum Timing {
    Reproducible,
    AsLive,
    Realtime,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Jsonl,
}

/// An error from bad input: exit code 2.
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let code = if error.downcast_ref::<BadInput>().is_some() {
                2
            } else {
                1
            };
            if !is_broken_pipe(&error) {
                eprintln!("callcue: error: {error:#}");
            }
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Replay {
            call,
            agent,
            caller,
            output,
        } => {
            let config = load_config(cli.config.as_deref())?;
            let source = match (call, agent, caller) {
                (Some(path), _, _) => CallSource::Stereo(path),
                (None, Some(agent), Some(caller)) => CallSource::Pair { agent, caller },
                _ => {
                    return Err(
                        BadInput("give CALL.wav, or both --agent and --caller".into()).into(),
                    )
                }
            };
            let audio = load_call(&source, &config.audio).map_err(|e| BadInput(e.to_string()))?;
            replay(&audio, &config, &output)
        }
        Command::Demo { output } => {
            let config = load_config(cli.config.as_deref())?;
            let audio = demo_call(&config)?;
            if matches!(output.events.format, OutputFormat::Text) {
                println!(
                    "callcue demo: a scripted {:.0} s call (agent on the left channel, caller on the right), replayed through the analysis.\n",
                    audio.duration_ms() as f64 / 1000.0
                );
            }
            replay(&audio, &config, &output)
        }
        Command::Doctor => doctor(cli.config.as_deref()),
        Command::Models { command } => models(command),
        Command::Config => {
            let config = load_config(cli.config.as_deref())?;
            print!("{config}");
            Ok(())
        }
        Command::Run {
            agent_device,
            caller_device,
            no_overlay,
            events,
        } => {
            let config = load_config(cli.config.as_deref())?;
            let stt = stt_setup(&config, events.no_stt);
            if let SttSetup::Unavailable(reason) = &stt {
                eprintln!(
                    "callcue: speech-to-text is off, coaching from the voice alone: {reason}"
                );
            }
            let options = app::live_run::RunOptions {
                devices: callcue::live::DeviceChoice {
                    agent: agent_device.unwrap_or_else(|| config.capture.agent_device.clone()),
                    caller: caller_device.unwrap_or_else(|| config.capture.caller_device.clone()),
                },
                overlay: config.overlay.enabled && !no_overlay,
                format: events.format(),
                verbose: events.verbose,
                stt,
            };
            app::live_run::run(config, options)
        }
        Command::Devices { all } => app::devices::print(all),
        Command::Call { command } => app::call_control::send_from_cli(match command {
            CallCommandArg::Start { id } => app::call_control::CallCommand::Start { id },
            CallCommandArg::End => app::call_control::CallCommand::End,
        }),
        Command::StreamInfo => {
            let config = load_config(cli.config.as_deref())?;
            app::stream_server::print_info(&config)
        }
        Command::OverlayPreview { nudge, seconds } => {
            let config = load_config(cli.config.as_deref())?;
            let nudge = NudgeId::ALL
                .into_iter()
                .find(|id| id.as_str() == nudge)
                .ok_or_else(|| BadInput(format!("--nudge {nudge}: not a nudge id")))?;
            if !(0.1..=3600.0).contains(&seconds) {
                return Err(BadInput(format!("--seconds {seconds}: 0.1 to 3600")).into());
            }
            app::overlay::preview(&config, nudge, std::time::Duration::from_secs_f64(seconds))
        }
    }
}

fn load_config(explicit: Option<&Path>) -> anyhow::Result<Config> {
    let (config, _) =
        Config::load_default_locations(explicit).map_err(|e| BadInput(e.to_string()))?;
    Ok(config)
}

fn demo_call(config: &Config) -> anyhow::Result<CallAudio> {
    let wav = decode_wav(DEMO_CALL_WAV).context("decoding the built-in demo call")?;
    call_from_recording(wav, Path::new("built-in demo call"), &config.audio)
        .map_err(|e| BadInput(e.to_string()).into())
}

/// Loads the speech-to-text model the config asks for, or says why there is none.
fn stt_setup(config: &Config, no_stt: bool) -> SttSetup {
    if no_stt || !config.stt.enabled {
        return SttSetup::Off;
    }
    match find_model(&config.stt).and_then(|path| WhisperModel::load(&path)) {
        Ok(model) => SttSetup::Ready(Arc::new(model)),
        Err(e) => SttSetup::Unavailable(e.to_string()),
    }
}

fn replay(audio: &CallAudio, config: &Config, output: &OutputArgs) -> anyhow::Result<()> {
    let format = output.events.format();
    let stt = stt_setup(config, output.events.no_stt);
    if let SttSetup::Unavailable(reason) = &stt {
        eprintln!("callcue: speech-to-text is off, coaching from the voice alone: {reason}");
    }
    let pace = match output.timing {
        Timing::Reproducible => Pace::Reproducible,
        Timing::AsLive => Pace::AsLive,
        Timing::Realtime => Pace::RealTime,
    };
    let stdout = io::stdout().lock();
    let mut writer = EventWriter::new(BufWriter::new(stdout), format, output.events.verbose);
    if config.privacy.save_transcripts {
        let dir = transcripts_dir(&config.privacy);
        match TranscriptLog::create(&dir, &mut writer) {
            Ok(mut log) => {
                analyze_call_with_stt(audio, config, &stt, pace, &mut log);
                match log.finish() {
                    Ok(path) => eprintln!("callcue: transcripts saved to {}", path.display()),
                    Err(e) => eprintln!(
                        "callcue: could not save transcripts in {}: {e}",
                        dir.display()
                    ),
                }
            }
            Err(e) => {
                eprintln!("callcue: not saving transcripts: {}: {e}", dir.display());
                analyze_call_with_stt(audio, config, &stt, pace, &mut writer);
            }
        }
    } else {
        analyze_call_with_stt(audio, config, &stt, pace, &mut writer);
    }
    writer
        .finish()
        .context("writing events to standard output")?;
    Ok(())
}

fn doctor(explicit: Option<&Path>) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "callcue {}", env!("CARGO_PKG_VERSION"))?;
    let mut problems = 0;
    match find_config_file(explicit) {
        Some(path) => match Config::load(&path) {
            Ok(_) => writeln!(out, "ok    config: {}", path.display())?,
            Err(e) => {
                problems += 1;
                writeln!(out, "FAIL  config: {e}")?
            }
        },
        None => writeln!(out, "ok    config: none found, using built-in defaults")?,
    }
    match decode_wav(DEMO_CALL_WAV) {
        Ok(wav) => {
            let config = Config::default();
            let audio = demo_call(&config)?;
            let summary = analyze_call(&audio, &config, &mut |_: &callcue::Event<'_>| {});
            writeln!(
                out,
                "ok    analysis: demo call ({} Hz source, {} Hz analysis) gave {} nudge(s)",
                wav.sample_rate_hz, ANALYSIS_RATE_HZ, summary.nudges_total
            )?
        }
        Err(e) => {
            problems += 1;
            writeln!(out, "FAIL  analysis: built-in demo call: {e}")?
        }
    }
    let config = Config::load_default_locations(explicit)
        .map(|(c, _)| c)
        .unwrap_or_default();
    if !config.stt.enabled {
        writeln!(
            out,
            "ok    speech-to-text: switched off in config (stt.enabled = false)"
        )?;
    } else {
        match find_model(&config.stt).and_then(|path| {
            let summary = validate_ggml_file(&path)?;
            let model = WhisperModel::load(&path)?;
            Ok((path, summary, model))
        }) {
            Ok((path, summary, model)) => writeln!(
                out,
                "ok    speech-to-text: {} ({}, {} tensors, {:.0} MB)",
                path.display(),
                model.size_name(),
                summary.tensors,
                summary.bytes as f64 / 1e6
            )?,
            Err(e) => {
                problems += 1;
                writeln!(out, "FAIL  speech-to-text: {e}")?;
                writeln!(
                    out,
                    "      (callcue still coaches from the voice alone without a model)"
                )?
            }
        }
    }
    for (side, spec) in [
        (
            callcue::capture::Side::Agent,
            config.capture.agent_device.as_str(),
        ),
        (
            callcue::capture::Side::Caller,
            config.capture.caller_device.as_str(),
        ),
    ] {
        let shown = if spec.is_empty() { "default" } else { spec };
        match callcue::capture::find_device(side, spec) {
            Ok(device) => {
                let info = callcue::capture::DeviceInfo::of(&device);
                writeln!(
                    out,
                    "ok    {side} audio ({shown}): {} ({})",
                    info.name, info.id
                )?
            }
            Err(e) => {
                problems += 1;
                writeln!(out, "FAIL  {side} audio ({shown}): {e}")?;
                writeln!(
                    out,
                    "      (`callcue run` still starts, coaches the other side and keeps looking)"
                )?
            }
        }
    }
    if problems > 0 {
        return Err(BadInput(format!("{problems} problem(s) found")).into());
    }
    writeln!(out, "all checks passed")?;
    Ok(())
}

fn models(command: ModelsCommand) -> anyhow::Result<()> {
    match command {
        ModelsCommand::Fetch { name, dir } => {
            let dir = dir.unwrap_or_else(default_install_dir);
            let mut last_percent = None;
            let path = fetch_model(&name, &dir, &mut |done, total| {
                if let Some(total) = total.filter(|t| *t > 0) {
                    let percent = done * 100 / total;
                    if last_percent != Some(percent) && percent % 10 == 0 {
                        eprintln!("callcue: downloading {name}: {percent}%");
                        last_percent = Some(percent);
                    }
                }
            })
            .map_err(|e| BadInput(e.to_string()))?;
            println!("{}", path.display());
            Ok(())
        }
        ModelsCommand::ImportCt2 { ct2_dir, output } => {
            let out_path = match output {
                Some(path) => path,
                None => {
                    let dir = default_install_dir();
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| BadInput(format!("{}: cannot create: {e}", dir.display())))?;
                    dir.join("ggml-imported.bin")
                }
            };
            let report = import_ct2(&ct2_dir, &out_path).map_err(|e| BadInput(e.to_string()))?;
            // Without --output, name the file after the model's size (ggml-tiny.en.bin).
            let final_path =
                if out_path.file_name() == Some(std::ffi::OsStr::new("ggml-imported.bin")) {
                    let named = out_path.with_file_name(format!("ggml-{}.bin", report.size_name));
                    std::fs::rename(&out_path, &named)
                        .map_err(|e| BadInput(format!("{}: cannot write: {e}", named.display())))?;
                    named
                } else {
                    out_path
                };
            println!(
                "{}: {} model, {} tensors, {:.0} MB",
                final_path.display(),
                report.size_name,
                report.tensors,
                report.bytes_written as f64 / 1e6
            );
            Ok(())
        }
        ModelsCommand::List => {
            let mut found = 0;
            for dir in model_dirs() {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    println!("{} (not there)", dir.display());
                    continue;
                };
                println!("{}", dir.display());
                let mut names: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "bin"))
                    .collect();
                names.sort();
                for path in names {
                    found += 1;
                    match validate_ggml_file(&path) {
                        Ok(s) => println!(
                            "  {} ({} tensors, {:.0} MB)",
                            path.display(),
                            s.tensors,
                            s.bytes as f64 / 1e6
                        ),
                        Err(e) => println!("  {} (unusable: {e})", path.display()),
                    }
                }
            }
            if found == 0 {
                let names: Vec<&str> = KNOWN_MODELS.iter().map(|m| m.name).collect();
                println!(
                    "no models found: `callcue models fetch {}` or `callcue models import-ct2 DIR`",
                    names.join("|")
                );
            }
            Ok(())
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
