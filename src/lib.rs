//! callcue: live, on-device coaching for phone agents.
//!
//! The library is the analysis with no UI or device code in it: two channels of audio
//! frames in, [`event::Event`]s out. Start at [`analyzer::CallAnalyzer`]; a call runs
//! through a [`session::CallSession`], fed by recordings through [`replay`] or live; the events are written by [`output`]. `docs/architecture.md` shows
//! how the pieces fit.

pub mod agent_profile;
pub mod analyzer;
pub mod audio;
pub mod capture;
pub mod config;
pub mod eval;
pub mod event;
pub mod live;
pub mod models;
pub mod nudge;
pub mod output;
pub mod private_file;
pub mod prosody;
pub mod replay;
pub mod session;
pub mod stt;
pub mod summary;
pub mod text;
pub mod transcript_log;
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
