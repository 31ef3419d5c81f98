//! The call analyzer: two channels of 16 kHz frames in, events out.
//!
//! Per frame and per side: level, webrtc-vad, segmenting, pitch, syllable nuclei and the
//! speaker's prosody record. Across the sides: turn-taking. On the speaker's recent speech
//! against their baseline: caller frustration, agent pace and flat delivery. Each signal
//! is offered to the nudge engine. See `docs/architecture.md` for where this sits.
//!
//! [`CallAnalyzer::process_frame`] never allocates once the analyzer is built (pinned by
//! `tests/no_alloc.rs`); time is counted in samples, never read from the wall clock, except
//! to measure each nudge's processing latency.

use std::time::Instant;

use crate::config::Config;
use crate::event::{
    Change, Event, EventSink, NudgeId, Reason, Speaker, SuppressedBecause, WordCue,
};
use crate::nudge::NudgeEngine;
use crate::prosody::pitch::{hz_to_semitones, semitones_to_hz, PitchTracker};
use crate::prosody::syllables::SyllableCounter;
use crate::prosody::CallVoice;
use crate::prosody::{frame_level_dbfs, FrameProsody, ProsodyStats, SpeakerProsody};
use crate::summary::{CallSummary, FrustrationPeak, NudgeCount};
use crate::text::NumberGuard;
use crate::transcript::{SttTotals, Transcript};
use crate::turns::{SideActivity, TurnTracker};
use crate::vad::{FrameVad, SegmentChange, Segmenter};
use crate::voice_cues::{AgentEnergy, AgentPace, CallerFrustration};
use crate::word_cues::{WordCues, WordsDue};
use crate::ANALYSIS_RATE_HZ;

/// Prosody cues are judged every this many speech frames of a side.
const JUDGE_EVERY_SPEECH_FRAMES: u32 = 5;
/// Room for the events of one frame; more would only come from a pathological config.
const EVENTS_PER_FRAME_CAPACITY: usize = 32;
/// Room for response gaps before the summary's list grows (one per agent turn).
const RESPONSE_GAPS_CAPACITY: usize = 4096;
/// Room for frustration episodes before the summary's list grows.
const FRUSTRATION_PEAKS_CAPACITY: usize = 64;

/// Level and pitch accumulated over the open speech segment of one side.
#[derive(Clone, Copy, Debug, Default)]
struct SegmentTally {
    loudness_db_sum: f32,
    frames: u32,
    pitch_semitones_sum: f32,
    pitched_frames: u32,
}

/// Everything measured on one side of the call.
struct SideAnalyzer {
    speaker: Speaker,
    vad: FrameVad,
    segmenter: Segmenter,
    pitch: PitchTracker,
    pitch_range_hz: (f32, f32),
    syllables: SyllableCounter,
    prosody: SpeakerProsody,
    segment: SegmentTally,
    speech_frames_since_judged: u32,
    talk_ms: u64,
}

impl SideAnalyzer {
    fn new(speaker: Speaker, config: &Config, frame_len: usize) -> Self {
        let p = &config.prosody;
        Self {
            speaker,
            vad: FrameVad::new(&config.vad),
            segmenter: Segmenter::new(&config.vad),
            pitch: PitchTracker::new(p.pitch_min_hz, p.pitch_max_hz, frame_len),
            pitch_range_hz: (p.pitch_min_hz, p.pitch_max_hz),
            syllables: SyllableCounter::new(p.syllable_dip_db),
            prosody: SpeakerProsody::new(p, config.vad.frame_ms),
            segment: SegmentTally::default(),
            speech_frames_since_judged: 0,
            talk_ms: 0,
        }
    }

