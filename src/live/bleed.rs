//! The caller's voice leaking into the agent's microphone (speakers, an open or leaky
//! headset): found frame by frame so the analysis does not take it for the agent talking
//! over the caller.
//!
//! The leak is the caller's audio a few ms to `max_delay_ms` later, quieter and filtered,
//! plus whatever the room adds. [`BleedGate`] keeps, for both channels, the RMS envelope of
//! 5 ms blocks in two bands (below and above [`CROSSOVER_HZ`]) over the last
//! [`WINDOW_MS`]. Each frame:
//!
//! 1. **Coupling.** The normalized correlation of the agent's envelope with the caller's,
//!    pooled over both bands, at every lag from 0 to `max_delay_ms` in 5 ms steps. A lag
//!    whose correlation stays at or above `min_correlation` for [`ACQUIRE_MS`], while the
//!    caller talks, is the echo path: its delay and its gain per band (agent over caller
//!    energy, learned on blocks where the echo stands above the microphone's noise) are kept
//!    from then on, across pauses and calls, and follow slow changes.
//! 2. **Double talk.** With the learned path, the caller's audio predicts the echo's energy
//!    in this frame (with a decaying tail for the room). Agent energy more than
//!    [`DOUBLE_TALK_MARGIN_DB`] above that prediction plus the noise floor, in either band,
//!    is the agent's own voice: never bleed. This is what catches the agent talking over
//!    the caller at once, before the 400 ms correlation window has noticed.
//! 3. **Bleed.** Agent energy the prediction explains, with the correlation at the learned
//!    delay still at `min_correlation` (0.1 less once in the bleed state), is the leak.
//!
//! Two frames of the same verdict are needed to change state ([`SWITCH_MS`], at least two
//! frames), so a single frame does not flip it; the bleed state lapses after a second
//! without evidence for it. With the caller silent for longer than the delay and the room's
//! tail, no echo is predicted and any agent sound above the noise is the agent's own at
//! once: the agent talking alone is never bleed. Silence in the microphone gets no
//! decision: `false`. A different delay replaces a learned one only after holding for
//! 500 ms, so a chance correlation with the agent's own voice (it holds for tens of ms)
//! does not move the path.
//!
//! Limits: nothing is gated until the path has been learned, about the first 250 ms of
//! leaked caller speech the gate hears (the live analysis keeps one gate across calls);
//! an echo louder than the caller's own audio ([`MAX_ECHO_GAIN_DB`]) is not taken as a
//! leak; the agent's voice at the same moment as the leak and less than
//! [`DOUBLE_TALK_MARGIN_DB`] above it (soft word onsets, a quiet "mm-hmm" during loud caller
//! speech) is gated with it; a non-linear or fast-changing path (speakerphone gain
//! switching, an echo canceller half-working upstream) lowers the correlation and lets
//! more of the leak through. Everything is preallocated in [`BleedGate::new`];
//! [`BleedGate::is_bleed`] never allocates and does the same work every frame: a band
//! split of both frames and `(max_delay_ms / 5 + 1) x 80 x 2` multiply-adds (about 6 µs
//! per 10 ms frame measured, `tests/bleed_real_speech.rs`).

use crate::config::BleedConfig;
use crate::ANALYSIS_RATE_HZ;

/// Envelope resolution, and the step of the delay search.
pub const BLOCK_MS: u32 = 5;
/// How much envelope is correlated.
pub const WINDOW_MS: u32 = 400;
/// Low band below, high band above (one-pole split).
pub const CROSSOVER_HZ: f32 = 1000.0;
/// Hum and DC are removed below this before anything is measured.
const HIGH_PASS_HZ: f32 = 80.0;
const BANDS: usize = 2;
const AGENT: usize = 0;
const CALLER: usize = 1;

