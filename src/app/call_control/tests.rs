//! The control socket over real local sockets, each test on its own path.

use std::io::{BufRead, BufReader, Write};

use crossbeam_channel::{bounded, Receiver};

use super::*;

/// How long a test waits for a command to arrive before failing.
const RECEIVE_TIMEOUT: Duration = Duration::from_secs(2);

struct Fixture {
    dir: tempfile::TempDir,
    path: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("control.sock");
    Fixture { dir, path }
}

fn start(path: &Path, capacity: usize) -> (ControlServer, Receiver<CallCommand>) {
    let (tx, rx) = bounded(capacity);
    (ControlServer::start_at(path, tx).unwrap(), rx)
}

/// Sends one raw request line (or bytes) and returns the server's reply.
fn raw_request(path: &Path, bytes: &[u8]) -> Reply {
    let mut connection = connect(path, RECEIVE_TIMEOUT).unwrap();
    connection.set_recv_timeout(Some(RECEIVE_TIMEOUT)).unwrap();
    connection.write_all(bytes).unwrap();
    let mut reader = BufReader::new(connection);
    let mut reply = String::new();
    reader.read_line(&mut reply).unwrap();
    assert!(reply.ends_with('\n'), "reply not a line: {reply:?}");
    serde_json::from_str(&reply).unwrap()
}

fn start_with(id: &str) -> CallCommand {
    CallCommand::Start {
        id: Some(id.into()),
    }
}

#[test]
fn start_and_end_reach_the_running_instance_in_order() {
    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    send_to(&f.path, &start_with("abc-123")).unwrap();
    send_to(&f.path, &CallCommand::Start { id: None }).unwrap();
    send_to(&f.path, &CallCommand::End).unwrap();
    assert_eq!(
        rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(),
        start_with("abc-123")
    );
    assert_eq!(
        rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(),
        CallCommand::Start { id: None }
    );
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
    assert!(rx.try_recv().is_err());
}

#[test]
fn the_wire_format_is_one_json_line_each_way() {
    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    let reply = raw_request(&f.path, b"{\"command\":\"call_start\",\"id\":\"x1\"}\n");
    assert_eq!(reply, Reply::ok());
    let reply = raw_request(&f.path, b"{\"command\":\"call_end\",\"from\":\"zoiper\"}\n");
    assert_eq!(reply, Reply::ok());
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), start_with("x1"));
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
    assert_eq!(Reply::ok().to_line(), "{\"ok\":true}\n");
    assert_eq!(
        serde_json::to_string(&Request::CallStart {
            id: Some("x1".into())
        })
        .unwrap(),
        "{\"command\":\"call_start\",\"id\":\"x1\"}"
    );
}

#[test]
fn a_second_instance_is_refused_and_the_first_keeps_working() {
    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    let (tx2, _rx2) = bounded(8);
    let error = ControlServer::start_at(&f.path, tx2)
        .err()
        .expect("second start");
    assert!(
        matches!(error, ControlError::AlreadyRunning { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "callcue is already running (control socket {})",
            f.path.display()
        )
    );
    send_to(&f.path, &CallCommand::End).unwrap();
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
}

#[cfg(unix)]
#[test]
fn a_stale_socket_file_is_replaced() {
    let f = fixture();
    // A socket file nobody listens on, as a crash leaves it.
    drop(std::os::unix::net::UnixListener::bind(&f.path).unwrap());
    assert!(f.path.exists());
    let error = send_to(&f.path, &CallCommand::End).unwrap_err();
    assert!(
        matches!(error, ControlError::NotAnswering { .. }),
        "{error:?}"
    );

    let (_server, rx) = start(&f.path, 8);
    send_to(&f.path, &start_with("after-crash")).unwrap();
    assert_eq!(
        rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(),
        start_with("after-crash")
    );
}

#[cfg(unix)]
#[test]
fn something_else_at_the_path_is_left_alone() {
    let f = fixture();
    std::fs::write(&f.path, "not a socket").unwrap();
    let (tx, _rx) = bounded(8);
    let error = ControlServer::start_at(&f.path, tx)
        .err()
        .expect("not a socket");
    assert!(
        matches!(error, ControlError::NotASocket { .. }),
        "{error:?}"
    );
    assert_eq!(std::fs::read_to_string(&f.path).unwrap(), "not a socket");
}

#[test]
fn bad_requests_get_an_error_reply_and_the_server_keeps_working() {
    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    let long_id = "x".repeat(MAX_CALL_ID_CHARS + 1);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"this is not json\n".to_vec(), "bad request"),
        (b"{\"command\":\"reboot\"}\n".to_vec(), "bad request"),
        (b"{\"id\":\"x\"}\n".to_vec(), "bad request"),
        (b"\xff\xfe\n".to_vec(), "not UTF-8"),
        (vec![b'{'; MAX_LINE_BYTES + 10], "longer than"),
        (
            b"{\"command\":\"call_start\",\"id\":\"a\\u0007b\"}\n".to_vec(),
            "printable",
        ),
        (
            format!("{{\"command\":\"call_start\",\"id\":\"{long_id}\"}}\n").into_bytes(),
            "at most 128",
        ),
    ];
    for (request, expected) in cases {
        let reply = raw_request(&f.path, &request);
        assert!(!reply.ok, "{request:?}");
        let error = reply.error.unwrap();
        assert!(error.contains(expected), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }
    assert!(rx.try_recv().is_err(), "a bad request went through");
    send_to(&f.path, &CallCommand::End).unwrap();
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
}

