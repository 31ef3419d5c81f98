//! Speaking rate on real synthesized speech: the syllable-nuclei rate the analyzer reports
//! follows espeak-ng's words-per-minute setting, so a rushed agent stands out from their
//! own baseline, and an ordinary pace stays well under the default ceiling.

use callcue_testkit as common;

use callcue::replay::{analyze_call, CallAudio};
use callcue::{Config, Event, Speaker};
use common::synth::{synth_line, Voice};

const TEXT: &str = "So I checked the line and the speed test shows it is running below the plan rate, \
    so I have opened a repair ticket and a technician will call you within two days to book a visit, \
    and you will get a text message with all of the details and the reference number for your records.";

/// The agent's baseline syllable rate when speaking `TEXT` at `wpm`.
fn measured_rate(wpm: u32) -> f32 {
    let speech = synth_line(TEXT, &Voice::agent().with_wpm(wpm));
    let mut agent = speech.clone();
    agent.extend(std::iter::repeat_n(0.0, 16000));
    agent.extend(&speech);
    let call = CallAudio {
        caller: vec![0.0; agent.len()],
        agent,
        non_finite_samples: 0,
    };
    let mut config = Config::default();
    config.prosody.baseline_speech_ms = 4000;
    let mut rate = None;
    analyze_call(&call, &config, &mut |e: &Event<'_>| {
        if let Event::Baseline {
            speaker: Speaker::Agent,
            syllables_per_s,
            ..
        } = *e
        {
            rate = Some(syllables_per_s);
        }
    });
    rate.expect("baseline established")
}

#[test]
fn syllable_rate_follows_speaking_rate() {
    let rates: Vec<(u32, f32)> = [120, 165, 230, 320]
        .iter()
        .map(|&wpm| (wpm, measured_rate(wpm)))
        .collect();
    eprintln!("espeak wpm -> syllables/s: {rates:?}");
    for pair in rates.windows(2) {
        assert!(pair[1].1 > pair[0].1, "rate must rise with wpm: {rates:?}");
    }
    let (normal, fast) = (rates[1].1, rates[3].1);
    assert!(
        fast > normal * 1.4,
        "320 wpm should read well above 165 wpm: {rates:?}"
    );
    assert!(
        normal < Config::default().agent_pace.ceiling_syllables_per_s * 0.8,
        "{rates:?}"
    );
}
