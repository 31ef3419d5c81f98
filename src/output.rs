//! Writers for the event stream: `jsonl` (one JSON object per line, the contract other
//! tools read, see `docs/events.md`) and `text` (a timeline a supervisor reads).
//!
//! Both are [`EventSink`]s. A write error (a closed pipe, a full disk) is kept and
//! reported by [`EventWriter::finish`]; later events are not attempted.

use std::io::{self, Write};

use crate::event::{Event, EventSink};

/// Output format of the event stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A human-readable timeline.
    Text,
    /// One JSON object per line.
    Jsonl,
}

/// Writes events to `out` in a [`Format`].
pub struct EventWriter<W: Write> {
    out: W,
    format: Format,
    /// Text only: also show speech segments and response gaps.
    verbose: bool,
    error: Option<io::Error>,
}

impl<W: Write> EventWriter<W> {
    pub fn new(out: W, format: Format, verbose: bool) -> Self {
        Self {
            out,
            format,
            verbose,
            error: None,
        }
    }

    /// Flushes and returns the writer, or the first write error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, event)?;
                self.out.write_all(b"\n")
            }
            Format::Text => match text_line(event, self.verbose) {
                Some(line) => writeln!(self.out, "{line}"),
                None => Ok(()),
            },
        }
    }
}

impl<W: Write> EventSink for EventWriter<W> {
    fn emit(&mut self, event: &Event<'_>) {
        if self.error.is_none() {
            if let Err(error) = self.write(event) {
                self.error = Some(error);
            }
        }
    }
}

/// A live event as the stream carries it: the event's own fields plus `unix_ms`, the
/// wall-clock time it was emitted (ms since the Unix epoch).
#[derive(serde::Serialize)]
struct Stamped<'e, 'a> {
    #[serde(flatten)]
    event: &'e Event<'a>,
    unix_ms: u64,
}

/// One live event as a JSON line (no newline), `unix_ms` included.
pub fn live_json_line(event: &Event<'_>, unix_ms: u64) -> String {
    serde_json::to_string(&Stamped { event, unix_ms }).unwrap_or_else(|e| {
        format!("{{\"type\":\"notice\",\"message\":\"unserializable event: {e}\"}}")
    })
}

/// One event as a line of the text timeline, time included (no newline); `None` for
/// detail events when not `verbose`.
pub fn text_line(event: &Event<'_>, verbose: bool) -> Option<String> {
    let detail = matches!(
        event,
        Event::Speech { .. }
            | Event::ResponseGap { .. }
            | Event::NudgeDrawn { .. }
            | Event::Transcript {
                is_final: false,
                ..
            }
    );
    if detail && !verbose {
        return None;
    }
    Some(format!("{}  {}", clock(event.t_ms()), TextLine(event)))
}

/// `m:ss.s` of a call position.
pub fn clock(t_ms: u64) -> String {
    format!(
        "{:>3}:{:04.1}",
        t_ms / 60_000,
        (t_ms % 60_000) as f64 / 1000.0
    )
}

/// One event as a line of the text timeline (without the time).
struct TextLine<'e, 'a>(&'e Event<'a>);

