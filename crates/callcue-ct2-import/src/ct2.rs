//! Reader for CTranslate2 `model.bin` files (binary versions 4 to 6).
//!
//! Layout, all little-endian:
//!
//! ```text
//! u32 binary_version
//! string spec_name, u32 spec_revision          (binary_version >= 2)
//! u32 variable_count
//! variable_count x {
//!     string name, u8 rank, rank x u32 dims,
//!     u8 dtype (0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16), u32 byte_count, byte_count bytes
//! }
//! u32 alias_count, alias_count x { string alias, string target }   (binary_version >= 3)
//! ```
//!
//! A string is a `u16` byte length followed by that many bytes, the last being a NUL.
//!
//! [`Ct2File::open`] scans the header and records where each variable's bytes live
//! without loading them; [`Ct2File::read_rows`] then reads one variable (or a range of
//! its leading dimension) on demand, so memory use stays at one tensor at a time.
//! Every length read from the file is checked against the bytes actually remaining.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::ImportError;

/// Oldest binary version whose variable records carry a dtype id and a byte count.
const MIN_BINARY_VERSION: u32 = 4;
/// Newest binary version this reader knows.
const MAX_BINARY_VERSION: u32 = 6;
/// Spec name CTranslate2 gives Whisper models.
pub const WHISPER_SPEC: &str = "WhisperSpec";
/// Largest tensor rank accepted (CTranslate2 models use at most 3).
const MAX_RANK: usize = 8;
/// Smallest possible variable record: name length, rank, dtype, byte count.
const MIN_VARIABLE_RECORD_BYTES: u64 = 2 + 1 + 1 + 4;
/// Scalars larger than this are not kept inline.
const MAX_INLINE_SCALAR_BYTES: u32 = 8;

/// Element type of a stored variable, as CTranslate2 numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// IEEE binary32.
    F32,
    /// Signed 8-bit integer (quantized weights, flags).
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// IEEE binary16.
    F16,
    /// bfloat16.
    Bf16,
}

impl DType {
    /// Maps CTranslate2's dtype id to a [`DType`].
    pub fn from_id(id: u8) -> Option<Self> {
        match id {
            0 => Some(Self::F32),
            1 => Some(Self::I8),
            2 => Some(Self::I16),
            3 => Some(Self::I32),
            4 => Some(Self::F16),
            5 => Some(Self::Bf16),
            _ => None,
        }
    }

    /// CTranslate2's numeric id of this dtype.
    pub fn id(self) -> u8 {
        match self {
            Self::F32 => 0,
            Self::I8 => 1,
            Self::I16 => 2,
            Self::I32 => 3,
            Self::F16 => 4,
            Self::Bf16 => 5,
        }
    }

    /// Short lowercase name (`float32`, `int8`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "float32",
            Self::I8 => "int8",
            Self::I16 => "int16",
            Self::I32 => "int32",
            Self::F16 => "float16",
            Self::Bf16 => "bfloat16",
        }
    }

    /// Bytes per element.
    pub fn size_bytes(self) -> usize {
        match self {
            Self::I8 => 1,
            Self::I16 | Self::F16 | Self::Bf16 => 2,
            Self::F32 | Self::I32 => 4,
        }
    }

    /// Whether this is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, Self::F32 | Self::F16 | Self::Bf16)
    }
}

/// One variable's header and the location of its data in the file.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Full slash-separated name, e.g. `encoder/conv1/weight`.
    pub name: String,
    /// Shape, outermost dimension first (row-major).
    pub dims: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// Byte offset of the data within the file.
    pub data_offset_bytes: u64,
    /// Length of the data in bytes (equals element count times element size).
    pub data_len_bytes: u64,
    /// The raw bytes of small rank-0 variables (scalar attributes), read eagerly.
    pub scalar_bytes: Option<Vec<u8>>,
}