    /// Measures one frame; pushes this side's own events into `events`.
    fn process(
        &mut self,
        frame: &[f32],
        frame_start_ms: u64,
        frame_end_ms: u64,
        events: &mut Vec<Event<'static>>,
    ) -> SideActivity {
        let loudness_dbfs = frame_level_dbfs(frame);
        let speech = self.vad.is_speech(frame, loudness_dbfs);
        self.pitch.push_frame(frame);
        let pitch_hz = if speech {
            self.pitch.estimate_hz()
        } else {
            None
        }
        .filter(|hz| (self.pitch_range_hz.0..=self.pitch_range_hz.1).contains(hz));
        let nuclei = self.syllables.push(self.pitch.last_frame_8k(), speech);
        let change = self.segmenter.push(frame_start_ms, speech);

        if speech {
            let pitch_semitones = pitch_hz.map_or(f32::NAN, hz_to_semitones);
            self.segment.loudness_db_sum += loudness_dbfs;
            self.segment.frames += 1;
            if pitch_semitones.is_finite() {
                self.segment.pitch_semitones_sum += pitch_semitones;
                self.segment.pitched_frames += 1;
            }
            self.speech_frames_since_judged += 1;
            let record = FrameProsody {
                pitch_semitones,
                loudness_dbfs,
                aperiodicity: self.pitch.last_aperiodicity(),
                nuclei,
            };
            if let Some(baseline) = self.prosody.push_speech_frame(record) {
                events.push(Event::Baseline {
                    t_ms: frame_end_ms,
                    speaker: self.speaker,
                    pitch_hz: baseline.pitch_hz,
                    pitch_variability_semitones: baseline.pitch_variability_semitones,
                    loudness_dbfs: baseline.loudness_dbfs,
                    syllables_per_s: baseline.syllables_per_s,
                });
            }
        } else if change == SegmentChange::None && self.segmenter.open_since_ms().is_none() {
            // Speech frames that never became a segment (clicks) do not count.
            self.segment = SegmentTally::default();
        }

        let mut ended_loudness_rise_db = None;
        if let SegmentChange::Ended { start_ms, end_ms } = change {
            ended_loudness_rise_db = self.close_segment(start_ms, end_ms, frame_end_ms, events);
        }
        SideActivity {
            speech,
            change,
            open_since_ms: self.segmenter.open_since_ms(),
            last_speech_end_ms: self.segmenter.last_speech_end_ms(),
            ended_loudness_rise_db,
        }
    }

    /// Emits the finished segment; returns its level relative to the speaker's baseline.
    fn close_segment(
        &mut self,
        start_ms: u64,
        end_ms: u64,
        t_ms: u64,
        events: &mut Vec<Event<'static>>,
    ) -> Option<f32> {
        let tally = std::mem::take(&mut self.segment);
        let loudness_dbfs = if tally.frames > 0 {
            tally.loudness_db_sum / tally.frames as f32
        } else {
            -120.0
        };
        let pitch_hz = (tally.pitched_frames > 0)
            .then(|| semitones_to_hz(tally.pitch_semitones_sum / tally.pitched_frames as f32));
        self.talk_ms += end_ms - start_ms;
        events.push(Event::Speech {
            t_ms,
            speaker: self.speaker,
            start_ms,
            end_ms,
            loudness_dbfs,
            pitch_hz,
        });
        self.prosody
            .baseline()
            .map(|b| loudness_dbfs - b.loudness_dbfs)
    }

    /// Whether this side's recent speech is due to be judged (and resets the count).
    fn due_for_judgement(&mut self) -> bool {
        if self.speech_frames_since_judged < JUDGE_EVERY_SPEECH_FRAMES {
            return false;
        }
        self.speech_frames_since_judged = 0;
        self.prosody.recent_is_full() && self.prosody.baseline().is_some()
    }
}

/// How long a held-back nudge about words stays worth showing.
const OWED_WORDS_FRESH_MS: u64 = 10_000;
/// Room for the phrase of a held-back nudge; longer phrases are cut (they are the
/// config's own phrases, a few words each).
const OWED_PHRASE_CAPACITY: usize = 96;

/// A nudge held back while another was on screen.
#[derive(Clone, Copy, Debug)]
struct Held {
    /// Why it was due; a phrase in it is kept in [`OwedNudges::phrases`].
    reason: Reason<'static>,
    held_at_ms: u64,
}

/// The nudges owed to the agent: held back only because the screen was busy. Sized at
/// construction; holding and offering them never allocates.
struct OwedNudges {
    held: [Option<Held>; NudgeId::ALL.len()],
    phrases: [String; NudgeId::ALL.len()],
}

