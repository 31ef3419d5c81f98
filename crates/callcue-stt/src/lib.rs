//! callcue-stt: local speech-to-text. Both sides of the call, transcribed on the agent's
//! own machine with whisper (whisper-rs and a ggml model), without ever holding up the
//! analysis. Depends on `callcue-core` for config, speakers and transcript types; owns
//! the threads and the model files, not the analysis.
//!
//! - [`models`] finds, checks and downloads the ggml model files.
//! - [`cpu`] checks this CPU has the features whisper.cpp was built for, before any of
//!   its code runs (else speech-to-text is off and coaching goes on from the voice).
//! - [`clip`] cuts each side's audio into clips at its voice activity, with padding,
//!   partial looks at long turns, and a minimum speech length.
//! - [`whisper`] loads the model and decodes one clip with an audio context sized to it.
//! - [`worker`] is the named thread that owns the whisper states, with bounded queues and
//!   visible load shedding.
//! - [`load`] keeps whisper usable on a busy desktop: threads from the cores other
//!   programs leave free, and deliberate steps down when transcripts still come late.
//! - [`SpeechToText`] ties them together for a call: frames in, [`SttOutcome`]s out.
//!
//! Transcripts stay in memory. Card and account numbers are masked by the analyzer
//! (`privacy.mask_numbers`, [`callcue_core::text::NumberGuard`]), which sees the whole call:
//! a number read in several breaths spans several clips.

pub mod clip;
pub mod cpu;
pub mod load;
pub mod models;
pub mod whisper;
pub mod worker;

use std::sync::Arc;
use std::time::Instant;

pub use callcue_core::transcript::{LoadStep, SttTotals, Transcript};

/// The whisper.cpp release compiled in.
pub const WHISPER_CPP_VERSION: &str = whisper_rs::WHISPER_CPP_VERSION;
pub use clip::{ClipKind, ClipSpan, SpeechClipper};
pub use load::Degradation;
pub use whisper::{DecodeMode, TimeBudget, WhisperModel};
pub use worker::{SkipReason, SttOutcome, SttWorker};

use crate::models::ModelError;
use callcue_core::config::Config;
use callcue_core::event::Speaker;

/// A job handed to the worker and not answered yet.
#[derive(Clone, Copy, Debug)]
pub struct PendingJob {
    pub job_id: u64,
    /// Call position when it was submitted.
    pub submitted_ms: u64,
    /// Wall clock when it was submitted.
    pub submitted_at: Instant,
}

/// Room for pending jobs before the list grows (it never holds more than the worker's
/// queues allow).
const PENDING_JOBS_CAPACITY: usize = 64;

/// Hands `clip` to the worker and, if it took it, remembers it as pending since call
/// position `submitted_ms`. (A function of the fields, as the clip borrows a clipper.)
fn submit(
    worker: &mut SttWorker,
    pending: &mut Vec<PendingJob>,
    speaker: Speaker,
    clip: &clip::ReadyClip<'_>,
    submitted_ms: u64,
) {
    if let Some(job_id) = worker.submit(speaker, clip) {
        pending.push(PendingJob {
            job_id,
            submitted_ms,
            submitted_at: Instant::now(),
        });
    }
}

/// Speech-to-text for one call: a clipper per side feeding one worker.
pub struct SpeechToText {
    clippers: [SpeechClipper; 2],
    worker: SttWorker,
    pending: Vec<PendingJob>,
}

impl SpeechToText {
    /// Starts speech-to-text for a call on a loaded model, each decode stopped at its time
    /// budget (live).
    pub fn start(
        model: Arc<WhisperModel>,
        config: &Config,
        frame_len: usize,
    ) -> Result<Self, ModelError> {
        Self::start_with_budget(model, config, frame_len, TimeBudget::Enforced)
    }

    /// Starts speech-to-text for a call, with decodes stopped at their time budget or not
    /// (reproducible replays: [`TimeBudget::Unlimited`]).
    pub fn start_with_budget(
        model: Arc<WhisperModel>,
        config: &Config,
        frame_len: usize,
        time_budget: TimeBudget,
    ) -> Result<Self, ModelError> {
        Ok(Self {
            clippers: [
                SpeechClipper::new(&config.stt, frame_len),
                SpeechClipper::new(&config.stt, frame_len),
            ],
            worker: SttWorker::spawn_with_budget(model, &config.stt, time_budget)?,
            pending: Vec::with_capacity(PENDING_JOBS_CAPACITY),
        })
    }

    /// Takes one frame of each side (16 kHz) with the analyzer's voice-activity decisions,
    /// and submits any clip that is ready. Never blocks.
    pub fn push_frames(&mut self, frames: [&[f32]; 2], speech: [bool; 2], frame_start_ms: u64) {
        for speaker in Speaker::BOTH {
            let i = speaker.index();
            if let Some(clip) = self.clippers[i].push(frames[i], speech[i], frame_start_ms) {
                let submitted_ms = clip.span.end_ms.max(frame_start_ms);
                submit(
                    &mut self.worker,
                    &mut self.pending,
                    speaker,
                    &clip,
                    submitted_ms,
                );
            }
        }
    }

    /// Closes both sides' open clips at the end of the call and submits them.
    pub fn finish_clips(&mut self, end_ms: u64) {
        for speaker in Speaker::BOTH {
            if let Some(clip) = self.clippers[speaker.index()].finish(end_ms) {
                submit(&mut self.worker, &mut self.pending, speaker, &clip, end_ms);
            }
        }
    }

    /// Jobs submitted and not answered yet, oldest first.
    pub fn pending(&self) -> &[PendingJob] {
        &self.pending
    }

    /// The next outcome, if ready; it leaves the pending list. Never blocks.
    pub fn try_recv(&mut self) -> Option<(PendingJob, SttOutcome)> {
        let outcome = self.worker.try_recv()?;
        Some(self.answered(outcome))
    }

    /// Waits up to `timeout` for the next outcome.
    pub fn recv_timeout(
        &mut self,
        timeout: std::time::Duration,
    ) -> Option<(PendingJob, SttOutcome)> {
        let outcome = self.worker.recv_timeout(timeout)?;
        Some(self.answered(outcome))
    }

    fn answered(&mut self, outcome: SttOutcome) -> (PendingJob, SttOutcome) {
        let id = outcome.job_id();
        let job = match self.pending.iter().position(|p| p.job_id == id) {
            Some(i) => self.pending.remove(i),
            None => PendingJob {
                job_id: id,
                submitted_ms: 0,
                submitted_at: Instant::now(),
            },
        };
        (job, outcome)
    }

    /// What speech-to-text measured when it first stepped down for a busy machine, once
    /// per call (for the `stt_degraded` notice).
    pub fn take_degradation(&self) -> Option<Degradation> {
        self.worker.take_degradation()
    }

    /// The totals for the summary.
    pub fn totals(&self) -> SttTotals {
        let mut totals = self.worker.totals();
        let too_short: u64 = self.clippers.iter().map(|c| c.counts().too_short).sum();
        totals.clips_too_short = too_short;
        totals
    }
}
