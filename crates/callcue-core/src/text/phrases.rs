//! Whole-word phrase matching over [`NormalizedText`], with negation and the
//! bare-apology rule.
//!
//! A [`PhraseList`] is built from configured phrases. Each phrase is normalized with
//! [`normalize`], so contractions, case, numbers and spelling variants meet the
//! transcript in the middle. A standalone `*` (surrounded by spaces) is a wildcard for
//! exactly one word; a `*` glued to a word is ordinary punctuation and is dropped.
//!
//! # Matching
//!
//! * Matching is on whole words only: "manager" does not match "managerial".
//! * A match never spans a sentence end (`.` `!` `?`); clause breaks (commas, dashes)
//!   inside a match are ignored, since whisper's commas are unreliable.
//! * [`PhraseList::find`] reports every match of every phrase, overlapping ones
//!   included, sorted by start word, then longest first, then phrase index.
//!
//! # Negation
//!
//! A match is `negated` when a negator ([`NEGATORS`]: not, no, never, nothing, nobody,
//! none, neither, nor) occurs shortly *before* the match start in the same clause.
//! Words inside the match are never checked, so the phrase "not my department"
//! matches "this is not my department" un-negated. "Shortly before" is: at most three
//! content words back, where function words (articles, pronouns, auxiliaries such as
//! is/am/do/will, and the intensifiers really/very/so/just) do not count, and never
//! more than eight words back in all. Function words are skipped because contraction
//! expansion adds them: in "I'm not saying it's ridiculous, it's unacceptable" the
//! word "ridiculous" is negated (only "saying" is a content word between it and
//! "not"), while "unacceptable" is not (the comma ends the clause).

use super::normalize::{normalize, NormalizedText};
use std::fmt;

/// Words that negate a match that follows them in the same clause.
pub const NEGATORS: &[&str] = &[
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor",
];

/// A default apology phrase list for [`bare_apology`].
pub const APOLOGY_PHRASES: &[&str] = &[
    "sorry",
    "i am sorry",
    "i apologize",
    "i do apologize",
    "my apologies",
    "apologies",
];

/// How far back (in content words) a negator is looked for.
const NEGATION_WINDOW: usize = 3;
/// How far back (in words of any kind) a negator is looked for.
const NEGATION_MAX_LOOKBACK: usize = 8;

/// One element of a compiled phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Word(String),
    Any,
}

#[derive(Debug, Clone)]
struct Phrase {
    source: String,
    slots: Vec<Slot>,
}

/// A compiled list of phrases to look for in normalized text.
#[derive(Debug, Clone, Default)]
pub struct PhraseList {
    phrases: Vec<Phrase>,
}

/// Why a phrase list could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhraseError {
    /// The phrase is empty or only whitespace.
    Empty {
        /// Position of the phrase in the list given to [`PhraseList::new`].
        index: usize,
        /// The phrase as given.
        phrase: String,
    },
    /// The phrase has no word to match once normalized: only punctuation, symbols or
    /// wildcards.
    NoWords {
        /// Position of the phrase in the list given to [`PhraseList::new`].
        index: usize,
        /// The phrase as given.
        phrase: String,
    },
}

impl fmt::Display for PhraseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhraseError::Empty { index, phrase } => {
                write!(f, "phrase #{index} ({phrase:?}) is empty")
            }
            PhraseError::NoWords { index, phrase } => write!(
                f,
                "phrase #{index} ({phrase:?}) has no words to match once normalized"
            ),
        }
    }
}

impl std::error::Error for PhraseError {}

/// Where a phrase was found in a [`NormalizedText`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhraseMatch {
    /// Index of the phrase in its [`PhraseList`].
    pub phrase_index: usize,
    /// Index of the first matched word.
    pub start_word: usize,
    /// Index one past the last matched word.
    pub end_word: usize,
    /// True when a negator precedes the match in the same clause (see the module docs).
    pub negated: bool,
}

impl PhraseMatch {
    /// Number of words matched.
    pub fn len(&self) -> usize {
        self.end_word.saturating_sub(self.start_word)
    }

    /// Always false: a match covers at least one word.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The matched words of `text` (empty if `text` is not the text that was searched).
    pub fn words<'a>(&self, text: &'a NormalizedText) -> &'a [String] {
        text.words()
            .get(self.start_word..self.end_word)
            .unwrap_or(&[])
    }
}

