//! Speed of the analysis path on the demo call (a scripted two-voice call, 8 kHz G.711
//! stereo as call recorders write it).
//!
//! `analysis/two_channel_call`: the whole analysis (VAD, segmenting, pitch, syllables,
//! turn-taking, voice cues, nudges) over the call, already at 16 kHz, on one thread. Its
//! throughput is in milliseconds of call audio per second, so the real-time factor is
//! that figure divided by 1000.
//! `load/decode_and_resample`: WAV decoding and resampling of the same call to 16 kHz.

use std::hint::black_box;
use std::path::Path;

use callcue::audio::decode_wav;
use callcue::replay::{analyze_call, call_from_recording};
use callcue::{Config, Event};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const DEMO_CALL_WAV: &[u8] = include_bytes!("../demo/call.wav");

fn bench_analysis(c: &mut Criterion) {
    let config = Config::default();
    let wav = decode_wav(DEMO_CALL_WAV).expect("demo call decodes");
    let call = call_from_recording(wav, Path::new("demo"), &config.audio).expect("demo call loads");
    let audio_ms = call.duration_ms();

    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Elements(audio_ms));
    group.sample_size(20);
    group.bench_function("two_channel_call", |b| {
        b.iter(|| {
            let mut events = 0usize;
            let summary = analyze_call(black_box(&call), &config, &mut |_: &Event<'_>| events += 1);
            black_box((summary, events))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("load");
    group.throughput(Throughput::Elements(audio_ms));
    group.sample_size(20);
    group.bench_function("decode_and_resample", |b| {
        b.iter(|| {
            let wav = decode_wav(black_box(DEMO_CALL_WAV)).unwrap();
            black_box(call_from_recording(wav, Path::new("demo"), &config.audio).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_analysis);
criterion_main!(benches);
