//! The declaration behind every config key: [`section!`] turns one list of keys, each
//! with its doc, type, default and what it allows, into the section's struct, its
//! `Default`, and the [`Entry`] list that validation (`validate.rs`) and the renderer
//! (`render.rs`) walk. Nothing else lists the keys.
//!
//! A key line reads `name: type = default, rule;` under its `///` doc:
//!
//! * `range(LOW..=HIGH)`: a number from LOW to HIGH, both included. A bound may also be
//!   another key of the same section (`range(0.0..=threshold)`), checked against that
//!   key's value; the bounds must have the key's type (`0.0` for an `f32`).
//! * `one_of(A, B, ...)`: exactly one of these values (numbers or texts).
//! * `phrases()`: a phrase list; every phrase needs a word ([`crate::text::PhraseList`]).
//! * `short_text(N)`: a text of 1 to N characters, read at a glance.
//! * no rule: any value of the type (switches, free text, paths, plain lists).
//!
//! The unit comes from the key's name ([`unit_of`]). Rules that span keys and are not a
//! range (two keys that must differ, say) are written by hand in `validate.rs`, naming
//! keys with `key!` so a renamed key fails to compile there.
//!
//! A section may end with `tables Type { ... }`: one sub-table `[section.name]` per line,
//! each of `Type`, declared with `section! { table Type { ... } }` (keys without defaults:
//! each table line gives its own). The nudges use this, one table per nudge.
//!
//! Limits: key types are `u8`, `u16`, `u32`, `i32`, `usize`, `f32`, `bool`, `String` and
//! `Vec<String>` (a default is written as a number, `true`, `"text"` or `["a", "b"]`);
//! a unit cannot be declared apart from the key's name; a range bound is a literal or one
//! other key of the same section or table. A rule on a type it does not fit (`phrases()`
//! on a number) is caught by the tests, which load every default, not by the compiler.

use std::fmt;
use std::sync::{Mutex, PoisonError};