impl OwedNudges {
    fn new() -> Self {
        Self {
            held: [None; NudgeId::ALL.len()],
            phrases: std::array::from_fn(|_| String::with_capacity(OWED_PHRASE_CAPACITY)),
        }
    }

    /// Keeps `id` owed, if it is a nudge that can still be true later: a state that lasts
    /// (frustration, flat or fast delivery) or words that stay fresh for a while. A cut-in,
    /// dead air, a name or a long explanation are of their moment and are not kept.
    fn hold(&mut self, id: NudgeId, reason: Reason<'_>, t_ms: u64) {
        let stored = match reason {
            Reason::CallerFrustrated { .. }
            | Reason::AgentFlat { .. }
            | Reason::AgentFast { .. } => reason.without_phrase(),
            Reason::CallerLoss { phrase }
            | Reason::AgentBlocking { phrase }
            | Reason::BareApology { phrase } => {
                let kept = &mut self.phrases[id.index()];
                kept.clear();
                let mut end = phrase.len().min(OWED_PHRASE_CAPACITY);
                while !phrase.is_char_boundary(end) {
                    end -= 1;
                }
                kept.push_str(&phrase[..end]);
                reason.without_phrase()
            }
            _ => return,
        };
        self.held[id.index()] = Some(Held {
            reason: stored,
            held_at_ms: t_ms,
        });
    }

    fn clear(&mut self, id: NudgeId) {
        self.held[id.index()] = None;
    }

    fn get(&self, id: NudgeId) -> Option<Held> {
        self.held[id.index()]
    }

    fn any(&self) -> bool {
        self.held.iter().any(Option::is_some)
    }
}

/// Counters for the summary that come from events.
#[derive(Clone, Debug)]
struct Tally {
    interruptions: [u32; 2],
    backchannels: [u32; 2],
    agent_response_gaps_ms: Vec<u64>,
    frustration_peaks: Vec<FrustrationPeak>,
}

impl Tally {
    /// Records the peak `(t_ms, score)` of a frustration episode that just ended, if any.
    fn episode_ended(&mut self, peak: Option<(u64, f32)>) {
        if let Some((t_ms, score)) = peak {
            self.frustration_peaks.push(FrustrationPeak { t_ms, score });
        }
    }
}

/// Analyses one call. Build one per call; feed it frames; call [`CallAnalyzer::finish`].
pub struct CallAnalyzer {
    config: Config,
    frame_len: usize,
    frame_ms: u32,
    frames_done: u64,
    sides: [SideAnalyzer; 2],
    turns: TurnTracker,
    frustration: CallerFrustration,
    pace: AgentPace,
    energy: AgentEnergy,
    nudges: NudgeEngine,
    words: WordCues,
    tally: Tally,
    pending: Vec<Event<'static>>,
    /// Each side's voice-activity decision for the last frame.
    last_speech: [bool; 2],
    /// Nudges held back while another was on screen, offered again once the screen is
    /// free while they still hold.
    owed: OwedNudges,
    /// When the frame being processed reached the analyzer.
    evidence_at: Instant,
    /// Masks card and account numbers across transcripts (`privacy.mask_numbers`).
    numbers: Option<NumberGuard<Transcript>>,
}

impl CallAnalyzer {
    /// An analyzer for one call with `config` (already validated).
    pub fn new(config: &Config) -> Self {
        let frame_ms = config.vad.frame_ms;
        let frame_len = (ANALYSIS_RATE_HZ / 1000 * frame_ms) as usize;
        Self {
            config: config.clone(),
            frame_len,
            frame_ms,
            frames_done: 0,
            sides: [
                SideAnalyzer::new(Speaker::Agent, config, frame_len),
                SideAnalyzer::new(Speaker::Caller, config, frame_len),
            ],
            turns: TurnTracker::new(&config.turns, frame_ms),
            frustration: CallerFrustration::new(
                &config.caller_frustration,
                config.words.frustration_half_life_ms,
                config.words.positive_veto_ms,
            ),
            pace: AgentPace::new(&config.agent_pace),
            energy: AgentEnergy::new(&config.agent_energy),
            nudges: NudgeEngine::new(),
            words: WordCues::new(&config.words),
            tally: Tally {
                interruptions: [0; 2],
                backchannels: [0; 2],
                agent_response_gaps_ms: Vec::with_capacity(RESPONSE_GAPS_CAPACITY),
                frustration_peaks: Vec::with_capacity(FRUSTRATION_PEAKS_CAPACITY),
            },
            pending: Vec::with_capacity(EVENTS_PER_FRAME_CAPACITY),
            last_speech: [false; 2],
            owed: OwedNudges::new(),
            evidence_at: Instant::now(),
            numbers: config.privacy.mask_numbers.then(NumberGuard::default),
        }
    }

