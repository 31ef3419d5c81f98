//! Pure functions over transcript text: normalization, phrase matching, names,
//! masking, whisper-artefact cleanup and word error rate.
//!
//! Everything here is `std`-only, allocation-light, and never panics, whatever the
//! input (odd Unicode, empty strings, huge repetitions).
//!
//! * [`normalize()`] turns text into lowercase words with clause and sentence breaks.
//!   It is the common ground: phrase lists, transcripts and reference texts all go
//!   through it, so "I’m SORRY!" meets the phrase "i am sorry".
//! * [`PhraseList`] finds configured phrases (whole words, `*` wildcard) and marks
//!   negated matches ("I'm not upset"); [`bare_apology`] spots an apology with
//!   nothing after it.
//! * [`caller_name`] finds the caller's name in an introduction in the raw
//!   transcript; [`mentions_name`] checks whether a name is used later.
//! * [`mask_digit_runs`] hides card and account numbers in one transcript;
//!   [`NumberGuard`] across a call's transcripts (numbers read in breaths, read back).
//! * [`clean_transcript`] / [`clean`] remove whisper's inventions: sound
//!   annotations, runaway repetition, "thanks for watching".
//! * [`word_error_rate`] scores a transcript against a reference.
//!
//! A typical pipeline for one whisper segment: [`clean_transcript`] →
//! [`NumberGuard`] (masking, before anything shows or logs it) → [`normalize()`] →
//! [`PhraseList::find`].

pub mod artefacts;
pub mod mask;
pub mod names;
pub mod normalize;
pub mod numbers;
pub mod phrases;
pub mod wer;

pub use artefacts::{
    clean, clean_transcript, cut_repeated_tail, is_artefact_phrase, CleanedTranscript,
};
pub use mask::mask_digit_runs;
pub use names::{caller_name, mentions_name};
pub use normalize::{normalize, Break, NormalizedText};
pub use numbers::{NumberGuard, SpokenText};
pub use phrases::{
    bare_apology, is_negated, PhraseError, PhraseList, PhraseMatch, APOLOGY_PHRASES, NEGATORS,
};
pub use wer::{word_error_counts, word_error_rate, WerCounts};