/// Declares a config section (or, with `table`, the keys of a sub-table). See the
/// module doc for the key syntax; `analysis.rs` has plain examples.
macro_rules! section {
    (
        $(#[doc = $section_doc:literal])*
        [$section:ident] $Struct:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $default:expr $(, $rule:ident $args:tt)? ;
            )*
        }
        $(
            tables $Table:ident {
                $(
                    $(#[doc = $table_doc:literal])*
                    $table:ident = $table_default:expr ;
                )*
            }
        )?
    ) => {
        $(#[doc = $section_doc])*
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $Struct {
            $( $(#[doc = $doc])* pub $field: $ty, )*
            $($( $(#[doc = $table_doc])* pub $table: $Table, )*)?
        }

        impl Default for $Struct {
            fn default() -> Self {
                Self {
                    $( $field: $crate::config::declare::FromDeclared::declared($default), )*
                    $($( $table: $table_default, )*)?
                }
            }
        }

        impl $crate::config::declare::Section for $Struct {
            const NAME: &'static str = stringify!($section);

            fn view(&self) -> $crate::config::declare::SectionView<'_> {
                let at = $crate::config::declare::Prefix {
                    section: stringify!($section),
                    table: None,
                };
                $crate::config::declare::SectionView {
                    name: stringify!($section),
                    doc: &[$($section_doc),*],
                    entries: vec![$(
                        $crate::config::declare::Entry {
                            path: at.key(stringify!($field)),
                            doc: &[$($doc),*],
                            value: $crate::config::declare::KeyType::value(&self.$field),
                            allowed: $crate::config::declare::allowed!(
                                self, at, $ty, $($rule $args)?
                            ),
                        },
                    )*],
                    tables: vec![$($(
                        $crate::config::declare::SubTable {
                            name: stringify!($table),
                            doc: &[$($table_doc),*],
                            kind_doc: <$Table as $crate::config::declare::Table>::DOC,
                            entries: $crate::config::declare::Table::entries(
                                &self.$table,
                                at.table(stringify!($table)),
                            ),
                        },
                    )*)?],
                }
            }
        }
    };
    (
        $(#[doc = $table_doc:literal])*
        table $Table:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty $(, $rule:ident $args:tt)? ;
            )*
        }
    ) => {
        $(#[doc = $table_doc])*
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $Table {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl $crate::config::declare::Table for $Table {
            const DOC: &'static [&'static str] = &[$($table_doc),*];

            fn entries(
                &self,
                at: $crate::config::declare::Prefix,
            ) -> Vec<$crate::config::declare::Entry<'_>> {
                vec![$(
                    $crate::config::declare::Entry {
                        path: at.key(stringify!($field)),
                        doc: &[$($doc),*],
                        value: $crate::config::declare::KeyType::value(&self.$field),
                        allowed: $crate::config::declare::allowed!(
                            self, at, $ty, $($rule $args)?
                        ),
                    },
                )*]
            }
        }
    };
}
pub(crate) use section;

/// The [`Allowed`] of one key line's rule (`section!`'s helper).
macro_rules! allowed {
    ($this:ident, $at:ident, $ty:ty, ) => {
        $crate::config::declare::Allowed::Any
    };
    ($this:ident, $at:ident, $ty:ty, range($low:literal ..= $high:literal)) => {
        $crate::config::declare::Allowed::Range(
            $crate::config::declare::bound!($ty, $low),
            $crate::config::declare::bound!($ty, $high),
        )
    };
    ($this:ident, $at:ident, $ty:ty, range($low:literal ..= $high:ident)) => {
        $crate::config::declare::Allowed::Range(
            $crate::config::declare::bound!($ty, $low),
            $crate::config::declare::bound!($ty, $this, $at, $high),
        )
    };
    ($this:ident, $at:ident, $ty:ty, range($low:ident ..= $high:literal)) => {
        $crate::config::declare::Allowed::Range(
            $crate::config::declare::bound!($ty, $this, $at, $low),
            $crate::config::declare::bound!($ty, $high),
        )
    };
    ($this:ident, $at:ident, $ty:ty, one_of($($option:literal),+ $(,)?)) => {
        $crate::config::declare::Allowed::OneOf(vec![$(
            $crate::config::declare::KeyType::value(
                &<$ty as $crate::config::declare::FromDeclared<_>>::declared($option),
            )
            .to_toml(),
        )+])
    };
    ($this:ident, $at:ident, $ty:ty, phrases()) => {
        $crate::config::declare::Allowed::Phrases
    };
    ($this:ident, $at:ident, $ty:ty, short_text($max:literal)) => {
        $crate::config::declare::Allowed::ShortText($max)
    };
}
pub(crate) use allowed;

/// One bound of a range: a literal of the key's type, or another key of the same type.
macro_rules! bound {
    ($ty:ty, $literal:literal) => {
        $crate::config::declare::Bound::Fixed($crate::config::declare::Numeric::number(&{
            let bound: $ty = $literal;
            bound
        }))
    };
    ($ty:ty, $this:ident, $at:ident, $key:ident) => {
        $crate::config::declare::Bound::Key(
            $at.key(stringify!($key)),
            $crate::config::declare::Numeric::number(&{
                let bound: $ty = $this.$key;
                bound
            }),
        )
    };
}
pub(crate) use bound;

/// A declared section: its name (its table in the file, its field in `Config`) and a
/// view of its keys with their current values.
pub(crate) trait Section {
    const NAME: &'static str;
    fn view(&self) -> SectionView<'_>;
}

/// A declared sub-table type (such as a nudge's rule): its doc and its keys' entries.
pub(crate) trait Table {
    const DOC: &'static [&'static str];
    fn entries(&self, at: Prefix) -> Vec<Entry<'_>>;
}

/// One section's declaration together with one config's values.
pub(crate) struct SectionView<'a> {
    pub name: &'static str,
    /// Doc lines as written after `///` (each with its leading space).
    pub doc: &'static [&'static str],
    pub entries: Vec<Entry<'a>>,
    /// Sub-tables (`[nudges.pause]`, ...), all of one type; empty for most sections.
    pub tables: Vec<SubTable<'a>>,
}

impl SectionView<'_> {
    /// The section's keys and then its tables' keys.
    pub fn all_entries(&self) -> impl Iterator<Item = &Entry<'_>> {
        self.entries
            .iter()
            .chain(self.tables.iter().flat_map(|table| &table.entries))
    }
}

