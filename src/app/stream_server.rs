//! The event stream for integrations: the same JSON events `callcue replay --format jsonl`
//! prints (docs/events.md), served live on a WebSocket for CRM side panels and softphone
//! plugins.
//!
//! # Clients
//!
//! Connect to `ws://127.0.0.1:PORT/events` (`stream.port`, 47615 by default; `callcue
//! stream-info` prints the URL and the token). Each event arrives as one text frame
//! holding one JSON object, in the order callcue emitted them; there are no other
//! messages (no greeting, no acknowledgements). Events from before the connection are not
//! replayed. What a client sends is ignored, except that pings are answered with pongs and
//! a close frame is answered. When callcue stops, clients get a close frame with code 1000
//! (normal closure).
//!
//! # Who may connect
//!
//! - The server listens on 127.0.0.1 only, never on other interfaces.
//! - A per-install token is required (`stream.token_file`; by default
//!   `<user data dir>/callcue/stream-token`, or `$CALLCUE_STATE_DIR/stream-token`), made with
//!   32 random bytes the first time and kept readable only by the user (0600 on Unix). Send
//!   it as `Authorization: Bearer TOKEN`, as `?token=TOKEN` in the URL (browsers cannot set
//!   headers on a WebSocket), or as a `Sec-WebSocket-Protocol` entry `callcue.token.TOKEN`
//!   (`new WebSocket(url, ["callcue.token." + token])`; the server echoes that entry back).
//!   A missing or wrong token gets HTTP 401 and no upgrade. Tokens are compared in
//!   constant time.
//! - The `Host` header must be `127.0.0.1`, `localhost` or `[::1]` (with the port or
//!   none), else HTTP 403: a web page whose own host name was rebound to 127.0.0.1 (DNS
//!   rebinding) is turned away before its token is looked at. A browser's `Origin` must be
//!   listed in `stream.allowed_origins`, else 403.
//! - Any path other than `/events` gets HTTP 404. At most [`MAX_CLIENTS`] authenticated
//!   clients are served at once (HTTP 503 beyond that). Connections still in their
//!   handshake have slots of their own ([`MAX_PENDING_HANDSHAKES`], more are closed at
//!   once) and [`HANDSHAKE_TIMEOUT_MS`] to finish it, so idle connections cannot take the
//!   places of real clients. Refusals are logged (the 1st, 2nd, 4th, 8th, ... of them).
//!
//! # Threads and back-pressure
//!
//! One thread, `callcue-stream`, runs a single-threaded tokio runtime with the listener and
//! every client. The live analysis hands events over with [`StreamPublisher::publish`],
//! which never blocks and never fails: events go into a bounded broadcast ring of
//! [`BACKLOG_EVENTS`]. A client that reads too slowly falls behind the ring and loses the
//! events it missed (it keeps receiving the newer ones); this is said once per client on
//! standard error and counted in [`StreamServer::events_lost`]. It never slows the analysis
//! or the other clients. [`StreamServer::shutdown`] (or dropping the server) stops
//! accepting, closes every client and joins the thread.

mod auth;
mod token;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use callcue::config::{Config, StreamConfig};

pub use auth::{EVENTS_PATH, TOKEN_PROTOCOL_PREFIX};
pub use token::{load_or_create_token, token_path};

/// Events the broadcast ring holds for the slowest client before it starts losing them.
pub const BACKLOG_EVENTS: usize = 1024;

/// Authenticated clients served at once.
pub const MAX_CLIENTS: usize = 32;

/// Connections in their handshake at once; more are closed at once.
pub const MAX_PENDING_HANDSHAKES: usize = 16;

/// Time a client has to finish the WebSocket handshake (a local client needs a few ms).
pub const HANDSHAKE_TIMEOUT_MS: u64 = 1_000;

/// Time a client has to answer the close frame when callcue stops.
const CLOSE_TIMEOUT_MS: u64 = 1_000;

/// Largest message a client may send (everything it sends is ignored anyway).
const MAX_INCOMING_MESSAGE_BYTES: usize = 64 * 1024;

