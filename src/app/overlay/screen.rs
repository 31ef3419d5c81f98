//! What the overlay shows, as plain state: no window, no clock of its own (every call
//! takes `now`), so the rules are unit-tested without a display.
//!
//! The nudge engine owns what is on screen; this only draws its decisions:
//! - Every nudge that arrives takes the screen at once (the engine sends one only when it
//!   may replace the one shown: a higher priority, or the shown one's time is up). It is
//!   shown for the time the engine gave it (`nudges.display_ms`), then fades out over
//!   `fade` (`overlay.fade_ms`).
//! - What became of each nudge is reported back ([`Screen::drain_reports`]): drawn (with
//!   the delay from the engine's decision to the first frame showing it), or dropped and
//!   why: it arrived while snoozed, a newer one replaced it before a frame was drawn, or
//!   no frame was drawn while it was due.
//! - While snoozed (a click on the overlay) nudges are dropped, not queued. The snooze
//!   lasts until the call ends: `CallEnded` or `CallStarted` ends it.
//! - The status line stays until `ClearStatus` (a newer status replaces it).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use callcue::event::{DroppedBecause, ScreenReport};
use callcue::NudgeId;

use super::OverlayMessage;

/// Reports kept between two frames at most.
const REPORTS_MAX: usize = 32;
/// The caller's mood trend covers this much of the recent past.
pub const MOOD_WINDOW: Duration = Duration::from_secs(20);
/// At most this many mood samples are kept (the pipeline sends a few per second).
const MOOD_SAMPLES_MAX: usize = 256;
/// A change of the frustration score (0-1) over the trend window that counts as a trend.
const MOOD_TREND_MIN_CHANGE: f32 = 0.08;

/// A nudge as the overlay shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Nudge {
    pub id: NudgeId,
    pub text: String,
    pub phrase: String,
    pub priority: u8,
}

#[derive(Clone, Debug)]
struct Timed {
    nudge: Nudge,
    /// On screen since.
    since: Instant,
    /// Fully shown this long from `since`, then fading.
    show_for: Duration,
    /// When the engine decided to show it.
    decided_at: Instant,
    /// A frame with it on has been drawn.
    drawn: bool,
}

/// Which way the caller's frustration has gone over the last [`MOOD_WINDOW`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    Rising,
    Steady,
    Easing,
}

/// The status line.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub text: String,
    pub warning: bool,
}

/// What a message did beyond changing the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    /// Close the window.
    Shutdown,
}

/// When the screen next changes on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextChange {
    /// Nothing changes until a message or the pointer arrives.
    Never,
    /// At this time (a nudge starts to fade).
    At(Instant),
    /// Every frame: a fade is running.
    Animating,
}

/// The overlay's state.
#[derive(Debug)]
pub struct Screen {
    fade: Duration,
    shown: Option<Timed>,
    /// What became of nudges since the last [`Screen::drain_reports`].
    reports: Vec<ScreenReport>,
    snoozed: bool,
    status: Option<Status>,
    mood: VecDeque<(Instant, f32)>,
    agent_talk_share: Option<f32>,
}

impl Screen {
    pub fn new(fade: Duration) -> Self {
        Self {
            fade,
            shown: None,
            reports: Vec::with_capacity(REPORTS_MAX),
            snoozed: false,
            status: None,
            mood: VecDeque::with_capacity(MOOD_SAMPLES_MAX),
            agent_talk_share: None,
        }
    }

    /// Applies one message from the pipeline.
    pub fn apply(&mut self, message: OverlayMessage, now: Instant) -> Effect {
        self.tick(now);
        match message {
            OverlayMessage::Nudge {
                nudge,
                text,
                phrase,
                priority,
                show_for,
                decided_at,
            } => self.nudge(Timed {
                nudge: Nudge {
                    id: nudge,
                    text,
                    phrase,
                    priority,
                },
                since: now,
                show_for,
                decided_at,
                drawn: false,
            }),
            OverlayMessage::Indicators {
                caller_frustration,
                agent_talk_share,
            } => {
                if caller_frustration.is_finite() {
                    if self.mood.len() == MOOD_SAMPLES_MAX {
                        self.mood.pop_front();
                    }
                    self.mood
                        .push_back((now, caller_frustration.clamp(0.0, 1.0)));
                }
                if agent_talk_share.is_finite() {
                    self.agent_talk_share = Some(agent_talk_share.clamp(0.0, 1.0));
                }
                self.trim_mood(now);
            }
            OverlayMessage::Status { text, warning } => {
                self.status = Some(Status { text, warning });
            }
            OverlayMessage::ClearStatus => self.status = None,
            OverlayMessage::CallStarted => {
                self.snoozed = false;
                self.clear(DroppedBecause::Replaced);
                self.mood.clear();
                self.agent_talk_share = None;
            }
            OverlayMessage::CallEnded => {
                self.snoozed = false;
                // The last advice of the call fades out now rather than lingering.
                if let Some(shown) = &mut self.shown {
                    let shown_so_far = now.saturating_duration_since(shown.since);
                    shown.show_for = shown.show_for.min(shown_so_far);
                }
            }
            OverlayMessage::Shutdown => return Effect::Shutdown,
        }
        Effect::None
    }

