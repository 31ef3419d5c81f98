//! Speech-to-text on a busy desktop: how many cores other programs leave free, and how far
//! to step down when decoding still comes too late.
//!
//! Why decoding collapsed under load (measured on 2 cores beside 2 busy processes, a real
//! four-minute call): ggml's worker threads wait for each other at every step of the
//! network by spinning, not sleeping. With 2 threads and no free core, the scheduler sets one
//! thread aside while the other spins at the next barrier for the rest of its time slice,
//! and the mean decode went from 0.3 s to 1.8 s (76 of 166 decodes aborted). One thread
//! never waits at a barrier: the same run decoded in 0.9 s on average with 1 abort. So:
//!
//! - [`FreeCoresProbe`] measures the cores other programs leave free (Linux: `/proc/stat`
//!   minus callcue's own time in `/proc/self/stat`), and whisper gets that many threads,
//!   never more than `stt.threads` ([`threads_for_free_cores`]).
//! - [`LoadGovernor`] watches how late transcripts come (waiting plus decoding) and,
//!   when they are still late, steps down on purpose, one [`LoadStep`] at a time: no
//!   partial transcripts, then one thread whatever the probe says, then a smaller audio
//!   context, then skipping clips whose decode would not finish within its budget. It
//!   steps back up when transcripts are on time again.
//!
//! Neither applies to reproducible replays ([`super::TimeBudget::Unlimited`]): their text
//! must not depend on the machine, so they always decode with `stt.threads` at the full
//! step.

use std::time::{Duration, Instant};

pub use callcue_core::transcript::LoadStep;

/// The audio context floor at [`LoadStep::SmallContext`] and below, in encoder frames. The
/// stt bench found 384 the smallest floor at which no clip looped (320-352 looped on 1-3 of
/// 60 clips).
pub const SMALL_CONTEXT_FLOOR_FRAMES: u32 = 384;

/// Whisper's threads for `free_cores` cores left free by other programs: the whole cores
/// free (three quarters of one counts), at least 1 and at most `max_threads`.
pub fn threads_for_free_cores(free_cores: f32, max_threads: u32) -> u32 {
    let whole = (free_cores + 0.25).floor();
    let whole = if whole.is_finite() && whole >= 1.0 {
        whole as u32
    } else {
        1
    };
    whole.clamp(1, max_threads.max(1))
}

/// CPU time counters read at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuTicks {
    /// All CPUs' time, busy or not (`/proc/stat`, clock ticks).
    pub total: u64,
    /// All CPUs' idle and I/O-wait time.
    pub idle: u64,
    /// This process's own user and system time.
    pub own: u64,
    /// CPUs counted in `total`.
    pub cpus: u32,
}

