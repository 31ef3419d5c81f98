//! The overlay window: the current nudge, always on top, never taking keyboard focus.
//!
//! A small card beside the softphone shows one nudge at a time in large text, with the
//! suggested phrase under it. The nudge engine owns what is on screen: each nudge it
//! shows arrives with its display time (`nudges.display_ms`), takes the card at once and
//! fades out over `overlay.fade_ms` afterwards ([`screen`]). The overlay reports back what
//! it did with each one ([`OverlayAction::Screen`]): drawn, with the delay from the
//! engine's decision to the frame, or dropped and why; the pipeline puts those on the
//! event stream (`nudge_drawn`, `nudge_dropped`). Between nudges the card stays, dimmer, with the status line and the compact indicators (the
//! caller's mood with its trend over the last 20 s, the agent's share of the talk), so the
//! agent always knows where it is and can move it.
//!
//! The agent:
//! - clicks the card to snooze nudges for the rest of the call ([`OverlayAction::SnoozeForCall`];
//!   the card says "Snoozed until the call ends"; `CallStarted` or `CallEnded` ends it);
//! - drags it to move it (a press that moves past egui's drag threshold is a drag, not a
//!   click), or drags its bottom-right corner to resize it. Where it was left is kept in
//!   a per-user state file ([`placement`]) and wins over the config next time.
//!
//! Threads: [`run`] owns the window on the main thread. The pipeline's messages arrive on
//! another thread; the thread "callcue-overlay-wake" ([`wake`]) queues each one and wakes
//! the window, which then paints once. Nothing repaints while nothing changes: frames are
//! drawn only for a message, the pointer, the moment a nudge starts to fade, and during
//! the fade.
//!
//! Focus and stacking, per platform:
//! - The window is created inactive (`with_active(false)`), undecorated, always on top,
//!   without a taskbar entry where the platform allows it, and is never asked to take
//!   focus. The card paints its own background with `overlay.opacity` (a transparent
//!   window); without a compositor the desktop shows through as black instead.
//! - X11 (tested under Xvfb with openbox): winit cannot create a window inactive, so
//!   [`x11`] sets `WM_HINTS.input = False`, `_NET_WM_USER_TIME = 0` and `_NET_WM_STATE`
//!   above / skip taskbar / skip pager before the window is mapped: the window manager
//!   gives it focus neither when it appears nor when it is clicked. Window managers will
//!   not start a move of such a window, so it moves (and resizes) itself while the button
//!   is held. A window manager that ignores ICCCM input hints could still focus it.
//! - Windows: created inactive without a taskbar button; [`windows`] adds
//!   `WS_EX_NOACTIVATE`, `WS_EX_TOOLWINDOW` and topmost through the window's handle, so a
//!   click on the card snoozes it without taking keyboard focus from the softphone.
//!   (Checked under Wine by scripts/check-windows: the styles read back from another
//!   process, and a click on the card leaving the foreground where it was; not tested
//!   on a real Windows desktop.)
//! - macOS: the window opens without focus; a click activates the application the same
//!   way. (Not tested here.)
//! - Wayland: this build draws through X11 only (eframe's `x11` feature), so it needs
//!   XWayland (`DISPLAY`); a Wayland compositor also ignores the requested position.
//! - No global snooze hotkey: `overlay.snooze_hotkey` needs a global-hotkey crate that is
//!   not a dependency; the click on the card is the way to snooze.

mod card;
pub mod placement;
pub mod screen;
mod wake;
#[cfg(windows)]
mod windows;
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
mod x11;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use eframe::egui::{
    self, CursorIcon, IconData, Id, Rect, ResizeDirection, Sense, Theme, Vec2, ViewportBuilder,
    ViewportCommand,
};

use callcue::config::{Config, OverlayConfig};
use callcue::event::ScreenReport;
use callcue::NudgeId;

use card::{CardView, Palette, GRIP_SIZE};
use placement::Placement;
use screen::{Effect, NextChange, Screen};
use wake::Forwarder;

