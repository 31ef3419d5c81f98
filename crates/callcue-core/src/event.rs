//! The events the analysis emits, and the sink trait that receives them.
//!
//! This is the one place the event stream is defined; `docs/events.md` describes it for
//! readers and `crates/callcue-testkit/src/events.rs` pins the JSON form with its own strict types.
//! Every event has a `type` and a `t_ms`: the position in the call audio (from sample
//! counts, never the wall clock) at which the evidence for it was complete.
//!
//! Events borrow their texts from the config and carry their reasons as small values that
//! are only formatted when written, so emitting one never allocates.

use std::fmt;

use serde::{Serialize, Serializer};

pub use crate::ids::{NudgeId, Speaker};
use crate::summary::{CallSummary, CaptureTotals};

/// Why a nudge was given, formatted for people only when written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reason<'a> {
    /// The agent kept talking over the caller.
    AgentOverlap {
        overlap_ms: u64,
        caller_frustrated: bool,
    },
    /// The caller's frustration score crossed the threshold: from the voice rising above
    /// the caller's baseline, from frustrated words, or both.
    CallerFrustrated {
        score: f32,
        voice_score: f32,
        words_score: f32,
    },
    /// The caller said something about a loss or distress.
    CallerLoss { phrase: &'a str },
    /// The agent said something that blocks or blames.
    AgentBlocking { phrase: &'a str },
    /// The agent apologised without saying what for.
    BareApology { phrase: &'a str },
    /// The caller gave their name and the agent has not used it for some turns.
    NameUnused { name: &'a str, agent_turns: u32 },
    /// The caller explained at length and paused.
    LongExplanation { caller_words: u32 },
    /// The agent's pitch movement and loudness dropped below their baseline.
    AgentFlat {
        variability_percent_of_baseline: f32,
        loudness_drop_db: f32,
    },
    /// The agent's syllable rate is above the ceiling or their baseline.
    AgentFast {
        syllables_per_s: f32,
        baseline_syllables_per_s: f32,
    },
    /// Neither side has spoken for a while.
    DeadAir { silent_ms: u64 },
    /// The agent has held the floor for a while.
    Monologue { talking_ms: u64 },
}

impl Reason<'_> {
    /// The same reason with its phrase (if it has one) left out, to be kept beyond the
    /// phrase's lifetime; [`Reason::with_phrase`] puts one back.
    pub fn without_phrase(self) -> Reason<'static> {
        self.with_phrase("")
    }

    /// The same reason with `phrase` as its phrase (if it has one).
    pub fn with_phrase(self, phrase: &str) -> Reason<'_> {
        match self {
            Reason::CallerLoss { .. } => Reason::CallerLoss { phrase },
            Reason::AgentBlocking { .. } => Reason::AgentBlocking { phrase },
            Reason::BareApology { .. } => Reason::BareApology { phrase },
            Reason::NameUnused { agent_turns, .. } => Reason::NameUnused {
                name: phrase,
                agent_turns,
            },
            Reason::AgentOverlap {
                overlap_ms,
                caller_frustrated,
            } => Reason::AgentOverlap {
                overlap_ms,
                caller_frustrated,
            },
            Reason::CallerFrustrated {
                score,
                voice_score,
                words_score,
            } => Reason::CallerFrustrated {
                score,
                voice_score,
                words_score,
            },
            Reason::LongExplanation { caller_words } => Reason::LongExplanation { caller_words },
            Reason::AgentFlat {
                variability_percent_of_baseline,
                loudness_drop_db,
            } => Reason::AgentFlat {
                variability_percent_of_baseline,
                loudness_drop_db,
            },
            Reason::AgentFast {
                syllables_per_s,
                baseline_syllables_per_s,
            } => Reason::AgentFast {
                syllables_per_s,
                baseline_syllables_per_s,
            },
            Reason::DeadAir { silent_ms } => Reason::DeadAir { silent_ms },
            Reason::Monologue { talking_ms } => Reason::Monologue { talking_ms },
        }
    }
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::AgentOverlap {
                overlap_ms,
                caller_frustrated,
            } => {
                write!(f, "agent talked over the caller for {overlap_ms} ms")?;
                if caller_frustrated {
                    f.write_str(" while the caller sounds frustrated")?;
                }
                Ok(())
            }
            Reason::CallerFrustrated {
                score,
                voice_score,
                words_score,
            } => {
                let from = match (voice_score > 0.05, words_score > 0.0) {
                    (true, true) => "caller's words and voice",
                    (false, true) => "caller's words",
                    _ => "caller's voice tense: louder, not higher, than their baseline",
                };
                write!(
                    f,
                    "{from} (score {score:.2}: voice {voice_score:.2}, words {words_score:.2})"
                )
            }
            Reason::CallerLoss { phrase } => write!(f, "caller said \"{phrase}\""),
            Reason::AgentBlocking { phrase } => write!(f, "agent said \"{phrase}\""),
            Reason::BareApology { phrase } => {
                write!(f, "agent said \"{phrase}\" without saying what for")
            }
            Reason::NameUnused { name, agent_turns } => write!(
                f,
                "caller gave their name ({name}); agent has not used it in {agent_turns} turns"
            ),
            Reason::LongExplanation { caller_words } => {
                write!(f, "caller explained for {caller_words} words and paused")
            }
            Reason::AgentFlat {
                variability_percent_of_baseline,
                loudness_drop_db,
            } => write!(
                f,
                "agent's pitch movement at {variability_percent_of_baseline:.0}% of baseline, \
                 {loudness_drop_db:.1} dB quieter"
            ),
            Reason::AgentFast {
                syllables_per_s,
                baseline_syllables_per_s,
            } => write!(
                f,
                "agent at {syllables_per_s:.1} syllables/s (baseline {baseline_syllables_per_s:.1})"
            ),
            Reason::DeadAir { silent_ms } => {
                write!(
                    f,
                    "both sides silent for {:.1} s",
                    silent_ms as f64 / 1000.0
                )
            }
            Reason::Monologue { talking_ms } => {
                write!(
                    f,
                    "agent talking for {:.0} s without a caller turn",
                    talking_ms as f64 / 1000.0
                )
            }
        }
    }
}

