//! Voice activity: webrtc-vad's per-frame decision, smoothed into speech segments.
//!
//! [`FrameVad`] asks webrtc-vad about one frame (10, 20 or 30 ms at 16 kHz) and also
//! rejects frames below a level floor, which keeps faint line noise out. [`Segmenter`]
//! turns the frame decisions into segments: speech must last `onset_ms` before a segment
//! opens (a click does not start one) and silence must last `hangover_ms` before it closes
//! (a comma pause does not split one). Both are allocation-free per frame.

use webrtc_vad::{SampleRate, Vad, VadMode};

use crate::config::VadConfig;
use crate::ANALYSIS_RATE_HZ;

/// webrtc-vad's decision for single frames, plus a level floor.
pub struct FrameVad {
    vad: SendableVad,
    frame_i16: Vec<i16>,
    min_speech_level_dbfs: f32,
}

/// `webrtc_vad::Vad` holds a raw pointer to libfvad's state and so is not `Send`. That
/// state is plain memory with no thread affinity, so moving it to another thread is sound;
/// it is never shared (`&mut` only).
struct SendableVad(Vad);

// SAFETY: see the type's doc: libfvad keeps no thread-local state and the handle is only
// used through `&mut self`, so it may move between threads.
unsafe impl Send for SendableVad {}

impl FrameVad {
    /// A detector for frames of `config.frame_ms` at [`ANALYSIS_RATE_HZ`].
    pub fn new(config: &VadConfig) -> Self {
        let mode = match config.aggressiveness {
            0 => VadMode::Quality,
            1 => VadMode::LowBitrate,
            2 => VadMode::Aggressive,
            _ => VadMode::VeryAggressive,
        };
        let frame_len = (ANALYSIS_RATE_HZ / 1000 * config.frame_ms) as usize;
        Self {
            vad: SendableVad(Vad::new_with_rate_and_mode(SampleRate::Rate16kHz, mode)),
            frame_i16: vec![0; frame_len],
            min_speech_level_dbfs: config.min_speech_level_dbfs,
        }
    }

    /// Whether `frame` (samples in -1..1, exactly one frame long) holds speech, given its
    /// level `loudness_dbfs`. Never allocates.
    pub fn is_speech(&mut self, frame: &[f32], loudness_dbfs: f32) -> bool {
        if loudness_dbfs < self.min_speech_level_dbfs || frame.len() != self.frame_i16.len() {
            return false;
        }
        for (out, &x) in self.frame_i16.iter_mut().zip(frame) {
            *out = (x * 32768.0).clamp(-32768.0, 32767.0) as i16;
        }
        self.vad
            .0
            .is_voice_segment(&self.frame_i16)
            .unwrap_or(false)
    }
}

/// What happened to a speaker's segment on one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentChange {
    /// Nothing changed.
    None,
    /// A segment opened; it began at `start_ms` (before now: onset is confirmed late).
    Started { start_ms: u64 },
    /// The open segment closed; its speech ended at `end_ms` (hangover is confirmed late).
    Ended { start_ms: u64, end_ms: u64 },
}

/// Smooths per-frame speech decisions into segments with onset and hangover.
#[derive(Clone, Debug)]
pub struct Segmenter {
    onset_frames: u32,
    hangover_frames: u32,
    frame_ms: u64,
    /// Consecutive speech frames while closed.
    speech_run: u32,
    /// Consecutive non-speech frames while open.
    silence_run: u32,
    open_since_ms: Option<u64>,
    /// End of the last speech frame.
    last_speech_end_ms: u64,
}

impl Segmenter {
    /// A segmenter for frames of `config.frame_ms`.
    pub fn new(config: &VadConfig) -> Self {
        let frame_ms = config.frame_ms.max(1);
        Self {
            onset_frames: config.onset_ms.div_ceil(frame_ms).max(1),
            hangover_frames: config.hangover_ms.div_ceil(frame_ms),
            frame_ms: frame_ms.into(),
            speech_run: 0,
            silence_run: 0,
            open_since_ms: None,
            last_speech_end_ms: 0,
        }
    }

