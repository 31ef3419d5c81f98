//! Configuration: every threshold, cooldown, text and on/off switch callcue uses.
//!
//! The shipped `config/callcue.toml` documents each key. Keys carry their unit in their
//! name (`min_overlap_ms`, `loudness_rise_db`). A file only needs the keys it changes:
//! everything else keeps its built-in default, and a test pins the defaults to the shipped
//! file. Loading is strict: an unknown key, a wrong type or an out-of-range value is a
//! [`ConfigError`] that names the key, the value and what is allowed.
//!
//! Where a file is looked for, first match wins (see [`find_config_file`]):
//! `--config PATH`, `$CALLCUE_CONFIG`, the user's config directory
//! (`~/.config/callcue/callcue.toml` on Linux, `%APPDATA%\callcue\callcue.toml` on
//! Windows, `~/Library/Application Support/callcue/callcue.toml` on macOS), then the
//! system-wide `/etc/callcue/callcue.toml` (Unix). With none, the built-in defaults apply.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ids::NudgeId;

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub audio: AudioConfig,
    pub vad: VadConfig,
    pub turns: TurnsConfig,
    pub prosody: ProsodyConfig,
    pub caller_frustration: CallerFrustrationConfig,
    pub agent_pace: AgentPaceConfig,
    pub agent_energy: AgentEnergyConfig,
    pub stt: SttConfig,
    pub words: WordsConfig,
    pub privacy: PrivacyConfig,
    pub agent_profile: AgentProfileConfig,
    pub nudges: NudgesConfig,
    pub capture: CaptureConfig,
    pub calls: CallsConfig,
    pub bleed: BleedConfig,
    pub overlay: OverlayConfig,
    pub stream: StreamConfig,
}

/// Live capture: which devices carry which side, and how the capture is looked after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureConfig {
    /// The agent's microphone: a device id from `callcue devices` (`pulseaudio:...`,
    /// `wasapi:...`), or part of a device's name. "" = the system's default input.
    pub agent_device: String,
    /// What the softphone plays (the caller): a loopback or monitor device id or name.
    /// "" = the loopback of the default output (the monitor of the default sink on Linux).
    pub caller_device: String,
    /// How often a lost device is looked for again.
    pub reattach_every_ms: u32,
    /// Audio each side's capture ring holds before it overruns.
    pub ring_ms: u32,
    /// A side that delivers nothing for this long while the other does is taken as
    /// silent (loopback devices go quiet between calls).
    pub stall_ms: u32,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            agent_device: String::new(),
            caller_device: String::new(),
            reattach_every_ms: 1000,
            ring_ms: 2000,
            stall_ms: 120,
        }
    }
}

/// Where calls begin and end. Softphone hooks (`callcue call start|end`) win; without
/// them, calls are found in the audio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallsConfig {
    /// Find calls in the audio when no hook has said so.
    pub detect_from_audio: bool,
    /// Time without caller speech that must come before caller speech starts a call.
    pub idle_before_start_ms: u32,
    /// Caller speech, within one second, that starts a call after the idle spell.
    pub caller_speech_to_start_ms: u32,
    /// Two-sided silence that ends a call found in the audio.
    pub end_after_silence_ms: u32,
    /// Audio kept from before a call is found, so its first words are analysed too.
    pub preroll_ms: u32,
}

impl Default for CallsConfig {
    fn default() -> Self {
        Self {
            detect_from_audio: true,
            idle_before_start_ms: 3000,
            caller_speech_to_start_ms: 400,
            end_after_silence_ms: 45_000,
            preroll_ms: 4000,
        }
    }
}

/// The caller's voice leaking into the agent's microphone (speakers, headset bleed).
/// Agent-side speech that matches the caller's audio is not taken as the agent talking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BleedConfig {
    pub enabled: bool,
    /// Normalized correlation of the two channels' envelopes at or above which agent-side
    /// speech counts as the caller's voice leaking in.
    pub min_correlation: f32,
    /// Longest delay from the caller's audio to its echo in the microphone.
    pub max_delay_ms: u32,
}

impl Default for BleedConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_correlation: 0.8,
            max_delay_ms: 200,
        }
    }
}

/// The overlay window beside the softphone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverlayConfig {
    /// Show the window (`callcue run --no-overlay` overrides).
    pub enabled: bool,
    /// Top-left corner in logical pixels from the top-left of the primary screen. Where
    /// the agent drags it is remembered per user and wins over these.
    pub x_px: i32,
    pub y_px: i32,
    /// Size in logical pixels (scaled with the display's scale factor).
    pub width_px: u32,
    pub height_px: u32,
    /// 0.3 (faint) to 1 (opaque).
    pub opacity: f32,
    /// How long a nudge is shown before it fades.
    pub show_ms: u32,
    /// How long the fade takes.
    pub fade_ms: u32,
    /// "auto" (follow the desktop), "dark" or "light".
    pub theme: String,
    /// Compact indicators under the nudge: the caller's mood trend and the talk ratio.
    pub show_indicators: bool,
    /// A global key that snoozes nudges for the rest of the call, such as "ctrl+alt+s";
    /// "" = none (a click on the overlay snoozes too).
    pub snooze_hotkey: String,
}

impl Default for OverlayConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            x_px: 40,
            y_px: 40,
            width_px: 360,
            height_px: 96,
            opacity: 0.92,
            show_ms: 6000,
            fade_ms: 800,
            theme: "auto".to_string(),
            show_indicators: true,
            snooze_hotkey: String::new(),
        }
    }
}

/// The event stream for integrations: the same JSON events on a WebSocket bound to the
/// loopback interface, for clients that present the per-install token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamConfig {
    pub enabled: bool,
    /// Port on 127.0.0.1 (0 = any free port, written to the log).
    pub port: u16,
    /// Where the token is kept ("" = the user's data directory, callcue/stream-token).
    /// Created with a fresh random token when missing.
    pub token_file: String,
    /// Web pages allowed to open the stream, by their origin ("https://crm.example.com"):
    /// a browser sends its page's `Origin`, and any other origin is refused, token or not.
    /// Clients that are not browsers send no `Origin` and are not affected.
    pub allowed_origins: Vec<String>,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            port: 47_615,
            token_file: String::new(),
            allowed_origins: Vec::new(),
        }
    }
}