impl PhraseList {
    /// Compiles `phrases`. Accepts `&[String]` as well as `&[&str]`.
    ///
    /// # Errors
    ///
    /// [`PhraseError::Empty`] for the first phrase that is empty or whitespace, and
    /// [`PhraseError::NoWords`] for one that normalizes to no words (only punctuation,
    /// symbols or wildcards); both carry the phrase and its index.
    pub fn new<S: AsRef<str>>(phrases: &[S]) -> Result<Self, PhraseError> {
        let mut compiled = Vec::with_capacity(phrases.len());
        for (index, phrase) in phrases.iter().enumerate() {
            let source = phrase.as_ref();
            if source.trim().is_empty() {
                return Err(PhraseError::Empty {
                    index,
                    phrase: source.to_string(),
                });
            }
            let slots = compile(source);
            if !slots.iter().any(|s| matches!(s, Slot::Word(_))) {
                return Err(PhraseError::NoWords {
                    index,
                    phrase: source.to_string(),
                });
            }
            compiled.push(Phrase {
                source: source.to_string(),
                slots,
            });
        }
        Ok(PhraseList { phrases: compiled })
    }

    /// Number of phrases.
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// True when the list has no phrases.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// The phrase at `index` as it was given.
    pub fn phrase(&self, index: usize) -> Option<&str> {
        self.phrases.get(index).map(|p| p.source.as_str())
    }