/// The aggregate `cpu` line of `/proc/stat`: (all time, idle time, number of CPUs).
pub fn parse_proc_stat(text: &str) -> Option<(u64, u64, u32)> {
    let mut lines = text.lines();
    let first = lines.next()?;
    let mut fields = first.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest time is inside user and nice).
    let values: Vec<u64> = fields.take(8).map_while(|f| f.parse().ok()).collect();
    if values.len() < 5 {
        return None;
    }
    let total = values.iter().sum();
    let idle = values[3] + values[4];
    let cpus = text
        .lines()
        .filter(|l| {
            l.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count() as u32;
    Some((total, idle, cpus.max(1)))
}

/// User plus system time (clock ticks) from a `/proc/<pid>/stat` line.
pub fn parse_own_stat(text: &str) -> Option<u64> {
    // The command name is in parentheses and may hold spaces: count fields after it.
    let after_name = &text[text.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // Fields from `state` (3rd overall); utime and stime are the 14th and 15th overall.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Cores other programs left free between two readings.
pub fn free_cores_between(earlier: CpuTicks, later: CpuTicks) -> Option<f32> {
    let total = later.total.checked_sub(earlier.total)?;
    if total == 0 {
        return None;
    }
    let busy = total.saturating_sub(later.idle.saturating_sub(earlier.idle));
    let own = later.own.saturating_sub(earlier.own);
    let others_busy = busy.saturating_sub(own) as f32;
    let cpus = later.cpus as f32;
    let others_cores = others_busy / total as f32 * cpus;
    Some((cpus - others_cores).clamp(0.0, cpus))
}

/// Shortest span between two readings worth comparing (clock ticks are 10 ms).
const MIN_PROBE_SPAN: Duration = Duration::from_millis(250);

/// Measures the cores other programs leave free, between successive calls.
#[derive(Debug)]
pub struct FreeCoresProbe {
    allowed_cores: u32,
    last: Option<(Instant, CpuTicks)>,
    free_cores: Option<f32>,
}

impl Default for FreeCoresProbe {
    fn default() -> Self {
        Self::new()
    }
}

impl FreeCoresProbe {
    pub fn new() -> Self {
        let allowed_cores = std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1);
        let mut probe = Self {
            allowed_cores,
            last: None,
            free_cores: None,
        };
        probe.last = read_cpu_ticks().map(|t| (Instant::now(), t));
        probe
    }

    /// The cores free since the previous reading (or the last figure, when that was under a
    /// quarter of a second ago); `None` where the system does not say (not Linux), or when
    /// this process may use fewer cores than the system counts (an affinity mask or a
    /// container quota: the system-wide figures then say nothing about its own cores).
    pub fn free_cores(&mut self) -> Option<f32> {
        let now = Instant::now();
        if let Some((at, _)) = self.last {
            if now.duration_since(at) < MIN_PROBE_SPAN && self.free_cores.is_some() {
                return self.free_cores;
            }
        }
        let ticks = read_cpu_ticks().filter(|t| t.cpus == self.allowed_cores)?;
        if let Some((_, earlier)) = self.last {
            if let Some(free) = free_cores_between(earlier, ticks) {
                self.free_cores = Some(free);
            }
        }
        self.last = Some((now, ticks));
        self.free_cores
    }
}

#[cfg(target_os = "linux")]
fn read_cpu_ticks() -> Option<CpuTicks> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (total, idle, cpus) = parse_proc_stat(&stat)?;
    Some(CpuTicks {
        total,
        idle,
        own: parse_own_stat(&own)?,
        cpus,
    })
}

#[cfg(not(target_os = "linux"))]
fn read_cpu_ticks() -> Option<CpuTicks> {
    None
}

/// Transcripts remembered to judge lateness.
const RECENT_TRANSCRIPTS: usize = 5;
/// Late transcripts among the last 3 that step down.
const LATE_OF_THREE_TO_STEP_DOWN: usize = 2;
/// Transcripts since the last change before stepping again.
const MIN_TRANSCRIPTS_AT_A_STEP: usize = 3;
/// Transcripts all this early (a fraction of the target) step back up...
const EARLY_FRACTION: f64 = 0.5;
/// ...or all on time, once the step has held this long.
const STEP_UP_AFTER: Duration = Duration::from_secs(60);

/// The decode speed when speech-to-text first stepped down, for the notice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Degradation {
    pub step: LoadStep,
    /// Seconds of audio decoded per second of decoding, over the late transcripts.
    pub decode_rate: f64,
    /// The median delay of those transcripts (waiting plus decoding).
    pub delay_ms: f64,
}

impl Degradation {
    /// The `stt_degraded` notice's message.
    pub fn message(&self) -> String {
        format!(
            "speech-to-text cannot keep up on this busy PC (decoding at {:.1}x real time, \
             transcripts {:.1} s late): {}; word nudges may come late or not at all",
            self.decode_rate,
            self.delay_ms / 1000.0,
            self.step.describe()
        )
    }
}

/// Decides the [`LoadStep`] from how late transcripts come.
#[derive(Debug)]
pub struct LoadGovernor {
    enabled: bool,
    target_delay_ms: f64,
    step: LoadStep,
    deepest: LoadStep,
    changed_at: Instant,
    /// (delay ms, audio ms, decode ms) of the latest transcripts at this step, newest last.
    recent: Vec<(f64, f64, f64)>,
    /// Milliseconds of decoding per second of audio at this step, smoothed.
    decode_ms_per_audio_s: Option<f64>,
    first_degradation: Option<Degradation>,
}