/// What the live pipeline tells the overlay.
#[derive(Clone, Debug, PartialEq)]
pub enum OverlayMessage {
    /// The engine showed this nudge: it takes the card now, fully shown for `show_for`,
    /// then fades (see [`screen`]).
    Nudge {
        nudge: NudgeId,
        text: String,
        phrase: String,
        priority: u8,
        show_for: Duration,
        /// When the engine decided (the drawn report's delay starts here).
        decided_at: Instant,
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

/// What the agent did in the overlay, and what it did with each nudge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OverlayAction {
    /// Snooze nudges for the rest of the call (a click on the overlay, or the hotkey).
    SnoozeForCall,
    /// What became of a nudge the engine showed.
    Screen(ScreenReport),
    /// The window was closed: stop callcue.
    Closed,
}

/// The window's title (what `xdotool search --name` and window lists see).
pub const WINDOW_TITLE: &str = "callcue";
/// The caller's name in a previewed `use_name` nudge.
const SAMPLE_CALLER_NAME: &str = "Priya";
/// Frame interval while a fade runs.
const ANIMATION_FRAME: Duration = Duration::from_millis(16);
/// The card's opacity between nudges, relative to `overlay.opacity`.
const IDLE_PRESENCE: f32 = 0.6;
/// How long a hover takes to bring the card to full opacity, in seconds.
const HOVER_ANIMATION_S: f32 = 0.15;
/// The smallest window, in points (the config's limits).
const MIN_SIZE: Vec2 = Vec2::new(160.0, 48.0);
/// A moved or resized window is saved once it has been still this long.
const SAVE_AFTER_STILL: Duration = Duration::from_millis(600);

/// Runs the overlay on the calling thread (it must be the main thread) until `Shutdown`
/// arrives, the sender of `messages` is dropped, or the window is closed.
///
/// `actions` gets [`OverlayAction::SnoozeForCall`] on a click and
/// [`OverlayAction::Closed`] when the window is closed by the agent or the desktop (not
/// after `Shutdown`). They are sent with `try_send`, never blocking the window: give the
/// channel room for a few.
///
/// Errors (one line, the window never panics for them): no display (`DISPLAY` unset, no
/// X server, no OpenGL), or not called on the main thread.
pub fn run(
    config: &Config,
    messages: Receiver<OverlayMessage>,
    actions: Sender<OverlayAction>,
) -> anyhow::Result<()> {
    check_display()?;
    if std::thread::current().name() != Some("main") {
        bail!("overlay: the window must be run on the main thread");
    }
    if !config.overlay.snooze_hotkey.is_empty() {
        crate::app::run_log::line(&format!(
            "warning: overlay.snooze_hotkey = {:?} is not supported yet (no global \
             hotkeys in this build); a click on the overlay snoozes",
            config.overlay.snooze_hotkey
        ));
    }
    let state_file = placement::state_file();
    let remembered = placement::load_or_warn(state_file.as_deref());
    let start = remembered.unwrap_or_else(|| Placement::from_config(&config.overlay));
    let options = native_options(&start);
    let overlay = config.overlay.clone();
    let result = eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(move |cc| {
            let x11 = x11_setup(cc);
            #[cfg(windows)]
            windows_setup(cc);
            let (forwarder, queue) = Forwarder::spawn(messages, cc.egui_ctx.clone())?;
            Ok(Box::new(OverlayApp::new(
                overlay,
                Links {
                    queue,
                    _forwarder: forwarder,
                    actions,
                    x11,
                },
                state_file,
                start,
            )))
        }),
    );
    result.map_err(|e| anyhow::anyhow!(describe(&e)))
}

