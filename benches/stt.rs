//! Speech-to-text speed and accuracy: the same clips decoded with whisper's audio context
//! sized to each clip (callcue's way) and with the full 30 s window, side by side.
//!
//! Clips: phone-call sentences of 1-6 s in the two espeak-ng voices of the test calls
//! (padded with 200 ms of the channel's silence each side, as the clipper pads), and the
//! real recordings of `../shared/data/speech` when present. Prints one row per clip set
//! and a summary: decode time median / p95 / max, word error rate, and how many decodes
//! repeated themselves.
//!
//! Run: `cargo bench --bench stt` (needs espeak-ng, sox and models/ggml-tiny.en.bin:
//! `scripts/get-test-model`). `CALLCUE_BENCH_ROUNDS` repeats each clip (default 3).

use callcue_testkit as common;

use std::path::PathBuf;

use callcue::audio::{read_wav, resample};
use callcue::config::SttConfig;
use callcue::stt::whisper::{transcribe, DecodeMode, DecodeSettings};
use callcue::stt::WhisperModel;
use callcue::text::{clean, normalize, word_error_rate, WerCounts};
use common::synth::{synth_line_at, Voice};

const RATE_HZ: usize = 16_000;
const PAD_MS: usize = 200;

/// Lines an agent or a caller might say, short to long.
const SENTENCES: [&str; 24] = [
    "Okay.",
    "Thank you.",
    "I see.",
    "Yes, that's right.",
    "Can you hear me?",
    "Let me check that for you.",
    "Could you spell your last name?",
    "This is the third time I have called.",
    "I understand, that must be frustrating.",
    "My account number ends in four two.",
    "I would like to speak to a manager, please.",
    "The parcel was supposed to arrive on Monday.",
    "Please hold while I look at your account.",
    "I am sorry to hear that your father passed away.",
    "It says premium support plus, twelve dollars a month.",
    "Can you give me the phone number on the account, please?",
    "I have been waiting for a refund for two weeks now.",
    "The refund will reach your card in three to five business days.",
    "I never signed up for that and I would like it removed today.",
    "Your plan renews on the fifteenth of every month with the add-ons.",
    "I called last month and nobody called me back, which is ridiculous.",
    "Let me walk you through how the billing cycle works on your account.",
    "The technician can come on Thursday morning between eight and twelve.",
    "I am also adding a note to your account so the next person can see it.",
];

struct Clip {
    name: String,
    reference: String,
    audio: Vec<f32>,
}

fn padded(speech: Vec<f32>) -> Vec<f32> {
    let pad = vec![0.0; PAD_MS * RATE_HZ / 1000];
    let mut audio = pad.clone();
    audio.extend(speech);
    audio.extend(pad);
    audio
}

fn espeak_clips() -> Vec<Clip> {
    let mut clips = Vec::new();
    for (voice_name, voice) in [("agent", Voice::agent()), ("caller", Voice::caller())] {
        for text in SENTENCES {
            clips.push(Clip {
                name: format!("{voice_name}: {text}"),
                reference: text.to_string(),
                audio: padded(synth_line_at(text, &voice, RATE_HZ as u32)),
            });
        }
    }
    clips
}

fn real_clips() -> Vec<Clip> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/speech");
    let Ok(table) = std::fs::read_to_string(dir.join("TRANSCRIPTS.tsv")) else {
        return Vec::new();
    };
    let scratch = std::env::temp_dir();
    let mut clips = Vec::new();
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, channel, text] = cols[..] else {
            continue;
        };
        let mut path = dir.join(file);
        if file.ends_with(".flac") {
            let wav = scratch.join(format!("callcue-bench-{file}.wav"));
            let ok = std::process::Command::new("sox")
                .arg(&path)
                .arg(&wav)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                continue;
            }
            path = wav;
        }
        let Ok(wav) = read_wav(&path) else { continue };
        let samples: Vec<f32> = match channel.parse::<usize>() {
            Ok(c) => wav.channels[c].clone(),
            Err(_) => (0..wav.channels[0].len())
                .map(|i| {
                    wav.channels.iter().map(|ch| ch[i]).sum::<f32>() / wav.channels.len() as f32
                })
                .collect(),
        };
        let audio = if wav.sample_rate_hz as usize == RATE_HZ {
            samples
        } else {
            resample(&samples, wav.sample_rate_hz, RATE_HZ as u32).unwrap()
        };
        clips.push(Clip {
            name: format!("{file} {channel}"),
            reference: text.to_string(),
            audio,
        });
    }
    clips
}

