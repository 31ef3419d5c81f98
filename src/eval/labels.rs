//! Label files: what a supervisor expects callcue to coach in one recorded call, and where
//! a nudge would be wrong. One JSON file per call beside its audio; the format is
//! documented in `docs/labels.md`.
//!
//! Keys other than `file`, `agent`, `caller`, `expect` and `forbid` are allowed and
//! ignored (notes, transcripts, channel maps...); a window has exactly its four keys, so
//! a misspelt one is reported rather than silently ignored.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::EvalError;
use crate::event::NudgeId;
use crate::replay::CallSource;

/// Written in a forbid window's `nudge` for any nudge id.
pub const ANY_NUDGE: &str = "*";

/// Which nudges a forbid window is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NudgeMatch {
    One(NudgeId),
    /// `"*"`: every nudge id.
    Any,
}

impl NudgeMatch {
    /// Whether `nudge` is one of those meant.
    pub fn matches(self, nudge: NudgeId) -> bool {
        match self {
            NudgeMatch::One(id) => id == nudge,
            NudgeMatch::Any => true,
        }
    }

    /// As written in label files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            NudgeMatch::One(id) => id.as_str(),
            NudgeMatch::Any => ANY_NUDGE,
        }
    }
}

/// A stretch of the call, in ms from its start, both ends included.
#[derive(Clone, Debug, PartialEq)]
pub struct Window<N> {
    pub nudge: N,
    pub from_ms: u64,
    pub to_ms: u64,
    /// The supervisor's reason (free text; may be empty).
    pub why: String,
}

impl<N> Window<N> {
    /// Whether call position `t_ms` falls inside the window.
    pub fn contains(&self, t_ms: u64) -> bool {
        (self.from_ms..=self.to_ms).contains(&t_ms)
    }
}

/// Where a nudge should come.
pub type ExpectWindow = Window<NudgeId>;
/// Where a nudge (or any nudge) would be wrong.
pub type ForbidWindow = Window<NudgeMatch>;

/// One call's labels, checked, with its audio resolved against the label file's folder.
#[derive(Clone, Debug)]
pub struct CallLabels {
    /// The label file.
    pub path: PathBuf,
    /// The audio as written in the label file.
    pub audio: AudioRef,
    /// The audio's paths.
    pub source: CallSource,
    pub expect: Vec<ExpectWindow>,
    pub forbid: Vec<ForbidWindow>,
}

/// The call's audio as the label file names it (relative to the label file's folder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudioRef {
    /// `"file"`: one stereo recording.
    File(String),
    /// `"agent"` and `"caller"`: one mono recording per side.
    Pair { agent: String, caller: String },
}

#[derive(Deserialize)]
struct RawLabels {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    caller: Option<String>,
    #[serde(default)]
    expect: Vec<RawWindow>,
    #[serde(default)]
    forbid: Vec<RawWindow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    nudge: String,
    from_ms: u64,
    to_ms: u64,
    #[serde(default)]
    why: String,
}

