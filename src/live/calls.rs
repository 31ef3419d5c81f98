//! Finding calls in the audio when no softphone hook marks them, and the audio kept from
//! just before a call is found.
//!
//! A call starts when the caller side carries `calls.caller_speech_to_start_ms` of speech
//! within a second, after `calls.idle_before_start_ms` without caller speech (callcue
//! starting counts as idle: it may be started mid-call). A call found this way ends
//! after `calls.end_after_silence_ms` of two-sided silence. The caller side is what the
//! softphone plays, so between calls it is silent; the agent talking to a colleague
//! between calls does not start one.

use crate::config::{CallsConfig, VadConfig};
use crate::prosody::frame_level_dbfs;
use crate::vad::FrameVad;

/// The window caller speech is counted in.
const START_WINDOW_MS: u64 = 1000;

/// What the audio says about call boundaries on a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioCallChange {
    None,
    /// Caller speech after an idle spell.
    Started,
    /// Long two-sided silence.
    Ended,
}

/// Voice activity on both sides, always running (the call analyzer only runs in calls).
pub struct CallDetector {
    config: CallsConfig,
    frame_ms: u64,
    vads: [FrameVad; 2],
    /// Caller-speech decisions of the last second, a ring.
    caller_window: Vec<bool>,
    window_pos: usize,
    caller_speech_in_window: usize,
    /// Time since the caller last spoke.
    caller_quiet_ms: u64,
    /// Time since either side last spoke.
    both_quiet_ms: u64,
    /// Armed by an idle spell: the next caller speech starts a call.
    armed: bool,
}

impl CallDetector {
    pub fn new(calls: &CallsConfig, vad: &VadConfig) -> Self {
        let frame_ms = u64::from(vad.frame_ms);
        let window_frames = (START_WINDOW_MS / frame_ms) as usize;
        Self {
            config: calls.clone(),
            frame_ms,
            vads: [FrameVad::new(vad), FrameVad::new(vad)],
            caller_window: vec![false; window_frames],
            window_pos: 0,
            caller_speech_in_window: 0,
            caller_quiet_ms: 0,
            both_quiet_ms: 0,
            armed: true,
        }
    }

    /// Judges one frame pair. `in_audio_call` says whether a call found in the audio is
    /// running (only those end on silence). Never allocates.
    pub fn push(&mut self, agent: &[f32], caller: &[f32], in_audio_call: bool) -> AudioCallChange {
        let agent_speech = self.vads[0].is_speech(agent, frame_level_dbfs(agent));
        let caller_speech = self.vads[1].is_speech(caller, frame_level_dbfs(caller));
        if self.caller_window[self.window_pos] {
            self.caller_speech_in_window -= 1;
        }
        self.caller_window[self.window_pos] = caller_speech;
        if caller_speech {
            self.caller_speech_in_window += 1;
        }
        self.window_pos = (self.window_pos + 1) % self.caller_window.len();
        self.caller_quiet_ms = if caller_speech {
            0
        } else {
            self.caller_quiet_ms + self.frame_ms
        };
        self.both_quiet_ms = if caller_speech || agent_speech {
            0
        } else {
            self.both_quiet_ms + self.frame_ms
        };
        if self.caller_quiet_ms >= u64::from(self.config.idle_before_start_ms) {
            self.armed = true;
        }
        if in_audio_call {
            if self.both_quiet_ms >= u64::from(self.config.end_after_silence_ms) {
                self.both_quiet_ms = 0;
                return AudioCallChange::Ended;
            }
            return AudioCallChange::None;
        }
        let needed = (u64::from(self.config.caller_speech_to_start_ms) / self.frame_ms) as usize;
        if self.armed && self.caller_speech_in_window >= needed.max(1) {
            self.armed = false;
            self.both_quiet_ms = 0;
            return AudioCallChange::Started;
        }
        AudioCallChange::None
    }

    /// A call started or ended by other means (a hook): the next start needs a new idle
    /// spell.
    pub fn disarm(&mut self) {
        self.armed = false;
        self.both_quiet_ms = 0;
    }
}

/// The last `preroll_ms` of both sides, so a call found in the audio is analysed from a
/// little before the moment it was found. Fixed size; never allocates after `new`.
pub struct Preroll {
    frame_len: usize,
    frames: usize,
    agent: Vec<f32>,
    caller: Vec<f32>,
    next: usize,
    filled: usize,
}

impl Preroll {
    pub fn new(preroll_ms: u32, frame_ms: u32, frame_len: usize) -> Self {
        let frames = (preroll_ms / frame_ms.max(1)) as usize;
        Self {
            frame_len,
            frames,
            agent: vec![0.0; frames * frame_len],
            caller: vec![0.0; frames * frame_len],
            next: 0,
            filled: 0,
        }
    }

    pub fn push(&mut self, agent: &[f32], caller: &[f32]) {
        if self.frames == 0 {
            return;
        }
        let at = self.next * self.frame_len;
        self.agent[at..at + self.frame_len].copy_from_slice(agent);
        self.caller[at..at + self.frame_len].copy_from_slice(caller);
        self.next = (self.next + 1) % self.frames;
        self.filled = (self.filled + 1).min(self.frames);
    }

    /// The kept frames, oldest first, as (agent, caller) pairs; then forgets them.
    pub fn drain(&mut self, mut each: impl FnMut(&[f32], &[f32])) {
        let oldest = (self.next + self.frames - self.filled) % self.frames.max(1);
        for i in 0..self.filled {
            let at = ((oldest + i) % self.frames) * self.frame_len;
            each(
                &self.agent[at..at + self.frame_len],
                &self.caller[at..at + self.frame_len],
            );
        }
        self.filled = 0;
    }

    pub fn clear(&mut self) {
        self.filled = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preroll_gives_back_the_last_frames_in_order() {
        let mut preroll = Preroll::new(30, 10, 2);
        for i in 0..5 {
            let v = i as f32;
            preroll.push(&[v, v], &[-v, -v]);
        }
        let mut seen = Vec::new();
        preroll.drain(|a, c| seen.push((a[0], c[0])));
        assert_eq!(seen, vec![(2.0, -2.0), (3.0, -3.0), (4.0, -4.0)]);
        let mut again = 0;
        preroll.drain(|_, _| again += 1);
        assert_eq!(again, 0);
    }
}
