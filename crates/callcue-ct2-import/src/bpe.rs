//! GPT-2 byte-level BPE token text back to raw bytes, and vocabulary file parsing.
//!
//! GPT-2 (and Whisper) tokenizers store each token's bytes as text by mapping every
//! byte to a printable character: the bytes `!`..=`~`, `¡`..=`¬` and `®`..=`ÿ` stand for
//! themselves, and the 68 remaining bytes (0..=32, 127..=160, 173), in ascending order,
//! become U+0100, U+0101, ... So a leading space shows up as `Ġ` (U+0120) and the
//! UTF-8 bytes of `’` (E2 80 99) as `âĢĻ`. [`decode_token`] inverts that table.
//!
//! CTranslate2 saves the vocabulary either as `vocabulary.txt` (one token per line)
//! or as `vocabulary.json` (a JSON array of strings); both are parsed here.

/// Number of bytes that the GPT-2 table moves to U+0100 and up.
const SHIFTED_BYTE_COUNT: usize = 68;

/// Whether `b` is one of the bytes the GPT-2 table maps to its own code point.
const fn is_printable_byte(b: u8) -> bool {
    matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// The bytes that are not printable, ascending: entry `n` is shown as U+0100 + n.
const SHIFTED_BYTES: [u8; SHIFTED_BYTE_COUNT] = {
    let mut table = [0u8; SHIFTED_BYTE_COUNT];
    let mut n = 0;
    let mut b = 0usize;
    while b < 256 {
        if !is_printable_byte(b as u8) {
            table[n] = b as u8;
            n += 1;
        }
        b += 1;
    }
    table
};

/// Maps one character of GPT-2 byte-level text back to its byte.
pub fn char_to_byte(c: char) -> Option<u8> {
    let cp = u32::from(c);
    if let Ok(b) = u8::try_from(cp) {
        return is_printable_byte(b).then_some(b);
    }
    let n = usize::try_from(cp.checked_sub(0x100)?).ok()?;
    SHIFTED_BYTES.get(n).copied()
}

/// Maps a byte to the character GPT-2 byte-level text shows it as.
pub fn byte_to_char(b: u8) -> char {
    if is_printable_byte(b) {
        return char::from(b);
    }
    let n = SHIFTED_BYTES.iter().position(|x| *x == b).unwrap_or(0);
    char::from_u32(0x100 + n as u32).unwrap_or('\u{100}')
}

/// Decodes one token's byte-level text (e.g. `Ġthe`) to its raw bytes (` the`).
/// Returns `None` if the text holds a character outside the GPT-2 byte table.
pub fn decode_token(text: &str) -> Option<Vec<u8>> {
    text.chars().map(char_to_byte).collect()
}

/// Splits `vocabulary.txt` contents into token strings, one per line.
/// A final newline does not start an extra token; a CR before a newline is dropped.
pub fn parse_vocabulary_txt(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect()
}

/// Parses `vocabulary.json` contents: a JSON array of strings.
/// On failure returns the byte offset and a description of the problem.
pub fn parse_vocabulary_json(text: &str) -> Result<Vec<String>, (usize, String)> {
    let mut p = JsonCursor {
        s: text.as_bytes(),
        i: 0,
    };
    p.skip_ws();
    p.expect(b'[')?;
    let mut out = Vec::new();
    p.skip_ws();
    if p.peek() == Some(b']') {
        p.i += 1;
    } else {
        loop {
            p.skip_ws();
            out.push(p.string()?);
            p.skip_ws();
            match p.next() {
                Some(b',') => continue,
                Some(b']') => break,
                _ => return Err((p.i, "expected ',' or ']'".into())),
            }
        }
    }
    p.skip_ws();
    if p.i != p.s.len() {
        return Err((p.i, "unexpected text after the array".into()));
    }
    Ok(out)
}

/// Minimal JSON scanner for an array of strings.
struct JsonCursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonCursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, want: u8) -> Result<(), (usize, String)> {
        match self.next() {
            Some(b) if b == want => Ok(()),
            _ => Err((self.i, format!("expected '{}'", char::from(want)))),
        }
    }

    fn string(&mut self) -> Result<String, (usize, String)> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            match self.next() {
                None => return Err((self.i, "unterminated string".into())),
                Some(b'"') => break,
                Some(b'\\') => self.escape(&mut out)?,
                Some(b) => out.push(b),
            }
        }
        String::from_utf8(out).map_err(|_| (self.i, "string is not UTF-8".into()))
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), (usize, String)> {
        let c = match self.next() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape()?,
            _ => return Err((self.i, "bad escape".into())),
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, (usize, String)> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| (self.i, "bad \\u escape".to_string()))?;
        self.i += 4;
        Ok(digits)
    }

    /// Decodes the part after `\u`, joining UTF-16 surrogate pairs.
    fn unicode_escape(&mut self) -> Result<char, (usize, String)> {
        let hi = self.hex4()?;
        let cp = if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                return Err((self.i, "unpaired surrogate".into()));
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err((self.i, "unpaired surrogate".into()));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(cp).ok_or_else(|| (self.i, "invalid code point".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_a_bijection() {
        let mut seen = std::collections::HashSet::new();
        for b in 0..=255u8 {
            let c = byte_to_char(b);
            assert!(seen.insert(c));
            assert_eq!(char_to_byte(c), Some(b), "byte {b}");
        }
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        assert_eq!(byte_to_char(0), '\u{100}');
        assert_eq!(byte_to_char(0xAD), '\u{143}');
    }

    #[test]
    fn decodes_known_tokens() {
        assert_eq!(decode_token("Ġthe").as_deref(), Some(&b" the"[..]));
        assert_eq!(decode_token("âĢĻ").as_deref(), Some("\u{2019}".as_bytes()));
        assert_eq!(decode_token("ĊĊ").as_deref(), Some(&b"\n\n"[..]));
        assert_eq!(decode_token("").as_deref(), Some(&b""[..]));
        // Characters outside the table are rejected, not guessed.
        assert_eq!(decode_token("<|endoftext|>").map(|v| v.len()), Some(13));
        assert_eq!(decode_token("a\u{2019}"), None);
        assert_eq!(decode_token(" "), None);
    }

    #[test]
    fn parses_txt_lines() {
        assert_eq!(parse_vocabulary_txt("a\nĠb\n"), vec!["a", "Ġb"]);
        assert_eq!(parse_vocabulary_txt("a\r\nb"), vec!["a", "b"]);
        assert!(parse_vocabulary_txt("").is_empty());
        assert_eq!(parse_vocabulary_txt("\n"), vec![""]);
    }

    #[test]
    fn parses_json_arrays() {
        let v = parse_vocabulary_json(r#" ["!", "\"", "\u0120the", "\ud83d\ude00", "a\\b"] "#)
            .expect("valid");
        assert_eq!(v, vec!["!", "\"", "Ġthe", "\u{1F600}", "a\\b"]);
        assert_eq!(
            parse_vocabulary_json("[]").expect("empty"),
            Vec::<String>::new()
        );
        for bad in [
            "",
            "[",
            "[\"a\"",
            "[\"a\",]",
            "[1]",
            "[\"\\ud800\"]",
            "[\"a\"] x",
            "[\"\\u12\"]",
        ] {
            assert!(parse_vocabulary_json(bad).is_err(), "{bad:?}");
        }
    }
}
