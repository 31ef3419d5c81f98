//! Judgements on prosody against each speaker's own baseline: caller frustration, agent
//! pace too fast, agent delivery flat. Each is a small state machine with hysteresis that
//! emits an event when its state starts or ends.
//!
//! The agent-side cues describe delivery (pace, pitch movement, loudness), never the agent's
//! feelings.

use crate::config::{AgentEnergyConfig, AgentPaceConfig, CallerFrustrationConfig};
use crate::event::{Change, Event};
use crate::prosody::ProsodyStats;

/// How far each cue is above the caller's baseline, and the 0-1 score from them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrustrationReading {
    pub score: f32,
    pub pitch_rise_semitones: f32,
    pub pitch_range_rise_semitones: f32,
    pub loudness_rise_db: f32,
    pub pace_rise_percent: f32,
}

/// Scores the caller's recent voice against their baseline.
pub fn frustration_reading(
    config: &CallerFrustrationConfig,
    recent: &ProsodyStats,
    baseline: &ProsodyStats,
) -> FrustrationReading {
    let pitch_rise = recent.pitch_semitones() - baseline.pitch_semitones();
    let range_rise = recent.pitch_variability_semitones - baseline.pitch_variability_semitones;
    let loudness_rise = recent.loudness_dbfs - baseline.loudness_dbfs;
    let pace_rise = if baseline.syllables_per_s > 0.0 {
        (recent.syllables_per_s / baseline.syllables_per_s - 1.0) * 100.0
    } else {
        0.0
    };
    let part = |value: f32, full: f32| (value / full).clamp(0.0, 1.0);
    let weighted = config.pitch_weight * part(pitch_rise, config.pitch_rise_semitones)
        + config.pitch_range_weight * part(range_rise, config.pitch_range_rise_semitones)
        + config.loudness_weight * part(loudness_rise, config.loudness_rise_db)
        + config.pace_weight * part(pace_rise, config.pace_rise_percent);
    let weights = config.pitch_weight
        + config.pitch_range_weight
        + config.loudness_weight
        + config.pace_weight;
    FrustrationReading {
        score: if weights > 0.0 {
            weighted / weights
        } else {
            0.0
        },
        pitch_rise_semitones: pitch_rise,
        pitch_range_rise_semitones: range_rise,
        loudness_rise_db: loudness_rise,
        pace_rise_percent: pace_rise,
    }
}

/// The caller's frustration state, with hysteresis, and the peak of each episode.
///
/// The score is the voice's score (the caller's recent speech against their baseline)
/// plus the words' score (frustration phrases heard, each decaying with a half-life),
/// at most 1: either alone can cross the threshold, and both together cross it sooner.
#[derive(Clone, Debug)]
pub struct CallerFrustration {
    config: CallerFrustrationConfig,
    frustrated: bool,
    /// The latest reading of the voice, if the caller has a baseline yet.
    voice: Option<FrustrationReading>,
    /// The words' score and when it was last set; it decays from there.
    words: (u64, f32),
    words_half_life_ms: f32,
    /// Highest score of the current episode and when.
    episode_peak: Option<(u64, f32)>,
}

impl CallerFrustration {
    pub fn new(config: &CallerFrustrationConfig, words_half_life_ms: u32) -> Self {
        Self {
            config: config.clone(),
            frustrated: false,
            voice: None,
            words: (0, 0.0),
            words_half_life_ms: words_half_life_ms.max(1) as f32,
            episode_peak: None,
        }
    }

    /// Whether the caller currently counts as frustrated.
    pub fn is_frustrated(&self) -> bool {
        self.frustrated
    }

    /// The combined score (voice + words, at most 1) at `t_ms`.
    pub fn score(&self, t_ms: u64) -> f32 {
        let voice = self.voice.as_ref().map_or(0.0, |reading| reading.score);
        (voice + self.words_score(t_ms)).min(1.0)
    }

    /// The words' part of the score at `t_ms`.
    pub fn words_score(&self, t_ms: u64) -> f32 {
        let (set_ms, score) = self.words;
        let elapsed_ms = t_ms.saturating_sub(set_ms) as f32;
        score * 0.5f32.powf(elapsed_ms / self.words_half_life_ms)
    }

    /// Judges the caller's recent speech at `t_ms`. Returns the event if the state changed,
    /// and the finished episode's peak `(t_ms, score)` when an episode ends.
    pub fn update(
        &mut self,
        t_ms: u64,
        recent: &ProsodyStats,
        baseline: &ProsodyStats,
    ) -> (Option<Event<'static>>, Option<(u64, f32)>) {
        self.voice = Some(frustration_reading(&self.config, recent, baseline));
        self.judge(t_ms)
    }

    /// A frustration phrase was heard at `t_ms`: adds `phrase_score` to the words' score
    /// and judges again.
    pub fn add_words(
        &mut self,
        t_ms: u64,
        phrase_score: f32,
    ) -> (Option<Event<'static>>, Option<(u64, f32)>) {
        let score = (self.words_score(t_ms) + phrase_score).min(1.0);
        self.words = (t_ms, score);
        self.judge(t_ms)
    }

