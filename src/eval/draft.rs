//! Draft label files: what callcue coaches in a call today, written as expect windows for
//! a supervisor to correct, so labelling starts from something rather than nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::score::GivenNudge;
use super::EvalError;

/// A draft expect window opens this long before the nudge counted...
pub const DRAFT_BEFORE_MS: u64 = 2000;
/// ...and closes this long after it.
pub const DRAFT_AFTER_MS: u64 = 1000;

/// A draft label file, serialized in the label format (`docs/labels.md`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DraftLabels {
    /// The audio, relative to the label file's folder.
    pub file: String,
    pub notes: String,
    pub expect: Vec<DraftWindow>,
    pub forbid: Vec<DraftWindow>,
}

/// One window of a draft.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DraftWindow {
    pub nudge: &'static str,
    pub from_ms: u64,
    pub to_ms: u64,
    pub why: String,
}

/// The label file that goes with a recording: beside it, named after it (`x.json` for
/// `x.wav`).
pub fn label_path_for(wav: &Path) -> PathBuf {
    wav.with_extension("json")
}

/// The recordings of a folder: its `*.wav` files (not in subfolders), by name.
pub fn wav_files(dir: &Path) -> Result<Vec<PathBuf>, EvalError> {
    let read_error = |source| EvalError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
            && path.is_file()
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Drafts the labels of the call in `wav` from the nudges a replay gave with the config
/// named `config_name`; `label_path` is where the draft will be written (the audio is
/// named relative to its folder).
pub fn draft_labels(
    wav: &Path,
    label_path: &Path,
    given: &[GivenNudge],
    config_name: &str,
) -> Result<DraftLabels, EvalError> {
    let expect = given
        .iter()
        .map(|n| {
            let counted_ms = n.counted_ms();
            DraftWindow {
                nudge: n.nudge.as_str(),
                from_ms: counted_ms.saturating_sub(DRAFT_BEFORE_MS),
                to_ms: counted_ms + DRAFT_AFTER_MS,
                why: n.reason.clone(),
            }
        })
        .collect();
    Ok(DraftLabels {
        file: audio_relative_to(wav, label_path)?,
        notes: format!(
            "DRAFT written by `callcue eval --write-labels` from the nudges callcue gave with \
             {config_name}: each is an expect window from {DRAFT_BEFORE_MS} ms before to \
             {DRAFT_AFTER_MS} ms after it, its reason in `why`. Edit it before trusting it: \
             delete wrong windows, add the nudges callcue missed, add forbid windows where a \
             nudge would be wrong, and replace this note (see docs/labels.md)."
        ),
        expect,
        forbid: Vec::new(),
    })
}

/// `wav` as the label file at `label_path` names it: the bare file name when both are in
/// the same folder, else its absolute path.
fn audio_relative_to(wav: &Path, label_path: &Path) -> Result<String, EvalError> {
    let folder = |p: &Path| {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::canonicalize(parent.unwrap_or(Path::new(".")))
    };
    let same_folder = match (folder(wav), folder(label_path)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let named = if same_folder {
        wav.file_name().map(PathBuf::from)
    } else {
        std::fs::canonicalize(wav).ok()
    };
    named
        .as_deref()
        .and_then(Path::to_str)
        .map(str::to_owned)
        .ok_or_else(|| EvalError::Invalid {
            path: wav.to_path_buf(),
            message: "cannot name it in a label file (missing, or not a UTF-8 path)".into(),
        })
}

/// Writes a label file as pretty JSON; an existing file is an error unless `overwrite`.
pub fn write_label_file(
    path: &Path,
    labels: &DraftLabels,
    overwrite: bool,
) -> Result<(), EvalError> {
    let write_error = |source| EvalError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            EvalError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            write_error(e)
        }
    })?;
    let mut text = serde_json::to_string_pretty(labels).map_err(|e| write_error(e.into()))?;
    text.push('\n');
    file.write_all(text.as_bytes()).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::labels::CallLabels;
    use crate::eval::score::score_call;
    use crate::NudgeId;

    fn nudge(nudge: NudgeId, t_ms: u64, reason: &str) -> GivenNudge {
        GivenNudge {
            nudge,
            t_ms,
            latency_ms: 0.3,
            reason: reason.into(),
        }
    }

    #[test]
    fn a_draft_reads_back_and_scores_all_hits() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("x.wav");
        std::fs::write(&wav, b"RIFF").unwrap();
        let label = label_path_for(&wav);
        let given = [
            nudge(
                NudgeId::Pause,
                1500,
                "agent talked over the caller for 620 ms",
            ),
            nudge(
                NudgeId::Smile,
                40_000,
                "agent's pitch movement at 40% of baseline",
            ),
        ];
        let draft = draft_labels(&wav, &label, &given, "built-in defaults").unwrap();
        assert_eq!(draft.file, "x.wav");
        assert_eq!((draft.expect[0].from_ms, draft.expect[0].to_ms), (0, 2500));
        assert_eq!(
            (draft.expect[1].from_ms, draft.expect[1].to_ms),
            (38_000, 41_000)
        );
        assert_eq!(draft.expect[1].why, given[1].reason);
        assert!(draft.notes.contains("DRAFT"));
        write_label_file(&label, &draft, false).unwrap();

        let labels = CallLabels::load(&label).unwrap();
        let score = score_call(&labels.expect, &labels.forbid, &given);
        assert_eq!(
            (score.hits(), score.misses(), score.false_nudges()),
            (2, 0, 0)
        );

        // Not overwritten unless asked.
        let error = write_label_file(&label, &draft, false).unwrap_err();
        assert!(matches!(error, EvalError::Exists { .. }), "{error}");
        write_label_file(&label, &draft, true).unwrap();
    }

    #[test]
    fn audio_elsewhere_is_named_by_its_absolute_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("labels")).unwrap();
        let wav = dir.path().join("x.wav");
        std::fs::write(&wav, b"RIFF").unwrap();
        let label = dir.path().join("labels/x.json");
        let draft = draft_labels(&wav, &label, &[], "a.toml").unwrap();
        assert_eq!(Path::new(&draft.file), std::fs::canonicalize(&wav).unwrap());
        assert!(draft.expect.is_empty());
    }
}
