//! Live reload for `callcue run`: the thread "callcue-config-watch" watches the folders of
//! the config's layers (the machine file, the user file, `--config`/`$CALLCUE_CONFIG`) and,
//! when one of those files is saved, loads the layers again with the run's flags.
//!
//! - A valid change goes to the analysis thread ([`LiveControl::ConfigChanged`], with the
//!   keys that changed); it applies from the next call (at once when no call is on).
//! - An invalid one ([`LiveControl::ConfigError`], the one-line error naming file, key,
//!   value and what is allowed) is said once; the last good config stays. Saving the same
//!   broken file again says nothing new; fixing it applies the fix.
//!
//! Saves arrive as bursts of file events (editors write a temporary file and rename it):
//! the watcher waits until the folder has been quiet for [`SETTLE`] before reading.
//!
//! Limits: a folder that does not exist when callcue starts (no `~/.config/callcue` yet)
//! is not watched: a user file created there later applies at the next start. On network
//! file systems without change notifications, nothing is noticed.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{bounded, select, Receiver, Sender};
use notify::{RecursiveMode, Watcher};

use super::LiveControl;
use crate::config::{load_layered, Config, ConfigFiles, FlagSetting};

/// How long the config's folders must be quiet after a change before it is read.
pub const SETTLE: Duration = Duration::from_millis(150);
/// File events waiting for the watcher at most (more in one burst are dropped: one is
/// enough to know that something changed).
const EVENT_QUEUE_LEN: usize = 64;

/// The running watcher; stopped and joined on drop.
pub struct ConfigWatcher {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for ConfigWatcher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the watcher reads again: the same `--config` and flags the run started with.
pub struct ReloadSource {
    pub explicit: Option<PathBuf>,
    pub flags: Vec<FlagSetting>,
}

impl ReloadSource {
    /// The layered config as the files are now.
    fn load(&self) -> Result<Config, String> {
        let files = ConfigFiles::discover(self.explicit.as_deref());
        load_layered(&files, &self.flags)
            .map(|layered| layered.config)
            .map_err(|e| e.to_string())
    }

    /// Every file a layer could come from (existing or not).
    fn candidates(&self) -> Vec<PathBuf> {
        let files = ConfigFiles::discover(self.explicit.as_deref());
        let mut candidates: Vec<PathBuf> = [
            crate::config::machine_config_path(),
            crate::config::user_config_path(),
            files.explicit,
        ]
        .into_iter()
        .flatten()
        .collect();
        candidates.dedup();
        candidates
    }
}

/// Starts watching. `running` is the config the run started with; changes are sent on
/// `control`. Returns the folders watched (for the log).
pub fn watch(
    source: ReloadSource,
    running: Config,
    control: Sender<LiveControl>,
) -> std::io::Result<(ConfigWatcher, Vec<PathBuf>)> {
    let candidates = source.candidates();
    let (event_tx, event_rx) = bounded::<PathBuf>(EVENT_QUEUE_LEN);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            for path in event.paths {
                let _ = event_tx.try_send(path);
            }
        }
    })
    .map_err(std::io::Error::other)?;
    let mut folders: Vec<PathBuf> = candidates
        .iter()
        .filter_map(|file| file.parent().map(Path::to_path_buf))
        .filter(|folder| folder.is_dir())
        .collect();
    folders.sort();
    folders.dedup();
    folders.retain(|folder| watcher.watch(folder, RecursiveMode::NonRecursive).is_ok());
    let (stop_tx, stop_rx) = bounded::<()>(0);
    let thread = std::thread::Builder::new()
        .name("callcue-config-watch".into())
        .spawn(move || {
            // The watcher lives (and keeps delivering) as long as this thread.
            let _watcher = watcher;
            run(&source, &candidates, running, &event_rx, &stop_rx, &control);
        })?;
    Ok((
        ConfigWatcher {
            stop: Some(stop_tx),
            thread: Some(thread),
        },
        folders,
    ))
}

