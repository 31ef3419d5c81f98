//! Whisper models: where they live, checking a file before whisper loads it, and
//! downloading the official ggml files ([`fetch`]). Importing faster-whisper (CTranslate2)
//! models is the `callcue-ct2-import` crate's job.
//!
//! A model is a whisper.cpp ggml file named `ggml-<name>.bin` (`ggml-tiny.en.bin`). It is
//! looked for, first match wins, in: `$CALLCUE_MODELS`, `models/` beside the executable,
//! the project's `models/` for a binary inside a cargo `target/` folder, the user's data
//! directory (`~/.local/share/callcue/models` on Linux,
//! `%LOCALAPPDATA%\callcue\models` on Windows, `~/Library/Application Support/callcue/models`
//! on macOS), then `/usr/share/callcue/models` (Unix). `stt.model_path` in the config
//! names a file directly.

pub mod fetch;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use callcue_core::config::SttConfig;

/// The first four bytes of a whisper.cpp ggml file ("ggml" as a little-endian u32).
pub const GGML_MAGIC: u32 = 0x6767_6d6c;

/// What the user can do to get a model, for error messages.
pub const HOW_TO_GET_A_MODEL: &str = "get one with `callcue models fetch tiny.en`, or convert a faster-whisper model with `callcue models import-ct2 DIR`";

/// Why a model could not be used. One line, naming the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    #[error("no whisper model {file_name} in {searched}: {how}", how = HOW_TO_GET_A_MODEL)]
    NotFound { file_name: String, searched: String },
    #[error("{path}: no such model file: {how}", how = HOW_TO_GET_A_MODEL)]
    Missing { path: PathBuf },
    #[error("{path}: not a whisper ggml model ({message}): {how}", how = HOW_TO_GET_A_MODEL)]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: cannot use model: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("speech-to-text cannot run on this computer: {reason}")]
    UnsupportedCpu { reason: String },
}

/// The directories models are looked for in, in order. None depends on the working
/// directory: `$CALLCUE_MODELS`, `models/` beside the executable, the project's
/// `models/` for a binary built in a cargo `target/` folder, the user's data directory,
/// then `/usr/share/callcue/models` (Unix).
pub fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("CALLCUE_MODELS").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("models"));
        if let Some(project) = cargo_project_of(&exe_dir) {
            dirs.push(project.join("models"));
        }
    }
    if let Some(dir) = user_models_dir() {
        dirs.push(dir);
    }
    if cfg!(unix) {
        dirs.push(PathBuf::from("/usr/share/callcue/models"));
    }
    // A folder named twice (CALLCUE_MODELS set to the project's) is looked in once.
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|dir| seen.insert(dir.clone()));
    dirs
}

