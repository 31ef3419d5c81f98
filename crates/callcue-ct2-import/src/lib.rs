//! Import of faster-whisper (CTranslate2) Whisper models into whisper.cpp's format.
//!
//! faster-whisper ships Whisper as a CTranslate2 directory (`model.bin`, `config.json`,
//! `vocabulary.txt` or `vocabulary.json`); whisper.cpp (and so `whisper-rs`) loads the
//! legacy `ggml-*.bin` file. [`import_ct2`] converts the first into the second without
//! Python: it renames the tensors to openai-whisper's names, splits CTranslate2's fused
//! query/key/value projections, drops the key biases (always zero in Whisper; a key
//! bias would only add a per-query constant to the attention logits, which softmax
//! ignores), stores 1-D tensors, conv biases and positional embeddings as f32 and all
//! other weights as f16, computes the mel filterbank ([`mel`]), and decodes the
//! byte-level BPE vocabulary back to token bytes ([`bpe`]).
//!
//! Float32, float16 and bfloat16 models are supported; quantized (int8/int16) models
//! are rejected with [`ImportError::UnsupportedDtype`].
//!
//! The output is written to a temporary file next to `out_path` and renamed into
//! place only once complete, so a failed import never leaves a partial model behind.

pub mod bpe;
pub mod ct2;
pub mod ggml;
pub mod mel;

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::ops::Range;
use std::path::{Path, PathBuf};

use ct2::{Ct2File, DType, Variable};
use ggml::{Elements, GgmlWriter, Hparams, TensorType, WriteError};

/// What the directory must hold, for error messages.
const EXPECTED_DIR: &str =
    "expected a faster-whisper model directory: model.bin, config.json, vocabulary.txt";
/// Vocabulary size of English-only Whisper models; multilingual ones are larger.
const N_VOCAB_ENGLISH: usize = 51_864;
/// Regular (non-special) tokens in the English GPT-2 vocabulary.
const N_REGULAR_TOKENS_ENGLISH: usize = 50_256;
/// Regular tokens in the multilingual vocabulary (one more than English).
const N_REGULAR_TOKENS_MULTILINGUAL: usize = 50_257;
/// The first special token, which must follow the regular tokens.
const END_OF_TEXT: &str = "<|endoftext|>";
/// Width of one attention head in every Whisper size, used when the model lacks `num_heads`.
const HEAD_DIM_FALLBACK: usize = 64;
/// Most mel bands accepted (Whisper uses 80, large-v3 128); bounds the filterbank size.
const MAX_N_MELS: usize = 512;
/// Largest vocabulary file read into memory.
const MAX_VOCABULARY_BYTES: u64 = 256 << 20;
/// Output buffer size.
const WRITE_BUFFER_BYTES: usize = 1 << 20;

/// Summary of a finished import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Model size inferred from the dimensions and vocabulary, e.g. `tiny.en`, `base`,
    /// `large-v3`; `custom-<layers>x<width>` when it matches no released size.
    pub size_name: String,
    /// Tensors written.
    pub tensors: usize,
    /// Vocabulary size including special tokens.
    pub n_vocab: u32,
    /// Encoder blocks.
    pub n_audio_layer: u32,
    /// Decoder blocks.
    pub n_text_layer: u32,
    /// Model width (encoder and decoder).
    pub n_state: u32,
    /// The file written.
    pub out_path: PathBuf,
    /// Size of that file in bytes.
    pub bytes_written: u64,
}

