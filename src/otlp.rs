//! Call summaries as OpenTelemetry logs (OTLP/HTTP with JSON, `POST <endpoint>/v1/logs`):
//! the request body for a batch of summary lines, what the collector's answer means, and
//! how long to wait before trying again. The sending itself is the `callcue-otlp` thread
//! of `callcue run`; what waits to be sent is [`crate::summary_spool`].
//!
//! Each summary is one log record: its time is the call's end, its body the summary line
//! exactly as written in the daily file (collectors parse JSON bodies), and a few
//! attributes for routing and dashboards without parsing: `event.name` =
//! `callcue.call_summary`, `callcue.call_id`, `callcue.agent_id`, `callcue.site`,
//! `callcue.config_hash`, `callcue.call.duration_ms`, `callcue.call.nudges`. The resource
//! is `service.name` = callcue, `service.version` and `host.name` from the record.

use std::time::Duration;

use serde_json::{json, Value};

/// The path OTLP/HTTP takes logs on.
pub const LOGS_PATH: &str = "/v1/logs";

/// The address logs are posted to: `endpoint` with `/v1/logs` added unless it is there.
pub fn logs_url(endpoint: &str) -> String {
    let endpoint = endpoint.trim().trim_end_matches('/');
    if endpoint.ends_with(LOGS_PATH) {
        endpoint.to_string()
    } else {
        format!("{endpoint}{LOGS_PATH}")
    }
}

/// The body of one export request for `lines` (summary records as written), and how
/// many lines were not records (damaged; left out and counted, the rest still sent).
pub fn logs_request(lines: &[String], observed_unix_ms: u64) -> (String, usize) {
    // One resource per run of records from the same host and version, in order.
    let mut resources: Vec<((String, String), Vec<Value>)> = Vec::new();
    let mut damaged = 0;
    for line in lines {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            damaged += 1;
            continue;
        };
        let text = |key: &str| record[key].as_str().unwrap_or_default().to_string();
        let resource_key = (text("host"), text("version"));
        let log_record = log_record(&record, line, observed_unix_ms);
        match resources.last_mut() {
            Some((key, records)) if *key == resource_key => records.push(log_record),
            _ => resources.push((resource_key, vec![log_record])),
        }
    }
    let resource_logs: Vec<Value> = resources
        .into_iter()
        .map(|((host, version), records)| {
            json!({
                "resource": { "attributes": [
                    string_attribute("service.name", "callcue"),
                    string_attribute("service.version", &version),
                    string_attribute("host.name", &host),
                ]},
                "scopeLogs": [{
                    "scope": { "name": "callcue.fleet", "version": env!("CARGO_PKG_VERSION") },
                    "logRecords": records,
                }],
            })
        })
        .collect();
    (
        json!({ "resourceLogs": resource_logs }).to_string(),
        damaged,
    )
}

fn log_record(record: &Value, line: &str, observed_unix_ms: u64) -> Value {
    let text = |key: &str| record[key].as_str().unwrap_or_default();
    let summary = &record["summary"];
    let nudges: u64 = summary["nudges"]
        .as_array()
        .map(|counts| counts.iter().filter_map(|c| c["count"].as_u64()).sum())
        .unwrap_or(0);
    let unix_ms = record["unix_ms"].as_u64().unwrap_or(observed_unix_ms);
    let mut attributes = vec![
        string_attribute("event.name", "callcue.call_summary"),
        string_attribute("callcue.call_id", text("call_id")),
        string_attribute("callcue.agent_id", text("agent_id")),
        string_attribute("callcue.config_hash", text("config_hash")),
        int_attribute(
            "callcue.call.duration_ms",
            summary["duration_ms"].as_u64().unwrap_or(0),
        ),
        int_attribute("callcue.call.nudges", nudges),
    ];
    if !text("site").is_empty() {
        attributes.push(string_attribute("callcue.site", text("site")));
    }
    json!({
        // OTLP's JSON writes 64-bit integers as strings.
        "timeUnixNano": nanos(unix_ms),
        "observedTimeUnixNano": nanos(observed_unix_ms),
        "severityNumber": 9,
        "severityText": "INFO",
        "body": { "stringValue": line },
        "attributes": attributes,
    })
}

fn nanos(unix_ms: u64) -> String {
    (u128::from(unix_ms) * 1_000_000).to_string()
}

fn string_attribute(key: &str, value: &str) -> Value {
    json!({ "key": key, "value": { "stringValue": value } })
}

fn int_attribute(key: &str, value: u64) -> Value {
    json!({ "key": key, "value": { "intValue": value.to_string() } })
}

