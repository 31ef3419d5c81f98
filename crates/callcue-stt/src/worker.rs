//! The speech-to-text worker: one named thread that owns the whisper states and
//! transcribes clips while the analysis goes on.
//!
//! The analysis thread never waits for it. Clips go in through a bounded channel with
//! `try_send`; their audio travels in buffers from a fixed pool that the worker hands back,
//! so submitting allocates nothing and memory cannot grow. When whisper falls behind, the
//! worker sheds load and counts it: a newer partial of a clip replaces an older waiting
//! one, a final replaces its clip's waiting partials, and past `stt.max_waiting_clips` the
//! oldest waiting clip is dropped. Results come back on a second bounded channel.
//!
//! One model context is shared; each channel has its own whisper state.
//!
//! On a busy machine (live and as-live replays only) the worker decodes with as many
//! threads as other programs leave cores free, runs at batch priority so the capture and
//! analysis threads always come first, and steps down on purpose when finals still come
//! late (see [`super::load`]): the submitter stops sending partials, and the worker uses
//! one thread, a smaller context, and finally skips clips it could not decode in time
//! ([`SkipReason::Busy`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};

use crate::clip::{ClipKind, ClipSpan, ReadyClip};
use crate::load::{threads_for_free_cores, Degradation, FreeCoresProbe, LoadGovernor, LoadStep};
use crate::whisper::{transcribe, DecodeMode, DecodeSettings, Decoded, TimeBudget, WhisperModel};
use crate::{SttTotals, Transcript};
use callcue_core::config::SttConfig;
use callcue_core::event::Speaker;
use callcue_core::text::{clean_transcript, cut_repeated_tail, normalize};
use callcue_core::ANALYSIS_RATE_HZ;

/// Requests in flight to the worker at most (the channel's size).
const REQUEST_CHANNEL_CAPACITY: usize = 16;
/// Outcomes waiting for the analysis thread at most; the worker waits when it is full.
const OUTCOME_CHANNEL_CAPACITY: usize = 64;
const SAMPLES_PER_MS: usize = (ANALYSIS_RATE_HZ / 1000) as usize;

/// A clip to transcribe, with its audio in a pooled buffer.
#[derive(Debug)]
pub struct SttJob {
    /// Numbers the jobs of one worker, from 0.
    pub job_id: u64,
    pub speaker: Speaker,
    pub span: ClipSpan,
    pub audio: Vec<f32>,
    /// When the job was submitted (wall clock), to measure its delay.
    pub submitted_at: Instant,
}

/// What the worker thread is asked to do.
#[derive(Debug)]
pub enum SttRequest {
    /// Transcribe a clip.
    Transcribe(SttJob),
    /// Finish the waiting clips, then stop.
    Shutdown,
}

/// Why a submitted clip gave no transcript.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// A newer partial of the clip, or its final, replaced it before whisper got to it.
    Superseded,
    /// Too many clips were waiting; this one was the oldest.
    Dropped,
    /// The decode ran past its time budget.
    Aborted,
    /// Whisper judged the clip to hold no speech.
    NoSpeech,
    /// Whisper's text was only an artefact (`[BLANK_AUDIO]`, "thanks for watching").
    Artefact,
    /// Whisper failed.
    Failed,
    /// The machine was too busy: at the last load step, a decode that would not have
    /// finished within its budget is not started.
    Busy,
    /// A partial not decoded because whisper was behind (the clip's final still is).
    HeldBack,
}

/// What became of one submitted clip. Every submitted job gets exactly one.
#[derive(Clone, Debug)]
pub enum SttOutcome {
    Transcribed(Transcript),
    Skipped {
        job_id: u64,
        speaker: Speaker,
        reason: SkipReason,
    },
}

impl SttOutcome {
    /// The job this answers.
    pub fn job_id(&self) -> u64 {
        match self {
            SttOutcome::Transcribed(t) => t.job_id,
            SttOutcome::Skipped { job_id, .. } => *job_id,
        }
    }
}

