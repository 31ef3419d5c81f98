//! Whisper, through whisper-rs: loading a ggml model and transcribing one clip.
//!
//! Short clips are fast when whisper's audio context is sized to the clip instead of its
//! full 30 s window: `ceil(seconds x 50) + 64` frames, never below
//! `stt.min_audio_context_frames` (too small a context makes whisper loop or come back
//! empty on short clips). Decoding is greedy with no temperature fallback, the number of
//! tokens is capped in proportion to the clip, and a decode that runs past its budget is
//! aborted ([`TimeBudget::Enforced`]; reproducible replays use [`TimeBudget::Unlimited`], so
//! their text never depends on the machine's speed or load). [`DecodeMode::FullWindow`]
//! decodes with the full 30 s context, for comparison.
//!
//! Whisper writes its timestamps. Without them, the context sized past a short clip invited
//! whisper to fill the silence after the speech with the sentence again ("Could you spell
//! that for me, please? Could you spell that for me, please?" from 1.3 s of speech: 3 of 50
//! finals of a real four-minute call); with them whisper knows where the audio ends and
//! stops, and a segment it still places after the clip's last voiced frame (plus
//! [`PAST_SPEECH_MARGIN_MS`]) is dropped as invented.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use crate::models::{validate_ggml_file, ModelError};
use callcue_core::config::SttConfig;
use callcue_core::ANALYSIS_RATE_HZ;

/// Whisper's encoder produces 50 frames per second of audio.
const AUDIO_CONTEXT_FRAMES_PER_S: f64 = 50.0;
/// Context frames added to the clip's own, as a margin.
const AUDIO_CONTEXT_MARGIN_FRAMES: u32 = 64;
/// Tokens allowed on top of the per-second allowance.
const MIN_TOKENS: u32 = 8;
/// Timestamp tokens allowed: a pair per segment, a segment every 2 s at most, plus a pair.
/// (A decode that reaches its cap before its first timestamp pair has no text at all, so
/// this errs on the generous side.)
const TIMESTAMP_TOKENS_PER_2_S: u32 = 2;
/// Text whisper places this long or more after the clip's last voiced frame is dropped.
pub const PAST_SPEECH_MARGIN_MS: u64 = 200;

/// A loaded whisper model: one context, shared by the per-channel states.
pub struct WhisperModel {
    context: WhisperContext,
    path: PathBuf,
    full_audio_context_frames: u32,
}

impl std::fmt::Debug for WhisperModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperModel")
            .field("path", &self.path)
            .finish()
    }
}

impl WhisperModel {
    /// Loads a ggml whisper model. The file is checked first (header, vocabulary and that
    /// every tensor is whole), so a missing, truncated or foreign file is a
    /// [`ModelError`] naming the path, never a crash inside whisper.cpp.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        // Before any whisper.cpp code: on a CPU without the features it was built for, its
        // first such instruction would kill the process.
        if let Some(reason) = crate::cpu::whisper_unsupported_reason() {
            return Err(ModelError::UnsupportedCpu { reason });
        }
        validate_ggml_file(path)?;
        silence_whisper_logging();
        let path_str = path.to_str().ok_or_else(|| ModelError::Unreadable {
            path: path.to_path_buf(),
            message: "the path is not valid UTF-8".into(),
        })?;
        let context =
            WhisperContext::new_with_params(path_str, WhisperContextParameters::default())
                .map_err(|e| ModelError::Unreadable {
                    path: path.to_path_buf(),
                    message: format!("whisper could not load it ({e})"),
                })?;
        let full_audio_context_frames = context.model_n_audio_ctx().max(1) as u32;
        Ok(Self {
            context,
            path: path.to_path_buf(),
            full_audio_context_frames,
        })
    }

    /// Where the model was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A short name of the model's size, as whisper.cpp reports it ("tiny", "base", ...).
    pub fn size_name(&self) -> String {
        self.context
            .model_type_readable_str_lossy()
            .map(|s| s.into_owned())
            .unwrap_or_else(|_| "unknown".into())
    }

    /// A decoding state (whisper's per-stream memory). One per channel.
    pub fn new_state(&self) -> Result<WhisperState, ModelError> {
        self.context
            .create_state()
            .map_err(|e| ModelError::Unreadable {
                path: self.path.clone(),
                message: format!("whisper could not allocate a decoding state ({e})"),
            })
    }
}

/// Sends whisper.cpp's and ggml's own logging nowhere: callcue reports model problems
/// itself, in one line.
fn silence_whisper_logging() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(whisper_rs::install_logging_hooks);
}

/// How much audio context whisper gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeMode {
    /// Sized to the clip (the product's mode).
    SizedContext,
    /// Whisper's full 30 s window, whatever the clip's length (for comparison).
    FullWindow,
}

