//! Reading a config: the file (at most [`MAX_CONFIG_BYTES`], UTF-8), its TOML laid over
//! the built-in defaults, strict about unknown keys and types (errors name the key, and
//! the line and column for broken TOML), then [`Config::validate`]. Keys that are no
//! longer used are dropped with a warning (the `RETIRED` table). Also where the file is looked
//! for ([`find_config_file`]).

use std::path::{Path, PathBuf};

use super::{key, Config};

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

/// The largest config file read (a full config with every phrase list is about 24 kB).
pub const MAX_CONFIG_BYTES: u64 = 1_000_000;

/// A key that is no longer used, and the key that took its place.
struct Retired {
    key: &'static str,
    replaced_by: &'static str,
    /// What the replacement does, after its name in the warning.
    does: &'static str,
}

/// Retired keys: a file that still sets one loads, without it, and a warning says what
/// to use instead. Retiring a key is one row here (and removing its declaration).
const RETIRED: &[Retired] = &[Retired {
    key: "overlay.show_ms",
    replaced_by: key!(nudges.display_ms),
    does: "sets how long a nudge shows",
}];

impl Config {
    /// Parses TOML text laid over the built-in defaults, so a file only needs the keys it
    /// changes. `origin` names where the text came from in error messages. Retired keys
    /// are dropped silently; [`Config::from_toml_str_with_warnings`] says which.
    pub fn from_toml_str(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        Self::from_toml_str_with_warnings(text, origin).map(|(config, _)| config)
    }

    /// As [`Config::from_toml_str`], with a one-line warning (naming `origin`) for each
    /// retired key the text sets.
    pub fn from_toml_str_with_warnings(
        text: &str,
        origin: &Path,
    ) -> Result<(Self, Vec<String>), ConfigError> {
        let parse_error = |message: String| ConfigError::Parse {
            path: origin.to_path_buf(),
            message,
        };
        let mut overrides: toml::Table =
            toml::from_str(text).map_err(|e| parse_error(one_line_toml_error(text, &e)))?;
        let warnings = drop_retired(&mut overrides)
            .into_iter()
            .map(|warning| format!("{}: {warning}", origin.display()))
            .collect();
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
        Ok((config, warnings))
    }

    /// Reads and validates a config file. A file over [`MAX_CONFIG_BYTES`] (or a device
    /// such as `/dev/zero`) is refused after reading one byte more than that. Retired keys
    /// are dropped silently; [`Config::load_with_warnings`] says which.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with_warnings(path).map(|(config, _)| config)
    }

    /// As [`Config::load`], with a one-line warning (naming the file) for each retired
    /// key the file sets.
    pub fn load_with_warnings(path: &Path) -> Result<(Self, Vec<String>), ConfigError> {
        use std::io::Read;
        let io_error = |source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_error)?;
        let mut bytes = Vec::new();
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                message: format!(
                    "larger than {} MB: not a callcue config file",
                    MAX_CONFIG_BYTES / 1_000_000
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Parse {
            path: path.to_path_buf(),
            message: "not UTF-8 text".into(),
        })?;
        Self::from_toml_str_with_warnings(&text, path)
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
}

/// Removes the retired keys `table` sets; a warning (without the file) for each.
fn drop_retired(table: &mut toml::Table) -> Vec<String> {
    let mut warnings = Vec::new();
    for retired in RETIRED {
        let (parents, name) = retired.key.rsplit_once('.').unwrap_or(("", retired.key));
        let mut holder = Some(&mut *table);
        for parent in parents.split('.').filter(|p| !p.is_empty()) {
            holder = holder
                .and_then(|t| t.get_mut(parent))
                .and_then(|v| v.as_table_mut());
        }
        if holder.and_then(|t| t.remove(name)).is_some() {
            warnings.push(format!(
                "{} is no longer used: {} {}",
                retired.key, retired.replaced_by, retired.does
            ));
        }
    }
    warnings
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
