//! The event stream over real sockets: a server on a free port, tokio-tungstenite clients.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::{connect_async, MaybeTlsStream};

use super::*;

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest any one test may take before it fails instead of hanging.
const TEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A server on a free port with a fresh token in a temporary directory.
struct Fixture {
    server: StreamServer,
    token: String,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = StreamConfig {
        enabled: true,
        port: 0,
        token_file: dir.path().join("stream-token").display().to_string(),
        allowed_origins: vec!["https://crm.example.com".into()],
    };
    let server = StreamServer::start(&config).unwrap();
    let token = load_or_create_token(&config).unwrap();
    Fixture {
        server,
        token,
        _dir: dir,
    }
}

/// Runs a client-side future on its own runtime, failing the test if it takes too long.
fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(TEST_TIMEOUT, future)
                .await
                .expect("test timed out")
        })
}

async fn connect_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<
    (
        Client,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    WsError,
> {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    connect_async(request).await
}

/// A client authorised with the query token.
async fn connect(f: &Fixture) -> Client {
    let path = format!("{EVENTS_PATH}?token={}", f.token);
    connect_with(f.server.local_addr(), &path, &[])
        .await
        .unwrap()
        .0
}

fn refused_status(result: Result<(Client, impl std::fmt::Debug), WsError>) -> StatusCode {
    match result {
        Err(WsError::Http(response)) => response.status(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected an HTTP refusal, got a connection"),
    }
}

/// The next text frame, skipping nothing: anything else fails the test.
async fn next_text(client: &mut Client) -> String {
    match client.next().await {
        Some(Ok(Message::Text(text))) => text.to_string(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

fn event(i: usize) -> Arc<str> {
    Arc::from(format!("{{\"type\":\"test\",\"t_ms\":{i}}}\n"))
}

#[test]
fn missing_or_wrong_token_is_401() {
    let f = fixture();
    let addr = f.server.local_addr();
    run(async {
        assert_eq!(
            refused_status(connect_with(addr, EVENTS_PATH, &[]).await),
            StatusCode::UNAUTHORIZED
        );
        let wrong = "0".repeat(f.token.len());
        let query = format!("{EVENTS_PATH}?token={wrong}");
        assert_eq!(
            refused_status(connect_with(addr, &query, &[]).await),
            StatusCode::UNAUTHORIZED
        );
        let bearer = format!("Bearer {wrong}");
        assert_eq!(
            refused_status(connect_with(addr, EVENTS_PATH, &[("Authorization", &bearer)]).await),
            StatusCode::UNAUTHORIZED
        );
        let prefix = &f.token[..f.token.len() - 1];
        let query = format!("{EVENTS_PATH}?token={prefix}");
        assert_eq!(
            refused_status(connect_with(addr, &query, &[]).await),
            StatusCode::UNAUTHORIZED
        );
    });
    assert_eq!(f.server.clients(), 0);
}

#[test]
fn header_query_and_subprotocol_tokens_are_accepted() {
    let f = fixture();
    let addr = f.server.local_addr();
    run(async {
        let bearer = format!("Bearer {}", f.token);
        connect_with(addr, EVENTS_PATH, &[("Authorization", &bearer)])
            .await
            .expect("bearer token");

        let query = format!("{EVENTS_PATH}?token={}", f.token);
        connect_with(addr, &query, &[]).await.expect("query token");

        let protocol = format!("{TOKEN_PROTOCOL_PREFIX}{}", f.token);
        let (_, response) =
            connect_with(addr, EVENTS_PATH, &[("Sec-WebSocket-Protocol", &protocol)])
                .await
                .expect("subprotocol token");
        assert_eq!(
            response.headers().get("sec-websocket-protocol").unwrap(),
            protocol.as_str()
        );
    });
}

#[test]
fn foreign_host_is_403_and_wrong_path_is_404() {
    let f = fixture();
    let addr = f.server.local_addr();
    let port = addr.port();
    let bearer = format!("Bearer {}", f.token);
    run(async {
        for host in [
            format!("evil.example:{port}"),
            format!("127.0.0.1.evil.example:{port}"),
            format!("localhost:{}", port.wrapping_add(1)),
        ] {
            let headers = [("Host", host.as_str()), ("Authorization", bearer.as_str())];
            assert_eq!(
                refused_status(connect_with(addr, EVENTS_PATH, &headers).await),
                StatusCode::FORBIDDEN,
                "{host}"
            );
        }
        for host in [format!("localhost:{port}"), format!("[::1]:{port}")] {
            let headers = [("Host", host.as_str()), ("Authorization", bearer.as_str())];
            connect_with(addr, EVENTS_PATH, &headers)
                .await
                .unwrap_or_else(|e| panic!("{host}: {e}"));
        }
        let headers = [("Authorization", bearer.as_str())];
        assert_eq!(
            refused_status(connect_with(addr, "/", &headers).await),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            refused_status(connect_with(addr, "/events/x", &headers).await),
            StatusCode::NOT_FOUND
        );
    });
}

#[test]
fn two_clients_receive_every_event_in_order() {
    let f = fixture();
    let publisher = f.server.publisher();
    run(async {
        let mut first = connect(&f).await;
        let mut second = connect(&f).await;
        for i in 0..100 {
            publisher.publish(event(i));
        }
        for i in 0..100 {
            let want = format!("{{\"type\":\"test\",\"t_ms\":{i}}}");
            assert_eq!(next_text(&mut first).await, want);
            assert_eq!(next_text(&mut second).await, want);
        }
    });
    assert_eq!(f.server.events_lost(), 0);
}

#[test]
fn client_messages_are_ignored_and_pings_answered() {
    let f = fixture();
    let publisher = f.server.publisher();
    run(async {
        let mut client = connect(&f).await;
        client
            .send(Message::text("{\"command\":\"anything\"}"))
            .await
            .unwrap();
        client
            .send(Message::Ping("are you there".into()))
            .await
            .unwrap();
        match client.next().await {
            Some(Ok(Message::Pong(payload))) => assert_eq!(&payload[..], b"are you there"),
            other => panic!("expected a pong, got {other:?}"),
        }
        publisher.publish(event(7));
        assert_eq!(
            next_text(&mut client).await,
            "{\"type\":\"test\",\"t_ms\":7}"
        );
    });
}

#[test]
fn a_client_that_never_reads_does_not_block_publishing() {
    let f = fixture();
    let publisher = f.server.publisher();
    // About 40 MB in all: far beyond what the loopback socket buffers hold, so the stalled
    // client must fall behind the ring.
    let padding = "x".repeat(4000);
    let events: Vec<Arc<str>> = (0..10_000)
        .map(|i| {
            Arc::from(format!(
                "{{\"type\":\"test\",\"t_ms\":{i},\"pad\":\"{padding}\"}}"
            ))
        })
        .collect();
    run(async {
        let _stalled = connect(&f).await;
        let mut reader = connect(&f).await;

        let started = Instant::now();
        for event in &events {
            publisher.publish(Arc::clone(event));
        }
        let publishing = started.elapsed();
        assert!(
            publishing < Duration::from_secs(1),
            "publishing 10 000 events took {publishing:?}"
        );
        publisher.publish(Arc::from("{\"type\":\"marker\",\"t_ms\":10000}"));

        // The reading client keeps getting the newest events, whatever it lost.
        let mut last_t_ms = -1i64;
        loop {
            let text = next_text(&mut reader).await;
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let t_ms = value["t_ms"].as_i64().unwrap();
            assert!(t_ms > last_t_ms, "out of order: {t_ms} after {last_t_ms}");
            last_t_ms = t_ms;
            if value["type"] == "marker" {
                break;
            }
        }

        // The stalled one lost events, and that was counted.
        let deadline = Instant::now() + Duration::from_secs(5);
        while f.server.events_lost() == 0 {
            assert!(Instant::now() < deadline, "the stalled client lost nothing");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

#[test]
fn shutdown_closes_clients_normally_and_stops_listening() {
    let f = fixture();
    let addr = f.server.local_addr();
    let path = format!("{EVENTS_PATH}?token={}", f.token);
    let server = f.server;
    let started = Instant::now();
    let stopping = run(async move {
        let (mut client, _) = connect_with(addr, &path, &[]).await.unwrap();
        assert_eq!(server.clients(), 1);
        let stopping = std::thread::spawn(move || server.shutdown());
        match client.next().await {
            Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Normal),
            other => panic!("expected a normal close frame, got {other:?}"),
        }
        assert!(
            matches!(
                client.next().await,
                None | Some(Err(WsError::ConnectionClosed))
            ),
            "the connection stays open after the close"
        );
        stopping
    });
    stopping.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening"
    );
}

#[test]
fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = StreamConfig {
        enabled: true,
        port,
        token_file: dir.path().join("token").display().to_string(),
        allowed_origins: Vec::new(),
    };
    let error = StreamServer::start(&config).err().expect("port in use");
    assert!(matches!(error, StreamError::PortInUse { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&port.to_string()) && !message.contains('\n'),
        "{message}"
    );
    // Nothing was given out for a port another program holds: no token, no address.
    assert!(!dir.path().join("token").exists());
    assert_eq!(token::served_url(&config), None);
}

/// The address `callcue stream-info` shows is written once the port is held, and taken
/// back at shutdown.
#[test]
fn the_address_is_published_only_while_served() {
    let dir = tempfile::tempdir().unwrap();
    let config = StreamConfig {
        enabled: true,
        port: 0,
        token_file: dir.path().join("token").display().to_string(),
        allowed_origins: Vec::new(),
    };
    assert_eq!(token::served_url(&config), None);
    let server = StreamServer::start(&config).unwrap();
    assert_eq!(token::served_url(&config), Some(server.url()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let address = token::address_path(&config).unwrap();
        let mode = std::fs::metadata(&address).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    server.shutdown();
    assert_eq!(token::served_url(&config), None);
}

#[test]
fn the_token_is_made_once_private_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dirs/stream-token");
    let config = StreamConfig {
        enabled: true,
        port: 0,
        token_file: path.display().to_string(),
        allowed_origins: Vec::new(),
    };
    let token = load_or_create_token(&config).unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), token);
    assert_eq!(load_or_create_token(&config).unwrap(), token);
    assert_ne!(token::new_token().unwrap(), token);
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "temporary files left behind");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o077, 0);
    }
}

#[test]
fn an_administrators_token_is_used_and_a_broken_one_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream-token");
    let config = StreamConfig {
        enabled: true,
        port: 0,
        token_file: path.display().to_string(),
        allowed_origins: Vec::new(),
    };
    let write_private = |text: &str| {
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    };
    write_private("  our-own_token.2026~x-for-the-call-centre \r\n");
    assert_eq!(
        load_or_create_token(&config).unwrap(),
        "our-own_token.2026~x-for-the-call-centre"
    );

    for broken in [
        "",
        " \n",
        "short",
        "sixteen-chars-ok",
        "has spaces in the middle of a long enough token!!",
        "bad/characters-in-it-bad/characters-in-it",
    ] {
        write_private(broken);
        let error = load_or_create_token(&config).unwrap_err().to_string();
        assert!(error.starts_with(&path.display().to_string()), "{error}");
        assert!(!error.contains('\n'), "{error}");
        // Never silently replaced.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
    }

    // A good token in a file others may read: refused, and left for the admin to fix.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        write_private("our-own_token.2026~x-for-the-call-centre");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = load_or_create_token(&config).unwrap_err().to_string();
        assert!(error.contains("read by other users (mode 644)"), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }
}

#[test]
fn the_token_path_follows_config_then_state_dir_then_data_dir() {
    let mut config = StreamConfig::default();
    let data = Some(PathBuf::from("/data"));
    assert_eq!(
        token::resolve_token_path(&config, None, data.clone()).unwrap(),
        PathBuf::from("/data/callcue/stream-token")
    );
    assert_eq!(
        token::resolve_token_path(&config, Some("".as_ref()), data.clone()).unwrap(),
        PathBuf::from("/data/callcue/stream-token")
    );
    assert_eq!(
        token::resolve_token_path(&config, Some("/state".as_ref()), data.clone()).unwrap(),
        PathBuf::from("/state/stream-token")
    );
    assert!(matches!(
        token::resolve_token_path(&config, None, None),
        Err(StreamError::NoDataDir)
    ));
    config.token_file = "/etc/callcue/token".into();
    assert_eq!(
        token::resolve_token_path(&config, Some("/state".as_ref()), data).unwrap(),
        PathBuf::from("/etc/callcue/token")
    );
}

/// A web page the agent opens sends its `Origin`: refused even with the token unless
/// `stream.allowed_origins` lists it. Programs send no `Origin` and are not affected.
#[test]
fn browser_origins_need_to_be_listed() {
    let f = fixture();
    let addr = f.server.local_addr();
    let path = format!("{EVENTS_PATH}?token={}", f.token);
    run(async {
        assert_eq!(
            refused_status(connect_with(addr, &path, &[("Origin", "https://evil.example")]).await),
            StatusCode::FORBIDDEN
        );
        let (listed, _) = connect_with(addr, &path, &[("Origin", "https://crm.example.com")])
            .await
            .expect("a listed origin is let in");
        drop(listed);
        let (program, _) = connect_with(addr, &path, &[])
            .await
            .expect("no Origin: a program");
        drop(program);
    });
}

/// `Host: 127.0.0.1` without a port is accepted, as documented.
#[test]
fn a_loopback_host_without_a_port_is_accepted() {
    let f = fixture();
    let addr = f.server.local_addr();
    let path = format!("{EVENTS_PATH}?token={}", f.token);
    run(async {
        for host in ["127.0.0.1", "localhost"] {
            let (client, _) = connect_with(addr, &path, &[("Host", host)])
                .await
                .unwrap_or_else(|e| panic!("{host}: {e}"));
            drop(client);
        }
        assert_eq!(
            refused_status(connect_with(addr, &path, &[("Host", "evil.example")]).await),
            StatusCode::FORBIDDEN
        );
    });
}

/// Connections that never finish their handshake hold places of their own for a short
/// while only: a real client gets in while 40 of them are still open.
#[test]
fn idle_connections_do_not_lock_out_real_clients() {
    let f = fixture();
    let addr = f.server.local_addr();
    run(async {
        let mut idle = Vec::new();
        for _ in 0..40 {
            idle.push(TcpStream::connect(addr).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(HANDSHAKE_TIMEOUT_MS + 300)).await;
        let client = connect(&f).await;
        assert_eq!(f.server.clients(), 1);
        drop(client);
        drop(idle);
    });
}

/// Property test: whatever bytes arrive on the port (garbage, or handshakes with every
/// mix of headers but without the token), the server answers with an HTTP refusal or
/// closes, never lets the connection in, and a real client still gets in after all.
#[test]
fn any_request_without_the_token_is_refused_and_the_server_keeps_serving() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};
    use std::io::{Read, Write};

    let f = fixture();
    let addr = f.server.local_addr();
    let header = prop_oneof![
        Just("Upgrade: websocket".to_string()),
        Just("Connection: Upgrade".to_string()),
        Just("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==".to_string()),
        Just("Sec-WebSocket-Version: 13".to_string()),
        Just(format!("Host: {addr}")),
        Just("Host: 127.0.0.1".to_string()),
        "[ -~]{0,24}".prop_map(|v| format!("Host: {v}")),
        "[ -~]{0,40}".prop_map(|v| format!("Authorization: Bearer {v}")),
        "[ -~]{0,40}".prop_map(|v| format!("Sec-WebSocket-Protocol: {v}")),
        "[ -~]{0,30}".prop_map(|v| format!("Origin: {v}")),
        "[ -~]{0,60}",
    ];
    let path = prop_oneof![
        Just(EVENTS_PATH.to_string()),
        "[ -~]{0,40}".prop_map(|t| format!("{EVENTS_PATH}?token={t}")),
        "[ -~]{0,40}",
    ];
    let handshake = (
        prop_oneof![Just("GET"), Just("POST"), Just("G\u{0}T")],
        path,
        prop::collection::vec(header, 0..10),
    )
        .prop_map(|(method, path, headers)| {
            let mut text = format!("{method} {path} HTTP/1.1\r\n");
            for line in headers {
                text.push_str(&line);
                text.push_str("\r\n");
            }
            text.push_str("\r\n");
            text.into_bytes()
        });
    let request = prop_oneof![handshake, prop::collection::vec(any::<u8>(), 0..300)];
    let mut runner = TestRunner::new(RunnerConfig::with_cases(300));
    runner
        .run(&request, |bytes| {
            let mut tcp = std::net::TcpStream::connect(addr).unwrap();
            tcp.set_read_timeout(Some(TEST_TIMEOUT)).unwrap();
            // The server may refuse and close before reading it all.
            let _ = tcp.write_all(&bytes);
            let _ = tcp.shutdown(std::net::Shutdown::Write);
            let mut reply = Vec::new();
            let read = tcp.read_to_end(&mut reply);
            prop_assert!(
                !matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut),
                "no answer and no close within {TEST_TIMEOUT:?}"
            );
            let reply = String::from_utf8_lossy(&reply);
            prop_assert!(!reply.starts_with("HTTP/1.1 101"), "let in: {}", reply);
            if !reply.is_empty() {
                prop_assert!(reply.starts_with("HTTP/1.1 4"), "{}", reply);
            }
            Ok(())
        })
        .unwrap();
    run(async {
        let mut client = connect(&f).await;
        f.server.publisher().publish(event(1));
        assert_eq!(next_text(&mut client).await, event(1).trim_end());
    });
}