#[test]
fn a_client_that_says_nothing_does_not_lock_out_the_hooks() {
    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    let _silent = connect(&f.path, RECEIVE_TIMEOUT).unwrap();
    let started = Instant::now();
    send_to(&f.path, &CallCommand::End).unwrap();
    assert!(started.elapsed() < Duration::from_millis(CLIENT_TIMEOUT_MS));
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
}

#[test]
fn a_full_or_closed_channel_is_an_error_reply_not_a_wait() {
    let f = fixture();
    let (server, rx) = start(&f.path, 1);
    send_to(&f.path, &CallCommand::End).unwrap();
    let started = Instant::now();
    let error = send_to(&f.path, &CallCommand::End).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(&error, ControlError::Refused(reason) if reason.contains("busy")),
        "{error:?}"
    );
    drop(rx);
    let error = send_to(&f.path, &CallCommand::End).unwrap_err();
    assert!(
        matches!(&error, ControlError::Refused(reason) if reason.contains("shutting down")),
        "{error:?}"
    );
    drop(server);
}

#[test]
fn with_no_server_the_hook_says_so_in_one_line() {
    let f = fixture();
    let error = send_to(&f.path, &CallCommand::End).unwrap_err();
    assert!(
        matches!(error, ControlError::NotRunning { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "no running callcue to tell (control socket {} not found): start `callcue run` first",
            f.path.display()
        )
    );
}

#[test]
fn dropping_the_server_stops_it_and_removes_the_socket() {
    let f = fixture();
    let (server, _rx) = start(&f.path, 8);
    assert_eq!(server.path(), f.path);
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(!f.path.exists(), "socket file left behind");
    let error = send_to(&f.path, &CallCommand::End).unwrap_err();
    assert!(
        matches!(error, ControlError::NotRunning { .. }),
        "{error:?}"
    );
    // And the path can be used again.
    let (_again, rx) = start(&f.path, 8);
    send_to(&f.path, &CallCommand::End).unwrap();
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
    drop(f.dir);
}

#[test]
fn call_ids_are_checked_before_sending() {
    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    for bad in [
        "x".repeat(MAX_CALL_ID_CHARS + 1),
        "tab\there".into(),
        "line\nbreak".into(),
        "del\u{7f}x".into(),
    ] {
        let error = send_to(&f.path, &CallCommand::Start { id: Some(bad) }).unwrap_err();
        assert!(matches!(error, ControlError::BadCallId(_)), "{error:?}");
    }
    assert!(rx.try_recv().is_err());

    let longest = "é".repeat(MAX_CALL_ID_CHARS);
    send_to(&f.path, &start_with(&longest)).unwrap();
    assert_eq!(
        rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(),
        start_with(&longest)
    );
    // A hook whose id placeholder expanded to nothing still starts the call.
    send_to(&f.path, &start_with("  ")).unwrap();
    assert_eq!(
        rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(),
        CallCommand::Start { id: None }
    );
    send_to(&f.path, &start_with(" 42 ")).unwrap();
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), start_with("42"));
}

