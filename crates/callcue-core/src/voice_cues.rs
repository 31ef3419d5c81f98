//! Judgements on prosody against each speaker's own baseline: caller frustration, agent
//! pace too fast, agent delivery flat. Each is a small state machine with hysteresis that
//! emits an event when its state starts or ends.
//!
//! Caller frustration is told from excitement, not just from arousal. Measured on real
//! actors (12 English voices, neutral, angry and happy, through a G.711 telephone
//! channel): pitch rises as much in delight as in anger, and spectral tilt follows
//! loudness in both; what separates them is that an angry voice gets louder without
//! getting correspondingly higher, and rougher (less periodic). So the voice's score is
//! its *tension*: loudness rise (dB) minus pitch rise (semitones, a fall counts as none),
//! plus `roughness_weight` per hundredth of aperiodicity rise, over `tension_full_db`;
//! a voice less than `min_loudness_rise_db` louder than its baseline scores nothing. The
//! voice alone needs the score to hold for `sustain_ms` of the caller's speech (or to be
//! strong); the caller's words support it (frustration phrases) or veto it (warm,
//! positive phrases: thanks, laughter); with no words to go on, the voice needs
//! `voice_only_threshold`.
//!
//! The agent-side cues describe delivery (pace, pitch movement, loudness), never the agent's
//! feelings.

use crate::config::{AgentEnergyConfig, AgentPaceConfig, CallerFrustrationConfig};
use crate::event::{Change, Event};
use crate::prosody::ProsodyStats;

/// How far each cue is above the caller's baseline, and the 0-1 score from them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrustrationReading {
    pub score: f32,
    /// Loudness rise minus pitch rise plus weighted roughness rise, in dB.
    pub tension_db: f32,
    pub pitch_rise_semitones: f32,
    pub pitch_range_rise_semitones: f32,
    pub loudness_rise_db: f32,
    /// Rise of the median aperiodicity, in hundredths.
    pub roughness_rise: f32,
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
    let roughness_rise = 100.0 * (recent.aperiodicity - baseline.aperiodicity);
    let pace_rise = if baseline.syllables_per_s > 0.0 {
        (recent.syllables_per_s / baseline.syllables_per_s - 1.0) * 100.0
    } else {
        0.0
    };
    // A falling pitch is not tension (tired, creaky or an octave slip); roughness counts
    // only within a plausible band, so one noisy stretch cannot carry it.
    let tension_db = loudness_rise - config.pitch_weight * pitch_rise.max(0.0)
        + config.roughness_weight * roughness_rise.clamp(-ROUGHNESS_CLAMP, ROUGHNESS_CLAMP);
    let score = if loudness_rise >= config.min_loudness_rise_db {
        (tension_db / config.tension_full_db).clamp(0.0, 1.0)
    } else {
        0.0
    };
    FrustrationReading {
        score,
        tension_db,
        pitch_rise_semitones: pitch_rise,
        pitch_range_rise_semitones: range_rise,
        loudness_rise_db: loudness_rise,
        roughness_rise,
        pace_rise_percent: pace_rise,
    }
}

/// Largest roughness rise (hundredths of aperiodicity) that counts, either way.
const ROUGHNESS_CLAMP: f32 = 30.0;

/// The caller's frustration state, with hysteresis, and the peak of each episode.
///
/// The score is the voice's score plus the words' score (frustration phrases heard, each
/// decaying with a half-life), at most 1. Frustrated words cross the threshold alone or
/// with the voice; the voice alone crosses it only when it has held for `sustain_ms` of
/// speech or is strong, and never within `positive_veto_ms` of the caller saying
/// something warm.
#[derive(Clone, Debug)]
pub struct CallerFrustration {
    config: CallerFrustrationConfig,
    frustrated: bool,
    /// The latest reading of the voice, if the caller has a baseline yet.
    voice: Option<FrustrationReading>,
    /// Caller speech over which the voice has stayed at or near its threshold.
    voice_held_ms: u32,
    /// The words' score and when it was last set; it decays from there.
    words: (u64, f32),
    words_half_life_ms: f32,
    /// Whether transcripts come in for this call (else the voice must be stronger).
    words_available: bool,
    /// When the caller last said something warm (thanks, praise, laughter).
    positive_at_ms: Option<u64>,
    positive_veto_ms: u64,
    /// Highest score of the current episode and when.
    episode_peak: Option<(u64, f32)>,
}

