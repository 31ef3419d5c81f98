//! Replaying labelled calls for evaluation: each call through each config with
//! [`Timing::Reproducible`], keeping the nudges given and scoring them. Calls run on a few
//! threads at once; results come back in the labels' order, the same on any machine.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::labels::CallLabels;
use super::score::{score_call, CallScore, GivenNudge};
use super::EvalError;
use crate::config::Config;
use crate::event::Event;
use crate::replay::{analyze_call_with_stt, CallFrames, RecordedCall, SttSetup, Timing};

/// Calls replayed at once at most (each holds a whisper state while it is transcribed).
const MAX_WORKERS: usize = 8;

/// A config under evaluation.
#[derive(Debug)]
pub struct EvalConfig {
    /// How reports name it: its file, or "built-in defaults".
    pub name: String,
    pub config: Config,
    /// Speech-to-text for its replays (a model shared with the other config if the same).
    pub stt: SttSetup,
}

/// One call through one config.
#[derive(Clone, Debug)]
pub struct CallRun {
    pub given: Vec<GivenNudge>,
    pub score: CallScore,
}

/// One call through every config.
#[derive(Clone, Debug)]
pub struct CallResult {
    pub duration_ms: u64,
    /// One per config, in the configs' order.
    pub runs: Vec<CallRun>,
}

/// Replays a call reproducibly and returns the nudges given, in order.
pub fn replay_nudges(
    call: &mut dyn CallFrames,
    config: &Config,
    stt: &SttSetup,
) -> Vec<GivenNudge> {
    let mut given = Vec::new();
    let mut keep = |event: &Event<'_>| {
        if let Event::Nudge {
            t_ms,
            latency_ms,
            nudge,
            reason,
            ..
        } = event
        {
            given.push(GivenNudge {
                nudge: *nudge,
                t_ms: *t_ms,
                latency_ms: *latency_ms,
                reason: reason.to_string(),
            });
        }
    };
    analyze_call_with_stt(call, config, stt, Timing::Reproducible, &mut keep);
    given
}

/// How many calls to replay at once on this machine: one per core, fewer when whisper
/// takes cores of its own, at most [`MAX_WORKERS`].
pub fn suggested_workers(configs: &[EvalConfig]) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let whisper_threads = configs
        .iter()
        .filter(|c| matches!(c.stt, SttSetup::Ready(_)))
        .map(|c| c.config.stt.threads as usize)
        .max()
        .unwrap_or(0);
    (cores / (1 + whisper_threads)).clamp(1, MAX_WORKERS)
}

/// Replays every call through every config on up to `workers` threads and scores it.
/// `progress` hears of each call done (its index in `calls`). The first call (in
/// `calls`' order) whose audio cannot be loaded stops the evaluation with its error.
pub fn evaluate(
    calls: &[CallLabels],
    configs: &[EvalConfig],
    workers: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<CallResult>, EvalError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(labels) = calls.get(index) else {
                break;
            };
            let result = evaluate_call(labels, configs);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            } else {
                progress(index);
            }
            done.push((index, result));
        }
        done
    };
    let mut results: Vec<(usize, Result<CallResult, EvalError>)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..workers.clamp(1, calls.len().max(1)))
            .map(|_| scope.spawn(work))
            .collect();
        threads
            .into_iter()
            .flat_map(|t| match t.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// One call through every config, each replay reading the recording from disk a block at
/// a time.
fn evaluate_call(labels: &CallLabels, configs: &[EvalConfig]) -> Result<CallResult, EvalError> {
    let audio_error = |source| EvalError::Audio {
        label: labels.path.clone(),
        source,
    };
    let mut runs = Vec::with_capacity(configs.len());
    let mut duration_ms = 0;
    for eval_config in configs {
        let config = &eval_config.config;
        let mut call = RecordedCall::open(&labels.source, &config.audio).map_err(audio_error)?;
        duration_ms = call.duration_ms();
        let given = replay_nudges(&mut call, config, &eval_config.stt);
        if let Some(e) = call.take_error() {
            return Err(audio_error(e));
        }
        let score = score_call(&labels.expect, &labels.forbid, &given);
        runs.push(CallRun { given, score });
    }
    Ok(CallResult { duration_ms, runs })
}
