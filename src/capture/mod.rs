//! Live audio capture with cpal: finding the agent's microphone and the caller's audio
//! (what the softphone plays), and the capture callback.
//!
//! The callback is real-time code. It converts the device's samples to `f32`, pushes them
//! into a pre-sized lock-free single-producer ring ([`rtrb`]) and bumps counters: no
//! allocation, no lock, no logging, no analysis. When the ring is full the samples that do
//! not fit are dropped and counted as an overrun. Downmixing, resampling and framing
//! happen on the analysis thread ([`crate::live::framer`]).
//!
//! Devices are named by the ids `callcue devices` prints (`pulseaudio:caller.monitor`,
//! `wasapi:{...}`), which are cpal's `host:device` ids, or by part of their name. The
//! caller's side is a loopback: on Linux the monitor source of an output (cpal's
//! PulseAudio host lists monitors as devices); on Windows an input stream opened on an
//! output device is a WASAPI loopback; on macOS a loopback device (such as BlackHole) must
//! be installed and chosen.

pub mod devices;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, Sample, SampleFormat, SizedSample};

use crate::event::Speaker;
pub use devices::{device_present, find_device, list_devices, DeviceInfo};

/// How long opening a stream may take before it counts as failed.
const OPEN_TIMEOUT: Duration = Duration::from_secs(3);
/// The period the capture asks the device for: small, so the analysis sees audio soon
/// after it is captured (the capture-to-VAD budget is 50 ms).
const CALLBACK_PERIOD_MS: u32 = 10;
/// Callback marks (sample count and capture time) kept for latency accounting.
const MARK_RING_LEN: usize = 512;

/// Why a capture could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    #[error("{side} device {spec:?}: not found (`callcue devices` lists the devices)")]
    NotFound { side: Speaker, spec: String },
    #[error("{side} device {spec:?}: more than one device matches: {candidates}")]
    Ambiguous {
        side: Speaker,
        spec: String,
        candidates: String,
    },
    #[error("{side} device: {message}")]
    NoDefault { side: Speaker, message: String },
    #[error("{side} device {device}: cannot capture: {message}")]
    Open {
        side: Speaker,
        device: String,
        message: String,
    },
}

/// Counters the capture callback keeps, read by the analysis thread.
#[derive(Debug, Default)]
pub struct CaptureStats {
    /// Callbacks so far.
    pub callbacks: AtomicU64,
    /// Samples (per channel) delivered by the device.
    pub frames_captured: AtomicU64,
    /// Samples (per channel) dropped because the ring was full.
    pub frames_dropped: AtomicU64,
    /// Set when the stream reported an error it does not recover from (device gone).
    pub failed: AtomicBool,
    /// The last error kind reported (see [`StreamFailure`]), 0 = none.
    pub last_error: AtomicU8,
}

/// A stream failure the error callback saw, kept as a code in [`CaptureStats::last_error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum StreamFailure {
    DeviceGone = 1,
    Invalidated = 2,
    Other = 3,
}

impl StreamFailure {
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::DeviceGone),
            2 => Some(Self::Invalidated),
            3 => Some(Self::Other),
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::DeviceGone => "the device was unplugged or disappeared",
            Self::Invalidated => "the device's configuration changed",
            Self::Other => "the audio system reported an error",
        }
    }
}

/// When a callback's last sample was captured, for latency accounting.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallbackMark {
    /// Frames captured up to and including this callback.
    pub frames_end: u64,
    /// When the callback ran, on the capture's clock ([`CaptureClock`]), in nanoseconds,
    /// minus the device's own buffering delay cpal reports.
    pub captured_ns: u64,
}

/// The monotonic clock capture marks are measured on: nanoseconds since `origin`.
#[derive(Clone, Copy, Debug)]
pub struct CaptureClock {
    origin: Instant,
}

impl CaptureClock {
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }

    /// Nanoseconds since the clock's origin.
    pub fn now_ns(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }
}