fn run(
    source: &ReloadSource,
    candidates: &[PathBuf],
    mut last_good: Config,
    events: &Receiver<PathBuf>,
    stop: &Receiver<()>,
    control: &Sender<LiveControl>,
) {
    let mut last_error: Option<String> = None;
    loop {
        select! {
            recv(stop) -> _ => return,
            recv(events) -> path => {
                let Ok(path) = path else { return };
                if !is_candidate(&path, candidates) {
                    continue;
                }
            }
        }
        // Let the burst settle.
        loop {
            select! {
                recv(stop) -> _ => return,
                recv(events) -> _ => continue,
                default(SETTLE) => break,
            }
        }
        match source.load() {
            Ok(config) => {
                last_error = None;
                let keys = last_good.changed_keys(&config);
                if !keys.is_empty() {
                    last_good = config.clone();
                    let _ = control.send(LiveControl::ConfigChanged {
                        config: Box::new(config),
                        keys,
                    });
                }
            }
            Err(message) => {
                if last_error.as_deref() != Some(message.as_str()) {
                    last_error = Some(message.clone());
                    let _ = control.send(LiveControl::ConfigError(message));
                }
            }
        }
    }
}

/// Whether a changed path is one of the config files (compared by name within the same
/// folder, so a rename into place counts).
fn is_candidate(path: &Path, candidates: &[PathBuf]) -> bool {
    candidates.iter().any(|candidate| {
        candidate == path
            || (candidate.file_name() == path.file_name()
                && candidate.parent().and_then(|p| p.canonicalize().ok())
                    == path.parent().and_then(|p| p.canonicalize().ok()))
    })
}

/// The sections `callcue run` sets up once at start (devices, rings, frame size, call
/// finding, the leak gate, the window, the stream, the model, saved transcripts, the
/// voice profile): a change there waits for a restart.
pub const RESTART_ONLY: &[&str] = &[
    "capture.",
    "calls.",
    "bleed.",
    "vad.frame_ms",
    "overlay.",
    "stream.",
    "stt.enabled",
    "stt.model",
    "stt.model_path",
    "stt.threads",
    "privacy.save_transcripts",
    "privacy.transcripts_dir",
    "agent_profile.",
    "fleet.",
];

/// Whether a key waits for a restart.
pub fn needs_restart(key: &str) -> bool {
    RESTART_ONLY
        .iter()
        .any(|prefix| key == *prefix || (prefix.ends_with('.') && key.starts_with(prefix)))
}

/// `new` with the restart-only settings of `running` kept, and which changed keys wait
/// for a restart.
pub fn applicable(running: &Config, new: Config, keys: &[String]) -> (Config, Vec<String>) {
    let next = new.with_keys_from(running, needs_restart);
    let waiting = keys.iter().filter(|k| needs_restart(k)).cloned().collect();
    (next, waiting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_only_keys_are_kept_and_named() {
        let running = Config::default();
        let mut new = Config::default();
        new.capture.ring_ms = 4000;
        new.vad.frame_ms = 30;
        new.overlay.opacity = 0.5;
        new.nudges.pause.enabled = false;
        new.turns.dead_air_ms = 9000;
        new.fleet.agent_id = "agent-7".into();
        let keys = running.changed_keys(&new);
        let (next, waiting) = applicable(&running, new, &keys);
        assert_eq!(next.capture, running.capture);
        assert_eq!(next.vad.frame_ms, running.vad.frame_ms);
        assert_eq!(next.overlay, running.overlay);
        assert!(!next.nudges.pause.enabled);
        assert_eq!(next.turns.dead_air_ms, 9000);
        assert_eq!(
            waiting,
            [
                "capture.ring_ms",
                "fleet.agent_id",
                "overlay.opacity",
                "vad.frame_ms"
            ]
        );
        // Every key that waits is one `applicable` keeps: nothing else is held back.
        let after = running.changed_keys(&next);
        assert!(after.iter().all(|k| !needs_restart(k)), "{after:?}");
    }

    #[test]
    fn a_save_and_a_rename_into_place_count() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("callcue.toml");
        let candidates = vec![file.clone()];
        assert!(is_candidate(&file, &candidates));
        assert!(!is_candidate(
            &dir.path().join("callcue.toml.swp"),
            &candidates
        ));
        assert!(!is_candidate(
            Path::new("/elsewhere/callcue.toml"),
            &candidates
        ));
    }
}
