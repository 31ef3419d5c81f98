//! The bleed gate (`callcue::live::bleed`) on real voices (`../shared/data`): the caller's
//! side is real recorded speech, the agent's microphone is that speech delayed, attenuated,
//! low-passed and noisy (a leak), with or without a different real voice talking over it.
//!
//! 1. a leak alone is judged bleed, at 20/80/180 ms and -15 to -30 dB, also through a
//!    reverberant room, and the delay is found;
//! 2. the agent's own voice over the leak (double talk) is not;
//! 3. the agent talking with the caller silent never is, nor is an unrelated conversation
//!    on the agent's side with no leak at all;
//! 4. through the real `CallAnalyzer`: without the gate the leak becomes agent speech
//!    (and interruptions, and `pause` nudges); with it, none of that, while a real agent
//!    cut-in is still an interruption.
//!
//! The figures are printed (`--nocapture`), with the gate's cost per frame. Skipped, with a
//! message, where ../shared/data is absent.

use std::path::{Path, PathBuf};
use std::time::Instant;

use callcue::audio::{read_wav, resample};
use callcue::config::BleedConfig;
use callcue::live::bleed::BleedGate;
use callcue::{CallAnalyzer, Config, Event, NudgeId, Speaker, ANALYSIS_RATE_HZ};

// ---- allocation counting (this thread only) -------------------------------------------

use callcue_testkit as common;

use common::alloc_count::CountingAllocator;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

// ---- the test audio -------------------------------------------------------------------

const RATE: usize = ANALYSIS_RATE_HZ as usize;
/// The level both voices are brought to (active speech, like a softphone's playback).
const VOICE_DBFS: f32 = -20.0;
/// The microphone's own noise.
const MIC_NOISE_DBFS: f32 = -60.0;
/// The leak's low-pass (a small speaker, a headset's shell).
const LEAK_CUTOFF_HZ: f32 = 3000.0;
const DELAYS_MS: [usize; 3] = [20, 80, 180];
const ATTENUATIONS_DB: [f32; 4] = [-15.0, -20.0, -25.0, -30.0];
/// Shares the gate must reach (see the module docs).
const MIN_BLEED_SHARE: f64 = 0.80;
const MIN_OWN_VOICE_KEPT: f64 = 0.80;

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    (dir.join("speech").is_dir() && dir.join("vad").is_dir()).then_some(dir)
}

/// The first channel of a recording, at 16 kHz.
fn load(path: &Path) -> Vec<f32> {
    let wav = read_wav(path).unwrap_or_else(|e| panic!("{e}"));
    let samples = wav.channels.into_iter().next().expect("a channel");
    resample(&samples, wav.sample_rate_hz, ANALYSIS_RATE_HZ).expect("resample")
}

fn energy(x: &[f32]) -> f32 {
    x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32
}

fn dbfs(e: f32) -> f32 {
    10.0 * e.max(1e-12).log10()
}

/// Per-10 ms-frame levels.
fn levels(x: &[f32], frame: usize) -> Vec<f32> {
    x.chunks_exact(frame).map(|f| dbfs(energy(f))).collect()
}

/// Cuts the silence around a recording's speech, keeping 50 ms.
fn trim(x: &[f32]) -> Vec<f32> {
    let frame = RATE / 100;
    let l = levels(x, frame);
    let top = l.iter().copied().fold(f32::MIN, f32::max);
    let loud = |v: &f32| *v > top - 35.0;
    let first = l.iter().position(loud).unwrap_or(0).saturating_sub(5);
    let last = (l.iter().rposition(loud).unwrap_or(0) + 6).min(l.len());
    x[first * frame..last * frame].to_vec()
}