/// The project a binary in `exe_dir` was built in, when `exe_dir` is a cargo output
/// folder (`<project>/target/<profile>` or `<project>/target/<triple>/<profile>`).
fn cargo_project_of(exe_dir: &Path) -> Option<PathBuf> {
    exe_dir
        .ancestors()
        .skip(1)
        .take(2)
        .find(|dir| dir.file_name().is_some_and(|name| name == "target"))
        .and_then(Path::parent)
        .filter(|project| project.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// `callcue/models` in the user's local data directory (`%LOCALAPPDATA%` on Windows: a
/// model is too big for a roaming profile; the same folder as the data directory on
/// Linux and macOS).
fn user_models_dir() -> Option<PathBuf> {
    dirs::data_local_dir().map(|data| data.join("callcue").join("models"))
}

/// The directory new models are written to: `$CALLCUE_MODELS`, else the user's data
/// directory (`~/.local/share/callcue/models` on Linux), else `./models`.
pub fn default_install_dir() -> PathBuf {
    std::env::var_os("CALLCUE_MODELS")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(user_models_dir)
        .unwrap_or_else(|| PathBuf::from("models"))
}

/// The file name of a model by its name: `tiny.en` -> `ggml-tiny.en.bin`.
pub fn model_file_name(model: &str) -> String {
    format!("ggml-{model}.bin")
}

/// The model file the config asks for: `stt.model_path` if set, else `ggml-<stt.model>.bin`
/// in the first model directory that has it.
pub fn find_model(config: &SttConfig) -> Result<PathBuf, ModelError> {
    if !config.model_path.trim().is_empty() {
        let path = PathBuf::from(config.model_path.trim());
        if !path.is_file() {
            return Err(ModelError::Missing { path });
        }
        return Ok(path);
    }
    let file_name = model_file_name(&config.model);
    let dirs = model_dirs();
    for dir in &dirs {
        let candidate = dir.join(&file_name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let searched = dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Err(ModelError::NotFound {
        file_name,
        searched,
    })
}

/// What [`validate_ggml_file`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GgmlSummary {
    pub n_vocab: i32,
    pub n_audio_layer: i32,
    pub n_text_layer: i32,
    pub n_state: i32,
    pub tensors: usize,
    pub bytes: u64,
}

/// Checks that `path` is a whole whisper ggml file: the magic, plausible hyperparameters,
/// the mel filters and vocabulary, and every tensor header with all of its data present.
/// whisper.cpp itself does not check its reads, so a truncated file must never reach it.
pub fn validate_ggml_file(path: &Path) -> Result<GgmlSummary, ModelError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelError::Missing {
            path: path.to_path_buf(),
        },
        _ => ModelError::Unreadable {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
    })?;
    let bytes = file
        .metadata()
        .map_err(|e| ModelError::Unreadable {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?
        .len();
    let corrupt = |message: String| ModelError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = CountingReader {
        inner: BufReader::new(file),
        position: 0,
    };
    let magic = reader
        .u32()
        .map_err(|_| corrupt("the file is too short".into()))?;
    if magic != GGML_MAGIC {
        return Err(corrupt(format!(
            "it starts with {magic:#010x}, not the ggml magic"
        )));
    }
    let mut hparams = [0i32; 11];
    for value in &mut hparams {
        *value = reader
            .i32()
            .map_err(|_| corrupt("the header is cut short".into()))?;
    }
    let [n_vocab, n_audio_ctx, n_audio_state, _n_audio_head, n_audio_layer, _n_text_ctx, n_text_state, _n_text_head, n_text_layer, n_mels, _ftype] =
        hparams;
    let plausible = (1000..=60_000).contains(&n_vocab)
        && (1..=4096).contains(&n_audio_ctx)
        && (64..=8192).contains(&n_audio_state)
        && (1..=128).contains(&n_audio_layer)
        && (64..=8192).contains(&n_text_state)
        && (1..=128).contains(&n_text_layer)
        && (1..=512).contains(&n_mels);
    if !plausible {
        return Err(corrupt(format!(
            "implausible header (vocabulary {n_vocab}, {n_audio_layer} encoder layers, width {n_audio_state})"
        )));
    }
    let truncated = |what: &str| corrupt(format!("the file is cut short in the {what}"));
    let n_mel = reader.i32().map_err(|_| truncated("mel filters"))?;
    let n_fft = reader.i32().map_err(|_| truncated("mel filters"))?;
    if !(1..=512).contains(&n_mel) || !(1..=4096).contains(&n_fft) {
        return Err(corrupt(format!(
            "implausible mel filter size {n_mel} x {n_fft}"
        )));
    }
    reader
        .skip(4 * n_mel as u64 * n_fft as u64, bytes)
        .map_err(|_| truncated("mel filters"))?;
    let vocab_count = reader.i32().map_err(|_| truncated("vocabulary"))?;
    if !(0..=n_vocab).contains(&vocab_count) {
        return Err(corrupt(format!(
            "vocabulary of {vocab_count} tokens for a model of {n_vocab}"
        )));
    }
    for _ in 0..vocab_count {
        let len = reader.i32().map_err(|_| truncated("vocabulary"))?;
        if !(0..=1024).contains(&len) {
            return Err(corrupt(format!("a vocabulary entry of {len} bytes")));
        }
        reader
            .skip(len as u64, bytes)
            .map_err(|_| truncated("vocabulary"))?;
    }
    let mut tensors = 0usize;
    while reader.position < bytes {
        let header = (|| -> std::io::Result<(i32, i32, i32)> {
            Ok((reader.i32()?, reader.i32()?, reader.i32()?))
        })()
        .map_err(|_| truncated("tensor headers"))?;
        let (n_dims, name_len, ttype) = header;
        if !(1..=4).contains(&n_dims) || !(1..=256).contains(&name_len) {
            return Err(corrupt(format!(
                "tensor {tensors} has an implausible header"
            )));
        }
        let mut elements: u64 = 1;
        for _ in 0..n_dims {
            let dim = reader.i32().map_err(|_| truncated("tensor headers"))?;
            if dim <= 0 {
                return Err(corrupt(format!(
                    "tensor {tensors} has a dimension of {dim}"
                )));
            }
            elements = elements.saturating_mul(dim as u64);
        }
        let mut name = vec![0u8; name_len as usize];
        reader
            .read_exact(&mut name)
            .map_err(|_| truncated("tensor headers"))?;
        let data_bytes = tensor_bytes(ttype, elements).ok_or_else(|| {
            corrupt(format!(
                "tensor {} has an unknown type {ttype}",
                String::from_utf8_lossy(&name)
            ))
        })?;
        reader.skip(data_bytes, bytes).map_err(|_| {
            corrupt(format!(
                "the file is cut short in tensor {}",
                String::from_utf8_lossy(&name)
            ))
        })?;
        tensors += 1;
    }
    if tensors == 0 {
        return Err(corrupt("it has no tensors".into()));
    }
    Ok(GgmlSummary {
        n_vocab,
        n_audio_layer,
        n_text_layer,
        n_state: n_audio_state,
        tensors,
        bytes,
    })
}

/// Bytes of data of a ggml tensor of `elements` of type `ttype`, for the types whisper
/// models use (f32, f16 and the block-quantized q4_0..q8_0).
fn tensor_bytes(ttype: i32, elements: u64) -> Option<u64> {
    // (elements per block, bytes per block)
    let (block, size) = match ttype {
        0 => (1, 4),   // f32
        1 => (1, 2),   // f16
        2 => (32, 18), // q4_0
        3 => (32, 20), // q4_1
        6 => (32, 22), // q5_0
        7 => (32, 24), // q5_1
        8 => (32, 34), // q8_0
        _ => return None,
    };
    Some(elements.div_ceil(block) * size)
}

struct CountingReader<R> {
    inner: R,
    position: u64,
}

impl<R: Read + Seek> CountingReader<R> {
    fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        self.inner.read_exact(buf)?;
        self.position += buf.len() as u64;
        Ok(())
    }

    fn u32(&mut self) -> std::io::Result<u32> {
        let mut buf = [0u8; 4];
        self.read_exact(&mut buf)?;
        Ok(u32::from_le_bytes(buf))
    }

    fn i32(&mut self) -> std::io::Result<i32> {
        Ok(self.u32()? as i32)
    }

    /// Skips `n` bytes, failing if that would pass the end of the file.
    fn skip(&mut self, n: u64, file_len: u64) -> std::io::Result<()> {
        if self.position.saturating_add(n) > file_len {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.inner.seek(SeekFrom::Current(n as i64))?;
        self.position += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// A tiny but well-formed ggml file with one f32 tensor of 4 elements.
    fn tiny_ggml() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&GGML_MAGIC.to_le_bytes());
        for v in [51864i32, 1500, 384, 6, 4, 448, 384, 6, 4, 80, 1] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&2i32.to_le_bytes());
        b.extend_from_slice(&3i32.to_le_bytes());
        b.extend_from_slice(&[0u8; 4 * 6]);
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend_from_slice(&2i32.to_le_bytes());
        b.extend_from_slice(b"hi");
        // tensor: 1 dim of 4, name "t", f32
        for v in [1i32, 1, 0, 4] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(b't');
        b.extend_from_slice(&[0u8; 16]);
        b
    }

    #[test]
    fn a_whole_file_passes_and_every_truncation_is_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let good = tiny_ggml();
        let path = write(dir.path(), "good.bin", &good);
        let summary = validate_ggml_file(&path).unwrap();
        assert_eq!(summary.tensors, 1);
        for cut in 0..good.len() {
            let path = write(dir.path(), "cut.bin", &good[..cut]);
            let err = validate_ggml_file(&path).unwrap_err().to_string();
            assert!(err.starts_with(&path.display().to_string()), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn a_missing_or_foreign_file_says_how_to_get_a_model() {
        let dir = tempfile::tempdir().unwrap();
        let err = validate_ggml_file(&dir.path().join("nope.bin"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no such model file") && err.contains("models fetch"),
            "{err}"
        );
        let path = write(dir.path(), "x.bin", b"RIFF\0\0\0\0WAVEfmt garbage here");
        let err = validate_ggml_file(&path).unwrap_err().to_string();
        assert!(err.contains("not a whisper ggml model"), "{err}");
    }
}