impl CallerFrustration {
    pub fn new(
        config: &CallerFrustrationConfig,
        words_half_life_ms: u32,
        positive_veto_ms: u32,
    ) -> Self {
        Self {
            config: config.clone(),
            frustrated: false,
            voice: None,
            voice_held_ms: 0,
            words: (0, 0.0),
            words_half_life_ms: words_half_life_ms.max(1) as f32,
            words_available: false,
            positive_at_ms: None,
            positive_veto_ms: positive_veto_ms.into(),
            episode_peak: None,
        }
    }

    /// Transcripts come in for this call: the voice is judged at `threshold` rather than
    /// the stricter `voice_only_threshold`.
    pub fn set_words_available(&mut self, available: bool) {
        self.words_available = available;
    }

    /// Whether the caller currently counts as frustrated.
    pub fn is_frustrated(&self) -> bool {
        self.frustrated
    }

    /// Whether the caller's voice is raised now (at or near its threshold), frustrated or
    /// not yet: the stretch is kept out of the caller's baseline.
    pub fn voice_is_raised(&self) -> bool {
        self.frustrated || self.voice_held_ms > 0
    }

    /// The combined score (voice + words, at most 1) at `t_ms`.
    pub fn score(&self, t_ms: u64) -> f32 {
        (self.voice_score(t_ms) + self.words_score(t_ms)).min(1.0)
    }

    /// The words' part of the score at `t_ms`.
    pub fn words_score(&self, t_ms: u64) -> f32 {
        let (set_ms, score) = self.words;
        let elapsed_ms = t_ms.saturating_sub(set_ms) as f32;
        score * 0.5f32.powf(elapsed_ms / self.words_half_life_ms)
    }

    /// The voice's part of the score at `t_ms`: 0 while a warm phrase vetoes it.
    fn voice_score(&self, t_ms: u64) -> f32 {
        let vetoed = self
            .positive_at_ms
            .is_some_and(|at| t_ms.saturating_sub(at) < self.positive_veto_ms);
        if vetoed {
            0.0
        } else {
            self.voice.map_or(0.0, |reading| reading.score)
        }
    }

    /// The score the voice alone must reach.
    fn voice_threshold(&self) -> f32 {
        if self.words_available {
            self.config.threshold
        } else {
            self.config.voice_only_threshold.max(self.config.threshold)
        }
    }

