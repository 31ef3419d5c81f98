//! The config in effect, built from layers, each laid over the one before:
//!
//! 1. the built-in defaults;
//! 2. the machine file, which IT owns: `$CALLCUE_SYSTEM_CONFIG`, else
//!    `/etc/callcue/callcue.toml` (Linux and other Unix), `%ProgramData%\callcue\callcue.toml`
//!    (Windows), `/Library/Application Support/callcue/callcue.toml` (macOS);
//! 3. the user file: `callcue/callcue.toml` in the user's config directory;
//! 4. the explicit file: `--config FILE`, else `$CALLCUE_CONFIG`;
//! 5. command-line flags (`--no-overlay`, `--no-stt`, `--agent-device`, ...).
//!
//! A layer sets only the keys it names. A list of phrases can be extended instead of
//! replaced: `caller_frustration_add = ["this is ridiculous"]` in `[words]` appends to
//! the list as the layers below left it.
//!
//! The machine file can lock keys: `[lock] keys = ["nudges.pause.enabled", "overlay.*"]`
//! (`*` stands for one part of a key's name; at the end, for everything under it). A locked
//! key set by any later layer, flags included, is ignored, with one warning naming the
//! file (or flag) and the key. Only the machine file can lock; a `[lock]` table anywhere
//! else is ignored with a warning.
//!
//! Every key's origin (which layer gave its value) is kept, for `callcue config --origin`
//! and for errors: a value out of range is reported against the file that set it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::load::{drop_retired, read_config_text, toml_table, ConfigError};
use super::Config;

/// Where a key's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    /// The machine file.
    Machine(PathBuf),
    /// The user file.
    User(PathBuf),
    /// `--config` or `$CALLCUE_CONFIG`.
    Explicit(PathBuf),
    /// A command-line flag.
    Flag(&'static str),
}

impl Origin {
    /// The file, if the value came from one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::Machine(path) | Origin::User(path) | Origin::Explicit(path) => Some(path),
            Origin::Default | Origin::Flag(_) => None,
        }
    }

    /// How a message names it: the file's path, or the flag.
    fn name(&self) -> String {
        match self {
            Origin::Default => "built-in defaults".into(),
            Origin::Flag(flag) => (*flag).into(),
            other => other
                .path()
                .map_or_else(String::new, |p| p.display().to_string()),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::Machine(path) => write!(f, "machine file {}", path.display()),
            Origin::User(path) => write!(f, "user file {}", path.display()),
            Origin::Explicit(path) => write!(f, "{}", path.display()),
            Origin::Flag(flag) => f.write_str(flag),
        }
    }
}

/// The config files a run reads, found once at start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigFiles {
    /// The machine file, if there is one.
    pub machine: Option<PathBuf>,
    /// The user file, if there is one.
    pub user: Option<PathBuf>,
    /// `--config` or `$CALLCUE_CONFIG` (read even if missing: that is an error).
    pub explicit: Option<PathBuf>,
}

/// Names the machine file's path, for tests and unusual installs.
pub const SYSTEM_CONFIG_VAR: &str = "CALLCUE_SYSTEM_CONFIG";

impl ConfigFiles {
    /// The files on this machine: the machine and user files that exist, and `explicit`
    /// (from `--config`), else `$CALLCUE_CONFIG`.
    pub fn discover(explicit: Option<&Path>) -> Self {
        let explicit = explicit.map(Path::to_path_buf).or_else(|| {
            std::env::var_os("CALLCUE_CONFIG")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        });
        Self {
            machine: machine_config_path().filter(|p| p.is_file()),
            user: user_config_path().filter(|p| p.is_file()),
            explicit,
        }
    }

    /// The same machine and user files with another explicit file (`eval --against`).
    pub fn with_explicit(&self, explicit: &Path) -> Self {
        Self {
            explicit: Some(explicit.to_path_buf()),
            ..self.clone()
        }
    }

    /// Every file, lowest layer first, with its origin.
    pub fn layers(&self) -> Vec<Origin> {
        let mut layers = Vec::new();
        layers.extend(self.machine.clone().map(Origin::Machine));
        layers.extend(self.user.clone().map(Origin::User));
        layers.extend(self.explicit.clone().map(Origin::Explicit));
        layers
    }