#[cfg(unix)]
#[test]
fn the_socket_directory_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    let dir = f.dir.path().join("callcue");
    prepare_private_dir(&dir).unwrap();
    let mode = |dir: &Path| std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    prepare_private_dir(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);

    let (_server, _rx) = start(&dir.join("control.sock"), 8);
    let socket_mode = mode(&dir.join("control.sock"));
    assert_eq!(socket_mode & 0o077, 0, "socket mode {socket_mode:o}");
}

/// A temp cleaner or a logout script deletes the socket file: stopping still ends the
/// server's thread at once.
#[test]
fn a_deleted_socket_file_does_not_hold_up_stopping() {
    let f = fixture();
    let (server, _rx) = start(&f.path, 8);
    std::fs::remove_file(&f.path).unwrap();
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// Clients that connect and say nothing are answered side by side, each with a short
/// deadline: 100 of them delay a hook by about one deadline, not 100.
#[test]
fn idle_connections_do_not_hold_up_a_hook() {
    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    let idle: Vec<_> = (0..100)
        .map(|_| connect(&f.path, RECEIVE_TIMEOUT).unwrap())
        .collect();
    let started = Instant::now();
    send_to(&f.path, &CallCommand::End).unwrap();
    let waited = started.elapsed();
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
    assert!(
        waited < Duration::from_millis(CLIENT_TIMEOUT_MS),
        "a hook behind 100 idle clients waited {waited:?}"
    );
    drop(idle);
}

/// In a shared temp dir another user may make the socket's folder first: it is refused.
#[cfg(unix)]
#[test]
fn a_socket_folder_of_another_user_is_refused() {
    let f = fixture();
    let folder = f.dir.path().join("callcue-someone");
    std::fs::create_dir(&folder).unwrap();
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let other = if me == 0 {
        // Root (CI) hands the folder to `nobody`; anyone else finds one of root's.
        std::os::unix::fs::chown(&folder, Some(65_534), Some(65_534)).unwrap();
        folder
    } else {
        PathBuf::from("/tmp")
    };
    let (doing, _) = prepare_private_dir(&other).unwrap_err();
    assert!(doing.contains("another user"), "{doing}");
    // Its own folder is fine.
    let mine = f.dir.path().join("callcue-me");
    prepare_private_dir(&mine).unwrap();
    prepare_private_dir(&mine).unwrap();
}

/// Property test: any line a program sends (bytes, or JSON with any command and id) gets
/// one JSON reply line; only a valid command is passed on, and the hooks keep working.
#[test]
fn any_request_gets_one_reply_line_and_only_valid_commands_pass() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};

    let f = fixture();
    let (_server, rx) = start(&f.path, 8);
    let json = (
        prop_oneof![
            Just("call_start".to_string()),
            Just("call_end".to_string()),
            "[ -~]{0,12}",
        ],
        prop::option::of("[ -~\u{80}-\u{2000}]{0,140}"),
    )
        .prop_map(|(command, id)| {
            let mut request = serde_json::json!({ "command": command });
            if let Some(id) = id {
                request["id"] = serde_json::Value::String(id);
            }
            let mut line = request.to_string().into_bytes();
            line.push(b'\n');
            line
        });
    let bytes = prop::collection::vec(any::<u8>(), 0..200).prop_map(|mut bytes| {
        bytes.push(b'\n');
        bytes
    });
    let mut runner = TestRunner::new(RunnerConfig::with_cases(300));
    runner
        .run(&prop_oneof![json, bytes], |request| {
            let reply = raw_request(&f.path, &request);
            let passed = rx.try_recv();
            prop_assert_eq!(reply.ok, passed.is_ok(), "{:?}", reply.error);
            if let Some(error) = reply.error {
                prop_assert!(!error.contains('\n'), "{}", error);
            }
            Ok(())
        })
        .unwrap();
    send_to(&f.path, &CallCommand::End).unwrap();
    assert_eq!(rx.recv_timeout(RECEIVE_TIMEOUT).unwrap(), CallCommand::End);
}
