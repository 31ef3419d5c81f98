//! The evaluation report: built once from the scored calls, written as JSON (the contract
//! documented in `docs/labels.md`, `version` 1) or as text tables for a supervisor.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::labels::{AudioRef, CallLabels};
use super::run::{CallResult, EvalConfig};
use super::score::{ConfigTally, Tally};
use crate::event::NudgeId;

/// The JSON report's format version.
pub const REPORT_VERSION: u32 = 1;

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub calls: Vec<CallReport>,
    pub configs: Vec<ConfigReport>,
}

/// One call.
#[derive(Clone, Debug, Serialize)]
pub struct CallReport {
    /// The label file, relative to the folder evaluated.
    pub label: String,
    /// The audio as the label file names it: `file`, or `agent` and `caller`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    pub duration_ms: u64,
    /// One per config, in the order of `configs`.
    pub per_config: Vec<CallConfigReport>,
}

/// One call through one config.
#[derive(Clone, Debug, Serialize)]
pub struct CallConfigReport {
    pub config: String,
    /// Nudges given.
    pub nudges: usize,
    pub hits: usize,
    pub misses: usize,
    pub false_nudges: usize,
    pub given: Vec<GivenReport>,
    pub expect: Vec<ExpectReport>,
}

/// A nudge given.
#[derive(Clone, Debug, Serialize)]
pub struct GivenReport {
    pub nudge: &'static str,
    pub t_ms: u64,
    pub latency_ms: f64,
    /// `t_ms + latency_ms`, rounded down: where it is scored.
    pub counted_ms: u64,
    /// It fell in a forbid window.
    pub false_nudge: bool,
}

/// What became of an expect window.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectReport {
    pub nudge: &'static str,
    pub from_ms: u64,
    pub to_ms: u64,
    pub hit: bool,
    /// The first matching nudge's counted time minus `from_ms`; null for a miss.
    pub delay_ms: Option<u64>,
}

/// One config over all calls.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigReport {
    pub name: String,
    /// Every nudge id, in a fixed order.
    pub per_nudge: Vec<NudgeReport>,
    pub totals: TotalsReport,
}

/// One nudge id over all calls.
#[derive(Clone, Debug, Serialize)]
pub struct NudgeReport {
    pub nudge: &'static str,
    #[serde(flatten)]
    pub counts: Counts,
}

/// The counts a row of the report holds.
#[derive(Clone, Debug, Serialize)]
pub struct Counts {
    pub hits: u64,
    pub misses: u64,
    pub false_nudges: u64,
    /// The median delay of the hits; null without hits.
    pub median_delay_ms: Option<u64>,
    /// Nudges given.
    pub nudges: u64,
    /// Nudges given per minute of call, rounded to 0.001.
    pub nudges_per_minute: f64,
}

impl Counts {
    fn of(tally: &Tally, duration_ms: u64) -> Self {
        Self {
            hits: tally.hits,
            misses: tally.misses,
            false_nudges: tally.false_nudges,
            median_delay_ms: tally.median_delay_ms(),
            nudges: tally.nudges,
            nudges_per_minute: (tally.nudges_per_minute(duration_ms) * 1000.0).round() / 1000.0,
        }
    }

    fn is_empty(&self) -> bool {
        self.hits + self.misses + self.false_nudges + self.nudges == 0
    }
}

/// All nudge ids together, over all calls.
#[derive(Clone, Debug, Serialize)]
pub struct TotalsReport {
    pub calls: u64,
    pub duration_ms: u64,
    #[serde(flatten)]
    pub counts: Counts,
}

