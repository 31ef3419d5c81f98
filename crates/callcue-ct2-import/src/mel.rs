//! The mel filterbank Whisper applies to its power spectrogram.
//!
//! Whisper uses librosa's `filters.mel(sr=16000, n_fft=400, n_mels=80 or 128)`:
//! triangular filters on the Slaney mel scale (linear below 1 kHz at 200/3 Hz per mel,
//! logarithmic above with a step of ln(6.4)/27 per mel), centred on `n_mels + 2`
//! points evenly spaced in mel from 0 Hz to the Nyquist frequency, each scaled to unit
//! area (`2 / (f[i+2] - f[i])`, librosa's `norm='slaney'`). The result is a
//! row-major `n_mels x (n_fft/2 + 1)` matrix; whisper.cpp reads it from the model file.
//!
//! The arithmetic follows librosa's (float64, rounding the unnormalised weights to
//! float32 before scaling), so the output matches openai-whisper's `mel_filters.npz`.

/// Sample rate Whisper models expect, in Hz.
pub const SAMPLE_RATE_HZ: u32 = 16_000;
/// FFT window length Whisper uses, in samples.
pub const N_FFT: usize = 400;
/// Frequency bins of a real FFT of [`N_FFT`] samples.
pub const N_FREQ_BINS: usize = N_FFT / 2 + 1;

/// Hz per mel below the Slaney break frequency.
const SLANEY_HZ_PER_MEL: f64 = 200.0 / 3.0;
/// Frequency where the Slaney scale turns logarithmic, in Hz.
const SLANEY_BREAK_HZ: f64 = 1000.0;

/// Natural-log step per mel above the break: ln(6.4) / 27.
fn slaney_log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Converts a frequency in Hz to Slaney mels.
pub fn hz_to_mel(freq_hz: f64) -> f64 {
    let break_mel = SLANEY_BREAK_HZ / SLANEY_HZ_PER_MEL;
    if freq_hz >= SLANEY_BREAK_HZ {
        break_mel + (freq_hz / SLANEY_BREAK_HZ).ln() / slaney_log_step()
    } else {
        freq_hz / SLANEY_HZ_PER_MEL
    }
}

/// Converts Slaney mels to a frequency in Hz.
pub fn mel_to_hz(mel: f64) -> f64 {
    let break_mel = SLANEY_BREAK_HZ / SLANEY_HZ_PER_MEL;
    if mel >= break_mel {
        SLANEY_BREAK_HZ * (slaney_log_step() * (mel - break_mel)).exp()
    } else {
        SLANEY_HZ_PER_MEL * mel
    }
}

/// `n` evenly spaced values from `start` to `stop` inclusive, computed like numpy's
/// `linspace` (`start + i * step`, last value exactly `stop`).
fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    if n < 2 {
        return vec![start; n];
    }
    let step = (stop - start) / (n - 1) as f64;
    let mut out: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
    out[n - 1] = stop;
    out
}

/// Whisper's filterbank: `n_mels` rows of [`N_FREQ_BINS`] weights, row-major.
pub fn whisper_mel_filters(n_mels: usize) -> Vec<f32> {
    mel_filters(f64::from(SAMPLE_RATE_HZ), N_FFT, n_mels)
}

/// Slaney-normalised triangular mel filters from 0 Hz to `sample_rate_hz / 2`, as
/// librosa's `filters.mel(sr, n_fft, n_mels)`: `n_mels` rows of `n_fft / 2 + 1` weights.
pub fn mel_filters(sample_rate_hz: f64, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let n_bins = n_fft / 2 + 1;
    let bin_hz = sample_rate_hz / n_fft as f64;
    let bin_freqs_hz: Vec<f64> = (0..n_bins).map(|k| k as f64 * bin_hz).collect();
    let mel_points = linspace(hz_to_mel(0.0), hz_to_mel(sample_rate_hz / 2.0), n_mels + 2);
    let centres_hz: Vec<f64> = mel_points.into_iter().map(mel_to_hz).collect();
    let mut out = Vec::with_capacity(n_mels * n_bins);
    for band in centres_hz.windows(3) {
        let (lo, mid, hi) = (band[0], band[1], band[2]);
        let area_norm = 2.0 / (hi - lo);
        out.extend(bin_freqs_hz.iter().map(|&f| {
            let rising = (f - lo) / (mid - lo);
            let falling = (hi - f) / (hi - mid);
            let weight = rising.min(falling).max(0.0) as f32;
            (f64::from(weight) * area_norm) as f32
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_round_trips_and_breaks_at_1khz() {
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        for hz in [0.0, 123.0, 999.0, 1000.0, 4321.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9);
        }
        // 6.4x the break frequency is 27 mels above it.
        assert!((hz_to_mel(6400.0) - 42.0).abs() < 1e-12);
    }

    #[test]
    fn shape_and_triangles() {
        for n_mels in [80, 128] {
            let f = whisper_mel_filters(n_mels);
            assert_eq!(f.len(), n_mels * N_FREQ_BINS);
            assert!(f.iter().all(|w| w.is_finite() && *w >= 0.0));
            for row in f.chunks(N_FREQ_BINS) {
                // Each filter is one contiguous run of non-zero weights that rises then falls.
                let nz: Vec<usize> = (0..N_FREQ_BINS).filter(|&k| row[k] > 0.0).collect();
                assert!(!nz.is_empty());
                assert_eq!(nz.len(), nz[nz.len() - 1] - nz[0] + 1);
                let peak = nz
                    .iter()
                    .copied()
                    .max_by(|a, b| row[*a].total_cmp(&row[*b]))
                    .unwrap_or(0);
                assert!(nz
                    .windows(2)
                    .all(|w| w[1] <= peak || row[w[1]] <= row[w[0]]));
                assert!(nz.windows(2).all(|w| w[1] > peak || row[w[1]] >= row[w[0]]));
            }
            // Nothing above Nyquist: the last bin (8 kHz) is the top filter's upper edge.
            assert_eq!(f[n_mels * N_FREQ_BINS - 1], 0.0);
        }
    }

    #[test]
    fn slaney_area_normalisation() {
        // Low filters are narrower than a bin spacing apart, but the peak height is
        // 2 / (hi - lo) times the triangle value, so in the linear region the peak
        // weight times the width in Hz is at most 2.
        let f = whisper_mel_filters(80);
        let first_row = &f[..N_FREQ_BINS];
        // First filter: centre 0 + 1 mel-step; weights bounded by 2 / width.
        let width_hz = mel_to_hz(2.0 * hz_to_mel(8000.0) / 81.0);
        let max = first_row.iter().fold(0f32, |a, b| a.max(*b));
        assert!(f64::from(max) <= 2.0 / width_hz + 1e-6);
        // Known value from openai-whisper's mel_filters.npz (mel_80[0][1]).
        assert!((f[1] - 0.024_862_59).abs() < 1e-7, "{}", f[1]);
    }
}
