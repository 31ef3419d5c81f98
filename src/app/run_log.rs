//! The log of `callcue run`: every line timestamped (UTC, milliseconds), on standard error
//! and in a daily file in the platform's log folder, kept for [`KEEP_DAYS`] days.
//!
//! Threads hand lines to the thread "callcue-log" through a bounded queue and never wait:
//! the analysis thread logs device changes and config reloads, and a slow disk must not
//! hold up the next frame. A line that does not fit is dropped and counted (said when the
//! log closes). The capture callback never logs.
//!
//! Folders: `$CALLCUE_LOG_DIR`, else `~/.local/state/callcue/logs` (Linux),
//! `%LOCALAPPDATA%\callcue\logs` (Windows), `~/Library/Logs/callcue` (macOS). Files are
//! `callcue-YYYY-MM-DD.log` (UTC date), 0600 on Unix in a folder only this user can read.
//! No transcript text is ever logged.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};

/// Days of log files kept.
pub const KEEP_DAYS: u64 = 14;
/// Lines waiting for the log thread at most.
const QUEUE_LEN: usize = 1024;
/// Names another log folder.
pub const LOG_DIR_VAR: &str = "CALLCUE_LOG_DIR";

struct Line {
    at: SystemTime,
    text: String,
}

static QUEUE: OnceLock<Mutex<Option<Sender<Line>>>> = OnceLock::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The running log; closes (the queue drained, the file flushed) when dropped.
pub struct RunLog {
    thread: Option<JoinHandle<()>>,
}

impl Drop for RunLog {
    fn drop(&mut self) {
        let dropped = DROPPED.load(Ordering::Relaxed);
        if dropped > 0 {
            line(&format!(
                "{dropped} log line(s) were dropped: the log could not keep up"
            ));
        }
        if let Some(queue) = QUEUE.get() {
            queue.lock().unwrap_or_else(|e| e.into_inner()).take();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The platform's log folder for callcue.
pub fn log_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(LOG_DIR_VAR).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if cfg!(target_os = "macos") {
        dirs::home_dir().map(|home| home.join("Library/Logs/callcue"))
    } else if cfg!(windows) {
        dirs::data_local_dir().map(|dir| dir.join("callcue").join("logs"))
    } else {
        dirs::state_dir()
            .or_else(|| dirs::home_dir().map(|home| home.join(".local/state")))
            .map(|dir| dir.join("callcue").join("logs"))
    }
}

/// Starts the log thread. Lines go to standard error always, and to today's file in
/// `dir` when it can be opened (else one line says why, and the run goes on).
pub fn start(dir: Option<PathBuf>) -> std::io::Result<RunLog> {
    let (tx, rx) = bounded::<Line>(QUEUE_LEN);
    let (file, problem) = match dir.as_deref().map(prepare_dir) {
        Some(Ok(dir)) => (Some(dir), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, Some("no log folder on this system".to_string())),
    };
    *QUEUE
        .get_or_init(|| Mutex::new(None))
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(tx);
    let folder = file.clone();
    let thread = std::thread::Builder::new()
        .name("callcue-log".into())
        .spawn(move || write_lines(&rx, folder.as_deref()))?;
    let today = folder_file(file.as_deref(), SystemTime::now());
    match (&today, problem) {
        (Some(path), _) => line(&format!("logging to {}", path.display())),
        (None, Some(why)) => line(&format!(
            "no log file ({why}): logging to standard error only"
        )),
        (None, None) => {}
    }
    Ok(RunLog {
        thread: Some(thread),
    })
}

/// Logs one line (never waits). Without a running log (commands other than `run`, or
/// after it closed) the line goes straight to standard error, as `callcue: ...`.
pub fn line(text: &str) {
    let line = Line {
        at: SystemTime::now(),
        text: text.to_string(),
    };
    let queue = QUEUE
        .get()
        .and_then(|q| q.lock().ok().and_then(|q| q.clone()));
    match queue {
        Some(queue) => match queue.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(line)) => eprintln!("callcue: {}", line.text),
        },
        None => eprintln!("callcue: {}", line.text),
    }
}

fn render(line: &Line) -> String {
    format!("{} callcue: {}", timestamp(line.at), line.text)
}