impl LoadGovernor {
    /// A governor aiming at transcripts within `target_delay_ms`; a disabled one stays at
    /// [`LoadStep::Full`].
    pub fn new(enabled: bool, target_delay_ms: u32) -> Self {
        Self {
            enabled,
            target_delay_ms: f64::from(target_delay_ms.max(1)),
            step: LoadStep::Full,
            deepest: LoadStep::Full,
            changed_at: Instant::now(),
            recent: Vec::with_capacity(RECENT_TRANSCRIPTS + 1),
            decode_ms_per_audio_s: None,
            first_degradation: None,
        }
    }

    pub fn step(&self) -> LoadStep {
        self.step
    }

    /// The lowest step reached.
    pub fn deepest(&self) -> LoadStep {
        self.deepest
    }

    /// What the first step down measured, once it happened.
    pub fn first_degradation(&self) -> Option<Degradation> {
        self.first_degradation
    }

    /// Whisper's threads at this step, given what the probe allows.
    pub fn threads(&self, from_free_cores: u32) -> u32 {
        if self.step >= LoadStep::OneThread {
            1
        } else {
            from_free_cores
        }
    }

    /// The audio context floor at this step.
    pub fn context_floor(&self, configured: u32) -> u32 {
        if self.step >= LoadStep::SmallContext {
            configured.min(SMALL_CONTEXT_FLOOR_FRAMES)
        } else {
            configured
        }
    }

    /// Whether a clip of `audio_ms` should be skipped: at the last step, when its decode at
    /// the speed measured would run past `budget`.
    pub fn skips(&self, audio_ms: u64, budget: Duration) -> bool {
        if self.step < LoadStep::SkipLate {
            return false;
        }
        self.decode_ms_per_audio_s
            .is_some_and(|rate| rate * audio_ms as f64 / 1000.0 > budget.as_secs_f64() * 1000.0)
    }

    /// Records a decode: `delay_ms` from submission to its end (waiting plus decoding),
    /// `decode_ms` of it decoding, over `audio_ms` of audio; partials and finals alike (a
    /// partial waiting behind others is as much a sign of falling behind). An aborted
    /// decode counts as late. Returns the new step when it changed.
    pub fn record(
        &mut self,
        audio_ms: u64,
        decode_ms: f64,
        delay_ms: f64,
        aborted: bool,
    ) -> Option<LoadStep> {
        if !self.enabled {
            return None;
        }
        if audio_ms > 0 {
            let per_s = decode_ms * 1000.0 / audio_ms as f64;
            self.decode_ms_per_audio_s = Some(match self.decode_ms_per_audio_s {
                Some(old) => 0.7 * old + 0.3 * per_s,
                None => per_s,
            });
        }
        let delay_ms = if aborted {
            delay_ms.max(self.target_delay_ms * 2.0)
        } else {
            delay_ms
        };
        self.recent.push((delay_ms, audio_ms as f64, decode_ms));
        if self.recent.len() > RECENT_TRANSCRIPTS {
            self.recent.remove(0);
        }
        self.decide()
    }

    fn decide(&mut self) -> Option<LoadStep> {
        let n = self.recent.len();
        if n < MIN_TRANSCRIPTS_AT_A_STEP {
            return None;
        }
        let last_three = &self.recent[n - 3..];
        let late = last_three
            .iter()
            .filter(|(delay, _, _)| *delay > self.target_delay_ms)
            .count();
        if late >= LATE_OF_THREE_TO_STEP_DOWN && self.step < LoadStep::SkipLate {
            if self.first_degradation.is_none() {
                self.first_degradation = Some(self.measure(last_three, self.step.down()));
            }
            return Some(self.change(self.step.down()));
        }
        if self.step > LoadStep::Full && n >= RECENT_TRANSCRIPTS {
            let all_under = |limit: f64| self.recent.iter().all(|(d, _, _)| *d <= limit);
            let early = all_under(self.target_delay_ms * EARLY_FRACTION);
            let held = self.changed_at.elapsed() >= STEP_UP_AFTER;
            if early || (held && all_under(self.target_delay_ms)) {
                return Some(self.change(self.step.up()));
            }
        }
        None
    }

