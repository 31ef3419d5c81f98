//! What speech-to-text hands the analysis: [`Transcript`]s, the call's [`SttTotals`] and
//! the [`LoadStep`] whisper reached. The whisper side (models, the worker thread) lives in
//! the `callcue` crate; the analysis needs only these.

use serde::Serialize;

use crate::ids::Speaker;

/// What whisper heard in one clip of one side.
#[derive(Clone, Debug, PartialEq)]
pub struct Transcript {
    /// The worker's job number.
    pub job_id: u64,
    pub speaker: Speaker,
    /// The clip (a partial and its final share it).
    pub clip_id: u64,
    /// False for a partial look at a clip still open.
    pub is_final: bool,
    /// The clip's audio span in the call, padding included.
    pub start_ms: u64,
    pub end_ms: u64,
    /// The end of the last voiced frame in the clip.
    pub speech_end_ms: u64,
    /// Cleaned of whisper's artefacts. Numbers are not masked yet: the analyzer masks
    /// them across the call's transcripts before anything shows or logs them
    /// ([`crate::text::NumberGuard`]).
    pub text: String,
    /// Measured wall-clock time from submission to the transcript (waiting plus decoding).
    pub delay_ms: f64,
    /// Measured wall-clock time of the decode alone.
    pub decode_ms: f64,
    pub audio_context_frames: u32,
    pub no_speech_probability: f32,
    pub mean_token_logprob: f32,
}

impl crate::text::SpokenText for Transcript {
    fn side(&self) -> usize {
        self.speaker.index()
    }
    fn start_ms(&self) -> u64 {
        self.start_ms
    }
    fn speech_end_ms(&self) -> u64 {
        self.speech_end_ms
    }
    fn text(&self) -> &str {
        &self.text
    }
    fn set_text(&mut self, text: String) {
        self.text = text;
    }
    fn add_wait_ms(&mut self, wait_ms: u64) {
        self.delay_ms += wait_ms as f64;
    }
}

/// Speech-to-text totals for a call, in the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SttTotals {
    /// Clips handed to whisper (partials and finals).
    pub clips_submitted: u64,
    /// Bursts of voice too short to transcribe (under `stt.min_speech_ms`).
    pub clips_too_short: u64,
    /// Clips that came back as text.
    pub transcripts: u64,
    /// Partials replaced by a newer look at their clip before whisper got to them.
    pub partials_superseded: u64,
    /// Clips dropped because whisper was behind (oldest first).
    pub clips_dropped: u64,
    /// Decodes stopped at their time budget.
    pub decodes_aborted: u64,
    /// Clips whisper judged to be silence or noise.
    pub filtered_no_speech: u64,
    /// Clips whose text was only a whisper artefact.
    pub filtered_artefacts: u64,
    /// Decodes that failed inside whisper.
    pub decodes_failed: u64,
    /// Stretches of text whisper placed after the clip's speech, dropped as invented.
    pub segments_past_speech: u64,
    /// Clips not decoded because the machine was too busy to decode them in time.
    pub clips_skipped_busy: u64,
    /// Partial transcripts not asked for because whisper was behind.
    pub partials_held_back: u64,
    /// The lowest load step reached (`full` when whisper kept up).
    pub load_step_deepest: LoadStep,
    /// Fewest and most threads a decode used.
    pub decode_threads_min: u64,
    pub decode_threads_max: u64,
    /// Mean and longest decode time; absent from reproducible replays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_ms_mean: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_ms_max: Option<u64>,
}

/// How far speech-to-text has stepped down to keep up on a busy machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadStep {
    /// Partials and finals, threads from the free cores, the context sized as configured.
    #[default]
    Full,
    /// No partial transcripts: only each clip's final.
    NoPartials,
    /// ...and one thread whatever the probe says (when it cannot see the load).
    OneThread,
    /// ...and a smaller audio context.
    SmallContext,
    /// ...and clips whose decode would run past its budget are skipped (counted).
    SkipLate,
}

impl LoadStep {
    /// Every step, from the top.
    pub const ALL: [LoadStep; 5] = [
        LoadStep::Full,
        LoadStep::NoPartials,
        LoadStep::OneThread,
        LoadStep::SmallContext,
        LoadStep::SkipLate,
    ];

    /// Its number, from 0 for [`LoadStep::Full`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The step from its number (for sharing it between threads); past the last is the last.
    pub fn from_index(index: usize) -> Self {
        Self::ALL[index.min(Self::ALL.len() - 1)]
    }

    /// One step further down (the last stays the last).
    pub fn down(self) -> Self {
        Self::from_index(self.index() + 1)
    }

    /// One step back up (the first stays the first).
    pub fn up(self) -> Self {
        Self::from_index(self.index().saturating_sub(1))
    }

    /// The step's name, as in the summary.
    pub fn name(self) -> &'static str {
        match self {
            LoadStep::Full => "full",
            LoadStep::NoPartials => "no_partials",
            LoadStep::OneThread => "one_thread",
            LoadStep::SmallContext => "small_context",
            LoadStep::SkipLate => "skip_late",
        }
    }

    /// What the agent loses at this step, for the notice.
    pub fn describe(self) -> &'static str {
        match self {
            LoadStep::Full => "nothing held back",
            LoadStep::NoPartials => "partial transcripts are off",
            LoadStep::OneThread => "partial transcripts are off and whisper uses one thread",
            LoadStep::SmallContext => {
                "partial transcripts are off, whisper uses one thread and a smaller context"
            }
            LoadStep::SkipLate => "long clips that cannot be transcribed in time are skipped",
        }
    }

    /// Whether partial transcripts are sent at this step.
    pub fn partials_allowed(self) -> bool {
        self == LoadStep::Full
    }
}
