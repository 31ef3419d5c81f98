//! A RIFF/WAVE reader for call recordings: PCM 8/16/24/32-bit, float 32/64-bit, G.711
//! mu-law and A-law, and WAVE_FORMAT_EXTENSIBLE of those, whole ([`read_wav`],
//! [`decode_wav`]) or a block at a time ([`WavStream`]). It never panics on bad input;
//! every problem is a one-line [`WavError`]. Float samples that are not numbers (NaN, or
//! infinite) become silence and are counted ([`DecodedWav::non_finite_samples`]).

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::g711::{alaw_to_i16, mulaw_to_i16};

/// Decoded audio: one vector per channel, samples scaled to -1..1.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedWav {
    pub sample_rate_hz: u32,
    pub channels: Vec<Vec<f32>>,
    /// Float samples that were NaN or infinite, decoded as silence.
    pub non_finite_samples: u64,
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
    #[error("cannot read: {0}")]
    Read(std::io::Error),
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

/// Reads and decodes a whole WAV file; every error names the file. For long recordings
/// prefer [`WavStream::open`], which holds one block at a time.
pub fn read_wav(path: &Path) -> Result<DecodedWav, WavError> {
    let in_file = |e: WavError| WavError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    };
    let mut stream = WavStream::open(path)?;
    stream.read_all().map_err(in_file)
}

