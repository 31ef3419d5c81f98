//! The `callcue-analysis` thread: frames from both captures, calls found or marked, the
//! analyzer and speech-to-text per call, events out.
//!
//! Every [`TICK`] it drains both capture rings and processes every frame pair it can:
//! both sides' frames when both have one; one side's frame with silence for the other
//! when the other has delivered nothing for `capture.stall_ms` (a loopback device is
//! quiet between calls; a device may be unplugged); silence for both, paced by the wall
//! clock, when neither delivers. Speech-to-text runs on its own thread and is only ever
//! polled here, so whisper never holds up the next frame.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;

use super::bleed::BleedGate;
use super::calls::{AudioCallChange, CallDetector, Preroll};
use super::framer::SideFramer;
use super::{unix_now_ms, ControlReceiver, DeviceNews, LiveControl, LiveSink};
use crate::agent_profile::{AgentProfile, ProfileStore};
use crate::capture::CaptureClock;
use crate::config::Config;
use crate::event::{CallMarkedBy, Change, Event, EventSink, NoticeCode, Speaker};
use crate::session::{CallSession, SttSetup, Timing};
use crate::summary::CaptureTotals;

/// How often the rings are drained.
const TICK: Duration = Duration::from_millis(5);
/// How often the overlay's indicators are refreshed during a call.
const INDICATORS_EVERY: Duration = Duration::from_millis(500);
/// The most one side may run ahead of the other (device clock drift) before its oldest
/// audio is dropped to realign them; half of it is left after realigning. Well inside the
/// framers' queues (1 s), so the rule can act at every frame size.
const MAX_SKEW_MS: u32 = 500;
/// At shutdown, how long the last clips may take to be transcribed.
const FINAL_STT_WAIT: Duration = Duration::from_secs(3);
/// Capture-to-decision delays are counted in 1 ms bins up to this.
const DELAY_BINS_MS: usize = 2000;

/// Runs until a `Stop` arrives or every sender is gone.
pub(crate) fn run(
    config: Config,
    stt: SttSetup,
    sink: Box<dyn LiveSink>,
    control: ControlReceiver,
    clock: CaptureClock,
) {
    let mut analysis = Analysis::new(config, stt, sink, clock);
    loop {
        let message = match control.recv_timeout(TICK) {
            Ok(message) => Some(message),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut stop = false;
        for message in message
            .into_iter()
            .chain(std::iter::from_fn(|| control.try_recv().ok()))
        {
            if matches!(message, LiveControl::Stop) {
                stop = true;
            } else {
                analysis.handle(message);
            }
        }
        analysis.tick(Instant::now());
        if stop {
            break;
        }
    }
    analysis.shut_down();
}

/// One call in progress.
struct ActiveCall {
    id: String,
    started_by: CallMarkedBy,
    session: CallSession,
    bleed_frames_at_start: u64,
    dropped_at_start: [u64; 2],
    realign_at_start: u64,
    device_losses: u32,
    delays: DelayHistogram,
}

struct Analysis {
    config: Config,
    /// Settings saved during a call: they apply when the next call starts.
    next_config: Option<Config>,
    frame_len: usize,
    framers: [SideFramer; 2],
    clock: CaptureClock,
    started: Instant,
    /// Frame pairs processed since start (calls and idle alike).
    frames_processed: u64,
    detector: CallDetector,
    preroll: Preroll,
    bleed: BleedGate,
    call: Option<ActiveCall>,
    /// A softphone hook has been heard: hooks mark calls from now on.
    hooks_in_use: bool,
    calls_started: u32,
    stt: SttSetup,
    stt_notice_given: bool,
    /// The agent's voice profile, when kept (`agent_profile.enabled`).
    profile: Option<ProfileStore>,
    /// The thread writing the profile after the last call, if one was started.
    profile_writer: Option<std::thread::JoinHandle<()>>,
    sink: Box<dyn LiveSink>,
    /// Sides lost and not back yet.
    lost: [bool; 2],
    /// Capture frames lost in ring overruns, by devices no longer attached.
    dropped_before: [u64; 2],
    realign_dropped: u64,
    agent_frame: Vec<f32>,
    caller_frame: Vec<f32>,
    silence: Vec<f32>,
    last_indicators: Instant,
}

/// How the log names what marked a call.
fn by_name(by: CallMarkedBy) -> &'static str {
    match by {
        CallMarkedBy::Hook => "softphone hook",
        CallMarkedBy::Audio => "found in the audio",
        CallMarkedBy::Shutdown => "callcue stopped",
    }
}

