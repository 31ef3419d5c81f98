//! The sections around the analysis: privacy, the agent's voice profile, live capture,
//! finding calls in the audio, bleed, the overlay window and the event stream.
//! Declarations only; see `declare.rs` for the syntax.

use super::declare::section;

section! {
    /// What leaves memory. Transcripts live in memory for the call only, unless
    /// save_transcripts says otherwise.
    [privacy] PrivacyConfig {
        /// Write each call's final transcripts to transcripts_dir, one file per call, readable by
        /// this user only (live and replays).
        save_transcripts: bool = false;
        /// Where saved transcripts go ("" = the user's data directory, callcue/transcripts).
        transcripts_dir: String = "";
        /// Mask runs of 6 or more digits (card and account numbers) in transcripts, keeping the
        /// last 4: in events, on screen and in saved files.
        mask_numbers: bool = true;
    }
}

section! {
    /// The agent's voice profile: how this agent usually sounds (median pitch, pitch movement,
    /// loudness, roughness and pace over their latest calls; numbers only, no audio or words),
    /// kept in a file only they can read. `smile` and `slow_down` judge each live call against
    /// it from the first second. The first call calibrates it; until then each call's own
    /// baseline is used. `callcue profile reset` starts it again. Replays never read or write
    /// it (unless given one with --agent-profile).
    [agent_profile] AgentProfileConfig {
        /// Keep and use the profile in live coaching (off: each call's own baseline).
        enabled: bool = true;
        /// Where it is kept ("" = the user's data directory, callcue/agent-profile.json).
        path: String = "";
        /// A call adds to the profile only with this much calm agent speech ...
        min_speech_ms: u32 = 20_000, range(1000..=3_600_000);
        /// ... and the profile is the median of this many latest calls.
        keep_calls: u32 = 20, range(1..=1000);
    }
}

section! {
    /// Live capture (`callcue run`): which devices carry which side, and how the capture is
    /// looked after. A device is a full id from `callcue devices`
    /// ("pulseaudio:alsa_input.usb-headset.mono", "wasapi:...") or part of its name.
    [capture] CaptureConfig {
        /// The agent's microphone; "" = the system's default input.
        agent_device: String = "";
        /// What the softphone plays (the caller); "" = what the default output plays: the monitor
        /// of the default sink on Linux, the loopback of the default output on Windows.
        caller_device: String = "";
        /// A lost device (unplugged, switched) is looked for again this often.
        reattach_every_ms: u32 = 1000, range(100..=60_000);
        /// Audio each side's capture buffer holds before it overruns.
        ring_ms: u32 = 2000, range(200..=10_000);
        /// A side that delivers nothing this long while the other does counts as silent (loopback
        /// devices deliver nothing while the softphone plays nothing).
        stall_ms: u32 = 120, range(40..=2000);
    }
}

section! {
    /// Where calls begin and end. Softphone hooks (`callcue call start` / `callcue call end`)
    /// mark calls when set up; without them, calls are found in the audio.
    [calls] CallsConfig {
        /// Find calls in the audio when no hook has said so.
        detect_from_audio: bool = true;
        /// A call starts when the caller speaks after this long without caller audio ...
        idle_before_start_ms: u32 = 3000, range(0..=600_000);
        /// ... for this much speech within a second.
        caller_speech_to_start_ms: u32 = 400, range(100..=1000);
        /// Two-sided silence this long ends a call found in the audio.
        end_after_silence_ms: u32 = 45_000, range(2000..=3_600_000);
        /// Audio from before the start that is analysed too, so the agent's greeting and the
        /// caller's first words count.
        preroll_ms: u32 = 4000, range(0..=10_000);
    }
}

