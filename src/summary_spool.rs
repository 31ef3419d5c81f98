//! The daily summaries files as a queue for the collector (`fleet.otlp_endpoint`): what
//! has been sent is one cursor, the file and byte offset up to which the collector took
//! every line, kept in `otlp-sent.json` beside the files. Summaries that wait (the
//! collector is down, callcue was closed) are simply the lines after the cursor, so
//! nothing is lost while the collector cannot be reached, across restarts too, and
//! nothing is stored twice.
//!
//! The cursor only moves after the collector said yes and is replaced atomically (a
//! new file renamed over the old): a crash between the two sends those lines again,
//! never skips them. Each record carries its `call_id` for a collector that removes
//! duplicates.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fleet::daily_file;

/// The cursor's file in the summaries folder.
pub const CURSOR_FILE: &str = "otlp-sent.json";

/// Where sending has got to: every line of every earlier file, and of `file` up to
/// byte `offset`, was taken by the collector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// A daily file's name (`summaries-YYYY-MM-DD.jsonl`); "" before anything was sent.
    pub file: String,
    pub offset: u64,
}

/// The next lines to send, and where the cursor goes once the collector took them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub lines: Vec<String>,
    pub next: Cursor,
}

/// What waits in the folder `dir`.
#[derive(Clone, Debug)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn cursor_path(&self) -> PathBuf {
        self.dir.join(CURSOR_FILE)
    }

    /// The cursor, or the start when there is none yet. A damaged cursor file is an
    /// error (sending from the start would send every kept summary again).
    pub fn cursor(&self) -> Result<Cursor, String> {
        let path = self.cursor_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}: not a cursor ({e}); delete it to send from the start",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Cursor::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Moves the cursor to `next` (after the collector took a batch).
    pub fn commit(&self, next: &Cursor) -> std::io::Result<()> {
        let path = self.cursor_path();
        let partial = self.dir.join(format!("{CURSOR_FILE}.partial"));
        let text = serde_json::to_string(next).map_err(std::io::Error::other)?;
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, &path)
    }

    /// Up to `max_lines` whole lines after `from`, from the daily files of `oldest_day`
    /// (UTC) on: older files are no longer sent (`fleet.otlp_backlog_days`). `None` when
    /// everything written has been sent. A line still being written (no newline yet) waits
    /// for the next look.
    pub fn pending(
        &self,
        from: &Cursor,
        oldest_day: (i64, u32, u32),
        max_lines: usize,
    ) -> std::io::Result<Option<Batch>> {
        let oldest = file_name(&daily_file(&self.dir, oldest_day));
        let mut files = self.daily_files()?;
        files.retain(|name| *name >= from.file && *name >= oldest);
        for name in files {
            let start = if name == from.file { from.offset } else { 0 };
            let (lines, end) = read_whole_lines(&self.dir.join(&name), start, max_lines)?;
            if !lines.is_empty() {
                let next = Cursor {
                    file: name,
                    offset: end,
                };
                return Ok(Some(Batch { lines, next }));
            }
        }
        Ok(None)
    }

    /// How many lines wait after `from` (for the log; reads the waiting files).
    pub fn waiting(&self, from: &Cursor, oldest_day: (i64, u32, u32)) -> usize {
        let mut cursor = from.clone();
        let mut count = 0;
        while let Ok(Some(batch)) = self.pending(&cursor, oldest_day, 1000) {
            count += batch.lines.len();
            cursor = batch.next;
        }
        count
    }

    /// The daily files' names, oldest first (the names sort by date).
    fn daily_files(&self) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.starts_with("summaries-") && name.ends_with(".jsonl") {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The whole lines of `path` from byte `start` (at most `max_lines`, blank ones skipped)
/// and the offset just after the last one taken. A file shorter than `start` was
/// replaced: it is read from its beginning (sent again rather than skipped).
fn read_whole_lines(
    path: &Path,
    start: u64,
    max_lines: usize,
) -> std::io::Result<(Vec<String>, u64)> {
    let mut file = std::fs::File::open(path)?;
    let length = file.metadata()?.len();
    let start = if start > length { 0 } else { start };
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let mut lines = Vec::new();
    let mut taken = 0usize;
    while lines.len() < max_lines {
        let Some(newline) = bytes[taken..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let line = String::from_utf8_lossy(&bytes[taken..taken + newline]);
        taken += newline + 1;
        if !line.trim().is_empty() {
            lines.push(line.into_owned());
        }
    }
    Ok((lines, start + taken as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, day: u32, text: &str) {
        std::fs::write(daily_file(dir, (2026, 12, day)), text).unwrap();
    }

    #[test]
    fn sends_every_line_once_in_order_across_files_and_restarts() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 1, "a\nb\n");
        write(dir.path(), 2, "c\n\nd\ne-partial");
        std::fs::write(dir.path().join("notes.txt"), "not a summary\n").unwrap();
        let spool = Spool::new(dir.path());
        let oldest = (2026, 11, 25);

        let mut sent = Vec::new();
        let mut cursor = spool.cursor().unwrap();
        assert_eq!(spool.waiting(&cursor, oldest), 4);
        while let Some(batch) = spool.pending(&cursor, oldest, 3).unwrap() {
            sent.extend(batch.lines.clone());
            spool.commit(&batch.next).unwrap();
            // What a restarted callcue reads back.
            cursor = Spool::new(dir.path()).cursor().unwrap();
            assert_eq!(cursor, batch.next);
        }
        assert_eq!(sent, ["a", "b", "c", "d"], "the unfinished line waits");

        // The line is finished and a new day begins: only the new lines go.
        write(dir.path(), 2, "c\n\nd\ne-partial\n");
        write(dir.path(), 3, "f\n");
        let batch = spool.pending(&cursor, oldest, 10).unwrap().unwrap();
        assert_eq!(batch.lines, ["e-partial"]);
        let batch = spool.pending(&batch.next, oldest, 10).unwrap().unwrap();
        assert_eq!(batch.lines, ["f"]);
        assert_eq!(spool.pending(&batch.next, oldest, 10).unwrap(), None);
    }

    #[test]
    fn files_older_than_the_backlog_are_not_sent_and_a_damaged_cursor_is_said() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 1, "old\n");
        write(dir.path(), 9, "new\n");
        let spool = Spool::new(dir.path());
        let batch = spool
            .pending(&Cursor::default(), (2026, 12, 2), 10)
            .unwrap()
            .unwrap();
        assert_eq!(batch.lines, ["new"]);

        std::fs::write(dir.path().join(CURSOR_FILE), "{broken").unwrap();
        let err = spool.cursor().unwrap_err();
        assert!(
            err.contains(CURSOR_FILE) && err.contains("delete it"),
            "{err}"
        );
    }

    #[test]
    fn a_file_replaced_by_a_shorter_one_is_read_again_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), 1, "x\n");
        let spool = Spool::new(dir.path());
        let cursor = Cursor {
            file: "summaries-2026-12-01.jsonl".into(),
            offset: 500,
        };
        let batch = spool.pending(&cursor, (2026, 11, 1), 10).unwrap().unwrap();
        assert_eq!(batch.lines, ["x"]);
        assert_eq!(batch.next.offset, 2);
    }
}
