//! Which audio devices there are, and finding the one the config or command line names.

use std::str::FromStr;

use cpal::traits::{DeviceTrait, HostTrait};

use super::CaptureError;
use crate::event::Speaker;

/// One device as `callcue devices` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The id to paste into config or `--agent-device` / `--caller-device`.
    pub id: String,
    /// The name people see.
    pub name: String,
    pub can_capture: bool,
    pub is_output: bool,
    /// A loopback of an output: a PulseAudio monitor, or a Windows output (WASAPI
    /// captures what an output plays).
    pub is_loopback: bool,
}

impl DeviceInfo {
    pub fn of(device: &cpal::Device) -> Self {
        let id = device.id().map(|id| id.to_string()).unwrap_or_default();
        let description = device.description().ok();
        let name = description
            .as_ref()
            .map(|d| d.name().to_string())
            .unwrap_or_else(|| id.clone());
        let is_output = device.supports_output();
        let is_monitor = id.ends_with(".monitor") || name.starts_with("Monitor of ");
        let is_wasapi_output = id.starts_with("wasapi:") && is_output;
        Self {
            can_capture: device.supports_input() || is_wasapi_output,
            is_output,
            is_loopback: is_monitor || is_wasapi_output,
            id,
            name,
        }
    }
}

/// The hosts worth listing: on Linux, PulseAudio (PipeWire serves it too) when its server
/// answers, since ALSA's list then repeats the same hardware as raw plugins; otherwise the
/// platform's default host. `all` lists every host.
fn hosts(all: bool) -> Vec<cpal::Host> {
    quiet_alsa_diagnostics();
    let available = cpal::available_hosts();
    if all {
        return available
            .into_iter()
            .filter_map(|id| cpal::host_from_id(id).ok())
            .collect();
    }
    #[cfg(target_os = "linux")]
    if available.contains(&cpal::HostId::PulseAudio) {
        if let Ok(host) = cpal::host_from_id(cpal::HostId::PulseAudio) {
            return vec![host];
        }
    }
    vec![cpal::default_host()]
}

/// Every device of the preferred host (or of all hosts), in the host's order.
pub fn list_devices(all_hosts: bool) -> Vec<DeviceInfo> {
    let mut list = Vec::new();
    for host in hosts(all_hosts) {
        if let Ok(devices) = host.devices() {
            list.extend(devices.map(|d| DeviceInfo::of(&d)));
        }
    }
    list
}

