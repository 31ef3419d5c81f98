//! Replaying recorded calls: load the agent and caller audio from WAV files, bring them to
//! [`ANALYSIS_RATE_HZ`], and run them through a [`CallAnalyzer`] frame by frame.
//!
//! A call is either one multi-channel recording (channels chosen by
//! `audio.agent_channel` / `audio.caller_channel`) or two mono files, one per side.
//! Time comes from sample counts only.

use std::path::{Path, PathBuf};

use crate::analyzer::CallAnalyzer;
use crate::audio::{read_wav, resample, DecodedWav, WavError};
use crate::config::{AudioConfig, Config};
use crate::event::EventSink;
use crate::summary::CallSummary;
use crate::ANALYSIS_RATE_HZ;

/// Where a call's audio comes from.
#[derive(Clone, Debug)]
pub enum CallSource {
    /// One recording with both sides on separate channels.
    Stereo(PathBuf),
    /// One mono (or first-channel) recording per side.
    Pair { agent: PathBuf, caller: PathBuf },
}

/// Both sides of a call at [`ANALYSIS_RATE_HZ`], the same length.
#[derive(Clone, Debug, Default)]
pub struct CallAudio {
    pub agent: Vec<f32>,
    pub caller: Vec<f32>,
}

impl CallAudio {
    /// Length in ms.
    pub fn duration_ms(&self) -> u64 {
        self.agent.len() as u64 * 1000 / u64::from(ANALYSIS_RATE_HZ)
    }
}

/// Why a call could not be loaded. One line, naming the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    #[error(transparent)]
    Wav(#[from] WavError),
    #[error("{path}: has {channels} channel(s), but the agent is on channel {agent_channel} and the caller on channel {caller_channel} (set audio.agent_channel / audio.caller_channel, or give --agent and --caller files)")]
    MissingChannel {
        path: PathBuf,
        channels: usize,
        agent_channel: usize,
        caller_channel: usize,
    },
    #[error("{path}: cannot resample from {from_hz} Hz: {message}")]
    Resample {
        path: PathBuf,
        from_hz: u32,
        message: String,
    },
}

/// Loads a call's two sides, resampled to [`ANALYSIS_RATE_HZ`] and padded to equal length.
pub fn load_call(source: &CallSource, audio: &AudioConfig) -> Result<CallAudio, ReplayError> {
    match source {
        CallSource::Stereo(path) => call_from_recording(read_wav(path)?, path, audio),
        CallSource::Pair { agent, caller } => {
            Ok(equal_length(load_side(agent)?, load_side(caller)?))
        }
    }
}

/// Splits a decoded multi-channel recording into the call's two sides, resampled to
/// [`ANALYSIS_RATE_HZ`]. `origin` names the recording in errors.
pub fn call_from_recording(
    wav: DecodedWav,
    origin: &Path,
    audio: &AudioConfig,
) -> Result<CallAudio, ReplayError> {
    let needed = audio.agent_channel.max(audio.caller_channel) + 1;
    if wav.channels.len() < needed {
        return Err(ReplayError::MissingChannel {
            path: origin.to_path_buf(),
            channels: wav.channels.len(),
            agent_channel: audio.agent_channel,
            caller_channel: audio.caller_channel,
        });
    }
    let rate = wav.sample_rate_hz;
    let mut channels = wav.channels;
    let caller = std::mem::take(&mut channels[audio.caller_channel]);
    let agent = std::mem::take(&mut channels[audio.agent_channel]);
    Ok(equal_length(
        to_analysis_rate(agent, rate, origin)?,
        to_analysis_rate(caller, rate, origin)?,
    ))
}

/// Pads the shorter side with silence.
fn equal_length(mut agent: Vec<f32>, mut caller: Vec<f32>) -> CallAudio {
    let len = agent.len().max(caller.len());
    agent.resize(len, 0.0);
    caller.resize(len, 0.0);
    CallAudio { agent, caller }
}

/// One side from its own file: its first channel (a mono file's only one).
fn load_side(path: &Path) -> Result<Vec<f32>, ReplayError> {
    let DecodedWav {
        sample_rate_hz,
        channels,
    } = read_wav(path)?;
    let first = channels.into_iter().next().unwrap_or_default();
    to_analysis_rate(first, sample_rate_hz, path)
}

fn to_analysis_rate(samples: Vec<f32>, rate_hz: u32, path: &Path) -> Result<Vec<f32>, ReplayError> {
    if rate_hz == ANALYSIS_RATE_HZ {
        return Ok(samples);
    }
    resample(&samples, rate_hz, ANALYSIS_RATE_HZ).map_err(|e| ReplayError::Resample {
        path: path.to_path_buf(),
        from_hz: rate_hz,
        message: e.to_string(),
    })
}

/// Runs a loaded call through a fresh analyzer, emitting every event to `sink`, and
/// returns the summary (also emitted, last).
pub fn analyze_call(call: &CallAudio, config: &Config, sink: &mut dyn EventSink) -> CallSummary {
    let mut analyzer = CallAnalyzer::new(config);
    let frame_len = analyzer.frame_len();
    let mut padded_agent = vec![0.0f32; frame_len];
    let mut padded_caller = vec![0.0f32; frame_len];
    for (agent, caller) in call
        .agent
        .chunks(frame_len)
        .zip(call.caller.chunks(frame_len))
    {
        if agent.len() == frame_len {
            analyzer.process_frame(agent, caller, sink);
        } else {
            // The last, partial frame: pad with silence.
            padded_agent.fill(0.0);
            padded_caller.fill(0.0);
            padded_agent[..agent.len()].copy_from_slice(agent);
            padded_caller[..caller.len()].copy_from_slice(caller);
            analyzer.process_frame(&padded_agent, &padded_caller, sink);
        }
    }
    analyzer.finish(sink)
}
