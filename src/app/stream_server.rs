//! The event stream for integrations: JSON events on a loopback-only WebSocket.
//! (Being built.)

use callcue::config::Config;

/// `callcue stream-info`: the address and the token a client needs.
pub fn print_info(_config: &Config) -> anyhow::Result<()> {
    anyhow::bail!("the event stream is not built yet")
}
