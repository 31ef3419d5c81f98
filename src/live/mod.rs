//! Live coaching: two capture devices in, the same analysis and events as replay out,
//! call by call.
//!
//! Threads (all named, all joined by [`LiveSession::stop`]):
//! - `callcue-devices` owns the cpal streams (they are not `Send` everywhere). It opens
//!   both sides, watches them, and when one fails (unplugged, switched off) drops it and
//!   looks for it again every `capture.reattach_every_ms`. Each newly opened capture goes
//!   to the analysis thread as a [`DeviceNews::Attached`].
//! - the capture callbacks (cpal's threads) only copy into lock-free rings
//!   ([`crate::capture`]).
//! - `callcue-analysis` ([`analysis`]) drains the rings every few ms, frames the audio,
//!   finds calls, gates the caller's voice leaking into the microphone
//!   ([`bleed`]), runs the [`CallAnalyzer`](crate::CallAnalyzer) and hands clips to
//!   speech-to-text (`callcue-stt`, per call) without ever waiting for it.
//!
//! Events leave through a [`LiveSink`] with the wall-clock time they were emitted.

pub mod analysis;
pub mod bleed;
pub mod calls;
pub mod framer;
pub mod reload;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{bounded, Receiver, Sender};

use crate::capture::{
    device_present, find_device, open_capture, CaptureClock, CaptureOutput, CaptureStream,
};
use crate::config::Config;
use crate::event::{Event, ScreenReport, Speaker};
use crate::session::SttSetup;

/// Messages the analysis thread takes (from the devices thread and from the binary).
/// The channel is bounded ([`CONTROL_QUEUE_LEN`]).
pub enum LiveControl {
    /// A softphone hook: a call started.
    CallStart { id: Option<String> },
    /// A softphone hook: the call ended.
    CallEnd,
    /// The agent snoozed nudges for the rest of the call.
    SnoozeForCall,
    /// What the overlay did with a nudge: put on the event stream.
    Screen(ScreenReport),
    /// A config file was saved with valid settings (`keys` changed): they apply from the
    /// next call ([`reload`]).
    ConfigChanged {
        config: Box<Config>,
        keys: Vec<String>,
    },
    /// A config file was saved but cannot be used: the one-line error. The last good
    /// settings stay.
    ConfigError(String),
    /// News about a capture device.
    Device(DeviceNews),
    /// Finish the call in progress, write its summary and stop.
    Stop,
}

/// What the devices thread tells the analysis thread.
pub enum DeviceNews {
    /// A capture is running for `side`.
    Attached(Speaker, CaptureOutput),
    /// `side` has no capture: never found, or lost. Says why, for people.
    Lost { side: Speaker, reason: String },
}

/// Messages waiting for the analysis thread at most.
pub const CONTROL_QUEUE_LEN: usize = 64;

/// Receives live events, on the analysis thread: should hand them on, not block.
pub trait LiveSink: Send {
    /// One event, emitted at `unix_ms` (ms since the Unix epoch).
    fn emit(&mut self, event: &Event<'_>, unix_ms: u64);
    /// The compact indicators, about twice a second during a call: the caller's
    /// frustration score (0-1) and the agent's share of the talk time (0-1).
    fn indicators(&mut self, _caller_frustration: f32, _agent_talk_share: f32) {}
    /// A line for the log (devices attached, problems), not an event.
    fn log(&mut self, _message: &str) {}
}

/// Which devices to capture: ids or parts of names, "" for the defaults.
#[derive(Clone, Debug, Default)]
pub struct DeviceChoice {
    pub agent: String,
    pub caller: String,
}

/// A running live pipeline.
pub struct LiveSession {
    control: Sender<LiveControl>,
    stop_devices: Arc<AtomicBool>,
    analysis: Option<JoinHandle<()>>,
    devices: Option<JoinHandle<()>>,
}

impl LiveSession {
    /// Starts capture and analysis. Devices that cannot be opened now are reported as
    /// `notice` events and looked for again; the pipeline coaches with what it has.
    pub fn start(
        config: Config,
        devices: DeviceChoice,
        stt: SttSetup,
        sink: Box<dyn LiveSink>,
    ) -> std::io::Result<Self> {
        let (control, control_rx) = bounded(CONTROL_QUEUE_LEN);
        let clock = CaptureClock::new();
        let stop_devices = Arc::new(AtomicBool::new(false));
        let analysis = {
            let config = config.clone();
            std::thread::Builder::new()
                .name("callcue-analysis".into())
                .spawn(move || analysis::run(config, stt, sink, control_rx, clock))?
        };
        let devices = {
            let control = control.clone();
            let stop = Arc::clone(&stop_devices);
            std::thread::Builder::new()
                .name("callcue-devices".into())
                .spawn(move || watch_devices(&config, &devices, clock, &control, &stop))?
        };
        Ok(Self {
            control,
            stop_devices,
            analysis: Some(analysis),
            devices: Some(devices),
        })
    }