/// Which recording channel carries which side of the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioConfig {
    /// Channel index of the agent in a multi-channel recording.
    pub agent_channel: usize,
    /// Channel index of the caller in a multi-channel recording.
    pub caller_channel: usize,
}

impl Default for AudioConfig {
    fn default() -> Self {
        Self {
            agent_channel: 0,
            caller_channel: 1,
        }
    }
}

/// Voice activity: webrtc-vad per frame, smoothed into speech segments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VadConfig {
    /// Analysis frame length: 10, 20 or 30 ms (what webrtc-vad accepts).
    pub frame_ms: u32,
    /// webrtc-vad aggressiveness, 0 (lets most through) to 3 (strictest).
    pub aggressiveness: u8,
    /// Speech must last this long before a segment starts (clicks don't start one).
    pub onset_ms: u32,
    /// Silence must last this long before a segment ends (comma pauses don't end one).
    pub hangover_ms: u32,
    /// Frames quieter than this are never speech, whatever webrtc-vad says.
    pub min_speech_level_dbfs: f32,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            frame_ms: 20,
            aggressiveness: 2,
            onset_ms: 60,
            hangover_ms: 400,
            min_speech_level_dbfs: -55.0,
        }
    }
}

/// Turn-taking across the two channels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TurnsConfig {
    /// A start counts as cutting in only when the other side has been talking this long
    /// (two people starting together is not an interruption).
    pub mid_turn_ms: u32,
    /// Both talking for this long after the agent cut in makes an interruption...
    pub min_overlap_ms: u32,
    /// ...once the agent has the floor: the caller gave way, or both kept talking this
    /// long.
    pub competing_overlap_ms: u32,
    /// An overlapping agent segment no longer than this is a backchannel ("mm-hmm").
    pub backchannel_max_ms: u32,
    /// A backchannel is also no louder than the agent's usual level plus this.
    pub backchannel_max_loudness_rise_db: f32,
    /// The other side counts as still talking this long after its last voiced frame.
    pub overlap_bridge_ms: u32,
    /// Both sides silent this long is dead air.
    pub dead_air_ms: u32,
    /// The agent holding the floor this long is a monologue.
    pub monologue_ms: u32,
}

impl Default for TurnsConfig {
    fn default() -> Self {
        Self {
            mid_turn_ms: 1000,
            min_overlap_ms: 600,
            competing_overlap_ms: 1200,
            backchannel_max_ms: 1000,
            backchannel_max_loudness_rise_db: 3.0,
            overlap_bridge_ms: 200,
            dead_air_ms: 6000,
            monologue_ms: 45000,
        }
    }
}

/// Pitch, loudness and pace measurement, and each speaker's baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProsodyConfig {
    /// Lowest pitch the tracker looks for.
    pub pitch_min_hz: f32,
    /// Highest pitch the tracker looks for.
    pub pitch_max_hz: f32,
    /// A speaker's first baseline is taken over their first this-much speech in the call.
    pub baseline_speech_ms: u32,
    /// The baseline then adapts slowly over the speaker's latest this-much speech, leaving
    /// out stretches that raised a cue.
    pub baseline_max_speech_ms: u32,
    /// "Now" is judged over the speaker's most recent this-much speech.
    pub recent_speech_ms: u32,
    /// The speaking rate is measured over the speaker's most recent this-much speech.
    pub pace_speech_ms: u32,
    /// A syllable nucleus is a loudness peak standing this far above the dips around it.
    pub syllable_dip_db: f32,
}

impl Default for ProsodyConfig {
    fn default() -> Self {
        Self {
            pitch_min_hz: 60.0,
            pitch_max_hz: 500.0,
            baseline_speech_ms: 4000,
            baseline_max_speech_ms: 30_000,
            recent_speech_ms: 2500,
            pace_speech_ms: 3000,
            syllable_dip_db: 3.0,
        }
    }
}

/// Caller frustration from the voice, relative to the caller's own baseline.
///
/// The voice's tension is its loudness rise (dB) minus its pitch rise (semitones) plus
/// `roughness_weight` per hundredth of aperiodicity rise: anger gets louder without
/// getting correspondingly higher, delight raises both (see `voice_cues`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallerFrustrationConfig {
    /// The voice scores 1 at this tension (and 0 at none).
    pub tension_full_db: f32,
    /// What each semitone of pitch rise takes off the tension, in dB.
    pub pitch_weight: f32,
    /// What each hundredth of aperiodicity rise adds to the tension, in dB.
    pub roughness_weight: f32,
    /// A voice less than this much louder than its baseline scores nothing.
    pub min_loudness_rise_db: f32,
    /// The caller counts as frustrated at this score or above.
    pub threshold: f32,
    /// ...and stops counting as frustrated below `threshold - hysteresis`.
    pub hysteresis: f32,
    /// The voice alone must stay at its threshold this long of the caller's speech...
    pub sustain_ms: u32,
    /// ...unless it reaches this score.
    pub strong_score: f32,
    /// Without transcripts (speech-to-text off or unavailable) the voice alone needs this
    /// score.
    pub voice_only_threshold: f32,
}

impl Default for CallerFrustrationConfig {
    fn default() -> Self {
        Self {
            tension_full_db: 18.0,
            pitch_weight: 1.0,
            roughness_weight: 0.5,
            min_loudness_rise_db: 6.0,
            threshold: 0.5,
            hysteresis: 0.15,
            sustain_ms: 1500,
            strong_score: 0.8,
            voice_only_threshold: 0.6,
        }
    }
}

/// The agent speaking too fast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentPaceConfig {
    /// Faster than this is too fast, whatever the agent's baseline.
    pub ceiling_syllables_per_s: f32,
    /// This far above the agent's own baseline is too fast.
    pub rise_percent: f32,
    /// Too fast only once it has lasted this long (a quick aside is not rushing).
    pub min_fast_ms: u32,
}

impl Default for AgentPaceConfig {
    fn default() -> Self {
        Self {
            ceiling_syllables_per_s: 7.5,
            rise_percent: 50.0,
            min_fast_ms: 1500,
        }
    }
}

/// The agent's voice going flat: less pitch movement and quieter than their baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentEnergyConfig {
    /// Pitch spread at or below this share of baseline counts as flat.
    pub variability_drop_percent: f32,
    /// Loudness this far below baseline counts as quiet.
    pub loudness_drop_db: f32,
    /// Flat only once it has lasted this long (one quiet phrase is not flat delivery).
    pub min_flat_ms: u32,
}