    /// The agent acknowledged the caller: the words heard so far have been answered.
    pub fn clear_words(&mut self, t_ms: u64) {
        self.words = (t_ms, 0.0);
    }

    fn judge(&mut self, t_ms: u64) -> (Option<Event<'static>>, Option<(u64, f32)>) {
        let voice = self.voice.unwrap_or(FrustrationReading {
            score: 0.0,
            pitch_rise_semitones: 0.0,
            pitch_range_rise_semitones: 0.0,
            loudness_rise_db: 0.0,
            pace_rise_percent: 0.0,
        });
        let words_score = self.words_score(t_ms);
        let score = (voice.score + words_score).min(1.0);
        if self.frustrated {
            if let Some((_, peak)) = self.episode_peak {
                if score > peak {
                    self.episode_peak = Some((t_ms, score));
                }
            }
        }
        let change = if !self.frustrated && score >= self.config.threshold {
            self.frustrated = true;
            self.episode_peak = Some((t_ms, score));
            Change::Start
        } else if self.frustrated && score < self.config.threshold - self.config.hysteresis {
            self.frustrated = false;
            Change::End
        } else {
            return (None, None);
        };
        let finished_peak = if change == Change::End {
            self.episode_peak.take()
        } else {
            None
        };
        let event = Event::Frustration {
            t_ms,
            change,
            score,
            voice_score: voice.score,
            words_score,
            pitch_rise_semitones: voice.pitch_rise_semitones,
            pitch_range_rise_semitones: voice.pitch_range_rise_semitones,
            loudness_rise_db: voice.loudness_rise_db,
            pace_rise_percent: voice.pace_rise_percent,
        };
        (Some(event), finished_peak)
    }

    /// Ends the call: the open episode's peak, if the caller was still frustrated.
    pub fn finish(&mut self) -> Option<(u64, f32)> {
        self.frustrated = false;
        self.episode_peak.take()
    }
}

/// Whether the agent's pace is too fast: above the ceiling, or well above their baseline.
#[derive(Clone, Debug)]
pub struct AgentPace {
    config: AgentPaceConfig,
    fast: bool,
}

/// A state ends only once its measure is back this far inside the limit.
const RECOVERY_FRACTION: f32 = 0.5;

impl AgentPace {
    pub fn new(config: &AgentPaceConfig) -> Self {
        Self {
            config: config.clone(),
            fast: false,
        }
    }

    /// The limit for this baseline, in syllables per second.
    fn limit(&self, baseline: &ProsodyStats) -> f32 {
        let relative = baseline.syllables_per_s * (1.0 + self.config.rise_percent / 100.0);
        relative.min(self.config.ceiling_syllables_per_s)
    }

    /// Judges the agent's recent speech at `t_ms`; returns the event if the state changed.
    pub fn update(
        &mut self,
        t_ms: u64,
        recent: &ProsodyStats,
        baseline: &ProsodyStats,
    ) -> Option<Event<'static>> {
        let limit = self.limit(baseline);
        let rate = recent.syllables_per_s;
        let recovered_below =
            limit - (limit - baseline.syllables_per_s).max(0.0) * RECOVERY_FRACTION;
        let change = if !self.fast && rate > limit {
            self.fast = true;
            Change::Start
        } else if self.fast && rate < recovered_below {
            self.fast = false;
            Change::End
        } else {
            return None;
        };
        Some(Event::PaceFast {
            t_ms,
            change,
            syllables_per_s: rate,
            baseline_syllables_per_s: baseline.syllables_per_s,
        })
    }
}

/// Whether the agent's delivery is flat: little pitch movement and quieter than baseline.
#[derive(Clone, Debug)]
pub struct AgentEnergy {
    config: AgentEnergyConfig,
    flat: bool,
}

impl AgentEnergy {
    pub fn new(config: &AgentEnergyConfig) -> Self {
        Self {
            config: config.clone(),
            flat: false,
        }
    }