/// The agent frame holds something to judge this far above the microphone's noise floor.
const AGENT_ACTIVE_ABOVE_FLOOR_DB: f32 = 6.0;
/// ... and something worth gating (when already in the bleed state) this far above it.
const AGENT_AUDIBLE_ABOVE_FLOOR_DB: f32 = 3.0;
/// A caller block is speech this far above the caller channel's floor ...
const CALLER_ACTIVE_ABOVE_FLOOR_DB: f32 = 10.0;
/// ... and at least this loud.
const CALLER_ACTIVE_MIN_DBFS: f32 = -70.0;
/// Caller speech the correlation window must hold to mean anything.
const MIN_CALLER_ACTIVE_MS: u32 = 100;
/// Agent energy this far above the predicted echo (plus noise) is the agent's own voice.
pub const DOUBLE_TALK_MARGIN_DB: f32 = 6.0;
/// The predicted echo (energy) must reach this share of the microphone's noise floor to
/// count as audible; below it, agent sound is the agent's own at once.
const ECHO_AUDIBLE_ABOVE_FLOOR: f32 = 0.5;
/// The predicted echo decays this fast after the caller's audio drops (the room's tail).
const ECHO_TAIL_DECAY_DB_PER_S: f32 = 200.0;
/// How far back the tail reaches.
const ECHO_TAIL_MS: u32 = 200;
/// A learned echo gain is capped here: a "leak" louder than the caller's audio is not one.
pub const MAX_ECHO_GAIN_DB: f32 = 0.0;
/// Correlation must hold at one delay this long before the path counts as found.
pub const ACQUIRE_MS: u32 = 150;
/// ... and this long to move to another delay, or to relearn the gain when the level check
/// disagrees (the volume changed).
const RELEARN_MS: u32 = 500;
/// Blocks needed to estimate a band's gain from one window.
const MIN_GAIN_BLOCKS: usize = 8;
/// Per-frame smoothing of the learned gain (in dB), once found.
const GAIN_SMOOTHING: f32 = 0.2;
/// Once in the bleed state, the correlation may drop this far below `min_correlation`.
const CORRELATION_HYSTERESIS: f32 = 0.1;
/// A verdict must hold this long (and at least two frames) to change the state.
pub const SWITCH_MS: u32 = 20;
/// The bleed state lapses after this long without evidence for it.
const HOLD_MS: u32 = 1000;
/// Noise floors rise at most this fast (and fall at most 3 dB per frame).
const FLOOR_RISE_DB_PER_S: f32 = 3.0;
const FLOOR_FALL_DB_PER_FRAME: f32 = 3.0;
/// Energies below this (-100 dBFS) are taken as this.
const MIN_ENERGY: f32 = 1e-10;

fn db(energy: f32) -> f32 {
    10.0 * energy.max(MIN_ENERGY).log10()
}

fn from_db(level_db: f32) -> f32 {
    10f32.powf(level_db / 10.0)
}

/// `(sum a·c, sum c, sum c²)` over two equally long slices, in independent lanes so the
/// compiler can vectorize it.
fn dot_sum_squares(a: &[f32], c: &[f32]) -> (f32, f32, f32) {
    const LANES: usize = 8;
    let (mut dot, mut sum, mut squares) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
    let whole = a.len().min(c.len()) / LANES * LANES;
    for (x, y) in a[..whole]
        .chunks_exact(LANES)
        .zip(c[..whole].chunks_exact(LANES))
    {
        for k in 0..LANES {
            dot[k] += x[k] * y[k];
            sum[k] += y[k];
            squares[k] += y[k] * y[k];
        }
    }
    for (x, y) in a[whole..].iter().zip(&c[whole..]) {
        dot[0] += x * y;
        sum[0] += y;
        squares[0] += y * y;
    }
    (dot.iter().sum(), sum.iter().sum(), squares.iter().sum())
}

/// One channel's band split: a DC/hum blocker, then a one-pole low-pass; the high band is
/// what the low-pass leaves.
#[derive(Clone, Copy, Debug, Default)]
struct BandSplit {
    hp_x: f32,
    hp_y: f32,
    lp: f32,
}

impl BandSplit {
    /// Low and high band of one sample.
    #[inline]
    fn split(&mut self, x: f32, hp_pole: f32, lp_pole: f32) -> (f32, f32) {
        let y = x - self.hp_x + hp_pole * self.hp_y;
        self.hp_x = x;
        self.hp_y = y;
        self.lp = (1.0 - lp_pole) * y + lp_pole * self.lp;
        (self.lp, y - self.lp)
    }
}

/// The last `len` values of a series, stored twice over so any stretch of them is one
/// contiguous slice.
#[derive(Clone, Debug)]
struct History {
    values: Vec<f32>,
    len: usize,
    head: usize,
}

