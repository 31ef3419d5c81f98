//! Speaking rate from the loudness envelope: syllable nuclei are loudness peaks that stand
//! out from the dips on both sides of them (after de Jong & Wempe's syllable-nuclei method),
//! counted only while the speaker is talking.
//!
//! The envelope is the level of telephone-band (8 kHz) audio in 10 ms steps, averaged over 40 ms.
//! A hysteresis peak picker follows it: a peak is confirmed once the level has fallen
//! `dip_db` below it, and the next peak can only start after the level has risen `dip_db`
//! above the dip. Allocation-free.

use super::level_dbfs;

/// Envelope block length at 8 kHz (10 ms).
const BLOCK_SAMPLES: usize = 80;
/// Blocks averaged (on energy) into one envelope value: 40 ms, longer than a pitch period
/// of low voices, so the envelope follows syllables, not glottal pulses.
const ENVELOPE_BLOCKS: usize = 4;
/// Peaks more than this far below the loudest recent peak are not nuclei (breaths, noise).
const PEAK_FLOOR_BELOW_MAX_DB: f32 = 25.0;
/// How fast the "loudest recent peak" reference decays, per block.
const PEAK_REFERENCE_DECAY_DB_PER_BLOCK: f32 = 0.05;

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Climbing towards a peak; the highest level so far.
    Rising { peak_db: f32 },
    /// Falling away from a confirmed peak; the lowest level so far.
    Falling { dip_db: f32 },
}

/// Counts syllable nuclei in a stream of 8 kHz audio.
#[derive(Clone, Debug)]
pub struct SyllableCounter {
    dip_db: f32,
    phase: Phase,
    block: [f32; BLOCK_SAMPLES],
    block_fill: usize,
    /// The last `ENVELOPE_BLOCKS` block energies (a ring) for the moving average.
    recent_block_energy: [f32; ENVELOPE_BLOCKS],
    next_block: usize,
    loudest_peak_db: f32,
}

impl SyllableCounter {
    /// A counter whose peaks must stand `dip_db` above the surrounding dips.
    pub fn new(dip_db: f32) -> Self {
        Self {
            dip_db,
            phase: Phase::Falling { dip_db: -120.0 },
            block: [0.0; BLOCK_SAMPLES],
            block_fill: 0,
            recent_block_energy: [0.0; ENVELOPE_BLOCKS],
            next_block: 0,
            loudest_peak_db: -120.0,
        }
    }

    /// Feeds 8 kHz samples; returns how many nuclei were confirmed in them. `speaking`
    /// says whether the speaker is talking now: peaks outside speech are not counted.
    /// Never allocates.
    pub fn push(&mut self, samples_8k: &[f32], speaking: bool) -> u32 {
        let mut nuclei = 0;
        for &x in samples_8k {
            self.block[self.block_fill] = x;
            self.block_fill += 1;
            if self.block_fill == BLOCK_SAMPLES {
                self.block_fill = 0;
                if self.push_block(speaking) {
                    nuclei += 1;
                }
            }
        }
        nuclei
    }

    fn push_block(&mut self, speaking: bool) -> bool {
        let energy = self.block.iter().map(|x| x * x).sum::<f32>() / BLOCK_SAMPLES as f32;
        self.recent_block_energy[self.next_block] = energy;
        self.next_block = (self.next_block + 1) % ENVELOPE_BLOCKS;
        let smoothed = self.recent_block_energy.iter().sum::<f32>() / ENVELOPE_BLOCKS as f32;
        let level_db = level_dbfs(smoothed.sqrt());
        self.loudest_peak_db -= PEAK_REFERENCE_DECAY_DB_PER_BLOCK;
        match self.phase {
            Phase::Rising { peak_db } => {
                if level_db > peak_db {
                    self.phase = Phase::Rising { peak_db: level_db };
                } else if level_db < peak_db - self.dip_db {
                    self.phase = Phase::Falling { dip_db: level_db };
                    self.loudest_peak_db = self.loudest_peak_db.max(peak_db);
                    return speaking && peak_db > self.loudest_peak_db - PEAK_FLOOR_BELOW_MAX_DB;
                }
            }
            Phase::Falling { dip_db } => {
                if level_db < dip_db {
                    self.phase = Phase::Falling { dip_db: level_db };
                } else if level_db > dip_db + self.dip_db {
                    self.phase = Phase::Rising { peak_db: level_db };
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Amplitude-modulated 200 Hz tone: `rate_hz` "syllables" per second.
    fn syllable_train(rate_hz: f32, seconds: f32) -> Vec<f32> {
        (0..(8000.0 * seconds) as usize)
            .map(|i| {
                let t = i as f32 / 8000.0;
                let envelope = (std::f32::consts::PI * rate_hz * t).sin().abs().powf(2.0);
                0.3 * envelope * (2.0 * std::f32::consts::PI * 200.0 * t).sin()
            })
            .collect()
    }

    #[test]
    fn counts_modulation_peaks() {
        for rate in [3.0, 5.0, 7.0, 9.0] {
            let mut counter = SyllableCounter::new(3.0);
            let n: u32 = syllable_train(rate, 4.0)
                .chunks(160)
                .map(|c| counter.push(c, true))
                .sum();
            let expected = rate * 4.0;
            assert!(
                (n as f32 - expected).abs() <= 1.5,
                "{rate}/s for 4 s: counted {n}, expected about {expected}"
            );
        }
    }

    #[test]
    fn steady_tone_and_silence_have_no_nuclei() {
        let mut counter = SyllableCounter::new(3.0);
        let tone: Vec<f32> = (0..16000).map(|i| 0.3 * (i as f32 * 0.157).sin()).collect();
        let silence = vec![0.0f32; 16000];
        let n: u32 = tone
            .chunks(160)
            .chain(silence.chunks(160))
            .map(|c| counter.push(c, true))
            .sum();
        assert!(n <= 1, "counted {n}");
    }

    #[test]
    fn peaks_outside_speech_are_not_counted() {
        let mut counter = SyllableCounter::new(3.0);
        let n: u32 = syllable_train(5.0, 2.0)
            .chunks(160)
            .map(|c| counter.push(c, false))
            .sum();
        assert_eq!(n, 0);
    }
}
