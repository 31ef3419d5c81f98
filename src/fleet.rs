//! Call summaries across agents: the record `callcue run` appends for each live call
//! (who, where, which build and config, and the call's totals; never words), and the
//! totals `callcue report` prints per agent and per nudge.
//!
//! Records are JSON lines in daily files, `summaries-YYYY-MM-DD.jsonl` (UTC date), in
//! `fleet.summaries_dir`. A supervisor collects the folders (a share, a sync tool) and
//! runs `callcue report` over them. A line that cannot be read is skipped and counted,
//! never the whole report lost.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::summary::CallSummary;
use crate::NudgeId;

/// Who wrote a record, and with what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSource {
    pub agent_id: String,
    pub host: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub site: String,
    /// callcue's version and commit.
    pub version: String,
    /// A hash of the config in effect (16 hex digits): calls with the same settings share it.
    pub config_hash: String,
}

/// One call's line in a summaries file, as written.
#[derive(Serialize)]
pub struct RecordOut<'a> {
    pub unix_ms: u64,
    pub call_id: &'a str,
    #[serde(flatten)]
    pub origin: &'a RecordSource,
    pub summary: &'a CallSummary,
}

/// One call's line as read back: only what the report needs, so older and newer
/// records read alike.
#[derive(Clone, Debug, Deserialize)]
pub struct RecordIn {
    pub agent_id: String,
    #[serde(default)]
    pub site: String,
    pub summary: SummaryIn,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SummaryIn {
    pub duration_ms: u64,
    #[serde(default)]
    pub interruptions_by_agent: u32,
    #[serde(default)]
    pub nudges: Vec<NudgeCountIn>,
    #[serde(default)]
    pub nudges_suppressed: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NudgeCountIn {
    pub nudge: String,
    pub count: u32,
}

/// A stable hash of the config in effect: FNV-1a (64 bit) of its documented TOML, so
/// the same settings give the same hash on every machine and build.
pub fn config_hash(config: &Config) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in config.to_documented_toml().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The folder summaries go to: `fleet.summaries_dir`, else the user's local data directory.
pub fn summaries_dir(config: &Config) -> Option<PathBuf> {
    let configured = config.fleet.summaries_dir.trim();
    if !configured.is_empty() {
        return Some(PathBuf::from(configured));
    }
    dirs::data_local_dir().map(|dir| dir.join("callcue").join("summaries"))
}

/// The daily file for the UTC day `(year, month, day)`.
pub fn daily_file(dir: &Path, (year, month, day): (i64, u32, u32)) -> PathBuf {
    dir.join(format!("summaries-{year:04}-{month:02}-{day:02}.jsonl"))
}

/// Totals for one agent (or for everyone).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub calls: u32,
    pub call_minutes: f64,
    pub nudges: u32,
    pub nudges_held_back: u32,
    pub interruptions_by_agent: u32,
    /// Nudges shown, by id.
    pub by_nudge: BTreeMap<String, u32>,
}

impl Totals {
    fn add(&mut self, record: &RecordIn) {
        let summary = &record.summary;
        self.calls += 1;
        self.call_minutes += summary.duration_ms as f64 / 60_000.0;
        self.nudges_held_back += summary.nudges_suppressed;
        self.interruptions_by_agent += summary.interruptions_by_agent;
        for count in &summary.nudges {
            self.nudges += count.count;
            *self.by_nudge.entry(count.nudge.clone()).or_default() += count.count;
        }
    }

    /// Nudges per hour of calls (0 with no call time).
    pub fn nudges_per_hour(&self) -> f64 {
        if self.call_minutes > 0.0 {
            f64::from(self.nudges) * 60.0 / self.call_minutes
        } else {
            0.0
        }
    }
}

/// What `callcue report` found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub files: u32,
    pub agents: BTreeMap<String, Totals>,
    pub all: Totals,
    /// Lines that could not be read, with where (`file:line: why`), the first few.
    pub unreadable: Vec<String>,
    pub unreadable_total: u32,
}

/// At most this many unreadable lines are named in the report.
const UNREADABLE_SHOWN: usize = 5;