impl History {
    fn new(len: usize) -> Self {
        Self {
            values: vec![0.0; 2 * len],
            len,
            head: 0,
        }
    }

    fn push(&mut self, value: f32) {
        self.values[self.head] = value;
        self.values[self.head + self.len] = value;
        self.head = (self.head + 1) % self.len;
    }

    /// `n` values, oldest first, ending `ago` values before the newest (0 = the newest).
    fn stretch(&self, n: usize, ago: usize) -> &[f32] {
        let end = self.head + self.len - ago;
        &self.values[end - n..end]
    }

    fn clear(&mut self) {
        self.values.iter_mut().for_each(|v| *v = 0.0);
        self.head = 0;
    }
}

/// What one frame says about who is in the microphone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Evidence {
    /// The caller's leak explains it.
    Bleed,
    /// More than the leak: the agent's own voice.
    Own,
    /// The agent's own voice with no echo to mistake it for: the caller's audio has been
    /// quiet for longer than the delay and the room's tail.
    Alone,
    /// Nothing to go on (too quiet, or neither test is conclusive).
    Neither,
}

/// Judges, frame by frame, whether the agent's microphone carries the caller's voice
/// leaking in rather than the agent's own. See the module docs for how.
pub struct BleedGate {
    enabled: bool,
    min_correlation: f32,
    frame_len: usize,
    block_len: usize,
    blocks_per_frame: usize,
    window_blocks: usize,
    max_lag_blocks: usize,
    tail_blocks: usize,
    acquire_frames: u32,
    relearn_frames: u32,
    switch_frames: u32,
    hold_frames: u32,
    min_caller_active_blocks: usize,
    hp_pole: f32,
    lp_pole: f32,
    /// Energy factor of the echo tail per block.
    tail_decay_per_block: f32,
    floor_rise_db_per_frame: f32,

    splits: [BandSplit; 2],
    /// Block RMS per channel and band.
    envelopes: [[History; BANDS]; 2],
    /// Noise floor per channel and band, dB (energy); NaN until the first frame.
    floors_db: [[f32; BANDS]; 2],
    /// This frame's mean energy per channel and band.
    frame_energy: [[f32; BANDS]; 2],
    /// The agent's window with its mean removed, per band (scratch).
    agent_centered: [Vec<f32>; BANDS],
    /// Correlation at each lag for this frame (scratch).
    correlation_by_lag: Vec<f32>,

    /// The echo path, once found.
    coupled: bool,
    lag_blocks: usize,
    /// Learned echo gain per band, dB; NaN until learned (then no echo is predicted).
    gain_db: [f32; BANDS],
    /// Lag where the correlation has been holding, and for how many frames.
    candidate_lag: usize,
    candidate_frames: u32,

    bleeding: bool,
    bleed_run: u32,
    own_run: u32,
    frames_since_bleed_evidence: u32,
    bleed_frames: u64,
}

