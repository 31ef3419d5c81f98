//! Sends call summaries to the company's OpenTelemetry collector (`fleet.otlp_endpoint`)
//! on the thread "callcue-otlp": whatever waits in the daily files after the cursor
//! ([`callcue::summary_spool`]) goes as OTLP/HTTP JSON logs ([`callcue::otlp`]), in
//! batches, oldest first. The summaries writer wakes it after each call; while the
//! collector cannot be reached it tries again after 1 s, 2 s, 4 s ... up to
//! `fleet.otlp_retry_max_s`, and the summaries wait on disk, across restarts too.
//!
//! The thread only reads the daily files and writes the cursor; the analysis never waits
//! on it. A collector that is down is said once in the log, and again once it answers.
//! Header values (keys) are never logged.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};

use callcue::config::{http_header, Config};
use callcue::otlp::{self, Backoff, Outcome};
use callcue::summary_spool::{Batch, Spool};

use super::run_log;

/// Summaries sent in one request at most (a collector may ask for fewer with 413).
const MAX_BATCH_LINES: usize = 100;
/// With nothing waiting, the files are looked at this often even without a wake-up.
const IDLE_LOOK_EVERY: Duration = Duration::from_secs(60);
/// One request's limit, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Starts the sending thread when the config names a collector; what it returns wakes it
/// (after a summary was written). The thread ends when that is dropped; it is not waited
/// for when callcue closes (what it had not sent goes at the next start).
pub fn start(config: &Config, dir: PathBuf) -> std::io::Result<Option<Sender<()>>> {
    let fleet = &config.fleet;
    if fleet.otlp_endpoint.trim().is_empty() {
        return Ok(None);
    }
    let collector = Collector::new(config);
    let url = collector.url.clone();
    let mut link = CollectorLink {
        spool: Spool::new(&dir),
        dir,
        collector,
        backlog: Duration::from_secs(u64::from(fleet.otlp_backlog_days) * 86_400),
        backoff: Backoff::new(Duration::from_secs(u64::from(fleet.otlp_retry_max_s))),
        batch_lines: MAX_BATCH_LINES,
        down_since: None,
        problem_said: false,
    };
    let (wake, woken) = bounded(1);
    std::thread::Builder::new()
        .name("callcue-otlp".into())
        .spawn(move || link.run(&woken))?;
    run_log::line(&format!("call summaries also go to the collector at {url}"));
    Ok(Some(wake))
}

/// The collector's address, the headers it wants, and an HTTP client for it.
pub struct Collector {
    pub url: String,
    headers: Vec<(String, String)>,
    agent: ureq::Agent,
}

impl Collector {
    pub fn new(config: &Config) -> Self {
        let fleet = &config.fleet;
        Self {
            url: otlp::logs_url(&fleet.otlp_endpoint),
            headers: fleet
                .otlp_headers
                .iter()
                .filter_map(|h| http_header(h).map(|(n, v)| (n.to_string(), v.to_string())))
                .collect(),
            agent: ureq::Agent::config_builder()
                .timeout_global(Some(REQUEST_TIMEOUT))
                .http_status_as_error(false)
                .build()
                .into(),
        }
    }

    /// Posts one OTLP request: the status and the collector's `Retry-After` (seconds).
    pub fn post(&self, body: String) -> Result<(u16, Option<Duration>), String> {
        let mut request = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json");
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request.send(body).map_err(|e| e.to_string())?;
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Ok((response.status().as_u16(), retry_after))
    }
}

/// The way to the collector, and how sending goes.
struct CollectorLink {
    spool: Spool,
    dir: PathBuf,
    collector: Collector,
    backlog: Duration,
    backoff: Backoff,
    batch_lines: usize,
    /// Since when, and why, the collector has not taken summaries.
    down_since: Option<(Instant, String)>,
    /// A problem with the files or the cursor was said (once).
    problem_said: bool,
}