/// Why an import failed. Every message is one line naming the file and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A required file is absent from the model directory.
    #[error("{}: no {file} here ({EXPECTED_DIR})", dir.display())]
    MissingFile {
        /// The directory searched.
        dir: PathBuf,
        /// The file name looked for.
        file: &'static str,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The file ended before a field it announces.
    #[error("{}: truncated at byte {offset_bytes} while reading {what}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Where the missing field starts.
        offset_bytes: u64,
        /// What was being read.
        what: String,
    },
    /// `model.bin` uses a binary version this reader does not know.
    #[error(
        "{}: CTranslate2 binary version {version} is not supported (expected 4 to 6; is this a CTranslate2 model.bin?)",
        path.display()
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        version: u32,
    },
    /// `model.bin` holds some other kind of model.
    #[error("{}: model spec is '{spec}', not 'WhisperSpec' (not a Whisper model)", path.display())]
    NotWhisper {
        /// The file.
        path: PathBuf,
        /// The spec name found.
        spec: String,
    },
    /// A variable the conversion needs is absent.
    #[error("{}: variable '{variable}' is missing", path.display())]
    MissingVariable {
        /// The file.
        path: PathBuf,
        /// The variable name.
        variable: String,
    },
    /// A variable has an element type the conversion cannot use.
    #[error(
        "{}: variable '{variable}' has dtype {dtype_id} ({dtype_name}); only float32, float16 and bfloat16 are supported",
        path.display()
    )]
    UnsupportedDtype {
        /// The file.
        path: PathBuf,
        /// The variable name.
        variable: String,
        /// CTranslate2's dtype id.
        dtype_id: u8,
        /// Its name.
        dtype_name: &'static str,
    },
    /// A variable's shape disagrees with the model's dimensions.
    #[error("{}: variable '{variable}' has shape {found:?}, expected {expected:?}", path.display())]
    BadShape {
        /// The file.
        path: PathBuf,
        /// The variable name.
        variable: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape required.
        expected: Vec<usize>,
    },
    /// The vocabulary file is unusable.
    #[error("{}: {detail}", path.display())]
    Vocabulary {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Some other inconsistency in a file.
    #[error("{}: {detail}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

impl ImportError {
    fn io(path: &Path, source: io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn malformed(path: &Path, detail: String) -> Self {
        Self::Malformed {
            path: path.to_path_buf(),
            detail,
        }
    }

    fn vocabulary(path: &Path, detail: String) -> Self {
        Self::Vocabulary {
            path: path.to_path_buf(),
            detail,
        }
    }

    /// Reports errors about the temporary file under the final output path.
    fn with_path_renamed(self, from: &Path, to: &Path) -> Self {
        match self {
            Self::Io { path, source } if path == from => Self::io(to, source),
            Self::Malformed { path, detail } if path == from => Self::malformed(to, detail),
            other => other,
        }
    }

    fn from_write(path: &Path, e: WriteError) -> Self {
        match e {
            WriteError::Io(source) => Self::io(path, source),
            WriteError::Invalid(detail) => Self::malformed(path, detail),
        }
    }
}

/// Converts the faster-whisper model in `ct2_dir` to a whisper.cpp model at `out_path`.
///
/// Everything is validated before the output is created; the output appears only
/// when fully written (via a temporary file in the same directory and a rename).
pub fn import_ct2(ct2_dir: &Path, out_path: &Path) -> Result<ImportReport, ImportError> {
    let model_path = required_file(ct2_dir, "model.bin")?;
    let mut model = Ct2File::open(&model_path)?;
    if model.spec_name != ct2::WHISPER_SPEC {
        return Err(ImportError::NotWhisper {
            path: model_path,
            spec: model.spec_name.clone(),
        });
    }
    let dims = infer_dims(&model)?;
    let plan = plan_tensors(&model, &dims)?;
    let vocab = load_vocabulary(ct2_dir, dims.n_vocab)?;
    let mel_filters = mel::whisper_mel_filters(dims.n_mels);
    let hparams = dims.hparams(&model_path)?;

    let tmp_path = temp_path_for(out_path)?;
    let written = write_model(&mut model, &tmp_path, &hparams, &mel_filters, &vocab, &plan);
    let (bytes_written, tensors) = match written {
        Ok(v) => v,
        Err(e) => {
            let _ = fs::remove_file(&tmp_path);
            return Err(e.with_path_renamed(&tmp_path, out_path));
        }
    };
    if let Err(e) = fs::rename(&tmp_path, out_path) {
        let _ = fs::remove_file(&tmp_path);
        return Err(ImportError::io(out_path, e));
    }
    Ok(ImportReport {
        size_name: dims.size_name(),
        tensors,
        n_vocab: to_u32(dims.n_vocab),
        n_audio_layer: to_u32(dims.n_audio_layer),
        n_text_layer: to_u32(dims.n_text_layer),
        n_state: to_u32(dims.n_state),
        out_path: out_path.to_path_buf(),
        bytes_written,
    })
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn required_file(dir: &Path, file: &'static str) -> Result<PathBuf, ImportError> {
    let path = dir.join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ImportError::MissingFile {
            dir: dir.to_path_buf(),
            file,
        })
    }
}

/// `<dir>/.<name>.partial-<pid>` next to `out_path`.
fn temp_path_for(out_path: &Path) -> Result<PathBuf, ImportError> {
    let name = out_path.file_name().ok_or_else(|| {
        ImportError::io(
            out_path,
            io::Error::new(io::ErrorKind::InvalidInput, "output path has no file name"),
        )
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".partial-{}", std::process::id()));
    Ok(out_path.with_file_name(tmp_name))
}

/// Model dimensions read from the variable shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Dims {
    n_vocab: usize,
    n_state: usize,
    n_mels: usize,
    n_audio_ctx: usize,
    n_text_ctx: usize,
    n_audio_layer: usize,
    n_text_layer: usize,
    n_audio_head: usize,
    n_text_head: usize,
}

impl Dims {
    fn hparams(&self, path: &Path) -> Result<Hparams, ImportError> {
        let i = |v: usize, what: &str| {
            i32::try_from(v).map_err(|_| {
                ImportError::malformed(path, format!("{what} {v} is too large for whisper.cpp"))
            })
        };
        Ok(Hparams {
            n_vocab: i(self.n_vocab, "vocabulary size")?,
            n_audio_ctx: i(self.n_audio_ctx, "audio context")?,
            n_audio_state: i(self.n_state, "width")?,
            n_audio_head: i(self.n_audio_head, "head count")?,
            n_audio_layer: i(self.n_audio_layer, "layer count")?,
            n_text_ctx: i(self.n_text_ctx, "text context")?,
            n_text_state: i(self.n_state, "width")?,
            n_text_head: i(self.n_text_head, "head count")?,
            n_text_layer: i(self.n_text_layer, "layer count")?,
            n_mels: i(self.n_mels, "mel count")?,
            ftype: ggml::FTYPE_MOSTLY_F16,
        })
    }

    fn is_multilingual(&self) -> bool {
        self.n_vocab > N_VOCAB_ENGLISH
    }

    /// Released Whisper size matching these dimensions.
    fn size_name(&self) -> String {
        let base = match (self.n_audio_layer, self.n_state) {
            (4, 384) => "tiny",
            (6, 512) => "base",
            (12, 768) => "small",
            (24, 1024) => "medium",
            (32, 1280) => "large",
            (layers, width) => return format!("custom-{layers}x{width}"),
        };
        let mut name = base.to_string();
        if base == "large" && self.n_mels == 128 {
            name.push_str("-v3");
        }
        if self.n_text_layer != self.n_audio_layer {
            if base == "large" && self.n_text_layer == 4 {
                name.push_str("-turbo");
            } else {
                name = format!("distil-{name}-dec{}", self.n_text_layer);
            }
        }
        if !self.is_multilingual() {
            name.push_str(".en");
        }
        name
    }
}

fn infer_dims(model: &Ct2File) -> Result<Dims, ImportError> {
    let path = model.path();
    let conv1 = model.require("encoder/conv1/weight")?;
    let [n_state, n_mels, _] = shape3(path, conv1)?;
    let embed = model.require("decoder/embeddings/weight")?;
    let n_vocab = embed.dims.first().copied().unwrap_or(0);
    expect_shape(path, embed, &[n_vocab, n_state])?;
    if n_vocab < N_VOCAB_ENGLISH {
        return Err(ImportError::malformed(
            path,
            format!(
                "vocabulary has {n_vocab} tokens; Whisper models have at least {N_VOCAB_ENGLISH}"
            ),
        ));
    }
    let n_audio_ctx = leading_dim(model, "encoder/position_encodings/encodings", n_state)?;
    let n_text_ctx = leading_dim(model, "decoder/position_encodings/encodings", n_state)?;
    let n_audio_layer = count_layers(model, "encoder/");
    let n_text_layer = count_layers(model, "decoder/");
    if n_audio_layer == 0
        || n_text_layer == 0
        || n_state == 0
        || !(1..=MAX_N_MELS).contains(&n_mels)
    {
        return Err(ImportError::malformed(
            path,
            format!(
                "model has {n_audio_layer} encoder layers, {n_text_layer} decoder layers, width {n_state} and {n_mels} mels"
            ),
        ));
    }
    Ok(Dims {
        n_vocab,
        n_state,
        n_mels,
        n_audio_ctx,
        n_text_ctx,
        n_audio_layer,
        n_text_layer,
        n_audio_head: head_count(model, "encoder/num_heads", n_state)?,
        n_text_head: head_count(model, "decoder/num_heads", n_state)?,
    })
}

