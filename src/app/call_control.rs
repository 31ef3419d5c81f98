//! The local control socket: softphone hooks (`callcue call start [--id ID]`, `callcue call
//! end`, run by MicroSIP, Zoiper and the like on call start and end) reach the running
//! `callcue run` through it.
//!
//! # Where
//!
//! - Unix: a Unix domain socket, `$XDG_RUNTIME_DIR/callcue/control.sock`, or without
//!   `XDG_RUNTIME_DIR` `<temp dir>/callcue-<user>/control.sock`; the directory is created
//!   0700 (and an existing one must belong to this user), the socket is 0600 where the
//!   system allows it.
//! - Windows: the named pipe `\\.\pipe\callcue-control-<user>`, whose access list lets
//!   only this user's account open it ([`pipe_access`]).
//! - `CALLCUE_CONTROL_SOCKET` replaces either (a socket path whose directory must exist,
//!   or a `\\.\pipe\...` name).
//!
//! The socket also keeps callcue to one instance per user: [`ControlServer::start`] fails
//! with [`ControlError::AlreadyRunning`] when another callcue answers on it, and replaces a
//! socket file nobody answers on (left behind by a crash).
//!
//! # Protocol
//!
//! One request per connection: one line of JSON, answered with one line of JSON.
//!
//! ```text
//! -> {"command":"call_start","id":"abc"}     ("id" optional)
//! -> {"command":"call_end"}
//! <- {"ok":true}
//! <- {"ok":false,"error":"callcue is busy: try again"}
//! ```
//!
//! A call id is trimmed; an empty one counts as none; it may have at most
//! [`MAX_CALL_ID_CHARS`] characters and no control characters. Unknown fields are
//! ignored, unknown commands and malformed lines get an error reply. Accepted commands go
//! to the running instance with `try_send` on its bounded channel; a full channel is an
//! error reply, never a wait.
//!
//! # Threads
//!
//! One thread, `callcue-control`, accepts connections without blocking (it looks every
//! [`ACCEPT_POLL_MS`]) and answers each on a short-lived thread of its own, at most
//! [`MAX_CONNECTIONS`] at once (more wait in the system's queue until one ends); each must
//! send its line within [`SERVER_READ_TIMEOUT_MS`], so 100 idle clients hold a hook up
//! for about one deadline, not 100. Dropping the
//! [`ControlServer`] stops and joins it within one poll, whatever became of the socket
//! file (a temp cleaner may have deleted it), and removes the file.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, TrySendError};
use interprocess::local_socket::prelude::*;
use interprocess::local_socket::{
    ConnectOptions, GenericFilePath, ListenerNonblockingMode, ListenerOptions,
};
use interprocess::ConnectWaitMode;
use serde::{Deserialize, Serialize};

use callcue::private_file::{ensure_private_dir, PrivateDirError};

/// Replaces the control socket's path (tests run several instances at once).
pub const CONTROL_SOCKET_ENV: &str = "CALLCUE_CONTROL_SOCKET";

/// How long `callcue call ...` waits for the running instance to take the command.
pub const CLIENT_TIMEOUT_MS: u64 = 2_000;

/// How long the server waits for a connected client's request line.
pub const SERVER_READ_TIMEOUT_MS: u64 = 500;

/// How often the server looks for new connections (and whether it is told to stop).
pub const ACCEPT_POLL_MS: u64 = 20;

/// Connections answered at once at most; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 64;
/// Stack of a thread answering one connection (it reads one short line).
const ANSWER_STACK_BYTES: usize = 128 * 1024;
/// How often a connection without system timeouts (a Windows named pipe) is asked for
/// bytes while it waits for its deadline.
#[cfg_attr(not(windows), allow(dead_code))]
const DEADLINE_POLL_MS: u64 = 5;

/// Longest call id, in characters.
pub const MAX_CALL_ID_CHARS: usize = 128;

/// Longest request or reply line, in bytes.
const MAX_LINE_BYTES: usize = 4096;

/// A command from a softphone hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallCommand {
    /// A call started, with the softphone's id if it gave one.
    Start { id: Option<String> },
    /// The call ended.
    End,
}

