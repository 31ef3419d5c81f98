//! Card and account numbers read across several clips, and read back by the other side.
//!
//! [`mask_digit_runs`](super::mask_digit_runs) sees one transcript. A caller who reads
//! "4532, 0151, 1283, 0366" in four breaths gives four clips of four digits each, every
//! one too short to mask on its own. [`NumberGuard`] keeps a call's memory of numbers:
//!
//! * **Held back**: a final transcript that ends in digits may be the start of a longer
//!   number, so it waits for the same speaker's next final: [`CONTINUE_PAUSE_MS`] after
//!   its speech ended if the speaker stays quiet, at most [`HOLD_MS`] if they speak.
//! * **Continued**: if that next final starts with digits (after at most
//!   [`MAX_LEAD_IN_WORDS`] words such as "and then") within [`CONTINUE_PAUSE_MS`] of the
//!   held speech, the groups are one number: the held group is hidden whole, and the new
//!   group may itself be held in turn.
//! * **Ended**: a number's last group shows only the number's last [`KEPT_DIGITS`]
//!   digits when the whole number has [`MIN_MASKED_DIGITS`] or more; a short number
//!   (a time, a year, a zip code) shows as said, late by its wait.
//! * **Read back**: every hidden digit sequence is remembered for the call; a later group
//!   of 3 or more digits from either side that repeats part of it, or a number whose last
//!   4 digits do, is hidden whole.
//! * **Partials** never show a group of 2 or more digits: they are a quick look, and the
//!   final decides.
//!
//! So at most the last 4 digits of a number are ever visible, on either side, in partials,
//! finals and everything made from them (events, the stream, saved transcripts). The cost
//! is latency for finals that end in digits: [`CONTINUE_PAUSE_MS`], up to [`HOLD_MS`];
//! digits carry no coaching cue, and the rest of a call's words are not held. Not
//! covered: groups more than [`CONTINUE_PAUSE_MS`] apart, or with more than
//! [`MAX_LEAD_IN_WORDS`] words between them, count as separate numbers.

use super::mask::{
    digit_runs, digit_values, hide_digits, DigitSpan, KEPT_DIGITS, MIN_MASKED_DIGITS,
};

/// Longest wait for a held final, from the end of its speech, when its speaker spoke
/// again (their next final decides it).
pub const HOLD_MS: u64 = 6_000;

/// Longest pause between two groups of one number.
pub const CONTINUE_PAUSE_MS: u64 = 3_000;

/// Words allowed before the digits of a group that continues a number ("and then",
/// "uh").
pub const MAX_LEAD_IN_WORDS: usize = 2;

/// A group repeating this many digits of a hidden number is hidden.
const MIN_READ_BACK_DIGITS: usize = 3;

/// Speech this soon after a held final's speech end is still that speech.
const SPEECH_END_SLACK_MS: u64 = 100;

/// What the guard needs of a transcript.
pub trait SpokenText {
    /// 0 for the agent, 1 for the caller.
    fn side(&self) -> usize;
    /// Where the clip starts and its speech ends in the call.
    fn start_ms(&self) -> u64;
    fn speech_end_ms(&self) -> u64;
    fn text(&self) -> &str;
    fn set_text(&mut self, text: String);
    /// Adds the time it was held back to its delay.
    fn add_wait_ms(&mut self, wait_ms: u64);
}

/// A call's memory of numbers; see the [module docs](self). One per call.
pub struct NumberGuard<T> {
    sides: [Option<Held<T>>; 2],
    /// Digits hidden so far this call, one string per number.
    hidden: Vec<String>,
    /// Each side's last frame of speech (its end, in the call).
    last_speech_ms: [u64; 2],
}

/// A final held back, and the number its last group belongs to.
struct Held<T> {
    transcript: T,
    taken_ms: u64,
    /// Spans of its last digit group.
    group: Vec<DigitSpan>,
    /// Every digit of the number so far, this group's last.
    number: String,
}

impl<T: SpokenText> Default for NumberGuard<T> {
    fn default() -> Self {
        Self {
            sides: [None, None],
            hidden: Vec::new(),
            last_speech_ms: [0; 2],
        }
    }
}

impl<T: SpokenText> NumberGuard<T> {
    /// Notes that `side` spoke in a frame ending at `end_ms`.
    pub fn hear_speech(&mut self, side: usize, end_ms: u64) {
        self.last_speech_ms[side.min(1)] = end_ms;
    }

