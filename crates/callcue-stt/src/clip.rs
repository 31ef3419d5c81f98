//! Cutting one side's audio into clips for speech-to-text.
//!
//! A clip opens on the first voiced frame, with `pad_ms` of the channel's own audio before
//! it, and closes after `end_silence_ms` of silence, keeping `pad_ms` of audio after the
//! last voiced frame. While a clip is open, a partial clip (the audio so far) is offered
//! every `partial_every_ms`, so a keyword early in a long turn is heard before the
//! speaker stops. Clips with less than `min_speech_ms` of voiced audio are not offered:
//! clicks and breaths give whisper nothing to transcribe but room to invent.
//!
//! The voice-activity decision per frame comes from the analyzer (webrtc-vad and a level
//! floor), so the clips follow the same speech the rest of the coaching sees. Every
//! buffer is sized when the clipper is built: [`SpeechClipper::push`] never allocates.

use callcue_core::config::SttConfig;
use callcue_core::ANALYSIS_RATE_HZ;

const SAMPLES_PER_MS: usize = (ANALYSIS_RATE_HZ / 1000) as usize;

/// Whether a clip is a look at ongoing speech or the whole, closed clip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClipKind {
    /// The audio so far of a clip still open.
    Partial,
    /// The whole clip; no more audio will follow.
    Final,
}

/// Where a clip sits in the call and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClipSpan {
    /// Numbers the clips of one side, from 0; a partial and its final share it.
    pub clip_id: u64,
    pub kind: ClipKind,
    /// Where the audio starts in the call (padding included).
    pub start_ms: u64,
    /// Where the audio ends in the call.
    pub end_ms: u64,
    /// The end of the last voiced frame in the clip.
    pub speech_end_ms: u64,
    /// Voiced audio in the clip.
    pub voiced_ms: u64,
}

/// A clip ready for transcription. The audio is borrowed from the clipper until the next
/// [`SpeechClipper::push`].
#[derive(Debug)]
pub struct ReadyClip<'a> {
    pub span: ClipSpan,
    /// 16 kHz samples.
    pub audio: &'a [f32],
}

/// Clip statistics, for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClipCounts {
    /// Clips closed with enough speech and offered for their final transcript.
    pub offered: u64,
    /// Clips closed with too little voiced audio to transcribe.
    pub too_short: u64,
}

/// The open clip.
#[derive(Clone, Copy, Debug)]
struct OpenClip {
    start_ms: u64,
    speech_end_ms: u64,
    voiced_ms: u64,
    silence_ms: u64,
    /// Clip length (samples) when the last partial was offered.
    partial_at_len: usize,
}

/// Cuts one side's frames into clips.
pub struct SpeechClipper {
    pad_len: usize,
    end_silence_ms: u64,
    min_speech_ms: u64,
    partial_every_len: usize,
    max_clip_len: usize,
    /// The latest `pad_ms` of audio, oldest first once full (a ring at `preroll_next`).
    preroll: Vec<f32>,
    preroll_next: usize,
    preroll_filled: usize,
    clip: Vec<f32>,
    open: Option<OpenClip>,
    next_clip_id: u64,
    counts: ClipCounts,
}

impl SpeechClipper {
    /// A clipper for frames of `frame_len` samples.
    pub fn new(config: &SttConfig, frame_len: usize) -> Self {
        let pad_len = config.pad_ms as usize * SAMPLES_PER_MS;
        let max_clip_len = config.max_clip_ms as usize * SAMPLES_PER_MS;
        Self {
            pad_len,
            end_silence_ms: u64::from(config.end_silence_ms),
            min_speech_ms: u64::from(config.min_speech_ms),
            partial_every_len: config.partial_every_ms as usize * SAMPLES_PER_MS,
            max_clip_len,
            preroll: vec![0.0; pad_len.max(1)],
            preroll_next: 0,
            preroll_filled: 0,
            // Room for the pre-roll, a full clip and one more frame.
            clip: Vec::with_capacity(pad_len + max_clip_len + frame_len),
            open: None,
            next_clip_id: 0,
            counts: ClipCounts::default(),
        }
    }

    /// Counts so far.
    pub fn counts(&self) -> ClipCounts {
        self.counts
    }

