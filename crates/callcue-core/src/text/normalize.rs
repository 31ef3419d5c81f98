//! Word-level normalization of transcript text.
//!
//! [`normalize`] turns raw text (a whisper transcript, a configured phrase, a reference
//! transcript) into a sequence of lowercase words plus, after each word, the kind of
//! [`Break`] that follows it. The same function is applied to phrase lists and to
//! transcripts, so the two meet in the middle: "I'm sorry" in a phrase list matches
//! "i am sorry" or "I’m SORRY!" in a transcript.
//!
//! The normalized words are a *matching key*, not display text: "apologize" becomes
//! "apologise" and "Dr." becomes "doctor".
//!
//! # What is folded
//!
//! * **Case**: everything is lowercased.
//! * **Apostrophes**: `’ ‘ ʼ ´ ′` and the backtick count as `'`.
//! * **Contractions** are expanded: `i'm` → `i am`, `can't`/`cannot` → `can not`,
//!   `won't` → `will not`, `shan't` → `shall not`, `ain't` → `is not`, any other `n't`
//!   → `not`, `'re` → `are`, `'ve` → `have`, `'ll` → `will`, `'d` → `would` (never
//!   "had"), `'m` → `am`, `let's` → `let us`, `y'all` → `you all`, `ma'am` → `madam`.
//!   `'s` becomes `is` after it, that, there, here, what, where, who, how, when, why,
//!   this, he, she, name, and the every-/some-/no-/any- pronouns; anywhere else it
//!   is possessive and is dropped (`john's` → `john`). Stacked forms work
//!   (`i'd've` → `i would have`). Other apostrophes are deleted (`o'brien` → `obrien`).
//!   The apostrophe-less spellings `dont`, `cant`, `wont`, `im`, `thats`, `youre` …
//!   are expanded too; `its`, `well`, `were`, `ill`, `id` are real words and are left
//!   alone.
//! * **Hyphens** between two letters or digits split the word (`follow-up` →
//!   `follow up`, `twenty-one` → `twenty one`) with no break; any other hyphen, and
//!   every en/em dash that is not between digits, is a clause break.
//! * **Numbers** (ASCII digits): 0–99 are spelled as words (`21` → `twenty one`);
//!   whole hundreds and thousands below 10 000 as `three hundred`, `two thousand`;
//!   every other number (and anything with a leading zero) is spelled digit by digit
//!   (`2024` → `two zero two four`, `007` → `zero zero seven`), which is how digits
//!   are read out on the phone. Ordinals 1st–99th become words (`3rd` → `third`,
//!   `21st` → `twenty first`); larger ordinals are spelled digit by digit with the
//!   suffix dropped. `1,000` is one number; `3.5` is `three point five`; `10:30` is
//!   `ten thirty`; digits glued to letters are split (`10am` → `ten am`).
//!   `&` is `and`, `%` is `percent`.
//! * **Whisper spelling variants**: `okay`/`ok`/`o.k.` → `ok`; `alright` → `all right`;
//!   `gonna` → `going to`, `wanna` → `want to`, `gotta` → `got to`, `kinda` →
//!   `kind of`, `lemme` → `let me`, `dunno` → `do not know`; `mr` → `mister`, `mrs` →
//!   `missus`, `ms` → `miss`, `dr` → `doctor`; `e-mail` → `email`; `mm-hmm`/`mhm` →
//!   `mhm`, `umm`/`uhm` → `um`, `uhh` → `uh`, `hmmm` → `hmm`.
//! * **British/American**: `-ize`/`-yze` endings (and `-ized`, `-izing`, `-ization` …)
//!   are folded to `-ise`/`-yse` when at least three letters come before them
//!   (`hospitalized` → `hospitalised`, `apologize` → `apologise`, but `size` and
//!   `prize` are untouched), plus a short list of common pairs (`colour` → `color`,
//!   `cancelled` → `canceled`, `centre` → `center`, `enquiry` → `inquiry`, …).
//!
//! # Breaks
//!
//! * `.` `!` and the end of the text end a sentence ([`Break::Sentence`]); `?` ends a
//!   question ([`Break::Question`], which is also a sentence end).
//! * `,` `;` `:` dashes, an ellipsis (`...` or `…`: whisper uses it for trailing off
//!   mid-thought) and the word "but" (the break falls *before* "but") end a clause
//!   ([`Break::Clause`]).
//! * A dot after `mr`, `mrs`, `ms`, `dr`, `prof` is not a break. A dot after an
//!   initialism (`a.m.`, `e.g.`, `u.s.`) or after `etc`, `vs`, `jr`, `sr`, `st`, `dept`,
//!   `approx`, `ext`, `inc`, `ltd`, `corp`, `apt`, `ave` ends a sentence only when the
//!   next non-space character is an uppercase letter or the text ends.

use std::fmt;