    /// The file whose values win, if any (what error messages without a key name).
    pub fn top(&self) -> Option<&Path> {
        self.explicit
            .as_deref()
            .or(self.user.as_deref())
            .or(self.machine.as_deref())
    }
}

/// Where the machine file is on this platform (`$CALLCUE_SYSTEM_CONFIG` wins).
pub fn machine_config_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(SYSTEM_CONFIG_VAR).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    if cfg!(windows) {
        std::env::var_os("ProgramData")
            .map(|dir| PathBuf::from(dir).join("callcue").join("callcue.toml"))
    } else if cfg!(target_os = "macos") {
        Some(PathBuf::from(
            "/Library/Application Support/callcue/callcue.toml",
        ))
    } else {
        Some(PathBuf::from("/etc/callcue/callcue.toml"))
    }
}

/// Where the user file is: `callcue/callcue.toml` in the user's config directory.
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("callcue").join("callcue.toml"))
}

/// One setting from the command line: `flag` sets `key` to `value`.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagSetting {
    pub flag: &'static str,
    pub key: &'static str,
    pub value: toml::Value,
}

/// The config in effect and how it came to be.
#[derive(Clone, Debug)]
pub struct Layered {
    pub config: Config,
    /// Each key (`turns.min_overlap_ms`) and the layer that gave its value.
    pub origins: BTreeMap<String, Origin>,
    /// One line each: locked keys set lower down, retired keys, a `[lock]` outside the
    /// machine file, lock patterns that match no key.
    pub warnings: Vec<String>,
    /// The machine file's lock patterns.
    pub locks: Vec<String>,
}

/// The suffix that extends a list instead of replacing it.
const ADD_SUFFIX: &str = "_add";

/// Lays the layers over the defaults (see the module doc). Fails on the first file that
/// cannot be read or parsed, an unknown key, a wrong type or a value out of range, naming
/// the file that set it.
pub fn load_layered(files: &ConfigFiles, flags: &[FlagSetting]) -> Result<Layered, ConfigError> {
    let mut merged = defaults_table()?;
    let mut origins: BTreeMap<String, Origin> = leaves(&merged)
        .into_iter()
        .map(|(key, _)| (key, Origin::Default))
        .collect();
    let mut warnings = Vec::new();
    let mut locks: Vec<String> = Vec::new();
    let mut lock_owner: Option<PathBuf> = None;
    let locked = |who: &dyn fmt::Display, key: &str, owner: &Option<PathBuf>| {
        format!(
            "{who}: {key} is locked by {}; ignored",
            owner.as_deref().unwrap_or(Path::new("")).display()
        )
    };

    for origin in files.layers() {
        let path = origin.path().expect("file layers have paths").to_path_buf();
        let text = read_config_text(&path)?;
        let mut table = toml_table(&text, &path)?;
        if let Some(lock) = table.remove("lock") {
            match &origin {
                Origin::Machine(_) => {
                    locks = lock_patterns(lock, &path)?;
                    lock_owner = Some(path.clone());
                    for pattern in &locks {
                        if !origins.keys().any(|key| pattern_matches(pattern, key)) {
                            warnings.push(format!(
                                "{}: lock.keys: {pattern:?} matches no key",
                                path.display()
                            ));
                        }
                    }
                }
                _ => warnings.push(format!(
                    "{}: [lock] is ignored: only the machine file can lock keys",
                    path.display()
                )),
            }
        }
        warnings.extend(
            drop_retired(&mut table)
                .into_iter()
                .map(|warning| format!("{}: {warning}", path.display())),
        );
        for (key, value) in leaves(&table) {
            let is_machine = matches!(origin, Origin::Machine(_));
            let target = key
                .strip_suffix(ADD_SUFFIX)
                .filter(|stem| matches!(get(&merged, stem), Some(toml::Value::Array(_))));
            let governed = target.unwrap_or(&key);
            if !is_machine && locks.iter().any(|p| pattern_matches(p, governed)) {
                warnings.push(locked(&path.display(), governed, &lock_owner));
                continue;
            }
            match target {
                Some(stem) => {
                    let stem = stem.to_string();
                    extend_list(&mut merged, &stem, value);
                    origins.insert(stem, origin.clone());
                }
                None => {
                    set(&mut merged, &key, value);
                    origins.insert(key, origin.clone());
                }
            }
        }
    }
    for setting in flags {
        if locks.iter().any(|p| pattern_matches(p, setting.key)) {
            warnings.push(locked(&setting.flag, setting.key, &lock_owner));
            continue;
        }
        set(&mut merged, setting.key, setting.value.clone());
        origins.insert(setting.key.to_string(), Origin::Flag(setting.flag));
    }

    let blame = |key: &str| -> PathBuf {
        let origin = origins
            .iter()
            .filter(|(k, _)| {
                key == k.as_str()
                    || key.starts_with(&format!("{k}."))
                    || k.starts_with(&format!("{key}."))
            })
            .map(|(_, origin)| origin)
            .find(|origin| !matches!(origin, Origin::Default));
        match origin {
            Some(origin) => PathBuf::from(origin.name()),
            None => files
                .top()
                .map_or_else(|| PathBuf::from("built-in defaults"), Path::to_path_buf),
        }
    };
    let config: Config =
        serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
            let key = e.path().to_string();
            let message = e.into_inner().to_string().trim().replace('\n', " ");
            ConfigError::Parse {
                path: blame(&key),
                message: format!("{key}: {message}"),
            }
        })?;
    let top = files
        .top()
        .map_or_else(|| PathBuf::from("built-in defaults"), Path::to_path_buf);
    config.validate(&top).map_err(|error| match error {
        ConfigError::OutOfRange {
            key,
            value,
            allowed,
            ..
        } => ConfigError::OutOfRange {
            path: blame(key),
            key,
            value,
            allowed,
        },
        other => other,
    })?;
    Ok(Layered {
        config,
        origins,
        warnings,
        locks,
    })
}