/// Scales a recording so its active speech (frames within 35 dB of the loudest) sits at
/// `target_dbfs`.
fn normalize(x: &[f32], target_dbfs: f32) -> Vec<f32> {
    let frame = RATE / 100;
    let frames: Vec<f32> = x.chunks_exact(frame).map(energy).collect();
    let top = frames.iter().copied().fold(0.0f32, f32::max);
    let active: Vec<f32> = frames
        .iter()
        .copied()
        .filter(|&e| e > top * 10f32.powf(-3.5))
        .collect();
    let level = dbfs(active.iter().sum::<f32>() / active.len().max(1) as f32);
    let gain = 10f32.powf((target_dbfs - level) / 20.0);
    x.iter().map(|v| v * gain).collect()
}

/// Recordings trimmed and joined with `gap_ms` of silence, at [`VOICE_DBFS`].
fn voice(dir: &Path, files: &[&str], gap_ms: usize) -> Vec<f32> {
    let mut out = Vec::new();
    for file in files {
        out.extend(trim(&load(&dir.join(file))));
        out.extend(std::iter::repeat_n(0.0, gap_ms * RATE / 1000));
    }
    normalize(&out, VOICE_DBFS)
}

/// Deterministic noise, uniform, at `dbfs` RMS.
fn noise(len: usize, dbfs: f32, seed: u32) -> Vec<f32> {
    let scale = 10f32.powf(dbfs / 20.0) * 3f32.sqrt();
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            scale * ((state >> 8) as f32 / (1u32 << 23) as f32 - 1.0)
        })
        .collect()
}

/// The caller's audio as the agent's microphone hears it: `delay_ms` later,
/// `attenuation_db` quieter, through a one-pole low-pass (no noise added).
fn leak(caller: &[f32], delay_ms: usize, attenuation_db: f32) -> Vec<f32> {
    let delay = delay_ms * RATE / 1000;
    let gain = 10f32.powf(attenuation_db / 20.0);
    let pole = (-2.0 * std::f32::consts::PI * LEAK_CUTOFF_HZ / RATE as f32).exp();
    let mut state = 0.0f32;
    (0..caller.len())
        .map(|i| {
            let x = if i >= delay { caller[i - delay] } else { 0.0 };
            state = (1.0 - pole) * gain * x + pole * state;
            state
        })
        .collect()
}

/// A leak through a small room: Schroeder's reverberator (four combs, two all-passes)
/// with `rt60_ms`, its tail `wet_db` relative to the direct sound, added to it.
fn room(x: &[f32], rt60_ms: f32, wet_db: f32) -> Vec<f32> {
    let combs_ms = [29.7f32, 37.1, 41.1, 43.7];
    let mut wet = vec![0.0f32; x.len()];
    for d_ms in combs_ms {
        let d = (d_ms * 16.0) as usize;
        let g = 10f32.powf(-3.0 * d_ms / rt60_ms);
        let mut y = vec![0.0f32; x.len()];
        for n in 0..x.len() {
            y[n] = x[n] + if n >= d { g * y[n - d] } else { 0.0 };
        }
        for (w, v) in wet.iter_mut().zip(&y) {
            *w += v / 4.0;
        }
    }
    for (d_ms, g) in [(5.0f32, 0.7f32), (1.7, 0.7)] {
        let d = (d_ms * 16.0) as usize;
        let mut y = vec![0.0f32; x.len()];
        for n in 0..x.len() {
            let xd = if n >= d { wet[n - d] } else { 0.0 };
            let yd = if n >= d { y[n - d] } else { 0.0 };
            y[n] = -g * wet[n] + xd + g * yd;
        }
        wet = y;
    }
    let wet_level = dbfs(energy(&wet)) - dbfs(energy(x));
    let scale = 10f32.powf((wet_db - wet_level) / 20.0);
    x.iter().zip(&wet).map(|(a, w)| a + scale * w).collect()
}

fn mix(parts: &[&[f32]]) -> Vec<f32> {
    let len = parts.iter().map(|p| p.len()).max().unwrap_or(0);
    let mut out = vec![0.0; len];
    for part in parts {
        for (o, x) in out.iter_mut().zip(part.iter()) {
            *o += x;
        }
    }
    out
}

