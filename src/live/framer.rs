//! Turns one side's captured audio (the device's rate and channels) into 16 kHz mono
//! analysis frames, on the analysis thread.
//!
//! [`SideFramer::pull`] drains the capture ring, downmixes, resamples with rubato in
//! fixed 10 ms chunks and queues the result; [`SideFramer::pop_frame`] hands out whole
//! frames. All buffers are sized when a capture is attached: pulling and popping never
//! allocate.

use std::time::Instant;

use rubato::{FftFixedIn, Resampler};

use crate::capture::{CallbackMark, CaptureClock, CaptureOutput};
use crate::ANALYSIS_RATE_HZ;

/// Analysis audio a side may queue before the oldest is dropped (the other side stalled
/// or the analysis fell behind).
const QUEUE_MS: usize = 1000;

/// One side's path from its capture ring to analysis frames.
pub struct SideFramer {
    frame_len: usize,
    input: Option<AttachedInput>,
    /// Analysis-rate samples waiting to make a frame (a ring of fixed size).
    queue: Vec<f32>,
    queue_start: usize,
    queue_len: usize,
    /// When audio last arrived from the device.
    last_delivery: Option<Instant>,
    /// Capture time of the newest sample taken from the ring, on the capture clock.
    newest_captured_ns: Option<u64>,
    /// Samples dropped because the queue was full.
    pub dropped_samples: u64,
    /// Frames of silence the analysis stood in for this side since it last delivered.
    padded_frames: usize,
    /// Audio arrived after padding: see [`SideFramer::take_resumed_padding`].
    resumed_after_padding: bool,
}

struct AttachedInput {
    capture: CaptureOutput,
    /// Device frames taken from the ring so far.
    frames_read: u64,
    /// Mono device-rate samples waiting for a full resampler chunk (`chunk_len`).
    pending: Vec<f32>,
    chunk_len: usize,
    resampler: Option<FftFixedIn<f32>>,
    resampled: Vec<Vec<f32>>,
    /// The resampler's delay, in analysis samples.
    resampler_delay: usize,
}

impl SideFramer {
    pub fn new(frame_len: usize) -> Self {
        let capacity = ANALYSIS_RATE_HZ as usize * QUEUE_MS / 1000;
        Self {
            frame_len,
            input: None,
            queue: vec![0.0; capacity],
            queue_start: 0,
            queue_len: 0,
            last_delivery: None,
            newest_captured_ns: None,
            dropped_samples: 0,
            padded_frames: 0,
            resumed_after_padding: false,
        }
    }

