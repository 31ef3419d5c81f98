//! Scripted two-voice calls (espeak-ng speech) through the real binary with the real
//! whisper model: what each side says is transcribed, and the word-driven nudges fire on
//! their lines and nowhere else. Word error rates of both channels are printed.

use callcue_testkit as common;

use callcue::text::{mentions_name, word_error_rate};
use common::calls::{
    bare_apology_call, blocking_call, calm_call, frustrated_words_call, loss_call,
    loss_then_frustration_call, unused_name_call,
};
use common::events::parse_stream;
use common::events::{final_text, nudges, Because, Cue, Ev, Side as EvSide};
use common::model::{
    replay_raw_with_model, replay_raw_with_stt_config, replay_with_model, test_model, whisper_turn,
};
use common::synth::{render_call_at, Call, RenderedCall, Side};

/// Word nudges come after the words are spoken: the clip must close and be transcribed.
/// The bound here is loose on purpose (a shared test machine); the benchmark measures it.
const WORDS_SLACK_MS: u64 = 4000;

/// The word-driven nudges.
const WORD_NUDGES: [&str; 5] = [
    "condolence",
    "positive_language",
    "be_specific",
    "use_name",
    "restate",
];

struct Replayed {
    events: Vec<Ev>,
    rendered: RenderedCall,
    why: String,
}

fn replay(call: Call, name: &str, extra_args: &[&str]) -> Replayed {
    let model = test_model();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join(format!("{name}.wav"));
    let rendered = render_call_at(&call, &wav, 16000);
    let events = {
        let _turn = whisper_turn();
        replay_with_model(&wav, &model, extra_args)
    };
    let mut why = String::from("lines:\n");
    for line in &rendered.placed {
        why += &format!(
            "  {:>6}-{:>6} {:?} {} {:?}\n",
            line.start_ms, line.end_ms, line.side, line.label, line.text
        );
    }
    why += "events:\n";
    for event in events
        .iter()
        .filter(|e| !matches!(e, Ev::Speech { .. } | Ev::ResponseGap { .. }))
    {
        why += &format!("  {event:?}\n");
    }
    Replayed {
        events,
        rendered,
        why,
    }
}

impl Replayed {
    fn line(&self, label: &str) -> (u64, u64) {
        let line = self
            .rendered
            .placed
            .iter()
            .find(|l| l.label == label)
            .unwrap_or_else(|| panic!("no line {label}"));
        (line.start_ms, line.end_ms)
    }

    fn nudges(&self, id: &str) -> Vec<(u64, String)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Ev::Nudge {
                    nudge,
                    t_ms,
                    reason,
                    ..
                } if nudge == id => Some((*t_ms, reason.clone())),
                _ => None,
            })
            .collect()
    }

    fn phrases(&self, cue: Cue) -> Vec<(String, bool)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Ev::Phrase {
                    cue: c,
                    phrase,
                    negated,
                    ..
                } if *c == cue => Some((phrase.clone(), *negated)),
                _ => None,
            })
            .collect()
    }

    /// The one nudge `id`, on the line `label`; no other word nudge.
    fn assert_only_word_nudge(&self, id: &str, label: &str) -> (u64, String) {
        let found = self.nudges(id);
        assert_eq!(found.len(), 1, "one {id}\n{}", self.why);
        let (start, end) = self.line(label);
        let (t_ms, reason) = found[0].clone();
        assert!(
            t_ms > start && t_ms <= end + WORDS_SLACK_MS,
            "{id} at {t_ms} for {label} {start}-{end}\n{}",
            self.why
        );
        for other in WORD_NUDGES.iter().filter(|n| **n != id) {
            assert!(
                self.nudges(other).is_empty(),
                "unexpected {other}\n{}",
                self.why
            );
        }
        (t_ms, reason)
    }

    /// Word error rate of one side's final transcripts against its script, printed.
    fn word_error_rate(&self, side: Side) -> f64 {
        let reference: Vec<&str> = self
            .rendered
            .placed
            .iter()
            .filter(|l| l.side == side)
            .map(|l| l.text.as_str())
            .collect();
        let ev_side = match side {
            Side::Agent => EvSide::Agent,
            Side::Caller => EvSide::Caller,
        };
        let heard = final_text(&self.events, ev_side);
        let wer = word_error_rate(&reference.join(" "), &heard);
        println!(
            "{side:?}: WER {:.1}% over {} words\n  heard: {heard}",
            wer.rate() * 100.0,
            wer.reference_words
        );
        wer.rate()
    }
}

