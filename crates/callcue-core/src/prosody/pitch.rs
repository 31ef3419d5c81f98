//! Pitch (F0) tracking with YIN on telephone-band audio.
//!
//! Frames arrive at 16 kHz; the tracker low-passes and halves them to 8 kHz (speech pitch
//! and its first harmonics sit well below 4 kHz, and it quarters the work), keeps the most
//! recent `window + longest period` samples, and runs YIN (de Cheveigné & Kawahara, 2002)
//! on them: the squared-difference function, its cumulative-mean normalisation, the first
//! dip under an absolute threshold, and a parabolic refinement of that dip.
//! Everything is sized at construction; [`PitchTracker::push_frame`] and
//! [`PitchTracker::estimate_hz`] never allocate.

/// The rate YIN runs at.
pub const PITCH_RATE_HZ: u32 = 8000;
/// Length of YIN's integration window at [`PITCH_RATE_HZ`] (32 ms).
const YIN_WINDOW_SAMPLES: usize = 256;
/// A dip in the normalised difference below this is taken as the period.
const YIN_THRESHOLD: f32 = 0.15;
/// Taps of the anti-aliasing filter ahead of the 2:1 decimation.
const DECIMATION_TAPS: usize = 31;
/// Cut-off of that filter, just under the new Nyquist frequency.
const DECIMATION_CUTOFF_HZ: f32 = 3600.0;

/// Low-pass filter and 2:1 decimator from 16 kHz to 8 kHz.
#[derive(Clone, Debug)]
pub struct Decimator {
    taps: [f32; DECIMATION_TAPS],
    /// The last `DECIMATION_TAPS - 1` inputs, then room for one frame of new ones.
    work: Vec<f32>,
    /// Whether the next output falls on the first sample of the next input frame.
    phase_even: bool,
}

impl Decimator {
    /// A decimator for input frames of up to `max_frame_len` samples.
    pub fn new(max_frame_len: usize) -> Self {
        let mut taps = [0.0f32; DECIMATION_TAPS];
        let centre = (DECIMATION_TAPS / 2) as f32;
        let fc = DECIMATION_CUTOFF_HZ / (2 * PITCH_RATE_HZ) as f32; // of the 16 kHz input
        for (n, tap) in taps.iter_mut().enumerate() {
            let x = n as f32 - centre;
            let sinc = if x == 0.0 {
                2.0 * fc
            } else {
                (2.0 * std::f32::consts::PI * fc * x).sin() / (std::f32::consts::PI * x)
            };
            let hamming = 0.54
                - 0.46
                    * (2.0 * std::f32::consts::PI * n as f32 / (DECIMATION_TAPS - 1) as f32).cos();
            *tap = sinc * hamming;
        }
        let gain: f32 = taps.iter().sum();
        taps.iter_mut().for_each(|t| *t /= gain);
        Self {
            taps,
            work: vec![0.0; DECIMATION_TAPS - 1 + max_frame_len],
            phase_even: true,
        }
    }

    /// Filters `input` (16 kHz) and appends every second output to `out` via `emit`.
    /// Never allocates.
    pub fn process(&mut self, input: &[f32], mut emit: impl FnMut(f32)) {
        let history = DECIMATION_TAPS - 1;
        let len = input.len().min(self.work.len() - history);
        self.work[history..history + len].copy_from_slice(&input[..len]);
        let mut i = if self.phase_even { 0 } else { 1 };
        while i < len {
            let window = &self.work[i..i + DECIMATION_TAPS];
            let y: f32 = window.iter().zip(&self.taps).map(|(x, h)| x * h).sum();
            emit(y);
            i += 2;
        }
        self.phase_even = (i - len) == 0;
        self.work.copy_within(len..len + history, 0);
    }
}

/// YIN pitch tracker over a sliding window of 8 kHz audio.
#[derive(Clone, Debug)]
pub struct PitchTracker {
    decimator: Decimator,
    /// The most recent `YIN_WINDOW_SAMPLES + tau_max` samples at 8 kHz, oldest first.
    history: Vec<f32>,
    /// Scratch for decimated samples of one frame.
    incoming: Vec<f32>,
    /// d'(tau), the cumulative-mean normalised difference, for tau in 0..=tau_max.
    cmnd: Vec<f32>,
    tau_min: usize,
    tau_max: usize,
    /// The lowest d'(tau) in the pitch range at the last estimate (1 when silent).
    aperiodicity: f32,
}

impl PitchTracker {
    /// A tracker for pitches between `min_hz` and `max_hz`, fed frames of up to
    /// `max_frame_len` samples at 16 kHz.
    pub fn new(min_hz: f32, max_hz: f32, max_frame_len: usize) -> Self {
        let tau_max = (PITCH_RATE_HZ as f32 / min_hz).ceil() as usize;
        let tau_min = ((PITCH_RATE_HZ as f32 / max_hz).floor() as usize).max(2);
        Self {
            decimator: Decimator::new(max_frame_len),
            history: vec![0.0; YIN_WINDOW_SAMPLES + tau_max + 1],
            incoming: Vec::with_capacity(max_frame_len / 2 + 1),
            cmnd: vec![0.0; tau_max + 2],
            tau_min,
            tau_max,
            aperiodicity: 1.0,
        }
    }

