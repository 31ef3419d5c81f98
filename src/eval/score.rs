//! Scoring: the nudges a replay gave against a call's labels, and the tallies over many
//! calls.
//!
//! A nudge counts where the agent would see it: `t_ms + latency_ms`, rounded down to the ms
//! (so a voice nudge, whose latency is a fraction of a millisecond, counts at its `t_ms`
//! however busy the machine was).
//! An expect window is a hit when at least one nudge of its id counts inside it (both ends
//! included), its delay the first such nudge's time minus `from_ms`; otherwise a miss. A
//! nudge that counts inside a forbid window for its id (or `"*"`) is a false nudge, once
//! however many such windows overlap there.

use super::labels::{ExpectWindow, ForbidWindow};
use crate::event::NudgeId;

/// A nudge a replay gave.
#[derive(Clone, Debug, PartialEq)]
pub struct GivenNudge {
    pub nudge: NudgeId,
    /// The event's `t_ms`.
    pub t_ms: u64,
    /// The event's `latency_ms`.
    pub latency_ms: f64,
    /// Why, as the event's `reason` reads.
    pub reason: String,
}

impl GivenNudge {
    /// Where the agent would see it: `t_ms + latency_ms`, rounded down to the ms.
    pub fn counted_ms(&self) -> u64 {
        self.t_ms + self.latency_ms.max(0.0).floor() as u64
    }
}

/// What became of one expect window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectOutcome {
    /// The first matching nudge's counted time minus `from_ms`; `None` for a miss.
    pub delay_ms: Option<u64>,
}

/// One call scored against its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallScore {
    /// One per expect window, in the label file's order.
    pub expect: Vec<ExpectOutcome>,
    /// One per given nudge, in order: whether it fell in a forbid window.
    pub false_nudge: Vec<bool>,
}

impl CallScore {
    pub fn hits(&self) -> usize {
        self.expect.iter().filter(|o| o.delay_ms.is_some()).count()
    }

    pub fn misses(&self) -> usize {
        self.expect.len() - self.hits()
    }

    pub fn false_nudges(&self) -> usize {
        self.false_nudge.iter().filter(|f| **f).count()
    }
}

/// Scores the nudges `given` in one call against its windows.
pub fn score_call(
    expect: &[ExpectWindow],
    forbid: &[ForbidWindow],
    given: &[GivenNudge],
) -> CallScore {
    let expect = expect
        .iter()
        .map(|window| ExpectOutcome {
            delay_ms: given
                .iter()
                .filter(|n| n.nudge == window.nudge)
                .map(GivenNudge::counted_ms)
                .filter(|t_ms| window.contains(*t_ms))
                .min()
                .map(|t_ms| t_ms - window.from_ms),
        })
        .collect();
    let false_nudge = given
        .iter()
        .map(|n| {
            forbid
                .iter()
                .any(|w| w.nudge.matches(n.nudge) && w.contains(n.counted_ms()))
        })
        .collect();
    CallScore {
        expect,
        false_nudge,
    }
}

/// Counts for one nudge id, or for all together, over any number of calls.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub hits: u64,
    pub misses: u64,
    pub false_nudges: u64,
    /// Nudges given.
    pub nudges: u64,
    /// The delay of every hit.
    pub delays_ms: Vec<u64>,
}

impl Tally {
    /// The median delay of the hits (the mean of the middle two for an even count,
    /// rounded down); `None` without hits.
    pub fn median_delay_ms(&self) -> Option<u64> {
        let mut delays = self.delays_ms.clone();
        delays.sort_unstable();
        let n = delays.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(delays[n / 2]),
            _ => Some((delays[n / 2 - 1] + delays[n / 2]) / 2),
        }
    }

    /// Nudges given per minute of `duration_ms` of calls (0 for no call time).
    pub fn nudges_per_minute(&self, duration_ms: u64) -> f64 {
        if duration_ms == 0 {
            return 0.0;
        }
        self.nudges as f64 * 60_000.0 / duration_ms as f64
    }
}

/// The tallies of one config over the calls: per nudge id and in total.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigTally {
    /// Indexed by [`NudgeId::index`].
    pub per_nudge: [Tally; NudgeId::ALL.len()],
    pub total: Tally,
    /// The calls' length together.
    pub duration_ms: u64,
    pub calls: u64,
}