    /// Judges the agent's recent speech at `t_ms`; returns the event if the state changed.
    pub fn update(
        &mut self,
        t_ms: u64,
        recent: &ProsodyStats,
        baseline: &ProsodyStats,
    ) -> Option<Event<'static>> {
        let keep = 1.0 - self.config.variability_drop_percent / 100.0;
        let variability_limit = baseline.pitch_variability_semitones * keep;
        let loudness_limit = baseline.loudness_dbfs - self.config.loudness_drop_db;
        let flat_now = recent.pitch_variability_semitones <= variability_limit
            && recent.loudness_dbfs <= loudness_limit;
        let recovered = recent.pitch_variability_semitones
            > baseline.pitch_variability_semitones * (1.0 - (1.0 - keep) * RECOVERY_FRACTION)
            || recent.loudness_dbfs
                > baseline.loudness_dbfs - self.config.loudness_drop_db * RECOVERY_FRACTION;
        let change = if !self.flat && flat_now {
            self.flat = true;
            Change::Start
        } else if self.flat && recovered {
            self.flat = false;
            Change::End
        } else {
            return None;
        };
        Some(Event::EnergyFlat {
            t_ms,
            change,
            pitch_variability_semitones: recent.pitch_variability_semitones,
            baseline_pitch_variability_semitones: baseline.pitch_variability_semitones,
            loudness_dbfs: recent.loudness_dbfs,
            baseline_loudness_dbfs: baseline.loudness_dbfs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(pitch_hz: f32, spread: f32, loudness: f32, rate: f32) -> ProsodyStats {
        ProsodyStats {
            pitch_hz,
            pitch_variability_semitones: spread,
            loudness_dbfs: loudness,
            syllables_per_s: rate,
        }
    }

    #[test]
    fn raised_voice_scores_high_and_calm_voice_low() {
        let config = CallerFrustrationConfig::default();
        let base = stats(180.0, 2.0, -26.0, 4.0);
        let calm = frustration_reading(&config, &stats(182.0, 2.1, -25.5, 4.1), &base);
        assert!(calm.score < 0.1, "{calm:?}");
        let raised = frustration_reading(&config, &stats(250.0, 3.5, -18.0, 5.2), &base);
        assert!(raised.score > 0.9, "{raised:?}");
        assert!((raised.pitch_rise_semitones - 12.0 * (250.0f32 / 180.0).log2()).abs() < 1e-3);
    }

    #[test]
    fn a_loud_deep_voice_is_judged_against_itself() {
        let config = CallerFrustrationConfig::default();
        let loud_deep = stats(90.0, 1.5, -12.0, 5.0);
        let reading = frustration_reading(&config, &loud_deep, &loud_deep);
        assert_eq!(reading.score, 0.0);
    }

    #[test]
    fn frustration_has_hysteresis_and_reports_its_peak() {
        let mut frustration = CallerFrustration::new(&CallerFrustrationConfig::default(), 30_000);
        let base = stats(180.0, 2.0, -26.0, 4.0);
        let (event, _) = frustration.update(1000, &stats(240.0, 3.0, -19.0, 5.0), &base);
        assert!(matches!(
            event,
            Some(Event::Frustration {
                change: Change::Start,
                ..
            })
        ));
        let (event, _) = frustration.update(1100, &stats(260.0, 4.0, -17.0, 5.0), &base);
        assert!(event.is_none());
        // Slightly below the threshold but inside the hysteresis band: still frustrated.
        let (event, _) = frustration.update(1200, &stats(205.0, 2.4, -23.5, 4.3), &base);
        assert!(event.is_none(), "{event:?}");
        let (event, peak) = frustration.update(1300, &base, &base);
        assert!(matches!(
            event,
            Some(Event::Frustration {
                change: Change::End,
                ..
            })
        ));
        assert_eq!(peak.unwrap().0, 1100);
    }

    #[test]
    fn pace_uses_ceiling_and_baseline() {
        let mut pace = AgentPace::new(&AgentPaceConfig::default());
        let base = stats(120.0, 2.0, -20.0, 4.0);
        assert!(pace
            .update(0, &stats(120.0, 2.0, -20.0, 5.0), &base)
            .is_none());
        assert!(pace
            .update(100, &stats(120.0, 2.0, -20.0, 6.2), &base)
            .is_some());
        assert!(pace
            .update(200, &stats(120.0, 2.0, -20.0, 5.5), &base)
            .is_none());
        assert!(pace
            .update(300, &stats(120.0, 2.0, -20.0, 4.2), &base)
            .is_some());
        // A naturally fast talker still hits the absolute ceiling.
        let mut pace = AgentPace::new(&AgentPaceConfig::default());
        let fast_base = stats(120.0, 2.0, -20.0, 7.0);
        assert!(pace
            .update(0, &stats(120.0, 2.0, -20.0, 7.3), &fast_base)
            .is_none());
        assert!(pace
            .update(0, &stats(120.0, 2.0, -20.0, 7.8), &fast_base)
            .is_some());
    }

    #[test]
    fn flat_needs_both_less_movement_and_less_level() {
        let mut energy = AgentEnergy::new(&AgentEnergyConfig::default());
        let base = stats(120.0, 2.0, -20.0, 4.0);
        // Quieter only: not flat.
        assert!(energy
            .update(0, &stats(120.0, 1.9, -30.0, 4.0), &base)
            .is_none());
        // Monotone only: not flat.
        assert!(energy
            .update(0, &stats(120.0, 0.8, -20.0, 4.0), &base)
            .is_none());
        assert!(energy
            .update(0, &stats(120.0, 0.8, -28.0, 4.0), &base)
            .is_some());
        assert!(energy
            .update(0, &stats(120.0, 2.0, -20.0, 4.0), &base)
            .is_some());
    }
}