    /// Whether a clip is open.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Takes one frame that starts at `frame_start_ms`, with its voice-activity decision.
    /// Returns a clip when one is ready (a partial or a final). Never allocates.
    pub fn push(
        &mut self,
        frame: &[f32],
        is_speech: bool,
        frame_start_ms: u64,
    ) -> Option<ReadyClip<'_>> {
        let frame_ms = (frame.len() / SAMPLES_PER_MS) as u64;
        let frame_end_ms = frame_start_ms + frame_ms;
        let Some(mut open) = self.open else {
            if is_speech {
                self.open_clip(frame, frame_start_ms, frame_end_ms);
            }
            self.remember(frame);
            return None;
        };
        self.remember(frame);
        if self.clip.len() + frame.len() > self.clip.capacity() {
            // Cannot happen with the capacity above; never grow on the analysis thread.
            return self.close(frame_end_ms);
        }
        self.clip.extend_from_slice(frame);
        if is_speech {
            open.voiced_ms += frame_ms;
            open.speech_end_ms = frame_end_ms;
            open.silence_ms = 0;
        } else {
            open.silence_ms += frame_ms;
        }
        self.open = Some(open);
        if open.silence_ms >= self.end_silence_ms || self.clip.len() >= self.max_clip_len {
            return self.close(frame_end_ms);
        }
        let due = self.clip.len() - open.partial_at_len >= self.partial_every_len;
        if is_speech && due && open.voiced_ms >= self.min_speech_ms {
            if let Some(o) = self.open.as_mut() {
                o.partial_at_len = self.clip.len();
            }
            return Some(ReadyClip {
                span: ClipSpan {
                    clip_id: self.next_clip_id,
                    kind: ClipKind::Partial,
                    start_ms: open.start_ms,
                    end_ms: frame_end_ms,
                    speech_end_ms: open.speech_end_ms,
                    voiced_ms: open.voiced_ms,
                },
                audio: &self.clip,
            });
        }
        None
    }

    /// Closes the open clip at the end of the call, if any.
    pub fn finish(&mut self, end_ms: u64) -> Option<ReadyClip<'_>> {
        self.open?;
        self.close(end_ms)
    }

    fn open_clip(&mut self, frame: &[f32], frame_start_ms: u64, frame_end_ms: u64) {
        self.clip.clear();
        // The pre-roll, oldest sample first.
        let filled = self.preroll_filled;
        if filled == self.pad_len && self.pad_len > 0 {
            self.clip
                .extend_from_slice(&self.preroll[self.preroll_next..]);
            self.clip
                .extend_from_slice(&self.preroll[..self.preroll_next]);
        } else {
            self.clip.extend_from_slice(&self.preroll[..filled]);
        }
        let preroll_ms = (filled / SAMPLES_PER_MS) as u64;
        self.clip.extend_from_slice(frame);
        let frame_ms = frame_end_ms - frame_start_ms;
        self.open = Some(OpenClip {
            start_ms: frame_start_ms.saturating_sub(preroll_ms),
            speech_end_ms: frame_end_ms,
            voiced_ms: frame_ms,
            silence_ms: 0,
            partial_at_len: 0,
        });
    }

    /// Ends the open clip at `end_ms`: trims the trailing silence to `pad_ms` and returns
    /// the final clip, or nothing if it held too little speech.
    fn close(&mut self, end_ms: u64) -> Option<ReadyClip<'_>> {
        let open = self.open.take()?;
        let clip_id = self.next_clip_id;
        self.next_clip_id += 1;
        if open.voiced_ms < self.min_speech_ms {
            self.counts.too_short += 1;
            return None;
        }
        self.counts.offered += 1;
        let keep_ms = (open.speech_end_ms - open.start_ms) as usize;
        let keep_len = (keep_ms * SAMPLES_PER_MS + self.pad_len).min(self.clip.len());
        let clip_end_ms = (open.start_ms + (keep_len / SAMPLES_PER_MS) as u64).min(end_ms);
        Some(ReadyClip {
            span: ClipSpan {
                clip_id,
                kind: ClipKind::Final,
                start_ms: open.start_ms,
                end_ms: clip_end_ms,
                speech_end_ms: open.speech_end_ms,
                voiced_ms: open.voiced_ms,
            },
            audio: &self.clip[..keep_len],
        })
    }

    /// Keeps the frame's samples in the pre-roll ring.
    fn remember(&mut self, frame: &[f32]) {
        if self.pad_len == 0 {
            return;
        }
        for &sample in frame {
            self.preroll[self.preroll_next] = sample;
            self.preroll_next = (self.preroll_next + 1) % self.pad_len;
        }
        self.preroll_filled = (self.preroll_filled + frame.len()).min(self.pad_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME_LEN: usize = 320; // 20 ms

    fn config() -> SttConfig {
        SttConfig {
            pad_ms: 200,
            end_silence_ms: 240,
            min_speech_ms: 300,
            partial_every_ms: 1000,
            max_clip_ms: 5000,
            ..SttConfig::default()
        }
    }

    /// Feeds `pattern` (true = speech frame); each frame's samples hold its index.
    fn run(
        clipper: &mut SpeechClipper,
        pattern: &[bool],
    ) -> Vec<(ClipKind, u64, u64, u64, usize, f32)> {
        let mut out = Vec::new();
        for (i, &speech) in pattern.iter().enumerate() {
            let frame = vec![i as f32; FRAME_LEN];
            if let Some(clip) = clipper.push(&frame, speech, i as u64 * 20) {
                out.push((
                    clip.span.kind,
                    clip.span.start_ms,
                    clip.span.end_ms,
                    clip.span.speech_end_ms,
                    clip.audio.len(),
                    clip.audio[0],
                ));
            }
        }
        out
    }

    fn pattern(parts: &[(bool, usize)]) -> Vec<bool> {
        parts
            .iter()
            .flat_map(|&(s, n)| std::iter::repeat_n(s, n))
            .collect()
    }

    #[test]
    fn a_clip_has_padding_on_both_sides_and_closes_after_the_silence() {
        let mut clipper = SpeechClipper::new(&config(), FRAME_LEN);
        // 1 s silence, 0.6 s speech, 1 s silence.
        let clips = run(
            &mut clipper,
            &pattern(&[(false, 50), (true, 30), (false, 50)]),
        );
        assert_eq!(clips.len(), 1, "{clips:?}");
        let (kind, start_ms, end_ms, speech_end_ms, len, first) = clips[0];
        assert_eq!(kind, ClipKind::Final);
        assert_eq!(start_ms, 800); // 200 ms before the speech at 1000 ms
        assert_eq!(speech_end_ms, 1600);
        assert_eq!(end_ms, 1800); // 200 ms after
        assert_eq!(len, (1800 - 800) * 16);
        assert_eq!(first, 40.0, "the pre-roll starts with frame 40 (800 ms)");
    }

    #[test]
    fn short_bursts_are_not_offered() {
        let mut clipper = SpeechClipper::new(&config(), FRAME_LEN);
        let clips = run(
            &mut clipper,
            &pattern(&[(false, 20), (true, 10), (false, 50)]),
        );
        assert!(clips.is_empty());
        assert_eq!(clipper.counts().too_short, 1);
    }

    #[test]
    fn a_pause_shorter_than_end_silence_keeps_the_clip_open() {
        let mut clipper = SpeechClipper::new(&config(), FRAME_LEN);
        let clips = run(
            &mut clipper,
            &pattern(&[(true, 20), (false, 10), (true, 20), (false, 20)]),
        );
        let finals: Vec<_> = clips.iter().filter(|c| c.0 == ClipKind::Final).collect();
        assert_eq!(finals.len(), 1, "{clips:?}");
        assert_eq!(finals[0].3, 1000);
    }

    #[test]
    fn long_speech_gives_partials_then_a_final_and_is_cut_at_max_length() {
        let mut clipper = SpeechClipper::new(&config(), FRAME_LEN);
        // 7 s of speech: partials every 1 s, a final at 5 s (max), then a new clip.
        let clips = run(&mut clipper, &pattern(&[(true, 350), (false, 20)]));
        let partials = clips.iter().filter(|c| c.0 == ClipKind::Partial).count();
        let finals: Vec<_> = clips.iter().filter(|c| c.0 == ClipKind::Final).collect();
        assert_eq!(partials, 4 + 2, "{clips:?}");
        assert_eq!(finals.len(), 2, "{clips:?}");
        assert_eq!(finals[0].2, 5000);
        assert_eq!(finals[1].3, 7000);
    }

    #[test]
    fn an_open_clip_is_closed_at_the_end_of_the_call() {
        let mut clipper = SpeechClipper::new(&config(), FRAME_LEN);
        assert!(run(&mut clipper, &pattern(&[(true, 30)])).is_empty());
        let clip = clipper.finish(600).expect("final clip");
        assert_eq!(clip.span.kind, ClipKind::Final);
        assert_eq!(clip.span.speech_end_ms, 600);
    }
}