    /// Starts reading from a newly opened capture. Allocates its buffers (not real-time:
    /// called when a device is attached).
    pub fn attach(&mut self, capture: CaptureOutput) -> Result<(), String> {
        let rate = capture.sample_rate_hz as usize;
        let chunk = if rate.is_multiple_of(100) {
            rate / 100
        } else {
            1024
        };
        let resampler = if capture.sample_rate_hz == ANALYSIS_RATE_HZ {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(rate, ANALYSIS_RATE_HZ as usize, chunk, 1, 1)
                    .map_err(|e| format!("{} Hz: {e}", capture.sample_rate_hz))?,
            )
        };
        let (resampled, resampler_delay) = match &resampler {
            Some(r) => (vec![vec![0.0; r.output_frames_max()]], r.output_delay()),
            None => (Vec::new(), 0),
        };
        self.input = Some(AttachedInput {
            frames_read: 0,
            pending: Vec::with_capacity(chunk),
            chunk_len: chunk,
            resampler,
            resampled,
            resampler_delay,
            capture,
        });
        self.last_delivery = None;
        Ok(())
    }

    /// Stops reading (the device is gone). Queued audio stays.
    pub fn detach(&mut self) -> Option<CaptureOutput> {
        self.input.take().map(|input| input.capture)
    }

    pub fn is_attached(&self) -> bool {
        self.input.is_some()
    }

    /// The attached capture's counters and names.
    pub fn capture(&self) -> Option<&CaptureOutput> {
        self.input.as_ref().map(|input| &input.capture)
    }

    /// Moves everything the device delivered into the frame queue. Never allocates.
    pub fn pull(&mut self, now: Instant) {
        let Some(input) = self.input.as_mut() else {
            return;
        };
        let channels = input.capture.channels.max(1) as usize;
        let available = input.capture.samples.slots() / channels * channels;
        if available == 0 {
            return;
        }
        self.last_delivery = Some(now);
        if self.padded_frames > 0 {
            self.resumed_after_padding = true;
        }
        let Ok(chunk) = input.capture.samples.read_chunk(available) else {
            return;
        };
        let (first, second) = chunk.as_slices();
        let mut frame_sum = 0.0f32;
        let mut in_frame = 0;
        for &sample in first.iter().chain(second) {
            frame_sum += sample;
            in_frame += 1;
            if in_frame == channels {
                let mono = frame_sum / channels as f32;
                // A device (or a driver bug) sending NaN or infinities gives silence, never
                // a NaN spreading through the resampler and the analysis.
                let mono = if mono.is_finite() { mono } else { 0.0 };
                frame_sum = 0.0;
                in_frame = 0;
                match input.resampler.as_mut() {
                    None => push_queue(
                        &mut self.queue,
                        &mut self.queue_start,
                        &mut self.queue_len,
                        &mut self.dropped_samples,
                        mono,
                    ),
                    Some(resampler) => {
                        input.pending.push(mono);
                        if input.pending.len() == input.chunk_len {
                            if let Ok((_, produced)) = resampler.process_into_buffer(
                                &[&input.pending[..]],
                                &mut input.resampled,
                                None,
                            ) {
                                for &out in &input.resampled[0][..produced] {
                                    push_queue(
                                        &mut self.queue,
                                        &mut self.queue_start,
                                        &mut self.queue_len,
                                        &mut self.dropped_samples,
                                        out,
                                    );
                                }
                            }
                            input.pending.clear();
                        }
                    }
                }
            }
        }
        chunk.commit_all();
        input.frames_read += (available / channels) as u64;
        let mut newest: Option<CallbackMark> = None;
        while let Ok(mark) = input.capture.marks.peek().copied() {
            if mark.frames_end > input.frames_read {
                break;
            }
            newest = Some(mark);
            let _ = input.capture.marks.pop();
        }
        if let Some(mark) = newest {
            self.newest_captured_ns = Some(mark.captured_ns);
        }
    }

    /// The analysis stood in silence for one frame of this side (it had delivered
    /// nothing for a stall).
    pub fn note_padded_frame(&mut self) {
        self.padded_frames += 1;
    }

    /// After audio arrives for a side that was padded with silence: how many frames of
    /// silence were stood in (then forgets them). `None` if it was not padded. A device
    /// that was only late delivers the padded stretch now as well, and that stretch is
    /// already covered: see `analysis::Analysis::realign_after_stall`.
    pub fn take_resumed_padding(&mut self) -> Option<usize> {
        if !self.resumed_after_padding {
            return None;
        }
        self.resumed_after_padding = false;
        Some(std::mem::take(&mut self.padded_frames))
    }

    /// Whether a whole frame is queued.
    pub fn has_frame(&self) -> bool {
        self.queue_len >= self.frame_len
    }

    /// Frames queued.
    pub fn queued_frames(&self) -> usize {
        self.queue_len / self.frame_len
    }

    /// Copies the oldest queued frame into `out` (`frame_len` long). Never allocates.
    pub fn pop_frame(&mut self, out: &mut [f32]) -> bool {
        if !self.has_frame() {
            return false;
        }
        let capacity = self.queue.len();
        for (i, slot) in out.iter_mut().enumerate().take(self.frame_len) {
            *slot = self.queue[(self.queue_start + i) % capacity];
        }
        self.queue_start = (self.queue_start + self.frame_len) % capacity;
        self.queue_len -= self.frame_len;
        true
    }

    /// Drops `frames` of the oldest queued audio (to realign the sides; the caller
    /// counts them).
    pub fn drop_frames(&mut self, frames: usize) {
        let samples = (frames * self.frame_len).min(self.queue_len);
        self.queue_start = (self.queue_start + samples) % self.queue.len();
        self.queue_len -= samples;
    }

    /// Nothing has arrived for `stall_ms` (or the device is gone): the side counts as
    /// silent. A side that never delivered counts as stalled once `started` is that old.
    pub fn is_stalled(&self, now: Instant, started: Instant, stall_ms: u64) -> bool {
        if self.input.is_none() {
            return true;
        }
        let since = self.last_delivery.unwrap_or(started);
        now.saturating_duration_since(since).as_millis() as u64 >= stall_ms
    }

    /// How long ago the newest queued sample was captured, in ms, for the frame just
    /// popped when it was the last whole one: capture-to-analysis delay, queueing and
    /// resampling included.
    pub fn delay_of_last_frame_ms(&self, clock: &CaptureClock) -> Option<f64> {
        let captured_ns = self.newest_captured_ns?;
        let input = self.input.as_ref()?;
        let waiting_samples = self.queue_len + input.resampler_delay;
        let waiting_ns = waiting_samples as u64 * 1_000_000_000 / ANALYSIS_RATE_HZ as u64;
        let frame_end_ns = captured_ns.saturating_sub(waiting_ns);
        Some(clock.now_ns().saturating_sub(frame_end_ns) as f64 / 1e6)
    }
}

fn push_queue(
    queue: &mut [f32],
    start: &mut usize,
    len: &mut usize,
    dropped: &mut u64,
    sample: f32,
) {
    let capacity = queue.len();
    if *len == capacity {
        *start = (*start + 1) % capacity;
        *len -= 1;
        *dropped += 1;
    }
    queue[(*start + *len) % capacity] = sample;
    *len += 1;
}