    /// Feeds one frame of 16 kHz audio. Never allocates.
    pub fn push_frame(&mut self, frame_16k: &[f32]) {
        self.incoming.clear();
        let incoming = &mut self.incoming;
        self.decimator.process(frame_16k, |y| {
            if incoming.len() < incoming.capacity() {
                incoming.push(y)
            }
        });
        let n = self.incoming.len().min(self.history.len());
        self.history.copy_within(n.., 0);
        let start = self.history.len() - n;
        self.history[start..].copy_from_slice(&self.incoming[..n]);
    }

    /// The 8 kHz samples of the last frame pushed (for the syllable detector).
    pub fn last_frame_8k(&self) -> &[f32] {
        &self.incoming
    }

    /// How aperiodic the window was at the last [`Self::estimate_hz`]: the deepest dip of
    /// YIN's normalised difference in the pitch range, 0 for a perfectly periodic voice,
    /// towards 1 for noise or silence. A rough, pressed or breathy voice sits higher than
    /// the same speaker's relaxed voice.
    pub fn last_aperiodicity(&self) -> f32 {
        self.aperiodicity
    }

    /// YIN's estimate over the most recent window, in Hz; `None` when no period is clear
    /// (unvoiced or silent). Also measures [`Self::last_aperiodicity`]. Never allocates.
    pub fn estimate_hz(&mut self) -> Option<f32> {
        let x = &self.history;
        let w = YIN_WINDOW_SAMPLES;
        let energy: f32 = x[..w].iter().map(|v| v * v).sum();
        self.aperiodicity = 1.0;
        if energy <= 1e-9 {
            return None;
        }
        self.cmnd[0] = 1.0;
        let mut running_sum = 0.0f32;
        for tau in 1..=self.tau_max {
            let d: f32 = x[..w]
                .iter()
                .zip(&x[tau..tau + w])
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            running_sum += d;
            self.cmnd[tau] = if running_sum > 0.0 {
                d * tau as f32 / running_sum
            } else {
                1.0
            };
        }
        self.aperiodicity = self.cmnd[self.tau_min..self.tau_max]
            .iter()
            .fold(1.0f32, |lowest, &d| lowest.min(d));
        let mut tau = self.tau_min;
        while tau < self.tau_max {
            if self.cmnd[tau] < YIN_THRESHOLD {
                while tau + 1 < self.tau_max && self.cmnd[tau + 1] < self.cmnd[tau] {
                    tau += 1;
                }
                return Some(PITCH_RATE_HZ as f32 / self.refine(tau));
            }
            tau += 1;
        }
        None
    }

    /// Parabolic interpolation of the dip at `tau` (in samples, fractional).
    fn refine(&self, tau: usize) -> f32 {
        if tau == 0 || tau + 1 >= self.cmnd.len() {
            return tau as f32;
        }
        let (a, b, c) = (self.cmnd[tau - 1], self.cmnd[tau], self.cmnd[tau + 1]);
        let denominator = a - 2.0 * b + c;
        if denominator.abs() < 1e-12 {
            return tau as f32;
        }
        let shift = 0.5 * (a - c) / denominator;
        tau as f32 + shift.clamp(-1.0, 1.0)
    }
}

/// Semitones of `hz` above 100 Hz: the scale pitch statistics are taken in.
pub fn hz_to_semitones(hz: f32) -> f32 {
    12.0 * (hz / 100.0).log2()
}

