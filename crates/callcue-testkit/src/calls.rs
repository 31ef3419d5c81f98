//! The scripted calls the tests (and the demo) replay: who says what, in which voice, when.
//!
//! Lines are placed one after another with explicit gaps, or at an offset into an earlier
//! line (to make overlaps). Labels name the stretches the tests check nudges against.

use super::synth::{line_duration_ms, Call, Line, Side, Voice};

/// Places lines on a timeline, measuring each line's synthesized length.
pub struct Script {
    lines: Vec<Line>,
    /// End of the latest line placed.
    cursor_ms: u64,
}

/// Where a placed line sits, for placing others against it.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    pub start_ms: u64,
    pub end_ms: u64,
}

impl Script {
    pub fn new(lead_in_ms: u64) -> Self {
        Self {
            lines: Vec::new(),
            cursor_ms: lead_in_ms,
        }
    }

    /// Says `text` `gap_ms` after the latest line ended.
    pub fn then(
        &mut self,
        gap_ms: u64,
        side: Side,
        voice: Voice,
        label: &'static str,
        text: &str,
    ) -> Placed {
        let start_ms = self.cursor_ms + gap_ms;
        self.at(start_ms, side, voice, label, text)
    }

    /// Says `text` starting `offset_ms` into `other` (overlapping it).
    pub fn during(
        &mut self,
        other: Placed,
        offset_ms: u64,
        side: Side,
        voice: Voice,
        label: &'static str,
        text: &str,
    ) -> Placed {
        self.at(other.start_ms + offset_ms, side, voice, label, text)
    }

    fn at(
        &mut self,
        start_ms: u64,
        side: Side,
        voice: Voice,
        label: &'static str,
        text: &str,
    ) -> Placed {
        let end_ms = start_ms + line_duration_ms(text, &voice);
        self.lines.push(Line {
            side,
            start_ms,
            text: text.to_string(),
            voice,
            label,
        });
        self.cursor_ms = self.cursor_ms.max(end_ms);
        Placed { start_ms, end_ms }
    }

    pub fn into_call(self, tail_ms: u64) -> Call {
        Call {
            lines: self.lines,
            tail_ms,
        }
    }
}

use Side::{Agent, Caller};

/// The calm opening both coaching calls share: enough speech on each side for baselines.
fn calm_opening(script: &mut Script) {
    calm_opening_with(script, Voice::caller());
}

/// [`calm_opening`] with the caller speaking in `c`.
fn calm_opening_with(script: &mut Script, c: Voice) {
    let a = Voice::agent();
    script.then(
        0,
        Agent,
        a.clone(),
        "opening",
        "Thank you for calling Northwind support, my name is Sam. How can I help you today?",
    );
    script.then(600, Caller, c.clone(), "opening", "Hi Sam. I have a question about the bill I received this month. There is a charge on it that I do not recognise.");
    script.then(700, Agent, a.clone(), "opening", "I can certainly help with that. Could you give me the phone number on the account, please?");
    script.then(600, Caller, c.clone(), "opening", "Sure. The number is five five five, two one three, four four eight nine. The account is in my name.");
    script.then(
        700,
        Agent,
        a,
        "opening",
        "Thank you. I have your account open now, and I can see this month's charges on my screen.",
    );
}

/// The agent cuts in 2.5 s into a long caller turn and keeps talking (`interruption`),
/// then listens with two quiet backchannels (`backchannel`) through a long caller
/// explanation.
fn cut_in_then_backchannels(s: &mut Script) {
    cut_in_then_backchannels_with(s, Voice::caller());
}

/// [`cut_in_then_backchannels`] with the caller speaking in `c`.
fn cut_in_then_backchannels_with(s: &mut Script, c: Voice) {
    let a = Voice::agent();
    let long_turn = s.then(700, Caller, c.clone(), "caller_long_turn",
        "The charge is for something called premium support plus, and I never signed up for it, and I had never even heard of it before this month, so I would like to know where it came from.");
    s.during(long_turn, 2500, Agent, a.clone(), "interruption",
        "Right, so that charge comes from the premium plan that was added to your account in March.");
    let explanation = s.then(1000, Caller, c, "caller_explains",
        "Let me explain what happened. I called last month about my internet speed, and the person I spoke to said they would look into it, and then nothing happened for two whole weeks.");
    let quiet = a.with_amplitude(45);
    s.during(
        explanation,
        2600,
        Agent,
        quiet.clone(),
        "backchannel",
        "mm-hmm",
    );
    s.during(explanation, 6500, Agent, quiet, "backchannel", "right");
}

