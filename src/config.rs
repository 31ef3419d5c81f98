//! Configuration: every threshold, cooldown, text and on/off switch callcue uses.
//!
//! The shipped `config/callcue.toml` documents each key. Keys carry their unit in their
//! name (`min_overlap_ms`, `loudness_rise_db`). A file only needs the keys it changes:
//! everything else keeps its built-in default, and a test pins the defaults to the shipped
//! file. Loading is strict: an unknown key, a wrong type or an out-of-range value is a
//! [`ConfigError`] that names the key, the value and what is allowed.
//!
//! Where a file is looked for, first match wins (see [`find_config_file`]):
//! `--config PATH`, `$CALLCUE_CONFIG`, the user's config directory
//! (`~/.config/callcue/callcue.toml` on Linux, `%APPDATA%\callcue\callcue.toml` on
//! Windows, `~/Library/Application Support/callcue/callcue.toml` on macOS), then the
//! system-wide `/etc/callcue/callcue.toml` (Unix). With none, the built-in defaults apply.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::event::NudgeId;

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub audio: AudioConfig,
    pub vad: VadConfig,
    pub turns: TurnsConfig,
    pub prosody: ProsodyConfig,
    pub caller_frustration: CallerFrustrationConfig,
    pub agent_pace: AgentPaceConfig,
    pub agent_energy: AgentEnergyConfig,
    pub nudges: NudgesConfig,
}

/// Which recording channel carries which side of the call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioConfig {
    /// Channel index of the agent in a multi-channel recording.
    pub agent_channel: usize,
    /// Channel index of the caller in a multi-channel recording.
    pub caller_channel: usize,
}

impl Default for AudioConfig {
    fn default() -> Self {
        Self {
            agent_channel: 0,
            caller_channel: 1,
        }
    }
}

/// Voice activity: webrtc-vad per frame, smoothed into speech segments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VadConfig {
    /// Analysis frame length: 10, 20 or 30 ms (what webrtc-vad accepts).
    pub frame_ms: u32,
    /// webrtc-vad aggressiveness, 0 (lets most through) to 3 (strictest).
    pub aggressiveness: u8,
    /// Speech must last this long before a segment starts (clicks don't start one).
    pub onset_ms: u32,
    /// Silence must last this long before a segment ends (comma pauses don't end one).
    pub hangover_ms: u32,
    /// Frames quieter than this are never speech, whatever webrtc-vad says.
    pub min_speech_level_dbfs: f32,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            frame_ms: 20,
            aggressiveness: 2,
            onset_ms: 60,
            hangover_ms: 400,
            min_speech_level_dbfs: -55.0,
        }
    }
}

/// Turn-taking across the two channels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TurnsConfig {
    /// Both talking for this long after the agent cut in makes an interruption.
    pub min_overlap_ms: u32,
    /// An overlapping agent segment no longer than this is a backchannel ("mm-hmm").
    pub backchannel_max_ms: u32,
    /// A backchannel is also no louder than the agent's usual level plus this.
    pub backchannel_max_loudness_rise_db: f32,
    /// The other side counts as still talking this long after its last voiced frame.
    pub overlap_bridge_ms: u32,
    /// Both sides silent this long is dead air.
    pub dead_air_ms: u32,
    /// The agent holding the floor this long is a monologue.
    pub monologue_ms: u32,
}

impl Default for TurnsConfig {
    fn default() -> Self {
        Self {
            min_overlap_ms: 600,
            backchannel_max_ms: 1000,
            backchannel_max_loudness_rise_db: 3.0,
            overlap_bridge_ms: 200,
            dead_air_ms: 6000,
            monologue_ms: 45000,
        }
    }
}

/// Pitch, loudness and pace measurement, and each speaker's baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProsodyConfig {
    /// Lowest pitch the tracker looks for.
    pub pitch_min_hz: f32,
    /// Highest pitch the tracker looks for.
    pub pitch_max_hz: f32,
    /// A speaker's baseline is taken over their first this-much speech in the call.
    pub baseline_speech_ms: u32,
    /// "Now" is judged over the speaker's most recent this-much speech.
    pub recent_speech_ms: u32,
    /// A syllable nucleus is a loudness peak standing this far above the dips around it.
    pub syllable_dip_db: f32,
}

impl Default for ProsodyConfig {
    fn default() -> Self {
        Self {
            pitch_min_hz: 60.0,
            pitch_max_hz: 500.0,
            baseline_speech_ms: 6000,
            recent_speech_ms: 2500,
            syllable_dip_db: 3.0,
        }
    }
}