/// What went wrong on either side of the control socket; every message is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// Another callcue answers on the control socket.
    #[error("callcue is already running (control socket {})", path.display())]
    AlreadyRunning { path: PathBuf },
    /// Nothing at the control socket's path.
    #[error(
        "no running callcue to tell (control socket {} not found): start `callcue run` first",
        path.display()
    )]
    NotRunning { path: PathBuf },
    /// The socket file is there but nobody answers (callcue crashed or was killed).
    #[error(
        "no running callcue to tell (nobody answers on control socket {}): start `callcue \
         run` first",
        path.display()
    )]
    NotAnswering { path: PathBuf },
    /// Something other than a socket is at the path; it is left alone. (Unix: a named
    /// pipe name cannot hold anything else.)
    #[cfg_attr(not(unix), allow(dead_code))]
    #[error(
        "control socket {}: something else is there (not a socket): remove it or set {}",
        path.display(),
        CONTROL_SOCKET_ENV
    )]
    NotASocket { path: PathBuf },
    /// An I/O failure, with what was being done.
    #[error("control socket {}: {doing}: {source}", path.display())]
    Io {
        path: PathBuf,
        doing: &'static str,
        source: io::Error,
    },
    /// The running callcue took too long to answer.
    #[error(
        "control socket {}: callcue did not answer within {} s",
        path.display(),
        CLIENT_TIMEOUT_MS / 1000
    )]
    NoReply { path: PathBuf },
    /// The answer was not the protocol's.
    #[error("control socket {}: unexpected answer: {reply:?}", path.display())]
    BadReply { path: PathBuf, reply: String },
    /// The running callcue refused the command.
    #[error("callcue refused the command: {0}")]
    Refused(String),
    /// The call id cannot be sent.
    #[error("call id: {0}")]
    BadCallId(String),
}

/// The running control socket and its thread; stops, joins and removes the socket file
/// when dropped.
pub struct ControlServer {
    path: PathBuf,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ControlServer {
    /// Listens on the control socket ([`socket_path`], its private directory created if
    /// needed) and forwards each valid command to `commands` with `try_send`.
    pub fn start(commands: Sender<CallCommand>) -> Result<ControlServer, ControlError> {
        let path = socket_path();
        if std::env::var_os(CONTROL_SOCKET_ENV).is_none_or(|p| p.is_empty()) {
            if let Some(dir) = path.parent() {
                prepare_private_dir(dir).map_err(|(doing, source)| ControlError::Io {
                    path: path.clone(),
                    doing,
                    source,
                })?;
            }
        }
        Self::start_at(&path, commands)
    }

    /// [`start`](Self::start) on a given path; its directory must exist.
    pub fn start_at(
        path: &Path,
        commands: Sender<CallCommand>,
    ) -> Result<ControlServer, ControlError> {
        clear_stale_socket(path)?;
        let listener = listen(path)?;
        listener
            .set_nonblocking(ListenerNonblockingMode::Accept)
            .map_err(|source| ControlError::Io {
                path: path.to_owned(),
                doing: "cannot make it non-blocking",
                source,
            })?;
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = {
            let stopping = Arc::clone(&stopping);
            std::thread::Builder::new()
                .name("callcue-control".into())
                .spawn(move || serve(listener, commands, stopping))
                .map_err(|source| ControlError::Io {
                    path: path.to_owned(),
                    doing: "cannot start its thread",
                    source,
                })?
        };
        Ok(ControlServer {
            path: path.to_owned(),
            stopping,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Release);
        // The thread sees `stopping` within one poll and after its connections' deadline,
        // and dropping its listener removes the socket file.
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                super::run_log::line("the control socket thread panicked");
            }
        }
    }
}

/// The control socket's path: `$CALLCUE_CONTROL_SOCKET`, else the per-user default (see
/// the module docs). Creates nothing.
pub fn socket_path() -> PathBuf {
    match std::env::var_os(CONTROL_SOCKET_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => default_socket_path(),
    }
}

#[cfg(unix)]
fn default_socket_path() -> PathBuf {
    let dir = match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(runtime) if Path::new(&runtime).is_absolute() => Path::new(&runtime).join("callcue"),
        _ => std::env::temp_dir().join(format!("callcue-{}", user_name())),
    };
    dir.join("control.sock")
}

#[cfg(windows)]
fn default_socket_path() -> PathBuf {
    PathBuf::from(format!(r"\\.\pipe\callcue-control-{}", user_name()))
}

/// The user's name as far as it is safe in a file or pipe name.
fn user_name() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if name.is_empty() || name.starts_with('.') {
        "user".into()
    } else {
        name
    }
}