impl Default for AgentEnergyConfig {
    fn default() -> Self {
        Self {
            variability_drop_percent: 40.0,
            loudness_drop_db: 6.0,
            min_flat_ms: 3000,
        }
    }
}

/// Local speech-to-text (whisper): the model, and how speech is cut into clips for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SttConfig {
    /// Off means coaching from the voice alone (no transcripts, no word cues).
    pub enabled: bool,
    /// Which model: `tiny.en`, `base.en`, `small.en` (or another ggml name); the file
    /// `ggml-<model>.bin` is looked for in the model directories.
    pub model: String,
    /// A model file to use instead of looking `model` up; "" to look it up.
    pub model_path: String,
    /// CPU threads whisper uses at most; live, fewer when other programs keep the cores
    /// busy (whisper's threads spin while they wait for each other).
    pub threads: u32,
    /// Live: when transcripts come late, step down on purpose (no partials, one thread, a
    /// smaller context, then skip clips that cannot be decoded in time). Never in
    /// reproducible replays.
    pub adapt_to_load: bool,
    /// A transcript later than this after its clip was sent (waiting plus decoding) is
    /// late; two late transcripts of three step down.
    pub late_transcript_ms: u32,
    /// The channel's own audio kept before and after the speech in each clip.
    pub pad_ms: u32,
    /// Silence this long ends a clip and sends it for its final transcript.
    pub end_silence_ms: u32,
    /// Clips with less voiced audio than this are not transcribed (clicks, breaths).
    pub min_speech_ms: u32,
    /// While a clip is open, a partial transcript every this much new audio.
    pub partial_every_ms: u32,
    /// A clip this long is closed and a new one begins (whisper's window is 30 s).
    pub max_clip_ms: u32,
    /// Whisper's audio context is sized to the clip, but never below this many frames
    /// (50 per second); too small a context makes whisper loop on short clips.
    pub min_audio_context_frames: u32,
    /// At most this many text tokens per second of clip.
    pub max_tokens_per_s: f32,
    /// A decode is aborted after this long...
    pub decode_budget_ms: u32,
    /// ...plus this much per second of clip audio.
    pub decode_budget_per_audio_s_ms: u32,
    /// A transcript whisper rates at this no-speech probability or above is dropped.
    pub no_speech_probability_max: f32,
    /// A transcript whose words whisper was this unsure of or less (mean log-probability
    /// of its tokens) is dropped: noise read as words.
    pub min_mean_token_logprob: f32,
    /// Clips waiting for whisper; past this the oldest waiting clip is dropped (counted
    /// in the summary). Newer partials of a clip always replace older ones.
    pub max_waiting_clips: u32,
}

impl Default for SttConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            model: "tiny.en".into(),
            model_path: String::new(),
            threads: 2,
            adapt_to_load: true,
            late_transcript_ms: 1500,
            pad_ms: 200,
            end_silence_ms: 250,
            min_speech_ms: 300,
            partial_every_ms: 1500,
            max_clip_ms: 20_000,
            min_audio_context_frames: 448,
            max_tokens_per_s: 6.0,
            decode_budget_ms: 1500,
            decode_budget_per_audio_s_ms: 100,
            no_speech_probability_max: 0.6,
            min_mean_token_logprob: -1.5,
            max_waiting_clips: 4,
        }
    }
}

/// The words side of coaching: phrase lists supervisors edit, and the rules on them.
///
/// Phrases are matched on whole words after folding case, punctuation, contractions and
/// numbers ("I'm" = "I am", "3rd" = "third"); `*` stands for any one word. A phrase right
/// after "not", "no" or "never" in the same clause does not count ("I'm not upset").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WordsConfig {
    /// Caller phrases that show frustration; each adds `frustration_phrase_score` to the
    /// caller's frustration score (the same score the voice feeds).
    pub caller_frustration: Vec<String>,
    /// What one frustration phrase adds to the caller's 0-1 frustration score.
    pub frustration_phrase_score: f32,
    /// The words part of the score halves every this long.
    pub frustration_half_life_ms: u32,
    /// Caller phrases about a loss or distress: `condolence`.
    pub caller_loss: Vec<String>,
    /// Agent phrases that acknowledge feelings; they settle a pending `acknowledge`.
    pub agent_acknowledgement: Vec<String>,
    /// After an acknowledgement, `acknowledge` is not offered again for this long.
    pub acknowledged_hold_ms: u32,
    /// Agent phrases that block or blame: `positive_language`.
    pub agent_blocking: Vec<String>,
    /// Caller phrases that are warm (thanks, praise, laughter): for `positive_veto_ms` the
    /// caller's voice is not taken for frustration, however animated.
    pub caller_positive: Vec<String>,
    /// How long a warm phrase vetoes frustration from the voice.
    pub positive_veto_ms: u32,
    /// Caller phrases that describe a problem; a long explanation with one of them (or a
    /// frustration phrase) is what `restate` answers.
    pub caller_problem: Vec<String>,
    /// Agent apologies; one with nothing about what it is for gives `be_specific`.
    pub agent_apology: Vec<String>,
    /// `use_name` when the agent has finished this many turns since the caller gave their
    /// name without using it.
    pub use_name_after_agent_turns: u32,
    /// `restate` when the caller has said at least this many words since the agent's last
    /// real turn, among them a problem phrase or a frustration phrase...
    pub restate_min_caller_words: u32,
    /// ...and then paused this long.
    pub restate_pause_ms: u32,
}

fn phrases(list: &[&str]) -> Vec<String> {
    list.iter().map(|p| p.to_string()).collect()
}