/// Caller frustration from the voice, relative to the caller's own baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallerFrustrationConfig {
    /// Median pitch this far above baseline scores fully on pitch.
    pub pitch_rise_semitones: f32,
    /// Pitch spread this far above baseline scores fully on range.
    pub pitch_range_rise_semitones: f32,
    /// Loudness this far above baseline scores fully on loudness.
    pub loudness_rise_db: f32,
    /// Syllable rate this far above baseline scores fully on pace.
    pub pace_rise_percent: f32,
    /// Weights of the four cues in the 0-1 score.
    pub pitch_weight: f32,
    pub pitch_range_weight: f32,
    pub loudness_weight: f32,
    pub pace_weight: f32,
    /// The caller counts as frustrated at this score or above.
    pub threshold: f32,
    /// ...and stops counting as frustrated below `threshold - hysteresis`.
    pub hysteresis: f32,
}

impl Default for CallerFrustrationConfig {
    fn default() -> Self {
        Self {
            pitch_rise_semitones: 4.0,
            pitch_range_rise_semitones: 2.0,
            loudness_rise_db: 6.0,
            pace_rise_percent: 25.0,
            pitch_weight: 0.35,
            pitch_range_weight: 0.15,
            loudness_weight: 0.35,
            pace_weight: 0.15,
            threshold: 0.5,
            hysteresis: 0.15,
        }
    }
}

/// The agent speaking too fast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentPaceConfig {
    /// Faster than this is too fast, whatever the agent's baseline.
    pub ceiling_syllables_per_s: f32,
    /// This far above the agent's own baseline is too fast.
    pub rise_percent: f32,
}

impl Default for AgentPaceConfig {
    fn default() -> Self {
        Self {
            ceiling_syllables_per_s: 7.5,
            rise_percent: 50.0,
        }
    }
}

/// The agent's voice going flat: less pitch movement and quieter than their baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentEnergyConfig {
    /// Pitch spread at or below this share of baseline counts as flat.
    pub variability_drop_percent: f32,
    /// Loudness this far below baseline counts as quiet.
    pub loudness_drop_db: f32,
}

impl Default for AgentEnergyConfig {
    fn default() -> Self {
        Self {
            variability_drop_percent: 40.0,
            loudness_drop_db: 6.0,
        }
    }
}

/// The nudge engine: one nudge on screen at a time, cooldowns and caps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NudgesConfig {
    /// How long a nudge stays on screen; a lower-priority one waits its turn meanwhile.
    pub display_ms: u32,
    /// At most this many nudges in one call, all kinds together.
    pub max_per_call: u32,
    pub pause: NudgeRule,
    pub acknowledge: NudgeRule,
    pub smile: NudgeRule,
    pub slow_down: NudgeRule,
    pub fill_silence: NudgeRule,
    pub check_in: NudgeRule,
}

impl NudgesConfig {
    /// The rule for one nudge id.
    pub fn rule(&self, id: NudgeId) -> &NudgeRule {
        match id {
            NudgeId::Pause => &self.pause,
            NudgeId::Acknowledge => &self.acknowledge,
            NudgeId::Smile => &self.smile,
            NudgeId::SlowDown => &self.slow_down,
            NudgeId::FillSilence => &self.fill_silence,
            NudgeId::CheckIn => &self.check_in,
        }
    }
}

impl Default for NudgesConfig {
    fn default() -> Self {
        Self {
            display_ms: 4000,
            max_per_call: 12,
            pause: NudgeRule {
                enabled: true,
                text: "Pause - let them finish".into(),
                alt_text: "Let them vent".into(),
                phrase: String::new(),
                priority: 90,
                cooldown_ms: 15000,
                max_per_call: 4,
            },
            acknowledge: NudgeRule {
                enabled: true,
                text: "Acknowledge their feelings".into(),
                alt_text: String::new(),
                phrase: "I'd be upset too if this happened to me.".into(),
                priority: 80,
                cooldown_ms: 30000,
                max_per_call: 3,
            },
            smile: NudgeRule {
                enabled: true,
                text: "Smile - it comes through".into(),
                alt_text: String::new(),
                phrase: String::new(),
                priority: 30,
                cooldown_ms: 60000,
                max_per_call: 2,
            },
            slow_down: NudgeRule {
                enabled: true,
                text: "Slow down a little".into(),
                alt_text: String::new(),
                phrase: String::new(),
                priority: 50,
                cooldown_ms: 30000,
                max_per_call: 3,
            },
            fill_silence: NudgeRule {
                enabled: true,
                text: "Tell them what you're doing".into(),
                alt_text: String::new(),
                phrase: "Thanks for waiting, I'm just checking that for you.".into(),
                priority: 60,
                cooldown_ms: 30000,
                max_per_call: 3,
            },
            check_in: NudgeRule {
                enabled: true,
                text: "Check in - ask a question".into(),
                alt_text: String::new(),
                phrase: "Does that make sense so far?".into(),
                priority: 40,
                cooldown_ms: 60000,
                max_per_call: 2,
            },
        }
    }
}

