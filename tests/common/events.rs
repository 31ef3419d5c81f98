//! The JSONL event contract, written down independently of the library's own types:
//! strict serde types that refuse unknown fields and unknown event types, so any drift
//! between `src/event.rs`, `docs/events.md` and what the binary writes fails a test.

use serde::Deserialize;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Agent,
    Caller,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Start,
    End,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Because {
    Disabled,
    Cooldown,
    NudgeCap,
    CallCap,
    Busy,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Peak {
    pub t_ms: u64,
    pub score: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Count {
    pub nudge: String,
    pub count: u32,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub t_ms: u64,
    pub duration_ms: u64,
    pub agent_talk_ms: u64,
    pub caller_talk_ms: u64,
    pub agent_talk_ratio: f64,
    pub interruptions_by_agent: u32,
    pub interruptions_by_caller: u32,
    pub agent_backchannels: u32,
    pub caller_backchannels: u32,
    pub agent_response_gap_median_ms: Option<u64>,
    pub longest_monologue_ms: u64,
    pub dead_air_ms: u64,
    pub dead_air_spells: u32,
    pub longest_dead_air_ms: u64,
    pub frustration_peaks: Vec<Peak>,
    pub nudges: Vec<Count>,
    pub nudges_total: u32,
    pub nudges_suppressed: u32,
}

/// One line of the stream.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Ev {
    Speech {
        t_ms: u64,
        speaker: Side,
        start_ms: u64,
        end_ms: u64,
        loudness_dbfs: f64,
        #[serde(default)]
        pitch_hz: Option<f64>,
    },
    Baseline {
        t_ms: u64,
        speaker: Side,
        pitch_hz: f64,
        pitch_variability_semitones: f64,
        loudness_dbfs: f64,
        syllables_per_s: f64,
    },
    Interruption {
        t_ms: u64,
        by: Side,
        start_ms: u64,
        overlap_ms: u64,
    },
    Backchannel {
        t_ms: u64,
        speaker: Side,
        start_ms: u64,
        end_ms: u64,
    },
    ResponseGap {
        t_ms: u64,
        speaker: Side,
        gap_ms: u64,
    },
    DeadAir {
        t_ms: u64,
        start_ms: u64,
    },
    Monologue {
        t_ms: u64,
        start_ms: u64,
    },
    Frustration {
        t_ms: u64,
        change: Change,
        score: f64,
        pitch_rise_semitones: f64,
        pitch_range_rise_semitones: f64,
        loudness_rise_db: f64,
        pace_rise_percent: f64,
    },
    PaceFast {
        t_ms: u64,
        change: Change,
        syllables_per_s: f64,
        baseline_syllables_per_s: f64,
    },
    EnergyFlat {
        t_ms: u64,
        change: Change,
        pitch_variability_semitones: f64,
        baseline_pitch_variability_semitones: f64,
        loudness_dbfs: f64,
        baseline_loudness_dbfs: f64,
    },
    Nudge {
        t_ms: u64,
        latency_ms: f64,
        nudge: String,
        text: String,
        #[serde(default)]
        phrase: Option<String>,
        priority: u8,
        reason: String,
    },
    NudgeSuppressed {
        t_ms: u64,
        nudge: String,
        because: Because,
    },
    Summary(Summary),
}

impl Ev {
    pub fn t_ms(&self) -> u64 {
        match self {
            Ev::Speech { t_ms, .. }
            | Ev::Baseline { t_ms, .. }
            | Ev::Interruption { t_ms, .. }
            | Ev::Backchannel { t_ms, .. }
            | Ev::ResponseGap { t_ms, .. }
            | Ev::DeadAir { t_ms, .. }
            | Ev::Monologue { t_ms, .. }
            | Ev::Frustration { t_ms, .. }
            | Ev::PaceFast { t_ms, .. }
            | Ev::EnergyFlat { t_ms, .. }
            | Ev::Nudge { t_ms, .. }
            | Ev::NudgeSuppressed { t_ms, .. } => *t_ms,
            Ev::Summary(s) => s.t_ms,
        }
    }
}

/// Parses a whole JSONL stream; panics naming the line that breaks the contract.
pub fn parse_stream(jsonl: &str) -> Vec<Ev> {
    jsonl
        .lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("line {} breaks the event contract: {e}\n{line}", i + 1))
        })
        .collect()
}

/// Nudges as (id, t_ms).
pub fn nudges(events: &[Ev]) -> Vec<(String, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Nudge { nudge, t_ms, .. } => Some((nudge.clone(), *t_ms)),
            _ => None,
        })
        .collect()
}
