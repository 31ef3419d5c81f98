//! Real synthesized speech for tests: espeak-ng renders each line, sox brings it to the
//! call's rate, and the lines are mixed onto two channels (agent left, caller right) with
//! scripted timing. Rendered lines are cached on disk (synthesis is deterministic).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Agent,
    Caller,
}

/// How one line is spoken (espeak-ng settings plus SSML pitch range).
#[derive(Clone, Debug, Hash)]
pub struct Voice {
    pub espeak_voice: &'static str,
    /// espeak -p, 0-99.
    pub pitch: u8,
    /// espeak -s.
    pub words_per_minute: u32,
    /// espeak -a, 0-200.
    pub amplitude: u32,
    /// SSML prosody range in percent of normal (100 = normal, low = monotone).
    pub pitch_range_percent: u32,
}

impl Voice {
    pub fn agent() -> Voice {
        Voice {
            espeak_voice: "en-us",
            pitch: 40,
            words_per_minute: 165,
            amplitude: 100,
            pitch_range_percent: 100,
        }
    }
    pub fn caller() -> Voice {
        Voice {
            espeak_voice: "en-gb+f3",
            pitch: 55,
            words_per_minute: 170,
            amplitude: 100,
            pitch_range_percent: 100,
        }
    }
    pub fn with_pitch(mut self, pitch: u8) -> Voice {
        self.pitch = pitch;
        self
    }
    pub fn with_wpm(mut self, wpm: u32) -> Voice {
        self.words_per_minute = wpm;
        self
    }
    pub fn with_amplitude(mut self, amplitude: u32) -> Voice {
        self.amplitude = amplitude;
        self
    }
    /// Pitch range on espeak's 0-100 scale where 50 is normal.
    pub fn with_range(mut self, range: u32) -> Voice {
        self.pitch_range_percent = range * 2;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Line {
    pub side: Side,
    pub start_ms: u64,
    pub text: String,
    pub voice: Voice,
    pub label: &'static str,
}

#[derive(Clone, Debug)]
pub struct PlacedLine {
    pub side: Side,
    pub start_ms: u64,
    pub end_ms: u64,
    pub label: &'static str,
    pub text: String,
}

pub struct Call {
    pub lines: Vec<Line>,
    pub tail_ms: u64,
}

pub struct RenderedCall {
    pub placed: Vec<PlacedLine>,
    pub duration_ms: u64,
}

impl RenderedCall {
    /// From the first start to the last end of the lines labelled `label`.
    pub fn stretch(&self, label: &str) -> (u64, u64) {
        let lines: Vec<&PlacedLine> = self.placed.iter().filter(|l| l.label == label).collect();
        assert!(!lines.is_empty(), "no line labelled {label}");
        (
            lines.iter().map(|l| l.start_ms).min().unwrap(),
            lines.iter().map(|l| l.end_ms).max().unwrap(),
        )
    }
}

fn cache_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("callcue-synth-cache");
    std::fs::create_dir_all(&dir).expect("cache dir");
    dir
}

/// One line as mono samples at `rate_hz`, leading and trailing silence trimmed.
pub fn synth_line_at(text: &str, voice: &Voice, rate_hz: u32) -> Vec<f32> {
    let mut hasher = DefaultHasher::new();
    (text, voice, rate_hz, 3u32).hash(&mut hasher);
    let cached = cache_dir().join(format!("{:016x}.raw", hasher.finish()));
    let bytes = match std::fs::read(&cached) {
        Ok(bytes) => bytes,
        Err(_) => {
            let bytes = render(text, voice, rate_hz);
            let tmp = cached.with_extension(
                format!(
                    "tmp{}-{:?}",
                    std::process::id(),
                    std::thread::current().id()
                )
                .replace(['(', ')'], ""),
            );
            std::fs::write(&tmp, &bytes).expect("cache write");
            std::fs::rename(&tmp, &cached).expect("cache rename");
            bytes
        }
    };
    let samples: Vec<f32> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0)
        .collect();
    let first = samples.iter().position(|x| x.abs() >= 1e-3).unwrap_or(0);
    let last = samples
        .iter()
        .rposition(|x| x.abs() >= 1e-3)
        .map_or(first, |i| i + 1);
    samples[first..last].to_vec()
}

/// One line at 16 kHz.
pub fn synth_line(text: &str, voice: &Voice) -> Vec<f32> {
    synth_line_at(text, voice, 16000)
}

