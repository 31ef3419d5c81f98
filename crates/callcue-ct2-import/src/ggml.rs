//! Writer for whisper.cpp's legacy `ggml` model file (the `ggml-*.bin` format).
//!
//! Layout, all little-endian:
//!
//! ```text
//! u32 magic 0x67676d6c ("ggml")
//! i32 x 11 hparams: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
//!                   n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype
//! i32 n_mel, i32 n_freq_bins, n_mel * n_freq_bins f32      mel filterbank
//! i32 token_count, token_count x { i32 byte_len, bytes }    vocabulary (no special tokens)
//! per tensor until end of file:
//!     i32 n_dims, i32 name_len, i32 ttype (0 f32, 1 f16),
//!     n_dims x i32 dims (innermost first, i.e. the PyTorch shape reversed),
//!     name bytes, data
//! ```
//!
//! Also holds the IEEE half-precision conversions the writer needs.

use std::io::{self, Write};

/// The file magic, `"ggml"` read as a little-endian u32.
pub const GGML_MAGIC: u32 = 0x6767_6d6c;
/// `ftype` for "large tensors in f16, the rest in f32".
pub const FTYPE_MOSTLY_F16: i32 = 1;

/// Whisper hyper-parameters in the order the file stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    /// Vocabulary size including special tokens (rows of the token embedding).
    pub n_vocab: i32,
    /// Encoder positions (1500 for 30 s).
    pub n_audio_ctx: i32,
    /// Encoder width.
    pub n_audio_state: i32,
    /// Encoder attention heads.
    pub n_audio_head: i32,
    /// Encoder blocks.
    pub n_audio_layer: i32,
    /// Decoder positions (448).
    pub n_text_ctx: i32,
    /// Decoder width.
    pub n_text_state: i32,
    /// Decoder attention heads.
    pub n_text_head: i32,
    /// Decoder blocks.
    pub n_text_layer: i32,
    /// Mel bands of the input spectrogram.
    pub n_mels: i32,
    /// Weight type code (see [`FTYPE_MOSTLY_F16`]).
    pub ftype: i32,
}

impl Hparams {
    fn as_array(&self) -> [i32; 11] {
        [
            self.n_vocab,
            self.n_audio_ctx,
            self.n_audio_state,
            self.n_audio_head,
            self.n_audio_layer,
            self.n_text_ctx,
            self.n_text_state,
            self.n_text_head,
            self.n_text_layer,
            self.n_mels,
            self.ftype,
        ]
    }
}

/// Element type of a tensor in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorType {
    /// IEEE binary32.
    F32,
    /// IEEE binary16.
    F16,
}

impl TensorType {
    /// ggml's type code.
    pub fn code(self) -> i32 {
        match self {
            Self::F32 => 0,
            Self::F16 => 1,
        }
    }
}