/// Inverse of [`hz_to_semitones`].
pub fn semitones_to_hz(semitones: f32) -> f32 {
    100.0 * (semitones / 12.0).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A voiced-speech-like signal: a harmonic series with falling amplitudes, plus
    /// deterministic white noise at `snr_db`.
    fn voiced(f0_hz: f32, seconds: f32, snr_db: f32, seed: u64) -> Vec<f32> {
        let n = (16000.0 * seconds) as usize;
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut noise = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0
        };
        let clean: Vec<f32> = (0..n)
            .map(|i| {
                let t = i as f32 / 16000.0;
                (1..=10)
                    .filter(|h| f0_hz * *h as f32 <= 3800.0)
                    .map(|h| {
                        (2.0 * std::f32::consts::PI * f0_hz * h as f32 * t + h as f32).sin()
                            / h as f32
                    })
                    .sum::<f32>()
                    * 0.2
            })
            .collect();
        let signal_power = clean.iter().map(|x| x * x).sum::<f32>() / n as f32;
        // Uniform noise in -1..1 has power 1/3.
        let noise_gain = (signal_power / 10f32.powf(snr_db / 10.0) * 3.0).sqrt();
        clean.iter().map(|x| x + noise_gain * noise()).collect()
    }

    fn track(signal: &[f32]) -> Vec<f32> {
        let mut tracker = PitchTracker::new(60.0, 500.0, 320);
        let mut estimates = Vec::new();
        for (i, frame) in signal.chunks_exact(320).enumerate() {
            tracker.push_frame(frame);
            if i >= 3 {
                estimates.extend(tracker.estimate_hz());
            }
        }
        estimates
    }

    fn median(mut values: Vec<f32>) -> f32 {
        values.sort_by(f32::total_cmp);
        values[values.len() / 2]
    }

    #[test]
    fn clean_harmonic_signals_within_one_percent() {
        for f0 in [75.0, 100.0, 137.0, 180.0, 220.0, 310.0, 440.0] {
            let estimates = track(&voiced(f0, 1.0, 60.0, 1));
            assert!(
                estimates.len() > 40,
                "{f0} Hz: only {} voiced frames",
                estimates.len()
            );
            for e in &estimates {
                assert!((e - f0).abs() / f0 < 0.01, "{f0} Hz estimated as {e}");
            }
        }
    }

    #[test]
    fn noisy_signals_within_three_percent() {
        for (seed, f0) in [90.0f32, 120.0, 165.0, 210.0, 260.0, 350.0]
            .into_iter()
            .enumerate()
        {
            let estimates = track(&voiced(f0, 1.0, 15.0, seed as u64 + 7));
            assert!(
                estimates.len() > 35,
                "{f0} Hz at 15 dB SNR: {} voiced frames",
                estimates.len()
            );
            let m = median(estimates.clone());
            assert!(
                (m - f0).abs() / f0 < 0.03,
                "{f0} Hz at 15 dB SNR: median {m}"
            );
            let good = estimates
                .iter()
                .filter(|e| ((*e - f0).abs() / f0) < 0.03)
                .count();
            assert!(
                good * 10 >= estimates.len() * 9,
                "{f0} Hz: {good}/{} within 3%",
                estimates.len()
            );
        }
    }

    #[test]
    fn white_noise_and_silence_are_unvoiced() {
        let silence = vec![0.0f32; 16000];
        assert!(track(&silence).is_empty());
        let mut state = 12345u64;
        let noise: Vec<f32> = (0..16000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect();
        let voiced_frames = track(&noise).len();
        assert!(
            voiced_frames < 5,
            "noise gave {voiced_frames} pitched frames"
        );
    }

    #[test]
    fn aperiodicity_rises_with_noise_in_the_voice() {
        let median_aperiodicity = |signal: &[f32]| {
            let mut tracker = PitchTracker::new(60.0, 500.0, 320);
            let mut values = Vec::new();
            for (i, frame) in signal.chunks_exact(320).enumerate() {
                tracker.push_frame(frame);
                if i >= 3 {
                    tracker.estimate_hz();
                    values.push(tracker.last_aperiodicity());
                }
            }
            median(values)
        };
        let clean = median_aperiodicity(&voiced(150.0, 1.0, 40.0, 3));
        let rough = median_aperiodicity(&voiced(150.0, 1.0, 5.0, 3));
        let noise = median_aperiodicity(&voiced(150.0, 1.0, -30.0, 3));
        assert!(clean < 0.05, "clean voice: {clean}");
        assert!(rough > clean + 0.1, "rough {rough} vs clean {clean}");
        assert!(noise > 0.5, "noise: {noise}");
        let mut silent = PitchTracker::new(60.0, 500.0, 320);
        silent.push_frame(&[0.0; 320]);
        assert_eq!(silent.estimate_hz(), None);
        assert_eq!(silent.last_aperiodicity(), 1.0);
    }

    #[test]
    fn semitone_scale_round_trips() {
        assert!((hz_to_semitones(200.0) - 12.0).abs() < 1e-4);
        assert!((semitones_to_hz(hz_to_semitones(137.0)) - 137.0).abs() < 1e-3);
    }

    #[test]
    fn decimator_passes_speech_band_and_rejects_aliases() {
        let tone = |hz: f32| -> f32 {
            let input: Vec<f32> = (0..3200)
                .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / 16000.0).sin())
                .collect();
            let mut decimator = Decimator::new(320);
            let mut out = Vec::new();
            for frame in input.chunks(320) {
                decimator.process(frame, |y| out.push(y));
            }
            assert_eq!(out.len(), 1600);
            let tail = &out[400..];
            (tail.iter().map(|y| y * y).sum::<f32>() / tail.len() as f32 * 2.0).sqrt()
        };
        assert!((tone(300.0) - 1.0).abs() < 0.02);
        assert!((tone(2500.0) - 1.0).abs() < 0.05);
        assert!(tone(6000.0) < 0.03, "6 kHz leaks {}", tone(6000.0));
    }
}