    /// Hides every group of 2 or more digits in a partial.
    pub fn screen_partial(&self, transcript: &mut T) {
        let mut chars: Vec<char> = transcript.text().chars().collect();
        let mut changed = false;
        for run in digit_runs(&chars) {
            if run.len() >= 2 {
                hide_digits(&mut chars, &run);
                changed = true;
            }
        }
        if changed {
            transcript.set_text(chars.into_iter().collect());
        }
    }

    /// Takes a final at call position `now_ms`; returns the finals to pass on now, in
    /// order (a held one of the same speaker first), masked.
    pub fn take_final(&mut self, mut transcript: T, now_ms: u64) -> Vec<T> {
        let side = transcript.side().min(1);
        let mut chars: Vec<char> = transcript.text().chars().collect();
        let runs = digit_runs(&chars);
        let mut out = Vec::new();
        let mut number_so_far = String::new();
        if let Some(held) = self.sides[side].take() {
            let continues = runs.first().is_some_and(|first| {
                transcript.start_ms() <= held.transcript.speech_end_ms() + CONTINUE_PAUSE_MS
                    && lead_in_words(&chars[..first[0].0]) <= MAX_LEAD_IN_WORDS
            });
            if continues {
                number_so_far = held.number.clone();
            }
            out.push(self.release(held, now_ms, continues));
        }
        for (k, run) in runs.iter().enumerate() {
            let mut number = if k == 0 {
                std::mem::take(&mut number_so_far)
            } else {
                String::new()
            };
            let continuing = !number.is_empty();
            number.push_str(&digit_values(&chars, run));
            let last = k + 1 == runs.len();
            if last && ends_text(&chars, run) {
                // It may go on in the next clip: decided when it is released. What is
                // hidden whatever comes next is remembered now, for the other side.
                if number.len() >= MIN_MASKED_DIGITS {
                    self.remember(&number[..number.len() - KEPT_DIGITS]);
                } else if continuing {
                    self.remember(&number[..number.len() - run.len()]);
                }
                self.sides[side] = Some(Held {
                    transcript,
                    taken_ms: now_ms,
                    group: run.clone(),
                    number,
                });
                return out;
            }
            self.end_number(&mut chars, run, &number);
        }
        if !runs.is_empty() {
            transcript.set_text(chars.into_iter().collect());
        }
        out.push(transcript);
        out
    }

    /// The held finals whose wait is over at call position `now_ms`.
    pub fn take_due(&mut self, now_ms: u64) -> Vec<T> {
        let mut out = Vec::new();
        for side in 0..2 {
            let quiet_since_ms = self.last_speech_ms[side];
            let due = self.sides[side].as_ref().is_some_and(|held| {
                let end_ms = held.transcript.speech_end_ms();
                // Quiet since (a frame's slack): no next group is coming.
                let quiet = quiet_since_ms <= end_ms + SPEECH_END_SLACK_MS;
                now_ms >= end_ms + HOLD_MS || (quiet && now_ms >= end_ms + CONTINUE_PAUSE_MS)
            });
            if due {
                if let Some(held) = self.sides[side].take() {
                    out.push(self.release(held, now_ms, false));
                }
            }
        }
        out
    }

    /// Every held final, at the end of the call.
    pub fn take_all(&mut self, now_ms: u64) -> Vec<T> {
        let mut held: Vec<Held<T>> = self.sides.iter_mut().filter_map(Option::take).collect();
        held.sort_by_key(|h| h.taken_ms);
        held.into_iter()
            .map(|h| self.release(h, now_ms, false))
            .collect()
    }

    /// A held final, its last group hidden whole when the number goes on, else as the
    /// end of its number.
    fn release(&mut self, held: Held<T>, now_ms: u64, continued: bool) -> T {
        let Held {
            mut transcript,
            taken_ms,
            group,
            number,
        } = held;
        let mut chars: Vec<char> = transcript.text().chars().collect();
        if continued {
            hide_digits(&mut chars, &group);
            self.remember(&number);
        } else {
            self.end_number(&mut chars, &group, &number);
        }
        transcript.set_text(chars.into_iter().collect());
        transcript.add_wait_ms(now_ms.saturating_sub(taken_ms));
        transcript
    }

