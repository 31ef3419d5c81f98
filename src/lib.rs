//! callcue: live, on-device coaching for phone agents.
//!
//! The analysis itself is the `callcue-core` crate (re-exported here: [`analyzer`],
//! [`audio`], [`config`], [`event`], ...): two channels of audio frames in,
//! [`event::Event`]s out. This crate adds speech-to-text ([`stt`], [`models`]), live
//! capture ([`capture`], [`live`]) and recordings; a call runs through a
//! [`session::CallSession`], fed by recordings through [`replay`] or live; the events are written by [`output`]. `docs/architecture.md` shows
//! how the pieces fit.

pub mod agent_profile;
pub mod capture;
pub mod eval;
pub mod live;
pub mod models;
pub mod output;
pub mod private_file;
pub mod replay;
pub mod session;
pub mod stt;
pub mod transcript_log;

pub use callcue_core::{
    analyzer, audio, config, event, nudge, prosody, summary, text, transcript, turns, vad,
    voice_cues, word_cues, ANALYSIS_RATE_HZ,
};
pub use callcue_core::{CallAnalyzer, CallSummary, Config, Event, EventSink, NudgeId, Speaker};
