//! Prosody per speaker: pitch, loudness, pitch variability and speaking rate, now and
//! against that speaker's own baseline.
//!
//! [`SpeakerProsody`] keeps one record per speech frame: the recent ones in a ring for
//! "now", the first `baseline_speech_ms` of the call's speech for the baseline. Statistics
//! are robust ones (medians, interquartile spread) so octave slips and breaths do not move
//! them. Judging a voice against its own baseline means a naturally deep, loud or fast
//! speaker is not flagged for being themselves. All buffers are sized at construction.

pub mod pitch;
pub mod syllables;

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
    /// Syllable nuclei per second of speech.
    pub syllables_per_s: f32,
}

impl ProsodyStats {
    /// Median pitch in semitones re 100 Hz.
    pub fn pitch_semitones(&self) -> f32 {
        hz_to_semitones(self.pitch_hz)
    }
}

/// A speaker's speech frames, recent and baseline, and their statistics.
#[derive(Clone, Debug)]
pub struct SpeakerProsody {
    frame_ms: u32,
    recent: Vec<FrameProsody>,
    recent_next: usize,
    recent_len: usize,
    baseline_frames: Vec<FrameProsody>,
    baseline: Option<ProsodyStats>,
    /// Sort scratch, as long as the longest buffer.
    scratch: Vec<f32>,
}

/// Fewest voiced frames for a pitch statistic to mean anything.
const MIN_PITCHED_FRAMES: usize = 10;

impl SpeakerProsody {
    /// Buffers for frames of `frame_ms`, sized from `config`.
    pub fn new(config: &ProsodyConfig, frame_ms: u32) -> Self {
        let recent_capacity = (config.recent_speech_ms / frame_ms).max(1) as usize;
        let baseline_capacity = (config.baseline_speech_ms / frame_ms).max(1) as usize;
        Self {
            frame_ms,
            recent: vec![FrameProsody::default(); recent_capacity],
            recent_next: 0,
            recent_len: 0,
            baseline_frames: Vec::with_capacity(baseline_capacity),
            baseline: None,
            scratch: Vec::with_capacity(recent_capacity.max(baseline_capacity)),
        }
    }

    /// Adds one speech frame. Returns the baseline on the frame that completes it.
    /// Never allocates.
    pub fn push_speech_frame(&mut self, frame: FrameProsody) -> Option<ProsodyStats> {
        self.recent[self.recent_next] = frame;
        self.recent_next = (self.recent_next + 1) % self.recent.len();
        self.recent_len = (self.recent_len + 1).min(self.recent.len());
        if self.baseline.is_some() {
            return None;
        }
        self.baseline_frames.push(frame);
        if self.baseline_frames.len() < self.baseline_frames.capacity() {
            return None;
        }
        let stats = stats_of(&self.baseline_frames, self.frame_ms, &mut self.scratch)?;
        self.baseline = Some(stats);
        self.baseline
    }

    /// The baseline, once the speaker has said enough.
    pub fn baseline(&self) -> Option<ProsodyStats> {
        self.baseline
    }

    /// Whether the recent window is full.
    pub fn recent_is_full(&self) -> bool {
        self.recent_len == self.recent.len()
    }

    /// Statistics over the recent window, if it holds enough pitched frames.
    /// Never allocates.
    pub fn recent_stats(&mut self) -> Option<ProsodyStats> {
        stats_of(
            &self.recent[..self.recent_len],
            self.frame_ms,
            &mut self.scratch,
        )
    }
}

/// Statistics of `frames`, using `scratch` (with enough capacity) for sorting.
fn stats_of(
    frames: &[FrameProsody],
    frame_ms: u32,
    scratch: &mut Vec<f32>,
) -> Option<ProsodyStats> {
    if frames.is_empty() {
        return None;
    }
    scratch.clear();
    scratch.extend(
        frames
            .iter()
            .map(|f| f.pitch_semitones)
            .filter(|p| p.is_finite()),
    );
    if scratch.len() < MIN_PITCHED_FRAMES {
        return None;
    }
    scratch.sort_unstable_by(f32::total_cmp);
    let pitch_median = quantile(scratch, 0.5);
    // The interquartile range of a normal distribution is 1.349 standard deviations.
    let pitch_spread = (quantile(scratch, 0.75) - quantile(scratch, 0.25)) / 1.349;

    scratch.clear();
    scratch.extend(frames.iter().map(|f| f.loudness_dbfs));
    scratch.sort_unstable_by(f32::total_cmp);
    let loudness_median = quantile(scratch, 0.5);

    let nuclei: u32 = frames.iter().map(|f| f.nuclei).sum();
    let seconds = frames.len() as f32 * frame_ms as f32 / 1000.0;
    Some(ProsodyStats {
        pitch_hz: semitones_to_hz(pitch_median),
        pitch_variability_semitones: pitch_spread,
        loudness_dbfs: loudness_median,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(pitch_hz: f32, loudness_dbfs: f32, nuclei: u32) -> FrameProsody {
        FrameProsody {
            pitch_semitones: hz_to_semitones(pitch_hz),
            loudness_dbfs,
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
        let mut baselines = 0;
        for i in 0..200 {
            let nuclei = u32::from(i % 10 == 0);
            if prosody
                .push_speech_frame(frame(120.0, -20.0, nuclei))
                .is_some()
            {
                baselines += 1;
                assert_eq!(i, 49, "1000 ms of 20 ms frames");
            }
        }
        assert_eq!(baselines, 1);
        let baseline = prosody.baseline().unwrap();
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