/// Shows the overlay with one nudge for `show_for` (then returns): how a nudge looks
/// with this config, on this desktop. The nudge fades after `nudges.display_ms` as it
/// would live; with `overlay.show_indicators`, sample indicators show under it.
pub fn preview(config: &Config, nudge: NudgeId, show_for: Duration) -> anyhow::Result<()> {
    check_display()?;
    let rule = config.nudges.rule(nudge);
    let (messages_tx, messages_rx) = bounded(16);
    let (actions_tx, actions_rx) = bounded(16);
    let mut sample = vec![OverlayMessage::CallStarted];
    if config.overlay.show_indicators {
        for frustration in [0.2, 0.35, 0.55] {
            sample.push(OverlayMessage::Indicators {
                caller_frustration: frustration,
                agent_talk_share: 0.58,
            });
        }
    }
    sample.push(OverlayMessage::Nudge {
        nudge,
        text: rule.text.replace("{name}", SAMPLE_CALLER_NAME),
        phrase: rule.phrase.replace("{name}", SAMPLE_CALLER_NAME),
        priority: rule.priority,
        show_for: Duration::from_millis(config.nudges.display_ms.into()),
        decided_at: Instant::now(),
    });
    for message in sample {
        messages_tx.send(message)?;
    }
    let (stop_tx, stop_rx) = bounded::<()>(0);
    let timer = std::thread::Builder::new()
        .name("callcue-overlay-preview".into())
        .spawn(move || {
            // Ends early when the window closes (the stop sender is dropped).
            if stop_rx.recv_timeout(show_for) == Err(RecvTimeoutError::Timeout) {
                let _ = messages_tx.send(OverlayMessage::Shutdown);
            }
            drop(actions_rx);
        })?;
    let result = run(config, messages_rx, actions_tx);
    drop(stop_tx);
    let _ = timer.join();
    result
}

/// Fails with one line when there is certainly no display to open a window on.
fn check_display() -> anyhow::Result<()> {
    if cfg!(all(unix, not(target_os = "macos"))) {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if !set("DISPLAY") {
            if set("WAYLAND_DISPLAY") {
                bail!(
                    "overlay: no display available (DISPLAY is not set; this build draws \
                     through X11 and needs XWayland); run with --no-overlay"
                );
            }
            bail!("overlay: no display available (DISPLAY is not set); run with --no-overlay");
        }
    }
    Ok(())
}

/// One line for an error of eframe's.
fn describe(error: &eframe::Error) -> String {
    let detail = match error {
        eframe::Error::AppCreation(e) => {
            return format!("overlay: could not start: {}", one_line(&e.to_string()));
        }
        eframe::Error::Winit(e) => format!("cannot open a window: {e}"),
        eframe::Error::WinitEventLoop(e) => {
            let display = std::env::var("DISPLAY").unwrap_or_default();
            format!(
                "cannot connect to the X server at DISPLAY={display}: {}",
                without_source_location(&e.to_string())
            )
        }
        eframe::Error::NoGlutinConfigs(_, e) => format!("no usable OpenGL configuration: {e}"),
        other => format!("OpenGL could not start: {other}"),
    };
    let mut detail = one_line(&detail);
    if detail.chars().count() > 200 {
        detail = detail.chars().take(200).collect::<String>() + "...";
    }
    format!("overlay: no display available ({detail}); run with --no-overlay")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// winit's OS errors start "os error at /path/to/winit/src/file.rs:788: ": keep the rest.
fn without_source_location(message: &str) -> &str {
    message
        .find(".rs:")
        .and_then(|at| message[at..].find(": ").map(|end| at + end + 2))
        .map_or(message, |start| &message[start..])
}

fn native_options(start: &Placement) -> eframe::NativeOptions {
    let mut viewport = ViewportBuilder::default()
        .with_title(WINDOW_TITLE)
        .with_app_id("callcue")
        .with_position([start.x_px as f32, start.y_px as f32])
        .with_inner_size([start.width_px as f32, start.height_px as f32])
        .with_min_inner_size(MIN_SIZE)
        .with_decorations(false)
        .with_resizable(true)
        .with_transparent(true)
        .with_always_on_top()
        .with_active(false)
        .with_taskbar(false)
        .with_icon(IconData::default());
    if cfg!(all(unix, not(target_os = "macos"))) {
        viewport = viewport.with_window_type(egui::X11WindowType::Utility);
    }
    eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        centered: false,
        persist_window: false,
        system_font_fallback: false,
        clipboard_shortcuts: false,
        ..Default::default()
    }
}

