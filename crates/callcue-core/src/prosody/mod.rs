//! Prosody per speaker: pitch, loudness, pitch variability, voice roughness and speaking
//! rate, now and against that speaker's own baseline.
//!
//! [`SpeakerProsody`] keeps one record per speech frame in a ring: the latest
//! `recent_speech_ms` of it are "now", the latest `pace_speech_ms` give the speaking rate.
//! The baseline starts as the speaker's first `baseline_speech_ms` of speech, then adapts
//! slowly: a frame joins the baseline pool (the latest `baseline_max_speech_ms` of
//! admitted speech) once it has left the "now" window, unless a cue was raised on the
//! speaker while it was in that window ([`SpeakerProsody::mark_flagged`]), so a stretch
//! that triggered a cue never becomes the yardstick for the next one. Statistics are
//! robust ones (medians, interquartile spread) so octave slips and breaths do not move
//! them. Judging a voice against its own baseline means a naturally deep, loud or fast
//! speaker is not flagged for being themselves. All buffers are sized at construction.

pub mod pitch;
pub mod syllables;

use serde::{Deserialize, Serialize};

use crate::config::ProsodyConfig;
use pitch::{hz_to_semitones, semitones_to_hz};

/// Level of a signal with RMS `rms` (full scale 1.0), in dBFS, floored at -120.
pub fn level_dbfs(rms: f32) -> f32 {
    if rms <= 1e-6 {
        -120.0
    } else {
        20.0 * rms.log10()
    }
}

/// RMS level of `samples` in dBFS.
pub fn frame_level_dbfs(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return -120.0;
    }
    let energy = samples.iter().map(|x| x * x).sum::<f32>() / samples.len() as f32;
    level_dbfs(energy.sqrt())
}

/// What was measured on one speech frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameProsody {
    /// Pitch in semitones re 100 Hz; NaN when the frame had no clear pitch.
    pub pitch_semitones: f32,
    pub loudness_dbfs: f32,
    /// YIN's aperiodicity (0 periodic .. 1 noise), see
    /// [`pitch::PitchTracker::last_aperiodicity`].
    pub aperiodicity: f32,
    /// Syllable nuclei confirmed during this frame.
    pub nuclei: u32,
}

/// Robust statistics over a stretch of speech frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProsodyStats {
    /// Median pitch in Hz.
    pub pitch_hz: f32,
    /// Interquartile spread of pitch, in semitones, scaled to a standard deviation.
    pub pitch_variability_semitones: f32,
    /// Median frame level.
    pub loudness_dbfs: f32,
    /// Median aperiodicity of the speech frames (0-1): higher is a rougher voice.
    pub aperiodicity: f32,
    /// Syllable nuclei per second of speech.
    pub syllables_per_s: f32,
}

impl ProsodyStats {
    /// Median pitch in semitones re 100 Hz.
    pub fn pitch_semitones(&self) -> f32 {
        hz_to_semitones(self.pitch_hz)
    }
}

/// The baseline is refreshed from its pool once per this many admitted frames.
const BASELINE_REFRESH_FRAMES: usize = 50;

/// A speaker's speech frames, recent and baseline, and their statistics.
#[derive(Clone, Debug)]
pub struct SpeakerProsody {
    frame_ms: u32,
    /// The latest speech frames, newest at `(next - 1) % len`.
    ring: FrameRing,
    recent_frames: usize,
    pace_frames: usize,
    /// Speech frames pushed so far.
    pushed: u64,
    /// The first frames, until the first baseline is taken from them.
    first_frames: Vec<FrameProsody>,
    /// Frames admitted to the adapting baseline (oldest dropped).
    pool: FrameRing,
    admitted_since_refresh: usize,
    /// Index of the newest frame that was in the "now" window while a cue was raised.
    flagged_through: Option<u64>,
    baseline: Option<ProsodyStats>,
    /// The baseline was given (the agent's profile) and stays as it is for the call.
    baseline_fixed: bool,
    /// Sort scratch, as long as the longest buffer.
    scratch: Vec<f32>,
}

/// A fixed-capacity ring of frames.
#[derive(Clone, Debug)]
struct FrameRing {
    frames: Vec<FrameProsody>,
    next: usize,
    len: usize,
}

