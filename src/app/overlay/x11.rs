//! X11 specifics that winit 0.30 does not offer: keep the overlay from ever taking keyboard
//! focus, and move or resize it without the window manager's help.
//!
//! winit cannot create an X11 window inactive, so the hints are written here through the
//! system's libX11, loaded at run time by `x11-dl` as winit itself does (nothing new is
//! linked), on a connection of our own to the X server:
//! - `WM_HINTS.input = False` (ICCCM "no input": the window manager gives the window focus
//!   neither when it is mapped nor when it is clicked; pointer events still arrive),
//!   `_NET_WM_USER_TIME = 0` (EWMH: do not focus on map), and `_NET_WM_STATE` = above, skip
//!   taskbar, skip pager. eframe keeps the window unmapped until its first frame and the
//!   app is created before that, so the window manager reads them when it maps the window.
//! - Window managers refuse to start an interactive move (`_NET_WM_MOVERESIZE`) of a
//!   window that takes no input, so the overlay moves itself: the pointer's position on
//!   the root window ([`X11::pointer_on_root`]) places the window while the button is held.
//!
//! An X error is caught and reported, never fatal; the process's Xlib error handler is
//! swapped only for the duration of the calls, on the window's thread.

use std::ffi::{c_int, c_long, CStr};
use std::sync::atomic::{AtomicBool, Ordering};

use x11_dl::xlib::{self, Display, Window, XErrorEvent, Xlib};

/// Set by the temporary error handler.
static X_ERROR: AtomicBool = AtomicBool::new(false);

unsafe extern "C" fn note_error(_display: *mut Display, _event: *mut XErrorEvent) -> c_int {
    X_ERROR.store(true, Ordering::SeqCst);
    0
}

/// A connection to the X server named by `DISPLAY`, for the overlay's own window.
pub struct X11 {
    display: *mut Display,
    root: Window,
    xlib: Xlib,
}

impl X11 {
    pub fn connect() -> Result<Self, String> {
        let xlib = Xlib::open().map_err(|e| format!("libX11 not usable: {e}"))?;
        // SAFETY: XOpenDisplay(NULL) opens $DISPLAY; a null result is handled.
        let display = unsafe { (xlib.XOpenDisplay)(std::ptr::null()) };
        if display.is_null() {
            return Err("cannot open the X display".into());
        }
        // SAFETY: a valid, open display.
        let root = unsafe { (xlib.XDefaultRootWindow)(display) };
        Ok(Self {
            display,
            root,
            xlib,
        })
    }

    /// Runs Xlib calls with X errors caught; `Err` if any call raised one.
    fn guarded<R>(&self, calls: impl FnOnce(&Xlib, *mut Display) -> R) -> Result<R, String> {
        X_ERROR.store(false, Ordering::SeqCst);
        // SAFETY: Xlib calls on our open display; the process's error handler is restored
        // before returning. Called on the window's thread only.
        let result = unsafe {
            let previous = (self.xlib.XSetErrorHandler)(Some(note_error));
            let result = calls(&self.xlib, self.display);
            (self.xlib.XSync)(self.display, xlib::False);
            (self.xlib.XSetErrorHandler)(previous);
            result
        };
        if X_ERROR.load(Ordering::SeqCst) {
            Err("the X server refused a request".into())
        } else {
            Ok(result)
        }
    }

    /// Writes the no-focus, on-top, no-taskbar hints on `window` (an X window id), before
    /// it is mapped.
    pub fn refuse_focus(&self, window: u64) -> Result<(), String> {
        let window = Window::try_from(window).map_err(|_| "window id out of range")?;
        self.guarded(|x, display| {
            // SAFETY: hints come from Xlib and are freed with XFree; the property data is
            // borrowed from locals for the duration of each call; format 32 data is an
            // array of C longs.
            unsafe {
                let mut hints = (x.XGetWMHints)(display, window);
                if hints.is_null() {
                    hints = (x.XAllocWMHints)();
                }
                if !hints.is_null() {
                    (*hints).flags |= xlib::InputHint;
                    (*hints).input = xlib::False;
                    (x.XSetWMHints)(display, window, hints);
                    (x.XFree)(hints.cast());
                }
                let atom = |name: &CStr| (x.XInternAtom)(display, name.as_ptr(), xlib::False);
                let user_time: [c_long; 1] = [0];
                (x.XChangeProperty)(
                    display,
                    window,
                    atom(c"_NET_WM_USER_TIME"),
                    xlib::XA_CARDINAL,
                    32,
                    xlib::PropModeReplace,
                    user_time.as_ptr().cast(),
                    1,
                );
                let states: [c_long; 3] = [
                    atom(c"_NET_WM_STATE_ABOVE") as c_long,
                    atom(c"_NET_WM_STATE_SKIP_TASKBAR") as c_long,
                    atom(c"_NET_WM_STATE_SKIP_PAGER") as c_long,
                ];
                (x.XChangeProperty)(
                    display,
                    window,
                    atom(c"_NET_WM_STATE"),
                    xlib::XA_ATOM,
                    32,
                    xlib::PropModeReplace,
                    states.as_ptr().cast(),
                    states.len() as c_int,
                );
            }
        })
    }

    /// Where the pointer is on the screen, in physical pixels from the top-left corner of
    /// the root window.
    pub fn pointer_on_root(&self) -> Option<(i32, i32)> {
        let (mut root, mut child) = (0, 0);
        let (mut x, mut y, mut win_x, mut win_y) = (0, 0, 0, 0);
        let mut mask = 0;
        let on_screen = self
            .guarded(|xl, display| {
                // SAFETY: every out-pointer is a live local.
                unsafe {
                    (xl.XQueryPointer)(
                        display, self.root, &mut root, &mut child, &mut x, &mut y, &mut win_x,
                        &mut win_y, &mut mask,
                    )
                }
            })
            .ok()?;
        (on_screen != 0).then_some((x, y))
    }
}

impl Drop for X11 {
    /// Closes the display (libX11 itself stays loaded, as winit's does).
    fn drop(&mut self) {
        // SAFETY: the display was opened by `connect` and is closed once.
        unsafe { (self.xlib.XCloseDisplay)(self.display) };
    }
}