/// The kind of boundary that follows a word. Ordered by strength:
/// `None < Clause < Sentence < Question`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Break {
    /// The next word continues the same clause.
    #[default]
    None,
    /// A clause ends here (`,` `;` `:` a dash, an ellipsis, or "but" follows).
    Clause,
    /// A sentence ends here (`.` `!` or the end of the text).
    Sentence,
    /// A question ends here (`?`). Also a sentence end.
    Question,
}

impl Break {
    /// True for every break: a sentence end also ends the clause.
    pub fn ends_clause(self) -> bool {
        self != Break::None
    }

    /// True for [`Break::Sentence`] and [`Break::Question`].
    pub fn ends_sentence(self) -> bool {
        matches!(self, Break::Sentence | Break::Question)
    }
}

/// Normalized transcript text: lowercase words and the [`Break`] after each one.
///
/// Built by [`normalize`]. Word indices are positions in [`NormalizedText::words`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizedText {
    words: Vec<String>,
    breaks: Vec<Break>,
}

impl NormalizedText {
    /// The normalized words, in order.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The break after each word (same length as [`NormalizedText::words`]). The last
    /// word is always followed by a sentence end.
    pub fn breaks(&self) -> &[Break] {
        &self.breaks
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The word at `index`, if any.
    pub fn word(&self, index: usize) -> Option<&str> {
        self.words.get(index).map(String::as_str)
    }

    /// The break after word `index`; [`Break::None`] when `index` is out of range.
    pub fn break_after(&self, index: usize) -> Break {
        self.breaks.get(index).copied().unwrap_or_default()
    }

    /// True when a clause break (or a sentence end) follows word `index`.
    pub fn clause_break_after(&self, index: usize) -> bool {
        self.break_after(index).ends_clause()
    }

    /// True when a sentence end (`.` `!` `?` or the end of the text) follows word `index`.
    pub fn sentence_break_after(&self, index: usize) -> bool {
        self.break_after(index).ends_sentence()
    }

    /// True when word `index` ends a question (`?`).
    pub fn question_after(&self, index: usize) -> bool {
        self.break_after(index) == Break::Question
    }

    /// The index one past the last word of the sentence that contains word `index`.
    /// Returns `len()` when `index` is out of range.
    pub fn sentence_end(&self, index: usize) -> usize {
        (index..self.len())
            .find(|&i| self.sentence_break_after(i))
            .map_or(self.len(), |i| i + 1)
    }

    /// The words from `end_word` up to and including the end of its sentence: what
    /// follows a match that ends (exclusively) at `end_word`. Empty when the match
    /// already ended the sentence or `end_word` is past the end.
    pub fn rest_of_sentence(&self, end_word: usize) -> &[String] {
        if end_word >= self.len() || (end_word > 0 && self.sentence_break_after(end_word - 1)) {
            return &[];
        }
        &self.words[end_word..self.sentence_end(end_word)]
    }

    /// Like [`NormalizedText::rest_of_sentence`] but stops at the first clause break.
    pub fn rest_of_clause(&self, end_word: usize) -> &[String] {
        if end_word >= self.len() || (end_word > 0 && self.clause_break_after(end_word - 1)) {
            return &[];
        }
        let end = (end_word..self.len())
            .find(|&i| self.clause_break_after(i))
            .map_or(self.len(), |i| i + 1);
        &self.words[end_word..end]
    }

    /// Iterates over `(word, break after it)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Break)> + '_ {
        self.words
            .iter()
            .map(String::as_str)
            .zip(self.breaks.iter().copied())
    }
}