impl Layered {
    /// Every key with its value and where it came from, one per line
    /// (`turns.min_overlap_ms = 600  # default`), for `callcue config --origin`.
    pub fn origin_listing(&self) -> String {
        let table = match config_table(&self.config) {
            Ok(table) => table,
            Err(e) => return format!("# cannot list the config: {e}\n"),
        };
        let mut text = String::new();
        for (key, value) in leaves(&table) {
            let origin = self.origins.get(&key).cloned().unwrap_or(Origin::Default);
            let locked = self.locks.iter().any(|p| pattern_matches(p, &key));
            text.push_str(&format!(
                "{key} = {}  # {origin}{}\n",
                one_line_value(&value),
                if locked { ", locked" } else { "" }
            ));
        }
        text
    }
}

impl Config {
    /// This config with the value of every key `take` picks copied from `other` (keys by
    /// their dotted names). Both are valid configs, so the mix is too; should it not read
    /// back, this config is returned unchanged.
    pub fn with_keys_from(&self, other: &Config, take: impl Fn(&str) -> bool) -> Config {
        let (Ok(mut mine), Ok(theirs)) = (config_table(self), config_table(other)) else {
            return self.clone();
        };
        for (key, value) in leaves(&theirs) {
            if take(&key) {
                set(&mut mine, &key, value);
            }
        }
        toml::Value::Table(mine)
            .try_into()
            .unwrap_or_else(|_| self.clone())
    }

    /// The keys whose values differ between `self` and `other` (`turns.min_overlap_ms`),
    /// sorted by name.
    pub fn changed_keys(&self, other: &Config) -> Vec<String> {
        let (Ok(mine), Ok(theirs)) = (config_table(self), config_table(other)) else {
            return Vec::new();
        };
        let theirs: BTreeMap<String, toml::Value> = leaves(&theirs).into_iter().collect();
        let mut changed: Vec<String> = leaves(&mine)
            .into_iter()
            .filter(|(key, value)| theirs.get(key) != Some(value))
            .map(|(key, _)| key)
            .collect();
        changed.sort();
        changed
    }
}

/// Whether lock `pattern` covers `key`: `*` stands for one part of the name; a trailing
/// `*` for one or more.
pub fn pattern_matches(pattern: &str, key: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = key.split('.').collect();
    let trailing_star = pattern.last() == Some(&"*");
    if trailing_star && key.len() >= pattern.len() {
        let fixed = &pattern[..pattern.len() - 1];
        return fixed.iter().zip(&key).all(|(p, k)| *p == "*" || p == k);
    }
    pattern.len() == key.len() && pattern.iter().zip(&key).all(|(p, k)| *p == "*" || p == k)
}

