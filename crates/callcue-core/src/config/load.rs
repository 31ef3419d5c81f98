//! Reading a config: the file (at most [`MAX_CONFIG_BYTES`], UTF-8), its TOML laid over
//! the built-in defaults, strict about unknown keys and types (errors name the key, and
//! the line and column for broken TOML), then [`Config::validate`]. Keys that are no
//! longer used are dropped with a warning (the `RETIRED` table).

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
        let mut overrides = toml_table(text, origin)?;
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
        let text = read_config_text(path)?;
        Self::from_toml_str_with_warnings(&text, path)
    }
}

/// Reads a config file's text: at most [`MAX_CONFIG_BYTES`] (a device such as
/// `/dev/zero` is refused after reading one byte more than that), UTF-8.
pub(super) fn read_config_text(path: &Path) -> Result<String, ConfigError> {
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
    String::from_utf8(bytes).map_err(|_| ConfigError::Parse {
        path: path.to_path_buf(),
        message: "not UTF-8 text".into(),
    })
}

/// Parses config text as a TOML table; a syntax error names the line and column.
pub(super) fn toml_table(text: &str, origin: &Path) -> Result<toml::Table, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: origin.to_path_buf(),
        message: one_line_toml_error(text, &e),
    })
}

/// Removes the retired keys `table` sets; a warning (without the file) for each.
pub(super) fn drop_retired(table: &mut toml::Table) -> Vec<String> {
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