impl Variable {
    /// Number of elements (product of `dims`; 1 for a scalar).
    pub fn element_count(&self) -> usize {
        self.dims.iter().product()
    }

    /// Bytes in one slice of the leading dimension (the whole variable for a scalar).
    fn row_bytes(&self) -> usize {
        self.dims.iter().skip(1).product::<usize>() * self.dtype.size_bytes()
    }

    /// The value of an integer scalar attribute, if this is one.
    pub fn scalar_int(&self) -> Option<i64> {
        let bytes = self.scalar_bytes.as_deref()?;
        match (self.dtype, bytes) {
            (DType::I8, [a]) => Some(i64::from(*a as i8)),
            (DType::I16, [a, b]) => Some(i64::from(i16::from_le_bytes([*a, *b]))),
            (DType::I32, [a, b, c, d]) => Some(i64::from(i32::from_le_bytes([*a, *b, *c, *d]))),
            _ => None,
        }
    }
}

/// A scanned CTranslate2 model file: header facts and the variable index.
#[derive(Debug)]
pub struct Ct2File {
    path: PathBuf,
    file: File,
    /// Binary format version.
    pub binary_version: u32,
    /// Model spec name, e.g. `WhisperSpec`.
    pub spec_name: String,
    /// Spec revision.
    pub spec_revision: u32,
    variables: Vec<Variable>,
    index: HashMap<String, usize>,
    aliases: HashMap<String, String>,
}

impl Ct2File {
    /// Opens `path` and scans its header and variable index.
    pub fn open(path: &Path) -> Result<Self, ImportError> {
        let file = File::open(path).map_err(|e| ImportError::io(path, e))?;
        let len_bytes = file.metadata().map_err(|e| ImportError::io(path, e))?.len();
        let mut reader = HeaderReader {
            inner: BufReader::with_capacity(1 << 16, file),
            pos: 0,
            len: len_bytes,
            path,
        };
        let header = scan(&mut reader)?;
        let file = reader.inner.into_inner();
        let index = header
            .variables
            .iter()
            .enumerate()
            .map(|(i, v)| (v.name.clone(), i))
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            file,
            binary_version: header.binary_version,
            spec_name: header.spec_name,
            spec_revision: header.spec_revision,
            variables: header.variables,
            index,
            aliases: header.aliases,
        })
    }

    /// Path this file was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All variables in file order.
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// Looks a variable up by name, following one alias if the name is an alias.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        let idx = self
            .index
            .get(name)
            .or_else(|| self.aliases.get(name).and_then(|t| self.index.get(t)))?;
        self.variables.get(*idx)
    }

    /// Like [`Ct2File::get`] but a missing variable is an error.
    pub fn require(&self, name: &str) -> Result<&Variable, ImportError> {
        self.get(name).ok_or_else(|| ImportError::MissingVariable {
            path: self.path.clone(),
            variable: name.to_string(),
        })
    }

    /// Reads the bytes of `rows` (a range over the leading dimension) of `var`;
    /// `None` reads the whole variable.
    pub fn read_rows(
        &mut self,
        var: &Variable,
        rows: Option<Range<usize>>,
    ) -> Result<Vec<u8>, ImportError> {
        let (start, len) = match rows {
            None => (0u64, var.data_len_bytes),
            Some(r) => {
                let lead = var.dims.first().copied().unwrap_or(1);
                if r.start > r.end || r.end > lead {
                    return Err(ImportError::malformed(
                        &self.path,
                        format!(
                            "variable '{}' has {lead} rows; rows {}..{} requested",
                            var.name, r.start, r.end
                        ),
                    ));
                }
                let row = var.row_bytes() as u64;
                (r.start as u64 * row, (r.end - r.start) as u64 * row)
            }
        };
        let offset = var.data_offset_bytes + start;
        let file_len = self
            .file
            .metadata()
            .map_err(|e| ImportError::io(&self.path, e))?
            .len();
        if offset.checked_add(len).is_none_or(|end| end > file_len) {
            return Err(ImportError::Truncated {
                path: self.path.clone(),
                offset_bytes: offset,
                what: format!("data of variable '{}'", var.name),
            });
        }
        let len_usize = usize::try_from(len).map_err(|_| {
            ImportError::malformed(
                &self.path,
                format!("variable '{}' is too large for memory", var.name),
            )
        })?;
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| ImportError::io(&self.path, e))?;
        let mut buf = vec![0u8; len_usize];
        self.file
            .read_exact(&mut buf)
            .map_err(|e| ImportError::io(&self.path, e))?;
        Ok(buf)
    }
}