fn shape3(path: &Path, v: &Variable) -> Result<[usize; 3], ImportError> {
    match v.dims.as_slice() {
        [a, b, c] if *c == 3 => Ok([*a, *b, *c]),
        _ => Err(ImportError::BadShape {
            path: path.to_path_buf(),
            variable: v.name.clone(),
            found: v.dims.clone(),
            expected: vec![v.dims.first().copied().unwrap_or(0), 80, 3],
        }),
    }
}

fn expect_shape(path: &Path, v: &Variable, expected: &[usize]) -> Result<(), ImportError> {
    if v.dims == expected {
        return Ok(());
    }
    Err(ImportError::BadShape {
        path: path.to_path_buf(),
        variable: v.name.clone(),
        found: v.dims.clone(),
        expected: expected.to_vec(),
    })
}

/// Rows of a `[rows, n_state]` variable.
fn leading_dim(model: &Ct2File, name: &str, n_state: usize) -> Result<usize, ImportError> {
    let v = model.require(name)?;
    let rows = v.dims.first().copied().unwrap_or(0);
    expect_shape(model.path(), v, &[rows, n_state])?;
    Ok(rows)
}

/// Number of `<prefix>layer_<n>/` blocks (highest `n` plus one).
fn count_layers(model: &Ct2File, prefix: &str) -> usize {
    model
        .variables()
        .iter()
        .filter_map(|v| layer_index(&v.name, prefix))
        .map(|n| n.saturating_add(1))
        .max()
        .unwrap_or(0)
}

/// `n` if `name` is `<prefix>layer_<n>/...` (so `layer_norm` does not count).
fn layer_index(name: &str, prefix: &str) -> Option<usize> {
    let rest = name.strip_prefix(prefix)?.strip_prefix("layer_")?;
    let (digits, _) = rest.split_once('/')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn head_count(model: &Ct2File, name: &str, n_state: usize) -> Result<usize, ImportError> {
    let heads = match model.get(name) {
        Some(v) => {
            let n = v.scalar_int().ok_or_else(|| {
                ImportError::malformed(model.path(), format!("'{name}' is not an integer scalar"))
            })?;
            usize::try_from(n).unwrap_or(0)
        }
        None => n_state / HEAD_DIM_FALLBACK,
    };
    if heads == 0 || !n_state.is_multiple_of(heads) {
        return Err(ImportError::malformed(
            model.path(),
            format!("{heads} attention heads ('{name}') do not divide width {n_state}"),
        ));
    }
    Ok(heads)
}

/// One output tensor: where its data comes from and how to store it.
#[derive(Debug, Clone)]
struct TensorPlan {
    ggml_name: String,
    source: Variable,
    /// Slice of the source's leading dimension, or all of it.
    rows: Option<Range<usize>>,
    /// Output shape, PyTorch order.
    shape: Vec<usize>,
    ttype: TensorType,
}

/// Builds the tensor list, checking each source's shape and dtype.
struct Planner<'m> {
    model: &'m Ct2File,
    d: usize,
    out: Vec<TensorPlan>,
}