/// How one kind of nudge behaves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NudgeRule {
    /// Off means the signal is still recorded, but the agent is never nudged.
    pub enabled: bool,
    /// What the agent reads: a few words.
    pub text: String,
    /// A variant text for a special case (for `pause`: while the caller is frustrated).
    pub alt_text: String,
    /// An example phrase the agent can say; empty for none.
    pub phrase: String,
    /// Higher wins when two nudges compete for the screen (0-100).
    pub priority: u8,
    /// After showing, the same nudge waits at least this long.
    pub cooldown_ms: u32,
    /// At most this many of this nudge in one call.
    pub max_per_call: u32,
}

/// Why a configuration could not be used. Every message is one line naming the file,
/// the key and what was wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{path}: cannot read config: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {key} = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        path: PathBuf,
        key: &'static str,
        value: String,
        allowed: String,
    },
}

impl Config {
    /// Parses TOML text laid over the built-in defaults, so a file only needs the keys it
    /// changes. `origin` names where the text came from in error messages.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: origin.to_path_buf(),
            message,
        };
        let overrides: toml::Table =
            toml::from_str(text).map_err(|e| parse_error(one_line_toml_error(text, &e)))?;
        let mut merged = toml::Table::try_from(Config::default())
            .map_err(|e| parse_error(format!("built-in defaults: {e}")))?;
        merge_tables(&mut merged, overrides);
        let config: Config =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                let key = e.path().to_string();
                let message = e.into_inner().to_string().trim().replace('\n', " ");
                parse_error(format!("{key}: {message}"))
            })?;
        config.validate(origin)?;
        Ok(config)
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Loads the first config found (see [`find_config_file`]), or the built-in defaults.
    /// Returns where it came from, `None` for the defaults.
    pub fn load_default_locations(
        explicit: Option<&Path>,
    ) -> Result<(Self, Option<PathBuf>), ConfigError> {
        match find_config_file(explicit) {
            Some(path) => Ok((Self::load(&path)?, Some(path))),
            None => Ok((Self::default(), None)),
        }
    }

    /// Checks every value against its allowed range.
    pub fn validate(&self, origin: &Path) -> Result<(), ConfigError> {
        let mut check = RangeCheck { origin };
        let a = &self.audio;
        check.int("audio.agent_channel", a.agent_channel as i64, 0, 63)?;
        check.int("audio.caller_channel", a.caller_channel as i64, 0, 63)?;
        if a.agent_channel == a.caller_channel {
            return Err(check.fail(
                "audio.caller_channel",
                a.caller_channel.to_string(),
                "a channel other than audio.agent_channel",
            ));
        }
        let v = &self.vad;
        if ![10, 20, 30].contains(&v.frame_ms) {
            return Err(check.fail("vad.frame_ms", v.frame_ms.to_string(), "10, 20 or 30 (ms)"));
        }
        check.int("vad.aggressiveness", v.aggressiveness.into(), 0, 3)?;
        check.int("vad.onset_ms", v.onset_ms.into(), 0, 1000)?;
        check.int("vad.hangover_ms", v.hangover_ms.into(), 0, 3000)?;
        check.float(
            "vad.min_speech_level_dbfs",
            v.min_speech_level_dbfs,
            -100.0,
            -10.0,
        )?;
        let t = &self.turns;
        check.int("turns.min_overlap_ms", t.min_overlap_ms.into(), 100, 5000)?;
        check.int(
            "turns.backchannel_max_ms",
            t.backchannel_max_ms.into(),
            100,
            5000,
        )?;
        check.float(
            "turns.backchannel_max_loudness_rise_db",
            t.backchannel_max_loudness_rise_db,
            -20.0,
            40.0,
        )?;
        check.int(
            "turns.overlap_bridge_ms",
            t.overlap_bridge_ms.into(),
            0,
            1000,
        )?;
        check.int("turns.dead_air_ms", t.dead_air_ms.into(), 1000, 600_000)?;
        check.int("turns.monologue_ms", t.monologue_ms.into(), 5000, 3_600_000)?;
        let p = &self.prosody;
        check.float("prosody.pitch_min_hz", p.pitch_min_hz, 50.0, 200.0)?;
        check.float("prosody.pitch_max_hz", p.pitch_max_hz, 200.0, 1000.0)?;
        check.int(
            "prosody.baseline_speech_ms",
            p.baseline_speech_ms.into(),
            1000,
            120_000,
        )?;
        check.int(
            "prosody.recent_speech_ms",
            p.recent_speech_ms.into(),
            500,
            30_000,
        )?;
        check.float("prosody.syllable_dip_db", p.syllable_dip_db, 0.5, 20.0)?;
        let f = &self.caller_frustration;
        check.float(
            "caller_frustration.pitch_rise_semitones",
            f.pitch_rise_semitones,
            0.1,
            24.0,
        )?;
        check.float(
            "caller_frustration.pitch_range_rise_semitones",
            f.pitch_range_rise_semitones,
            0.1,
            24.0,
        )?;
        check.float(
            "caller_frustration.loudness_rise_db",
            f.loudness_rise_db,
            0.1,
            40.0,
        )?;
        check.float(
            "caller_frustration.pace_rise_percent",
            f.pace_rise_percent,
            1.0,
            300.0,
        )?;
        for (key, w) in [
            ("caller_frustration.pitch_weight", f.pitch_weight),
            (
                "caller_frustration.pitch_range_weight",
                f.pitch_range_weight,
            ),
            ("caller_frustration.loudness_weight", f.loudness_weight),
            ("caller_frustration.pace_weight", f.pace_weight),
        ] {
            check.float(key, w, 0.0, 1.0)?;
        }
        let weight_sum = f.pitch_weight + f.pitch_range_weight + f.loudness_weight + f.pace_weight;
        if weight_sum <= 0.0 {
            return Err(check.fail(
                "caller_frustration.pitch_weight",
                f.pitch_weight.to_string(),
                "weights that are not all zero",
            ));
        }
        check.float("caller_frustration.threshold", f.threshold, 0.05, 1.0)?;
        check.float(
            "caller_frustration.hysteresis",
            f.hysteresis,
            0.0,
            f.threshold,
        )?;
        let ap = &self.agent_pace;
        check.float(
            "agent_pace.ceiling_syllables_per_s",
            ap.ceiling_syllables_per_s,
            2.0,
            20.0,
        )?;
        check.float("agent_pace.rise_percent", ap.rise_percent, 1.0, 300.0)?;
        let ae = &self.agent_energy;
        check.float(
            "agent_energy.variability_drop_percent",
            ae.variability_drop_percent,
            1.0,
            99.0,
        )?;
        check.float(
            "agent_energy.loudness_drop_db",
            ae.loudness_drop_db,
            0.0,
            40.0,
        )?;
        let n = &self.nudges;
        check.int("nudges.display_ms", n.display_ms.into(), 500, 60_000)?;
        check.int("nudges.max_per_call", n.max_per_call.into(), 0, 1000)?;
        for id in NudgeId::ALL {
            let rule = n.rule(id);
            let key = |field: &str| -> &'static str { rule_key(id, field) };
            check.int(key("priority"), rule.priority.into(), 0, 100)?;
            check.int(key("cooldown_ms"), rule.cooldown_ms.into(), 0, 3_600_000)?;
            check.int(key("max_per_call"), rule.max_per_call.into(), 0, 1000)?;
            if rule.text.trim().is_empty() {
                return Err(check.fail(key("text"), "\"\"".into(), "a non-empty text"));
            }
            if rule.text.chars().count() > 60 {
                return Err(check.fail(
                    key("text"),
                    format!("{:?}", rule.text),
                    "at most 60 characters (one glance)",
                ));
            }
        }
        Ok(())
    }
}

