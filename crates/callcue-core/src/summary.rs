//! The end-of-call summary: totals a supervisor reads, and the last event of every call.

use serde::Serialize;

use crate::ids::NudgeId;
use crate::transcript::SttTotals;

/// One episode of caller frustration: when it peaked and how high.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FrustrationPeak {
    pub t_ms: u64,
    pub score: f32,
}

/// How often one nudge was shown.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NudgeCount {
    pub nudge: NudgeId,
    pub count: u32,
}

/// Totals for one call. Serialized inside the `summary` event.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CallSummary {
    /// End of the call audio.
    pub t_ms: u64,
    pub duration_ms: u64,
    pub agent_talk_ms: u64,
    pub caller_talk_ms: u64,
    /// The agent's share of all talk, 0-1 (0 when nobody spoke).
    pub agent_talk_ratio: f32,
    pub interruptions_by_agent: u32,
    pub interruptions_by_caller: u32,
    pub agent_backchannels: u32,
    pub caller_backchannels: u32,
    /// Median gap between the caller finishing and the agent answering.
    pub agent_response_gap_median_ms: Option<u64>,
    pub longest_monologue_ms: u64,
    pub dead_air_ms: u64,
    pub dead_air_spells: u32,
    pub longest_dead_air_ms: u64,
    pub frustration_peaks: Vec<FrustrationPeak>,
    /// Nudges shown, by id (ids never shown are left out).
    pub nudges: Vec<NudgeCount>,
    pub nudges_total: u32,
    /// Nudges that were due but held back (cooldown, caps, screen busy, switched off).
    pub nudges_suppressed: u32,
    /// Speech-to-text for the call: clips, transcripts, what was shed or filtered. Absent
    /// when speech-to-text was off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_to_text: Option<SttTotals>,
}

/// How live capture went during one call. Serialized in the `call` event that ends it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CaptureTotals {
    /// The devices in use when the call ended ("" = none attached).
    pub agent_device: String,
    pub caller_device: String,
    /// Device frames lost because a capture ring was full (the analysis fell behind).
    pub agent_frames_dropped: u64,
    pub caller_frames_dropped: u64,
    /// Analysis samples dropped to keep the two sides aligned (device clock drift).
    pub realign_samples_dropped: u64,
    /// Times a device was lost during the call.
    pub device_losses: u32,
    /// Agent-side frames taken as the caller's voice leaking into the microphone.
    pub agent_bleed_frames: u64,
    /// From a sample's capture to the voice-activity decision on the frame it ends:
    /// median, 95th percentile and maximum over the call, in ms.
    pub capture_to_vad_median_ms: f32,
    pub capture_to_vad_p95_ms: f32,
    pub capture_to_vad_max_ms: f32,
}
