//! Where the agent left the overlay: a small per-user state file, so the window comes
//! back where it was dragged to (it wins over `overlay.x_px`/`y_px`/`width_px`/`height_px`).
//!
//! The file is `overlay-state.toml` in `$CALLCUE_STATE_DIR` when that is set (tests use it
//! to stay isolated), else in the user's local data directory under `callcue/`
//! (`~/.local/share/callcue/` on Linux, `%LOCALAPPDATA%\callcue\` on Windows,
//! `~/Library/Application Support/callcue/` on macOS). A missing file means "use the
//! config"; a broken one is ignored with a one-line warning and rewritten on the next move.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use callcue::config::OverlayConfig;

/// Overrides the directory of the state file.
pub const STATE_DIR_ENV: &str = "CALLCUE_STATE_DIR";
/// The state file's name inside that directory.
pub const STATE_FILE_NAME: &str = "overlay-state.toml";

/// The config's limits, so a remembered size is one the config itself would accept.
const MIN_WIDTH_PX: u32 = 160;
const MAX_WIDTH_PX: u32 = 2000;
const MIN_HEIGHT_PX: u32 = 48;
const MAX_HEIGHT_PX: u32 = 1000;
const MAX_ABS_POSITION_PX: i32 = 100_000;

/// The window's top-left corner and inner size, in logical pixels (points).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub x_px: i32,
    pub y_px: i32,
    pub width_px: u32,
    pub height_px: u32,
}

impl Placement {
    /// The placement the config asks for.
    pub fn from_config(config: &OverlayConfig) -> Self {
        Self {
            x_px: config.x_px,
            y_px: config.y_px,
            width_px: config.width_px,
            height_px: config.height_px,
        }
    }

    /// Why this placement cannot be used, if it cannot.
    fn check(&self) -> Result<(), String> {
        if !(MIN_WIDTH_PX..=MAX_WIDTH_PX).contains(&self.width_px) {
            return Err(format!(
                "width_px = {} is out of range: allowed {MIN_WIDTH_PX} to {MAX_WIDTH_PX}",
                self.width_px
            ));
        }
        if !(MIN_HEIGHT_PX..=MAX_HEIGHT_PX).contains(&self.height_px) {
            return Err(format!(
                "height_px = {} is out of range: allowed {MIN_HEIGHT_PX} to {MAX_HEIGHT_PX}",
                self.height_px
            ));
        }
        for (key, value) in [("x_px", self.x_px), ("y_px", self.y_px)] {
            if value.abs() > MAX_ABS_POSITION_PX {
                return Err(format!(
                    "{key} = {value} is out of range: allowed -{MAX_ABS_POSITION_PX} to \
                     {MAX_ABS_POSITION_PX}"
                ));
            }
        }
        Ok(())
    }
}

/// The state file for this user, or `None` when the system names no data directory.
pub fn state_file() -> Option<PathBuf> {
    let dir = match std::env::var_os(STATE_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::data_local_dir()?.join("callcue"),
    };
    Some(dir.join(STATE_FILE_NAME))
}

/// The remembered placement: `Ok(None)` when there is none yet, `Err(one line)` when the
/// file is there but cannot be used.
pub fn load(path: &Path) -> Result<Option<Placement>, String> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| format!(" (line {})", text[..span.start].lines().count().max(1)))
            .unwrap_or_default();
        format!("{}: {}{line}", path.display(), one_line(e.message()))
    })?;
    let placement: Placement = serde_path_to_error::deserialize(toml::Value::Table(table))
        .map_err(|e| {
            let key = e.path().to_string();
            let message = one_line(&e.into_inner().to_string());
            match key.as_str() {
                "" | "." => format!("{}: {message}", path.display()),
                _ => format!("{}: {key}: {message}", path.display()),
            }
        })?;
    placement
        .check()
        .map_err(|why| format!("{}: {why}", path.display()))?;
    Ok(Some(placement))
}

/// Loads the remembered placement, or says on standard error (one line) why the config's
/// is used instead.
pub fn load_or_warn(path: Option<&Path>) -> Option<Placement> {
    match load(path?) {
        Ok(placement) => placement,
        Err(why) => {
            crate::app::run_log::line(&format!("warning: overlay position not restored: {why}"));
            None
        }
    }
}

/// Writes the placement (through a temporary file, so a crash never leaves half a file).
pub fn save(path: &Path, placement: &Placement) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let body = toml::to_string(placement).map_err(io::Error::other)?;
    let text = format!(
        "# Where the callcue overlay was last dragged to, in logical pixels.\n\
         # Written by callcue; delete this file to go back to [overlay] in the config.\n{body}"
    );
    let tmp = path.with_extension("toml.tmp");
    fs::write(&tmp, text)?;
    fs::rename(&tmp, path)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: Placement = Placement {
        x_px: -1200,
        y_px: 30,
        width_px: 420,
        height_px: 110,
    };

    #[test]
    fn saves_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join(STATE_FILE_NAME);
        assert_eq!(load(&path), Ok(None));
        save(&path, &GOOD).unwrap();
        assert_eq!(load(&path), Ok(Some(GOOD)));
        assert!(!path.with_extension("toml.tmp").exists());
    }

    #[test]
    fn broken_files_give_one_line_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE_NAME);
        for (text, expected) in [
            ("x_px = 1\ny_px = \n", "line 2"),
            ("x_px = 1\ny_px = 2\nwidth_px = 300\n", "height_px"),
            (
                "x_px = 1\ny_px = 2\nwidth_px = 5\nheight_px = 90\n",
                "width_px = 5",
            ),
            (
                "x_px = 1\ny_px = 2\nwidth_px = -5\nheight_px = 90\n",
                "width_px",
            ),
            ("\u{0}\u{1}garbage", ""),
        ] {
            fs::write(&path, text).unwrap();
            let why = load(&path).unwrap_err();
            assert_eq!(why.lines().count(), 1, "{why:?}");
            assert!(why.contains(expected), "{why:?} lacks {expected:?}");
            assert!(why.contains(STATE_FILE_NAME), "{why:?}");
        }
    }

    #[test]
    fn config_placement() {
        let config = OverlayConfig::default();
        let placement = Placement::from_config(&config);
        assert_eq!(placement.width_px, config.width_px);
        assert!(placement.check().is_ok());
    }
}