impl CallLabels {
    /// Reads and checks a label file, and that the audio it names is there.
    pub fn load(path: &Path) -> Result<Self, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let labels = Self::parse(&text, path)?;
        let files: Vec<&PathBuf> = match &labels.source {
            CallSource::Stereo(file) => vec![file],
            CallSource::Pair { agent, caller } => vec![agent, caller],
        };
        if let Some(missing) = files.into_iter().find(|f| !f.is_file()) {
            return Err(EvalError::MissingAudio {
                label: path.to_path_buf(),
                audio: missing.clone(),
            });
        }
        Ok(labels)
    }

    /// Parses and checks a label file's text; `path` is the file (its folder resolves the
    /// audio, and it names the file in errors). Does not look at the audio.
    pub fn parse(text: &str, path: &Path) -> Result<Self, EvalError> {
        let invalid = |message: String| EvalError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        // serde would also take a JSON array for the object.
        if !text.trim_start().starts_with('{') {
            return Err(EvalError::Parse {
                path: path.to_path_buf(),
                message: "expected one JSON object, {\"file\": ..., \"expect\": [...]}".into(),
            });
        }
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let raw: RawLabels = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let at = e.path().to_string();
            let inner = e.into_inner();
            EvalError::Parse {
                path: path.to_path_buf(),
                message: if at == "." || at == "?" {
                    inner.to_string()
                } else {
                    format!("{at}: {inner}")
                },
            }
        })?;
        deserializer
            .end()
            .map_err(|e| invalid(format!("not one JSON object: {e}")))?;
        let folder = path.parent().unwrap_or(Path::new(""));
        let named = |key: &str, value: String| {
            if value.trim().is_empty() {
                Err(invalid(format!("\"{key}\" is empty")))
            } else {
                Ok(value)
            }
        };
        let (audio, source) = match (raw.file, raw.agent, raw.caller) {
            (Some(file), None, None) => {
                let file = named("file", file)?;
                let source = CallSource::Stereo(folder.join(&file));
                (AudioRef::File(file), source)
            }
            (None, Some(agent), Some(caller)) => {
                let (agent, caller) = (named("agent", agent)?, named("caller", caller)?);
                let source = CallSource::Pair {
                    agent: folder.join(&agent),
                    caller: folder.join(&caller),
                };
                (AudioRef::Pair { agent, caller }, source)
            }
            (Some(_), _, _) => {
                return Err(invalid(
                    "give \"file\" or \"agent\" and \"caller\", not both".into(),
                ))
            }
            (None, Some(_), None) => return Err(invalid("\"agent\" needs \"caller\" too".into())),
            (None, None, Some(_)) => return Err(invalid("\"caller\" needs \"agent\" too".into())),
            (None, None, None) => {
                return Err(invalid(
                    "no audio: give \"file\" (a stereo WAV), or \"agent\" and \"caller\"".into(),
                ))
            }
        };
        let expect = raw
            .expect
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let at = format!("expect[{i}]");
                let nudge = match parse_nudge(&w.nudge, &at).map_err(invalid)? {
                    NudgeMatch::One(id) => id,
                    NudgeMatch::Any => {
                        return Err(invalid(format!(
                            "{at}.nudge: \"{ANY_NUDGE}\" (any nudge) is only for forbid windows"
                        )))
                    }
                };
                window(nudge, w, &at).map_err(invalid)
            })
            .collect::<Result<_, _>>()?;
        let forbid = raw
            .forbid
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let at = format!("forbid[{i}]");
                let nudge = parse_nudge(&w.nudge, &at).map_err(invalid)?;
                window(nudge, w, &at).map_err(invalid)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            path: path.to_path_buf(),
            audio,
            source,
            expect,
            forbid,
        })
    }
}

fn parse_nudge(text: &str, at: &str) -> Result<NudgeMatch, String> {
    if text == ANY_NUDGE {
        return Ok(NudgeMatch::Any);
    }
    NudgeId::ALL
        .into_iter()
        .find(|id| id.as_str() == text)
        .map(NudgeMatch::One)
        .ok_or_else(|| {
            let ids: Vec<&str> = NudgeId::ALL.iter().map(|id| id.as_str()).collect();
            format!(
                "{at}.nudge: \"{text}\" is not a nudge id ({}, or \"{ANY_NUDGE}\" in forbid)",
                ids.join(", ")
            )
        })
}

fn window<N>(nudge: N, raw: RawWindow, at: &str) -> Result<Window<N>, String> {
    if raw.from_ms > raw.to_ms {
        return Err(format!(
            "{at}: from_ms {} is after to_ms {}",
            raw.from_ms, raw.to_ms
        ));
    }
    Ok(Window {
        nudge,
        from_ms: raw.from_ms,
        to_ms: raw.to_ms,
        why: raw.why,
    })
}

/// The label files of a folder: its `*.json` files and those of its subfolders (not
/// hidden ones), by path.
pub fn label_files(dir: &Path) -> Result<Vec<PathBuf>, EvalError> {
    let mut files = Vec::new();
    collect_json_files(dir, &mut files)?;
    if files.is_empty() {
        return Err(EvalError::NoLabels {
            path: dir.to_path_buf(),
        });
    }
    files.sort();
    Ok(files)
}