impl fmt::Display for NormalizedText {
    /// Words separated by spaces, with `,` `.` `?` marking the breaks:
    /// `i am sorry, could you repeat that?`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (word, brk)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(word)?;
            match brk {
                Break::None => {}
                Break::Clause => f.write_str(",")?,
                Break::Sentence => f.write_str(".")?,
                Break::Question => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

/// Normalizes `text` into lowercase words and breaks. See the [module docs](self) for
/// every rule. Never panics; empty or punctuation-only input gives an empty result.
pub fn normalize(text: &str) -> NormalizedText {
    let chars: Vec<char> = text.chars().collect();
    let mut b = Builder::default();
    let mut cur = String::new();
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        if is_word_char(c) {
            cur.extend(c.to_lowercase());
            i += 1;
            continue;
        }
        if is_apostrophe(c) {
            // Keep an apostrophe only when a letter follows: inside a word (don't) or
            // leading ('cause). A trailing one (customers') just ends the word.
            if next.is_some_and(char::is_alphabetic) {
                cur.push('\'');
            }
            i += 1;
            continue;
        }
        match c {
            '-' | '\u{2010}' | '\u{2011}' => {
                let joined = prev.is_some_and(is_word_char) && next.is_some_and(is_word_char);
                b.flush(&mut cur);
                if !joined {
                    b.push_break(Break::Clause);
                }
            }
            '\u{2012}' | '\u{2013}' | '\u{2212}' => {
                // Figure dash, en dash, minus: a range between digits, else a dash.
                let range = prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|c| c.is_ascii_digit());
                b.flush(&mut cur);
                if !range {
                    b.push_break(Break::Clause);
                }
            }
            '\u{2014}' | '\u{2015}' | '\u{2026}' | '\u{22EF}' => {
                b.flush(&mut cur);
                b.push_break(Break::Clause);
            }
            '.' | '\u{FF0E}' => {
                i = dot(&chars, i, &mut cur, &mut b);
                continue;
            }
            ',' => {
                let thousands = prev.is_some_and(|p| p.is_ascii_digit())
                    && !cur.is_empty()
                    && (1..=3).all(|k| chars.get(i + k).is_some_and(char::is_ascii_digit))
                    && !chars.get(i + 4).is_some_and(char::is_ascii_digit);
                if !thousands {
                    b.flush(&mut cur);
                    b.push_break(Break::Clause);
                }
            }
            ':' => {
                let time = prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|c| c.is_ascii_digit());
                b.flush(&mut cur);
                if !time {
                    b.push_break(Break::Clause);
                }
            }
            ';' | '\u{FF0C}' | '\u{3001}' | '\u{FF1B}' | '\u{FF1A}' => {
                b.flush(&mut cur);
                b.push_break(Break::Clause);
            }
            '?' | '\u{FF1F}' | '\u{203D}' => {
                b.flush(&mut cur);
                b.push_break(Break::Question);
            }
            '!' | '\u{FF01}' | '\u{3002}' | '\u{FF61}' => {
                b.flush(&mut cur);
                b.push_break(Break::Sentence);
            }
            '&' => {
                b.flush(&mut cur);
                b.push_word("and".to_string());
            }
            '%' => {
                b.flush(&mut cur);
                b.push_word("percent".to_string());
            }
            _ => b.flush(&mut cur),
        }
        i += 1;
    }
    b.flush(&mut cur);
    b.finish()
}

/// Handles a `.` at `chars[i]`; returns the index to continue from.
fn dot(chars: &[char], i: usize, cur: &mut String, b: &mut Builder) -> usize {
    let prev = if i > 0 { Some(chars[i - 1]) } else { None };
    let next = chars.get(i + 1).copied();
    if prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|c| c.is_ascii_digit()) {
        b.flush(cur);
        b.push_word("point".to_string());
        return i + 1;
    }
    if !cur.is_empty() && prev.is_some_and(is_word_char) && next.is_some_and(is_word_char) {
        // a.m, e.g, o.k, example.com: the dot stays inside the word for now.
        cur.push('.');
        return i + 1;
    }
    let mut j = i;
    while j < chars.len() && (chars[j] == '.' || chars[j] == '\u{FF0E}') {
        j += 1;
    }
    let word = cur.clone();
    b.flush(cur);
    if j - i >= 2 {
        b.push_break(Break::Clause);
        return j;
    }
    if word.is_empty() {
        b.push_break(Break::Sentence);
        return j;
    }
    let brk = if matches!(word.as_str(), "mr" | "mrs" | "ms" | "dr" | "prof") {
        Break::None
    } else if word.contains('.')
        || matches!(
            word.as_str(),
            "etc"
                | "vs"
                | "jr"
                | "sr"
                | "st"
                | "dept"
                | "approx"
                | "ext"
                | "inc"
                | "ltd"
                | "corp"
                | "apt"
                | "ave"
        )
    {
        match chars[j..].iter().find(|c| !c.is_whitespace()) {
            None => Break::Sentence,
            Some(c) if c.is_uppercase() => Break::Sentence,
            Some(_) => Break::None,
        }
    } else {
        Break::Sentence
    };
    b.push_break(brk);
    j
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '\u{2032}' | '`'
    )
}

/// Letters, digits and combining marks (so decomposed accents stay inside a word).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_combining_mark(c: char) -> bool {
    matches!(
        c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
    )
}

#[derive(Default)]
struct Builder {
    words: Vec<String>,
    breaks: Vec<Break>,
}

impl Builder {
    fn flush(&mut self, cur: &mut String) {
        if !cur.is_empty() {
            let mut out = Vec::new();
            fold_raw_word(cur, &mut out);
            for w in out {
                self.push_word(w);
            }
            cur.clear();
        }
    }

    fn push_word(&mut self, word: String) {
        self.words.push(word);
        self.breaks.push(Break::None);
    }

    fn push_break(&mut self, brk: Break) {
        if let Some(last) = self.breaks.last_mut() {
            *last = (*last).max(brk);
        }
    }