/// Creates `dir` readable only by this user, or checks that an existing one is this
/// user's (only the owner may change its mode) and makes it private.
/// Makes the socket's folder private to this user ([`ensure_private_dir`]), saying what
/// went wrong in the words of a [`ControlError::Io`].
fn prepare_private_dir(dir: &Path) -> Result<(), (&'static str, io::Error)> {
    ensure_private_dir(dir).map_err(|e| {
        let doing = match &e {
            PrivateDirError::Create(_) => "cannot create its directory",
            PrivateDirError::Inspect(_) => "cannot look at its directory",
            PrivateDirError::NotADirectory => "its directory is not a directory",
            PrivateDirError::OtherOwner => {
                "its directory belongs to another user (remove it, or set XDG_RUNTIME_DIR or CALLCUE_CONTROL_SOCKET)"
            }
            PrivateDirError::Restrict(_) => "cannot make its directory private",
        };
        (doing, io::Error::from(e))
    })
}

/// Fails with `AlreadyRunning` if a callcue answers at `path`; removes a socket file that
/// nobody answers on; leaves anything else alone.
fn clear_stale_socket(path: &Path) -> Result<(), ControlError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_socket() => {}
            Ok(_) => {
                return Err(ControlError::NotASocket {
                    path: path.to_owned(),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(ControlError::Io {
                    path: path.to_owned(),
                    doing: "cannot look at it",
                    source,
                })
            }
        }
    }
    match connect(path, Duration::from_millis(CLIENT_TIMEOUT_MS)) {
        Ok(_) => Err(ControlError::AlreadyRunning {
            path: path.to_owned(),
        }),
        #[cfg(unix)]
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(source) => Err(ControlError::Io {
                    path: path.to_owned(),
                    doing: "cannot remove the stale socket",
                    source,
                }),
            }
        }
        #[cfg(unix)]
        Err(source) => Err(ControlError::Io {
            path: path.to_owned(),
            doing: "cannot check who is listening",
            source,
        }),
        // A named pipe disappears with its server: nothing stale to clear.
        #[cfg(not(unix))]
        Err(_) => Ok(()),
    }
}

fn listen(path: &Path) -> Result<LocalSocketListener, ControlError> {
    let io_error = |doing, source| ControlError::Io {
        path: path.to_owned(),
        doing,
        source,
    };
    let name = path
        .to_fs_name::<GenericFilePath>()
        .map_err(|e| io_error("not a usable socket name", e))?;
    let options = || ListenerOptions::new().name(name.clone());
    #[cfg(unix)]
    let created = {
        use interprocess::os::unix::local_socket::ListenerOptionsExt;
        // The directory is private already; the mode is a second lock where it is
        // supported.
        match options().mode(0o600).create_sync() {
            Err(e) if e.kind() == io::ErrorKind::Unsupported => options().create_sync(),
            other => other,
        }
    };
    #[cfg(windows)]
    let created = {
        use interprocess::os::windows::local_socket::ListenerOptionsExt;
        let access =
            pipe_access::user_only().map_err(|e| io_error("cannot make its access list", e))?;
        options().security_descriptor(access).create_sync()
    };
    #[cfg(not(any(unix, windows)))]
    let created = options().create_sync();
    created.map_err(|e| {
        if e.kind() == io::ErrorKind::AddrInUse {
            ControlError::AlreadyRunning {
                path: path.to_owned(),
            }
        } else {
            io_error("cannot listen", e)
        }
    })
}

/// Connects to the socket at `path`, waiting at most `timeout`.
fn connect(path: &Path, timeout: Duration) -> io::Result<LocalSocketStream> {
    let name = path.to_fs_name::<GenericFilePath>()?;
    ConnectOptions::new()
        .name(name)
        .wait_mode(ConnectWaitMode::Timeout(timeout))
        .connect_sync()
}