    /// Masks `group`, the last group of `number`: all but the number's last
    /// [`KEPT_DIGITS`] digits when it is long enough to be a card or account number; all
    /// of it when it repeats digits hidden before.
    fn end_number(&mut self, chars: &mut [char], group: &[DigitSpan], number: &str) {
        if number.len() >= MIN_MASKED_DIGITS {
            let (hidden, kept) = number.split_at(number.len() - KEPT_DIGITS);
            let kept_was_hidden = self.hidden.iter().any(|h| h.contains(kept));
            let shown = if kept_was_hidden {
                0
            } else {
                KEPT_DIGITS.min(group.len())
            };
            hide_digits(chars, &group[..group.len() - shown]);
            self.remember(hidden);
        } else if group.len() >= MIN_READ_BACK_DIGITS {
            let digits = &number[number.len() - group.len()..];
            if self.hidden.iter().any(|hidden| hidden.contains(digits)) {
                hide_digits(chars, group);
            }
        }
    }

    fn remember(&mut self, digits: &str) {
        if digits.len() >= MIN_READ_BACK_DIGITS
            && !self.hidden.iter().any(|hidden| hidden.contains(digits))
        {
            self.hidden.push(digits.to_string());
        }
    }
}

/// True when nothing but punctuation and spaces follows `run`.
fn ends_text(chars: &[char], run: &[DigitSpan]) -> bool {
    let end = run.last().map_or(0, |&(_, end)| end);
    chars[end..].iter().all(|c| !c.is_alphanumeric())
}

