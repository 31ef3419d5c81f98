//! Sample-rate conversion of whole signals with rubato, time-aligned: the output has
//! exactly `round(len * to / from)` samples and the resampler's delay is removed, so sample
//! counts (and so event times) stay exact. [`StreamResampler`] does the same for a signal
//! that arrives in pieces.

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
    let mut stream = StreamResampler::new(from_hz, to_hz, samples.len() as u64)?;
    let mut out = Vec::with_capacity(stream.output_len() as usize);
    stream.push(samples, &mut out)?;
    stream.finish(&mut out)?;
    Ok(out)
}

/// Resamples a signal of known length that arrives in pieces, giving exactly the samples
/// [`resample`] gives for the whole signal (the same chunks reach the filter in the same
/// order), so a recording read a block at a time replays like one read whole.
pub struct StreamResampler {
    from_hz: u32,
    to_hz: u32,
    /// `None` when the rates are equal: samples pass through.
    resampler: Option<FftFixedIn<f32>>,
    /// Input waiting for a whole chunk.
    pending_input: Vec<f32>,
    output_buffer: Vec<Vec<f32>>,
    /// Samples of the filter's delay still to drop from the front.
    delay_left: usize,
    /// Output samples still to give, of [`StreamResampler::output_len`].
    output_left: u64,
    output_len: u64,
}

impl StreamResampler {
    /// For a signal of `input_len` samples at `from_hz`.
    pub fn new(from_hz: u32, to_hz: u32, input_len: u64) -> Result<Self, ResampleError> {
        let output_len = if from_hz == to_hz {
            input_len
        } else {
            (input_len * u64::from(to_hz) + u64::from(from_hz) / 2) / u64::from(from_hz.max(1))
        };
        let mut stream = Self {
            from_hz,
            to_hz,
            resampler: None,
            pending_input: Vec::new(),
            output_buffer: Vec::new(),
            delay_left: 0,
            output_left: output_len,
            output_len,
        };
        if from_hz != to_hz {
            let resampler =
                FftFixedIn::<f32>::new(from_hz as usize, to_hz as usize, CHUNK_FRAMES, 2, 1)
                    .map_err(|e| stream.fail(e.to_string()))?;
            stream.delay_left = resampler.output_delay();
            stream.output_buffer = vec![vec![0.0f32; resampler.output_frames_max()]];
            stream.pending_input.reserve(CHUNK_FRAMES);
            stream.resampler = Some(resampler);
        }
        Ok(stream)
    }

    /// Samples the whole signal resamples to.
    pub fn output_len(&self) -> u64 {
        self.output_len
    }

    fn fail(&self, message: String) -> ResampleError {
        ResampleError {
            from_hz: self.from_hz,
            to_hz: self.to_hz,
            message,
        }
    }

    /// Takes the next piece of the signal, appending what it resamples to to `out`.
    pub fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) -> Result<(), ResampleError> {
        let finite = |s: &f32| if s.is_finite() { *s } else { 0.0 };
        if self.resampler.is_none() {
            let take = (samples.len() as u64).min(self.output_left) as usize;
            out.extend(samples[..take].iter().map(finite));
            self.output_left -= take as u64;
            return Ok(());
        }
        let mut rest = samples;
        while !rest.is_empty() {
            let needed = self.input_frames_next() - self.pending_input.len();
            let (now, later) = rest.split_at(needed.min(rest.len()));
            self.pending_input.extend(now.iter().map(finite));
            rest = later;
            if self.pending_input.len() == self.input_frames_next() {
                let produced = self.process(true)?;
                self.pending_input.clear();
                self.keep(produced, out);
            }
        }
        Ok(())
    }

    /// Ends the signal: resamples what is left and fills `out` up to the full length.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), ResampleError> {
        if self.resampler.is_none() {
            out.extend(std::iter::repeat_n(0.0, self.output_left as usize));
            self.output_left = 0;
            return Ok(());
        }
        while self.output_left > 0 {
            let produced = self.process(false)?;
            self.pending_input.clear();
            self.keep(produced, out);
        }
        Ok(())
    }

    fn input_frames_next(&self) -> usize {
        self.resampler
            .as_ref()
            .map_or(CHUNK_FRAMES, Resampler::input_frames_next)
    }

    /// Runs the filter over the pending input: a whole chunk, or (at the end) what is
    /// left, possibly nothing.
    fn process(&mut self, whole_chunk: bool) -> Result<usize, ResampleError> {
        let Some(resampler) = self.resampler.as_mut() else {
            return Ok(0);
        };
        let result = if whole_chunk {
            resampler.process_into_buffer(&[&self.pending_input[..]], &mut self.output_buffer, None)
        } else if self.pending_input.is_empty() {
            resampler.process_partial_into_buffer(None::<&[&[f32]]>, &mut self.output_buffer, None)
        } else {
            resampler.process_partial_into_buffer(
                Some(&[&self.pending_input[..]]),
                &mut self.output_buffer,
                None,
            )
        };
        match result {
            Ok((_, produced)) => Ok(produced),
            Err(e) => Err(self.fail(e.to_string())),
        }
    }

    /// Moves `produced` samples of the filter's output to `out`, past its delay and no
    /// further than the full length.
    fn keep(&mut self, produced: usize, out: &mut Vec<f32>) {
        let skip = self.delay_left.min(produced);
        self.delay_left -= skip;
        let take = ((produced - skip) as u64).min(self.output_left) as usize;
        out.extend_from_slice(&self.output_buffer[0][skip..skip + take]);
        self.output_left -= take as u64;
    }
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
    fn in_pieces_gives_the_same_samples_as_whole() {
        let signal: Vec<f32> = (0..20_011)
            .map(|i| ((i * 7919) % 2000) as f32 / 1000.0 - 1.0)
            .collect();
        for from in [8000u32, 16000, 44100, 48000] {
            let whole = resample(&signal, from, 16000).unwrap();
            for piece in [1usize, 333, 1024, 4096, 30_000] {
                let mut stream = StreamResampler::new(from, 16000, signal.len() as u64).unwrap();
                let mut out = Vec::new();
                for part in signal.chunks(piece) {
                    stream.push(part, &mut out).unwrap();
                }
                stream.finish(&mut out).unwrap();
                assert_eq!(out, whole, "{from} Hz in pieces of {piece}");
            }
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
