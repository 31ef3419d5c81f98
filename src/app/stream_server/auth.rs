//! Who may open the stream: the handshake checks, in the order they are made.
//!
//! 1. `Host` must name the loopback interface with the server's port (`127.0.0.1:PORT`,
//!    `localhost:PORT`, `[::1]:PORT`), else 403. A web page on another site whose name
//!    was rebound to 127.0.0.1 sends its own name as `Host`, so it is turned away even
//!    before the token is looked at (DNS-rebinding defence).
//!    A `Host` without a port is accepted (the name is what the defence needs).
//! 2. A browser page's `Origin` must be listed in `stream.allowed_origins`, else 403: a web
//!    page the agent opens cannot read the stream even if it got hold of the token.
//!    Requests without `Origin` (programs, not browsers) pass.
//! 3. The path must be `/events`, else 404.
//! 4. The token, from any of: `Authorization: Bearer TOKEN`, the query `?token=TOKEN`, or
//!    a `Sec-WebSocket-Protocol` entry `callcue.token.TOKEN` (which the response then
//!    echoes, as browsers require). Missing or wrong: 401. Compared in constant time.

use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, StatusCode};

/// The one path the stream is served on.
pub const EVENTS_PATH: &str = "/events";

/// The `Sec-WebSocket-Protocol` prefix that carries the token.
pub const TOKEN_PROTOCOL_PREFIX: &str = "callcue.token.";

/// What the handshake checks decided.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Upgrade; echo this `Sec-WebSocket-Protocol` if the token came in one.
    Accept { protocol: Option<HeaderValue> },
    /// Answer with this status and a one-line reason, and do not upgrade.
    Reject {
        status: StatusCode,
        reason: &'static str,
    },
}

/// Checks a WebSocket upgrade request against the token and the port the server is on.
pub(super) fn check_request(
    request: &Request,
    token: &str,
    port: u16,
    allowed_origins: &[String],
) -> Verdict {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let host_ok = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().is_ok_and(|host| is_loopback_host(host, port)),
        _ => false,
    };
    if !host_ok {
        return Verdict::Reject {
            status: StatusCode::FORBIDDEN,
            reason: "the Host header must be 127.0.0.1, localhost or [::1] with the port",
        };
    }
    let mut origins = request.headers().get_all(header::ORIGIN).iter();
    let origin_ok = match (origins.next(), origins.next()) {
        (None, _) => true,
        (Some(origin), None) => origin.to_str().is_ok_and(|origin| {
            allowed_origins
                .iter()
                .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
        }),
        _ => false,
    };
    if !origin_ok {
        return Verdict::Reject {
            status: StatusCode::FORBIDDEN,
            reason: "this web page's origin may not open the event stream: list it in stream.allowed_origins",
        };
    }
    if request.uri().path() != EVENTS_PATH {
        return Verdict::Reject {
            status: StatusCode::NOT_FOUND,
            reason: "the event stream is at /events",
        };
    }
    let expected = token.as_bytes();
    let mut accepted = false;
    for presented in bearer_tokens(request) {
        accepted |= tokens_equal(presented.as_bytes(), expected);
    }
    for presented in query_tokens(request) {
        accepted |= tokens_equal(presented.as_bytes(), expected);
    }
    let mut protocol = None;
    for entry in protocol_entries(request) {
        if let Some(presented) = entry.strip_prefix(TOKEN_PROTOCOL_PREFIX) {
            if tokens_equal(presented.as_bytes(), expected) && protocol.is_none() {
                protocol = HeaderValue::from_str(entry).ok();
                accepted = true;
            }
        }
    }
    if accepted {
        Verdict::Accept { protocol }
    } else {
        Verdict::Reject {
            status: StatusCode::UNAUTHORIZED,
            reason: "missing or wrong stream token: see `callcue stream-info`",
        }
    }
}

/// The handshake callback's answer for a verdict (the signature is tungstenite's).
#[allow(clippy::result_large_err)]
pub(super) fn respond(verdict: Verdict, mut response: Response) -> Result<Response, ErrorResponse> {
    match verdict {
        Verdict::Accept { protocol } => {
            if let Some(protocol) = protocol {
                response
                    .headers_mut()
                    .insert(header::SEC_WEBSOCKET_PROTOCOL, protocol);
            }
            Ok(response)
        }
        Verdict::Reject { status, reason } => Err(error_response(status, reason)),
    }
}

/// A plain-text HTTP error with a one-line body; the connection is closed after it.
pub(super) fn error_response(status: StatusCode, reason: &str) -> ErrorResponse {
    let body = format!("{reason}\n");
    let mut builder = tokio_tungstenite::tungstenite::http::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::CONNECTION, "close");
    if status == StatusCode::UNAUTHORIZED {
        builder = builder.header(header::WWW_AUTHENTICATE, "Bearer");
    }
    builder.body(Some(body)).unwrap_or_else(|_| {
        // Every part above is a constant or a number: building cannot fail. Stay safe.
        let mut fallback = ErrorResponse::new(None);
        *fallback.status_mut() = status;
        fallback
    })
}