    fn finish(self) -> NormalizedText {
        let mut words: Vec<String> = Vec::with_capacity(self.words.len());
        let mut breaks: Vec<Break> = Vec::with_capacity(self.breaks.len());
        for (w, brk) in self.words.into_iter().zip(self.breaks) {
            if let (Some(prev), Some(prev_brk)) = (words.last_mut(), breaks.last_mut()) {
                if *prev_brk == Break::None {
                    if let Some(joined) = join_pair(prev, &w) {
                        *prev = joined.to_string();
                        *prev_brk = brk;
                        continue;
                    }
                }
            }
            words.push(w);
            breaks.push(brk);
        }
        // "but" opens a new clause: the break falls on the word before it.
        for i in 1..words.len() {
            if words[i] == "but" {
                breaks[i - 1] = breaks[i - 1].max(Break::Clause);
            }
        }
        if let Some(last) = breaks.last_mut() {
            *last = (*last).max(Break::Sentence);
        }
        NormalizedText { words, breaks }
    }
}

/// Two-word spellings folded into one word.
fn join_pair(a: &str, b: &str) -> Option<&'static str> {
    Some(match (a, b) {
        ("e", "mail") => "email",
        ("e", "mails") => "emails",
        ("mm" | "m" | "mhm", "hmm") => "mhm",
        ("per", "cent") => "percent",
        ("o", "k") => "ok",
        _ => return None,
    })
}

/// Folds one raw (lowercased) word into zero or more normalized words.
fn fold_raw_word(raw: &str, out: &mut Vec<String>) {
    let w: String = raw.chars().filter(|&c| c != '.').collect();
    let mut pieces = Vec::new();
    if w.contains('\'') {
        expand_apostrophes(&w, &mut pieces);
    } else {
        pieces.push(w);
    }
    for p in pieces {
        fold_piece(&p, out, 0);
    }
}

/// Expands contractions in a word that contains apostrophes. The pieces returned
/// contain no apostrophes.
fn expand_apostrophes(word: &str, out: &mut Vec<String>) {
    let full: Option<&[&str]> = match word {
        "y'all" => Some(&["you", "all"]),
        "ma'am" => Some(&["madam"]),
        "'cause" | "'cos" | "'coz" => Some(&["because"]),
        "'em" => Some(&["them"]),
        "'til" | "'till" => Some(&["until"]),
        "'bout" => Some(&["about"]),
        "'round" => Some(&["around"]),
        "'n'" | "'n" => Some(&["and"]),
        _ => None,
    };
    if let Some(words) = full {
        out.extend(words.iter().map(|s| s.to_string()));
        return;
    }
    let mut base: &str = word.trim_start_matches('\'');
    let mut tail: Vec<&'static str> = Vec::new();
    for _ in 0..4 {
        if let Some(b) = base.strip_suffix("n't") {
            base = match b {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                "ai" => "is",
                _ => b,
            };
            tail.push("not");
        } else if let Some(b) = base.strip_suffix("'re") {
            base = b;
            tail.push("are");
        } else if let Some(b) = base.strip_suffix("'ve") {
            base = b;
            tail.push("have");
        } else if let Some(b) = base.strip_suffix("'ll") {
            base = b;
            tail.push("will");
        } else if let Some(b) = base.strip_suffix("'d") {
            base = b;
            tail.push("would");
        } else if let Some(b) = base.strip_suffix("'m") {
            base = b;
            tail.push("am");
        } else if let Some(b) = base.strip_suffix("'s") {
            base = b;
            if b == "let" {
                tail.push("us");
            } else if takes_is(b) {
                tail.push("is");
            }
            // otherwise possessive: dropped
        } else {
            break;
        }
    }
    let base: String = base.chars().filter(|&c| c != '\'').collect();
    if !base.is_empty() {
        out.push(base);
    }
    out.extend(tail.iter().rev().map(|s| s.to_string()));
}

/// Words after which `'s` means "is".
fn takes_is(base: &str) -> bool {
    matches!(
        base,
        "it" | "that"
            | "there"
            | "here"
            | "what"
            | "where"
            | "who"
            | "how"
            | "when"
            | "why"
            | "this"
            | "he"
            | "she"
            | "name"
            | "everything"
            | "everyone"
            | "everybody"
            | "something"
            | "someone"
            | "somebody"
            | "nothing"
            | "nobody"
            | "anything"
            | "anyone"
            | "anybody"
    )
}

/// Folds an apostrophe-free piece: variants, numbers, spelling.
fn fold_piece(piece: &str, out: &mut Vec<String>, depth: u8) {
    if !piece.chars().any(char::is_alphanumeric) {
        return;
    }
    if let Some(words) = variant(piece) {
        out.extend(words.iter().map(|s| s.to_string()));
        return;
    }
    if let Some(w) = filler(piece) {
        out.push(w.to_string());
        return;
    }
    if piece.chars().any(|c| c.is_ascii_digit()) && depth == 0 {
        fold_with_digits(piece, out);
        return;
    }
    if let Some(w) = british(piece) {
        out.push(w.to_string());
        return;
    }
    out.push(fold_ize(piece));
}