/// Opens the agent's voice profile if the config keeps one; says once in the log if it
/// cannot be read (coaching then uses each call's own baseline).
fn open_profile(config: &Config) -> Option<ProfileStore> {
    match ProfileStore::open(&config.agent_profile) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("callcue: {e}; judging the agent against each call's own start");
            None
        }
    }
}

/// Turns analyzer events into live events stamped with the wall clock.
struct Stamp<'s>(&'s mut dyn LiveSink);

impl EventSink for Stamp<'_> {
    fn emit(&mut self, event: &Event<'_>) {
        self.0.emit(event, unix_now_ms());
    }
}

impl Analysis {
    fn new(config: Config, stt: SttSetup, sink: Box<dyn LiveSink>, clock: CaptureClock) -> Self {
        let frame_ms = config.vad.frame_ms;
        let frame_len = (crate::ANALYSIS_RATE_HZ / 1000 * frame_ms) as usize;
        Self {
            frame_len,
            framers: [SideFramer::new(frame_len), SideFramer::new(frame_len)],
            clock,
            started: Instant::now(),
            frames_processed: 0,
            detector: CallDetector::new(&config.calls, &config.vad),
            preroll: Preroll::new(config.calls.preroll_ms, frame_ms, frame_len),
            bleed: BleedGate::new(&config.bleed, frame_len),
            call: None,
            hooks_in_use: false,
            calls_started: 0,
            stt,
            stt_notice_given: false,
            profile: open_profile(&config),
            profile_writer: None,
            sink,
            lost: [false; 2],
            dropped_before: [0; 2],
            realign_dropped: 0,
            agent_frame: vec![0.0; frame_len],
            caller_frame: vec![0.0; frame_len],
            silence: vec![0.0; frame_len],
            last_indicators: Instant::now(),
            config,
            next_config: None,
        }
    }

    fn handle(&mut self, message: LiveControl) {
        match message {
            LiveControl::CallStart { id } => {
                self.hooks_in_use = true;
                if self.call.is_some() {
                    self.end_call(CallMarkedBy::Hook);
                }
                self.preroll.clear();
                self.start_call(CallMarkedBy::Hook, id, false);
                self.detector.disarm();
            }
            LiveControl::CallEnd => {
                self.hooks_in_use = true;
                if self.call.is_some() {
                    self.end_call(CallMarkedBy::Hook);
                }
                self.detector.disarm();
            }
            LiveControl::SnoozeForCall => {
                if let Some(call) = self.call.as_mut() {
                    call.session.analyzer_mut().snooze_nudges();
                }
            }
            LiveControl::ConfigChanged { config, keys } => self.config_changed(*config, &keys),
            LiveControl::ConfigError(message) => {
                self.log(&format!(
                    "config not applied, keeping the last good settings: {message}"
                ));
                self.notice(NoticeCode::ConfigError, &message);
            }
            LiveControl::Screen(report) => {
                // A report about the call that just ended still belongs to the stream.
                let t_ms = self
                    .call
                    .as_ref()
                    .map_or(0, |call| call.session.analyzer().position_ms());
                self.sink.emit(&report.event(t_ms), unix_now_ms());
            }
            LiveControl::Device(DeviceNews::Attached(side, capture)) => {
                let name = format!("{} ({})", capture.device_name, capture.device_id);
                if let Err(e) = self.framers[side.index()].attach(capture) {
                    self.log(&format!("{side} device {name}: cannot use it: {e}"));
                    return;
                }
                self.log(&format!("capturing the {side} side from {name}"));
                if std::mem::replace(&mut self.lost[side.index()], false) {
                    let message = format!("{side} audio is back: {name}");
                    self.notice(NoticeCode::DeviceBack, &message);
                }
            }
            LiveControl::Device(DeviceNews::Lost { side, reason }) => {
                let i = side.index();
                if let Some(capture) = self.framers[i].detach() {
                    self.dropped_before[i] += capture
                        .stats
                        .frames_dropped
                        .load(std::sync::atomic::Ordering::Relaxed);
                }
                if !self.lost[i] {
                    if let Some(call) = self.call.as_mut() {
                        call.device_losses += 1;
                    }
                }
                self.lost[i] = true;
                let other = match side {
                    Speaker::Agent => "the caller's side",
                    Speaker::Caller => "the agent's side",
                };
                let message = format!("{reason}; coaching from {other} until it is back");
                self.log(&message);
                self.notice(NoticeCode::DeviceLost, &message);
            }
            LiveControl::Stop => {}
        }
    }

