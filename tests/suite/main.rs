//! callcue's integration tests, one test binary with a module per area (one link of
//! whisper.cpp, eframe and cpal instead of one per file). Every test drives real
//! components: the real binary, espeak-ng and recorded voices, webrtc-vad, a whisper
//! model, PulseAudio servers and an X server the tests start themselves.
//!
//! Tests that run whisper take the machine alone and live-capture tests share it only
//! with each other (`callcue_testkit::model::whisper_turn`, `live_turn`); the rest run
//! side by side. `tests/no_alloc.rs` stays a binary of its own: it installs a counting
//! global allocator.
//!
//! Run one area with a filter: `cargo test --release --test suite live_pulse::`.

mod bleed_real_speech;
mod cli;
mod coaching_calls;
mod config_file;
mod eval_cli;
mod eval_set;
mod fleet_export;
mod golden_calls;
mod hallucination;
mod live_pulse;
mod overlay_window;
mod speaking_rate;
mod stt_model;
mod stt_real_speech;
mod vad_real_speech;
mod words_calls;