/// Splits a piece into digit and non-digit runs; digit runs become number words.
fn fold_with_digits(piece: &str, out: &mut Vec<String>) {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in piece.chars() {
        let d = c.is_ascii_digit();
        match runs.last_mut() {
            Some((is_d, s)) if *is_d == d => s.push(c),
            _ => runs.push((d, c.to_string())),
        }
    }
    let mut i = 0;
    while i < runs.len() {
        let (is_digit, ref s) = runs[i];
        if is_digit {
            let suffix = runs.get(i + 1).map(|(_, s)| s.as_str());
            if matches!(suffix, Some("st" | "nd" | "rd" | "th")) {
                ordinal_words(s, out);
                i += 2;
                continue;
            }
            number_words(s, out);
        } else {
            fold_piece(s, out, 1);
        }
        i += 1;
    }
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const ORD_ONES: [&str; 20] = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];
const ORD_TENS: [&str; 10] = [
    "",
    "",
    "twentieth",
    "thirtieth",
    "fortieth",
    "fiftieth",
    "sixtieth",
    "seventieth",
    "eightieth",
    "ninetieth",
];

/// Parses a run of ASCII digits without a leading zero, up to 4 digits.
fn small_value(digits: &str) -> Option<usize> {
    if digits.is_empty() || digits.len() > 4 || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    digits.parse().ok()
}

fn number_words(digits: &str, out: &mut Vec<String>) {
    let push = |out: &mut Vec<String>, s: &str| out.push(s.to_string());
    match small_value(digits) {
        Some(n) if n < 20 => push(out, ONES[n]),
        Some(n) if n < 100 => {
            push(out, TENS[n / 10]);
            if n % 10 != 0 {
                push(out, ONES[n % 10]);
            }
        }
        Some(n) if n < 1000 && n % 100 == 0 => {
            push(out, ONES[n / 100]);
            push(out, "hundred");
        }
        Some(n) if n % 1000 == 0 => {
            push(out, ONES[n / 1000]);
            push(out, "thousand");
        }
        _ => {
            for c in digits.chars() {
                if let Some(d) = c.to_digit(10) {
                    push(out, ONES[d as usize]);
                }
            }
        }
    }
}

fn ordinal_words(digits: &str, out: &mut Vec<String>) {
    match small_value(digits) {
        Some(n) if n < 20 => out.push(ORD_ONES[n].to_string()),
        Some(n) if n < 100 => {
            if n % 10 == 0 {
                out.push(ORD_TENS[n / 10].to_string());
            } else {
                out.push(TENS[n / 10].to_string());
                out.push(ORD_ONES[n % 10].to_string());
            }
        }
        _ => {
            for c in digits.chars() {
                if let Some(d) = c.to_digit(10) {
                    out.push(ONES[d as usize].to_string());
                }
            }
        }
    }
}

/// Whole-word spelling variants and apostrophe-less contractions.
fn variant(w: &str) -> Option<&'static [&'static str]> {
    Some(match w {
        "okay" | "ok" | "okey" | "okie" | "okeh" => &["ok"],
        "alright" | "allright" => &["all", "right"],
        "gonna" => &["going", "to"],
        "wanna" => &["want", "to"],
        "gotta" => &["got", "to"],
        "gotcha" => &["got", "you"],
        "kinda" => &["kind", "of"],
        "sorta" => &["sort", "of"],
        "outta" => &["out", "of"],
        "lotta" => &["lot", "of"],
        "lemme" => &["let", "me"],
        "gimme" => &["give", "me"],
        "dunno" => &["do", "not", "know"],
        "cannot" | "cant" => &["can", "not"],
        "wont" => &["will", "not"],
        "dont" => &["do", "not"],
        "doesnt" => &["does", "not"],
        "didnt" => &["did", "not"],
        "isnt" => &["is", "not"],
        "arent" => &["are", "not"],
        "wasnt" => &["was", "not"],
        "werent" => &["were", "not"],
        "havent" => &["have", "not"],
        "hasnt" => &["has", "not"],
        "hadnt" => &["had", "not"],
        "couldnt" => &["could", "not"],
        "wouldnt" => &["would", "not"],
        "shouldnt" => &["should", "not"],
        "mustnt" => &["must", "not"],
        "neednt" => &["need", "not"],
        "aint" => &["is", "not"],
        "im" => &["i", "am"],
        "ive" => &["i", "have"],
        "youre" => &["you", "are"],
        "youve" => &["you", "have"],
        "youll" => &["you", "will"],
        "theyre" => &["they", "are"],
        "theyve" => &["they", "have"],
        "thats" => &["that", "is"],
        "whats" => &["what", "is"],
        "theres" => &["there", "is"],
        "heres" => &["here", "is"],
        "wheres" => &["where", "is"],
        "shes" => &["she", "is"],
        "maam" => &["madam"],
        "mr" | "mister" => &["mister"],
        "mrs" | "missus" | "missis" => &["missus"],
        "ms" => &["miss"],
        "dr" => &["doctor"],
        "cuz" | "coz" => &["because"],
        "thru" => &["through"],
        "tho" => &["though"],
        "mhm" | "mmhm" | "mmhmm" | "mhmm" => &["mhm"],
        _ => return None,
    })
}