impl ConfigTally {
    /// Adds one call of `duration_ms` with its windows, nudges and score.
    pub fn add_call(
        &mut self,
        duration_ms: u64,
        expect: &[ExpectWindow],
        given: &[GivenNudge],
        score: &CallScore,
    ) {
        self.calls += 1;
        self.duration_ms += duration_ms;
        for (window, outcome) in expect.iter().zip(&score.expect) {
            for tally in [&mut self.per_nudge[window.nudge.index()], &mut self.total] {
                match outcome.delay_ms {
                    Some(delay_ms) => {
                        tally.hits += 1;
                        tally.delays_ms.push(delay_ms);
                    }
                    None => tally.misses += 1,
                }
            }
        }
        for (nudge, is_false) in given.iter().zip(&score.false_nudge) {
            for tally in [&mut self.per_nudge[nudge.nudge.index()], &mut self.total] {
                tally.nudges += 1;
                tally.false_nudges += u64::from(*is_false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::labels::{NudgeMatch, Window};

    fn given(nudge: NudgeId, t_ms: u64, latency_ms: f64) -> GivenNudge {
        GivenNudge {
            nudge,
            t_ms,
            latency_ms,
            reason: String::new(),
        }
    }

    fn expect(nudge: NudgeId, from_ms: u64, to_ms: u64) -> ExpectWindow {
        Window {
            nudge,
            from_ms,
            to_ms,
            why: String::new(),
        }
    }

    fn forbid(nudge: NudgeMatch, from_ms: u64, to_ms: u64) -> ForbidWindow {
        Window {
            nudge,
            from_ms,
            to_ms,
            why: String::new(),
        }
    }

    #[test]
    fn a_nudge_counts_at_its_time_plus_latency() {
        assert_eq!(given(NudgeId::Pause, 1000, 0.04).counted_ms(), 1000);
        assert_eq!(given(NudgeId::Pause, 1000, 0.97).counted_ms(), 1000);
        assert_eq!(given(NudgeId::Pause, 1000, 480.6).counted_ms(), 1480);
        // Counted after latency, a nudge just before the window is inside it.
        let score = score_call(
            &[expect(NudgeId::Condolence, 2000, 3000)],
            &[],
            &[given(NudgeId::Condolence, 1900, 300.0)],
        );
        assert_eq!(score.expect[0].delay_ms, Some(200));
        // ... and one just inside it, after latency, may fall out.
        let score = score_call(
            &[expect(NudgeId::Condolence, 2000, 3000)],
            &[],
            &[given(NudgeId::Condolence, 2900, 300.0)],
        );
        assert_eq!(score.expect[0].delay_ms, None);
    }

    #[test]
    fn hits_take_the_first_matching_nudge_of_their_id_and_ends_count() {
        let windows = [
            expect(NudgeId::Pause, 1000, 2500),
            expect(NudgeId::Pause, 5000, 6000),
            expect(NudgeId::Acknowledge, 1000, 2500),
            expect(NudgeId::Smile, 9000, 9000),
        ];
        let nudges = [
            given(NudgeId::Acknowledge, 900, 0.0),
            given(NudgeId::Pause, 2100, 0.0),
            given(NudgeId::Pause, 1400, 0.0),
            given(NudgeId::Pause, 6000, 0.0),
            given(NudgeId::Smile, 9000, 0.2),
        ];
        let score = score_call(&windows, &[], &nudges);
        let delays: Vec<_> = score.expect.iter().map(|o| o.delay_ms).collect();
        assert_eq!(delays, [Some(400), Some(1000), None, Some(0)]);
        assert_eq!(
            (score.hits(), score.misses(), score.false_nudges()),
            (3, 1, 0)
        );
    }

    #[test]
    fn false_nudges_count_once_and_any_matches_every_id() {
        let forbids = [
            forbid(NudgeMatch::One(NudgeId::Acknowledge), 0, 10_000),
            forbid(NudgeMatch::One(NudgeId::Acknowledge), 5000, 20_000),
            forbid(NudgeMatch::Any, 30_000, 40_000),
        ];
        let nudges = [
            given(NudgeId::Acknowledge, 7000, 0.0),
            given(NudgeId::Pause, 7000, 0.0),
            given(NudgeId::Acknowledge, 25_000, 0.0),
            given(NudgeId::Smile, 30_000, 0.0),
            given(NudgeId::Pause, 39_999, 2.0),
        ];
        let score = score_call(&[], &forbids, &nudges);
        assert_eq!(score.false_nudge, [true, false, false, true, false]);
        assert_eq!(score.false_nudges(), 2);
    }

    #[test]
    fn tallies_add_up_per_id_and_in_total() {
        let windows = [
            expect(NudgeId::Pause, 1000, 2000),
            expect(NudgeId::Pause, 5000, 6000),
            expect(NudgeId::Smile, 0, 100),
        ];
        let forbids = [forbid(NudgeMatch::Any, 8000, 9000)];
        let nudges = [
            given(NudgeId::Pause, 1500, 0.0),
            given(NudgeId::Pause, 5100, 0.0),
            given(NudgeId::Pause, 8500, 0.0),
        ];
        let score = score_call(&windows, &forbids, &nudges);
        let mut tally = ConfigTally::default();
        tally.add_call(120_000, &windows, &nudges, &score);
        tally.add_call(60_000, &[], &[], &score_call(&[], &[], &[]));
        let pause = &tally.per_nudge[NudgeId::Pause.index()];
        assert_eq!(
            (pause.hits, pause.misses, pause.false_nudges, pause.nudges),
            (2, 0, 1, 3)
        );
        assert_eq!(pause.median_delay_ms(), Some(300));
        assert_eq!(pause.nudges_per_minute(tally.duration_ms), 1.0);
        let smile = &tally.per_nudge[NudgeId::Smile.index()];
        assert_eq!(
            (smile.hits, smile.misses, smile.median_delay_ms()),
            (0, 1, None)
        );
        assert_eq!(
            (tally.total.hits, tally.total.misses, tally.total.nudges),
            (2, 1, 3)
        );
        assert_eq!(tally.calls, 2);
        assert_eq!(Tally::default().nudges_per_minute(0), 0.0);
    }

    #[test]
    fn the_median_is_the_middle_or_the_mean_of_the_middle_two() {
        let tally = |delays: &[u64]| Tally {
            delays_ms: delays.to_vec(),
            ..Tally::default()
        };
        assert_eq!(tally(&[900, 100, 300]).median_delay_ms(), Some(300));
        assert_eq!(tally(&[900, 100, 300, 400]).median_delay_ms(), Some(350));
        assert_eq!(tally(&[5]).median_delay_ms(), Some(5));
    }
}
