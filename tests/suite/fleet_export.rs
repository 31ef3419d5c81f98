//! Call summaries sent to the company's OpenTelemetry collector by `callcue run`, against
//! a local OTLP/HTTP receiver that checks every request against the OTLP definitions:
//! nothing is lost while the collector cannot be reached or refuses data, across a
//! restart of callcue, and nothing is sent twice.

use callcue_testkit as common;

use std::path::Path;
use std::time::Duration;

use common::events::{CallBy, Change, Ev};
use common::live::LiveRun;
use common::otlp::{free_port, OtlpReceiver};
use common::pulse::PulseServer;

fn start_run(pulse: &PulseServer, config: &Path) -> LiveRun {
    let run = LiveRun::start(common::live::run_command(
        pulse,
        config,
        &["--no-overlay", "--no-stt"],
    ));
    run.wait_for_log(
        &["capturing the agent side", "capturing the caller side"],
        Duration::from_secs(15),
    );
    run
}

/// One call marked by the softphone hooks, until its summary is out.
fn call(pulse: &PulseServer, run: &LiveRun, id: &str) {
    let hook = |args: &[&str]| {
        let out = pulse
            .command(common::cli::callcue_bin())
            .arg("call")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "call {args:?}: {out:?}");
    };
    hook(&["start", "--id", id]);
    run.wait_for_event(
        "the call's start",
        |e| matches!(&e.ev, Ev::Call { change: Change::Start, by: CallBy::Hook, call_id, .. } if call_id == id),
        Duration::from_secs(10),
    );
    std::thread::sleep(Duration::from_millis(300));
    let summaries_before = summaries(run);
    hook(&["end"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while summaries(run) == summaries_before {
        assert!(
            std::time::Instant::now() < deadline,
            "no summary for {id}:\n{}",
            run.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn summaries(run: &LiveRun) -> usize {
    run.events()
        .iter()
        .filter(|e| matches!(e.ev, Ev::Summary(_)))
        .count()
}

/// `callcue doctor`'s check of the collector: its status and detail.
fn doctor_collector_check(config: &Path) -> (String, String) {
    // The same fleet settings, without speech-to-text (no model decode needed here).
    let doctor_config = config.with_file_name("doctor.toml");
    let text = std::fs::read_to_string(config).unwrap();
    std::fs::write(&doctor_config, format!("{text}[stt]\nenabled = false\n")).unwrap();
    let output = common::cli::callcue_command(&[
        "--config",
        doctor_config.to_str().unwrap(),
        "doctor",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("doctor's JSON");
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "summaries collector")
        .unwrap_or_else(|| panic!("no collector check: {report}"))
        .clone();
    (
        check["status"].as_str().unwrap().to_string(),
        check["detail"].as_str().unwrap().to_string(),
    )
}

/// The summary lines written to the daily files, in order.
fn written_lines(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn summaries_wait_while_the_collector_is_down_and_all_arrive_once_across_a_restart() {
    let pulse = PulseServer::start();
    let dir = tempfile::tempdir().unwrap();
    let summaries_dir = dir.path().join("summaries");
    let port = free_port();
    let config = dir.path().join("callcue.toml");
    std::fs::write(
        &config,
        format!(
            "[stream]\nport = 0\n[fleet]\nsummaries_dir = {:?}\nagent_id = \"agent-7\"\n\
             otlp_endpoint = \"http://127.0.0.1:{port}\"\notlp_headers = [\"X-Api-Key: k-123\"]\n\
             otlp_retry_max_s = 1\n",
            summaries_dir.display().to_string()
        ),
    )
    .unwrap();

    // 1. No collector at all (connections refused): two calls wait on disk; said once.
    let run = start_run(&pulse, &config);
    call(&pulse, &run, "call-1");
    call(&pulse, &run, "call-2");
    let down_line = "call summaries not sent to the collector at";
    run.wait_for_log(&[down_line], Duration::from_secs(10));
    // Several retries (1 s apart at most) say nothing more.
    std::thread::sleep(Duration::from_secs(3));
    let log = run.log();
    assert_eq!(log.matches(down_line).count(), 1, "said once:\n{log}");
    assert!(
        !log.contains("k-123"),
        "header values are never logged:\n{log}"
    );
    run.stop();
    let (status, detail) = doctor_collector_check(&config);
    assert_eq!(status, "warn", "{detail}");
    assert!(
        detail.contains("cannot be reached") && detail.contains("2 summary(ies) waiting"),
        "{detail}"
    );

    // 2. callcue started again; the collector is up but failing (503, Retry-After: 1).
    let receiver = OtlpReceiver::start(port, true);
    let run = start_run(&pulse, &config);
    call(&pulse, &run, "call-3");
    receiver.wait_until("two refused requests", Duration::from_secs(15), |r| {
        r.requests().iter().filter(|l| *l == "down").count() >= 2
    });
    assert!(receiver.records().is_empty());

    // 3. It takes data again: everything that waited arrives, then a new call too.
    receiver.set_failing(false);
    receiver.wait_until("the 3 waiting summaries", Duration::from_secs(15), |r| {
        r.records().len() >= 3
    });
    call(&pulse, &run, "call-4");
    receiver.wait_until("the new call's summary", Duration::from_secs(15), |r| {
        r.records().len() >= 4
    });
    // A moment for anything sent twice to show up.
    std::thread::sleep(Duration::from_secs(2));
    let log = run.log();
    run.stop();

    let written = written_lines(&summaries_dir);
    assert_eq!(written.len(), 4, "{written:?}");
    let records = receiver.records();
    let bodies: Vec<&str> = records
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies, written,
        "every summary once, in order, exactly as written"
    );
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["call_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["call-1", "call-2", "call-3", "call-4"]);
    for record in &records {
        assert_eq!(record["service"], "callcue");
        assert_eq!(record["agent_id"], "agent-7");
        assert_eq!(record["api_key"], "k-123", "the configured header is sent");
        assert!(!record["host"].as_str().unwrap().is_empty());
        assert!(record["time_unix_nano"].as_u64().unwrap() > 1_700_000_000_000_000_000);
    }
    let requests = receiver.requests();
    assert!(
        !requests.iter().any(|r| r.starts_with("bad")),
        "every request is valid OTLP: {requests:?}"
    );
    assert!(log.contains("answers again"), "{log}");
    let (status, detail) = doctor_collector_check(&config);
    assert_eq!(status, "ok", "{detail}");
    assert!(
        detail.contains("answers; 0 summary(ies) waiting"),
        "{detail}"
    );
}