/// Key names for per-nudge fields, as `'static` strings for error messages.
fn rule_key(id: NudgeId, field: &str) -> &'static str {
    macro_rules! keys {
        ($($variant:ident => $name:literal),*) => {
            match (id, field) {
                $(
                    (NudgeId::$variant, "priority") => concat!("nudges.", $name, ".priority"),
                    (NudgeId::$variant, "cooldown_ms") => concat!("nudges.", $name, ".cooldown_ms"),
                    (NudgeId::$variant, "max_per_call") => concat!("nudges.", $name, ".max_per_call"),
                    (NudgeId::$variant, _) => concat!("nudges.", $name, ".text"),
                )*
            }
        };
    }
    keys!(Pause => "pause", Acknowledge => "acknowledge", Smile => "smile",
          SlowDown => "slow_down", FillSilence => "fill_silence", CheckIn => "check_in")
}

struct RangeCheck<'a> {
    origin: &'a Path,
}

impl RangeCheck<'_> {
    fn fail(&self, key: &'static str, value: String, allowed: &str) -> ConfigError {
        ConfigError::OutOfRange {
            path: self.origin.to_path_buf(),
            key,
            value,
            allowed: allowed.to_string(),
        }
    }

    fn int(
        &mut self,
        key: &'static str,
        value: i64,
        min: i64,
        max: i64,
    ) -> Result<(), ConfigError> {
        if value < min || value > max {
            return Err(self.fail(
                key,
                value.to_string(),
                &format!("{min} to {max}{}", unit_of(key)),
            ));
        }
        Ok(())
    }

    fn float(
        &mut self,
        key: &'static str,
        value: f32,
        min: f32,
        max: f32,
    ) -> Result<(), ConfigError> {
        if !value.is_finite() || value < min || value > max {
            return Err(self.fail(
                key,
                value.to_string(),
                &format!("{min} to {max}{}", unit_of(key)),
            ));
        }
        Ok(())
    }
}