impl FrameRing {
    fn new(capacity: usize) -> Self {
        Self {
            frames: vec![FrameProsody::default(); capacity.max(1)],
            next: 0,
            len: 0,
        }
    }

    fn push(&mut self, frame: FrameProsody) {
        self.frames[self.next] = frame;
        self.next = (self.next + 1) % self.frames.len();
        self.len = (self.len + 1).min(self.frames.len());
    }

    fn capacity(&self) -> usize {
        self.frames.len()
    }

    /// The frame `age` frames before the newest (0 = newest).
    fn back(&self, age: usize) -> Option<FrameProsody> {
        (age < self.len).then(|| {
            let cap = self.frames.len();
            self.frames[(self.next + cap - 1 - age) % cap]
        })
    }

    /// The newest `count` frames, as up to two slices (order does not matter to the
    /// statistics, except the pace's, which walks them with [`Self::back`]).
    fn newest(&self, count: usize) -> (&[FrameProsody], &[FrameProsody]) {
        let count = count.min(self.len);
        let cap = self.frames.len();
        let start = (self.next + cap - count) % cap;
        if start + count <= cap {
            (&self.frames[start..start + count], &[])
        } else {
            (&self.frames[start..], &self.frames[..self.next])
        }
    }
}

/// Fewest voiced frames for a pitch statistic to mean anything.
const MIN_PITCHED_FRAMES: usize = 10;

impl SpeakerProsody {
    /// Buffers for frames of `frame_ms`, sized from `config`.
    pub fn new(config: &ProsodyConfig, frame_ms: u32) -> Self {
        let frames_of = |ms: u32| (ms / frame_ms).max(1) as usize;
        let recent_frames = frames_of(config.recent_speech_ms);
        let pace_frames = frames_of(config.pace_speech_ms);
        let baseline_frames = frames_of(config.baseline_speech_ms);
        let pool_frames = frames_of(config.baseline_max_speech_ms).max(baseline_frames);
        Self {
            frame_ms,
            // One more than "now" so the frame leaving it can still be read.
            ring: FrameRing::new(recent_frames.max(pace_frames) + 1),
            recent_frames,
            pace_frames,
            pushed: 0,
            first_frames: Vec::with_capacity(baseline_frames),
            pool: FrameRing::new(pool_frames),
            admitted_since_refresh: 0,
            flagged_through: None,
            baseline: None,
            baseline_fixed: false,
            scratch: Vec::with_capacity(pool_frames.max(recent_frames).max(pace_frames)),
        }
    }

    /// Adds one speech frame. Returns the baseline on the frame that completes the first
    /// one. Never allocates.
    pub fn push_speech_frame(&mut self, frame: FrameProsody) -> Option<ProsodyStats> {
        self.ring.push(frame);
        self.pushed += 1;
        // The frame now leaving the "now" window joins the baseline pool, unless a cue was
        // raised while it was in the window.
        if let Some(leaving) = self.ring.back(self.recent_frames) {
            let leaving_index = self.pushed - 1 - self.recent_frames as u64;
            let flagged = self.flagged_through.is_some_and(|f| f >= leaving_index);
            if !flagged {
                self.admit(leaving);
            }
        }
        if self.baseline.is_some() {
            return None;
        }
        self.first_frames.push(frame);
        if self.first_frames.len() < self.first_frames.capacity() {
            return None;
        }
        let stats = stats_of((&self.first_frames, &[]), self.frame_ms, &mut self.scratch)?;
        self.baseline = Some(stats);
        self.baseline
    }

    fn admit(&mut self, frame: FrameProsody) {
        self.pool.push(frame);
        self.admitted_since_refresh += 1;
        let pool_outgrew_first = self.pool.len > self.first_frames.capacity();
        if self.baseline.is_some()
            && !self.baseline_fixed
            && pool_outgrew_first
            && self.admitted_since_refresh >= BASELINE_REFRESH_FRAMES
        {
            self.admitted_since_refresh = 0;
            if let Some(stats) = stats_of(
                self.pool.newest(self.pool.capacity()),
                self.frame_ms,
                &mut self.scratch,
            ) {
                self.baseline = Some(stats);
            }
        }
    }

