//! Replaying recorded calls: load the agent and caller audio from WAV files, bring them to
//! [`ANALYSIS_RATE_HZ`], and run them through a [`CallAnalyzer`] frame by frame.
//!
//! A call is either one multi-channel recording (channels chosen by
//! `audio.agent_channel` / `audio.caller_channel`) or two mono files, one per side.
//! Time comes from sample counts only.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::agent_profile::CallVoice;
use crate::analyzer::CallAnalyzer;
use crate::audio::{resample, DecodedWav, ResampleError, StreamResampler, WavError, WavStream};
use crate::config::{AudioConfig, Config};
use crate::event::{Event, EventSink, NoticeCode};
use crate::prosody::ProsodyStats;
use crate::session::{CallSession, STT_ANSWER_WAIT};
pub use crate::session::{SttSetup, Timing};
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
    /// Samples of the recording(s) that were NaN or infinite, taken as silence.
    pub non_finite_samples: u64,
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

/// Loads a call's two sides whole, resampled to [`ANALYSIS_RATE_HZ`] and padded to equal
/// length. Replays read a call a block at a time instead ([`RecordedCall`]).
pub fn load_call(source: &CallSource, audio: &AudioConfig) -> Result<CallAudio, ReplayError> {
    let mut call = RecordedCall::open(source, audio)?;
    let len = usize::try_from(call.len_samples()).unwrap_or(usize::MAX);
    let mut agent = vec![0.0f32; len];
    let mut caller = vec![0.0f32; len];
    let filled = call.fill(&mut agent, &mut caller);
    if let Some(e) = call.take_error() {
        return Err(e);
    }
    debug_assert_eq!(filled, len);
    Ok(CallAudio {
        agent,
        caller,
        non_finite_samples: call.non_finite_samples(),
    })
}

/// A call's two sides, frame by frame at [`ANALYSIS_RATE_HZ`], the same length.
pub trait CallFrames {
    /// Samples per side in the whole call.
    fn len_samples(&self) -> u64;
    /// Fills `agent` and `caller` (the same length) with the next samples of each side;
    /// past the end of the call they are silence. Returns how many samples were call
    /// audio: 0 when the call is over.
    fn fill(&mut self, agent: &mut [f32], caller: &mut [f32]) -> usize;
}

/// A [`CallAudio`] in memory, read from the start.
pub struct CallAudioFrames<'a> {
    call: &'a CallAudio,
    at: usize,
}

impl CallAudio {
    /// Its frames, from the start.
    pub fn frames(&self) -> CallAudioFrames<'_> {
        CallAudioFrames { call: self, at: 0 }
    }
}

impl CallFrames for CallAudioFrames<'_> {
    fn len_samples(&self) -> u64 {
        self.call.agent.len() as u64
    }

    fn fill(&mut self, agent: &mut [f32], caller: &mut [f32]) -> usize {
        let n = agent.len().min(self.call.agent.len() - self.at);
        agent[..n].copy_from_slice(&self.call.agent[self.at..self.at + n]);
        caller[..n].copy_from_slice(&self.call.caller[self.at..self.at + n]);
        agent[n..].fill(0.0);
        caller[n..].fill(0.0);
        self.at += n;
        n
    }
}

/// Frames of the recording file read per step.
const READ_BLOCK_FRAMES: usize = 4096;

/// A recorded call read from disk a block at a time, so a replay's memory does not grow
/// with the call's length. Gives exactly the samples [`load_call`] gives. A read error
/// part way (a file cut short while it is read) ends the call there; see
/// [`RecordedCall::take_error`].
pub struct RecordedCall {
    inputs: Vec<RecordingInput>,
    /// The agent's side, then the caller's.
    sides: [SideSignal; 2],
    len_samples: u64,
    error: Option<ReplayError>,
}

/// One recording file and which of its channels feed which side.
struct RecordingInput {
    path: PathBuf,
    wav: WavStream<BufReader<File>>,
    /// `(channel, side)`: side 0 is the agent, 1 the caller.
    routes: Vec<(usize, usize)>,
    block: Vec<Vec<f32>>,
    finished: bool,
}

/// One side on its way to [`ANALYSIS_RATE_HZ`].
struct SideSignal {
    /// The input in [`RecordedCall::inputs`] it comes from.
    input: usize,
    resampler: StreamResampler,
    ready: VecDeque<f32>,
    resampled: Vec<f32>,
}

