//! The events the analysis emits, and the sink trait that receives them.
//!
//! This is the one place the event stream is defined; `docs/events.md` describes it for
//! readers and `tests/jsonl_contract.rs` pins the JSON form with its own strict types.
//! Every event has a `type` and a `t_ms`: the position in the call audio (from sample
//! counts, never the wall clock) at which the evidence for it was complete.
//!
//! Events borrow their texts from the config and carry their reasons as small values that
//! are only formatted when written, so emitting one never allocates.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::summary::CallSummary;

/// One side of the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Agent,
    Caller,
}

impl Speaker {
    /// Both sides, agent first.
    pub const BOTH: [Speaker; 2] = [Speaker::Agent, Speaker::Caller];

    /// The other side.
    pub fn other(self) -> Speaker {
        match self {
            Speaker::Agent => Speaker::Caller,
            Speaker::Caller => Speaker::Agent,
        }
    }

    /// `"agent"` or `"caller"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Caller => "caller",
        }
    }

    /// 0 for the agent, 1 for the caller: an index into per-side arrays.
    pub fn index(self) -> usize {
        match self {
            Speaker::Agent => 0,
            Speaker::Caller => 1,
        }
    }
}

/// The stable ids of the nudges. Configs, events and integrations use these names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NudgeId {
    /// The agent talked over the caller.
    Pause,
    /// The caller sounds frustrated.
    Acknowledge,
    /// The agent's voice went flat and quiet.
    Smile,
    /// The agent's pace is too fast.
    SlowDown,
    /// Both sides silent for long.
    FillSilence,
    /// The agent has been talking for long.
    CheckIn,
}

impl NudgeId {
    /// Every nudge id, in a fixed order (also the order of per-id arrays).
    pub const ALL: [NudgeId; 6] = [
        NudgeId::Pause,
        NudgeId::Acknowledge,
        NudgeId::Smile,
        NudgeId::SlowDown,
        NudgeId::FillSilence,
        NudgeId::CheckIn,
    ];

    /// The id as written in config and events.
    pub fn as_str(self) -> &'static str {
        match self {
            NudgeId::Pause => "pause",
            NudgeId::Acknowledge => "acknowledge",
            NudgeId::Smile => "smile",
            NudgeId::SlowDown => "slow_down",
            NudgeId::FillSilence => "fill_silence",
            NudgeId::CheckIn => "check_in",
        }
    }

    /// Position in [`NudgeId::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Why a nudge was given, formatted for people only when written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reason {
    /// The agent kept talking over the caller.
    AgentOverlap {
        overlap_ms: u64,
        caller_frustrated: bool,
    },
    /// The caller's voice rose above their baseline.
    CallerVoice { score: f32 },
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

impl fmt::Display for Reason {
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
            Reason::CallerVoice { score } => write!(
                f,
                "caller's pitch, loudness and pace rose above their baseline (score {score:.2})"
            ),
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

impl Serialize for Reason {
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
    /// The same nudge was shown less than its cooldown ago.
    Cooldown,
    /// This nudge reached its per-call cap.
    NudgeCap,
    /// The call reached its cap of nudges.
    CallCap,
    /// A nudge of equal or higher priority is on screen.
    Busy,
}

impl SuppressedBecause {
    /// The name as written in events.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressedBecause::Disabled => "disabled",
            SuppressedBecause::Cooldown => "cooldown",
            SuppressedBecause::NudgeCap => "nudge_cap",
            SuppressedBecause::CallCap => "call_cap",
            SuppressedBecause::Busy => "busy",
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
    /// The caller's voice-based frustration crossed the threshold, up (`start`) or down (`end`).
    Frustration {
        t_ms: u64,
        change: Change,
        score: f32,
        pitch_rise_semitones: f32,
        pitch_range_rise_semitones: f32,
        loudness_rise_db: f32,
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
        reason: Reason,
    },
    /// A nudge that was due but not shown, and why.
    NudgeSuppressed {
        t_ms: u64,
        nudge: NudgeId,
        because: SuppressedBecause,
    },
    /// The end of the call: totals for the whole call.
    Summary(&'a CallSummary),
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
            | Event::NudgeSuppressed { t_ms, .. } => *t_ms,
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
            Event::Summary(_) => "summary",
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
