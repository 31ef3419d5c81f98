//! Word error rate of a transcript against a reference.
//!
//! Both sides go through [`normalize`], so case, punctuation, contractions ("I'm" vs
//! "I am"), numbers ("21" vs "twenty-one"), "Mr." vs "mister" and the other folded
//! spelling variants are not errors. Words are aligned with the Levenshtein distance
//! (each substitution, deletion and insertion costs 1). Ties are broken at each step
//! in favour of a match or substitution, then a deletion, then an insertion, so the
//! split between the three kinds is deterministic.
//!
//! Counts from several files are pooled with `+=` ([`std::ops::AddAssign`]) or
//! [`Iterator::sum`]; the pooled [`WerCounts::rate`] is then the corpus-level WER.
//!
//! Cost is `O(reference words × hypothesis words)` time and `O(hypothesis words)`
//! memory, after the common prefix and suffix are stripped.

use super::normalize::normalize;
use std::iter::Sum;
use std::ops::{Add, AddAssign};

/// Error counts of one hypothesis against one reference (or pooled over many).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct WerCounts {
    /// Reference words replaced by a different word.
    pub substitutions: usize,
    /// Reference words missing from the hypothesis.
    pub deletions: usize,
    /// Hypothesis words with no reference word.
    pub insertions: usize,
    /// Words in the (normalized) reference.
    pub reference_words: usize,
}

impl WerCounts {
    /// Total errors: substitutions + deletions + insertions.
    pub fn errors(&self) -> usize {
        self.substitutions + self.deletions + self.insertions
    }

    /// Reference words recognised correctly.
    pub fn hits(&self) -> usize {
        self.reference_words
            .saturating_sub(self.substitutions + self.deletions)
    }

    /// Word error rate: errors / reference words. Can exceed 1.0 when there are many
    /// insertions. With an empty reference it is 0.0 when the hypothesis is empty too
    /// and 1.0 otherwise (never NaN or infinite).
    pub fn rate(&self) -> f64 {
        if self.reference_words == 0 {
            return if self.errors() == 0 { 0.0 } else { 1.0 };
        }
        self.errors() as f64 / self.reference_words as f64
    }
}

impl AddAssign for WerCounts {
    fn add_assign(&mut self, other: WerCounts) {
        self.substitutions += other.substitutions;
        self.deletions += other.deletions;
        self.insertions += other.insertions;
        self.reference_words += other.reference_words;
    }
}

impl Add for WerCounts {
    type Output = WerCounts;

    fn add(mut self, other: WerCounts) -> WerCounts {
        self += other;
        self
    }
}

impl Sum for WerCounts {
    fn sum<I: Iterator<Item = WerCounts>>(iter: I) -> WerCounts {
        iter.fold(WerCounts::default(), Add::add)
    }
}

impl<'a> Sum<&'a WerCounts> for WerCounts {
    fn sum<I: Iterator<Item = &'a WerCounts>>(iter: I) -> WerCounts {
        iter.copied().sum()
    }
}

/// Compares `hypothesis` with `reference` after normalizing both.
pub fn word_error_rate(reference: &str, hypothesis: &str) -> WerCounts {
    let r = normalize(reference);
    let h = normalize(hypothesis);
    word_error_counts(r.words(), h.words())
}

/// Compares two already-normalized word sequences (no further normalization).
pub fn word_error_counts<R: AsRef<str>, H: AsRef<str>>(
    reference: &[R],
    hypothesis: &[H],
) -> WerCounts {
    // Strip the common prefix and suffix: they are hits in some optimal alignment.
    let prefix = reference
        .iter()
        .zip(hypothesis)
        .take_while(|(a, b)| a.as_ref() == b.as_ref())
        .count();
    let (r, h) = (&reference[prefix..], &hypothesis[prefix..]);
    let suffix = r
        .iter()
        .rev()
        .zip(h.iter().rev())
        .take_while(|(a, b)| a.as_ref() == b.as_ref())
        .count();
    let r = &r[..r.len() - suffix];
    let h = &h[..h.len() - suffix];

    let mut counts = align(r, h);
    counts.reference_words = reference.len();
    counts
}

/// A cell of the alignment table: cost and the error breakdown that reached it.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    cost: usize,
    sub: usize,
    del: usize,
    ins: usize,
}

