//! What the overlay shows, as plain state: no window, no clock of its own (every call
//! takes `now`), so the rules are unit-tested without a display.
//!
//! Rules:
//! - One nudge at a time. It is shown for `show` and then fades out over `fade`.
//! - A nudge of higher or equal priority replaces the one on screen at once (the nudge
//!   engine only sends an equal one after its own display time, so it is the newer advice).
//!   Any nudge replaces one that is already fading.
//! - A lower-priority nudge arriving while a higher one is fully shown waits, in a single
//!   slot (a higher or equal one replaces the waiting one), and takes the screen when the
//!   one shown starts to fade, if it has waited at most [`WAIT_MAX`]; older advice about a
//!   moment that has passed is dropped.
//! - While snoozed (a click on the overlay) nudges are dropped, not queued. The snooze
//!   lasts until the call ends: `CallEnded` or `CallStarted` ends it.
//! - The status line stays until `ClearStatus` (a newer status replaces it).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use callcue::NudgeId;

use super::OverlayMessage;

/// The longest a lower-priority nudge waits for the screen before it is dropped.
pub const WAIT_MAX: Duration = Duration::from_millis(4000);
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
    /// On screen since (for the one shown) or waiting since.
    since: Instant,
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
    show: Duration,
    fade: Duration,
    shown: Option<Timed>,
    waiting: Option<Timed>,
    snoozed: bool,
    status: Option<Status>,
    mood: VecDeque<(Instant, f32)>,
    agent_talk_share: Option<f32>,
}

