//! Builds `demo/call.wav`, the call `callcue demo` replays: the scripted coaching call of
//! the tests (two espeak-ng voices), stored as call recorders write calls: 8 kHz, G.711
//! mu-law, stereo (agent left, caller right).
//!
//! Run: `cargo run --example make_demo_call` (needs espeak-ng and sox).

use callcue_testkit as common;

use std::path::Path;

use callcue::audio::read_wav;

/// Output rate of the demo recording.
const DEMO_RATE_HZ: u32 = 8000;

/// G.711 mu-law encoding of one 16-bit sample.
fn mulaw_encode(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut value = i32::from(sample);
    let sign = if value < 0 {
        value = -value;
        0x80
    } else {
        0
    };
    value = value.min(CLIP) + BIAS;
    let exponent = (7 - (value.leading_zeros() as i32 - 17)).clamp(0, 7);
    let mantissa = (value >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

fn main() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/call.wav");
    let scratch = std::env::temp_dir().join("callcue-demo-pcm.wav");
    let rendered =
        common::synth::render_call_at(&common::calls::coaching_call(), &scratch, DEMO_RATE_HZ);
    let pcm = read_wav(&scratch).expect("rendered call reads back");
    let (left, right) = (&pcm.channels[0], &pcm.channels[1]);
    let frames = left.len();

    let mut bytes = Vec::with_capacity(58 + frames * 2);
    let data_len = (frames * 2) as u32;
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(4 + 26 + 12 + 8 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&18u32.to_le_bytes());
    bytes.extend_from_slice(&7u16.to_le_bytes()); // mu-law
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&DEMO_RATE_HZ.to_le_bytes());
    bytes.extend_from_slice(&(DEMO_RATE_HZ * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&8u16.to_le_bytes());
    bytes.extend_from_slice(&0u16.to_le_bytes());
    bytes.extend_from_slice(b"fact");
    bytes.extend_from_slice(&4u32.to_le_bytes());
    bytes.extend_from_slice(&(frames as u32).to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for (l, r) in left.iter().zip(right) {
        for x in [l, r] {
            bytes.push(mulaw_encode(
                (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16
            ));
        }
    }
    std::fs::write(&out, bytes).expect("demo call written");
    let _ = std::fs::remove_file(&scratch);
    println!(
        "wrote {} ({:.1} s); stretches:",
        out.display(),
        rendered.duration_ms as f64 / 1000.0
    );
    for line in &rendered.placed {
        println!(
            "  {:>6} - {:>6} ms  {:?}  {}",
            line.start_ms, line.end_ms, line.side, line.label
        );
    }
}