/// A call with one scripted stretch for each voice-driven nudge, plus the things that must
/// not be nudged (backchannels, the caller talking over the agent).
///
/// Labels: `interruption` (the agent's line that cuts in), `backchannel`,
/// `caller_over_agent`, `dead_air` (the agent line after the silence),
/// `fast` (the agent's fast line), `flat` (the agent's flat, quiet lines),
/// `raised` (the caller's raised-voice line).
pub fn coaching_call() -> Call {
    // The caller speaks softly at first, so their anger later can be much louder.
    let (a, c) = (Voice::agent(), Voice::caller().with_amplitude(50));
    let mut s = Script::new(500);
    calm_opening_with(&mut s, c.clone());

    cut_in_then_backchannels_with(&mut s, c.clone());

    // The caller talks over the agent: recorded, not the agent's fault.
    let offer = s.then(800, Agent, a.clone(), "agent_offer",
        "What I can do today is remove the premium support charge and refund it to your card, which usually takes three to five business days.");
    s.during(
        offer,
        2500,
        Caller,
        c.clone(),
        "caller_over_agent",
        "Wait, will that also fix the internet problem I told you about?",
    );
    s.then(
        700,
        Agent,
        a.clone(),
        "agent_checks",
        "Let me check that for you now.",
    );

    // Nine seconds of silence while the agent looks something up.
    s.then(
        9000,
        Agent,
        a.clone(),
        "dead_air",
        "Okay, I have the line test results here.",
    );

    // The agent rushes.
    let fast = a.clone().with_wpm(340);
    s.then(500, Agent, fast.clone(), "fast",
        "So I checked the line and the speed test shows it is running well below the plan rate, so I have opened a repair ticket and a technician will call you within two days to book a visit, and you will get a text message with all of the details and the reference number.");
    s.then(600, Caller, c.clone(), "caller_ok", "Okay, thank you.");

    // The agent's delivery goes flat and quiet.
    let flat = a.clone().with_range(5).with_amplitude(30);
    s.then(700, Agent, flat.clone(), "flat",
        "I have also added a note to your account about the billing problem, so that the next person you speak to can see the whole history of this issue.");
    s.then(400, Agent, flat, "flat",
        "The refund will show on your statement as a credit from Northwind, and there is nothing else you need to do for that part.");

    // The caller's voice turns angry: much louder, faster and pressed, but hardly higher
    // (as anger measures on real voices; a voice that rises in pitch with its loudness
    // is delight as often as anger).
    let raised = c
        .clone()
        .with_pitch(58)
        .with_amplitude(200)
        .with_wpm(215)
        .with_range(60);
    s.then(700, Caller, raised.clone(), "raised",
        "This is the third time I have called about this, and every single time I am told it will be fixed and it never is! I am paying for a service that I am not getting!");
    s.then(
        300,
        Caller,
        raised,
        "raised",
        "It is completely ridiculous and I am sick of it!",
    );
    s.then(
        700,
        Agent,
        a,
        "closing",
        "I understand, and I am sorry this has taken so long.",
    );
    s.into_call(2000)
}

/// A calm, polite call: natural turns, short gaps, no overlaps, no long silences.
pub fn calm_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    calm_opening(&mut s);
    s.then(
        700,
        Caller,
        c.clone(),
        "calm",
        "It says premium support plus, twelve dollars. I do not think I asked for that.",
    );
    s.then(800, Agent, a.clone(), "calm", "I see it. That was added in March, and I can remove it and refund the charges for you today.");
    s.then(
        600,
        Caller,
        c.clone(),
        "calm",
        "That would be great, thank you very much.",
    );
    s.then(
        700,
        Agent,
        a.clone(),
        "calm",
        "You are welcome. The refund will reach your card in three to five business days.",
    );
    s.then(
        600,
        Caller,
        c.clone(),
        "calm",
        "Perfect. While I have you, is my internet plan still the one with the faster speed?",
    );
    s.then(
        700,
        Agent,
        a.clone(),
        "calm",
        "Yes, you are on the two hundred megabit plan, and the line looks healthy from here.",
    );
    s.then(
        600,
        Caller,
        c,
        "calm",
        "Good to know. That is everything I needed today.",
    );
    s.then(
        700,
        Agent,
        a,
        "calm",
        "Thank you for calling Northwind, and have a lovely afternoon.",
    );
    s.into_call(1500)
}

