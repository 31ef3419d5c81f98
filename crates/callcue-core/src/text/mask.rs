//! Masking of card and account numbers in transcript text.
//!
//! [`mask_digit_runs`] hides long digit sequences before a transcript is logged or
//! shown. A *run* is a sequence of digits, ASCII or spelled ("four", "zero": how whisper
//! writes a number read out slowly), joined by at most one separator each: a space, a
//! hyphen, a dot, or a comma or dot followed by a space (`4111 1111 1111 1111`,
//! `12-34-5678-90`, `4532, 0151, 1283, 0366` read in four breaths, `4.5.3.2.0.1`, `four
//! five three two zero one`). A run with [`MIN_MASKED_DIGITS`] (6) or more digits in total
//! has every digit except the last [`KEPT_DIGITS`] (4) replaced by `*` (a spelled digit by
//! as many `*` as it has letters); the separators stay.
//!
//! Decisions:
//! * Runs of 5 or fewer digits are kept: times ("10 30"), counts ("3 times"), years
//!   ("2024"), 5-digit zip codes, short reference numbers, and a lone "one" or "two" in a
//!   sentence.
//! * A comma or two spaces without a space after the comma (`1,234,567`) end the run, so
//!   amounts are untouched; decimals such as "3.50" are too short to mask.
//! * Consequence: short numbers read out back to back merge into one run, so `in 2023
//!   2024` becomes `in **** 2024`, and phone numbers and all-digit dates
//!   ("12-05-2024") are masked too. Over-masking is the safe side.
//! * Digits glued to letters still count: `A12345678` → `A****5678`; a spelled digit
//!   counts only as a whole word.
//! * Non-digit characters are never altered, and the output has exactly as many
//!   characters as the input.

/// Runs with at least this many digits are masked.
pub const MIN_MASKED_DIGITS: usize = 6;

/// How many trailing digits of a masked run stay visible.
pub const KEPT_DIGITS: usize = 4;

/// Spelled digits, as whisper writes them.
const DIGIT_WORDS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// Replaces all but the last 4 digits of every digit run of 6 or more digits with `*`.
/// See the [module docs](self) for what counts as a run.
///
/// `card 4111 1111 1111 1234, thanks` becomes `card **** **** **** 1234, thanks`;
/// `I called 3 times in 2024` is returned unchanged.
pub fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    for run in digit_runs(&chars) {
        if run.len() >= MIN_MASKED_DIGITS {
            hide_digits(&mut out, &run[..run.len() - KEPT_DIGITS]);
        }
    }
    out.into_iter().collect()
}

/// The `(start, end)` char span of one digit (an ASCII digit or a spelled one).
pub type DigitSpan = (usize, usize);

/// Every run of digits in `chars` (see the [module docs](self)), each as its digits'
/// spans in order.
pub fn digit_runs(chars: &[char]) -> Vec<Vec<DigitSpan>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some(first_end) = digit_at(chars, i) else {
            i += 1;
            continue;
        };
        let mut run = vec![(i, first_end)];
        let mut end = first_end;
        while let Some((next, next_end)) = joined_digit(chars, end) {
            run.push((next, next_end));
            end = next_end;
        }
        runs.push(run);
        i = end;
    }
    runs
}

/// The digits of `run` as ASCII ('4' for "four").
pub fn digit_values(chars: &[char], run: &[DigitSpan]) -> String {
    run.iter()
        .map(|&(start, end)| {
            if end == start + 1 && chars[start].is_ascii_digit() {
                return chars[start];
            }
            let word: String = chars[start..end]
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
            let value = DIGIT_WORDS.iter().position(|w| *w == word).unwrap_or(0);
            char::from(b'0' + value as u8)
        })
        .collect()
}

/// Replaces the characters of each digit in `digits` with `*`.
pub fn hide_digits(chars: &mut [char], digits: &[DigitSpan]) {
    for &(start, end) in digits {
        for c in &mut chars[start..end] {
            *c = '*';
        }
    }
}

/// The end of the digit starting at `i`: an ASCII digit, or a spelled digit that is a
/// whole word.
fn digit_at(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i)?.is_ascii_digit() {
        return Some(i + 1);
    }
    if i > 0 && chars[i - 1].is_alphanumeric() {
        return None;
    }
    DIGIT_WORDS.iter().find_map(|word| {
        let end = i + word.len();
        let matches = end <= chars.len()
            && chars[i..end]
                .iter()
                .zip(word.chars())
                .all(|(c, w)| c.to_ascii_lowercase() == w)
            && chars.get(end).is_none_or(|c| !c.is_alphanumeric());
        matches.then_some(end)
    })
}

