//! Masking of card and account numbers in transcript text.
//!
//! [`mask_digit_runs`] hides long digit sequences before a transcript is logged or
//! shown. A *run* is a sequence of ASCII digits in which single spaces or single
//! hyphens may separate groups (`4111 1111 1111 1111`, `12-34-5678-90`,
//! `555-123-4567`). A run with [`MIN_MASKED_DIGITS`] (6) or more digits in total has
//! every digit except the last [`KEPT_DIGITS`] (4) replaced by `*`; the separators stay.
//!
//! Decisions:
//! * Runs of 5 or fewer digits are kept: times ("10 30"), counts ("3 times"), years
//!   ("2024"), 5-digit zip codes, short reference numbers.
//! * Only a *single* space or hyphen joins groups; a comma, a dot, two spaces or
//!   " - " end the run, so amounts such as "1,234,567" and decimals are untouched.
//! * Consequence: short numbers read out back to back merge into one run, so `in 2023
//!   2024` becomes `in **** 2024`, and phone numbers and
//!   all-digit dates ("12-05-2024") are masked too. Over-masking is the safe side.
//! * Digits glued to letters still count: `A12345678` → `A****5678`.
//! * Only ASCII digits are recognised. Non-digit characters are never altered, and the
//!   output has exactly as many characters as the input.

/// Runs with at least this many digits are masked.
pub const MIN_MASKED_DIGITS: usize = 6;

/// How many trailing digits of a masked run stay visible.
pub const KEPT_DIGITS: usize = 4;

/// Replaces all but the last 4 digits of every digit run of 6 or more digits with `*`.
/// See the [module docs](self) for what counts as a run.
///
/// `card 4111 1111 1111 1234, thanks` becomes `card **** **** **** 1234, thanks`;
/// `I called 3 times in 2024` is returned unchanged.
pub fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    let n = chars.len();
    let mut i = 0;
    let mut digits: Vec<usize> = Vec::new();
    while i < n {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        digits.clear();
        let mut j = i;
        loop {
            while j < n && chars[j].is_ascii_digit() {
                digits.push(j);
                j += 1;
            }
            let joins = j + 1 < n && matches!(chars[j], ' ' | '-') && chars[j + 1].is_ascii_digit();
            if joins {
                j += 1;
            } else {
                break;
            }
        }
        if digits.len() >= MIN_MASKED_DIGITS {
            for &p in &digits[..digits.len() - KEPT_DIGITS] {
                out[p] = '*';
            }
        }
        i = j;
    }
    out.into_iter().collect()
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