/// `x` starting `at_ms` into a signal of `len` samples.
fn placed(x: &[f32], at_ms: usize, len: usize) -> Vec<f32> {
    let mut out = vec![0.0; len];
    let at = at_ms * RATE / 1000;
    for (o, v) in out[at.min(len)..].iter_mut().zip(x) {
        *o = *v;
    }
    out
}

/// The gate's verdict on every frame, and the echo delay it found (if any).
fn gate_run(agent: &[f32], caller: &[f32], frame: usize) -> (Vec<bool>, Option<u32>) {
    let mut gate = BleedGate::new(&BleedConfig::default(), frame);
    let verdicts: Vec<bool> = agent
        .chunks_exact(frame)
        .zip(caller.chunks_exact(frame))
        .map(|(a, c)| gate.is_bleed(a, c))
        .collect();
    assert_eq!(
        gate.bleed_frames(),
        verdicts.iter().filter(|&&b| b).count() as u64
    );
    (verdicts, gate.echo_delay_ms())
}

/// Share of the frames picked by `pick` that the gate judged `want`.
fn share(verdicts: &[bool], pick: impl Fn(usize) -> bool, want: bool) -> (f64, usize) {
    let picked: Vec<bool> = (0..verdicts.len())
        .filter(|&i| pick(i))
        .map(|i| verdicts[i])
        .collect();
    let hits = picked.iter().filter(|&&b| b == want).count();
    (hits as f64 / picked.len().max(1) as f64, picked.len())
}

/// Speech-level frames: what the analyzer's voice activity could take as speech.
fn speech_level_dbfs() -> f32 {
    Config::default().vad.min_speech_level_dbfs
}

struct Callers {
    /// Five sentences by one speaker, 400 ms apart (15 s).
    sentences: Vec<f32>,
    /// A real two-person conversation (30 s).
    conversation: Vec<f32>,
}

fn callers(dir: &Path) -> Callers {
    let speech = dir.join("speech");
    Callers {
        sentences: voice(
            &speech,
            &[
                "spk1_snt1.wav",
                "spk1_snt2.wav",
                "spk1_snt3.wav",
                "spk1_snt4.wav",
                "spk1_snt5.wav",
            ],
            400,
        ),
        conversation: normalize(&load(&dir.join("vad/two_person_chat.wav")), VOICE_DBFS),
    }
}

/// The agent's own voice: other speakers than the callers (11 s).
fn agent_voice(dir: &Path) -> Vec<f32> {
    voice(
        &dir.join("speech"),
        &[
            "arctic_a0007.wav",
            "spk2_snt1.wav",
            "spk2_snt2.wav",
            "spk2_snt4.wav",
        ],
        200,
    )
}

// ---- 1. the leak alone ----------------------------------------------------------------

/// Percentages by delay (rows) and leak level (columns), printed as a table.
struct Grid {
    title: String,
    rows: Vec<(usize, Vec<f64>)>,
}

impl Grid {
    fn new(title: String) -> Self {
        Self {
            title,
            rows: Vec::new(),
        }
    }
    fn add(&mut self, delay_ms: usize, value: f64) {
        match self.rows.last_mut() {
            Some((d, values)) if *d == delay_ms => values.push(value),
            _ => self.rows.push((delay_ms, vec![value])),
        }
    }
    fn print(&self) {
        eprintln!("  {}", self.title);
        let header: String = ATTENUATIONS_DB
            .iter()
            .map(|a| format!("{:>8}", format!("{a}dB")))
            .collect();
        eprintln!("    {:>7}{header}", "delay");
        for (delay_ms, values) in &self.rows {
            let cells: String = values.iter().map(|v| format!("{:>7.1}%", v)).collect();
            eprintln!("    {:>5}ms{cells}", delay_ms);
        }
    }
}

