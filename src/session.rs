//! One call through the analyzer and speech-to-text, whoever feeds it: a recording
//! ([`crate::replay`], [`crate::eval`]) or live capture ([`crate::live`]). The
//! [`Timing`] decides how transcripts meet the call clock; the rest is the same for all.
//!
//! Per frame: transcripts that are due reach the analyzer first (with a `stt_degraded`
//! notice once, if whisper stepped down for a busy machine), then the frame, then the
//! frame goes on to speech-to-text with each side's voice-activity decision.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::agent_profile::CallVoice;
use crate::analyzer::CallAnalyzer;
use crate::config::Config;
use crate::event::{Event, EventSink, NoticeCode};
use crate::prosody::ProsodyStats;
use crate::stt::worker::SttOutcome;
use crate::stt::{Degradation, PendingJob, SpeechToText, TimeBudget, Transcript, WhisperModel};
use crate::summary::CallSummary;

/// Speech-to-text for a call: ready with a model, off, or unavailable (and why).
#[derive(Clone, Debug)]
pub enum SttSetup {
    /// Transcribe with this model.
    Ready(Arc<WhisperModel>),
    /// Switched off (`stt.enabled = false` or `--no-stt`): coaching from the voice alone.
    Off,
    /// Wanted but not possible (no model, a broken one): the call is coached from the
    /// voice alone, and a `notice` event says why.
    Unavailable(String),
}

/// How a call's transcripts meet its clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// The same output on any machine: each clip's transcript is waited for and taken
    /// at the point in the call where the clip closed, and no decode is stopped at its
    /// time budget. Word nudges carry the measured transcription delay in `latency_ms`.
    /// For comparing configs on recordings.
    Reproducible,
    /// A recording as fast as the machine allows, but never ahead of what live coaching
    /// would have known: nothing waits for whisper, and while a clip is with whisper the
    /// call clock advances no faster than the wall clock, so transcripts and word nudges
    /// land where they would land live on this machine.
    AsLive,
    /// A recording in real time: one second of call per second.
    RealTime,
    /// Live capture: frames come in real time already; transcripts are taken as they
    /// arrive, never waited for.
    Live,
}

/// Longest wait for whisper's answers at the end of a replayed call (whose text must all
/// be there).
pub const STT_ANSWER_WAIT: Duration = Duration::from_secs(120);

/// A call in progress.
pub struct CallSession {
    analyzer: CallAnalyzer,
    stt: Option<SpeechToText>,
    timing: Timing,
    /// Transcripts with the call position they count from, not yet given to the analyzer.
    ready: Vec<(u64, Transcript)>,
    started: Instant,
}

impl CallSession {
    /// Starts a call with `config`, judging the agent's delivery against
    /// `agent_profile` (their usual voice) from the first frame when given. Returns why
    /// speech-to-text is unavailable for it, if it is: the caller says so as it sees
    /// fit (once per call in a replay, once per run live).
    pub fn start(
        config: &Config,
        stt: &SttSetup,
        timing: Timing,
        agent_profile: Option<ProsodyStats>,
    ) -> (Self, Option<String>) {
        let mut analyzer = CallAnalyzer::new(config);
        if let Some(baseline) = agent_profile {
            analyzer.use_agent_profile(baseline);
        }
        // A decode stopped at its time budget would make the text depend on this machine.
        let time_budget = match timing {
            Timing::Reproducible => TimeBudget::Unlimited,
            Timing::AsLive | Timing::RealTime | Timing::Live => TimeBudget::Enforced,
        };
        let (speech_to_text, unavailable) = match stt {
            SttSetup::Ready(model) => match SpeechToText::start_with_budget(
                Arc::clone(model),
                config,
                analyzer.frame_len(),
                time_budget,
            ) {
                Ok(stt) => (Some(stt), None),
                Err(e) => (None, Some(e.to_string())),
            },
            SttSetup::Off => (None, None),
            SttSetup::Unavailable(reason) => (None, Some(reason.clone())),
        };
        analyzer.set_words_available(speech_to_text.is_some());
        let session = Self {
            analyzer,
            stt: speech_to_text,
            timing,
            ready: Vec::new(),
            started: Instant::now(),
        };
        (session, unavailable)
    }

    /// Samples per frame each side must give [`CallSession::push_frame`].
    pub fn frame_len(&self) -> usize {
        self.analyzer.frame_len()
    }

    /// The analyzer, for what it reports mid-call.
    pub fn analyzer(&self) -> &CallAnalyzer {
        &self.analyzer
    }

    /// The analyzer, to act on it mid-call (snoozing nudges).
    pub fn analyzer_mut(&mut self) -> &mut CallAnalyzer {
        &mut self.analyzer
    }