impl RecordedCall {
    /// Opens a call's recording(s) and checks their headers and channels.
    pub fn open(source: &CallSource, audio: &AudioConfig) -> Result<Self, ReplayError> {
        let (inputs, side_inputs) = match source {
            CallSource::Stereo(path) => {
                let wav = WavStream::open(path)?;
                check_channels(path, wav.channel_count(), audio)?;
                let routes = vec![(audio.agent_channel, 0), (audio.caller_channel, 1)];
                (vec![RecordingInput::new(path, wav, routes)], [0, 0])
            }
            CallSource::Pair { agent, caller } => {
                let agent_wav = WavStream::open(agent)?;
                let caller_wav = WavStream::open(caller)?;
                (
                    vec![
                        RecordingInput::new(agent, agent_wav, vec![(0, 0)]),
                        RecordingInput::new(caller, caller_wav, vec![(0, 1)]),
                    ],
                    [0, 1],
                )
            }
        };
        let side = |input: usize| -> Result<SideSignal, ReplayError> {
            let recording = &inputs[input];
            let rate_hz = recording.wav.sample_rate_hz();
            let resampler =
                StreamResampler::new(rate_hz, ANALYSIS_RATE_HZ, recording.wav.frames_total())
                    .map_err(|e| resample_error(&recording.path, e))?;
            Ok(SideSignal {
                input,
                resampler,
                ready: VecDeque::new(),
                resampled: Vec::new(),
            })
        };
        let sides = [side(side_inputs[0])?, side(side_inputs[1])?];
        let len_samples = sides[0]
            .resampler
            .output_len()
            .max(sides[1].resampler.output_len());
        Ok(Self {
            inputs,
            sides,
            len_samples,
            error: None,
        })
    }

    /// Call audio that was NaN or infinite so far, taken as silence.
    pub fn non_finite_samples(&self) -> u64 {
        self.inputs.iter().map(|i| i.wav.non_finite_samples()).sum()
    }

    /// The error that ended the call early, if one did.
    pub fn take_error(&mut self) -> Option<ReplayError> {
        self.error.take()
    }

    /// Duration of the call in ms.
    pub fn duration_ms(&self) -> u64 {
        self.len_samples * 1000 / u64::from(ANALYSIS_RATE_HZ)
    }

    /// Reads on until side `side` has `wanted` samples ready or its recording ends.
    fn read_until_ready(&mut self, side: usize, wanted: usize) -> Result<(), ReplayError> {
        while self.sides[side].ready.len() < wanted {
            let input = &mut self.inputs[self.sides[side].input];
            if input.finished {
                return Ok(());
            }
            for channel in &mut input.block {
                channel.clear();
            }
            let read = input
                .wav
                .read_frames(READ_BLOCK_FRAMES, &mut input.block)
                .map_err(|e| WavError::InFile {
                    path: input.path.clone(),
                    source: Box::new(e),
                })?;
            input.finished = read == 0;
            for &(channel, to_side) in &input.routes {
                let signal = &mut self.sides[to_side];
                signal.resampled.clear();
                let result = if read == 0 {
                    signal.resampler.finish(&mut signal.resampled)
                } else {
                    signal
                        .resampler
                        .push(&input.block[channel], &mut signal.resampled)
                };
                result.map_err(|e| resample_error(&input.path, e))?;
                signal.ready.extend(signal.resampled.iter().copied());
            }
        }
        Ok(())
    }
}

impl RecordingInput {
    fn new(path: &Path, wav: WavStream<BufReader<File>>, routes: Vec<(usize, usize)>) -> Self {
        let block = vec![Vec::with_capacity(READ_BLOCK_FRAMES); wav.channel_count()];
        Self {
            path: path.to_path_buf(),
            wav,
            routes,
            block,
            finished: false,
        }
    }
}

impl CallFrames for RecordedCall {
    fn len_samples(&self) -> u64 {
        self.len_samples
    }

    fn fill(&mut self, agent: &mut [f32], caller: &mut [f32]) -> usize {
        agent.fill(0.0);
        caller.fill(0.0);
        if self.error.is_some() {
            return 0;
        }
        let mut given = 0;
        for (side, out) in [agent, caller].into_iter().enumerate() {
            if let Err(e) = self.read_until_ready(side, out.len()) {
                self.error = Some(e);
                return 0;
            }
            let ready = &mut self.sides[side].ready;
            let n = out.len().min(ready.len());
            for (slot, sample) in out.iter_mut().zip(ready.drain(..n)) {
                *slot = sample;
            }
            given = given.max(n);
        }
        given
    }
}

