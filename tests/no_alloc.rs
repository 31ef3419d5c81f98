//! The analysis path allocates nothing per frame in steady state: after a warm-up, a long
//! stretch of two-sided speech-like audio (turns, overlaps, silences, nudges) runs through
//! `CallAnalyzer::process_frame` under a counting allocator.

use callcue::{CallAnalyzer, Config, Event};

use callcue_testkit as common;

use common::alloc_count::CountingAllocator;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// A voice-like signal: harmonics of a gliding F0, amplitude-modulated into syllables,
/// switched on during `talking(t)`.
fn voice(seconds: f32, f0_hz: f32, talking: impl Fn(f32) -> bool) -> Vec<f32> {
    let n = (16000.0 * seconds) as usize;
    let mut phase = 0.0f32;
    (0..n)
        .map(|i| {
            let t = i as f32 / 16000.0;
            let f0 = f0_hz * (1.0 + 0.08 * (2.0 * std::f32::consts::PI * 0.7 * t).sin());
            phase += 2.0 * std::f32::consts::PI * f0 / 16000.0;
            if !talking(t) {
                return 0.0;
            }
            let syllables = (std::f32::consts::PI * 4.5 * t).sin().abs();
            let buzz: f32 = (1..8).map(|h| (phase * h as f32).sin() / h as f32).sum();
            0.15 * syllables * buzz
        })
        .collect()
}

#[test]
fn process_frame_does_not_allocate_in_steady_state() {
    let seconds = 180.0;
    // Turns of 5 s each with 1.5 s of overlap, a long silence every minute.
    let agent = voice(seconds, 120.0, |t| {
        let cycle = t % 60.0;
        cycle < 45.0 && (cycle % 10.0) < 5.5
    });
    let caller = voice(seconds, 210.0, |t| {
        let cycle = t % 60.0;
        cycle < 45.0 && (cycle % 10.0) >= 4.0 && (cycle % 10.0) < 9.5
    });
    let mut config = Config::default();
    config.nudges.max_per_call = 1000;
    let mut analyzer = CallAnalyzer::new(&config);
    let frame_len = analyzer.frame_len();
    let mut events_seen = 0usize;
    let mut nudges_seen = 0usize;
    let mut sink = |event: &Event<'_>| {
        events_seen += 1;
        if matches!(event, Event::Nudge { .. }) {
            nudges_seen += 1;
        }
    };
    let warm_up_frames = 60 * 16000 / frame_len;
    for (i, (a, c)) in agent
        .chunks_exact(frame_len)
        .zip(caller.chunks_exact(frame_len))
        .enumerate()
    {
        if i == warm_up_frames {
            common::alloc_count::start_counting();
        }
        analyzer.process_frame(a, c, &mut sink);
    }
    let allocations = common::alloc_count::stop_counting();
    assert!(
        events_seen > 50,
        "the signal should exercise the analysis: {events_seen} events"
    );
    assert!(nudges_seen > 0, "the signal should lead to nudges");
    assert_eq!(
        allocations, 0,
        "{allocations} allocations in 120 s of steady-state frames"
    );
}

/// The live audio path allocates nothing per callback or frame either: the capture
/// callback's conversion and copy into the ring (`RingWriter::write_samples`, as cpal
/// calls it), and on the analysis thread the framer (downmix, resampling 48 kHz to
/// 16 kHz, framing), the call detector and the bleed gate, over a minute of two-sided
/// voice-like audio from 48 kHz stereo devices delivering 10 ms callbacks of `i16`.
#[test]
fn live_capture_and_framing_do_not_allocate() {
    use callcue::capture::{capture_ring, CaptureClock};
    use callcue::live::bleed::BleedGate;
    use callcue::live::calls::CallDetector;
    use callcue::live::framer::SideFramer;

    const RATE_HZ: usize = 48_000;
    const CALLBACK_FRAMES: usize = 480;
    let config = Config::default();
    let frame_len = (16 * config.vad.frame_ms) as usize;
    let clock = CaptureClock::new();
    let (mut agent_writer, agent_out) = capture_ring(RATE_HZ as u32, 2, 2000, clock);
    let (mut caller_writer, caller_out) = capture_ring(RATE_HZ as u32, 2, 2000, clock);
    let mut framers = [SideFramer::new(frame_len), SideFramer::new(frame_len)];
    framers[0].attach(agent_out).unwrap();
    framers[1].attach(caller_out).unwrap();
    let mut detector = CallDetector::new(&config.calls, &config.vad);
    let mut bleed = BleedGate::new(&config.bleed, frame_len);
    let mut agent_frame = vec![0.0f32; frame_len];
    let mut caller_frame = vec![0.0f32; frame_len];

    // Two voices taking turns with overlaps, at 48 kHz, as interleaved stereo i16.
    let seconds = 75.0f32;
    let stereo = |f0_hz: f32, syllables_hz: f32, talking: &dyn Fn(f32) -> bool| -> Vec<i16> {
        let n = (RATE_HZ as f32 * seconds) as usize;
        let mut phase = 0.0f32;
        let mut out = Vec::with_capacity(2 * n);
        for i in 0..n {
            let t = i as f32 / RATE_HZ as f32;
            phase += 2.0 * std::f32::consts::PI * f0_hz / RATE_HZ as f32;
            let x = if talking(t) {
                let syllables = (std::f32::consts::PI * syllables_hz * t).sin().abs();
                let buzz: f32 = (1..8).map(|h| (phase * h as f32).sin() / h as f32).sum();
                0.15 * syllables * buzz
            } else {
                0.0
            };
            let sample = (x * 32767.0) as i16;
            out.push(sample);
            out.push(sample);
        }
        out
    };
    let agent = stereo(120.0, 4.5, &|t| (t % 12.0) < 5.0);
    let caller = stereo(210.0, 3.1, &|t| (t % 12.0) > 4.0 && (t % 12.0) < 11.0);

    let mut frames = 0u64;
    let mut bleed_frames = 0u64;
    let warm_up_callbacks = 1000; // 10 s
    for (i, (a, c)) in agent
        .chunks(2 * CALLBACK_FRAMES)
        .zip(caller.chunks(2 * CALLBACK_FRAMES))
        .enumerate()
    {
        if i == warm_up_callbacks {
            common::alloc_count::start_counting();
        }
        agent_writer.write_samples(a, 0);
        caller_writer.write_samples(c, 0);
        let now = std::time::Instant::now();
        for framer in &mut framers {
            framer.pull(now);
        }
        while framers[0].has_frame() && framers[1].has_frame() {
            framers[0].pop_frame(&mut agent_frame);
            framers[1].pop_frame(&mut caller_frame);
            detector.push(&agent_frame, &caller_frame, false);
            bleed_frames += u64::from(bleed.is_bleed(&agent_frame, &caller_frame));
            frames += 1;
        }
    }
    let allocations = common::alloc_count::stop_counting();
    // Everything captured came through: 75 s at 20 ms frames, less the resampler's delay.
    assert!(frames >= 3740, "{frames} frames");
    assert_eq!(bleed_frames, 0, "two different voices are not a leak");
    assert_eq!(
        allocations, 0,
        "{allocations} allocations in the live audio path"
    );
}