/// Finds the device `spec` names for `side`: an exact id (`pulseaudio:caller.monitor`),
/// else a device whose id or name contains `spec` (case-insensitive, one match only).
/// An empty `spec` is the side's default: the default input for the agent (never a
/// loopback), the loopback of the default output for the caller.
pub fn find_device(side: Speaker, spec: &str) -> Result<cpal::Device, CaptureError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return default_device(side);
    }
    quiet_alsa_diagnostics();
    if let Ok(id) = cpal::DeviceId::from_str(spec) {
        if let Ok(host) = cpal::host_from_id(id.host()) {
            if let Some(device) = host.device_by_id(&id) {
                return Ok(device);
            }
        }
    }
    let wanted = spec.to_lowercase();
    let mut matches: Vec<(cpal::Device, DeviceInfo)> = Vec::new();
    for host in hosts(false) {
        let Ok(devices) = host.devices() else {
            continue;
        };
        for device in devices {
            let info = DeviceInfo::of(&device);
            if !info.can_capture {
                continue;
            }
            if info.id.to_lowercase() == wanted {
                return Ok(device);
            }
            if info.id.to_lowercase().contains(&wanted)
                || info.name.to_lowercase().contains(&wanted)
            {
                matches.push((device, info));
            }
        }
    }
    match matches.len() {
        0 => Err(CaptureError::NotFound {
            side,
            spec: spec.to_string(),
        }),
        1 => Ok(matches.remove(0).0),
        _ => Err(CaptureError::Ambiguous {
            side,
            spec: spec.to_string(),
            candidates: matches
                .iter()
                .map(|(_, info)| info.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn default_device(side: Speaker) -> Result<cpal::Device, CaptureError> {
    let no_default = |message: &str| CaptureError::NoDefault {
        side,
        message: message.to_string(),
    };
    let host = hosts(false)
        .into_iter()
        .next()
        .ok_or_else(|| no_default("no audio system found"))?;
    match side {
        Speaker::Agent => {
            let input = host.default_input_device().ok_or_else(|| {
                no_default("no default input (microphone); set capture.agent_device")
            })?;
            // With no microphone plugged in, PulseAudio makes an output's monitor the
            // default input: taken for the agent, every word the caller says would count
            // as the agent talking over them.
            let info = DeviceInfo::of(&input);
            if info.is_loopback {
                return Err(no_default(&format!(
                    "the default input is {} ({}), a loopback of an output, not a microphone: \
                     plug in the headset or set capture.agent_device",
                    info.name, info.id
                )));
            }
            Ok(input)
        }
        Speaker::Caller => {
            let output = host.default_output_device().ok_or_else(|| {
                no_default("no default output to capture; set capture.caller_device")
            })?;
            let info = DeviceInfo::of(&output);
            if info.id.starts_with("wasapi:") {
                // WASAPI captures what an output plays when opened for input.
                return Ok(output);
            }
            let monitor_id = format!("{}.monitor", info.id);
            cpal::DeviceId::from_str(&monitor_id)
                .ok()
                .and_then(|id| host.device_by_id(&id))
                .ok_or_else(|| {
                    no_default(
                        "no loopback of the default output found; set capture.caller_device \
                         to a loopback or monitor device (`callcue devices`)",
                    )
                })
        }
    }
}

/// Whether the device `id` is still there. Some hosts (PulseAudio among them) end a
/// stream whose device disappears without reporting an error, so presence is checked.
/// `hosts` caches one connection per audio system between checks.
pub fn device_present(id: &cpal::DeviceId, hosts: &mut Vec<cpal::Host>) -> bool {
    quiet_alsa_diagnostics();
    let host_id = id.host();
    if !hosts.iter().any(|h| h.id() == host_id) {
        match cpal::host_from_id(host_id) {
            Ok(host) => hosts.push(host),
            // The audio system itself is gone.
            Err(_) => return false,
        }
    }
    hosts
        .iter()
        .find(|h| h.id() == host_id)
        .is_some_and(|host| host.device_by_id(id).is_some())
}

/// Keeps libasound's own diagnostics ("ALSA lib pcm.c:2666: Unknown PCM default") off
/// standard error: without a sound server, every look for a device would print a dozen
/// such lines. callcue reports device problems itself, once, in one line.
#[cfg(target_os = "linux")]
pub fn quiet_alsa_diagnostics() {
    use std::ffi::{c_char, c_int};
    use std::sync::Once;

    /// Takes libasound's report and drops it. libasound calls its handler as a C
    /// variadic function; one that reads none of the variadic arguments receives the
    /// fixed ones the same way on the Linux calling conventions (x86-64, AArch64).
    unsafe extern "C" fn ignore(
        _file: *const c_char,
        _line: c_int,
        _function: *const c_char,
        _err: c_int,
        _fmt: *const c_char,
    ) {
    }

    type Handler =
        Option<unsafe extern "C" fn(*const c_char, c_int, *const c_char, c_int, *const c_char)>;
    extern "C" {
        // libasound is linked already (cpal's ALSA host).
        fn snd_lib_error_set_handler(handler: Handler) -> c_int;
    }

    static ONCE: Once = Once::new();
    // SAFETY: sets a process-wide handler once, before any device is looked at; the
    // handler touches nothing.
    ONCE.call_once(|| unsafe {
        snd_lib_error_set_handler(Some(ignore));
    });
}

/// Elsewhere there is nothing to quiet.
#[cfg(not(target_os = "linux"))]
pub fn quiet_alsa_diagnostics() {}
