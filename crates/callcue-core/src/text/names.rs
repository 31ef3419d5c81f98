//! The caller's name: finding it in an introduction and spotting it later.
//!
//! [`caller_name`] reads the *raw* whisper transcript, because whisper capitalizes
//! names and capitalization is the best cue that a word is one. [`mentions_name`]
//! checks whether a name is used (for example by the agent), tolerating whisper's
//! spelling drift.
//!
//! # Introductions recognised by [`caller_name`]
//!
//! | pattern | example |
//! |---|---|
//! | my (first) name is X / my (first) name's X | "Hi, my name is Priya Shah." |
//! | this is / it is / it's X (Surname) calling / speaking / here / from … | "This is John calling", "It's Ana here", "It is Sam from Acme" |
//! | I am / I'm X (Surname) calling | "I'm Dave calling about my bill" |
//! | X (Surname) speaking / here, at the start after greetings only | "Hello, Maria speaking." |
//!
//! Hesitations (um, uh, er, erm, ah) may come between the introduction and the name
//! ("my name is, um, Priya"), and no sentence end may. A bare "I'm X" is too ambiguous
//! ("I'm Fine") and is ignored. The candidate must start with an uppercase letter, be
//! alphabetic (inner apostrophes and hyphens allowed: "O'Neil", "Mary-Jane"), have at
//! least two letters, not be all capitals (acronyms such as "ABC"), not end in a
//! possessive `'s`, and not be a common word or title (The, Just, Really, Calling,
//! Sorry, Not, Very, So, Here, Mr, Doctor, Monday, …). The first name found is returned,
//! spelled as in the text.

use super::normalize::is_word_char;

/// Words that are never taken for a given name in an introduction.
const NOT_NAMES: &[&str] = &[
    "a",
    "about",
    "able",
    "actually",
    "afraid",
    "after",
    "afternoon",
    "again",
    "agent",
    "ah",
    "all",
    "already",
    "also",
    "always",
    "am",
    "an",
    "and",
    "any",
    "anybody",
    "anyone",
    "are",
    "as",
    "asking",
    "at",
    "back",
    "basically",
    "be",
    "because",
    "been",
    "being",
    "both",
    "but",
    "by",
    "calling",
    "caller",
    "can",
    "checking",
    "could",
    "currently",
    "customer",
    "day",
    "definitely",
    "did",
    "do",
    "doctor",
    "does",
    "doing",
    "down",
    "dr",
    "each",
    "er",
    "erm",
    "even",
    "evening",
    "every",
    "everyone",
    "fine",
    "first",
    "for",
    "friday",
    "from",
    "getting",
    "glad",
    "going",
    "gonna",
    "good",
    "great",
    "had",
    "happy",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "her",
    "here",
    "hey",
    "hi",
    "him",
    "his",
    "hmm",
    "honestly",
    "hoping",
    "how",
    "i",
    "if",
    "in",
    "is",
    "it",
    "its",
    "just",
    "kind",
    "last",
    "literally",
    "looking",
    "madam",
    "maam",
    "may",
    "maybe",
    "me",
    "mhm",
    "might",
    "miss",
    "mister",
    "monday",
    "morning",
    "mr",
    "mrs",
    "ms",
    "must",
    "my",
    "myself",
    "never",
    "new",
    "next",
    "night",
    "no",
    "nobody",
    "none",
    "not",
    "nothing",
    "now",
    "of",
    "off",
    "oh",
    "ok",
    "okay",
    "old",
    "on",
    "one",
    "only",
    "or",
    "our",
    "out",
    "over",
    "perhaps",
    "phoning",
    "please",
    "pretty",
    "probably",
    "quite",
    "rather",
    "really",
    "regarding",
    "calling",
    "right",
    "ringing",
    "saturday",
    "she",
    "should",
    "sir",
    "so",
    "some",
    "somebody",
    "someone",
    "something",
    "sorry",
    "sort",
    "speaking",
    "still",
    "sunday",
    "sure",
    "talking",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "thursday",
    "to",
    "today",
    "tomorrow",
    "trying",
    "tuesday",
    "uh",
    "um",
    "unable",
    "unfortunately",
    "up",
    "us",
    "very",
    "waiting",
    "wanna",
    "was",
    "we",
    "wednesday",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "wondering",
    "would",
    "yeah",
    "yep",
    "yes",
    "yesterday",
    "you",
    "your",
    "yours",
];

