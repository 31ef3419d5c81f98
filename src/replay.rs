//! Replaying recorded calls: load the agent and caller audio from WAV files, bring them to
//! [`ANALYSIS_RATE_HZ`], and run them through a [`CallAnalyzer`] frame by frame.
//!
//! A call is either one multi-channel recording (channels chosen by
//! `audio.agent_channel` / `audio.caller_channel`) or two mono files, one per side.
//! Time comes from sample counts only.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::agent_profile::CallVoice;
use crate::analyzer::CallAnalyzer;
use crate::audio::{read_wav, resample, DecodedWav, WavError};
use crate::config::{AudioConfig, Config};
use crate::event::{Event, EventSink, NoticeCode};
use crate::prosody::ProsodyStats;
use crate::stt::worker::SttOutcome;
use crate::stt::{Degradation, PendingJob, SpeechToText, TimeBudget, Transcript, WhisperModel};
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

/// Loads a call's two sides, resampled to [`ANALYSIS_RATE_HZ`] and padded to equal length.
pub fn load_call(source: &CallSource, audio: &AudioConfig) -> Result<CallAudio, ReplayError> {
    match source {
        CallSource::Stereo(path) => call_from_recording(read_wav(path)?, path, audio),
        CallSource::Pair { agent, caller } => {
            let (agent, agent_bad) = load_side(agent)?;
            let (caller, caller_bad) = load_side(caller)?;
            Ok(equal_length(agent, caller, agent_bad + caller_bad))
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

/// One side from its own file: its first channel (a mono file's only one), with the count
/// of samples that were not numbers.
fn load_side(path: &Path) -> Result<(Vec<f32>, u64), ReplayError> {
    let DecodedWav {
        sample_rate_hz,
        channels,
        non_finite_samples,
    } = read_wav(path)?;
    let first = channels.into_iter().next().unwrap_or_default();
    Ok((
        to_analysis_rate(first, sample_rate_hz, path)?,
        non_finite_samples,
    ))
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

/// Runs a loaded call through a fresh analyzer from the voice alone (no speech-to-text),
/// emitting every event to `sink`, and returns the summary (also emitted, last).
pub fn analyze_call(call: &CallAudio, config: &Config, sink: &mut dyn EventSink) -> CallSummary {
    analyze_call_with_stt(call, config, &SttSetup::Off, Pace::Reproducible, sink)
}

/// The agent's voice figures in a recorded call (their speech that raised no delivery
/// cue), for the agent voice profile; from the voice alone, nothing emitted.
pub fn agent_voice_of(call: &CallAudio, config: &Config) -> Option<CallVoice> {
    struct Discard;
    impl EventSink for Discard {
        fn emit(&mut self, _: &Event<'_>) {}
    }
    let mut analyzer = CallAnalyzer::new(config);
    let frame_len = analyzer.frame_len();
    for (agent, caller) in call
        .agent
        .chunks_exact(frame_len)
        .zip(call.caller.chunks_exact(frame_len))
    {
        analyzer.process_frame(agent, caller, &mut Discard);
    }
    analyzer.agent_voice()
}

/// Speech-to-text for a replay: ready with a model, off, or unavailable (and why).
#[derive(Clone, Debug)]
pub enum SttSetup {
    /// Transcribe with this model.
    Ready(Arc<WhisperModel>),
    /// Switched off (`stt.enabled = false` or `--no-stt`): coaching from the voice alone.
    Off,
    /// Wanted but not possible (no model, a broken one): the call is coached from the
    /// voice alone, and a `notice` event says why, once.
    Unavailable(String),
}

/// How a replay is timed against speech-to-text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// The same output on any machine: the replay waits for each clip's transcript and
    /// takes it at the point in the call where the clip closed, and no decode is stopped
    /// at its time budget. Word nudges carry the measured transcription delay in
    /// `latency_ms`. For comparing configs on recordings.
    Reproducible,
    /// As fast as the machine allows, but never ahead of what live coaching would have
    /// known: nothing waits for whisper, and while a clip is with whisper the call clock
    /// advances no faster than the wall clock, so transcripts and word nudges land where
    /// they would land live on this machine.
    AsLive,
    /// In real time: one second of call per second, as from a live call.
    RealTime,
}

/// Longest wait for whisper's answers before giving up on them.
const STT_ANSWER_WAIT: Duration = Duration::from_secs(120);

/// Runs a loaded call through a fresh analyzer with speech-to-text, emitting every event
/// to `sink`, and returns the summary (also emitted, last). See [`Pace`] for timing.
pub fn analyze_call_with_stt(
    call: &CallAudio,
    config: &Config,
    stt: &SttSetup,
    pace: Pace,
    sink: &mut dyn EventSink,
) -> CallSummary {
    analyze_call_with_profile(call, config, stt, pace, None, sink)
}

/// [`analyze_call_with_stt`], judging the agent's delivery against `agent_profile` (the
/// agent's usual voice, see [`crate::agent_profile`]) from the first frame when given.
pub fn analyze_call_with_profile(
    call: &CallAudio,
    config: &Config,
    stt: &SttSetup,
    pace: Pace,
    agent_profile: Option<ProsodyStats>,
    sink: &mut dyn EventSink,
) -> CallSummary {
    let mut analyzer = CallAnalyzer::new(config);
    if let Some(baseline) = agent_profile {
        analyzer.use_agent_profile(baseline);
    }
    let frame_len = analyzer.frame_len();
    // A decode stopped at its time budget would make the text depend on this machine.
    let time_budget = match pace {
        Pace::Reproducible => TimeBudget::Unlimited,
        Pace::AsLive | Pace::RealTime => TimeBudget::Enforced,
    };
    let mut speech_to_text = match stt {
        SttSetup::Ready(model) => {
            match SpeechToText::start_with_budget(Arc::clone(model), config, frame_len, time_budget)
            {
                Ok(stt) => Some(stt),
                Err(e) => {
                    notice_stt_unavailable(&e.to_string(), sink);
                    None
                }
            }
        }
        SttSetup::Off => None,
        SttSetup::Unavailable(reason) => {
            notice_stt_unavailable(reason, sink);
            None
        }
    };
    analyzer.set_words_available(speech_to_text.is_some());
    let mut ready: Vec<(u64, Transcript)> = Vec::new();
    let started = Instant::now();
    let mut padded_agent = vec![0.0f32; frame_len];
    let mut padded_caller = vec![0.0f32; frame_len];
    for (agent, caller) in call
        .agent
        .chunks(frame_len)
        .zip(call.caller.chunks(frame_len))
    {
        let (agent, caller) = if agent.len() == frame_len {
            (agent, caller)
        } else {
            padded_agent.fill(0.0);
            padded_caller.fill(0.0);
            padded_agent[..agent.len()].copy_from_slice(agent);
            padded_caller[..caller.len()].copy_from_slice(caller);
            (&padded_agent[..], &padded_caller[..])
        };
        let frame_start_ms = analyzer.position_ms();
        if pace == Pace::RealTime {
            let due = started + Duration::from_millis(frame_start_ms);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        if let Some(stt) = speech_to_text.as_mut() {
            collect_outcomes(stt, frame_start_ms, pace, &mut ready);
            deliver(&mut analyzer, &mut ready, frame_start_ms, sink);
            if let Some(degradation) = stt.take_degradation() {
                notice_stt_degraded(&degradation, frame_start_ms, sink);
            }
        }
        analyzer.process_frame(agent, caller, sink);
        if let Some(stt) = speech_to_text.as_mut() {
            stt.push_frames(
                [agent, caller],
                analyzer.last_frame_speech(),
                frame_start_ms,
            );
            if pace == Pace::Reproducible {
                // Each clip's text counts where the clip closed: wait for it now.
                wait_for_all(stt, pace, &mut ready);
                let now_ms = analyzer.position_ms();
                deliver(&mut analyzer, &mut ready, now_ms, sink);
            }
        }
    }
    let end_ms = analyzer.position_ms();
    let totals = speech_to_text.as_mut().map(|stt| {
        stt.finish_clips(end_ms);
        wait_for_all(stt, pace, &mut ready);
        ready.sort_by_key(|(available_ms, _)| *available_ms);
        for (available_ms, transcript) in ready.drain(..) {
            analyzer.process_transcript(&transcript, available_ms.max(end_ms), sink);
        }
        stt.totals()
    });
    analyzer.finish_with_stt(sink, totals)
}

/// Says once that speech-to-text steps down for a busy machine (never in reproducible
/// replays: their worker does not adapt to load).
fn notice_stt_degraded(degradation: &Degradation, t_ms: u64, sink: &mut dyn EventSink) {
    sink.emit(&Event::Notice {
        t_ms,
        code: NoticeCode::SttDegraded,
        message: &degradation.message(),
    });
}

fn notice_stt_unavailable(reason: &str, sink: &mut dyn EventSink) {
    let message =
        format!("speech-to-text is off for this call, coaching from the voice alone: {reason}");
    sink.emit(&Event::Notice {
        t_ms: 0,
        code: NoticeCode::SttUnavailable,
        message: &message,
    });
}

/// Gathers the outcomes that have arrived; waits for a clip still with whisper only as
/// long as live coaching would have had to wait for it at call position `now_ms`.
fn collect_outcomes(
    stt: &mut SpeechToText,
    now_ms: u64,
    pace: Pace,
    ready: &mut Vec<(u64, Transcript)>,
) {
    while let Some((job, outcome)) = stt.try_recv() {
        keep_transcript(job, outcome, pace, ready);
    }
    loop {
        // The longest any pending clip could still arrive at or before `now_ms`.
        let wait_ms = stt
            .pending()
            .iter()
            .filter_map(|p| {
                let arrives_no_earlier_ms =
                    p.submitted_ms + p.submitted_at.elapsed().as_millis() as u64;
                (arrives_no_earlier_ms <= now_ms).then(|| now_ms - arrives_no_earlier_ms + 1)
            })
            .max();
        let Some(wait_ms) = wait_ms else { return };
        if let Some((job, outcome)) = stt.recv_timeout(Duration::from_millis(wait_ms)) {
            keep_transcript(job, outcome, pace, ready);
        }
    }
}

/// Waits until every submitted clip is answered (or, at worst, a long while).
fn wait_for_all(stt: &mut SpeechToText, pace: Pace, ready: &mut Vec<(u64, Transcript)>) {
    let deadline = Instant::now() + STT_ANSWER_WAIT;
    while !stt.pending().is_empty() && Instant::now() < deadline {
        if let Some((job, outcome)) = stt.recv_timeout(Duration::from_millis(50)) {
            keep_transcript(job, outcome, pace, ready);
        }
    }
}

/// Keeps a transcript with the call position it counts as available at: where its clip
/// closed (reproducible), or that plus the measured transcription delay (as live).
fn keep_transcript(
    job: PendingJob,
    outcome: SttOutcome,
    pace: Pace,
    ready: &mut Vec<(u64, Transcript)>,
) {
    if let SttOutcome::Transcribed(transcript) = outcome {
        let available_ms = match pace {
            Pace::Reproducible => job.submitted_ms,
            Pace::AsLive | Pace::RealTime => job.submitted_ms + transcript.delay_ms.ceil() as u64,
        };
        ready.push((available_ms, transcript));
    }
}

/// Hands the analyzer every transcript available by `now_ms`, oldest first.
fn deliver(
    analyzer: &mut CallAnalyzer,
    ready: &mut Vec<(u64, Transcript)>,
    now_ms: u64,
    sink: &mut dyn EventSink,
) {
    if ready.is_empty() {
        return;
    }
    ready.sort_by_key(|(available_ms, _)| *available_ms);
    let due = ready
        .iter()
        .take_while(|(available_ms, _)| *available_ms <= now_ms)
        .count();
    for (_, transcript) in ready.drain(..due) {
        analyzer.process_transcript(&transcript, now_ms, sink);
    }
}
