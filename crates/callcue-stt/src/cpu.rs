//! The CPU features whisper.cpp was built for, checked before any whisper code runs.
//!
//! The shipped binary compiles whisper.cpp for x86-64 with AVX2 and FMA (see
//! `.cargo/config.toml`): on an older CPU its first instruction of those kinds would kill
//! the process (SIGILL). callcue's own Rust code is built for the baseline x86-64, so it
//! can check the CPU at run time and leave speech-to-text off instead, coaching from the
//! voice. Other architectures build whisper.cpp for their own baseline and need nothing.
//!
//! `CALLCUE_CPU_FEATURES_OFF=avx2,fma` makes callcue treat those features as missing, so
//! the fallback can be tried (and is tested) on a machine that has them.
//!
//! Limits: this checks what whisper.cpp's build switches name; a whisper.cpp built with
//! other switches (GGML_NATIVE, AVX-512) would need them listed here too.

/// The features whisper.cpp is built to use on this architecture, as named by
/// `is_x86_feature_detected!` and `/proc/cpuinfo`.
pub const WHISPER_BUILD_FEATURES: &[&str] = if cfg!(target_arch = "x86_64") {
    &["avx", "avx2", "fma", "f16c", "bmi2"]
} else {
    &[]
};

/// Which of [`WHISPER_BUILD_FEATURES`] this CPU lacks (none: whisper can run here).
pub fn missing_whisper_features() -> Vec<&'static str> {
    WHISPER_BUILD_FEATURES
        .iter()
        .copied()
        .filter(|feature| !has_feature(feature))
        .collect()
}

/// Why speech-to-text cannot run on this CPU, as one line; `None` when it can.
pub fn whisper_unsupported_reason() -> Option<String> {
    let missing = missing_whisper_features();
    (!missing.is_empty()).then(|| {
        format!(
            "this CPU lacks {} (speech-to-text is built for x86-64 with AVX2 and FMA, 2013 on)",
            missing.join(", ").to_uppercase()
        )
    })
}

/// The features of [`WHISPER_BUILD_FEATURES`] this CPU has, for `--version` and `doctor`.
pub fn present_whisper_features() -> Vec<&'static str> {
    WHISPER_BUILD_FEATURES
        .iter()
        .copied()
        .filter(|feature| has_feature(feature))
        .collect()
}

/// Names features to treat as missing (comma-separated).
pub const FEATURES_OFF_VAR: &str = "CALLCUE_CPU_FEATURES_OFF";

fn has_feature(feature: &str) -> bool {
    let turned_off = std::env::var(FEATURES_OFF_VAR).is_ok_and(|off| {
        off.split(',')
            .any(|name| name.trim().eq_ignore_ascii_case(feature))
    });
    !turned_off && detected(feature)
}

#[cfg(target_arch = "x86_64")]
fn detected(feature: &str) -> bool {
    match feature {
        "avx" => std::arch::is_x86_feature_detected!("avx"),
        "avx2" => std::arch::is_x86_feature_detected!("avx2"),
        "fma" => std::arch::is_x86_feature_detected!("fma"),
        "f16c" => std::arch::is_x86_feature_detected!("f16c"),
        "bmi2" => std::arch::is_x86_feature_detected!("bmi2"),
        _ => false,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detected(_feature: &str) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run-time detection agrees with what the kernel says this CPU has.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn detection_agrees_with_proc_cpuinfo() {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").expect("/proc/cpuinfo");
        let flags: Vec<&str> = cpuinfo
            .lines()
            .find(|line| line.starts_with("flags"))
            .expect("a flags line")
            .split_whitespace()
            .collect();
        for feature in WHISPER_BUILD_FEATURES {
            assert_eq!(
                detected(feature),
                flags.contains(feature),
                "{feature}: detected vs /proc/cpuinfo"
            );
        }
        let missing = missing_whisper_features();
        assert_eq!(whisper_unsupported_reason().is_some(), !missing.is_empty());
        assert_eq!(
            missing.len() + present_whisper_features().len(),
            WHISPER_BUILD_FEATURES.len()
        );
    }

    #[test]
    fn unknown_features_are_never_claimed() {
        if cfg!(target_arch = "x86_64") {
            assert!(!detected("not-a-feature"));
        }
    }
}
