//! The `callcue` command: replay recorded calls through the coaching analysis, run a demo
//! call, and check an installation.
//!
//! Exit codes: 0 success; 2 bad input (a file that cannot be read or decoded, a bad
//! config value, wrong arguments); 1 anything else (for example the output could not be
//! written).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use callcue::audio::decode_wav;
use callcue::config::{find_config_file, Config};
use callcue::output::{EventWriter, Format};
use callcue::replay::{analyze_call, call_from_recording, load_call, CallAudio, CallSource};
use callcue::ANALYSIS_RATE_HZ;

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
    /// Check the installation: config found and valid, analysis ready.
    Doctor,
    /// Print the effective config (defaults merged with the config file) as TOML.
    Config,
}

#[derive(clap::Args)]
struct OutputArgs {
    /// Output format: a readable timeline, or one JSON event per line.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Text format: also list every speech segment and response gap.
    #[arg(long, short)]
    verbose: bool,
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
            if matches!(output.format, OutputFormat::Text) {
                println!(
                    "callcue demo: a scripted {:.0} s call (agent on the left channel, caller on the right), replayed through the analysis.\n",
                    audio.duration_ms() as f64 / 1000.0
                );
            }
            replay(&audio, &config, &output)
        }
        Command::Doctor => doctor(cli.config.as_deref()),
        Command::Config => {
            let config = load_config(cli.config.as_deref())?;
            print!("{config}");
            Ok(())
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

fn replay(audio: &CallAudio, config: &Config, output: &OutputArgs) -> anyhow::Result<()> {
    let format = match output.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Jsonl => Format::Jsonl,
    };
    let stdout = io::stdout().lock();
    let mut writer = EventWriter::new(BufWriter::new(stdout), format, output.verbose);
    analyze_call(audio, config, &mut writer);
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
    if problems > 0 {
        return Err(BadInput(format!("{problems} problem(s) found")).into());
    }
    writeln!(out, "all checks passed")?;
    Ok(())
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
