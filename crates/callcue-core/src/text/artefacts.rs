//! Removal of whisper artefacts from transcripts.
//!
//! On silence, noise or hold music whisper invents text: sound annotations
//! (`[BLANK_AUDIO]`, `(music)`, `*laughs*`, `♪ … ♪`), endless repetition ("right,
//! right, right, right, …") and phrases learnt from subtitled videos ("Thanks for
//! watching!", "Subtitles by …"). [`clean_transcript`] removes them; [`clean`] does
//! the same and also reports what it removed, for statistics.
//!
//! # Steps
//!
//! 1. **Annotations** are removed with their content: `[…]`, `(…)`, `{…}`, `<…>`
//!    (whisper's `<|endoftext|>`), `*…*` (opening `*` followed by a non-space, closing
//!    `*` within 80 characters on the same line and preceded by a non-space; a lone
//!    `*` as in "press *" stays), and music notes `♪ ♫ ♬ ♩` with everything up to the
//!    next note. Brackets nest. An unmatched opening bracket or stray closing bracket
//!    is dropped on its own (the words after it are kept); an unmatched music note
//!    removes the rest of the text (lyrics run on). A `>>` speaker-change marker
//!    disappears with the stray `>`.
//! 2. **Spacing and punctuation**: whitespace is collapsed; punctuation left stranded
//!    by a removal ("Hello (laughs) , sure") is attached to the previous word or
//!    dropped when it would double up or start the text.
//! 3. **Runaway repetition**: the same word or n-gram of up to 6 words repeated 3 or
//!    more times in a row is kept once ("right, right, right, right" → "right").
//!    Words are compared case- and punctuation-insensitively; the copy kept is the
//!    first one, ending with the punctuation of the last one. Two repetitions ("no,
//!    no") are normal speech and stay, and so do repeated digits ("1 1 1", "one one
//!    one": read-out card and account numbers). Repeated until nothing changes, so
//!    nested repetition collapses too.
//! 4. **Video phrases**: a sentence that is only a video-subtitle phrase is removed
//!    wherever it occurs: "thank(s) (you) (so/very much) for watching", "please
//!    subscribe", "(please) like and subscribe", "subscribe to my channel", "don't forget
//!    to subscribe", "see you in the next video", and anything starting "subtitles by",
//!    "captions by", "transcribed by", "translated by" … or mentioning amara.org.
//!    Comparison uses [`normalize`].
//! 5. **Nothing left**: the result is `None` when no letter or digit remains, or when
//!    the whole remaining text is one of whisper's one-word silence fillers: "you" or
//!    "bye". A lone "Thank you." is a real phone phrase and is kept.

use super::normalize::normalize;

/// The longest n-gram (in words) checked for runaway repetition.
pub const MAX_REPEATED_NGRAM: usize = 6;

/// An n-gram repeated this many times in a row (or more) is collapsed.
pub const MIN_REPEATS: usize = 3;

/// The result of [`clean`]: the cleaned text and what was removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanedTranscript {
    /// The cleaned text, or `None` when nothing speech-like remains.
    pub text: Option<String>,
    /// Number of annotations (`[…]`, `(…)`, `*…*`, `♪…♪`, …) removed.
    pub annotations_removed: usize,
    /// Number of runaway repetitions collapsed to a single copy.
    pub repetitions_collapsed: usize,
    /// Number of artefact sentences removed (video phrases, and a whole text of
    /// "you" or "bye").
    pub artefacts_removed: usize,
}

impl CleanedTranscript {
    /// True when some runaway repetition was collapsed.
    pub fn collapsed_repetition(&self) -> bool {
        self.repetitions_collapsed > 0
    }

    /// True when the cleaned text differs from the raw text beyond trimming and
    /// spacing: something was removed or collapsed, or the text was dropped.
    pub fn changed(&self) -> bool {
        self.text.is_none()
            || self.annotations_removed > 0
            || self.repetitions_collapsed > 0
            || self.artefacts_removed > 0
    }
}

/// Cleans a raw whisper transcript; `None` when nothing speech-like remains. See the
/// [module docs](self) for every step.
pub fn clean_transcript(raw: &str) -> Option<String> {
    clean(raw).text
}