    /// The normalized form of phrase `index`, wildcards shown as `*`.
    pub fn normalized_phrase(&self, index: usize) -> Option<String> {
        self.phrases.get(index).map(|p| {
            p.slots
                .iter()
                .map(|s| match s {
                    Slot::Word(w) => w.as_str(),
                    Slot::Any => "*",
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    /// Every match of every phrase in `text`, sorted by start word, longest first,
    /// then phrase index.
    pub fn find(&self, text: &NormalizedText) -> Vec<PhraseMatch> {
        let mut found = Vec::new();
        let words = text.words();
        for (phrase_index, phrase) in self.phrases.iter().enumerate() {
            let len = phrase.slots.len();
            if len == 0 || len > words.len() {
                continue;
            }
            for start in 0..=words.len() - len {
                if matches_at(text, &phrase.slots, start) {
                    found.push(PhraseMatch {
                        phrase_index,
                        start_word: start,
                        end_word: start + len,
                        negated: is_negated(text, start),
                    });
                }
            }
        }
        found.sort_by(|a, b| {
            a.start_word
                .cmp(&b.start_word)
                .then(b.end_word.cmp(&a.end_word))
                .then(a.phrase_index.cmp(&b.phrase_index))
        });
        found
    }

    /// True when some phrase matches `text` without being negated.
    pub fn matches_unnegated(&self, text: &NormalizedText) -> bool {
        self.find(text).iter().any(|m| !m.negated)
    }
}

/// Normalizes a phrase, keeping standalone `*` as wildcards.
fn compile(source: &str) -> Vec<Slot> {
    let mut slots = Vec::new();
    let mut segment = String::new();
    let flush = |segment: &mut String, slots: &mut Vec<Slot>| {
        if !segment.is_empty() {
            slots.extend(
                normalize(segment)
                    .words()
                    .iter()
                    .map(|w| Slot::Word(w.clone())),
            );
            segment.clear();
        }
    };
    for token in source.split_whitespace() {
        if token == "*" {
            flush(&mut segment, &mut slots);
            slots.push(Slot::Any);
        } else {
            if !segment.is_empty() {
                segment.push(' ');
            }
            segment.push_str(token);
        }
    }
    flush(&mut segment, &mut slots);
    slots
}

fn matches_at(text: &NormalizedText, slots: &[Slot], start: usize) -> bool {
    let words = text.words();
    for (k, slot) in slots.iter().enumerate() {
        let Some(word) = words.get(start + k) else {
            return false;
        };
        if let Slot::Word(w) = slot {
            if w != word {
                return false;
            }
        }
        // No sentence end inside the match.
        if k + 1 < slots.len() && text.sentence_break_after(start + k) {
            return false;
        }
    }
    true
}

/// Function words that do not count towards the negation window.
fn is_function_word(w: &str) -> bool {
    matches!(
        w,
        "a" | "an"
            | "the"
            | "i"
            | "you"
            | "he"
            | "she"
            | "it"
            | "we"
            | "they"
            | "me"
            | "him"
            | "her"
            | "us"
            | "them"
            | "this"
            | "that"
            | "these"
            | "those"
            | "my"
            | "your"
            | "his"
            | "its"
            | "our"
            | "their"
            | "is"
            | "am"
            | "are"
            | "was"
            | "were"
            | "be"
            | "been"
            | "being"
            | "do"
            | "does"
            | "did"
            | "have"
            | "has"
            | "had"
            | "will"
            | "would"
            | "can"
            | "could"
            | "should"
            | "shall"
            | "may"
            | "might"
            | "must"
            | "really"
            | "very"
            | "so"
            | "just"
            | "too"
            | "quite"
    )
}

/// True when a negator occurs before word `start` within the negation window and in
/// the same clause. See the module docs for the window.
pub fn is_negated(text: &NormalizedText, start: usize) -> bool {
    let words = text.words();
    let mut content = 0;
    for (looked, j) in (0..start.min(words.len())).rev().enumerate() {
        if looked >= NEGATION_MAX_LOOKBACK || text.clause_break_after(j) {
            return false;
        }
        let w = words[j].as_str();
        if NEGATORS.contains(&w) {
            return true;
        }
        if !is_function_word(w) {
            content += 1;
            if content >= NEGATION_WINDOW {
                return false;
            }
        }
    }
    false
}

/// Words that may follow an apology without making it more than a bare "sorry".
fn is_filler(w: &str) -> bool {
    matches!(
        w,
        "so" | "very"
            | "really"
            | "much"
            | "truly"
            | "terribly"
            | "awfully"
            | "deeply"
            | "extremely"
            | "sir"
            | "madam"
            | "miss"
            | "again"
            | "oh"
            | "ok"
            | "um"
            | "uh"
    )
}

/// Two-word fillers: "about that", "for that", ...
fn is_filler_pair(a: &str, b: &str) -> bool {
    matches!(a, "about" | "for") && matches!(b, "that" | "this" | "it")
        || (a, b) == ("once", "again")
}

fn only_fillers(words: &[String]) -> bool {
    let mut i = 0;
    while i < words.len() {
        if is_filler(&words[i]) {
            i += 1;
        } else if i + 1 < words.len() && is_filler_pair(&words[i], &words[i + 1]) {
            i += 2;
        } else {
            return false;
        }
    }
    true
}

/// Finds a *bare* apology: an apology from `apologies` (for example built from
/// [`APOLOGY_PHRASES`]) followed by nothing but fillers up to the end of its sentence.
///
/// Fillers are intensifiers and address terms (so, very, really, much, truly, sir,
/// madam, miss, again, oh, ok, um, uh) and "about that/this/it", "for that/this/it",
/// "once again"; clause breaks between fillers are allowed. So "Sorry.", "I'm so
/// sorry.", "I'm sorry, sir." and "Oh, sorry about that." are bare (what comes
/// *before* the apology does not matter), while "I'm sorry for the wait", "sorry to
/// hear that", "sorry about the double charge" and "Sorry, could you repeat that?"
/// (a pardon: the sentence continues after the clause break) are not. A sentence that
/// ends in `?` is a pardon, so "Sorry?" is not bare either, and negated apologies
/// ("I'm not sorry") are skipped. Only the apology's own sentence is considered:
/// "Sorry. Let me fix that." is bare.
///
/// Returns the first bare apology (earliest, longest).
pub fn bare_apology(text: &NormalizedText, apologies: &PhraseList) -> Option<PhraseMatch> {
    apologies.find(text).into_iter().find(|m| {
        !m.negated
            && m.end_word > 0
            && !text.question_after(text.sentence_end(m.end_word - 1).saturating_sub(1))
            && only_fillers(text.rest_of_sentence(m.end_word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(phrases: &[&str]) -> PhraseList {
        PhraseList::new(phrases).expect("valid phrases")
    }

    fn apologies() -> PhraseList {
        list(APOLOGY_PHRASES)
    }

    fn is_bare(s: &str) -> bool {
        bare_apology(&normalize(s), &apologies()).is_some()
    }

    #[test]
    fn builds_from_strings_and_strs() {
        let owned = vec!["Sorry".to_string(), "I'm upset".to_string()];
        let l = PhraseList::new(&owned).unwrap();
        assert_eq!(l.len(), 2);
        assert!(!l.is_empty());
        assert_eq!(l.phrase(1), Some("I'm upset"));
        assert_eq!(l.normalized_phrase(1).as_deref(), Some("i am upset"));
        assert_eq!(l.phrase(2), None);
        let l = PhraseList::new::<&str>(&[]).unwrap();
        assert!(l.is_empty());
        assert!(l.find(&normalize("anything")).is_empty());
    }

    #[test]
    fn errors_name_the_phrase_and_index() {
        let err = PhraseList::new(&["ok", "  "]).unwrap_err();
        assert_eq!(
            err,
            PhraseError::Empty {
                index: 1,
                phrase: "  ".into()
            }
        );
        assert!(err.to_string().contains("#1"));
        let err = PhraseList::new(&["ok", "fine", "?!"]).unwrap_err();
        assert!(matches!(err, PhraseError::NoWords { index: 2, .. }));
        assert!(err.to_string().contains("\"?!\""));
        let err = PhraseList::new(&["* *"]).unwrap_err();
        assert!(matches!(err, PhraseError::NoWords { index: 0, .. }));
        let err = PhraseList::new(&[""]).unwrap_err();
        assert!(matches!(err, PhraseError::Empty { index: 0, .. }));
    }

    #[test]
    fn whole_words_only() {
        let l = list(&["manager", "sorry"]);
        assert!(l
            .find(&normalize("a managerial issue, sorrywise"))
            .is_empty());
        let m = l.find(&normalize("Can I speak to your manager?"));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].phrase_index, 0);
        assert_eq!((m[0].start_word, m[0].end_word), (5, 6));
    }

    #[test]
    fn contractions_meet_in_the_middle() {
        let l = list(&["I am sorry", "can't"]);
        let t = normalize("I’m SORRY, I cannot do that");
        let m = l.find(&t);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].words(&t), ["i", "am", "sorry"]);
        assert_eq!(m[1].words(&t), ["can", "not"]);
    }

    #[test]
    fn wildcard_matches_exactly_one_word() {
        let l = list(&["speak to * manager"]);
        assert_eq!(
            l.normalized_phrase(0).as_deref(),
            Some("speak to * manager")
        );
        assert_eq!(l.find(&normalize("speak to your manager")).len(), 1);
        assert_eq!(l.find(&normalize("speak to a manager")).len(), 1);
        assert!(l.find(&normalize("speak to manager")).is_empty());
        assert!(l.find(&normalize("speak to the store manager")).is_empty());
        // glued asterisk is punctuation, not a wildcard
        let l = list(&["sorry*"]);
        assert_eq!(l.normalized_phrase(0).as_deref(), Some("sorry"));
    }

    #[test]
    fn leading_and_trailing_wildcards() {
        let l = list(&["* manager"]);
        let t = normalize("manager. the manager");
        let m = l.find(&t);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].start_word, 1);
    }

    #[test]
    fn matches_do_not_cross_sentences_but_cross_commas() {
        let l = list(&["no problem"]);
        assert!(l.find(&normalize("No. Problem solved")).is_empty());
        assert_eq!(l.find(&normalize("no, problem")).len(), 1);
    }

    #[test]
    fn overlapping_matches_sorted() {
        let l = list(&["sorry", "i am sorry", "am"]);
        let m = l.find(&normalize("I'm sorry"));
        let got: Vec<_> = m
            .iter()
            .map(|m| (m.phrase_index, m.start_word, m.end_word))
            .collect();
        assert_eq!(got, [(1, 0, 3), (2, 1, 2), (0, 2, 3)]);
    }

    #[test]
    fn numbers_and_variants_in_phrases() {
        let l = list(&["21st", "okay", "call back"]);
        let m = l.find(&normalize("on the twenty-first, OK? I'll call-back"));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn negation_basic() {
        let l = list(&["upset"]);
        let m = l.find(&normalize("I'm not upset"));
        assert!(m[0].negated);
        let m = l.find(&normalize("I'm upset"));
        assert!(!m[0].negated);
        let m = l.find(&normalize("I was never really upset"));
        assert!(m[0].negated);
        let m = l.find(&normalize("No, I'm upset"));
        assert!(!m[0].negated);
        let m = l.find(&normalize("I'm not angry but upset"));
        assert!(!m[0].negated);
    }

    #[test]
    fn negation_spec_example() {
        let l = list(&["ridiculous", "unacceptable"]);
        let t = normalize("I'm not saying it's ridiculous, it's unacceptable");
        let m = l.find(&t);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].phrase_index, 0);
        assert!(m[0].negated);
        assert_eq!(m[1].phrase_index, 1);
        assert!(!m[1].negated);
    }

    #[test]
    fn negator_inside_phrase_is_not_negation() {
        let l = list(&["not my department", "there is nothing I can do"]);
        let m = l.find(&normalize("This is not my department."));
        assert_eq!(m.len(), 1);
        assert!(!m[0].negated);
        let m = l.find(&normalize("There's nothing I can do."));
        assert_eq!(m.len(), 1);
        assert!(!m[0].negated);
    }

    #[test]
    fn negation_window_is_limited() {
        let l = list(&["upset"]);
        let m = l.find(&normalize("not one two three upset"));
        assert!(!m[0].negated);
        let m = l.find(&normalize("not one two upset"));
        assert!(m[0].negated);
        let m = l.find(&normalize("no. upset"));
        assert!(!m[0].negated);
        assert!(!is_negated(&normalize("not"), 0));
        assert!(is_negated(&normalize("not upset"), 1));
        assert!(!is_negated(&normalize("upset"), 99));
    }

    #[test]
    fn bare_apologies() {
        assert!(is_bare("Sorry."));
        assert!(is_bare("sorry"));
        assert!(is_bare("I'm so sorry."));
        assert!(is_bare("I'm sorry, sir."));
        assert!(is_bare("I'm sorry, ma'am."));
        assert!(is_bare("Oh, sorry about that."));
        assert!(is_bare("I'm really, really sorry again."));
        assert!(is_bare("My apologies."));
        assert!(is_bare("I apologise for that."));
        assert!(is_bare("Sorry. Let me fix that."));
        assert!(is_bare("The system is down, sorry."));
    }

    #[test]
    fn not_bare_apologies() {
        assert!(!is_bare("I'm sorry for the wait."));
        assert!(!is_bare("Sorry to hear that."));
        assert!(!is_bare("Sorry about the double charge."));
        assert!(!is_bare("Sorry, could you repeat that?"));
        assert!(!is_bare("Sorry?"));
        assert!(!is_bare("I'm not sorry."));
        assert!(!is_bare("I'm sorry... I'll fix that now."));
        assert!(!is_bare("Thanks for calling."));
        assert!(!is_bare(""));
    }

    #[test]
    fn bare_apology_returns_the_match() {
        let t = normalize("Sorry, sorry. OK, I'm sorry.");
        let m = bare_apology(&t, &apologies()).unwrap();
        // first "sorry" is followed by "sorry" (not a filler); the second is bare
        assert_eq!((m.start_word, m.end_word), (1, 2));
        let t = normalize("Well, I'm sorry.");
        let m = bare_apology(&t, &apologies()).unwrap();
        assert_eq!(apologies().phrase(m.phrase_index), Some("i am sorry"));
    }

    #[test]
    fn matches_unnegated() {
        let l = list(&["upset"]);
        assert!(l.matches_unnegated(&normalize("I'm upset")));
        assert!(!l.matches_unnegated(&normalize("I'm not upset")));
    }

    #[test]
    fn fuzz_never_panics() {
        let l = list(&["sorry", "* *  x", "i am", "not my department", "a * a"]);
        let inputs = [
            String::new(),
            "*".into(),
            "a a a a a a a a".into(),
            "not not not not sorry".into(),
            "sorry. sorry? sorry! sorry, sorry—".into(),
            "🙂 sorry 🙂".into(),
            "a ".repeat(20_000),
            "I'm sorry, ".repeat(2_000),
        ];
        for s in &inputs {
            let t = normalize(s);
            for m in l.find(&t) {
                assert!(m.start_word < m.end_word && m.end_word <= t.len());
                assert!(!m.is_empty());
            }
            let _ = bare_apology(&t, &apologies());
            let _ = bare_apology(&t, &PhraseList::default());
        }
    }
}