impl Serialize for Reason<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a nudge was not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressedBecause {
    /// Switched off in config.
    Disabled,
    /// The agent already did what the nudge asks (an acknowledgement settles
    /// `acknowledge`).
    Settled,
    /// The same nudge was shown less than its cooldown ago.
    Cooldown,
    /// This nudge reached its per-call cap.
    NudgeCap,
    /// The call reached its cap of nudges.
    CallCap,
    /// A nudge of equal or higher priority is on screen.
    Busy,
    /// The agent snoozed nudges for the rest of the call.
    Snoozed,
    /// The call is calm and has had its share of nudges (`nudges.calm_budget_ms`).
    CalmBudget,
}

impl SuppressedBecause {
    /// The name as written in events.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressedBecause::Disabled => "disabled",
            SuppressedBecause::Settled => "settled",
            SuppressedBecause::Cooldown => "cooldown",
            SuppressedBecause::NudgeCap => "nudge_cap",
            SuppressedBecause::CalmBudget => "calm_budget",
            SuppressedBecause::CallCap => "call_cap",
            SuppressedBecause::Busy => "busy",
            SuppressedBecause::Snoozed => "snoozed",
        }
    }
}

/// Why a nudge the engine showed never reached the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DroppedBecause {
    /// The agent had just snoozed nudges (the click reached the overlay first).
    Snoozed,
    /// A newer nudge took the screen before this one was drawn.
    Replaced,
    /// The overlay's queue was full (the window is not keeping up).
    OverlayBusy,
    /// The window drew no frame while the nudge was due (hidden or minimised).
    NotDrawn,
}