    /// Judges this speaker against `baseline` from the first frame, for the whole call
    /// (the agent's voice profile from earlier calls). Speech is still pooled, for
    /// [`Self::pooled_stats`].
    pub fn fix_baseline(&mut self, baseline: ProsodyStats) {
        self.baseline = Some(baseline);
        self.baseline_fixed = true;
    }

    /// Statistics over the speaker's pooled speech (the latest `baseline_max_speech_ms`
    /// that raised no cue) and how much speech that is, in ms. Allocation-free.
    pub fn pooled_stats(&mut self) -> Option<(ProsodyStats, u64)> {
        let speech_ms = self.pool.len as u64 * u64::from(self.frame_ms);
        let stats = stats_of(
            self.pool.newest(self.pool.capacity()),
            self.frame_ms,
            &mut self.scratch,
        )?;
        Some((stats, speech_ms))
    }

    /// A cue is raised on this speaker now: the speech in the "now" window stays out of
    /// the baseline.
    pub fn mark_flagged(&mut self) {
        if self.pushed > 0 {
            self.flagged_through = Some(self.pushed - 1);
        }
    }

    /// The baseline, once the speaker has said enough.
    pub fn baseline(&self) -> Option<ProsodyStats> {
        self.baseline
    }

    /// Whether the recent window is full.
    pub fn recent_is_full(&self) -> bool {
        self.ring.len >= self.recent_frames
    }

    /// Statistics over the recent window, if it holds enough pitched frames; the
    /// speaking rate over the pace window. Never allocates.
    pub fn recent_stats(&mut self) -> Option<ProsodyStats> {
        let mut stats = stats_of(
            self.ring.newest(self.recent_frames),
            self.frame_ms,
            &mut self.scratch,
        )?;
        stats.syllables_per_s = self.recent_pace_per_s();
        Some(stats)
    }

    /// Syllable nuclei per second over the pace window, from the spacing of the first and
    /// last nucleus in it, so the rate moves smoothly rather than by one syllable in the
    /// window at a time; a count over the window when it holds fewer than three.
    fn recent_pace_per_s(&self) -> f32 {
        let window = self.pace_frames.min(self.ring.len);
        let mut nuclei = 0u32;
        let mut newest_age = None;
        let mut oldest_age = 0usize;
        for age in 0..window {
            let Some(frame) = self.ring.back(age) else {
                break;
            };
            if frame.nuclei > 0 {
                nuclei += frame.nuclei;
                newest_age.get_or_insert(age);
                oldest_age = age;
            }
        }
        let frame_s = self.frame_ms as f32 / 1000.0;
        match newest_age {
            Some(newest) if nuclei >= 3 && oldest_age > newest => {
                (nuclei - 1) as f32 / ((oldest_age - newest) as f32 * frame_s)
            }
            _ => nuclei as f32 / (window.max(1) as f32 * frame_s),
        }
    }
}

/// Statistics of `frames` (given as two slices), using `scratch` (with enough capacity)
/// for sorting.
fn stats_of(
    frames: (&[FrameProsody], &[FrameProsody]),
    frame_ms: u32,
    scratch: &mut Vec<f32>,
) -> Option<ProsodyStats> {
    let count = frames.0.len() + frames.1.len();
    if count == 0 {
        return None;
    }
    let all = || frames.0.iter().chain(frames.1);
    scratch.clear();
    scratch.extend(all().map(|f| f.pitch_semitones).filter(|p| p.is_finite()));
    if scratch.len() < MIN_PITCHED_FRAMES {
        return None;
    }
    scratch.sort_unstable_by(f32::total_cmp);
    let pitch_median = quantile(scratch, 0.5);
    // The interquartile range of a normal distribution is 1.349 standard deviations.
    let pitch_spread = (quantile(scratch, 0.75) - quantile(scratch, 0.25)) / 1.349;

    let median_of = |scratch: &mut Vec<f32>, value: fn(&FrameProsody) -> f32| {
        scratch.clear();
        scratch.extend(all().map(value));
        scratch.sort_unstable_by(f32::total_cmp);
        quantile(scratch, 0.5)
    };
    let loudness_median = median_of(scratch, |f| f.loudness_dbfs);
    let aperiodicity_median = median_of(scratch, |f| f.aperiodicity);

    let nuclei: u32 = all().map(|f| f.nuclei).sum();
    let seconds = count as f32 * frame_ms as f32 / 1000.0;
    Some(ProsodyStats {
        pitch_hz: semitones_to_hz(pitch_median),
        pitch_variability_semitones: pitch_spread,
        loudness_dbfs: loudness_median,
        aperiodicity: aperiodicity_median,
        syllables_per_s: nuclei as f32 / seconds,
    })
}