section! {
    /// The caller's voice leaking into the agent's microphone (speakers, an open headset) is
    /// not the agent talking: agent-side speech whose loudness envelope follows the caller's
    /// audio is ignored.
    [bleed] BleedConfig {
        /// Look for the caller's voice in the agent's microphone.
        enabled: bool = true;
        /// Correlation of the two sides' loudness envelopes at or above which agent-side speech
        /// counts as the caller's voice leaking in.
        min_correlation: f32 = 0.8, range(0.3..=1.0);
        /// Longest delay from the caller's audio to its echo in the microphone.
        max_delay_ms: u32 = 200, range(10..=500);
    }
}

section! {
    /// The always-on-top window beside the softphone with the current nudge. It never takes
    /// keyboard focus. Position and size are in logical pixels (scaled with the display's scale
    /// factor); where the agent drags it is remembered per user and wins over x_px and y_px.
    [overlay] OverlayConfig {
        /// Show the window (`callcue run --no-overlay` overrides).
        enabled: bool = true;
        /// Left edge, from the left of the primary screen.
        x_px: i32 = 40, range(-100_000..=100_000);
        /// Top edge, from the top of the primary screen.
        y_px: i32 = 40, range(-100_000..=100_000);
        /// Width of the window.
        width_px: u32 = 360, range(160..=2000);
        /// Height of the window.
        height_px: u32 = 96, range(48..=1000);
        /// From faint (0.3) to opaque (1).
        opacity: f32 = 0.92, range(0.3..=1.0);
        /// A nudge shows for nudges.display_ms, then fades out over this long.
        fade_ms: u32 = 800, range(0..=5000);
        /// "auto" follows the desktop.
        theme: String = "auto", one_of("auto", "dark", "light");
        /// The caller's mood trend and the talk ratio under the nudge.
        show_indicators: bool = true;
        /// A key that snoozes nudges for the rest of the call from anywhere, e.g. "ctrl+alt+s"; ""
        /// = none (a click on the overlay snoozes too).
        snooze_hotkey: String = "";
    }
}

section! {
    /// The event stream for integrations: the same JSON events on
    /// `ws://127.0.0.1:<port>/events` for CRM panels and softphone plugins. Clients must
    /// present the per-install token (`callcue stream-info` shows it).
    [stream] StreamConfig {
        /// Serve the stream.
        enabled: bool = true;
        /// Port on 127.0.0.1 (0 = any free port, written to the log).
        port: u16 = 47_615;
        /// Where the token is kept ("" = the user's data directory, callcue/stream-token); created
        /// with a fresh random token when missing.
        token_file: String = "";
        /// Web pages that may open the stream from a browser, by origin, e.g.
        /// `["https://crm.example.com"]`; a browser page of any other origin is refused even with
        /// the token. Programs that are not browsers are not affected.
        allowed_origins: Vec<String> = [];
    }
}

section! {
    /// Call summaries for supervisors: each live call's totals (talk, interruptions, nudges;
    /// never words) appended to a daily file, with who and where, for `callcue report`.
    [fleet] FleetConfig {
        /// Keep each live call's summary in summaries_dir.
        save_summaries: bool = true;
        /// Where the daily files go ("" = the user's data directory, callcue/summaries).
        summaries_dir: String = "";
        /// Who the agent is in the summaries ("" = the login name).
        agent_id: String = "";
        /// The call centre or team, carried into each summary ("" = none).
        site: String = "";
        /// Also send each summary to the company's OpenTelemetry collector, as OTLP/HTTP
        /// logs, e.g. "http://collector.example.com:4318" ("/v1/logs" is added; "" = not
        /// sent). Needs save_summaries: the daily files are the queue, so summaries wait
        /// there while the collector cannot be reached and none is lost.
        otlp_endpoint: String = "";
        /// Extra HTTP headers for the collector, as "Name: value" (an API key, a tenant).
        otlp_headers: Vec<String> = [];
        /// Longest wait between tries while the collector cannot be reached, in seconds
        /// (waits double from 1 s up to this).
        otlp_retry_max_s: u32 = 60, range(1..=3600);
        /// Summaries not sent after this many days are no longer sent (they stay in the
        /// daily files).
        otlp_backlog_days: u32 = 7, range(1..=365);
    }
}