#[test]
fn a_leak_of_the_callers_voice_is_judged_bleed() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data is not here");
        return;
    };
    let callers = callers(&dir);
    let floor = speech_level_dbfs();
    eprintln!(
        "scenario 1: the caller's speech alone leaking into the microphone: share of the \
         speech-level agent frames (>= {floor} dBFS) judged bleed"
    );
    let mut failures = Vec::new();
    for (name, caller) in [
        ("sentences", &callers.sentences),
        ("conversation", &callers.conversation),
    ] {
        for frame_ms in [10, 20] {
            let frame = RATE / 1000 * frame_ms;
            let mut grid = Grid::new(format!("caller {name}, {frame_ms} ms frames"));
            let mut delays_found = Vec::new();
            for delay_ms in DELAYS_MS {
                for attenuation_db in ATTENUATIONS_DB {
                    let mic = mix(&[
                        &leak(caller, delay_ms, attenuation_db),
                        &noise(caller.len(), MIC_NOISE_DBFS, 7),
                    ]);
                    let (verdicts, found_ms) = gate_run(&mic, caller, frame);
                    let level = levels(&mic, frame);
                    let (bleed, _) = share(&verdicts, |i| level[i] >= floor, true);
                    grid.add(delay_ms, 100.0 * bleed);
                    delays_found.push(found_ms);
                    let case =
                        format!("{name}, {frame_ms} ms frames, {delay_ms} ms, {attenuation_db} dB");
                    if found_ms.is_none_or(|ms| (ms as usize).abs_diff(delay_ms) > 10) {
                        failures.push(format!("{case}: delay found {found_ms:?}"));
                    }
                    if bleed < MIN_BLEED_SHARE {
                        failures.push(format!("{case}: {:.1}% bleed", 100.0 * bleed));
                    }
                }
            }
            grid.print();
            eprintln!("    delays found (ms): {delays_found:?}");
        }
    }
    eprintln!(
        "scenario 1r: the same through a room (Schroeder reverberator, tail as loud as the \
         direct leak), leak at -20 dB"
    );
    for (name, caller) in [
        ("sentences", &callers.sentences),
        ("conversation", &callers.conversation),
    ] {
        for frame_ms in [10, 20] {
            let frame = RATE / 1000 * frame_ms;
            for rt60_ms in [200.0, 600.0] {
                let mut shares = Vec::new();
                for delay_ms in DELAYS_MS {
                    let leaked = room(&leak(caller, delay_ms, -20.0), rt60_ms, 0.0);
                    let mic = mix(&[&leaked, &noise(caller.len(), MIC_NOISE_DBFS, 8)]);
                    let (verdicts, _) = gate_run(&mic, caller, frame);
                    let level = levels(&mic, frame);
                    let (bleed, _) = share(&verdicts, |i| level[i] >= floor, true);
                    shares.push(format!("{delay_ms} ms: {:.1}%", 100.0 * bleed));
                    if bleed < MIN_BLEED_SHARE {
                        failures.push(format!(
                            "{name}, {frame_ms} ms frames, {delay_ms} ms, RT60 {rt60_ms} ms: {:.1}% bleed",
                            100.0 * bleed
                        ));
                    }
                }
                eprintln!(
                    "  caller {name}, {frame_ms} ms frames, RT60 {rt60_ms} ms: {}",
                    shares.join(", ")
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "leak frames judged bleed below {:.0}%, or the delay missed: {failures:?}",
        100.0 * MIN_BLEED_SHARE
    );
}

// ---- 2. double talk -------------------------------------------------------------------

#[test]
fn the_agents_own_voice_over_the_leak_is_not_bleed() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data is not here");
        return;
    };
    let callers = callers(&dir);
    let agents = [
        ("voices", agent_voice(&dir)),
        (
            "meeting",
            normalize(&load(&dir.join("vad/ami_trn05.wav")), VOICE_DBFS),
        ),
    ];
    let floor = speech_level_dbfs();
    eprintln!(
        "scenario 2: the agent's own voice (from 2 s on) over the caller's leak: share of the \
         frames where the agent's voice is present (>= {floor} dBFS) and at least as strong \
         as the leak that are NOT judged bleed"
    );
    let mut failures = Vec::new();
    for (name, caller) in [
        ("sentences", &callers.sentences),
        ("conversation", &callers.conversation),
    ] {
        for (agent_name, own) in &agents {
            let own = placed(own, 2000, caller.len());
            for frame_ms in [10, 20] {
                let frame = RATE / 1000 * frame_ms;
                let own_level = levels(&own, frame);
                let mut grid = Grid::new(format!(
                    "caller {name}, agent {agent_name}, {frame_ms} ms frames"
                ));
                let (mut present_kept, mut leak_gated) = (Vec::new(), Vec::new());
                for delay_ms in DELAYS_MS {
                    for attenuation_db in ATTENUATIONS_DB {
                        let leaked = leak(caller, delay_ms, attenuation_db);
                        let mic = mix(&[&leaked, &own, &noise(caller.len(), MIC_NOISE_DBFS, 9)]);
                        let (verdicts, _) = gate_run(&mic, caller, frame);
                        let leak_level = levels(&leaked, frame);
                        let (dominant, _) = share(
                            &verdicts,
                            |i| own_level[i] >= floor && own_level[i] >= leak_level[i],
                            false,
                        );
                        grid.add(delay_ms, 100.0 * dominant);
                        // Every frame with the agent's voice, even under a louder leak.
                        present_kept.push(share(&verdicts, |i| own_level[i] >= floor, false).0);
                        // The leak alone (between the agent's words) once the agent talks.
                        let (gated, n) = share(
                            &verdicts,
                            |i| {
                                i * frame_ms >= 2000
                                    && own_level[i] < floor - 10.0
                                    && leak_level[i] >= floor
                            },
                            true,
                        );
                        if n >= 20 {
                            leak_gated.push(gated);
                        }
                        if dominant < MIN_OWN_VOICE_KEPT {
                            failures.push(format!(
                                "{name}/{agent_name}, {frame_ms} ms frames, {delay_ms} ms, {attenuation_db} dB: {:.1}% kept",
                                100.0 * dominant
                            ));
                        }
                    }
                }
                grid.print();
                let min = |v: &[f64]| {
                    v.iter()
                        .copied()
                        .reduce(f64::min)
                        .map_or("n/a".to_string(), |m| format!("{:.1}%", 100.0 * m))
                };
                eprintln!(
                    "    lowest over the table: {} of all agent-voice frames kept; {} of the \
                     leak-only frames between the agent's words gated",
                    min(&present_kept),
                    min(&leak_gated)
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "agent-voice frames kept (not judged bleed) below {:.0}%: {failures:?}",
        100.0 * MIN_OWN_VOICE_KEPT
    );
}

// ---- 3. the agent with the caller silent ----------------------------------------------

#[test]
fn the_agent_talking_with_the_caller_silent_is_never_bleed() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data is not here");
        return;
    };
    let callers = callers(&dir);
    let own = agent_voice(&dir);
    eprintln!("scenario 3: the agent talking, the caller silent");
    for frame_ms in [10, 20] {
        let frame = RATE / 1000 * frame_ms;
        // A new gate; the caller's side digital silence or faint line noise.
        for (what, caller) in [
            ("digital silence", vec![0.0; own.len()]),
            ("line noise -75 dBFS", noise(own.len(), -75.0, 3)),
        ] {
            let mic = mix(&[&own, &noise(own.len(), MIC_NOISE_DBFS, 4)]);
            let (verdicts, found) = gate_run(&mic, &caller, frame);
            assert_eq!(found, None);
            let n = verdicts.iter().filter(|&&b| b).count();
            eprintln!("  {frame_ms} ms frames, caller {what}: {n} bleed frames");
            assert_eq!(n, 0, "{frame_ms} ms frames, caller {what}");
        }
        // After the path was learned: the caller talks (leaking), stops; 500 ms later the
        // agent talks alone.
        for delay_ms in DELAYS_MS {
            let caller = &callers.sentences;
            let agent_from_ms = caller.len() * 1000 / RATE + 500;
            let len = caller.len() + own.len() + RATE / 2;
            let caller_side = placed(caller, 0, len);
            let mic = mix(&[
                &leak(&caller_side, delay_ms, -15.0),
                &placed(&own, agent_from_ms, len),
                &noise(len, MIC_NOISE_DBFS, 5),
            ]);
            let (verdicts, _) = gate_run(&mic, &caller_side, frame);
            let before = verdicts[..agent_from_ms / frame_ms]
                .iter()
                .filter(|&&b| b)
                .count();
            let after = verdicts[agent_from_ms / frame_ms..]
                .iter()
                .filter(|&&b| b)
                .count();
            eprintln!(
                "  {frame_ms} ms frames, after a leak at {delay_ms} ms: {before} bleed frames while the caller talked, {after} while the agent talked alone"
            );
            assert!(before > 0, "the leak was never gated");
            assert_eq!(after, 0, "{frame_ms} ms frames, {delay_ms} ms");
        }
    }
}

/// No leak at all, both sides talking (real conversations on both sides, overlapping all
/// the time): the agent's speech must not be taken for the caller's.
#[test]
fn two_unrelated_conversations_are_never_bleed() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data is not here");
        return;
    };
    let vad = dir.join("vad");
    let pairs = [
        ("two_person_chat", "ami_trn03"),
        ("ami_trn03", "two_person_chat"),
        ("ami_trn01", "ami_trn05"),
        ("ami_trn07", "ami_trn02"),
    ];
    let floor = speech_level_dbfs();
    eprintln!("scenario 3b: no leak; the caller and the agent are unrelated real conversations");
    let mut total = 0;
    let mut paths_found = Vec::new();
    for (caller_id, agent_id) in pairs {
        let caller = normalize(&load(&vad.join(format!("{caller_id}.wav"))), VOICE_DBFS);
        let agent = normalize(&load(&vad.join(format!("{agent_id}.wav"))), VOICE_DBFS);
        let len = caller.len().min(agent.len());
        let mic = mix(&[&agent[..len], &noise(len, MIC_NOISE_DBFS, 19)]);
        for frame_ms in [10, 20] {
            let frame = RATE / 1000 * frame_ms;
            let (verdicts, found) = gate_run(&mic, &caller[..len], frame);
            let level = levels(&mic, frame);
            let (bleed, n) = share(&verdicts, |i| level[i] >= floor, true);
            let count = verdicts.iter().filter(|&&b| b).count();
            eprintln!(
                "  caller {caller_id:<16} agent {agent_id:<16} {frame_ms} ms frames: {count} bleed frames ({:.2}% of {n} agent speech frames); echo path found: {found:?}",
                100.0 * bleed
            );
            total += count;
            if let Some(ms) = found {
                paths_found.push(format!("{caller_id}/{agent_id}: {ms} ms"));
            }
        }
    }
    assert_eq!(total, 0, "agent speech judged bleed with no leak at all");
    assert!(
        paths_found.is_empty(),
        "echo paths found where there is none: {paths_found:?}"
    );
}