/// One sub-table of a section, such as `[nudges.pause]`.
pub(crate) struct SubTable<'a> {
    pub name: &'static str,
    pub doc: &'static [&'static str],
    /// The doc of the table's type: what every table of this kind holds.
    pub kind_doc: &'static [&'static str],
    pub entries: Vec<Entry<'a>>,
}

/// One key: its declaration and its value in one config.
pub(crate) struct Entry<'a> {
    pub path: KeyPath,
    pub doc: &'static [&'static str],
    pub value: Value<'a>,
    pub allowed: Allowed,
}

/// Where keys live: a section, or a table in a section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prefix {
    pub section: &'static str,
    pub table: Option<&'static str>,
}

impl Prefix {
    pub fn key(self, key: &'static str) -> KeyPath {
        KeyPath { at: self, key }
    }

    pub fn table(self, table: &'static str) -> Prefix {
        Prefix {
            table: Some(table),
            ..self
        }
    }
}

/// A key's full name, `section.key` or `section.table.key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KeyPath {
    pub at: Prefix,
    /// The key's own name, as its line in the file sets it.
    pub key: &'static str,
}

impl KeyPath {
    /// The full name as a `&'static str`, as `ConfigError` keeps it. Joined once per key
    /// and kept for the life of the program: at most one string per declared key.
    pub fn as_static(self) -> &'static str {
        static JOINED: Mutex<Vec<(KeyPath, &'static str)>> = Mutex::new(Vec::new());
        let mut joined = JOINED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, name)) = joined.iter().find(|(path, _)| *path == self) {
            return name;
        }
        let name: &'static str = Box::leak(self.to_string().into_boxed_str());
        joined.push((self, name));
        name
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at.table {
            Some(table) => write!(f, "{}.{table}.{}", self.at.section, self.key),
            None => write!(f, "{}.{}", self.at.section, self.key),
        }
    }
}

/// What a key allows, from its declaration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Allowed {
    /// Any value of the key's type.
    Any,
    /// A number from the first bound to the second, both included.
    Range(Bound, Bound),
    /// One of these values, as TOML writes them (`20`, `"dark"`).
    OneOf(Vec<String>),
    /// A phrase list whose every phrase has a word.
    Phrases,
    /// A text of 1 to this many characters.
    ShortText(usize),
}

impl Allowed {
    /// What is allowed, in words, as the shipped file and error messages say it
    /// (`100 to 5000 ms`); a bound that is another key is named (its value is not).
    pub fn describe(&self, key: &str) -> Option<String> {
        self.describe_with(key, |bound| match bound {
            Bound::Fixed(n) => n.to_string(),
            Bound::Key(path, _) => path.to_string(),
        })
    }

    /// As [`Allowed::describe`], with the current value of a bound that is another key:
    /// `0 to caller_frustration.threshold (0.5)`.
    pub fn describe_with_values(&self, key: &str) -> Option<String> {
        self.describe_with(key, |bound| match bound {
            Bound::Fixed(n) => n.to_string(),
            Bound::Key(path, n) => format!("{path} ({n})"),
        })
    }