/// Hesitation sounds with a variable number of letters: `ummm` → `um`.
fn filler(w: &str) -> Option<&'static str> {
    let shape = |pattern: &[char]| -> bool {
        // w must be pattern[0]+ pattern[1]+ ... (each letter repeated at least once)
        let mut it = w.chars().peekable();
        for &p in pattern {
            if it.peek() != Some(&p) {
                return false;
            }
            while it.peek() == Some(&p) {
                it.next();
            }
        }
        it.next().is_none()
    };
    if shape(&['u', 'm']) || shape(&['u', 'h', 'm']) {
        Some("um")
    } else if shape(&['u', 'h']) {
        Some("uh")
    } else if shape(&['h', 'm']) {
        Some("hmm")
    } else if shape(&['m', 'h', 'm']) {
        Some("mhm")
    } else {
        None
    }
}

/// A short list of British spellings folded to the American one.
fn british(w: &str) -> Option<&'static str> {
    Some(match w {
        "colour" => "color",
        "colours" => "colors",
        "favour" => "favor",
        "favourite" => "favorite",
        "favourites" => "favorites",
        "behaviour" => "behavior",
        "honour" => "honor",
        "neighbour" => "neighbor",
        "neighbours" => "neighbors",
        "labour" => "labor",
        "centre" => "center",
        "centres" => "centers",
        "theatre" => "theater",
        "metre" => "meter",
        "metres" => "meters",
        "litre" => "liter",
        "litres" => "liters",
        "programme" => "program",
        "programmes" => "programs",
        "catalogue" => "catalog",
        "licence" => "license",
        "defence" => "defense",
        "offence" => "offense",
        "cancelled" => "canceled",
        "cancelling" => "canceling",
        "travelled" => "traveled",
        "travelling" => "traveling",
        "labelled" => "labeled",
        "enquiry" => "inquiry",
        "enquiries" => "inquiries",
        "enquire" => "inquire",
        "enquired" => "inquired",
        "judgement" => "judgment",
        "ageing" => "aging",
        "fulfil" => "fulfill",
        "instalment" => "installment",
        "instalments" => "installments",
        "cheque" => "check",
        "cheques" => "checks",
        _ => return None,
    })
}

