//! `callcue run`: the live pipeline beside the softphone, wired to its outputs: standard
//! output (text or JSON lines), the overlay window, the WebSocket event stream; and to its
//! inputs: softphone hooks on the control socket, the overlay's snooze, Ctrl-C / SIGTERM.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};

use callcue::config::Config;
use callcue::event::{Change, DroppedBecause, Event, NoticeCode, ScreenReport};
use callcue::fleet::RecordOut;
use callcue::live::reload::{self, ReloadSource};
use callcue::live::{DeviceChoice, LiveControl, LiveSession, LiveSink};
use callcue::output::{live_json_line, text_line, Format};
use callcue::session::SttSetup;

use super::call_control::{CallCommand, ControlServer};
use super::overlay::{self, OverlayAction, OverlayMessage};
use super::stream_server::{StreamPublisher, StreamServer};
use super::summaries::SummaryQueue;

/// Lines waiting for standard output at most; beyond that they are dropped (and counted)
/// rather than holding up the analysis.
const STDOUT_QUEUE_LEN: usize = 4096;
/// Messages waiting for the overlay at most.
const OVERLAY_QUEUE_LEN: usize = 64;
/// The overlay's clicks and reports waiting for the actions thread at most.
const OVERLAY_ACTION_QUEUE_LEN: usize = 64;

/// What `callcue run` was asked for.
pub struct RunOptions {
    pub devices: DeviceChoice,
    pub overlay: bool,
    pub format: Format,
    pub verbose: bool,
    pub stt: SttSetup,
    /// What to read again when a config file is saved.
    pub reload: ReloadSource,
}