/// Everything parsed from the header.
struct Header {
    binary_version: u32,
    spec_name: String,
    spec_revision: u32,
    variables: Vec<Variable>,
    aliases: HashMap<String, String>,
}

/// Sequential, bounds-checked reader over the model file.
struct HeaderReader<'p, R> {
    inner: R,
    pos: u64,
    len: u64,
    path: &'p Path,
}

impl<R: Read + Seek> HeaderReader<'_, R> {
    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn check(&self, n: u64, what: &dyn Fn() -> String) -> Result<(), ImportError> {
        if n > self.remaining() {
            return Err(ImportError::Truncated {
                path: self.path.to_path_buf(),
                offset_bytes: self.pos,
                what: what(),
            });
        }
        Ok(())
    }

    fn bytes<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N], ImportError> {
        self.check(N as u64, what)?;
        let mut buf = [0u8; N];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| ImportError::io(self.path, e))?;
        self.pos += N as u64;
        Ok(buf)
    }

    fn u8(&mut self, what: &dyn Fn() -> String) -> Result<u8, ImportError> {
        Ok(self.bytes::<1>(what)?[0])
    }

    fn u16(&mut self, what: &dyn Fn() -> String) -> Result<u16, ImportError> {
        Ok(u16::from_le_bytes(self.bytes(what)?))
    }

    fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32, ImportError> {
        Ok(u32::from_le_bytes(self.bytes(what)?))
    }

    fn vec(&mut self, n: u64, what: &dyn Fn() -> String) -> Result<Vec<u8>, ImportError> {
        self.check(n, what)?;
        let n_usize = usize::try_from(n).map_err(|_| ImportError::Truncated {
            path: self.path.to_path_buf(),
            offset_bytes: self.pos,
            what: what(),
        })?;
        let mut buf = vec![0u8; n_usize];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| ImportError::io(self.path, e))?;
        self.pos += n;
        Ok(buf)
    }

    fn skip(&mut self, n: u64, what: &dyn Fn() -> String) -> Result<(), ImportError> {
        self.check(n, what)?;
        let delta = i64::try_from(n).map_err(|_| ImportError::Truncated {
            path: self.path.to_path_buf(),
            offset_bytes: self.pos,
            what: what(),
        })?;
        self.inner
            .seek_relative(delta)
            .map_err(|e| ImportError::io(self.path, e))?;
        self.pos += n;
        Ok(())
    }

    /// Reads a length-prefixed, NUL-terminated string; it must be printable UTF-8.
    fn string(&mut self, what: &dyn Fn() -> String) -> Result<String, ImportError> {
        let start = self.pos;
        let len = self.u16(what)?;
        let raw = self.vec(u64::from(len), what)?;
        let text = raw.split(|b| *b == 0).next().unwrap_or_default();
        match std::str::from_utf8(text) {
            Ok(s) if !s.chars().any(char::is_control) => Ok(s.to_string()),
            _ => Err(ImportError::malformed(
                self.path,
                format!(
                    "{} at byte {start} is not printable UTF-8 (not a CTranslate2 model?)",
                    what()
                ),
            )),
        }
    }
}