    /// Judges the caller's recent speech at `t_ms`, `judged_speech_ms` of speech after the
    /// last judgement. Returns the event if the state changed, and the finished episode's
    /// peak `(t_ms, score)` when an episode ends.
    pub fn update(
        &mut self,
        t_ms: u64,
        judged_speech_ms: u32,
        recent: &ProsodyStats,
        baseline: &ProsodyStats,
    ) -> (Option<Event<'static>>, Option<(u64, f32)>) {
        let reading = frustration_reading(&self.config, recent, baseline);
        self.voice = Some(reading);
        let voice = self.voice_score(t_ms);
        let threshold = self.voice_threshold();
        if voice >= threshold {
            self.voice_held_ms = self.voice_held_ms.saturating_add(judged_speech_ms);
        } else if voice < threshold - self.config.hysteresis {
            self.voice_held_ms = 0;
        }
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

    /// The caller said something warm at `t_ms` (thanks, praise, laughter): the voice
    /// does not count as frustration for a while, and the words heard so far are
    /// answered. Judges again.
    pub fn hear_positive(&mut self, t_ms: u64) -> (Option<Event<'static>>, Option<(u64, f32)>) {
        self.positive_at_ms = Some(t_ms);
        self.voice_held_ms = 0;
        self.judge(t_ms)
    }

    /// The agent acknowledged the caller: the words heard so far have been answered.
    pub fn clear_words(&mut self, t_ms: u64) {
        self.words = (t_ms, 0.0);
    }

    fn judge(&mut self, t_ms: u64) -> (Option<Event<'static>>, Option<(u64, f32)>) {
        let reading = self.voice.unwrap_or_default();
        let voice_score = self.voice_score(t_ms);
        let words_score = self.words_score(t_ms);
        let score = (voice_score + words_score).min(1.0);
        if self.frustrated {
            if let Some((_, peak)) = self.episode_peak {
                if score > peak {
                    self.episode_peak = Some((t_ms, score));
                }
            }
        }
        let voice_carries = voice_score >= self.voice_threshold()
            && (self.voice_held_ms >= self.config.sustain_ms
                || voice_score >= self.config.strong_score);
        let words_carry = words_score > 0.0 && score >= self.config.threshold;
        let change = if !self.frustrated && (voice_carries || words_carry) {
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
            voice_score,
            words_score,
            tension_db: reading.tension_db,
            pitch_rise_semitones: reading.pitch_rise_semitones,
            pitch_range_rise_semitones: reading.pitch_range_rise_semitones,
            loudness_rise_db: reading.loudness_rise_db,
            roughness_rise: reading.roughness_rise,
            pace_rise_percent: reading.pace_rise_percent,
        };
        (Some(event), finished_peak)
    }

    /// Ends the call: the open episode's peak, if the caller was still frustrated.
    pub fn finish(&mut self) -> Option<(u64, f32)> {
        self.frustrated = false;
        self.episode_peak.take()
    }
}

/// A condition that must hold for a while before it counts, and must stay clear of its
/// limit for a while before it ends: so a cue neither flickers on one phrase nor eases
/// on one breath.
#[derive(Clone, Copy, Debug, Default)]
struct Sustained {
    on: bool,
    /// When the condition was first seen in its current run (to start), or first seen
    /// cleared (to end).
    since_ms: Option<u64>,
}

/// How long a cue must stay cleared before it ends.
const MIN_CLEAR_MS: u64 = 1500;

impl Sustained {
    /// Takes the judgement at `t_ms` (`now`: the condition holds; `cleared`: it is well
    /// clear of the limit). Returns the change, if any.
    fn judge(&mut self, t_ms: u64, now: bool, cleared: bool, min_on_ms: u64) -> Option<Change> {
        if !self.on {
            if !now {
                self.since_ms = None;
                return None;
            }
            let since = *self.since_ms.get_or_insert(t_ms);
            if t_ms.saturating_sub(since) < min_on_ms {
                return None;
            }
            self.on = true;
            self.since_ms = None;
            Some(Change::Start)
        } else {
            if !cleared {
                self.since_ms = None;
                return None;
            }
            let since = *self.since_ms.get_or_insert(t_ms);
            if t_ms.saturating_sub(since) < MIN_CLEAR_MS {
                return None;
            }
            self.on = false;
            self.since_ms = None;
            Some(Change::End)
        }
    }
}

/// Whether the agent's pace is too fast: above the ceiling, or well above their baseline,
/// for at least `min_fast_ms`.
#[derive(Clone, Debug)]
pub struct AgentPace {
    config: AgentPaceConfig,
    fast: Sustained,
}

/// A state ends only once its measure is back this far inside the limit.
const RECOVERY_FRACTION: f32 = 0.5;

impl AgentPace {
    pub fn new(config: &AgentPaceConfig) -> Self {
        Self {
            config: config.clone(),
            fast: Sustained::default(),
        }
    }

    /// Whether the agent's pace counts as too fast now.
    pub fn is_fast(&self) -> bool {
        self.fast.on
    }

    /// Whether the pace is over its limit now, counted yet or not.
    pub fn is_raised(&self) -> bool {
        self.fast.on || self.fast.since_ms.is_some()
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
        let change = self.fast.judge(
            t_ms,
            rate > limit,
            rate < recovered_below,
            self.config.min_fast_ms.into(),
        )?;
        Some(Event::PaceFast {
            t_ms,
            change,
            syllables_per_s: rate,
            baseline_syllables_per_s: baseline.syllables_per_s,
        })
    }
}

/// Whether the agent's delivery is flat: little pitch movement and quieter than baseline,
/// for at least `min_flat_ms`.
#[derive(Clone, Debug)]
pub struct AgentEnergy {
    config: AgentEnergyConfig,
    flat: Sustained,
}

impl AgentEnergy {
    pub fn new(config: &AgentEnergyConfig) -> Self {
        Self {
            config: config.clone(),
            flat: Sustained::default(),
        }
    }

    /// Whether the agent's delivery counts as flat now.
    pub fn is_flat(&self) -> bool {
        self.flat.on
    }

    /// Whether the delivery is flat now, counted yet or not.
    pub fn is_raised(&self) -> bool {
        self.flat.on || self.flat.since_ms.is_some()
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
        let change = self
            .flat
            .judge(t_ms, flat_now, recovered, self.config.min_flat_ms.into())?;
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
        rough(pitch_hz, spread, loudness, rate, 0.1)
    }

