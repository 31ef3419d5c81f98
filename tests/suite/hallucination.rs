//! No words from silence, noise or music. Whisper invents text on such audio
//! ("[BLANK_AUDIO]", "thanks for watching"); callcue gates clips on voice activity and a
//! minimum speech length, drops what whisper itself rates as no speech, and filters the
//! known artefacts. Checked twice: clips forced straight into the real worker, and whole
//! recordings through the real pipeline.

use callcue_testkit as common;

use std::sync::Arc;
use std::time::Duration;

use callcue::config::SttConfig;
use callcue::event::Speaker;
use callcue::stt::clip::{ClipKind, ClipSpan, ReadyClip};
use callcue::stt::{SttOutcome, SttWorker, WhisperModel};
use common::events::Ev;
use common::model::{replay_with_model, test_model, whisper_turn};
use common::synth::write_stereo_wav;

const RATE_HZ: usize = 16_000;

/// A small deterministic noise source.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

fn white_noise(seconds: f32, amplitude: f32, seed: u64) -> Vec<f32> {
    let mut rng = Lcg(seed);
    (0..(seconds * RATE_HZ as f32) as usize)
        .map(|_| rng.next() * amplitude)
        .collect()
}

/// Brown-ish noise: hiss with more low end, like a line or a room.
fn rumble(seconds: f32, amplitude: f32, seed: u64) -> Vec<f32> {
    let mut rng = Lcg(seed);
    let mut level = 0.0f32;
    (0..(seconds * RATE_HZ as f32) as usize)
        .map(|_| {
            level = 0.98 * level + 0.1 * rng.next();
            level * amplitude * 4.0
        })
        .collect()
}

/// Hold music: chords of harmonic tones changing every half second, with vibrato and a
/// plucked envelope.
fn hold_music(seconds: f32, amplitude: f32) -> Vec<f32> {
    let chords: [[f32; 3]; 4] = [
        [261.6, 329.6, 392.0],
        [220.0, 261.6, 329.6],
        [174.6, 220.0, 261.6],
        [196.0, 246.9, 293.7],
    ];
    (0..(seconds * RATE_HZ as f32) as usize)
        .map(|i| {
            let t = i as f32 / RATE_HZ as f32;
            let chord = chords[(t * 2.0) as usize % chords.len()];
            let pluck = (-(t * 2.0).fract() * 3.0).exp();
            let vibrato = 1.0 + 0.004 * (2.0 * std::f32::consts::PI * 5.0 * t).sin();
            let mut sample = 0.0;
            for (k, f) in chord.iter().enumerate() {
                for harmonic in 1..4 {
                    let phase = 2.0 * std::f32::consts::PI * f * vibrato * harmonic as f32 * t;
                    sample += phase.sin() / (harmonic * (k + 1)) as f32;
                }
            }
            sample * pluck * amplitude / 2.0
        })
        .collect()
}

/// Each clip straight into the worker (bypassing the voice-activity gate): whisper's own
/// no-speech judgement and the artefact filter must give no transcript.
#[test]
fn silence_noise_and_music_clips_give_no_transcript() {
    let _turn = whisper_turn();
    let model = Arc::new(WhisperModel::load(&test_model()).unwrap());
    let mut worker = SttWorker::spawn(model, &SttConfig::default()).unwrap();
    let clips: Vec<(&str, Vec<f32>)> = vec![
        ("digital silence", vec![0.0; 3 * RATE_HZ]),
        ("quiet hiss", white_noise(3.0, 0.003, 1)),
        ("loud white noise", white_noise(4.0, 0.2, 2)),
        ("line rumble", rumble(3.0, 0.05, 3)),
        ("hold music", hold_music(6.0, 0.3)),
        ("short noise burst", white_noise(0.7, 0.1, 4)),
    ];
    for (clip_id, (name, audio)) in clips.iter().enumerate() {
        let length_ms = (audio.len() / 16) as u64;
        let clip = ReadyClip {
            span: ClipSpan {
                clip_id: clip_id as u64,
                kind: ClipKind::Final,
                start_ms: 0,
                end_ms: length_ms,
                speech_end_ms: length_ms,
                voiced_ms: length_ms,
            },
            audio,
        };
        worker.submit(Speaker::Caller, &clip).expect("submitted");
        let outcome = worker
            .recv_timeout(Duration::from_secs(60))
            .expect("an outcome");
        println!("{name}: {outcome:?}");
        assert!(
            matches!(outcome, SttOutcome::Skipped { .. }),
            "{name} gave a transcript: {outcome:?}"
        );
    }
    assert_eq!(worker.totals().transcripts, 0);
}

/// Whole recordings through the pipeline: hiss, rumble and hold music on the caller's
/// side, silence on the agent's: no transcript, no phrase, no nudge.
#[test]
fn a_call_of_noise_and_hold_music_gives_no_words_and_no_nudge() {
    let _turn = whisper_turn();
    let model = test_model();
    let mut caller = Vec::new();
    caller.extend(white_noise(5.0, 0.01, 5));
    caller.extend(hold_music(15.0, 0.3));
    caller.extend(rumble(5.0, 0.08, 6));
    caller.extend(white_noise(5.0, 0.15, 7));
    let agent = white_noise(caller.len() as f32 / RATE_HZ as f32, 0.002, 8);
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("noise.wav");
    write_stereo_wav(&wav, &agent, &caller, RATE_HZ as u32);
    let events = replay_with_model(&wav, &model, &[]);
    let words: Vec<&Ev> = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Ev::Transcript { .. } | Ev::Phrase { .. } | Ev::Nudge { .. }
            )
        })
        .collect();
    let Some(Ev::Summary(summary)) = events.last() else {
        panic!("summary last")
    };
    println!("speech-to-text: {:?}", summary.speech_to_text);
    assert!(words.is_empty(), "{words:?}");
}