/// Why the event stream could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// Another program listens on the port.
    #[error(
        "event stream: port {port} on 127.0.0.1 is already in use: set stream.port to a free \
         port (0 = any) or stream.enabled = false"
    )]
    PortInUse { port: u16 },
    /// Listening failed for another reason.
    #[error("event stream: cannot listen on 127.0.0.1:{port}: {source}")]
    Listen { port: u16, source: io::Error },
    /// The token file could not be read, was broken, or could not be created.
    #[error("{}: {problem}", path.display())]
    Token { path: PathBuf, problem: String },
    /// No token file was configured and this system has no user data directory.
    #[error(
        "event stream: no user data directory to keep the token in: set stream.token_file \
         or CALLCUE_STATE_DIR"
    )]
    NoDataDir,
    /// The runtime or its thread could not be started.
    #[error("event stream: cannot start: {0}")]
    Start(io::Error),
}

/// Hands events to the stream's clients; cheap to clone, and `Send`, for the analysis
/// thread.
#[derive(Clone, Debug)]
pub struct StreamPublisher {
    events: broadcast::Sender<Arc<str>>,
}

impl StreamPublisher {
    /// Sends one event (one JSON object; a trailing newline is dropped) to every connected
    /// client. Never blocks and never fails: with no client connected the event is simply
    /// not kept, and a client too slow to keep up loses it (see the module docs). Takes a
    /// short lock inside the broadcast ring and allocates nothing.
    pub fn publish(&self, json_line: Arc<str>) {
        // An error only means nobody is connected right now.
        let _ = self.events.send(json_line);
    }
}

/// The running event stream: a listener on 127.0.0.1 and its thread.
pub struct StreamServer {
    local_addr: SocketAddr,
    publisher: StreamPublisher,
    counters: Arc<Counters>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    /// The address file written for `callcue stream-info`, taken back at shutdown.
    address_file: Option<PathBuf>,
}

/// What the stream counts, shared with its thread.
#[derive(Debug, Default)]
struct Counters {
    /// Authenticated clients connected now.
    clients: AtomicUsize,
    /// Connections in their handshake now.
    pending: AtomicUsize,
    /// Connections refused (HTTP error, or no handshake slot), for the log.
    refused: AtomicU64,
    /// Events lost by clients that read too slowly, over all clients.
    events_lost: AtomicU64,
}

/// Everything a client task needs.
struct Shared {
    token: String,
    port: u16,
    allowed_origins: Vec<String>,
    events: broadcast::Sender<Arc<str>>,
    counters: Arc<Counters>,
}

impl StreamServer {
    /// Reads (or creates) the token, listens on `127.0.0.1:config.port` and starts the
    /// `callcue-stream` thread. Ignores `config.enabled`: the caller decides whether to
    /// start it.
    pub fn start(config: &StreamConfig) -> Result<StreamServer, StreamError> {
        // The port first: only once callcue holds it are the token and the address given
        // out, so no client is sent to a port another program holds.
        let port = config.port;
        let listener =
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|source| {
                if source.kind() == io::ErrorKind::AddrInUse {
                    StreamError::PortInUse { port }
                } else {
                    StreamError::Listen { port, source }
                }
            })?;
        let token = load_or_create_token(config)?;
        let mut server = Self::serve_on(listener, token, config.allowed_origins.clone())?;
        let address = token::address_path(config)?;
        match token::publish_address(&address, &server.url()) {
            Ok(()) => server.address_file = Some(address),
            Err(e) => super::run_log::line(&format!(
                "event stream: cannot write {}: {e}; `callcue stream-info` will not \
                 show the URL (it is in this log)",
                address.display()
            )),
        }
        Ok(server)
    }

    /// Serves the stream on a bound listener with `token`.
    fn serve_on(
        listener: std::net::TcpListener,
        token: String,
        allowed_origins: Vec<String>,
    ) -> Result<StreamServer, StreamError> {
        listener.set_nonblocking(true).map_err(StreamError::Start)?;
        let local_addr = listener.local_addr().map_err(StreamError::Start)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(StreamError::Start)?;
        let (events, _) = broadcast::channel(BACKLOG_EVENTS);
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            token,
            port: local_addr.port(),
            allowed_origins,
            events: events.clone(),
            counters: Arc::clone(&counters),
        });
        let (stop, stop_rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("callcue-stream".into())
            .spawn(move || runtime.block_on(serve(listener, shared, stop_rx)))
            .map_err(StreamError::Start)?;
        Ok(StreamServer {
            local_addr,
            publisher: StreamPublisher { events },
            counters,
            stop,
            thread: Some(thread),
            address_file: None,
        })
    }

    /// The address the stream listens on (the actual port when `stream.port` was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `ws://127.0.0.1:PORT/events`.
    pub fn url(&self) -> String {
        events_url(self.local_addr().port())
    }

    /// A handle for the thread that produces events.
    pub fn publisher(&self) -> StreamPublisher {
        self.publisher.clone()
    }

    /// Clients connected now.
    pub fn clients(&self) -> usize {
        self.counters.clients.load(Ordering::Relaxed)
    }

    /// Events lost so far by clients that read too slowly, over all clients.
    pub fn events_lost(&self) -> u64 {
        self.counters.events_lost.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes every client with a normal close frame (waiting up to a
    /// second for each to answer) and joins the thread. Dropping the server does the same.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(address) = self.address_file.take() {
            token::withdraw_address(&address);
        }
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                super::run_log::line("the event stream thread panicked");
            }
        }
    }
}