/// Little-endian source elements for a tensor.
#[derive(Debug, Clone, Copy)]
pub enum Elements<'a> {
    /// Packed little-endian f32.
    F32(&'a [u8]),
    /// Packed little-endian f16.
    F16(&'a [u8]),
    /// Packed little-endian bfloat16.
    Bf16(&'a [u8]),
}

impl Elements<'_> {
    /// Number of whole elements.
    pub fn len(&self) -> usize {
        match self {
            Self::F32(b) => b.len() / 4,
            Self::F16(b) | Self::Bf16(b) => b.len() / 2,
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Error from [`GgmlWriter`]: an I/O failure or a value that does not fit the format.
#[derive(Debug)]
pub enum WriteError {
    /// The underlying writer failed.
    Io(io::Error),
    /// A size, count or shape does not fit the format (message says which).
    Invalid(String),
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// Streams a whisper ggml file; call the `write_*` methods in file order.
#[derive(Debug)]
pub struct GgmlWriter<W: Write> {
    out: W,
    bytes_written: u64,
    tensors_written: usize,
}

/// Elements converted per chunk when changing precision.
const CONVERT_CHUNK_ELEMENTS: usize = 1 << 16;

impl<W: Write> GgmlWriter<W> {
    /// Wraps `out`; nothing is written yet.
    pub fn new(out: W) -> Self {
        Self {
            out,
            bytes_written: 0,
            tensors_written: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.bytes_written += bytes.len() as u64;
        Ok(())
    }

    fn put_i32(&mut self, v: i32) -> io::Result<()> {
        self.put(&v.to_le_bytes())
    }

    /// Writes the magic and the hyper-parameters.
    pub fn write_header(&mut self, hp: &Hparams) -> Result<(), WriteError> {
        self.put(&GGML_MAGIC.to_le_bytes())?;
        for v in hp.as_array() {
            self.put_i32(v)?;
        }
        Ok(())
    }

    /// Writes the mel filterbank: `n_mel` rows of `n_freq_bins` weights.
    pub fn write_mel_filters(
        &mut self,
        n_mel: usize,
        n_freq_bins: usize,
        weights: &[f32],
    ) -> Result<(), WriteError> {
        if n_mel.checked_mul(n_freq_bins) != Some(weights.len()) {
            return Err(WriteError::Invalid(format!(
                "mel filterbank has {} weights, not {n_mel} x {n_freq_bins}",
                weights.len()
            )));
        }
        self.put_i32(to_i32(n_mel, "mel band count")?)?;
        self.put_i32(to_i32(n_freq_bins, "mel bin count")?)?;
        let bytes: Vec<u8> = weights.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.put(&bytes)?;
        Ok(())
    }

    /// Writes the vocabulary: each token's raw bytes.
    pub fn write_vocab<T: AsRef<[u8]>>(&mut self, tokens: &[T]) -> Result<(), WriteError> {
        self.put_i32(to_i32(tokens.len(), "token count")?)?;
        for t in tokens {
            let t = t.as_ref();
            self.put_i32(to_i32(t.len(), "token length")?)?;
            self.put(t)?;
        }
        Ok(())
    }

    /// Writes one tensor. `shape` is the PyTorch shape (outermost first); it is stored
    /// reversed as ggml expects. `data` is converted to `ttype` as needed.
    pub fn write_tensor(
        &mut self,
        name: &str,
        shape: &[usize],
        ttype: TensorType,
        data: Elements<'_>,
    ) -> Result<(), WriteError> {
        let count = shape.iter().try_fold(1usize, |a, d| a.checked_mul(*d));
        if count != Some(data.len()) || shape.is_empty() || shape.len() > 4 {
            return Err(WriteError::Invalid(format!(
                "tensor '{name}': shape {shape:?} does not fit {} elements in 1 to 4 dimensions",
                data.len()
            )));
        }
        self.put_i32(to_i32(shape.len(), "rank")?)?;
        self.put_i32(to_i32(name.len(), "name length")?)?;
        self.put_i32(ttype.code())?;
        for d in shape.iter().rev() {
            self.put_i32(to_i32(*d, "dimension")?)?;
        }
        self.put(name.as_bytes())?;
        self.put_elements(ttype, data)?;
        self.tensors_written += 1;
        Ok(())
    }

    fn put_elements(&mut self, ttype: TensorType, data: Elements<'_>) -> io::Result<()> {
        match (ttype, data) {
            (TensorType::F32, Elements::F32(b)) | (TensorType::F16, Elements::F16(b)) => {
                let whole = b.len() - b.len() % ttype_size(ttype);
                self.put(&b[..whole])
            }
            _ => {
                let mut buf = Vec::with_capacity(CONVERT_CHUNK_ELEMENTS * 4);
                let mut start = 0;
                while start < data.len() {
                    let end = (start + CONVERT_CHUNK_ELEMENTS).min(data.len());
                    buf.clear();
                    for i in start..end {
                        let v = element_f32(data, i);
                        match ttype {
                            TensorType::F32 => buf.extend_from_slice(&v.to_le_bytes()),
                            TensorType::F16 => {
                                buf.extend_from_slice(&f32_to_f16_bits(v).to_le_bytes())
                            }
                        }
                    }
                    self.put(&buf)?;
                    start = end;
                }
                Ok(())
            }
        }
    }

    /// Flushes and returns the inner writer, bytes written and tensors written.
    pub fn finish(mut self) -> Result<(W, u64, usize), WriteError> {
        self.out.flush()?;
        Ok((self.out, self.bytes_written, self.tensors_written))
    }
}

fn ttype_size(t: TensorType) -> usize {
    match t {
        TensorType::F32 => 4,
        TensorType::F16 => 2,
    }
}

/// Element `i` of `data` as f32 (`i` must be below `data.len()`).
fn element_f32(data: Elements<'_>, i: usize) -> f32 {
    match data {
        Elements::F32(b) => {
            f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
        }
        Elements::F16(b) => f16_bits_to_f32(u16::from_le_bytes([b[2 * i], b[2 * i + 1]])),
        Elements::Bf16(b) => {
            f32::from_bits(u32::from(u16::from_le_bytes([b[2 * i], b[2 * i + 1]])) << 16)
        }
    }
}

fn to_i32(v: usize, what: &str) -> Result<i32, WriteError> {
    i32::try_from(v).map_err(|_| WriteError::Invalid(format!("{what} {v} does not fit in i32")))
}

/// Converts an IEEE binary16 bit pattern to f32 (exact).
pub fn f16_bits_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: man * 2^-24, exact in f32.
            let v = man as f32 * f32::from_bits(0x3380_0000);
            sign | v.to_bits()
        }
        (0x1f, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// Converts f32 to the nearest IEEE binary16 bit pattern (round half to even;
/// overflow gives infinity, NaN stays NaN).
pub fn f32_to_f16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x7f_ffff;
    if exp == 0xff {
        let nan_bits = if man == 0 {
            0
        } else {
            0x200 | (man >> 13) as u16
        };
        return sign | 0x7c00 | nan_bits;
    }
    let half_exp = exp - 127 + 15;
    if half_exp >= 0x1f {
        return sign | 0x7c00;
    }
    if half_exp <= 0 {
        if half_exp < -10 {
            return sign;
        }
        let full = man | 0x80_0000;
        let shift = (14 - half_exp) as u32;
        return sign | round_shift(full, shift) as u16;
    }
    // Normal: keep 10 mantissa bits; a carry out of the mantissa bumps the exponent
    // (up to infinity), which is the correct rounding.
    let unrounded = ((half_exp as u32) << 10) | (man >> 13);
    let rem = man & 0x1fff;
    let rounded = if rem > 0x1000 || (rem == 0x1000 && unrounded & 1 == 1) {
        unrounded + 1
    } else {
        unrounded
    };
    sign | rounded as u16
}

/// `v >> shift` rounded half to even (`1 <= shift < 32`).
fn round_shift(v: u32, shift: u32) -> u32 {
    let q = v >> shift;
    let rem = v & ((1 << shift) - 1);
    let halfway = 1 << (shift - 1);
    if rem > halfway || (rem == halfway && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// A parser for written files, used by tests to check the output.
#[cfg(test)]
pub(crate) mod parse {
    use super::Hparams;

    /// One parsed tensor.
    pub struct Tensor {
        pub name: String,
        /// ggml order (innermost first).
        pub ne: Vec<i32>,
        pub ttype: i32,
        pub data: Vec<u8>,
    }

    /// A parsed file.
    pub struct Parsed {
        pub hparams: Hparams,
        pub n_mel: i32,
        pub n_freq_bins: i32,
        pub mel: Vec<f32>,
        pub vocab: Vec<Vec<u8>>,
        pub tensors: Vec<Tensor>,
    }

    struct Cur<'a>(&'a [u8], usize);

    impl Cur<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            let s = self.0.get(self.1..self.1.checked_add(n)?)?;
            self.1 += n;
            Some(s)
        }
        fn i32(&mut self) -> Option<i32> {
            Some(i32::from_le_bytes(self.take(4)?.try_into().ok()?))
        }
    }

    /// Parses a whole file; `None` if malformed.
    pub fn parse(bytes: &[u8]) -> Option<Parsed> {
        let mut c = Cur(bytes, 0);
        if u32::from_le_bytes(c.take(4)?.try_into().ok()?) != super::GGML_MAGIC {
            return None;
        }
        let mut h = [0i32; 11];
        for v in &mut h {
            *v = c.i32()?;
        }
        let hparams = Hparams {
            n_vocab: h[0],
            n_audio_ctx: h[1],
            n_audio_state: h[2],
            n_audio_head: h[3],
            n_audio_layer: h[4],
            n_text_ctx: h[5],
            n_text_state: h[6],
            n_text_head: h[7],
            n_text_layer: h[8],
            n_mels: h[9],
            ftype: h[10],
        };
        let n_mel = c.i32()?;
        let n_freq_bins = c.i32()?;
        let n = usize::try_from(n_mel).ok()? * usize::try_from(n_freq_bins).ok()?;
        let mel = c
            .take(n * 4)?
            .chunks(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let n_tokens = c.i32()?;
        let mut vocab = Vec::new();
        for _ in 0..n_tokens {
            let len = usize::try_from(c.i32()?).ok()?;
            vocab.push(c.take(len)?.to_vec());
        }
        let mut tensors = Vec::new();
        while c.1 < bytes.len() {
            let n_dims = c.i32()?;
            let name_len = usize::try_from(c.i32()?).ok()?;
            let ttype = c.i32()?;
            let mut ne = Vec::new();
            for _ in 0..n_dims {
                ne.push(c.i32()?);
            }
            let name = String::from_utf8(c.take(name_len)?.to_vec()).ok()?;
            let elems: usize = ne.iter().map(|d| *d as usize).product();
            let size = if ttype == 0 { 4 } else { 2 };
            let data = c.take(elems * size)?.to_vec();
            tensors.push(Tensor {
                name,
                ne,
                ttype,
                data,
            });
        }
        Some(Parsed {
            hparams,
            n_mel,
            n_freq_bins,
            mel,
            vocab,
            tensors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_f16_round_trips() {
        for h in 0..=u16::MAX {
            let f = f16_bits_to_f32(h);
            let back = f32_to_f16_bits(f);
            if f.is_nan() {
                assert!(f16_bits_to_f32(back).is_nan());
            } else {
                assert_eq!(back, h, "{h:#06x} -> {f}");
            }
        }
    }

    #[test]
    fn f16_rounding_matches_f64_reference() {
        // Compare with rounding to the nearest f16 found by searching neighbours.
        let mut seed = 0x9e37_79b9u32;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let x = f32::from_bits(seed);
            if !x.is_finite() || x.abs() > 65504.0 {
                continue;
            }
            let got = f32_to_f16_bits(x);
            let g = f64::from(f16_bits_to_f32(got));
            let err = (g - f64::from(x)).abs();
            for cand in [got.wrapping_sub(1), got.wrapping_add(1)] {
                let c = f64::from(f16_bits_to_f32(cand));
                if c.is_finite() && (c.signum() == g.signum() || c == 0.0) {
                    let cerr = (c - f64::from(x)).abs();
                    assert!(
                        err < cerr || (err == cerr && got & 1 == 0),
                        "{x}: got {got:#06x}, neighbour {cand:#06x} closer"
                    );
                }
            }
        }
    }

    #[test]
    fn f16_edge_cases() {
        assert_eq!(f32_to_f16_bits(1.0), 0x3c00);
        assert_eq!(f32_to_f16_bits(-2.0), 0xc000);
        assert_eq!(f32_to_f16_bits(65504.0), 0x7bff);
        assert_eq!(f32_to_f16_bits(65520.0), 0x7c00);
        assert_eq!(f32_to_f16_bits(1e10), 0x7c00);
        assert_eq!(f32_to_f16_bits(f32::NEG_INFINITY), 0xfc00);
        assert!(f16_bits_to_f32(f32_to_f16_bits(f32::NAN)).is_nan());
        assert_eq!(f32_to_f16_bits(5.960_464_5e-8), 0x0001);
        assert_eq!(f32_to_f16_bits(2.980_232_2e-8), 0x0000); // tie to even
        assert_eq!(f32_to_f16_bits(2.980_233e-8), 0x0001);
        assert_eq!(f32_to_f16_bits(-0.0), 0x8000);
        // 1 + 2^-11 is a tie between 1 and 1 + 2^-10: rounds to even (1).
        assert_eq!(f32_to_f16_bits(1.0 + 2f32.powi(-11)), 0x3c00);
        assert_eq!(f32_to_f16_bits(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02);
    }

    #[test]
    fn writes_and_parses_back() {
        let hp = Hparams {
            n_vocab: 5,
            n_audio_ctx: 2,
            n_audio_state: 4,
            n_audio_head: 1,
            n_audio_layer: 1,
            n_text_ctx: 3,
            n_text_state: 4,
            n_text_head: 1,
            n_text_layer: 1,
            n_mels: 2,
            ftype: FTYPE_MOSTLY_F16,
        };
        let mut w = GgmlWriter::new(Vec::new());
        w.write_header(&hp).unwrap();
        w.write_mel_filters(2, 3, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
            .unwrap();
        w.write_vocab(&[b"a".to_vec(), b" the".to_vec(), Vec::new()])
            .unwrap();
        let src: Vec<u8> = [1.5f32, -2.0, 0.25, 3.0, 4.0, 5.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        w.write_tensor("t.weight", &[2, 3], TensorType::F16, Elements::F32(&src))
            .unwrap();
        w.write_tensor("t.bias", &[6, 1], TensorType::F32, Elements::F32(&src))
            .unwrap();
        assert!(w
            .write_tensor("bad", &[4], TensorType::F32, Elements::F32(&src))
            .is_err());
        let (bytes, n, tensors) = w.finish().unwrap();
        assert_eq!(n, bytes.len() as u64);
        assert_eq!(tensors, 2);
        let p = parse::parse(&bytes).expect("parses");
        assert_eq!(p.hparams, hp);
        assert_eq!((p.n_mel, p.n_freq_bins), (2, 3));
        assert_eq!(p.mel[5], 5.0);
        assert_eq!(p.vocab, vec![b"a".to_vec(), b" the".to_vec(), Vec::new()]);
        assert_eq!(p.tensors[0].ne, vec![3, 2]);
        assert_eq!(p.tensors[0].ttype, 1);
        assert_eq!(&p.tensors[0].data[..2], &0x3e00u16.to_le_bytes());
        assert_eq!(p.tensors[1].ne, vec![1, 6]);
        assert_eq!(p.tensors[1].data, src);
    }
}
