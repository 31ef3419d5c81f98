//! The nudge engine: decides whether a due nudge is shown, so the agent sees one clear
//! nudge at a time and is never flooded.
//!
//! A nudge is shown unless it is switched off, inside its cooldown, at its per-call cap,
//! the call is at its cap, a nudge of equal or higher priority is still on screen
//! (`display_ms`), or the call is calm and has spent its budget. A higher-priority nudge
//! replaces a lower one on screen.
//!
//! The calm-call budget: a polite, flowing call needs little coaching, and an agent who
//! is nudged on one switches the coach off. While the call is calm, at most one nudge per
//! `calm_budget_ms` of call time is shown (the first at any time). A call stops being
//! calm for `trouble_lasts_ms` once a nudge about trouble is shown: the agent talking
//! over the caller, a frustrated caller, dead air, a loss, blocking language. Those
//! nudges are never held back by the budget; the others (delivery, pace, names, restating,
//! monologues, apologies) are. Allocation-free.

use crate::config::NudgesConfig;
use crate::event::{NudgeId, SuppressedBecause};

#[derive(Clone, Copy, Debug)]
struct OnScreen {
    priority: u8,
    until_ms: u64,
}

/// Per-call nudge bookkeeping.
#[derive(Clone, Debug, Default)]
pub struct NudgeEngine {
    shown: [u32; NudgeId::ALL.len()],
    last_shown_ms: [Option<u64>; NudgeId::ALL.len()],
    total_shown: u32,
    suppressed: u32,
    on_screen: Option<OnScreen>,
    /// The agent snoozed nudges for the rest of the call.
    snoozed: bool,
    /// Nudges shown while the call was calm (they spend the calm budget).
    calm_shown: u32,
    /// When the latest nudge about trouble was shown.
    trouble_at_ms: Option<u64>,
}

/// Whether a nudge answers trouble on the call (and so is never held back by the calm
/// budget, and ends the calm).
pub fn is_about_trouble(id: NudgeId) -> bool {
    matches!(
        id,
        NudgeId::Pause
            | NudgeId::Acknowledge
            | NudgeId::FillSilence
            | NudgeId::Condolence
            | NudgeId::PositiveLanguage
    )
}

impl NudgeEngine {
    pub fn new() -> Self {
        Self::default()
    }

    /// Offers nudge `id` at `t_ms` with `priority`; records and returns `Ok` if it is shown.
    pub fn offer(
        &mut self,
        config: &NudgesConfig,
        id: NudgeId,
        priority: u8,
        t_ms: u64,
    ) -> Result<(), SuppressedBecause> {
        let verdict = self.verdict(config, id, priority, t_ms);
        match verdict {
            Ok(()) => {
                if is_about_trouble(id) {
                    self.trouble_at_ms = Some(t_ms);
                } else if self.is_calm(config, t_ms) {
                    self.calm_shown += 1;
                }
                self.shown[id.index()] += 1;
                self.last_shown_ms[id.index()] = Some(t_ms);
                self.total_shown += 1;
                self.on_screen = Some(OnScreen {
                    priority,
                    until_ms: t_ms + u64::from(config.display_ms),
                });
            }
            Err(_) => self.suppressed += 1,
        }
        verdict
    }

    fn verdict(
        &self,
        config: &NudgesConfig,
        id: NudgeId,
        priority: u8,
        t_ms: u64,
    ) -> Result<(), SuppressedBecause> {
        let rule = config.rule(id);
        if !rule.enabled {
            return Err(SuppressedBecause::Disabled);
        }
        if self.snoozed {
            return Err(SuppressedBecause::Snoozed);
        }
        if self.shown[id.index()] >= rule.max_per_call {
            return Err(SuppressedBecause::NudgeCap);
        }
        if self.total_shown >= config.max_per_call {
            return Err(SuppressedBecause::CallCap);
        }
        if let Some(last) = self.last_shown_ms[id.index()] {
            if t_ms < last + u64::from(rule.cooldown_ms) {
                return Err(SuppressedBecause::Cooldown);
            }
        }
        if let Some(screen) = self.on_screen {
            if t_ms < screen.until_ms && priority <= screen.priority {
                return Err(SuppressedBecause::Busy);
            }
        }
        if !is_about_trouble(id) && self.is_calm(config, t_ms) && config.calm_budget_ms > 0 {
            let allowed = 1 + t_ms / u64::from(config.calm_budget_ms);
            if u64::from(self.calm_shown) >= allowed {
                return Err(SuppressedBecause::CalmBudget);
            }
        }
        Ok(())
    }

    /// Whether the call counts as calm at `t_ms`: no nudge about trouble shown in the last
    /// `trouble_lasts_ms`.
    pub fn is_calm(&self, config: &NudgesConfig, t_ms: u64) -> bool {
        self.trouble_at_ms
            .is_none_or(|at| t_ms >= at + u64::from(config.trouble_lasts_ms))
    }