/// Decodes WAV bytes.
pub fn decode_wav(bytes: &[u8]) -> Result<DecodedWav, WavError> {
    WavStream::new(Cursor::new(bytes))?.read_all()
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

/// Longest `fmt ` chunk read (the largest real one, WAVE_FORMAT_EXTENSIBLE, is 40 bytes).
const MAX_FORMAT_CHUNK_BYTES: u32 = 64 * 1024;

/// Frames decoded per read of the file.
const BLOCK_FRAMES: usize = 4096;

/// A WAV recording decoded a block at a time, so memory does not grow with its length.
/// The header is checked when it is opened (a data chunk longer than the file is an
/// error before any audio is read).
pub struct WavStream<R> {
    reader: R,
    format: Format,
    frames_total: u64,
    frames_read: u64,
    block: Vec<u8>,
    non_finite_samples: u64,
}

impl WavStream<BufReader<File>> {
    /// Opens a WAV file and reads its header; errors name the file.
    pub fn open(path: &Path) -> Result<Self, WavError> {
        let file = File::open(path).map_err(|source| WavError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        WavStream::new(BufReader::new(file)).map_err(|e| WavError::InFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }
}

impl<R: Read + Seek> WavStream<R> {
    /// Reads the header of the WAV in `reader`, leaving it at the first audio frame.
    pub fn new(mut reader: R) -> Result<Self, WavError> {
        let length = reader.seek(SeekFrom::End(0)).map_err(WavError::Read)?;
        reader.seek(SeekFrom::Start(0)).map_err(WavError::Read)?;
        if length == 0 {
            return Err(WavError::Empty);
        }
        let mut riff = [0u8; 12];
        if length < 12 || read_exact_or_short(&mut reader, &mut riff)? < 12 {
            return Err(WavError::NotRiff);
        }
        if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
            return Err(WavError::NotRiff);
        }
        let mut format: Option<Format> = None;
        let mut at = 12u64;
        loop {
            let mut header = [0u8; 8];
            if at + 8 > length || read_exact_or_short(&mut reader, &mut header)? < 8 {
                return Err(if format.is_none() {
                    WavError::NoFormatChunk
                } else {
                    WavError::NoDataChunk
                });
            }
            let id = &header[0..4];
            let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
            let body_start = at + 8;
            let present = length - body_start;
            if id == b"data" {
                let format = format.ok_or(WavError::NoFormatChunk)?;
                let data_bytes = if size == u32::MAX || size == 0 {
                    present
                } else if u64::from(size) > present {
                    return Err(WavError::Truncated {
                        expected_bytes: size.into(),
                        actual_bytes: present,
                    });
                } else {
                    u64::from(size)
                };
                let frame_bytes = (format.bytes_per_sample * format.channels) as u64;
                let frames_total = data_bytes / frame_bytes;
                if frames_total == 0 {
                    return Err(WavError::NoAudio);
                }
                return Ok(Self {
                    reader,
                    format,
                    frames_total,
                    frames_read: 0,
                    block: Vec::new(),
                    non_finite_samples: 0,
                });
            }
            if u64::from(size) > present {
                return Err(if id == b"fmt " {
                    WavError::NoFormatChunk
                } else {
                    WavError::NoDataChunk
                });
            }
            if id == b"fmt " {
                if size > MAX_FORMAT_CHUNK_BYTES {
                    return Err(WavError::BadHeader(format!(
                        "fmt chunk is {size} bytes, more than a format needs"
                    )));
                }
                let mut chunk = vec![0u8; size as usize];
                reader.read_exact(&mut chunk).map_err(WavError::Read)?;
                format = Some(parse_format(&chunk)?);
            }
            at = body_start + u64::from(size) + u64::from(size & 1);
            reader.seek(SeekFrom::Start(at)).map_err(WavError::Read)?;
        }
    }

    pub fn sample_rate_hz(&self) -> u32 {
        self.format.rate
    }

    pub fn channel_count(&self) -> usize {
        self.format.channels
    }

    /// Frames (samples per channel) in the recording.
    pub fn frames_total(&self) -> u64 {
        self.frames_total
    }

    /// Float samples so far that were NaN or infinite, decoded as silence.
    pub fn non_finite_samples(&self) -> u64 {
        self.non_finite_samples
    }

    /// Decodes up to `max_frames` more frames, appending each channel's samples to
    /// `channels` (one vector per channel). Returns the frames read: 0 at the end.
    pub fn read_frames(
        &mut self,
        max_frames: usize,
        channels: &mut [Vec<f32>],
    ) -> Result<usize, WavError> {
        let left = self.frames_total - self.frames_read;
        let frames = (max_frames as u64).min(left) as usize;
        if frames == 0 {
            return Ok(0);
        }
        let frame_bytes = self.format.bytes_per_sample * self.format.channels;
        self.block.resize(frames * frame_bytes, 0);
        self.reader.read_exact(&mut self.block).map_err(|e| {
            // The header was checked against the file's length: it shrank since.
            WavError::Read(if e.kind() == std::io::ErrorKind::UnexpectedEof {
                std::io::Error::new(
                    e.kind(),
                    "the file ended early (cut short while being read)",
                )
            } else {
                e
            })
        })?;
        for frame in self.block.chunks_exact(frame_bytes) {
            for (channel, s) in channels
                .iter_mut()
                .zip(frame.chunks_exact(self.format.bytes_per_sample))
            {
                let value = sample(self.format.encoding, s);
                if value.is_finite() {
                    channel.push(value);
                } else {
                    self.non_finite_samples += 1;
                    channel.push(0.0);
                }
            }
        }
        self.frames_read += frames as u64;
        Ok(frames)
    }

    /// Decodes every frame left.
    pub fn read_all(&mut self) -> Result<DecodedWav, WavError> {
        let left = usize::try_from(self.frames_total - self.frames_read).unwrap_or(usize::MAX);
        let mut channels = vec![Vec::with_capacity(left); self.format.channels];
        while self.read_frames(BLOCK_FRAMES, &mut channels)? > 0 {}
        Ok(DecodedWav {
            sample_rate_hz: self.format.rate,
            channels,
            non_finite_samples: self.non_finite_samples,
        })
    }
}

/// Reads as much of `buf` as the reader has; returns how much that was.
fn read_exact_or_short(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, WavError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(WavError::Read(e)),
        }
    }
    Ok(filled)
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

fn finite_clamped(value: f32) -> f32 {
    if value.is_finite() {
        value.clamp(-1.0, 1.0)
    } else {
        f32::NAN
    }
}

fn sample(encoding: Encoding, s: &[u8]) -> f32 {
    match (encoding, s.len()) {
        (Encoding::Pcm, 1) => (f32::from(s[0]) - 128.0) / 128.0,
        (Encoding::Pcm, 2) => f32::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
        (Encoding::Pcm, 3) => (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0,
        (Encoding::Pcm, 4) => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0,
        // Not clamped when not finite, so the caller can count it: NaN stays NaN, and
        // infinities stay infinite.
        (Encoding::Float, 4) => finite_clamped(f32::from_le_bytes([s[0], s[1], s[2], s[3]])),
        (Encoding::Float, 8) => {
            finite_clamped(
                f64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]) as f32,
            )
        }
        (Encoding::ALaw, 1) => f32::from(alaw_to_i16(s[0])) / 32768.0,
        (Encoding::MuLaw, 1) => f32::from(mulaw_to_i16(s[0])) / 32768.0,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV file from raw parts: format tag, channels, rate, bits, extra chunks, data.
    fn wav(
        tag: u16,
        channels: u16,
        rate: u32,
        bits: u16,
        extra: &[(&[u8; 4], Vec<u8>)],
        data: &[u8],
    ) -> Vec<u8> {
        let block = channels * bits / 8;
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&tag.to_le_bytes());
        fmt.extend_from_slice(&channels.to_le_bytes());
        fmt.extend_from_slice(&rate.to_le_bytes());
        fmt.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
        fmt.extend_from_slice(&block.to_le_bytes());
        fmt.extend_from_slice(&bits.to_le_bytes());
        if tag == 0xFFFE {
            fmt.extend_from_slice(&22u16.to_le_bytes());
            fmt.extend_from_slice(&bits.to_le_bytes());
            fmt.extend_from_slice(&0u32.to_le_bytes());
            fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM sub-format
            fmt.extend_from_slice(&EXTENSIBLE_GUID_TAIL);
        }
        let mut body = b"WAVE".to_vec();
        let mut chunk = |id: &[u8; 4], bytes: &[u8]| {
            body.extend_from_slice(id);
            body.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            body.extend_from_slice(bytes);
            if bytes.len() % 2 == 1 {
                body.push(0);
            }
        };
        chunk(b"fmt ", &fmt);
        for (id, bytes) in extra {
            chunk(id, bytes);
        }
        chunk(b"data", data);
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn decodes_every_encoding() {
        let pcm16: Vec<u8> = [0i16, 16384, -32768]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let d = decode_wav(&wav(1, 1, 8000, 16, &[], &pcm16)).unwrap();
        assert_eq!(d.channels[0], vec![0.0, 0.5, -1.0]);
        let d = decode_wav(&wav(1, 1, 8000, 8, &[], &[128, 192, 0])).unwrap();
        assert_eq!(d.channels[0], vec![0.0, 0.5, -1.0]);
        let pcm24 = [0x00, 0x00, 0x40, 0x00, 0x00, 0x80];
        let d = decode_wav(&wav(1, 1, 8000, 24, &[], &pcm24)).unwrap();
        assert_eq!(d.channels[0], vec![0.5, -1.0]);
        let pcm32: Vec<u8> = [1i32 << 30, i32::MIN]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        assert_eq!(
            decode_wav(&wav(1, 1, 8000, 32, &[], &pcm32))
                .unwrap()
                .channels[0],
            vec![0.5, -1.0]
        );
        let f32s: Vec<u8> = [0.25f32, -0.5]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        assert_eq!(
            decode_wav(&wav(3, 1, 8000, 32, &[], &f32s))
                .unwrap()
                .channels[0],
            vec![0.25, -0.5]
        );
        let f64s: Vec<u8> = [0.25f64, -0.5]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        assert_eq!(
            decode_wav(&wav(3, 1, 8000, 64, &[], &f64s))
                .unwrap()
                .channels[0],
            vec![0.25, -0.5]
        );
        // Not numbers: silence, counted; a huge finite value is clamped, not counted.
        let odd: Vec<u8> = [f32::NAN, 2.0, f32::NEG_INFINITY, 0.5]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let decoded = decode_wav(&wav(3, 1, 8000, 32, &[], &odd)).unwrap();
        assert_eq!(decoded.channels[0], vec![0.0, 1.0, 0.0, 0.5]);
        assert_eq!(decoded.non_finite_samples, 2);
        let odd: Vec<u8> = [f64::INFINITY, 0.25]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let decoded = decode_wav(&wav(3, 1, 8000, 64, &[], &odd)).unwrap();
        assert_eq!(decoded.channels[0], vec![0.0, 0.25]);
        assert_eq!(decoded.non_finite_samples, 1);
        let mu = decode_wav(&wav(7, 1, 8000, 8, &[], &[0xFF, 0x80])).unwrap();
        assert_eq!(mu.channels[0], vec![0.0, 32124.0 / 32768.0]);
        let a = decode_wav(&wav(6, 1, 8000, 8, &[], &[0xD5])).unwrap();
        assert_eq!(a.channels[0], vec![8.0 / 32768.0]);
    }

    #[test]
    fn channels_extensible_and_odd_chunks() {
        let frames: Vec<u8> = [1i16, 2, 3, 4, 5, 6]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let list: (&[u8; 4], Vec<u8>) = (b"LIST", vec![1, 2, 3]);
        let d = decode_wav(&wav(0xFFFE, 3, 48000, 16, &[list], &frames)).unwrap();
        assert_eq!(d.channel_count(), 3);
        assert_eq!(d.frames(), 2);
        assert_eq!(d.channels[2], vec![3.0 / 32768.0, 6.0 / 32768.0]);
        assert_eq!(d.sample_rate_hz, 48000);
    }

    #[test]
    fn broken_files_are_errors_with_one_line_messages() {
        let good = wav(1, 2, 16000, 16, &[], &[0; 400]);
        assert!(matches!(decode_wav(&[]), Err(WavError::Empty)));
        assert!(matches!(
            decode_wav(b"hello world, not audio"),
            Err(WavError::NotRiff)
        ));
        assert!(matches!(
            decode_wav(&good[..300]),
            Err(WavError::Truncated { .. })
        ));
        assert!(matches!(
            decode_wav(&good[..30]),
            Err(WavError::NoFormatChunk)
        ));
        assert!(matches!(
            decode_wav(&wav(1, 1, 4000, 16, &[], &[0; 8])),
            Err(WavError::BadSampleRate { hz: 4000 })
        ));
        assert!(matches!(
            decode_wav(&wav(2, 1, 8000, 4, &[], &[0; 8])),
            Err(WavError::UnsupportedFormat { tag: 2, .. })
        ));
        assert!(matches!(
            decode_wav(&wav(1, 1, 8000, 16, &[], &[])),
            Err(WavError::NoAudio)
        ));
        let message = WavError::InFile {
            path: "call.wav".into(),
            source: Box::new(WavError::NotRiff),
        }
        .to_string();
        assert_eq!(message, "call.wav: not a WAV file (no RIFF/WAVE header)");
    }

    mod fuzzed {
        //! Property tests: whatever the bytes, decoding ends in audio or one-line error,
        //! and reading block by block agrees with reading whole.
        use super::*;
        use proptest::prelude::*;

        fn valid_wav() -> impl Strategy<Value = Vec<u8>> {
            (
                prop::sample::select(vec![
                    (1u16, 8u16),
                    (1, 16),
                    (1, 24),
                    (1, 32),
                    (3, 32),
                    (3, 64),
                    (6, 8),
                    (7, 8),
                ]),
                1u16..4,
                prop::sample::select(vec![8000u32, 16000, 44100, 48000]),
                prop::collection::vec(any::<u8>(), 0..600),
                prop::bool::ANY,
            )
                .prop_map(|((tag, bits), channels, rate, data, extra)| {
                    let extra_chunks: Vec<(&[u8; 4], Vec<u8>)> = if extra {
                        vec![(b"LIST", vec![1, 2, 3])]
                    } else {
                        vec![]
                    };
                    wav(tag, channels, rate, bits, &extra_chunks, &data)
                })
        }

        /// A valid file with a few bytes changed and perhaps cut short.
        fn damaged_wav() -> impl Strategy<Value = Vec<u8>> {
            (
                valid_wav(),
                prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
                any::<prop::sample::Index>(),
                prop::bool::ANY,
            )
                .prop_map(|(mut bytes, changes, cut, truncate)| {
                    for (at, value) in changes {
                        let at = at.index(bytes.len());
                        bytes[at] = value;
                    }
                    if truncate {
                        bytes.truncate(cut.index(bytes.len() + 1));
                    }
                    bytes
                })
        }

        fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
            match decode_wav(bytes) {
                Ok(decoded) => {
                    prop_assert!(decoded.frames() > 0);
                    prop_assert!(decoded.channels.iter().all(|c| c.len() == decoded.frames()));
                    prop_assert!(decoded
                        .channels
                        .iter()
                        .flatten()
                        .all(|s| s.is_finite() && (-1.0..=1.0).contains(s)));
                    let mut stream = WavStream::new(Cursor::new(bytes)).unwrap();
                    let mut channels = vec![Vec::new(); stream.channel_count()];
                    while stream.read_frames(7, &mut channels).unwrap() > 0 {}
                    prop_assert_eq!(channels, decoded.channels);
                }
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(
                        !message.is_empty() && !message.contains('\n'),
                        "{}",
                        message
                    );
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            #[test]
            fn any_bytes_decode_or_fail_in_one_line(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
                check(&bytes)?;
            }

            #[test]
            fn damaged_files_decode_or_fail_in_one_line(bytes in damaged_wav()) {
                check(&bytes)?;
            }

            #[test]
            fn valid_files_decode(bytes in valid_wav()) {
                let frame_bytes_ok = decode_wav(&bytes);
                // Only a data chunk too short for one frame may fail.
                if let Err(e) = frame_bytes_ok {
                    prop_assert!(matches!(e, WavError::NoAudio), "{}", e);
                }
                check(&bytes)?;
            }
        }
    }
}