    /// A line for the log, naming the call when one is on.
    fn log(&mut self, message: &str) {
        match &self.call {
            Some(call) => {
                let line = format!("call {}: {message}", call.id);
                self.sink.log(&line);
            }
            None => self.sink.log(message),
        }
    }

    fn notice(&mut self, code: NoticeCode, message: &str) {
        let t_ms = self
            .call
            .as_ref()
            .map_or(0, |call| call.session.analyzer().position_ms());
        self.sink.emit(
            &Event::Notice {
                t_ms,
                code,
                message,
            },
            unix_now_ms(),
        );
    }

    /// Processes every frame pair that is ready.
    fn tick(&mut self, now: Instant) {
        for framer in &mut self.framers {
            framer.pull(now);
        }
        let stall_ms = u64::from(self.config.capture.stall_ms);
        let frame_ms = u64::from(self.config.vad.frame_ms);
        self.realign_after_stall();
        self.realign(now, stall_ms);
        loop {
            let ready = [self.framers[0].has_frame(), self.framers[1].has_frame()];
            let stalled = [
                self.framers[0].is_stalled(now, self.started, stall_ms),
                self.framers[1].is_stalled(now, self.started, stall_ms),
            ];
            let proceed = match ready {
                [true, true] => true,
                [true, false] => stalled[1],
                [false, true] => stalled[0],
                [false, false] => {
                    // Neither delivers: keep time with the wall clock, a stall behind.
                    let due_frames = (now.duration_since(self.started).as_millis() as u64)
                        .saturating_sub(stall_ms)
                        / frame_ms;
                    stalled[0] && stalled[1] && self.frames_processed < due_frames
                }
            };
            if !proceed {
                break;
            }
            let mut agent = std::mem::take(&mut self.agent_frame);
            let mut caller = std::mem::take(&mut self.caller_frame);
            if !self.framers[0].pop_frame(&mut agent) {
                agent.copy_from_slice(&self.silence);
                self.framers[0].note_padded_frame();
            }
            if !self.framers[1].pop_frame(&mut caller) {
                caller.copy_from_slice(&self.silence);
                self.framers[1].note_padded_frame();
            }
            self.process_pair(&agent, &caller, ready);
            self.agent_frame = agent;
            self.caller_frame = caller;
        }
        if self.last_indicators.elapsed() >= INDICATORS_EVERY {
            self.last_indicators = Instant::now();
            if let Some(call) = &self.call {
                let frustration = call.session.analyzer().caller_frustration_score();
                let talk_share = call.session.analyzer().agent_talk_share();
                self.sink.indicators(frustration, talk_share);
            }
        }
    }

    /// A side that was padded with silence while it delivered nothing, and now delivers
    /// a burst, was late rather than silent: the part of the burst that runs ahead of
    /// the other side covers time already stood in by silence, and is dropped (up to the
    /// silence stood in), so the two sides stay aligned. A loopback that was truly quiet
    /// resumes in real time, with nothing ahead to drop.
    fn realign_after_stall(&mut self) {
        for (side, other) in [(0, 1), (1, 0)] {
            let Some(padded) = self.framers[side].take_resumed_padding() else {
                continue;
            };
            let ahead = self.framers[side]
                .queued_frames()
                .saturating_sub(self.framers[other].queued_frames());
            let late = ahead.min(padded);
            if late > 0 {
                self.framers[side].drop_frames(late);
                self.realign_dropped += (late * self.frame_len) as u64;
            }
        }
    }