impl Drop for StreamServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// The stream's URL for a port.
fn events_url(port: u16) -> String {
    format!("ws://127.0.0.1:{port}{EVENTS_PATH}")
}

/// The `callcue-stream` thread's work: accept until told to stop, then close the clients.
async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            super::run_log::line(&format!("event stream stopped: {e}"));
            return;
        }
    };
    let mut clients = JoinSet::new();
    let mut accept_error_said = false;
    loop {
        tokio::select! {
            _ = stopped(&stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => match Slot::take(&shared.counters, SlotKind::Pending, MAX_PENDING_HANDSHAKES) {
                    Some(pending) => {
                        clients.spawn(serve_client(tcp, peer, pending, Arc::clone(&shared), stop.clone()));
                    }
                    None => {
                        drop(tcp);
                        log_refusal(&shared.counters, peer, "too many connections in their handshake");
                    }
                },
                Err(e) => {
                    // Out of file descriptors and the like: say it once, let it pass.
                    if !accept_error_said {
                        super::run_log::line(&format!("event stream: cannot accept a connection: {e}"));
                        accept_error_said = true;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = clients.join_next(), if !clients.is_empty() => {}
        }
    }
    drop(listener);
    // Every client sees `stop` and closes itself within CLOSE_TIMEOUT_MS.
    while clients.join_next().await.is_some() {}
}

/// Resolves once the server is told to stop (or is gone).
async fn stopped(stop: &watch::Receiver<bool>) {
    let mut stop = stop.clone();
    let _ = stop.wait_for(|stopping| *stopping).await;
}

/// Which places a [`Slot`] is counted in.
#[derive(Clone, Copy, Debug)]
enum SlotKind {
    /// A connection in its handshake.
    Pending,
    /// An authenticated client.
    Client,
}

/// One place (a pending handshake or a client), given back when dropped, however the
/// connection ends.
struct Slot {
    counters: Arc<Counters>,
    kind: SlotKind,
}

impl Slot {
    /// A place, if fewer than `limit` of its kind are taken.
    fn take(counters: &Arc<Counters>, kind: SlotKind, limit: usize) -> Option<Self> {
        kind.count_in(counters)
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()?;
        Some(Slot {
            counters: Arc::clone(counters),
            kind,
        })
    }

    fn count(&self) -> &AtomicUsize {
        self.kind.count_in(&self.counters)
    }
}

impl SlotKind {
    fn count_in(self, counters: &Counters) -> &AtomicUsize {
        match self {
            SlotKind::Pending => &counters.pending,
            SlotKind::Client => &counters.clients,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.count().fetch_sub(1, Ordering::AcqRel);
    }
}

/// Says a refused connection on standard error: the 1st, 2nd, 4th, 8th... so a client
/// retrying in a loop cannot flood the log.
fn log_refusal(counters: &Counters, peer: SocketAddr, reason: &str) {
    let n = counters.refused.fetch_add(1, Ordering::Relaxed) + 1;
    if n.is_power_of_two() {
        super::run_log::line(&format!(
            "event stream refused {peer}: {reason} ({n} refused so far)"
        ));
    }
}

/// One connection: the handshake checks, then events out until either side stops.
/// `pending` is its handshake place, given back once the handshake is over.
async fn serve_client(
    tcp: TcpStream,
    peer: SocketAddr,
    pending: Slot,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    // Subscribed before the handshake answer is sent, so a client receives every event
    // published after its connect returns.
    let mut events = shared.events.subscribe();
    let _ = tcp.set_nodelay(true);
    let mut client_slot: Option<Slot> = None;
    let taken = &mut client_slot;
    let checked = Arc::clone(&shared);
    // The signature is tungstenite's.
    #[allow(clippy::result_large_err)]
    let callback =
        move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            let verdict = auth::check_request(
                request,
                &checked.token,
                checked.port,
                &checked.allowed_origins,
            );
            if let auth::Verdict::Reject { reason, .. } = &verdict {
                log_refusal(&checked.counters, peer, reason);
                return auth::respond(verdict, response);
            }
            match Slot::take(&checked.counters, SlotKind::Client, MAX_CLIENTS) {
                Some(slot) => *taken = Some(slot),
                None => {
                    log_refusal(&checked.counters, peer, "too many event stream clients");
                    return Err(auth::error_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "too many event stream clients",
                    ));
                }
            }
            auth::respond(verdict, response)
        };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_INCOMING_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_INCOMING_MESSAGE_BYTES));
    let handshake = tokio::time::timeout(
        Duration::from_millis(HANDSHAKE_TIMEOUT_MS),
        tokio_tungstenite::accept_hdr_async_with_config(tcp, callback, Some(config)),
    );
    let mut ws = tokio::select! {
        _ = stopped(&stop) => return,
        handshake = handshake => match handshake {
            Ok(Ok(ws)) => ws,
            // Refused (the client got its HTTP error), broken or too slow.
            _ => return,
        },
    };
    drop(pending);
    // The callback took a client place for an accepted handshake; it lasts as long as
    // this connection.
    let _client = client_slot;
    let mut lost_events: u64 = 0;
    loop {
        tokio::select! {
            biased;
            _ = stopped(&stop) => {
                close_normally(&mut ws, "callcue is stopping").await;
                return;
            }
            // Reading answers pings and close frames; the messages themselves are ignored.
            incoming = ws.next() => match incoming {
                Some(Ok(_)) => {}
                None | Some(Err(_)) => return,
            },
            event = events.recv() => match event {
                Ok(line) => {
                    let frame = Message::text(line.strip_suffix('\n').unwrap_or(&line));
                    tokio::select! {
                        sent = ws.send(frame) => if sent.is_err() { return },
                        // A client that stopped reading mid-frame is cut off.
                        _ = stopped(&stop) => return,
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    if lost_events == 0 {
                        super::run_log::line(&format!(
                            "event stream client {peer} reads too slowly: it loses \
                             the events it falls behind on"
                        ));
                    }
                    lost_events += missed;
                    shared.counters.events_lost.fetch_add(missed, Ordering::Relaxed);
                }
                Err(broadcast::error::RecvError::Closed) => {
                    close_normally(&mut ws, "callcue is stopping").await;
                    return;
                }
            },
        }
    }
}