#[test]
fn frustrated_words_give_acknowledge_and_the_agent_acknowledgement_is_heard() {
    let call = replay(frustrated_words_call(), "frustrated", &[]);
    let why = &call.why;
    let heard = call.phrases(Cue::Frustration);
    assert!(
        heard
            .iter()
            .any(|(p, negated)| (p == "third time" || p == "ridiculous") && !negated),
        "frustration phrases heard\n{why}"
    );
    let acknowledges = call.nudges("acknowledge");
    assert_eq!(acknowledges.len(), 1, "{why}");
    let (start, end) = call.line("frustrated_words");
    let (t_ms, reason) = &acknowledges[0];
    assert!(
        *t_ms > start && *t_ms <= end + WORDS_SLACK_MS,
        "acknowledge at {t_ms}\n{why}"
    );
    assert!(
        reason.contains("words"),
        "driven by the words: {reason}\n{why}"
    );
    assert!(
        !call.phrases(Cue::Acknowledgement).is_empty(),
        "agent acknowledgement heard\n{why}"
    );
    for other in WORD_NUDGES {
        assert!(call.nudges(other).is_empty(), "unexpected {other}\n{why}");
    }
    // The caller's voice stays calm: without speech-to-text there is nothing to coach.
    let voice_only = replay(
        frustrated_words_call(),
        "frustrated-voice-only",
        &["--no-stt"],
    );
    assert!(
        nudges(&voice_only.events).is_empty(),
        "voice alone\n{}",
        voice_only.why
    );
    assert!(call.word_error_rate(Side::Caller) < 0.35, "{why}");
    assert!(call.word_error_rate(Side::Agent) < 0.35, "{why}");
}

#[test]
fn a_loss_gives_condolence() {
    let call = replay(loss_call(), "loss", &[]);
    call.assert_only_word_nudge("condolence", "loss");
    assert!(
        call.phrases(Cue::Loss)
            .iter()
            .any(|(p, _)| p == "passed away"),
        "{}",
        call.why
    );
}

#[test]
fn a_bare_sorry_gives_be_specific() {
    let call = replay(bare_apology_call(), "bare-sorry", &[]);
    call.assert_only_word_nudge("be_specific", "bare_apology");
}

#[test]
fn calm_down_and_our_policy_give_positive_language() {
    let call = replay(blocking_call(), "blocking", &[]);
    let (_, reason) = call.assert_only_word_nudge("positive_language", "blocking");
    assert!(reason.starts_with("agent said"), "{reason}");
    let heard: Vec<String> = call
        .phrases(Cue::Blocking)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(
        heard.len() >= 2,
        "both 'calm down' and the policy line heard: {heard:?}\n{}",
        call.why
    );
}