fn write_lines(lines: &Receiver<Line>, folder: Option<&Path>) {
    let mut open: Option<(PathBuf, File)> = None;
    for line in lines {
        let text = render(&line);
        eprintln!("{text}");
        let Some(path) = folder_file(folder, line.at) else {
            continue;
        };
        if open.as_ref().is_none_or(|(current, _)| *current != path) {
            open = open_log_file(&path).ok().map(|file| (path.clone(), file));
            if let Some(folder) = folder {
                remove_old_files(folder, line.at);
            }
        }
        if let Some((_, file)) = open.as_mut() {
            let _ = writeln!(file, "{text}");
        }
    }
    if let Some((_, mut file)) = open {
        let _ = file.flush();
    }
}

/// The UTC date of `at`: (year, month, day).
pub fn utc_date(at: SystemTime) -> (i64, u32, u32) {
    civil_date(unix_seconds(at) / 86_400)
}

/// `callcue-YYYY-MM-DD.log` for the UTC day of `at`, in `folder`.
fn folder_file(folder: Option<&Path>, at: SystemTime) -> Option<PathBuf> {
    let (year, month, day) = utc_date(at);
    folder.map(|f| f.join(format!("callcue-{year:04}-{month:02}-{day:02}.log")))
}

/// Makes `dir` a private folder (created 0700, or checked to be this user's); the reason
/// in one line if it cannot be.
pub fn prepare_dir(dir: &Path) -> Result<PathBuf, String> {
    callcue::private_file::ensure_private_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir.to_path_buf())
}

/// Opens `path` for appending, created 0600 on Unix.
pub fn open_log_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Removes this log's files older than [`KEEP_DAYS`].
fn remove_old_files(folder: &Path, now: SystemTime) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let today = unix_seconds(now) / 86_400;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(day) = name.to_str().and_then(day_of_file_name) else {
            continue;
        };
        if today.saturating_sub(day) >= KEEP_DAYS {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The day number (days since 1970-01-01) a `callcue-YYYY-MM-DD.log` name is for.
fn day_of_file_name(name: &str) -> Option<u64> {
    let date = name.strip_prefix("callcue-")?.strip_suffix(".log")?;
    let mut parts = date.split('-').map(str::parse::<i64>);
    let (year, month, day) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    u64::try_from(days_from_civil(year, month, day)).ok()
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let seconds = since.as_secs();
    let (year, month, day) = civil_date(seconds / 86_400);
    let in_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of day number `days` (days since 1970-01-01).
fn civil_date(days: u64) -> (i64, u32, u32) {
    // Days are counted from 0000-03-01 in 400-year eras, so leap days end each year.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number of a proleptic Gregorian date (the inverse of [`civil_date`]).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_millis(millis)
    }

    #[test]
    fn timestamps_are_utc_to_the_millisecond() {
        assert_eq!(timestamp(at(0, 0)), "1970-01-01T00:00:00.000Z");
        // 2024-02-29 (a leap day) 13:45:07.089 UTC.
        assert_eq!(timestamp(at(1_709_214_307, 89)), "2024-02-29T13:45:07.089Z");
        assert_eq!(timestamp(at(1_764_547_200, 0)), "2025-12-01T00:00:00.000Z");
        assert_eq!(
            timestamp(at(4_102_444_799, 999)),
            "2099-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn dates_round_trip_and_file_names_are_read_back() {
        for days in (0..60_000).step_by(7) {
            let (y, m, d) = civil_date(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days as i64);
        }
        assert_eq!(day_of_file_name("callcue-1970-01-02.log"), Some(1));
        assert_eq!(day_of_file_name("callcue-2024-13-01.log"), None);
        assert_eq!(day_of_file_name("other-2024-01-01.log"), None);
        assert_eq!(day_of_file_name("callcue-2024-01-01.log.bak"), None);
    }

    #[test]
    fn old_files_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let now = at(86_400 * 20_000, 0);
        let today = civil_date(20_000);
        let name = |(y, m, d): (i64, u32, u32)| format!("callcue-{y:04}-{m:02}-{d:02}.log");
        let old = name(civil_date(20_000 - KEEP_DAYS));
        let recent = name(civil_date(20_000 - KEEP_DAYS + 1));
        for file in [&old, &recent, &name(today), &"notes.txt".to_string()] {
            std::fs::write(dir.path().join(file), "x").unwrap();
        }
        remove_old_files(dir.path(), now);
        assert!(!dir.path().join(&old).exists());
        for kept in [&recent, &name(today), &"notes.txt".to_string()] {
            assert!(dir.path().join(kept).exists(), "{kept}");
        }
    }
}