/// The unit a key's suffix names, for error messages.
fn unit_of(key: &str) -> &'static str {
    const UNITS: [(&str, &str); 7] = [
        ("_ms", " ms"),
        ("_dbfs", " dBFS"),
        ("_db", " dB"),
        ("_hz", " Hz"),
        ("_semitones", " semitones"),
        ("_percent", " %"),
        ("_per_s", " per second"),
    ];
    UNITS
        .iter()
        .find(|(suffix, _)| key.ends_with(suffix))
        .map_or("", |(_, unit)| unit)
}

/// Lays `overrides` over `base`, table by table; any other value replaces the base's.
fn merge_tables(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(over_table)) => {
                merge_tables(base_table, over_table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Turns a toml error into one line: `line L, column C: message`.
fn one_line_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// The config file to use: `explicit` if given, else `$CALLCUE_CONFIG`, else the user's
/// config directory, else `/etc/callcue/callcue.toml`; `None` if none exists.
pub fn find_config_file(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("CALLCUE_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let user = dirs::config_dir().map(|dir| dir.join("callcue").join("callcue.toml"));
    let system = cfg!(unix).then(|| PathBuf::from("/etc/callcue/callcue.toml"));
    [user, system].into_iter().flatten().find(|p| p.is_file())
}

impl fmt::Display for Config {
    /// The effective config as TOML (for `callcue config`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match toml::to_string_pretty(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml_str(text, Path::new("test.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn partial_file_overrides_only_its_keys() {
        let config = parse("[turns]\nmin_overlap_ms = 800\n").unwrap();
        assert_eq!(config.turns.min_overlap_ms, 800);
        assert_eq!(config.turns.dead_air_ms, TurnsConfig::default().dead_air_ms);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse("[turns]\nmin_overlap = 800\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("min_overlap"), "{err}");
        assert!(err.starts_with("test.toml: "), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let err = parse("[turns]\nmin_overlap_ms = \"lots\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("turns.min_overlap_ms"), "{err}");
        assert!(err.contains("lots"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn out_of_range_names_key_value_range_and_unit() {
        let err = parse("[turns]\nmin_overlap_ms = 99999\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "test.toml: turns.min_overlap_ms = 99999 is out of range: allowed 100 to 5000 ms"
        );
        let err = parse("[vad]\nframe_ms = 25\n").unwrap_err().to_string();
        assert!(err.contains("vad.frame_ms = 25"), "{err}");
    }

    #[test]
    fn per_nudge_keys_are_checked() {
        let err = parse("[nudges.smile]\ntext = \"\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("nudges.smile.text"), "{err}");
        let config = parse("[nudges.smile]\nenabled = false\n").unwrap();
        assert!(!config.nudges.smile.enabled);
        assert_eq!(config.nudges.smile.text, NudgesConfig::default().smile.text);
    }

    #[test]
    fn same_channel_for_both_sides_is_rejected() {
        let err = parse("[audio]\nagent_channel = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("audio.caller_channel"), "{err}");
    }

    #[test]
    fn display_round_trips() {
        let text = Config::default().to_string();
        assert_eq!(parse(&text).unwrap(), Config::default());
    }
}
