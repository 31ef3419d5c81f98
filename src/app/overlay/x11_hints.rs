//! X11: tell the window manager that the overlay never takes keyboard focus, stays on top
//! and stays off the taskbar, before the window is first shown.
//!
//! winit 0.30 cannot create an X11 window inactive and offers no way to set these hints,
//! so they are written here through the system's libX11, loaded at run time (as winit
//! itself does; nothing new is linked): `WM_HINTS.input = False` (ICCCM "no input": the
//! window manager gives it neither focus on map nor on a click; pointer events still
//! arrive), `_NET_WM_USER_TIME = 0` (EWMH: do not focus on map) and `_NET_WM_STATE` =
//! above, skip taskbar, skip pager. eframe keeps the window unmapped until its first frame,
//! and the app is created before that, so the window manager sees the hints when it maps
//! the window. Everything goes through a separate connection to the X server, and an
//! X error is caught and reported, never fatal.

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CStr};

type Display = c_void;
type Window = c_ulong;
type Atom = c_ulong;
type ErrorHandler = Option<unsafe extern "C" fn(*mut Display, *mut c_void) -> c_int>;

/// Xlib's `XWMHints`.
#[repr(C)]
struct WmHints {
    flags: c_long,
    input: c_int,
    initial_state: c_int,
    icon_pixmap: c_ulong,
    icon_window: c_ulong,
    icon_x: c_int,
    icon_y: c_int,
    icon_mask: c_ulong,
    window_group: c_ulong,
}

const INPUT_HINT: c_long = 1;
const XA_ATOM: Atom = 4;
const XA_CARDINAL: Atom = 6;
const PROP_MODE_REPLACE: c_int = 0;
const RTLD_NOW: c_int = 2;
const RTLD_LOCAL: c_int = 0;

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlclose(handle: *mut c_void) -> c_int;
}

/// The few libX11 functions used, looked up at run time.
struct Xlib {
    library: *mut c_void,
    open_display: unsafe extern "C" fn(*const c_char) -> *mut Display,
    close_display: unsafe extern "C" fn(*mut Display) -> c_int,
    intern_atom: unsafe extern "C" fn(*mut Display, *const c_char, c_int) -> Atom,
    get_wm_hints: unsafe extern "C" fn(*mut Display, Window) -> *mut WmHints,
    alloc_wm_hints: unsafe extern "C" fn() -> *mut WmHints,
    set_wm_hints: unsafe extern "C" fn(*mut Display, Window, *mut WmHints) -> c_int,
    change_property:
        unsafe extern "C" fn(*mut Display, Window, Atom, Atom, c_int, c_int, *const u8, c_int) -> c_int,
    free: unsafe extern "C" fn(*mut c_void) -> c_int,
    sync: unsafe extern "C" fn(*mut Display, c_int) -> c_int,
    set_error_handler: unsafe extern "C" fn(ErrorHandler) -> ErrorHandler,
}

impl Xlib {
    fn load() -> Result<Self, String> {
        let names: [&CStr; 2] = [c"libX11.so.6", c"libX11.so"];
        // SAFETY: dlopen with a valid C string; a null result is handled.
        let library = names
            .iter()
            .map(|name| unsafe { dlopen(name.as_ptr(), RTLD_NOW | RTLD_LOCAL) })
            .find(|handle| !handle.is_null())
            .ok_or("libX11 not found")?;
        macro_rules! symbol {
            ($name:literal) => {{
                // SAFETY: the symbol is looked up in libX11 and has the C signature the
                // field it is assigned to declares (Xlib's documented prototypes).
                let pointer = unsafe { dlsym(library, $name.as_ptr()) };
                if pointer.is_null() {
                    unsafe { dlclose(library) };
                    return Err(format!("libX11 lacks {}", $name.to_string_lossy()));
                }
                unsafe { std::mem::transmute::<*mut c_void, _>(pointer) }
            }};
        }
        Ok(Self {
            library,
            open_display: symbol!(c"XOpenDisplay"),
            close_display: symbol!(c"XCloseDisplay"),
            intern_atom: symbol!(c"XInternAtom"),
            get_wm_hints: symbol!(c"XGetWMHints"),
            alloc_wm_hints: symbol!(c"XAllocWMHints"),
            set_wm_hints: symbol!(c"XSetWMHints"),
            change_property: symbol!(c"XChangeProperty"),
            free: symbol!(c"XFree"),
            sync: symbol!(c"XSync"),
            set_error_handler: symbol!(c"XSetErrorHandler"),
        })
    }
}

impl Drop for Xlib {
    fn drop(&mut self) {
        // SAFETY: the handle came from dlopen; no function pointer outlives `self`.
        unsafe { dlclose(self.library) };
    }
}

/// Set by the temporary error handler while the hints are written.
static X_ERROR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

unsafe extern "C" fn note_error(_display: *mut Display, _event: *mut c_void) -> c_int {
    X_ERROR.store(true, std::sync::atomic::Ordering::SeqCst);
    0
}

/// Writes the no-focus, on-top, no-taskbar hints on `window` (an X window id).
pub fn refuse_focus(window: u64) -> Result<(), String> {
    let xlib = Xlib::load()?;
    let window = Window::try_from(window).map_err(|_| "window id out of range".to_string())?;
    // SAFETY: every call below is an Xlib call on a display this function opened and
    // closes, with pointers that are valid for the call (hints from Xlib, freed with
    // XFree; property data borrowed from locals). The error handler is swapped only for
    // the duration and restored; this runs on the window's thread while winit waits.
    unsafe {
        let display = (xlib.open_display)(std::ptr::null());
        if display.is_null() {
            return Err("cannot open the display".into());
        }
        X_ERROR.store(false, std::sync::atomic::Ordering::SeqCst);
        let previous = (xlib.set_error_handler)(Some(note_error));

        let mut hints = (xlib.get_wm_hints)(display, window);
        if hints.is_null() {
            hints = (xlib.alloc_wm_hints)();
        }
        if !hints.is_null() {
            (*hints).flags |= INPUT_HINT;
            (*hints).input = 0;
            (xlib.set_wm_hints)(display, window, hints);
            (xlib.free)(hints.cast());
        }

        let atom = |name: &CStr| (xlib.intern_atom)(display, name.as_ptr(), 0);
        let user_time: [c_long; 1] = [0];
        (xlib.change_property)(
            display,
            window,
            atom(c"_NET_WM_USER_TIME"),
            XA_CARDINAL,
            32,
            PROP_MODE_REPLACE,
            user_time.as_ptr().cast(),
            1,
        );
        // Format 32 property data is an array of C longs.
        let states: [c_long; 3] = [
            atom(c"_NET_WM_STATE_ABOVE") as c_long,
            atom(c"_NET_WM_STATE_SKIP_TASKBAR") as c_long,
            atom(c"_NET_WM_STATE_SKIP_PAGER") as c_long,
        ];
        (xlib.change_property)(
            display,
            window,
            atom(c"_NET_WM_STATE"),
            XA_ATOM,
            32,
            PROP_MODE_REPLACE,
            states.as_ptr().cast(),
            states.len() as c_int,
        );

        (xlib.sync)(display, 0);
        (xlib.set_error_handler)(previous);
        (xlib.close_display)(display);
    }
    if X_ERROR.load(std::sync::atomic::Ordering::SeqCst) {
        return Err("the X server refused the window hints".into());
    }
    Ok(())
}