/// Frequent words that a spelling-tolerant name match must not land on, and names
/// that are themselves common words (see [`mentions_name`]).
const COMMON_WORDS: &[&str] = &[
    "account", "amber", "another", "april", "art", "august", "bank", "best", "big", "bill", "call",
    "came", "card", "care", "case", "chase", "charge", "close", "come", "dawn", "date", "days",
    "done", "early", "ever", "faith", "feel", "few", "find", "five", "frank", "free", "full",
    "game", "gate", "gave", "give", "grace", "grant", "half", "hand", "hear", "held", "help",
    "high", "hold", "home", "hope", "hour", "hours", "house", "issue", "joy", "june", "keep",
    "know", "large", "late", "left", "less", "life", "like", "line", "little", "live", "long",
    "look", "low", "made", "make", "man", "many", "mark", "mean", "mile", "mine", "minute",
    "money", "month", "more", "most", "move", "much", "name", "need", "nine", "number", "open",
    "order", "other", "own", "paid", "park", "part", "pay", "people", "person", "phone", "place",
    "play", "point", "problem", "put", "rate", "real", "rose", "said", "same", "save", "say",
    "see", "seem", "send", "sent", "show", "small", "such", "summer", "take", "tell", "than",
    "thing", "things", "time", "told", "true", "turn", "want", "way", "week", "while", "woman",
    "work", "world", "year", "young",
];

fn is_not_name(key: &str) -> bool {
    NOT_NAMES.contains(&key)
}

fn is_common(key: &str) -> bool {
    NOT_NAMES.contains(&key) || COMMON_WORDS.contains(&key)
}

/// Boundary before a token in the raw text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    Space,
    Clause,
    Sentence,
}

#[derive(Debug)]
struct RawToken<'a> {
    /// The word as written.
    text: &'a str,
    /// Lowercase, apostrophes folded to `'`.
    key: String,
    /// Punctuation between this token and the previous one.
    gap: Gap,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

fn is_inner_joiner(c: char) -> bool {
    is_apostrophe(c) || matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn raw_tokens(text: &str) -> Vec<RawToken<'_>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut toks = Vec::new();
    let mut gap = Gap::Space;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if !is_word_char(c) {
            let g = match c {
                '.' | '?' | '!' | '\u{2026}' => Gap::Sentence,
                ',' | ';' | ':' | '-' | '\u{2013}' | '\u{2014}' => Gap::Clause,
                _ => Gap::Space,
            };
            gap = gap.max(g);
            i += 1;
            continue;
        }
        let start = pos;
        let mut j = i;
        while j < chars.len() {
            let c = chars[j].1;
            let joins = is_inner_joiner(c)
                && j > i
                && chars.get(j + 1).is_some_and(|&(_, n)| n.is_alphabetic());
            if is_word_char(c) || joins {
                j += 1;
            } else {
                break;
            }
        }
        let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
        let slice = &text[start..end];
        let key = slice
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| if is_apostrophe(c) { '\'' } else { c })
            .collect();
        toks.push(RawToken {
            text: slice,
            key,
            gap,
        });
        gap = Gap::Space;
        i = j;
    }
    toks
}

/// Which words must follow the name for the introduction to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// Nothing: "my name is X".
    Nothing,
    /// calling / speaking / here / from: "this is X calling".
    Introduce,
    /// calling: "I'm X calling".
    Calling,
    /// speaking / here, at the start of the text: "X speaking".
    Start,
}

impl Trigger {
    fn accepts(self, key: &str) -> bool {
        match self {
            Trigger::Nothing => true,
            Trigger::Introduce => matches!(key, "calling" | "speaking" | "here" | "from"),
            Trigger::Calling => key == "calling",
            Trigger::Start => matches!(key, "speaking" | "here"),
        }
    }
}

fn is_hesitation(key: &str) -> bool {
    matches!(key, "um" | "umm" | "uh" | "uhm" | "er" | "erm" | "ah")
}

fn is_greeting(key: &str) -> bool {
    matches!(
        key,
        "hi" | "hello"
            | "hey"
            | "hiya"
            | "hallo"
            | "howdy"
            | "yes"
            | "yeah"
            | "yep"
            | "oh"
            | "um"
            | "uh"
            | "ok"
            | "okay"
            | "good"
            | "morning"
            | "afternoon"
            | "evening"
            | "so"
            | "well"
    )
}

