//! Turn-taking across the two sides: interruptions, backchannels, response gaps, dead air
//! and monologues, from each side's speech segments.
//!
//! An interruption is what a listener would hear as one side taking the floor from the
//! other: the newcomer starts while the other is mid-turn (talking for `mid_turn_ms`
//! already, so two people starting together is not one), both talk at once for at least
//! `min_overlap_ms`, the newcomer's speech outlasts a backchannel, and the newcomer wins:
//! the other stops while the newcomer goes on, or the two keep competing for
//! `competing_overlap_ms`. A newcomer who backs off on their own has not taken the floor.
//! Starting in the other's pause and finding them done is not one (there is no overlap);
//! a short, quiet overlap that ends on its own is a backchannel. The same rule runs both
//! ways; only the agent's interruptions lead to a nudge (elsewhere).
//! Allocation-free per frame.

use crate::config::TurnsConfig;
use crate::event::{Event, Speaker};
use crate::vad::SegmentChange;

/// A response longer than this after the other side stopped is not a response gap
/// (it is a new start after a silence).
const MAX_RESPONSE_GAP_MS: u64 = 10_000;
/// Both sides silent this long ends the agent's hold on the floor (for monologues).
const FLOOR_RELEASE_SILENCE_MS: u64 = 3_000;

/// One side's voice activity on the current frame, as the turn tracker needs it.
#[derive(Clone, Copy, Debug)]
pub struct SideActivity {
    /// webrtc-vad (plus level floor) said speech on this frame.
    pub speech: bool,
    /// What the segmenter did on this frame.
    pub change: SegmentChange,
    /// Start of the open segment, if any (after `change` was applied).
    pub open_since_ms: Option<u64>,
    /// End of this side's latest speech frame.
    pub last_speech_end_ms: u64,
    /// On `Ended`: how far the segment's level was above this side's usual level
    /// (None before a baseline exists).
    pub ended_loudness_rise_db: Option<f32>,
}

/// Totals the summary needs that no single event carries.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TurnTotals {
    pub dead_air_ms: u64,
    pub dead_air_spells: u32,
    pub longest_dead_air_ms: u64,
    pub longest_monologue_ms: u64,
}

#[derive(Clone, Copy, Debug)]
struct CutIn {
    start_ms: u64,
    overlap_ms: u64,
    decided: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct SideState {
    /// Set while this side's segment began during the other's turn.
    cut_in: Option<CutIn>,
    /// End of this side's last real (non-backchannel) turn, until the other answers.
    last_turn_end_ms: Option<u64>,
}

/// Follows both sides' segments and emits turn-taking events.
#[derive(Clone, Debug)]
pub struct TurnTracker {
    config: TurnsConfig,
    frame_ms: u64,
    sides: [SideState; 2],
    call_started: bool,
    /// Start of the current dead-air spell, once it reached the threshold.
    dead_air_since_ms: Option<u64>,
    agent_floor_since_ms: Option<u64>,
    monologue_flagged: bool,
    totals: TurnTotals,
}

impl TurnTracker {
    /// A tracker for frames of `frame_ms`.
    pub fn new(config: &TurnsConfig, frame_ms: u32) -> Self {
        Self {
            config: config.clone(),
            frame_ms: frame_ms.into(),
            sides: [SideState::default(); 2],
            call_started: false,
            dead_air_since_ms: None,
            agent_floor_since_ms: None,
            monologue_flagged: false,
            totals: TurnTotals::default(),
        }
    }

    /// Totals so far.
    pub fn totals(&self) -> TurnTotals {
        self.totals
    }