    /// Drops the oldest audio of a side that runs far ahead of the other.
    fn realign(&mut self, now: Instant, stall_ms: u64) {
        let stalled = |f: &SideFramer| f.is_stalled(now, self.started, stall_ms);
        if stalled(&self.framers[0]) || stalled(&self.framers[1]) {
            return;
        }
        let queued = [
            self.framers[0].queued_frames(),
            self.framers[1].queued_frames(),
        ];
        let max_skew_frames = (MAX_SKEW_MS / self.config.vad.frame_ms) as usize;
        if let Some((ahead, excess)) = frames_to_realign(queued, max_skew_frames) {
            self.framers[ahead].drop_frames(excess);
            self.realign_dropped += (excess * self.frame_len) as u64;
        }
    }

    fn process_pair(&mut self, agent: &[f32], caller: &[f32], fresh: [bool; 2]) {
        self.frames_processed += 1;
        let in_audio_call = self
            .call
            .as_ref()
            .is_some_and(|call| call.started_by == CallMarkedBy::Audio);
        let change = self.detector.push(agent, caller, in_audio_call);
        let audio_marks_calls = self.config.calls.detect_from_audio && !self.hooks_in_use;
        if audio_marks_calls {
            match change {
                AudioCallChange::Started if self.call.is_none() => {
                    self.start_call(CallMarkedBy::Audio, None, true);
                }
                AudioCallChange::Ended if in_audio_call => {
                    self.end_call(CallMarkedBy::Audio);
                }
                _ => {}
            }
        } else if self.call.is_none() && !self.hooks_in_use && !self.config.calls.detect_from_audio
        {
            // Neither hooks nor audio mark calls: one call from start to stop.
            self.start_call(CallMarkedBy::Audio, None, false);
        }
        // The caller's voice leaking into the microphone is not the agent: it is heard
        // as silence (in the pre-roll too).
        let agent_heard = if self.bleed.is_bleed(agent, caller) {
            &self.silence[..]
        } else {
            agent
        };
        match self.call.as_mut() {
            None => self.preroll.push(agent_heard, caller),
            Some(call) => {
                analyze_frame(call, agent_heard, caller, self.sink.as_mut());
                for side in [Speaker::Agent, Speaker::Caller] {
                    if fresh[side.index()] && !self.framers[side.index()].has_frame() {
                        if let Some(delay_ms) =
                            self.framers[side.index()].delay_of_last_frame_ms(&self.clock)
                        {
                            call.delays.record(delay_ms);
                        }
                    }
                }
            }
        }
    }

    /// New settings from a saved config file: now if no call is on, else at the next one.
    /// Settings the run sets up once at start wait for a restart (said in the log).
    fn config_changed(&mut self, config: Config, keys: &[String]) {
        let (next, waiting) = super::reload::applicable(&self.config, config, keys);
        let applying: Vec<&str> = keys
            .iter()
            .filter(|k| !waiting.contains(k))
            .map(String::as_str)
            .collect();
        if !waiting.is_empty() {
            self.log(&format!(
                "config: {} change(s) only at the next start of callcue: {}",
                waiting.len(),
                waiting.join(", ")
            ));
        }
        if applying.is_empty() {
            return;
        }
        let when = if self.call.is_some() {
            "from the next call"
        } else {
            "now"
        };
        let message = format!("config changed, applies {when}: {}", applying.join(", "));
        self.log(&message);
        self.notice(NoticeCode::ConfigChanged, &message);
        if self.call.is_some() {
            self.next_config = Some(next);
        } else {
            self.config = next;
        }
    }