    fn nudge(&mut self, nudge: Timed) {
        if self.snoozed {
            self.report_dropped(nudge.nudge.id, DroppedBecause::Snoozed);
            return;
        }
        self.clear(DroppedBecause::Replaced);
        self.shown = Some(nudge);
    }

    /// Takes the nudge off the screen; one never drawn is reported dropped `because`.
    fn clear(&mut self, because: DroppedBecause) {
        if let Some(old) = self.shown.take() {
            if !old.drawn {
                self.report_dropped(old.nudge.id, because);
            }
        }
    }

    fn report_dropped(&mut self, nudge: NudgeId, because: DroppedBecause) {
        self.report(ScreenReport::Dropped { nudge, because });
    }

    fn report(&mut self, report: ScreenReport) {
        // Drained every frame; a window that stops drawing loses the oldest first.
        if self.reports.len() == REPORTS_MAX {
            self.reports.remove(0);
        }
        self.reports.push(report);
    }

    /// The agent clicked the overlay: nudges stop until the call ends. Returns whether
    /// this started a snooze (a second click does nothing).
    pub fn snooze(&mut self) -> bool {
        if self.snoozed {
            return false;
        }
        self.snoozed = true;
        self.clear(DroppedBecause::Snoozed);
        true
    }

    /// Moves time on: a nudge whose show and fade are over leaves the screen.
    pub fn tick(&mut self, now: Instant) {
        let over = self.shown.as_ref().is_some_and(|shown| {
            now.saturating_duration_since(shown.since) >= shown.show_for + self.fade
        });
        if over {
            self.clear(DroppedBecause::NotDrawn);
        }
    }

    /// A frame showing [`Screen::nudge_visible`] as of `now` was drawn.
    pub fn drawn(&mut self, now: Instant) {
        if self.nudge_visible(now).is_none() {
            return;
        }
        let Some(shown) = self.shown.as_mut().filter(|shown| !shown.drawn) else {
            return;
        };
        shown.drawn = true;
        let report = ScreenReport::Drawn {
            nudge: shown.nudge.id,
            delay_ms: now
                .saturating_duration_since(shown.decided_at)
                .as_secs_f64()
                * 1000.0,
        };
        self.report(report);
    }

