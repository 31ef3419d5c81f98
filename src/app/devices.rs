//! `callcue devices`: the audio devices there are, with the ids to paste into config or
//! `--agent-device` / `--caller-device`.

use callcue::capture::list_devices;

pub fn print(all_hosts: bool) -> anyhow::Result<()> {
    let devices = list_devices(all_hosts);
    if devices.is_empty() {
        println!("no audio devices found (is the sound server running?)");
        return Ok(());
    }
    let id_width = devices.iter().map(|d| d.id.len()).max().unwrap_or(2).max(2);
    println!("{:<id_width$}  {:<8}  NAME", "ID", "KIND");
    for device in &devices {
        let kind = if device.is_loopback {
            "loopback"
        } else if device.can_capture {
            "input"
        } else {
            "output"
        };
        println!("{:<id_width$}  {kind:<8}  {}", device.id, device.name);
    }
    println!();
    println!("agent side: an input (the headset microphone); caller side: a loopback of the");
    println!("softphone's output. Set capture.agent_device / capture.caller_device, or pass");
    println!("--agent-device ID / --caller-device ID to `callcue run`.");
    Ok(())
}