fn align<R: AsRef<str>, H: AsRef<str>>(r: &[R], h: &[H]) -> WerCounts {
    // prev[j]: best alignment of r[..i-1] with h[..j]; cur[j]: of r[..i] with h[..j].
    let mut prev: Vec<Cell> = (0..=h.len())
        .map(|j| Cell {
            cost: j,
            ins: j,
            ..Cell::default()
        })
        .collect();
    let mut cur = prev.clone();
    for (i, rw) in r.iter().enumerate() {
        cur[0] = Cell {
            cost: i + 1,
            del: i + 1,
            ..Cell::default()
        };
        for (j, hw) in h.iter().enumerate() {
            let same = rw.as_ref() == hw.as_ref();
            let diag = prev[j];
            let mut best = Cell {
                cost: diag.cost + usize::from(!same),
                sub: diag.sub + usize::from(!same),
                ..diag
            };
            let up = prev[j + 1];
            if up.cost + 1 < best.cost {
                best = Cell {
                    cost: up.cost + 1,
                    del: up.del + 1,
                    ..up
                };
            }
            let left = cur[j];
            if left.cost + 1 < best.cost {
                best = Cell {
                    cost: left.cost + 1,
                    ins: left.ins + 1,
                    ..left
                };
            }
            cur[j + 1] = best;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let end = prev[h.len()];
    WerCounts {
        substitutions: end.sub,
        deletions: end.del,
        insertions: end.ins,
        reference_words: r.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(s: usize, d: usize, i: usize, n: usize) -> WerCounts {
        WerCounts {
            substitutions: s,
            deletions: d,
            insertions: i,
            reference_words: n,
        }
    }

    #[test]
    fn identical_is_zero() {
        let c = word_error_rate("hello world", "hello world");
        assert_eq!(c, counts(0, 0, 0, 2));
        assert_eq!(c.rate(), 0.0);
        assert_eq!(c.hits(), 2);
    }

    #[test]
    fn normalization_differences_are_not_errors() {
        assert_eq!(
            word_error_rate("Hello, Mr. Smith!", "hello mister smith").errors(),
            0
        );
        assert_eq!(
            word_error_rate(
                "I'm calling on the 21st",
                "I am calling on the twenty-first"
            )
            .errors(),
            0
        );
        assert_eq!(
            word_error_rate("It's OK, alright?", "it is okay all right").errors(),
            0
        );
        assert_eq!(
            word_error_rate("I was hospitalised", "I was hospitalized").errors(),
            0
        );
    }

    #[test]
    fn substitution_deletion_insertion() {
        assert_eq!(
            word_error_rate("the cat sat", "the bat sat"),
            counts(1, 0, 0, 3)
        );
        assert_eq!(
            word_error_rate("the cat sat", "the sat"),
            counts(0, 1, 0, 3)
        );
        assert_eq!(
            word_error_rate("the cat sat", "the cat sat down"),
            counts(0, 0, 1, 3)
        );
        assert_eq!(word_error_rate("a b c d", "x b c y z"), counts(2, 0, 1, 4));
        let c = word_error_rate("one two three four", "two three four five");
        assert_eq!(c.errors(), 2);
        assert_eq!((c.deletions, c.insertions), (1, 1));
        assert!((c.rate() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn substitution_preferred_over_delete_insert() {
        assert_eq!(word_error_rate("a", "b"), counts(1, 0, 0, 1));
    }

    #[test]
    fn empty_sides() {
        assert_eq!(word_error_rate("", ""), counts(0, 0, 0, 0));
        assert_eq!(word_error_rate("", "").rate(), 0.0);
        assert_eq!(word_error_rate("", "hello there"), counts(0, 0, 2, 0));
        assert_eq!(word_error_rate("", "hello there").rate(), 1.0);
        assert_eq!(word_error_rate("hello there", ""), counts(0, 2, 0, 2));
        assert_eq!(word_error_rate("hello there", "").rate(), 1.0);
        assert_eq!(word_error_rate("...", "?!").rate(), 0.0);
    }

    #[test]
    fn rate_can_exceed_one() {
        let c = word_error_rate("hi", "oh hi there you all");
        assert_eq!(c, counts(0, 0, 4, 1));
        assert_eq!(c.rate(), 4.0);
    }

    #[test]
    fn pooling() {
        let mut total = WerCounts::default();
        total += word_error_rate("the cat sat", "the bat sat");
        total += word_error_rate("a b c d e f g", "a b c d e f g");
        assert_eq!(total, counts(1, 0, 0, 10));
        assert!((total.rate() - 0.1).abs() < 1e-12);
        let all = [word_error_rate("a b", "a"), word_error_rate("c", "c d")];
        let summed: WerCounts = all.iter().sum();
        assert_eq!(summed, counts(0, 1, 1, 3));
        let owned: WerCounts = all.into_iter().sum();
        assert_eq!(owned, summed);
        assert_eq!(all[0] + all[1], summed);
    }

    #[test]
    fn pre_normalized_words() {
        let r = ["a", "b", "c"];
        let h = vec!["a".to_string(), "c".to_string()];
        assert_eq!(word_error_counts(&r, &h), counts(0, 1, 0, 3));
        let none: [&str; 0] = [];
        assert_eq!(word_error_counts(&none, &none), counts(0, 0, 0, 0));
    }

    #[test]
    fn prefix_suffix_stripping_keeps_counts() {
        // Brute-force check against the unstripped alignment.
        let cases = [
            ("a b c a b c", "a b a b c"),
            ("x x x", "x x"),
            ("a b a", "a a b a"),
            ("same same", "same same same"),
        ];
        for (r, h) in cases {
            let rw: Vec<&str> = r.split(' ').collect();
            let hw: Vec<&str> = h.split(' ').collect();
            let full = align(&rw, &hw);
            let fast = word_error_counts(&rw, &hw);
            assert_eq!(full.errors(), fast.errors(), "{r} / {h}");
            assert_eq!(fast.reference_words, rw.len());
        }
    }

    #[test]
    fn fuzz_never_panics() {
        let long_r = "the quick brown fox ".repeat(300);
        let long_h = "the quick brown box jumps ".repeat(250);
        let c = word_error_rate(&long_r, &long_h);
        assert_eq!(c.reference_words, 1200);
        assert!(c.rate().is_finite());
        let _ = word_error_rate("🙂 \u{301} ''", "--- ... ١٢٣");
        let same = "word ".repeat(200_000);
        assert_eq!(word_error_rate(&same, &same).errors(), 0);
    }
}