/// What to do after the collector answered a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Taken: move the cursor on.
    Sent,
    /// Try the same batch again later (the collector is down, busy, or refuses us until
    /// IT fixes the address or the key: nothing is dropped for that).
    Retry,
    /// Too big for the collector: send fewer lines at a time.
    Smaller,
    /// The collector says the data itself is wrong (400): sending it again cannot help.
    Rejected,
}

/// What an HTTP status from the collector means (OTLP/HTTP's rules, except that
/// refusals that a config fix would end, such as 401, 403 and 404, keep the summaries).
pub fn outcome(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Sent,
        413 => Outcome::Smaller,
        400 => Outcome::Rejected,
        _ => Outcome::Retry,
    }
}

/// Waits between tries while the collector cannot be reached: 1 s, doubling, at most
/// `max`; a collector's `Retry-After` is honoured up to the same limit.
#[derive(Clone, Debug)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(max: Duration) -> Self {
        let max = max.max(Duration::from_secs(1));
        Self {
            next: Duration::from_secs(1),
            max,
        }
    }

    /// The wait before the next try, after a failed one.
    pub fn after_failure(&mut self, retry_after: Option<Duration>) -> Duration {
        let wait = retry_after.unwrap_or(self.next).min(self.max);
        self.next = (self.next * 2).min(self.max);
        wait
    }

    /// Back to the shortest wait once a try worked.
    pub fn reset(&mut self) {
        self.next = Duration::from_secs(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(call_id: &str, host: &str) -> String {
        json!({
            "unix_ms": 1_764_547_200_123u64,
            "call_id": call_id,
            "agent_id": "amira",
            "host": host,
            "site": "north",
            "version": "0.1.0 (abc)",
            "config_hash": "00ff",
            "summary": {
                "duration_ms": 61_000,
                "nudges": [{"nudge": "pause", "count": 2}, {"nudge": "smile", "count": 1}],
            },
        })
        .to_string()
    }

    #[test]
    fn a_batch_becomes_log_records_grouped_by_host_with_the_line_as_body() {
        let lines = vec![
            record("c1", "pc-7"),
            record("c2", "pc-7"),
            "{not json".to_string(),
            record("c3", "pc-8"),
        ];
        let (body, damaged) = logs_request(&lines, 1_764_547_300_000);
        assert_eq!(damaged, 1);
        let request: Value = serde_json::from_str(&body).unwrap();
        let resources = request["resourceLogs"].as_array().unwrap();
        assert_eq!(resources.len(), 2, "{body}");
        let first = &resources[0]["scopeLogs"][0]["logRecords"];
        assert_eq!(first.as_array().unwrap().len(), 2);
        let one = &first[0];
        assert_eq!(one["timeUnixNano"], "1764547200123000000");
        assert_eq!(one["body"]["stringValue"], lines[0].as_str());
        let attributes = one["attributes"].as_array().unwrap();
        let value = |key: &str| {
            attributes
                .iter()
                .find(|a| a["key"] == key)
                .map(|a| a["value"].clone())
                .unwrap_or(Value::Null)
        };
        assert_eq!(value("callcue.call_id")["stringValue"], "c1");
        assert_eq!(value("callcue.call.nudges")["intValue"], "3");
        assert_eq!(value("callcue.site")["stringValue"], "north");
        assert_eq!(
            resources[1]["resource"]["attributes"][2]["value"]["stringValue"],
            "pc-8"
        );
    }

    #[test]
    fn the_logs_path_is_added_once() {
        assert_eq!(logs_url("http://otel:4318"), "http://otel:4318/v1/logs");
        assert_eq!(logs_url("http://otel:4318/"), "http://otel:4318/v1/logs");
        assert_eq!(logs_url("https://o/x/v1/logs"), "https://o/x/v1/logs");
    }

    #[test]
    fn statuses_keep_the_summaries_unless_the_data_is_wrong() {
        assert_eq!(outcome(200), Outcome::Sent);
        assert_eq!(outcome(204), Outcome::Sent);
        for status in [401, 403, 404, 429, 500, 502, 503, 504] {
            assert_eq!(outcome(status), Outcome::Retry, "{status}");
        }
        assert_eq!(outcome(413), Outcome::Smaller);
        assert_eq!(outcome(400), Outcome::Rejected);
    }

    #[test]
    fn waits_double_up_to_the_limit_and_start_over_after_a_success() {
        let mut backoff = Backoff::new(Duration::from_secs(60));
        let waits: Vec<u64> = (0..9)
            .map(|_| backoff.after_failure(None).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(
            backoff.after_failure(Some(Duration::from_secs(600))),
            Duration::from_secs(60),
            "a collector's Retry-After, capped"
        );
        backoff.reset();
        assert_eq!(backoff.after_failure(None), Duration::from_secs(1));
    }
}