    fn rough(
        pitch_hz: f32,
        spread: f32,
        loudness: f32,
        rate: f32,
        aperiodicity: f32,
    ) -> ProsodyStats {
        ProsodyStats {
            pitch_hz,
            pitch_variability_semitones: spread,
            loudness_dbfs: loudness,
            aperiodicity,
            syllables_per_s: rate,
        }
    }

    /// 2 semitones above 180 Hz.
    const TWO_ST_UP_HZ: f32 = 202.04;

    #[test]
    fn louder_without_higher_is_tension_and_louder_with_higher_is_not() {
        let config = CallerFrustrationConfig::default();
        let base = stats(180.0, 2.0, -26.0, 4.0);
        let calm = frustration_reading(&config, &stats(182.0, 2.1, -25.5, 4.1), &base);
        assert!(calm.score < 0.1, "{calm:?}");
        // Anger as measured: 12 dB louder, pitch up 2 semitones, rougher.
        let angry =
            frustration_reading(&config, &rough(TWO_ST_UP_HZ, 3.0, -14.0, 4.5, 0.15), &base);
        assert!(
            (angry.tension_db - (12.0 - 2.0 + 0.5 * 5.0)).abs() < 0.05,
            "{angry:?}"
        );
        assert!(angry.score > config.threshold, "{angry:?}");
        // Delight: 8 dB louder and 7 semitones higher, wider range, faster.
        let happy = frustration_reading(&config, &stats(270.0, 4.0, -18.0, 5.5), &base);
        assert!(happy.score < 0.1, "{happy:?}");
        assert!(happy.pitch_rise_semitones > 6.9, "{happy:?}");
    }

    #[test]
    fn a_falling_pitch_or_a_voice_no_louder_is_no_tension() {
        let config = CallerFrustrationConfig::default();
        let base = stats(180.0, 2.0, -26.0, 4.0);
        // An octave down (a tracking slip or creak), no louder: nothing.
        let low = frustration_reading(&config, &rough(90.0, 2.0, -25.0, 4.0, 0.2), &base);
        assert_eq!(low.score, 0.0, "{low:?}");
        // 8 dB louder and an octave lower: the fall does not add.
        let loud_low = frustration_reading(&config, &stats(90.0, 2.0, -18.0, 4.0), &base);
        assert!((loud_low.tension_db - 8.0).abs() < 0.01, "{loud_low:?}");
    }

    #[test]
    fn a_loud_deep_voice_is_judged_against_itself() {
        let config = CallerFrustrationConfig::default();
        let loud_deep = stats(90.0, 1.5, -12.0, 5.0);
        let reading = frustration_reading(&config, &loud_deep, &loud_deep);
        assert_eq!(reading.score, 0.0);
    }

    fn voice_only(words_available: bool) -> CallerFrustration {
        let mut frustration =
            CallerFrustration::new(&CallerFrustrationConfig::default(), 30_000, 20_000);
        frustration.set_words_available(words_available);
        frustration
    }

    #[test]
    fn the_voice_alone_must_hold_its_tension() {
        let config = CallerFrustrationConfig::default();
        let base = stats(180.0, 2.0, -26.0, 4.0);
        // Tension 10 dB: score 0.56, above the threshold, below strong.
        let tense = rough(TWO_ST_UP_HZ, 2.0, -14.0, 4.0, 0.1);
        let mut frustration = voice_only(true);
        let mut started_at = None;
        for step in 0..30u64 {
            let (event, _) = frustration.update(step * 100, 100, &tense, &base);
            if event.is_some() {
                started_at = Some(step * 100);
                break;
            }
        }
        let started_at = started_at.expect("sustained tension starts frustration");
        assert!(
            started_at + 100 >= u64::from(config.sustain_ms),
            "not before sustain_ms: {started_at}"
        );
        // One tense sentence that ends before sustain_ms does not.
        let mut frustration = voice_only(true);
        for step in 0..5u64 {
            assert!(frustration
                .update(step * 100, 100, &tense, &base)
                .0
                .is_none());
        }
        assert!(frustration.update(600, 100, &base, &base).0.is_none());
        assert!(frustration.update(700, 100, &tense, &base).0.is_none());
        assert!(!frustration.is_frustrated());
    }