impl Default for WordsConfig {
    fn default() -> Self {
        Self {
            caller_frustration: phrases(&[
                "third time",
                "second time",
                "again and again",
                "ridiculous",
                "unacceptable",
                "speak to a manager",
                "speak to your manager",
                "speak to a supervisor",
                "speak to your supervisor",
                "talk to a manager",
                "talk to a supervisor",
                "cancel my account",
                "waste of time",
                "wasting my time",
                "fed up",
                "sick of",
                "frustrated",
                "frustrating",
                "annoyed",
                "upset",
                "angry",
                "furious",
                "this is a joke",
                "nobody called me back",
                "no one called me back",
                "still not fixed",
                "still not working",
                "not good enough",
                "terrible service",
                "how many times",
            ]),
            frustration_phrase_score: 0.6,
            frustration_half_life_ms: 30_000,
            caller_loss: phrases(&[
                "passed away",
                "died",
                "funeral",
                "in the hospital",
                "in hospital",
                "lost my husband",
                "lost my wife",
                "lost my mother",
                "lost my father",
                "lost my mom",
                "lost my dad",
                "lost my son",
                "lost my daughter",
                "cancer",
                "intensive care",
                "terminally ill",
                "bereavement",
            ]),
            agent_acknowledgement: phrases(&[
                "i understand",
                "i can understand",
                "i completely understand",
                "i would be frustrated too",
                "i would be upset too",
                "i would feel the same",
                "i am sorry to hear",
                "sorry to hear",
                "that must be",
                "that sounds",
                "i can see why",
                "i hear you",
                "you have every right",
                "i can imagine",
            ]),
            acknowledged_hold_ms: 60_000,
            agent_blocking: phrases(&[
                "calm down",
                "there is nothing i can do",
                "nothing i can do",
                "it is our policy",
                "it is company policy",
                "that is our policy",
                "not my department",
                "not my problem",
                "not my fault",
                "you should have",
                "you need to calm",
                "i can not help you",
                "that is not possible",
            ]),
            caller_positive: phrases(&[
                "thank you so much",
                "thanks so much",
                "thank you very much",
                "really appreciate",
                "appreciate it",
                "great",
                "wonderful",
                "awesome",
                "amazing",
                "fantastic",
                "perfect",
                "brilliant",
                "excellent",
                "lovely",
                "so happy",
                "so glad",
                "you saved me",
                "that is so kind",
                "ha ha",
                "haha",
            ]),
            positive_veto_ms: 20_000,
            caller_problem: phrases(&[
                "problem",
                "issue",
                "not working",
                "does not work",
                "stopped working",
                "broken",
                "broke",
                "error",
                "wrong",
                "charged",
                "overcharged",
                "refund",
                "missing",
                "never arrived",
                "never came",
                "keeps",
                "damaged",
                "late",
                "cancelled",
                "light is on",
                "light came on",
                "noise",
                "leak",
                "leaking",
            ]),
            agent_apology: phrases(&[
                "sorry",
                "i am sorry",
                "i am so sorry",
                "i apologize",
                "i apologise",
                "my apologies",
                "we apologize",
                "we apologise",
            ]),
            use_name_after_agent_turns: 3,
            restate_min_caller_words: 40,
            restate_pause_ms: 700,
        }
    }
}

/// The agent's voice profile across calls (see `agent_profile`): `smile` and `slow_down`
/// judged against the agent's usual delivery from the first second of a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentProfileConfig {
    /// Keep and use the profile in live coaching (off: each call's own baseline).
    pub enabled: bool,
    /// Where it is kept ("" = the user's data directory, callcue/agent-profile.json).
    pub path: String,
    /// A call adds to the profile only with at least this much calm agent speech.
    pub min_speech_ms: u32,
    /// The profile is the median of this many latest calls.
    pub keep_calls: u32,
}

impl Default for AgentProfileConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            path: String::new(),
            min_speech_ms: 20_000,
            keep_calls: 20,
        }
    }
}

/// What leaves memory. Transcripts are kept in memory for the call only, unless
/// `save_transcripts` says otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Write each call's final transcripts to `transcripts_dir`.
    pub save_transcripts: bool,
    /// Where saved transcripts go ("" = the user's data directory, callcue/transcripts).
    pub transcripts_dir: String,
    /// Mask runs of 6 or more digits (card and account numbers) in transcripts, keeping
    /// the last 4, everywhere: events, the overlay and saved files.
    pub mask_numbers: bool,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        Self {
            save_transcripts: false,
            transcripts_dir: String::new(),
            mask_numbers: true,
        }
    }
}

macro_rules! define_nudges_config {
    ($($variant:ident $field:ident $doc:literal,)*) => {
        /// The nudge engine: one nudge on screen at a time, cooldowns and caps; then one
        /// rule per nudge (the table in [`crate::for_each_nudge`]).
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct NudgesConfig {
            /// How long a nudge stays on screen; a lower-priority one waits its turn meanwhile.
            pub display_ms: u32,
            /// At most this many nudges in one call, all kinds together.
            pub max_per_call: u32,
            /// While the call is calm, at most one nudge per this much call time (0: no budget).
            /// Nudges about trouble (pause, acknowledge, fill_silence, condolence,
            /// positive_language) are never held back by it.
            pub calm_budget_ms: u32,
            /// A nudge about trouble ends the calm for this long.
            pub trouble_lasts_ms: u32,
            $(#[doc = $doc] pub $field: NudgeRule,)*
        }

        impl NudgesConfig {
            /// The rule for one nudge id.
            pub fn rule(&self, id: NudgeId) -> &NudgeRule {
                match id {
                    $(NudgeId::$variant => &self.$field,)*
                }
            }
        }

        /// Key names for per-nudge fields, as `'static` strings for error messages.
        fn rule_key(id: NudgeId, field: &str) -> &'static str {
            match (id, field) {
                $(
                    (NudgeId::$variant, "priority") => concat!("nudges.", stringify!($field), ".priority"),
                    (NudgeId::$variant, "cooldown_ms") => concat!("nudges.", stringify!($field), ".cooldown_ms"),
                    (NudgeId::$variant, "max_per_call") => concat!("nudges.", stringify!($field), ".max_per_call"),
                    (NudgeId::$variant, _) => concat!("nudges.", stringify!($field), ".text"),
                )*
            }
        }
    };
}

crate::for_each_nudge!(define_nudges_config);