/// Like [`clean_transcript`], also reporting what was removed.
pub fn clean(raw: &str) -> CleanedTranscript {
    let mut result = CleanedTranscript::default();
    let (stripped, annotations) = strip_annotations(raw);
    result.annotations_removed = annotations;
    let tokens = attach_punctuation(stripped.split_whitespace());
    let (tokens, looped) = cut_looping_tail(tokens);
    let (tokens, collapsed) = collapse_repetition(tokens);
    result.repetitions_collapsed = collapsed + usize::from(looped);
    let (tokens, removed) = drop_video_sentences(tokens);
    result.artefacts_removed = removed;
    if !tokens.iter().any(|t| t.chars().any(char::is_alphanumeric)) {
        return result;
    }
    let text = tokens.join(" ");
    if is_silence_filler(&text) {
        result.artefacts_removed += 1;
        return result;
    }
    result.text = Some(text);
    result
}

/// `text` without a repeat at its end: a stretch of 2 or more words followed by a copy of
/// itself that runs to the end of the text, in full ("Could you spell that? Could you spell
/// that?") or cut off after 3 words or more. `None` when the text does not end so. Blocks
/// of digits or spelled digits are left alone (numbers are read out twice on purpose).
///
/// A repeated sentence can be real speech, so [`clean`] leaves it; the speech-to-text
/// screen cuts it only when the clip's voiced audio is too short to have held every word.
pub fn cut_repeated_tail(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let keys: Vec<String> = tokens.iter().map(|t| token_key(t)).collect();
    let len = keys.len();
    // The earliest start wins: it cuts the longest repeat.
    for start in 0..len {
        for n in 2..=(len - start) {
            let copy_len = len - start - n;
            if copy_len == 0 || copy_len > n || (copy_len < n && copy_len < 3) {
                continue;
            }
            let block = &keys[start..start + n];
            if keys[start + n..] == block[..copy_len] && !block.iter().all(|k| is_digit_key(k)) {
                return Some(tokens[..start + n].join(" "));
            }
        }
    }
    None
}

/// True when the whole of `text` is a known whisper artefact phrase: a video phrase
/// ("Thanks for watching!") or a one-word silence filler ("you", "bye").
pub fn is_artefact_phrase(text: &str) -> bool {
    let words = normalize(text).words().to_vec();
    !words.is_empty() && (is_video_phrase(&words) || is_silence_filler(text))
}

fn is_silence_filler(text: &str) -> bool {
    let n = normalize(text);
    matches!(n.words(), [w] if w == "you" || w == "bye")
}

fn closer_for(c: char) -> Option<char> {
    match c {
        '[' => Some(']'),
        '(' => Some(')'),
        '{' => Some('}'),
        '<' => Some('>'),
        _ => None,
    }
}

fn is_note(c: char) -> bool {
    matches!(c, '♪' | '♫' | '♬' | '♩')
}

/// For each opening bracket, the index of its closing bracket (same kind, nesting
/// respected), if any.
fn match_brackets(chars: &[char]) -> Vec<Option<usize>> {
    let mut closers = vec![None; chars.len()];
    let mut stacks: [Vec<usize>; 4] = Default::default();
    let kind = |c: char| match c {
        '[' | ']' => Some(0),
        '(' | ')' => Some(1),
        '{' | '}' => Some(2),
        '<' | '>' => Some(3),
        _ => None,
    };
    for (i, &c) in chars.iter().enumerate() {
        let Some(k) = kind(c) else { continue };
        if closer_for(c).is_some() {
            stacks[k].push(i);
        } else if let Some(open) = stacks[k].pop() {
            closers[open] = Some(i);
        }
    }
    closers
}