/// Splits a decoded multi-channel recording into the call's two sides, resampled to
/// [`ANALYSIS_RATE_HZ`]. `origin` names the recording in errors.
pub fn call_from_recording(
    wav: DecodedWav,
    origin: &Path,
    audio: &AudioConfig,
) -> Result<CallAudio, ReplayError> {
    check_channels(origin, wav.channels.len(), audio)?;
    let rate = wav.sample_rate_hz;
    let mut channels = wav.channels;
    let caller = std::mem::take(&mut channels[audio.caller_channel]);
    let agent = std::mem::take(&mut channels[audio.agent_channel]);
    Ok(equal_length(
        to_analysis_rate(agent, rate, origin)?,
        to_analysis_rate(caller, rate, origin)?,
        wav.non_finite_samples,
    ))
}

/// Pads the shorter side with silence.
fn equal_length(mut agent: Vec<f32>, mut caller: Vec<f32>, non_finite_samples: u64) -> CallAudio {
    let len = agent.len().max(caller.len());
    agent.resize(len, 0.0);
    caller.resize(len, 0.0);
    CallAudio {
        agent,
        caller,
        non_finite_samples,
    }
}

fn to_analysis_rate(samples: Vec<f32>, rate_hz: u32, path: &Path) -> Result<Vec<f32>, ReplayError> {
    if rate_hz == ANALYSIS_RATE_HZ {
        return Ok(samples);
    }
    resample(&samples, rate_hz, ANALYSIS_RATE_HZ).map_err(|e| resample_error(path, e))
}

fn resample_error(path: &Path, e: ResampleError) -> ReplayError {
    ReplayError::Resample {
        path: path.to_path_buf(),
        from_hz: e.from_hz,
        message: e.to_string(),
    }
}

/// A recording at `path` with `channels` channels holds both sides as `audio` places them.
fn check_channels(path: &Path, channels: usize, audio: &AudioConfig) -> Result<(), ReplayError> {
    let needed = audio.agent_channel.max(audio.caller_channel) + 1;
    if channels < needed {
        return Err(ReplayError::MissingChannel {
            path: path.to_path_buf(),
            channels,
            agent_channel: audio.agent_channel,
            caller_channel: audio.caller_channel,
        });
    }
    Ok(())
}

/// Runs a loaded call through a fresh analyzer from the voice alone (no speech-to-text),
/// emitting every event to `sink`, and returns the summary (also emitted, last).
pub fn analyze_call(call: &CallAudio, config: &Config, sink: &mut dyn EventSink) -> CallSummary {
    analyze_call_with_stt(
        &mut call.frames(),
        config,
        &SttSetup::Off,
        Timing::Reproducible,
        sink,
    )
}

