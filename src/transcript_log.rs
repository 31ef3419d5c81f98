//! Saving a call's transcripts to disk, only when the config asks for it
//! (`privacy.save_transcripts`), in replays and live. Transcripts otherwise live in memory
//! for the call. Files are this user's only (0600 in a 0700 folder on Unix).
//!
//! [`TranscriptLog`] is an [`EventSink`] that passes every event on and writes each final
//! transcript as a line `m:ss.s agent: text` to one file per call. The text is the
//! transcript as the analysis saw it: card-like digit runs are already masked when
//! `privacy.mask_numbers` is on (the default).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::PrivacyConfig;
use crate::event::{Event, EventSink};
use crate::output::clock;
use crate::private_file::{create_private_file, ensure_private_dir};

/// The directory transcripts are saved in: `privacy.transcripts_dir`, or the user's
/// local data directory's `callcue/transcripts` (never a roaming profile on Windows).
pub fn transcripts_dir(privacy: &PrivacyConfig) -> PathBuf {
    if !privacy.transcripts_dir.trim().is_empty() {
        return PathBuf::from(privacy.transcripts_dir.trim());
    }
    dirs::data_local_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("callcue")
        .join("transcripts")
}

/// One call's transcript file: a new file readable by this user only (0600, in a 0700
/// folder on Unix), one line `m:ss.s speaker: text` per final transcript.
pub struct TranscriptFile {
    file: BufWriter<File>,
    path: PathBuf,
    error: Option<io::Error>,
}

impl TranscriptFile {
    /// Creates `dir` if needed (private) and a new file in it named after the call's start
    /// time.
    pub fn create(dir: &Path) -> io::Result<Self> {
        ensure_private_dir(dir)?;
        let started_s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut path = dir.join(format!("call-{started_s}.txt"));
        let mut n = 1;
        while path.exists() {
            path = dir.join(format!("call-{started_s}-{n}.txt"));
            n += 1;
        }
        let file = create_private_file(&path)?;
        Ok(Self {
            file: BufWriter::new(file),
            path,
            error: None,
        })
    }

    /// Where the transcripts go.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds one final transcript; the first write error is kept for [`Self::finish`].
    pub fn write(&mut self, speaker: &str, start_ms: u64, text: &str) {
        if self.error.is_none() {
            if let Err(e) = writeln!(self.file, "{} {speaker}: {text}", clock(start_ms).trim()) {
                self.error = Some(e);
            }
        }
    }

    /// Flushes the file to disk; returns the first write error, if any (a full disk).
    pub fn finish(mut self) -> io::Result<PathBuf> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.file.flush()?;
        self.file.get_ref().sync_all()?;
        Ok(self.path)
    }
}

/// Passes events on to `inner` and writes final transcripts to a [`TranscriptFile`].
pub struct TranscriptLog<'a> {
    inner: &'a mut dyn EventSink,
    file: TranscriptFile,
}

impl<'a> TranscriptLog<'a> {
    /// Creates `dir` if needed and a new file in it named after the call's start time.
    pub fn create(dir: &Path, inner: &'a mut dyn EventSink) -> io::Result<Self> {
        Ok(Self {
            inner,
            file: TranscriptFile::create(dir)?,
        })
    }

    /// Where the transcripts go.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Flushes the file; returns the first write error, if any.
    pub fn finish(self) -> io::Result<PathBuf> {
        self.file.finish()
    }
}

impl EventSink for TranscriptLog<'_> {
    fn emit(&mut self, event: &Event<'_>) {
        if let Event::Transcript {
            speaker,
            start_ms,
            text,
            is_final: true,
            ..
        } = event
        {
            self.file.write(speaker.as_str(), *start_ms, text);
        }
        self.inner.emit(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Speaker;

    #[test]
    fn final_transcripts_are_written_and_everything_passes_through() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = 0;
        let mut count = |_: &Event<'_>| seen += 1;
        let mut log = TranscriptLog::create(dir.path(), &mut count).unwrap();
        for (text, is_final) in [
            ("my card is", false),
            ("my card is **** **** **** 1234", true),
        ] {
            log.emit(&Event::Transcript {
                t_ms: 5000,
                speaker: Speaker::Caller,
                start_ms: 3000,
                end_ms: 4800,
                speech_end_ms: 4600,
                text,
                is_final,
                latency_ms: 120.0,
            });
        }
        let path = log.finish().unwrap();
        assert_eq!(seen, 2);
        let saved = std::fs::read_to_string(&path).unwrap();
        assert_eq!(saved, "0:03.0 caller: my card is **** **** **** 1234\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(dir.path()), 0o700);
        }
    }
}
