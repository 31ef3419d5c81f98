//! The two names everything else shares: which side of the call ([`Speaker`]) and which
//! nudge ([`NudgeId`]). A leaf module, so config, transcripts, the summary and events can
//! all use them without depending on each other.

use serde::Serialize;

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

impl std::fmt::Display for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// The caller mentioned a death, illness or other loss.
    Condolence,
    /// The agent used blocking language ("calm down", "it's our policy").
    PositiveLanguage,
    /// The agent apologised without saying what for.
    BeSpecific,
    /// The caller gave their name and the agent has not used it.
    UseName,
    /// The caller just finished a long explanation.
    Restate,
}

impl NudgeId {
    /// Every nudge id, in a fixed order (also the order of per-id arrays).
    pub const ALL: [NudgeId; 11] = [
        NudgeId::Pause,
        NudgeId::Acknowledge,
        NudgeId::Smile,
        NudgeId::SlowDown,
        NudgeId::FillSilence,
        NudgeId::CheckIn,
        NudgeId::Condolence,
        NudgeId::PositiveLanguage,
        NudgeId::BeSpecific,
        NudgeId::UseName,
        NudgeId::Restate,
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
            NudgeId::Condolence => "condolence",
            NudgeId::PositiveLanguage => "positive_language",
            NudgeId::BeSpecific => "be_specific",
            NudgeId::UseName => "use_name",
            NudgeId::Restate => "restate",
        }
    }

    /// Position in [`NudgeId::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}