#[derive(Default)]
struct Tally {
    decode_ms: Vec<f64>,
    wer: WerCounts,
    repeated: usize,
    clips: usize,
}

impl Tally {
    fn percentile(&self, p: f64) -> f64 {
        let mut v = self.decode_ms.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return 0.0;
        }
        v[((v.len() - 1) as f64 * p).round() as usize]
    }

    fn row(&self, label: &str) {
        println!(
            "{label:<34} {:>5} {:>8.0} {:>8.0} {:>8.0} {:>7.1}% {:>9}",
            self.clips,
            self.percentile(0.5),
            self.percentile(0.95),
            self.percentile(1.0),
            self.wer.rate() * 100.0,
            self.repeated
        );
    }
}

/// Whether whisper looped: some run of 2+ words follows itself directly.
fn repeats_itself(text: &str) -> bool {
    let words: Vec<String> = normalize(text).words().to_vec();
    let n = words.len();
    (2..=n / 2).any(|p| (0..=n - 2 * p).any(|s| words[s..s + p] == words[s + p..s + 2 * p]))
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let model_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/ggml-tiny.en.bin");
    let model = WhisperModel::load(&model_path)
        .unwrap_or_else(|e| panic!("{e} (run scripts/get-test-model)"));
    let mut state = model.new_state().unwrap();
    let mut settings = DecodeSettings::from(&SttConfig::default());
    // For exploring: another floor for the sized context.
    if let Some(floor) = std::env::var("CALLCUE_BENCH_MIN_CONTEXT")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        settings.min_audio_context_frames = floor;
    }
    let rounds: usize = std::env::var("CALLCUE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let verbose = std::env::var_os("CALLCUE_BENCH_VERBOSE").is_some();

    let sets = [
        ("espeak phone lines", espeak_clips()),
        ("real voices", real_clips()),
    ];
    println!(
        "tiny.en, {} threads, {rounds} round(s) per clip; times in ms of wall clock per decode\n",
        settings.threads
    );
    println!(
        "{:<34} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "clips / decoding", "clips", "median", "p95", "max", "WER", "repeated"
    );
    for (set_name, clips) in &sets {
        if clips.is_empty() {
            continue;
        }
        for mode in [DecodeMode::SizedContext, DecodeMode::FullWindow] {
            let mut tally = Tally::default();
            for clip in clips {
                let mut text = String::new();
                let mut logprob = 0.0;
                for round in 0..rounds {
                    let decoded =
                        transcribe(&model, &mut state, &settings, mode, &clip.audio, None).unwrap();
                    tally.decode_ms.push(decoded.decode_ms);
                    if round == 0 {
                        text = decoded.text;
                        logprob = decoded.mean_token_logprob;
                    }
                }
                if repeats_itself(&text) {
                    tally.repeated += 1;
                }
                let cleaned = clean(&text);
                let wer = word_error_rate(&clip.reference, cleaned.text.as_deref().unwrap_or(""));
                if verbose {
                    println!(
                        "    {:?} {}: {text:?} ({:.0}%, mean token logprob {logprob:.2})",
                        mode,
                        clip.name,
                        wer.rate() * 100.0
                    );
                }
                tally.wer += wer;
                tally.clips += 1;
            }
            let label = match mode {
                DecodeMode::SizedContext => format!("{set_name} / sized context"),
                DecodeMode::FullWindow => format!("{set_name} / full 30 s window"),
            };
            tally.row(&label);
        }
    }
}