    #[test]
    fn a_strong_voice_counts_at_once_and_warm_words_veto_it() {
        let base = stats(180.0, 2.0, -26.0, 4.0);
        let shouting = rough(TWO_ST_UP_HZ, 3.0, -8.0, 5.0, 0.2);
        let mut frustration = voice_only(true);
        assert!(matches!(
            frustration.update(1000, 100, &shouting, &base).0,
            Some(Event::Frustration {
                change: Change::Start,
                ..
            })
        ));
        // Laughing and thanking loudly: no frustration from that voice.
        let mut frustration = voice_only(true);
        frustration.hear_positive(900);
        for step in 0..30u64 {
            let t = 1000 + step * 100;
            assert!(
                frustration.update(t, 100, &shouting, &base).0.is_none(),
                "{t}"
            );
        }
        // The veto wears off.
        assert!(frustration
            .update(25_000, 100, &shouting, &base)
            .0
            .is_some());
    }

    #[test]
    fn without_words_the_voice_needs_more() {
        let base = stats(180.0, 2.0, -26.0, 4.0);
        // Score 0.56: enough with transcripts, not without (voice_only_threshold).
        let tense = rough(TWO_ST_UP_HZ, 2.0, -14.0, 4.0, 0.1);
        let mut with_words = voice_only(true);
        let mut without_words = voice_only(false);
        let mut started = [false, false];
        for step in 0..40u64 {
            started[0] |= with_words
                .update(step * 100, 100, &tense, &base)
                .0
                .is_some();
            started[1] |= without_words
                .update(step * 100, 100, &tense, &base)
                .0
                .is_some();
        }
        assert_eq!(started, [true, false]);
    }

    #[test]
    fn frustrated_words_cross_alone_and_frustration_has_hysteresis() {
        let mut frustration = voice_only(true);
        let base = stats(180.0, 2.0, -26.0, 4.0);
        frustration.update(500, 100, &base, &base);
        let (event, _) = frustration.add_words(1000, 0.6);
        assert!(matches!(
            event,
            Some(Event::Frustration {
                change: Change::Start,
                ..
            })
        ));
        // The words decay: 0.6 halves every 30 s; it ends below threshold - hysteresis.
        let (event, _) = frustration.update(20_000, 100, &base, &base);
        assert!(event.is_none(), "{event:?}");
        let (event, peak) = frustration.update(40_000, 100, &base, &base);
        assert!(matches!(
            event,
            Some(Event::Frustration {
                change: Change::End,
                ..
            })
        ));
        assert_eq!(peak.unwrap().0, 1000);
    }

    fn instant<T: Default>(set: impl FnOnce(&mut T)) -> T {
        let mut config = T::default();
        set(&mut config);
        config
    }

    #[test]
    fn pace_uses_ceiling_and_baseline() {
        let config = instant(|c: &mut AgentPaceConfig| c.min_fast_ms = 0);
        let mut pace = AgentPace::new(&config);
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
            .is_none());
        assert!(
            pace.update(1800, &stats(120.0, 2.0, -20.0, 4.2), &base)
                .is_some(),
            "ends once clear for a while"
        );
        // A naturally fast talker still hits the absolute ceiling.
        let mut pace = AgentPace::new(&config);
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
        let config = instant(|c: &mut AgentEnergyConfig| c.min_flat_ms = 0);
        let mut energy = AgentEnergy::new(&config);
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
            .is_none());
        assert!(energy
            .update(2000, &stats(120.0, 2.0, -20.0, 4.0), &base)
            .is_some());
    }

    #[test]
    fn flat_must_last_before_it_counts_and_a_breath_does_not_end_it() {
        let mut energy = AgentEnergy::new(&AgentEnergyConfig::default());
        let base = stats(120.0, 2.0, -20.0, 4.0);
        let flat = stats(120.0, 0.8, -28.0, 4.0);
        let lively = stats(120.0, 2.0, -20.0, 4.0);
        // Flat for 2 s, then lively: a phrase, not flat delivery.
        for t in (0..2000).step_by(100) {
            assert!(energy.update(t, &flat, &base).is_none());
        }
        assert!(energy.update(2100, &lively, &base).is_none());
        // Flat again: counts only after min_flat_ms of it.
        for t in (2200..5200).step_by(100) {
            assert!(energy.update(t, &flat, &base).is_none(), "{t}");
        }
        assert!(energy.update(5200, &flat, &base).is_some());
        assert!(energy.is_flat());
        // One lively judgement does not end it.
        assert!(energy.update(5300, &lively, &base).is_none());
        assert!(energy.update(5400, &flat, &base).is_none());
        assert!(energy.is_flat());
    }
}
