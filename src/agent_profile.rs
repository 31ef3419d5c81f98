//! The agent's voice profile: how this agent usually sounds, kept across calls, so that
//! `smile` and `slow_down` judge each call against the agent's own usual delivery from
//! its first second instead of waiting for (and being fooled by) an in-call baseline.
//!
//! The agent is the same person all day on the same PC. After each live call with enough
//! of the agent's calm speech (`agent_profile.min_speech_ms`, stretches that raised a
//! delivery cue left out), that call's robust statistics (median pitch, pitch spread,
//! median loudness, roughness, speaking rate: numbers only, no audio, no words) join the
//! profile; the profile is the median of the latest `agent_profile.keep_calls` calls, so
//! one odd call (a cold, a different headset) does not move it. The first call of a new
//! agent calibrates it: until a call has been kept, the in-call baseline is used.
//!
//! Stored as JSON in the user's data directory (`callcue/agent-profile.json`), readable
//! by the user only (0600 in a 0700 folder); `callcue profile reset` removes it and
//! `agent_profile.enabled = false` neither reads nor writes it. Replays never touch it
//! unless given one explicitly, so a replay's output does not depend on whose PC runs it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::AgentProfileConfig;
use crate::private_file::{create_private_dir_all, write_private_file};
pub use crate::prosody::CallVoice;
use crate::prosody::ProsodyStats;

/// The file name under the user's data directory's `callcue` folder.
pub const PROFILE_FILE_NAME: &str = "agent-profile.json";
/// The format version written; other versions are ignored (and recalibrated).
const PROFILE_VERSION: u32 = 1;

/// The agent's voice over their latest calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentProfile {
    version: u32,
    /// The latest calls kept, oldest first.
    calls: Vec<CallVoice>,
}

/// Why the profile could not be read or written. One line, naming the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    #[error("{path}: cannot read the agent voice profile: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path}: the agent voice profile is not valid ({message}); `callcue profile reset` starts a new one")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: cannot write the agent voice profile: {source}")]
    Write { path: PathBuf, source: io::Error },
}

impl AgentProfile {
    /// An empty profile (nothing calibrated yet).
    pub fn new() -> Self {
        Self {
            version: PROFILE_VERSION,
            calls: Vec::new(),
        }
    }

    /// Calls kept so far.
    pub fn calls(&self) -> usize {
        self.calls.len()
    }

    /// The agent's usual voice: the median of each figure over the calls kept, or `None`
    /// before the first call was kept.
    pub fn baseline(&self) -> Option<ProsodyStats> {
        if self.calls.is_empty() {
            return None;
        }
        let median = |value: fn(&CallVoice) -> f32| {
            let mut values: Vec<f32> = self.calls.iter().map(value).collect();
            values.sort_unstable_by(f32::total_cmp);
            let mid = values.len() / 2;
            if values.len() % 2 == 1 {
                values[mid]
            } else {
                0.5 * (values[mid - 1] + values[mid])
            }
        };
        Some(ProsodyStats {
            pitch_hz: median(|c| c.pitch_hz),
            pitch_variability_semitones: median(|c| c.pitch_variability_semitones),
            loudness_dbfs: median(|c| c.loudness_dbfs),
            aperiodicity: median(|c| c.aperiodicity),
            syllables_per_s: median(|c| c.syllables_per_s),
        })
    }

    /// Adds one call's figures, keeping the latest `keep_calls`. Figures that are not
    /// finite are ignored. Returns whether the call was kept.
    pub fn add_call(&mut self, call: CallVoice, keep_calls: usize) -> bool {
        if !call.is_finite() {
            return false;
        }
        self.calls.push(call);
        let excess = self.calls.len().saturating_sub(keep_calls.max(1));
        self.calls.drain(..excess);
        true
    }

    /// Reads the profile at `path`; an absent file is an empty profile.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::new()),
            Err(source) => {
                return Err(ProfileError::Read {
                    path: path.to_owned(),
                    source,
                })
            }
        };
        let profile: AgentProfile =
            serde_json::from_str(&text).map_err(|e| ProfileError::Invalid {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        if profile.version != PROFILE_VERSION {
            return Ok(Self::new());
        }
        if let Some(bad) = profile.calls.iter().position(|c| !c.is_finite()) {
            return Err(ProfileError::Invalid {
                path: path.to_owned(),
                message: format!("call #{bad} has figures out of range"),
            });
        }
        Ok(profile)
    }

    /// Writes the profile to `path` (folder 0700, file 0600 on Unix), replacing it whole.
    pub fn save(&self, path: &Path) -> Result<(), ProfileError> {
        let write_error = |source| ProfileError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            create_private_dir_all(dir).map_err(write_error)?;
        }
        let text = serde_json::to_string_pretty(self).expect("the profile serializes");
        let temp = path.with_extension("json.new");
        let _ = fs::remove_file(&temp);
        write_private_file(&temp, text.as_bytes()).map_err(write_error)?;
        fs::rename(&temp, path).map_err(write_error)
    }

    /// Removes the profile at `path`; returns whether there was one.
    pub fn reset(path: &Path) -> Result<bool, ProfileError> {
        match fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(ProfileError::Write {
                path: path.to_owned(),
                source,
            }),
        }
    }
}

