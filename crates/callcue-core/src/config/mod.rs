//! Configuration: every threshold, cooldown, text and on/off switch callcue uses.
//!
//! Every key is declared once, with its doc, type, default and what it allows, in its
//! section's `section!` declaration (`analysis.rs`, `speech.rs`, `live.rs`, `nudges.rs`;
//! the syntax is in `declare.rs`). From that one declaration come the section's struct
//! field and its `Default`, the check at load time ([`Config::validate`]), the shipped
//! `config/callcue.toml` ([`reference_toml`]) and what `callcue config` prints
//! ([`Config::to_documented_toml`]).
//!
//! ```text
//! section! {
//!     /// Turn-taking across the two channels. (The comment under `[turns]`.)
//!     [turns] TurnsConfig {
//!         /// ... both then talk at once this long ... (The comment above the key.)
//!         min_overlap_ms: u32 = 600, range(100..=5000);
//!     }
//! }
//! ```
//!
//! * Adding a key: one line with its `///` doc in its section's declaration. Then
//!   regenerate the shipped file: `callcue config --reference > config/callcue.toml`, or
//!   without building the program, `CALLCUE_UPDATE_CONFIG=1 cargo test -p callcue-core
//!   shipped_file`. A test fails while the file differs from what the declarations give.
//! * Adding a section: a `section!` declaration and its line in the `config!` list below
//!   (the list's order is the file's order).
//! * Adding a nudge: one row in [`crate::for_each_nudge`], with its doc and default rule.
//! * Retiring a key: remove its declaration and add a row to `RETIRED` in `load.rs`; a
//!   file that still sets it then loads, with a warning naming what replaced it.
//! * A rule across keys that is not a range (two keys that must differ): by hand in
//!   `validate.rs`, naming keys with `key!`, so renaming a key breaks the build there
//!   instead of silently dropping the check.
//!
//! Keys carry their unit in their name (`min_overlap_ms`, `loudness_rise_db`). A file
//! only needs the keys it changes: everything else keeps its built-in default. Loading is
//! strict: an unknown key, a wrong type or a value a key does not allow is a
//! [`ConfigError`] that names the key, the value and what is allowed. A retired key is
//! dropped with a warning ([`Config::load_with_warnings`]).
//!
//! The config in effect comes in layers ([`load_layered`], `layers.rs`): the built-in
//! defaults, the machine file (`/etc/callcue/callcue.toml`; it can lock keys), the user
//! file (`~/.config/callcue/callcue.toml` on Linux, `%APPDATA%\callcue\callcue.toml` on
//! Windows, `~/Library/Application Support/callcue/callcue.toml` on macOS), `--config` or
//! `$CALLCUE_CONFIG`, then command-line flags; each sets only the keys it names.

use std::fmt;

use serde::{Deserialize, Serialize};

use declare::Section;

mod analysis;
mod declare;
mod layers;
mod live;
mod load;
mod nudges;
mod render;
mod speech;
#[cfg(test)]
mod tests;
mod validate;

pub use analysis::{
    AgentEnergyConfig, AgentPaceConfig, AudioConfig, CallerFrustrationConfig, ProsodyConfig,
    TurnsConfig, VadConfig,
};
pub use layers::{
    load_layered, machine_config_path, pattern_matches, user_config_path, ConfigFiles, FlagSetting,
    Layered, Origin, SYSTEM_CONFIG_VAR,
};
pub use live::{
    AgentProfileConfig, BleedConfig, CallsConfig, CaptureConfig, FleetConfig, OverlayConfig,
    PrivacyConfig, StreamConfig,
};
pub use load::{ConfigError, MAX_CONFIG_BYTES};
pub use nudges::{NudgeRule, NudgesConfig};
pub use render::reference_toml;
pub use speech::{SttConfig, WordsConfig};
pub use validate::http_header;

/// A key's full name, `section.key`, as a `&'static str` checked against [`Config`]: a
/// renamed or removed key fails to compile where it is named. For the hand-written
/// checks across keys and the table of retired keys.
macro_rules! key {
    ($section:ident . $key:ident) => {{
        #[allow(dead_code)]
        fn declared(config: &$crate::config::Config) {
            let _ = &config.$section.$key;
        }
        concat!(stringify!($section), ".", stringify!($key))
    }};
}
pub(crate) use key;

/// Declares [`Config`] from its sections, in the order the file shows them, and checks
/// at compile time that each field is named as its section declares itself.
macro_rules! config {
    ($($section:ident: $Struct:ident,)*) => {
        /// The whole configuration: one table per section.
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Config {
            $(pub $section: $Struct,)*
        }

        $(const _: () = assert!(
            same_name(<$Struct as Section>::NAME, stringify!($section)),
            concat!("the field for ", stringify!($Struct), " must have its section's name"),
        );)*

        impl Config {
            /// Every section with this config's values, in the file's order.
            pub(crate) fn sections(&self) -> Vec<declare::SectionView<'_>> {
                vec![$(self.$section.view(),)*]
            }
        }
    };
}

config! {
    audio: AudioConfig,
    vad: VadConfig,
    turns: TurnsConfig,
    prosody: ProsodyConfig,
    caller_frustration: CallerFrustrationConfig,
    agent_pace: AgentPaceConfig,
    agent_energy: AgentEnergyConfig,
    stt: SttConfig,
    words: WordsConfig,
    privacy: PrivacyConfig,
    agent_profile: AgentProfileConfig,
    capture: CaptureConfig,
    calls: CallsConfig,
    bleed: BleedConfig,
    overlay: OverlayConfig,
    stream: StreamConfig,
    fleet: FleetConfig,
    nudges: NudgesConfig,
}

/// `a == b`, at compile time.
const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Display for Config {
    /// The effective config as documented TOML (for `callcue config`): see
    /// [`Config::to_documented_toml`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_documented_toml())
    }
}