/// Counters the worker and the submitter keep, read for the summary.
#[derive(Debug, Default)]
struct SttCounters {
    submitted: AtomicU64,
    transcribed: AtomicU64,
    superseded: AtomicU64,
    /// Dropped from the waiting list, or refused at submission (no buffer, channel full).
    dropped: AtomicU64,
    aborted: AtomicU64,
    no_speech: AtomicU64,
    artefacts: AtomicU64,
    failed: AtomicU64,
    busy: AtomicU64,
    segments_past_speech: AtomicU64,
    /// Partials the submitter held back because whisper was behind.
    partials_held_back: AtomicU64,
    decodes: AtomicU64,
    decode_us_total: AtomicU64,
    decode_us_max: AtomicU64,
    threads_min: AtomicU64,
    threads_max: AtomicU64,
    /// The current [`LoadStep`] (its index) and the lowest reached.
    load_step: AtomicUsize,
    load_step_deepest: AtomicUsize,
    /// Set when the worker first steps down; taken once by the analysis thread.
    degraded_unreported: AtomicBool,
    /// What the first step down measured: decode rate x1000, median final delay (ms).
    degraded_rate_milli: AtomicU64,
    degraded_delay_ms: AtomicU64,
    /// Whether decode times belong in the summary (not in reproducible replays, whose
    /// output must not depend on the machine).
    timing_reported: AtomicBool,
}

impl SttCounters {
    fn totals(&self) -> SttTotals {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SttTotals {
            clips_submitted: load(&self.submitted),
            clips_too_short: 0,
            transcripts: load(&self.transcribed),
            partials_superseded: load(&self.superseded),
            clips_dropped: load(&self.dropped),
            decodes_aborted: load(&self.aborted),
            filtered_no_speech: load(&self.no_speech),
            filtered_artefacts: load(&self.artefacts),
            decodes_failed: load(&self.failed),
            segments_past_speech: load(&self.segments_past_speech),
            clips_skipped_busy: load(&self.busy),
            partials_held_back: load(&self.partials_held_back),
            load_step_deepest: LoadStep::from_index(self.load_step_deepest.load(Ordering::Relaxed)),
            decode_threads_min: if load(&self.decodes) == 0 {
                0
            } else {
                load(&self.threads_min)
            },
            decode_threads_max: load(&self.threads_max),
            decode_ms_mean: self.timing_reported.load(Ordering::Relaxed).then(|| {
                load(&self.decode_us_total)
                    .checked_div(load(&self.decodes))
                    .unwrap_or(0)
                    / 1000
            }),
            decode_ms_max: self
                .timing_reported
                .load(Ordering::Relaxed)
                .then(|| load(&self.decode_us_max) / 1000),
        }
    }

    fn load_step(&self) -> LoadStep {
        LoadStep::from_index(self.load_step.load(Ordering::Relaxed))
    }

    /// Counts one finished decode: its time, threads and text dropped past the speech.
    fn count_decode(&self, decoded: &Decoded, threads: u32) {
        let decode_us = (decoded.decode_ms * 1000.0) as u64;
        self.decodes.fetch_add(1, Ordering::Relaxed);
        self.decode_us_total.fetch_add(decode_us, Ordering::Relaxed);
        self.decode_us_max.fetch_max(decode_us, Ordering::Relaxed);
        self.threads_min
            .fetch_min(u64::from(threads), Ordering::Relaxed);
        self.threads_max
            .fetch_max(u64::from(threads), Ordering::Relaxed);
        self.segments_past_speech
            .fetch_add(u64::from(decoded.segments_past_speech), Ordering::Relaxed);
    }

    fn set_load_step(&self, step: LoadStep) {
        self.load_step.store(step as usize, Ordering::Relaxed);
        self.load_step_deepest
            .fetch_max(step as usize, Ordering::Relaxed);
    }

    /// Keeps what the first step down measured for the analysis thread to report.
    fn report_degradation(&self, first: Degradation) {
        self.degraded_rate_milli
            .store((first.decode_rate * 1000.0) as u64, Ordering::Relaxed);
        self.degraded_delay_ms
            .store(first.delay_ms as u64, Ordering::Relaxed);
        self.degraded_unreported.store(true, Ordering::Release);
    }