/// Whether a `Host` header value names the loopback interface on `port` (or on no port
/// given: the name is what matters against DNS rebinding).
pub(super) fn is_loopback_host(host: &str, port: u16) -> bool {
    let (name, port_text) = match host.rsplit_once(':') {
        Some((name, port_text)) if !host.ends_with(']') => (name, Some(port_text)),
        _ => (host, None),
    };
    let name_ok = name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost");
    let port_ok = match port_text {
        None => true,
        Some(text) => {
            !text.is_empty()
                && text.bytes().all(|b| b.is_ascii_digit())
                && text.parse::<u16>() == Ok(port)
        }
    };
    name_ok && port_ok
}

/// Tokens from `Authorization: Bearer TOKEN` headers.
fn bearer_tokens(request: &Request) -> impl Iterator<Item = &str> {
    request
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
}

/// Tokens from `token=` in the query string, percent-decoded.
fn query_tokens(request: &Request) -> impl Iterator<Item = String> + '_ {
    request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| *key == "token")
        .filter_map(|(_, value)| percent_decode(value))
}

/// The comma-separated entries of every `Sec-WebSocket-Protocol` header.
fn protocol_entries(request: &Request) -> impl Iterator<Item = &str> {
    request
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
}

/// `%XX` escapes decoded (and `+` as a space); `None` for text that is not UTF-8 once
/// decoded. A malformed escape stays as it is (and so matches no token).
fn percent_decode(text: &str) -> Option<String> {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// Compares a presented token with the expected one in constant time for tokens of the
/// expected length (the length itself is no secret: every token has the same).
pub(super) fn tokens_equal(presented: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    presented.ct_eq(expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_with_the_port_pass() {
        for host in [
            "127.0.0.1:4000",
            "localhost:4000",
            "LocalHost:4000",
            "[::1]:4000",
        ] {
            assert!(is_loopback_host(host, 4000), "{host}");
        }
        // Without a port, as documented: the name is what the defence needs.
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            assert!(is_loopback_host(host, 4000), "{host}");
        }
    }

    #[test]
    fn other_hosts_and_ports_fail() {
        for host in [
            "evil.example:4000",
            "127.0.0.1.evil.example:4000",
            "localhost.evil.example:4000",
            "127.0.0.2:4000",
            "127.0.0.1:4001",
            "evil.example",
            "[::2]:4000",
            "[::1]x:4000",
            "[::1:4000",
            "localhost:4000:1",
            "",
        ] {
            assert!(!is_loopback_host(host, 4000), "{host}");
        }
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(tokens_equal(b"abcdef", b"abcdef"));
        assert!(!tokens_equal(b"abcdeg", b"abcdef"));
        assert!(!tokens_equal(b"abcde", b"abcdef"));
        assert!(!tokens_equal(b"abcdefg", b"abcdef"));
        assert!(!tokens_equal(b"", b"abcdef"));
    }

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(percent_decode("a%2Db+c").as_deref(), Some("a-b c"));
        assert_eq!(percent_decode("%4").as_deref(), Some("%4"));
        assert_eq!(percent_decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(percent_decode("%ff"), None);
    }

    fn request(host: &str, path: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().uri(path).header("Host", host);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn checks_run_host_then_path_then_token() {
        let token = "0123456789abcdef0123";
        let verdict = |host, path, headers: &[(&str, &str)]| {
            check_request(&request(host, path, headers), token, 4000, &[])
        };
        let status = |v: Verdict| match v {
            Verdict::Accept { .. } => StatusCode::SWITCHING_PROTOCOLS,
            Verdict::Reject { status, .. } => status,
        };
        assert_eq!(
            status(verdict("evil:4000", "/nope", &[])),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(verdict("localhost:4000", "/nope", &[])),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status(verdict("localhost:4000", "/events", &[])),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status(verdict("localhost:4000", "/events?token=wrong", &[])),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            verdict(
                "localhost:4000",
                "/events?x=1&token=0123456789abcdef0123",
                &[]
            ),
            Verdict::Accept { protocol: None }
        );
        assert_eq!(
            verdict(
                "localhost:4000",
                "/events",
                &[("Authorization", "bearer 0123456789abcdef0123")]
            ),
            Verdict::Accept { protocol: None }
        );
        assert_eq!(
            status(verdict(
                "localhost:4000",
                "/events",
                &[("Authorization", "Basic 0123456789abcdef0123")]
            )),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            verdict(
                "localhost:4000",
                "/events",
                &[(
                    "Sec-WebSocket-Protocol",
                    "callcue.v1, callcue.token.0123456789abcdef0123"
                )]
            ),
            Verdict::Accept {
                protocol: Some(HeaderValue::from_static(
                    "callcue.token.0123456789abcdef0123"
                ))
            }
        );
    }
}