impl Report {
    /// Reads every `summaries-*.jsonl` under `dir` (and its subfolders, one per agent
    /// desktop when collected from many). Fails only when `dir` cannot be read.
    pub fn read(dir: &Path) -> std::io::Result<Report> {
        let mut report = Report::default();
        let mut files = Vec::new();
        collect_files(dir, &mut files, 0)?;
        files.sort();
        for file in files {
            report.files += 1;
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                Err(e) => {
                    report.note_unreadable(format!("{}: {e}", file.display()));
                    continue;
                }
            };
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<RecordIn>(line) {
                    Ok(record) => report.add(&record),
                    Err(e) => report.note_unreadable(format!("{}:{}: {e}", file.display(), i + 1)),
                }
            }
        }
        Ok(report)
    }

    fn add(&mut self, record: &RecordIn) {
        self.agents
            .entry(record.agent_id.clone())
            .or_default()
            .add(record);
        self.all.add(record);
    }

    fn note_unreadable(&mut self, what: String) {
        self.unreadable_total += 1;
        if self.unreadable.len() < UNREADABLE_SHOWN {
            self.unreadable.push(what);
        }
    }

    /// The report as text tables: per agent, then per nudge.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} call(s), {:.0} min, from {} file(s)\n\n",
            self.all.calls, self.all.call_minutes, self.files
        );
        out.push_str(&format!(
            "{:<20} {:>6} {:>8} {:>7} {:>9} {:>10} {:>14}\n",
            "agent", "calls", "minutes", "nudges", "per hour", "held back", "interruptions"
        ));
        for (agent, totals) in &self.agents {
            out.push_str(&format!(
                "{:<20} {:>6} {:>8.1} {:>7} {:>9.1} {:>10} {:>14}\n",
                agent,
                totals.calls,
                totals.call_minutes,
                totals.nudges,
                totals.nudges_per_hour(),
                totals.nudges_held_back,
                totals.interruptions_by_agent
            ));
        }
        out.push_str(&format!(
            "\n{:<20} {:>7} {:>9}\n",
            "nudge", "shown", "per hour"
        ));
        for id in NudgeId::ALL {
            let shown = self.all.by_nudge.get(id.as_str()).copied().unwrap_or(0);
            let per_hour = if self.all.call_minutes > 0.0 {
                f64::from(shown) * 60.0 / self.all.call_minutes
            } else {
                0.0
            };
            out.push_str(&format!(
                "{:<20} {:>7} {:>9.2}\n",
                id.as_str(),
                shown,
                per_hour
            ));
        }
        if self.unreadable_total > 0 {
            out.push_str(&format!(
                "\n{} line(s) could not be read and were skipped:\n",
                self.unreadable_total
            ));
            for what in &self.unreadable {
                out.push_str(&format!("  {what}\n"));
            }
        }
        out
    }
}

/// Summaries files under `dir`, two folder levels deep at most.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>, depth: u32) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() && depth < 2 {
            let _ = collect_files(&path, out, depth + 1);
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("summaries-") && n.ends_with(".jsonl"))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(agent: &str) -> RecordSource {
        RecordSource {
            agent_id: agent.into(),
            host: "desk-12".into(),
            site: "leeds".into(),
            version: "0.1.0".into(),
            config_hash: config_hash(&Config::default()),
        }
    }

    fn summary(duration_ms: u64, nudges: &[(NudgeId, u32)]) -> CallSummary {
        let mut summary = CallSummary {
            duration_ms,
            interruptions_by_agent: 2,
            nudges_suppressed: 1,
            ..CallSummary::default()
        };
        for &(nudge, count) in nudges {
            summary
                .nudges
                .push(crate::summary::NudgeCount { nudge, count });
            summary.nudges_total += count;
        }
        summary
    }

    fn line(agent: &str, s: &CallSummary) -> String {
        serde_json::to_string(&RecordOut {
            unix_ms: 1,
            call_id: "c1",
            origin: &origin(agent),
            summary: s,
        })
        .unwrap()
    }

    #[test]
    fn records_written_are_read_back_and_totalled_per_agent_and_nudge() {
        let dir = tempfile::tempdir().unwrap();
        let desk = dir.path().join("desk-12");
        std::fs::create_dir(&desk).unwrap();
        let lines = [
            line("amira", &summary(300_000, &[(NudgeId::Pause, 1)])),
            line(
                "amira",
                &summary(180_000, &[(NudgeId::Pause, 1), (NudgeId::Smile, 1)]),
            ),
            line("ben", &summary(600_000, &[])),
            "{not json".to_string(),
        ];
        std::fs::write(daily_file(&desk, (2026, 12, 1)), lines.join("\n") + "\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a summary").unwrap();
        let report = Report::read(dir.path()).unwrap();
        assert_eq!(report.files, 1);
        assert_eq!(report.all.calls, 3);
        assert_eq!(report.agents["amira"].calls, 2);
        assert_eq!(report.agents["amira"].nudges, 3);
        assert_eq!(report.agents["amira"].by_nudge["pause"], 2);
        assert!((report.agents["amira"].nudges_per_hour() - 22.5).abs() < 1e-9);
        assert_eq!(report.agents["ben"].nudges, 0);
        assert_eq!(report.all.interruptions_by_agent, 6);
        assert_eq!(report.unreadable_total, 1);
        assert!(
            report.unreadable[0].contains("summaries-2026-12-01.jsonl:4"),
            "{:?}",
            report.unreadable
        );
        let text = report.text();
        assert!(
            text.starts_with("3 call(s), 18 min, from 1 file(s)\n"),
            "{text}"
        );
        assert!(text.contains("\namira "), "{text}");
        assert!(text.contains("1 line(s) could not be read"), "{text}");
    }

    #[test]
    fn the_config_hash_is_stable_and_tells_configs_apart() {
        let mut other = Config::default();
        assert_eq!(config_hash(&Config::default()), config_hash(&other));
        other.nudges.pause.enabled = false;
        assert_ne!(config_hash(&Config::default()), config_hash(&other));
        assert_eq!(config_hash(&other).len(), 16);
    }
}