impl BleedGate {
    /// A gate for frames of `frame_len` samples at [`ANALYSIS_RATE_HZ`] (160 for 10 ms;
    /// any length works, multiples of 80 give the 5 ms delay resolution). Allocates all the
    /// memory it will use.
    pub fn new(config: &BleedConfig, frame_len: usize) -> Self {
        let samples_per_ms = (ANALYSIS_RATE_HZ / 1000) as usize;
        let frame_len = frame_len.max(1);
        let block_len = if frame_len.is_multiple_of(BLOCK_MS as usize * samples_per_ms) {
            BLOCK_MS as usize * samples_per_ms
        } else {
            frame_len
        };
        let blocks_per_frame = frame_len / block_len;
        let blocks_in = |ms: u32| (ms as usize * samples_per_ms).div_ceil(block_len).max(1);
        let frame_ms = frame_len as f32 / samples_per_ms as f32;
        let frames_in = |ms: u32| (ms as f32 / frame_ms).ceil().max(1.0) as u32;
        let window_blocks = blocks_in(WINDOW_MS).max(4);
        let max_lag_blocks = blocks_in(config.max_delay_ms);
        let tail_blocks = blocks_in(ECHO_TAIL_MS);
        let history = (window_blocks + max_lag_blocks + 1)
            .max(max_lag_blocks + tail_blocks + blocks_per_frame + 2);
        let rate = ANALYSIS_RATE_HZ as f32;
        let block_s = block_len as f32 / rate;
        let new_history = || [History::new(history), History::new(history)];
        Self {
            enabled: config.enabled,
            min_correlation: config.min_correlation,
            frame_len,
            block_len,
            blocks_per_frame,
            window_blocks,
            max_lag_blocks,
            tail_blocks,
            acquire_frames: frames_in(ACQUIRE_MS),
            relearn_frames: frames_in(RELEARN_MS),
            switch_frames: frames_in(SWITCH_MS).max(2),
            hold_frames: frames_in(HOLD_MS),
            min_caller_active_blocks: blocks_in(MIN_CALLER_ACTIVE_MS),
            hp_pole: (-2.0 * std::f32::consts::PI * HIGH_PASS_HZ / rate).exp(),
            lp_pole: (-2.0 * std::f32::consts::PI * CROSSOVER_HZ / rate).exp(),
            tail_decay_per_block: from_db(-ECHO_TAIL_DECAY_DB_PER_S * block_s),
            floor_rise_db_per_frame: FLOOR_RISE_DB_PER_S * frame_ms / 1000.0,
            splits: [BandSplit::default(); 2],
            envelopes: [new_history(), new_history()],
            floors_db: [[f32::NAN; BANDS]; 2],
            frame_energy: [[0.0; BANDS]; 2],
            agent_centered: [vec![0.0; window_blocks], vec![0.0; window_blocks]],
            correlation_by_lag: vec![0.0; max_lag_blocks + 1],
            coupled: false,
            lag_blocks: 0,
            gain_db: [f32::NAN; BANDS],
            candidate_lag: 0,
            candidate_frames: 0,
            bleeding: false,
            bleed_run: 0,
            own_run: 0,
            frames_since_bleed_evidence: u32::MAX,
            bleed_frames: 0,
        }
    }

    /// Takes the next frame of each side (in order, one call per frame pair) and says
    /// whether the agent frame is (mostly) the caller's voice leaking in, so the agent side
    /// can be analysed as silence. A frame of the wrong length is taken as silence (and
    /// samples that are not finite as zero). `false` when disabled, when the microphone is
    /// silent, and until the echo path is known.
    /// Never allocates; the same work every frame.
    pub fn is_bleed(&mut self, agent: &[f32], caller: &[f32]) -> bool {
        if !self.enabled {
            return false;
        }
        self.push_frame(AGENT, agent);
        self.push_frame(CALLER, caller);
        self.update_floors();

        let agent_energy: f32 = self.frame_energy[AGENT].iter().sum();
        let agent_floor: f32 = self.floors_db[AGENT].iter().map(|&f| from_db(f)).sum();
        let agent_audible = agent_energy > agent_floor * from_db(AGENT_AUDIBLE_ABOVE_FLOOR_DB);
        let agent_active = agent_energy > agent_floor * from_db(AGENT_ACTIVE_ABOVE_FLOOR_DB);

        // The histories start as silence, so the correlation means something at once.
        self.correlate();
        self.follow_path();

        let evidence = if agent_active && self.coupled {
            self.evidence()
        } else {
            Evidence::Neither
        };
        self.decide(evidence);

        let bleed = self.bleeding && agent_audible;
        if bleed {
            self.bleed_frames += 1;
        }
        bleed
    }

    /// Frames judged bleed since the gate was made or reset.
    pub fn bleed_frames(&self) -> u64 {
        self.bleed_frames
    }

    /// The echo delay found, in ms, once the path is known.
    pub fn echo_delay_ms(&self) -> Option<u32> {
        self.coupled
            .then(|| (self.lag_blocks * self.block_len * 1000 / ANALYSIS_RATE_HZ as usize) as u32)
    }

    /// Forgets everything (a new call on another device, say). The live analysis keeps one
    /// gate across calls, so a path learned on one call is ready for the next.
    pub fn reset(&mut self) {
        self.splits = [BandSplit::default(); 2];
        for channel in &mut self.envelopes {
            channel.iter_mut().for_each(History::clear);
        }
        self.floors_db = [[f32::NAN; BANDS]; 2];
        self.frame_energy = [[0.0; BANDS]; 2];
        self.coupled = false;
        self.lag_blocks = 0;
        self.gain_db = [f32::NAN; BANDS];
        self.candidate_lag = 0;
        self.candidate_frames = 0;
        self.bleeding = false;
        self.bleed_run = 0;
        self.own_run = 0;
        self.frames_since_bleed_evidence = u32::MAX;
        self.bleed_frames = 0;
    }