impl CollectorLink {
    fn run(&mut self, woken: &Receiver<()>) {
        loop {
            let wait = match self.send_waiting() {
                Ok(()) => IDLE_LOOK_EVERY,
                Err(wait) => wait,
            };
            match woken.recv_timeout(wait) {
                // A new summary, or time to look (again).
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                // callcue is closing: what is left waits for the next start.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// Sends every waiting summary; `Err` with the wait before the next try when the
    /// collector (or the disk) stopped it.
    fn send_waiting(&mut self) -> Result<(), Duration> {
        let mut sent = 0usize;
        loop {
            let batch = match self.next_batch() {
                Ok(Some(batch)) => batch,
                Ok(None) => break,
                Err(why) => {
                    self.say_problem(&why);
                    return Err(self.backoff.after_failure(None));
                }
            };
            let (body, damaged) = otlp::logs_request(&batch.lines, unix_ms(SystemTime::now()));
            if damaged > 0 {
                run_log::line(&format!(
                    "{damaged} damaged line(s) in {} not sent to the collector",
                    self.dir.join(&batch.next.file).display()
                ));
            }
            let outcome = if damaged == batch.lines.len() {
                Outcome::Sent
            } else {
                match self.collector.post(body) {
                    Ok((status, retry_after)) => match otlp::outcome(status) {
                        Outcome::Retry => {
                            self.note_down(format!("it answered HTTP {status}"));
                            return Err(self.backoff.after_failure(retry_after));
                        }
                        other => other,
                    },
                    Err(why) => {
                        self.note_down(why);
                        return Err(self.backoff.after_failure(None));
                    }
                }
            };
            match outcome {
                Outcome::Smaller if self.batch_lines > 1 => {
                    self.batch_lines = (self.batch_lines / 2).max(1);
                    continue;
                }
                Outcome::Smaller | Outcome::Rejected => run_log::line(&format!(
                    "the collector at {} refused {} summary(ies) as they are (not sent again; \
                     they stay in {})",
                    self.collector.url,
                    batch.lines.len(),
                    self.dir.display()
                )),
                Outcome::Sent => sent += batch.lines.len() - damaged,
                Outcome::Retry => unreachable!("handled above"),
            }
            if let Err(e) = self.spool.commit(&batch.next) {
                self.say_problem(&format!("cannot note what was sent: {e}"));
                return Err(self.backoff.after_failure(None));
            }
            self.backoff.reset();
        }
        if let Some((since, _)) = self.down_since.take() {
            run_log::line(&format!(
                "the collector at {} answers again after {} s: {sent} waiting summary(ies) sent",
                self.collector.url,
                since.elapsed().as_secs()
            ));
        }
        self.problem_said = false;
        Ok(())
    }

    fn next_batch(&self) -> Result<Option<Batch>, String> {
        let cursor = self.spool.cursor()?;
        let oldest = run_log::utc_date(SystemTime::now() - self.backlog);
        self.spool
            .pending(&cursor, oldest, self.batch_lines)
            .map_err(|e| format!("{}: {e}", self.dir.display()))
    }

    fn note_down(&mut self, why: String) {
        if self.down_since.is_none() {
            let oldest = run_log::utc_date(SystemTime::now() - self.backlog);
            let waiting = self
                .spool
                .cursor()
                .map(|c| self.spool.waiting(&c, oldest))
                .unwrap_or(0);
            run_log::line(&format!(
                "call summaries not sent to the collector at {}: {why}; {waiting} wait in {} \
                 and go once it answers (said once)",
                self.collector.url,
                self.dir.display()
            ));
            self.down_since = Some((Instant::now(), why));
        }
    }

    fn say_problem(&mut self, why: &str) {
        if !self.problem_said {
            self.problem_said = true;
            run_log::line(&format!(
                "call summaries not sent to the collector: {why} (said once)"
            ));
        }
    }
}

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