    /// The first step down, once, if it happened since the last call.
    fn take_degradation(&self) -> Option<Degradation> {
        if !self.degraded_unreported.swap(false, Ordering::Acquire) {
            return None;
        }
        Some(Degradation {
            step: LoadStep::NoPartials,
            decode_rate: self.degraded_rate_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            delay_ms: self.degraded_delay_ms.load(Ordering::Relaxed) as f64,
        })
    }

    fn count(&self, reason: SkipReason) {
        let counter = match reason {
            SkipReason::Superseded => &self.superseded,
            SkipReason::Dropped => &self.dropped,
            SkipReason::Aborted => &self.aborted,
            SkipReason::NoSpeech => &self.no_speech,
            SkipReason::Artefact => &self.artefacts,
            SkipReason::Failed => &self.failed,
            SkipReason::Busy => &self.busy,
            SkipReason::HeldBack => &self.partials_held_back,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A handle on the worker thread. Dropping it shuts the worker down and joins it.
pub struct SttWorker {
    requests: Sender<SttRequest>,
    outcomes: Receiver<SttOutcome>,
    free_buffers: Receiver<Vec<f32>>,
    returned_buffers: Sender<Vec<f32>>,
    counters: Arc<SttCounters>,
    next_job_id: u64,
    thread: Option<JoinHandle<()>>,
}

impl SttWorker {
    /// Starts the worker thread (`callcue-stt`) on `model`, with a state per channel; a
    /// decode past its time budget is stopped.
    pub fn spawn(
        model: Arc<WhisperModel>,
        stt: &SttConfig,
    ) -> Result<Self, crate::models::ModelError> {
        Self::spawn_with_budget(model, stt, TimeBudget::Enforced)
    }

    /// Starts the worker thread, with decodes stopped at their time budget or let finish
    /// ([`TimeBudget::Unlimited`], for reproducible replays).
    pub fn spawn_with_budget(
        model: Arc<WhisperModel>,
        stt: &SttConfig,
        time_budget: TimeBudget,
    ) -> Result<Self, crate::models::ModelError> {
        let states = [model.new_state()?, model.new_state()?];
        let (request_tx, request_rx) = bounded(REQUEST_CHANNEL_CAPACITY);
        let (outcome_tx, outcome_rx) = bounded(OUTCOME_CHANNEL_CAPACITY);
        // Every buffer that can be in flight: the channel, the waiting list, one decoding.
        let pool_size = REQUEST_CHANNEL_CAPACITY + stt.max_waiting_clips as usize + 1;
        let (buffer_tx, buffer_rx) = bounded(pool_size);
        let clip_len = (stt.max_clip_ms + 2 * stt.pad_ms + 100) as usize * SAMPLES_PER_MS;
        for _ in 0..pool_size {
            let _ = buffer_tx.try_send(Vec::with_capacity(clip_len));
        }
        let counters = Arc::new(SttCounters::default());
        let adapts_to_load = time_budget == TimeBudget::Enforced;
        counters.threads_min.store(u64::MAX, Ordering::Relaxed);
        counters
            .timing_reported
            .store(adapts_to_load, Ordering::Relaxed);
        let mut worker = Worker {
            model,
            states,
            settings: DecodeSettings {
                time_budget,
                ..DecodeSettings::from(stt)
            },
            screening: Screening::from(stt),
            max_threads: stt.threads,
            context_floor_frames: stt.min_audio_context_frames,
            governor: LoadGovernor::new(
                adapts_to_load && stt.adapt_to_load,
                stt.late_transcript_ms,
            ),
            // Reproducible replays decode with `stt.threads` whatever the load.
            probe: adapts_to_load.then(FreeCoresProbe::new),
            degradation_reported: false,
            max_waiting: stt.max_waiting_clips as usize,
            requests: request_rx,
            outcomes: outcome_tx,
            free_buffers: buffer_tx.clone(),
            counters: Arc::clone(&counters),
            waiting: VecDeque::with_capacity(REQUEST_CHANNEL_CAPACITY + pool_size),
        };
        let thread = std::thread::Builder::new()
            .name("callcue-stt".into())
            .spawn(move || {
                yield_to_the_analysis();
                worker.run()
            })
            .map_err(|e| crate::models::ModelError::Unreadable {
                path: std::path::PathBuf::from("speech-to-text"),
                message: format!("cannot start the worker thread: {e}"),
            })?;
        Ok(Self {
            requests: request_tx,
            outcomes: outcome_rx,
            free_buffers: buffer_rx,
            returned_buffers: buffer_tx,
            counters,
            next_job_id: 0,
            thread: Some(thread),
        })
    }

    /// Hands a clip to the worker without waiting, and returns its job id; `None` (counted
    /// as dropped) when no pooled buffer or channel room is free. Never blocks, and
    /// allocates nothing: the clip is copied into a buffer from the pool.
    pub fn submit(&mut self, speaker: Speaker, clip: &ReadyClip<'_>) -> Option<u64> {
        if clip.span.kind == ClipKind::Partial && !self.counters.load_step().partials_allowed() {
            self.counters
                .partials_held_back
                .fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let Ok(mut audio) = self.free_buffers.try_recv() else {
            self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        audio.clear();
        audio.extend_from_slice(clip.audio);
        let job_id = self.next_job_id;
        let job = SttJob {
            job_id,
            speaker,
            span: clip.span,
            audio,
            submitted_at: Instant::now(),
        };
        match self.requests.try_send(SttRequest::Transcribe(job)) {
            Ok(()) => {
                self.next_job_id += 1;
                self.counters.submitted.fetch_add(1, Ordering::Relaxed);
                Some(job_id)
            }
            Err(TrySendError::Full(request)) | Err(TrySendError::Disconnected(request)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                if let SttRequest::Transcribe(job) = request {
                    // The pool channel has room for every buffer, so this never fails.
                    let _ = self.returned_buffers.try_send(job.audio);
                }
                None
            }
        }
    }

    /// The next outcome, if one is ready. Never blocks.
    pub fn try_recv(&self) -> Option<SttOutcome> {
        self.outcomes.try_recv().ok()
    }

    /// Waits for the next outcome up to `timeout`.
    pub fn recv_timeout(&self, timeout: std::time::Duration) -> Option<SttOutcome> {
        self.outcomes.recv_timeout(timeout).ok()
    }

    /// Counts so far.
    pub fn totals(&self) -> SttTotals {
        self.counters.totals()
    }

    /// What the worker measured when it first stepped down for load, once per worker.
    pub fn take_degradation(&self) -> Option<Degradation> {
        self.counters.take_degradation()
    }
}

impl Drop for SttWorker {
    fn drop(&mut self) {
        // Stop receiving outcomes first, so a worker blocked on sending one is released.
        self.outcomes = crossbeam_channel::never();
        let _ = self.requests.send(SttRequest::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The worker thread's state.
struct Worker {
    model: Arc<WhisperModel>,
    states: [whisper_rs::WhisperState; 2],
    settings: DecodeSettings,
    screening: Screening,
    /// `stt.threads`: the most threads a decode uses.
    max_threads: u32,
    /// `stt.min_audio_context_frames`, before the load steps lower it.
    context_floor_frames: u32,
    governor: LoadGovernor,
    /// `None` in reproducible replays: the thread count never follows the load there.
    probe: Option<FreeCoresProbe>,
    /// Whether the first step down was shared (once per worker).
    degradation_reported: bool,
    max_waiting: usize,
    requests: Receiver<SttRequest>,
    outcomes: Sender<SttOutcome>,
    free_buffers: Sender<Vec<f32>>,
    counters: Arc<SttCounters>,
    waiting: VecDeque<SttJob>,
}

impl Worker {
    fn run(&mut self) {
        let mut shutting_down = false;
        loop {
            if self.waiting.is_empty() {
                if shutting_down {
                    return;
                }
                match self.requests.recv() {
                    Ok(request) => shutting_down |= self.accept(request),
                    Err(_) => return,
                }
            }
            while let Ok(request) = self.requests.try_recv() {
                shutting_down |= self.accept(request);
            }
            self.shed();
            if let Some(job) = self.waiting.pop_front() {
                if !self.decode(job) {
                    return;
                }
            }
        }
    }

    /// Takes a request into the waiting list; returns true for shutdown.
    fn accept(&mut self, request: SttRequest) -> bool {
        let job = match request {
            SttRequest::Shutdown => return true,
            SttRequest::Transcribe(job) => job,
        };
        // A newer look at a clip replaces the waiting partials of the same clip.
        while let Some(i) = self.waiting.iter().position(|w| {
            w.speaker == job.speaker
                && w.span.clip_id == job.span.clip_id
                && w.span.kind == ClipKind::Partial
        }) {
            if let Some(old) = self.waiting.remove(i) {
                self.skip(old, SkipReason::Superseded);
            }
        }
        self.waiting.push_back(job);
        false
    }

    /// Past the limit, drops waiting partials first, then the oldest finals.
    fn shed(&mut self) {
        while self.waiting.len() > self.max_waiting {
            let victim = self
                .waiting
                .iter()
                .position(|j| j.span.kind == ClipKind::Partial)
                .unwrap_or(0);
            if let Some(job) = self.waiting.remove(victim) {
                self.skip(job, SkipReason::Dropped);
            }
        }
    }

    /// Reports a job that gives no transcript; returns its buffer to the pool.
    fn skip(&mut self, job: SttJob, reason: SkipReason) -> bool {
        self.counters.count(reason);
        let _ = self.free_buffers.try_send(job.audio);
        self.outcomes
            .send(SttOutcome::Skipped {
                job_id: job.job_id,
                speaker: job.speaker,
                reason,
            })
            .is_ok()
    }

    /// Sets the threads and context floor for the next decode from the load.
    fn adapt_to_load(&mut self) {
        let from_free_cores = match self.probe.as_mut().and_then(FreeCoresProbe::free_cores) {
            Some(free_cores) => threads_for_free_cores(free_cores, self.max_threads),
            None => self.max_threads,
        };
        self.settings.threads = self.governor.threads(from_free_cores);
        self.settings.min_audio_context_frames =
            self.governor.context_floor(self.context_floor_frames);
    }

    /// Tells the governor how long a job took; shares a change of step.
    fn judge_lateness(&mut self, job: &SttJob, audio_ms: u64, decoded: &Decoded) {
        let delay_ms = job.submitted_at.elapsed().as_secs_f64() * 1000.0;
        let changed = self
            .governor
            .record(audio_ms, decoded.decode_ms, delay_ms, decoded.aborted);
        if let Some(step) = changed {
            self.counters.set_load_step(step);
            if !self.degradation_reported {
                if let Some(first) = self.governor.first_degradation() {
                    self.counters.report_degradation(first);
                    self.degradation_reported = true;
                }
            }
        }
    }

    /// Transcribes one job and reports it; false once nobody listens any more.
    fn decode(&mut self, job: SttJob) -> bool {
        if job.span.kind == ClipKind::Partial && !self.governor.step().partials_allowed() {
            return self.skip(job, SkipReason::HeldBack);
        }
        let audio_ms = (job.audio.len() / SAMPLES_PER_MS) as u64;
        let clip_s = audio_ms as f64 / 1000.0;
        if self.governor.skips(audio_ms, self.settings.budget(clip_s)) {
            return self.skip(job, SkipReason::Busy);
        }
        self.adapt_to_load();
        let state = &mut self.states[job.speaker.index()];
        let outcome = transcribe(
            &self.model,
            state,
            &self.settings,
            DecodeMode::SizedContext,
            &job.audio,
            Some(job.span.speech_end_ms.saturating_sub(job.span.start_ms)),
        );
        let decoded = match outcome {
            Ok(decoded) => decoded,
            Err(_) => return self.skip(job, SkipReason::Failed),
        };
        self.judge_lateness(&job, audio_ms, &decoded);
        self.counters.count_decode(&decoded, self.settings.threads);
        let text = match screen(&decoded, job.span.voiced_ms, &self.screening) {
            Ok(text) => text,
            Err(reason) => return self.skip(job, reason),
        };
        self.counters.transcribed.fetch_add(1, Ordering::Relaxed);
        let transcript = Transcript {
            job_id: job.job_id,
            speaker: job.speaker,
            clip_id: job.span.clip_id,
            is_final: job.span.kind == ClipKind::Final,
            start_ms: job.span.start_ms,
            end_ms: job.span.end_ms,
            speech_end_ms: job.span.speech_end_ms,
            text,
            delay_ms: job.submitted_at.elapsed().as_secs_f64() * 1000.0,
            decode_ms: decoded.decode_ms,
            audio_context_frames: decoded.audio_context_frames,
            no_speech_probability: decoded.no_speech_probability,
            mean_token_logprob: decoded.mean_token_logprob,
        };
        let _ = self.free_buffers.try_send(job.audio);
        self.outcomes
            .send(SttOutcome::Transcribed(transcript))
            .is_ok()
    }
}

/// Lets whisper's threads give way to callcue's own capture and analysis threads: on Linux
/// the worker (and the ggml threads it starts, which inherit it) runs under the batch
/// scheduling policy, which keeps its fair share of the CPU against other programs but is
/// never preferred when an interactive thread wakes. Elsewhere, and if the system refuses,
/// nothing changes.
fn yield_to_the_analysis() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: plain system call on the calling thread (pid 0) with a valid parameter.
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
    }
}

/// Voice that carries fewer words than this per second is not speech: hold music and
/// tones that webrtc-vad lets through come back from whisper as one confident "Whoa" or
/// "Oh" for several seconds of sound. Slow speech has about 1.5 words a second.
const MIN_WORDS_PER_VOICED_S: f32 = 0.6;
/// ...judged only on clips with at least this much voice (a short "Okay" is speech).
const WORD_DENSITY_MIN_VOICED_MS: u64 = 2500;

/// More words than this per second of voice (plus [`WORDS_SLACK`]) cannot all have been
/// said: fast speech is about 3.5 words a second. Such a text that ends by repeating itself
/// is whisper filling the rest of its context with the sentence again.
const MAX_WORDS_PER_VOICED_S: f32 = 4.5;
const WORDS_SLACK: f32 = 2.0;

/// Whisper's no-speech guess (`stt.no_speech_probability_max`) gives way to words it is
/// sure of (mean token log-probability above this) unless the guess is near certain: real
/// far-field sentences read with confident words came out at 0.65-0.68, while hold music
/// and noise came out at 0.87 or more (or as artefacts the cleaning removes).
const CONFIDENT_WORDS_LOGPROB: f32 = -0.5;
const NO_SPEECH_NEAR_CERTAIN: f32 = 0.8;

/// The limits [`screen`] applies.
#[derive(Clone, Copy, Debug)]
pub struct Screening {
    pub no_speech_probability_max: f32,
    pub min_mean_token_logprob: f32,
}

impl Screening {
    pub fn from(stt: &SttConfig) -> Self {
        Self {
            no_speech_probability_max: stt.no_speech_probability_max,
            min_mean_token_logprob: stt.min_mean_token_logprob,
        }
    }
}

/// What of whisper's output becomes a transcript: nothing from an aborted decode, from a
/// clip whisper rates as no speech, from words whisper was unsure of, from text that is
/// only a known artefact, or from seconds of voice that hold almost no words; otherwise
/// the cleaned text, without a repeat at its end that the voice was too short to hold.
/// (Numbers are masked later, by the analyzer, across the call's transcripts.)
pub fn screen(decoded: &Decoded, voiced_ms: u64, limits: &Screening) -> Result<String, SkipReason> {
    if decoded.aborted {
        return Err(SkipReason::Aborted);
    }
    let confident_words = decoded.mean_token_logprob > CONFIDENT_WORDS_LOGPROB
        && decoded.no_speech_probability < NO_SPEECH_NEAR_CERTAIN;
    if (decoded.no_speech_probability >= limits.no_speech_probability_max && !confident_words)
        || decoded.mean_token_logprob <= limits.min_mean_token_logprob
    {
        return Err(SkipReason::NoSpeech);
    }
    let Some(cleaned) = clean_transcript(&decoded.text) else {
        return Err(if decoded.text.trim().is_empty() {
            SkipReason::NoSpeech
        } else {
            SkipReason::Artefact
        });
    };
    let words = normalize(&cleaned).len() as f32;
    if voiced_ms >= WORD_DENSITY_MIN_VOICED_MS {
        let words_per_s = words * 1000.0 / voiced_ms as f32;
        if words_per_s < MIN_WORDS_PER_VOICED_S {
            return Err(SkipReason::NoSpeech);
        }
    }
    let most_words = MAX_WORDS_PER_VOICED_S * voiced_ms as f32 / 1000.0 + WORDS_SLACK;
    let cleaned = match cut_repeated_tail(&cleaned) {
        Some(once) if words > most_words => once,
        _ => cleaned,
    };
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> Decoded {
        Decoded {
            text: text.into(),
            no_speech_probability: 0.05,
            mean_token_logprob: -0.3,
            ..Decoded::default()
        }
    }

    const LIMITS: Screening = Screening {
        no_speech_probability_max: 0.6,
        min_mean_token_logprob: -1.5,
    };

    #[test]
    fn a_repeat_the_voice_was_too_short_to_hold_is_cut() {
        let looped = "Could you spell that for me, please? Could you spell that for me, please?";
        // 14 words in 1.1 s of voice cannot all have been said.
        assert_eq!(
            screen(&decoded(looped), 1100, &LIMITS).as_deref(),
            Ok("Could you spell that for me, please?")
        );
        // In 4 s they can: said twice on purpose.
        assert_eq!(
            screen(&decoded(looped), 4000, &LIMITS).as_deref(),
            Ok(looped)
        );
        // Dense but not repeating: kept as it is.
        let dense = "Yes I can see the order number and the delivery date right here";
        assert_eq!(screen(&decoded(dense), 1000, &LIMITS).as_deref(), Ok(dense));
    }

    #[test]
    fn aborted_unsure_and_empty_decodes_give_no_text() {
        let mut aborted = decoded("Hello there");
        aborted.aborted = true;
        assert_eq!(screen(&aborted, 1000, &LIMITS), Err(SkipReason::Aborted));
        let mut unsure = decoded("Hello there");
        unsure.mean_token_logprob = -2.0;
        assert_eq!(screen(&unsure, 1000, &LIMITS), Err(SkipReason::NoSpeech));
        // A no-speech guess over the limit drops the text, unless whisper is sure of its
        // words and not near certain there is no speech.
        let mut maybe_silent = decoded("Hello there");
        maybe_silent.no_speech_probability = 0.68;
        maybe_silent.mean_token_logprob = -0.8;
        assert_eq!(
            screen(&maybe_silent, 1000, &LIMITS),
            Err(SkipReason::NoSpeech)
        );
        maybe_silent.mean_token_logprob = -0.26;
        assert_eq!(
            screen(&maybe_silent, 1000, &LIMITS).as_deref(),
            Ok("Hello there")
        );
        maybe_silent.no_speech_probability = 0.87;
        assert_eq!(
            screen(&maybe_silent, 1000, &LIMITS),
            Err(SkipReason::NoSpeech)
        );
        assert_eq!(
            screen(&decoded(""), 1000, &LIMITS),
            Err(SkipReason::NoSpeech)
        );
        assert_eq!(
            screen(&decoded("[BLANK_AUDIO]"), 1000, &LIMITS),
            Err(SkipReason::Artefact)
        );
    }
}