impl DroppedBecause {
    /// The name as written in events.
    pub fn as_str(self) -> &'static str {
        match self {
            DroppedBecause::Snoozed => "snoozed",
            DroppedBecause::Replaced => "replaced",
            DroppedBecause::OverlayBusy => "overlay_busy",
            DroppedBecause::NotDrawn => "not_drawn",
        }
    }
}

/// What the overlay did with a nudge the engine showed: the overlay's report back to the
/// pipeline, which turns it into a [`Event::NudgeDrawn`] or [`Event::NudgeDropped`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScreenReport {
    /// Drawn, `delay_ms` after the engine's decision.
    Drawn { nudge: NudgeId, delay_ms: f64 },
    /// Never drawn.
    Dropped {
        nudge: NudgeId,
        because: DroppedBecause,
    },
}

impl ScreenReport {
    /// The report as an event at call time `t_ms`.
    pub fn event(self, t_ms: u64) -> Event<'static> {
        match self {
            ScreenReport::Drawn { nudge, delay_ms } => Event::NudgeDrawn {
                t_ms,
                nudge,
                delay_ms,
            },
            ScreenReport::Dropped { nudge, because } => Event::NudgeDropped {
                t_ms,
                nudge,
                because,
            },
        }
    }
}

/// Which way a caller-frustration or agent-delivery state changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The state began.
    Start,
    /// The state ended.
    End,
}