/// Whether a decode is stopped once it runs past its time budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeBudget {
    /// Stop it (live, and replays timed as live): a transcript that comes too late is of
    /// no use to the agent, and whisper must not fall behind.
    Enforced,
    /// Let every decode finish: the text then depends only on the audio and the model,
    /// never on how fast or busy this machine is (reproducible replays).
    Unlimited,
}

/// What whisper made of one clip.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoded {
    /// The raw text, before artefacts are filtered.
    pub text: String,
    /// Whisper's probability that the clip holds no speech (0-1).
    pub no_speech_probability: f32,
    /// The mean log-probability of the text tokens: how sure whisper was of its words
    /// (0 is certain; music and noise come out well below -1). 0 with no tokens.
    pub mean_token_logprob: f32,
    /// The audio context used, in encoder frames (50 per second).
    pub audio_context_frames: u32,
    /// Whether the decode ran past its budget and was aborted (the text is then empty).
    pub aborted: bool,
    /// Segments dropped because whisper placed them after the clip's speech.
    pub segments_past_speech: u32,
    /// Wall-clock time of the decode.
    pub decode_ms: f64,
}

/// Why a decode failed (not for aborts, which are a normal outcome).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("speech-to-text: whisper failed on a {clip_ms} ms clip: {message}")]
    Whisper { clip_ms: u64, message: String },
}

/// Decoding settings derived from the config.
#[derive(Clone, Debug)]
pub struct DecodeSettings {
    pub threads: u32,
    pub min_audio_context_frames: u32,
    pub max_tokens_per_s: f32,
    pub budget_ms: u32,
    pub budget_per_audio_s_ms: u32,
    /// Whether the budget applies ([`TimeBudget::Enforced`] from the config).
    pub time_budget: TimeBudget,
}

impl From<&SttConfig> for DecodeSettings {
    fn from(config: &SttConfig) -> Self {
        Self {
            threads: config.threads,
            min_audio_context_frames: config.min_audio_context_frames,
            max_tokens_per_s: config.max_tokens_per_s,
            budget_ms: config.decode_budget_ms,
            budget_per_audio_s_ms: config.decode_budget_per_audio_s_ms,
            time_budget: TimeBudget::Enforced,
        }
    }
}

impl DecodeSettings {
    /// The audio context for a clip of `clip_s` seconds.
    pub fn audio_context_frames(&self, clip_s: f64, full_frames: u32) -> u32 {
        let sized =
            (clip_s * AUDIO_CONTEXT_FRAMES_PER_S).ceil() as u32 + AUDIO_CONTEXT_MARGIN_FRAMES;
        sized.max(self.min_audio_context_frames).min(full_frames)
    }

    /// The most text tokens a clip of `clip_s` seconds may produce.
    pub fn max_tokens(&self, clip_s: f64) -> u32 {
        MIN_TOKENS + (clip_s * f64::from(self.max_tokens_per_s)).ceil() as u32
    }

    /// The most tokens in all, timestamps included.
    fn max_tokens_with_timestamps(&self, clip_s: f64) -> u32 {
        self.max_tokens(clip_s) + TIMESTAMP_TOKENS_PER_2_S * (1 + (clip_s / 2.0).ceil() as u32)
    }

    /// How long a decode of a clip of `clip_s` seconds may take.
    pub fn budget(&self, clip_s: f64) -> Duration {
        Duration::from_millis(u64::from(self.budget_ms))
            + Duration::from_secs_f64(clip_s * f64::from(self.budget_per_audio_s_ms) / 1000.0)
    }

    /// When a decode of a clip of `clip_s` seconds starting at `started` is stopped;
    /// `None` when the budget does not apply ([`TimeBudget::Unlimited`]).
    pub fn deadline(&self, clip_s: f64, started: Instant) -> Option<Instant> {
        match self.time_budget {
            TimeBudget::Enforced => Some(started + self.budget(clip_s)),
            TimeBudget::Unlimited => None,
        }
    }
}

/// A decode's deadline, shared with whisper's abort callback.
struct DecodeBudget {
    deadline: Instant,
    exceeded: AtomicBool,
}

/// Whisper's abort callback: true (stop) once the decode is past its deadline. Whisper asks
/// after the encoder and at each decoder step, so the encoder always runs to its end (for a
/// sized context, about a third of a short clip's decode).
///
/// whisper-rs's closure-based `set_abort_callback_safe` hands whisper a pointer of the
/// wrong type in 0.16, so the plain C callback is used.
unsafe extern "C" fn abort_past_deadline(user_data: *mut std::ffi::c_void) -> bool {
    // SAFETY: `user_data` is the `DecodeBudget` set in `transcribe`, alive for the call.
    let budget = unsafe { &*(user_data as *const DecodeBudget) };
    let late = Instant::now() >= budget.deadline;
    if late {
        budget.exceeded.store(true, Ordering::Relaxed);
    }
    late
}

