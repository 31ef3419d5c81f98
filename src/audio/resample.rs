//! Sample-rate conversion of whole signals with rubato, time-aligned: the output has
//! exactly `round(len * to / from)` samples and the resampler's delay is removed, so sample
//! counts (and so event times) stay exact.

use rubato::{FftFixedIn, Resampler};

/// Input frames per resampler call.
const CHUNK_FRAMES: usize = 1024;

/// Why resampling failed (bad rates).
#[derive(Debug, thiserror::Error)]
#[error("resampling from {from_hz} Hz to {to_hz} Hz failed: {message}")]
pub struct ResampleError {
    pub from_hz: u32,
    pub to_hz: u32,
    pub message: String,
}

/// Resamples `samples` from `from_hz` to `to_hz`. Samples that are not finite are taken as
/// silence (one NaN would otherwise spread through the filter).
pub fn resample(samples: &[f32], from_hz: u32, to_hz: u32) -> Result<Vec<f32>, ResampleError> {
    let sanitized;
    let samples = if samples.iter().all(|s| s.is_finite()) {
        samples
    } else {
        sanitized = samples
            .iter()
            .map(|&s| if s.is_finite() { s } else { 0.0 })
            .collect::<Vec<f32>>();
        &sanitized[..]
    };
    if from_hz == to_hz {
        return Ok(samples.to_vec());
    }
    let fail = |message: String| ResampleError {
        from_hz,
        to_hz,
        message,
    };
    let mut resampler =
        FftFixedIn::<f32>::new(from_hz as usize, to_hz as usize, CHUNK_FRAMES, 2, 1)
            .map_err(|e| fail(e.to_string()))?;
    let wanted = ((samples.len() as u64 * u64::from(to_hz) + u64::from(from_hz) / 2)
        / u64::from(from_hz)) as usize;
    let delay = resampler.output_delay();
    let mut out = Vec::with_capacity(wanted + delay + 2 * resampler.output_frames_max());
    let mut buffer = vec![vec![0.0f32; resampler.output_frames_max()]];
    let mut position = 0;
    while out.len() < wanted + delay {
        let needed = resampler.input_frames_next();
        let (produced, consumed) = if position + needed <= samples.len() {
            let (_, n) = resampler
                .process_into_buffer(&[&samples[position..position + needed]], &mut buffer, None)
                .map_err(|e| fail(e.to_string()))?;
            (n, needed)
        } else {
            let rest = &samples[position.min(samples.len())..];
            let input: Option<&[&[f32]]> = if rest.is_empty() { None } else { Some(&[rest]) };
            let (_, n) = resampler
                .process_partial_into_buffer(input, &mut buffer, None)
                .map_err(|e| fail(e.to_string()))?;
            (n, rest.len())
        };
        out.extend_from_slice(&buffer[0][..produced]);
        position += consumed;
    }
    out.drain(..delay);
    out.truncate(wanted);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_that_are_not_numbers_resample_as_silence() {
        for from in [8000u32, 16000, 48000] {
            let mut signal = vec![0.0f32; from as usize];
            signal[10] = f32::NAN;
            signal[20] = f32::INFINITY;
            signal[30] = f32::NEG_INFINITY;
            let out = resample(&signal, from, 16000).unwrap();
            assert_eq!(out.len(), 16000);
            assert!(out.iter().all(|s| *s == 0.0), "{from} Hz");
        }
    }

    #[test]
    fn length_and_alignment() {
        for from in [8000u32, 22050, 44100, 48000] {
            let n = from as usize;
            let mut click = vec![0.0f32; n];
            click[n / 2] = 1.0;
            let out = resample(&click, from, 16000).unwrap();
            assert_eq!(out.len(), 16000);
            let peak = out
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0;
            assert!((peak as i64 - 8000).abs() <= 1, "{from}: peak at {peak}");
        }
    }

    #[test]
    fn sine_keeps_amplitude() {
        let sine: Vec<f32> = (0..8000)
            .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 8000.0).sin())
            .collect();
        let out = resample(&sine, 8000, 16000).unwrap();
        let mid = &out[1600..14400];
        let rms = (mid.iter().map(|x| x * x).sum::<f32>() / mid.len() as f32).sqrt();
        assert!(
            (rms - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01,
            "{rms}"
        );
    }
}
