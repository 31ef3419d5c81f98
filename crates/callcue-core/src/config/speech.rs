//! The speech sections: local speech-to-text (`stt`) and the phrase lists and rules of
//! the words side of coaching (`words`). Declarations only; see `declare.rs` for the
//! syntax.

use super::declare::section;

section! {
    /// Local speech-to-text with whisper: the model, and how speech is cut into clips for it.
    [stt] SttConfig {
        /// Off: coaching from the voice alone (no transcripts, no word cues).
        enabled: bool = true;
        /// The model: tiny.en, base.en, small.en (the file `ggml-<model>.bin` is looked for in
        /// $CALLCUE_MODELS, ./models, models/ beside the program, the user's data directory, then
        /// /usr/share/callcue/models) ...
        model: String = "tiny.en";
        /// ... or a model file named directly ("" to look the model up).
        model_path: String = "";
        /// CPU threads whisper uses at most. Live, it uses as many as other programs leave cores
        /// free: whisper's threads spin while they wait for each other.
        threads: u32 = 2, range(1..=64);
        /// Live, when transcripts come late, step down on purpose: no partial transcripts, then one
        /// thread, then a smaller context, then skip clips that cannot be transcribed in time (said
        /// once in a `stt_degraded` notice and counted in the summary). Never in reproducible
        /// replays.
        adapt_to_load: bool = true;
        /// A transcript later than this after its clip was sent (waiting plus decoding) is late;
        /// two late transcripts in three step down.
        late_transcript_ms: u32 = 1500, range(300..=30_000);
        /// Each clip keeps this much of the channel's own audio before and after the speech.
        pad_ms: u32 = 200, range(0..=1000);
        /// Silence this long closes a clip and sends it for its final transcript.
        end_silence_ms: u32 = 250, range(60..=3000);
        /// Clips with less voiced audio than this are not transcribed: clicks, breaths.
        min_speech_ms: u32 = 300, range(0..=5000);
        /// While someone keeps talking, a partial transcript every this much audio.
        partial_every_ms: u32 = 1500, range(500..=30_000);
        /// A clip this long is closed and the next begins (whisper's window is 30 s).
        max_clip_ms: u32 = 20_000, range(2000..=28_000);
        /// Whisper's audio context is sized to the clip (50 frames a second plus 64) but never
        /// below this; smaller makes whisper repeat itself on short clips.
        min_audio_context_frames: u32 = 448, range(64..=1500);
        /// At most this many text tokens per second of clip.
        max_tokens_per_s: f32 = 6.0, range(1.0..=30.0);
        /// A decode is stopped after this long ...
        decode_budget_ms: u32 = 1500, range(100..=60_000);
        /// ... plus this much per second of clip audio.
        decode_budget_per_audio_s_ms: u32 = 100, range(0..=10_000);
        /// A transcript whisper rates at this no-speech probability or above is dropped.
        no_speech_probability_max: f32 = 0.6, range(0.0..=1.0);
        /// A transcript whose words whisper was this unsure of or less (mean log-probability of its
        /// tokens) is dropped: noise read as words. Speech comes out above -1.1.
        min_mean_token_logprob: f32 = -1.5, range(-20.0..=0.0);
        /// Clips waiting for whisper; beyond this the oldest is dropped and counted. Newer partials
        /// of a clip always replace older ones.
        max_waiting_clips: u32 = 4, range(1..=64);
    }
}

