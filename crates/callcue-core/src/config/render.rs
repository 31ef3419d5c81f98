//! The documented TOML, laid out from the declarations: [`reference_toml`] (the shipped
//! `config/callcue.toml`, the built-in defaults) and [`Config::to_documented_toml`] (one
//! config's values, what `callcue config` prints). A header, then each section: its doc,
//! then each key with its doc, what it allows (`# allowed: 100 to 5000 ms`) and its value.
//! A section's sub-tables (the nudges) share one description of their keys, written once
//! before the first table; each table then has its own doc and bare values.
//!
//! Doc lines are written as declared, without rewrapping. Values are written so they
//! parse back to the same value: floats with the fewest digits that give back the same
//! `f32`, texts as escaped basic strings, a list on one line when it fits in
//! [`LIST_WIDTH`] columns and one item per line otherwise.

use super::declare::{Entry, Number, Value};
use super::Config;

/// The widest `key = [...]` line; longer lists are written one item per line.
const LIST_WIDTH: usize = 88;

const REFERENCE_HEADER: &str = "\
# callcue configuration.
#
# Every key is optional: a key left out keeps the value shown here (these are the
# built-in defaults). `callcue config --reference` prints this file as shipped,
# `callcue config` the settings in effect.
";

const EFFECTIVE_HEADER: &str = "\
# callcue configuration in effect: the config's layers laid over the built-in defaults
# (`callcue config --origin` says which layer gave each value). `callcue config
# --reference` prints the defaults, documented the same way.
";

const SHARED_HEADER: &str = "\
#
# Units are in the key names: _ms milliseconds, _db decibels, _dbfs decibels below full
# scale, _hz hertz, _semitones, _percent, _per_s per second. A value outside what its key
# allows (the `allowed:` line above it) is rejected, naming the key and what it allows.
#
# Layers, each laid over the one before, each setting only the keys it names: these
# defaults; the machine file /etc/callcue/callcue.toml (%ProgramData%\\callcue\\ on
# Windows, /Library/Application Support/callcue/ on macOS), which can lock keys with
# [lock] keys = [\"nudges.pause.enabled\", \"overlay.*\"]; the user's
# ~/.config/callcue/callcue.toml (%APPDATA%\\callcue\\ on Windows); --config FILE or
# $CALLCUE_CONFIG; then flags. A list can be extended: caller_loss_add = [\"...\"].
# `callcue config --origin` shows where each value came from; `callcue doctor` checks.
";

/// The shipped config file: every key with its doc, what it allows and its built-in
/// default. `config/callcue.toml` is exactly this (a test checks it); regenerate it with
/// `callcue config --reference > config/callcue.toml`.
pub fn reference_toml() -> String {
    render(&Config::default(), REFERENCE_HEADER)
}

impl Config {
    /// This config as TOML, documented as [`reference_toml`] is but with this config's
    /// values (what `callcue config` prints). Parses back to the same config.
    pub fn to_documented_toml(&self) -> String {
        render(self, EFFECTIVE_HEADER)
    }
}

fn render(config: &Config, header: &str) -> String {
    let mut out = format!("{header}{SHARED_HEADER}");
    for section in config.sections() {
        out.push_str(&format!("\n[{}]\n", section.name));
        comment(&mut out, section.doc);
        out.push('\n');
        for entry in &section.entries {
            comment(&mut out, entry.doc);
            if let Some(allowed) = entry.allowed.describe(entry.path.key) {
                out.push_str(&format!("# allowed: {allowed}\n"));
            }
            key_line(&mut out, entry);
        }
        if let Some(first) = section.tables.first() {
            out.push('\n');
            comment(&mut out, first.kind_doc);
            for entry in &first.entries {
                table_key_doc(&mut out, entry);
            }
        }
        for table in &section.tables {
            out.push_str(&format!("\n[{}.{}]\n", section.name, table.name));
            comment(&mut out, table.doc);
            for entry in &table.entries {
                key_line(&mut out, entry);
            }
        }
    }
    out
}

/// Doc lines as `#` comments (each line keeps the space `///` leaves before the text).
fn comment(out: &mut String, doc: &[&str]) {
    for line in doc {
        out.push_str(&format!("#{}\n", line.trim_end()));
    }
}

/// One key of a table kind in the shared description: `#   name: doc`, its further doc
/// lines and what it allows indented under it.
fn table_key_doc(out: &mut String, entry: &Entry<'_>) {
    let mut lines = entry.doc.iter().map(|line| line.trim());
    let first = lines.next().unwrap_or_default();
    out.push_str(&format!("#   {}: {first}\n", entry.path.key));
    for line in lines {
        out.push_str(&format!("#     {line}\n"));
    }
    if let Some(allowed) = entry.allowed.describe(entry.path.key) {
        out.push_str(&format!("#     allowed: {allowed}\n"));
    }
}

fn key_line(out: &mut String, entry: &Entry<'_>) {
    let key = entry.path.key;
    let inline = entry.value.to_toml();
    match entry.value {
        Value::List(items) if key.len() + 3 + inline.len() > LIST_WIDTH => {
            out.push_str(&format!("{key} = [\n"));
            for item in items {
                out.push_str(&format!("  {},\n", toml_string(item)));
            }
            out.push_str("]\n");
        }
        _ => out.push_str(&format!("{key} = {inline}\n")),
    }
}

impl Value<'_> {
    /// The value as a TOML value on one line.
    pub(crate) fn to_toml(self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Number(Number::Int(n)) => n.to_string(),
            Value::Number(Number::Float(x)) => toml_float(x),
            Value::Text(text) => toml_string(text),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(|item| toml_string(item)).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }
}

/// A float that parses back to the same `f32` and always reads as a float (`-55.0`,
/// `0.92`, `nan`, `inf`).
pub(super) fn toml_float(x: f32) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // The shortest text that gives back `x` as an f32; TOML readers parse it as an f64
    // first, and in the rare case that rounds differently, the f64 of `x` is written.
    let mut text = x.to_string();
    if text.parse::<f64>().map(|y| y as f32) != Ok(x) {
        text = format!("{:?}", f64::from(x));
    }
    if !text.contains(['.', 'e', 'E']) {
        text.push_str(".0");
    }
    text
}

/// A TOML basic string: `"` and `\` escaped, control characters as escapes.
pub(super) fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
