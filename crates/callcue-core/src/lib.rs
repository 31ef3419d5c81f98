//! callcue's analysis, with no threads, devices, network or whisper in it: two channels
//! of audio frames and transcripts in, [`event::Event`]s out. Start at
//! [`analyzer::CallAnalyzer`]. The `callcue` crate adds speech-to-text, live capture,
//! recordings, the overlay and the event stream around it.

pub mod analyzer;
pub mod audio;
pub mod config;
pub mod event;
pub mod ids;
pub mod nudge;
pub mod prosody;
pub mod summary;
pub mod text;
pub mod transcript;
pub mod turns;
pub mod vad;
pub mod voice_cues;
pub mod word_cues;

pub use analyzer::CallAnalyzer;
pub use config::Config;
pub use event::{Event, EventSink, NudgeId, Speaker};
pub use summary::CallSummary;

/// The sample rate all analysis runs at. Recordings at other rates are resampled.
pub const ANALYSIS_RATE_HZ: u32 = 16_000;
