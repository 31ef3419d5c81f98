//! Real voices (`../shared/data/speech`, with reference transcripts in TRANSCRIPTS.tsv)
//! through the real model: each recording replayed by the real binary as the caller's side
//! of a call, its final transcripts scored against the reference. Also each recording as
//! one clip, decoded with the audio context sized to it and with whisper's full 30 s
//! window: the accuracy cost of the sized context. The table is printed.

use callcue_testkit as common;

use std::path::{Path, PathBuf};
use std::process::Command;

use callcue::audio::{read_wav, resample};
use callcue::config::SttConfig;
use callcue::stt::whisper::{transcribe, DecodeMode, DecodeSettings, TimeBudget};
use callcue::stt::WhisperModel;
use callcue::text::{word_error_rate, WerCounts};
use common::events::{final_text, Side};
use common::model::{replay_with_model, test_model, whisper_turn};
use common::synth::write_stereo_wav;

fn speech_dir() -> PathBuf {
    common::model::project_dir().join("../shared/data/speech")
}

struct Reference {
    file: String,
    /// None for a mix of all channels.
    channel: Option<usize>,
    text: String,
}

fn references() -> Vec<Reference> {
    let table = std::fs::read_to_string(speech_dir().join("TRANSCRIPTS.tsv"))
        .expect("../shared/data/speech/TRANSCRIPTS.tsv (the shared test data)");
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let (file, channel, text) = (cols.next()?, cols.next()?, cols.next()?);
            Some(Reference {
                file: file.to_string(),
                channel: channel.parse().ok(),
                text: text.to_string(),
            })
        })
        .collect()
}

/// One recording's chosen channel (or mix) at 16 kHz. FLAC goes through sox first.
fn load_16k(file: &str, channel: Option<usize>, scratch: &Path) -> Vec<f32> {
    let mut path = speech_dir().join(file);
    if path.extension().is_some_and(|e| e == "flac") {
        let wav = scratch.join(format!("{file}.wav"));
        let status = Command::new("sox")
            .arg(&path)
            .arg(&wav)
            .status()
            .expect("sox runs");
        assert!(status.success());
        path = wav;
    }
    let wav = read_wav(&path).unwrap();
    let samples: Vec<f32> = match channel {
        Some(c) => wav.channels[c].clone(),
        None => {
            let n = wav.channels[0].len();
            (0..n)
                .map(|i| {
                    wav.channels.iter().map(|ch| ch[i]).sum::<f32>() / wav.channels.len() as f32
                })
                .collect()
        }
    };
    if wav.sample_rate_hz == 16_000 {
        samples
    } else {
        resample(&samples, wav.sample_rate_hz, 16_000).unwrap()
    }
}

/// Replays `audio` as the caller (the agent silent) and returns the caller's final text.
fn through_the_pipeline(audio: &[f32], model: &Path, scratch: &Path) -> String {
    // A second of quiet before and after, as on a call.
    let mut caller = vec![0.0; 16_000];
    caller.extend_from_slice(audio);
    caller.extend(std::iter::repeat_n(0.0, 16_000));
    let agent = vec![0.0; caller.len()];
    let wav = scratch.join("call.wav");
    write_stereo_wav(&wav, &agent, &caller, 16_000);
    final_text(&replay_with_model(&wav, model, &[]), Side::Caller)
}

#[test]
fn real_voices_are_transcribed_and_the_sized_context_costs_no_accuracy() {
    let _turn = whisper_turn();
    let model_path = test_model();
    let model = WhisperModel::load(&model_path).unwrap();
    let mut state = model.new_state().unwrap();
    // Accuracy, not speed: no time budget (a busy machine must not cut the decode).
    let settings = DecodeSettings {
        time_budget: TimeBudget::Unlimited,
        ..DecodeSettings::from(&SttConfig::default())
    };
    let scratch = tempfile::tempdir().unwrap();
    let (mut pipeline, mut sized, mut full) = (
        WerCounts::default(),
        WerCounts::default(),
        WerCounts::default(),
    );
    println!(
        "{:<26} {:>9} {:>9} {:>9}  pipeline transcript",
        "recording", "pipeline", "sized", "full 30s"
    );
    for reference in references() {
        let audio = load_16k(&reference.file, reference.channel, scratch.path());
        let heard = through_the_pipeline(&audio, &model_path, scratch.path());
        let wer_pipeline = word_error_rate(&reference.text, &heard);
        let clip = transcribe(
            &model,
            &mut state,
            &settings,
            DecodeMode::SizedContext,
            &audio,
            None,
        )
        .unwrap();
        let wer_sized = word_error_rate(&reference.text, &clip.text);
        let clip_full = transcribe(
            &model,
            &mut state,
            &settings,
            DecodeMode::FullWindow,
            &audio,
            None,
        )
        .unwrap();
        let wer_full = word_error_rate(&reference.text, &clip_full.text);
        let name = match reference.channel {
            Some(c) => format!("{} ch{c}", reference.file),
            None => reference.file.clone(),
        };
        println!(
            "{name:<26} {:>8.1}% {:>8.1}% {:>8.1}%  {heard:?}",
            wer_pipeline.rate() * 100.0,
            wer_sized.rate() * 100.0,
            wer_full.rate() * 100.0
        );
        pipeline += wer_pipeline;
        sized += wer_sized;
        full += wer_full;
    }
    println!(
        "{:<26} {:>8.1}% {:>8.1}% {:>8.1}%  ({} reference words)",
        "pooled",
        pipeline.rate() * 100.0,
        sized.rate() * 100.0,
        full.rate() * 100.0,
        pipeline.reference_words
    );
    assert!(
        pipeline.rate() < 0.25,
        "pipeline WER {:.3}",
        pipeline.rate()
    );
    assert!(sized.rate() < 0.25, "sized-context WER {:.3}", sized.rate());
    assert!(
        // A few words in the 114: decoding differs a little between CPUs.
        sized.rate() <= full.rate() + 0.05,
        "the sized context costs accuracy: {:.3} vs {:.3}",
        sized.rate(),
        full.rate()
    );
}