// ---- 4. through the analyzer ----------------------------------------------------------

#[derive(Default, Debug)]
struct Outcome {
    agent_segments: usize,
    agent_speech_ms: u64,
    agent_interruptions: Vec<u64>,
    pause_nudges: usize,
    caller_segments: usize,
}

/// Runs a call through `CallAnalyzer` (default config), the agent frame replaced by
/// silence where the gate (if any) says bleed.
fn analyze(agent: &[f32], caller: &[f32], gated: bool) -> Outcome {
    let config = Config::default();
    let mut analyzer = CallAnalyzer::new(&config);
    let frame = analyzer.frame_len();
    let mut gate = BleedGate::new(&config.bleed, frame);
    let silence = vec![0.0f32; frame];
    let mut outcome = Outcome::default();
    let mut sink = |e: &Event<'_>| match *e {
        Event::Speech {
            speaker,
            start_ms,
            end_ms,
            ..
        } => {
            if speaker == Speaker::Agent {
                outcome.agent_segments += 1;
                outcome.agent_speech_ms += end_ms - start_ms;
            } else {
                outcome.caller_segments += 1;
            }
        }
        Event::Interruption {
            by: Speaker::Agent,
            start_ms,
            ..
        } => outcome.agent_interruptions.push(start_ms),
        Event::Nudge {
            nudge: NudgeId::Pause,
            ..
        } => outcome.pause_nudges += 1,
        _ => {}
    };
    for (a, c) in agent.chunks_exact(frame).zip(caller.chunks_exact(frame)) {
        let bleed = gated && gate.is_bleed(a, c);
        analyzer.process_frame(if bleed { &silence } else { a }, c, &mut sink);
    }
    analyzer.finish(&mut sink);
    outcome
}