/// A word that could be a given name (or a surname after it).
fn is_name_candidate(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_uppercase() {
        return false;
    }
    if !text
        .chars()
        .all(|c| (is_word_char(c) && !c.is_numeric()) || is_inner_joiner(c))
    {
        return false;
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2 {
        return false;
    }
    if !text.chars().any(char::is_lowercase) {
        return false; // all capitals: an acronym
    }
    let key: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if is_apostrophe(c) { '\'' } else { c })
        .collect();
    if key.ends_with("'s") {
        return false;
    }
    !is_not_name(&key)
}

/// Finds the caller's given name in an introduction such as "my name is Priya" or
/// "this is John calling" in the raw transcript. See the [module docs](self) for the
/// patterns and the checks on the candidate. Returns the first name found, spelled as
/// in the text.
pub fn caller_name(raw_text: &str) -> Option<String> {
    let toks = raw_tokens(raw_text);
    let key = |j: usize| toks.get(j).map_or("", |t| t.key.as_str());
    // True when token j exists and no sentence end comes right before it.
    let joined = |j: usize| toks.get(j).is_some_and(|t| t.gap != Gap::Sentence);
    let mut greetings_only = true;
    for i in 0..toks.len() {
        let mut intros: Vec<(usize, Trigger)> = Vec::new();
        if greetings_only {
            intros.push((i, Trigger::Start));
        }
        match key(i) {
            "my" => {
                let (a, b, c) = (key(i + 1), key(i + 2), key(i + 3));
                if a == "name" && b == "is" && joined(i + 1) && joined(i + 2) {
                    intros.push((i + 3, Trigger::Nothing));
                } else if a == "name's" && joined(i + 1) {
                    intros.push((i + 2, Trigger::Nothing));
                } else if a == "first" && joined(i + 1) && joined(i + 2) {
                    if b == "name" && c == "is" && joined(i + 3) {
                        intros.push((i + 4, Trigger::Nothing));
                    } else if b == "name's" {
                        intros.push((i + 3, Trigger::Nothing));
                    }
                }
            }
            "this" | "it" if key(i + 1) == "is" && joined(i + 1) => {
                intros.push((i + 2, Trigger::Introduce));
            }
            "it's" => intros.push((i + 1, Trigger::Introduce)),
            "i" if key(i + 1) == "am" && joined(i + 1) => intros.push((i + 2, Trigger::Calling)),
            "i'm" => intros.push((i + 1, Trigger::Calling)),
            _ => {}
        }
        for (x, trigger) in intros {
            if let Some(name) = name_at(&toks, x, trigger) {
                return Some(name.to_string());
            }
        }
        greetings_only = greetings_only && is_greeting(key(i));
    }
    None
}

/// The name at token `x` (after hesitations) if the introduction's trigger follows.
fn name_at<'a>(toks: &[RawToken<'a>], mut x: usize, trigger: Trigger) -> Option<&'a str> {
    let joined = |j: usize| toks.get(j).is_some_and(|t| t.gap != Gap::Sentence);
    if trigger != Trigger::Start {
        while toks.get(x).is_some_and(|t| is_hesitation(&t.key)) && joined(x) {
            x += 1;
        }
        if !joined(x) {
            return None;
        }
    }
    let cand = toks.get(x)?;
    if !is_name_candidate(cand.text) {
        return None;
    }
    if trigger == Trigger::Nothing {
        return Some(cand.text);
    }
    let trigger_at = |j: usize| joined(j) && toks.get(j).is_some_and(|t| trigger.accepts(&t.key));
    if trigger_at(x + 1) {
        return Some(cand.text);
    }
    // One surname may come between the given name and the trigger.
    let surname = toks
        .get(x + 1)
        .is_some_and(|t| t.gap == Gap::Space && is_name_candidate(t.text));
    if surname && trigger_at(x + 2) {
        return Some(cand.text);
    }
    None
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions),
/// giving up early: returns `limit + 1` when the distance exceeds `limit`.
fn osa_distance(a: &[char], b: &[char], limit: usize) -> usize {
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m].min(limit + 1)
}

/// Lowercases and drops apostrophes and a possessive `'s`.
fn name_key(word: &str) -> Vec<char> {
    let lower: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if is_apostrophe(c) { '\'' } else { c })
        .collect();
    let base = lower.strip_suffix("'s").unwrap_or(&lower);
    base.chars().filter(|&c| c != '\'').collect()
}

