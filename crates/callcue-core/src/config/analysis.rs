//! The analysis sections: channels, voice activity, turn-taking, prosody and the voice
//! cues (caller frustration, agent pace, agent energy). Declarations only; see
//! `declare.rs` for the syntax.

use super::declare::section;

section! {
    /// Which channel of a multi-channel recording carries each side of the call.
    [audio] AudioConfig {
        /// The agent's channel, counted from 0.
        agent_channel: usize = 0, range(0..=63);
        /// The caller's channel; not the same as agent_channel.
        caller_channel: usize = 1, range(0..=63);
    }
}

section! {
    /// Voice activity: webrtc-vad per frame, smoothed into speech segments.
    [vad] VadConfig {
        /// Analysis frame length (webrtc-vad's frame sizes).
        frame_ms: u32 = 20, one_of(10, 20, 30);
        /// webrtc-vad aggressiveness: 0 lets most sound through as speech, 3 is strictest.
        aggressiveness: u8 = 2, range(0..=3);
        /// Speech must last this long to start a segment, so a click does not.
        onset_ms: u32 = 60, range(0..=1000);
        /// Silence must last this long to end a segment, so a comma pause does not.
        hangover_ms: u32 = 400, range(0..=3000);
        /// Frames quieter than this are never speech, whatever webrtc-vad says.
        min_speech_level_dbfs: f32 = -55.0, range(-100.0..=-10.0);
    }
}

section! {
    /// Turn-taking across the two channels. An interruption is the agent taking the floor from
    /// the caller, as a listener would hear it: the first three keys say when.
    [turns] TurnsConfig {
        /// The caller must have been talking this long when the agent starts: two people starting
        /// together is not an interruption ...
        mid_turn_ms: u32 = 1000, range(0..=10_000);
        /// ... both then talk at once this long ...
        min_overlap_ms: u32 = 600, range(100..=5000);
        /// ... and the agent wins the floor: the caller gives way while the agent talks on, or both
        /// keep talking this long. An agent who backs off has not interrupted.
        competing_overlap_ms: u32 = 1200, range(100..=10_000);
        /// The agent's speech must also outlast a backchannel: an overlapping stretch no longer
        /// than this that ends on its own is a backchannel ("mm-hmm", "right").
        backchannel_max_ms: u32 = 1000, range(100..=5000);
        /// A backchannel is also no louder than the speaker's usual level plus this.
        backchannel_max_loudness_rise_db: f32 = 3.0, range(-20.0..=40.0);
        /// The other side counts as still talking this long after its last voiced frame.
        overlap_bridge_ms: u32 = 200, range(0..=1000);
        /// Both sides silent this long during a call is dead air.
        dead_air_ms: u32 = 6000, range(1000..=600_000);
        /// The agent talking this long without a real caller turn is a monologue.
        monologue_ms: u32 = 45_000, range(5000..=3_600_000);
    }
}

section! {
    /// Pitch, loudness and pace measurement, and each speaker's baseline.
    [prosody] ProsodyConfig {
        /// Lowest pitch the tracker looks for.
        pitch_min_hz: f32 = 60.0, range(50.0..=200.0);
        /// Highest pitch the tracker looks for.
        pitch_max_hz: f32 = 500.0, range(200.0..=1000.0);
        /// Each speaker's first baseline comes from their first this-much speech in the call ...
        baseline_speech_ms: u32 = 4000, range(1000..=120_000);
        /// ... then adapts slowly over their latest this-much speech, leaving out stretches that
        /// raised a cue.
        baseline_max_speech_ms: u32 = 30_000, range(1000..=600_000);
        /// "Now" is judged over the speaker's latest this-much speech.
        recent_speech_ms: u32 = 2500, range(500..=30_000);
        /// The speaking rate is measured over the speaker's latest this-much speech.
        pace_speech_ms: u32 = 3000, range(500..=60_000);
        /// A syllable is a loudness peak standing this far above the dips around it.
        syllable_dip_db: f32 = 3.0, range(0.5..=20.0);
    }
}

section! {
    /// The caller's voice against their own baseline. Frustration is told from excitement by
    /// how the voice rises: an angry voice gets louder without getting correspondingly higher,
    /// and rougher; a delighted one rises in pitch with its loudness. The voice's tension is
    /// its loudness rise (dB) minus its pitch rise (semitones; a fall counts as none), plus
    /// roughness_weight for each hundredth of aperiodicity rise.
    [caller_frustration] CallerFrustrationConfig {
        /// The voice scores 0 at no tension and 1 at this.
        tension_full_db: f32 = 18.0, range(1.0..=60.0);
        /// What each semitone of pitch rise takes off the tension ...
        pitch_weight: f32 = 1.0, range(0.0..=3.0);
        /// ... and what each hundredth of aperiodicity rise adds to it.
        roughness_weight: f32 = 0.5, range(0.0..=5.0);
        /// A voice less than this much louder than the caller's baseline scores nothing.
        min_loudness_rise_db: f32 = 6.0, range(0.0..=40.0);
        /// Frustrated at this score or above ...
        threshold: f32 = 0.5, range(0.05..=1.0);
        /// ... until it falls below threshold minus this.
        hysteresis: f32 = 0.15, range(0.0..=threshold);
        /// The voice alone must stay at its threshold for this much of the caller's speech ...
        sustain_ms: u32 = 1500, range(0..=30_000);
        /// ... unless it reaches this score. Frustrated words need no wait.
        strong_score: f32 = 0.8, range(threshold..=1.0);
        /// Without transcripts (speech-to-text off or unavailable) the voice alone needs
        /// this score.
        voice_only_threshold: f32 = 0.6, range(threshold..=1.0);
    }
}

section! {
    /// The agent speaking too fast, against an absolute ceiling and their own baseline.
    [agent_pace] AgentPaceConfig {
        /// Too fast: above this absolute rate ...
        ceiling_syllables_per_s: f32 = 7.5, range(2.0..=20.0);
        /// ... or this far above the agent's own baseline rate,
        rise_percent: f32 = 50.0, range(1.0..=300.0);
        /// for at least this long (a quick aside is not rushing).
        min_fast_ms: u32 = 1500, range(0..=60_000);
    }
}

section! {
    /// The agent's delivery going flat: less pitch movement and quieter than their baseline.
    [agent_energy] AgentEnergyConfig {
        /// Flat delivery: pitch movement down by at least this share of the agent's baseline ...
        variability_drop_percent: f32 = 40.0, range(1.0..=99.0);
        /// ... and at least this much quieter than baseline,
        loudness_drop_db: f32 = 6.0, range(0.0..=40.0);
        /// for at least this long (one quiet phrase is not flat delivery).
        min_flat_ms: u32 = 3000, range(0..=60_000);
    }
}
