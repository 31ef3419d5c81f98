//! A local OpenTelemetry collector endpoint for the tests (`tests/otlp_receiver.py`): it
//! takes OTLP/HTTP JSON logs, checks them against the OTLP protobuf definitions from the
//! opentelemetry-proto package, and can be down (no process: connections refused) or
//! up but failing (503 with `Retry-After`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The receiver's script, in the workspace's `tests` folder.
fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/otlp_receiver.py")
}

/// A port nothing listens on now (for a collector that is not started yet).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// A running receiver on 127.0.0.1:`port`; killed when dropped.
pub struct OtlpReceiver {
    child: Child,
    dir: tempfile::TempDir,
}

impl OtlpReceiver {
    /// Starts the receiver and waits until it listens, `failing` from its first request
    /// if asked ([`OtlpReceiver::set_failing`]). Needs python3 with opentelemetry-proto
    /// (`.ci/run` installs it).
    pub fn start(port: u16, failing: bool) -> OtlpReceiver {
        let probe = Command::new("python3")
            .args([
                "-c",
                "import opentelemetry.proto.collector.logs.v1.logs_service_pb2",
            ])
            .output()
            .expect("python3");
        assert!(
            probe.status.success(),
            "the OTLP receiver needs python3 with opentelemetry-proto: \
             python3 -m pip install opentelemetry-proto"
        );
        let dir = tempfile::Builder::new()
            .prefix("callcue-otlp-")
            .tempdir()
            .unwrap();
        if failing {
            std::fs::write(dir.path().join("down"), "").unwrap();
        }
        let child = Command::new("python3")
            .arg(script())
            .arg(port.to_string())
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the OTLP receiver");
        let receiver = OtlpReceiver { child, dir };
        receiver.wait_until("it listens", Duration::from_secs(15), |r| {
            r.requests().iter().any(|l| l == "listening")
        });
        receiver
    }

    /// While down, every request is answered 503 with `Retry-After: 1`.
    pub fn set_failing(&self, failing: bool) {
        let flag = self.dir.path().join("down");
        if failing {
            std::fs::write(flag, "").unwrap();
        } else {
            let _ = std::fs::remove_file(flag);
        }
    }

    /// One line per request: `listening`, `ok N`, `down` or `bad <why>`.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Every log record taken (host, service, call_id, agent_id, time_unix_nano, body,
    /// the request's X-Api-Key header).
    pub fn records(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("records.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a record line"))
            .collect()
    }

    /// Waits until `done` holds, or panics after `timeout` naming `what`.
    pub fn wait_until(&self, what: &str, timeout: Duration, done: impl Fn(&OtlpReceiver) -> bool) {
        let deadline = Instant::now() + timeout;
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "the OTLP receiver: no {what} within {timeout:?}; requests: {:?}",
                self.requests()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