/// The profile as live coaching uses it: read once when capture starts, judged against
/// at each call's start, learned from and written back at each call's end.
#[derive(Debug)]
pub struct ProfileStore {
    path: PathBuf,
    profile: AgentProfile,
    min_speech_ms: u64,
    keep_calls: usize,
}

impl ProfileStore {
    /// Opens the profile `config` names, if it is enabled. A profile that cannot be read
    /// is an error (the caller says so once and coaches with each call's own baseline).
    pub fn open(config: &AgentProfileConfig) -> Result<Option<Self>, ProfileError> {
        if !config.enabled {
            return Ok(None);
        }
        let Some(path) = profile_path(&config.path) else {
            return Ok(None);
        };
        let profile = AgentProfile::load(&path)?;
        Ok(Some(Self {
            path,
            profile,
            min_speech_ms: config.min_speech_ms.into(),
            keep_calls: config.keep_calls as usize,
        }))
    }

    /// The agent's usual voice, once calibrated.
    pub fn baseline(&self) -> Option<ProsodyStats> {
        self.profile.baseline()
    }

    /// Where the profile is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Learns from one call's figures if there was enough calm agent speech. Returns the
    /// profile to write and where, when the call was kept: the caller writes it where
    /// disk I/O cannot hold anything up (see [`AgentProfile::save`]).
    pub fn learn(&mut self, call: Option<CallVoice>) -> Option<(PathBuf, AgentProfile)> {
        let call = call.filter(|c| c.speech_ms >= self.min_speech_ms)?;
        if !self.profile.add_call(call, self.keep_calls) {
            return None;
        }
        Some((self.path.clone(), self.profile.clone()))
    }
}

/// Where the profile lives: `configured` if set, else the user's data directory.
pub fn profile_path(configured: &str) -> Option<PathBuf> {
    if !configured.is_empty() {
        return Some(PathBuf::from(configured));
    }
    dirs::data_local_dir().map(|dir| dir.join("callcue").join(PROFILE_FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(loudness_dbfs: f32, rate: f32) -> CallVoice {
        CallVoice {
            pitch_hz: 120.0,
            pitch_variability_semitones: 2.0,
            loudness_dbfs,
            aperiodicity: 0.1,
            syllables_per_s: rate,
            speech_ms: 60_000,
        }
    }

    #[test]
    fn the_profile_is_the_median_of_the_latest_calls() {
        let mut profile = AgentProfile::new();
        assert!(
            profile.baseline().is_none(),
            "nothing before the first call"
        );
        for (loudness, rate) in [(-20.0, 4.0), (-21.0, 4.2), (-40.0, 9.0)] {
            assert!(profile.add_call(call(loudness, rate), 20));
        }
        let baseline = profile.baseline().unwrap();
        assert_eq!(
            baseline.loudness_dbfs, -21.0,
            "one odd call does not move it"
        );
        assert_eq!(baseline.syllables_per_s, 4.2);
        for _ in 0..25 {
            profile.add_call(call(-25.0, 5.0), 20);
        }
        assert_eq!(profile.calls(), 20);
        assert_eq!(profile.baseline().unwrap().loudness_dbfs, -25.0);
        assert!(!profile.add_call(call(f32::NAN, 4.0), 20));
    }

    #[test]
    fn saved_privately_read_back_and_reset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/callcue").join(PROFILE_FILE_NAME);
        assert_eq!(AgentProfile::load(&path).unwrap(), AgentProfile::new());
        let mut profile = AgentProfile::new();
        profile.add_call(call(-22.0, 4.5), 20);
        profile.save(&path).unwrap();
        assert_eq!(AgentProfile::load(&path).unwrap(), profile);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        assert!(AgentProfile::reset(&path).unwrap());
        assert!(!AgentProfile::reset(&path).unwrap());
        assert!(AgentProfile::load(&path).unwrap().baseline().is_none());
    }

    #[test]
    fn a_broken_file_is_a_one_line_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROFILE_FILE_NAME);
        fs::write(&path, "{ not json").unwrap();
        let message = AgentProfile::load(&path).unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }
}