    /// Splits one channel's frame into blocks and bands; records the block envelopes and
    /// the frame's band energies.
    fn push_frame(&mut self, channel: usize, frame: &[f32]) {
        let frame = if frame.len() == self.frame_len {
            frame
        } else {
            &[][..]
        };
        let mut frame_sums = [0.0f32; BANDS];
        for block in 0..self.blocks_per_frame {
            let mut sums = [0.0f32; BANDS];
            for i in block * self.block_len..(block + 1) * self.block_len {
                let x = frame
                    .get(i)
                    .copied()
                    .filter(|x| x.is_finite())
                    .unwrap_or(0.0);
                let (low, high) = self.splits[channel].split(x, self.hp_pole, self.lp_pole);
                sums[0] += low * low;
                sums[1] += high * high;
            }
            for band in 0..BANDS {
                let energy = sums[band] / self.block_len as f32;
                self.envelopes[channel][band].push(energy.sqrt());
                frame_sums[band] += energy;
            }
        }
        for (energy, sum) in self.frame_energy[channel].iter_mut().zip(frame_sums) {
            *energy = (sum / self.blocks_per_frame as f32).max(MIN_ENERGY);
        }
    }

    /// Noise floors: fall fast (3 dB a frame), rise slowly.
    fn update_floors(&mut self) {
        for channel in [AGENT, CALLER] {
            for band in 0..BANDS {
                let level = db(self.frame_energy[channel][band]);
                let floor = &mut self.floors_db[channel][band];
                *floor = if floor.is_nan() {
                    level
                } else if level < *floor {
                    level.max(*floor - FLOOR_FALL_DB_PER_FRAME)
                } else {
                    (*floor + self.floor_rise_db_per_frame).min(level)
                };
            }
        }
    }

    /// Energy above which a caller block (both bands together) is speech.
    fn caller_active_energy(&self) -> f32 {
        let floor: f32 = self.floors_db[CALLER].iter().map(|&f| from_db(f)).sum();
        (floor * from_db(CALLER_ACTIVE_ABOVE_FLOOR_DB)).max(from_db(CALLER_ACTIVE_MIN_DBFS))
    }

    /// Fills `correlation_by_lag`: the agent's envelope window against the caller's, lagged,
    /// both bands pooled.
    fn correlate(&mut self) {
        let n = self.window_blocks;
        let mut agent_variance = 0.0f32;
        for band in 0..BANDS {
            let window = self.envelopes[AGENT][band].stretch(n, 0);
            let mean = window.iter().sum::<f32>() / n as f32;
            for (out, &a) in self.agent_centered[band].iter_mut().zip(window) {
                *out = a - mean;
                agent_variance += (a - mean) * (a - mean);
            }
        }
        for lag in 0..=self.max_lag_blocks {
            let (mut covariance, mut caller_variance) = (0.0f32, 0.0f32);
            for band in 0..BANDS {
                let caller = self.envelopes[CALLER][band].stretch(n, lag);
                let (dot, sum, squares) = dot_sum_squares(&self.agent_centered[band], caller);
                covariance += dot;
                caller_variance += (squares - sum * sum / n as f32).max(0.0);
            }
            let scale = (agent_variance * caller_variance).sqrt();
            self.correlation_by_lag[lag] = if scale > 1e-12 {
                covariance / scale
            } else {
                0.0
            };
        }
    }

    /// The best correlation within one block of `lag`.
    fn correlation_near(&self, lag: usize) -> f32 {
        let low = lag.saturating_sub(1);
        let high = (lag + 1).min(self.max_lag_blocks);
        self.correlation_by_lag[low..=high]
            .iter()
            .fold(f32::MIN, |best, &r| best.max(r))
    }

    /// Caller blocks in the correlation window, `lag` blocks back, that hold speech.
    fn caller_active_blocks(&self, lag: usize) -> usize {
        let threshold = self.caller_active_energy();
        let low = self.envelopes[CALLER][0].stretch(self.window_blocks, lag);
        let high = self.envelopes[CALLER][1].stretch(self.window_blocks, lag);
        low.iter()
            .zip(high)
            .filter(|(&l, &h)| l * l + h * h > threshold)
            .count()
    }