/// The next digit of a run that reached `end`: right after it (ASCII digits), or after one
/// separator.
fn joined_digit(chars: &[char], end: usize) -> Option<(usize, usize)> {
    let glued = chars.get(end).is_some_and(char::is_ascii_digit) && chars[end - 1].is_ascii_digit();
    if glued {
        return Some((end, end + 1));
    }
    let separator_len = match (chars.get(end), chars.get(end + 1)) {
        (Some(',' | '.'), Some(' ')) => 2,
        (Some(' ' | '-' | '.'), _) => 1,
        _ => return None,
    };
    let next = end + separator_len;
    digit_at(chars, next).map(|next_end| (next, next_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_card_numbers() {
        assert_eq!(
            mask_digit_runs("4111 1111 1111 1234"),
            "**** **** **** 1234"
        );
        assert_eq!(mask_digit_runs("4111111111111234"), "************1234");
        assert_eq!(
            mask_digit_runs("my card is 4111-1111-1111-1234."),
            "my card is ****-****-****-1234."
        );
    }

    #[test]
    fn numbers_read_in_breaths_dots_and_words_are_runs() {
        assert_eq!(
            mask_digit_runs("4532, 0151, 1283, 0366"),
            "****, ****, ****, 0366"
        );
        assert_eq!(
            mask_digit_runs("It's 4.5.3.2.0.1.5.1."),
            "It's *.*.*.*.0.1.5.1."
        );
        assert_eq!(
            mask_digit_runs("Four five three two, zero one five one"),
            "**** **** ***** ***, zero one five one"
        );
        assert_eq!(
            mask_digit_runs("four 5 three 2 zero 1"),
            "**** * three 2 zero 1"
        );
        // Not runs: amounts, decimals, a lone spelled digit, digits inside words.
        for kept in [
            "$1,234,567.89",
            "it was 3.50 last time",
            "one more thing: two questions",
            "someone gave ninety-nine",
            "Fourier fiveish",
        ] {
            assert_eq!(mask_digit_runs(kept), kept);
        }
    }

    #[test]
    fn last_four_digits_span_groups() {
        assert_eq!(mask_digit_runs("12-34-5678-90"), "**-**-**78-90");
        assert_eq!(mask_digit_runs("1 2 3 4 5 6"), "* * 3 4 5 6");
    }

    #[test]
    fn six_digits_is_the_threshold() {
        assert_eq!(mask_digit_runs("123456"), "**3456");
        assert_eq!(mask_digit_runs("12345"), "12345");
        assert_eq!(mask_digit_runs("123 45"), "123 45");
        assert_eq!(mask_digit_runs("123 456"), "**3 456");
    }

    #[test]
    fn short_numbers_are_kept() {
        let s = "I called 3 times since 2024, at 10:30, zip 90210, order 4411.";
        assert_eq!(mask_digit_runs(s), s);
        assert_eq!(mask_digit_runs("$1,234,567.89"), "$1,234,567.89");
        assert_eq!(mask_digit_runs("12  34  56  78"), "12  34  56  78");
        assert_eq!(mask_digit_runs("1234 - 5678"), "1234 - 5678");
    }

    #[test]
    fn phone_numbers_and_glued_digits() {
        assert_eq!(mask_digit_runs("call 555-123-4567"), "call ***-***-4567");
        assert_eq!(mask_digit_runs("ref A12345678B"), "ref A****5678B");
    }

    #[test]
    fn separators_at_edges_are_kept() {
        assert_eq!(mask_digit_runs("-123456-"), "-**3456-");
        assert_eq!(mask_digit_runs(" 123456 "), " **3456 ");
        assert_eq!(mask_digit_runs("123456 abc"), "**3456 abc");
    }

    #[test]
    fn non_digits_never_change() {
        let s = "Café ٣٣٣٣٣٣٣ １２３４５６７ – no ASCII digits here ✓";
        assert_eq!(mask_digit_runs(s), s);
        assert_eq!(mask_digit_runs(""), "");
    }

    #[test]
    fn fuzz_never_panics() {
        for s in [
            "1",
            "-",
            " ",
            "1-",
            "-1",
            "1 ",
            "1-1-1-1-1-1-",
            "١٢٣٤٥٦٧",
            "🙂123456🙂",
        ] {
            let masked = mask_digit_runs(s);
            assert_eq!(masked.chars().count(), s.chars().count());
        }
        let huge = "1 ".repeat(100_000);
        let masked = mask_digit_runs(&huge);
        assert_eq!(masked.chars().filter(|&c| c == '1').count(), 4);
        let mixed = "ab12 ".repeat(50_000);
        assert_eq!(mask_digit_runs(&mixed), mixed);
    }
}
