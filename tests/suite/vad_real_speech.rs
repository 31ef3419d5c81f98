//! Voice activity on real human speech: the analyzer's speech segments (webrtc-vad plus
//! onset/hangover smoothing) against the reference speaker turns of ../shared/data/vad
//! (a two-person chat and ten AMI meeting excerpts, mono mixes with RTTM turns).
//!
//! Agreement is reported per file (run with `--nocapture` to see the table) and asserted
//! over all files. Skipped, with a message, where ../shared/data is absent.

use std::path::{Path, PathBuf};

use callcue::audio::read_wav;
use callcue::replay::{analyze_call, CallAudio};
use callcue::{Config, Event, Speaker, ANALYSIS_RATE_HZ};

/// Scoring resolution.
const STEP_MS: u64 = 10;

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/vad");
    dir.is_dir().then_some(dir)
}

/// Reference speech intervals (any speaker) of `file_id` from an RTTM file, in ms.
fn reference_turns(rttm: &Path, file_id: &str) -> Vec<(u64, u64)> {
    std::fs::read_to_string(rttm)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 5 || fields[0] != "SPEAKER" || fields[1] != file_id {
                return None;
            }
            let start: f64 = fields[3].parse().ok()?;
            let duration: f64 = fields[4].parse().ok()?;
            Some((
                (start * 1000.0) as u64,
                ((start + duration) * 1000.0) as u64,
            ))
        })
        .collect()
}

fn mask(intervals: &[(u64, u64)], duration_ms: u64) -> Vec<bool> {
    let mut mask = vec![false; (duration_ms / STEP_MS) as usize];
    for &(start, end) in intervals {
        let (a, b) = (
            (start / STEP_MS) as usize,
            ((end / STEP_MS) as usize).min(mask.len()),
        );
        if a < b {
            mask[a..b].iter_mut().for_each(|m| *m = true);
        }
    }
    mask
}

#[derive(Default, Clone, Copy)]
struct Agreement {
    both: u64,
    neither: u64,
    missed: u64,
    false_alarm: u64,
}

impl Agreement {
    fn total(&self) -> u64 {
        self.both + self.neither + self.missed + self.false_alarm
    }
    fn accuracy(&self) -> f64 {
        (self.both + self.neither) as f64 / self.total() as f64
    }
    fn recall(&self) -> f64 {
        self.both as f64 / (self.both + self.missed) as f64
    }
    fn precision(&self) -> f64 {
        self.both as f64 / (self.both + self.false_alarm) as f64
    }
    fn add(&mut self, other: Agreement) {
        self.both += other.both;
        self.neither += other.neither;
        self.missed += other.missed;
        self.false_alarm += other.false_alarm;
    }
}

fn score(wav: &Path, rttm: &Path, file_id: &str) -> Agreement {
    let decoded = read_wav(wav).unwrap();
    assert_eq!(decoded.sample_rate_hz, ANALYSIS_RATE_HZ);
    let samples = decoded.channels.into_iter().next().unwrap();
    let call = CallAudio {
        caller: vec![0.0; samples.len()],
        agent: samples,
        non_finite_samples: 0,
    };
    let duration_ms = call.duration_ms();
    let mut segments = Vec::new();
    analyze_call(&call, &Config::default(), &mut |event: &Event<'_>| {
        if let Event::Speech {
            speaker: Speaker::Agent,
            start_ms,
            end_ms,
            ..
        } = *event
        {
            segments.push((start_ms, end_ms));
        }
    });
    let detected = mask(&segments, duration_ms);
    let reference = mask(&reference_turns(rttm, file_id), duration_ms);
    let mut agreement = Agreement::default();
    for (d, r) in detected.iter().zip(&reference) {
        match (d, r) {
            (true, true) => agreement.both += 1,
            (false, false) => agreement.neither += 1,
            (false, true) => agreement.missed += 1,
            (true, false) => agreement.false_alarm += 1,
        }
    }
    agreement
}

#[test]
fn speech_segments_agree_with_reference_turns() {
    let Some(dir) = data_dir() else {
        eprintln!("skipped: ../shared/data/vad is not here");
        return;
    };
    let mut files: Vec<(PathBuf, PathBuf, String)> = vec![(
        dir.join("two_person_chat.wav"),
        dir.join("two_person_chat.rttm"),
        "two_person_chat".into(),
    )];
    for i in 0..10 {
        let id = format!("ami_trn{i:02}");
        files.push((
            dir.join(format!("{id}.wav")),
            dir.join("ami_train.rttm"),
            id,
        ));
    }
    let mut overall = Agreement::default();
    eprintln!(
        "{:<18} {:>8} {:>8} {:>9}",
        "file", "accuracy", "recall", "precision"
    );
    for (wav, rttm, id) in &files {
        let agreement = score(wav, rttm, id);
        eprintln!(
            "{id:<18} {:>8.3} {:>8.3} {:>9.3}",
            agreement.accuracy(),
            agreement.recall(),
            agreement.precision()
        );
        overall.add(agreement);
    }
    eprintln!(
        "{:<18} {:>8.3} {:>8.3} {:>9.3}",
        "all",
        overall.accuracy(),
        overall.recall(),
        overall.precision()
    );
    assert!(
        overall.accuracy() >= 0.80,
        "frame agreement {:.3}",
        overall.accuracy()
    );
    assert!(
        overall.recall() >= 0.85,
        "speech recall {:.3}",
        overall.recall()
    );
    assert!(
        overall.precision() >= 0.75,
        "speech precision {:.3}",
        overall.precision()
    );
}

/// A real two-channel recording (a different speaker on each channel): both sides are
/// found as speech with real levels and pitches, and their overlap is the caller's doing.
#[test]
fn real_two_channel_recording_replays_with_both_sides() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/speech/stereo_diarization.wav");
    if !path.is_file() {
        eprintln!("skipped: {} is not here", path.display());
        return;
    }
    let config = Config::default();
    let call =
        callcue::replay::load_call(&callcue::replay::CallSource::Stereo(path), &config.audio)
            .unwrap();
    let mut speech = Vec::new();
    let mut interruptions = 0;
    let summary = analyze_call(&call, &config, &mut |event: &Event<'_>| match *event {
        Event::Speech {
            speaker,
            loudness_dbfs,
            pitch_hz,
            start_ms,
            end_ms,
            ..
        } => speech.push((speaker, loudness_dbfs, pitch_hz, end_ms - start_ms)),
        Event::Interruption { .. } => interruptions += 1,
        _ => {}
    });
    for side in [Speaker::Agent, Speaker::Caller] {
        let segments: Vec<_> = speech.iter().filter(|s| s.0 == side).collect();
        assert!(
            !segments.is_empty(),
            "{side:?}: no speech found: {speech:?}"
        );
        for (_, loudness, pitch, duration_ms) in segments {
            assert!(
                *loudness > -45.0 && *loudness < -10.0,
                "{side:?}: level {loudness} dBFS"
            );
            let pitch = pitch.expect("a voiced segment has a pitch");
            assert!((70.0..300.0).contains(&pitch), "{side:?}: pitch {pitch} Hz");
            assert!(*duration_ms > 1000, "{side:?}: {duration_ms} ms");
        }
    }
    // The two talk at once from the start (the caller 0.4 s after the agent): two
    // people starting together, which a listener does not hear as an interruption.
    assert_eq!(interruptions, 0, "{speech:?}");
    assert_eq!(summary.nudges_total, 0);
}
