//! The nudge engine's section: its own keys, then one `[nudges.<id>]` table per nudge,
//! generated from the rows of [`crate::for_each_nudge`] (each row gives its nudge's doc
//! and default rule). Declarations only; see `declare.rs` for the syntax.

use super::declare::section;
use crate::ids::NudgeId;

section! {
    /// How one kind of nudge behaves: the keys of each nudge's table, `[nudges.<id>]`.
    table NudgeRule {
        /// Whether the agent is nudged; false still records the signal.
        enabled: bool;
        /// What the agent reads: a few words.
        text: String, short_text(60);
        /// A variant text for a special case ("" for none).
        alt_text: String;
        /// An example phrase the agent can say ("" for none).
        phrase: String;
        /// Higher wins the screen when two nudges compete.
        priority: u8, range(0..=100);
        /// After showing, the same nudge waits at least this long.
        cooldown_ms: u32, range(0..=3_600_000);
        /// At most this many of this nudge in one call.
        max_per_call: u32, range(0..=1000);
    }
}

/// Declares [`NudgesConfig`] from the nudge rows: the engine's keys are declared here, the
/// tables come from the rows.
macro_rules! nudges_section {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident $id:ident { $($key:ident: $value:expr),* $(,)? },
    )*) => {
        section! {
            /// The nudge engine: one nudge on screen at a time, cooldowns and caps.
            [nudges] NudgesConfig {
                /// How long a nudge stays on screen (the overlay then fades it over
                /// overlay.fade_ms); a nudge of lower or equal priority is held back meanwhile.
                display_ms: u32 = 4000, range(500..=60_000);
                /// At most this many nudges in one call, all kinds together.
                max_per_call: u32 = 12, range(0..=1000);
                /// A calm, polite call gets little coaching: while the call is calm, at most one
                /// nudge per this much call time (0 = no budget). Nudges about trouble
                /// (pause, acknowledge, fill_silence, condolence, positive_language) never
                /// wait for it ...
                calm_budget_ms: u32 = 120_000, range(0..=3_600_000);
                /// ... and end the calm for this long.
                trouble_lasts_ms: u32 = 120_000, range(0..=3_600_000);
            }
            tables NudgeRule {$(
                $(#[doc = $doc])*
                $id = NudgeRule {
                    $($key: $crate::config::declare::FromDeclared::declared($value),)*
                };
            )*}
        }

        impl NudgesConfig {
            /// The rule for one nudge id.
            pub fn rule(&self, id: NudgeId) -> &NudgeRule {
                match id {
                    $(NudgeId::$variant => &self.$id,)*
                }
            }
        }
    };
}

crate::for_each_nudge!(nudges_section);