impl Default for NudgesConfig {
    fn default() -> Self {
        Self {
            display_ms: 4000,
            max_per_call: 12,
            calm_budget_ms: 120_000,
            trouble_lasts_ms: 120_000,
            pause: NudgeRule {
                enabled: true,
                text: "Pause - let them finish".into(),
                alt_text: "Let them vent".into(),
                phrase: String::new(),
                priority: 90,
                cooldown_ms: 15000,
                max_per_call: 4,
            },
            acknowledge: NudgeRule {
                enabled: true,
                text: "Acknowledge their feelings".into(),
                alt_text: String::new(),
                phrase: "I'd be upset too if this happened to me.".into(),
                priority: 80,
                cooldown_ms: 30000,
                max_per_call: 3,
            },
            smile: NudgeRule {
                enabled: true,
                text: "Smile - it comes through".into(),
                alt_text: String::new(),
                phrase: String::new(),
                priority: 30,
                cooldown_ms: 60000,
                max_per_call: 2,
            },
            slow_down: NudgeRule {
                enabled: true,
                text: "Slow down a little".into(),
                alt_text: String::new(),
                phrase: String::new(),
                priority: 50,
                cooldown_ms: 30000,
                max_per_call: 3,
            },
            fill_silence: NudgeRule {
                enabled: true,
                text: "Tell them what you're doing".into(),
                alt_text: String::new(),
                phrase: "Thanks for waiting, I'm just checking that for you.".into(),
                priority: 60,
                cooldown_ms: 30000,
                max_per_call: 3,
            },
            check_in: NudgeRule {
                enabled: true,
                text: "Check in - ask a question".into(),
                alt_text: String::new(),
                phrase: "Does that make sense so far?".into(),
                priority: 40,
                cooldown_ms: 60000,
                max_per_call: 2,
            },
            condolence: NudgeRule {
                enabled: true,
                text: "Offer condolences first".into(),
                alt_text: String::new(),
                phrase: "I'm so sorry for your loss.".into(),
                priority: 85,
                cooldown_ms: 120_000,
                max_per_call: 1,
            },
            positive_language: NudgeRule {
                enabled: true,
                text: "Say what you can do".into(),
                alt_text: String::new(),
                phrase: "Here's what I can do for you.".into(),
                priority: 70,
                cooldown_ms: 60000,
                max_per_call: 2,
            },
            be_specific: NudgeRule {
                enabled: true,
                text: "Say what you're sorry about".into(),
                alt_text: String::new(),
                phrase: "I'm sorry you've had to call about this again.".into(),
                priority: 55,
                cooldown_ms: 60000,
                max_per_call: 2,
            },
            use_name: NudgeRule {
                enabled: true,
                text: "Use their name: {name}".into(),
                alt_text: String::new(),
                phrase: String::new(),
                priority: 35,
                cooldown_ms: 120_000,
                max_per_call: 1,
            },
            restate: NudgeRule {
                enabled: true,
                text: "Repeat back what you heard".into(),
                alt_text: String::new(),
                phrase: "So if I've got this right, ...".into(),
                priority: 45,
                cooldown_ms: 90000,
                max_per_call: 1,
            },
        }
    }
}

/// How one kind of nudge behaves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NudgeRule {
    /// Off means the signal is still recorded, but the agent is never nudged.
    pub enabled: bool,
    /// What the agent reads: a few words.
    pub text: String,
    /// A variant text for a special case (for `pause`: while the caller is frustrated).
    pub alt_text: String,
    /// An example phrase the agent can say; empty for none.
    pub phrase: String,
    /// Higher wins when two nudges compete for the screen (0-100).
    pub priority: u8,
    /// After showing, the same nudge waits at least this long.
    pub cooldown_ms: u32,
    /// At most this many of this nudge in one call.
    pub max_per_call: u32,
}

/// Why a configuration could not be used. Every message is one line naming the file,
/// the key and what was wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{path}: cannot read config: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {key} = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        path: PathBuf,
        key: &'static str,
        value: String,
        allowed: String,
    },
}

/// The largest config file read (a full config with every phrase list is about 12 kB).
pub const MAX_CONFIG_BYTES: u64 = 1_000_000;