/// Does `word` (as written) match one part of the name (already keyed)?
fn part_matches(word: &str, part: &[char], text_has_upper: bool) -> bool {
    let key = name_key(word);
    if key.is_empty() {
        return false;
    }
    let part_str: String = part.iter().collect();
    let capitalized = word.chars().next().is_some_and(char::is_uppercase);
    if is_common(&part_str) && text_has_upper && !capitalized {
        // "Will", "Mark", "Grace": in cased text only a capitalized word is the name.
        return false;
    }
    if key == part {
        return true;
    }
    if part.len() < 4 || key.len() < 3 {
        return false;
    }
    if part.len() < 6 && key.first() != part.first() {
        return false;
    }
    let key_str: String = key.iter().collect();
    !is_common(&key_str) && osa_distance(&key, part, 1) <= 1
}

/// Whether `text` (raw or normalized) mentions `name`, as whole words and ignoring
/// case.
///
/// Tolerates whisper's spelling drift: each part of the name with 4 or more letters
/// also matches a word at most one edit away (insertion, deletion, substitution or
/// swap of adjacent letters), so "Priya" matches "Pria" and "John" matches "Jon",
/// but "Jon" (3 letters) only matches "Jon". Names shorter than 6 letters must keep
/// their first letter ("Dave" does not match "gave"); longer ones need not
/// ("Katherine" matches "Catherine"). A drifted match never lands on a common word
/// ("Mike" does not match "make"). When the name is itself a common word ("Will",
/// "Mark", "Grace") and the text has any capital letter, only a capitalized
/// occurrence counts. A possessive `'s` is ignored ("Priya's"), apostrophes are
/// ignored ("OBrien" matches "O'Brien") and a multi-part name ("Mary Jane",
/// "Mary-Jane") must appear as consecutive words.
pub fn mentions_name(text: &str, name: &str) -> bool {
    let parts: Vec<Vec<char>> = name
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}'))
        .map(name_key)
        .filter(|p| p.iter().any(|c| c.is_alphanumeric()))
        .collect();
    if parts.is_empty() {
        return false;
    }
    let text_has_upper = text.chars().any(char::is_uppercase);
    let words: Vec<&str> = raw_tokens(text)
        .iter()
        .flat_map(|t| t.text.split(['-', '\u{2010}', '\u{2011}']))
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < parts.len() {
        return false;
    }
    (0..=words.len() - parts.len()).any(|start| {
        parts
            .iter()
            .enumerate()
            .all(|(k, part)| part_matches(words[start + k], part, text_has_upper))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Option<String> {
        caller_name(s)
    }

    #[test]
    fn my_name_is() {
        assert_eq!(name("Hi, my name is Priya.").as_deref(), Some("Priya"));
        assert_eq!(name("My name's John Smith").as_deref(), Some("John"));
        assert_eq!(name("my name’s Siobhan").as_deref(), Some("Siobhan"));
        assert_eq!(name("My first name is Ana").as_deref(), Some("Ana"));
        assert_eq!(
            name("Yeah so my name is, um, Priya").as_deref(),
            Some("Priya")
        );
    }

    #[test]
    fn this_is_x_calling() {
        assert_eq!(
            name("Hello, this is John calling about my bill").as_deref(),
            Some("John")
        );
        assert_eq!(name("this is Maria speaking").as_deref(), Some("Maria"));
        assert_eq!(name("This is John Smith calling.").as_deref(), Some("John"));
        assert_eq!(name("It's Ana here.").as_deref(), Some("Ana"));
        assert_eq!(name("It’s Ana here.").as_deref(), Some("Ana"));
        assert_eq!(name("It is Sam from Acme.").as_deref(), Some("Sam"));
        assert_eq!(
            name("I'm Dave calling about the order").as_deref(),
            Some("Dave")
        );
        assert_eq!(name("I am Dave calling").as_deref(), Some("Dave"));
    }

    #[test]
    fn x_speaking_at_start() {
        assert_eq!(name("Maria speaking.").as_deref(), Some("Maria"));
        assert_eq!(
            name("Hello? Yes, Maria speaking.").as_deref(),
            Some("Maria")
        );
        assert_eq!(name("Good morning, Tom here").as_deref(), Some("Tom"));
        // not at the start
        assert_eq!(name("I told them Maria speaking was fine"), None);
    }

    #[test]
    fn ambiguous_or_common_words_are_rejected() {
        assert_eq!(name("I'm Fine"), None);
        assert_eq!(name("I'm Priya"), None);
        assert_eq!(name("this is Really calling"), None);
        assert_eq!(name("This is Just here"), None);
        assert_eq!(name("this is John"), None);
        assert_eq!(name("My name is Mr Smith"), None);
        assert_eq!(name("my name is the same"), None);
        assert_eq!(name("my name is priya"), None); // lowercase
        assert_eq!(name("my name is R2D2"), None);
        assert_eq!(name("This is ABC calling"), None);
        assert_eq!(name("This is Sorry calling"), None);
        assert_eq!(name("It's Tuesday here"), None);
        assert_eq!(name("this is John's phone"), None);
        assert_eq!(name("My name is. John"), None);
        assert_eq!(name("Speaking."), None);
    }

    #[test]
    fn hyphens_apostrophes_and_unicode() {
        assert_eq!(name("My name is Mary-Jane.").as_deref(), Some("Mary-Jane"));
        assert_eq!(name("my name is O'Neil").as_deref(), Some("O'Neil"));
        assert_eq!(name("my name is José").as_deref(), Some("José"));
        assert_eq!(name("my name is Zoë, hi").as_deref(), Some("Zoë"));
    }

    #[test]
    fn first_name_wins() {
        assert_eq!(
            name("This is Ana calling for my husband. My name is Priya.").as_deref(),
            Some("Ana")
        );
    }

    #[test]
    fn mentions_exact_and_case_insensitive() {
        assert!(mentions_name("Thanks, Priya.", "Priya"));
        assert!(mentions_name("thanks priya", "Priya"));
        assert!(mentions_name("PRIYA, thanks", "priya"));
        assert!(mentions_name("Is that Priya's account?", "Priya"));
        assert!(!mentions_name("Priyanka", "Priya"));
        assert!(!mentions_name("", "Priya"));
        assert!(!mentions_name("Priya", ""));
        assert!(!mentions_name("Priya", " - "));
    }

    #[test]
    fn mentions_with_drift() {
        assert!(mentions_name("thanks Pria", "Priya"));
        assert!(mentions_name("thanks Jon", "John"));
        assert!(!mentions_name("thanks John", "Jon"));
        assert!(mentions_name("thanks Jhon", "John")); // swapped letters
        assert!(mentions_name("Catherine", "Katherine"));
        assert!(!mentions_name("Catherine", "Kathy"));
        assert!(!mentions_name("we gave it", "Dave"));
        assert!(!mentions_name("in the park", "Mark"));
        assert!(!mentions_name("I can make it", "Mike"));
        assert!(mentions_name("thanks Mika", "Mike"));
        assert!(!mentions_name("Priyanka", "Priy"));
    }

    #[test]
    fn names_that_are_common_words() {
        assert!(!mentions_name("I will help you", "Will"));
        assert!(mentions_name("Thanks, Will.", "Will"));
        assert!(mentions_name("thanks will", "Will")); // normalized text: no case cue
        assert!(mentions_name("Grace, hi", "grace"));
    }

    #[test]
    fn multi_part_names() {
        assert!(mentions_name("hello Mary Jane", "Mary-Jane"));
        assert!(mentions_name("hello Mary-Jane", "Mary Jane"));
        assert!(!mentions_name("hello Mary and Jane", "Mary Jane"));
        assert!(mentions_name("Mister O'Brien", "OBrien"));
    }

    #[test]
    fn osa_distance_basics() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(osa_distance(&c("priya"), &c("pria"), 1), 1);
        assert_eq!(osa_distance(&c("john"), &c("jhon"), 1), 1);
        assert_eq!(osa_distance(&c("abc"), &c("abc"), 1), 0);
        assert_eq!(osa_distance(&c("abc"), &c("xyz"), 1), 2);
        assert_eq!(osa_distance(&c(""), &c("ab"), 1), 2);
        assert_eq!(osa_distance(&c(""), &c(""), 1), 0);
    }

    #[test]
    fn fuzz_never_panics() {
        let inputs = [
            String::new(),
            "my".into(),
            "my name".into(),
            "my name is".into(),
            "my first name".into(),
            "this is".into(),
            "It's".into(),
            "i'm".into(),
            "'''---".into(),
            "-a- 'b' ’’".into(),
            "My name is \u{301}A".into(),
            "my name is Ǆemal".into(),
            "my name is İlker calling".into(),
            "😀 my name is 😀".into(),
            "my name is um um um um".into(),
            "this is X calling ".repeat(10_000),
        ];
        for s in &inputs {
            let _ = caller_name(s);
            let _ = mentions_name(s, "Priya");
            let _ = mentions_name(s, s);
            let _ = mentions_name("Priya", s);
        }
        assert_eq!(name("my name is İlker calling").as_deref(), Some("İlker"));
    }
}