    fn describe_with(&self, key: &str, bound: impl Fn(&Bound) -> String) -> Option<String> {
        let unit = unit_of(key);
        match self {
            Allowed::Any | Allowed::Phrases => None,
            Allowed::Range(low, high) => Some(format!("{} to {}{unit}", bound(low), bound(high))),
            Allowed::OneOf(options) => {
                let mut text = match options.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                };
                if !unit.is_empty() {
                    text.push_str(&format!(" ({})", unit.trim_start()));
                }
                Some(text)
            }
            Allowed::ShortText(max) => Some(format!("1 to {max} characters (one glance)")),
        }
    }
}

/// A range's bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Bound {
    Fixed(Number),
    /// Another key, with its value in the config at hand.
    Key(KeyPath, Number),
}

impl Bound {
    pub fn number(self) -> Number {
        match self {
            Bound::Fixed(n) | Bound::Key(_, n) => n,
        }
    }
}

/// A numeric key's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Int(i128),
    Float(f32),
}

impl Number {
    /// Whether `self` lies from `low` to `high`; a float that is not finite never does.
    pub fn within(self, low: Number, high: Number) -> bool {
        match (self, low, high) {
            (Number::Int(n), Number::Int(low), Number::Int(high)) => low <= n && n <= high,
            (Number::Float(x), Number::Float(low), Number::Float(high)) => {
                x.is_finite() && low <= x && x <= high
            }
            // A bound of another type cannot be declared (`bound!` types it as the key).
            _ => false,
        }
    }
}

impl fmt::Display for Number {
    /// As error messages show numbers: `2` for 2.0, `0.92`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A key's value as validation and the renderer see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Value<'a> {
    Bool(bool),
    Number(Number),
    Text(&'a str),
    List(&'a [String]),
}

/// The types a key can have.
pub(crate) trait KeyType {
    fn value(&self) -> Value<'_>;
}

/// The key types a range applies to.
pub(crate) trait Numeric: KeyType {
    fn number(&self) -> Number;
}

macro_rules! integer_keys {
    ($($ty:ty),*) => {$(
        impl KeyType for $ty {
            fn value(&self) -> Value<'_> {
                Value::Number(self.number())
            }
        }

        impl Numeric for $ty {
            fn number(&self) -> Number {
                // Lossless: every key type is at most 64 bits wide.
                Number::Int(*self as i128)
            }
        }
    )*};
}
integer_keys!(u8, u16, u32, i32, usize);

impl KeyType for f32 {
    fn value(&self) -> Value<'_> {
        Value::Number(self.number())
    }
}

impl Numeric for f32 {
    fn number(&self) -> Number {
        Number::Float(*self)
    }
}

impl KeyType for bool {
    fn value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl KeyType for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl KeyType for Vec<String> {
    fn value(&self) -> Value<'_> {
        Value::List(self)
    }
}

/// A declared default as the key's type: a number or switch as written, `"text"` as a
/// `String`, `["a", "b"]` as a `Vec<String>`.
pub(crate) trait FromDeclared<D> {
    fn declared(declared: D) -> Self;
}

impl<T> FromDeclared<T> for T {
    fn declared(declared: T) -> Self {
        declared
    }
}

impl FromDeclared<&str> for String {
    fn declared(declared: &str) -> Self {
        declared.to_string()
    }
}

impl<const N: usize> FromDeclared<[&str; N]> for Vec<String> {
    fn declared(declared: [&str; N]) -> Self {
        declared.iter().map(|item| item.to_string()).collect()
    }
}

/// The unit a key's name ends in (`_ms` is " ms"), or "" for none.
pub(crate) fn unit_of(key: &str) -> &'static str {
    const UNITS: [(&str, &str); 7] = [
        ("_ms", " ms"),
        ("_dbfs", " dBFS"),
        ("_db", " dB"),
        ("_hz", " Hz"),
        ("_semitones", " semitones"),
        ("_percent", " %"),
        ("_per_s", " per second"),
    ];
    UNITS
        .iter()
        .find(|(suffix, _)| key.ends_with(suffix))
        .map_or("", |(_, unit)| unit)
}