/// Words in `chars`.
fn lead_in_words(chars: &[char]) -> usize {
    chars
        .split(|c| !c.is_alphanumeric() && *c != '\'')
        .filter(|word| !word.is_empty())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Said {
        side: usize,
        start_ms: u64,
        end_ms: u64,
        text: String,
        waited_ms: u64,
    }

    impl SpokenText for Said {
        fn side(&self) -> usize {
            self.side
        }
        fn start_ms(&self) -> u64 {
            self.start_ms
        }
        fn speech_end_ms(&self) -> u64 {
            self.end_ms
        }
        fn text(&self) -> &str {
            &self.text
        }
        fn set_text(&mut self, text: String) {
            self.text = text;
        }
        fn add_wait_ms(&mut self, wait_ms: u64) {
            self.waited_ms += wait_ms;
        }
    }

    const CALLER: usize = 1;
    const AGENT: usize = 0;

    /// Plays `(side, start_ms, end_ms, text)` finals (each taken 500 ms after its speech
    /// ended, its side speaking from start to end), checking for due ones every 100 ms;
    /// returns the texts passed on, in order.
    fn play(lines: &[(usize, u64, u64, &str)]) -> Vec<(usize, String)> {
        let mut guard = NumberGuard::default();
        let mut out = Vec::new();
        let mut now_ms = 0;
        for &(side, start_ms, end_ms, text) in lines {
            let at_ms = end_ms + 500;
            while now_ms < at_ms {
                now_ms += 100;
                if (start_ms..end_ms).contains(&now_ms) {
                    guard.hear_speech(side, now_ms);
                }
                out.extend(guard.take_due(now_ms));
            }
            let said = Said {
                side,
                start_ms,
                end_ms,
                text: text.to_string(),
                waited_ms: 0,
            };
            out.extend(guard.take_final(said, now_ms));
        }
        out.extend(guard.take_all(now_ms + 100_000));
        out.into_iter().map(|s| (s.side, s.text)).collect()
    }

    fn texts(out: &[(usize, String)]) -> Vec<&str> {
        out.iter().map(|(_, t)| t.as_str()).collect()
    }

    fn side_texts(out: &[(usize, String)], side: usize) -> Vec<&str> {
        out.iter()
            .filter(|(s, _)| *s == side)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    #[test]
    fn a_card_read_in_four_breaths_shows_only_its_last_four_digits() {
        let out = play(&[
            (CALLER, 0, 2000, "My card number is 4532,"),
            (CALLER, 2800, 3800, "0151,"),
            (CALLER, 4600, 5600, "1283,"),
            (CALLER, 6400, 7400, "0366."),
        ]);
        assert_eq!(
            texts(&out),
            ["My card number is ****,", "****,", "****,", "0366."]
        );
    }

    #[test]
    fn spelled_groups_and_lead_in_words_continue_a_number() {
        let out = play(&[
            (CALLER, 0, 2000, "It's four five three two"),
            (CALLER, 2500, 4000, "and then zero one five one"),
            (CALLER, 4500, 6000, "uh 1283 0366"),
        ]);
        assert_eq!(
            texts(&out),
            [
                "It's **** **** ***** ***",
                "and then **** *** **** ***",
                "uh **** 0366"
            ]
        );
    }

    #[test]
    fn the_other_sides_read_back_of_a_hidden_group_is_hidden() {
        let out = play(&[
            (CALLER, 0, 3000, "It is 4532 0151 1283 0366."),
            (AGENT, 4000, 6000, "Let me repeat, 4532"),
            (AGENT, 6500, 7500, "0151"),
            (AGENT, 12_000, 13_000, "ending in 0366, correct?"),
            (AGENT, 14_000, 15_000, "Your zip code is 453 right"),
        ]);
        assert_eq!(side_texts(&out, CALLER), ["It is **** **** **** 0366."]);
        assert_eq!(
            side_texts(&out, AGENT),
            [
                "Let me repeat, ****",
                "****",
                "ending in 0366, correct?",
                "Your zip code is *** right",
            ]
        );
    }

    #[test]
    fn short_numbers_show_as_said_after_their_wait() {
        let mut guard = NumberGuard::default();
        let said = |text: &str, end_ms| Said {
            side: CALLER,
            start_ms: end_ms - 1000,
            end_ms,
            text: text.into(),
            waited_ms: 0,
        };
        assert_eq!(
            guard
                .take_final(said("I called 3 times.", 1000), 1500)
                .len(),
            1
        );
        assert!(guard
            .take_final(said("My zip is 90210.", 3000), 3500)
            .is_empty());
        // The caller stays quiet: out after the pause a next group would come in.
        assert!(guard.take_due(3000 + CONTINUE_PAUSE_MS - 1).is_empty());
        let released = guard.take_due(3000 + CONTINUE_PAUSE_MS);
        assert_eq!(released[0].text, "My zip is 90210.");
        assert_eq!(released[0].waited_ms, CONTINUE_PAUSE_MS - 500);
        // The caller speaks again: the wait lasts until their next final, or HOLD_MS.
        assert!(guard
            .take_final(said("It's 1999", 10_000), 10_500)
            .is_empty());
        guard.hear_speech(CALLER, 11_000);
        assert!(guard.take_due(10_000 + HOLD_MS - 1).is_empty());
        assert_eq!(guard.take_due(10_000 + HOLD_MS)[0].text, "It's 1999");
        // A pause longer than CONTINUE_PAUSE_MS starts a new number.
        assert!(guard
            .take_final(said("Order 1234", 20_000), 20_500)
            .is_empty());
        let out = guard.take_final(said("5678 too", 20_000 + CONTINUE_PAUSE_MS + 2000), 24_000);
        assert_eq!(out[0].text, "Order 1234");
        assert_eq!(out[1].text, "5678 too");
    }

    #[test]
    fn partials_never_show_a_digit_group() {
        let guard = NumberGuard::<Said>::default();
        let mut partial = Said {
            side: CALLER,
            start_ms: 0,
            end_ms: 0,
            text: "card 4532 01 and 3 more".into(),
            waited_ms: 0,
        };
        guard.screen_partial(&mut partial);
        assert_eq!(partial.text, "card **** ** and 3 more");
    }

    #[test]
    fn no_more_than_four_digits_of_a_number_are_ever_visible() {
        // Every way of cutting a 16-digit number into breaths, read by the caller and
        // then back by the agent group by group.
        let number = "4532015112830366";
        for cuts in 0u32..(1 << 15) {
            if cuts.count_ones() > 5 {
                continue;
            }
            let mut groups = Vec::new();
            let mut group = String::new();
            for (i, digit) in number.chars().enumerate() {
                group.push(digit);
                if i == 15 || cuts & (1 << i) != 0 {
                    groups.push(std::mem::take(&mut group));
                }
            }
            let mut lines = Vec::new();
            let mut t = 0;
            for side in [CALLER, AGENT] {
                for g in &groups {
                    lines.push((side, t, t + 1000, g.clone()));
                    t += 2000;
                }
                t += 10_000;
            }
            let lines: Vec<(usize, u64, u64, &str)> = lines
                .iter()
                .map(|(s, a, b, g)| (*s, *a, *b, g.as_str()))
                .collect();
            let out = play(&lines);
            for side in [CALLER, AGENT] {
                let visible: String = out
                    .iter()
                    .filter(|(s, _)| *s == side)
                    .flat_map(|(_, t)| t.chars().filter(char::is_ascii_digit))
                    .collect();
                assert!(
                    visible.len() <= KEPT_DIGITS && number.ends_with(&visible),
                    "{groups:?}: side {side} shows {visible}"
                );
            }
        }
    }
}