fn scan<R: Read + Seek>(r: &mut HeaderReader<'_, R>) -> Result<Header, ImportError> {
    let binary_version = r.u32(&|| "the binary version".into())?;
    if !(MIN_BINARY_VERSION..=MAX_BINARY_VERSION).contains(&binary_version) {
        return Err(ImportError::UnsupportedVersion {
            path: r.path.to_path_buf(),
            version: binary_version,
        });
    }
    let spec_name = r.string(&|| "the spec name".into())?;
    let spec_revision = r.u32(&|| "the spec revision".into())?;
    let count = r.u32(&|| "the variable count".into())?;
    let cap = (r.remaining() / MIN_VARIABLE_RECORD_BYTES).min(u64::from(count));
    let mut variables = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
    for i in 0..count {
        variables.push(scan_variable(r, i)?);
    }
    let alias_count = r.u32(&|| "the alias count".into())?;
    let mut aliases = HashMap::new();
    for i in 0..alias_count {
        let alias = r.string(&|| format!("alias #{i}"))?;
        let target = r.string(&|| format!("target of alias '{alias}'"))?;
        aliases.insert(alias, target);
    }
    Ok(Header {
        binary_version,
        spec_name,
        spec_revision,
        variables,
        aliases,
    })
}

fn scan_variable<R: Read + Seek>(
    r: &mut HeaderReader<'_, R>,
    i: u32,
) -> Result<Variable, ImportError> {
    let name = r.string(&|| format!("the name of variable #{i}"))?;
    let what = |field: &str| format!("the {field} of variable '{name}'");
    let rank = usize::from(r.u8(&|| what("rank"))?);
    if rank > MAX_RANK {
        return Err(ImportError::malformed(
            r.path,
            format!("variable '{name}' has rank {rank} (at most {MAX_RANK} expected)"),
        ));
    }
    let mut dims = Vec::with_capacity(rank);
    for _ in 0..rank {
        let d = r.u32(&|| what("shape"))?;
        dims.push(usize::try_from(d).unwrap_or(usize::MAX));
    }
    let dtype_id = r.u8(&|| what("dtype"))?;
    let dtype = DType::from_id(dtype_id).ok_or_else(|| {
        ImportError::malformed(
            r.path,
            format!("variable '{name}' has unknown dtype id {dtype_id}"),
        )
    })?;
    let data_len_bytes = r.u32(&|| what("byte count"))?;
    let expected = dims
        .iter()
        .try_fold(dtype.size_bytes(), |acc, d| acc.checked_mul(*d));
    if expected != Some(data_len_bytes as usize) {
        return Err(ImportError::malformed(
            r.path,
            format!(
                "variable '{name}' has shape {dims:?} of {} but {data_len_bytes} data bytes",
                dtype.name()
            ),
        ));
    }
    let data_offset_bytes = r.pos;
    let scalar_bytes = if rank == 0 && data_len_bytes <= MAX_INLINE_SCALAR_BYTES {
        Some(r.vec(u64::from(data_len_bytes), &|| what("value"))?)
    } else {
        r.skip(u64::from(data_len_bytes), &|| what("data"))?;
        None
    };
    Ok(Variable {
        name,
        dims,
        dtype,
        data_offset_bytes,
        data_len_bytes: u64::from(data_len_bytes),
        scalar_bytes,
    })
}

