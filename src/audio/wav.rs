//! A RIFF/WAVE reader for call recordings: PCM 8/16/24/32-bit, float 32/64-bit, G.711
//! mu-law and A-law, and WAVE_FORMAT_EXTENSIBLE of those. It never panics on bad input;
//! every problem is a one-line [`WavError`].

use std::path::{Path, PathBuf};

use super::g711::{alaw_to_i16, mulaw_to_i16};

/// Decoded audio: one vector per channel, samples scaled to -1..1.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedWav {
    pub sample_rate_hz: u32,
    pub channels: Vec<Vec<f32>>,
}

impl DecodedWav {
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }
    pub fn duration_ms(&self) -> u64 {
        self.frames() as u64 * 1000 / u64::from(self.sample_rate_hz.max(1))
    }
}

/// Why a WAV could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WavError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    InFile {
        path: PathBuf,
        source: Box<WavError>,
    },
    #[error("file is empty")]
    Empty,
    #[error("not a WAV file (no RIFF/WAVE header)")]
    NotRiff,
    #[error(
        "truncated: data chunk says {expected_bytes} bytes but only {actual_bytes} are present"
    )]
    Truncated {
        expected_bytes: u64,
        actual_bytes: u64,
    },
    #[error("truncated: no fmt chunk before the end of the file")]
    NoFormatChunk,
    #[error("truncated: no data chunk")]
    NoDataChunk,
    #[error("data chunk holds no audio frames")]
    NoAudio,
    #[error("unsupported encoding: format tag 0x{tag:04x} with {bits} bits per sample (supported: PCM 8/16/24/32-bit, float 32/64-bit, G.711 mu-law and A-law)")]
    UnsupportedFormat { tag: u16, bits: u16 },
    #[error("sample rate {hz} Hz is out of range (8000 to 384000 Hz)")]
    BadSampleRate { hz: u32 },
    #[error("bad fmt chunk: {0}")]
    BadHeader(String),
}

const EXTENSIBLE_GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// Reads and decodes a WAV file; every error names the file.
pub fn read_wav(path: &Path) -> Result<DecodedWav, WavError> {
    let bytes = std::fs::read(path).map_err(|source| WavError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_wav(&bytes).map_err(|e| WavError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

#[derive(Clone, Copy)]
enum Encoding {
    Pcm,
    Float,
    ALaw,
    MuLaw,
}

struct Format {
    encoding: Encoding,
    channels: usize,
    rate: u32,
    bytes_per_sample: usize,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn parse_format(chunk: &[u8]) -> Result<Format, WavError> {
    let short = || WavError::BadHeader(format!("fmt chunk is {} bytes, needs 16", chunk.len()));
    let mut tag = u16_at(chunk, 0).ok_or_else(short)?;
    let channels = u16_at(chunk, 2).ok_or_else(short)?;
    let rate = u32_at(chunk, 4).ok_or_else(short)?;
    let block_align = u16_at(chunk, 12).ok_or_else(short)?;
    let bits = u16_at(chunk, 14).ok_or_else(short)?;
    if tag == 0xFFFE {
        let sub = chunk
            .get(24..40)
            .ok_or_else(|| WavError::BadHeader("extensible fmt chunk too short".into()))?;
        if sub[2..] != EXTENSIBLE_GUID_TAIL {
            return Err(WavError::UnsupportedFormat { tag, bits });
        }
        tag = u16::from_le_bytes([sub[0], sub[1]]);
    }
    let encoding = match (tag, bits) {
        (1, 8 | 16 | 24 | 32) => Encoding::Pcm,
        (3, 32 | 64) => Encoding::Float,
        (6, 8) => Encoding::ALaw,
        (7, 8) => Encoding::MuLaw,
        _ => return Err(WavError::UnsupportedFormat { tag, bits }),
    };
    if channels == 0 {
        return Err(WavError::BadHeader("0 channels".into()));
    }
    if !(8000..=384_000).contains(&rate) {
        return Err(WavError::BadSampleRate { hz: rate });
    }
    let bytes_per_sample = usize::from(bits / 8);
    if usize::from(block_align) != bytes_per_sample * usize::from(channels) {
        return Err(WavError::BadHeader(format!(
            "block align {block_align} does not match {channels} channel(s) of {bits} bits"
        )));
    }
    Ok(Format {
        encoding,
        channels: channels.into(),
        rate,
        bytes_per_sample,
    })
}

/// Decodes WAV bytes.
pub fn decode_wav(bytes: &[u8]) -> Result<DecodedWav, WavError> {
    if bytes.is_empty() {
        return Err(WavError::Empty);
    }
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotRiff);
    }
    let mut format = None;
    let mut at = 12usize;
    loop {
        let Some(header) = bytes.get(at..at + 8) else {
            return Err(if format.is_none() {
                WavError::NoFormatChunk
            } else {
                WavError::NoDataChunk
            });
        };
        let id = &header[0..4];
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let body_start = at + 8;
        let present = bytes.len() - body_start;
        if id == b"data" {
            let format = format.ok_or(WavError::NoFormatChunk)?;
            let data = if size == u32::MAX || size == 0 {
                &bytes[body_start..]
            } else if size as usize > present {
                return Err(WavError::Truncated {
                    expected_bytes: size.into(),
                    actual_bytes: present as u64,
                });
            } else {
                &bytes[body_start..body_start + size as usize]
            };
            return decode_data(&format, data);
        }
        let size = size as usize;
        if size > present {
            return Err(if id == b"fmt " {
                WavError::NoFormatChunk
            } else {
                WavError::NoDataChunk
            });
        }
        if id == b"fmt " {
            format = Some(parse_format(&bytes[body_start..body_start + size])?);
        }
        at = body_start + size + (size & 1);
    }
}

fn decode_data(format: &Format, data: &[u8]) -> Result<DecodedWav, WavError> {
    let frame_bytes = format.bytes_per_sample * format.channels;
    let frames = data.len() / frame_bytes;
    if frames == 0 {
        return Err(WavError::NoAudio);
    }
    let mut channels = vec![Vec::with_capacity(frames); format.channels];
    for frame in data.chunks_exact(frame_bytes) {
        for (channel, s) in channels
            .iter_mut()
            .zip(frame.chunks_exact(format.bytes_per_sample))
        {
            channel.push(sample(format.encoding, s));
        }
    }
    Ok(DecodedWav {
        sample_rate_hz: format.rate,
        channels,
    })
}

fn sample(encoding: Encoding, s: &[u8]) -> f32 {
    match (encoding, s.len()) {
        (Encoding::Pcm, 1) => (f32::from(s[0]) - 128.0) / 128.0,
        (Encoding::Pcm, 2) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
        (Encoding::Pcm, 3) => (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0,
        (Encoding::Pcm, 4) => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0,
        (Encoding::Float, 4) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]).clamp(-1.0, 1.0),
        (Encoding::Float, 8) => {
            (f64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]) as f32)
                .clamp(-1.0, 1.0)
        }
        (Encoding::ALaw, 1) => f32::from(alaw_to_i16(s[0])) / 32768.0,
        (Encoding::MuLaw, 1) => f32::from(mulaw_to_i16(s[0])) / 32768.0,
        _ => 0.0,
    }
}