impl Planner<'_> {
    /// Looks `source` up, checks it has `shape` and a float dtype.
    fn source(&self, source: &str, shape: &[usize]) -> Result<Variable, ImportError> {
        let v = self.model.require(source)?;
        if !v.dtype.is_float() {
            return Err(ImportError::UnsupportedDtype {
                path: self.model.path().to_path_buf(),
                variable: v.name.clone(),
                dtype_id: v.dtype.id(),
                dtype_name: v.dtype.name(),
            });
        }
        expect_shape(self.model.path(), v, shape)?;
        Ok(v.clone())
    }

    /// Copies a whole variable; f32 if 1-D, f16 otherwise.
    fn copy(&mut self, name: String, source: &str, shape: &[usize]) -> Result<(), ImportError> {
        let ttype = if shape.len() == 1 {
            TensorType::F32
        } else {
            TensorType::F16
        };
        self.copy_as(name, source, shape, shape.to_vec(), ttype)
    }

    fn copy_as(
        &mut self,
        ggml_name: String,
        source: &str,
        shape: &[usize],
        out_shape: Vec<usize>,
        ttype: TensorType,
    ) -> Result<(), ImportError> {
        let source = self.source(source, shape)?;
        self.out.push(TensorPlan {
            ggml_name,
            source,
            rows: None,
            shape: out_shape,
            ttype,
        });
        Ok(())
    }

    /// Splits a fused `[parts*d, ...]` variable; `names[i]` gets rows `i*d..(i+1)*d`
    /// (`None` drops that part).
    fn split(
        &mut self,
        source: &str,
        shape: &[usize],
        names: &[Option<String>],
    ) -> Result<(), ImportError> {
        let v = self.source(source, shape)?;
        let d = self.d;
        let part_shape: Vec<usize> = std::iter::once(d)
            .chain(shape.iter().skip(1).copied())
            .collect();
        let ttype = if shape.len() == 1 {
            TensorType::F32
        } else {
            TensorType::F16
        };
        for (i, name) in names.iter().enumerate() {
            if let Some(name) = name {
                self.out.push(TensorPlan {
                    ggml_name: name.clone(),
                    source: v.clone(),
                    rows: Some(i * d..(i + 1) * d),
                    shape: part_shape.clone(),
                    ttype,
                });
            }
        }
        Ok(())
    }

    /// `<src>/gamma` and `<src>/beta` as `<dst>.weight` and `<dst>.bias`.
    fn layer_norm(&mut self, src: &str, dst: &str) -> Result<(), ImportError> {
        let d = self.d;
        self.copy(format!("{dst}.weight"), &format!("{src}/gamma"), &[d])?;
        self.copy(format!("{dst}.bias"), &format!("{src}/beta"), &[d])
    }

    /// A linear layer `[rows, cols]` weight and `[rows]` bias.
    fn linear(
        &mut self,
        src: &str,
        dst: &str,
        rows: usize,
        cols: usize,
    ) -> Result<(), ImportError> {
        self.copy(
            format!("{dst}.weight"),
            &format!("{src}/weight"),
            &[rows, cols],
        )?;
        self.copy(format!("{dst}.bias"), &format!("{src}/bias"), &[rows])
    }

    /// Self-attention: fused q/k/v plus output projection.
    fn self_attention(&mut self, src: &str, dst: &str) -> Result<(), ImportError> {
        let d = self.d;
        self.layer_norm(&format!("{src}/layer_norm"), &format!("{dst}_ln"))?;
        let names = |kind: &str| {
            vec![
                Some(format!("{dst}.query.{kind}")),
                (kind == "weight").then(|| format!("{dst}.key.{kind}")),
                Some(format!("{dst}.value.{kind}")),
            ]
        };
        self.split(
            &format!("{src}/linear_0/weight"),
            &[3 * d, d],
            &names("weight"),
        )?;
        self.split(&format!("{src}/linear_0/bias"), &[3 * d], &names("bias"))?;
        self.linear(&format!("{src}/linear_1"), &format!("{dst}.out"), d, d)
    }

    /// Cross-attention: query, fused k/v, output projection.
    fn cross_attention(&mut self, src: &str, dst: &str) -> Result<(), ImportError> {
        let d = self.d;
        self.layer_norm(&format!("{src}/layer_norm"), &format!("{dst}_ln"))?;
        self.linear(&format!("{src}/linear_0"), &format!("{dst}.query"), d, d)?;
        let kv_w = [
            Some(format!("{dst}.key.weight")),
            Some(format!("{dst}.value.weight")),
        ];
        self.split(&format!("{src}/linear_1/weight"), &[2 * d, d], &kv_w)?;
        self.split(
            &format!("{src}/linear_1/bias"),
            &[2 * d],
            &[None, Some(format!("{dst}.value.bias"))],
        )?;
        self.linear(&format!("{src}/linear_2"), &format!("{dst}.out"), d, d)
    }

    fn ffn(&mut self, src: &str, dst: &str) -> Result<(), ImportError> {
        let d = self.d;
        self.layer_norm(&format!("{src}/layer_norm"), &format!("{dst}.mlp_ln"))?;
        self.linear(
            &format!("{src}/linear_0"),
            &format!("{dst}.mlp.0"),
            4 * d,
            d,
        )?;
        self.linear(
            &format!("{src}/linear_1"),
            &format!("{dst}.mlp.2"),
            d,
            4 * d,
        )
    }

    fn conv(&mut self, n: u8, in_channels: usize) -> Result<(), ImportError> {
        let d = self.d;
        let w = format!("encoder/conv{n}/weight");
        self.copy(format!("encoder.conv{n}.weight"), &w, &[d, in_channels, 3])?;
        let b = format!("encoder/conv{n}/bias");
        self.copy_as(
            format!("encoder.conv{n}.bias"),
            &b,
            &[d],
            vec![d, 1],
            TensorType::F32,
        )
    }
}

/// Lists every output tensor in openai-whisper order with its source.
fn plan_tensors(model: &Ct2File, dims: &Dims) -> Result<Vec<TensorPlan>, ImportError> {
    let d = dims.n_state;
    let mut p = Planner {
        model,
        d,
        out: Vec::new(),
    };
    let pe = "encoder/position_encodings/encodings";
    p.copy_as(
        "encoder.positional_embedding".into(),
        pe,
        &[dims.n_audio_ctx, d],
        vec![dims.n_audio_ctx, d],
        TensorType::F32,
    )?;
    p.conv(1, dims.n_mels)?;
    p.conv(2, d)?;
    for i in 0..dims.n_audio_layer {
        let (src, dst) = (format!("encoder/layer_{i}"), format!("encoder.blocks.{i}"));
        p.self_attention(&format!("{src}/self_attention"), &format!("{dst}.attn"))?;
        p.ffn(&format!("{src}/ffn"), &dst)?;
    }
    p.layer_norm("encoder/layer_norm", "encoder.ln_post")?;

    let pd = "decoder/position_encodings/encodings";
    p.copy_as(
        "decoder.positional_embedding".into(),
        pd,
        &[dims.n_text_ctx, d],
        vec![dims.n_text_ctx, d],
        TensorType::F32,
    )?;
    p.copy(
        "decoder.token_embedding.weight".into(),
        "decoder/embeddings/weight",
        &[dims.n_vocab, d],
    )?;
    for i in 0..dims.n_text_layer {
        let (src, dst) = (format!("decoder/layer_{i}"), format!("decoder.blocks.{i}"));
        p.self_attention(&format!("{src}/self_attention"), &format!("{dst}.attn"))?;
        p.cross_attention(&format!("{src}/attention"), &format!("{dst}.cross_attn"))?;
        p.ffn(&format!("{src}/ffn"), &dst)?;
    }
    p.layer_norm("decoder/layer_norm", "decoder.ln")?;
    Ok(p.out)
}