    /// A sender for hooks, snooze and stop.
    pub fn control(&self) -> Sender<LiveControl> {
        self.control.clone()
    }

    /// Ends the call in progress (its summary is emitted), stops capture and joins
    /// every thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.stop_devices.store(true, Ordering::Release);
        if let Some(devices) = self.devices.take() {
            let _ = devices.join();
        }
        let _ = self.control.send(LiveControl::Stop);
        if let Some(analysis) = self.analysis.take() {
            let _ = analysis.join();
        }
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Milliseconds since the Unix epoch now.
pub fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// How often the devices thread checks on its streams.
const DEVICE_CHECK: Duration = Duration::from_millis(100);

/// The devices thread: opens both sides, and reopens a side whose stream failed.
fn watch_devices(
    config: &Config,
    choice: &DeviceChoice,
    clock: CaptureClock,
    control: &Sender<LiveControl>,
    stop: &AtomicBool,
) {
    let specs = [choice.agent.as_str(), choice.caller.as_str()];
    let mut streams: [Option<CaptureStream>; 2] = [None, None];
    let mut said = [Said::Nothing, Said::Nothing];
    // One timer per side: the next presence check while attached, the next attempt to
    // open while not.
    let mut next_check = [std::time::Instant::now(); 2];
    let mut hosts: Vec<cpal::Host> = Vec::new();
    let every = Duration::from_millis(config.capture.reattach_every_ms.into());
    while !stop.load(Ordering::Acquire) {
        for side in [Speaker::Agent, Speaker::Caller] {
            let i = side.index();
            let now = std::time::Instant::now();
            let due = now >= next_check[i];
            if due {
                next_check[i] = now + every;
            }
            if let Some(stream) = &streams[i] {
                let why = if stream.stats.failed.load(Ordering::Acquire) {
                    let code = stream.stats.last_error.load(Ordering::Relaxed);
                    Some(
                        crate::capture::StreamFailure::from_code(code)
                            .map_or("the stream stopped", |f| f.describe()),
                    )
                } else if due
                    && stream
                        .device_id
                        .as_ref()
                        .is_some_and(|id| !device_present(id, &mut hosts))
                {
                    Some("the device was unplugged or disappeared")
                } else {
                    None
                };
                if let Some(why) = why {
                    streams[i] = None;
                    next_check[i] = now + every;
                    said[i] = Said::Lost;
                    let reason = format!("{side} audio lost: {why}");
                    let _ = control.send(LiveControl::Device(DeviceNews::Lost { side, reason }));
                }
                continue;
            }
            if !due {
                continue;
            }
            let opened = find_device(side, specs[i])
                .and_then(|device| open_capture(side, &device, config.capture.ring_ms, clock));
            match opened {
                Ok((stream, output)) => {
                    streams[i] = Some(stream);
                    said[i] = Said::Nothing;
                    let _ = control.send(LiveControl::Device(DeviceNews::Attached(side, output)));
                }
                Err(e) => {
                    let reason = e.to_string();
                    // Once per distinct problem, and nothing more after a loss was said.
                    let new = match &said[i] {
                        Said::Nothing => true,
                        Said::Problem(last) => *last != reason,
                        Said::Lost => false,
                    };
                    if new {
                        said[i] = Said::Problem(reason.clone());
                        let _ =
                            control.send(LiveControl::Device(DeviceNews::Lost { side, reason }));
                    }
                }
            }
        }
        std::thread::sleep(DEVICE_CHECK);
    }
}

/// What the devices thread last said about a side without a capture.
enum Said {
    Nothing,
    /// It could not be opened, for this reason.
    Problem(String),
    /// It was lost; nothing more until it is back.
    Lost,
}

/// Receives the control channel in the analysis thread.
pub(crate) type ControlReceiver = Receiver<LiveControl>;