impl std::fmt::Display for TextLine<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Event::Nudge { nudge, text, phrase, reason, latency_ms, .. } => {
                write!(f, ">> NUDGE {:<13} \"{text}\"", nudge.as_str())?;
                if !phrase.is_empty() {
                    write!(f, " e.g. \"{phrase}\"")?;
                }
                write!(f, "  ({reason}; {latency_ms:.2} ms)")
            }
            Event::NudgeSuppressed { nudge, because, .. } => {
                write!(f, "   held back {} ({})", nudge.as_str(), because.as_str())
            }
            Event::NudgeDrawn { nudge, delay_ms, .. } => {
                write!(f, "   on screen {} ({delay_ms:.0} ms after the decision)", nudge.as_str())
            }
            Event::NudgeDropped { nudge, because, .. } => {
                write!(f, "   never on screen {} ({})", nudge.as_str(), because.as_str())
            }
            Event::Speech { speaker, start_ms, end_ms, loudness_dbfs, pitch_hz, .. } => {
                write!(f, "   {:<6} spoke {} to {} ({loudness_dbfs:.0} dBFS", speaker.as_str(), clock(*start_ms).trim(), clock(*end_ms).trim())?;
                match pitch_hz {
                    Some(hz) => write!(f, ", {hz:.0} Hz)"),
                    None => write!(f, ")"),
                }
            }
            Event::Baseline { speaker, pitch_hz, pitch_variability_semitones, loudness_dbfs, syllables_per_s, .. } => write!(
                f,
                "   {} baseline: {pitch_hz:.0} Hz, spread {pitch_variability_semitones:.1} st, {loudness_dbfs:.0} dBFS, {syllables_per_s:.1} syllables/s",
                speaker.as_str()
            ),
            Event::Interruption { by, overlap_ms, start_ms, .. } => write!(
                f,
                "   {} cut in at {} ({overlap_ms} ms of overlap)",
                by.as_str(),
                clock(*start_ms).trim()
            ),
            Event::Backchannel { speaker, start_ms, end_ms, .. } => write!(
                f,
                "   {} backchannel ({} ms)",
                speaker.as_str(),
                end_ms - start_ms
            ),
            Event::ResponseGap { speaker, gap_ms, .. } => {
                write!(f, "   {} answered after {gap_ms} ms", speaker.as_str())
            }
            Event::DeadAir { start_ms, .. } => {
                write!(f, "   dead air since {}", clock(*start_ms).trim())
            }
            Event::Monologue { start_ms, .. } => {
                write!(f, "   agent monologue since {}", clock(*start_ms).trim())
            }
            Event::Frustration { change, score, tension_db, pitch_rise_semitones, loudness_rise_db, roughness_rise, .. } => write!(
                f,
                "   caller frustration {} (score {score:.2}: voice tension {tension_db:+.1} dB from loudness {loudness_rise_db:+.1} dB, pitch {pitch_rise_semitones:+.1} st, roughness {roughness_rise:+.1})",
                change_word(*change)
            ),
            Event::PaceFast { change, syllables_per_s, baseline_syllables_per_s, .. } => write!(
                f,
                "   agent pace fast {} ({syllables_per_s:.1} syllables/s, baseline {baseline_syllables_per_s:.1})",
                change_word(*change)
            ),
            Event::EnergyFlat { change, pitch_variability_semitones, baseline_pitch_variability_semitones, loudness_dbfs, baseline_loudness_dbfs, .. } => write!(
                f,
                "   agent delivery flat {} (spread {pitch_variability_semitones:.1} st vs {baseline_pitch_variability_semitones:.1}, {loudness_dbfs:.0} vs {baseline_loudness_dbfs:.0} dBFS)",
                change_word(*change)
            ),
            Event::Transcript { speaker, text, is_final, latency_ms, .. } => write!(
                f,
                "   {:<6} {} \"{text}\"  (transcribed in {latency_ms:.0} ms)",
                speaker.as_str(),
                if *is_final { "said" } else { "saying" }
            ),
            Event::Phrase { speaker, cue, phrase, negated, .. } => write!(
                f,
                "   {} {}: \"{phrase}\"{}",
                speaker.as_str(),
                cue_words(*cue),
                if *negated { " (negated, no effect)" } else { "" }
            ),
            Event::Notice { message, .. } => write!(f, "   note: {message}"),
            Event::Call { change, call_id, by, capture, .. } => {
                let by = match by {
                    crate::event::CallMarkedBy::Hook => "softphone",
                    crate::event::CallMarkedBy::Audio => "audio",
                    crate::event::CallMarkedBy::Shutdown => "shutdown",
                };
                match change {
                    crate::event::Change::Start => write!(f, "== call {call_id} started (marked by the {by})"),
                    crate::event::Change::End => {
                        write!(f, "== call {call_id} ended (marked by the {by})")?;
                        if let Some(c) = capture {
                            write!(f, "; capture to voice activity {:.0} ms median, {:.0} ms p95; frames lost: agent {}, caller {}", c.capture_to_vad_median_ms, c.capture_to_vad_p95_ms, c.agent_frames_dropped, c.caller_frames_dropped)?;
                        }
                        Ok(())
                    }
                }
            }
            Event::Summary(s) => {
                writeln!(f, "   end of call ({:.0} s)", s.duration_ms as f64 / 1000.0)?;
                writeln!(f, "      talk: agent {:.0}% ({:.0} s), caller {:.0} s", s.agent_talk_ratio * 100.0, s.agent_talk_ms as f64 / 1000.0, s.caller_talk_ms as f64 / 1000.0)?;
                writeln!(f, "      interruptions: by agent {}, by caller {}; backchannels: agent {}, caller {}", s.interruptions_by_agent, s.interruptions_by_caller, s.agent_backchannels, s.caller_backchannels)?;
                if let Some(gap) = s.agent_response_gap_median_ms {
                    writeln!(f, "      agent response gap (median): {gap} ms")?;
                }
                writeln!(f, "      longest agent monologue: {:.1} s; dead air: {:.1} s in {} spell(s)", s.longest_monologue_ms as f64 / 1000.0, s.dead_air_ms as f64 / 1000.0, s.dead_air_spells)?;
                let peaks: Vec<String> = s.frustration_peaks.iter().map(|p| format!("{:.2} at {}", p.score, clock(p.t_ms).trim())).collect();
                writeln!(f, "      caller frustration peaks: {}", if peaks.is_empty() { "none".to_string() } else { peaks.join(", ") })?;
                let nudges: Vec<String> = s.nudges.iter().map(|n| format!("{} x{}", n.nudge.as_str(), n.count)).collect();
                write!(f, "      nudges: {} ({}), {} held back", s.nudges_total, if nudges.is_empty() { "none".to_string() } else { nudges.join(", ") }, s.nudges_suppressed)?;
                if let Some(stt) = &s.speech_to_text {
                    write!(f, "\n      speech-to-text: {} clips, {} transcripts", stt.clips_submitted, stt.transcripts)?;
                    if let (Some(mean), Some(max)) = (stt.decode_ms_mean, stt.decode_ms_max) {
                        write!(f, ", decode {mean} ms mean / {max} ms max")?;
                    }
                    write!(
                        f,
                        "; shed: {} superseded, {} dropped, {} aborted; filtered: {} silence/noise, {} artefacts",
                        stt.partials_superseded, stt.clips_dropped, stt.decodes_aborted,
                        stt.filtered_no_speech, stt.filtered_artefacts
                    )?;
                    if stt.load_step_deepest != crate::stt::LoadStep::Full {
                        write!(
                            f,
                            "\n      busy PC: stepped down to {}; {} partials held back, {} clips skipped, {}-{} threads",
                            stt.load_step_deepest.name(),
                            stt.partials_held_back, stt.clips_skipped_busy, stt.decode_threads_min, stt.decode_threads_max
                        )?;
                    }
                }
                Ok(())
            }
        }
    }
}

fn cue_words(cue: crate::event::WordCue) -> &'static str {
    use crate::event::WordCue;
    match cue {
        WordCue::Frustration => "said something frustrated",
        WordCue::Loss => "mentioned a loss",
        WordCue::Positive => "said something warm",
        WordCue::Acknowledgement => "acknowledged",
        WordCue::Blocking => "used blocking language",
        WordCue::BareApology => "apologised without saying what for",
        WordCue::Name => "gave their name",
        WordCue::NameUsed => "used the caller's name",
    }
}

fn change_word(change: crate::event::Change) -> &'static str {
    match change {
        crate::event::Change::Start => "began",
        crate::event::Change::End => "eased",
    }
}
