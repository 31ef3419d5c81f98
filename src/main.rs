//! The `callcue` command: replay recorded calls through the coaching analysis, score them
//! against supervisors' labels, run a demo call, manage speech-to-text models, and check
//! an installation.
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

use callcue::agent_profile::{profile_path, AgentProfile};
use callcue::audio::decode_wav;
use callcue::config::{load_layered, Config, ConfigFiles, FlagSetting, Layered};
use callcue::eval::{EvalConfig, EvalError, Report};
use callcue::models::fetch::{fetch_model, KNOWN_MODELS};
use callcue::models::{default_install_dir, find_model, model_dirs, validate_ggml_file};
use callcue::output::{EventWriter, Format};
use callcue::replay::{
    agent_voice_of, analyze_call_with_profile, call_from_recording, CallAudio, CallFrames,
    CallSource, RecordedCall, SttSetup, Timing,
};
use callcue::stt::WhisperModel;
use callcue::transcript_log::{transcripts_dir, TranscriptLog};
use callcue::NudgeId;
use callcue_ct2_import::import_ct2;

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
    /// Score labelled calls: replay every call in DIR (labels: docs/labels.md) and count, per
    /// nudge, hits, misses and false nudges; for one config, or two side by side.
    Eval {
        /// The folder of labelled calls: one JSON label file per call beside its audio.
        #[arg(value_name = "DIR", required_unless_present = "write_labels")]
        dir: Option<PathBuf>,
        /// A second config (B) to compare with the first (A: --config or the usual one).
        #[arg(long, value_name = "B.toml", conflicts_with = "write_labels")]
        against: Option<PathBuf>,
        /// Output format: text tables, or one JSON report (see docs/labels.md).
        #[arg(long, value_enum, default_value_t = EvalFormat::Text, conflicts_with = "write_labels")]
        format: EvalFormat,
        /// Coach from the voice alone: no speech-to-text.
        #[arg(long)]
        no_stt: bool,
        /// Instead of scoring: draft a label file from what callcue coaches, for one WAV or
        /// for every WAV in a folder that has no label file yet.
        #[arg(long, value_name = "WAV|DIR", conflicts_with = "dir")]
        write_labels: Option<PathBuf>,
        /// With --write-labels and one WAV: where to write the draft (default: beside it).
        #[arg(long, value_name = "FILE.json", requires = "write_labels")]
        out: Option<PathBuf>,
        /// With --write-labels: overwrite existing label files.
        #[arg(long, requires = "write_labels")]
        force: bool,
    },
    /// The agent's voice profile that `callcue run` keeps across calls: show it, or
    /// start it again.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Replay the built-in demo call (no audio device or files needed).
    Demo {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check the installation: CPU, config, analysis, agent profile, speech-to-text model
    /// (loads, decode speed here), audio devices, stream port. Exit code: 0 all ok, 1
    /// warnings (callcue runs, with less), 2 failures.
    Doctor {
        /// Text lines, or one JSON object with every check.
        #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
        format: DoctorFormat,
    },
    /// Print the effective config (defaults merged with the config file) as documented
    /// TOML: every key with what it does and what it allows.
    Config {
        /// Print the built-in defaults instead: the shipped config/callcue.toml.
        #[arg(long, conflicts_with = "origin")]
        reference: bool,
        /// Print every key with its value and the layer it came from (default, machine
        /// file, user file, --config, a flag), and which keys the machine file locks.
        #[arg(long)]
        origin: bool,
    },
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
    /// Totals per agent and per nudge from the call summaries `callcue run` keeps
    /// (`fleet.save_summaries`): for a supervisor, over one desktop's folder or many
    /// collected in one place.
    Report {
        /// The folder of summaries-*.jsonl files, searched two levels deep (default:
        /// fleet.summaries_dir, else the user's data directory).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Text tables, or one JSON object.
        #[arg(long, value_enum, default_value_t = EvalFormat::Text)]
        format: EvalFormat,
    },
    /// Shell completions for bash, zsh, fish, PowerShell or elvish, on standard output
    /// (e.g. `callcue completions bash > /etc/bash_completion.d/callcue`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), on standard output (e.g. `callcue manpage > callcue.1`).
    Manpage,
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
    /// Install callcue from the unpacked zip for this user: the programs in
    /// %LOCALAPPDATA%\Programs\callcue, started at sign-in, listed in Installed apps.
    #[cfg(windows)]
    Install {
        /// For every user of this PC: %ProgramFiles%\callcue, started at every user's
        /// sign-in (run as an administrator).
        #[arg(long)]
        machine: bool,
    },
    /// Remove what `callcue install` did: the programs, the sign-in entry, the Installed
    /// apps entry. Config, models, logs and summaries stay unless --purge.
    #[cfg(windows)]
    Uninstall {
        /// The machine-wide installation (run as an administrator).
        #[arg(long)]
        machine: bool,
        /// Also remove the config, models, logs and summaries folders.
        #[arg(long)]
        purge: bool,
    },
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
        /// Where to put it (default: $CALLCUE_MODELS, else the user's data directory, e.g.
        /// ~/.local/share/callcue/models).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Convert a faster-whisper (CTranslate2) model directory into a ggml model.
    ImportCt2 {
        /// The directory with model.bin, config.json and vocabulary.txt.
        #[arg(value_name = "DIR")]
        ct2_dir: PathBuf,
        /// The ggml file to write (default: ggml-<size>.bin where `models fetch` puts models).
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
    #[arg(long, value_enum, default_value_t = TimingArg::Reproducible)]
    timing: TimingArg,
    /// Judge the agent's delivery against this agent voice profile (a file as `callcue
    /// run` keeps it) from the first second, instead of the call's own start.
    #[arg(long, value_name = "FILE")]
    agent_profile: Option<PathBuf>,
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// Where the profile is kept and the agent's usual voice in it.
    Show,
    /// Remove the profile: the next call calibrates it again.
    Reset,
    /// Calibrate from a recording of this agent (stereo, agent on audio.agent_channel):
    /// adds its figures to the profile as a live call would.
    Learn {
        #[arg(value_name = "CALL.wav")]
        call: PathBuf,
    },
}

/// `--timing`: the replay timings of [`Timing`] (live capture has its own).
#[derive(Clone, Copy, ValueEnum)]
enum TimingArg {
    Reproducible,
    AsLive,
    Realtime,
}

impl From<TimingArg> for Timing {
    fn from(arg: TimingArg) -> Self {
        match arg {
            TimingArg::Reproducible => Timing::Reproducible,
            TimingArg::AsLive => Timing::AsLive,
            TimingArg::Realtime => Timing::RealTime,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DoctorFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum EvalFormat {
    Text,
    Json,
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
    let cli = parse_command_line();
    // Doctor has exit codes of its own (0 ok, 1 warnings, 2 failures).
    let outcome = match &cli.command {
        Command::Doctor { format } => doctor(cli.config.as_deref(), *format),
        _ => run(cli).map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            let code = if error.downcast_ref::<BadInput>().is_some() {
                2
            } else if matches!(
                error.downcast_ref::<app::call_control::ControlError>(),
                Some(app::call_control::ControlError::AlreadyRunning { .. })
            ) {
                // Autostart and a service unit may both start callcue: the second says so
                // with its own status, which the unit does not restart on.
                3
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

/// The command line, with `--version` telling what IT needs to know about this build and
/// this PC.
fn parse_command_line() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    // Built once per run; clap keeps it for the life of the process.
    let long_version: &'static str = Box::leak(long_version().into_boxed_str());
    let matches = Cli::command().long_version(long_version).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `callcue --version`: version and commit, whisper.cpp and the CPU features it is built
/// for, and whether this CPU has them.
fn long_version() -> String {
    use callcue::stt::cpu;
    let upper = |features: &[&str]| features.join(", ").to_uppercase();
    let built_for = if cpu::WHISPER_BUILD_FEATURES.is_empty() {
        format!("built for {}", std::env::consts::ARCH)
    } else {
        format!(
            "built for {} with {}",
            std::env::consts::ARCH,
            upper(cpu::WHISPER_BUILD_FEATURES)
        )
    };
    let this_cpu = match cpu::whisper_unsupported_reason() {
        None => "this CPU: has them, speech-to-text can run".to_string(),
        Some(reason) => format!("this CPU: {reason}; coaching from the voice only"),
    };
    format!(
        "{} (commit {}, {} {})\nwhisper.cpp {} {built_for}\n{this_cpu}",
        env!("CARGO_PKG_VERSION"),
        env!("CALLCUE_COMMIT"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        callcue::stt::WHISPER_CPP_VERSION,
    )
}

#[cfg(windows)]
fn install_scope(machine: bool) -> app::windows::install::Scope {
    if machine {
        app::windows::install::Scope::Machine
    } else {
        app::windows::install::Scope::User
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
            let config =
                load_config_with(cli.config.as_deref(), &no_stt_flag(output.events.no_stt))?;
            let source = match (call, agent, caller) {
                (Some(path), _, _) => CallSource::Stereo(path),
                (None, Some(agent), Some(caller)) => CallSource::Pair { agent, caller },
                _ => {
                    return Err(
                        BadInput("give CALL.wav, or both --agent and --caller".into()).into(),
                    )
                }
            };
            let mut call =
                RecordedCall::open(&source, &config.audio).map_err(|e| BadInput(e.to_string()))?;
            let replayed = replay(&mut call, &config, &output);
            if call.non_finite_samples() > 0 {
                let named = match &source {
                    CallSource::Stereo(path) => path.display().to_string(),
                    CallSource::Pair { agent, caller } => {
                        format!("{} / {}", agent.display(), caller.display())
                    }
                };
                eprintln!(
                    "callcue: {named}: {} samples are not numbers (NaN or infinite); replayed as silence",
                    call.non_finite_samples()
                );
            }
            if let Some(e) = call.take_error() {
                return Err(BadInput(format!("{e}; the call was replayed up to there")).into());
            }
            replayed
        }
        Command::Eval {
            dir,
            against,
            format,
            no_stt,
            write_labels,
            out,
            force,
        } => match (dir, write_labels) {
            (_, Some(path)) => eval_write_labels(cli.config.as_deref(), &path, out, force, no_stt),
            // clap waives `requires` for an argument in conflict with one given.
            (Some(_), None) if out.is_some() || force => {
                Err(BadInput("--out and --force go with --write-labels".into()).into())
            }
            (Some(dir), None) => eval(cli.config.as_deref(), &dir, against, format, no_stt),
            (None, None) => Err(BadInput("give DIR, or --write-labels".into()).into()),
        },
        Command::Demo { output } => {
            let config =
                load_config_with(cli.config.as_deref(), &no_stt_flag(output.events.no_stt))?;
            let audio = demo_call(&config)?;
            if matches!(output.events.format, OutputFormat::Text) {
                println!(
                    "callcue demo: a scripted {:.0} s call (agent on the left channel, caller on the right), replayed through the analysis.\n",
                    audio.duration_ms() as f64 / 1000.0
                );
            }
            replay(&mut audio.frames(), &config, &output)
        }
        // main runs doctor itself, for its exit codes.
        Command::Doctor { format } => doctor(cli.config.as_deref(), format).map(drop),
        Command::Profile { command } => profile(cli.config.as_deref(), command),
        Command::Models { command } => models(command),
        Command::Config {
            reference: true, ..
        } => {
            print!("{}", callcue::config::reference_toml());
            Ok(())
        }
        Command::Config { origin: true, .. } => {
            print!(
                "{}",
                load_layers(&ConfigFiles::discover(cli.config.as_deref()), &[])?.origin_listing()
            );
            Ok(())
        }
        Command::Config { .. } => {
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
            let mut flags = no_stt_flag(events.no_stt);
            if no_overlay {
                flags.push(flag("--no-overlay", "overlay.enabled", false.into()));
            }
            if let Some(device) = agent_device {
                flags.push(flag(
                    "--agent-device",
                    "capture.agent_device",
                    device.into(),
                ));
            }
            if let Some(device) = caller_device {
                flags.push(flag(
                    "--caller-device",
                    "capture.caller_device",
                    device.into(),
                ));
            }
            let config = load_config_with(cli.config.as_deref(), &flags)?;
            let reload = callcue::live::reload::ReloadSource {
                explicit: cli.config.clone(),
                flags,
            };
            let stt = stt_setup(&config);
            if let SttSetup::Unavailable(reason) = &stt {
                eprintln!(
                    "callcue: speech-to-text is off, coaching from the voice alone: {reason}"
                );
            }
            let options = app::live_run::RunOptions {
                devices: callcue::live::DeviceChoice {
                    agent: config.capture.agent_device.clone(),
                    caller: config.capture.caller_device.clone(),
                },
                overlay: config.overlay.enabled,
                format: events.format(),
                verbose: events.verbose,
                stt,
                reload,
            };
            app::live_run::run(config, options)
        }
        Command::Devices { all } => app::devices::print(all),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "callcue", &mut io::stdout().lock());
            Ok(())
        }
        Command::Manpage => {
            use clap::CommandFactory;
            let page = clap_mangen::Man::new(Cli::command());
            let mut out = io::stdout().lock();
            page.render(&mut out)?;
            out.flush()
                .context("writing the manual page to standard output")
        }
        Command::Report { dir, format } => report(cli.config.as_deref(), dir, format),
        Command::Call { command } => app::call_control::send_from_cli(match command {
            CallCommandArg::Start { id } => app::call_control::CallCommand::Start { id },
            CallCommandArg::End => app::call_control::CallCommand::End,
        }),
        Command::StreamInfo => {
            let config = load_config(cli.config.as_deref())?;
            app::stream_server::print_info(&config)
        }
        #[cfg(windows)]
        Command::Install { machine } => app::windows::install::install(install_scope(machine)),
        #[cfg(windows)]
        Command::Uninstall { machine, purge } => {
            app::windows::install::uninstall(install_scope(machine), purge)
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

/// The config in effect: the built-in defaults, the machine file, the user file, then
/// `explicit` (`--config`, else `$CALLCUE_CONFIG`), each laid over the one before.
fn load_config(explicit: Option<&Path>) -> anyhow::Result<Config> {
    load_config_with(explicit, &[])
}

/// [`load_config`] with the command line's settings on top.
fn load_config_with(explicit: Option<&Path>, flags: &[FlagSetting]) -> anyhow::Result<Config> {
    Ok(load_layers(&ConfigFiles::discover(explicit), flags)?.config)
}

/// The layers laid over each other; says each warning (a locked key set lower down, a
/// retired key) once on standard error.
fn load_layers(files: &ConfigFiles, flags: &[FlagSetting]) -> anyhow::Result<Layered> {
    let layered = load_layered(files, flags).map_err(|e| BadInput(e.to_string()))?;
    for warning in &layered.warnings {
        eprintln!("callcue: warning: {warning}");
    }
    Ok(layered)
}

fn flag(flag: &'static str, key: &'static str, value: toml::Value) -> FlagSetting {
    FlagSetting { flag, key, value }
}

/// `--no-stt` as a setting (none without it).
fn no_stt_flag(no_stt: bool) -> Vec<FlagSetting> {
    if no_stt {
        vec![flag("--no-stt", "stt.enabled", false.into())]
    } else {
        Vec::new()
    }
}

fn demo_call(config: &Config) -> anyhow::Result<CallAudio> {
    let wav = decode_wav(DEMO_CALL_WAV).context("decoding the built-in demo call")?;
    call_from_recording(wav, Path::new("built-in demo call"), &config.audio)
        .map_err(|e| BadInput(e.to_string()).into())
}

/// Loads the speech-to-text model the config asks for, or says why there is none.
fn stt_setup(config: &Config) -> SttSetup {
    if !config.stt.enabled {
        return SttSetup::Off;
    }
    match find_model(&config.stt).and_then(|path| WhisperModel::load(&path)) {
        Ok(model) => SttSetup::Ready(Arc::new(model)),
        Err(e) => SttSetup::Unavailable(e.to_string()),
    }
}

/// Speech-to-text for each config, a model loaded once however many configs use it.
/// Says once per config when it is unavailable.
fn shared_stt_setups(configs: &[(String, &Config)]) -> Vec<SttSetup> {
    let mut loaded: Vec<(PathBuf, Arc<WhisperModel>)> = Vec::new();
    configs
        .iter()
        .map(|(name, config)| {
            if !config.stt.enabled {
                return SttSetup::Off;
            }
            let setup = match find_model(&config.stt) {
                Ok(path) => match loaded.iter().find(|(p, _)| *p == path) {
                    Some((_, model)) => SttSetup::Ready(Arc::clone(model)),
                    None => match WhisperModel::load(&path) {
                        Ok(model) => {
                            let model = Arc::new(model);
                            loaded.push((path, Arc::clone(&model)));
                            SttSetup::Ready(model)
                        }
                        Err(e) => SttSetup::Unavailable(e.to_string()),
                    },
                },
                Err(e) => SttSetup::Unavailable(e.to_string()),
            };
            if let SttSetup::Unavailable(reason) = &setup {
                eprintln!(
                    "callcue: speech-to-text is off for {name}, coaching from the voice alone: {reason}"
                );
            }
            setup
        })
        .collect()
}

/// A config as eval names it (its top file, or "built-in defaults"), with `--no-stt` on
/// top.
fn eval_config(files: &ConfigFiles, no_stt: bool) -> anyhow::Result<(String, Config)> {
    let name = files
        .top()
        .map_or_else(|| "built-in defaults".into(), |p| p.display().to_string());
    Ok((name, load_layers(files, &no_stt_flag(no_stt))?.config))
}

/// Bad labels, missing or broken audio, a label file that exists or cannot be written:
/// bad input.
fn eval_error(error: EvalError) -> anyhow::Error {
    BadInput(error.to_string()).into()
}

/// `callcue eval DIR`: replays every labelled call and prints the scores.
fn eval(
    explicit: Option<&Path>,
    dir: &Path,
    against: Option<PathBuf>,
    format: EvalFormat,
    no_stt: bool,
) -> anyhow::Result<()> {
    // B is A's machine and user files with B on top, as a change rolled out would be.
    let files = ConfigFiles::discover(explicit);
    let mut named = vec![eval_config(&files, no_stt)?];
    if let Some(path) = against {
        named.push(eval_config(&files.with_explicit(&path), no_stt)?);
    }
    // Every label is checked before any call is replayed.
    let calls: Vec<callcue::eval::CallLabels> = callcue::eval::label_files(dir)
        .and_then(|files| {
            files
                .iter()
                .map(|f| callcue::eval::CallLabels::load(f))
                .collect()
        })
        .map_err(eval_error)?;
    let refs: Vec<(String, &Config)> = named.iter().map(|(n, c)| (n.clone(), c)).collect();
    let stt = shared_stt_setups(&refs);
    let configs: Vec<EvalConfig> = named
        .into_iter()
        .zip(stt)
        .map(|((name, config), stt)| EvalConfig { name, config, stt })
        .collect();
    let show_progress = io::IsTerminal::is_terminal(&io::stderr());
    let done = std::sync::atomic::AtomicUsize::new(0);
    let progress = |_: usize| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if show_progress {
            eprint!("\rcallcue: eval: {n}/{} calls replayed", calls.len());
        }
    };
    let workers = callcue::eval::suggested_workers(&configs);
    let results = callcue::eval::evaluate(&calls, &configs, workers, &progress);
    if show_progress {
        eprintln!();
    }
    let report = Report::new(dir, &calls, &results.map_err(eval_error)?, &configs);
    let mut stdout = BufWriter::new(io::stdout().lock());
    match format {
        EvalFormat::Text => report.write_text(&mut stdout),
        EvalFormat::Json => report.write_json(&mut stdout),
    }
    .and_then(|()| stdout.flush())
    .context("writing the report to standard output")
}

/// `callcue eval --write-labels WAV|DIR`: drafts label files from replays.
fn eval_write_labels(
    explicit: Option<&Path>,
    path: &Path,
    out: Option<PathBuf>,
    force: bool,
    no_stt: bool,
) -> anyhow::Result<()> {
    let (name, config) = eval_config(&ConfigFiles::discover(explicit), no_stt)?;
    let jobs: Vec<(PathBuf, PathBuf)> = if path.is_dir() {
        if out.is_some() {
            return Err(BadInput(format!(
                "{}: --out names one label file: give one WAV with it",
                path.display()
            ))
            .into());
        }
        let wavs = callcue::eval::wav_files(path).map_err(eval_error)?;
        if wavs.is_empty() {
            return Err(
                BadInput(format!("{}: no WAV files in this folder", path.display())).into(),
            );
        }
        let mut jobs = Vec::new();
        for wav in wavs {
            let label = callcue::eval::label_path_for(&wav);
            if label.exists() && !force {
                println!(
                    "skipped {}: {} exists (--force to overwrite)",
                    wav.display(),
                    label.display()
                );
            } else {
                jobs.push((wav, label));
            }
        }
        jobs
    } else {
        let label = out.unwrap_or_else(|| callcue::eval::label_path_for(path));
        if label.exists() && !force {
            return Err(eval_error(EvalError::Exists { path: label }));
        }
        vec![(path.to_path_buf(), label)]
    };
    let stt = shared_stt_setups(&[(name.clone(), &config)])
        .pop()
        .unwrap_or(SttSetup::Off);
    for (wav, label) in jobs {
        let mut call = RecordedCall::open(&CallSource::Stereo(wav.clone()), &config.audio)
            .map_err(|e| BadInput(e.to_string()))?;
        let given = callcue::eval::replay_nudges(&mut call, &config, &stt);
        if let Some(e) = call.take_error() {
            return Err(BadInput(e.to_string()).into());
        }
        let draft = callcue::eval::draft_labels(&wav, &label, &given, &name).map_err(eval_error)?;
        callcue::eval::write_label_file(&label, &draft, force).map_err(eval_error)?;
        println!(
            "wrote {}: {} expect window(s), one per nudge given; edit it (docs/labels.md)",
            label.display(),
            draft.expect.len()
        );
    }
    Ok(())
}

fn replay(call: &mut dyn CallFrames, config: &Config, output: &OutputArgs) -> anyhow::Result<()> {
    let format = output.events.format();
    let agent_profile = match &output.agent_profile {
        Some(path) => {
            let profile = AgentProfile::load(path).map_err(|e| BadInput(e.to_string()))?;
            let Some(baseline) = profile.baseline() else {
                return Err(BadInput(format!(
                    "{}: the agent voice profile holds no calls yet",
                    path.display()
                ))
                .into());
            };
            Some(baseline)
        }
        None => None,
    };
    let stt = stt_setup(config);
    if let SttSetup::Unavailable(reason) = &stt {
        eprintln!("callcue: speech-to-text is off, coaching from the voice alone: {reason}");
    }
    let timing = Timing::from(output.timing);
    let stdout = io::stdout().lock();
    let mut writer = EventWriter::new(BufWriter::new(stdout), format, output.events.verbose);
    if config.privacy.save_transcripts {
        let dir = transcripts_dir(&config.privacy);
        match TranscriptLog::create(&dir, &mut writer) {
            Ok(mut log) => {
                analyze_call_with_profile(call, config, &stt, timing, agent_profile, &mut log);
                let path = log.path().to_path_buf();
                match log.finish() {
                    Ok(path) => eprintln!("callcue: transcripts saved to {}", path.display()),
                    Err(e) => {
                        writer
                            .finish()
                            .context("writing events to standard output")?;
                        anyhow::bail!("could not save the transcripts to {}: {e}", path.display());
                    }
                }
            }
            Err(e) => {
                eprintln!("callcue: not saving transcripts: {}: {e}", dir.display());
                analyze_call_with_profile(call, config, &stt, timing, agent_profile, &mut writer);
            }
        }
    } else {
        analyze_call_with_profile(call, config, &stt, timing, agent_profile, &mut writer);
    }
    writer
        .finish()
        .context("writing events to standard output")?;
    Ok(())
}

/// `callcue profile show|reset`: the agent voice profile `callcue run` keeps.
fn profile(explicit: Option<&Path>, command: ProfileCommand) -> anyhow::Result<()> {
    let config = load_config(explicit)?;
    let Some(path) = profile_path(&config.agent_profile.path) else {
        return Err(BadInput(
            "no user data directory to keep the agent voice profile in: set agent_profile.path"
                .into(),
        )
        .into());
    };
    match command {
        ProfileCommand::Show => {
            let profile = AgentProfile::load(&path).map_err(|e| BadInput(e.to_string()))?;
            let mut out = io::stdout().lock();
            writeln!(out, "agent voice profile: {}", path.display())?;
            if !config.agent_profile.enabled {
                writeln!(out, "  not used: agent_profile.enabled = false")?;
            }
            match profile.baseline() {
                Some(usual) => writeln!(
                    out,
                    "  {} call(s): pitch {:.0} Hz, pitch movement {:.1} st, loudness {:.1} dBFS, \
                     {:.1} syllables/s",
                    profile.calls(),
                    usual.pitch_hz,
                    usual.pitch_variability_semitones,
                    usual.loudness_dbfs,
                    usual.syllables_per_s
                )?,
                None => writeln!(
                    out,
                    "  not calibrated yet: the next call with {} s of the agent's speech calibrates it",
                    config.agent_profile.min_speech_ms / 1000
                )?,
            }
        }
        ProfileCommand::Learn { call } => {
            let mut recording =
                RecordedCall::open(&CallSource::Stereo(call.clone()), &config.audio)
                    .map_err(|e| BadInput(e.to_string()))?;
            let mut profile = AgentProfile::load(&path).map_err(|e| BadInput(e.to_string()))?;
            let voice = agent_voice_of(&mut recording, &config);
            if let Some(e) = recording.take_error() {
                return Err(BadInput(e.to_string()).into());
            }
            let voice =
                voice.filter(|v| v.speech_ms >= u64::from(config.agent_profile.min_speech_ms));
            let Some(voice) = voice else {
                return Err(BadInput(format!(
                    "{}: less than {} s of the agent's calm speech to learn from",
                    call.display(),
                    config.agent_profile.min_speech_ms / 1000
                ))
                .into());
            };
            profile.add_call(voice, config.agent_profile.keep_calls as usize);
            profile.save(&path)?;
            println!(
                "agent voice profile: {} call(s), learned {:.0} s of speech from {}",
                profile.calls(),
                voice.speech_ms as f64 / 1000.0,
                call.display()
            );
        }
        ProfileCommand::Reset => {
            let removed = AgentProfile::reset(&path).map_err(|e| BadInput(e.to_string()))?;
            if removed {
                println!("agent voice profile removed: {}", path.display());
            } else {
                println!("no agent voice profile at {}", path.display());
            }
        }
    }
    Ok(())
}

fn doctor(explicit: Option<&Path>, format: DoctorFormat) -> anyhow::Result<ExitCode> {
    let report = app::doctor::run_checks(explicit, DEMO_CALL_WAV);
    let text = match format {
        DoctorFormat::Text => report.text(),
        DoctorFormat::Json => report.json() + "\n",
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::from(report.exit_code()))
}

/// `callcue report`: totals from the call summaries in `dir`.
fn report(explicit: Option<&Path>, dir: Option<PathBuf>, format: EvalFormat) -> anyhow::Result<()> {
    let dir = match dir {
        Some(dir) => dir,
        None => {
            let config = load_config(explicit)?;
            callcue::fleet::summaries_dir(&config).ok_or_else(|| {
                BadInput("no user data directory: give the summaries folder".into())
            })?
        }
    };
    let report = callcue::fleet::Report::read(&dir)
        .map_err(|e| BadInput(format!("{}: cannot read the summaries: {e}", dir.display())))?;
    let text = match format {
        EvalFormat::Text => report.text(),
        EvalFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush().context("writing the report to standard output")
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