/// One event of the analysis. Serialized as one JSON object with a `type` field.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event<'a> {
    /// A speech segment ended (emitted once its hangover ran out).
    Speech {
        t_ms: u64,
        speaker: Speaker,
        start_ms: u64,
        end_ms: u64,
        /// Mean level over the segment's voiced frames.
        loudness_dbfs: f32,
        /// Median pitch of the segment, if any frame was voiced.
        #[serde(skip_serializing_if = "Option::is_none")]
        pitch_hz: Option<f32>,
    },
    /// A speaker's baseline was established from their first stretch of speech.
    Baseline {
        t_ms: u64,
        speaker: Speaker,
        pitch_hz: f32,
        pitch_variability_semitones: f32,
        loudness_dbfs: f32,
        syllables_per_s: f32,
    },
    /// One side started talking while the other was mid-turn and kept going.
    Interruption {
        t_ms: u64,
        /// Who cut in. Only `agent` interruptions lead to a nudge.
        by: Speaker,
        /// When the interrupting speech began.
        start_ms: u64,
        /// How long both had talked at once when this was decided.
        overlap_ms: u64,
    },
    /// A short, quiet overlap ("mm-hmm", "right"): listening, not interrupting.
    Backchannel {
        t_ms: u64,
        speaker: Speaker,
        start_ms: u64,
        end_ms: u64,
    },
    /// Gap between the end of one side's turn and the start of the other's.
    ResponseGap {
        t_ms: u64,
        /// Who answered.
        speaker: Speaker,
        gap_ms: u64,
    },
    /// Both sides have been silent for the dead-air threshold.
    DeadAir { t_ms: u64, start_ms: u64 },
    /// The agent has held the floor for the monologue threshold.
    Monologue { t_ms: u64, start_ms: u64 },
    /// The caller's frustration (voice and words) crossed the threshold, up (`start`) or
    /// down (`end`).
    Frustration {
        t_ms: u64,
        change: Change,
        /// The combined 0-1 score: `voice_score` plus `words_score`, at most 1.
        score: f32,
        voice_score: f32,
        words_score: f32,
        /// The voice's tension: loudness rise minus pitch rise plus weighted roughness.
        tension_db: f32,
        pitch_rise_semitones: f32,
        pitch_range_rise_semitones: f32,
        loudness_rise_db: f32,
        /// Rise of the voice's aperiodicity above baseline, in hundredths.
        roughness_rise: f32,
        pace_rise_percent: f32,
    },
    /// The agent's pace crossed above (`start`) or back below (`end`) the limit.
    PaceFast {
        t_ms: u64,
        change: Change,
        syllables_per_s: f32,
        baseline_syllables_per_s: f32,
    },
    /// The agent's delivery went flat and quiet (`start`) or recovered (`end`).
    EnergyFlat {
        t_ms: u64,
        change: Change,
        pitch_variability_semitones: f32,
        baseline_pitch_variability_semitones: f32,
        loudness_dbfs: f32,
        baseline_loudness_dbfs: f32,
    },
    /// A nudge for the agent.
    Nudge {
        t_ms: u64,
        /// Processing delay from the evidence being available to this emission, measured.
        latency_ms: f64,
        nudge: NudgeId,
        text: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        phrase: &'a str,
        priority: u8,
        reason: Reason<'a>,
    },
    /// A nudge that was due but not shown, and why.
    NudgeSuppressed {
        t_ms: u64,
        nudge: NudgeId,
        because: SuppressedBecause,
    },
    /// Live, with the overlay: the overlay drew a nudge the engine showed.
    NudgeDrawn {
        t_ms: u64,
        nudge: NudgeId,
        /// From the engine's decision to the first frame with the nudge on it, measured.
        delay_ms: f64,
    },
    /// Live: a nudge the engine showed never reached the agent's screen, and why.
    NudgeDropped {
        t_ms: u64,
        nudge: NudgeId,
        because: DroppedBecause,
    },
    /// What one side said in a clip of speech, from the local speech-to-text. Partial
    /// transcripts (`final: false`) come every `stt.partial_every_ms` of a long clip; the
    /// final one closes the clip.
    Transcript {
        /// Live: when the text reached the analysis. Replayed reproducibly: where the clip
        /// closed (the text arrives `latency_ms` later live).
        t_ms: u64,
        speaker: Speaker,
        /// The clip's audio: its start (padding included) ...
        start_ms: u64,
        /// ... and its end.
        end_ms: u64,
        /// The end of the last voiced frame in the clip (for a partial: so far).
        speech_end_ms: u64,
        text: &'a str,
        #[serde(rename = "final")]
        is_final: bool,
        /// Measured transcription delay: from the clip being handed to whisper (when it
        /// closed, or for a partial when it was taken) to its text, waiting included.
        latency_ms: f64,
    },
    /// A phrase from the config's word lists heard in a transcript.
    Phrase {
        t_ms: u64,
        speaker: Speaker,
        cue: WordCue,
        /// The phrase as written in the config (for `name`: the name).
        phrase: &'a str,
        /// Heard after "not", "no" or "never" ("I'm not upset"): recorded, no effect.
        negated: bool,
    },
    /// Something the agent's desktop needs to know once, such as speech-to-text being off.
    Notice {
        t_ms: u64,
        code: NoticeCode,
        message: &'a str,
    },
    /// The end of the call: totals for the whole call.
    Summary(&'a CallSummary),
    /// Live only: a call began (`start`, `t_ms` 0) or ended (`end`, after its summary).
    Call {
        t_ms: u64,
        change: Change,
        call_id: &'a str,
        /// What marked it.
        by: CallMarkedBy,
        /// How capture went during the call (on `end`).
        #[serde(skip_serializing_if = "Option::is_none")]
        capture: Option<&'a CaptureTotals>,
    },
}

/// What marked the start or end of a live call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallMarkedBy {
    /// The softphone, through `callcue call start|end`.
    Hook,
    /// The audio: caller speech after an idle spell, or a long two-sided silence.
    Audio,
    /// callcue stopped during the call.
    Shutdown,
}

/// Which word list a [`Event::Phrase`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordCue {
    /// `words.caller_frustration`.
    Frustration,
    /// `words.caller_loss`.
    Loss,
    /// `words.caller_positive`: thanks, praise, laughter.
    Positive,
    /// `words.agent_acknowledgement`.
    Acknowledgement,
    /// `words.agent_blocking`.
    Blocking,
    /// `words.agent_apology`, with nothing about what for.
    BareApology,
    /// The caller gave their name.
    Name,
    /// The agent used the caller's name.
    NameUsed,
}

