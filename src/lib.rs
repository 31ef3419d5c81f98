//! callcue: live, on-device coaching for phone agents.
//!
//! The analysis itself is the `callcue-core` crate (re-exported here: [`analyzer`],
//! [`audio`], [`config`], [`event`], ...): two channels of audio frames in,
//! [`event::Event`]s out. Speech-to-text is the `callcue-stt` crate (re-exported as
//! [`stt`] and [`models`]). This crate adds live capture ([`capture`], [`live`]) and
//! recordings: a call runs through a [`session::CallSession`], fed by recordings through
//! [`replay`] or live, and its events are written by [`output`]. The binary
//! (`src/main.rs`, `src/app`) adds the CLI, the overlay, the event stream and the hooks.
//! `docs/architecture.md` shows how the pieces fit.

pub mod agent_profile;
pub mod capture;
pub mod eval;
pub mod fleet;
pub mod live;
pub mod otlp;
pub mod output;
pub mod private_file;
pub mod replay;
pub mod session;
pub mod summary_spool;
pub mod transcript_log;

pub use callcue_core::{
    analyzer, audio, config, event, nudge, prosody, summary, text, transcript, turns, vad,
    voice_cues, word_cues, ANALYSIS_RATE_HZ,
};
/// Speech-to-text and its model files: the `callcue-stt` crate.
pub use callcue_stt as stt;
pub use callcue_stt::models;

pub use callcue_core::{CallAnalyzer, CallSummary, Config, Event, EventSink, NudgeId, Speaker};
