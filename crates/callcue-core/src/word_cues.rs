//! Judgements on what the two sides say: the words side of coaching.
//!
//! Transcripts come in (partial and final, from the speech-to-text worker); what was heard goes out as
//! [`Heard`] items for the analyzer to emit and act on. The phrase lists are the config's
//! `[words]` lists, matched on normalized text, on word boundaries, with simple negation
//! (see [`crate::text`]). Who says what matters: frustration, loss and names count from
//! the caller; acknowledgements, blocking language and apologies from the agent.
//!
//! A phrase is reported once per clip even though a clip's partials and its final all
//! contain it. Losses are heard in final transcripts only. Bare apologies are judged on final transcripts only, where the sentence is
//! whole. The agent's turns are their final transcripts of three words or more (shorter
//! ones are backchannels); they count towards `use_name` and end the caller's explanation
//! for `restate`.
//!
//! The per-frame check ([`WordCues::restate_due`]) never allocates; handling a transcript
//! does, about once a second.

use crate::config::WordsConfig;
use crate::event::{Speaker, WordCue};
use crate::text::{bare_apology, caller_name, mentions_name, normalize, PhraseList};

/// An agent final transcript of fewer words than this is a backchannel, not a turn.
const MIN_AGENT_TURN_WORDS: usize = 3;
/// Room for per-clip phrase records before the list grows.
const HEARD_CAPACITY: usize = 64;

/// One thing heard in a transcript.
#[derive(Clone, Debug, PartialEq)]
pub struct Heard {
    pub speaker: Speaker,
    pub cue: WordCue,
    /// The phrase as the config writes it (for names: the name).
    pub phrase: String,
    pub negated: bool,
}

/// A nudge the words call for, beyond what each [`Heard`] item implies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordsDue {
    /// The caller gave a name the agent has not used in this many turns.
    UseName { name: String, agent_turns: u32 },
}

/// The phrase lists, compiled.
struct Lists {
    frustration: PhraseList,
    loss: PhraseList,
    acknowledgement: PhraseList,
    blocking: PhraseList,
    apology: PhraseList,
    problem: PhraseList,
    positive: PhraseList,
}

/// The words state of one call.
pub struct WordCues {
    config: WordsConfig,
    lists: Lists,
    /// (speaker, clip, cue, phrase index) already reported.
    reported: Vec<(Speaker, u64, WordCue, usize)>,
    caller_name: Option<String>,
    /// Agent turns since the caller gave their name, while the agent has not used it.
    agent_turns_without_name: u32,
    name_used: bool,
    name_nudged: bool,
    /// Caller words since the agent's last real turn.
    caller_words_since_agent_turn: u32,
    /// Whether those words described a problem or complained (for `restate`).
    caller_described_problem: bool,
    /// When the agent last acknowledged the caller's feelings.
    acknowledged_at_ms: Option<u64>,
}

impl WordCues {
    /// Compiles the config's phrase lists (already validated with the config).
    pub fn new(config: &WordsConfig) -> Self {
        let compile = |list: &[String]| PhraseList::new(list).unwrap_or_default();
        Self {
            lists: Lists {
                frustration: compile(&config.caller_frustration),
                loss: compile(&config.caller_loss),
                acknowledgement: compile(&config.agent_acknowledgement),
                blocking: compile(&config.agent_blocking),
                apology: compile(&config.agent_apology),
                problem: compile(&config.caller_problem),
                positive: compile(&config.caller_positive),
            },
            config: config.clone(),
            reported: Vec::with_capacity(HEARD_CAPACITY),
            caller_name: None,
            agent_turns_without_name: 0,
            name_used: false,
            name_nudged: false,
            caller_words_since_agent_turn: 0,
            caller_described_problem: false,
            acknowledged_at_ms: None,
        }
    }

    /// The caller's name, once given.
    pub fn caller_name(&self) -> Option<&str> {
        self.caller_name.as_deref()
    }

    /// Whether an acknowledgement from the agent at or before `t_ms` still settles
    /// `acknowledge`.
    pub fn acknowledged_recently(&self, t_ms: u64) -> bool {
        self.acknowledged_at_ms
            .is_some_and(|at| t_ms.saturating_sub(at) < u64::from(self.config.acknowledged_hold_ms))
    }