    /// One frame of each side ([`CallSession::frame_len`] samples).
    pub fn push_frame(&mut self, agent: &[f32], caller: &[f32], sink: &mut dyn EventSink) {
        let frame_start_ms = self.analyzer.position_ms();
        if self.timing == Timing::RealTime {
            let due = self.started + Duration::from_millis(frame_start_ms);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        if let Some(stt) = self.stt.as_mut() {
            collect_outcomes(stt, frame_start_ms, self.timing, &mut self.ready);
            deliver(&mut self.analyzer, &mut self.ready, frame_start_ms, sink);
            if let Some(degradation) = stt.take_degradation() {
                notice_stt_degraded(&degradation, frame_start_ms, sink);
            }
        }
        self.analyzer.process_frame(agent, caller, sink);
        if let Some(stt) = self.stt.as_mut() {
            stt.push_frames(
                [agent, caller],
                self.analyzer.last_frame_speech(),
                frame_start_ms,
            );
            if self.timing == Timing::Reproducible {
                // Each clip's text counts where the clip closed: wait for it now.
                wait_for_all(stt, self.timing, &mut self.ready, STT_ANSWER_WAIT, 0);
                let now_ms = self.analyzer.position_ms();
                deliver(&mut self.analyzer, &mut self.ready, now_ms, sink);
            }
        }
    }

    /// Ends the call: its last clips go to whisper, whose answers are waited for up to
    /// `wait_for_text` (a recording: [`STT_ANSWER_WAIT`]), and the summary is emitted
    /// (last) and returned with the agent's voice figures of the call.
    pub fn finish(
        mut self,
        wait_for_text: Duration,
        sink: &mut dyn EventSink,
    ) -> (CallSummary, Option<CallVoice>) {
        let end_ms = self.analyzer.position_ms();
        let timing = self.timing;
        let totals = self.stt.as_mut().map(|stt| {
            stt.finish_clips(end_ms);
            wait_for_all(stt, timing, &mut self.ready, wait_for_text, end_ms);
            while let Some((job, outcome)) = stt.try_recv() {
                keep_transcript(job, outcome, timing, end_ms, &mut self.ready);
            }
            stt.totals()
        });
        self.ready.sort_by_key(|(available_ms, _)| *available_ms);
        for (available_ms, transcript) in self.ready.drain(..) {
            self.analyzer
                .process_transcript(&transcript, available_ms.max(end_ms), sink);
        }
        let agent_voice = self.analyzer.agent_voice();
        (self.analyzer.finish_with_stt(sink, totals), agent_voice)
    }
}

/// Says once that speech-to-text steps down for a busy machine (never in reproducible
/// replays: their worker does not adapt to load).
fn notice_stt_degraded(degradation: &Degradation, t_ms: u64, sink: &mut dyn EventSink) {
    sink.emit(&Event::Notice {
        t_ms,
        code: NoticeCode::SttDegraded,
        message: &degradation.message(),
    });
}

/// Gathers the outcomes that have arrived; replaying [`Timing::AsLive`] or
/// [`Timing::RealTime`], waits for a clip still with whisper only as long as live
/// coaching would have had to wait for it at call position `now_ms`.
fn collect_outcomes(
    stt: &mut SpeechToText,
    now_ms: u64,
    timing: Timing,
    ready: &mut Vec<(u64, Transcript)>,
) {
    while let Some((job, outcome)) = stt.try_recv() {
        keep_transcript(job, outcome, timing, now_ms, ready);
    }
    if timing == Timing::Live {
        return;
    }
    loop {
        // The longest any pending clip could still arrive at or before `now_ms`.
        let wait_ms = stt
            .pending()
            .iter()
            .filter_map(|p| {
                let arrives_no_earlier_ms =
                    p.submitted_ms + p.submitted_at.elapsed().as_millis() as u64;
                (arrives_no_earlier_ms <= now_ms).then(|| now_ms - arrives_no_earlier_ms + 1)
            })
            .max();
        let Some(wait_ms) = wait_ms else { return };
        if let Some((job, outcome)) = stt.recv_timeout(Duration::from_millis(wait_ms)) {
            keep_transcript(job, outcome, timing, now_ms, ready);
        }
    }
}

/// Waits until every submitted clip is answered, or `longest` has passed; `now_ms` is
/// the call position (for [`Timing::Live`]).
fn wait_for_all(
    stt: &mut SpeechToText,
    timing: Timing,
    ready: &mut Vec<(u64, Transcript)>,
    longest: Duration,
    now_ms: u64,
) {
    let deadline = Instant::now() + longest;
    while !stt.pending().is_empty() && Instant::now() < deadline {
        if let Some((job, outcome)) = stt.recv_timeout(Duration::from_millis(50)) {
            keep_transcript(job, outcome, timing, now_ms, ready);
        }
    }
}

/// Keeps a transcript with the call position it counts as available at: where its clip
/// closed (reproducible), that plus the measured transcription delay (a recording as
/// live), or `now_ms`, the position when it arrived (live).
fn keep_transcript(
    job: PendingJob,
    outcome: SttOutcome,
    timing: Timing,
    now_ms: u64,
    ready: &mut Vec<(u64, Transcript)>,
) {
    if let SttOutcome::Transcribed(transcript) = outcome {
        let available_ms = match timing {
            Timing::Reproducible => job.submitted_ms,
            Timing::AsLive | Timing::RealTime => {
                job.submitted_ms + transcript.delay_ms.ceil() as u64
            }
            Timing::Live => now_ms,
        };
        ready.push((available_ms, transcript));
    }
}

/// Hands the analyzer every transcript available by `now_ms`, oldest first.
fn deliver(
    analyzer: &mut CallAnalyzer,
    ready: &mut Vec<(u64, Transcript)>,
    now_ms: u64,
    sink: &mut dyn EventSink,
) {
    if ready.is_empty() {
        return;
    }
    ready.sort_by_key(|(available_ms, _)| *available_ms);
    let due = ready
        .iter()
        .take_while(|(available_ms, _)| *available_ms <= now_ms)
        .count();
    for (_, transcript) in ready.drain(..due) {
        analyzer.process_transcript(&transcript, now_ms, sink);
    }
}
