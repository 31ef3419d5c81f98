//! Evaluation against supervisors' labels: replays labelled calls and scores the nudges
//! callcue gives against where they were expected and where they would be wrong, for one
//! config or two side by side (`callcue eval`), and drafts label files from a replay.
//!
//! - [`labels`] reads and checks label files (one JSON file per call, `docs/labels.md`).
//! - [`score`] scores one call's nudges against its labels, and tallies many calls.
//! - [`run`] replays the calls (reproducibly, several at once) and scores them.
//! - [`report`] the JSON report (`version` 1) and the text tables.
//! - [`draft`] writes draft label files from the nudges a replay gave.

pub mod draft;
pub mod labels;
pub mod report;
pub mod run;
pub mod score;

use std::path::PathBuf;

pub use draft::{draft_labels, label_path_for, wav_files, write_label_file, DraftLabels};
pub use labels::{label_files, CallLabels, NudgeMatch};
pub use report::Report;
pub use run::{evaluate, replay_nudges, suggested_workers, CallResult, EvalConfig};
pub use score::{score_call, CallScore, GivenNudge};

use crate::replay::ReplayError;

/// Why an evaluation could not be done. One line, naming the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a label file: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{label}: the call's audio is missing: {audio}")]
    MissingAudio { label: PathBuf, audio: PathBuf },
    #[error("{label}: {source}")]
    Audio { label: PathBuf, source: ReplayError },
    #[error("{path}: no label files (*.json) in this folder (see docs/labels.md)")]
    NoLabels { path: PathBuf },
    #[error("{path}: already exists (--force to overwrite)")]
    Exists { path: PathBuf },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}