/// `-ize` → `-ise` and `-yze` → `-yse` (with their inflections) when the stem is long
/// enough to rule out words like "size" and "prize".
fn fold_ize(w: &str) -> String {
    const IZE: [(&str, &str); 8] = [
        ("izations", "isations"),
        ("ization", "isation"),
        ("izing", "ising"),
        ("izers", "isers"),
        ("izer", "iser"),
        ("izes", "ises"),
        ("ized", "ised"),
        ("ize", "ise"),
    ];
    const YZE: [(&str, &str); 5] = [
        ("yzing", "ysing"),
        ("yzer", "yser"),
        ("yzes", "yses"),
        ("yzed", "ysed"),
        ("yze", "yse"),
    ];
    for (table, min_stem) in [(&IZE[..], 3), (&YZE[..], 2)] {
        for &(from, to) in table {
            if let Some(stem) = w.strip_suffix(from) {
                if stem.chars().count() >= min_stem && stem.chars().all(char::is_alphabetic) {
                    return format!("{stem}{to}");
                }
            }
        }
    }
    w.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        normalize(s).words().to_vec()
    }

    fn joined(s: &str) -> String {
        normalize(s).words().join(" ")
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert!(normalize("").is_empty());
        assert!(normalize("   ").is_empty());
        assert!(normalize("...?!,;:-—").is_empty());
        assert_eq!(normalize("").to_string(), "");
    }

    #[test]
    fn lowercases_and_strips_punctuation() {
        assert_eq!(joined("Hello, WORLD!"), "hello world");
        assert_eq!(joined("\"Quoted\" (words) [here]"), "quoted words here");
    }

    #[test]
    fn display_shows_breaks() {
        assert_eq!(
            normalize("I'm sorry, could you repeat that?").to_string(),
            "i am sorry, could you repeat that?"
        );
        assert_eq!(normalize("Yes. No").to_string(), "yes. no.");
    }

    #[test]
    fn contractions() {
        assert_eq!(joined("I'm"), "i am");
        assert_eq!(joined("I’m"), "i am");
        assert_eq!(joined("can't cannot"), "can not can not");
        assert_eq!(joined("won't"), "will not");
        assert_eq!(joined("don't doesn't isn't"), "do not does not is not");
        assert_eq!(
            joined("you're we've they'll she'd"),
            "you are we have they will she would"
        );
        assert_eq!(
            joined("it's that's there's what's he's she's"),
            "it is that is there is what is he is she is"
        );
        assert_eq!(joined("let's"), "let us");
        assert_eq!(joined("I'd've"), "i would have");
        assert_eq!(joined("shan't ain't"), "shall not is not");
        assert_eq!(joined("y'all ma'am"), "you all madam");
        assert_eq!(joined("'cause"), "because");
        assert_eq!(joined("my name's John"), "my name is john");
    }

    #[test]
    fn apostrophe_less_contractions() {
        assert_eq!(joined("dont cant wont im"), "do not can not will not i am");
        assert_eq!(joined("its well were"), "its well were");
    }

    #[test]
    fn possessives_and_other_apostrophes() {
        assert_eq!(joined("John's account"), "john account");
        assert_eq!(joined("the customers' accounts"), "the customers accounts");
        assert_eq!(joined("O'Brien"), "obrien");
        assert_eq!(joined("o'clock"), "oclock");
        assert_eq!(joined("'hello'"), "hello");
    }

    #[test]
    fn hyphens_split_words() {
        assert_eq!(joined("follow-up"), "follow up");
        assert_eq!(joined("twenty-one"), "twenty one");
        assert_eq!(joined("e-mail"), "email");
        assert_eq!(joined("mm-hmm"), "mhm");
        let t = normalize("I was - I was going");
        assert!(t.clause_break_after(1));
        let t = normalize("wait—what");
        assert_eq!(t.words(), ["wait", "what"]);
        assert!(t.clause_break_after(0));
        let t = normalize("well- no");
        assert!(t.clause_break_after(0));
    }

    #[test]
    fn numbers() {
        assert_eq!(joined("0 7 13 20"), "zero seven thirteen twenty");
        assert_eq!(joined("21 40 99"), "twenty one forty ninety nine");
        assert_eq!(joined("300 2000"), "three hundred two thousand");
        assert_eq!(joined("2024"), "two zero two four");
        assert_eq!(joined("007"), "zero zero seven");
        assert_eq!(joined("1,000"), "one thousand");
        assert_eq!(joined("3.5"), "three point five");
        assert_eq!(joined("10:30"), "ten thirty");
        assert_eq!(joined("10am"), "ten am");
        assert_eq!(joined("5 p.m."), "five pm");
        assert_eq!(joined("covid-19"), "covid nineteen");
        assert_eq!(joined("9–5"), "nine five");
    }

    #[test]
    fn ordinals() {
        assert_eq!(joined("1st 2nd 3rd 4th"), "first second third fourth");
        assert_eq!(joined("11th 12th 20th"), "eleventh twelfth twentieth");
        assert_eq!(
            joined("21st 22nd 23rd 31st"),
            "twenty first twenty second twenty third thirty first"
        );
        assert_eq!(joined("the 3rd of May"), "the third of may");
        assert_eq!(joined("100th"), "one zero zero");
    }

    #[test]
    fn number_and_word_forms_meet() {
        assert_eq!(words("twenty-first"), words("21st"));
        assert_eq!(words("twenty one"), words("21"));
        assert_eq!(words("first"), words("1st"));
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        let big = "9".repeat(200);
        assert_eq!(words(&big).len(), 200);
        let big_ord = format!("{}th", "1".repeat(50));
        assert_eq!(words(&big_ord).len(), 50);
    }

    #[test]
    fn whisper_variants() {
        assert_eq!(words("okay"), words("OK"));
        assert_eq!(words("o.k."), words("ok"));
        assert_eq!(joined("alright"), "all right");
        assert_eq!(joined("gonna wanna"), "going to want to");
        assert_eq!(joined("Mr. Smith"), "mister smith");
        assert_eq!(joined("Mrs. Smith"), "missus smith");
        assert_eq!(joined("Ms Jones"), "miss jones");
        assert_eq!(joined("Ummm uhh hmmm"), "um uh hmm");
        assert_eq!(words("mm hmm"), words("mhm"));
        assert_eq!(joined("50 % & more"), "fifty percent and more");
    }

    #[test]
    fn british_american() {
        assert_eq!(words("hospitalised"), words("hospitalized"));
        assert_eq!(words("apologise"), words("apologize"));
        assert_eq!(words("organization"), words("organisation"));
        assert_eq!(words("analyze"), words("analyse"));
        assert_eq!(words("colour"), words("color"));
        assert_eq!(words("cancelled"), words("canceled"));
        assert_eq!(joined("size prize seize"), "size prize seize");
    }

    #[test]
    fn clause_and_sentence_breaks() {
        let t = normalize("No, I'm fine; thanks: really. Why? Great!");
        // no, i am fine; thanks: really. why? great!
        assert_eq!(t.break_after(0), Break::Clause);
        assert_eq!(t.break_after(3), Break::Clause);
        assert_eq!(t.break_after(4), Break::Clause);
        assert_eq!(t.break_after(5), Break::Sentence);
        assert_eq!(t.break_after(6), Break::Question);
        assert!(t.question_after(6));
        assert_eq!(t.break_after(7), Break::Sentence);
        assert!(t.sentence_break_after(6));
        assert!(t.clause_break_after(5));
        assert!(!t.clause_break_after(1));
    }

    #[test]
    fn end_of_text_is_sentence_break() {
        let t = normalize("no punctuation here");
        assert_eq!(t.break_after(2), Break::Sentence);
        assert_eq!(t.break_after(99), Break::None);
    }

    #[test]
    fn but_is_a_clause_break() {
        let t = normalize("I'm not angry but upset");
        let i = t.words().iter().position(|w| w == "angry").unwrap();
        assert!(t.clause_break_after(i));
        assert!(t.words().contains(&"but".to_string()));
        // "but" at the very start has nothing before it.
        assert_eq!(normalize("but why").break_after(0), Break::None);
    }

    #[test]
    fn ellipsis_is_a_clause_break() {
        let t = normalize("I'm sorry... I'll fix that");
        assert_eq!(t.break_after(2), Break::Clause);
        let t = normalize("well… ok");
        assert_eq!(t.break_after(0), Break::Clause);
    }

    #[test]
    fn abbreviation_dots() {
        let t = normalize("Mr. Smith called. Dr. Who answered.");
        assert_eq!(t.to_string(), "mister smith called. doctor who answered.");
        let t = normalize("at 5 p.m. we close");
        assert!(!t.sentence_break_after(2));
        let t = normalize("at 5 p.m. Thanks");
        assert!(t.sentence_break_after(2));
        let t = normalize("apples etc. and pears");
        assert!(!t.sentence_break_after(1));
    }

    #[test]
    fn rest_of_sentence_and_clause() {
        let t = normalize("I'm sorry for the wait. Anyway, how can I help?");
        assert_eq!(t.rest_of_sentence(3), ["for", "the", "wait"]);
        assert!(t.rest_of_sentence(6).is_empty());
        assert_eq!(t.rest_of_sentence(7), ["how", "can", "i", "help"]);
        assert!(t.rest_of_sentence(100).is_empty());
        let t = normalize("Sorry, could you repeat that?");
        assert!(t.rest_of_clause(1).is_empty());
        assert_eq!(t.rest_of_sentence(1), ["could", "you", "repeat", "that"]);
        assert_eq!(t.sentence_end(0), 5);
    }

    #[test]
    fn unicode_is_handled() {
        assert_eq!(joined("Café José ZOË"), "café josé zoë");
        // decomposed accent stays in the word
        assert_eq!(words("cafe\u{301}").len(), 1);
        assert_eq!(joined("İstanbul"), "i\u{307}stanbul");
        assert_eq!(joined("日本語 テスト"), "日本語 テスト");
        assert_eq!(joined("emoji 😀 here"), "emoji here");
        assert_eq!(joined("ｈｅｌｌｏ！"), "ｈｅｌｌｏ");
    }

    #[test]
    fn fuzz_never_panics() {
        let samples = [
            "",
            "'",
            "''''",
            "'s",
            "n't",
            "'n'",
            "-",
            "- - -",
            "...",
            ".,.,.,",
            "1,",
            "1,0",
            "1,00",
            "1,000,",
            ",000",
            "1.",
            ".5",
            "5.",
            "1:",
            ":1",
            "st",
            "1st1st",
            "0th",
            "\u{301}\u{301}",
            "\u{0}\u{1}\u{7f}",
            "a\u{200d}b",
            "ß ǅ ﬃ",
            "\u{10FFFF}",
            "🏳️‍🌈",
            "؟ ١٢٣",
            "I'd've'd",
            "'''s's's",
            "can't't",
            "mr.",
            "Mr.",
            "a.",
            "a.b.",
            "..a..",
            "&%&%",
        ];
        for s in samples {
            let t = normalize(s);
            assert_eq!(t.words().len(), t.breaks().len(), "{s:?}");
            assert!(t.words().iter().all(|w| !w.is_empty()), "{s:?}");
            if let Some(b) = t.breaks().last() {
                assert!(b.ends_sentence());
            }
            let _ = t.to_string();
        }
        let huge = "Sorry, I'm — gonna 21st call-back! ".repeat(5_000);
        let t = normalize(&huge);
        assert!(t.len() > 40_000);
        let odd: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let _ = normalize(&odd);
    }
}