impl Default for CaptureClock {
    fn default() -> Self {
        Self::new()
    }
}

/// The analysis end of one side's capture: the samples, their format, the counters.
pub struct CaptureOutput {
    /// Interleaved `f32` samples as the device delivers them.
    pub samples: rtrb::Consumer<f32>,
    /// One mark per callback (dropped, not blocking, if the analysis falls behind).
    pub marks: rtrb::Consumer<CallbackMark>,
    pub sample_rate_hz: u32,
    pub channels: u16,
    pub stats: Arc<CaptureStats>,
    /// The device's id (`pulseaudio:caller.monitor`).
    pub device_id: String,
    /// The device's name for people ("Monitor of Built-in Audio").
    pub device_name: String,
}

/// A running capture stream. Dropping it stops the stream. cpal streams are not `Send`
/// on every platform, so this stays on the thread that opened it.
pub struct CaptureStream {
    _stream: cpal::Stream,
    pub stats: Arc<CaptureStats>,
    /// The device it captures, to check that it is still there.
    pub device_id: Option<cpal::DeviceId>,
}

/// Opens `device` for capture and starts it. The ring holds `ring_ms` of audio.
pub fn open_capture(
    side: Speaker,
    device: &cpal::Device,
    ring_ms: u32,
    clock: CaptureClock,
) -> Result<(CaptureStream, CaptureOutput), CaptureError> {
    let info = DeviceInfo::of(device);
    let fail = |message: String| CaptureError::Open {
        side,
        device: info.id.clone(),
        message,
    };
    let supported = device
        .default_input_config()
        .map_err(|e| fail(e.to_string()))?;
    let sample_rate_hz = supported.sample_rate();
    let channels = supported.channels();
    let format = supported.sample_format();
    let mut config = supported.config();
    let period_frames = (sample_rate_hz * CALLBACK_PERIOD_MS / 1000).max(1);
    config.buffer_size = match supported.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&period_frames) => {
            cpal::BufferSize::Fixed(period_frames)
        }
        _ => cpal::BufferSize::Default,
    };
    let (writer, mut output) = capture_ring(sample_rate_hz, channels, ring_ms, clock);
    output.device_id = info.id.clone();
    output.device_name = info.name.clone();
    let stats = Arc::clone(&output.stats);
    let stream = match format {
        SampleFormat::F32 => build::<f32>(device, config, writer, &stats),
        SampleFormat::I16 => build::<i16>(device, config, writer, &stats),
        SampleFormat::I32 => build::<i32>(device, config, writer, &stats),
        SampleFormat::U16 => build::<u16>(device, config, writer, &stats),
        SampleFormat::U8 => build::<u8>(device, config, writer, &stats),
        SampleFormat::I8 => build::<i8>(device, config, writer, &stats),
        SampleFormat::F64 => build::<f64>(device, config, writer, &stats),
        other => return Err(fail(format!("sample format {other} is not supported"))),
    }
    .map_err(|e| fail(e.to_string()))?;
    stream.play().map_err(|e| fail(e.to_string()))?;
    Ok((
        CaptureStream {
            _stream: stream,
            stats,
            device_id: device.id().ok(),
        },
        output,
    ))
}

/// A capture ring for `ring_ms` of audio at `sample_rate_hz` and `channels`: the writer
/// the capture callback owns, and the output the analysis thread reads (named "" until a
/// device is attached). Allocates the ring: done once per stream, before it starts.
pub fn capture_ring(
    sample_rate_hz: u32,
    channels: u16,
    ring_ms: u32,
    clock: CaptureClock,
) -> (RingWriter, CaptureOutput) {
    let ring_len = (sample_rate_hz as usize * channels as usize * ring_ms as usize / 1000).max(1);
    let (producer, samples) = rtrb::RingBuffer::<f32>::new(ring_len);
    let (mark_producer, marks) = rtrb::RingBuffer::<CallbackMark>::new(MARK_RING_LEN);
    let stats = Arc::new(CaptureStats::default());
    let writer = RingWriter {
        producer,
        marks: mark_producer,
        stats: Arc::clone(&stats),
        channels: channels.max(1) as u64,
        frames_end: 0,
        clock,
    };
    let output = CaptureOutput {
        samples,
        marks,
        sample_rate_hz,
        channels,
        stats,
        device_id: String::new(),
        device_name: String::new(),
    };
    (writer, output)
}