section! {
    /// The words side of coaching: phrase lists supervisors edit, and the rules on them.
    /// Phrases are matched on whole words after folding case, punctuation, contractions and
    /// numbers ("I'm" = "I am", "3rd" = "third"); "*" stands for any one word. A phrase right
    /// after "not", "no" or "never" in the same clause does not count ("I'm not upset").
    [words] WordsConfig {
        /// The caller's frustrated words. Each adds frustration_phrase_score to the caller's
        /// frustration score, the same score the voice feeds, so `acknowledge` fires on either.
        caller_frustration: Vec<String> = [
            "third time",
            "second time",
            "again and again",
            "ridiculous",
            "unacceptable",
            "speak to a manager",
            "speak to your manager",
            "speak to a supervisor",
            "speak to your supervisor",
            "talk to a manager",
            "talk to a supervisor",
            "cancel my account",
            "waste of time",
            "wasting my time",
            "fed up",
            "sick of",
            "frustrated",
            "frustrating",
            "annoyed",
            "upset",
            "angry",
            "furious",
            "this is a joke",
            "nobody called me back",
            "no one called me back",
            "still not fixed",
            "still not working",
            "not good enough",
            "terrible service",
            "how many times",
        ], phrases();
        /// What one phrase adds to the 0-1 score ...
        frustration_phrase_score: f32 = 0.6, range(0.0..=1.0);
        /// ... and the words' part of the score halves every this long.
        frustration_half_life_ms: u32 = 30_000, range(1000..=600_000);
        /// The caller mentions a loss or distress: `condolence`.
        caller_loss: Vec<String> = [
            "passed away",
            "died",
            "funeral",
            "in the hospital",
            "in hospital",
            "lost my husband",
            "lost my wife",
            "lost my mother",
            "lost my father",
            "lost my mom",
            "lost my dad",
            "lost my son",
            "lost my daughter",
            "cancer",
            "intensive care",
            "terminally ill",
            "bereavement",
        ], phrases();
        /// The agent acknowledges feelings: settles a pending `acknowledge`.
        agent_acknowledgement: Vec<String> = [
            "i understand",
            "i can understand",
            "i completely understand",
            "i would be frustrated too",
            "i would be upset too",
            "i would feel the same",
            "i am sorry to hear",
            "sorry to hear",
            "that must be",
            "that sounds",
            "i can see why",
            "i hear you",
            "you have every right",
            "i can imagine",
        ], phrases();
        /// After an acknowledgement, `acknowledge` is held back this long.
        acknowledged_hold_ms: u32 = 60_000, range(0..=3_600_000);
        /// The agent blocks or blames: `positive_language`.
        agent_blocking: Vec<String> = [
            "calm down",
            "there is nothing i can do",
            "nothing i can do",
            "it is our policy",
            "it is company policy",
            "that is our policy",
            "not my department",
            "not my problem",
            "not my fault",
            "you should have",
            "you need to calm",
            "i can not help you",
            "that is not possible",
        ], phrases();
        /// The caller says something warm (thanks, praise, laughter): for positive_veto_ms their
        /// voice is not taken for frustration, however animated.
        caller_positive: Vec<String> = [
            "thank you so much",
            "thanks so much",
            "thank you very much",
            "really appreciate",
            "appreciate it",
            "great",
            "wonderful",
            "awesome",
            "amazing",
            "fantastic",
            "perfect",
            "brilliant",
            "excellent",
            "lovely",
            "so happy",
            "so glad",
            "you saved me",
            "that is so kind",
            "ha ha",
            "haha",
        ], phrases();
        /// How long a warm phrase keeps the caller's voice from counting as frustration.
        positive_veto_ms: u32 = 20_000, range(0..=600_000);
        /// The caller describes a problem: a long explanation with one of these (or a frustration
        /// phrase) is what `restate` answers; many words alone are not.
        caller_problem: Vec<String> = [
            "problem",
            "issue",
            "not working",
            "does not work",
            "stopped working",
            "broken",
            "broke",
            "error",
            "wrong",
            "charged",
            "overcharged",
            "refund",
            "missing",
            "never arrived",
            "never came",
            "keeps",
            "damaged",
            "late",
            "cancelled",
            "light is on",
            "light came on",
            "noise",
            "leak",
            "leaking",
        ], phrases();
        /// Agent apologies; one with nothing about what it is for ("Sorry.") gives `be_specific`.
        agent_apology: Vec<String> = [
            "sorry",
            "i am sorry",
            "i am so sorry",
            "i apologize",
            "i apologise",
            "my apologies",
            "we apologize",
            "we apologise",
        ], phrases();
        /// `use_name` once the agent has finished this many turns since the caller gave their name
        /// ("my name is ...", "this is ... calling") without using it.
        use_name_after_agent_turns: u32 = 3, range(1..=100);
        /// `restate` when the caller has said at least this many words since the agent's last real
        /// turn, among them a problem or frustration phrase ...
        restate_min_caller_words: u32 = 40, range(5..=10_000);
        /// ... and has paused this long.
        restate_pause_ms: u32 = 700, range(200..=10_000);
    }
}
