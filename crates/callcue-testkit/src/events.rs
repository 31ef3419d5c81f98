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
    Settled,
    Cooldown,
    NudgeCap,
    CallCap,
    Busy,
    Snoozed,
    CalmBudget,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallBy {
    Hook,
    Audio,
    Shutdown,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaptureTotals {
    pub agent_device: String,
    pub caller_device: String,
    pub agent_frames_dropped: u64,
    pub caller_frames_dropped: u64,
    pub realign_samples_dropped: u64,
    pub device_losses: u32,
    pub agent_bleed_frames: u64,
    pub capture_to_vad_median_ms: f64,
    pub capture_to_vad_p95_ms: f64,
    pub capture_to_vad_max_ms: f64,
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
    #[serde(default)]
    pub speech_to_text: Option<SttTotals>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SttTotals {
    pub clips_submitted: u64,
    pub clips_too_short: u64,
    pub transcripts: u64,
    pub partials_superseded: u64,
    pub clips_dropped: u64,
    pub decodes_aborted: u64,
    pub filtered_no_speech: u64,
    pub filtered_artefacts: u64,
    pub decodes_failed: u64,
    pub segments_past_speech: u64,
    pub clips_skipped_busy: u64,
    pub partials_held_back: u64,
    pub load_step_deepest: String,
    pub decode_threads_min: u64,
    pub decode_threads_max: u64,
    /// Absent from reproducible replays.
    #[serde(default)]
    pub decode_ms_mean: Option<u64>,
    #[serde(default)]
    pub decode_ms_max: Option<u64>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Cue {
    Frustration,
    Loss,
    Positive,
    Acknowledgement,
    Blocking,
    BareApology,
    Name,
    NameUsed,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NoticeCode {
    SttUnavailable,
    DeviceLost,
    DeviceBack,
    SttDegraded,
    ConfigChanged,
    ConfigError,
}

/// Why a nudge never reached the screen.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Dropped {
    Snoozed,
    Replaced,
    OverlayBusy,
    NotDrawn,
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
        voice_score: f64,
        words_score: f64,
        tension_db: f64,
        pitch_rise_semitones: f64,
        pitch_range_rise_semitones: f64,
        loudness_rise_db: f64,
        roughness_rise: f64,
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
    NudgeDrawn {
        t_ms: u64,
        nudge: String,
        delay_ms: f64,
    },
    NudgeDropped {
        t_ms: u64,
        nudge: String,
        because: Dropped,
    },
    Transcript {
        t_ms: u64,
        speaker: Side,
        start_ms: u64,
        end_ms: u64,
        speech_end_ms: u64,
        text: String,
        #[serde(rename = "final")]
        is_final: bool,
        latency_ms: f64,
    },
    Phrase {
        t_ms: u64,
        speaker: Side,
        cue: Cue,
        phrase: String,
        negated: bool,
    },
    Notice {
        t_ms: u64,
        code: NoticeCode,
        message: String,
    },
    Summary(Summary),
    Call {
        t_ms: u64,
        change: Change,
        call_id: String,
        by: CallBy,
        #[serde(default)]
        capture: Option<CaptureTotals>,
    },
}

/// One line of a live stream (`callcue run`, the WebSocket): an event and `unix_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEv {
    pub unix_ms: u64,
    pub ev: Ev,
}

/// Parses one live line: every live event carries `unix_ms` (a plausible wall-clock time
/// in ms) besides the event's own fields, which must keep the contract strictly.
pub fn parse_live_line(line: &str) -> LiveEv {
    let mut value: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {e}\n{line}"));
    let unix_ms = value
        .as_object_mut()
        .and_then(|o| o.remove("unix_ms"))
        .and_then(|v| v.as_u64())
        .unwrap_or_else(|| panic!("live event without an integer unix_ms:\n{line}"));
    // 2020-01-01 .. 2100-01-01
    assert!(
        (1_577_836_800_000..4_102_444_800_000).contains(&unix_ms),
        "unix_ms {unix_ms} is not a plausible wall-clock time:\n{line}"
    );
    let ev: Ev = serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("live line breaks the event contract: {e}\n{line}"));
    LiveEv { unix_ms, ev }
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
            | Ev::NudgeSuppressed { t_ms, .. }
            | Ev::NudgeDrawn { t_ms, .. }
            | Ev::NudgeDropped { t_ms, .. }
            | Ev::Transcript { t_ms, .. }
            | Ev::Phrase { t_ms, .. }
            | Ev::Notice { t_ms, .. }
            | Ev::Call { t_ms, .. } => *t_ms,
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

/// Final transcripts of one side, joined in order.
pub fn final_text(events: &[Ev], side: Side) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Transcript {
                speaker,
                text,
                is_final: true,
                ..
            } if *speaker == side => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every transcript (partial or final), as (side, final, text).
pub fn transcripts(events: &[Ev]) -> Vec<(Side, bool, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Transcript {
                speaker,
                text,
                is_final,
                ..
            } => Some((*speaker, *is_final, text.clone())),
            _ => None,
        })
        .collect()
}