#[test]
fn a_name_never_used_gives_use_name() {
    let call = replay(unused_name_call(), "name", &[]);
    // The name as whisper spells it ("Priya", or a one-letter variant such as "Pria").
    let names = call.phrases(Cue::Name);
    assert_eq!(names.len(), 1, "{}", call.why);
    let name = names[0].0.clone();
    assert!(
        mentions_name("Priya", &name),
        "heard the name as {name:?}\n{}",
        call.why
    );
    let found = call.nudges("use_name");
    assert_eq!(found.len(), 1, "{}", call.why);
    let text = call
        .events
        .iter()
        .find_map(|e| match e {
            Ev::Nudge { nudge, text, .. } if nudge == "use_name" => Some(text.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(text, format!("Use their name: {name}"));
    // After the third agent turn that did not use it.
    let turns: Vec<u64> = call
        .rendered
        .placed
        .iter()
        .filter(|l| l.label == "agent_turn")
        .map(|l| l.end_ms)
        .collect();
    assert!(
        found[0].0 > turns[2] && found[0].0 <= turns[2] + WORDS_SLACK_MS,
        "{}",
        call.why
    );
}

#[test]
fn a_calm_call_gets_no_nudge_and_readable_transcripts() {
    let call = replay(calm_call(), "calm", &[]);
    assert!(nudges(&call.events).is_empty(), "{}", call.why);
    assert!(call.word_error_rate(Side::Agent) < 0.3, "{}", call.why);
    assert!(call.word_error_rate(Side::Caller) < 0.3, "{}", call.why);
    let Some(Ev::Summary(summary)) = call.events.last() else {
        panic!("summary last")
    };
    let stt = summary
        .speech_to_text
        .as_ref()
        .expect("speech-to-text totals");
    assert!(stt.transcripts >= 10, "{stt:?}");
    assert_eq!(stt.clips_dropped, 0, "{stt:?}");
}

/// What a supervisor compares between two replays: everything but measured times.
fn comparable(events: &[Ev]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Ev::Transcript {
                t_ms,
                speaker,
                text,
                is_final,
                ..
            } => Some(format!("{t_ms} {speaker:?} {is_final} {text}")),
            Ev::Phrase {
                t_ms, cue, phrase, ..
            } => Some(format!("{t_ms} {cue:?} {phrase}")),
            Ev::Nudge {
                t_ms, nudge, text, ..
            } => Some(format!("{t_ms} {nudge} {text}")),
            Ev::NudgeSuppressed { t_ms, nudge, .. } => Some(format!("{t_ms} held back {nudge}")),
            _ => None,
        })
        .collect()
}

#[test]
fn replays_are_reproducible() {
    let first = replay(frustrated_words_call(), "again-1", &[]);
    let second = replay(frustrated_words_call(), "again-2", &[]);
    assert!(!comparable(&first.events).is_empty());
    assert_eq!(comparable(&first.events), comparable(&second.events));
    // Transcripts count where their clip closed: just after the speech's closing silence.
    for event in &first.events {
        if let Ev::Transcript {
            t_ms,
            speech_end_ms,
            is_final: true,
            ..
        } = event
        {
            assert!(
                *t_ms >= speech_end_ms + 250 && *t_ms <= speech_end_ms + 300,
                "{event:?}"
            );
        }
    }
}

/// A JSONL stream without its measured `latency_ms` values.
fn without_latency(jsonl: &str) -> String {
    let mut out = String::with_capacity(jsonl.len());
    let mut rest = jsonl;
    while let Some(at) = rest.find(",\"latency_ms\":") {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Programs keeping every core busy while `run` runs.
fn beside_busy_programs<T>(run: impl FnOnce() -> T) -> T {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let spinners: Vec<_> = (0..cores)
        .map(|_| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();
    let result = run();
    stop.store(true, Ordering::Relaxed);
    for spinner in spinners {
        spinner.join().unwrap();
    }
    result
}

/// The same call replayed on a quiet machine and beside programs keeping every core busy
/// gives the same bytes, apart from the measured `latency_ms`: no wall-clock budget and no
/// load-dependent path touches the text in a reproducible replay.
#[test]
fn a_reproducible_replay_is_byte_identical_on_a_busy_machine() {
    let model = test_model();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("busy.wav");
    render_call_at(&frustrated_words_call(), &wav, 16000);
    let _turn = whisper_turn();
    let quiet = replay_raw_with_model(&wav, &model, &[]);
    let busy = beside_busy_programs(|| replay_raw_with_model(&wav, &model, &[]));
    assert!(quiet.contains("\"type\":\"transcript\""), "{quiet}");
    assert!(!quiet.contains("decode_ms_mean"), "{quiet}");
    assert!(!quiet.contains("stt_degraded"), "{quiet}");
    assert_eq!(without_latency(&quiet), without_latency(&busy));
}

/// Timed as live beside programs keeping every core busy, whisper decodes with one thread
/// (no core is free: more threads would spin waiting for each other), and when its finals
/// still come late it stops asking for partials and says so once, in a notice and in the
/// summary. (A low `stt.late_transcript_ms` makes "late" certain on any machine.)
#[test]
fn as_live_on_a_busy_machine_whisper_takes_one_thread_and_steps_down_once() {
    let model = test_model();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("busy-live.wav");
    render_call_at(&frustrated_words_call(), &wav, 16000);
    let _turn = whisper_turn();
    let raw = beside_busy_programs(|| {
        replay_raw_with_stt_config(
            &wav,
            &model,
            "late_transcript_ms = 300",
            &["--timing", "as-live"],
        )
    });
    let events = parse_stream(&raw);
    let notices: Vec<&Ev> = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Ev::Notice {
                    code: common::events::NoticeCode::SttDegraded,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(notices.len(), 1, "{raw}");
    let stt = events
        .iter()
        .find_map(|e| match e {
            Ev::Summary(s) => s.speech_to_text.clone(),
            _ => None,
        })
        .expect("a summary with speech-to-text");
    assert_ne!(stt.load_step_deepest, "full", "{stt:?}");
    assert!(stt.partials_held_back > 0, "{stt:?}");
    assert_eq!(stt.decode_threads_min, 1, "{stt:?}");
    assert!(stt.decode_ms_mean.is_some(), "{stt:?}");
    // The words still reach the coach: the caller's "third time ... ridiculous".
    assert!(
        nudges(&events).iter().any(|(id, _)| id == "acknowledge"),
        "{raw}"
    );
}

#[test]
fn transcripts_reach_disk_only_when_the_config_says_so() {
    let model = test_model();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("call.wav");
    render_call_at(&loss_call(), &wav, 16000);
    let data_home = dir.path().join("data-home");
    let saved_dir = dir.path().join("saved");
    let run = |extra_config: &str| {
        let config = dir.path().join("callcue.toml");
        std::fs::write(
            &config,
            format!(
                "[stt]\nmodel_path = {:?}\n{extra_config}",
                model.display().to_string()
            ),
        )
        .unwrap();
        let _turn = whisper_turn();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_callcue"))
            .arg("--config")
            .arg(&config)
            .args(["replay", "--format", "jsonl"])
            .arg(&wav)
            .env("XDG_DATA_HOME", &data_home)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    run("");
    assert!(
        !data_home.exists() && !saved_dir.exists(),
        "nothing written by default"
    );

    let stderr = run(&format!(
        "[privacy]\nsave_transcripts = true\ntranscripts_dir = {:?}\n",
        saved_dir.display().to_string()
    ));
    assert!(stderr.contains("transcripts saved to"), "{stderr}");
    let files: Vec<_> = std::fs::read_dir(&saved_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let saved = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        saved.contains("caller: ") && saved.contains("agent: "),
        "{saved}"
    );
    assert!(saved.to_lowercase().contains("passed away"), "{saved}");

    // A disk that fills part way through the call: the file may not grow past 40 bytes
    // (a file-size limit, so it fails the way a full disk does: at a write or at the
    // flush). The replay says so in one line naming the file and exits 1, and the
    // events on standard output are all there.
    let full_dir = dir.path().join("full");
    let config = dir.path().join("callcue-full.toml");
    std::fs::write(
        &config,
        format!(
            "[stt]\nmodel_path = {:?}\n[privacy]\nsave_transcripts = true\ntranscripts_dir = {:?}\n",
            model.display().to_string(),
            full_dir.display().to_string()
        ),
    )
    .unwrap();
    let _turn = whisper_turn();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_callcue"));
    command
        .arg("--config")
        .arg(&config)
        .args(["replay", "--format", "jsonl"])
        .arg(&wav);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(|| {
            // Writes past the limit fail with an error instead of a signal.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 40,
                rlim_max: 40,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.contains("could not save the transcripts to")
            && last.contains(&full_dir.display().to_string()),
        "{stderr}"
    );
    let events = parse_stream(&String::from_utf8_lossy(&output.stdout));
    assert!(
        matches!(events.last(), Some(Ev::Summary(_))),
        "the events were cut short: {events:?}"
    );
}

#[test]
fn acknowledge_held_back_by_another_nudge_follows_when_the_screen_is_free() {
    let call = replay(loss_then_frustration_call(), "loss-then-frustration", &[]);
    let why = &call.why;
    let condolence = call.nudges("condolence");
    assert_eq!(condolence.len(), 1, "{why}");
    let busy = call.events.iter().any(|e| {
        matches!(e, Ev::NudgeSuppressed { nudge, because: Because::Busy, .. } if nudge == "acknowledge")
    });
    assert!(
        busy,
        "acknowledge was held back while condolence showed\n{why}"
    );
    let acknowledges = call.nudges("acknowledge");
    assert_eq!(acknowledges.len(), 1, "{why}");
    // nudges.display_ms (4 s) after condolence, in the frame the screen is free.
    assert!(
        acknowledges[0].0 >= condolence[0].0 + 4000 && acknowledges[0].0 <= condolence[0].0 + 4100,
        "{why}"
    );
}

/// The caller reads a card number in four breaths (one clip each) and the agent reads
/// the first group back and confirms the last four: across partials and finals no side
/// ever shows more than the number's last 4 digits.
#[test]
fn a_card_read_in_breaths_and_read_back_shows_at_most_its_last_four_digits() {
    use callcue::text::mask::{digit_runs, digit_values};
    use common::calls::Script;
    use common::synth::Voice;

    let (a, c) = (Voice::agent(), Voice::caller());
    let mut s = Script::new(500);
    s.then(
        0,
        Side::Agent,
        a.clone(),
        "opening",
        "Thank you for calling, how can I help?",
    );
    s.then(
        700,
        Side::Caller,
        c.clone(),
        "card",
        "I want to pay. My card number is four five three two.",
    );
    s.then(1200, Side::Caller, c.clone(), "card", "zero one five one.");
    s.then(
        1200,
        Side::Caller,
        c.clone(),
        "card",
        "one two eight three.",
    );
    s.then(1200, Side::Caller, c.clone(), "card", "zero three six six.");
    s.then(
        1500,
        Side::Agent,
        a.clone(),
        "read_back",
        "Let me read that back. Four five three two.",
    );
    s.then(
        1200,
        Side::Agent,
        a,
        "read_back",
        "Ending in zero three six six, correct?",
    );
    s.then(700, Side::Caller, c, "calm", "Yes, that is right.");
    let call = replay(s.into_call(1500), "card-in-breaths", &[]);
    let said = common::events::transcripts(&call.events);
    let why = &call.why;
    let caller_finals: Vec<&str> = said
        .iter()
        .filter(|(s, is_final, _)| *s == EvSide::Caller && *is_final)
        .map(|(_, _, t)| t.as_str())
        .collect();
    assert!(
        caller_finals.iter().filter(|t| t.contains('*')).count() >= 2,
        "whisper heard the groups and they were masked: {caller_finals:?}\n{why}"
    );
    // In every partial and final of either side, what digits are visible are (the end
    // of) the last four.
    for (side, is_final, text) in &said {
        let chars: Vec<char> = text.chars().collect();
        let shown: String = digit_runs(&chars)
            .iter()
            .map(|run| digit_values(&chars, run))
            .collect();
        assert!(
            "0366".ends_with(&shown),
            "{side:?} (final: {is_final}) shows {shown} in {text:?}\n{why}"
        );
    }
}