    fn start_call(&mut self, by: CallMarkedBy, id: Option<String>, with_preroll: bool) {
        if let Some(config) = self.next_config.take() {
            self.config = config;
        }
        self.calls_started += 1;
        let id = id.unwrap_or_else(|| format!("{}-{}", unix_now_ms() / 1000, self.calls_started));
        let agent_profile = self.profile.as_ref().and_then(ProfileStore::baseline);
        let (session, stt_problem) =
            CallSession::start(&self.config, &self.stt, Timing::Live, agent_profile);
        let mut call = ActiveCall {
            id,
            started_by: by,
            session,
            bleed_frames_at_start: self.bleed.bleed_frames(),
            dropped_at_start: self.frames_dropped_now(),
            realign_at_start: self.realign_dropped,
            device_losses: 0,
            delays: DelayHistogram::new(),
        };
        self.sink.emit(
            &Event::Call {
                t_ms: 0,
                change: Change::Start,
                call_id: &call.id,
                by,
                capture: None,
            },
            unix_now_ms(),
        );
        let started = format!("call {} started ({})", call.id, by_name(by));
        self.sink.log(&started);
        if let Some(reason) = stt_problem {
            if !self.stt_notice_given {
                self.stt_notice_given = true;
                let message =
                    format!("speech-to-text is off, coaching from the voice alone: {reason}");
                self.sink.emit(
                    &Event::Notice {
                        t_ms: 0,
                        code: NoticeCode::SttUnavailable,
                        message: &message,
                    },
                    unix_now_ms(),
                );
            }
        }
        if with_preroll {
            let sink = self.sink.as_mut();
            self.preroll
                .drain(|agent, caller| analyze_frame(&mut call, agent, caller, sink));
        }
        self.call = Some(call);
    }

    fn end_call(&mut self, by: CallMarkedBy) {
        let Some(call) = self.call.take() else {
            return;
        };
        let mut stamp = Stamp(self.sink.as_mut());
        let end_ms = call.session.analyzer().position_ms();
        // At shutdown the last clips get a moment to be transcribed; otherwise the next
        // call may already be starting.
        let wait_for_text = if by == CallMarkedBy::Shutdown {
            FINAL_STT_WAIT
        } else {
            Duration::ZERO
        };
        let (summary, agent_voice) = call.session.finish(wait_for_text, &mut stamp);
        let ended = format!(
            "call {} ended ({}): {:.0} s, {} nudge(s) shown, {} held back",
            call.id,
            by_name(by),
            end_ms as f64 / 1000.0,
            summary.nudges_total,
            summary.nudges_suppressed,
        );
        self.sink.log(&ended);
        if let Some(learned) = self.profile.as_mut().and_then(|p| p.learn(agent_voice)) {
            self.write_profile(learned);
        }
        let dropped_now = self.frames_dropped_now();
        let (median, p95, max) = call.delays.summary();
        let capture = CaptureTotals {
            agent_device: self.device_id(Speaker::Agent),
            caller_device: self.device_id(Speaker::Caller),
            agent_frames_dropped: dropped_now[0] - call.dropped_at_start[0],
            caller_frames_dropped: dropped_now[1] - call.dropped_at_start[1],
            realign_samples_dropped: self.realign_dropped - call.realign_at_start,
            device_losses: call.device_losses,
            agent_bleed_frames: self.bleed.bleed_frames() - call.bleed_frames_at_start,
            capture_to_vad_median_ms: median,
            capture_to_vad_p95_ms: p95,
            capture_to_vad_max_ms: max,
        };
        self.sink.emit(
            &Event::Call {
                t_ms: end_ms,
                change: Change::End,
                call_id: &call.id,
                by,
                capture: Some(&capture),
            },
            unix_now_ms(),
        );
    }

    fn device_id(&self, side: Speaker) -> String {
        self.framers[side.index()]
            .capture()
            .map(|c| c.device_id.clone())
            .unwrap_or_default()
    }

    /// Capture frames lost in ring overruns so far, per side, over every device used.
    fn frames_dropped_now(&self) -> [u64; 2] {
        std::array::from_fn(|i| {
            let attached = self.framers[i].capture().map_or(0, |c| {
                c.stats
                    .frames_dropped
                    .load(std::sync::atomic::Ordering::Relaxed)
            });
            self.dropped_before[i] + attached + self.framers[i].dropped_samples
        })
    }