    fn measure(&self, decodes: &[(f64, f64, f64)], step: LoadStep) -> Degradation {
        let audio_ms: f64 = decodes.iter().map(|f| f.1).sum();
        let decode_ms: f64 = decodes.iter().map(|f| f.2).sum();
        let mut delays: Vec<f64> = decodes.iter().map(|f| f.0).collect();
        delays.sort_by(f64::total_cmp);
        Degradation {
            step,
            decode_rate: if decode_ms > 0.0 {
                audio_ms / decode_ms
            } else {
                0.0
            },
            delay_ms: delays[delays.len() / 2],
        }
    }

    fn change(&mut self, step: LoadStep) -> LoadStep {
        self.step = step;
        self.deepest = self.deepest.max(step);
        self.changed_at = Instant::now();
        self.recent.clear();
        // The speed at the new step is measured afresh.
        self.decode_ms_per_audio_s = None;
        step
    }

    /// Moves the last change of step `by` into the past (for tests that step up after a
    /// while).
    #[cfg(test)]
    fn backdate_change(&mut self, by: Duration) {
        self.changed_at -= by;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_follow_the_free_cores_within_the_limit() {
        assert_eq!(threads_for_free_cores(1.9, 2), 2);
        assert_eq!(threads_for_free_cores(1.8, 2), 2);
        assert_eq!(threads_for_free_cores(1.6, 2), 1);
        assert_eq!(threads_for_free_cores(0.0, 2), 1);
        assert_eq!(threads_for_free_cores(7.9, 4), 4);
        assert_eq!(threads_for_free_cores(f32::NAN, 4), 1);
    }

    #[test]
    fn proc_stat_is_read_with_its_cpu_count() {
        let text = "cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 0 1 1 0 0\n\
                    cpu1 50 3 25 400 10 1 1 2 0 0\nintr 1 2 3\n";
        assert_eq!(parse_proc_stat(text), Some((981, 820, 2)));
        assert_eq!(parse_proc_stat("intr 1 2\n"), None);
        assert_eq!(parse_proc_stat("cpu a b c\n"), None);
    }

    #[test]
    fn own_time_is_read_past_a_name_with_spaces() {
        let line = "4242 (callcue (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 40 0 0 20 0 3";
        assert_eq!(parse_own_stat(line), Some(290));
        assert_eq!(parse_own_stat("4242 (short"), None);
    }

    #[test]
    fn free_cores_leave_out_this_process_own_time() {
        let earlier = CpuTicks {
            total: 0,
            idle: 0,
            own: 0,
            cpus: 2,
        };
        // Over 1 s of 2 CPUs (200 ticks): 20 idle, 100 ours, 80 others'.
        let later = CpuTicks {
            total: 200,
            idle: 20,
            own: 100,
            cpus: 2,
        };
        let free = free_cores_between(earlier, later).unwrap();
        assert!((free - 1.2).abs() < 1e-4, "{free}");
        // Two other busy programs: nothing free.
        let busy = CpuTicks { own: 0, ..later };
        let free = free_cores_between(earlier, CpuTicks { idle: 0, ..busy }).unwrap();
        assert_eq!(free, 0.0);
        let quiet = CpuTicks {
            total: 200,
            idle: 200,
            own: 0,
            cpus: 2,
        };
        assert_eq!(free_cores_between(earlier, quiet), Some(2.0));
        assert_eq!(free_cores_between(quiet, quiet), None);
    }

    #[test]
    fn the_probe_reads_this_machine() {
        let mut probe = FreeCoresProbe::new();
        std::thread::sleep(MIN_PROBE_SPAN + Duration::from_millis(50));
        let free = probe.free_cores();
        let counted_cpus = read_cpu_ticks().map(|t| t.cpus);
        if counted_cpus == Some(probe.allowed_cores) {
            let free = free.expect("Linux says how busy its CPUs are");
            assert!((0.0..=probe.allowed_cores as f32).contains(&free), "{free}");
        } else {
            assert_eq!(free, None);
        }
    }

    fn feed(governor: &mut LoadGovernor, delays_ms: &[f64]) -> Vec<LoadStep> {
        delays_ms
            .iter()
            .filter_map(|&d| governor.record(3000, d * 0.8, d, false))
            .collect()
    }

    #[test]
    fn late_transcripts_step_down_one_step_at_a_time() {
        let mut governor = LoadGovernor::new(true, 1500);
        assert_eq!(feed(&mut governor, &[400.0, 500.0, 450.0, 600.0]), vec![]);
        assert_eq!(
            feed(&mut governor, &[2500.0, 3000.0]),
            vec![LoadStep::NoPartials]
        );
        let first = governor.first_degradation().unwrap();
        assert_eq!(first.step, LoadStep::NoPartials);
        assert_eq!(first.delay_ms, 2500.0);
        assert!((first.decode_rate - 9000.0 / (0.8 * 6100.0)).abs() < 1e-9);
        // Every step needs 3 transcripts of its own before the next.
        assert_eq!(feed(&mut governor, &[3000.0, 3000.0]), vec![]);
        assert_eq!(feed(&mut governor, &[3000.0]), vec![LoadStep::OneThread]);
        assert_eq!(governor.threads(2), 1);
        assert_eq!(
            feed(&mut governor, &[3000.0; 6]),
            vec![LoadStep::SmallContext, LoadStep::SkipLate]
        );
        assert_eq!(governor.context_floor(448), SMALL_CONTEXT_FLOOR_FRAMES);
        assert_eq!(feed(&mut governor, &[3000.0; 3]), vec![]);
        assert_eq!(governor.deepest(), LoadStep::SkipLate);
        assert!(!governor.step().partials_allowed());
    }

    #[test]
    fn early_transcripts_step_back_up() {
        let mut governor = LoadGovernor::new(true, 1500);
        feed(&mut governor, &[2000.0, 2000.0, 2000.0]);
        assert_eq!(governor.step(), LoadStep::NoPartials);
        // On time but not early: it holds for a while...
        assert_eq!(feed(&mut governor, &[1000.0; 5]), vec![]);
        governor.backdate_change(STEP_UP_AFTER);
        assert_eq!(feed(&mut governor, &[1000.0]), vec![LoadStep::Full]);
        feed(&mut governor, &[2000.0, 2000.0, 2000.0]);
        // ...and early transcripts step up at once.
        assert_eq!(feed(&mut governor, &[300.0; 5]), vec![LoadStep::Full]);
        assert_eq!(governor.deepest(), LoadStep::NoPartials);
        assert!(governor.step().partials_allowed());
    }

    #[test]
    fn aborted_decodes_count_as_late() {
        let mut governor = LoadGovernor::new(true, 1500);
        assert_eq!(governor.record(3000, 100.0, 200.0, true), None);
        assert_eq!(governor.record(3000, 100.0, 200.0, true), None);
        assert_eq!(
            governor.record(3000, 100.0, 200.0, false),
            Some(LoadStep::NoPartials)
        );
    }

    #[test]
    fn the_last_step_skips_only_clips_that_cannot_make_their_budget() {
        let mut governor = LoadGovernor::new(true, 1000);
        // 3 s clips decoded in 2.4 s: 800 ms per second of audio.
        feed(&mut governor, &[3000.0; 12]);
        assert_eq!(governor.step(), LoadStep::SkipLate);
        assert!(!governor.skips(3000, Duration::from_millis(1800)));
        feed(&mut governor, &[3000.0]);
        assert!(!governor.skips(2000, Duration::from_millis(1800)));
        assert!(governor.skips(3000, Duration::from_millis(1800)));
    }

    #[test]
    fn a_disabled_governor_never_steps() {
        let mut governor = LoadGovernor::new(false, 1500);
        assert_eq!(feed(&mut governor, &[9000.0; 20]), vec![]);
        assert_eq!(governor.step(), LoadStep::Full);
        assert_eq!(governor.first_degradation(), None);
    }
}