/// The capture callback's state: everything it touches is owned or atomic.
pub struct RingWriter {
    producer: rtrb::Producer<f32>,
    marks: rtrb::Producer<CallbackMark>,
    stats: Arc<CaptureStats>,
    channels: u64,
    frames_end: u64,
    clock: CaptureClock,
}

impl RingWriter {
    /// The cpal callback: one buffer of samples with cpal's timing.
    fn write<T>(&mut self, data: &[T], info: &cpal::InputCallbackInfo)
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        let timestamp = info.timestamp();
        let device_delay_ns = timestamp
            .callback
            .duration_since(timestamp.capture)
            .as_nanos() as u64;
        self.write_samples(data, device_delay_ns);
    }

    /// Copies one callback's interleaved samples into the ring, converting them to `f32`;
    /// `device_delay_ns` is how long before the callback the last one was captured.
    /// Never allocates, locks, logs or blocks: what does not fit is dropped and counted.
    pub fn write_samples<T>(&mut self, data: &[T], device_delay_ns: u64)
    where
        T: SizedSample,
        f32: FromSample<T>,
    {
        let now_ns = self.clock.now_ns();
        let free = self.producer.slots();
        // Whole frames only, so the channels stay interleaved after an overrun.
        let fit = (free.min(data.len()) as u64 / self.channels * self.channels) as usize;
        if let Ok(mut chunk) = self.producer.write_chunk_uninit(fit) {
            let (first, second) = chunk.as_mut_slices();
            let (head, tail) = data[..fit].split_at(first.len());
            for (slot, sample) in first.iter_mut().zip(head) {
                slot.write(f32::from_sample(*sample));
            }
            for (slot, sample) in second.iter_mut().zip(tail) {
                slot.write(f32::from_sample(*sample));
            }
            // SAFETY: every slot of both slices was written just above.
            unsafe { chunk.commit_all() };
        }
        let frames_in = data.len() as u64 / self.channels;
        let frames_kept = fit as u64 / self.channels;
        self.frames_end += frames_kept;
        let stats = &self.stats;
        stats.callbacks.fetch_add(1, Ordering::Relaxed);
        stats
            .frames_captured
            .fetch_add(frames_in, Ordering::Relaxed);
        if frames_kept < frames_in {
            stats
                .frames_dropped
                .fetch_add(frames_in - frames_kept, Ordering::Relaxed);
        }
        // A full mark ring only loses latency accounting, never audio.
        let _ = self.marks.push(CallbackMark {
            frames_end: self.frames_end,
            captured_ns: now_ns.saturating_sub(device_delay_ns),
        });
    }
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut writer: RingWriter,
    stats: &Arc<CaptureStats>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let error_stats = Arc::clone(stats);
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], info: &cpal::InputCallbackInfo| writer.write(data, info),
        move |error: cpal::Error| {
            let failure = match error.kind() {
                cpal::ErrorKind::Xrun
                | cpal::ErrorKind::DeviceChanged
                | cpal::ErrorKind::RealtimeDenied
                | cpal::ErrorKind::DeviceBusy => None,
                cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::HostUnavailable => {
                    Some(StreamFailure::DeviceGone)
                }
                cpal::ErrorKind::StreamInvalidated => Some(StreamFailure::Invalidated),
                _ => Some(StreamFailure::Other),
            };
            if let Some(failure) = failure {
                error_stats
                    .last_error
                    .store(failure as u8, Ordering::Relaxed);
                error_stats.failed.store(true, Ordering::Release);
            }
        },
        Some(OPEN_TIMEOUT),
    )
}