#[test]
fn through_the_analyzer_the_gate_removes_the_leak_and_keeps_a_real_cut_in() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data is not here");
        return;
    };
    let callers = callers(&dir);
    eprintln!("scenario 4: CallAnalyzer (default config, 20 ms frames), leak only");
    eprintln!(
        "{:<13} {:>6} {:>6} | {:>22} | {:>22}",
        "caller", "delay", "level", "without gate", "with gate"
    );
    eprintln!(
        "{:<13} {:>6} {:>6} | {:>6} {:>6} {:>4} {:>4} | {:>6} {:>6} {:>4} {:>4}",
        "", "", "", "segs", "ms", "int", "nud", "segs", "ms", "int", "nud"
    );
    let mut ungated_segments_at_loudest = 0;
    for (name, caller) in [
        ("sentences", &callers.sentences),
        ("conversation", &callers.conversation),
    ] {
        for delay_ms in DELAYS_MS {
            for attenuation_db in ATTENUATIONS_DB {
                let mic = mix(&[
                    &leak(caller, delay_ms, attenuation_db),
                    &noise(caller.len(), MIC_NOISE_DBFS, 11),
                ]);
                let without = analyze(&mic, caller, false);
                let with = analyze(&mic, caller, true);
                eprintln!(
                    "{name:<13} {delay_ms:>4}ms {attenuation_db:>4}dB | {:>6} {:>6} {:>4} {:>4} | {:>6} {:>6} {:>4} {:>4}",
                    without.agent_segments,
                    without.agent_speech_ms,
                    without.agent_interruptions.len(),
                    without.pause_nudges,
                    with.agent_segments,
                    with.agent_speech_ms,
                    with.agent_interruptions.len(),
                    with.pause_nudges
                );
                assert!(
                    with.agent_interruptions.is_empty() && with.pause_nudges == 0,
                    "{name}, {delay_ms} ms, {attenuation_db} dB: with the gate {with:?}"
                );
                assert!(with.caller_segments > 0);
                if attenuation_db == ATTENUATIONS_DB[0] {
                    assert!(
                        without.agent_segments > 0,
                        "{name}, {delay_ms} ms, {attenuation_db} dB: the leak alone made no agent speech"
                    );
                    ungated_segments_at_loudest += without.agent_segments;
                }
                assert!(with.agent_speech_ms <= without.agent_speech_ms);
            }
        }
    }
    assert!(ungated_segments_at_loudest > 0);

    // A real cut-in: the caller talks on (sentences 250 ms apart); 3 s in, the agent talks
    // over them for 4 s, at a normal level; the leak runs all along.
    let speech = dir.join("speech");
    let caller = voice(
        &speech,
        &[
            "spk1_snt1.wav",
            "spk1_snt2.wav",
            "spk1_snt3.wav",
            "spk1_snt4.wav",
        ],
        250,
    );
    let own = voice(&speech, &["arctic_a0007.wav"], 0);
    let cut_in_ms = 3000;
    eprintln!("scenario 4b: the agent cuts in at {cut_in_ms} ms over the caller");
    for delay_ms in DELAYS_MS {
        for attenuation_db in [-15.0, -25.0] {
            let leaked = leak(&caller, delay_ms, attenuation_db);
            let own = placed(&own, cut_in_ms, caller.len());
            let mic = mix(&[&leaked, &own, &noise(caller.len(), MIC_NOISE_DBFS, 13)]);
            // Where the agent's voice first stands clear of the leak (6 dB, 40 ms on end):
            // before that it is quieter than the caller's leak, which the gate takes with it.
            let frame = RATE / 100;
            let (own_level, leak_level) = (levels(&own, frame), levels(&leaked, frame));
            let clear = |i: usize| own_level[i] >= leak_level[i] + 6.0 && own_level[i] >= -40.0;
            let clear_ms = (0..own_level.len() - 4)
                .find(|&i| (i..i + 4).all(clear))
                .expect("the agent's voice stands clear of the leak")
                * 10;
            let without = analyze(&mic, &caller, false);
            let with = analyze(&mic, &caller, true);
            eprintln!(
                "  {delay_ms:>3} ms {attenuation_db} dB: agent voice clear of the leak from {clear_ms} ms; agent interruptions without gate at {:?} ms, with gate at {:?} ms; pause nudges {} / {}",
                without.agent_interruptions,
                with.agent_interruptions,
                without.pause_nudges,
                with.pause_nudges
            );
            assert!(
                with.agent_interruptions
                    .iter()
                    .any(|&start| start + 100 >= cut_in_ms as u64 && start <= clear_ms as u64 + 200),
                "{delay_ms} ms, {attenuation_db} dB: the cut-in at {cut_in_ms} ms (clear from {clear_ms} ms) was lost: {with:?}"
            );
        }
    }
}