impl Screen {
    pub fn new(show: Duration, fade: Duration) -> Self {
        Self {
            show,
            fade,
            shown: None,
            waiting: None,
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
            } => self.nudge(
                Nudge {
                    id: nudge,
                    text,
                    phrase,
                    priority,
                },
                now,
            ),
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
                self.shown = None;
                self.waiting = None;
                self.mood.clear();
                self.agent_talk_share = None;
            }
            OverlayMessage::CallEnded => {
                self.snoozed = false;
                self.waiting = None;
                // The last advice of the call fades out now rather than lingering.
                if let Some(shown) = &mut self.shown {
                    let fading_from = now.checked_sub(self.show).unwrap_or(shown.since);
                    shown.since = shown.since.min(fading_from);
                }
            }
            OverlayMessage::Shutdown => return Effect::Shutdown,
        }
        Effect::None
    }

    fn nudge(&mut self, nudge: Nudge, now: Instant) {
        if self.snoozed {
            return;
        }
        let takes_screen = match &self.shown {
            None => true,
            Some(shown) => self.is_fading(shown, now) || nudge.priority >= shown.nudge.priority,
        };
        let timed = Timed { nudge, since: now };
        if takes_screen {
            self.shown = Some(timed);
        } else if self
            .waiting
            .as_ref()
            .is_none_or(|w| timed.nudge.priority >= w.nudge.priority)
        {
            self.waiting = Some(timed);
        }
    }

    /// The agent clicked the overlay: nudges stop until the call ends. Returns whether
    /// this started a snooze (a second click does nothing).
    pub fn snooze(&mut self) -> bool {
        if self.snoozed {
            return false;
        }
        self.snoozed = true;
        self.shown = None;
        self.waiting = None;
        true
    }

    /// Moves time on: ends finished nudges, gives the screen to a waiting one.
    pub fn tick(&mut self, now: Instant) {
        if let Some(waiting) = &self.waiting {
            if now.saturating_duration_since(waiting.since) > WAIT_MAX {
                self.waiting = None;
            }
        }
        let Some(shown) = &self.shown else {
            if let Some(waiting) = self.waiting.take() {
                self.shown = Some(Timed {
                    nudge: waiting.nudge,
                    since: now,
                });
            }
            return;
        };
        if self.is_fading(shown, now) {
            if let Some(waiting) = self.waiting.take() {
                self.shown = Some(Timed {
                    nudge: waiting.nudge,
                    since: now,
                });
            } else if now.saturating_duration_since(shown.since) >= self.show + self.fade {
                self.shown = None;
            }
        }
    }

    fn is_fading(&self, shown: &Timed, now: Instant) -> bool {
        now.saturating_duration_since(shown.since) >= self.show
    }

    /// The nudge on screen and how visible it is (1 while shown, falling to 0 over the
    /// fade), as of the last `tick`.
    pub fn nudge_visible(&self, now: Instant) -> Option<(&Nudge, f32)> {
        let shown = self.shown.as_ref()?;
        let age = now.saturating_duration_since(shown.since);
        let visibility = if age < self.show {
            1.0
        } else if self.fade.is_zero() {
            0.0
        } else {
            let t = (age - self.show).as_secs_f32() / self.fade.as_secs_f32();
            // Ease out: most of the change early, a soft end.
            (1.0 - t).clamp(0.0, 1.0).powi(2)
        };
        (visibility > 0.0).then_some((&shown.nudge, visibility))
    }

    /// When the screen next changes without a message.
    pub fn next_change(&self, now: Instant) -> NextChange {
        match &self.shown {
            None => NextChange::Never,
            Some(shown) if self.is_fading(shown, now) => NextChange::Animating,
            Some(shown) => NextChange::At(shown.since + self.show),
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

    const SHOW: Duration = Duration::from_millis(6000);
    const FADE: Duration = Duration::from_millis(800);

    fn nudge(id: NudgeId, priority: u8) -> OverlayMessage {
        OverlayMessage::Nudge {
            nudge: id,
            text: format!("{id:?}"),
            phrase: String::new(),
            priority,
        }
    }

    fn on_screen(screen: &Screen, now: Instant) -> Option<NudgeId> {
        screen.nudge_visible(now).map(|(n, _)| n.id)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn shows_then_fades_then_clears() {
        let t0 = Instant::now();
        let mut screen = Screen::new(SHOW, FADE);
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
        let mut screen = Screen::new(SHOW, Duration::ZERO);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        screen.tick(t0 + SHOW);
        assert_eq!(on_screen(&screen, t0 + SHOW), None);
    }

    #[test]
    fn higher_or_equal_priority_replaces_lower_waits() {
        let t0 = Instant::now();
        let mut screen = Screen::new(SHOW, FADE);
        screen.apply(nudge(NudgeId::Smile, 40), t0);
        screen.apply(nudge(NudgeId::Pause, 90), t0 + ms(500));
        assert_eq!(on_screen(&screen, t0 + ms(500)), Some(NudgeId::Pause));
        // Lower: waits for the fade of the one shown.
        screen.apply(nudge(NudgeId::CheckIn, 30), t0 + ms(4000));
        assert_eq!(on_screen(&screen, t0 + ms(4000)), Some(NudgeId::Pause));
        let fade_start = t0 + ms(500) + SHOW;
        screen.tick(fade_start);
        assert_eq!(on_screen(&screen, fade_start), Some(NudgeId::CheckIn));
        // Equal: replaces.
        screen.apply(nudge(NudgeId::FillSilence, 30), fade_start + ms(100));
        assert_eq!(
            on_screen(&screen, fade_start + ms(100)),
            Some(NudgeId::FillSilence)
        );
    }

    #[test]
    fn a_waiting_nudge_goes_stale() {
        let t0 = Instant::now();
        let mut screen = Screen::new(SHOW, FADE);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        screen.apply(nudge(NudgeId::CheckIn, 30), t0 + ms(500));
        screen.tick(t0 + SHOW);
        // Waited 5.5 s: dropped; the shown one fades as usual.
        assert_eq!(on_screen(&screen, t0 + SHOW), Some(NudgeId::Pause));
        screen.tick(t0 + SHOW + FADE);
        assert_eq!(on_screen(&screen, t0 + SHOW + FADE), None);
    }

    #[test]
    fn anything_replaces_a_fading_nudge() {
        let t0 = Instant::now();
        let mut screen = Screen::new(SHOW, FADE);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        let fading = t0 + SHOW + ms(100);
        screen.apply(nudge(NudgeId::Smile, 10), fading);
        let (shown, visibility) = screen.nudge_visible(fading).unwrap();
        assert_eq!(
            (shown.id, shown.text.as_str(), visibility),
            (NudgeId::Smile, "Smile", 1.0)
        );
    }

    #[test]
    fn snooze_drops_nudges_until_the_call_ends() {
        let t0 = Instant::now();
        let mut screen = Screen::new(SHOW, FADE);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        assert!(screen.snooze());
        assert!(!screen.snooze());
        assert_eq!(on_screen(&screen, t0), None);
        screen.apply(nudge(NudgeId::Acknowledge, 80), t0 + ms(10));
        assert_eq!(on_screen(&screen, t0 + ms(10)), None);
        assert!(screen.snoozed());
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
        let mut screen = Screen::new(SHOW, FADE);
        screen.apply(nudge(NudgeId::Pause, 90), t0);
        screen.apply(OverlayMessage::CallEnded, t0 + ms(1000));
        assert_eq!(screen.next_change(t0 + ms(1000)), NextChange::Animating);
        screen.tick(t0 + ms(1000) + FADE);
        assert_eq!(on_screen(&screen, t0 + ms(1000) + FADE), None);
    }

    #[test]
    fn status_until_cleared_and_shutdown() {
        let t0 = Instant::now();
        let mut screen = Screen::new(SHOW, FADE);
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
        let mut screen = Screen::new(SHOW, FADE);
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