/// Reads the vocabulary and returns the regular tokens' bytes (whisper.cpp adds the
/// special tokens itself).
fn load_vocabulary(dir: &Path, n_vocab: usize) -> Result<Vec<Vec<u8>>, ImportError> {
    let txt = dir.join("vocabulary.txt");
    let json = dir.join("vocabulary.json");
    let (path, tokens) = if txt.is_file() {
        let text = read_text_capped(&txt)?;
        let tokens = bpe::parse_vocabulary_txt(&text)
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        (txt, tokens)
    } else if json.is_file() {
        let text = read_text_capped(&json)?;
        let tokens = bpe::parse_vocabulary_json(&text).map_err(|(at, what)| {
            ImportError::vocabulary(&json, format!("invalid JSON at byte {at}: {what}"))
        })?;
        (json, tokens)
    } else {
        return Err(ImportError::MissingFile {
            dir: dir.to_path_buf(),
            file: "vocabulary.txt",
        });
    };
    let n_regular = if n_vocab > N_VOCAB_ENGLISH {
        N_REGULAR_TOKENS_MULTILINGUAL
    } else {
        N_REGULAR_TOKENS_ENGLISH
    };
    match tokens.get(n_regular) {
        Some(t) if t == END_OF_TEXT => {}
        found => {
            return Err(ImportError::vocabulary(
                &path,
                format!(
                    "token {n_regular} is {found:?}, expected \"{END_OF_TEXT}\" for a {n_vocab}-token Whisper model ({} tokens in file)",
                    tokens.len()
                ),
            ))
        }
    }
    tokens
        .iter()
        .take(n_regular)
        .enumerate()
        .map(|(i, t)| {
            bpe::decode_token(t).ok_or_else(|| {
                ImportError::vocabulary(
                    &path,
                    format!("token {i} ({t:?}) is not GPT-2 byte-level BPE text"),
                )
            })
        })
        .collect()
}

fn read_text_capped(path: &Path) -> Result<String, ImportError> {
    let len = fs::metadata(path)
        .map_err(|e| ImportError::io(path, e))?
        .len();
    if len > MAX_VOCABULARY_BYTES {
        return Err(ImportError::vocabulary(
            path,
            format!("{len} bytes is too large for a vocabulary file"),
        ));
    }
    let bytes = fs::read(path).map_err(|e| ImportError::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| ImportError::vocabulary(path, format!("not UTF-8 ({e})")))
}

/// Writes the whole ggml file to `path`; returns bytes and tensors written.
fn write_model(
    model: &mut Ct2File,
    path: &Path,
    hparams: &Hparams,
    mel_filters: &[f32],
    vocab: &[Vec<u8>],
    plan: &[TensorPlan],
) -> Result<(u64, usize), ImportError> {
    let file = File::create(path).map_err(|e| ImportError::io(path, e))?;
    let werr = |e| ImportError::from_write(path, e);
    let mut w = GgmlWriter::new(BufWriter::with_capacity(WRITE_BUFFER_BYTES, file));
    w.write_header(hparams).map_err(werr)?;
    let n_mels = usize::try_from(hparams.n_mels).unwrap_or(0);
    w.write_mel_filters(n_mels, mel::N_FREQ_BINS, mel_filters)
        .map_err(werr)?;
    w.write_vocab(vocab).map_err(werr)?;
    for t in plan {
        let bytes = model.read_rows(&t.source, t.rows.clone())?;
        let data = match t.source.dtype {
            DType::F32 => Elements::F32(&bytes),
            DType::F16 => Elements::F16(&bytes),
            DType::Bf16 => Elements::Bf16(&bytes),
            other => {
                return Err(ImportError::UnsupportedDtype {
                    path: model.path().to_path_buf(),
                    variable: t.source.name.clone(),
                    dtype_id: other.id(),
                    dtype_name: other.name(),
                })
            }
        };
        w.write_tensor(&t.ggml_name, &t.shape, t.ttype, data)
            .map_err(werr)?;
    }
    let (buf, bytes_written, tensors) = w.finish().map_err(werr)?;
    let file = buf
        .into_inner()
        .map_err(|e| ImportError::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| ImportError::io(path, e))?;
    Ok((bytes_written, tensors))
}

#[cfg(test)]
mod tests {
    use super::ct2::testing::{model_bin, TestVar};
    use super::ggml::parse;
    use super::*;
    use std::collections::HashMap;

    const D: usize = 8;
    const N_MELS: usize = 80;
    const AUDIO_CTX: usize = 6;
    const TEXT_CTX: usize = 4;
    const ENC_LAYERS: usize = 2;
    const DEC_LAYERS: usize = 1;