    fn shut_down(mut self) {
        if self.call.is_some() {
            self.log("finishing the call in progress");
            self.end_call(CallMarkedBy::Shutdown);
        }
        if let Some(writer) = self.profile_writer.take() {
            let _ = writer.join();
        }
    }

    /// Writes the agent voice profile on thread `callcue-profile`, so the analysis never
    /// waits on the disk; the previous write is joined first (it had a whole call to
    /// finish). A write that fails is said in the log; the next call tries again.
    fn write_profile(&mut self, (path, profile): (PathBuf, AgentProfile)) {
        if let Some(previous) = self.profile_writer.take() {
            let _ = previous.join();
        }
        let spawned = std::thread::Builder::new()
            .name("callcue-profile".into())
            .spawn(move || {
                if let Err(e) = profile.save(&path) {
                    eprintln!("callcue: {e}; the agent voice profile is not updated");
                }
            });
        match spawned {
            Ok(writer) => self.profile_writer = Some(writer),
            Err(e) => eprintln!("callcue: cannot start the profile writer: {e}"),
        }
    }
}

/// One frame pair through a call's session (analyzer, speech-to-text, any transcripts
/// that have come back). Never waits.
fn analyze_frame(call: &mut ActiveCall, agent: &[f32], caller: &[f32], sink: &mut dyn LiveSink) {
    call.session.push_frame(agent, caller, &mut Stamp(sink));
}

/// Capture-to-decision delays of one call, in 1 ms bins. Fixed size.
struct DelayHistogram {
    bins: Vec<u32>,
    count: u64,
    max_ms: f64,
}

impl DelayHistogram {
    fn new() -> Self {
        Self {
            bins: vec![0; DELAY_BINS_MS + 1],
            count: 0,
            max_ms: 0.0,
        }
    }

    fn record(&mut self, delay_ms: f64) {
        let bin = (delay_ms.max(0.0).round() as usize).min(DELAY_BINS_MS);
        self.bins[bin] += 1;
        self.count += 1;
        self.max_ms = self.max_ms.max(delay_ms);
    }

    /// Median, 95th percentile and maximum, in ms (0 when nothing was recorded).
    fn summary(&self) -> (f32, f32, f32) {
        if self.count == 0 {
            return (0.0, 0.0, 0.0);
        }
        let quantile = |q: f64| {
            let rank = ((self.count as f64 * q).ceil() as u64).max(1);
            let mut seen = 0u64;
            for (ms, &n) in self.bins.iter().enumerate() {
                seen += u64::from(n);
                if seen >= rank {
                    return ms as f32;
                }
            }
            DELAY_BINS_MS as f32
        };
        (quantile(0.5), quantile(0.95), self.max_ms as f32)
    }
}

/// Which side to drop how many of its oldest frames from, when one side has more than
/// `max_skew_frames` queued beyond the other: enough to leave half of that.
fn frames_to_realign(queued: [usize; 2], max_skew_frames: usize) -> Option<(usize, usize)> {
    let (ahead, behind) = if queued[0] >= queued[1] {
        (0, 1)
    } else {
        (1, 0)
    };
    let skew = queued[ahead] - queued[behind];
    (skew > max_skew_frames).then(|| (ahead, skew - max_skew_frames / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_side_half_a_second_ahead_is_realigned_at_every_frame_size() {
        for frame_ms in [10u32, 20, 30] {
            let max = (MAX_SKEW_MS / frame_ms) as usize;
            // Queues hold 1 s: a skew of 600 ms fits in them and must be acted on.
            let skew_frames = (600 / frame_ms) as usize;
            assert_eq!(
                frames_to_realign([skew_frames + 2, 2], max),
                Some((0, skew_frames - max / 2)),
                "{frame_ms} ms frames"
            );
            assert_eq!(
                frames_to_realign([2, skew_frames + 2], max).map(|d| d.0),
                Some(1)
            );
            assert_eq!(frames_to_realign([max + 2, 2], max), None);
        }
    }
}