/// Removes annotations; returns the text (with spaces where annotations were) and
/// how many were removed.
fn strip_annotations(raw: &str) -> (String, usize) {
    const MAX_ASTERISK_SPAN: usize = 80;
    let chars: Vec<char> = raw.chars().collect();
    let n = chars.len();
    let closers = match_brackets(&chars);
    let mut out = String::with_capacity(raw.len());
    let mut count = 0;
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if closer_for(c).is_some() {
            out.push(' ');
            match closers[i] {
                Some(j) => {
                    count += 1;
                    i = j + 1;
                }
                None => i += 1, // unmatched opener: drop it alone
            }
            continue;
        }
        if matches!(c, ']' | ')' | '}' | '>') {
            out.push(' ');
            i += 1;
            continue;
        }
        if is_note(c) {
            let end = (i + 1..n).find(|&j| is_note(chars[j]));
            out.push(' ');
            count += 1;
            i = end.map_or(n, |j| j + 1);
            continue;
        }
        if c == '*' && chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) {
            let limit = (i + 2 + MAX_ASTERISK_SPAN).min(n);
            let end = (i + 2..limit)
                .take_while(|&j| chars[j] != '\n')
                .find(|&j| chars[j] == '*' && !chars[j - 1].is_whitespace());
            if let Some(j) = end {
                out.push(' ');
                count += 1;
                i = j + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    (out, count)
}

fn is_stranded_punct(token: &str) -> bool {
    token
        .chars()
        .all(|c| matches!(c, ',' | '.' | ';' | ':' | '?' | '!' | '\u{2026}'))
}

/// Attaches punctuation-only tokens (",", ".") to the word before them, dropping them
/// at the start or after other punctuation.
fn attach_punctuation<'a>(tokens: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokens {
        if is_stranded_punct(t) {
            if let Some(prev) = out.last_mut() {
                if prev.chars().last().is_some_and(char::is_alphanumeric) {
                    prev.push_str(t);
                }
            }
        } else {
            out.push(t.to_string());
        }
    }
    out
}

/// Comparison key of a token: lowercase letters and digits; the token itself when it
/// has none.
fn token_key(token: &str) -> String {
    let key: String = token
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if key.is_empty() {
        token.to_string()
    } else {
        key
    }
}

/// Digits and spelled digits repeat legitimately when numbers are read out.
fn is_digit_key(key: &str) -> bool {
    key.chars().all(|c| c.is_ascii_digit())
        || matches!(
            key,
            "zero" | "one" | "two" | "three" | "four" | "five" | "six" | "seven" | "eight" | "nine"
        )
}

/// Splits a token into its body and its trailing non-alphanumeric suffix.
fn split_trailing(token: &str) -> (&str, &str) {
    let body_end = token
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map_or(0, |(i, c)| i + c.len_utf8());
    token.split_at(body_end)
}

/// Whisper looping on a short clip writes its sentence again and again until its token
/// cap cuts it off: "Can you hear me? Can you hear me? Can you". When the text ends in a
/// run of three or more words that follows itself, and then either a third copy or a
/// cut-off start of one, everything after the first copy goes.
fn cut_looping_tail(tokens: Vec<String>) -> (Vec<String>, bool) {
    let keys: Vec<String> = tokens.iter().map(|t| token_key(t)).collect();
    let len = keys.len();
    for n in 3..=len / 2 {
        for start in 0..=len - 2 * n {
            let block = &keys[start..start + n];
            if &keys[start + n..start + 2 * n] != block {
                continue;
            }
            let tail = &keys[start + 2 * n..];
            let tail_continues_the_loop =
                !tail.is_empty() && tail.iter().zip(block.iter().cycle()).all(|(a, b)| a == b);
            if tail_continues_the_loop {
                let mut kept = tokens;
                kept.truncate(start + n);
                return (kept, true);
            }
        }
    }
    (tokens, false)
}

fn collapse_repetition(mut tokens: Vec<String>) -> (Vec<String>, usize) {
    let mut total = 0;
    // Each pass that changes something shortens the text, so this terminates; the
    // cap only bounds the work on adversarial input.
    for _ in 0..16 {
        let (next, collapsed) = collapse_pass(&tokens);
        tokens = next;
        total += collapsed;
        if collapsed == 0 {
            break;
        }
    }
    (tokens, total)
}