/// The `callcue-control` thread: answer connections until told to stop, each on its own
/// thread; returns once they have all ended.
fn serve(listener: LocalSocketListener, commands: Sender<CallCommand>, stopping: Arc<AtomicBool>) {
    let mut accept_error_said = false;
    let mut answering: Vec<JoinHandle<()>> = Vec::with_capacity(MAX_CONNECTIONS);
    loop {
        if stopping.load(Ordering::Acquire) {
            for thread in answering {
                let _ = thread.join();
            }
            return;
        }
        answering.retain(|thread| !thread.is_finished());
        if answering.len() >= MAX_CONNECTIONS {
            // Full: the next connections wait in the system's queue.
            std::thread::sleep(Duration::from_millis(ACCEPT_POLL_MS));
            continue;
        }
        match listener.accept() {
            Ok(connection) => {
                let commands = commands.clone();
                let spawned = std::thread::Builder::new()
                    .name("callcue-control-client".into())
                    .stack_size(ANSWER_STACK_BYTES)
                    .spawn(move || answer(connection, &commands));
                // Without a thread the connection is dropped: the client hears nothing.
                if let Ok(thread) = spawned {
                    answering.push(thread);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(ACCEPT_POLL_MS));
            }
            Err(e) => {
                // Out of file descriptors and the like: say it once, do not spin.
                if !accept_error_said {
                    super::run_log::line(&format!(
                        "control socket: cannot accept a connection: {e}"
                    ));
                    accept_error_said = true;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Reads one request from a connection, acts on it and replies. Errors from a client
/// that went away are of no interest to anyone.
fn answer(connection: LocalSocketStream, commands: &Sender<CallCommand>) {
    let Ok(connection) = Deadlined::new(connection, Duration::from_millis(SERVER_READ_TIMEOUT_MS))
    else {
        return;
    };
    let mut reader = BufReader::new(connection);
    let line = match read_line(&mut reader) {
        Ok(Some(line)) => line,
        // A connection that says nothing (the single-instance probe, a wake-up) or breaks.
        Ok(None) | Err(_) => return,
    };
    let reply = match handle_request(line, commands) {
        Ok(()) => Reply::ok(),
        Err(error) => Reply::error(error),
    };
    let mut connection = reader.into_inner();
    let _ = connection
        .write_all(reply.to_line().as_bytes())
        .and_then(|()| connection.flush());
}

/// Acts on one request line; the error is what the reply says.
fn handle_request(line: Line, commands: &Sender<CallCommand>) -> Result<(), String> {
    let request: Request = match line {
        Line::Text(text) => serde_json::from_str(&text).map_err(|e| format!("bad request: {e}"))?,
        Line::TooLong => return Err(format!("request longer than {MAX_LINE_BYTES} bytes")),
        Line::NotUtf8 => return Err("bad request: not UTF-8".into()),
    };
    let command = match request {
        Request::CallStart { id } => CallCommand::Start {
            id: validate_call_id(id)?,
        },
        Request::CallEnd => CallCommand::End,
    };
    commands.try_send(command).map_err(|e| match e {
        TrySendError::Full(_) => "callcue is busy: try again".to_owned(),
        TrySendError::Disconnected(_) => "callcue is shutting down".to_owned(),
    })
}

/// A line read from the socket.
enum Line {
    Text(String),
    TooLong,
    NotUtf8,
}

/// Reads one line of at most [`MAX_LINE_BYTES`] (the newline is optional at the end of
/// the stream); `None` when the stream ends before any byte.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<Line>> {
    let mut bytes = Vec::new();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let read = reader.take(limit).read_until(b'\n', &mut bytes)?;
    if read == 0 {
        return Ok(None);
    }
    if bytes.len() > MAX_LINE_BYTES {
        return Ok(Some(Line::TooLong));
    }
    Ok(Some(
        String::from_utf8(bytes).map_or(Line::NotUtf8, Line::Text),
    ))
}

/// A connection whose reads give up in time. Unix sockets have the system's timeouts (on
/// reads and writes). Windows named pipes have none, and in non-blocking mode an empty
/// pipe reads as closed, so there the pipe is asked how many bytes wait
/// ([`pipe_access::bytes_waiting`]) every [`DEADLINE_POLL_MS`] until a deadline, and read
/// only when some do; a read past the deadline fails with `TimedOut`. Writes there are
/// the system's own: one short line fits in the pipe's buffer.
struct Deadlined {
    connection: LocalSocketStream,
    /// `None` when the system's timeouts are set.
    #[cfg_attr(not(windows), allow(dead_code))]
    polled_until: Option<Instant>,
}

impl Deadlined {
    fn new(connection: LocalSocketStream, timeout: Duration) -> io::Result<Deadlined> {
        let timeouts = connection
            .set_recv_timeout(Some(timeout))
            .and_then(|()| connection.set_send_timeout(Some(timeout)));
        match timeouts {
            Ok(()) => Ok(Deadlined {
                connection,
                polled_until: None,
            }),
            Err(e) if e.kind() == io::ErrorKind::Unsupported => Ok(Deadlined {
                connection,
                polled_until: Some(Instant::now() + timeout),
            }),
            Err(e) => Err(e),
        }
    }
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(windows)]
        if let Some(deadline) = self.polled_until {
            // Some(0): nothing yet; None: the other end has gone (the read says EOF).
            while pipe_access::bytes_waiting(&self.connection)? == Some(0) {
                if Instant::now() >= deadline {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                std::thread::sleep(Duration::from_millis(DEADLINE_POLL_MS));
            }
        }
        self.connection.read(buf)
    }
}

impl Write for Deadlined {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.connection.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.connection.flush()
    }
}

/// A request on the wire.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
enum Request {
    CallStart {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    CallEnd,
}

/// A reply on the wire.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Reply {
    fn ok() -> Self {
        Reply {
            ok: true,
            error: None,
        }
    }

    fn error(error: String) -> Self {
        Reply {
            ok: false,
            error: Some(error),
        }
    }

    fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_else(|_| r#"{"ok":false}"#.into());
        line.push('\n');
        line
    }
}

/// A call id as it is passed on: trimmed, `None` when empty; an error (one line) when too
/// long or holding control characters.
pub fn validate_call_id(id: Option<String>) -> Result<Option<String>, String> {
    let Some(id) = id else {
        return Ok(None);
    };
    let id = id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    let chars = id.chars().count();
    if chars > MAX_CALL_ID_CHARS {
        return Err(format!(
            "at most {MAX_CALL_ID_CHARS} characters (this one has {chars})"
        ));
    }
    if id.chars().any(char::is_control) {
        return Err("only printable characters (this one has control characters)".into());
    }
    Ok(Some(id.to_owned()))
}

/// Sends a command to the callcue listening at [`socket_path`].
pub fn send(command: &CallCommand) -> Result<(), ControlError> {
    send_to(&socket_path(), command)
}

/// Sends a command to the callcue listening at `path` and waits for its answer, at most
/// [`CLIENT_TIMEOUT_MS`] in all.
pub fn send_to(path: &Path, command: &CallCommand) -> Result<(), ControlError> {
    let request = match command {
        CallCommand::Start { id } => Request::CallStart {
            id: validate_call_id(id.clone()).map_err(ControlError::BadCallId)?,
        },
        CallCommand::End => Request::CallEnd,
    };
    let deadline = Instant::now() + Duration::from_millis(CLIENT_TIMEOUT_MS);
    let io_error = |doing, source: io::Error| {
        if matches!(
            source.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            ControlError::NoReply {
                path: path.to_owned(),
            }
        } else {
            ControlError::Io {
                path: path.to_owned(),
                doing,
                source,
            }
        }
    };
    let connection =
        connect(path, Duration::from_millis(CLIENT_TIMEOUT_MS)).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ControlError::NotRunning {
                path: path.to_owned(),
            },
            io::ErrorKind::ConnectionRefused => ControlError::NotAnswering {
                path: path.to_owned(),
            },
            _ => io_error("cannot connect", e),
        })?;
    let remaining = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(100));
    let connection =
        Deadlined::new(connection, remaining).map_err(|e| io_error("cannot set a timeout", e))?;
    let mut line = serde_json::to_string(&request).unwrap_or_default();
    line.push('\n');
    let mut reader = BufReader::new(connection);
    reader
        .get_mut()
        .write_all(line.as_bytes())
        .and_then(|()| reader.get_mut().flush())
        .map_err(|e| io_error("cannot send the command", e))?;
    let reply = match read_line(&mut reader).map_err(|e| io_error("cannot read the answer", e))? {
        Some(Line::Text(text)) => text,
        Some(Line::TooLong | Line::NotUtf8) => {
            return Err(ControlError::BadReply {
                path: path.to_owned(),
                reply: "(too long, or not UTF-8)".into(),
            })
        }
        None => {
            return Err(ControlError::BadReply {
                path: path.to_owned(),
                reply: String::new(),
            })
        }
    };
    match serde_json::from_str::<Reply>(&reply) {
        Ok(Reply { ok: true, .. }) => Ok(()),
        Ok(Reply {
            ok: false,
            error: Some(error),
        }) => Err(ControlError::Refused(error)),
        _ => Err(ControlError::BadReply {
            path: path.to_owned(),
            reply: reply.trim_end().to_owned(),
        }),
    }
}

/// `callcue call start|end`: sends the command to the running instance. Prints nothing
/// when it was taken (hooks run silently); a bad call id is bad input (exit code 2).
pub fn send_from_cli(command: CallCommand) -> anyhow::Result<()> {
    match send(&command) {
        Ok(()) => Ok(()),
        Err(ControlError::BadCallId(reason)) => {
            Err(crate::BadInput(format!("--id: {reason}")).into())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(windows)]
mod pipe_access;
#[cfg(test)]
mod tests;