fn collect_json_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), EvalError> {
    let read_error = |source| EvalError::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect_json_files(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CallLabels, EvalError> {
        CallLabels::parse(text, Path::new("calls/x.json"))
    }

    fn error(text: &str) -> String {
        let message = parse(text).expect_err("should be rejected").to_string();
        assert!(message.starts_with("calls/x.json: "), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
        message
    }

    #[test]
    fn reads_the_documented_example_and_ignores_other_keys() {
        let labels = parse(
            r#"{"file": "x.wav", "notes": "checked by Sam", "utterances": [1, 2],
                "expect": [{"nudge": "pause", "from_ms": 1000, "to_ms": 2500, "why": "agent cuts in"}],
                "forbid": [{"nudge": "acknowledge", "from_ms": 0, "to_ms": 240000, "why": "polite caller"},
                           {"nudge": "*", "from_ms": 5000, "to_ms": 6000}]}"#,
        )
        .unwrap();
        assert_eq!(labels.audio, AudioRef::File("x.wav".into()));
        assert!(matches!(&labels.source, CallSource::Stereo(p) if p == Path::new("calls/x.wav")));
        assert_eq!(
            labels.expect,
            vec![Window {
                nudge: NudgeId::Pause,
                from_ms: 1000,
                to_ms: 2500,
                why: "agent cuts in".into()
            }]
        );
        assert_eq!(
            labels.forbid[0].nudge,
            NudgeMatch::One(NudgeId::Acknowledge)
        );
        assert_eq!(labels.forbid[1].nudge, NudgeMatch::Any);
        assert_eq!(labels.forbid[1].why, "");
    }

    #[test]
    fn two_mono_files_resolve_against_the_label_folder() {
        let labels = parse(r#"{"agent": "a.wav", "caller": "sub/b.wav"}"#).unwrap();
        assert!(labels.expect.is_empty() && labels.forbid.is_empty());
        match &labels.source {
            CallSource::Pair { agent, caller } => {
                assert_eq!(agent, Path::new("calls/a.wav"));
                assert_eq!(caller, Path::new("calls/sub/b.wav"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_files_are_one_line_naming_the_file_and_the_problem() {
        assert!(error("").contains("expected one JSON object"));
        assert!(error("[]").contains("expected one JSON object"));
        assert!(error("{").contains("EOF"));
        assert!(error(r#"{"file": 3}"#).contains("file: invalid type"));
        assert!(error(r#"{"file": "x.wav"} {}"#).contains("not one JSON object"));
        assert!(error(r#"{"expect": []}"#).contains("no audio"));
        assert!(
            error(r#"{"file": "x.wav", "agent": "a.wav", "caller": "b.wav"}"#).contains("not both")
        );
        assert!(error(r#"{"agent": "a.wav"}"#).contains("\"agent\" needs \"caller\""));
        assert!(error(r#"{"file": " "}"#).contains("\"file\" is empty"));
        let m =
            error(r#"{"file": "x.wav", "expect": [{"nudge": "paws", "from_ms": 1, "to_ms": 2}]}"#);
        assert!(
            m.contains("expect[0].nudge: \"paws\" is not a nudge id"),
            "{m}"
        );
        let m = error(r#"{"file": "x.wav", "expect": [{"nudge": "*", "from_ms": 1, "to_ms": 2}]}"#);
        assert!(m.contains("only for forbid"), "{m}");
        let m = error(
            r#"{"file": "x.wav", "forbid": [{"nudge": "pause", "from_ms": 1, "to_ms": 2}, {"nudge": "pause", "from_ms": 9, "to_ms": 2}]}"#,
        );
        assert!(m.contains("forbid[1]: from_ms 9 is after to_ms 2"), "{m}");
        let m = error(
            r#"{"file": "x.wav", "expect": [{"nudge": "pause", "from_ms": -1, "to_ms": 2}]}"#,
        );
        assert!(m.contains("expect[0].from_ms"), "{m}");
        let m = error(r#"{"file": "x.wav", "expect": [{"nudge": "pause", "from_ms": 1}]}"#);
        assert!(m.contains("to_ms"), "{m}");
        let m = error(
            r#"{"file": "x.wav", "expect": [{"nudge": "pause", "from_ms": 1, "to_ms": 2, "reason": "x"}]}"#,
        );
        assert!(m.contains("unknown field `reason`"), "{m}");
    }

    #[test]
    fn a_label_whose_audio_is_missing_is_an_error_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let label = dir.path().join("x.json");
        std::fs::write(&label, r#"{"file": "x.wav"}"#).unwrap();
        let message = CallLabels::load(&label).unwrap_err().to_string();
        assert!(
            message.contains("x.json") && message.contains("x.wav"),
            "{message}"
        );
        assert!(message.contains("missing"), "{message}");
    }

    #[test]
    fn a_folder_without_label_files_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.wav"), b"").unwrap();
        assert!(matches!(
            label_files(dir.path()),
            Err(EvalError::NoLabels { .. })
        ));
        std::fs::create_dir_all(dir.path().join("real/.drafts")).unwrap();
        std::fs::write(dir.path().join("b.json"), b"{}").unwrap();
        std::fs::write(dir.path().join("a.JSON"), b"{}").unwrap();
        std::fs::write(dir.path().join("real/c.json"), b"{}").unwrap();
        std::fs::write(dir.path().join("real/.drafts/d.json"), b"{}").unwrap();
        let files = label_files(dir.path()).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(dir.path()).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                Path::new("a.JSON"),
                Path::new("b.json"),
                Path::new("real/c.json")
            ]
        );
    }
}