/// Runs until Ctrl-C, SIGTERM or the overlay window is closed.
pub fn run(config: Config, options: RunOptions) -> anyhow::Result<()> {
    // Closed (drained and flushed) last, when the run returns.
    let _log = super::run_log::start(super::run_log::log_dir())?;
    let (stop_tx, stop_rx) = bounded::<()>(4);
    {
        let stop_tx = stop_tx.clone();
        let signals = AtomicU64::new(0);
        // ctrlc calls this on a thread of its own, not in the signal handler.
        ctrlc::set_handler(move || {
            if signals.fetch_add(1, Ordering::Relaxed) == 0 {
                let _ = stop_tx.try_send(());
            } else {
                // Asked twice: the user wants out now, whatever is still finishing.
                eprintln!("callcue: stopped at once (second signal)");
                std::process::exit(130);
            }
        })
        .map_err(|e| anyhow::anyhow!("cannot handle Ctrl-C: {e}"))?;
    }

    let (hook_tx, hook_rx) = bounded::<CallCommand>(16);
    let control_server = ControlServer::start(hook_tx)?;
    log(&format!(
        "softphone hooks (`callcue call start|end`) on {}",
        control_server.path().display()
    ));

    let stream_server = if config.stream.enabled {
        match StreamServer::start(&config.stream) {
            Ok(server) => {
                log(&format!(
                    "event stream on {} (`callcue stream-info` shows the token)",
                    server.url()
                ));
                Some(server)
            }
            Err(e) => {
                log(&format!("event stream off: {e}"));
                None
            }
        }
    } else {
        None
    };

    let (stdout_tx, stdout_rx) = bounded::<Arc<str>>(STDOUT_QUEUE_LEN);
    let stdout_dropped = Arc::new(AtomicU64::new(0));
    let writer = std::thread::Builder::new()
        .name("callcue-output".into())
        .spawn(move || write_lines(stdout_rx))?;

    let (transcripts_tx, transcript_writer) = if config.privacy.save_transcripts {
        let dir = callcue::transcript_log::transcripts_dir(&config.privacy);
        log(&format!(
            "saving each call's transcripts in {} (privacy.save_transcripts)",
            dir.display()
        ));
        let (tx, rx) = bounded::<TranscriptMessage>(TRANSCRIPT_QUEUE_LEN);
        let writer = std::thread::Builder::new()
            .name("callcue-transcripts".into())
            .spawn(move || write_transcripts(dir, rx))?;
        (Some(tx), Some(writer))
    } else {
        (None, None)
    };

    let (summaries, summary_writer) = super::summaries::start(&config)?.unzip();
    let (overlay_tx, overlay_rx) = bounded::<OverlayMessage>(OVERLAY_QUEUE_LEN);
    let sink = Outputs {
        format: options.format,
        verbose: options.verbose,
        stdout: stdout_tx,
        stdout_dropped: Arc::clone(&stdout_dropped),
        stream: stream_server.as_ref().map(StreamServer::publisher),
        overlay: options.overlay.then(|| overlay_tx.clone()),
        nudge_display: Duration::from_millis(config.nudges.display_ms.into()),
        config_error_shown: false,
        transcripts: transcripts_tx,
        summaries,
        call_id: String::new(),
    };
    let session = LiveSession::start(config.clone(), options.devices, options.stt, Box::new(sink))?;
    let control = session.control();
    let config_watcher = match reload::watch(options.reload, config.clone(), control.clone()) {
        Ok((watcher, folders)) => {
            let folders: Vec<String> = folders.iter().map(|f| f.display().to_string()).collect();
            if folders.is_empty() {
                log("no config folder to watch: config changes apply at the next start");
            } else {
                log(&format!(
                    "watching the config in {}: saved changes apply from the next call",
                    folders.join(", ")
                ));
            }
            Some(watcher)
        }
        Err(e) => {
            log(&format!(
                "cannot watch the config ({e}): changes apply at the next start"
            ));
            None
        }
    };
    let hooks = std::thread::Builder::new()
        .name("callcue-hooks".into())
        .spawn({
            let control = control.clone();
            move || forward_hooks(hook_rx, control)
        })?;

    if options.overlay {
        let (action_tx, action_rx) = bounded::<OverlayAction>(OVERLAY_ACTION_QUEUE_LEN);
        let actions = std::thread::Builder::new()
            .name("callcue-overlay-actions".into())
            .spawn({
                let control = control.clone();
                let stop_tx = stop_tx.clone();
                move || {
                    for action in action_rx {
                        match action {
                            OverlayAction::SnoozeForCall => {
                                let _ = control.try_send(LiveControl::SnoozeForCall);
                            }
                            OverlayAction::Screen(report) => {
                                let _ = control.try_send(LiveControl::Screen(report));
                            }
                            OverlayAction::Closed => {
                                let _ = stop_tx.try_send(());
                            }
                        }
                    }
                }
            })?;
        // Ctrl-C closes the window too.
        let closer = std::thread::Builder::new()
            .name("callcue-stop".into())
            .spawn({
                let overlay_tx = overlay_tx.clone();
                let stop_rx = stop_rx.clone();
                move || {
                    let _ = stop_rx.recv();
                    let _ = overlay_tx.send(OverlayMessage::Shutdown);
                }
            })?;
        // Only the closer takes the stop signal (a second taker could miss it): it closes
        // the window, and once it has, the run is over.
        match overlay::run(&config, overlay_rx, action_tx) {
            Err(e) => log(&format!(
                "{e:#}; coaching goes on without the overlay (Ctrl-C stops)"
            )),
            // The window is gone (closed by the agent, or by the closer): wake the closer
            // if it is still waiting.
            Ok(()) => {
                let _ = stop_tx.try_send(());
            }
        }
        let _ = closer.join();
        let _ = actions.join();
    } else {
        drop(overlay_rx);
        let _ = stop_rx.recv();
    }

    log("stopping");
    drop(config_watcher);
    session.stop();
    drop(control);
    // The control server holds the hooks' sender: the hooks thread ends with it.
    drop(control_server);
    let _ = hooks.join();
    if let Some(server) = stream_server {
        let clients = server.clients();
        if clients > 0 {
            log(&format!("closing the event stream's {clients} client(s)"));
        }
        let lost = server.events_lost();
        if lost > 0 {
            log(&format!(
                "{lost} event(s) were not delivered to event stream clients that read too slowly"
            ));
        }
        server.shutdown();
    }
    let _ = writer.join();
    // The session (and with it the sink's sender) is gone: the writers end their files.
    if let Some(transcript_writer) = transcript_writer {
        let _ = transcript_writer.join();
    }
    if let Some(summary_writer) = summary_writer {
        let _ = summary_writer.join();
    }
    let dropped = stdout_dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        log(&format!(
            "{dropped} event line(s) were not written: standard output was not read fast enough"
        ));
    }
    Ok(())
}