/// Linear-interpolated quantile `q` of sorted, non-empty `sorted`.
fn quantile(sorted: &[f32], q: f32) -> f32 {
    let position = q * (sorted.len() - 1) as f32;
    let lower = position.floor() as usize;
    let upper = (lower + 1).min(sorted.len() - 1);
    let fraction = position - lower as f32;
    sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}

/// One call's statistics of the agent's voice.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallVoice {
    pub pitch_hz: f32,
    pub pitch_variability_semitones: f32,
    pub loudness_dbfs: f32,
    pub aperiodicity: f32,
    pub syllables_per_s: f32,
    /// Agent speech behind these figures.
    pub speech_ms: u64,
}

impl CallVoice {
    /// The figures of `stats` over `speech_ms` of speech.
    pub fn from_stats(stats: &ProsodyStats, speech_ms: u64) -> Self {
        Self {
            pitch_hz: stats.pitch_hz,
            pitch_variability_semitones: stats.pitch_variability_semitones,
            loudness_dbfs: stats.loudness_dbfs,
            aperiodicity: stats.aperiodicity,
            syllables_per_s: stats.syllables_per_s,
            speech_ms,
        }
    }

    /// Whether every figure is a number (a stored profile may hold anything).
    pub fn is_finite(&self) -> bool {
        [
            self.pitch_hz,
            self.pitch_variability_semitones,
            self.loudness_dbfs,
            self.aperiodicity,
            self.syllables_per_s,
        ]
        .iter()
        .all(|v| v.is_finite())
            && self.pitch_hz > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(pitch_hz: f32, loudness_dbfs: f32, nuclei: u32) -> FrameProsody {
        FrameProsody {
            pitch_semitones: hz_to_semitones(pitch_hz),
            loudness_dbfs,
            aperiodicity: 0.1,
            nuclei,
        }
    }

    #[test]
    fn baseline_arrives_once_after_enough_speech() {
        let config = ProsodyConfig {
            baseline_speech_ms: 1000,
            recent_speech_ms: 500,
            ..ProsodyConfig::default()
        };
        let mut prosody = SpeakerProsody::new(&config, 20);
        let mut baselines = Vec::new();
        for i in 0..200 {
            let nuclei = u32::from(i % 10 == 0);
            if let Some(baseline) = prosody.push_speech_frame(frame(120.0, -20.0, nuclei)) {
                baselines.push(baseline);
                assert_eq!(i, 49, "1000 ms of 20 ms frames");
            }
        }
        assert_eq!(baselines.len(), 1);
        let baseline = baselines[0];
        assert!((baseline.pitch_hz - 120.0).abs() < 0.01);
        assert!((baseline.syllables_per_s - 5.0).abs() < 0.01);
        assert!(baseline.pitch_variability_semitones.abs() < 1e-4);
    }

    #[test]
    fn recent_window_follows_the_latest_frames() {
        let config = ProsodyConfig {
            baseline_speech_ms: 1000,
            recent_speech_ms: 400,
            ..ProsodyConfig::default()
        };
        let mut prosody = SpeakerProsody::new(&config, 20);
        for _ in 0..100 {
            prosody.push_speech_frame(frame(100.0, -30.0, 0));
        }
        for _ in 0..20 {
            prosody.push_speech_frame(frame(200.0, -18.0, 0));
        }
        let recent = prosody.recent_stats().unwrap();
        assert!((recent.pitch_hz - 200.0).abs() < 0.01);
        assert!((recent.loudness_dbfs + 18.0).abs() < 0.01);
        assert!((prosody.baseline().unwrap().pitch_hz - 100.0).abs() < 0.01);
    }

    #[test]
    fn baseline_adapts_to_more_speech_but_not_to_a_flagged_stretch() {
        let config = ProsodyConfig {
            baseline_speech_ms: 1000,
            baseline_max_speech_ms: 4000,
            recent_speech_ms: 400,
            ..ProsodyConfig::default()
        };
        let mut prosody = SpeakerProsody::new(&config, 20);
        for _ in 0..60 {
            prosody.push_speech_frame(frame(100.0, -30.0, 0));
        }
        assert!((prosody.baseline().unwrap().loudness_dbfs + 30.0).abs() < 0.01);
        // A raised stretch that triggers a cue while it is "now": it stays out.
        for _ in 0..100 {
            prosody.push_speech_frame(frame(100.0, -15.0, 0));
            prosody.mark_flagged();
        }
        for _ in 0..100 {
            prosody.push_speech_frame(frame(100.0, -30.0, 0));
        }
        assert!(
            (prosody.baseline().unwrap().loudness_dbfs + 30.0).abs() < 0.01,
            "{:?}",
            prosody.baseline()
        );
        // The speaker settles a little louder for good, with no cue: the baseline follows.
        for _ in 0..300 {
            prosody.push_speech_frame(frame(100.0, -26.0, 0));
        }
        assert!(
            (prosody.baseline().unwrap().loudness_dbfs + 26.0).abs() < 0.01,
            "{:?}",
            prosody.baseline()
        );
    }

    #[test]
    fn a_fixed_baseline_holds_for_the_call_and_speech_is_still_pooled() {
        let config = ProsodyConfig {
            baseline_speech_ms: 1000,
            recent_speech_ms: 400,
            ..ProsodyConfig::default()
        };
        let mut prosody = SpeakerProsody::new(&config, 20);
        let profile = ProsodyStats {
            pitch_hz: 110.0,
            pitch_variability_semitones: 2.0,
            loudness_dbfs: -22.0,
            aperiodicity: 0.1,
            syllables_per_s: 4.0,
        };
        prosody.fix_baseline(profile);
        assert_eq!(prosody.baseline(), Some(profile), "from the first frame");
        for _ in 0..200 {
            assert!(prosody.push_speech_frame(frame(130.0, -30.0, 0)).is_none());
        }
        assert_eq!(prosody.baseline(), Some(profile));
        let (pooled, speech_ms) = prosody.pooled_stats().unwrap();
        assert!((pooled.loudness_dbfs + 30.0).abs() < 0.01);
        assert_eq!(
            speech_ms,
            180 * 20,
            "all but the frames still in the \"now\" window"
        );
    }

    #[test]
    fn pace_moves_smoothly_not_one_syllable_at_a_time() {
        let config = ProsodyConfig {
            baseline_speech_ms: 1000,
            recent_speech_ms: 500,
            pace_speech_ms: 2000,
            ..ProsodyConfig::default()
        };
        let rate_with_period = |period_frames: usize| {
            let mut prosody = SpeakerProsody::new(&config, 20);
            for i in 0..300 {
                let nuclei = u32::from(i % period_frames == 0);
                prosody.push_speech_frame(frame(120.0, -20.0, nuclei));
            }
            prosody.recent_stats().unwrap().syllables_per_s
        };
        // Nuclei every 9, 10 and 11 frames of 20 ms: 5.56, 5.0 and 4.55 per second.
        for (period, expected) in [(9, 50.0 / 9.0), (10, 5.0), (11, 50.0 / 11.0)] {
            let rate = rate_with_period(period);
            assert!(
                (rate - expected).abs() < 0.01,
                "{period}: {rate} vs {expected}"
            );
        }
    }

    #[test]
    fn spread_is_robust_to_octave_slips() {
        let config = ProsodyConfig::default();
        let mut prosody = SpeakerProsody::new(&config, 20);
        for i in 0..125 {
            let hz = if i % 25 == 0 {
                240.0
            } else {
                120.0 * (1.0 + 0.02 * ((i % 5) as f32 - 2.0))
            };
            prosody.push_speech_frame(frame(hz, -20.0, 0));
        }
        let stats = prosody.recent_stats().unwrap();
        assert!(stats.pitch_variability_semitones < 0.6, "{stats:?}");
    }

    #[test]
    fn level_of_full_scale_sine_is_minus_three() {
        let sine: Vec<f32> = (0..1600).map(|i| (i as f32 * 0.1).sin()).collect();
        assert!((frame_level_dbfs(&sine) + 3.01).abs() < 0.05);
        assert_eq!(frame_level_dbfs(&[0.0; 10]), -120.0);
    }
}