/// The `[lock]` table's `keys`: a list of patterns, else a one-line error.
fn lock_patterns(lock: toml::Value, path: &Path) -> Result<Vec<String>, ConfigError> {
    let refuse = |message: &str| ConfigError::Parse {
        path: path.to_path_buf(),
        message: format!("lock: {message}"),
    };
    let toml::Value::Table(mut lock) = lock else {
        return Err(refuse("must be a table: [lock] keys = [\"overlay.*\"]"));
    };
    let keys = lock
        .remove("keys")
        .unwrap_or(toml::Value::Array(Vec::new()));
    if let Some(other) = lock.keys().next() {
        return Err(refuse(&format!("unknown field `{other}`, expected `keys`")));
    }
    let toml::Value::Array(keys) = keys else {
        return Err(refuse("keys must be a list of key names"));
    };
    keys.into_iter()
        .map(|key| match key {
            toml::Value::String(key) if !key.trim().is_empty() => Ok(key.trim().to_string()),
            _ => Err(refuse(
                "keys must be a list of key names such as \"overlay.*\"",
            )),
        })
        .collect()
}

fn defaults_table() -> Result<toml::Table, ConfigError> {
    config_table(&Config::default()).map_err(|e| ConfigError::Parse {
        path: PathBuf::from("built-in defaults"),
        message: e.to_string(),
    })
}

fn config_table(config: &Config) -> Result<toml::Table, toml::ser::Error> {
    toml::Table::try_from(config)
}

/// Every non-table value under `table`, by its dotted key, in the table's order.
fn leaves(table: &toml::Table) -> Vec<(String, toml::Value)> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
        for (name, value) in table {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            match value {
                toml::Value::Table(inner) => walk(&key, inner, out),
                other => out.push((key, other.clone())),
            }
        }
    }
    let mut out = Vec::new();
    walk("", table, &mut out);
    out
}

fn get<'t>(table: &'t toml::Table, key: &str) -> Option<&'t toml::Value> {
    let (parents, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut holder = table;
    for part in parents.split('.').filter(|p| !p.is_empty()) {
        holder = holder.get(part)?.as_table()?;
    }
    holder.get(name)
}

