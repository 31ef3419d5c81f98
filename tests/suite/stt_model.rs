//! Models: a faster-whisper (CTranslate2) model converted by `callcue models import-ct2`
//! loads and transcribes; broken imports and missing or corrupt models give one-line
//! errors, and without a model the coaching goes on from the voice alone.

use callcue_testkit as common;

use std::path::Path;

use callcue::config::SttConfig;
use callcue::models::validate_ggml_file;
use callcue::stt::whisper::{transcribe, DecodeMode, DecodeSettings, TimeBudget};
use callcue::stt::WhisperModel;
use callcue::text::word_error_rate;
use common::cli::callcue;
use common::events::{nudges, parse_stream, Ev, NoticeCode};
use common::model::{test_ct2_dir, test_model, whisper_turn};
use common::synth::{synth_line_at, Voice};

/// The default decode settings without a time budget: these tests check words, not speed,
/// and a busy machine must not cut the decode short.
fn settings_for_accuracy() -> DecodeSettings {
    DecodeSettings {
        time_budget: TimeBudget::Unlimited,
        ..DecodeSettings::from(&SttConfig::default())
    }
}

fn one_line(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text).trim_end().to_string();
    assert_eq!(text.lines().count(), 1, "one line: {text:?}");
    text
}

#[test]
fn an_imported_faster_whisper_model_loads_and_transcribes() {
    let _turn = whisper_turn();
    let ct2 = test_ct2_dir();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ggml-tiny.en.bin");
    let output = callcue(&[
        "models",
        "import-ct2",
        ct2.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = one_line(&output.stdout);
    assert!(
        line.contains("tiny.en") && line.contains("167 tensors"),
        "{line}"
    );

    let summary = validate_ggml_file(&out).unwrap();
    assert_eq!(summary.tensors, 167);
    assert_eq!(summary.n_vocab, 51864);
    let model = WhisperModel::load(&out).expect("whisper loads the converted model");
    let mut state = model.new_state().unwrap();
    let sentence = "Please check the delivery address on my account before Friday.";
    let audio = synth_line_at(sentence, &Voice::caller(), 16000);
    let settings = settings_for_accuracy();
    let decoded = transcribe(
        &model,
        &mut state,
        &settings,
        DecodeMode::SizedContext,
        &audio,
        None,
    )
    .unwrap();
    let wer = word_error_rate(sentence, &decoded.text);
    println!("heard {:?}: WER {:.0}%", decoded.text, wer.rate() * 100.0);
    assert!(wer.rate() <= 0.2, "{:?}", decoded.text);
    // The same bytes as the copy the other tests use.
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(test_model()).unwrap()
    );
}

#[test]
fn broken_imports_exit_2_with_one_line_naming_the_path() {
    let ct2 = test_ct2_dir();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bin");

    let empty = dir.path().join("empty-dir");
    std::fs::create_dir(&empty).unwrap();
    let truncated = dir.path().join("truncated");
    std::fs::create_dir(&truncated).unwrap();
    for name in ["config.json", "vocabulary.txt"] {
        std::fs::copy(ct2.join(name), truncated.join(name)).unwrap();
    }
    let model_bin = std::fs::read(ct2.join("model.bin")).unwrap();
    std::fs::write(
        truncated.join("model.bin"),
        &model_bin[..model_bin.len() / 3],
    )
    .unwrap();

    for (case, expect) in [(&empty, "empty-dir"), (&truncated, "truncated")] {
        let output = callcue(&[
            "models",
            "import-ct2",
            case.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{expect}");
        let line = one_line(&output.stderr);
        assert!(line.contains(expect), "{line}");
        assert!(!out.exists(), "no half-written model is left behind");
    }
}

fn config_with_model(dir: &Path, model_path: &Path) -> std::path::PathBuf {
    let config = dir.join("callcue.toml");
    std::fs::write(
        &config,
        format!(
            "[stt]\nmodel_path = {:?}\n",
            model_path.display().to_string()
        ),
    )
    .unwrap();
    config
}

#[test]
fn without_a_usable_model_the_demo_coaches_from_the_voice_and_says_so_once() {
    let _turn = whisper_turn();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-model.bin");
    let corrupt = dir.path().join("corrupt.bin");
    let good = std::fs::read(test_model()).unwrap();
    std::fs::write(&corrupt, &good[..good.len() / 2]).unwrap();

    for model in [&missing, &corrupt] {
        let config = config_with_model(dir.path(), model);
        let output = callcue(&[
            "--config",
            config.to_str().unwrap(),
            "demo",
            "--format",
            "jsonl",
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let warning = one_line(&output.stderr);
        assert!(warning.contains(&model.display().to_string()), "{warning}");
        let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
        let notices: Vec<&Ev> = events
            .iter()
            .filter(|e| matches!(e, Ev::Notice { .. }))
            .collect();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(matches!(
            notices[0],
            Ev::Notice {
                code: NoticeCode::SttUnavailable,
                t_ms: 0,
                ..
            }
        ));
        assert!(!nudges(&events).is_empty(), "voice coaching goes on");
        assert!(!events.iter().any(|e| matches!(e, Ev::Transcript { .. })));

        let output = callcue(&["--config", config.to_str().unwrap(), "doctor"]);
        assert_eq!(output.status.code(), Some(2));
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            report.contains("FAIL  speech-to-text") && report.contains("models fetch"),
            "{report}"
        );
    }
}

#[test]
fn models_list_and_fetch_errors_are_plain() {
    test_model();
    let output = callcue(&["models", "list"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("ggml-tiny.en.bin (167 tensors"));
    let output = callcue(&["models", "fetch", "enormous.en"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(one_line(&output.stderr).contains("tiny.en, base.en, small.en"));
}

#[test]
fn a_decode_past_its_budget_is_stopped() {
    let _turn = whisper_turn();
    let model = WhisperModel::load(&test_model()).unwrap();
    let mut state = model.new_state().unwrap();
    let audio = synth_line_at(
        "I would like to know why my bill went up by twenty dollars this month.",
        &Voice::agent(),
        16000,
    );
    let mut settings = DecodeSettings::from(&SttConfig::default());
    settings.budget_ms = 1;
    settings.budget_per_audio_s_ms = 0;
    let decoded = transcribe(
        &model,
        &mut state,
        &settings,
        DecodeMode::FullWindow,
        &audio,
        None,
    )
    .unwrap();
    assert!(decoded.aborted, "{decoded:?}");
    assert!(decoded.text.is_empty());
    // The same state decodes normally afterwards.
    let settings = settings_for_accuracy();
    let decoded = transcribe(
        &model,
        &mut state,
        &settings,
        DecodeMode::SizedContext,
        &audio,
        None,
    )
    .unwrap();
    assert!(
        !decoded.aborted && decoded.text.contains("bill"),
        "{decoded:?}"
    );
}

/// On a CPU without the features whisper.cpp was built for (AVX2 and FMA), speech-to-text
/// is off with one notice before any whisper code runs, and coaching goes on from the
/// voice. The CPU is made to look older with `CALLCUE_CPU_FEATURES_OFF`.
#[test]
fn a_cpu_without_avx2_turns_speech_to_text_off_and_coaching_goes_on() {
    let model = common::model::test_model();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("callcue.toml");
    std::fs::write(
        &config,
        format!("[stt]\nmodel_path = {:?}\n", model.display().to_string()),
    )
    .unwrap();
    let output = common::cli::callcue_command(&[
        "--config",
        config.to_str().unwrap(),
        "demo",
        "--format",
        "jsonl",
    ])
    .env("CALLCUE_CPU_FEATURES_OFF", "avx2,fma")
    .output()
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let warning = one_line(&output.stderr);
    assert!(
        warning.contains("this CPU lacks AVX2, FMA"),
        "one line naming the missing features: {warning}"
    );
    let events = parse_stream(&String::from_utf8(output.stdout).unwrap());
    let notices: Vec<&Ev> = events
        .iter()
        .filter(|e| matches!(e, Ev::Notice { .. }))
        .collect();
    assert!(
        matches!(
            notices.as_slice(),
            [Ev::Notice {
                code: NoticeCode::SttUnavailable,
                ..
            }]
        ),
        "{notices:?}"
    );
    assert!(!nudges(&events).is_empty(), "voice coaching goes on");
    assert!(!events.iter().any(|e| matches!(e, Ev::Transcript { .. })));
}