/// The agent's voice figures in a recorded call (their speech that raised no delivery
/// cue), for the agent voice profile; from the voice alone, nothing emitted.
pub fn agent_voice_of(call: &mut dyn CallFrames, config: &Config) -> Option<CallVoice> {
    struct Discard;
    impl EventSink for Discard {
        fn emit(&mut self, _: &Event<'_>) {}
    }
    let mut analyzer = CallAnalyzer::new(config);
    let frame_len = analyzer.frame_len();
    let mut agent = vec![0.0f32; frame_len];
    let mut caller = vec![0.0f32; frame_len];
    // Whole frames only: a last, partial one is left out.
    while call.fill(&mut agent, &mut caller) == frame_len {
        analyzer.process_frame(&agent, &caller, &mut Discard);
    }
    analyzer.agent_voice()
}

/// Runs a call through a fresh [`CallSession`] with speech-to-text, emitting every
/// event to `sink`, and returns the summary (also emitted, last). See [`Timing`].
pub fn analyze_call_with_stt(
    call: &mut dyn CallFrames,
    config: &Config,
    stt: &SttSetup,
    timing: Timing,
    sink: &mut dyn EventSink,
) -> CallSummary {
    analyze_call_with_profile(call, config, stt, timing, None, sink)
}

/// [`analyze_call_with_stt`], judging the agent's delivery against `agent_profile` (the
/// agent's usual voice, see [`crate::agent_profile`]) from the first frame when given.
pub fn analyze_call_with_profile(
    call: &mut dyn CallFrames,
    config: &Config,
    stt: &SttSetup,
    timing: Timing,
    agent_profile: Option<ProsodyStats>,
    sink: &mut dyn EventSink,
) -> CallSummary {
    let (mut session, stt_unavailable) = CallSession::start(config, stt, timing, agent_profile);
    if let Some(reason) = stt_unavailable {
        let message =
            format!("speech-to-text is off for this call, coaching from the voice alone: {reason}");
        sink.emit(&Event::Notice {
            t_ms: 0,
            code: NoticeCode::SttUnavailable,
            message: &message,
        });
    }
    let frame_len = session.frame_len();
    let mut agent = vec![0.0f32; frame_len];
    let mut caller = vec![0.0f32; frame_len];
    // A last, partial frame is padded with silence.
    while call.fill(&mut agent, &mut caller) > 0 {
        session.push_frame(&agent, &caller, sink);
    }
    // A recording waits for all of its text.
    session.finish(STT_ANSWER_WAIT, sink).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::read_wav;

    /// A 16-bit PCM WAV of interleaved `frames` (one inner vector per frame).
    fn write_wav(path: &Path, rate_hz: u32, frames: &[Vec<i16>]) {
        let channels = frames[0].len() as u16;
        let data: Vec<u8> = frames
            .iter()
            .flatten()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16u32.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&channels.to_le_bytes());
        bytes.extend_from_slice(&rate_hz.to_le_bytes());
        bytes.extend_from_slice(&(rate_hz * 2 * u32::from(channels)).to_le_bytes());
        bytes.extend_from_slice(&(2 * channels).to_le_bytes());
        bytes.extend_from_slice(&16u16.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&data);
        std::fs::write(path, bytes).unwrap();
    }

    fn tone(frames: usize, channels: usize, seed: i32) -> Vec<Vec<i16>> {
        (0..frames as i32)
            .map(|i| {
                (0..channels as i32)
                    .map(|c| (((i * 7919 + c * 104_729 + seed) % 20_000) - 10_000) as i16)
                    .collect()
            })
            .collect()
    }

    /// Every sample of a streamed call, frame by frame as a replay reads it.
    fn streamed(call: &mut dyn CallFrames, frame_len: usize) -> (Vec<f32>, Vec<f32>) {
        let (mut agent, mut caller) = (vec![0.0; frame_len], vec![0.0; frame_len]);
        let (mut all_agent, mut all_caller) = (Vec::new(), Vec::new());
        loop {
            let n = call.fill(&mut agent, &mut caller);
            if n == 0 {
                return (all_agent, all_caller);
            }
            all_agent.extend_from_slice(&agent[..n]);
            all_caller.extend_from_slice(&caller[..n]);
        }
    }

    #[test]
    fn a_call_read_block_by_block_equals_the_whole_recording() {
        let dir = tempfile::tempdir().unwrap();
        // Three channels, the sides on 2 and 0; at 8 kHz, over several read blocks.
        let stereo = dir.path().join("call.wav");
        write_wav(&stereo, 8000, &tone(3 * READ_BLOCK_FRAMES + 77, 3, 1));
        let audio = AudioConfig {
            agent_channel: 2,
            caller_channel: 0,
        };
        let whole = call_from_recording(read_wav(&stereo).unwrap(), &stereo, &audio).unwrap();
        let mut call = RecordedCall::open(&CallSource::Stereo(stereo), &audio).unwrap();
        assert_eq!(call.len_samples(), whole.agent.len() as u64);
        let (agent, caller) = streamed(&mut call, 320);
        assert!(call.take_error().is_none());
        assert_eq!((agent, caller), (whole.agent, whole.caller));

        // Two files at different rates and lengths: the longer sets the length.
        let agent_path = dir.path().join("agent.wav");
        let caller_path = dir.path().join("caller.wav");
        write_wav(&agent_path, 48_000, &tone(48_000, 1, 2));
        write_wav(&caller_path, 16_000, &tone(40_000, 1, 3));
        let source = CallSource::Pair {
            agent: agent_path.clone(),
            caller: caller_path.clone(),
        };
        let agent_whole =
            resample(&read_wav(&agent_path).unwrap().channels[0], 48_000, 16_000).unwrap();
        let caller_whole = read_wav(&caller_path).unwrap().channels[0].clone();
        let mut call = RecordedCall::open(&source, &AudioConfig::default()).unwrap();
        assert_eq!(call.len_samples(), 40_000);
        let (agent, caller) = streamed(&mut call, 320);
        assert_eq!(&agent[..16_000], &agent_whole[..]);
        assert!(agent[16_000..].iter().all(|s| *s == 0.0));
        assert_eq!(caller, caller_whole);
    }

    #[test]
    fn a_recording_cut_short_while_it_is_read_ends_the_call_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("call.wav");
        write_wav(&path, 8000, &tone(8 * READ_BLOCK_FRAMES, 2, 4));
        let mut call =
            RecordedCall::open(&CallSource::Stereo(path.clone()), &AudioConfig::default()).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(44 + 4 * READ_BLOCK_FRAMES as u64).unwrap();
        let (agent, _) = streamed(&mut call, 320);
        assert!(agent.len() < call.len_samples() as usize);
        let error = call.take_error().expect("the cut is an error").to_string();
        assert!(
            error.starts_with(&format!("{}: cannot read", path.display())),
            "{error}"
        );
    }
}
