//! Downloading the official whisper.cpp ggml models and checking their SHA-256.
//!
//! The file is written next to its destination as `*.part` while it downloads, hashed on
//! the way, and renamed into place only when the hash matches: an interrupted or altered
//! download never leaves a file that looks like a model.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Where the official ggml files are published.
pub const MODEL_HOST_URL: &str = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";

/// The models `callcue models fetch` knows, with the SHA-256 of the published file.
pub const KNOWN_MODELS: [KnownModel; 3] = [
    KnownModel {
        name: "tiny.en",
        sha256_hex: "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f",
        approx_mb: 75,
    },
    KnownModel {
        name: "base.en",
        sha256_hex: "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002",
        approx_mb: 142,
    },
    KnownModel {
        name: "small.en",
        sha256_hex: "c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d",
        approx_mb: 466,
    },
];

/// An official model and its checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownModel {
    pub name: &'static str,
    pub sha256_hex: &'static str,
    pub approx_mb: u32,
}

impl KnownModel {
    /// Looks a model up by name (`tiny.en`).
    pub fn by_name(name: &str) -> Option<KnownModel> {
        KNOWN_MODELS.iter().copied().find(|m| m.name == name)
    }

    /// The download address.
    pub fn url(&self) -> String {
        format!("{MODEL_HOST_URL}/{}", super::model_file_name(self.name))
    }
}

/// Why a download failed. One line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("unknown model {name:?}: choose one of tiny.en, base.en, small.en")]
    UnknownModel { name: String },
    #[error("cannot download {url}: {message} (without access to that host, convert a faster-whisper model with `callcue models import-ct2 DIR`)")]
    Download { url: String, message: String },
    #[error("{url}: the download's SHA-256 is {actual}, expected {expected}; nothing was saved")]
    Checksum {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("{path}: cannot write the model: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Downloads model `name` into `dir` as `ggml-<name>.bin`, verifying its SHA-256.
/// `progress` is called with (bytes so far, total if known).
pub fn fetch_model(
    name: &str,
    dir: &Path,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<PathBuf, FetchError> {
    let model = KnownModel::by_name(name).ok_or_else(|| FetchError::UnknownModel {
        name: name.to_string(),
    })?;
    let url = model.url();
    let destination = dir.join(super::model_file_name(model.name));
    let part = destination.with_extension("bin.part");
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FetchError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;

    let download_error = |message: String| FetchError::Download {
        url: url.clone(),
        message,
    };
    let response = ureq::get(&url)
        .call()
        .map_err(|e| download_error(e.to_string()))?;
    let total = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = response.into_body().into_reader();
    let mut file = File::create(&part).map_err(write_error(&part))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut done: u64 = 0;
    loop {
        let n = match body.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(download_error(e.to_string()));
            }
        };
        hasher.update(&buffer[..n]);
        if let Err(e) = file.write_all(&buffer[..n]) {
            let _ = std::fs::remove_file(&part);
            return Err(write_error(&part)(e));
        }
        done += n as u64;
        progress(done, total);
    }
    file.sync_all().map_err(write_error(&part))?;
    drop(file);
    let actual = hex(&hasher.finalize());
    if actual != model.sha256_hex {
        let _ = std::fs::remove_file(&part);
        return Err(FetchError::Checksum {
            url,
            expected: model.sha256_hex.to_string(),
            actual,
        });
    }
    std::fs::rename(&part, &destination).map_err(write_error(&destination))?;
    Ok(destination)
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_models_have_urls_and_full_hashes() {
        for model in KNOWN_MODELS {
            assert_eq!(model.sha256_hex.len(), 64);
            assert!(model.url().ends_with(&format!("ggml-{}.bin", model.name)));
        }
        assert!(KnownModel::by_name("huge").is_none());
    }

    #[test]
    fn unknown_names_and_unreachable_hosts_are_one_line_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = fetch_model("huge", dir.path(), &mut |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(err.contains("tiny.en"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn sha256_of_a_known_string() {
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