/// Transcribes one clip with `state` (16 kHz mono samples). `speech_end_ms` is where the
/// clip's last voiced frame ends, from the clip's start (`None`: the whole clip may hold
/// speech); text whisper places later than that is dropped.
///
/// The clip is decoded with timestamps. When that pass gives up without any text (whisper
/// fails a timestamped decode that never closes its first segment, about 1 clip in 20 of
/// real far-field speech), it is decoded again without timestamps, as one segment.
pub fn transcribe(
    model: &WhisperModel,
    state: &mut WhisperState,
    settings: &DecodeSettings,
    mode: DecodeMode,
    audio: &[f32],
    speech_end_ms: Option<u64>,
) -> Result<Decoded, DecodeError> {
    let clip_s = audio.len() as f64 / f64::from(ANALYSIS_RATE_HZ);
    let clip_ms = (clip_s * 1000.0) as u64;
    let full = model.full_audio_context_frames;
    let audio_context_frames = match mode {
        DecodeMode::SizedContext => settings.audio_context_frames(clip_s, full),
        DecodeMode::FullWindow => full,
    };
    let budget = settings
        .deadline(clip_s, Instant::now())
        .map(|deadline| DecodeBudget {
            deadline,
            exceeded: AtomicBool::new(false),
        });

    // Whisper needs at least a second of input to compute its spectrogram reliably;
    // shorter clips are padded with silence (the context is sized separately).
    let min_len = ANALYSIS_RATE_HZ as usize + ANALYSIS_RATE_HZ as usize / 10;
    let padded;
    let input: &[f32] = if audio.len() < min_len {
        padded = {
            let mut v = audio.to_vec();
            v.resize(min_len, 0.0);
            v
        };
        &padded
    } else {
        audio
    };

    let pass = Pass {
        settings,
        budget: budget.as_ref(),
        audio_context_frames: (mode == DecodeMode::SizedContext).then_some(audio_context_frames),
        clip_s,
    };
    let started = Instant::now();
    let mut outcome = pass.run(state, input, Timestamps::On);
    if outcome.is_ok() && state.full_n_segments() == 0 && !pass.aborted() {
        outcome = pass.run(state, input, Timestamps::Off);
    }
    let decode_ms = started.elapsed().as_secs_f64() * 1000.0;
    if pass.aborted() {
        return Ok(Decoded {
            audio_context_frames,
            aborted: true,
            decode_ms,
            ..Decoded::default()
        });
    }
    outcome.map_err(|e| DecodeError::Whisper {
        clip_ms,
        message: e.to_string(),
    })?;
    let mut text = String::new();
    let mut no_speech_probability = 0.0f32;
    let first_special_token = model.context.token_eot();
    let (mut logprob_sum, mut text_tokens) = (0.0f32, 0u32);
    let mut segments_past_speech = 0;
    // Segment timestamps are in hundredths of a second from the clip's start.
    let last_start_cs = speech_end_ms.map(|ms| ((ms + PAST_SPEECH_MARGIN_MS) / 10) as i64);
    for segment in state.as_iter() {
        if last_start_cs.is_some_and(|last| segment.start_timestamp() >= last) {
            segments_past_speech += 1;
            continue;
        }
        no_speech_probability = no_speech_probability.max(segment.no_speech_probability());
        if let Ok(piece) = segment.to_str_lossy() {
            if !text.is_empty() && !piece.starts_with(' ') {
                text.push(' ');
            }
            text.push_str(&piece);
        }
        for i in 0..segment.n_tokens() {
            if let Some(token) = segment.get_token(i) {
                if token.token_id() < first_special_token {
                    logprob_sum += token.token_probability().max(1e-9).ln();
                    text_tokens += 1;
                }
            }
        }
    }
    let mean_token_logprob = if text_tokens > 0 {
        logprob_sum / text_tokens as f32
    } else {
        0.0
    };
    Ok(Decoded {
        text: text.trim().to_string(),
        no_speech_probability,
        mean_token_logprob,
        audio_context_frames,
        aborted: false,
        segments_past_speech,
        decode_ms,
    })
}

/// Whether whisper writes timestamps in a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timestamps {
    On,
    Off,
}

/// One decoding pass's settings, shared by the timestamped pass and its fallback.
struct Pass<'a> {
    settings: &'a DecodeSettings,
    budget: Option<&'a DecodeBudget>,
    /// `None`: whisper's full window.
    audio_context_frames: Option<u32>,
    clip_s: f64,
}