fn collapse_pass(tokens: &[String]) -> (Vec<String>, usize) {
    let keys: Vec<String> = tokens.iter().map(|t| token_key(t)).collect();
    let len = tokens.len();
    let mut out = Vec::with_capacity(len);
    let mut collapsed = 0;
    let mut i = 0;
    'outer: while i < len {
        for n in 1..=MAX_REPEATED_NGRAM {
            if i + MIN_REPEATS * n > len {
                break;
            }
            let block = &keys[i..i + n];
            let mut copies = 1;
            while i + (copies + 1) * n <= len
                && &keys[i + copies * n..i + (copies + 1) * n] == block
            {
                copies += 1;
            }
            if copies >= MIN_REPEATS && !block.iter().all(|k| is_digit_key(k)) {
                let first = &tokens[i..i + n];
                let last = &tokens[i + (copies - 1) * n..i + copies * n];
                out.extend(first[..n - 1].iter().cloned());
                let (body, _) = split_trailing(&first[n - 1]);
                let (_, tail) = split_trailing(&last[n - 1]);
                if body.is_empty() {
                    out.push(last[n - 1].clone());
                } else {
                    out.push(format!("{body}{tail}"));
                }
                collapsed += 1;
                i += copies * n;
                continue 'outer;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    (out, collapsed)
}

/// True when a token ends a sentence (`.` `?` `!` `…`, possibly followed by quotes).
fn ends_sentence(token: &str) -> bool {
    token
        .trim_end_matches(['"', '\'', '\u{201D}', '\u{2019}', ')', ']'])
        .ends_with(['.', '?', '!', '\u{2026}'])
}

fn drop_video_sentences(tokens: Vec<String>) -> (Vec<String>, usize) {
    let mut out = Vec::with_capacity(tokens.len());
    let mut removed = 0;
    let mut sentence: Vec<String> = Vec::new();
    let mut flush = |sentence: &mut Vec<String>, out: &mut Vec<String>| {
        if sentence.is_empty() {
            return;
        }
        let words = normalize(&sentence.join(" ")).words().to_vec();
        if is_video_phrase(&words) {
            removed += 1;
        } else {
            out.append(sentence);
        }
        sentence.clear();
    };
    for t in tokens {
        let end = ends_sentence(&t);
        sentence.push(t);
        if end {
            flush(&mut sentence, &mut out);
        }
    }
    flush(&mut sentence, &mut out);
    (out, removed)
}

/// Is this normalized sentence a phrase from video subtitles?
fn is_video_phrase(words: &[String]) -> bool {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    if w.is_empty() {
        return false;
    }
    // thank(s) (you) (so/very much) for watching
    if matches!(w.first(), Some(&("thank" | "thanks"))) && w.ends_with(&["for", "watching"]) {
        let middle = &w[1..w.len() - 2];
        if middle
            .iter()
            .all(|m| matches!(*m, "you" | "so" | "very" | "much" | "all" | "everyone"))
        {
            return true;
        }
    }
    const EXACT: &[&[&str]] = &[
        &["please", "subscribe"],
        &["subscribe"],
        &["like", "and", "subscribe"],
        &["please", "like", "and", "subscribe"],
        &["like", "comment", "and", "subscribe"],
        &["subscribe", "to", "my", "channel"],
        &["please", "subscribe", "to", "my", "channel"],
        &["do", "not", "forget", "to", "subscribe"],
        &["see", "you", "in", "the", "next", "video"],
        &["i", "will", "see", "you", "in", "the", "next", "video"],
    ];
    if EXACT.contains(&w.as_slice()) {
        return true;
    }
    let credit = matches!(
        w[0],
        "subtitles"
            | "subtitle"
            | "subtitled"
            | "subtitling"
            | "captions"
            | "captioning"
            | "captioned"
            | "transcribed"
            | "transcription"
            | "transcript"
            | "translated"
            | "translation"
    ) && w.get(1) == Some(&"by");
    credit || w.windows(2).any(|p| p == ["amara", "org"]) || w.contains(&"amaraorg")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<String> {
        clean_transcript(s)
    }

    #[test]
    fn plain_speech_is_kept() {
        assert_eq!(
            c("Hello, how can I help?").as_deref(),
            Some("Hello, how can I help?")
        );
        assert_eq!(c("  Thank you.  ").as_deref(), Some("Thank you."));
        assert_eq!(c("Thank you").as_deref(), Some("Thank you"));
        assert_eq!(c("No, no.").as_deref(), Some("No, no."));
        let r = clean("Hello there");
        assert!(!r.changed());
    }

    #[test]
    fn annotations_are_removed() {
        assert_eq!(c("[BLANK_AUDIO]"), None);
        assert_eq!(c("(music)"), None);
        assert_eq!(c("[Music]"), None);
        assert_eq!(c("*laughs*"), None);
        assert_eq!(c("♪ la la la ♪"), None);
        assert_eq!(c("♪♪"), None);
        assert_eq!(c("Hello [Music] there").as_deref(), Some("Hello there"));
        assert_eq!(c("Hello (laughs) , sure").as_deref(), Some("Hello, sure"));
        assert_eq!(c("*sighs* Fine. (coughs)").as_deref(), Some("Fine."));
        assert_eq!(c("[inaudible (static)] ok").as_deref(), Some("ok"));
        assert_eq!(c("<|endoftext|>Hi").as_deref(), Some("Hi"));
        let r = clean("[Music] hi (laughs) *sigh*");
        assert_eq!(r.annotations_removed, 3);
        assert_eq!(r.text.as_deref(), Some("hi"));
    }

    #[test]
    fn unmatched_brackets_and_asterisks() {
        assert_eq!(c("(upbeat music").as_deref(), Some("upbeat music"));
        assert_eq!(c("so) yes").as_deref(), Some("so yes"));
        assert_eq!(c("press * then 1").as_deref(), Some("press * then 1"));
        assert_eq!(c("press *1 please").as_deref(), Some("press *1 please"));
        assert_eq!(c("okay ♪ never gonna give you up").as_deref(), Some("okay"));
        assert_eq!(c(">> Hello").as_deref(), Some("Hello"));
    }

    #[test]
    fn repetition_is_collapsed() {
        assert_eq!(c("right, right, right, right").as_deref(), Some("right"));
        assert_eq!(c("Right, right, right.").as_deref(), Some("Right."));
        assert_eq!(c("I see. I see. I see. I see.").as_deref(), Some("I see."));
        assert_eq!(
            c("Okay, so the the the the thing is").as_deref(),
            Some("Okay, so the thing is")
        );
        assert_eq!(
            c("can you hear me now please can you hear me now please can you hear me now please")
                .as_deref(),
            Some("can you hear me now please")
        );
        let r = clean("yes yes yes and no no no");
        assert_eq!(r.text.as_deref(), Some("yes and no"));
        assert_eq!(r.repetitions_collapsed, 2);
        assert!(r.collapsed_repetition());
        assert!(r.changed());
    }

    #[test]
    fn repeated_digits_are_kept() {
        let s = "my card is 4 1 1 1 1 1 1 1, one one one one";
        assert_eq!(c(s).as_deref(), Some(s));
        assert_eq!(
            c("1111 1111 1111 1111").as_deref(),
            Some("1111 1111 1111 1111")
        );
        assert_eq!(c("the 1 the 1 the 1").as_deref(), Some("the 1"));
    }

    #[test]
    fn nested_repetition_collapses() {
        assert_eq!(c("a a a b a a a b a a a b").as_deref(), Some("a b"));
    }

    #[test]
    fn seven_word_ngrams_are_not_collapsed() {
        // (A run this long repeated up to the end of the text is a loop: see below.)
        let s = "a b c d e f g a b c d e f g a b c d e f g and then";
        assert_eq!(c(s).as_deref(), Some(s));
    }

    #[test]
    fn video_phrases_are_dropped() {
        assert_eq!(c("Thank you for watching!"), None);
        assert_eq!(c("Thanks for watching."), None);
        assert_eq!(c("Thank you so much for watching."), None);
        assert_eq!(c("Please subscribe."), None);
        assert_eq!(c("Subtitles by the Amara.org community"), None);
        assert_eq!(c("Transcribed by ESO, translated by —"), None);
        assert_eq!(
            c("Thank you for watching. Thank you for watching. Thank you for watching."),
            None
        );
        let r = clean("Yes, that works. Thanks for watching!");
        assert_eq!(r.text.as_deref(), Some("Yes, that works."));
        assert_eq!(r.artefacts_removed, 1);
        // A real request is not a video phrase.
        assert!(c("I want to subscribe to the premium plan.").is_some());
    }

    #[test]
    fn silence_fillers() {
        assert_eq!(c("you"), None);
        assert_eq!(c(" You. "), None);
        assert_eq!(c("you you you you"), None);
        assert_eq!(c("Bye."), None);
        assert!(c("Bye, thanks.").is_some());
        assert!(c("Thank you. Bye.").is_some());
        assert!(c("Are you there?").is_some());
    }

    #[test]
    fn punctuation_only_is_nothing() {
        for s in ["", "   ", "...", ".", "?", "-", "—", "…", "!!", "- -"] {
            assert_eq!(c(s), None, "{s:?}");
        }
    }

    #[test]
    fn is_artefact_phrase_checks_whole_text() {
        assert!(is_artefact_phrase("Thanks for watching!"));
        assert!(is_artefact_phrase("you"));
        assert!(!is_artefact_phrase("Thank you."));
        assert!(!is_artefact_phrase(""));
        assert!(!is_artefact_phrase("ok thanks for watching the kids"));
    }

    #[test]
    fn split_trailing_works() {
        assert_eq!(split_trailing("right,"), ("right", ","));
        assert_eq!(split_trailing("..."), ("", "..."));
        assert_eq!(split_trailing("é!"), ("é", "!"));
        assert_eq!(split_trailing(""), ("", ""));
    }

    #[test]
    fn fuzz_never_panics() {
        let inputs = [
            "[".to_string(),
            "]".into(),
            "((((".into(),
            "))))".into(),
            "[(])".into(),
            "*".into(),
            "**".into(),
            "* *".into(),
            "*a".into(),
            "a*".into(),
            "♪".into(),
            "<".into(),
            "\u{301}".into(),
            ", , , ,".into(),
            "🙂 🙂 🙂 🙂".into(),
            "*a ".repeat(10_000),
            "( ".repeat(10_000),
            "la ".repeat(100_000),
            "a b ".repeat(50_000),
            (0u32..0x2000).filter_map(char::from_u32).collect(),
        ];
        for s in &inputs {
            let r = clean(s);
            if let Some(t) = &r.text {
                assert!(!t.is_empty());
                assert_eq!(t.trim(), t);
            }
        }
        assert_eq!(c(&"la ".repeat(100_000)).as_deref(), Some("la"));
    }

    #[test]
    fn a_sentence_looping_to_the_token_cap_is_cut_to_one_copy() {
        for (looped, once) in [
            ("Can you hear me? Can you hear me? Can you hear me? Can you", "Can you hear me?"),
            (
                "This is the third time I have called. This is the third time I have called. This is the third time",
                "This is the third time I have called.",
            ),
            ("Okay. Let me pull up your account. Let me pull up your account. Let me", "Okay. Let me pull up your account."),
        ] {
            assert_eq!(clean_transcript(looped).as_deref(), Some(once), "{looped}");
        }
        // Said twice on purpose, with nothing cut off after: kept.
        let twice = "Thank you so much. Thank you so much.";
        assert_eq!(clean_transcript(twice).as_deref(), Some(twice));
    }

    #[test]
    fn a_repeat_at_the_end_is_found_whole_or_cut_off() {
        for (repeated, once) in [
            (
                "Could you spell that for me, please? Could you spell that for me, please?",
                "Could you spell that for me, please?",
            ),
            (
                "Thank you. Okay, so I see two cars on file, which one is it? Okay, so I see two",
                "Thank you. Okay, so I see two cars on file, which one is it?",
            ),
            (
                "Okay, we'd love to help. Um, we? Um, we?",
                "Okay, we'd love to help. Um, we?",
            ),
        ] {
            assert_eq!(
                cut_repeated_tail(repeated).as_deref(),
                Some(once),
                "{repeated}"
            );
        }
        for kept in [
            "My account number is 4 5 3 2 4 5 3 2",
            "one two one two",
            "No, no.",
            "I would like to speak to the manager please",
            "Hello there, how are you today?",
            "",
        ] {
            assert_eq!(cut_repeated_tail(kept), None, "{kept}");
        }
    }
}
