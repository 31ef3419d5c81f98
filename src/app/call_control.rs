//! The local control socket: `callcue call start|end` reach the running instance.
//! (Being built.)

/// A command from a softphone hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallCommand {
    /// A call started, with the softphone's id if it gave one.
    Start { id: Option<String> },
    /// The call ended.
    End,
}

/// `callcue call start|end`: sends the command to the running instance.
pub fn send_from_cli(_command: CallCommand) -> anyhow::Result<()> {
    anyhow::bail!("call control is not built yet")
}