    /// Reads one transcript at call position `t_ms`: returns what was heard, and a nudge
    /// the words call for, if any.
    pub fn hear(
        &mut self,
        speaker: Speaker,
        clip_id: u64,
        is_final: bool,
        text: &str,
        t_ms: u64,
    ) -> (Vec<Heard>, Option<WordsDue>) {
        let normalized = normalize(text);
        let mut heard = Vec::new();
        match speaker {
            Speaker::Caller => {
                self.match_list(
                    speaker,
                    clip_id,
                    WordCue::Frustration,
                    &normalized,
                    &mut heard,
                );
                // A loss from final transcripts only: a partial cut mid-sentence is where
                // whisper mishears most ("cancer" in "Kids are talking by the door"), a
                // false condolence is among the worst nudges, and condolences come after
                // the caller finishes anyway.
                if is_final {
                    self.match_list(speaker, clip_id, WordCue::Loss, &normalized, &mut heard);
                }
                self.match_list(speaker, clip_id, WordCue::Positive, &normalized, &mut heard);
                // Names from final transcripts only: a partial cut mid-name misspells it.
                if is_final && self.caller_name.is_none() {
                    if let Some(name) = caller_name(text) {
                        heard.push(Heard {
                            speaker,
                            cue: WordCue::Name,
                            phrase: name.clone(),
                            negated: false,
                        });
                        self.caller_name = Some(name);
                    }
                }
                if is_final {
                    self.caller_words_since_agent_turn += normalized.len() as u32;
                    let complained = heard
                        .iter()
                        .any(|h| h.cue == WordCue::Frustration && !h.negated);
                    if complained || self.lists.problem.matches_unnegated(&normalized) {
                        self.caller_described_problem = true;
                    }
                }
            }
            Speaker::Agent => {
                self.match_list(
                    speaker,
                    clip_id,
                    WordCue::Acknowledgement,
                    &normalized,
                    &mut heard,
                );
                self.match_list(speaker, clip_id, WordCue::Blocking, &normalized, &mut heard);
                if heard
                    .iter()
                    .any(|h| h.cue == WordCue::Acknowledgement && !h.negated)
                {
                    self.acknowledged_at_ms = Some(t_ms);
                }
                if is_final {
                    if let Some(m) = bare_apology(&normalized, &self.lists.apology) {
                        if self.first_report(speaker, clip_id, WordCue::BareApology, m.phrase_index)
                        {
                            heard.push(Heard {
                                speaker,
                                cue: WordCue::BareApology,
                                phrase: self.config.agent_apology[m.phrase_index].clone(),
                                negated: false,
                            });
                        }
                    }
                }
                if let Some(name) = &self.caller_name {
                    if !self.name_used && mentions_name(text, name) {
                        self.name_used = true;
                        heard.push(Heard {
                            speaker,
                            cue: WordCue::NameUsed,
                            phrase: name.clone(),
                            negated: false,
                        });
                    }
                }
                if is_final && normalized.len() >= MIN_AGENT_TURN_WORDS {
                    self.caller_words_since_agent_turn = 0;
                    self.caller_described_problem = false;
                    if self.caller_name.is_some() && !self.name_used {
                        self.agent_turns_without_name += 1;
                    }
                }
            }
        }
        if is_final {
            self.reported
                .retain(|&(s, c, _, _)| !(s == speaker && c == clip_id));
        }
        let due = self.use_name_due();
        (heard, due)
    }

    fn use_name_due(&mut self) -> Option<WordsDue> {
        let name = self.caller_name.as_ref()?;
        if self.name_used
            || self.name_nudged
            || self.agent_turns_without_name < self.config.use_name_after_agent_turns
        {
            return None;
        }
        self.name_nudged = true;
        Some(WordsDue::UseName {
            name: name.clone(),
            agent_turns: self.agent_turns_without_name,
        })
    }

    /// Whether the caller has described a problem or complained at length and paused:
    /// `restate` is due. Many words alone are not enough (a chatty, content caller needs
    /// no summary back): among them must be a problem phrase (`words.caller_problem`) or
    /// a frustration phrase. Called every frame with the caller's silence so far; resets
    /// once it says yes. Never allocates.
    pub fn restate_due(&mut self, caller_silent_ms: u64) -> Option<u32> {
        let words = self.caller_words_since_agent_turn;
        if words >= self.config.restate_min_caller_words
            && self.caller_described_problem
            && caller_silent_ms >= u64::from(self.config.restate_pause_ms)
        {
            self.caller_words_since_agent_turn = 0;
            self.caller_described_problem = false;
            return Some(words);
        }
        None
    }