fn render(text: &str, voice: &Voice, rate_hz: u32) -> Vec<u8> {
    let ssml = format!(
        "<speak><prosody range=\"{}%\">{}</prosody></speak>",
        voice.pitch_range_percent,
        text.replace('&', "and").replace(['<', '>'], " ")
    );
    let scratch = cache_dir().join(format!(
        "render-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let (spoken, converted) = (scratch.with_extension("wav"), scratch.with_extension("raw"));
    let espeak = Command::new("espeak-ng")
        .args([
            "-v",
            voice.espeak_voice,
            "-p",
            &voice.pitch.to_string(),
            "-s",
            &voice.words_per_minute.to_string(),
        ])
        .args(["-a", &voice.amplitude.to_string(), "-m", "-w"])
        .arg(&spoken)
        .arg(&ssml)
        .output()
        .expect("espeak-ng not found: install the espeak-ng package");
    assert!(
        espeak.status.success(),
        "espeak-ng failed: {}",
        String::from_utf8_lossy(&espeak.stderr)
    );
    // No dither (-D): sox dithers with a random seed when it resamples to 16 bits, so
    // the same line would come out a little different every time.
    let sox = Command::new("sox")
        .arg("-D")
        .arg(&spoken)
        .args([
            "-t",
            "raw",
            "-r",
            &rate_hz.to_string(),
            "-e",
            "signed-integer",
            "-b",
            "16",
            "-c",
            "1",
        ])
        .arg(&converted)
        .output()
        .expect("sox not found: install the sox package");
    assert!(
        sox.status.success(),
        "sox failed: {}",
        String::from_utf8_lossy(&sox.stderr)
    );
    let bytes = std::fs::read(&converted).expect("sox output");
    let _ = std::fs::remove_file(&spoken);
    let _ = std::fs::remove_file(&converted);
    bytes
}

/// Length of a line once synthesized, in ms.
pub fn line_duration_ms(text: &str, voice: &Voice) -> u64 {
    synth_line(text, voice).len() as u64 * 1000 / 16000
}

/// Renders a call as a 16 kHz stereo WAV.
pub fn render_call(call: &Call, path: &Path) -> RenderedCall {
    render_call_at(call, path, 16000)
}

/// Renders a call as a 16-bit stereo WAV at `rate_hz` (agent left, caller right).
pub fn render_call_at(call: &Call, path: &Path, rate_hz: u32) -> RenderedCall {
    let mut channels: [Vec<f32>; 2] = [Vec::new(), Vec::new()];
    let mut placed = Vec::new();
    for line in &call.lines {
        // Durations are measured at 16 kHz so placement does not depend on the output rate.
        let duration_ms = line_duration_ms(&line.text, &line.voice);
        let samples = synth_line_at(&line.text, &line.voice, rate_hz);
        let channel = &mut channels[(line.side == Side::Caller) as usize];
        let start = (line.start_ms * rate_hz as u64 / 1000) as usize;
        if channel.len() < start + samples.len() {
            channel.resize(start + samples.len(), 0.0);
        }
        for (out, x) in channel[start..].iter_mut().zip(&samples) {
            *out += x;
        }
        placed.push(PlacedLine {
            side: line.side,
            start_ms: line.start_ms,
            end_ms: line.start_ms + duration_ms,
            label: line.label,
            text: line.text.clone(),
        });
    }
    let end_ms = placed.iter().map(|l| l.end_ms).max().unwrap_or(0) + call.tail_ms;
    let frames = (end_ms * rate_hz as u64 / 1000) as usize;
    for channel in &mut channels {
        channel.resize(frames, 0.0);
    }
    write_stereo_wav(path, &channels[0], &channels[1], rate_hz);
    RenderedCall {
        placed,
        duration_ms: end_ms,
    }
}

fn to_i16(x: f32) -> i16 {
    (x.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// Writes two channels as a 16-bit stereo WAV.
pub fn write_stereo_wav(path: &Path, ch0: &[f32], ch1: &[f32], sample_rate_hz: u32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: sample_rate_hz,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("wav create");
    for (a, b) in ch0.iter().zip(ch1) {
        writer.write_sample(to_i16(*a)).unwrap();
        writer.write_sample(to_i16(*b)).unwrap();
    }
    writer.finalize().unwrap();
}