    /// Feeds the decision for the frame starting at `frame_start_ms`.
    pub fn push(&mut self, frame_start_ms: u64, is_speech: bool) -> SegmentChange {
        let frame_end_ms = frame_start_ms + self.frame_ms;
        match self.open_since_ms {
            None => {
                if !is_speech {
                    self.speech_run = 0;
                    return SegmentChange::None;
                }
                self.speech_run += 1;
                self.last_speech_end_ms = frame_end_ms;
                if self.speech_run < self.onset_frames {
                    return SegmentChange::None;
                }
                let start_ms = frame_end_ms - u64::from(self.speech_run) * self.frame_ms;
                self.open_since_ms = Some(start_ms);
                self.silence_run = 0;
                SegmentChange::Started { start_ms }
            }
            Some(start_ms) => {
                if is_speech {
                    self.silence_run = 0;
                    self.last_speech_end_ms = frame_end_ms;
                    return SegmentChange::None;
                }
                self.silence_run += 1;
                if self.silence_run <= self.hangover_frames {
                    return SegmentChange::None;
                }
                self.close(start_ms)
            }
        }
    }

    /// Closes any open segment at the end of the audio.
    pub fn finish(&mut self) -> SegmentChange {
        match self.open_since_ms {
            Some(start_ms) => self.close(start_ms),
            None => SegmentChange::None,
        }
    }

    fn close(&mut self, start_ms: u64) -> SegmentChange {
        self.open_since_ms = None;
        self.speech_run = 0;
        self.silence_run = 0;
        SegmentChange::Ended {
            start_ms,
            end_ms: self.last_speech_end_ms,
        }
    }

    /// Start of the open segment, if one is open.
    pub fn open_since_ms(&self) -> Option<u64> {
        self.open_since_ms
    }

    /// End of the most recent speech frame (0 before any).
    pub fn last_speech_end_ms(&self) -> u64 {
        self.last_speech_end_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> VadConfig {
        VadConfig {
            frame_ms: 20,
            onset_ms: 60,
            hangover_ms: 200,
            ..VadConfig::default()
        }
    }

    fn run(pattern: &str) -> Vec<SegmentChange> {
        let mut segmenter = Segmenter::new(&config());
        let mut changes: Vec<_> = pattern
            .chars()
            .enumerate()
            .map(|(i, c)| segmenter.push(i as u64 * 20, c == '#'))
            .filter(|c| *c != SegmentChange::None)
            .collect();
        changes.push(segmenter.finish());
        changes.retain(|c| *c != SegmentChange::None);
        changes
    }

    #[test]
    fn click_does_not_open_a_segment() {
        assert!(run("...##.....#......").is_empty());
    }

    #[test]
    fn onset_is_backdated_to_the_first_speech_frame() {
        let changes = run("..#####");
        assert_eq!(changes[0], SegmentChange::Started { start_ms: 40 });
        assert_eq!(
            changes[1],
            SegmentChange::Ended {
                start_ms: 40,
                end_ms: 140
            }
        );
    }

    #[test]
    fn short_pause_is_bridged_long_pause_splits() {
        // 8 silent frames = 160 ms < 200 ms hangover: one segment.
        assert_eq!(run("#####........#####............").len(), 2);
        // 15 silent frames = 300 ms > 200 ms hangover: two segments.
        assert_eq!(run("#####...............#####............").len(), 4);
    }

    #[test]
    fn end_is_the_last_speech_frame_not_the_hangover() {
        let changes = run("#####..............");
        assert_eq!(
            changes[1],
            SegmentChange::Ended {
                start_ms: 0,
                end_ms: 100
            }
        );
    }

    #[test]
    fn frame_vad_rejects_silence_and_accepts_a_voiced_tone() {
        let mut vad = FrameVad::new(&VadConfig::default());
        let silence = vec![0.0f32; 320];
        assert!(!vad.is_speech(&silence, -120.0));
        // A harmonic-rich 150 Hz voice-like buzz, several frames to let the VAD adapt.
        let mut hits = 0;
        for frame in 0..50 {
            let samples: Vec<f32> = (0..320)
                .map(|i| {
                    let t = (frame * 320 + i) as f32 / 16000.0;
                    (1..12)
                        .map(|h| {
                            (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32
                        })
                        .sum::<f32>()
                        * 0.2
                })
                .collect();
            if vad.is_speech(&samples, -20.0) {
                hits += 1;
            }
        }
        assert!(hits > 25, "voiced buzz detected in {hits}/50 frames");
    }
}