    /// Finds and follows the echo path: its delay, and its gain per band.
    fn follow_path(&mut self) {
        let (best_lag, best) =
            self.correlation_by_lag
                .iter()
                .enumerate()
                .fold(
                    (0, f32::MIN),
                    |(bl, br), (l, &r)| if r > br { (l, r) } else { (bl, br) },
                );
        let holds = best >= self.min_correlation
            && self.caller_active_blocks(best_lag) >= self.min_caller_active_blocks;
        if !holds {
            self.candidate_frames = 0;
            return;
        }
        if self.candidate_frames > 0 && best_lag.abs_diff(self.candidate_lag) <= 1 {
            self.candidate_frames = self.candidate_frames.saturating_add(1);
        } else {
            self.candidate_lag = best_lag;
            self.candidate_frames = 1;
        }
        let same_path = self.coupled && self.candidate_lag.abs_diff(self.lag_blocks) <= 1;
        // A new delay once one is known needs the longer proof: over the agent's own voice
        // the correlation can peak at some lag for a while.
        let needed = if self.coupled && !same_path {
            self.relearn_frames
        } else {
            self.acquire_frames
        };
        if self.candidate_frames < needed {
            return;
        }
        if same_path {
            // Refine while the level check agrees (no double talk in this frame), leaving
            // out blocks louder than the echo explains (the agent's own); or, once the
            // correlation has held long enough to trust it over the old gain (the volume
            // changed), on every block.
            if self.candidate_frames >= self.relearn_frames {
                self.learn_gain(self.lag_blocks, GAIN_SMOOTHING, false);
            } else if self.excess_db() <= DOUBLE_TALK_MARGIN_DB {
                self.learn_gain(self.lag_blocks, GAIN_SMOOTHING, true);
            }
        } else if self.learn_gain(self.candidate_lag, 1.0, false) {
            self.coupled = true;
            self.lag_blocks = self.candidate_lag;
        }
    }

    /// Estimates each band's echo gain over the window at `lag` (mean in dB of agent over
    /// caller energy, on blocks where both are well above their floors) and moves the
    /// learned gain `weight` of the way to it. With `skip_own`, blocks more than
    /// [`DOUBLE_TALK_MARGIN_DB`] above the learned gain (the agent's own voice) are left
    /// out. False when no band had enough blocks.
    fn learn_gain(&mut self, lag: usize, weight: f32, skip_own: bool) -> bool {
        let caller_threshold = self.caller_active_energy();
        let mut learned = false;
        for band in 0..BANDS {
            let agent_floor = from_db(self.floors_db[AGENT][band]);
            let agent_min = agent_floor * from_db(AGENT_ACTIVE_ABOVE_FLOOR_DB);
            let caller_floor = from_db(self.floors_db[CALLER][band]);
            let caller_min =
                (caller_floor * from_db(CALLER_ACTIVE_ABOVE_FLOOR_DB)).max(caller_threshold * 0.1);
            let agent = self.envelopes[AGENT][band].stretch(self.window_blocks, 0);
            let caller = self.envelopes[CALLER][band].stretch(self.window_blocks, lag);
            let most_db = if skip_own && !self.gain_db[band].is_nan() {
                self.gain_db[band] + DOUBLE_TALK_MARGIN_DB
            } else {
                f32::MAX
            };
            let (mut sum_db, mut count) = (0.0f32, 0usize);
            for (&a, &c) in agent.iter().zip(caller) {
                let (a, c) = (a * a, c * c);
                if a > agent_min && c > caller_min {
                    let ratio_db = db(a - agent_floor) - db(c);
                    if ratio_db <= most_db {
                        sum_db += ratio_db;
                        count += 1;
                    }
                }
            }
            if count < MIN_GAIN_BLOCKS {
                continue;
            }
            let estimate = (sum_db / count as f32).min(MAX_ECHO_GAIN_DB);
            let gain = &mut self.gain_db[band];
            *gain = if gain.is_nan() {
                estimate
            } else {
                *gain + weight * (estimate - *gain)
            };
            learned = true;
        }
        learned
    }