    /// Values exactly representable in f16, distinct per variable.
    fn pattern(seed: usize, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i * 7 + seed * 13) % 64) as f32 - 32.0) / 16.0)
            .collect()
    }

    fn var(name: &str, dims: &[usize], f16: bool, seed: usize) -> TestVar {
        let n: usize = dims.iter().product();
        let values = pattern(seed, n);
        let data = if f16 {
            values
                .iter()
                .flat_map(|v| ggml::f32_to_f16_bits(*v).to_le_bytes())
                .collect()
        } else {
            values.iter().flat_map(|v| v.to_le_bytes()).collect()
        };
        TestVar {
            name: name.to_string(),
            dims: dims.iter().map(|d| *d as u32).collect(),
            dtype_id: if f16 { 4 } else { 0 },
            data,
        }
    }

    fn synthetic_vars() -> Vec<TestVar> {
        let mut specs: Vec<(String, Vec<usize>)> = vec![
            ("encoder/conv1/weight".into(), vec![D, N_MELS, 3]),
            ("encoder/conv1/bias".into(), vec![D]),
            ("encoder/conv2/weight".into(), vec![D, D, 3]),
            ("encoder/conv2/bias".into(), vec![D]),
            (
                "encoder/position_encodings/encodings".into(),
                vec![AUDIO_CTX, D],
            ),
            ("encoder/layer_norm/gamma".into(), vec![D]),
            ("encoder/layer_norm/beta".into(), vec![D]),
            ("decoder/embeddings/weight".into(), vec![N_VOCAB_ENGLISH, D]),
            (
                "decoder/position_encodings/encodings".into(),
                vec![TEXT_CTX, D],
            ),
            ("decoder/layer_norm/gamma".into(), vec![D]),
            ("decoder/layer_norm/beta".into(), vec![D]),
        ];
        let ln = |p: &str| {
            vec![
                (format!("{p}/gamma"), vec![D]),
                (format!("{p}/beta"), vec![D]),
            ]
        };
        let lin = |p: &str, r: usize, c: usize| {
            vec![
                (format!("{p}/weight"), vec![r, c]),
                (format!("{p}/bias"), vec![r]),
            ]
        };
        let block = |p: &str| {
            let mut v = ln(&format!("{p}/self_attention/layer_norm"));
            v.extend(lin(&format!("{p}/self_attention/linear_0"), 3 * D, D));
            v.extend(lin(&format!("{p}/self_attention/linear_1"), D, D));
            v.extend(ln(&format!("{p}/ffn/layer_norm")));
            v.extend(lin(&format!("{p}/ffn/linear_0"), 4 * D, D));
            v.extend(lin(&format!("{p}/ffn/linear_1"), D, 4 * D));
            v
        };
        for i in 0..ENC_LAYERS {
            specs.extend(block(&format!("encoder/layer_{i}")));
        }
        for i in 0..DEC_LAYERS {
            let p = format!("decoder/layer_{i}");
            specs.extend(block(&p));
            specs.extend(ln(&format!("{p}/attention/layer_norm")));
            specs.extend(lin(&format!("{p}/attention/linear_0"), D, D));
            specs.extend(lin(&format!("{p}/attention/linear_1"), 2 * D, D));
            specs.extend(lin(&format!("{p}/attention/linear_2"), D, D));
        }
        // 2-D tensors in f16 except the embedding; 1-D in f32 except one bias.
        let mut vars: Vec<TestVar> = specs
            .iter()
            .enumerate()
            .map(|(seed, (name, dims))| {
                let f16 = (dims.len() > 1 && name != "decoder/embeddings/weight")
                    || name == "encoder/layer_0/self_attention/linear_0/bias";
                var(name, dims, f16, seed)
            })
            .collect();
        for (name, heads) in [("encoder/num_heads", 2i16), ("decoder/num_heads", 4)] {
            vars.push(TestVar {
                name: name.into(),
                dims: vec![],
                dtype_id: 2,
                data: heads.to_le_bytes().to_vec(),
            });
        }
        vars.push(TestVar {
            name: "decoder/activation".into(),
            dims: vec![],
            dtype_id: 1,
            data: vec![3],
        });
        vars
    }

    fn vocabulary_txt() -> String {
        let mut s = String::new();
        for i in 0..N_REGULAR_TOKENS_ENGLISH {
            s.push_str(&format!("Ġt{i}\n"));
        }
        s.push_str("<|endoftext|>\n");
        for i in N_REGULAR_TOKENS_ENGLISH + 1..N_VOCAB_ENGLISH {
            s.push_str(&format!("<|x{i}|>\n"));
        }
        s
    }

    /// A temporary directory, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("import-test-{}-{tag}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    impl std::ops::Deref for Scratch {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    /// A fresh directory with model.bin (from `vars`) and vocabulary.txt.
    fn model_dir(tag: &str, vars: &[TestVar]) -> Scratch {
        let dir = Scratch::new(tag);
        let aliases = [("decoder/projection/weight", "decoder/embeddings/weight")];
        fs::write(
            dir.join("model.bin"),
            model_bin("WhisperSpec", vars, &aliases),
        )
        .expect("write");
        fs::write(dir.join("vocabulary.txt"), vocabulary_txt()).expect("write");
        fs::write(dir.join("config.json"), "{}").expect("write");
        dir
    }

    fn f32s(bytes: &[u8]) -> Vec<f32> {
        bytes
            .chunks(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }

    fn f16s(bytes: &[u8]) -> Vec<f32> {
        bytes
            .chunks(2)
            .map(|b| ggml::f16_bits_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect()
    }

    fn expected_names() -> Vec<String> {
        let mut names: Vec<String> = [
            "encoder.positional_embedding",
            "encoder.conv1.weight",
            "encoder.conv1.bias",
            "encoder.conv2.weight",
            "encoder.conv2.bias",
            "encoder.ln_post.weight",
            "encoder.ln_post.bias",
            "decoder.positional_embedding",
            "decoder.token_embedding.weight",
            "decoder.ln.weight",
            "decoder.ln.bias",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let attn = |p: &str| {
            [
                "_ln.weight",
                "_ln.bias",
                ".query.weight",
                ".query.bias",
                ".key.weight",
                ".value.weight",
                ".value.bias",
                ".out.weight",
                ".out.bias",
            ]
            .iter()
            .map(|s| format!("{p}{s}"))
            .collect::<Vec<_>>()
        };
        let mlp = |p: &str| {
            [
                ".mlp_ln.weight",
                ".mlp_ln.bias",
                ".mlp.0.weight",
                ".mlp.0.bias",
                ".mlp.2.weight",
                ".mlp.2.bias",
            ]
            .iter()
            .map(|s| format!("{p}{s}"))
            .collect::<Vec<_>>()
        };
        for i in 0..ENC_LAYERS {
            names.extend(attn(&format!("encoder.blocks.{i}.attn")));
            names.extend(mlp(&format!("encoder.blocks.{i}")));
        }
        for i in 0..DEC_LAYERS {
            names.extend(attn(&format!("decoder.blocks.{i}.attn")));
            names.extend(attn(&format!("decoder.blocks.{i}.cross_attn")));
            names.extend(mlp(&format!("decoder.blocks.{i}")));
        }
        names.sort();
        names
    }

    #[test]
    fn converts_synthetic_model() {
        let vars = synthetic_vars();
        let dir = model_dir("ok", &vars);
        let out = dir.join("ggml-test.bin");
        let report = import_ct2(&dir, &out).expect("imports");
        assert_eq!(report.tensors, 11 + 15 * ENC_LAYERS + 24 * DEC_LAYERS);
        assert_eq!(report.size_name, "custom-2x8");
        assert_eq!(report.n_vocab, N_VOCAB_ENGLISH as u32);
        assert_eq!(
            (report.n_audio_layer, report.n_text_layer, report.n_state),
            (2, 1, 8)
        );
        let bytes = fs::read(&out).expect("output exists");
        assert_eq!(report.bytes_written, bytes.len() as u64);
        let leftovers: Vec<_> = fs::read_dir(&*dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("partial"))
            .collect();
        assert!(leftovers.is_empty());

        let parsed = parse::parse(&bytes).expect("output parses");
        let hp = parsed.hparams;
        assert_eq!(
            [
                hp.n_vocab,
                hp.n_audio_ctx,
                hp.n_audio_state,
                hp.n_audio_head,
                hp.n_audio_layer
            ],
            [51864, 6, 8, 2, 2]
        );
        assert_eq!(
            [
                hp.n_text_ctx,
                hp.n_text_state,
                hp.n_text_head,
                hp.n_text_layer,
                hp.n_mels,
                hp.ftype
            ],
            [4, 8, 4, 1, 80, 1]
        );
        assert_eq!((parsed.n_mel, parsed.n_freq_bins), (80, 201));
        assert_eq!(parsed.mel, mel::whisper_mel_filters(80));
        assert_eq!(parsed.vocab.len(), N_REGULAR_TOKENS_ENGLISH);
        assert_eq!(parsed.vocab[0], b" t0");
        assert_eq!(parsed.vocab[50255], b" t50255");

        let mut names: Vec<String> = parsed.tensors.iter().map(|t| t.name.clone()).collect();
        names.sort();
        assert_eq!(names, expected_names());
        let by_name: HashMap<&str, &parse::Tensor> = parsed
            .tensors
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect();
        for t in &parsed.tensors {
            let want_f32 = t.ne.len() == 1
                || t.name.contains("positional_embedding")
                || t.name.starts_with("encoder.conv") && t.name.ends_with(".bias");
            assert_eq!(t.ttype, if want_f32 { 0 } else { 1 }, "{}", t.name);
        }
        assert_eq!(by_name["encoder.conv1.weight"].ne, vec![3, 80, 8]);
        assert_eq!(by_name["encoder.conv1.bias"].ne, vec![1, 8]);
        assert_eq!(by_name["encoder.positional_embedding"].ne, vec![8, 6]);
        assert_eq!(by_name["decoder.token_embedding.weight"].ne, vec![8, 51864]);
        assert_eq!(by_name["encoder.blocks.0.mlp.0.weight"].ne, vec![8, 32]);
        assert_eq!(
            by_name["decoder.blocks.0.cross_attn.key.weight"].ne,
            vec![8, 8]
        );

        // Values: find each source's seed by its position in `vars`.
        let seed = |name: &str| vars.iter().position(|v| v.name == name).expect("source");
        let src = |name: &str, n: usize| pattern(seed(name), n);
        let qkv_b = src("encoder/layer_0/self_attention/linear_0/bias", 3 * D);
        assert_eq!(
            f32s(&by_name["encoder.blocks.0.attn.value.bias"].data),
            qkv_b[2 * D..]
        );
        assert_eq!(
            f32s(&by_name["encoder.blocks.0.attn.query.bias"].data),
            qkv_b[..D]
        );
        let qkv_w = src("decoder/layer_0/self_attention/linear_0/weight", 3 * D * D);
        assert_eq!(
            f16s(&by_name["decoder.blocks.0.attn.key.weight"].data),
            qkv_w[D * D..2 * D * D]
        );
        let kv_w = src("decoder/layer_0/attention/linear_1/weight", 2 * D * D);
        assert_eq!(
            f16s(&by_name["decoder.blocks.0.cross_attn.value.weight"].data),
            kv_w[D * D..]
        );
        let kv_b = src("decoder/layer_0/attention/linear_1/bias", 2 * D);
        assert_eq!(
            f32s(&by_name["decoder.blocks.0.cross_attn.value.bias"].data),
            kv_b[D..]
        );
        let emb = src("decoder/embeddings/weight", N_VOCAB_ENGLISH * D);
        assert_eq!(f16s(&by_name["decoder.token_embedding.weight"].data), emb);
        let ln = src("encoder/layer_norm/gamma", D);
        assert_eq!(f32s(&by_name["encoder.ln_post.weight"].data), ln);
    }

    #[test]
    fn missing_files_are_named() {
        let dir = Scratch::new("empty");
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(&format!("no model.bin here ({EXPECTED_DIR})")),
            "{err}"
        );
        assert!(err.starts_with(&dir.display().to_string()));

        let dir = model_dir("novocab", &synthetic_vars());
        fs::remove_file(dir.join("vocabulary.txt")).expect("rm");
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no vocabulary.txt here"), "{err}");
        assert!(!dir.join("out.bin").exists());
    }

    #[test]
    fn unwritable_output_names_the_output_path() {
        let dir = model_dir("unwritable", &synthetic_vars());
        let out = dir.join("no-such-dir").join("ggml-x.bin");
        let err = import_ct2(&dir, &out).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: ", out.display())), "{err}");
    }

    #[test]
    fn int8_weights_are_rejected_by_name() {
        let mut vars = synthetic_vars();
        let conv = vars
            .iter_mut()
            .find(|v| v.name == "encoder/conv1/weight")
            .expect("conv");
        conv.dtype_id = 1;
        conv.data.truncate(D * N_MELS * 3);
        let dir = model_dir("int8", &vars);
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("model.bin: variable 'encoder/conv1/weight' has dtype 1 (int8); only float32, float16 and bfloat16 are supported"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn bad_shapes_and_specs_are_errors() {
        let mut vars = synthetic_vars();
        let w = vars
            .iter_mut()
            .find(|v| v.name == "encoder/layer_1/ffn/linear_0/weight")
            .expect("ffn");
        w.dims = vec![D as u32, 4 * D as u32];
        let dir = model_dir("shape", &vars);
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has shape [8, 32], expected [32, 8]"), "{err}");

        let dir = model_dir("spec", &[]);
        fs::write(
            dir.join("model.bin"),
            model_bin("TransformerSpec", &synthetic_vars(), &[]),
        )
        .expect("write");
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a Whisper model"), "{err}");

        let vars: Vec<TestVar> = synthetic_vars()
            .into_iter()
            .filter(|v| v.name != "decoder/layer_0/attention/linear_2/bias")
            .collect();
        let dir = model_dir("missing", &vars);
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("variable 'decoder/layer_0/attention/linear_2/bias' is missing"),
            "{err}"
        );
    }

    #[test]
    fn bad_vocabulary_is_an_error() {
        let dir = model_dir("vocab", &synthetic_vars());
        fs::write(dir.join("vocabulary.txt"), "a\nb\n").expect("write");
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("vocabulary.txt: token 50256 is None"), "{err}");
        let bad = vocabulary_txt().replacen("Ġt5\n", "t\u{2019}\n", 1);
        fs::write(dir.join("vocabulary.txt"), bad).expect("write");
        let err = import_ct2(&dir, &dir.join("out.bin"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("token 5 ("), "{err}");
        assert!(!dir.join("out.bin").exists());
    }

    #[test]
    fn vocabulary_json_is_accepted() {
        let dir = model_dir("json", &synthetic_vars());
        let lines: Vec<String> = vocabulary_txt().lines().map(|l| format!("{l:?}")).collect();
        fs::write(
            dir.join("vocabulary.json"),
            format!("[{}]", lines.join(",")),
        )
        .expect("write");
        fs::remove_file(dir.join("vocabulary.txt")).expect("rm");
        let out = dir.join("out.bin");
        import_ct2(&dir, &out).expect("imports");
        let parsed = parse::parse(&fs::read(&out).expect("read")).expect("parses");
        assert_eq!(parsed.vocab[7], b" t7");
    }

    #[test]
    fn truncated_and_garbage_models_fail_cleanly() {
        let dir = model_dir("trunc", &synthetic_vars());
        let full = fs::read(dir.join("model.bin")).expect("read");
        let out = dir.join("out.bin");
        let cuts = (0..600)
            .chain((600..full.len()).step_by(4099))
            .chain([full.len() - 1]);
        for cut in cuts {
            fs::write(dir.join("model.bin"), &full[..cut]).expect("write");
            let err = import_ct2(&dir, &out).expect_err("truncated input must fail");
            assert!(!err.to_string().contains('\n'));
            assert!(!out.exists());
        }
        let mut seed = 0xdead_beefu32;
        for _ in 0..100 {
            let mut bytes = full.clone();
            for _ in 0..3 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let at = (seed as usize >> 4) % 2048.min(bytes.len());
                bytes[at] ^= (seed >> 20) as u8 | 1;
            }
            fs::write(dir.join("model.bin"), &bytes).expect("write");
            let _ = import_ct2(&dir, &out); // must not panic
        }
        fs::write(dir.join("model.bin"), b"\x7fELF garbage").expect("write");
        assert!(import_ct2(&dir, &out).is_err());
        let leftovers = fs::read_dir(&*dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("partial"))
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn size_names() {
        let dims = |a, t, d, v, m| Dims {
            n_vocab: v,
            n_state: d,
            n_mels: m,
            n_audio_ctx: 1500,
            n_text_ctx: 448,
            n_audio_layer: a,
            n_text_layer: t,
            n_audio_head: 6,
            n_text_head: 6,
        };
        assert_eq!(dims(4, 4, 384, 51864, 80).size_name(), "tiny.en");
        assert_eq!(dims(6, 6, 512, 51865, 80).size_name(), "base");
        assert_eq!(dims(32, 32, 1280, 51865, 80).size_name(), "large");
        assert_eq!(dims(32, 32, 1280, 51866, 128).size_name(), "large-v3");
        assert_eq!(dims(32, 4, 1280, 51866, 128).size_name(), "large-v3-turbo");
        assert_eq!(
            dims(32, 2, 1280, 51866, 128).size_name(),
            "distil-large-v3-dec2"
        );
        assert_eq!(dims(3, 3, 100, 51864, 80).size_name(), "custom-3x100");
    }

    #[test]
    fn layer_index_ignores_layer_norm() {
        assert_eq!(layer_index("encoder/layer_12/ffn/x", "encoder/"), Some(12));
        assert_eq!(layer_index("encoder/layer_norm/gamma", "encoder/"), None);
        assert_eq!(layer_index("decoder/layer_1/x", "encoder/"), None);
        assert_eq!(layer_index("encoder/layer_/x", "encoder/"), None);
    }

    mod fuzzed {
        //! Property tests: a CTranslate2 model folder with damaged bytes, a damaged
        //! vocabulary or config imports or fails in one line, and never leaves a partial
        //! output behind.
        use super::*;
        use proptest::prelude::*;

        /// Byte changes: mostly in the first 4 kB (the header and the first variables'
        /// index entries), some anywhere.
        fn changes() -> impl Strategy<Value = Vec<(bool, prop::sample::Index, u8)>> {
            prop::collection::vec(
                (
                    prop::bool::weighted(0.8),
                    any::<prop::sample::Index>(),
                    any::<u8>(),
                ),
                1..6,
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(120))]

            #[test]
            fn a_damaged_model_folder_imports_or_fails_in_one_line(
                model_changes in changes(),
                cut in prop::option::weighted(0.2, any::<prop::sample::Index>()),
                vocabulary in prop::option::weighted(0.2, "[ -~\n]{0,64}"),
                config in prop::option::weighted(0.2, "[ -~]{0,32}"),
            ) {
                let dir = model_dir("fuzz", &synthetic_vars());
                let model_path = dir.join("model.bin");
                let mut bytes = fs::read(&model_path).unwrap();
                for (near_start, at, value) in model_changes {
                    let span = if near_start { bytes.len().min(4096) } else { bytes.len() };
                    bytes[at.index(span)] = value;
                }
                if let Some(cut) = cut {
                    bytes.truncate(cut.index(bytes.len()));
                }
                fs::write(&model_path, &bytes).unwrap();
                if let Some(text) = vocabulary {
                    fs::write(dir.join("vocabulary.txt"), text).unwrap();
                }
                if let Some(text) = config {
                    fs::write(dir.join("config.json"), text).unwrap();
                }
                let out = dir.join("ggml-fuzz.bin");
                match import_ct2(&dir, &out) {
                    Ok(report) => {
                        prop_assert_eq!(fs::metadata(&out).unwrap().len(), report.bytes_written);
                    }
                    Err(e) => {
                        let message = e.to_string();
                        prop_assert!(!message.contains('\n'), "{}", message);
                        prop_assert!(!out.exists(), "a failed import left {}", out.display());
                    }
                }
                let leftovers = fs::read_dir(&*dir)
                    .unwrap()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().contains("partial"))
                    .count();
                prop_assert_eq!(leftovers, 0);
            }
        }
    }
}