impl Pass<'_> {
    fn aborted(&self) -> bool {
        self.budget
            .is_some_and(|b| b.exceeded.load(Ordering::Relaxed))
    }

    fn run(
        &self,
        state: &mut WhisperState,
        input: &[f32],
        timestamps: Timestamps,
    ) -> Result<(), whisper_rs::WhisperError> {
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(self.settings.threads as i32);
        params.set_language(Some("en"));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_suppress_blank(true);
        params.set_suppress_nst(true);
        params.set_temperature(0.0);
        // No fallback to higher temperatures: one greedy pass, predictable time.
        params.set_temperature_inc(0.0);
        match timestamps {
            Timestamps::On => {
                params.set_no_timestamps(false);
                params.set_max_tokens(self.settings.max_tokens_with_timestamps(self.clip_s) as i32);
            }
            Timestamps::Off => {
                params.set_no_timestamps(true);
                params.set_single_segment(true);
                params.set_max_tokens(self.settings.max_tokens(self.clip_s) as i32);
            }
        }
        if let Some(frames) = self.audio_context_frames {
            params.set_audio_ctx(frames as i32);
        }
        if let Some(budget) = self.budget {
            // SAFETY: `budget` outlives the `full` call below, the only place whisper calls
            // the callback, and the callback only reads it through a shared reference.
            unsafe {
                params.set_abort_callback(Some(abort_past_deadline));
                params.set_abort_callback_user_data(
                    budget as *const DecodeBudget as *mut std::ffi::c_void,
                );
            }
        }
        state.full(params, input).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_sized_to_the_clip_with_a_floor_and_a_ceiling() {
        let settings = DecodeSettings::from(&SttConfig::default());
        assert_eq!(settings.audio_context_frames(0.8, 1500), 448);
        assert_eq!(settings.audio_context_frames(4.0, 1500), 448);
        assert_eq!(settings.audio_context_frames(10.0, 1500), 564);
        assert_eq!(settings.audio_context_frames(40.0, 1500), 1500);
    }

    #[test]
    fn tokens_and_budget_grow_with_the_clip() {
        let settings = DecodeSettings::from(&SttConfig::default());
        assert_eq!(settings.max_tokens(2.0), 20);
        assert_eq!(settings.max_tokens_with_timestamps(2.0), 24);
        assert!(settings.max_tokens(10.0) > settings.max_tokens(2.0));
        assert_eq!(settings.budget(0.0), Duration::from_millis(1500));
        assert_eq!(settings.budget(10.0), Duration::from_millis(2500));
    }

    #[test]
    fn the_budget_applies_only_when_enforced() {
        let mut settings = DecodeSettings::from(&SttConfig::default());
        assert_eq!(settings.time_budget, TimeBudget::Enforced);
        let started = Instant::now();
        assert_eq!(
            settings.deadline(2.0, started),
            Some(started + settings.budget(2.0))
        );
        settings.time_budget = TimeBudget::Unlimited;
        assert_eq!(settings.deadline(2.0, started), None);
    }

    /// With the model at hand (`scripts/get-test-model`): a budget of nothing stops an
    /// enforced decode, and an unlimited one runs to its end on the same clip.
    #[test]
    fn an_unlimited_decode_is_never_aborted() {
        let model_path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/ggml-tiny.en.bin");
        if !model_path.is_file() {
            eprintln!(
                "skipped: no {} (scripts/get-test-model)",
                model_path.display()
            );
            return;
        }
        let model = WhisperModel::load(&model_path).expect("the test model loads");
        let mut state = model.new_state().expect("a decoding state");
        let demo = callcue_core::audio::decode_wav(include_bytes!("../../../demo/call.wav"))
            .expect("the demo call decodes");
        let rate = demo.sample_rate_hz;
        let agent = &demo.channels[0][..(4 * rate) as usize];
        let audio =
            callcue_core::audio::resample(agent, rate, ANALYSIS_RATE_HZ).expect("resampled");
        let mut settings = DecodeSettings::from(&SttConfig::default());
        settings.budget_ms = 0;
        settings.budget_per_audio_s_ms = 0;
        let enforced = transcribe(
            &model,
            &mut state,
            &settings,
            DecodeMode::SizedContext,
            &audio,
            None,
        )
        .expect("decodes");
        assert!(enforced.aborted, "{enforced:?}");
        settings.time_budget = TimeBudget::Unlimited;
        let unlimited = transcribe(
            &model,
            &mut state,
            &settings,
            DecodeMode::SizedContext,
            &audio,
            None,
        )
        .expect("decodes");
        assert!(!unlimited.aborted, "{unlimited:?}");
    }
}