fn log(message: &str) {
    super::run_log::line(message);
}

/// Softphone hooks into the analysis.
fn forward_hooks(hooks: Receiver<CallCommand>, control: Sender<LiveControl>) {
    for command in hooks {
        let message = match command {
            CallCommand::Start { id } => LiveControl::CallStart { id },
            CallCommand::End => LiveControl::CallEnd,
        };
        if control.send(message).is_err() {
            break;
        }
    }
}

/// The `callcue-output` thread: writes each line as it comes, flushed, so a reader sees
/// events as they happen.
fn write_lines(lines: Receiver<Arc<str>>) {
    let stdout = io::stdout();
    for line in lines.iter() {
        let mut out = stdout.lock();
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            // Nobody reads standard output any more: keep draining, write nothing.
            for _ in lines.iter() {}
            return;
        }
    }
}

/// The live sink: every event to standard output and the event stream; nudges, calls
/// and device news to the overlay.
struct Outputs {
    format: Format,
    verbose: bool,
    stdout: Sender<Arc<str>>,
    stdout_dropped: Arc<AtomicU64>,
    stream: Option<StreamPublisher>,
    overlay: Option<Sender<OverlayMessage>>,
    /// How long the engine keeps a nudge on screen (`nudges.display_ms`).
    nudge_display: Duration,
    /// The overlay shows the config-error badge.
    config_error_shown: bool,
    /// To the transcript writer, when `privacy.save_transcripts` is on.
    transcripts: Option<Sender<TranscriptMessage>>,
    /// To the summaries writer (`fleet.save_summaries`).
    summaries: Option<SummaryQueue>,
    /// The call in progress (for its summary's record).
    call_id: String,
}

/// What the `callcue-transcripts` thread is told.
enum TranscriptMessage {
    CallStart,
    Final {
        speaker: &'static str,
        start_ms: u64,
        text: String,
    },
    CallEnd,
}

/// Final transcripts waiting for the disk at most; beyond that they are dropped (and said).
const TRANSCRIPT_QUEUE_LEN: usize = 256;

/// The `callcue-transcripts` thread: one private file per call in `dir`, so the analysis
/// never waits for the disk. Problems are said once per call.
fn write_transcripts(dir: std::path::PathBuf, messages: Receiver<TranscriptMessage>) {
    use callcue::transcript_log::TranscriptFile;
    let mut file: Option<TranscriptFile> = None;
    let finish = |file: TranscriptFile| {
        let path = file.path().to_path_buf();
        match file.finish() {
            Ok(_) => log(&format!(
                "transcripts of the call saved to {}",
                path.display()
            )),
            Err(e) => log(&format!(
                "could not save the call's transcripts to {}: {e}",
                path.display()
            )),
        }
    };
    for message in messages {
        match message {
            TranscriptMessage::CallStart => {
                if let Some(done) = file.take() {
                    finish(done);
                }
                match TranscriptFile::create(&dir) {
                    Ok(new) => file = Some(new),
                    Err(e) => log(&format!(
                        "not saving this call's transcripts: {}: {e}",
                        dir.display()
                    )),
                }
            }
            TranscriptMessage::Final {
                speaker,
                start_ms,
                text,
            } => {
                if let Some(file) = file.as_mut() {
                    file.write(speaker, start_ms, &text);
                }
            }
            TranscriptMessage::CallEnd => {
                if let Some(done) = file.take() {
                    finish(done);
                }
            }
        }
    }
    if let Some(done) = file.take() {
        finish(done);
    }
}

impl Outputs {
    /// Notes the call's id, and hands each call's summary to the summaries writer (never
    /// waits: a full queue loses the line, said in the log).
    fn keep_summary(&mut self, event: &Event<'_>, unix_ms: u64) {
        match event {
            Event::Call {
                change: Change::Start,
                call_id,
                ..
            } => self.call_id = call_id.to_string(),
            Event::Summary(summary) => {
                let Some(queue) = &self.summaries else {
                    return;
                };
                let record = RecordOut {
                    unix_ms,
                    call_id: &self.call_id,
                    origin: &queue.origin,
                    summary,
                };
                let line = match serde_json::to_string(&record) {
                    Ok(line) => line,
                    Err(e) => return log(&format!("call summary not saved: {e}")),
                };
                if queue.lines.try_send((SystemTime::now(), line)).is_err() {
                    log("call summary not saved: the summaries writer is not keeping up");
                }
            }
            _ => {}
        }
    }