impl Report {
    /// Builds the report of `results` (one per call in `calls`, found under `dir`) for
    /// `configs`.
    pub fn new(
        dir: &Path,
        calls: &[CallLabels],
        results: &[CallResult],
        configs: &[EvalConfig],
    ) -> Self {
        let mut tallies = vec![ConfigTally::default(); configs.len()];
        let mut call_reports = Vec::with_capacity(calls.len());
        for (labels, result) in calls.iter().zip(results) {
            let (file, agent, caller) = match &labels.audio {
                AudioRef::File(file) => (Some(file.clone()), None, None),
                AudioRef::Pair { agent, caller } => {
                    (None, Some(agent.clone()), Some(caller.clone()))
                }
            };
            let per_config = configs
                .iter()
                .zip(&result.runs)
                .zip(&mut tallies)
                .map(|((config, run), tally)| {
                    tally.add_call(result.duration_ms, &labels.expect, &run.given, &run.score);
                    CallConfigReport {
                        config: config.name.clone(),
                        nudges: run.given.len(),
                        hits: run.score.hits(),
                        misses: run.score.misses(),
                        false_nudges: run.score.false_nudges(),
                        given: run
                            .given
                            .iter()
                            .zip(&run.score.false_nudge)
                            .map(|(n, is_false)| GivenReport {
                                nudge: n.nudge.as_str(),
                                t_ms: n.t_ms,
                                latency_ms: n.latency_ms,
                                counted_ms: n.counted_ms(),
                                false_nudge: *is_false,
                            })
                            .collect(),
                        expect: labels
                            .expect
                            .iter()
                            .zip(&run.score.expect)
                            .map(|(w, outcome)| ExpectReport {
                                nudge: w.nudge.as_str(),
                                from_ms: w.from_ms,
                                to_ms: w.to_ms,
                                hit: outcome.delay_ms.is_some(),
                                delay_ms: outcome.delay_ms,
                            })
                            .collect(),
                    }
                })
                .collect();
            call_reports.push(CallReport {
                label: labels
                    .path
                    .strip_prefix(dir)
                    .unwrap_or(&labels.path)
                    .to_string_lossy()
                    .into_owned(),
                file,
                agent,
                caller,
                duration_ms: result.duration_ms,
                per_config,
            });
        }
        let configs = configs
            .iter()
            .zip(&tallies)
            .map(|(config, tally)| ConfigReport {
                name: config.name.clone(),
                per_nudge: NudgeId::ALL
                    .into_iter()
                    .map(|id| NudgeReport {
                        nudge: id.as_str(),
                        counts: Counts::of(&tally.per_nudge[id.index()], tally.duration_ms),
                    })
                    .collect(),
                totals: TotalsReport {
                    calls: tally.calls,
                    duration_ms: tally.duration_ms,
                    counts: Counts::of(&tally.total, tally.duration_ms),
                },
            })
            .collect();
        Self {
            version: REPORT_VERSION,
            calls: call_reports,
            configs,
        }
    }

    /// Writes the report as one JSON object (and a newline).
    pub fn write_json(&self, mut out: impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        out.write_all(b"\n")
    }