    fn match_list(
        &mut self,
        speaker: Speaker,
        clip_id: u64,
        cue: WordCue,
        text: &crate::text::NormalizedText,
        heard: &mut Vec<Heard>,
    ) {
        let (list, phrases) = match cue {
            WordCue::Frustration => (&self.lists.frustration, &self.config.caller_frustration),
            WordCue::Loss => (&self.lists.loss, &self.config.caller_loss),
            WordCue::Positive => (&self.lists.positive, &self.config.caller_positive),
            WordCue::Acknowledgement => (
                &self.lists.acknowledgement,
                &self.config.agent_acknowledgement,
            ),
            WordCue::Blocking => (&self.lists.blocking, &self.config.agent_blocking),
            _ => return,
        };
        let found: Vec<(usize, bool, String)> = list
            .find(text)
            .into_iter()
            .map(|m| (m.phrase_index, m.negated, phrases[m.phrase_index].clone()))
            .collect();
        for (phrase_index, negated, phrase) in found {
            if self.first_report(speaker, clip_id, cue, phrase_index) {
                heard.push(Heard {
                    speaker,
                    cue,
                    phrase,
                    negated,
                });
            }
        }
    }

    /// Records (speaker, clip, cue, phrase); true the first time.
    fn first_report(&mut self, speaker: Speaker, clip_id: u64, cue: WordCue, index: usize) -> bool {
        let key = (speaker, clip_id, cue, index);
        if self.reported.contains(&key) {
            return false;
        }
        self.reported.push(key);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues() -> WordCues {
        WordCues::new(&WordsConfig::default())
    }

    fn cue_list(heard: &[Heard]) -> Vec<(WordCue, &str, bool)> {
        heard
            .iter()
            .map(|h| (h.cue, h.phrase.as_str(), h.negated))
            .collect()
    }

    #[test]
    fn caller_frustration_and_loss_are_heard_once_per_clip() {
        let mut words = cues();
        let (heard, _) = words.hear(
            Speaker::Caller,
            1,
            false,
            "This is the third time I've called",
            1000,
        );
        assert_eq!(
            cue_list(&heard),
            vec![(WordCue::Frustration, "third time", false)]
        );
        let (heard, _) = words.hear(
            Speaker::Caller,
            1,
            true,
            "This is the third time I've called. It's ridiculous.",
            2000,
        );
        assert_eq!(
            cue_list(&heard),
            vec![(WordCue::Frustration, "ridiculous", false)]
        );
        // A loss in a partial is not heard (whisper mishears most there); in the final it is.
        let (heard, _) = words.hear(Speaker::Caller, 2, false, "My mother passed away", 2500);
        assert!(cue_list(&heard).is_empty(), "{heard:?}");
        let (heard, _) = words.hear(
            Speaker::Caller,
            2,
            true,
            "My mother passed away last week.",
            3000,
        );
        assert_eq!(
            cue_list(&heard),
            vec![(WordCue::Loss, "passed away", false)]
        );
    }

    #[test]
    fn negated_phrases_are_marked() {
        let mut words = cues();
        let (heard, _) = words.hear(Speaker::Caller, 1, true, "I'm not upset, just curious.", 0);
        assert_eq!(
            cue_list(&heard),
            vec![(WordCue::Frustration, "upset", true)]
        );
    }

    #[test]
    fn agent_side_cues_come_only_from_the_agent() {
        let mut words = cues();
        let (heard, _) = words.hear(
            Speaker::Caller,
            1,
            true,
            "Calm down? I understand nothing!",
            0,
        );
        assert!(heard
            .iter()
            .all(|h| h.cue != WordCue::Blocking && h.cue != WordCue::Acknowledgement));
        let (heard, _) = words.hear(
            Speaker::Agent,
            1,
            true,
            "Please calm down, it's our policy.",
            0,
        );
        let cues: Vec<_> = heard.iter().map(|h| h.cue).collect();
        assert_eq!(cues, vec![WordCue::Blocking, WordCue::Blocking]);
        let (heard, _) = words.hear(
            Speaker::Agent,
            2,
            true,
            "I understand, that must be frustrating.",
            5000,
        );
        assert!(heard.iter().any(|h| h.cue == WordCue::Acknowledgement));
        assert!(words.acknowledged_recently(6000));
        assert!(!words.acknowledged_recently(5000 + 61_000));
    }

    #[test]
    fn a_bare_sorry_is_heard_and_a_specific_one_is_not() {
        let mut words = cues();
        let (heard, _) = words.hear(Speaker::Agent, 1, true, "Sorry.", 0);
        assert_eq!(heard.len(), 1);
        assert_eq!(heard[0].cue, WordCue::BareApology);
        let (heard, _) = words.hear(
            Speaker::Agent,
            2,
            true,
            "I'm sorry for the double charge on your bill.",
            0,
        );
        assert!(heard.is_empty(), "{heard:?}");
        // Partials are never judged for bare apologies.
        let (heard, _) = words.hear(Speaker::Agent, 3, false, "Sorry.", 0);
        assert!(heard.is_empty());
    }

    #[test]
    fn use_name_is_due_after_agent_turns_without_the_name() {
        let mut words = cues();
        let (heard, _) = words.hear(
            Speaker::Caller,
            1,
            true,
            "Hi, my name is Priya and I have a problem.",
            0,
        );
        assert_eq!(cue_list(&heard), vec![(WordCue::Name, "Priya", false)]);
        assert_eq!(
            words
                .hear(Speaker::Agent, 1, true, "Okay, let me look at that.", 0)
                .1,
            None
        );
        assert_eq!(
            words.hear(Speaker::Agent, 2, true, "Mm-hmm.", 0).1,
            None,
            "a backchannel is no turn"
        );
        assert_eq!(
            words
                .hear(Speaker::Agent, 3, true, "I can see your account here.", 0)
                .1,
            None
        );
        let due = words
            .hear(Speaker::Agent, 4, true, "The order shipped on Monday.", 0)
            .1;
        assert_eq!(
            due,
            Some(WordsDue::UseName {
                name: "Priya".into(),
                agent_turns: 3
            })
        );
        assert_eq!(
            words
                .hear(Speaker::Agent, 5, true, "Anything else today?", 0)
                .1,
            None,
            "once"
        );
    }

    #[test]
    fn using_the_name_prevents_use_name() {
        let mut words = cues();
        words.hear(
            Speaker::Caller,
            1,
            true,
            "This is Marcus calling about my order.",
            0,
        );
        let (heard, _) = words.hear(Speaker::Agent, 1, true, "Thanks Marcus, let me check.", 0);
        assert!(heard.iter().any(|h| h.cue == WordCue::NameUsed));
        for clip in 2..8 {
            assert_eq!(
                words
                    .hear(
                        Speaker::Agent,
                        clip,
                        true,
                        "Let me look at that for you.",
                        0
                    )
                    .1,
                None
            );
        }
    }

    #[test]
    fn restate_after_a_long_explanation_and_a_pause() {
        let mut words = cues();
        let long = "So I ordered the blue one on the website and then it came and it was the green one \
                    and I sent it back and they said the refund would take five days but it has been \
                    two weeks and I still have not seen the money on my card";
        words.hear(Speaker::Caller, 1, true, long, 0);
        assert_eq!(words.restate_due(100), None, "not paused yet");
        assert!(words.restate_due(800).is_some());
        assert_eq!(words.restate_due(800), None, "once");
        words.hear(Speaker::Caller, 2, true, long, 0);
        words.hear(Speaker::Agent, 1, true, "Okay let me check that.", 0);
        assert_eq!(
            words.restate_due(5000),
            None,
            "the agent already took a turn"
        );
    }

    #[test]
    fn no_restate_after_a_long_friendly_account_without_a_problem() {
        let mut words = cues();
        let chatty =
            "Oh we had a lovely time at the lake last weekend, the kids swam every day and \
                      my husband caught two fish, and the weather was warm the whole time, so we \
                      are thinking of going back again next summer with my sister and her family, \
                      no problem at all with the booking either";
        words.hear(Speaker::Caller, 1, true, chatty, 0);
        assert_eq!(
            words.restate_due(5000),
            None,
            "many words, no problem described"
        );
        words.hear(
            Speaker::Caller,
            2,
            true,
            "But the card you sent me is not working at the gate.",
            0,
        );
        assert!(words.restate_due(5000).is_some(), "then a problem");
    }
}