    /// What became of nudges since the last call, oldest first.
    pub fn drain_reports(&mut self) -> std::vec::Drain<'_, ScreenReport> {
        self.reports.drain(..)
    }

    fn is_fading(shown: &Timed, now: Instant) -> bool {
        now.saturating_duration_since(shown.since) >= shown.show_for
    }

    /// The nudge on screen and how visible it is (1 while shown, falling to 0 over the
    /// fade), as of the last `tick`.
    pub fn nudge_visible(&self, now: Instant) -> Option<(&Nudge, f32)> {
        let shown = self.shown.as_ref()?;
        let age = now.saturating_duration_since(shown.since);
        let visibility = if age < shown.show_for {
            1.0
        } else if self.fade.is_zero() {
            0.0
        } else {
            let t = (age - shown.show_for).as_secs_f32() / self.fade.as_secs_f32();
            // Ease out: most of the change early, a soft end.
            (1.0 - t).clamp(0.0, 1.0).powi(2)
        };
        (visibility > 0.0).then_some((&shown.nudge, visibility))
    }

    /// When the screen next changes without a message.
    pub fn next_change(&self, now: Instant) -> NextChange {
        match &self.shown {
            None => NextChange::Never,
            Some(shown) if Self::is_fading(shown, now) => NextChange::Animating,
            Some(shown) => NextChange::At(shown.since + shown.show_for),
        }
    }

    pub fn snoozed(&self) -> bool {
        self.snoozed
    }

    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    /// The caller's frustration now (0-1) and its trend, once the pipeline sent any.
    pub fn caller_mood(&self) -> Option<(f32, Trend)> {
        let &(latest_at, latest) = self.mood.back()?;
        // The trend compares now with the older half of the window.
        let half = MOOD_WINDOW / 2;
        let older: Vec<f32> = self
            .mood
            .iter()
            .take_while(|(at, _)| latest_at.saturating_duration_since(*at) >= half)
            .map(|&(_, value)| value)
            .collect();
        let before = if older.is_empty() {
            self.mood.front().map_or(latest, |&(_, v)| v)
        } else {
            older.iter().sum::<f32>() / older.len() as f32
        };
        let change = latest - before;
        let trend = if change >= MOOD_TREND_MIN_CHANGE {
            Trend::Rising
        } else if change <= -MOOD_TREND_MIN_CHANGE {
            Trend::Easing
        } else {
            Trend::Steady
        };
        Some((latest, trend))
    }

    /// The agent's share of the talk time so far this call (0-1).
    pub fn agent_talk_share(&self) -> Option<f32> {
        self.agent_talk_share
    }

    fn trim_mood(&mut self, now: Instant) {
        while self
            .mood
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) > MOOD_WINDOW)
        {
            self.mood.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOW: Duration = Duration::from_millis(4000);
    const FADE: Duration = Duration::from_millis(800);

    fn nudge_at(id: NudgeId, priority: u8, decided_at: Instant) -> OverlayMessage {
        OverlayMessage::Nudge {
            nudge: id,
            text: format!("{id:?}"),
            phrase: String::new(),
            priority,
            show_for: SHOW,
            decided_at,
        }
    }

    fn nudge(id: NudgeId, priority: u8) -> OverlayMessage {
        nudge_at(id, priority, Instant::now())
    }

    fn on_screen(screen: &Screen, now: Instant) -> Option<NudgeId> {
        screen.nudge_visible(now).map(|(n, _)| n.id)
    }

    fn reports(screen: &mut Screen) -> Vec<ScreenReport> {
        screen.drain_reports().collect()
    }

    fn dropped(nudge: NudgeId, because: DroppedBecause) -> ScreenReport {
        ScreenReport::Dropped { nudge, because }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn shows_for_the_engines_time_then_fades_then_clears() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        assert_eq!(screen.next_change(t0), NextChange::Never);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        assert_eq!(screen.nudge_visible(t0).unwrap().1, 1.0);
        assert_eq!(screen.next_change(t0), NextChange::At(t0 + SHOW));
        let mid_fade = t0 + SHOW + FADE / 2;
        screen.tick(mid_fade);
        let visibility = screen.nudge_visible(mid_fade).unwrap().1;
        assert!(visibility > 0.0 && visibility < 1.0, "{visibility}");
        assert_eq!(screen.next_change(mid_fade), NextChange::Animating);
        let after = t0 + SHOW + FADE;
        screen.tick(after);
        assert_eq!(on_screen(&screen, after), None);
        assert_eq!(screen.next_change(after), NextChange::Never);
    }

    #[test]
    fn no_fade_ends_at_once() {
        let t0 = Instant::now();
        let mut screen = Screen::new(Duration::ZERO);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        screen.tick(t0 + SHOW);
        assert_eq!(on_screen(&screen, t0 + SHOW), None);
    }

    #[test]
    fn every_nudge_the_engine_sends_takes_the_screen_at_once() {
        // The engine decides; a lower priority arrives only when the engine let it.
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        screen.apply(nudge(NudgeId::Smile, 40), t0);
        screen.apply(nudge(NudgeId::Pause, 90), t0 + ms(500));
        assert_eq!(on_screen(&screen, t0 + ms(500)), Some(NudgeId::Pause));
        screen.apply(nudge(NudgeId::CheckIn, 30), t0 + ms(4500));
        assert_eq!(on_screen(&screen, t0 + ms(4500)), Some(NudgeId::CheckIn));
        // Neither was drawn: both reported dropped, replaced.
        assert_eq!(
            reports(&mut screen),
            [
                dropped(NudgeId::Smile, DroppedBecause::Replaced),
                dropped(NudgeId::Pause, DroppedBecause::Replaced)
            ]
        );
    }

    #[test]
    fn a_drawn_nudge_is_reported_once_with_its_delay() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        screen.apply(nudge_at(NudgeId::Pause, 90, t0), t0 + ms(5));
        screen.drawn(t0 + ms(21));
        screen.drawn(t0 + ms(37));
        let reports = reports(&mut screen);
        assert_eq!(reports.len(), 1, "{reports:?}");
        let ScreenReport::Drawn {
            nudge: id,
            delay_ms,
        } = reports[0]
        else {
            panic!("{reports:?}")
        };
        assert_eq!(id, NudgeId::Pause);
        assert!((delay_ms - 21.0).abs() < 0.01, "{delay_ms}");
        // Replacing a drawn nudge drops nothing.
        screen.apply(nudge(NudgeId::Acknowledge, 95), t0 + ms(100));
        assert!(screen.drain_reports().next().is_none());
    }

    #[test]
    fn a_nudge_no_frame_showed_is_reported_not_drawn() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        screen.apply(nudge(NudgeId::Smile, 30), t0);
        screen.tick(t0 + SHOW + FADE);
        assert_eq!(
            reports(&mut screen),
            [dropped(NudgeId::Smile, DroppedBecause::NotDrawn)]
        );
        // Drawing after it left the screen reports nothing.
        screen.drawn(t0 + SHOW + FADE);
        assert!(screen.drain_reports().next().is_none());
    }

    #[test]
    fn reports_are_bounded_between_frames() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        screen.snooze();
        for i in 0..(REPORTS_MAX as u64 + 10) {
            screen.apply(nudge(NudgeId::Pause, 90), t0 + ms(i));
        }
        assert_eq!(screen.drain_reports().count(), REPORTS_MAX);
    }

    #[test]
    fn snooze_drops_nudges_until_the_call_ends() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        assert!(screen.snooze());
        assert!(!screen.snooze());
        assert_eq!(on_screen(&screen, t0), None);
        screen.apply(nudge(NudgeId::Acknowledge, 80), t0 + ms(10));
        assert_eq!(on_screen(&screen, t0 + ms(10)), None);
        assert!(screen.snoozed());
        assert_eq!(
            reports(&mut screen),
            [
                dropped(NudgeId::Pause, DroppedBecause::Snoozed),
                dropped(NudgeId::Acknowledge, DroppedBecause::Snoozed)
            ]
        );
        screen.apply(OverlayMessage::CallStarted, t0 + ms(20));
        assert!(!screen.snoozed());
        screen.apply(nudge(NudgeId::Acknowledge, 80), t0 + ms(30));
        assert_eq!(on_screen(&screen, t0 + ms(30)), Some(NudgeId::Acknowledge));
        screen.snooze();
        screen.apply(OverlayMessage::CallEnded, t0 + ms(40));
        assert!(!screen.snoozed());
    }

    #[test]
    fn call_end_fades_the_last_nudge() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        screen.apply(OverlayMessage::CallEnded, t0 + ms(1000));
        assert_eq!(screen.next_change(t0 + ms(1000)), NextChange::Animating);
        screen.tick(t0 + ms(1000) + FADE);
        assert_eq!(on_screen(&screen, t0 + ms(1000) + FADE), None);
    }

    #[test]
    fn status_until_cleared_and_shutdown() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        let status = OverlayMessage::Status {
            text: "Caller audio lost".into(),
            warning: true,
        };
        assert_eq!(screen.apply(status, t0), Effect::None);
        assert_eq!(screen.status().unwrap().text, "Caller audio lost");
        screen.apply(OverlayMessage::ClearStatus, t0);
        assert_eq!(screen.status(), None);
        assert_eq!(screen.apply(OverlayMessage::Shutdown, t0), Effect::Shutdown);
    }

    #[test]
    fn mood_trend_over_the_window() {
        let t0 = Instant::now();
        let mut screen = Screen::new(FADE);
        assert_eq!(screen.caller_mood(), None);
        let indicators = |f: f32| OverlayMessage::Indicators {
            caller_frustration: f,
            agent_talk_share: 0.6,
        };
        for i in 0..20u64 {
            screen.apply(
                indicators(0.1 + i as f32 * 0.03),
                t0 + Duration::from_secs(i),
            );
        }
        assert_eq!(screen.caller_mood().unwrap().1, Trend::Rising);
        assert_eq!(screen.agent_talk_share(), Some(0.6));
        for i in 20..45u64 {
            screen.apply(indicators(0.4), t0 + Duration::from_secs(i));
        }
        assert_eq!(screen.caller_mood(), Some((0.4, Trend::Steady)));
        for i in 45..60u64 {
            screen.apply(indicators(0.1), t0 + Duration::from_secs(i));
        }
        assert_eq!(screen.caller_mood().unwrap().1, Trend::Easing);
        screen.apply(indicators(f32::NAN), t0 + Duration::from_secs(61));
        assert_eq!(screen.caller_mood().unwrap().0, 0.1);
        screen.apply(OverlayMessage::CallStarted, t0 + Duration::from_secs(62));
        assert_eq!(screen.caller_mood(), None);
        assert_eq!(screen.agent_talk_share(), None);
    }
}