    /// Writes the report as text: the configs, a line per call, a row per nudge id that
    /// was expected or given; with two configs, each cell reads `A / B`.
    pub fn write_text(&self, mut out: impl Write) -> io::Result<()> {
        let minutes = self
            .configs
            .first()
            .map_or(0.0, |c| c.totals.duration_ms as f64 / 60_000.0);
        writeln!(
            out,
            "callcue eval: {} labelled call(s), {minutes:.1} call minutes",
            self.calls.len()
        )?;
        let letters = ["A", "B", "C", "D"];
        for (config, letter) in self.configs.iter().zip(letters) {
            writeln!(out, "  {letter}: {}", config.name)?;
        }
        if self.configs.len() > 1 {
            writeln!(
                out,
                "  (cells read {})",
                letters[..self.configs.len()].join(" / ")
            )?;
        }
        writeln!(out)?;

        let mut table = vec![row(&[
            "call", "duration", "nudges", "hits", "misses", "false",
        ])];
        for call in &self.calls {
            // The audio as the label names it, in the label's subfolder if any.
            let folder = Path::new(&call.label).parent().unwrap_or(Path::new(""));
            let within = |file: &str| folder.join(file).to_string_lossy().into_owned();
            let name = match (&call.file, &call.agent, &call.caller) {
                (Some(file), _, _) => within(file),
                (None, Some(agent), Some(caller)) => format!("{} + {caller}", within(agent)),
                _ => call.label.clone(),
            };
            let cells = |f: fn(&CallConfigReport) -> String| {
                call.per_config
                    .iter()
                    .map(f)
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            table.push(vec![
                name,
                clock(call.duration_ms),
                cells(|c| c.nudges.to_string()),
                cells(|c| c.hits.to_string()),
                cells(|c| c.misses.to_string()),
                cells(|c| c.false_nudges.to_string()),
            ]);
        }
        write_table(&mut out, &table)?;
        writeln!(out)?;

        let mut table = vec![row(&[
            "nudge",
            "hits",
            "misses",
            "false",
            "median delay",
            "nudges",
            "per minute",
        ])];
        let counts_row = |name: &str, counts: Vec<&Counts>| {
            let cells = |f: &dyn Fn(&Counts) -> String| {
                counts.iter().map(|c| f(c)).collect::<Vec<_>>().join(" / ")
            };
            vec![
                name.to_string(),
                cells(&|c| c.hits.to_string()),
                cells(&|c| c.misses.to_string()),
                cells(&|c| c.false_nudges.to_string()),
                cells(&|c| c.median_delay_ms.map_or("-".into(), |d| format!("{d} ms"))),
                cells(&|c| c.nudges.to_string()),
                cells(&|c| format!("{:.2}", c.nudges_per_minute)),
            ]
        };
        for (i, id) in NudgeId::ALL.into_iter().enumerate() {
            let counts: Vec<&Counts> = self
                .configs
                .iter()
                .map(|c| &c.per_nudge[i].counts)
                .collect();
            if counts.iter().any(|c| !c.is_empty()) {
                table.push(counts_row(id.as_str(), counts));
            }
        }
        let totals = self.configs.iter().map(|c| &c.totals.counts).collect();
        table.push(counts_row("total", totals));
        write_table(&mut out, &table)
    }
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// `m:ss.s`.
fn clock(ms: u64) -> String {
    format!("{}:{:04.1}", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
}

/// The first column left-aligned, the others right-aligned, two spaces apart.
fn write_table(out: &mut impl Write, rows: &[Vec<String>]) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i == 0 {
                line.push_str(&format!("{cell:<width$}"));
            } else {
                line.push_str(&format!("  {cell:>width$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::labels::CallLabels;
    use crate::eval::run::{CallRun, EvalConfig};
    use crate::eval::score::{score_call, GivenNudge};
    use crate::replay::SttSetup;
    use crate::Config;

    fn report() -> Report {
        let labels = CallLabels::parse(
            r#"{"file": "x.wav",
                "expect": [{"nudge": "pause", "from_ms": 1000, "to_ms": 3000},
                           {"nudge": "pause", "from_ms": 50000, "to_ms": 51000}],
                "forbid": [{"nudge": "acknowledge", "from_ms": 0, "to_ms": 60000}]}"#,
            Path::new("calls/x.json"),
        )
        .unwrap();
        let run = |given: Vec<GivenNudge>| CallRun {
            score: score_call(&labels.expect, &labels.forbid, &given),
            given,
        };
        let nudge = |nudge, t_ms| GivenNudge {
            nudge,
            t_ms,
            latency_ms: 0.0,
            reason: String::new(),
        };
        let result = CallResult {
            duration_ms: 120_000,
            runs: vec![
                run(vec![
                    nudge(NudgeId::Pause, 1800),
                    nudge(NudgeId::Acknowledge, 9000),
                ]),
                run(vec![]),
            ],
        };
        let configs = ["a.toml", "b.toml"].map(|name| EvalConfig {
            name: name.into(),
            config: Config::default(),
            stt: SttSetup::Off,
        });
        Report::new(Path::new("calls"), &[labels], &[result], &configs)
    }

    #[test]
    fn the_json_report_has_its_documented_shape() {
        let json = serde_json::to_value(report()).unwrap();
        assert_eq!(json["version"], 1);
        let call = &json["calls"][0];
        assert_eq!(call["label"], "x.json");
        assert_eq!(call["file"], "x.wav");
        assert!(call.get("agent").is_none());
        assert_eq!(call["duration_ms"], 120_000);
        let a = &call["per_config"][0];
        assert_eq!(a["config"], "a.toml");
        assert_eq!(
            (&a["nudges"], &a["hits"], &a["misses"], &a["false_nudges"]),
            (&2.into(), &1.into(), &1.into(), &1.into())
        );
        assert_eq!(a["given"][1]["false_nudge"], true);
        assert_eq!(a["expect"][0]["delay_ms"], 800);
        assert_eq!(a["expect"][1]["delay_ms"], serde_json::Value::Null);

        let configs = json["configs"].as_array().unwrap();
        assert_eq!(configs.len(), 2);
        let per_nudge = configs[0]["per_nudge"].as_array().unwrap();
        assert_eq!(per_nudge.len(), NudgeId::ALL.len());
        let pause = &per_nudge[0];
        assert_eq!(pause["nudge"], "pause");
        assert_eq!(pause["hits"], 1);
        assert_eq!(pause["misses"], 1);
        assert_eq!(pause["false_nudges"], 0);
        assert_eq!(pause["median_delay_ms"], 800);
        assert_eq!(pause["nudges"], 1);
        assert_eq!(pause["nudges_per_minute"], 0.5);
        let acknowledge = &per_nudge[1];
        assert_eq!(acknowledge["false_nudges"], 1);
        let totals = &configs[0]["totals"];
        assert_eq!(totals["calls"], 1);
        assert_eq!(totals["duration_ms"], 120_000);
        assert_eq!(totals["nudges_per_minute"], 1.0);
        let b = &configs[1];
        assert_eq!(b["per_nudge"][0]["misses"], 2);
        assert_eq!(
            b["per_nudge"][0]["median_delay_ms"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn the_text_report_shows_both_configs_side_by_side() {
        let mut text = Vec::new();
        report().write_text(&mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("A: a.toml") && text.contains("B: b.toml"),
            "{text}"
        );
        let call = text.lines().find(|l| l.starts_with("x.wav")).expect(&text);
        assert!(call.contains("2:00.0"), "{call}");
        let pause = text.lines().find(|l| l.starts_with("pause")).expect(&text);
        assert!(
            pause.contains("1 / 0") && pause.contains("1 / 2"),
            "{pause}"
        );
        assert!(pause.contains("800 ms / -"), "{pause}");
        assert!(!text.lines().any(|l| l.starts_with("smile")), "{text}");
        assert!(text.lines().any(|l| l.starts_with("total")), "{text}");
    }
}