/// The window's connections to the rest of callcue (and, on X11, to the X server).
struct Links {
    queue: Receiver<OverlayMessage>,
    /// Joined when the app is dropped (the window has closed).
    _forwarder: Forwarder,
    actions: Sender<OverlayAction>,
    x11: Option<X11>,
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
type X11 = x11::X11;
#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
type X11 = std::convert::Infallible;

/// X11: a connection of our own, and the hints that keep the window from taking focus.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn x11_setup(cc: &eframe::CreationContext<'_>) -> Option<X11> {
    let warn = |why: String| {
        crate::app::run_log::line(&format!(
            "warning: overlay: {why}; the window manager may give it keyboard focus"
        ));
    };
    let window = cc.winit_window()?;
    match x11::X11::connect() {
        Ok(x11) => {
            if let Err(why) = x11.refuse_focus(u64::from(window.id())) {
                warn(why);
            }
            Some(x11)
        }
        Err(why) => {
            warn(why);
            None
        }
    }
}

#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn x11_setup(_cc: &eframe::CreationContext<'_>) -> Option<X11> {
    None
}

/// Windows: the extended styles that keep the window from taking focus.
#[cfg(windows)]
fn windows_setup(cc: &eframe::CreationContext<'_>) {
    let Some(window) = cc.winit_window() else {
        return;
    };
    if let Err(why) = windows::refuse_focus(window.as_ref()) {
        crate::app::run_log::line(&format!(
            "warning: overlay: {why}; a click on it may take keyboard focus from the softphone"
        ));
    }
}

/// A move or resize the overlay does itself, following the pointer (X11: the window
/// manager will not move a window that takes no input). Elsewhere the window manager
/// moves it and the offsets go unread.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(
    not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )),
    allow(dead_code)
)]
enum Gesture {
    /// The pointer's offset from the window's top-left corner, in points.
    Move { grab: Vec2 },
    /// The pointer's offset from the window's bottom-right corner, in points.
    Resize { grab: Vec2 },
}

/// The window's state between frames.
struct OverlayApp {
    config: OverlayConfig,
    screen: Screen,
    links: Links,
    /// The window closes because `Shutdown` arrived (so no `Closed` is sent).
    shutting_down: bool,
    closed_sent: bool,
    gesture: Option<Gesture>,
    state_file: Option<PathBuf>,
    /// Where the window is, and what the state file holds.
    placement: Placement,
    saved: Placement,
    /// The agent moved or resized the window since it opened.
    moved_by_agent: bool,
    save_due: Option<Instant>,
}

impl OverlayApp {
    fn new(
        config: OverlayConfig,
        links: Links,
        state_file: Option<PathBuf>,
        start: Placement,
    ) -> Self {
        let screen = Screen::new(Duration::from_millis(config.fade_ms.into()));
        Self {
            config,
            screen,
            links,
            shutting_down: false,
            closed_sent: false,
            gesture: None,
            state_file,
            placement: start,
            saved: start,
            moved_by_agent: false,
            save_due: None,
        }
    }

    /// Hands what became of nudges to the pipeline (never waits: a full queue loses
    /// reports, not frames).
    fn send_reports(&mut self) {
        for report in self.screen.drain_reports() {
            let _ = self.links.actions.try_send(OverlayAction::Screen(report));
        }
    }

    fn dark(&self, ctx: &egui::Context) -> bool {
        match self.config.theme.as_str() {
            "light" => false,
            "dark" => true,
            _ => ctx.system_theme() != Some(Theme::Light),
        }
    }