/// Writers for building synthetic `model.bin` files in tests.
#[cfg(test)]
pub(crate) mod testing {
    /// Appends a CTranslate2 string (u16 length incl. NUL, bytes, NUL).
    pub fn put_string(out: &mut Vec<u8>, s: &str) {
        let len = u16::try_from(s.len() + 1).expect("test string fits");
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    /// A variable to serialize.
    pub struct TestVar {
        pub name: String,
        pub dims: Vec<u32>,
        pub dtype_id: u8,
        pub data: Vec<u8>,
    }

    /// Serializes a whole model.bin.
    pub fn model_bin(spec: &str, vars: &[TestVar], aliases: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&6u32.to_le_bytes());
        put_string(&mut out, spec);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(vars.len() as u32).to_le_bytes());
        for v in vars {
            put_string(&mut out, &v.name);
            out.push(v.dims.len() as u8);
            for d in &v.dims {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.push(v.dtype_id);
            out.extend_from_slice(&(v.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&v.data);
        }
        out.extend_from_slice(&(aliases.len() as u32).to_le_bytes());
        for (a, t) in aliases {
            put_string(&mut out, a);
            put_string(&mut out, t);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{model_bin, TestVar};
    use super::*;

    /// `model.bin` in a temporary directory that is removed when dropped.
    struct TmpModel(PathBuf);

    impl Drop for TmpModel {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    impl std::ops::Deref for TmpModel {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    fn tmp_file(tag: &str, bytes: &[u8]) -> TmpModel {
        let dir = std::env::temp_dir().join(format!("ct2-test-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join("model.bin");
        std::fs::write(&p, bytes).expect("write temp");
        TmpModel(p)
    }

    fn sample() -> Vec<u8> {
        let vars = vec![
            TestVar {
                name: "encoder/num_heads".into(),
                dims: vec![],
                dtype_id: 2,
                data: 6i16.to_le_bytes().to_vec(),
            },
            TestVar {
                name: "w".into(),
                dims: vec![3, 2],
                dtype_id: 0,
                data: (0..6u8).flat_map(|i| f32::from(i).to_le_bytes()).collect(),
            },
        ];
        model_bin("WhisperSpec", &vars, &[("alias/w", "w")])
    }

    #[test]
    fn reads_header_scalars_rows_and_aliases() {
        let p = tmp_file("ok", &sample());
        let mut f = Ct2File::open(&p).expect("parses");
        assert_eq!(f.binary_version, 6);
        assert_eq!(f.spec_name, "WhisperSpec");
        assert_eq!(f.spec_revision, 3);
        assert_eq!(
            f.require("encoder/num_heads").unwrap().scalar_int(),
            Some(6)
        );
        let w = f.require("alias/w").unwrap().clone();
        assert_eq!(w.dims, vec![3, 2]);
        let row1 = f.read_rows(&w, Some(1..2)).unwrap();
        assert_eq!(row1, [2f32.to_le_bytes(), 3f32.to_le_bytes()].concat());
        assert!(f.read_rows(&w, Some(2..4)).is_err());
        assert!(f.require("nope").is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let full = sample();
        for cut in 0..full.len() {
            let p = tmp_file("cut", &full[..cut]);
            assert!(Ct2File::open(&p).is_err(), "cut at {cut} parsed");
        }
    }

    #[test]
    fn garbage_is_an_error() {
        let mut seed = 0x1234_5678u32;
        for round in 0..200 {
            let mut bytes = sample();
            for _ in 0..4 {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let at = (seed as usize >> 8) % bytes.len();
                bytes[at] = (seed >> 3) as u8;
            }
            // Must not panic; it may or may not parse.
            let p = tmp_file("garbage", &bytes);
            let _ = Ct2File::open(&p);
            let _ = round;
        }
        let p = tmp_file("huge", &[6, 0, 0, 0, 0xff, 0xff, b'x']);
        let err = Ct2File::open(&p).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn rejects_bad_byte_count_and_version() {
        let mut bad = sample();
        bad[0] = 9;
        let p = tmp_file("ver", &bad);
        assert!(matches!(
            Ct2File::open(&p),
            Err(ImportError::UnsupportedVersion { version: 9, .. })
        ));
        let vars = vec![TestVar {
            name: "w".into(),
            dims: vec![0x1_0000, 0x1_0000],
            dtype_id: 0,
            data: vec![0; 4],
        }];
        let p = tmp_file("count", &model_bin("WhisperSpec", &vars, &[]));
        let err = Ct2File::open(&p).unwrap_err().to_string();
        assert!(err.contains("data bytes"), "{err}");
    }
}