    /// Each side's voice-activity decision for the last frame processed (agent, caller):
    /// what speech-to-text cuts its clips at.
    pub fn last_frame_speech(&self) -> [bool; 2] {
        self.last_speech
    }

    /// Samples per frame at [`ANALYSIS_RATE_HZ`] (the `frame_ms` of the config).
    pub fn frame_len(&self) -> usize {
        self.frame_len
    }

    /// Transcripts come in for this call (speech-to-text is running): the caller's voice
    /// is judged with the words beside it, rather than with the stricter voice-only
    /// threshold.
    pub fn set_words_available(&mut self, available: bool) {
        self.frustration.set_words_available(available);
    }

    /// Judges the agent's delivery (`smile`, `slow_down`) against `baseline`, the agent's
    /// voice profile from earlier calls, from the first second of this call. Call before
    /// the first frame.
    pub fn use_agent_profile(&mut self, baseline: ProsodyStats) {
        self.sides[Speaker::Agent.index()]
            .prosody
            .fix_baseline(baseline);
    }

    /// This call's figures of the agent's voice (their speech that raised no delivery
    /// cue), for the agent's voice profile, if there was any speech with pitch.
    pub fn agent_voice(&mut self) -> Option<CallVoice> {
        let (stats, speech_ms) = self.sides[Speaker::Agent.index()].prosody.pooled_stats()?;
        Some(CallVoice::from_stats(&stats, speech_ms))
    }

    /// No more nudges this call (the agent snoozed them): each one due is reported as
    /// `nudge_suppressed` with `snoozed`.
    pub fn snooze_nudges(&mut self) {
        self.nudges.snooze();
    }

    /// The caller's frustration score now (voice + words, 0-1).
    pub fn caller_frustration_score(&self) -> f32 {
        self.frustration.score(self.position_ms())
    }

    /// The agent's share of the talk time so far (0-1; 0 before anyone spoke). Counts
    /// finished speech segments.
    pub fn agent_talk_share(&self) -> f32 {
        let agent = self.sides[Speaker::Agent.index()].talk_ms;
        let caller = self.sides[Speaker::Caller.index()].talk_ms;
        if agent + caller == 0 {
            0.0
        } else {
            agent as f32 / (agent + caller) as f32
        }
    }

    /// Position in the call: the end of the last frame processed.
    pub fn position_ms(&self) -> u64 {
        self.frames_done * u64::from(self.frame_ms)
    }

    /// Analyses one frame of each side (16 kHz, samples in -1..1, [`Self::frame_len`]
    /// long; a shorter one is treated as silence). Never allocates.
    pub fn process_frame(&mut self, agent: &[f32], caller: &[f32], sink: &mut dyn EventSink) {
        self.evidence_at = Instant::now();
        let frame_start_ms = self.position_ms();
        let frame_end_ms = frame_start_ms + u64::from(self.frame_ms);
        self.release_held_transcripts(frame_start_ms, sink);
        let mut pending = std::mem::take(&mut self.pending);

        let frames = [agent, caller];
        let activity: [SideActivity; 2] = std::array::from_fn(|i| {
            let frame = if frames[i].len() == self.frame_len {
                frames[i]
            } else {
                &[][..]
            };
            self.sides[i].process(frame, frame_start_ms, frame_end_ms, &mut pending)
        });
        self.turns
            .push(frame_start_ms, &activity, &mut |e| pending.push(e));
        self.judge_voices(frame_end_ms, &mut pending);
        self.last_speech = [activity[0].speech, activity[1].speech];

        for event in pending.drain(..) {
            self.signal(&event, sink);
        }
        self.pending = pending;
        self.frames_done += 1;

        self.offer_owed(frame_end_ms, sink);

        let caller = &activity[Speaker::Caller.index()];
        let caller_silent_ms = if caller.speech || caller.open_since_ms.is_some() {
            0
        } else {
            frame_end_ms.saturating_sub(caller.last_speech_end_ms)
        };
        if let Some(caller_words) = self.words.restate_due(caller_silent_ms) {
            self.offer_nudge(
                NudgeId::Restate,
                Reason::LongExplanation { caller_words },
                frame_end_ms,
                None,
                None,
                sink,
            );
        }
    }