    /// Hands `message` to the overlay without waiting; false if its queue was full.
    fn to_overlay(&self, message: OverlayMessage) -> bool {
        match &self.overlay {
            Some(overlay) => !matches!(overlay.try_send(message), Err(TrySendError::Full(_))),
            None => true,
        }
    }
}

impl LiveSink for Outputs {
    fn emit(&mut self, event: &Event<'_>, unix_ms: u64) {
        self.keep_summary(event, unix_ms);
        // Serialized once, shared by standard output and the stream.
        let json: Option<Arc<str>> = (self.format == Format::Jsonl || self.stream.is_some())
            .then(|| Arc::from(live_json_line(event, unix_ms)));
        let line = match self.format {
            Format::Jsonl => json.clone(),
            Format::Text => text_line(event, self.verbose).map(Arc::from),
        };
        if let Some(line) = line {
            if let Err(TrySendError::Full(_)) = self.stdout.try_send(line) {
                self.stdout_dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        if let (Some(stream), Some(json)) = (&self.stream, json) {
            stream.publish(json);
        }
        if let Some(transcripts) = &self.transcripts {
            let message = match event {
                Event::Call { change, .. } => Some(match change {
                    Change::Start => TranscriptMessage::CallStart,
                    Change::End => TranscriptMessage::CallEnd,
                }),
                Event::Transcript {
                    speaker,
                    start_ms,
                    text,
                    is_final: true,
                    ..
                } => Some(TranscriptMessage::Final {
                    speaker: speaker.as_str(),
                    start_ms: *start_ms,
                    text: text.to_string(),
                }),
                _ => None,
            };
            if let Some(message) = message {
                let _ = transcripts.try_send(message);
            }
        }
        match event {
            Event::Nudge {
                t_ms,
                nudge,
                text,
                phrase,
                priority,
                ..
            } => {
                let handed_on = self.to_overlay(OverlayMessage::Nudge {
                    nudge: *nudge,
                    text: text.to_string(),
                    phrase: phrase.to_string(),
                    priority: *priority,
                    show_for: self.nudge_display,
                    decided_at: Instant::now(),
                });
                if !handed_on {
                    let dropped = ScreenReport::Dropped {
                        nudge: *nudge,
                        because: DroppedBecause::OverlayBusy,
                    };
                    self.emit(&dropped.event(*t_ms), unix_ms);
                }
            }
            Event::Call { change, .. } => {
                self.to_overlay(match change {
                    Change::Start => OverlayMessage::CallStarted,
                    Change::End => OverlayMessage::CallEnded,
                });
            }
            Event::Notice {
                code: NoticeCode::DeviceLost,
                message,
                ..
            } => {
                self.to_overlay(OverlayMessage::Status {
                    text: message.to_string(),
                    warning: true,
                });
            }
            Event::Notice {
                code: NoticeCode::DeviceBack,
                ..
            } => {
                self.to_overlay(OverlayMessage::ClearStatus);
            }
            // A small badge until a good config is saved.
            Event::Notice {
                code: NoticeCode::ConfigError,
                ..
            } => {
                self.config_error_shown = true;
                self.to_overlay(OverlayMessage::Status {
                    text: "Config not applied: see the log".into(),
                    warning: true,
                });
            }
            Event::Notice {
                code: NoticeCode::ConfigChanged,
                ..
            } if self.config_error_shown => {
                self.config_error_shown = false;
                self.to_overlay(OverlayMessage::ClearStatus);
            }
            _ => {}
        }
    }

    fn indicators(&mut self, caller_frustration: f32, agent_talk_share: f32) {
        self.to_overlay(OverlayMessage::Indicators {
            caller_frustration,
            agent_talk_share,
        });
    }

    fn log(&mut self, message: &str) {
        log(message);
    }
}
