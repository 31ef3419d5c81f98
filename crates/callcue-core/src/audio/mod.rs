//! Audio from recordings: WAV decoding (PCM, float, G.711) and resampling.
pub mod g711;
pub mod resample;
pub mod wav;

pub use resample::{resample, ResampleError, StreamResampler};
pub use wav::{decode_wav, read_wav, DecodedWav, WavError, WavStream};