impl Config {
    /// Parses TOML text laid over the built-in defaults, so a file only needs the keys it
    /// changes. `origin` names where the text came from in error messages.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: origin.to_path_buf(),
            message,
        };
        let overrides: toml::Table =
            toml::from_str(text).map_err(|e| parse_error(one_line_toml_error(text, &e)))?;
        let mut merged = toml::Table::try_from(Config::default())
            .map_err(|e| parse_error(format!("built-in defaults: {e}")))?;
        merge_tables(&mut merged, overrides);
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                let key = e.path().to_string();
                let message = e.into_inner().to_string().trim().replace('\n', " ");
                parse_error(format!("{key}: {message}"))
            })?;
        config.validate(origin)?;
        Ok(config)
    }

    /// Reads and validates a config file. A file over [`MAX_CONFIG_BYTES`] (or a device
    /// such as `/dev/zero`) is refused after reading one byte more than that.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        use std::io::Read;
        let io_error = |source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_error)?;
        let mut bytes = Vec::new();
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                message: format!(
                    "larger than {} MB: not a callcue config file",
                    MAX_CONFIG_BYTES / 1_000_000
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Parse {
            path: path.to_path_buf(),
            message: "not UTF-8 text".into(),
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Loads the first config found (see [`find_config_file`]), or the built-in defaults.
    /// Returns where it came from, `None` for the defaults.
    pub fn load_default_locations(
        explicit: Option<&Path>,
    ) -> Result<(Self, Option<PathBuf>), ConfigError> {
        match find_config_file(explicit) {
            Some(path) => Ok((Self::load(&path)?, Some(path))),
            None => Ok((Self::default(), None)),
        }
    }

    /// Checks every value against its allowed range.
    pub fn validate(&self, origin: &Path) -> Result<(), ConfigError> {
        let mut check = RangeCheck { origin };
        let a = &self.audio;
        check.int("audio.agent_channel", a.agent_channel as i64, 0, 63)?;
        check.int("audio.caller_channel", a.caller_channel as i64, 0, 63)?;
        if a.agent_channel == a.caller_channel {
            return Err(check.fail(
                "audio.caller_channel",
                a.caller_channel.to_string(),
                "a channel other than audio.agent_channel",
            ));
        }
        let v = &self.vad;
        if ![10, 20, 30].contains(&v.frame_ms) {
            return Err(check.fail("vad.frame_ms", v.frame_ms.to_string(), "10, 20 or 30 (ms)"));
        }
        check.int("vad.aggressiveness", v.aggressiveness.into(), 0, 3)?;
        check.int("vad.onset_ms", v.onset_ms.into(), 0, 1000)?;
        check.int("vad.hangover_ms", v.hangover_ms.into(), 0, 3000)?;
        check.float(
            "vad.min_speech_level_dbfs",
            v.min_speech_level_dbfs,
            -100.0,
            -10.0,
        )?;
        let t = &self.turns;
        check.int("turns.min_overlap_ms", t.min_overlap_ms.into(), 100, 5000)?;
        check.int(
            "turns.backchannel_max_ms",
            t.backchannel_max_ms.into(),
            100,
            5000,
        )?;
        check.float(
            "turns.backchannel_max_loudness_rise_db",
            t.backchannel_max_loudness_rise_db,
            -20.0,
            40.0,
        )?;
        check.int(
            "turns.overlap_bridge_ms",
            t.overlap_bridge_ms.into(),
            0,
            1000,
        )?;
        check.int("turns.mid_turn_ms", t.mid_turn_ms.into(), 0, 10_000)?;
        check.int(
            "turns.competing_overlap_ms",
            t.competing_overlap_ms.into(),
            100,
            10_000,
        )?;
        check.int("turns.dead_air_ms", t.dead_air_ms.into(), 1000, 600_000)?;
        check.int("turns.monologue_ms", t.monologue_ms.into(), 5000, 3_600_000)?;
        let p = &self.prosody;
        check.float("prosody.pitch_min_hz", p.pitch_min_hz, 50.0, 200.0)?;
        check.float("prosody.pitch_max_hz", p.pitch_max_hz, 200.0, 1000.0)?;
        check.int(
            "prosody.baseline_speech_ms",
            p.baseline_speech_ms.into(),
            1000,
            120_000,
        )?;
        check.int(
            "prosody.baseline_max_speech_ms",
            p.baseline_max_speech_ms.into(),
            1000,
            600_000,
        )?;
        check.int(
            "prosody.recent_speech_ms",
            p.recent_speech_ms.into(),
            500,
            30_000,
        )?;
        check.int(
            "prosody.pace_speech_ms",
            p.pace_speech_ms.into(),
            500,
            60_000,
        )?;
        check.float("prosody.syllable_dip_db", p.syllable_dip_db, 0.5, 20.0)?;
        let f = &self.caller_frustration;
        check.float(
            "caller_frustration.tension_full_db",
            f.tension_full_db,
            1.0,
            60.0,
        )?;
        check.float("caller_frustration.pitch_weight", f.pitch_weight, 0.0, 3.0)?;
        check.float(
            "caller_frustration.roughness_weight",
            f.roughness_weight,
            0.0,
            5.0,
        )?;
        check.float(
            "caller_frustration.min_loudness_rise_db",
            f.min_loudness_rise_db,
            0.0,
            40.0,
        )?;
        check.int(
            "caller_frustration.sustain_ms",
            f.sustain_ms.into(),
            0,
            30_000,
        )?;
        check.float("caller_frustration.threshold", f.threshold, 0.05, 1.0)?;
        check.float(
            "caller_frustration.hysteresis",
            f.hysteresis,
            0.0,
            f.threshold,
        )?;
        check.float(
            "caller_frustration.strong_score",
            f.strong_score,
            f.threshold,
            1.0,
        )?;
        check.float(
            "caller_frustration.voice_only_threshold",
            f.voice_only_threshold,
            f.threshold,
            1.0,
        )?;
        let ap = &self.agent_pace;
        check.float(
            "agent_pace.ceiling_syllables_per_s",
            ap.ceiling_syllables_per_s,
            2.0,
            20.0,
        )?;
        check.float("agent_pace.rise_percent", ap.rise_percent, 1.0, 300.0)?;
        check.int("agent_pace.min_fast_ms", ap.min_fast_ms.into(), 0, 60_000)?;
        let ae = &self.agent_energy;
        check.float(
            "agent_energy.variability_drop_percent",
            ae.variability_drop_percent,
            1.0,
            99.0,
        )?;
        check.float(
            "agent_energy.loudness_drop_db",
            ae.loudness_drop_db,
            0.0,
            40.0,
        )?;
        check.int("agent_energy.min_flat_ms", ae.min_flat_ms.into(), 0, 60_000)?;
        self.validate_stt(&mut check)?;
        self.validate_words(&mut check)?;
        self.validate_live(&mut check)?;
        let n = &self.nudges;
        check.int(
            "agent_profile.min_speech_ms",
            self.agent_profile.min_speech_ms.into(),
            1000,
            3_600_000,
        )?;
        check.int(
            "agent_profile.keep_calls",
            self.agent_profile.keep_calls.into(),
            1,
            1000,
        )?;
        check.int("nudges.display_ms", n.display_ms.into(), 500, 60_000)?;
        check.int("nudges.max_per_call", n.max_per_call.into(), 0, 1000)?;
        check.int(
            "nudges.calm_budget_ms",
            n.calm_budget_ms.into(),
            0,
            3_600_000,
        )?;
        check.int(
            "nudges.trouble_lasts_ms",
            n.trouble_lasts_ms.into(),
            0,
            3_600_000,
        )?;
        for id in NudgeId::ALL {
            let rule = n.rule(id);
            let key = |field: &str| -> &'static str { rule_key(id, field) };
            check.int(key("priority"), rule.priority.into(), 0, 100)?;
            check.int(key("cooldown_ms"), rule.cooldown_ms.into(), 0, 3_600_000)?;
            check.int(key("max_per_call"), rule.max_per_call.into(), 0, 1000)?;
            if rule.text.trim().is_empty() {
                return Err(check.fail(key("text"), "\"\"".into(), "a non-empty text"));
            }
            if rule.text.chars().count() > 60 {
                return Err(check.fail(
                    key("text"),
                    format!("{:?}", rule.text),
                    "at most 60 characters (one glance)",
                ));
            }
        }
        Ok(())
    }
}

impl Config {
    fn validate_stt(&self, check: &mut RangeCheck<'_>) -> Result<(), ConfigError> {
        let s = &self.stt;
        if s.model.trim().is_empty() && s.model_path.trim().is_empty() {
            return Err(check.fail(
                "stt.model",
                "\"\"".into(),
                "a model name such as \"tiny.en\", or stt.model_path",
            ));
        }
        if s.model.contains(['/', '\\']) {
            return Err(check.fail(
                "stt.model",
                format!("{:?}", s.model),
                "a model name such as \"tiny.en\" (put file paths in stt.model_path)",
            ));
        }
        check.int("stt.threads", s.threads.into(), 1, 64)?;
        check.int(
            "stt.late_transcript_ms",
            s.late_transcript_ms.into(),
            300,
            30_000,
        )?;
        check.int("stt.pad_ms", s.pad_ms.into(), 0, 1000)?;
        check.int("stt.end_silence_ms", s.end_silence_ms.into(), 60, 3000)?;
        check.int("stt.min_speech_ms", s.min_speech_ms.into(), 0, 5000)?;
        check.int(
            "stt.partial_every_ms",
            s.partial_every_ms.into(),
            500,
            30_000,
        )?;
        check.int("stt.max_clip_ms", s.max_clip_ms.into(), 2000, 28_000)?;
        check.int(
            "stt.min_audio_context_frames",
            s.min_audio_context_frames.into(),
            64,
            1500,
        )?;
        check.float("stt.max_tokens_per_s", s.max_tokens_per_s, 1.0, 30.0)?;
        check.int(
            "stt.decode_budget_ms",
            s.decode_budget_ms.into(),
            100,
            60_000,
        )?;
        check.int(
            "stt.decode_budget_per_audio_s_ms",
            s.decode_budget_per_audio_s_ms.into(),
            0,
            10_000,
        )?;
        check.float(
            "stt.no_speech_probability_max",
            s.no_speech_probability_max,
            0.0,
            1.0,
        )?;
        check.float(
            "stt.min_mean_token_logprob",
            s.min_mean_token_logprob,
            -20.0,
            0.0,
        )?;
        check.int("stt.max_waiting_clips", s.max_waiting_clips.into(), 1, 64)?;
        Ok(())
    }

    fn validate_live(&self, check: &mut RangeCheck<'_>) -> Result<(), ConfigError> {
        let c = &self.capture;
        check.int(
            "capture.reattach_every_ms",
            c.reattach_every_ms.into(),
            100,
            60_000,
        )?;
        check.int("capture.ring_ms", c.ring_ms.into(), 200, 10_000)?;
        check.int("capture.stall_ms", c.stall_ms.into(), 40, 2000)?;
        let k = &self.calls;
        check.int(
            "calls.idle_before_start_ms",
            k.idle_before_start_ms.into(),
            0,
            600_000,
        )?;
        check.int(
            "calls.caller_speech_to_start_ms",
            k.caller_speech_to_start_ms.into(),
            100,
            1000,
        )?;
        check.int(
            "calls.end_after_silence_ms",
            k.end_after_silence_ms.into(),
            2000,
            3_600_000,
        )?;
        check.int("calls.preroll_ms", k.preroll_ms.into(), 0, 10_000)?;
        let b = &self.bleed;
        check.float("bleed.min_correlation", b.min_correlation, 0.3, 1.0)?;
        check.int("bleed.max_delay_ms", b.max_delay_ms.into(), 10, 500)?;
        let o = &self.overlay;
        check.int("overlay.x_px", o.x_px.into(), -100_000, 100_000)?;
        check.int("overlay.y_px", o.y_px.into(), -100_000, 100_000)?;
        check.int("overlay.width_px", o.width_px.into(), 160, 2000)?;
        check.int("overlay.height_px", o.height_px.into(), 48, 1000)?;
        check.float("overlay.opacity", o.opacity, 0.3, 1.0)?;
        check.int("overlay.show_ms", o.show_ms.into(), 1000, 60_000)?;
        check.int("overlay.fade_ms", o.fade_ms.into(), 0, 5000)?;
        if !["auto", "dark", "light"].contains(&o.theme.as_str()) {
            return Err(check.fail(
                "overlay.theme",
                format!("{:?}", o.theme),
                "\"auto\", \"dark\" or \"light\"",
            ));
        }
        Ok(())
    }

    fn validate_words(&self, check: &mut RangeCheck<'_>) -> Result<(), ConfigError> {
        let w = &self.words;
        for (key, list) in [
            ("words.caller_frustration", &w.caller_frustration),
            ("words.caller_loss", &w.caller_loss),
            ("words.agent_acknowledgement", &w.agent_acknowledgement),
            ("words.agent_blocking", &w.agent_blocking),
            ("words.agent_apology", &w.agent_apology),
            ("words.caller_problem", &w.caller_problem),
            ("words.caller_positive", &w.caller_positive),
        ] {
            if let Err(e) = crate::text::PhraseList::new(list) {
                let (index, phrase) = match &e {
                    crate::text::PhraseError::Empty { index, phrase }
                    | crate::text::PhraseError::NoWords { index, phrase } => (*index, phrase),
                };
                return Err(check.fail(
                    key,
                    format!("[..., {phrase:?} (#{index}), ...]"),
                    "phrases with at least one word each",
                ));
            }
        }
        check.float(
            "words.frustration_phrase_score",
            w.frustration_phrase_score,
            0.0,
            1.0,
        )?;
        check.int(
            "words.frustration_half_life_ms",
            w.frustration_half_life_ms.into(),
            1000,
            600_000,
        )?;
        check.int(
            "words.positive_veto_ms",
            w.positive_veto_ms.into(),
            0,
            600_000,
        )?;
        check.int(
            "words.acknowledged_hold_ms",
            w.acknowledged_hold_ms.into(),
            0,
            3_600_000,
        )?;
        check.int(
            "words.use_name_after_agent_turns",
            w.use_name_after_agent_turns.into(),
            1,
            100,
        )?;
        check.int(
            "words.restate_min_caller_words",
            w.restate_min_caller_words.into(),
            5,
            10_000,
        )?;
        check.int(
            "words.restate_pause_ms",
            w.restate_pause_ms.into(),
            200,
            10_000,
        )?;
        Ok(())
    }
}

struct RangeCheck<'a> {
    origin: &'a Path,
}