    /// Takes a transcript from speech-to-text at call position `t_ms` (when it became
    /// available): masks card and account numbers (a final ending in digits may wait
    /// for the speaker's next one, see [`NumberGuard`]), emits it, reads its words, and
    /// offers the nudges they call for. Allocates (about once a second of speech); the
    /// per-frame path does not.
    pub fn process_transcript(
        &mut self,
        transcript: &Transcript,
        t_ms: u64,
        sink: &mut dyn EventSink,
    ) {
        let Some(numbers) = self.numbers.as_mut() else {
            self.hear_transcript(transcript, t_ms, sink);
            return;
        };
        let mut transcript = transcript.clone();
        if !transcript.is_final {
            numbers.screen_partial(&mut transcript);
            self.hear_transcript(&transcript, t_ms, sink);
            return;
        }
        for ready in numbers.take_final(transcript, t_ms) {
            self.hear_transcript(&ready, t_ms, sink);
        }
    }

    /// Tells the number guard who spoke in the last frame, and passes on the finals it
    /// held back whose wait is over at `t_ms`.
    fn release_held_transcripts(&mut self, t_ms: u64, sink: &mut dyn EventSink) {
        let Some(numbers) = self.numbers.as_mut() else {
            return;
        };
        for (side, speaking) in self.last_speech.into_iter().enumerate() {
            if speaking {
                numbers.hear_speech(side, t_ms);
            }
        }
        for ready in numbers.take_due(t_ms) {
            self.hear_transcript(&ready, t_ms, sink);
        }
    }

    /// A transcript, masked, at call position `t_ms`: emits it and acts on its words.
    fn hear_transcript(&mut self, transcript: &Transcript, t_ms: u64, sink: &mut dyn EventSink) {
        self.evidence_at = Instant::now();
        sink.emit(&Event::Transcript {
            t_ms,
            speaker: transcript.speaker,
            start_ms: transcript.start_ms,
            end_ms: transcript.end_ms,
            speech_end_ms: transcript.speech_end_ms,
            text: &transcript.text,
            is_final: transcript.is_final,
            latency_ms: transcript.delay_ms,
        });
        let (heard, due) = self.words.hear(
            transcript.speaker,
            transcript.clip_id,
            transcript.is_final,
            &transcript.text,
            t_ms,
        );
        let words_latency_ms = transcript.delay_ms;
        for item in &heard {
            sink.emit(&Event::Phrase {
                t_ms,
                speaker: item.speaker,
                cue: item.cue,
                phrase: &item.phrase,
                negated: item.negated,
            });
            if item.negated {
                continue;
            }
            let reason = match item.cue {
                WordCue::Frustration => {
                    let score = self.config.words.frustration_phrase_score;
                    let judged = self.frustration.add_words(t_ms, score);
                    self.frustration_judged(judged, words_latency_ms, sink);
                    None
                }
                WordCue::Acknowledgement => {
                    self.frustration.clear_words(t_ms);
                    None
                }
                WordCue::Positive => {
                    let judged = self.frustration.hear_positive(t_ms);
                    self.frustration_judged(judged, words_latency_ms, sink);
                    None
                }
                WordCue::Loss => Some((
                    NudgeId::Condolence,
                    Reason::CallerLoss {
                        phrase: &item.phrase,
                    },
                )),
                WordCue::Blocking => Some((
                    NudgeId::PositiveLanguage,
                    Reason::AgentBlocking {
                        phrase: &item.phrase,
                    },
                )),
                WordCue::BareApology => Some((
                    NudgeId::BeSpecific,
                    Reason::BareApology {
                        phrase: &item.phrase,
                    },
                )),
                WordCue::Name | WordCue::NameUsed => None,
            };
            if let Some((id, reason)) = reason {
                self.offer_nudge(id, reason, t_ms, None, Some(words_latency_ms), sink);
            }
        }
        if let Some(WordsDue::UseName { name, agent_turns }) = due {
            let text = self.config.nudges.use_name.text.replace("{name}", &name);
            self.offer_nudge(
                NudgeId::UseName,
                Reason::NameUnused {
                    name: &name,
                    agent_turns,
                },
                t_ms,
                Some(&text),
                Some(words_latency_ms),
                sink,
            );
        }
    }

