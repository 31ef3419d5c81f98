//! Saving a call's transcripts to disk, only when the config asks for it
//! (`privacy.save_transcripts`). Transcripts otherwise live in memory for the call.
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

/// The directory transcripts are saved in: `privacy.transcripts_dir`, or the user's data
/// directory's `callcue/transcripts`.
pub fn transcripts_dir(privacy: &PrivacyConfig) -> PathBuf {
    if !privacy.transcripts_dir.trim().is_empty() {
        return PathBuf::from(privacy.transcripts_dir.trim());
    }
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("callcue")
        .join("transcripts")
}

/// Passes events on to `inner` and writes final transcripts to a file.
pub struct TranscriptLog<'a> {
    inner: &'a mut dyn EventSink,
    file: BufWriter<File>,
    path: PathBuf,
    error: Option<io::Error>,
}

impl<'a> TranscriptLog<'a> {
    /// Creates `dir` if needed and a new file in it named after the call's start time.
    pub fn create(dir: &Path, inner: &'a mut dyn EventSink) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let started_s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut path = dir.join(format!("call-{started_s}.txt"));
        let mut n = 1;
        while path.exists() {
            path = dir.join(format!("call-{started_s}-{n}.txt"));
            n += 1;
        }
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(Self {
            inner,
            file: BufWriter::new(file),
            path,
            error: None,
        })
    }

    /// Where the transcripts go.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the file; returns the first write error, if any.
    pub fn finish(mut self) -> io::Result<PathBuf> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.file.flush()?;
        Ok(self.path)
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
            if self.error.is_none() {
                if let Err(e) = writeln!(
                    self.file,
                    "{} {}: {text}",
                    clock(*start_ms).trim(),
                    speaker.as_str()
                ) {
                    self.error = Some(e);
                }
            }
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
        let saved = std::fs::read_to_string(path).unwrap();
        assert_eq!(saved, "0:03.0 caller: my card is **** **** **** 1234\n");
    }
}