impl RangeCheck<'_> {
    fn fail(&self, key: &'static str, value: String, allowed: &str) -> ConfigError {
        ConfigError::OutOfRange {
            path: self.origin.to_path_buf(),
            key,
            value,
            allowed: allowed.to_string(),
        }
    }

    fn int(
        &mut self,
        key: &'static str,
        value: i64,
        min: i64,
        max: i64,
    ) -> Result<(), ConfigError> {
        if value < min || value > max {
            return Err(self.fail(
                key,
                value.to_string(),
                &format!("{min} to {max}{}", unit_of(key)),
            ));
        }
        Ok(())
    }

    fn float(
        &mut self,
        key: &'static str,
        value: f32,
        min: f32,
        max: f32,
    ) -> Result<(), ConfigError> {
        if !value.is_finite() || value < min || value > max {
            return Err(self.fail(
                key,
                value.to_string(),
                &format!("{min} to {max}{}", unit_of(key)),
            ));
        }
        Ok(())
    }
}

/// The unit a key's suffix names, for error messages.
fn unit_of(key: &str) -> &'static str {
    const UNITS: [(&str, &str); 7] = [
        ("_ms", " ms"),
        ("_dbfs", " dBFS"),
        ("_db", " dB"),
        ("_hz", " Hz"),
        ("_semitones", " semitones"),
        ("_percent", " %"),
        ("_per_s", " per second"),
    ];
    UNITS
        .iter()
        .find(|(suffix, _)| key.ends_with(suffix))
        .map_or("", |(_, unit)| unit)
}

