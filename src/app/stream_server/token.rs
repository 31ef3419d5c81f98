//! The per-install stream token: where it is kept, and making one the first time; and the
//! address file that says where a running callcue serves the stream (written only once
//! it holds the port, so no client is ever sent to a port callcue does not hold).

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use callcue::config::StreamConfig;
use callcue::private_file::{create_private_dir_all, write_private_file};

use super::StreamError;

/// Overrides the data directory (`<user data dir>/callcue`): the token is then
/// `$CALLCUE_STATE_DIR/stream-token`. Tests isolate themselves with it; the overlay reads
/// the same variable for its own state.
const STATE_DIR_ENV: &str = "CALLCUE_STATE_DIR";

/// The token file's name in the data directory.
const TOKEN_FILE_NAME: &str = "stream-token";

/// Random bytes in a fresh token (written as 64 hex digits).
const TOKEN_RANDOM_BYTES: usize = 32;

/// Accepted token lengths, in characters, for a token file an administrator wrote (32
/// hex digits are 128 bits: not to be guessed).
const TOKEN_MIN_CHARS: usize = 32;
const TOKEN_MAX_CHARS: usize = 256;

/// Where the token is kept: `stream.token_file`, else `$CALLCUE_STATE_DIR/stream-token`,
/// else `<user data dir>/callcue/stream-token` (`~/.local/share` on Linux,
/// `%LOCALAPPDATA%` on Windows, `~/Library/Application Support` on macOS).
pub fn token_path(config: &StreamConfig) -> Result<PathBuf, StreamError> {
    resolve_token_path(
        config,
        std::env::var_os(STATE_DIR_ENV).as_deref(),
        dirs::data_local_dir(),
    )
}

/// [`token_path`] with the environment passed in (so tests need not set variables).
pub(super) fn resolve_token_path(
    config: &StreamConfig,
    state_dir: Option<&OsStr>,
    data_local_dir: Option<PathBuf>,
) -> Result<PathBuf, StreamError> {
    if !config.token_file.is_empty() {
        return Ok(PathBuf::from(&config.token_file));
    }
    if let Some(dir) = state_dir.filter(|dir| !dir.is_empty()) {
        return Ok(Path::new(dir).join(TOKEN_FILE_NAME));
    }
    data_local_dir
        .map(|dir| dir.join("callcue").join(TOKEN_FILE_NAME))
        .ok_or(StreamError::NoDataDir)
}

/// Reads the stream token from its file ([`token_path`]); when the file is missing,
/// creates it (and its directory) with a fresh random token, readable only by this user
/// on Unix (0600). An empty or broken file is an error naming the file: callcue never
/// silently replaces a token that integrations may have been configured with.
pub fn load_or_create_token(config: &StreamConfig) -> Result<String, StreamError> {
    load_or_create_token_at(&token_path(config)?)
}

/// [`load_or_create_token`] for a given file.
pub(super) fn load_or_create_token_at(path: &Path) -> Result<String, StreamError> {
    match read_token(path)? {
        Some(token) => Ok(token),
        None => create_token(path),
    }
}

/// The token in `path`, `None` when the file does not exist. A file other users may read
/// (Unix) is refused, not silently tightened: someone may already have the token.
fn read_token(path: &Path) -> Result<Option<String>, StreamError> {
    #[cfg(unix)]
    if let Ok(meta) = fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(token_error(
                path,
                format!(
                    "the stream token file may be read by other users (mode {mode:o}): \
                     delete it and callcue makes a new token (or `chmod 600` it to keep \
                     the token)"
                ),
            ));
        }
    }
    let text = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(token_error(
                path,
                format!("cannot read the stream token: {e}"),
            ))
        }
    };
    let token = std::str::from_utf8(&text).unwrap_or("").trim();
    if token.is_empty() {
        return Err(token_error(
            path,
            "the stream token file is empty: delete it and callcue makes a new token".into(),
        ));
    }
    if !is_valid_token(token) {
        return Err(token_error(
            path,
            format!(
                "the stream token file is broken (a token is {TOKEN_MIN_CHARS} to \
                 {TOKEN_MAX_CHARS} letters, digits, '-', '_', '.' or '~'): delete it and \
                 callcue makes a new token"
            ),
        ));
    }
    Ok(Some(token.to_owned()))
}