    /// Whether nudge `id` would be shown at `t_ms`, without offering it.
    pub fn would_show(&self, config: &NudgesConfig, id: NudgeId, priority: u8, t_ms: u64) -> bool {
        self.verdict(config, id, priority, t_ms).is_ok()
    }

    /// Counts a due nudge held back outside the engine's own rules (settled).
    /// No more nudges this call: the agent snoozed them (a click on the overlay).
    pub fn snooze(&mut self) {
        self.snoozed = true;
    }

    pub fn hold_back(&mut self) {
        self.suppressed += 1;
    }

    /// How many times each nudge was shown, in [`NudgeId::ALL`] order.
    pub fn shown_counts(&self) -> [u32; NudgeId::ALL.len()] {
        self.shown
    }

    /// How many due nudges were not shown.
    pub fn suppressed(&self) -> u32 {
        self.suppressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooldown_cap_and_priority() {
        let mut config = NudgesConfig::default();
        config.display_ms = 4000;
        config.pause.cooldown_ms = 10_000;
        config.pause.max_per_call = 2;
        let mut engine = NudgeEngine::new();
        assert_eq!(engine.offer(&config, NudgeId::Pause, 90, 1000), Ok(()));
        assert_eq!(
            engine.offer(&config, NudgeId::Pause, 90, 5000),
            Err(SuppressedBecause::Cooldown)
        );
        // Lower priority while pause is on screen waits its turn...
        assert_eq!(
            engine.offer(&config, NudgeId::Smile, 30, 2000),
            Err(SuppressedBecause::Busy)
        );
        // ...but after display_ms it is shown.
        assert_eq!(engine.offer(&config, NudgeId::Smile, 30, 5001), Ok(()));
        // Higher priority replaces what is on screen.
        assert_eq!(
            engine.offer(&config, NudgeId::Acknowledge, 80, 5500),
            Ok(())
        );
        assert_eq!(engine.offer(&config, NudgeId::Pause, 90, 11_000), Ok(()));
        assert_eq!(
            engine.offer(&config, NudgeId::Pause, 90, 30_000),
            Err(SuppressedBecause::NudgeCap)
        );
        assert_eq!(engine.shown_counts()[NudgeId::Pause.index()], 2);
        assert_eq!(engine.suppressed(), 3);
    }

    #[test]
    fn a_calm_call_gets_one_nudge_per_budget_period() {
        let mut config = NudgesConfig::default();
        config.calm_budget_ms = 120_000;
        config.trouble_lasts_ms = 120_000;
        let mut engine = NudgeEngine::new();
        assert_eq!(engine.offer(&config, NudgeId::Smile, 30, 10_000), Ok(()));
        assert_eq!(
            engine.offer(&config, NudgeId::SlowDown, 50, 60_000),
            Err(SuppressedBecause::CalmBudget)
        );
        assert_eq!(
            engine.offer(&config, NudgeId::SlowDown, 50, 125_000),
            Ok(())
        );
        assert_eq!(
            engine.offer(&config, NudgeId::Restate, 45, 200_000),
            Err(SuppressedBecause::CalmBudget)
        );
        // Trouble is never held back by the budget, and lifts it for a while.
        assert_eq!(engine.offer(&config, NudgeId::Pause, 90, 210_000), Ok(()));
        assert!(!engine.is_calm(&config, 250_000));
        assert_eq!(engine.offer(&config, NudgeId::Restate, 45, 250_000), Ok(()));
        assert!(engine.is_calm(&config, 330_000));
        // 2 calm nudges so far; the third period (240-360 s) allows a third.
        assert_eq!(engine.offer(&config, NudgeId::CheckIn, 40, 335_000), Ok(()));
        assert_eq!(
            engine.offer(&config, NudgeId::UseName, 35, 340_000),
            Err(SuppressedBecause::CalmBudget)
        );
        // No budget at 0.
        config.calm_budget_ms = 0;
        assert_eq!(engine.offer(&config, NudgeId::UseName, 35, 341_000), Ok(()));
    }

    #[test]
    fn disabled_and_call_cap() {
        let mut config = NudgesConfig::default();
        config.smile.enabled = false;
        config.max_per_call = 1;
        let mut engine = NudgeEngine::new();
        assert_eq!(
            engine.offer(&config, NudgeId::Smile, 30, 0),
            Err(SuppressedBecause::Disabled)
        );
        assert_eq!(engine.offer(&config, NudgeId::CheckIn, 40, 0), Ok(()));
        assert_eq!(
            engine.offer(&config, NudgeId::FillSilence, 60, 60_000),
            Err(SuppressedBecause::CallCap)
        );
    }
}