/// The agent explains at length while the caller only backchannels: a monologue.
/// Label `monologue`: the agent's long stretch.
pub fn monologue_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    calm_opening(&mut s);
    s.then(
        600,
        Caller,
        c.clone(),
        "caller_asks",
        "So why was I charged for it?",
    );
    let first = s.then(700, Agent, a.clone(), "monologue",
        "Let me walk you through how the billing cycle works. Your plan renews on the fifteenth of every month, and any add-ons are charged on the same date.");
    s.during(
        first,
        4000,
        Caller,
        c.clone().with_amplitude(45),
        "caller_backchannel",
        "okay",
    );
    s.then(300, Agent, a.clone(), "monologue",
        "When premium support plus was added in March, it was set to renew automatically, so it appeared on the March, April and May bills as a separate line.");
    s.then(300, Agent, a.clone(), "monologue",
        "The refund I am putting through covers all three of those months, and the add-on itself is now removed, so it will not appear again on future bills.");
    s.then(300, Agent, a, "monologue",
        "You will also get an email confirming the refund, with the amount and the date it was processed, which you can keep for your records.");
    s.into_call(1500)
}

/// A short calm start for the words calls: a greeting each way.
fn short_opening(script: &mut Script) {
    script.then(
        0,
        Agent,
        Voice::agent(),
        "opening",
        "Thank you for calling Northwind support. How can I help you today?",
    );
}

/// A short call: the agent greets in 3.5 s, the caller asks, and the agent's delivery is
/// flat and quiet from then on. Label `flat` (the agent's flat lines). With so short a
/// greeting the call's own start is no yardstick; the agent's voice profile is.
pub fn flat_after_short_greeting_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    short_opening(&mut s);
    s.then(
        600,
        Caller,
        c,
        "calm",
        "Hi, I would like to check when my next bill is due, please.",
    );
    let flat = a.with_range(5).with_amplitude(30);
    s.then(700, Agent, flat.clone(), "flat",
        "Your next bill is due on the fourteenth of the month, and it will be the same amount as the last one.");
    s.then(
        400,
        Agent,
        flat,
        "flat",
        "It will be taken from the card on your account, so there is nothing else you need to do.",
    );
    s.into_call(1500)
}

/// The caller's words show frustration while their voice stays calm; then the agent
/// acknowledges. Labels: `frustrated_words` (the caller's line), `acknowledgement`.
pub fn frustrated_words_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    short_opening(&mut s);
    s.then(
        700,
        Caller,
        c.clone(),
        "calm",
        "Hello. I am calling about my internet connection again.",
    );
    s.then(
        700,
        Agent,
        a.clone(),
        "calm",
        "Okay, let me pull up your account.",
    );
    s.then(
        800,
        Caller,
        c.clone(),
        "frustrated_words",
        "This is the third time I have called about this. Honestly, it is ridiculous.",
    );
    s.then(
        800,
        Agent,
        a.clone(),
        "acknowledgement",
        "I understand, and I would be frustrated too. Let me fix this properly today.",
    );
    s.then(700, Caller, c, "calm", "Thank you. I appreciate that.");
    s.into_call(1500)
}

/// The caller mentions a bereavement. Label `loss`.
pub fn loss_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    short_opening(&mut s);
    s.then(
        700,
        Caller,
        c.clone(),
        "loss",
        "I need to close my father's account. He passed away last month.",
    );
    s.then(
        900,
        Agent,
        a,
        "reply",
        "Of course. I can help you close the account today.",
    );
    s.into_call(1500)
}

/// The agent apologises without saying what for. Label `bare_apology`.
pub fn bare_apology_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    short_opening(&mut s);
    s.then(
        700,
        Caller,
        c.clone(),
        "calm",
        "My parcel was supposed to arrive on Monday, and it still has not come.",
    );
    s.then(800, Agent, a.clone(), "bare_apology", "I'm sorry.");
    s.then(
        900,
        Agent,
        a,
        "reply",
        "Let me check where the parcel is right now.",
    );
    s.into_call(1500)
}