// ---- cost -----------------------------------------------------------------------------

#[test]
fn cost_per_frame_and_no_allocation() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data is not here");
        return;
    };
    let callers = callers(&dir);
    let own = placed(&agent_voice(&dir), 5000, callers.conversation.len());
    let caller = &callers.conversation;
    let mic = mix(&[
        &leak(caller, 80, -20.0),
        &own,
        &noise(caller.len(), MIC_NOISE_DBFS, 17),
    ]);
    for (frame_ms, max_delay_ms) in [(10, 200), (20, 200), (10, 500)] {
        let frame = RATE / 1000 * frame_ms;
        let config = BleedConfig {
            max_delay_ms,
            ..BleedConfig::default()
        };
        let mut gate = BleedGate::new(&config, frame);
        let pairs: Vec<(&[f32], &[f32])> = mic
            .chunks_exact(frame)
            .zip(caller.chunks_exact(frame))
            .collect();
        // A first pass untimed; then five timed passes (the fastest is the cost, the
        // others show the noise of a shared machine), allocations counted throughout.
        let mut bleed = 0usize;
        for (a, c) in &pairs {
            bleed += usize::from(gate.is_bleed(a, c));
        }
        let mut ns_per_frame = Vec::new();
        let mut allocations = 0;
        for _ in 0..5 {
            common::alloc_count::start_counting();
            let started = Instant::now();
            for (a, c) in &pairs {
                bleed += usize::from(gate.is_bleed(std::hint::black_box(a), c));
            }
            let elapsed = started.elapsed();
            allocations += common::alloc_count::stop_counting();
            ns_per_frame.push(elapsed.as_nanos() as f64 / pairs.len() as f64);
        }
        ns_per_frame.sort_by(f64::total_cmp);
        eprintln!(
            "cost: {frame_ms} ms frames, max_delay_ms {max_delay_ms}: {:.0} ns per frame (fastest of 5 passes over {} frames; median {:.0} ns), {bleed} bleed verdicts, {allocations} allocations",
            ns_per_frame[0],
            pairs.len(),
            ns_per_frame[2]
        );
        assert_eq!(allocations, 0, "is_bleed allocated");
    }
}