    /// A press on the card: a click snoozes, a drag moves (or, from the corner grip,
    /// resizes) the window.
    fn handle_pointer(&mut self, ctx: &egui::Context, response: &egui::Response, grip: Rect) {
        let rect = response.rect;
        if response.drag_started() {
            self.moved_by_agent = true;
            let origin = ctx
                .input(|i| i.pointer.press_origin())
                .unwrap_or(rect.center());
            let resize = grip.contains(origin);
            if self.links.x11.is_some() {
                self.gesture = Some(if resize {
                    Gesture::Resize {
                        grab: rect.max - origin,
                    }
                } else {
                    Gesture::Move {
                        grab: origin - rect.min,
                    }
                });
            } else if resize {
                ctx.send_viewport_cmd(ViewportCommand::BeginResize(ResizeDirection::SouthEast));
            } else {
                ctx.send_viewport_cmd(ViewportCommand::StartDrag);
            }
        } else if response.clicked() && self.screen.snooze() {
            let _ = self.links.actions.try_send(OverlayAction::SnoozeForCall);
        }
        if self.gesture.is_some() && !ctx.input(|i| i.pointer.primary_down()) {
            self.gesture = None;
        }
        self.follow_pointer(ctx);
    }

    /// Moves or resizes the window to follow the pointer during a gesture.
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    fn follow_pointer(&mut self, ctx: &egui::Context) {
        let (Some(gesture), Some(x11)) = (self.gesture, &self.links.x11) else {
            return;
        };
        let (outer, inner) = ctx.input(|i| (i.viewport().outer_rect, i.viewport().inner_rect));
        let (Some(outer), Some(inner), Some((x, y))) = (outer, inner, x11.pointer_on_root()) else {
            return;
        };
        let pixels_per_point = ctx.pixels_per_point();
        let pointer = egui::pos2(x as f32, y as f32) / pixels_per_point;
        match gesture {
            Gesture::Move { grab } => {
                let target = (pointer - grab).round();
                if target != outer.min.round() {
                    ctx.send_viewport_cmd(ViewportCommand::OuterPosition(target));
                }
            }
            Gesture::Resize { grab } => {
                let size = (pointer + grab - outer.min).max(MIN_SIZE).round();
                if size != inner.size().round() {
                    ctx.send_viewport_cmd(ViewportCommand::InnerSize(size));
                }
            }
        }
        // Motion events drive the gesture; this only catches the last one.
        ctx.request_repaint_after(ANIMATION_FRAME);
    }

    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    fn follow_pointer(&mut self, _ctx: &egui::Context) {}

    /// Follows the window's place, and saves it once the agent has put it somewhere.
    fn track_placement(&mut self, ctx: &egui::Context, now: Instant) {
        let (outer, inner) = ctx.input(|i| (i.viewport().outer_rect, i.viewport().inner_rect));
        if let (Some(outer), Some(inner)) = (outer, inner) {
            let current = Placement {
                x_px: outer.min.x.round() as i32,
                y_px: outer.min.y.round() as i32,
                width_px: inner.width().round().max(1.0) as u32,
                height_px: inner.height().round().max(1.0) as u32,
            };
            if current != self.placement {
                self.placement = current;
                if self.moved_by_agent {
                    self.save_due = Some(now + SAVE_AFTER_STILL);
                }
            }
        }
        if self.gesture.is_some() && self.save_due.is_some() {
            // Still moving: saved once the agent lets go and the window is still.
            self.save_due = Some(now + SAVE_AFTER_STILL);
        } else if self.save_due.is_some_and(|due| now >= due) {
            self.save();
        }
    }

    fn save(&mut self) {
        self.save_due = None;
        if !self.moved_by_agent || self.placement == self.saved {
            return;
        }
        let Some(path) = &self.state_file else { return };
        match placement::save(path, &self.placement) {
            Ok(()) => self.saved = self.placement,
            Err(e) => crate::app::run_log::line(&format!(
                "warning: overlay position not saved: {}: {e}",
                path.display()
            )),
        }
    }
}