impl WordCue {
    /// The name as written in events.
    pub fn as_str(self) -> &'static str {
        match self {
            WordCue::Frustration => "frustration",
            WordCue::Loss => "loss",
            WordCue::Positive => "positive",
            WordCue::Acknowledgement => "acknowledgement",
            WordCue::Blocking => "blocking",
            WordCue::BareApology => "bare_apology",
            WordCue::Name => "name",
            WordCue::NameUsed => "name_used",
        }
    }
}

/// What a [`Event::Notice`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeCode {
    /// No speech-to-text for this call (no model, or a broken one): coaching from the
    /// voice alone.
    SttUnavailable,
    /// A capture device is missing or was lost: coaching goes on with the other side.
    DeviceLost,
    /// A lost capture device is back.
    DeviceBack,
    /// The machine is too busy for speech-to-text to keep up: it steps down on purpose
    /// (no partials first). Said once per call, with the decode rate measured.
    SttDegraded,
    /// Live: a config file changed and the new settings apply from the next call (the
    /// message names the keys).
    ConfigChanged,
    /// Live: a config file changed but cannot be used (the message names the file, the
    /// key, the value and what is allowed); the last good settings stay.
    ConfigError,
}

impl Event<'_> {
    /// The event's `t_ms`.
    pub fn t_ms(&self) -> u64 {
        match self {
            Event::Speech { t_ms, .. }
            | Event::Baseline { t_ms, .. }
            | Event::Interruption { t_ms, .. }
            | Event::Backchannel { t_ms, .. }
            | Event::ResponseGap { t_ms, .. }
            | Event::DeadAir { t_ms, .. }
            | Event::Monologue { t_ms, .. }
            | Event::Frustration { t_ms, .. }
            | Event::PaceFast { t_ms, .. }
            | Event::EnergyFlat { t_ms, .. }
            | Event::Nudge { t_ms, .. }
            | Event::NudgeSuppressed { t_ms, .. }
            | Event::NudgeDrawn { t_ms, .. }
            | Event::NudgeDropped { t_ms, .. }
            | Event::Transcript { t_ms, .. }
            | Event::Phrase { t_ms, .. }
            | Event::Notice { t_ms, .. }
            | Event::Call { t_ms, .. } => *t_ms,
            Event::Summary(summary) => summary.t_ms,
        }
    }

    /// The JSON `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::Speech { .. } => "speech",
            Event::Baseline { .. } => "baseline",
            Event::Interruption { .. } => "interruption",
            Event::Backchannel { .. } => "backchannel",
            Event::ResponseGap { .. } => "response_gap",
            Event::DeadAir { .. } => "dead_air",
            Event::Monologue { .. } => "monologue",
            Event::Frustration { .. } => "frustration",
            Event::PaceFast { .. } => "pace_fast",
            Event::EnergyFlat { .. } => "energy_flat",
            Event::Nudge { .. } => "nudge",
            Event::NudgeSuppressed { .. } => "nudge_suppressed",
            Event::NudgeDrawn { .. } => "nudge_drawn",
            Event::NudgeDropped { .. } => "nudge_dropped",
            Event::Transcript { .. } => "transcript",
            Event::Phrase { .. } => "phrase",
            Event::Notice { .. } => "notice",
            Event::Summary(_) => "summary",
            Event::Call { .. } => "call",
        }
    }
}

/// Receives events from the analysis. Called on the analysis thread: an implementation
/// that does I/O should hand events on rather than block for long.
pub trait EventSink {
    /// Takes one event.
    fn emit(&mut self, event: &Event<'_>);
}

impl<F: FnMut(&Event<'_>)> EventSink for F {
    fn emit(&mut self, event: &Event<'_>) {
        self(event)
    }
}