/// The agent uses blocking language. Label `blocking`.
pub fn blocking_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    short_opening(&mut s);
    s.then(
        700,
        Caller,
        c.clone(),
        "calm",
        "I would like a refund for the late fee on my bill.",
    );
    s.then(800, Agent, a.clone(), "blocking", "You need to calm down.");
    s.then(
        600,
        Agent,
        a,
        "blocking",
        "There is nothing I can do about that fee. It is our policy.",
    );
    s.then(
        800,
        Caller,
        c,
        "calm",
        "I see. Well, that is disappointing.",
    );
    s.into_call(1500)
}

/// The caller gives their name; the agent answers several turns without using it.
/// Label `name` (the caller's line with the name), `agent_turn` (each agent answer).
pub fn unused_name_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    short_opening(&mut s);
    s.then(
        700,
        Caller,
        c.clone(),
        "name",
        "Hi, my name is Priya. I am calling about my order.",
    );
    s.then(
        700,
        Agent,
        a.clone(),
        "agent_turn",
        "Okay. Can you give me the order number, please?",
    );
    s.then(
        700,
        Caller,
        c.clone(),
        "calm",
        "It is seven seven four two.",
    );
    s.then(
        700,
        Agent,
        a.clone(),
        "agent_turn",
        "Thank you. I can see the order on my screen now.",
    );
    s.then(700, Caller, c.clone(), "calm", "When will it arrive?");
    s.then(
        700,
        Agent,
        a.clone(),
        "agent_turn",
        "It left our warehouse this morning and should arrive on Thursday.",
    );
    s.then(700, Caller, c, "calm", "Great, thanks.");
    s.then(
        700,
        Agent,
        a,
        "agent_turn",
        "You are welcome. Is there anything else I can help with?",
    );
    s.into_call(1500)
}

/// The caller mentions a loss, then straight away says something frustrated: `condolence`
/// takes the screen, and `acknowledge` must follow once it is free. Labels `loss`,
/// `frustrated_words`.
pub fn loss_then_frustration_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    short_opening(&mut s);
    s.then(
        700,
        Caller,
        c.clone(),
        "loss",
        "My husband passed away last month.",
    );
    s.then(
        400,
        Caller,
        c.clone(),
        "frustrated_words",
        "And this is the third time I have called about his account. It is ridiculous.",
    );
    s.then(900, Agent, a, "reply", "Let me look at the account now.");
    s.into_call(4000)
}

/// A short call for live capture tests (played in real time): a greeting, the agent
/// cutting into a long caller turn, then a caller explanation the agent only backchannels
/// through ("mm-hmm", "right").
///
/// Labels: `interruption`, `backchannel`.
pub fn live_call() -> Call {
    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    s.then(
        0,
        Agent,
        a.clone(),
        "opening",
        "Thank you for calling Northwind support, my name is Sam. How can I help you today?",
    );
    s.then(
        600,
        Caller,
        c.clone(),
        "opening",
        "Hi Sam. I have a question about the bill I received this month.",
    );
    cut_in_then_backchannels(&mut s);
    s.into_call(1500)
}

/// The scripted calls above one after another, as one long call of at least `min_ms`
/// (for benchmarks of long calls).
pub fn long_call(min_ms: u64) -> Call {
    let makers: [fn() -> Call; 8] = [
        coaching_call,
        calm_call,
        frustrated_words_call,
        monologue_call,
        loss_call,
        blocking_call,
        unused_name_call,
        bare_apology_call,
    ];
    let mut lines = Vec::new();
    let mut offset_ms = 0;
    let mut i = 0;
    while offset_ms < min_ms {
        let call = makers[i % makers.len()]();
        let end = call
            .lines
            .iter()
            .map(|l| l.start_ms + line_duration_ms(&l.text, &l.voice))
            .max()
            .unwrap_or(0)
            + call.tail_ms;
        for mut line in call.lines {
            line.start_ms += offset_ms;
            lines.push(line);
        }
        offset_ms += end;
        i += 1;
    }
    Call {
        lines,
        tail_ms: 1000,
    }
}
