//! The analysis path allocates nothing per frame in steady state: after a warm-up, a long
//! stretch of two-sided speech-like audio (turns, overlaps, silences, nudges) runs through
//! `CallAnalyzer::process_frame` under a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use callcue::{CallAnalyzer, Config, Event};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

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
            COUNTING.with(|c| c.set(true));
        }
        analyzer.process_frame(a, c, &mut sink);
    }
    COUNTING.with(|c| c.set(false));
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
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