/// Sends a normal close frame and waits (bounded) for the client's close in return.
async fn close_normally(ws: &mut WebSocketStream<TcpStream>, reason: &'static str) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(Duration::from_millis(CLOSE_TIMEOUT_MS), async {
        if ws.close(Some(frame)).await.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    })
    .await;
}

/// `callcue stream-info`: where the stream is, its token and how to pass it.
pub fn print_info(config: &Config) -> anyhow::Result<()> {
    let stream = &config.stream;
    if !stream.enabled {
        println!("The event stream is off (stream.enabled = false in the config).");
        return Ok(());
    }
    let path = token_path(stream)?;
    let token = load_or_create_token(stream)?;
    // Only an address a running callcue holds: never a configured port another program
    // may have taken.
    match token::served_url(stream) {
        Some(url) => println!("URL:        {url}"),
        None => println!(
            "URL:        none now: no `callcue run` is serving the event stream (it serves \
             on 127.0.0.1, port {} in the config)",
            if stream.port == 0 {
                "any free".to_string()
            } else {
                stream.port.to_string()
            }
        ),
    }
    println!("Token file: {}", path.display());
    println!("Token:      {token}");
    println!();
    println!("Pass the token in one of these ways:");
    println!("  header:   Authorization: Bearer <token>");
    println!("  URL:      ...{EVENTS_PATH}?token=<token>");
    println!("  browser:  new WebSocket(url, [\"{TOKEN_PROTOCOL_PREFIX}<token>\"])");
    println!("Each event is one text frame with one JSON object (docs/events.md).");
    Ok(())
}

#[cfg(test)]
mod tests;