/// Sets `key` (dotted) to `value`, making the tables on the way (a non-table in the way is
/// replaced, and the type error comes when the config is read).
fn set(table: &mut toml::Table, key: &str, value: toml::Value) {
    let (parents, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut holder = table;
    for part in parents.split('.').filter(|p| !p.is_empty()) {
        let entry = holder
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        holder = entry.as_table_mut().expect("made a table above");
    }
    holder.insert(name.to_string(), value);
}

/// Appends `added` (a list, or one value) to the list at `key`.
fn extend_list(table: &mut toml::Table, key: &str, added: toml::Value) {
    let mut list = match get(table, key) {
        Some(toml::Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    match added {
        toml::Value::Array(items) => list.extend(items),
        one => list.push(one),
    }
    set(table, key, toml::Value::Array(list));
}

/// A value on one line; floats as the f32 they are read into (`0.92`, not
/// `0.9200000166893005`).
fn one_line_value(value: &toml::Value) -> String {
    match value {
        toml::Value::Float(f) => {
            let short = (*f as f32).to_string();
            if short.contains(['.', 'e', 'E']) || !f.is_finite() {
                short
            } else {
                format!("{short}.0")
            }
        }
        other => other.to_string().replace('\n', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files {
        dir: tempfile::TempDir,
    }

    impl Files {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        }
    }

    fn layers(
        machine: Option<PathBuf>,
        user: Option<PathBuf>,
        explicit: Option<PathBuf>,
    ) -> ConfigFiles {
        ConfigFiles {
            machine,
            user,
            explicit,
        }
    }

    #[test]
    fn later_layers_win_key_by_key() {
        let files = Files::new();
        let machine = files.write(
            "machine.toml",
            "[turns]\nmin_overlap_ms = 700\ndead_air_ms = 9000\n",
        );
        let user = files.write("user.toml", "[turns]\nmin_overlap_ms = 800\n");
        let explicit = files.write("explicit.toml", "[vad]\naggressiveness = 3\n");
        let layered = load_layered(
            &layers(
                Some(machine.clone()),
                Some(user.clone()),
                Some(explicit.clone()),
            ),
            &[],
        )
        .unwrap();
        let c = &layered.config;
        assert_eq!(
            (
                c.turns.min_overlap_ms,
                c.turns.dead_air_ms,
                c.vad.aggressiveness
            ),
            (800, 9000, 3)
        );
        assert_eq!(layered.origins["turns.min_overlap_ms"], Origin::User(user));
        assert_eq!(
            layered.origins["turns.dead_air_ms"],
            Origin::Machine(machine)
        );
        assert_eq!(
            layered.origins["vad.aggressiveness"],
            Origin::Explicit(explicit)
        );
        assert_eq!(layered.origins["vad.frame_ms"], Origin::Default);
        assert!(layered.warnings.is_empty(), "{:?}", layered.warnings);
    }

    #[test]
    fn a_locked_key_cannot_be_changed_by_any_later_layer_or_flag() {
        let files = Files::new();
        let machine = files.write(
            "machine.toml",
            "[lock]\nkeys = [\"nudges.pause.enabled\", \"overlay.*\"]\n[nudges.pause]\nenabled = true\n",
        );
        let user = files.write(
            "user.toml",
            "[nudges.pause]\nenabled = false\n[overlay]\nopacity = 0.5\n",
        );
        let explicit = files.write(
            "explicit.toml",
            "[overlay]\nenabled = false\n[nudges.smile]\nenabled = false\n",
        );
        let flags = [
            FlagSetting {
                flag: "--no-overlay",
                key: "overlay.enabled",
                value: toml::Value::Boolean(false),
            },
            FlagSetting {
                flag: "--no-stt",
                key: "stt.enabled",
                value: toml::Value::Boolean(false),
            },
        ];
        let layered = load_layered(
            &layers(
                Some(machine.clone()),
                Some(user.clone()),
                Some(explicit.clone()),
            ),
            &flags,
        )
        .unwrap();
        let c = &layered.config;
        assert!(c.nudges.pause.enabled && c.overlay.enabled);
        assert_eq!(c.overlay.opacity, Config::default().overlay.opacity);
        // What is not locked still applies.
        assert!(!c.nudges.smile.enabled && !c.stt.enabled);
        let warnings = layered.warnings.join("\n");
        for (who, key) in [
            (user.display().to_string(), "nudges.pause.enabled"),
            (user.display().to_string(), "overlay.opacity"),
            (explicit.display().to_string(), "overlay.enabled"),
            ("--no-overlay".to_string(), "overlay.enabled"),
        ] {
            let line = format!("{who}: {key} is locked by {}; ignored", machine.display());
            assert!(warnings.contains(&line), "{line} in:\n{warnings}");
        }
        assert_eq!(layered.warnings.len(), 4, "{warnings}");
        let listing = layered.origin_listing();
        assert!(
            listing.contains("overlay.enabled = true  # default, locked\n"),
            "{listing}"
        );
        assert!(
            listing.contains("overlay.opacity = 0.92  # default, locked\n"),
            "{listing}"
        );
        assert!(
            listing.contains("vad.min_speech_level_dbfs = -55.0  # default\n"),
            "{listing}"
        );
    }

    #[test]
    fn only_the_machine_file_locks() {
        let files = Files::new();
        let user = files.write(
            "user.toml",
            "[lock]\nkeys = [\"*\"]\n[turns]\nmin_overlap_ms = 800\n",
        );
        let explicit = files.write("explicit.toml", "[turns]\nmin_overlap_ms = 900\n");
        let layered = load_layered(&layers(None, Some(user.clone()), Some(explicit)), &[]).unwrap();
        assert_eq!(layered.config.turns.min_overlap_ms, 900);
        assert_eq!(
            layered.warnings,
            [format!(
                "{}: [lock] is ignored: only the machine file can lock keys",
                user.display()
            )]
        );
    }

    #[test]
    fn lists_extend_with_add() {
        let files = Files::new();
        let machine = files.write(
            "machine.toml",
            "[words]\ncaller_loss_add = [\"my goldfish died\"]\n",
        );
        let user = files.write(
            "user.toml",
            "[words]\ncaller_loss_add = [\"lost my job\"]\n",
        );
        let layered = load_layered(&layers(Some(machine), Some(user.clone()), None), &[]).unwrap();
        let defaults = Config::default().words.caller_loss;
        let list = &layered.config.words.caller_loss;
        assert_eq!(&list[..defaults.len()], &defaults[..]);
        assert_eq!(&list[defaults.len()..], ["my goldfish died", "lost my job"]);
        assert_eq!(layered.origins["words.caller_loss"], Origin::User(user));
        // A replacement below an addition: the addition goes on the replacement.
        let explicit = files.write(
            "explicit.toml",
            "[words]\ncaller_loss = [\"bereaved\"]\ncaller_loss_add = [\"passed on\"]\n",
        );
        let layered = load_layered(&layers(None, None, Some(explicit)), &[]).unwrap();
        assert_eq!(layered.config.words.caller_loss, ["bereaved", "passed on"]);
    }

    #[test]
    fn errors_name_the_file_that_set_the_value() {
        let files = Files::new();
        let machine = files.write("machine.toml", "[turns]\nmin_overlap_ms = 20\n");
        let user = files.write("user.toml", "[vad]\naggressiveness = 1\n");
        let error =
            load_layered(&layers(Some(machine.clone()), Some(user), None), &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}: turns.min_overlap_ms = 20 is out of range: allowed 100 to 5000 ms",
                machine.display()
            )
        );
        let user = files.write("user2.toml", "[turns]\nno_such_key = 1\n");
        let error = load_layered(&layers(None, Some(user.clone()), None), &[])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(&format!("{}: turns", user.display())),
            "{error}"
        );
        assert!(error.contains("no_such_key"), "{error}");
        let broken = files.write("broken.toml", "[lock]\nkeys = \"overlay\"\n");
        let error = load_layered(&layers(Some(broken.clone()), None, None), &[])
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            format!(
                "{}: lock: keys must be a list of key names",
                broken.display()
            )
        );
    }

    #[test]
    fn lock_patterns() {
        assert!(pattern_matches("overlay.*", "overlay.enabled"));
        assert!(pattern_matches("nudges.*", "nudges.pause.enabled"));
        assert!(pattern_matches("nudges.*.enabled", "nudges.pause.enabled"));
        assert!(!pattern_matches("nudges.*.enabled", "nudges.pause.text"));
        assert!(pattern_matches("*", "turns.dead_air_ms"));
        assert!(pattern_matches("stt.model", "stt.model"));
        assert!(!pattern_matches("stt.model", "stt.model_path"));
        assert!(!pattern_matches("overlay.*", "overlay"));
        let files = Files::new();
        let machine = files.write("machine.toml", "[lock]\nkeys = [\"overlay.nope\"]\n");
        let layered = load_layered(&layers(Some(machine.clone()), None, None), &[]).unwrap();
        assert_eq!(
            layered.warnings,
            [format!(
                "{}: lock.keys: \"overlay.nope\" matches no key",
                machine.display()
            )]
        );
    }

    #[test]
    fn keys_are_taken_from_another_config_by_name() {
        let mut other = Config::default();
        other.overlay.opacity = 0.5;
        other.overlay.theme = "dark".into();
        other.turns.dead_air_ms = 9000;
        let mixed = Config::default().with_keys_from(&other, |key| key.starts_with("overlay."));
        assert_eq!(mixed.overlay, other.overlay);
        assert_eq!(mixed.turns, Config::default().turns);
    }

    #[test]
    fn changed_keys_are_listed() {
        let mut other = Config::default();
        assert!(Config::default().changed_keys(&other).is_empty());
        other.nudges.pause.enabled = false;
        other.turns.dead_air_ms = 9000;
        other.words.caller_loss.push("lost my job".into());
        assert_eq!(
            Config::default().changed_keys(&other),
            [
                "nudges.pause.enabled",
                "turns.dead_air_ms",
                "words.caller_loss"
            ]
        );
    }

    #[test]
    fn no_files_no_flags_is_the_defaults() {
        let layered = load_layered(&ConfigFiles::default(), &[]).unwrap();
        assert_eq!(layered.config, Config::default());
        assert!(layered.origins.values().all(|o| *o == Origin::Default));
    }
}
