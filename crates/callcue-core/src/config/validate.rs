//! [`Config::validate`]: every key against what its declaration allows (walking the
//! declared entries, so no key can be left out), then the few rules across keys that are
//! not a range, written by hand here and naming their keys with `key!` (a renamed key
//! fails to compile here). Stops at the first problem: one error, one line.

use std::path::Path;

use super::declare::{Allowed, Entry, Value};
use super::{key, Config, ConfigError};
use crate::text::{PhraseError, PhraseList};

/// An HTTP header written `Name: value` (`fleet.otlp_headers`), split into its name and
/// value; `None` unless the name is an HTTP token and the value is there, on one line.
pub fn http_header(text: &str) -> Option<(&str, &str)> {
    let (name, value) = text.split_once(':')?;
    let (name, value) = (name.trim(), value.trim());
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    let name_ok = !name.is_empty() && name.chars().all(token_char);
    let value_ok = !value.is_empty() && !value.chars().any(|c| c.is_control());
    (name_ok && value_ok).then_some((name, value))
}

impl Config {
    /// Checks every value against what its key allows, and the rules across keys.
    pub fn validate(&self, origin: &Path) -> Result<(), ConfigError> {
        for section in self.sections() {
            for entry in section.all_entries() {
                if let Err((value, allowed)) = check(entry) {
                    return Err(refused(origin, entry.path.as_static(), value, allowed));
                }
            }
        }
        self.check_across_keys(origin)
    }

    /// The rules that span keys and are not a range of one key.
    fn check_across_keys(&self, origin: &Path) -> Result<(), ConfigError> {
        let audio = &self.audio;
        if audio.agent_channel == audio.caller_channel {
            return Err(refused(
                origin,
                key!(audio.caller_channel),
                audio.caller_channel.to_string(),
                format!("a channel other than {}", key!(audio.agent_channel)),
            ));
        }
        let stt = &self.stt;
        if stt.model.trim().is_empty() && stt.model_path.trim().is_empty() {
            return Err(refused(
                origin,
                key!(stt.model),
                "\"\"".into(),
                format!(
                    "a model name such as \"tiny.en\", or {}",
                    key!(stt.model_path)
                ),
            ));
        }
        if stt.model.contains(['/', '\\']) {
            return Err(refused(
                origin,
                key!(stt.model),
                format!("{:?}", stt.model),
                format!(
                    "a model name such as \"tiny.en\" (put file paths in {})",
                    key!(stt.model_path)
                ),
            ));
        }
        self.check_otlp(origin)
    }

    /// The collector's address and headers, and the daily files it sends from.
    fn check_otlp(&self, origin: &Path) -> Result<(), ConfigError> {
        let fleet = &self.fleet;
        let endpoint = fleet.otlp_endpoint.trim();
        if endpoint.is_empty() {
            return Ok(());
        }
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(refused(
                origin,
                key!(fleet.otlp_endpoint),
                format!("{endpoint:?}"),
                "an http:// or https:// address, e.g. \"http://collector.example.com:4318\"".into(),
            ));
        }
        if !fleet.save_summaries {
            return Err(refused(
                origin,
                key!(fleet.otlp_endpoint),
                format!("{endpoint:?}"),
                format!(
                    "\"\" while {} is false (the daily files are what is sent)",
                    key!(fleet.save_summaries)
                ),
            ));
        }
        for header in &fleet.otlp_headers {
            if http_header(header).is_none() {
                return Err(refused(
                    origin,
                    key!(fleet.otlp_headers),
                    format!("{header:?}"),
                    "headers written \"Name: value\"".into(),
                ));
            }
        }
        Ok(())
    }
}

/// One key against its declaration: `Err((value as shown, what is allowed))`.
fn check(entry: &Entry<'_>) -> Result<(), (String, String)> {
    let key = entry.path.key;
    let allowed = || entry.allowed.describe_with_values(key).unwrap_or_default();
    match (&entry.allowed, entry.value) {
        (Allowed::Any, _) => Ok(()),
        (Allowed::Range(low, high), Value::Number(n)) => {
            if n.within(low.number(), high.number()) {
                Ok(())
            } else {
                Err((n.to_string(), allowed()))
            }
        }
        (Allowed::OneOf(options), value) => {
            let written = value.to_toml();
            if options.contains(&written) {
                Ok(())
            } else {
                Err((written, allowed()))
            }
        }
        (Allowed::Phrases, Value::List(phrases)) => match PhraseList::new(phrases) {
            Ok(_) => Ok(()),
            Err(PhraseError::Empty { index, phrase } | PhraseError::NoWords { index, phrase }) => {
                Err((
                    format!("[..., {phrase:?} (#{index}), ...]"),
                    "phrases with at least one word each".into(),
                ))
            }
        },
        (Allowed::ShortText(max), Value::Text(text)) => {
            if text.trim().is_empty() {
                Err(("\"\"".into(), "a non-empty text".into()))
            } else if text.chars().count() > *max {
                Err((
                    format!("{text:?}"),
                    format!("at most {max} characters (one glance)"),
                ))
            } else {
                Ok(())
            }
        }
        // A rule declared on a type it does not fit (a range on a text): refused, so the
        // declaration is fixed; the tests load every default.
        (_, value) => Err((value.to_toml(), allowed())),
    }
}

fn refused(origin: &Path, key: &'static str, value: String, allowed: String) -> ConfigError {
    ConfigError::OutOfRange {
        path: origin.to_path_buf(),
        key,
        value,
        allowed,
    }
}
