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

/// The one table of nudges: each id's variant, config field (also its name in config and
/// events), and what it is for. Adding a nudge means adding a row here, its defaults in
/// `NudgesConfig::default`, its section in `config/callcue.toml` (a test checks it) and the
/// code that offers it. Calls `$then!` with the rows, so each list is generated from them
/// ([`NudgeId`] and its names here, the per-nudge fields of `NudgesConfig`, their keys).
#[macro_export]
macro_rules! for_each_nudge {
    ($then:ident) => {
        $then! {
            Pause pause "The agent talked over the caller.",
            Acknowledge acknowledge "The caller sounds frustrated.",
            Smile smile "The agent's voice went flat and quiet.",
            SlowDown slow_down "The agent's pace is too fast.",
            FillSilence fill_silence "Both sides silent for long.",
            CheckIn check_in "The agent has been talking for long.",
            Condolence condolence "The caller mentioned a death, illness or other loss.",
            PositiveLanguage positive_language "The agent used blocking language (\"calm down\", \"it's our policy\").",
            BeSpecific be_specific "The agent apologised without saying what for.",
            UseName use_name "The caller gave their name and the agent has not used it.",
            Restate restate "The caller just finished a long explanation.",
        }
    };
}

macro_rules! define_nudge_ids {
    ($($variant:ident $field:ident $doc:literal,)*) => {
        /// The stable ids of the nudges. Configs, events and integrations use these names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum NudgeId {
            $(#[doc = $doc] $variant,)*
        }

        impl NudgeId {
            /// Every nudge id, in a fixed order (also the order of per-id arrays).
            pub const ALL: [NudgeId; [$(NudgeId::$variant),*].len()] = [$(NudgeId::$variant),*];

            /// The id as written in config and events.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(NudgeId::$variant => stringify!($field),)*
                }
            }
        }
    };
}

for_each_nudge!(define_nudge_ids);

impl NudgeId {
    /// Position in [`NudgeId::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}
