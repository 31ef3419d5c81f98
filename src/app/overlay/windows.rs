//! Windows specifics that winit 0.30 does not offer: an overlay that never takes keyboard
//! focus from the softphone, stays on top and has no taskbar button.
//!
//! winit creates the window inactive (`with_active(false)`) but a click would still
//! activate it, and winit writes the window's extended style itself whenever its own
//! flags change (showing the window is one), so styles set once do not last.
//! [`refuse_focus`] therefore puts a window procedure in front of winit's (the classic
//! subclassing through `GWLP_WNDPROC`, the old procedure called for everything) that:
//! - answers `WM_MOUSEACTIVATE` with `MA_NOACTIVATE`: a click on the card does not
//!   activate the window, so keyboard focus stays in the softphone (the click itself still
//!   arrives: snooze and drag keep working);
//! - rewrites every extended-style change (`WM_STYLECHANGING`) to keep `WS_EX_NOACTIVATE`
//!   and `WS_EX_TOOLWINDOW` and drop `WS_EX_APPWINDOW`: no activation, no taskbar button,
//!   no Alt-Tab entry.
//!
//! It then sets those styles and topmost (`SetWindowPos(HWND_TOPMOST, .. SWP_NOACTIVATE)`)
//! and reads them back; one missing is reported (the caller logs a warning), never fatal.
//! One overlay window per process: the previous procedure is kept in a static.

use std::sync::atomic::{AtomicIsize, Ordering};

use raw_window_handle::{HasWindowHandle, RawWindowHandle};
use windows_sys::Win32::Foundation::{HWND, LPARAM, LRESULT, WPARAM};
use windows_sys::Win32::UI::WindowsAndMessaging::{
    CallWindowProcW, GetWindowLongPtrW, SetWindowLongPtrW, SetWindowPos, GWLP_WNDPROC, GWL_EXSTYLE,
    HWND_TOPMOST, MA_NOACTIVATE, STYLESTRUCT, SWP_FRAMECHANGED, SWP_NOACTIVATE, SWP_NOMOVE,
    SWP_NOSIZE, WM_MOUSEACTIVATE, WM_STYLECHANGING, WNDPROC, WS_EX_APPWINDOW, WS_EX_NOACTIVATE,
    WS_EX_TOOLWINDOW, WS_EX_TOPMOST,
};

/// The extended styles the overlay keeps whatever winit writes.
const KEPT: u32 = WS_EX_NOACTIVATE | WS_EX_TOOLWINDOW;
/// The extended styles the overlay must have once set up.
const WANTED: u32 = KEPT | WS_EX_TOPMOST;

/// winit's window procedure, which ours hands every message on to.
static WINIT_PROC: AtomicIsize = AtomicIsize::new(0);

/// Keeps the overlay window from taking focus and out of the taskbar, on top.
pub fn refuse_focus(window: &impl HasWindowHandle) -> Result<(), String> {
    let handle = window
        .window_handle()
        .map_err(|e| format!("no window handle: {e}"))?;
    let RawWindowHandle::Win32(win32) = handle.as_raw() else {
        return Err("not a Win32 window".into());
    };
    let hwnd = win32.hwnd.get() as HWND;
    // SAFETY: `hwnd` is the live window of this thread's event loop (the handle borrow
    // above guarantees it exists). The procedure swap happens once, before any message
    // can reach `overlay_proc`, which only reads WINIT_PROC.
    let now = unsafe {
        if WINIT_PROC.load(Ordering::Acquire) == 0 {
            let ours: unsafe extern "system" fn(HWND, u32, WPARAM, LPARAM) -> LRESULT =
                overlay_proc;
            let previous = GetWindowLongPtrW(hwnd, GWLP_WNDPROC);
            WINIT_PROC.store(previous, Ordering::Release);
            SetWindowLongPtrW(hwnd, GWLP_WNDPROC, ours as usize as isize);
        }
        let style = GetWindowLongPtrW(hwnd, GWL_EXSTYLE) as u32;
        SetWindowLongPtrW(
            hwnd,
            GWL_EXSTYLE,
            ((style | KEPT) & !WS_EX_APPWINDOW) as isize,
        );
        SetWindowPos(
            hwnd,
            HWND_TOPMOST,
            0,
            0,
            0,
            0,
            SWP_NOMOVE | SWP_NOSIZE | SWP_NOACTIVATE | SWP_FRAMECHANGED,
        );
        GetWindowLongPtrW(hwnd, GWL_EXSTYLE) as u32
    };
    if now & WANTED == WANTED && now & WS_EX_APPWINDOW == 0 {
        Ok(())
    } else {
        Err(format!(
            "the window's extended style is {now:#x}, not {WANTED:#x} without {WS_EX_APPWINDOW:#x}"
        ))
    }
}

/// The overlay's window procedure in front of winit's (see the module docs).
unsafe extern "system" fn overlay_proc(
    hwnd: HWND,
    message: u32,
    wparam: WPARAM,
    lparam: LPARAM,
) -> LRESULT {
    match message {
        WM_MOUSEACTIVATE => return MA_NOACTIVATE as LRESULT,
        WM_STYLECHANGING if wparam as i32 == GWL_EXSTYLE => {
            // SAFETY: for WM_STYLECHANGING, lparam points to the STYLESTRUCT of the change,
            // which the receiver may modify.
            let change = unsafe { &mut *(lparam as *mut STYLESTRUCT) };
            change.styleNew = (change.styleNew | KEPT) & !WS_EX_APPWINDOW;
        }
        _ => {}
    }
    // SAFETY: WINIT_PROC holds the procedure this window had before ours (stored before
    // ours was installed), a valid WNDPROC for this window.
    unsafe {
        let previous: WNDPROC =
            std::mem::transmute::<isize, WNDPROC>(WINIT_PROC.load(Ordering::Acquire));
        CallWindowProcW(previous, hwnd, message, wparam, lparam)
    }
}