/// Whether `token` can be a stream token: URL-safe characters (they travel in a query
/// string and in a `Sec-WebSocket-Protocol` value unescaped), and not too short to guess.
pub(super) fn is_valid_token(token: &str) -> bool {
    (TOKEN_MIN_CHARS..=TOKEN_MAX_CHARS).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// A fresh random token: [`TOKEN_RANDOM_BYTES`] from the operating system, in hex.
pub(super) fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_RANDOM_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes a fresh token to `path` without ever showing a half-written file to another
/// callcue starting at the same moment: the token goes to a temporary file that is then
/// hard-linked into place, and whoever links first wins (the other reads the winner's).
fn create_token(path: &Path) -> Result<String, StreamError> {
    let token = new_token()
        .map_err(|e| token_error(path, format!("cannot make a random stream token: {e}")))?;
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        create_private_dir_all(dir).map_err(|e| {
            token_error(
                path,
                format!("cannot create the directory for the stream token: {e}"),
            )
        })?;
    }
    let mut temp_name = path
        .file_name()
        .unwrap_or(OsStr::new(TOKEN_FILE_NAME))
        .to_owned();
    temp_name.push(format!(".new-{}", std::process::id()));
    let temp = path.with_file_name(temp_name);
    // A leftover from a crash of an earlier process with the same id.
    let _ = fs::remove_file(&temp);
    let written = write_private_file(&temp, format!("{token}\n").as_bytes());
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(token_error(
            path,
            format!("cannot write the stream token: {e}"),
        ));
    }
    let linked = fs::hard_link(&temp, path);
    let result = match linked {
        Ok(()) => Ok(token),
        // Another callcue made it first: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match read_token(path)? {
            Some(theirs) => Ok(theirs),
            None => Err(token_error(path, "the stream token file vanished".into())),
        },
        // A file system without hard links: a rename is atomic too (it may replace a
        // token made in the same instant, which nobody has seen yet).
        Err(_) => fs::rename(&temp, path)
            .map(|()| token)
            .map_err(|e| token_error(path, format!("cannot write the stream token: {e}"))),
    };
    let _ = fs::remove_file(&temp);
    result
}

fn token_error(path: &Path, problem: String) -> StreamError {
    StreamError::Token {
        path: path.to_owned(),
        problem,
    }
}

/// The address file's name, beside the token.
const ADDRESS_FILE_NAME: &str = "stream-address";

/// Where the running callcue says it serves the stream: beside the token file.
pub fn address_path(config: &StreamConfig) -> Result<PathBuf, StreamError> {
    Ok(token_path(config)?.with_file_name(ADDRESS_FILE_NAME))
}

/// Says that this process serves the stream at `url`: the file holds the URL and the
/// process id, readable by this user only, and replaces any earlier one whole.
pub(super) fn publish_address(path: &Path, url: &str) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        create_private_dir_all(dir)?;
    }
    let temp = path.with_extension(format!("new-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    write_private_file(&temp, format!("{url} {}\n", std::process::id()).as_bytes())?;
    fs::rename(&temp, path)
}

/// Takes the address back at shutdown, if it is still this process's.
pub(super) fn withdraw_address(path: &Path) {
    if read_address(path).is_some_and(|(_, pid)| pid == std::process::id()) {
        let _ = fs::remove_file(path);
    }
}

/// The URL a running callcue serves the stream at, if one does: the address file exists
/// and (on Unix) the process that wrote it is still alive.
pub fn served_url(config: &StreamConfig) -> Option<String> {
    let (url, pid) = read_address(&address_path(config).ok()?)?;
    process_alive(pid).then_some(url)
}

fn read_address(path: &Path) -> Option<(String, u32)> {
    let text = fs::read_to_string(path).ok()?;
    let (url, pid) = text.trim().rsplit_once(' ')?;
    Some((url.to_owned(), pid.parse().ok()?))
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; no signal is sent.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}
