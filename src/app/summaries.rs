//! Each live call's summary for supervisors (`fleet.save_summaries`): the thread
//! "callcue-summaries" appends one JSON line per call to today's
//! `summaries-YYYY-MM-DD.jsonl` in `fleet.summaries_dir` (0600 files in a 0700 folder),
//! with the agent, the host, the site, callcue's version and the config's hash
//! ([`callcue::fleet`]); with `fleet.otlp_endpoint` set, they also go to the company's
//! collector from there ([`super::summaries_export`]). The analysis thread only serializes the line and hands it over
//! without waiting; a write that fails is said once in the log and the run goes on.

use std::io::Write;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::SystemTime;

use crossbeam_channel::{bounded, Receiver, Sender};

use callcue::config::Config;
use callcue::fleet::{config_hash, daily_file, summaries_dir, RecordSource};

use super::run_log;

/// Lines waiting for the writer at most (a call ends every few minutes).
const QUEUE_LEN: usize = 64;

/// Where the analysis hands each call's summary line, with who writes them.
pub struct SummaryQueue {
    pub lines: Sender<(SystemTime, String)>,
    pub origin: RecordSource,
}

/// Starts the writer when the config keeps summaries (`None` otherwise, or with no
/// folder to write to, said in the log). The thread finishes its queue and ends when the
/// queue's sender is dropped.
pub fn start(config: &Config) -> std::io::Result<Option<(SummaryQueue, JoinHandle<()>)>> {
    if !config.fleet.save_summaries {
        return Ok(None);
    }
    let Some(dir) = summaries_dir(config) else {
        run_log::line("call summaries not kept: no user data directory; set fleet.summaries_dir");
        return Ok(None);
    };
    let (lines, rx) = bounded(QUEUE_LEN);
    let folder = dir.clone();
    let collector = super::summaries_export::start(config, dir.clone())?;
    let thread = std::thread::Builder::new()
        .name("callcue-summaries".into())
        .spawn(move || write_lines(&rx, &folder, collector.as_ref()))?;
    run_log::line(&format!("call summaries go to {}", dir.display()));
    let queue = SummaryQueue {
        lines,
        origin: origin(config),
    };
    Ok(Some((queue, thread)))
}

/// Who and what writes the summaries.
fn origin(config: &Config) -> RecordSource {
    let agent_id = Some(config.fleet.agent_id.trim().to_string())
        .filter(|id| !id.is_empty())
        .or_else(login_name)
        .unwrap_or_else(|| "unknown".into());
    RecordSource {
        agent_id,
        host: host_name().unwrap_or_else(|| "unknown".into()),
        site: config.fleet.site.trim().to_string(),
        version: format!("{} ({})", env!("CARGO_PKG_VERSION"), env!("CALLCUE_COMMIT")),
        config_hash: config_hash(config),
    }
}

fn login_name() -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

#[cfg(unix)]
fn host_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if status != 0 {
        return None;
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    String::from_utf8(buffer[..end].to_vec())
        .ok()
        .filter(|h| !h.is_empty())
}

#[cfg(not(unix))]
fn host_name() -> Option<String> {
    std::env::var("COMPUTERNAME").ok().filter(|h| !h.is_empty())
}

/// Appends each line to its day's file, then wakes the collector's sender (if any).
fn write_lines(lines: &Receiver<(SystemTime, String)>, dir: &Path, collector: Option<&Sender<()>>) {
    let mut problem_said = false;
    for (at, line) in lines {
        let written = run_log::prepare_dir(dir)
            .map_err(std::io::Error::other)
            .and_then(|dir| {
                let path = daily_file(&dir, run_log::utc_date(at));
                let mut file = run_log::open_log_file(&path)?;
                writeln!(file, "{line}")
            });
        if written.is_ok() {
            if let Some(wake) = collector {
                // A wake-up already waiting covers this line too.
                let _ = wake.try_send(());
            }
        }
        if let Err(e) = written {
            if !problem_said {
                problem_said = true;
                run_log::line(&format!(
                    "call summary not saved in {}: {e} (said once)",
                    dir.display()
                ));
            }
        }
    }
}