impl eframe::App for OverlayApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let now = Instant::now();
        while let Ok(message) = self.links.queue.try_recv() {
            if self.screen.apply(message, now) == Effect::Shutdown && !self.shutting_down {
                self.shutting_down = true;
                ctx.send_viewport_cmd(ViewportCommand::Close);
            }
        }
        self.screen.tick(now);
        self.send_reports();
        self.track_placement(ctx, now);
        if ctx.input(|i| i.viewport().close_requested()) {
            self.save();
            if !self.shutting_down && !self.closed_sent {
                self.closed_sent = true;
                let _ = self.links.actions.try_send(OverlayAction::Closed);
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let now = Instant::now();
        let rect = ctx.content_rect();

        let response = ui.interact(
            rect,
            Id::unique("callcue-overlay-card"),
            Sense::click_and_drag(),
        );
        let grip = Rect::from_min_max(rect.max - Vec2::splat(GRIP_SIZE), rect.max);
        self.handle_pointer(&ctx, &response, grip);
        let hovered = response.hovered() || response.contains_pointer() || self.gesture.is_some();
        if hovered {
            let over_grip = ctx
                .input(|i| i.pointer.hover_pos())
                .is_some_and(|p| grip.contains(p));
            let resizing = matches!(self.gesture, Some(Gesture::Resize { .. }));
            ctx.set_cursor_icon(if over_grip || resizing {
                CursorIcon::ResizeNwSe
            } else if self.gesture.is_some() {
                CursorIcon::Grabbing
            } else {
                CursorIcon::PointingHand
            });
        }

        let nudge = self.screen.nudge_visible(now);
        let warning = self.screen.status().is_some_and(|s| s.warning);
        let attention = if self.screen.snoozed() || warning {
            1.0
        } else {
            nudge.map_or(0.0, |(_, visibility)| visibility)
        };
        let hover = ctx.animate_bool_with_time(
            Id::unique("callcue-overlay-hover"),
            hovered,
            HOVER_ANIMATION_S,
        );
        let presence = (IDLE_PRESENCE + (1.0 - IDLE_PRESENCE) * attention.max(hover)).min(1.0);
        let show_indicators = self.config.show_indicators;
        let view = CardView {
            nudge,
            snoozed: self.screen.snoozed(),
            status: self.screen.status(),
            mood: self.screen.caller_mood().filter(|_| show_indicators),
            agent_talk_share: self.screen.agent_talk_share().filter(|_| show_indicators),
            hovered,
            background_alpha: self.config.opacity * presence,
            presence,
        };
        card::paint(ui.painter(), rect, &view, &Palette::new(self.dark(&ctx)));
        self.screen.drawn(now);
        self.send_reports();

        // Paint again only when something will change.
        match self.screen.next_change(now) {
            NextChange::Never => {}
            NextChange::At(at) => ctx.request_repaint_after(at.saturating_duration_since(now)),
            NextChange::Animating => ctx.request_repaint_after(ANIMATION_FRAME),
        }
        if let Some(due) = self.save_due {
            ctx.request_repaint_after(due.saturating_duration_since(now));
        }
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        // The card paints its own background, with the configured opacity.
        [0.0; 4]
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.save();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winit_source_locations_are_dropped() {
        let message = "os error at /home/u/.cargo/registry/src/x/winit-0.30.13/src/platform_impl\
                       /linux/mod.rs:788: Failed to open connection to X server";
        assert_eq!(
            without_source_location(message),
            "Failed to open connection to X server"
        );
        assert_eq!(without_source_location("plain"), "plain");
    }

    #[test]
    fn errors_are_one_line() {
        let error = eframe::Error::AppCreation("line one\nline two".into());
        assert_eq!(
            describe(&error),
            "overlay: could not start: line one line two"
        );
        let error = eframe::Error::OpenGL(eframe::egui_glow::PainterError::from(
            "no\nshaders".to_string(),
        ));
        let line = describe(&error);
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(line.ends_with("; run with --no-overlay"), "{line}");
    }
}