    /// Processes the frame starting at `frame_start_ms`; `activity` is indexed by
    /// [`Speaker::index`]. Never allocates.
    pub fn push(
        &mut self,
        frame_start_ms: u64,
        activity: &[SideActivity; 2],
        emit: &mut impl FnMut(Event<'static>),
    ) {
        let frame_end_ms = frame_start_ms + self.frame_ms;
        for speaker in Speaker::BOTH {
            if let SegmentChange::Started { start_ms } = activity[speaker.index()].change {
                self.on_start(speaker, start_ms, frame_end_ms, activity, emit);
            }
        }
        for speaker in Speaker::BOTH {
            self.follow_overlap(speaker, frame_end_ms, activity, emit);
        }
        for speaker in Speaker::BOTH {
            if let SegmentChange::Ended { start_ms, end_ms } = activity[speaker.index()].change {
                self.on_end(speaker, start_ms, end_ms, frame_end_ms, activity, emit);
            }
        }
        self.follow_floor(frame_end_ms, activity, emit);
        self.follow_silence(frame_end_ms, activity, emit);
    }

    /// Closes open spells at the end of the call (`end_ms`).
    pub fn finish(&mut self, end_ms: u64, activity: &[SideActivity; 2]) {
        if let Some(since) = self.dead_air_since_ms {
            self.close_dead_air(end_ms.saturating_sub(since));
        }
        self.release_floor(activity[Speaker::Agent.index()].last_speech_end_ms);
    }

    fn on_start(
        &mut self,
        speaker: Speaker,
        start_ms: u64,
        frame_end_ms: u64,
        activity: &[SideActivity; 2],
        emit: &mut impl FnMut(Event<'static>),
    ) {
        self.call_started = true;
        if let Some(since) = self.dead_air_since_ms {
            self.close_dead_air(start_ms.saturating_sub(since));
        }
        let other = activity[speaker.other().index()];
        let during_other_turn = other
            .open_since_ms
            .is_some_and(|o| o + u64::from(self.config.mid_turn_ms) <= start_ms);
        if during_other_turn {
            let overlap_ms = other
                .last_speech_end_ms
                .min(frame_end_ms)
                .saturating_sub(start_ms);
            self.sides[speaker.index()].cut_in = Some(CutIn {
                start_ms,
                overlap_ms,
                decided: false,
            });
        } else if let Some(other_end) = self.sides[speaker.other().index()].last_turn_end_ms.take()
        {
            if start_ms >= other_end && start_ms - other_end <= MAX_RESPONSE_GAP_MS {
                emit(Event::ResponseGap {
                    t_ms: frame_end_ms,
                    speaker,
                    gap_ms: start_ms - other_end,
                });
            }
        }
        if speaker == Speaker::Agent && self.agent_floor_since_ms.is_none() {
            self.agent_floor_since_ms = Some(start_ms);
            self.monologue_flagged = false;
        }
    }

    fn follow_overlap(
        &mut self,
        speaker: Speaker,
        frame_end_ms: u64,
        activity: &[SideActivity; 2],
        emit: &mut impl FnMut(Event<'static>),
    ) {
        let me = activity[speaker.index()];
        let other = activity[speaker.other().index()];
        let Some(cut_in) = self.sides[speaker.index()].cut_in.as_mut() else {
            return;
        };
        if cut_in.decided || matches!(me.change, SegmentChange::Started { .. }) {
            return;
        }
        let other_talking =
            other.last_speech_end_ms + u64::from(self.config.overlap_bridge_ms) >= frame_end_ms;
        if me.speech && other_talking {
            cut_in.overlap_ms += self.frame_ms;
        }
        let my_speech_ms = me.last_speech_end_ms.saturating_sub(cut_in.start_ms);
        // The floor is taken when the other has given way while this side talks on, or
        // when both keep competing for it.
        let floor_taken = (me.speech && !other_talking)
            || cut_in.overlap_ms >= u64::from(self.config.competing_overlap_ms);
        if cut_in.overlap_ms >= u64::from(self.config.min_overlap_ms)
            && my_speech_ms > u64::from(self.config.backchannel_max_ms)
            && floor_taken
        {
            cut_in.decided = true;
            emit(Event::Interruption {
                t_ms: frame_end_ms,
                by: speaker,
                start_ms: cut_in.start_ms,
                overlap_ms: cut_in.overlap_ms,
            });
        }
    }

    fn on_end(
        &mut self,
        speaker: Speaker,
        start_ms: u64,
        end_ms: u64,
        frame_end_ms: u64,
        activity: &[SideActivity; 2],
        emit: &mut impl FnMut(Event<'static>),
    ) {
        let side = &mut self.sides[speaker.index()];
        let short = end_ms - start_ms <= u64::from(self.config.backchannel_max_ms);
        let quiet = activity[speaker.index()]
            .ended_loudness_rise_db
            .is_none_or(|rise| rise <= self.config.backchannel_max_loudness_rise_db);
        match side.cut_in.take() {
            Some(cut_in) if !cut_in.decided && short && quiet => {
                emit(Event::Backchannel {
                    t_ms: frame_end_ms,
                    speaker,
                    start_ms,
                    end_ms,
                });
            }
            _ => {
                side.last_turn_end_ms = Some(end_ms);
                if speaker == Speaker::Caller && !short {
                    // A real caller turn ends any agent monologue (it was released when the
                    // caller's speech outgrew a backchannel; this is the safety net).
                    self.release_floor(activity[Speaker::Agent.index()].last_speech_end_ms);
                }
            }
        }
    }

    fn follow_floor(
        &mut self,
        frame_end_ms: u64,
        activity: &[SideActivity; 2],
        emit: &mut impl FnMut(Event<'static>),
    ) {
        let agent = activity[Speaker::Agent.index()];
        let caller = activity[Speaker::Caller.index()];
        let caller_took_turn = caller.open_since_ms.is_some_and(|start| {
            caller.last_speech_end_ms.saturating_sub(start)
                > u64::from(self.config.backchannel_max_ms)
        });
        let long_silence = agent.open_since_ms.is_none()
            && caller.open_since_ms.is_none()
            && frame_end_ms.saturating_sub(silence_since_ms(activity)) >= FLOOR_RELEASE_SILENCE_MS;
        if caller_took_turn || long_silence {
            self.release_floor(agent.last_speech_end_ms);
            return;
        }
        let Some(since) = self.agent_floor_since_ms else {
            return;
        };
        if !self.monologue_flagged
            && agent.open_since_ms.is_some()
            && frame_end_ms - since >= u64::from(self.config.monologue_ms)
        {
            self.monologue_flagged = true;
            emit(Event::Monologue {
                t_ms: frame_end_ms,
                start_ms: since,
            });
        }
    }

    fn release_floor(&mut self, agent_last_speech_end_ms: u64) {
        if let Some(since) = self.agent_floor_since_ms.take() {
            let held = agent_last_speech_end_ms.saturating_sub(since);
            self.totals.longest_monologue_ms = self.totals.longest_monologue_ms.max(held);
        }
    }

    fn follow_silence(
        &mut self,
        frame_end_ms: u64,
        activity: &[SideActivity; 2],
        emit: &mut impl FnMut(Event<'static>),
    ) {
        let both_silent = activity.iter().all(|a| a.open_since_ms.is_none());
        if !self.call_started || !both_silent || self.dead_air_since_ms.is_some() {
            return;
        }
        let since = silence_since_ms(activity);
        if frame_end_ms.saturating_sub(since) >= u64::from(self.config.dead_air_ms) {
            self.dead_air_since_ms = Some(since);
            emit(Event::DeadAir {
                t_ms: frame_end_ms,
                start_ms: since,
            });
        }
    }

    fn close_dead_air(&mut self, duration_ms: u64) {
        self.dead_air_since_ms = None;
        self.totals.dead_air_ms += duration_ms;
        self.totals.dead_air_spells += 1;
        self.totals.longest_dead_air_ms = self.totals.longest_dead_air_ms.max(duration_ms);
    }
}

/// When the current two-sided silence began: the later of the two last speech ends.
fn silence_since_ms(activity: &[SideActivity; 2]) -> u64 {
    activity[0]
        .last_speech_end_ms
        .max(activity[1].last_speech_end_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::VadConfig;
    use crate::vad::Segmenter;

    /// Runs two frame-level speech patterns ('#' speech, '.' silence, 20 ms a character)
    /// through segmenters and the tracker; returns the events.
    fn run(agent: &str, caller: &str) -> Vec<Event<'static>> {
        run_with_totals(agent, caller).0
    }

    fn run_totals(agent: &str, caller: &str) -> TurnTotals {
        run_with_totals(agent, caller).1
    }

    fn run_with_totals(agent: &str, caller: &str) -> (Vec<Event<'static>>, TurnTotals) {
        let vad = VadConfig {
            frame_ms: 20,
            onset_ms: 60,
            hangover_ms: 300,
            ..VadConfig::default()
        };
        let turns = TurnsConfig {
            dead_air_ms: 2000,
            monologue_ms: 6000,
            ..TurnsConfig::default()
        };
        let mut segmenters = [Segmenter::new(&vad), Segmenter::new(&vad)];
        let mut tracker = TurnTracker::new(&turns, 20);
        let mut events = Vec::new();
        let frames = agent.len().max(caller.len());
        let at = |s: &str, i: usize| s.as_bytes().get(i) == Some(&b'#');
        let mut last = None;
        for i in 0..frames {
            let t = i as u64 * 20;
            let speech = [at(agent, i), at(caller, i)];
            let activity: [SideActivity; 2] = std::array::from_fn(|k| {
                let change = segmenters[k].push(t, speech[k]);
                SideActivity {
                    speech: speech[k],
                    change,
                    open_since_ms: segmenters[k].open_since_ms(),
                    last_speech_end_ms: segmenters[k].last_speech_end_ms(),
                    ended_loudness_rise_db: None,
                }
            });
            tracker.push(t, &activity, &mut |e| events.push(e));
            last = Some(activity);
        }
        tracker.finish(frames as u64 * 20, &last.unwrap());
        (events, tracker.totals())
    }

    fn repeat(c: char, n: usize) -> String {
        std::iter::repeat_n(c, n).collect()
    }

    fn interruptions(events: &[Event<'static>]) -> Vec<(Speaker, u64)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Interruption { by, start_ms, .. } => Some((*by, *start_ms)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn agent_cutting_in_and_keeping_on_is_an_interruption() {
        let caller = repeat('#', 200);
        let agent = repeat('.', 50) + &repeat('#', 100);
        let events = run(&agent, &caller);
        assert_eq!(interruptions(&events), vec![(Speaker::Agent, 1000)]);
        let t = events
            .iter()
            .find(|e| e.type_name() == "interruption")
            .unwrap()
            .t_ms();
        assert!(t > 1000 && t <= 2200, "decided at {t}");
    }

    #[test]
    fn short_overlap_is_a_backchannel() {
        let caller = repeat('#', 200);
        let agent = repeat('.', 50) + &repeat('#', 20) + &repeat('.', 130);
        let events = run(&agent, &caller);
        assert!(interruptions(&events).is_empty());
        assert!(events.iter().any(|e| matches!(
            e,
            Event::Backchannel {
                speaker: Speaker::Agent,
                ..
            }
        )));
    }

    #[test]
    fn starting_as_the_caller_finishes_is_not_an_interruption() {
        // The caller stops at 2000 ms; the agent starts 100 ms before that and goes on.
        let caller = repeat('#', 100);
        let agent = repeat('.', 95) + &repeat('#', 150);
        let events = run(&agent, &caller);
        assert!(interruptions(&events).is_empty(), "{events:?}");
    }

    #[test]
    fn an_agent_who_backs_off_has_not_taken_the_floor() {
        // The agent talks over the caller for 1.1 s, then stops; the caller carries on.
        let caller = repeat('#', 200);
        let agent = repeat('.', 50) + &repeat('#', 55) + &repeat('.', 95);
        let events = run(&agent, &caller);
        assert!(interruptions(&events).is_empty(), "{events:?}");
    }

    #[test]
    fn the_caller_giving_way_to_the_agent_is_an_interruption_at_once() {
        // The agent cuts in at 1000 ms; the caller gives way 800 ms later; the agent goes on.
        let caller = repeat('#', 90);
        let agent = repeat('.', 50) + &repeat('#', 100);
        let events = run(&agent, &caller);
        assert_eq!(interruptions(&events), vec![(Speaker::Agent, 1000)]);
    }

    #[test]
    fn starting_together_is_not_an_interruption() {
        // Both start within 400 ms of each other and talk for 2 s.
        let caller = repeat('.', 20) + &repeat('#', 100);
        let agent = repeat('.', 40) + &repeat('#', 100);
        let events = run(&agent, &caller);
        assert!(interruptions(&events).is_empty(), "{events:?}");
    }

    #[test]
    fn caller_talking_over_the_agent_is_recorded_as_theirs() {
        let agent = repeat('#', 200);
        let caller = repeat('.', 60) + &repeat('#', 100);
        let events = run(&agent, &caller);
        assert_eq!(interruptions(&events), vec![(Speaker::Caller, 1200)]);
    }

    #[test]
    fn response_gap_dead_air_and_monologue() {
        // Caller 1 s, gap 400 ms, agent 2 s, silence 3 s, agent 7 s.
        let caller = repeat('#', 50);
        let agent = repeat('.', 70) + &repeat('#', 100) + &repeat('.', 150) + &repeat('#', 350);
        let events = run(&agent, &caller);
        let gap = events.iter().find_map(|e| match e {
            Event::ResponseGap {
                speaker: Speaker::Agent,
                gap_ms,
                ..
            } => Some(*gap_ms),
            _ => None,
        });
        assert_eq!(gap, Some(400));
        let dead_air: Vec<_> = events
            .iter()
            .filter(|e| e.type_name() == "dead_air")
            .collect();
        assert_eq!(dead_air.len(), 1);
        assert_eq!(dead_air[0].t_ms(), 3400 + 2000);
        let totals = run_totals(&agent, &caller);
        assert_eq!(totals.dead_air_spells, 1);
        assert_eq!(totals.dead_air_ms, 3000, "silence from 3400 to 6400 ms");
        let monologue: Vec<_> = events
            .iter()
            .filter(|e| e.type_name() == "monologue")
            .collect();
        assert_eq!(monologue.len(), 1, "{events:?}");
        assert_eq!(monologue[0].t_ms(), 6400 + 6000);
    }
}