    /// The echo energy the learned path predicts in this frame's blocks, per band: the
    /// caller's energy at the delay (or one block sooner), with a decaying tail.
    fn predicted_echo(&self, band: usize) -> f32 {
        if self.gain_db[band].is_nan() {
            return 0.0;
        }
        let gain = from_db(self.gain_db[band]);
        let span = self.tail_blocks + 2;
        let mut total = 0.0;
        for block in 0..self.blocks_per_frame {
            // Newest first: one block before the delay (an echo a little early), then the
            // delay, then the tail further back.
            let ago = (self.blocks_per_frame - 1 - block + self.lag_blocks).saturating_sub(1);
            let caller = self.envelopes[CALLER][band].stretch(span, ago);
            let mut decay = 1.0f32;
            let mut peak = 0.0f32;
            for (step, &c) in caller.iter().rev().enumerate() {
                peak = peak.max(c * c * decay);
                if step >= 1 {
                    decay *= self.tail_decay_per_block;
                }
            }
            total += peak;
        }
        gain * total / self.blocks_per_frame as f32
    }

    /// How far the agent's energy stands above the predicted echo plus noise, dB, in the
    /// band where it stands highest. Only bands clearly above their floor count, and only
    /// bands whose gain is known (a leak too faint in one band to learn it from can still
    /// come through louder there, and must not pass for the agent's voice).
    fn excess_db(&self) -> f32 {
        let mut excess = f32::MIN;
        for band in 0..BANDS {
            let floor = from_db(self.floors_db[AGENT][band]);
            let energy = self.frame_energy[AGENT][band];
            if self.gain_db[band].is_nan() || energy <= floor * from_db(AGENT_ACTIVE_ABOVE_FLOOR_DB)
            {
                continue;
            }
            excess = excess.max(db(energy) - db(self.predicted_echo(band) + floor));
        }
        excess
    }

    /// This frame's evidence, once the path is known and the agent frame holds something.
    fn evidence(&self) -> Evidence {
        let echo: f32 = (0..BANDS).map(|b| self.predicted_echo(b)).sum();
        let floor: f32 = self.floors_db[AGENT].iter().map(|&f| from_db(f)).sum();
        if echo < ECHO_AUDIBLE_ABOVE_FLOOR * floor {
            // Nothing the caller sent could be in the microphone now.
            return Evidence::Alone;
        }
        if self.excess_db() > DOUBLE_TALK_MARGIN_DB {
            return Evidence::Own;
        }
        let needed = if self.bleeding {
            self.min_correlation - CORRELATION_HYSTERESIS
        } else {
            self.min_correlation
        };
        if self.correlation_near(self.lag_blocks) >= needed {
            Evidence::Bleed
        } else {
            Evidence::Neither
        }
    }