    /// Takes the caller's frustration judged on their words: tallies a finished episode
    /// and signals a change (with the words' transcription delay as its latency).
    fn frustration_judged(
        &mut self,
        (event, finished_peak): (Option<Event<'static>>, Option<(u64, f32)>),
        latency_ms: f64,
        sink: &mut dyn EventSink,
    ) {
        self.tally.episode_ended(finished_peak);
        if let Some(event) = event {
            self.signal_with_latency(&event, Some(latency_ms), sink);
        }
    }

    /// Judges each side's recent prosody against its baseline, when due.
    /// A raised cue keeps the speaker's current speech out of their baseline.
    fn judge_voices(&mut self, t_ms: u64, events: &mut Vec<Event<'static>>) {
        let judged_speech_ms = JUDGE_EVERY_SPEECH_FRAMES * self.frame_ms;
        let [agent, caller] = &mut self.sides;
        if caller.due_for_judgement() {
            if let (Some(recent), Some(baseline)) =
                (caller.prosody.recent_stats(), caller.prosody.baseline())
            {
                let (event, finished_peak) =
                    self.frustration
                        .update(t_ms, judged_speech_ms, &recent, &baseline);
                events.extend(event);
                self.tally.episode_ended(finished_peak);
            }
            if self.frustration.voice_is_raised() {
                caller.prosody.mark_flagged();
            }
        }
        if agent.due_for_judgement() {
            if let (Some(recent), Some(baseline)) =
                (agent.prosody.recent_stats(), agent.prosody.baseline())
            {
                events.extend(self.pace.update(t_ms, &recent, &baseline));
                events.extend(self.energy.update(t_ms, &recent, &baseline));
            }
            if self.pace.is_raised() || self.energy.is_raised() {
                agent.prosody.mark_flagged();
            }
        }
    }

    /// Passes a signal to the sink, counts it, and offers the nudge it calls for.
    fn signal(&mut self, event: &Event<'_>, sink: &mut dyn EventSink) {
        self.signal_with_latency(event, None, sink)
    }

    /// [`Self::signal`], with the nudge's latency given (words) rather than measured.
    fn signal_with_latency(
        &mut self,
        event: &Event<'_>,
        latency_ms: Option<f64>,
        sink: &mut dyn EventSink,
    ) {
        sink.emit(event);
        match *event {
            Event::Interruption { by, .. } => self.tally.interruptions[by.index()] += 1,
            Event::Backchannel { speaker, .. } => self.tally.backchannels[speaker.index()] += 1,
            Event::ResponseGap {
                speaker: Speaker::Agent,
                gap_ms,
                ..
            } => self.tally.agent_response_gaps_ms.push(gap_ms),
            _ => {}
        }
        if let Some((id, reason)) = nudge_for(event, self.frustration.is_frustrated()) {
            self.offer_nudge(id, reason, event.t_ms(), None, latency_ms, sink);
        }
    }

    /// Offers a nudge to the engine and emits it or why it was held back. `text` replaces
    /// the rule's text; `latency_ms` is the evidence's delay if known (words), else the
    /// processing time of this frame is measured.
    fn offer_nudge(
        &mut self,
        id: NudgeId,
        reason: Reason<'_>,
        t_ms: u64,
        text: Option<&str>,
        latency_ms: Option<f64>,
        sink: &mut dyn EventSink,
    ) {
        if id == NudgeId::Acknowledge && self.words.acknowledged_recently(t_ms) {
            self.nudges.hold_back();
            sink.emit(&Event::NudgeSuppressed {
                t_ms,
                nudge: id,
                because: SuppressedBecause::Settled,
            });
            return;
        }
        let rule = self.config.nudges.rule(id);
        let use_alt = matches!(
            reason,
            Reason::AgentOverlap {
                caller_frustrated: true,
                ..
            }
        ) && !rule.alt_text.is_empty();
        let (rule_text, priority) = if use_alt {
            (
                rule.alt_text.as_str(),
                rule.priority.saturating_add(10).min(100),
            )
        } else {
            (rule.text.as_str(), rule.priority)
        };
        let text = text.unwrap_or(rule_text);
        let verdict = self.nudges.offer(&self.config.nudges, id, priority, t_ms);
        match verdict {
            // Held back only because another nudge is on screen: still owed, offered
            // again once the screen is free (see `offer_owed`).
            Err(SuppressedBecause::Busy) => self.owed.hold(id, reason, t_ms),
            _ => self.owed.clear(id),
        }
        match verdict {
            Ok(()) => sink.emit(&Event::Nudge {
                t_ms,
                latency_ms: latency_ms
                    .unwrap_or_else(|| self.evidence_at.elapsed().as_secs_f64() * 1000.0),
                nudge: id,
                text,
                phrase: &rule.phrase,
                priority,
                reason,
            }),
            Err(because) => sink.emit(&Event::NudgeSuppressed {
                t_ms,
                nudge: id,
                because,
            }),
        }
    }

    /// Offers the nudges held back while another nudge was on screen, once the screen is
    /// free, if what called for them still holds: the caller still frustrated and not
    /// acknowledged meanwhile, the agent's delivery still flat or fast, the words still
    /// fresh (`OWED_WORDS_FRESH_MS`). Allocation-free.
    fn offer_owed(&mut self, t_ms: u64, sink: &mut dyn EventSink) {
        if !self.owed.any() {
            return;
        }
        for id in NudgeId::ALL {
            let Some(held) = self.owed.get(id) else {
                continue;
            };
            let still_true = match id {
                NudgeId::Acknowledge => {
                    self.frustration.is_frustrated() && !self.words.acknowledged_recently(t_ms)
                }
                NudgeId::Smile => self.energy.is_flat(),
                NudgeId::SlowDown => self.pace.is_fast(),
                _ => t_ms <= held.held_at_ms + OWED_WORDS_FRESH_MS,
            };
            if !still_true {
                self.owed.clear(id);
                continue;
            }
            let priority = self.config.nudges.rule(id).priority;
            if !self
                .nudges
                .would_show(&self.config.nudges, id, priority, t_ms)
            {
                continue;
            }
            // The phrase moves out for the offer and back after: no allocation.
            let phrase = std::mem::take(&mut self.owed.phrases[id.index()]);
            let reason = held.reason.with_phrase(&phrase);
            self.offer_nudge(id, reason, t_ms, None, None, sink);
            self.owed.phrases[id.index()] = phrase;
        }
    }

    /// Ends the call: closes open segments and spells, emits the `summary` event and
    /// returns it.
    pub fn finish(self, sink: &mut dyn EventSink) -> CallSummary {
        self.finish_with_stt(sink, None)
    }

    /// [`Self::finish`], with the call's speech-to-text totals for the summary.
    pub fn finish_with_stt(
        mut self,
        sink: &mut dyn EventSink,
        stt: Option<SttTotals>,
    ) -> CallSummary {
        let end_ms = self.position_ms();
        if let Some(mut numbers) = self.numbers.take() {
            for ready in numbers.take_all(end_ms) {
                self.hear_transcript(&ready, end_ms, sink);
            }
        }
        self.evidence_at = Instant::now();
        let mut pending = std::mem::take(&mut self.pending);
        let activity: [SideActivity; 2] = std::array::from_fn(|i| {
            let side = &mut self.sides[i];
            let change = side.segmenter.finish();
            let mut ended_loudness_rise_db = None;
            if let SegmentChange::Ended {
                start_ms,
                end_ms: seg_end,
            } = change
            {
                ended_loudness_rise_db =
                    side.close_segment(start_ms, seg_end, end_ms, &mut pending);
            }
            SideActivity {
                speech: false,
                change,
                open_since_ms: None,
                last_speech_end_ms: side.segmenter.last_speech_end_ms(),
                ended_loudness_rise_db,
            }
        });
        for event in pending.drain(..) {
            self.signal(&event, sink);
        }
        self.turns.finish(end_ms, &activity);
        self.tally.episode_ended(self.frustration.finish());
        let mut summary = self.summary(end_ms);
        summary.speech_to_text = stt;
        sink.emit(&Event::Summary(&summary));
        summary
    }

    fn summary(&mut self, end_ms: u64) -> CallSummary {
        let agent_talk_ms = self.sides[Speaker::Agent.index()].talk_ms;
        let caller_talk_ms = self.sides[Speaker::Caller.index()].talk_ms;
        let total_talk = agent_talk_ms + caller_talk_ms;
        let gaps = &mut self.tally.agent_response_gaps_ms;
        gaps.sort_unstable();
        let shown = self.nudges.shown_counts();
        let turns = self.turns.totals();
        CallSummary {
            t_ms: end_ms,
            duration_ms: end_ms,
            agent_talk_ms,
            caller_talk_ms,
            agent_talk_ratio: if total_talk > 0 {
                agent_talk_ms as f32 / total_talk as f32
            } else {
                0.0
            },
            interruptions_by_agent: self.tally.interruptions[Speaker::Agent.index()],
            interruptions_by_caller: self.tally.interruptions[Speaker::Caller.index()],
            agent_backchannels: self.tally.backchannels[Speaker::Agent.index()],
            caller_backchannels: self.tally.backchannels[Speaker::Caller.index()],
            agent_response_gap_median_ms: (!gaps.is_empty()).then(|| gaps[gaps.len() / 2]),
            longest_monologue_ms: turns.longest_monologue_ms,
            dead_air_ms: turns.dead_air_ms,
            dead_air_spells: turns.dead_air_spells,
            longest_dead_air_ms: turns.longest_dead_air_ms,
            frustration_peaks: self.tally.frustration_peaks.clone(),
            nudges: NudgeId::ALL
                .iter()
                .filter(|id| shown[id.index()] > 0)
                .map(|&nudge| NudgeCount {
                    nudge,
                    count: shown[nudge.index()],
                })
                .collect(),
            nudges_total: shown.iter().sum(),
            nudges_suppressed: self.nudges.suppressed(),
            speech_to_text: None,
        }
    }
}

/// The nudge a signal calls for, with its reason.
fn nudge_for(event: &Event<'_>, caller_frustrated: bool) -> Option<(NudgeId, Reason<'static>)> {
    match *event {
        Event::Interruption {
            by: Speaker::Agent,
            overlap_ms,
            ..
        } => Some((
            NudgeId::Pause,
            Reason::AgentOverlap {
                overlap_ms,
                caller_frustrated,
            },
        )),
        Event::Frustration {
            change: Change::Start,
            score,
            voice_score,
            words_score,
            ..
        } => Some((
            NudgeId::Acknowledge,
            Reason::CallerFrustrated {
                score,
                voice_score,
                words_score,
            },
        )),
        Event::EnergyFlat {
            change: Change::Start,
            pitch_variability_semitones,
            baseline_pitch_variability_semitones,
            loudness_dbfs,
            baseline_loudness_dbfs,
            ..
        } => Some((
            NudgeId::Smile,
            Reason::AgentFlat {
                variability_percent_of_baseline: 100.0 * pitch_variability_semitones
                    / baseline_pitch_variability_semitones.max(1e-3),
                loudness_drop_db: baseline_loudness_dbfs - loudness_dbfs,
            },
        )),
        Event::PaceFast {
            change: Change::Start,
            syllables_per_s,
            baseline_syllables_per_s,
            ..
        } => Some((
            NudgeId::SlowDown,
            Reason::AgentFast {
                syllables_per_s,
                baseline_syllables_per_s,
            },
        )),
        Event::DeadAir { t_ms, start_ms } => Some((
            NudgeId::FillSilence,
            Reason::DeadAir {
                silent_ms: t_ms - start_ms,
            },
        )),
        Event::Monologue { t_ms, start_ms } => Some((
            NudgeId::CheckIn,
            Reason::Monologue {
                talking_ms: t_ms - start_ms,
            },
        )),
        _ => None,
    }
}
