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

/// The one table of nudges: each row is a nudge's variant, its config name (also its name
/// in events), what it is for, and its default rule (the keys of its `[nudges.<id>]` table
/// in the config). Adding a nudge means adding a row here and the code that offers it:
/// the rest is generated from the rows ([`NudgeId`] and its names here; the per-nudge
/// fields of `NudgesConfig`, their defaults, checks and documented tables in
/// `crate::config`). Calls `$then!` with the rows.
#[macro_export]
macro_rules! for_each_nudge {
    ($then:ident) => {
        $then! {
            /// The agent talked over the caller. alt_text is shown, 10 priority points higher,
            /// while the caller sounds frustrated.
            Pause pause {
                enabled: true,
                text: "Pause - let them finish",
                alt_text: "Let them vent",
                phrase: "",
                priority: 90,
                cooldown_ms: 15_000,
                max_per_call: 4,
            },
            /// The caller's frustration score crossed caller_frustration.threshold: their
            /// voice rose above their baseline (pitch, range, loudness, pace) or they said
            /// frustrated words.
            Acknowledge acknowledge {
                enabled: true,
                text: "Acknowledge their feelings",
                alt_text: "",
                phrase: "I'd be upset too if this happened to me.",
                priority: 80,
                cooldown_ms: 30_000,
                max_per_call: 3,
            },
            /// The agent's delivery went flat: less pitch movement and quieter than their baseline.
            Smile smile {
                enabled: true,
                text: "Smile - it comes through",
                alt_text: "",
                phrase: "",
                priority: 30,
                cooldown_ms: 60_000,
                max_per_call: 2,
            },
            /// The agent's syllable rate went above the ceiling or well above their baseline.
            SlowDown slow_down {
                enabled: true,
                text: "Slow down a little",
                alt_text: "",
                phrase: "",
                priority: 50,
                cooldown_ms: 30_000,
                max_per_call: 3,
            },
            /// Both sides silent for turns.dead_air_ms.
            FillSilence fill_silence {
                enabled: true,
                text: "Tell them what you're doing",
                alt_text: "",
                phrase: "Thanks for waiting, I'm just checking that for you.",
                priority: 60,
                cooldown_ms: 30_000,
                max_per_call: 3,
            },
            /// The agent held the floor for turns.monologue_ms.
            CheckIn check_in {
                enabled: true,
                text: "Check in - ask a question",
                alt_text: "",
                phrase: "Does that make sense so far?",
                priority: 40,
                cooldown_ms: 60_000,
                max_per_call: 2,
            },
            /// The caller mentioned a death, illness or other loss (words.caller_loss).
            Condolence condolence {
                enabled: true,
                text: "Offer condolences first",
                alt_text: "",
                phrase: "I'm so sorry for your loss.",
                priority: 85,
                cooldown_ms: 120_000,
                max_per_call: 1,
            },
            /// The agent blocked or blamed (words.agent_blocking): "calm down", "it's our policy".
            PositiveLanguage positive_language {
                enabled: true,
                text: "Say what you can do",
                alt_text: "",
                phrase: "Here's what I can do for you.",
                priority: 70,
                cooldown_ms: 60_000,
                max_per_call: 2,
            },
            /// The agent apologised with nothing about what for (words.agent_apology).
            BeSpecific be_specific {
                enabled: true,
                text: "Say what you're sorry about",
                alt_text: "",
                phrase: "I'm sorry you've had to call about this again.",
                priority: 55,
                cooldown_ms: 60_000,
                max_per_call: 2,
            },
            /// The caller gave their name and the agent has not used it
            /// (words.use_name_after_agent_turns). {name} in the text is the caller's name.
            UseName use_name {
                enabled: true,
                text: "Use their name: {name}",
                alt_text: "",
                phrase: "",
                priority: 35,
                cooldown_ms: 120_000,
                max_per_call: 1,
            },
            /// The caller described a problem at length and paused
            /// (words.restate_min_caller_words); once a call, since confirming the problem once
            /// is what it is for.
            Restate restate {
                enabled: true,
                text: "Repeat back what you heard",
                alt_text: "",
                phrase: "So if I've got this right, ...",
                priority: 45,
                cooldown_ms: 90_000,
                max_per_call: 1,
            },
        }
    };
}

macro_rules! define_nudge_ids {
    ($($(#[doc = $doc:literal])* $variant:ident $field:ident $rule:tt,)*) => {
        /// The stable ids of the nudges. Configs, events and integrations use these names.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum NudgeId {
            $($(#[doc = $doc])* $variant,)*
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