    /// The state machine: a verdict must repeat to switch; the bleed state lapses.
    fn decide(&mut self, evidence: Evidence) {
        match evidence {
            Evidence::Bleed => {
                self.bleed_run = self.bleed_run.saturating_add(1);
                self.own_run = 0;
                self.frames_since_bleed_evidence = 0;
                if self.bleed_run >= self.switch_frames {
                    self.bleeding = true;
                }
            }
            Evidence::Own => {
                self.own_run = self.own_run.saturating_add(1);
                self.bleed_run = 0;
                if self.own_run >= self.switch_frames {
                    self.bleeding = false;
                }
            }
            Evidence::Alone => {
                self.own_run = self.own_run.saturating_add(1);
                self.bleed_run = 0;
                self.bleeding = false;
            }
            Evidence::Neither => {}
        }
        if evidence != Evidence::Bleed {
            self.frames_since_bleed_evidence = self.frames_since_bleed_evidence.saturating_add(1);
            if self.frames_since_bleed_evidence > self.hold_frames {
                self.bleeding = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: usize = 160;

    /// Deterministic noise in -1..1.
    struct Lcg(u32);
    impl Lcg {
        fn next(&mut self) -> f32 {
            self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (self.0 >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        }
    }

    /// Speech-like noise: bursts of 80-250 ms at varying levels with short gaps.
    fn babble(seconds: f32, seed: u32) -> Vec<f32> {
        let mut rng = Lcg(seed);
        let n = (seconds * 16000.0) as usize;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let burst = 1280 + ((rng.next() + 1.0) * 1500.0) as usize;
            let gap = 320 + ((rng.next() + 1.0) * 600.0) as usize;
            let level = 0.05 + 0.1 * (rng.next() + 1.0);
            for i in 0..burst {
                let shape = (std::f32::consts::PI * i as f32 / burst as f32).sin();
                out.push(level * shape * rng.next());
            }
            out.extend(std::iter::repeat_n(0.0, gap));
        }
        out.truncate(n);
        out
    }

    fn leak(caller: &[f32], delay: usize, gain: f32, seed: u32) -> Vec<f32> {
        let mut rng = Lcg(seed);
        (0..caller.len())
            .map(|i| {
                let c = if i >= delay { caller[i - delay] } else { 0.0 };
                gain * c + 1e-3 * rng.next()
            })
            .collect()
    }

    fn run(gate: &mut BleedGate, agent: &[f32], caller: &[f32]) -> Vec<bool> {
        agent
            .chunks_exact(FRAME)
            .zip(caller.chunks_exact(FRAME))
            .map(|(a, c)| gate.is_bleed(a, c))
            .collect()
    }

    #[test]
    fn a_delayed_quiet_copy_is_bleed() {
        let caller = babble(6.0, 1);
        let agent = leak(&caller, 16 * 60, 0.1, 2);
        let mut gate = BleedGate::new(&BleedConfig::default(), FRAME);
        let verdicts = run(&mut gate, &agent, &caller);
        // Frames after the first second where the leak stands 20 dB over the noise.
        let loud: Vec<bool> = agent
            .chunks_exact(FRAME)
            .zip(&verdicts)
            .skip(100)
            .filter(|(frame, _)| frame.iter().map(|x| x * x).sum::<f32>() / FRAME as f32 > 3e-5)
            .map(|(_, &bleed)| bleed)
            .collect();
        let share = loud.iter().filter(|&&b| b).count() as f32 / loud.len() as f32;
        assert!(
            loud.len() > 100 && share > 0.9,
            "{} frames, share {share}",
            loud.len()
        );
        assert_eq!(gate.echo_delay_ms(), Some(60));
        assert_eq!(
            gate.bleed_frames(),
            verdicts.iter().filter(|&&b| b).count() as u64
        );
    }

    #[test]
    fn the_agent_alone_and_silence_are_never_bleed() {
        let agent = babble(4.0, 3);
        let silence = vec![0.0; agent.len()];
        let mut gate = BleedGate::new(&BleedConfig::default(), FRAME);
        assert!(!run(&mut gate, &agent, &silence).contains(&true));
        assert!(!run(&mut gate, &silence, &silence).contains(&true));
        assert!(!run(&mut gate, &silence, &agent).contains(&true));
        assert_eq!(gate.bleed_frames(), 0);
    }

    #[test]
    fn disabled_and_reset() {
        let caller = babble(4.0, 4);
        let agent = leak(&caller, 16 * 20, 0.1, 5);
        let config = BleedConfig {
            enabled: false,
            ..BleedConfig::default()
        };
        let mut off = BleedGate::new(&config, FRAME);
        assert!(!run(&mut off, &agent, &caller).contains(&true));
        let mut gate = BleedGate::new(&BleedConfig::default(), FRAME);
        run(&mut gate, &agent, &caller);
        assert!(gate.bleed_frames() > 0);
        gate.reset();
        assert_eq!(gate.bleed_frames(), 0);
        assert_eq!(gate.echo_delay_ms(), None);
    }

    #[test]
    fn frames_of_other_lengths() {
        let caller = babble(6.0, 6);
        let agent = leak(&caller, 16 * 40, 0.1, 7);
        for frame in [320, 480, 200] {
            let mut gate = BleedGate::new(&BleedConfig::default(), frame);
            let n = agent
                .chunks_exact(frame)
                .zip(caller.chunks_exact(frame))
                .filter(|(a, c)| gate.is_bleed(a, c))
                .count();
            assert!(n > 0, "frame {frame}");
            // Wrong lengths are silence, not a panic.
            let verdicts: Vec<bool> = (0..5)
                .map(|_| gate.is_bleed(&agent[..7], &caller[..frame]))
                .collect();
            assert!(!verdicts[4], "frame {frame}: {verdicts:?}");
        }
    }
}