/// Lays `overrides` over `base`, table by table; any other value replaces the base's.
fn merge_tables(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(over_table)) => {
                merge_tables(base_table, over_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Turns a toml error into one line: `line L, column C: message`.
fn one_line_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// The config file to use: `explicit` if given, else `$CALLCUE_CONFIG`, else the user's
/// config directory, else `/etc/callcue/callcue.toml`; `None` if none exists.
pub fn find_config_file(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("CALLCUE_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let user = dirs::config_dir().map(|dir| dir.join("callcue").join("callcue.toml"));
    let system = cfg!(unix).then(|| PathBuf::from("/etc/callcue/callcue.toml"));
    [user, system].into_iter().flatten().find(|p| p.is_file())
}

impl fmt::Display for Config {
    /// The effective config as TOML (for `callcue config`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match toml::to_string_pretty(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml_str(text, Path::new("test.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn partial_file_overrides_only_its_keys() {
        let config = parse("[turns]\nmin_overlap_ms = 800\n").unwrap();
        assert_eq!(config.turns.min_overlap_ms, 800);
        assert_eq!(config.turns.dead_air_ms, TurnsConfig::default().dead_air_ms);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse("[turns]\nmin_overlap = 800\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("min_overlap"), "{err}");
        assert!(err.starts_with("test.toml: "), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let err = parse("[turns]\nmin_overlap_ms = \"lots\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("turns.min_overlap_ms"), "{err}");
        assert!(err.contains("lots"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn out_of_range_names_key_value_range_and_unit() {
        let err = parse("[turns]\nmin_overlap_ms = 99999\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "test.toml: turns.min_overlap_ms = 99999 is out of range: allowed 100 to 5000 ms"
        );
        let err = parse("[vad]\nframe_ms = 25\n").unwrap_err().to_string();
        assert!(err.contains("vad.frame_ms = 25"), "{err}");
    }

    #[test]
    fn per_nudge_keys_are_checked() {
        let err = parse("[nudges.smile]\ntext = \"\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("nudges.smile.text"), "{err}");
        let config = parse("[nudges.smile]\nenabled = false\n").unwrap();
        assert!(!config.nudges.smile.enabled);
        assert_eq!(config.nudges.smile.text, NudgesConfig::default().smile.text);
    }

    #[test]
    fn same_channel_for_both_sides_is_rejected() {
        let err = parse("[audio]\nagent_channel = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("audio.caller_channel"), "{err}");
    }

    #[test]
    fn display_round_trips() {
        let text = Config::default().to_string();
        assert_eq!(parse(&text).unwrap(), Config::default());
    }

    mod fuzzed {
        //! Property tests: any text, and the shipped config with one value changed to
        //! anything, loads or fails in one line that names the file (and the key).
        use super::*;
        use proptest::prelude::*;

        /// Every `section.key` path of the shipped config with its section.
        fn shipped_keys() -> Vec<(String, String)> {
            let shipped: toml::Table =
                toml::from_str(include_str!("../../../config/callcue.toml")).unwrap();
            let mut keys = Vec::new();
            for (section, table) in &shipped {
                if let toml::Value::Table(table) = table {
                    for key in table.keys() {
                        keys.push((section.clone(), key.clone()));
                    }
                }
            }
            keys
        }

        fn any_value() -> impl Strategy<Value = toml::Value> {
            prop_oneof![
                any::<i64>().prop_map(toml::Value::Integer),
                (-5i64..5000).prop_map(toml::Value::Integer),
                any::<f64>().prop_map(toml::Value::Float),
                (-200.0f64..5000.0).prop_map(toml::Value::Float),
                any::<bool>().prop_map(toml::Value::Boolean),
                "[ -~]{0,12}".prop_map(toml::Value::String),
                prop::collection::vec("[a-z ]{0,8}".prop_map(toml::Value::String), 0..3)
                    .prop_map(toml::Value::Array),
                Just(toml::Value::Table(toml::Table::new())),
            ]
        }

        fn check(result: Result<Config, ConfigError>) -> Result<Option<String>, TestCaseError> {
            match result {
                Ok(_) => Ok(None),
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(message.starts_with("test.toml: "), "{}", message);
                    prop_assert!(!message.contains('\n'), "{}", message);
                    Ok(Some(message))
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1500))]

            #[test]
            fn any_text_loads_or_fails_in_one_line(text in "[\\[\\]a-z_.=\"0-9 \n-]{0,120}") {
                check(parse(&text))?;
            }

            #[test]
            fn any_value_for_a_known_key_loads_or_names_the_key(
                at in any::<prop::sample::Index>(),
                value in any_value(),
            ) {
                let keys = shipped_keys();
                let (section, key) = &keys[at.index(keys.len())];
                let mut table = toml::Table::new();
                let mut inner = toml::Table::new();
                inner.insert(key.clone(), value);
                table.insert(section.clone(), toml::Value::Table(inner));
                let text = toml::to_string(&table).unwrap();
                if let Some(message) = check(parse(&text))? {
                    prop_assert!(message.contains(key.as_str()), "{} for {}", message, text);
                }
            }
        }
    }
}
