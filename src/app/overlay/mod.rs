//! The overlay window: the current nudge, always on top, never taking focus.
//! (Being built: see `run` and `preview`.)

use crossbeam_channel::{Receiver, Sender};

use callcue::config::Config;
use callcue::NudgeId;

/// What the live pipeline tells the overlay.
#[derive(Clone, Debug, PartialEq)]
pub enum OverlayMessage {
    /// Show this nudge (it replaces a lower-priority one on screen).
    Nudge {
        nudge: NudgeId,
        text: String,
        phrase: String,
        priority: u8,
    },
    /// Compact indicators: the caller's frustration score now (0-1) and the agent's share
    /// of the talk time so far this call (0-1).
    Indicators {
        caller_frustration: f32,
        agent_talk_share: f32,
    },
    /// A line about the pipeline itself ("Caller audio lost: coaching from the microphone").
    Status { text: String, warning: bool },
    /// The status line is no longer true.
    ClearStatus,
    /// A call started: snooze ends, indicators reset.
    CallStarted,
    /// The call ended.
    CallEnded,
    /// Close the window and return.
    Shutdown,
}

/// What the agent did in the overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlayAction {
    /// Snooze nudges for the rest of the call (a click on the overlay, or the hotkey).
    SnoozeForCall,
    /// The window was closed: stop callcue.
    Closed,
}

/// Runs the overlay on the calling thread (it must be the main thread) until `Shutdown`
/// arrives or the window is closed.
pub fn run(
    _config: &Config,
    _messages: Receiver<OverlayMessage>,
    _actions: Sender<OverlayAction>,
) -> anyhow::Result<()> {
    anyhow::bail!("the overlay is not built yet")
}

/// Shows the overlay with one nudge for `show_for` (then returns): how a nudge looks
/// with this config, on this desktop.
pub fn preview(
    _config: &Config,
    _nudge: NudgeId,
    _show_for: std::time::Duration,
) -> anyhow::Result<()> {
    anyhow::bail!("the overlay is not built yet")
}
